//! The `[capital_preservation]` configuration section: drawdown thresholds per
//! level, the loss-streak and daily-loss triggers, hysteresis, minimum time in
//! level and the per-level size multipliers and allowed tiers.
//!
//! Percentages are written as percent (`3` = 3%), like every guardrail section.
//! `validate` reports every violation together so the operator fixes them in one go.

use std::collections::BTreeSet;

use domain::{ConfigViolation, PreservationLevel, Ratio, Tier, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::policy::LevelPolicy;

/// Upper bound of `min_minutes_in_level`: one week.
const MAX_MINUTES_IN_LEVEL: u32 = 7 * 24 * 60;

/// Settings of the capital-preservation state machine (TOML section `[capital_preservation]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PreservationConfig {
    /// Drawdown (percent of peak equity) at which CAUTION starts.
    pub caution_drawdown_pct: Decimal,
    /// Drawdown (percent) at which DEFENSIVE starts.
    pub defensive_drawdown_pct: Decimal,
    /// Drawdown (percent) at which LOCKDOWN starts.
    pub lockdown_drawdown_pct: Decimal,
    /// Drawdown (percent) at which CRISIS starts.
    pub crisis_drawdown_pct: Decimal,
    /// Consecutive losing trades that force at least LOCKDOWN.
    pub lockdown_consecutive_losses: u32,
    /// Daily loss (percent of day-start equity) that forces CRISIS.
    pub crisis_daily_loss_pct: Decimal,
    /// Percentage points a figure must recover beyond its threshold before stepping down.
    pub hysteresis_pct: Decimal,
    /// Minimum minutes spent in a level before it may step down one level.
    pub min_minutes_in_level: u32,
    /// Paper trades (entries the level vetoed, followed on paper with fees and slippage)
    /// that must close in a level, with a positive total, to earn a step down when the
    /// account cannot (flat, or still below the recovery line).
    pub recovery_paper_trades: u32,
    /// How long a paper trade is followed at most, when its strategy signals no exit first.
    pub paper_horizon_minutes: u32,
    /// Whether CRISIS asks the engine to close every open position.
    pub flatten_on_crisis: bool,
    /// Size multiplier in CAUTION (NORMAL is 1, LOCKDOWN and CRISIS are 0).
    pub caution_size_multiplier: Decimal,
    /// Size multiplier in DEFENSIVE.
    pub defensive_size_multiplier: Decimal,
    /// Signal tiers allowed to open positions in CAUTION.
    pub caution_allowed_tiers: BTreeSet<Tier>,
    /// Signal tiers allowed to open positions in DEFENSIVE.
    pub defensive_allowed_tiers: BTreeSet<Tier>,
}

impl Default for PreservationConfig {
    fn default() -> Self {
        Self {
            caution_drawdown_pct: Decimal::from(3),
            defensive_drawdown_pct: Decimal::from(5),
            lockdown_drawdown_pct: Decimal::from(8),
            crisis_drawdown_pct: Decimal::from(12),
            lockdown_consecutive_losses: 4,
            crisis_daily_loss_pct: Decimal::from(5),
            hysteresis_pct: Decimal::ONE,
            min_minutes_in_level: 60,
            recovery_paper_trades: 5,
            paper_horizon_minutes: 7 * 24 * 60,
            flatten_on_crisis: false,
            caution_size_multiplier: Decimal::new(5, 1),
            defensive_size_multiplier: Decimal::new(25, 2),
            caution_allowed_tiers: Tier::ALL.into_iter().collect(),
            defensive_allowed_tiers: BTreeSet::from([Tier::High]),
        }
    }
}

impl PreservationConfig {
    /// The drawdown at which `level` starts; `None` for NORMAL, which has no threshold.
    pub fn drawdown_threshold(&self, level: PreservationLevel) -> Option<Ratio> {
        let pct = match level {
            PreservationLevel::Normal => return None,
            PreservationLevel::Caution => self.caution_drawdown_pct,
            PreservationLevel::Defensive => self.defensive_drawdown_pct,
            PreservationLevel::Lockdown => self.lockdown_drawdown_pct,
            PreservationLevel::Crisis => self.crisis_drawdown_pct,
        };
        Some(Ratio::from_pct(pct))
    }

    /// The hysteresis as a fraction (`1` percentage point = `0.01`).
    pub fn hysteresis(&self) -> Ratio {
        Ratio::from_pct(self.hysteresis_pct)
    }

    /// The daily loss that forces CRISIS, as a positive fraction.
    pub fn crisis_daily_loss(&self) -> Ratio {
        Ratio::from_pct(self.crisis_daily_loss_pct)
    }

    /// What `level` allows: size multiplier, tiers, entry veto, flattening.
    pub fn policy(&self, level: PreservationLevel) -> LevelPolicy {
        LevelPolicy::for_level(self, level)
    }

    /// Every violation of the section, keys prefixed `capital_preservation.`.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("capital_preservation");
        let pct_range = |x: Decimal| x > Decimal::ZERO && x <= Decimal::ONE_HUNDRED;
        let unit_range = |x: Decimal| x >= Decimal::ZERO && x <= Decimal::ONE;

        let thresholds = [
            ("caution_drawdown_pct", self.caution_drawdown_pct),
            ("defensive_drawdown_pct", self.defensive_drawdown_pct),
            ("lockdown_drawdown_pct", self.lockdown_drawdown_pct),
            ("crisis_drawdown_pct", self.crisis_drawdown_pct),
        ];
        for (key, value) in thresholds {
            v.check(pct_range(value), key, "in (0, 100]", value.normalize());
        }
        for pair in thresholds.windows(2) {
            let [(lower_key, lower), (key, value)] = pair else {
                continue;
            };
            v.check(
                value > lower,
                key,
                &format!("greater than {lower_key} ({})", lower.normalize()),
                value.normalize(),
            );
        }

        v.check(
            self.lockdown_consecutive_losses >= 1,
            "lockdown_consecutive_losses",
            "at least 1",
            self.lockdown_consecutive_losses,
        );
        v.check(
            pct_range(self.crisis_daily_loss_pct),
            "crisis_daily_loss_pct",
            "in (0, 100]",
            self.crisis_daily_loss_pct.normalize(),
        );

        let smallest = self.caution_drawdown_pct.min(self.crisis_daily_loss_pct);
        // Without hysteresis a level left at its threshold is entered again at once.
        v.check(
            self.hysteresis_pct > Decimal::ZERO && self.hysteresis_pct < smallest,
            "hysteresis_pct",
            &format!(
                "in (0, {}) (above 0, so no level is left and re-entered at one figure, and below caution_drawdown_pct and crisis_daily_loss_pct, so every level can be left)",
                smallest.normalize()
            ),
            self.hysteresis_pct.normalize(),
        );
        v.check(
            (1..=1_000).contains(&self.recovery_paper_trades),
            "recovery_paper_trades",
            "in [1, 1000] (0 would leave a flat account no way out of LOCKDOWN)",
            self.recovery_paper_trades,
        );
        v.check(
            (1..=MAX_MINUTES_IN_LEVEL).contains(&self.paper_horizon_minutes),
            "paper_horizon_minutes",
            &format!("in [1, {MAX_MINUTES_IN_LEVEL}]"),
            self.paper_horizon_minutes,
        );
        v.check(
            (1..=MAX_MINUTES_IN_LEVEL).contains(&self.min_minutes_in_level),
            "min_minutes_in_level",
            &format!("in [1, {MAX_MINUTES_IN_LEVEL}]"),
            self.min_minutes_in_level,
        );

        v.check(
            unit_range(self.caution_size_multiplier),
            "caution_size_multiplier",
            "in [0, 1]",
            self.caution_size_multiplier.normalize(),
        );
        v.check(
            unit_range(self.defensive_size_multiplier),
            "defensive_size_multiplier",
            "in [0, 1]",
            self.defensive_size_multiplier.normalize(),
        );
        v.check(
            self.defensive_size_multiplier <= self.caution_size_multiplier,
            "defensive_size_multiplier",
            &format!(
                "at most caution_size_multiplier ({})",
                self.caution_size_multiplier.normalize()
            ),
            self.defensive_size_multiplier.normalize(),
        );
        v.check(
            self.defensive_allowed_tiers
                .is_subset(&self.caution_allowed_tiers),
            "defensive_allowed_tiers",
            &format!(
                "a subset of caution_allowed_tiers ({})",
                tier_list(&self.caution_allowed_tiers)
            ),
            tier_list(&self.defensive_allowed_tiers),
        );
        v.into_vec()
    }
}

fn tier_list(tiers: &BTreeSet<Tier>) -> String {
    let names: Vec<&str> = tiers.iter().map(|t| t.as_str()).collect();
    format!("[{}]", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn keys(config: &PreservationConfig) -> Vec<String> {
        config.validate().into_iter().map(|v| v.key).collect()
    }

    #[test]
    fn defaults_match_the_architecture_and_are_valid() {
        let c = PreservationConfig::default();
        assert_eq!(c.validate(), vec![]);
        assert_eq!(
            c.drawdown_threshold(PreservationLevel::Caution),
            Some(Ratio::from_pct(dec!(3)))
        );
        assert_eq!(
            c.drawdown_threshold(PreservationLevel::Crisis),
            Some(Ratio::from_pct(dec!(12)))
        );
        assert_eq!(c.drawdown_threshold(PreservationLevel::Normal), None);
        assert_eq!(c.lockdown_consecutive_losses, 4);
        assert_eq!(c.crisis_daily_loss(), Ratio::from_pct(dec!(5)));
        assert_eq!(c.min_minutes_in_level, 60);
        assert!(!c.flatten_on_crisis);
        assert_eq!(c.defensive_allowed_tiers, BTreeSet::from([Tier::High]));
        assert_eq!(c.caution_allowed_tiers.len(), 3);
    }

    #[test]
    fn out_of_range_percentage_reads_like_the_operator_expects() {
        let c = PreservationConfig {
            caution_drawdown_pct: dec!(150),
            ..PreservationConfig::default()
        };
        let messages: Vec<String> = c.validate().iter().map(ToString::to_string).collect();
        assert!(
            messages.contains(
                &"capital_preservation.caution_drawdown_pct must be in (0, 100], got 150"
                    .to_string()
            ),
            "{messages:?}"
        );
    }

    #[test]
    fn thresholds_must_be_strictly_increasing() {
        let c = PreservationConfig {
            defensive_drawdown_pct: dec!(8),
            lockdown_drawdown_pct: dec!(8),
            ..PreservationConfig::default()
        };
        let violations = c.validate();
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(
            violations[0].to_string(),
            "capital_preservation.lockdown_drawdown_pct must be greater than defensive_drawdown_pct (8), got 8"
        );
    }

    #[test]
    fn reports_every_violation_together() {
        let c = PreservationConfig {
            lockdown_consecutive_losses: 0,
            crisis_daily_loss_pct: dec!(0),
            hysteresis_pct: dec!(3),
            min_minutes_in_level: 0,
            caution_size_multiplier: dec!(1.5),
            defensive_size_multiplier: dec!(-0.1),
            defensive_allowed_tiers: BTreeSet::from([Tier::Low]),
            caution_allowed_tiers: BTreeSet::from([Tier::High]),
            ..PreservationConfig::default()
        };
        let k = keys(&c);
        for expected in [
            "capital_preservation.lockdown_consecutive_losses",
            "capital_preservation.crisis_daily_loss_pct",
            "capital_preservation.hysteresis_pct",
            "capital_preservation.min_minutes_in_level",
            "capital_preservation.caution_size_multiplier",
            "capital_preservation.defensive_size_multiplier",
            "capital_preservation.defensive_allowed_tiers",
        ] {
            assert!(
                k.iter().any(|x| x == expected),
                "missing {expected} in {k:?}"
            );
        }
    }

    #[test]
    fn hysteresis_must_stay_below_the_smallest_threshold() {
        let at_threshold = PreservationConfig {
            hysteresis_pct: dec!(3),
            ..PreservationConfig::default()
        };
        assert_eq!(
            keys(&at_threshold),
            vec!["capital_preservation.hysteresis_pct"]
        );
        let just_below = PreservationConfig {
            hysteresis_pct: dec!(2.99),
            ..PreservationConfig::default()
        };
        assert_eq!(just_below.validate(), vec![]);
    }

    #[test]
    fn a_configuration_that_makes_a_level_impossible_to_leave_is_refused_naming_the_key() {
        // No hysteresis: a level left at a figure is entered again at the same figure.
        let no_hysteresis = PreservationConfig {
            hysteresis_pct: dec!(0),
            ..PreservationConfig::default()
        };
        assert_eq!(
            keys(&no_hysteresis),
            vec!["capital_preservation.hysteresis_pct"]
        );
        // No paper record can ever be enough: a flat account could never leave LOCKDOWN.
        let no_paper = PreservationConfig {
            recovery_paper_trades: 0,
            ..PreservationConfig::default()
        };
        assert_eq!(
            keys(&no_paper),
            vec!["capital_preservation.recovery_paper_trades"]
        );
        let no_horizon = PreservationConfig {
            paper_horizon_minutes: 0,
            ..PreservationConfig::default()
        };
        assert_eq!(
            keys(&no_horizon),
            vec!["capital_preservation.paper_horizon_minutes"]
        );
    }

    #[test]
    fn parses_a_partial_toml_section_and_rejects_typos() {
        let c: PreservationConfig = toml::from_str(
            "caution_drawdown_pct = 2.5\nflatten_on_crisis = true\ndefensive_allowed_tiers = [\"medium\", \"high\"]\n",
        )
        .unwrap();
        assert_eq!(c.caution_drawdown_pct, dec!(2.5));
        assert!(c.flatten_on_crisis);
        assert_eq!(
            c.defensive_allowed_tiers,
            BTreeSet::from([Tier::Medium, Tier::High])
        );
        assert_eq!(c.lockdown_drawdown_pct, dec!(8));
        assert_eq!(c.validate(), vec![]);

        let typo = toml::from_str::<PreservationConfig>("caution_drawdown = 2.5\n");
        assert!(typo.is_err());
    }
}
