//! The `AccountRules` port: prop-firm (or any account-level) limits.

use serde::{Deserialize, Serialize};

use crate::market::Timestamp;
use crate::money::{Money, Qty};
use crate::order::OrderIntent;
use crate::portfolio::PortfolioSnapshot;

/// What the account rules see when judging an intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountContext<'a> {
    /// Portfolio figures now.
    pub portfolio: &'a PortfolioSnapshot,
    /// Closed balance: equity minus unrealised P&L (what the account holds with no floating P&L).
    pub balance: Money,
    /// Estimated fees and slippage of this intent's round trip.
    pub estimated_costs: Money,
    /// Now.
    pub now: Timestamp,
}

/// An account rule's verdict on an intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum RuleVerdict {
    /// Fits as is.
    Allow,
    /// Fits only at a smaller size.
    Shrink {
        /// Largest quantity that fits.
        max_qty: Qty,
        /// Rule name.
        rule: String,
        /// Figures.
        detail: String,
    },
    /// Does not fit at any size.
    Reject {
        /// Rule name.
        rule: String,
        /// Figures.
        detail: String,
    },
}

/// Account-level limits checked by the trade gate (e.g. FTMO daily and max loss).
///
/// Contract: `evaluate` is pure with respect to the intent (it MUST NOT record the
/// intent as traded) and MUST answer `Reject` once a limit is breached.
pub trait AccountRules: Send + Sync {
    /// Stable name of the rule set (e.g. `ftmo_2step_challenge`).
    fn name(&self) -> &str;
    /// Judges an intent against the remaining headroom.
    fn evaluate(&self, intent: &OrderIntent, ctx: &AccountContext<'_>) -> RuleVerdict;
}
