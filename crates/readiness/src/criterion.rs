//! The fifteen criteria operators check before enabling live trading, with the
//! severity each carries when it is not met and whether it also counts toward the
//! current mode's `overall_readiness`.
//!
//! A criterion's severity is fixed: it is the same whether the criterion failed
//! on its figures or could not be judged because the input is missing, so "no
//! data" is never better than bad data.

use std::fmt;

use domain::{Readiness, TradingMode};
use serde::{Deserialize, Serialize};

/// How serious an unmet criterion is. Ordered: `Conditional < NoGo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonSeverity {
    /// Fix before enabling live mode.
    Conditional,
    /// Do not enable live mode under any circumstances.
    NoGo,
}

impl ReasonSeverity {
    /// The verdict this severity caps readiness at.
    pub fn readiness(self) -> Readiness {
        match self {
            ReasonSeverity::Conditional => Readiness::Conditional,
            ReasonSeverity::NoGo => Readiness::NoGo,
        }
    }

    /// Stable name as serialised (`CONDITIONAL`, `NO_GO`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonSeverity::Conditional => "CONDITIONAL",
            ReasonSeverity::NoGo => "NO_GO",
        }
    }
}

impl From<ReasonSeverity> for Readiness {
    fn from(value: ReasonSeverity) -> Self {
        value.readiness()
    }
}

impl fmt::Display for ReasonSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which verdicts a criterion counts toward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Health of the running system: counts toward `overall_readiness` in every
    /// mode and toward `live_rollout_readiness`.
    System,
    /// Evidence needed before real money: counts toward `live_rollout_readiness`
    /// always, toward `overall_readiness` only in live mode.
    Rollout,
}

/// One readiness criterion. The order is the report order: NO_GO criteria first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Kill switch not active.
    KillSwitch,
    /// No prop-firm account rule (daily or maximum loss) breached, on either line.
    AccountRules,
    /// Capital preservation not in LOCKDOWN or CRISIS.
    CapitalPreservation,
    /// Shadow data collection health not CRITICAL.
    ShadowHealth,
    /// In live mode, the symbol allowlist is not empty.
    SymbolAllowlist,
    /// A daily health report was generated within the window (24 h).
    DailyHealthReport,
    /// The local clock is within the configured offset of the exchange's (paper and live).
    VenueClock,
    /// The exchange API key cannot withdraw funds (paper and live).
    VenueWithdrawals,
    /// The exchange account and API key may trade (paper and live).
    VenueTrading,
    /// Paper-trading streak of at least the minimum consecutive days (14).
    PaperStreak,
    /// At least the minimum number of paper-trading weeks counted (2).
    WeeksCounted,
    /// The runtime heartbeat is recent (at most 2 h old).
    Heartbeat,
    /// The turnover block rate is inside the healthy band (5%–70%).
    TurnoverBlockRate,
    /// Recent slippage has not drifted above the prior window's.
    ExecutionRealism,
    /// No CRITICAL alert within the window (14 days).
    CriticalAlerts,
}

impl Criterion {
    /// Every criterion, in report order.
    pub const ALL: [Criterion; 15] = [
        Criterion::KillSwitch,
        Criterion::AccountRules,
        Criterion::CapitalPreservation,
        Criterion::ShadowHealth,
        Criterion::SymbolAllowlist,
        Criterion::DailyHealthReport,
        Criterion::VenueClock,
        Criterion::VenueWithdrawals,
        Criterion::VenueTrading,
        Criterion::PaperStreak,
        Criterion::WeeksCounted,
        Criterion::Heartbeat,
        Criterion::TurnoverBlockRate,
        Criterion::ExecutionRealism,
        Criterion::CriticalAlerts,
    ];

    /// Stable snake_case name: the key under `components` and the `criterion` of a reason.
    pub fn as_str(self) -> &'static str {
        match self {
            Criterion::KillSwitch => "kill_switch",
            Criterion::AccountRules => "account_rules",
            Criterion::CapitalPreservation => "capital_preservation",
            Criterion::ShadowHealth => "shadow_health",
            Criterion::SymbolAllowlist => "symbol_allowlist",
            Criterion::DailyHealthReport => "daily_health_report",
            Criterion::VenueClock => "venue_clock",
            Criterion::VenueWithdrawals => "venue_withdrawals",
            Criterion::VenueTrading => "venue_trading",
            Criterion::PaperStreak => "paper_streak",
            Criterion::WeeksCounted => "weeks_counted",
            Criterion::Heartbeat => "heartbeat",
            Criterion::TurnoverBlockRate => "turnover_block_rate",
            Criterion::ExecutionRealism => "execution_realism",
            Criterion::CriticalAlerts => "critical_alerts",
        }
    }

    /// Human name used at the start of "not met: no data" messages.
    pub fn label(self) -> &'static str {
        match self {
            Criterion::KillSwitch => "Kill switch",
            Criterion::AccountRules => "Account rules",
            Criterion::CapitalPreservation => "Capital preservation",
            Criterion::ShadowHealth => "Shadow health",
            Criterion::SymbolAllowlist => "Symbol allowlist",
            Criterion::DailyHealthReport => "Daily health report",
            Criterion::VenueClock => "Venue clock",
            Criterion::VenueWithdrawals => "Venue withdrawals",
            Criterion::VenueTrading => "Venue trading",
            Criterion::PaperStreak => "Paper trading streak",
            Criterion::WeeksCounted => "Paper trading weeks",
            Criterion::Heartbeat => "Heartbeat",
            Criterion::TurnoverBlockRate => "Turnover block rate",
            Criterion::ExecutionRealism => "Execution realism",
            Criterion::CriticalAlerts => "CRITICAL alerts",
        }
    }

    /// The severity of this criterion when it is not met (failed or no data).
    pub fn severity(self) -> ReasonSeverity {
        match self {
            Criterion::KillSwitch
            | Criterion::AccountRules
            | Criterion::CapitalPreservation
            | Criterion::ShadowHealth
            | Criterion::SymbolAllowlist
            | Criterion::DailyHealthReport
            | Criterion::VenueClock
            | Criterion::VenueWithdrawals
            | Criterion::VenueTrading => ReasonSeverity::NoGo,
            Criterion::PaperStreak
            | Criterion::WeeksCounted
            | Criterion::Heartbeat
            | Criterion::TurnoverBlockRate
            | Criterion::ExecutionRealism
            | Criterion::CriticalAlerts => ReasonSeverity::Conditional,
        }
    }

    /// Whether the criterion is about the running system or about rollout evidence.
    pub fn scope(self) -> Scope {
        match self {
            Criterion::KillSwitch
            | Criterion::AccountRules
            | Criterion::CapitalPreservation
            | Criterion::ShadowHealth
            | Criterion::DailyHealthReport
            | Criterion::VenueClock
            | Criterion::VenueWithdrawals
            | Criterion::VenueTrading
            | Criterion::Heartbeat
            | Criterion::TurnoverBlockRate => Scope::System,
            Criterion::SymbolAllowlist
            | Criterion::PaperStreak
            | Criterion::WeeksCounted
            | Criterion::ExecutionRealism
            | Criterion::CriticalAlerts => Scope::Rollout,
        }
    }

    /// Whether an unmet criterion lowers `overall_readiness` in `mode`.
    pub fn counts_toward_overall(self, mode: TradingMode) -> bool {
        mode == TradingMode::Live || self.scope() == Scope::System
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_nine_criteria_are_no_go_and_the_rest_conditional() {
        let severities: Vec<_> = Criterion::ALL.iter().map(|c| c.severity()).collect();
        assert_eq!(severities.len(), 15);
        assert!(severities[..9].iter().all(|s| *s == ReasonSeverity::NoGo));
        assert!(
            severities[9..]
                .iter()
                .all(|s| *s == ReasonSeverity::Conditional)
        );
    }

    #[test]
    fn criterion_names_match_serde_names_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Criterion::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert!(seen.insert(c.as_str()));
        }
    }

    #[test]
    fn live_mode_counts_every_criterion_toward_overall() {
        for c in Criterion::ALL {
            assert!(c.counts_toward_overall(TradingMode::Live));
        }
        assert!(!Criterion::PaperStreak.counts_toward_overall(TradingMode::DryRun));
        assert!(Criterion::KillSwitch.counts_toward_overall(TradingMode::Paper));
    }

    #[test]
    fn account_rules_are_a_no_go_system_criterion_counted_in_every_mode() {
        let c = Criterion::AccountRules;
        assert_eq!(c.as_str(), "account_rules");
        assert_eq!(c.severity(), ReasonSeverity::NoGo);
        assert_eq!(c.scope(), Scope::System);
        for mode in [
            TradingMode::Backtest,
            TradingMode::DryRun,
            TradingMode::Paper,
            TradingMode::Live,
        ] {
            assert!(c.counts_toward_overall(mode), "{mode:?}");
        }
        assert_eq!(Criterion::ALL[1], c, "reported right after the kill switch");
    }

    #[test]
    fn venue_criteria_are_no_go_system_criteria() {
        for c in [
            Criterion::VenueClock,
            Criterion::VenueWithdrawals,
            Criterion::VenueTrading,
        ] {
            assert_eq!(c.severity(), ReasonSeverity::NoGo, "{c}");
            assert_eq!(c.scope(), Scope::System, "{c}");
            assert!(c.as_str().starts_with("venue_"));
        }
    }

    #[test]
    fn severity_orders_and_serialises_like_readiness() {
        assert!(ReasonSeverity::NoGo > ReasonSeverity::Conditional);
        for s in [ReasonSeverity::Conditional, ReasonSeverity::NoGo] {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::to_value(s.readiness()).unwrap()
            );
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
