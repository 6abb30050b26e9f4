//! Strategy output: confidence, tiers and signals.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::market::{Side, Timestamp};
use crate::money::{Price, Ratio};
use crate::symbol::Symbol;

/// A confidence in `[0, 1]`, kept as a `Decimal` so that threshold comparisons are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "Decimal")]
pub struct Confidence(Decimal);

impl Serialize for Confidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::decimal_text::serialize(&self.0, serializer)
    }
}

impl Confidence {
    /// Zero confidence.
    pub const ZERO: Confidence = Confidence(Decimal::ZERO);
    /// Full confidence.
    pub const ONE: Confidence = Confidence(Decimal::ONE);

    /// Builds a confidence; it must lie in `[0, 1]`.
    pub fn new(value: Decimal) -> Result<Self, DomainError> {
        if (Decimal::ZERO..=Decimal::ONE).contains(&value) {
            Ok(Self(value))
        } else {
            Err(DomainError::out_of_range("confidence", "in [0, 1]", value))
        }
    }

    /// Builds a confidence from a float, rejecting NaN, infinities and values outside `[0, 1]`.
    pub fn try_from_f64(value: f64) -> Result<Self, DomainError> {
        if !value.is_finite() {
            return Err(DomainError::NotFinite {
                field: "confidence",
                value: value.to_string(),
            });
        }
        let d = Decimal::from_f64(value)
            .ok_or_else(|| DomainError::out_of_range("confidence", "in [0, 1]", value))?;
        Self::new(d.round_dp(6))
    }

    /// The underlying decimal.
    pub fn value(self) -> Decimal {
        self.0
    }
}

impl TryFrom<Decimal> for Confidence {
    type Error = DomainError;
    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Confidence> for Decimal {
    fn from(value: Confidence) -> Self {
        value.0
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Signal quality bucket derived from confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Below the medium threshold.
    Low,
    /// At or above the medium threshold, below high.
    Medium,
    /// At or above the high threshold.
    High,
}

impl Tier {
    /// All tiers, lowest first.
    pub const ALL: [Tier; 3] = [Tier::Low, Tier::Medium, Tier::High];

    /// Stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Low => "low",
            Tier::Medium => "medium",
            Tier::High => "high",
        }
    }
}

/// The confidence thresholds that split signals into tiers (defaults: high >= 0.75, medium >= 0.65).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierThresholds {
    /// Minimum confidence of a high-tier signal.
    pub high: Confidence,
    /// Minimum confidence of a medium-tier signal.
    pub medium: Confidence,
}

impl Default for TierThresholds {
    fn default() -> Self {
        Self {
            high: Confidence(Decimal::new(75, 2)),
            medium: Confidence(Decimal::new(65, 2)),
        }
    }
}

impl TierThresholds {
    /// Builds thresholds; `medium` must not exceed `high`.
    pub fn new(high: Confidence, medium: Confidence) -> Result<Self, DomainError> {
        if medium > high {
            return Err(DomainError::Inconsistent {
                what: "tier thresholds",
                detail: format!("medium ({medium}) must not exceed high ({high})"),
            });
        }
        Ok(Self { high, medium })
    }

    /// The tier of a confidence.
    pub fn classify(&self, confidence: Confidence) -> Tier {
        if confidence >= self.high {
            Tier::High
        } else if confidence >= self.medium {
            Tier::Medium
        } else {
            Tier::Low
        }
    }
}

/// The name of a strategy instance, e.g. `sma_cross`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StrategyId(Arc<str>);

impl StrategyId {
    /// Builds an id: 1 to 64 characters of ASCII letters, digits, `_`, `-` or `.`.
    pub fn new(text: &str) -> Result<Self, DomainError> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if ok {
            Ok(Self(Arc::from(text)))
        } else {
            Err(DomainError::Malformed {
                field: "strategy",
                reason: "1-64 ASCII letters, digits, '_', '-' or '.'",
                value: text.to_string(),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StrategyId {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<StrategyId> for String {
    fn from(value: StrategyId) -> Self {
        value.0.to_string()
    }
}

impl fmt::Display for StrategyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Named feature values behind a signal's confidence. Shared, immutable and cheap
/// to clone (a signal is copied into several audit events and stores); names are
/// usually static strings, so building one does not allocate per name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "BTreeMap<String, Decimal>")]
pub struct Features(Arc<BTreeMap<Cow<'static, str>, Decimal>>);

/// A JSON object with the names in order, like the `BTreeMap<String, Decimal>` it is
/// read from, written without copying the names.
impl Serialize for Features {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0.iter() {
            map.serialize_entry(name, crate::decimal_text::DecimalText::new(*value).as_str())?;
        }
        map.end()
    }
}

impl std::ops::Deref for Features {
    type Target = BTreeMap<Cow<'static, str>, Decimal>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl From<BTreeMap<String, Decimal>> for Features {
    fn from(map: BTreeMap<String, Decimal>) -> Self {
        map.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect()
    }
}

impl From<Features> for BTreeMap<String, Decimal> {
    fn from(f: Features) -> Self {
        f.0.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }
}

impl FromIterator<(Cow<'static, str>, Decimal)> for Features {
    fn from_iter<I: IntoIterator<Item = (Cow<'static, str>, Decimal)>>(iter: I) -> Self {
        Self(Arc::new(iter.into_iter().collect()))
    }
}

impl FromIterator<(&'static str, Decimal)> for Features {
    fn from_iter<I: IntoIterator<Item = (&'static str, Decimal)>>(iter: I) -> Self {
        iter.into_iter()
            .map(|(k, v)| (Cow::Borrowed(k), v))
            .collect()
    }
}

/// A strategy's wish to trade, with the evidence behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    /// Instrument.
    pub symbol: Symbol,
    /// Direction.
    pub side: Side,
    /// Strategy's confidence, derived from its own features.
    pub confidence: Confidence,
    /// Tier from the configured thresholds.
    pub tier: Tier,
    /// Expected gross return of the trade as a fraction of notional (before costs).
    pub expected_edge: Ratio,
    /// Reference price (the close the signal was computed on).
    pub price: Price,
    /// Suggested protective stop distance in price units, when the strategy has one.
    pub stop_distance: Option<Price>,
    /// True when the signal closes or reduces an existing position rather than opening one.
    pub is_exit: bool,
    /// Producing strategy.
    pub strategy: StrategyId,
    /// Named feature values behind the confidence (documented per strategy).
    pub features: Features,
    /// When the signal was produced (the candle close).
    pub ts: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn confidence_outside_unit_interval_is_rejected() {
        assert!(Confidence::new(dec!(1.01)).is_err());
        assert!(Confidence::new(dec!(-0.01)).is_err());
        assert!(Confidence::try_from_f64(f64::NAN).is_err());
        assert_eq!(Confidence::try_from_f64(0.7).unwrap().value(), dec!(0.7));
    }

    #[test]
    fn default_tiers_split_at_075_and_065() {
        let t = TierThresholds::default();
        let c = |d| Confidence::new(d).unwrap();
        assert_eq!(t.classify(c(dec!(0.75))), Tier::High);
        assert_eq!(t.classify(c(dec!(0.7499))), Tier::Medium);
        assert_eq!(t.classify(c(dec!(0.65))), Tier::Medium);
        assert_eq!(t.classify(c(dec!(0.6499))), Tier::Low);
    }

    #[test]
    fn thresholds_reject_medium_above_high() {
        let c = |d| Confidence::new(d).unwrap();
        assert!(TierThresholds::new(c(dec!(0.6)), c(dec!(0.7))).is_err());
    }

    #[test]
    fn features_serialise_as_the_sorted_map_they_are_read_from() {
        let features: Features = [("spread", dec!(-0.5)), ("fast_sma", dec!(101.25))]
            .into_iter()
            .collect();
        let json = serde_json::to_string(&features).unwrap();
        let as_map: BTreeMap<String, Decimal> = features.clone().into();
        assert_eq!(json, serde_json::to_string(&as_map).unwrap());
        assert_eq!(json, r#"{"fast_sma":"101.25","spread":"-0.5"}"#);
        assert_eq!(serde_json::from_str::<Features>(&json).unwrap(), features);
    }

    #[test]
    fn strategy_id_is_validated() {
        assert!(StrategyId::new("sma_cross").is_ok());
        assert!(StrategyId::new("").is_err());
        assert!(StrategyId::new("bad name").is_err());
    }
}
