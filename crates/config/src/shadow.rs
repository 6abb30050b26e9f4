//! `[shadow]`: the shadow collector (docs/shadow.md). Advisors recommend on every
//! entry signal and are judged counterfactually; they never trade.

use domain::{ConfigViolation, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The advisors Rampart ships.
pub const KNOWN_ADVISORS: [&str; 2] = ["strategy_weights", "contextual_bandit"];

/// `[shadow]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShadowConfig {
    /// Whether advisors run beside the pipeline.
    pub enabled: bool,
    /// Advisors to run, in order (`strategy_weights`, `contextual_bandit`).
    pub advisors: Vec<String>,
    /// The advisor the weekly report and the promotion gates judge.
    pub primary_advisor: String,
    /// Forward-return horizon of a record, minutes (default 240 = 4 h).
    pub horizon_minutes: u32,
    /// Full quoted spread charged on counterfactual P&L, bps (half on each fill);
    /// fees and slippage come from `[risk]`.
    pub spread_bps: Decimal,
    /// Largest change of one strategy's weight per day, % points (default 10).
    pub max_weight_shift_pct: Decimal,
    /// Exploration width of the contextual bandit (LinUCB alpha), in units of net return.
    pub bandit_alpha: Decimal,
    /// Resolved signals per symbol in the rolling hit-rate feature.
    pub hit_window: u32,
}

impl Default for ShadowConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            advisors: KNOWN_ADVISORS.iter().map(|s| s.to_string()).collect(),
            primary_advisor: "contextual_bandit".to_string(),
            horizon_minutes: 240,
            spread_bps: Decimal::TWO,
            max_weight_shift_pct: Decimal::TEN,
            bandit_alpha: Decimal::new(1, 2),
            hit_window: 20,
        }
    }
}

impl ShadowConfig {
    /// Rule violations of this section.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("shadow");
        for a in &self.advisors {
            v.check(
                KNOWN_ADVISORS.contains(&a.as_str()),
                "advisors",
                &format!("names from {KNOWN_ADVISORS:?}"),
                format!("{a:?}"),
            );
        }
        let mut seen = self.advisors.clone();
        seen.sort();
        seen.dedup();
        v.check(
            seen.len() == self.advisors.len(),
            "advisors",
            "each advisor at most once",
            format!("{:?}", self.advisors),
        );
        v.check(
            !self.enabled || self.advisors.contains(&self.primary_advisor),
            "primary_advisor",
            "one of the configured advisors",
            format!("{:?}", self.primary_advisor),
        );
        v.check(
            (1..=10_080).contains(&self.horizon_minutes),
            "horizon_minutes",
            "in 1..=10080 (one week)",
            self.horizon_minutes,
        );
        v.check(
            self.spread_bps >= Decimal::ZERO && self.spread_bps <= Decimal::from(1_000),
            "spread_bps",
            "in [0, 1000]",
            self.spread_bps,
        );
        v.check(
            self.max_weight_shift_pct > Decimal::ZERO
                && self.max_weight_shift_pct <= Decimal::ONE_HUNDRED,
            "max_weight_shift_pct",
            "in (0, 100]",
            self.max_weight_shift_pct,
        );
        v.check(
            self.bandit_alpha > Decimal::ZERO && self.bandit_alpha <= Decimal::ONE,
            "bandit_alpha",
            "in (0, 1]",
            self.bandit_alpha,
        );
        v.check(
            (1..=1_000).contains(&self.hit_window),
            "hit_window",
            "in 1..=1000",
            self.hit_window,
        );
        v.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_run_both_advisors_for_four_hours() {
        let c = ShadowConfig::default();
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        assert!(c.enabled);
        assert_eq!(c.horizon_minutes, 240);
        assert_eq!(c.advisors, ["strategy_weights", "contextual_bandit"]);
    }

    #[test]
    fn unknown_advisor_and_foreign_primary_name_their_keys() {
        let c = ShadowConfig {
            advisors: vec!["oracle".into()],
            ..ShadowConfig::default()
        };
        let text: Vec<String> = c.validate().iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(|t| t.contains("shadow.advisors")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.contains("shadow.primary_advisor")),
            "{text:?}"
        );
        let c = ShadowConfig {
            horizon_minutes: 0,
            max_weight_shift_pct: Decimal::ZERO,
            ..ShadowConfig::default()
        };
        let text: Vec<String> = c.validate().iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(|t| t.contains("shadow.horizon_minutes")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("shadow.max_weight_shift_pct")),
            "{text:?}"
        );
    }
}
