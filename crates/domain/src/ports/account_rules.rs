//! The `AccountRules` port: prop-firm (or any account-level) limits.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::account::{AccountBreach, AccountMark, RiskBook};
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

/// A persisted account state could not be restored.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("account rules {rules}: cannot restore state: {reason}")]
pub struct AccountStateError {
    /// The rule set's name.
    pub rules: String,
    /// What is wrong with the state (malformed, or made for another account).
    pub reason: String,
}

/// Account-level limits checked by the trade gate (e.g. FTMO daily and max loss).
///
/// Contract:
/// - `evaluate` is pure with respect to the intent (it MUST NOT record the intent
///   as traded) and MUST answer `Reject` once a limit is breached (`breach()` is `Some`).
/// - `observe` is the only way equity reaches the rules: the engine MUST call it at
///   every mark (and after every fill) in time order. It MUST return `Some` exactly
///   when this mark newly breaches a line (the first buffered touch, then the first
///   firm breach), and `None` otherwise.
/// - `position_opened` MUST be called once per position opened, with the fill time.
/// - `restore_json(state_json())` MUST give back exactly the same state.
///
/// Every method but `name` and `evaluate` has a default that keeps no state, so a
/// stateless rule set only implements those two.
pub trait AccountRules: Send + Sync {
    /// Stable name of the rule set (e.g. `ftmo-2step-challenge`).
    fn name(&self) -> &str;

    /// Judges an intent against the remaining headroom.
    fn evaluate(&self, intent: &OrderIntent, ctx: &AccountContext<'_>) -> RuleVerdict;

    /// Feeds the account's figures at one instant; returns the breach this mark caused, if new.
    fn observe(&self, mark: &AccountMark) -> Option<AccountBreach> {
        let _ = mark;
        None
    }

    /// Records that a position was opened at `at` (trading-day counting).
    fn position_opened(&self, at: Timestamp) {
        let _ = at;
    }

    /// The most severe breach so far, if any (a firm breach over a buffered one).
    fn breach(&self) -> Option<AccountBreach> {
        None
    }

    /// The account's limits and progress as of `at`, from the latest observed mark;
    /// `None` for rule sets without a risk book (or before the first mark).
    fn risk_book(&self, at: Timestamp) -> Option<RiskBook> {
        let _ = at;
        None
    }

    /// The state to persist, `None` for stateless rule sets.
    fn state_json(&self) -> Option<serde_json::Value> {
        None
    }

    /// Replaces the state with one `state_json` produced earlier (after a restart).
    fn restore_json(&self, state: &serde_json::Value) -> Result<(), AccountStateError> {
        let _ = state;
        Ok(())
    }
}
