//! The vocabulary of account-level rules (prop-firm limits such as FTMO's): what the
//! engine shows the rules at every mark, what a breach records, and the risk book
//! the runtime persists and displays.
//!
//! These types live in `domain` so that the engine, the store and the runtime can
//! speak about an account's limits without depending on a particular rule set; the
//! `ftmo` crate fills them in behind the [`AccountRules`](crate::ports::AccountRules) port.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::market::Timestamp;
use crate::money::Money;
use crate::portfolio::PortfolioSnapshot;

/// What the account looks like at one instant, as the engine tells the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountMark {
    /// When.
    pub at: Timestamp,
    /// Balance plus floating P/L of open positions (commissions and swaps included).
    pub equity: Money,
    /// Closed balance: equity without floating P/L.
    pub balance: Money,
    /// Number of open positions.
    pub open_positions: usize,
}

impl AccountMark {
    /// The mark of a portfolio snapshot taken at `at` (balance = equity − unrealised P/L).
    pub fn from_snapshot(at: Timestamp, snapshot: &PortfolioSnapshot) -> Self {
        Self {
            at,
            equity: snapshot.equity,
            balance: Money::new(
                snapshot
                    .equity
                    .value()
                    .saturating_sub(snapshot.unrealized_pnl.value()),
            ),
            open_positions: snapshot.open_positions,
        }
    }
}

/// Which account limit a breach concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountRule {
    /// The daily-loss floor (balance at the day's start minus the daily allowance).
    DailyLoss,
    /// The maximum-loss floor (static or trailing, depending on the product).
    MaxLoss,
}

impl AccountRule {
    /// Stable snake_case name (`daily_loss`, `max_loss`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountRule::DailyLoss => "daily_loss",
            AccountRule::MaxLoss => "max_loss",
        }
    }
}

impl fmt::Display for AccountRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of a rule's two lines equity went below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachLine {
    /// Our own line, a safety buffer above the firm's: the runtime stops here.
    Buffered,
    /// The firm's line: going below it fails the account at the firm.
    Firm,
}

impl BreachLine {
    /// Stable snake_case name (`buffered`, `firm`).
    pub fn as_str(self) -> &'static str {
        match self {
            BreachLine::Buffered => "buffered",
            BreachLine::Firm => "firm",
        }
    }
}

/// Equity went below one of the account's floors: which, when, and the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountBreach {
    /// The rule whose floor was crossed.
    pub rule: AccountRule,
    /// The line crossed: the buffered (guard) line or the firm's own.
    pub line: BreachLine,
    /// The mark at which it happened.
    pub at: Timestamp,
    /// Equity at that mark.
    pub equity: Money,
    /// Closed balance at that mark.
    pub balance: Money,
    /// The firm's floor of the rule at that instant.
    pub firm_floor: Money,
    /// The buffered floor of the rule at that instant (firm floor + buffer).
    pub guard_floor: Money,
}

impl AccountBreach {
    /// The floor of the line that was crossed.
    pub fn floor(&self) -> Money {
        match self.line {
            BreachLine::Buffered => self.guard_floor,
            BreachLine::Firm => self.firm_floor,
        }
    }
}

impl fmt::Display for AccountBreach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} line breached at {}: equity {} below floor {} (firm floor {}, guard floor {}, balance {})",
            self.rule,
            self.line.as_str(),
            self.at.to_rfc3339(),
            self.equity,
            self.floor(),
            self.firm_floor,
            self.guard_floor,
            self.balance
        )
    }
}

/// Where one objective of an account phase stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveStatus {
    /// The product has no such objective.
    NotApplicable,
    /// Not met yet, still reachable.
    InProgress,
    /// Met.
    Met,
    /// Failed for good (a loss limit was breached).
    Failed,
}

/// The objectives of the account's phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objectives {
    /// Profit target on closed balance with no open positions.
    pub profit_target: ObjectiveStatus,
    /// Minimum number of trading days.
    pub min_trading_days: ObjectiveStatus,
    /// Best Day Rule (best day's profit ≤ 50 % of total profit); progress, never a failure.
    pub best_day: ObjectiveStatus,
    /// Daily-loss limit never crossed (firm line).
    pub daily_loss: ObjectiveStatus,
    /// Maximum-loss limit never crossed (firm line).
    pub max_loss: ObjectiveStatus,
}

/// The account's overall state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Trading; objectives not all met.
    Active,
    /// Every objective was met at once (flat, target reached, enough days).
    Passed,
    /// Equity went below a buffered floor: every new entry is refused.
    Halted,
    /// Equity went below a firm floor: the firm fails the account.
    Failed,
}

/// A snapshot of an account's limits and progress: what the runtime persists
/// (`risk_book_snapshots`), shows and exports as gauges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskBook {
    /// When the snapshot was taken.
    pub at: Timestamp,
    /// Rule set / phase name (e.g. `ftmo-2step-challenge`).
    pub phase: String,
    /// Account currency.
    pub currency: String,
    /// Initial capital of the account.
    pub initial_capital: Money,
    /// Equity at the latest mark.
    pub equity: Money,
    /// Closed balance at the latest mark.
    pub balance: Money,
    /// The firm's daily-loss floor now.
    pub daily_floor: Money,
    /// The buffered daily-loss floor the runtime stops at.
    pub daily_guard_floor: Money,
    /// The firm's maximum-loss floor now.
    pub max_loss_floor: Money,
    /// The buffered maximum-loss floor the runtime stops at.
    pub max_loss_guard_floor: Money,
    /// Daily loss used as a percentage of the daily allowance (0 when none is used).
    pub daily_utilisation_pct: Decimal,
    /// Loss used against the maximum-loss floor as a percentage of its allowance.
    pub total_utilisation_pct: Decimal,
    /// Distinct trading days so far.
    pub trading_days: u32,
    /// Trading days the phase requires (0 when none).
    pub min_trading_days: u32,
    /// Closed profit as a percentage of the profit target (`None` when the phase has none).
    pub target_progress_pct: Option<Decimal>,
    /// Best day's profit / total profit (`None` when the rule does not apply or there is no profit).
    pub best_day_ratio: Option<Decimal>,
    /// Objectives of the phase.
    pub objectives: Objectives,
    /// Overall state.
    pub status: AccountStatus,
    /// The most severe breach so far, if any.
    pub breach: Option<AccountBreach>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Ratio;
    use crate::ports::{AccountContext, AccountRules, RuleVerdict};
    use chrono::{TimeZone, Utc};
    use rust_decimal_macros::dec;

    fn snapshot() -> PortfolioSnapshot {
        PortfolioSnapshot {
            cash: Money::new(dec!(90000)),
            equity: Money::new(dec!(97500)),
            peak_equity: Money::new(dec!(100000)),
            drawdown: Ratio::ZERO,
            realized_pnl: Money::new(dec!(-1000)),
            unrealized_pnl: Money::new(dec!(-1500)),
            daily_pnl: Money::ZERO,
            day_start_equity: Money::new(dec!(100000)),
            open_positions: 2,
            consecutive_losses: 0,
            last_loss_at: None,
        }
    }

    #[test]
    fn a_mark_from_a_snapshot_takes_balance_as_equity_without_floating_pnl() {
        let at = Utc.with_ymd_and_hms(2024, 1, 15, 9, 0, 0).unwrap();
        let mark = AccountMark::from_snapshot(at, &snapshot());
        assert_eq!(mark.equity, Money::new(dec!(97500)));
        assert_eq!(mark.balance, Money::new(dec!(99000)));
        assert_eq!(mark.open_positions, 2);
    }

    #[test]
    fn a_breach_names_its_line_and_serialises_in_snake_case() {
        let breach = AccountBreach {
            rule: AccountRule::DailyLoss,
            line: BreachLine::Buffered,
            at: Utc.with_ymd_and_hms(2024, 1, 15, 23, 0, 0).unwrap(),
            equity: Money::new(dec!(95400)),
            balance: Money::new(dec!(100000)),
            firm_floor: Money::new(dec!(95000)),
            guard_floor: Money::new(dec!(95500)),
        };
        assert_eq!(breach.floor(), Money::new(dec!(95500)));
        assert_eq!(
            BreachLine::Firm.as_str(),
            serde_json::to_value(BreachLine::Firm).unwrap()
        );
        let json = serde_json::to_value(breach).unwrap();
        assert_eq!(
            (json["rule"].as_str(), json["line"].as_str()),
            (Some("daily_loss"), Some("buffered"))
        );
        assert!(breach.to_string().starts_with("daily_loss buffered line breached at 2024-01-15T23:00:00+00:00: equity 95400 below floor 95500"), "{breach}");
    }

    struct Stateless;

    impl AccountRules for Stateless {
        fn name(&self) -> &str {
            "stateless"
        }
        fn evaluate(&self, _: &crate::OrderIntent, _: &AccountContext<'_>) -> RuleVerdict {
            RuleVerdict::Allow
        }
    }

    #[test]
    fn a_stateless_rule_set_keeps_the_defaults() {
        let at = Utc.with_ymd_and_hms(2024, 1, 15, 9, 0, 0).unwrap();
        let rules = Stateless;
        assert_eq!(
            rules.observe(&AccountMark::from_snapshot(at, &snapshot())),
            None
        );
        rules.position_opened(at);
        assert_eq!(rules.breach(), None);
        assert_eq!(rules.risk_book(at), None);
        assert_eq!(rules.state_json(), None);
        assert_eq!(rules.restore_json(&serde_json::Value::Null), Ok(()));
    }
}
