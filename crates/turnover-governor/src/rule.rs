//! One symbol's turnover rule, and the partial override a `[turnover.symbols.X]`
//! table writes on top of the default rule.
//!
//! `max_decisions_per_day` is written as a number or as `"unlimited"` (TOML has no
//! null); in an override, leaving it out inherits, `"unlimited"` lifts the cap.

use chrono::Duration;
use domain::{Confidence, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Upper bound of the minute-valued keys: one week.
const MAX_MINUTES: u32 = 7 * 24 * 60;

/// The fully resolved turnover rule of one symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TurnoverRule {
    /// Minimum minutes between two decisions on the symbol.
    pub min_interval_minutes: u32,
    /// Most decisions per UTC day; `None` is unlimited.
    #[serde(with = "daily_cap")]
    pub max_decisions_per_day: Option<u32>,
    /// Expected edge must be at least this multiple of the round-trip cost.
    pub min_ev_cost_multiple: Decimal,
    /// Minimum signal confidence.
    pub min_confidence: Confidence,
    /// Consecutive losses on the symbol that start a cooldown.
    pub loss_streak_for_cooldown: u32,
    /// Length of that cooldown in minutes.
    pub cooldown_minutes: u32,
}

impl Default for TurnoverRule {
    fn default() -> Self {
        Self {
            min_interval_minutes: 60,
            max_decisions_per_day: None,
            min_ev_cost_multiple: Decimal::ONE,
            min_confidence: Confidence::new(Decimal::new(60, 2)).unwrap_or(Confidence::ONE),
            loss_streak_for_cooldown: 2,
            cooldown_minutes: 120,
        }
    }
}

impl TurnoverRule {
    /// The minimum interval as a duration.
    pub fn min_interval(&self) -> Duration {
        Duration::minutes(i64::from(self.min_interval_minutes))
    }

    /// The cooldown as a duration.
    pub fn cooldown(&self) -> Duration {
        Duration::minutes(i64::from(self.cooldown_minutes))
    }

    /// Checks every field, keys under `scope` (e.g. `default`).
    pub(crate) fn check(&self, v: &mut Violations, scope: &str) {
        RuleOverride::from(*self).check(v, scope);
    }
}

/// A partial rule for one symbol: present fields replace the default rule's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    /// Overrides `min_interval_minutes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_interval_minutes: Option<u32>,
    /// Overrides `max_decisions_per_day`: `Some(None)` lifts the cap (`"unlimited"`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "daily_cap_override"
    )]
    pub max_decisions_per_day: Option<Option<u32>>,
    /// Overrides `min_ev_cost_multiple`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ev_cost_multiple: Option<Decimal>,
    /// Overrides `min_confidence`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_confidence: Option<Confidence>,
    /// Overrides `loss_streak_for_cooldown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_streak_for_cooldown: Option<u32>,
    /// Overrides `cooldown_minutes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_minutes: Option<u32>,
}

impl From<TurnoverRule> for RuleOverride {
    fn from(rule: TurnoverRule) -> Self {
        Self {
            min_interval_minutes: Some(rule.min_interval_minutes),
            max_decisions_per_day: Some(rule.max_decisions_per_day),
            min_ev_cost_multiple: Some(rule.min_ev_cost_multiple),
            min_confidence: Some(rule.min_confidence),
            loss_streak_for_cooldown: Some(rule.loss_streak_for_cooldown),
            cooldown_minutes: Some(rule.cooldown_minutes),
        }
    }
}

impl RuleOverride {
    /// `base` with this override's present fields replacing its own.
    pub fn apply_to(&self, base: &TurnoverRule) -> TurnoverRule {
        TurnoverRule {
            min_interval_minutes: self
                .min_interval_minutes
                .unwrap_or(base.min_interval_minutes),
            max_decisions_per_day: self
                .max_decisions_per_day
                .unwrap_or(base.max_decisions_per_day),
            min_ev_cost_multiple: self
                .min_ev_cost_multiple
                .unwrap_or(base.min_ev_cost_multiple),
            min_confidence: self.min_confidence.unwrap_or(base.min_confidence),
            loss_streak_for_cooldown: self
                .loss_streak_for_cooldown
                .unwrap_or(base.loss_streak_for_cooldown),
            cooldown_minutes: self.cooldown_minutes.unwrap_or(base.cooldown_minutes),
        }
    }

    /// Lays `other` on top of `self`: `other`'s present fields win.
    pub fn merge(&mut self, other: RuleOverride) {
        self.min_interval_minutes = other.min_interval_minutes.or(self.min_interval_minutes);
        self.max_decisions_per_day = other.max_decisions_per_day.or(self.max_decisions_per_day);
        self.min_ev_cost_multiple = other.min_ev_cost_multiple.or(self.min_ev_cost_multiple);
        self.min_confidence = other.min_confidence.or(self.min_confidence);
        self.loss_streak_for_cooldown = other
            .loss_streak_for_cooldown
            .or(self.loss_streak_for_cooldown);
        self.cooldown_minutes = other.cooldown_minutes.or(self.cooldown_minutes);
    }

    /// Checks the present fields, keys under `scope` (e.g. `symbols.BTC-USD`).
    pub(crate) fn check(&self, v: &mut Violations, scope: &str) {
        let key = |field: &str| format!("{scope}.{field}");
        let minutes_range = format!("in [0, {MAX_MINUTES}]");
        if let Some(m) = self.min_interval_minutes {
            v.check(
                m <= MAX_MINUTES,
                &key("min_interval_minutes"),
                &minutes_range,
                m,
            );
        }
        if let Some(Some(cap)) = self.max_decisions_per_day {
            v.check(
                cap >= 1,
                &key("max_decisions_per_day"),
                "at least 1 or \"unlimited\" (use the symbol allowlist to stop a symbol)",
                cap,
            );
        }
        if let Some(k) = self.min_ev_cost_multiple {
            v.check(
                k >= Decimal::ZERO && k <= Decimal::ONE_HUNDRED,
                &key("min_ev_cost_multiple"),
                "in [0, 100]",
                k.normalize(),
            );
        }
        if let Some(n) = self.loss_streak_for_cooldown {
            v.check(n >= 1, &key("loss_streak_for_cooldown"), "at least 1", n);
        }
        if let Some(m) = self.cooldown_minutes {
            v.check(
                m <= MAX_MINUTES,
                &key("cooldown_minutes"),
                &minutes_range,
                m,
            );
        }
    }
}

/// Serde for a daily cap: a count, or `"unlimited"` for `None`.
mod daily_cap {
    use std::fmt;

    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    const UNLIMITED: &str = "unlimited";

    pub(super) fn serialize<S: Serializer>(cap: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
        match cap {
            Some(n) => s.serialize_u32(*n),
            None => s.serialize_str(UNLIMITED),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        d.deserialize_any(CapVisitor)
    }

    struct CapVisitor;

    impl Visitor<'_> for CapVisitor {
        type Value = Option<u32>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number of decisions per day or \"unlimited\"")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            u32::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u32::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v == UNLIMITED {
                Ok(None)
            } else {
                Err(E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
    }
}

/// Serde for an overridden daily cap: present means `Some(cap)`.
mod daily_cap_override {
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        cap: &Option<Option<u32>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match cap {
            Some(inner) => super::daily_cap::serialize(inner, s),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<u32>>, D::Error> {
        super::daily_cap::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn default_rule_matches_the_architecture() {
        let r = TurnoverRule::default();
        assert_eq!(r.min_interval_minutes, 60);
        assert_eq!(r.max_decisions_per_day, None);
        assert_eq!(r.min_ev_cost_multiple, dec!(1));
        assert_eq!(r.min_confidence.value(), dec!(0.60));
        assert_eq!(r.loss_streak_for_cooldown, 2);
        assert_eq!(r.cooldown_minutes, 120);
    }

    #[test]
    fn partial_override_inherits_missing_fields() {
        let o: RuleOverride = toml::from_str("min_confidence = 0.7\n").unwrap();
        let r = o.apply_to(&TurnoverRule::default());
        assert_eq!(r.min_confidence.value(), dec!(0.7));
        assert_eq!(r.min_interval_minutes, 60);
        assert_eq!(r.cooldown_minutes, 120);
    }

    #[test]
    fn daily_cap_is_a_number_or_unlimited() {
        let capped: RuleOverride = toml::from_str("max_decisions_per_day = 8\n").unwrap();
        assert_eq!(capped.max_decisions_per_day, Some(Some(8)));
        let lifted: RuleOverride =
            toml::from_str("max_decisions_per_day = \"unlimited\"\n").unwrap();
        assert_eq!(lifted.max_decisions_per_day, Some(None));
        let base = TurnoverRule {
            max_decisions_per_day: Some(3),
            ..TurnoverRule::default()
        };
        assert_eq!(lifted.apply_to(&base).max_decisions_per_day, None);
        assert!(toml::from_str::<RuleOverride>("max_decisions_per_day = -1\n").is_err());
        assert!(toml::from_str::<RuleOverride>("max_decisions_per_day = \"lots\"\n").is_err());
        assert!(toml::from_str::<RuleOverride>("min_interval = 5\n").is_err());
    }
}
