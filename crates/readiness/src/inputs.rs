//! What readiness is judged on: one snapshot of figures the runtime (or the
//! `health-check` binary) reads from the store, plus `now` from the `Clock` port.
//!
//! Every figure is an `Option`: `None` means the store does not have it yet (a
//! fresh database, a job that never ran). Missing figures count as *not met*, with
//! a reason that says so, never as healthy. The one exception is
//! [`ReadinessInputs::account_rules`]: there `None` means the account has no
//! account rules configured, which is a fact, not missing data.
//!
//! The exchange venue's health ([`VenueHealthInput`]) is given to
//! [`crate::evaluate_with_venue`] beside the inputs: it is required in paper and live
//! modes (orders go to an exchange) and not applicable in dry-run and backtest (simulated
//! fills) unless given.

use std::collections::BTreeMap;

use domain::{AccountBreach, PreservationLevel, Ratio, Timestamp, TradingMode};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The `overall_health` of the latest daily health report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ShadowHealth {
    /// All checks pass.
    Healthy,
    /// Minor issues: investigate (does not block).
    Warning,
    /// Clamp violation or major issue: stop and fix (NO_GO).
    Critical,
}

impl ShadowHealth {
    /// Stable name as operators write it (`HEALTHY`, `WARNING`, `CRITICAL`).
    pub fn as_str(self) -> &'static str {
        match self {
            ShadowHealth::Healthy => "HEALTHY",
            ShadowHealth::Warning => "WARNING",
            ShadowHealth::Critical => "CRITICAL",
        }
    }
}

/// The turnover governor's block rate over its window, as far as it can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockRateInput {
    /// Blocked evaluations / all evaluations over the window.
    Measured(Ratio),
    /// Too few evaluations in the window to judge (the governor's
    /// `insufficient_data` verdict); counts as not met.
    InsufficientData,
}

/// The state of the account's prop-firm rules (e.g. FTMO's daily and maximum loss
/// limits), from the latest risk book and the breach the rules recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRulesInput {
    /// Rule set / phase name (e.g. `ftmo-2step-challenge`).
    pub rules: String,
    /// The most severe breach so far (buffered or firm line), if any: NO_GO.
    pub breach: Option<AccountBreach>,
    /// Daily loss used, as a percentage of the daily allowance (`None` when no
    /// risk book has been recorded yet).
    pub daily_utilisation_pct: Option<Decimal>,
    /// Loss used against the maximum-loss floor, as a percentage of its allowance
    /// (`None` when no risk book has been recorded yet).
    pub total_utilisation_pct: Option<Decimal>,
}

/// The exchange venue's health as the runtime last measured it: the local clock's offset
/// to the exchange's and what the API key may do. Serialised as the heartbeat's `venue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueHealthInput {
    /// The venue (`binance`).
    pub name: String,
    /// When the runtime last checked (wall clock).
    pub checked_at: Timestamp,
    /// Exchange clock minus local clock, in milliseconds; `None` when not measured.
    pub clock_offset_ms: Option<i64>,
    /// Largest tolerated |offset| in milliseconds (the adapter's configured limit).
    pub max_clock_offset_ms: u64,
    /// Whether the account and API key may trade; `None` when the account could not be read.
    pub can_trade: Option<bool>,
    /// Whether the API key may withdraw; `None` when the account could not be read.
    pub can_withdraw: Option<bool>,
}

/// Everything readiness needs, read once. Build with [`ReadinessInputs::unknown`]
/// and fill in what the store has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessInputs {
    /// Evaluation time, from the `Clock` port.
    pub now: Timestamp,
    /// The mode the runtime runs in; `overall_readiness` is judged for it.
    pub mode: TradingMode,
    /// Whether any kill-switch source (file, environment, store) is active.
    pub kill_switch_active: Option<bool>,
    /// Current capital-preservation level.
    pub preservation_level: Option<PreservationLevel>,
    /// `overall_health` of the latest daily health report.
    pub shadow_health: Option<ShadowHealth>,
    /// Number of symbols on the risk gate's allowlist (only judged in live mode).
    pub symbol_allowlist_len: Option<usize>,
    /// When the latest daily health report was generated.
    pub last_daily_health_report_at: Option<Timestamp>,
    /// Consecutive days of paper trading (dry-run or paper mode) up to today.
    pub paper_streak_days: Option<u32>,
    /// Weeks of paper trading counted (weekly reports generated).
    pub weeks_counted: Option<u32>,
    /// When the runtime last wrote a heartbeat.
    pub last_heartbeat_at: Option<Timestamp>,
    /// The turnover governor's block rate.
    pub turnover_block_rate: Option<BlockRateInput>,
    /// Average slippage of fills in the recent window (default 7 days), in basis points.
    pub slippage_recent_bps: Option<Decimal>,
    /// Average slippage of fills in the window before it (the prior 7 days), in basis points.
    pub slippage_prior_bps: Option<Decimal>,
    /// CRITICAL alerts raised within the alert window (default 14 days).
    pub critical_alerts_in_window: Option<u32>,
    /// The same alerts by kind (`capital_preservation`, `kill_switch`, ...).
    #[serde(default)]
    pub critical_alert_kinds: BTreeMap<String, u32>,
    /// The account's prop-firm rules. `None` means no account rules are configured
    /// (the criterion is met), not that the figure is missing.
    #[serde(default)]
    pub account_rules: Option<AccountRulesInput>,
}

impl ReadinessInputs {
    /// Inputs with nothing known yet: every criterion that applies is "not met: no data".
    pub fn unknown(now: Timestamp, mode: TradingMode) -> Self {
        Self {
            now,
            mode,
            kill_switch_active: None,
            preservation_level: None,
            shadow_health: None,
            symbol_allowlist_len: None,
            last_daily_health_report_at: None,
            paper_streak_days: None,
            weeks_counted: None,
            last_heartbeat_at: None,
            turnover_block_rate: None,
            slippage_recent_bps: None,
            slippage_prior_bps: None,
            critical_alerts_in_window: None,
            critical_alert_kinds: BTreeMap::new(),
            account_rules: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn shadow_health_reads_as_the_daily_report_writes_it() {
        let h: ShadowHealth = serde_json::from_str("\"CRITICAL\"").unwrap();
        assert_eq!(h, ShadowHealth::Critical);
        assert_eq!(
            serde_json::to_value(ShadowHealth::Healthy).unwrap(),
            "HEALTHY"
        );
        assert_eq!(ShadowHealth::Warning.as_str(), "WARNING");
    }

    #[test]
    fn unknown_inputs_round_trip_through_json() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let mut inputs = ReadinessInputs::unknown(now, TradingMode::DryRun);
        inputs.turnover_block_rate = Some(BlockRateInput::InsufficientData);
        let json = serde_json::to_value(&inputs).unwrap();
        assert_eq!(json["turnover_block_rate"], "insufficient_data");
        let back: ReadinessInputs = serde_json::from_value(json).unwrap();
        assert_eq!(back, inputs);
    }

    #[test]
    fn account_rules_round_trip_and_default_to_none_when_absent() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let mut inputs = ReadinessInputs::unknown(now, TradingMode::Paper);
        inputs.account_rules = Some(AccountRulesInput {
            rules: "ftmo-2step-challenge".into(),
            breach: None,
            daily_utilisation_pct: Some(Decimal::from(12)),
            total_utilisation_pct: None,
        });
        let json = serde_json::to_value(&inputs).unwrap();
        assert_eq!(json["account_rules"]["rules"], "ftmo-2step-challenge");
        let back: ReadinessInputs = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, inputs);

        let mut without = json;
        without
            .as_object_mut()
            .unwrap()
            .remove("account_rules")
            .unwrap();
        let back: ReadinessInputs = serde_json::from_value(without).unwrap();
        assert_eq!(back.account_rules, None);
    }
}
