//! `[risk]`: the trade gate's configuration section, its defaults and its validation.
//!
//! The raw section keeps the units an operator writes (percent, minutes, basis
//! points). The accessors convert them once into domain units (`Ratio`,
//! `Confidence`, `chrono::Duration`) so that no check re-derives them, and
//! `Limits` (crate-private) is that conversion frozen when a [`TradeGate`](crate::TradeGate)
//! is built from a validated section.

use chrono::Duration;
use domain::{Confidence, ConfigViolation, Ratio, Symbol, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Largest accepted fee or slippage, in basis points (10%).
const MAX_BPS: Decimal = Decimal::ONE_THOUSAND;

/// The `[risk]` configuration section (defaults from ARCHITECTURE.md section 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskConfig {
    /// Largest worst-case loss of one trade, in percent of equity; in (0, 100].
    pub max_loss_per_trade_pct: Decimal,
    /// Largest loss of one trading day, in percent of day-start equity; in (0, 100].
    pub max_daily_loss_pct: Decimal,
    /// Most positions open at once; >= 1.
    pub max_open_positions: usize,
    /// Minutes without new entries after a losing round trip; >= 0 (0 disables).
    pub cool_down_after_loss_minutes: i64,
    /// Smallest signal confidence an entry may carry; in [0, 1].
    pub min_confidence: Decimal,
    /// Most orders approved in any sliding 60-second window; >= 1.
    pub max_orders_per_minute: u32,
    /// Oldest acceptable market data for the intent's symbol, in seconds; > 0.
    pub max_market_data_age_secs: i64,
    /// Symbols the gate lets through; non-empty.
    pub symbol_allowlist: Vec<Symbol>,
    /// Second key for live trading: live mode also needs a GO readiness verdict.
    pub live_trading_enabled: bool,
    /// Commission per fill, in basis points of notional; in [0, 1000].
    pub fee_bps: Decimal,
    /// Expected slippage per fill, in basis points of notional; in [0, 1000].
    pub slippage_bps: Decimal,
}

impl Default for RiskConfig {
    fn default() -> Self {
        Self {
            max_loss_per_trade_pct: Decimal::TWO,
            max_daily_loss_pct: Decimal::from(5),
            max_open_positions: 3,
            cool_down_after_loss_minutes: 60,
            min_confidence: Decimal::new(60, 2),
            max_orders_per_minute: 10,
            max_market_data_age_secs: 180,
            symbol_allowlist: default_allowlist(),
            live_trading_enabled: false,
            fee_bps: Decimal::TEN,
            slippage_bps: Decimal::from(5),
        }
    }
}

fn default_allowlist() -> Vec<Symbol> {
    ["BTC-USD", "ETH-USD"]
        .into_iter()
        .filter_map(|s| Symbol::new(s).ok())
        .collect()
}

fn saturating_minutes(minutes: i64) -> Duration {
    Duration::try_minutes(minutes).unwrap_or(if minutes < 0 {
        Duration::MIN
    } else {
        Duration::MAX
    })
}

fn saturating_seconds(secs: i64) -> Duration {
    Duration::try_seconds(secs).unwrap_or(if secs < 0 {
        Duration::MIN
    } else {
        Duration::MAX
    })
}

impl RiskConfig {
    /// Every invalid value of the section, each naming its key (`risk.<key>`), the valid range and the value.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("risk");
        let pct_ok = |p: Decimal| p > Decimal::ZERO && p <= Decimal::ONE_HUNDRED;
        let bps_ok = |b: Decimal| b >= Decimal::ZERO && b <= MAX_BPS;
        v.check(
            pct_ok(self.max_loss_per_trade_pct),
            "max_loss_per_trade_pct",
            "in (0, 100]",
            self.max_loss_per_trade_pct,
        );
        v.check(
            pct_ok(self.max_daily_loss_pct),
            "max_daily_loss_pct",
            "in (0, 100]",
            self.max_daily_loss_pct,
        );
        v.check(
            self.max_open_positions >= 1,
            "max_open_positions",
            ">= 1",
            self.max_open_positions,
        );
        v.check(
            self.cool_down_after_loss_minutes >= 0,
            "cool_down_after_loss_minutes",
            ">= 0",
            self.cool_down_after_loss_minutes,
        );
        v.check(
            self.min_confidence >= Decimal::ZERO && self.min_confidence <= Decimal::ONE,
            "min_confidence",
            "in [0, 1]",
            self.min_confidence,
        );
        v.check(
            self.max_orders_per_minute >= 1,
            "max_orders_per_minute",
            ">= 1",
            self.max_orders_per_minute,
        );
        v.check(
            self.max_market_data_age_secs > 0,
            "max_market_data_age_secs",
            "> 0",
            self.max_market_data_age_secs,
        );
        v.check(
            !self.symbol_allowlist.is_empty(),
            "symbol_allowlist",
            "a non-empty list of symbols such as [\"BTC-USD\"]",
            "[]",
        );
        v.check(
            bps_ok(self.fee_bps),
            "fee_bps",
            "in [0, 1000]",
            self.fee_bps,
        );
        v.check(
            bps_ok(self.slippage_bps),
            "slippage_bps",
            "in [0, 1000]",
            self.slippage_bps,
        );
        v.into_vec()
    }

    /// `max_loss_per_trade_pct` as a fraction of equity.
    pub fn max_loss_per_trade(&self) -> Ratio {
        Ratio::from_pct(self.max_loss_per_trade_pct)
    }

    /// `max_daily_loss_pct` as a fraction of day-start equity.
    pub fn max_daily_loss(&self) -> Ratio {
        Ratio::from_pct(self.max_daily_loss_pct)
    }

    /// The cool-down after a losing trade (saturating for absurd values; `validate` reports negatives).
    pub fn cool_down_after_loss(&self) -> Duration {
        saturating_minutes(self.cool_down_after_loss_minutes)
    }

    /// `min_confidence` as a `Confidence`, clamped into [0, 1] (`validate` reports values outside).
    pub fn min_confidence(&self) -> Confidence {
        let clamped = self.min_confidence.clamp(Decimal::ZERO, Decimal::ONE);
        Confidence::new(clamped).unwrap_or(Confidence::ONE)
    }

    /// The oldest acceptable market data as a duration.
    pub fn max_market_data_age(&self) -> Duration {
        saturating_seconds(self.max_market_data_age_secs)
    }

    /// Commission per fill as a fraction of notional.
    pub fn fee(&self) -> Ratio {
        Ratio::from_bps(self.fee_bps)
    }

    /// Expected slippage per fill as a fraction of notional.
    pub fn slippage(&self) -> Ratio {
        Ratio::from_bps(self.slippage_bps)
    }

    /// The cost model shared with the turnover governor and sizing.
    pub fn cost_model(&self) -> domain::CostModel {
        domain::CostModel {
            fee_bps: self.fee_bps,
            slippage_bps: self.slippage_bps,
        }
    }

    /// Estimated cost of a round trip as a fraction of notional: `2 x (fee + slippage)`.
    pub fn round_trip_cost(&self) -> Ratio {
        self.cost_model().round_trip()
    }

    /// True when `symbol` is on the allowlist.
    pub fn allows_symbol(&self, symbol: &Symbol) -> bool {
        self.symbol_allowlist.contains(symbol)
    }
}

/// A validated `RiskConfig` converted once into the units the checks compare in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) max_loss_per_trade: Ratio,
    pub(crate) max_daily_loss: Ratio,
    pub(crate) max_open_positions: usize,
    pub(crate) cool_down: Duration,
    pub(crate) min_confidence: Confidence,
    pub(crate) max_orders_per_minute: u32,
    pub(crate) max_data_age: Duration,
    pub(crate) max_data_age_secs: i64,
    pub(crate) round_trip_cost: Ratio,
    pub(crate) live_trading_enabled: bool,
}

impl Limits {
    pub(crate) fn from_config(config: &RiskConfig) -> Self {
        Self {
            max_loss_per_trade: config.max_loss_per_trade(),
            max_daily_loss: config.max_daily_loss(),
            max_open_positions: config.max_open_positions,
            cool_down: config.cool_down_after_loss(),
            min_confidence: config.min_confidence(),
            max_orders_per_minute: config.max_orders_per_minute,
            max_data_age: config.max_market_data_age(),
            max_data_age_secs: config.max_market_data_age_secs,
            round_trip_cost: config.round_trip_cost(),
            live_trading_enabled: config.live_trading_enabled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn messages(config: &RiskConfig) -> Vec<String> {
        config.validate().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn defaults_match_the_architecture_guardrails() {
        let c = RiskConfig::default();
        assert_eq!(c.max_loss_per_trade(), Ratio::from_fraction(dec!(0.02)));
        assert_eq!(c.max_daily_loss(), Ratio::from_fraction(dec!(0.05)));
        assert_eq!(c.max_open_positions, 3);
        assert_eq!(c.cool_down_after_loss(), Duration::minutes(60));
        assert_eq!(c.min_confidence().value(), dec!(0.60));
        assert_eq!(c.max_orders_per_minute, 10);
        assert_eq!(c.max_market_data_age(), Duration::seconds(180));
        let allow: Vec<&str> = c.symbol_allowlist.iter().map(Symbol::as_str).collect();
        assert_eq!(allow, ["BTC-USD", "ETH-USD"]);
        assert!(!c.live_trading_enabled);
        assert_eq!(c.round_trip_cost(), Ratio::from_bps(dec!(30)));
        assert!(c.validate().is_empty(), "{:?}", c.validate());
    }

    #[test]
    fn rejects_percentages_outside_zero_to_hundred_naming_the_key() {
        let c = RiskConfig {
            max_daily_loss_pct: dec!(150),
            max_loss_per_trade_pct: dec!(0),
            ..RiskConfig::default()
        };
        assert_eq!(
            messages(&c),
            [
                "risk.max_loss_per_trade_pct must be in (0, 100], got 0",
                "risk.max_daily_loss_pct must be in (0, 100], got 150",
            ]
        );
    }

    #[test]
    fn rejects_zero_counts_naming_the_key() {
        let c = RiskConfig {
            max_open_positions: 0,
            max_orders_per_minute: 0,
            ..RiskConfig::default()
        };
        assert_eq!(
            messages(&c),
            [
                "risk.max_open_positions must be >= 1, got 0",
                "risk.max_orders_per_minute must be >= 1, got 0",
            ]
        );
    }

    #[test]
    fn rejects_negative_cool_down_and_non_positive_data_age() {
        let c = RiskConfig {
            cool_down_after_loss_minutes: -1,
            max_market_data_age_secs: 0,
            ..RiskConfig::default()
        };
        assert_eq!(
            messages(&c),
            [
                "risk.cool_down_after_loss_minutes must be >= 0, got -1",
                "risk.max_market_data_age_secs must be > 0, got 0",
            ]
        );
    }

    #[test]
    fn rejects_confidence_outside_unit_interval() {
        let c = RiskConfig {
            min_confidence: dec!(1.2),
            ..RiskConfig::default()
        };
        assert_eq!(
            messages(&c),
            ["risk.min_confidence must be in [0, 1], got 1.2"]
        );
        // The accessor never panics on an unvalidated value; it clamps.
        assert_eq!(c.min_confidence(), Confidence::ONE);
    }

    #[test]
    fn rejects_costs_outside_zero_to_thousand_bps() {
        let c = RiskConfig {
            fee_bps: dec!(-1),
            slippage_bps: dec!(1001),
            ..RiskConfig::default()
        };
        assert_eq!(
            messages(&c),
            [
                "risk.fee_bps must be in [0, 1000], got -1",
                "risk.slippage_bps must be in [0, 1000], got 1001",
            ]
        );
    }

    #[test]
    fn rejects_an_empty_allowlist() {
        let c = RiskConfig {
            symbol_allowlist: Vec::new(),
            ..RiskConfig::default()
        };
        let m = messages(&c);
        assert_eq!(m.len(), 1);
        assert!(
            m[0].starts_with("risk.symbol_allowlist must be a non-empty list"),
            "{m:?}"
        );
    }

    #[test]
    fn reports_every_violation_together() {
        let c = RiskConfig {
            max_loss_per_trade_pct: dec!(101),
            max_daily_loss_pct: dec!(-5),
            max_open_positions: 0,
            cool_down_after_loss_minutes: -10,
            min_confidence: dec!(-0.1),
            max_orders_per_minute: 0,
            max_market_data_age_secs: -1,
            symbol_allowlist: Vec::new(),
            live_trading_enabled: true,
            fee_bps: dec!(5000),
            slippage_bps: dec!(-2),
        };
        let keys: Vec<String> = c.validate().into_iter().map(|v| v.key).collect();
        assert_eq!(
            keys,
            [
                "risk.max_loss_per_trade_pct",
                "risk.max_daily_loss_pct",
                "risk.max_open_positions",
                "risk.cool_down_after_loss_minutes",
                "risk.min_confidence",
                "risk.max_orders_per_minute",
                "risk.max_market_data_age_secs",
                "risk.symbol_allowlist",
                "risk.fee_bps",
                "risk.slippage_bps",
            ]
        );
    }

    #[test]
    fn partial_section_takes_defaults_and_unknown_keys_are_errors() {
        let c: RiskConfig =
            serde_json::from_str(r#"{"max_open_positions": 5, "min_confidence": 0.7}"#).unwrap();
        assert_eq!(c.max_open_positions, 5);
        assert_eq!(c.min_confidence, dec!(0.7));
        assert_eq!(c.max_daily_loss_pct, dec!(5));
        let typo = serde_json::from_str::<RiskConfig>(r#"{"max_open_position": 5}"#).unwrap_err();
        assert!(typo.to_string().contains("max_open_position"), "{typo}");
        let bad_symbol =
            serde_json::from_str::<RiskConfig>(r#"{"symbol_allowlist": ["BTCUSDT"]}"#).unwrap_err();
        assert!(bad_symbol.to_string().contains("BTCUSDT"), "{bad_symbol}");
    }

    #[test]
    fn accessors_saturate_instead_of_panicking_on_absurd_durations() {
        let c = RiskConfig {
            cool_down_after_loss_minutes: i64::MAX,
            max_market_data_age_secs: i64::MAX,
            ..RiskConfig::default()
        };
        assert_eq!(c.cool_down_after_loss(), Duration::MAX);
        assert_eq!(c.max_market_data_age(), Duration::MAX);
    }
}
