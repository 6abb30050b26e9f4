//! The `[readiness]` configuration section: the thresholds of the criteria.
//!
//! Defaults are the operators' runbook values: 14-day paper streak, 2 weeks
//! counted, heartbeat at most 2 h old, daily report within 24 h, block rate in
//! 5%–70%, CRITICAL alerts looked for over 14 days, slippage compared over two
//! 7-day windows. Percentages are written as percent (`5` = 5%), like every
//! guardrail section. No threshold can switch a criterion off: every minimum is at
//! least 1. `validate` reports every violation together.

use chrono::Duration;
use domain::{ConfigViolation, Ratio, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Upper bound of the day-counted keys (streak, windows): one year.
const MAX_DAYS: u32 = 365;
/// Upper bound of `min_weeks_counted`: one year.
const MAX_WEEKS: u32 = 52;
/// Upper bound of the age limits: one week.
const MAX_AGE_HOURS: u32 = 7 * 24;
/// Upper bound of the slippage keys, in basis points (100%).
const MAX_BPS: u32 = 10_000;
/// Upper bound of `slippage_drift_multiple`.
const MAX_DRIFT_MULTIPLE: u32 = 100;

/// Thresholds of the readiness criteria (TOML section `[readiness]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReadinessConfig {
    /// Consecutive paper-trading days required (streak below it: CONDITIONAL).
    pub min_paper_streak_days: u32,
    /// Paper-trading weeks that must be counted (fewer: CONDITIONAL).
    pub min_weeks_counted: u32,
    /// Oldest acceptable heartbeat, in minutes (older: CONDITIONAL; exactly this old is fine).
    pub max_heartbeat_age_minutes: u32,
    /// Oldest acceptable daily health report, in hours (older: NO_GO; exactly this old is fine).
    pub max_daily_report_age_hours: u32,
    /// Lowest healthy turnover block rate, percent (bound included).
    pub healthy_block_rate_min_pct: Decimal,
    /// Highest healthy turnover block rate, percent (bound included).
    pub healthy_block_rate_max_pct: Decimal,
    /// Length of each of the two slippage windows compared (recent, prior), in days.
    pub slippage_window_days: u32,
    /// Drift needs recent slippage above `prior x multiple` (the increase exceeds
    /// `|prior| x (multiple - 1)`), and ...
    pub slippage_drift_multiple: Decimal,
    /// ... above `prior + this many basis points`. Both must hold (strictly).
    pub slippage_drift_min_increase_bps: Decimal,
    /// Window in which any CRITICAL alert makes readiness CONDITIONAL, in days.
    pub critical_alerts_window_days: u32,
}

impl Default for ReadinessConfig {
    fn default() -> Self {
        Self {
            min_paper_streak_days: 14,
            min_weeks_counted: 2,
            max_heartbeat_age_minutes: 120,
            max_daily_report_age_hours: 24,
            healthy_block_rate_min_pct: Decimal::from(5),
            healthy_block_rate_max_pct: Decimal::from(70),
            slippage_window_days: 7,
            slippage_drift_multiple: Decimal::new(15, 1),
            slippage_drift_min_increase_bps: Decimal::TWO,
            critical_alerts_window_days: 14,
        }
    }
}

impl ReadinessConfig {
    /// The oldest acceptable heartbeat age.
    pub fn max_heartbeat_age(&self) -> Duration {
        Duration::minutes(i64::from(self.max_heartbeat_age_minutes))
    }

    /// The oldest acceptable daily health report age.
    pub fn max_daily_report_age(&self) -> Duration {
        Duration::hours(i64::from(self.max_daily_report_age_hours))
    }

    /// The healthy block-rate band `(min, max)`, bounds included.
    pub fn block_rate_band(&self) -> (Ratio, Ratio) {
        (
            Ratio::from_pct(self.healthy_block_rate_min_pct),
            Ratio::from_pct(self.healthy_block_rate_max_pct),
        )
    }

    /// Length of each slippage window: the store averages `[now - w, now)` (recent)
    /// and `[now - 2w, now - w)` (prior).
    pub fn slippage_window(&self) -> Duration {
        Duration::days(i64::from(self.slippage_window_days))
    }

    /// The window over which the store counts CRITICAL alerts, ending at `now`.
    pub fn critical_alerts_window(&self) -> Duration {
        Duration::days(i64::from(self.critical_alerts_window_days))
    }

    /// Every violation of the section, keys prefixed `readiness.`.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("readiness");
        let counts = [
            (
                "min_paper_streak_days",
                self.min_paper_streak_days,
                MAX_DAYS,
            ),
            ("min_weeks_counted", self.min_weeks_counted, MAX_WEEKS),
            (
                "max_heartbeat_age_minutes",
                self.max_heartbeat_age_minutes,
                MAX_AGE_HOURS * 60,
            ),
            (
                "max_daily_report_age_hours",
                self.max_daily_report_age_hours,
                MAX_AGE_HOURS,
            ),
            ("slippage_window_days", self.slippage_window_days, MAX_DAYS),
            (
                "critical_alerts_window_days",
                self.critical_alerts_window_days,
                MAX_DAYS,
            ),
        ];
        for (key, value, max) in counts {
            v.check(
                (1..=max).contains(&value),
                key,
                &format!("in [1, {max}]"),
                value,
            );
        }

        let pct_range = |x: Decimal| x >= Decimal::ZERO && x <= Decimal::ONE_HUNDRED;
        let (min, max) = (
            self.healthy_block_rate_min_pct,
            self.healthy_block_rate_max_pct,
        );
        v.check(
            pct_range(min),
            "healthy_block_rate_min_pct",
            "in [0, 100]",
            min.normalize(),
        );
        v.check(
            pct_range(max),
            "healthy_block_rate_max_pct",
            "in [0, 100]",
            max.normalize(),
        );
        v.check(
            max > min,
            "healthy_block_rate_max_pct",
            &format!(
                "greater than healthy_block_rate_min_pct ({})",
                min.normalize()
            ),
            max.normalize(),
        );

        let multiple = self.slippage_drift_multiple;
        v.check(
            multiple >= Decimal::ONE && multiple <= Decimal::from(MAX_DRIFT_MULTIPLE),
            "slippage_drift_multiple",
            &format!("in [1, {MAX_DRIFT_MULTIPLE}]"),
            multiple.normalize(),
        );
        let increase = self.slippage_drift_min_increase_bps;
        v.check(
            increase >= Decimal::ZERO && increase <= Decimal::from(MAX_BPS),
            "slippage_drift_min_increase_bps",
            &format!("in [0, {MAX_BPS}] basis points"),
            increase.normalize(),
        );
        v.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn defaults_are_the_runbook_thresholds_and_valid() {
        let c = ReadinessConfig::default();
        assert!(c.validate().is_empty());
        assert_eq!(c.min_paper_streak_days, 14);
        assert_eq!(c.min_weeks_counted, 2);
        assert_eq!(c.max_heartbeat_age(), Duration::hours(2));
        assert_eq!(c.max_daily_report_age(), Duration::hours(24));
        assert_eq!(
            c.block_rate_band(),
            (Ratio::from_pct(dec!(5)), Ratio::from_pct(dec!(70)))
        );
        assert_eq!(c.critical_alerts_window(), Duration::days(14));
        assert_eq!(c.slippage_window(), Duration::days(7));
        assert_eq!(c.slippage_drift_multiple, dec!(1.5));
    }

    #[test]
    fn validate_reports_every_violation_with_its_key() {
        let c = ReadinessConfig {
            min_paper_streak_days: 0,
            min_weeks_counted: 0,
            max_heartbeat_age_minutes: 0,
            max_daily_report_age_hours: 1_000,
            healthy_block_rate_min_pct: dec!(80),
            healthy_block_rate_max_pct: dec!(120),
            slippage_window_days: 0,
            slippage_drift_multiple: dec!(0.5),
            slippage_drift_min_increase_bps: dec!(-1),
            critical_alerts_window_days: 0,
        };
        let msgs: Vec<String> = c.validate().iter().map(ToString::to_string).collect();
        assert_eq!(msgs.len(), 9, "{msgs:#?}");
        assert!(
            msgs.contains(&"readiness.min_paper_streak_days must be in [1, 365], got 0".into())
        );
        assert!(
            msgs.contains(
                &"readiness.healthy_block_rate_max_pct must be in [0, 100], got 120".into()
            )
        );
        assert!(
            msgs.contains(&"readiness.slippage_drift_multiple must be in [1, 100], got 0.5".into())
        );
    }

    #[test]
    fn validate_requires_the_band_to_be_ordered() {
        let c = ReadinessConfig {
            healthy_block_rate_min_pct: dec!(50),
            healthy_block_rate_max_pct: dec!(50),
            ..ReadinessConfig::default()
        };
        let msgs: Vec<String> = c.validate().iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            vec![
                "readiness.healthy_block_rate_max_pct must be greater than healthy_block_rate_min_pct (50), got 50"
            ]
        );
    }

    #[test]
    fn config_rejects_unknown_keys_and_fills_defaults() {
        let err = serde_json::from_str::<ReadinessConfig>(r#"{"min_paper_streak": 7}"#);
        assert!(err.is_err());
        let c: ReadinessConfig = serde_json::from_str(
            r#"{"min_paper_streak_days": 21, "healthy_block_rate_max_pct": "60"}"#,
        )
        .unwrap();
        assert_eq!(c.min_paper_streak_days, 21);
        assert_eq!(c.healthy_block_rate_max_pct, dec!(60));
        assert_eq!(c.min_weeks_counted, 2);
    }
}
