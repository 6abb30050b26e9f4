//! The registry: build a strategy by name from its parameters.
//!
//! This is what the backtest binary (`--strategy NAME --fast N --slow N ...`) and
//! the runtime's configuration call. Names and parameter names are the ones in
//! `docs/strategies.md`. An unknown strategy is an error listing the valid names;
//! an unknown parameter is an error listing the strategy's parameters; invalid
//! values are reported all together, each naming its parameter
//! (`sma_cross.fast must be < slow (30), got 30`).
//!
//! A strategy instance serves one symbol: build one per symbol
//! ([`StrategyParams::build_per_symbol`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use domain::ports::Strategy;
use domain::{ConfigViolation, StrategyId, Symbol, TierThresholds};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::StrategyError;
use crate::strategies::{
    Breakout, BreakoutParams, RsiReversion, RsiReversionParams, SmaCross, SmaCrossParams,
};

/// Every strategy name the registry accepts.
pub const STRATEGY_NAMES: &[&str] = &[
    SmaCrossParams::NAME,
    RsiReversionParams::NAME,
    BreakoutParams::NAME,
];

/// Which strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StrategyKind {
    /// Fast/slow SMA cross (`sma_cross`).
    SmaCross,
    /// RSI mean reversion (`rsi_reversion`).
    RsiReversion,
    /// Donchian breakout with an ATR stop (`breakout`).
    Breakout,
}

impl StrategyKind {
    /// Every strategy, in registry order.
    pub const ALL: [StrategyKind; 3] = [
        StrategyKind::SmaCross,
        StrategyKind::RsiReversion,
        StrategyKind::Breakout,
    ];

    /// Registry name, e.g. `sma_cross`.
    pub fn name(self) -> &'static str {
        match self {
            StrategyKind::SmaCross => SmaCrossParams::NAME,
            StrategyKind::RsiReversion => RsiReversionParams::NAME,
            StrategyKind::Breakout => BreakoutParams::NAME,
        }
    }

    /// The kind named `name` (exact, lower case); the error lists the valid names.
    pub fn from_name(name: &str) -> Result<Self, StrategyError> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| StrategyError::UnknownStrategy {
                name: name.to_string(),
                valid: STRATEGY_NAMES,
            })
    }

    /// The names of the strategy's parameters, sorted.
    pub fn param_names(self) -> Vec<String> {
        default_object(self).keys().cloned().collect()
    }
}

impl FromStr for StrategyKind {
    type Err = StrategyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s)
    }
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A strategy's validated-on-build parameters, tagged by strategy name.
///
/// Deserialises from a table with a `name` key and the strategy's parameters
/// (`{ "name": "sma_cross", "fast": 10, "slow": 30 }`); unknown parameters are errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum StrategyParams {
    /// Parameters of `sma_cross`.
    SmaCross(SmaCrossParams),
    /// Parameters of `rsi_reversion`.
    RsiReversion(RsiReversionParams),
    /// Parameters of `breakout`.
    Breakout(BreakoutParams),
}

impl StrategyParams {
    /// The default parameters of `kind`.
    pub fn defaults(kind: StrategyKind) -> Self {
        match kind {
            StrategyKind::SmaCross => Self::SmaCross(SmaCrossParams::default()),
            StrategyKind::RsiReversion => Self::RsiReversion(RsiReversionParams::default()),
            StrategyKind::Breakout => Self::Breakout(BreakoutParams::default()),
        }
    }

    /// Which strategy these parameters are for.
    pub fn kind(&self) -> StrategyKind {
        match self {
            Self::SmaCross(_) => StrategyKind::SmaCross,
            Self::RsiReversion(_) => StrategyKind::RsiReversion,
            Self::Breakout(_) => StrategyKind::Breakout,
        }
    }

    /// Every violation of the parameters, keyed `<strategy>.<param>`.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        match self {
            Self::SmaCross(p) => p.validate(),
            Self::RsiReversion(p) => p.validate(),
            Self::Breakout(p) => p.validate(),
        }
    }

    /// Parameters of strategy `name` from a JSON object of parameters (missing
    /// ones take their defaults), validated.
    pub fn from_json(name: &str, params: Value) -> Result<Self, StrategyError> {
        let kind = StrategyKind::from_name(name)?;
        let malformed = |e: serde_json::Error| StrategyError::MalformedParams {
            strategy: kind.name(),
            detail: e.to_string(),
        };
        let parsed = match kind {
            StrategyKind::SmaCross => {
                Self::SmaCross(serde_json::from_value(params).map_err(malformed)?)
            }
            StrategyKind::RsiReversion => {
                Self::RsiReversion(serde_json::from_value(params).map_err(malformed)?)
            }
            StrategyKind::Breakout => {
                Self::Breakout(serde_json::from_value(params).map_err(malformed)?)
            }
        };
        parsed.checked()
    }

    /// Parameters of strategy `name` from `(param, value)` text pairs, e.g. the
    /// flags `--fast 10 --slow 30` as `[("fast", "10"), ("slow", "30")]`, validated.
    ///
    /// Leading `--` and `-` inside names are accepted (`--allow-short` is
    /// `allow_short`). Missing parameters take their defaults. Values are read
    /// by the parameter's type: whole numbers, decimals (`0.5`) or `true`/`false`.
    pub fn from_pairs<I, K, V>(name: &str, pairs: I) -> Result<Self, StrategyError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let kind = StrategyKind::from_name(name)?;
        let mut object = default_object(kind);
        let mut violations = Vec::new();
        for (key, value) in pairs {
            let key = key
                .as_ref()
                .trim()
                .trim_start_matches("--")
                .replace('-', "_");
            let text = value.as_ref().trim();
            let Some(default) = object.get(&key) else {
                return Err(StrategyError::UnknownParam {
                    strategy: kind.name(),
                    param: key,
                    valid: kind.param_names(),
                });
            };
            let (parsed, expected) = match default {
                Value::Bool(_) => (text.parse::<bool>().ok().map(Value::Bool), "true or false"),
                Value::Number(_) => (
                    text.parse::<u64>().ok().map(Value::from),
                    "a whole number >= 0",
                ),
                _ => (
                    text.parse::<Decimal>()
                        .ok()
                        .map(|_| Value::String(text.to_string())),
                    "a decimal number such as 2 or 0.5",
                ),
            };
            match parsed {
                Some(v) => {
                    object.insert(key, v);
                }
                None => violations.push(ConfigViolation::new(
                    format!("{}.{key}", kind.name()),
                    expected,
                    format!("{text:?}"),
                )),
            }
        }
        if !violations.is_empty() {
            return Err(StrategyError::InvalidParams(violations));
        }
        Self::from_json(kind.name(), Value::Object(object))
    }

    fn checked(self) -> Result<Self, StrategyError> {
        let violations = self.validate();
        if violations.is_empty() {
            Ok(self)
        } else {
            Err(StrategyError::InvalidParams(violations))
        }
    }

    /// Builds the strategy (for one symbol) under the instance name `id`.
    pub fn build(
        self,
        id: StrategyId,
        thresholds: TierThresholds,
    ) -> Result<Box<dyn Strategy>, StrategyError> {
        Ok(match self {
            Self::SmaCross(p) => Box::new(SmaCross::new(p, id, thresholds)?),
            Self::RsiReversion(p) => Box::new(RsiReversion::new(p, id, thresholds)?),
            Self::Breakout(p) => Box::new(Breakout::new(p, id, thresholds)?),
        })
    }

    /// Builds one instance per symbol, all under the instance name `id`.
    pub fn build_per_symbol(
        &self,
        symbols: &[Symbol],
        id: &StrategyId,
        thresholds: TierThresholds,
    ) -> Result<BTreeMap<Symbol, Box<dyn Strategy>>, StrategyError> {
        symbols
            .iter()
            .map(|s| Ok((s.clone(), self.clone().build(id.clone(), thresholds)?)))
            .collect()
    }
}

/// Builds strategy `name` from `(param, value)` text pairs (see
/// [`StrategyParams::from_pairs`]), named after the strategy itself.
pub fn build<I, K, V>(
    name: &str,
    params: I,
    thresholds: TierThresholds,
) -> Result<Box<dyn Strategy>, StrategyError>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let params = StrategyParams::from_pairs(name, params)?;
    let id = StrategyId::new(params.kind().name()).map_err(StrategyError::InvalidId)?;
    params.build(id, thresholds)
}

/// The default parameters of `kind` as a JSON object.
fn default_object(kind: StrategyKind) -> Map<String, Value> {
    let value = match StrategyParams::defaults(kind) {
        StrategyParams::SmaCross(p) => serde_json::to_value(p),
        StrategyParams::RsiReversion(p) => serde_json::to_value(p),
        StrategyParams::Breakout(p) => serde_json::to_value(p),
    };
    match value {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn build_err(name: &str, pairs: &[(&str, &str)]) -> String {
        match build(name, pairs.iter().copied(), TierThresholds::default()) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn builds_every_strategy_with_defaults() {
        for kind in StrategyKind::ALL {
            let s = build(kind.name(), [("", ""); 0], TierThresholds::default()).unwrap();
            assert_eq!(s.id().as_str(), kind.name());
        }
    }

    #[test]
    fn unknown_strategy_lists_the_valid_ones() {
        assert_eq!(
            build_err("macd", &[]),
            "unknown strategy `macd`; valid strategies: sma_cross, rsi_reversion, breakout"
        );
    }

    #[test]
    fn cli_style_pairs_set_the_params() {
        let p = StrategyParams::from_pairs(
            "sma_cross",
            [
                ("--fast", "5"),
                ("slow", "50"),
                ("--allow-short", "true"),
                ("stop_pct", "1.5"),
            ],
        )
        .unwrap();
        assert_eq!(
            p,
            StrategyParams::SmaCross(SmaCrossParams {
                fast: 5,
                slow: 50,
                allow_short: true,
                stop_pct: dec!(1.5),
            })
        );
    }

    #[test]
    fn fast_not_below_slow_names_the_param() {
        assert_eq!(
            build_err("sma_cross", &[("fast", "30"), ("slow", "30")]),
            "invalid strategy parameters: sma_cross.fast must be < slow (30), got 30"
        );
    }

    #[test]
    fn zero_periods_are_reported_together() {
        let err = build_err("breakout", &[("entry_period", "0"), ("atr_period", "0")]);
        assert!(
            err.contains("breakout.entry_period must be in 1..=10000, got 0"),
            "{err}"
        );
        assert!(
            err.contains("breakout.atr_period must be in 1..=10000, got 0"),
            "{err}"
        );
    }

    #[test]
    fn unparsable_values_name_the_param_and_the_expected_type() {
        assert_eq!(
            build_err("sma_cross", &[("fast", "-3")]),
            "invalid strategy parameters: sma_cross.fast must be a whole number >= 0, got \"-3\""
        );
        assert!(
            build_err("rsi_reversion", &[("oversold", "low")]).contains("rsi_reversion.oversold")
        );
        assert!(build_err("breakout", &[("allow_short", "yes")]).contains("true or false"));
    }

    #[test]
    fn unknown_param_lists_the_valid_ones() {
        assert_eq!(
            build_err("sma_cross", &[("fats", "3")]),
            "unknown parameter `fats` for strategy sma_cross; valid parameters: \
             allow_short, fast, slow, stop_pct"
        );
    }

    #[test]
    fn tagged_json_document_round_trips_and_rejects_unknown_fields() {
        let p: StrategyParams =
            serde_json::from_str(r#"{"name": "breakout", "entry_period": 55, "exit_period": 20}"#)
                .unwrap();
        assert_eq!(p.kind(), StrategyKind::Breakout);
        let back: StrategyParams =
            serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        let bad = serde_json::from_str::<StrategyParams>(r#"{"name": "sma_cross", "fats": 3}"#);
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("unknown field `fats`")
        );
    }

    #[test]
    fn from_json_validates() {
        let err = StrategyParams::from_json("rsi_reversion", serde_json::json!({"period": 0}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("rsi_reversion.period must be in 1..=10000, got 0"),
            "{err}"
        );
        let err = StrategyParams::from_json("sma_cross", serde_json::json!({"fats": 1}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `fats`"), "{err}");
    }

    #[test]
    fn one_instance_per_symbol() {
        let symbols = [
            Symbol::new("BTC-USD").unwrap(),
            Symbol::new("ETH-USD").unwrap(),
        ];
        let map = StrategyParams::defaults(StrategyKind::SmaCross)
            .build_per_symbol(
                &symbols,
                &StrategyId::new("trend").unwrap(),
                TierThresholds::default(),
            )
            .unwrap();
        assert_eq!(map.len(), 2);
        assert!(map.values().all(|s| s.id().as_str() == "trend"));
    }

    #[test]
    fn kind_parses_from_str() {
        assert_eq!(
            "breakout".parse::<StrategyKind>(),
            Ok(StrategyKind::Breakout)
        );
        assert!("Breakout".parse::<StrategyKind>().is_err());
    }
}
