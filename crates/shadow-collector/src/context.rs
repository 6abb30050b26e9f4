//! Per-symbol market context: a trend measure, short- and long-run volatility, and the
//! regime classifier every shadow record is labelled with.
//!
//! The engine feeds each closed candle of a symbol to [`MarketContext::update`] (O(1) per
//! bar, no history kept) and, when a signal is evaluated, copies
//! [`MarketContext::features`] into the advisor context and the shadow record, and
//! [`MarketContext::regime`] into the record's `regime`.
//!
//! # Statistics
//!
//! Every average is an exponentially weighted moving average over a span of `N` bars
//! (smoothing factor `2 / (N + 1)`), bias-corrected: it starts from nothing rather than
//! from the first value, so before `N` bars it is close to the plain average of the bars
//! seen so far. With the default [`ContextConfig`] and 1-minute bars:
//!
//! - fast EMA of closes: 60 bars (1 hour); slow EMA of closes: 240 bars (4 hours);
//! - short-run variance: EWMA of squared 1-bar log returns `ln(close_t / close_t-1)`
//!   over 60 bars; long-run variance: the same over 1440 bars (1 day). Returns are
//!   taken as zero-mean (RiskMetrics style).
//!
//! A candle whose close time is not after the last applied one (a duplicate or a
//! late bar, e.g. after a reconnect) is ignored.
//!
//! # Features
//!
//! [`MarketContext::features`] returns exactly these names (see [`feature`]):
//!
//! | name | meaning |
//! |---|---|
//! | `trend` | `(fast EMA - slow EMA) / slow EMA` of closes: a relative gap, `0.002` = 0.2% |
//! | `volatility` | short-run volatility: `sqrt(short-run variance)`, the standard deviation of 1-bar log returns (per bar, not annualised) |
//! | `volatility_ratio` | short-run volatility / long-run volatility (`1` when the long-run volatility is zero) |
//!
//! Values are `Decimal`s rounded to [`FEATURE_DECIMALS`] places; a statistic that is not
//! finite is reported as `0`. Before warm-up (fewer than `slow_bars` closes, 240 by
//! default) `trend` is reported as `0` and `volatility_ratio` as `1` (neutral), while
//! `volatility` is the estimate so far.
//!
//! # Regime classifier
//!
//! [`RegimeConfig::classify`] is a pure function of the two recorded features, so a report
//! can recompute any record's regime from its `features`. With the defaults
//! (`high_volatility_ratio` = 1.5, `trend_threshold` = 0.002), in this order:
//!
//! 1. `HighVolatility` when `volatility_ratio > 1.5` (short-run volatility more than 1.5
//!    times its long-run level), whatever the trend;
//! 2. else `Bull` when `trend > 0.002`;
//! 3. else `Bear` when `trend < -0.002`;
//! 4. else `Sideways`.
//!
//! Comparisons are strict and exact (on the rounded `Decimal` features). Before warm-up
//! the neutral features make every context `Sideways`.

use std::collections::BTreeMap;

use domain::{Candle, Regime, Symbol, Timestamp};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::{Deserialize, Serialize};

/// Names of the market features the engine records and the advisors read.
pub mod feature {
    /// Relative gap between the fast and slow EMA of closes (from [`super::MarketContext`]).
    pub const TREND: &str = "trend";
    /// Short-run volatility of 1-bar log returns (from [`super::MarketContext`]).
    pub const VOLATILITY: &str = "volatility";
    /// Short-run over long-run volatility (from [`super::MarketContext`]).
    pub const VOLATILITY_RATIO: &str = "volatility_ratio";
    /// Round-trip cost of the trade in basis points (put there by the engine).
    pub const COST_BPS: &str = "cost_bps";
    /// Rolling per-symbol share of resolved signals with a positive net return, in
    /// `[0, 1]` (put there by the engine).
    pub const HIT_RATE: &str = "hit_rate";
}

/// Decimal places of every feature value.
pub const FEATURE_DECIMALS: u32 = 10;

/// The regime thresholds (see the module docs for the rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegimeConfig {
    /// `|trend|` above which the market is `Bull` or `Bear` (default `0.002` = 0.2%).
    pub trend_threshold: Decimal,
    /// `volatility_ratio` above which the market is `HighVolatility` (default `1.5`).
    pub high_volatility_ratio: Decimal,
}

impl Default for RegimeConfig {
    fn default() -> Self {
        Self {
            trend_threshold: Decimal::from_parts(2, 0, 0, false, 3),
            high_volatility_ratio: Decimal::from_parts(15, 0, 0, false, 1),
        }
    }
}

impl RegimeConfig {
    /// The regime of a `trend` and a `volatility_ratio` feature value (module docs: the rule).
    pub fn classify(&self, trend: Decimal, volatility_ratio: Decimal) -> Regime {
        if volatility_ratio > self.high_volatility_ratio {
            Regime::HighVolatility
        } else if trend > self.trend_threshold {
            Regime::Bull
        } else if trend < -self.trend_threshold {
            Regime::Bear
        } else {
            Regime::Sideways
        }
    }

    /// The regime recorded in a feature map (missing features count as neutral:
    /// `trend` 0, `volatility_ratio` 1).
    pub fn classify_features(&self, features: &BTreeMap<String, Decimal>) -> Regime {
        let trend = features
            .get(feature::TREND)
            .copied()
            .unwrap_or(Decimal::ZERO);
        let ratio = features
            .get(feature::VOLATILITY_RATIO)
            .copied()
            .unwrap_or(Decimal::ONE);
        self.classify(trend, ratio)
    }
}

/// Window lengths (in bars) and regime thresholds of a [`MarketContext`].
///
/// A span of 0 behaves as 1 (the average is the last value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextConfig {
    /// Span of the fast EMA of closes (default 60).
    pub fast_bars: u32,
    /// Span of the slow EMA of closes, and the warm-up length (default 240).
    pub slow_bars: u32,
    /// Span of the short-run variance (default 60).
    pub short_vol_bars: u32,
    /// Span of the long-run variance (default 1440).
    pub long_vol_bars: u32,
    /// Regime thresholds.
    pub regime: RegimeConfig,
}

impl Default for ContextConfig {
    fn default() -> Self {
        Self {
            fast_bars: 60,
            slow_bars: 240,
            short_vol_bars: 60,
            long_vol_bars: 1440,
            regime: RegimeConfig::default(),
        }
    }
}

/// The smoothing factor of a span: `2 / (span + 1)`, with span 0 treated as 1.
fn alpha(span: u32) -> f64 {
    2.0 / (f64::from(span.max(1)) + 1.0)
}

/// A bias-corrected exponentially weighted mean: `raw / weight`, where `weight` is the
/// total weight given to the values seen so far (`1 - (1 - alpha)^n`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Ewma {
    raw: f64,
    weight: f64,
}

impl Ewma {
    fn update(&mut self, value: f64, alpha: f64) {
        let raw = (1.0 - alpha) * self.raw + alpha * value;
        let weight = (1.0 - alpha) * self.weight + alpha;
        // A non-finite value would poison the average for good: drop it instead.
        if raw.is_finite() && weight.is_finite() {
            self.raw = raw;
            self.weight = weight;
        }
    }

    /// The mean, `None` before the first value.
    fn mean(&self) -> Option<f64> {
        (self.weight > 0.0).then(|| self.raw / self.weight)
    }
}

/// A finite float as a feature value, rounded to [`FEATURE_DECIMALS`]; 0 otherwise.
fn to_feature(value: f64) -> Decimal {
    if !value.is_finite() {
        return Decimal::ZERO;
    }
    Decimal::from_f64(value).map_or(Decimal::ZERO, |d| d.round_dp(FEATURE_DECIMALS))
}

/// The streaming market context of one symbol (module docs: statistics, features, regime).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketContext {
    config: ContextConfig,
    bars: u64,
    last_close: Option<f64>,
    last_close_time: Option<Timestamp>,
    fast: Ewma,
    slow: Ewma,
    short_var: Ewma,
    long_var: Ewma,
}

impl Default for MarketContext {
    fn default() -> Self {
        Self::new(ContextConfig::default())
    }
}

impl MarketContext {
    /// An empty context (not warmed up).
    pub fn new(config: ContextConfig) -> Self {
        Self {
            config,
            bars: 0,
            last_close: None,
            last_close_time: None,
            fast: Ewma::default(),
            slow: Ewma::default(),
            short_var: Ewma::default(),
            long_var: Ewma::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ContextConfig {
        &self.config
    }

    /// Feeds one closed candle. Returns `false` (and changes nothing) when its close time
    /// is not after the last applied candle's.
    pub fn update(&mut self, candle: &Candle) -> bool {
        if self
            .last_close_time
            .is_some_and(|last| candle.close_time() <= last)
        {
            return false;
        }
        let close = candle.close().to_f64_lossy();
        if !(close.is_finite() && close > 0.0) {
            return false;
        }
        if let Some(prev) = self.last_close {
            let r = (close / prev).ln();
            let r2 = r * r;
            self.short_var.update(r2, alpha(self.config.short_vol_bars));
            self.long_var.update(r2, alpha(self.config.long_vol_bars));
        }
        self.fast.update(close, alpha(self.config.fast_bars));
        self.slow.update(close, alpha(self.config.slow_bars));
        self.last_close = Some(close);
        self.last_close_time = Some(candle.close_time());
        self.bars = self.bars.saturating_add(1);
        true
    }

    /// Number of candles applied.
    pub fn bars(&self) -> u64 {
        self.bars
    }

    /// Close time of the last applied candle.
    pub fn last_close_time(&self) -> Option<Timestamp> {
        self.last_close_time
    }

    /// True once `slow_bars` candles have been applied; before that the trend and
    /// volatility ratio are reported as neutral and the regime is `Sideways`.
    pub fn is_warm(&self) -> bool {
        self.bars >= u64::from(self.config.slow_bars.max(1))
    }

    /// `trend` as a float (0 before warm-up or when undefined).
    fn trend_f64(&self) -> f64 {
        if !self.is_warm() {
            return 0.0;
        }
        match (self.fast.mean(), self.slow.mean()) {
            (Some(fast), Some(slow)) if slow > 0.0 => (fast - slow) / slow,
            _ => 0.0,
        }
    }

    /// Short-run volatility (0 before the second candle).
    fn volatility_f64(&self) -> f64 {
        self.short_var.mean().map_or(0.0, |v| v.max(0.0).sqrt())
    }

    /// `volatility_ratio` as a float (1 before warm-up or when the long-run volatility is 0).
    fn volatility_ratio_f64(&self) -> f64 {
        if !self.is_warm() {
            return 1.0;
        }
        let long = self.long_var.mean().map_or(0.0, |v| v.max(0.0).sqrt());
        if long > 0.0 {
            self.volatility_f64() / long
        } else {
            1.0
        }
    }

    /// The `trend` feature.
    pub fn trend(&self) -> Decimal {
        to_feature(self.trend_f64())
    }

    /// The `volatility` feature.
    pub fn volatility(&self) -> Decimal {
        to_feature(self.volatility_f64())
    }

    /// The `volatility_ratio` feature.
    pub fn volatility_ratio(&self) -> Decimal {
        to_feature(self.volatility_ratio_f64())
    }

    /// The named features `trend`, `volatility` and `volatility_ratio` (module docs).
    pub fn features(&self) -> BTreeMap<String, Decimal> {
        BTreeMap::from([
            (feature::TREND.to_string(), self.trend()),
            (feature::VOLATILITY.to_string(), self.volatility()),
            (
                feature::VOLATILITY_RATIO.to_string(),
                self.volatility_ratio(),
            ),
        ])
    }

    /// The regime: the configured classifier applied to [`Self::trend`] and
    /// [`Self::volatility_ratio`] (`Sideways` before warm-up).
    pub fn regime(&self) -> Regime {
        self.config
            .regime
            .classify(self.trend(), self.volatility_ratio())
    }

    /// The close of the last applied candle.
    pub fn last_close(&self) -> Option<Decimal> {
        self.last_close.and_then(Decimal::from_f64)
    }

    /// The number of candles still needed before warm-up.
    pub fn bars_to_warm_up(&self) -> u64 {
        u64::from(self.config.slow_bars.max(1)).saturating_sub(self.bars)
    }

    /// Long-run volatility, for diagnostics (`None` before the second candle).
    pub fn long_volatility(&self) -> Option<Decimal> {
        self.long_var.mean().map(|v| to_feature(v.max(0.0).sqrt()))
    }
}

/// One [`MarketContext`] per symbol, created on a symbol's first candle.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MarketContexts {
    config: ContextConfig,
    by_symbol: BTreeMap<Symbol, MarketContext>,
}

impl MarketContexts {
    /// No symbols yet; every new symbol's context uses `config`.
    pub fn new(config: ContextConfig) -> Self {
        Self {
            config,
            by_symbol: BTreeMap::new(),
        }
    }

    /// Feeds a candle to its symbol's context and returns that context.
    pub fn update(&mut self, candle: &Candle) -> &MarketContext {
        let config = self.config;
        let ctx = self
            .by_symbol
            .entry(candle.symbol().clone())
            .or_insert_with(|| MarketContext::new(config));
        ctx.update(candle);
        ctx
    }

    /// The context of a symbol, if it has had a candle.
    pub fn get(&self, symbol: &Symbol) -> Option<&MarketContext> {
        self.by_symbol.get(symbol)
    }

    /// Every symbol's context, in symbol order.
    pub fn iter(&self) -> impl Iterator<Item = (&Symbol, &MarketContext)> {
        self.by_symbol.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use domain::CandleFields;
    use rust_decimal::prelude::ToPrimitive;
    use rust_decimal_macros::dec;

    fn t(i: i64) -> Timestamp {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(i)
    }

    fn candle(symbol: &str, i: i64, close: f64) -> Candle {
        let c = Decimal::from_f64(close).unwrap().round_dp(6);
        Candle::new(CandleFields {
            symbol: Symbol::new(symbol).unwrap(),
            open_time: t(i),
            close_time: t(i + 1),
            open: c,
            high: c,
            low: c,
            close: c,
            volume: dec!(1),
        })
        .unwrap()
    }

    /// Feeds `closes` as consecutive 1-minute bars starting at minute `start`.
    fn feed(ctx: &mut MarketContext, start: i64, closes: impl IntoIterator<Item = f64>) -> i64 {
        let mut i = start;
        for c in closes {
            assert!(ctx.update(&candle("BTC-USD", i, c)));
            i += 1;
        }
        i
    }

    /// A deterministic zig-zag around a drifting level: `amp` is the relative size of each
    /// up or down move, `drift` the relative drift per bar.
    fn path(start: f64, n: usize, amp: f64, drift: f64) -> Vec<f64> {
        let mut out = Vec::with_capacity(n);
        let mut level = start;
        for k in 0..n {
            level *= 1.0 + drift;
            let wiggle = if k % 2 == 0 { 1.0 + amp } else { 1.0 - amp };
            out.push(level * wiggle);
        }
        out
    }

    #[test]
    fn is_sideways_with_neutral_features_before_warm_up() {
        let mut ctx = MarketContext::default();
        // A strong rise and wild swings, but only 239 bars.
        feed(&mut ctx, 0, path(100.0, 239, 0.02, 0.01));
        assert!(!ctx.is_warm());
        assert_eq!(ctx.bars_to_warm_up(), 1);
        assert_eq!(ctx.regime(), Regime::Sideways);
        let f = ctx.features();
        assert_eq!(f["trend"], Decimal::ZERO);
        assert_eq!(f["volatility_ratio"], Decimal::ONE);
        assert!(f["volatility"] > Decimal::ZERO);
        assert_eq!(f.len(), 3);
    }

    #[test]
    fn rising_market_is_bull_and_falling_market_is_bear() {
        let mut up = MarketContext::default();
        feed(&mut up, 0, path(100.0, 2000, 0.0005, 0.0002));
        assert!(up.trend() > dec!(0.002), "{}", up.trend());
        assert_eq!(up.regime(), Regime::Bull);

        let mut down = MarketContext::default();
        feed(&mut down, 0, path(100.0, 2000, 0.0005, -0.0002));
        assert!(down.trend() < dec!(-0.002), "{}", down.trend());
        assert_eq!(down.regime(), Regime::Bear);
    }

    #[test]
    fn flat_market_is_sideways() {
        let mut ctx = MarketContext::default();
        feed(&mut ctx, 0, path(100.0, 2000, 0.0005, 0.0));
        assert!(ctx.trend().abs() <= dec!(0.002));
        let ratio = ctx.volatility_ratio();
        assert!((ratio - Decimal::ONE).abs() < dec!(0.01), "{ratio}");
        assert_eq!(ctx.regime(), Regime::Sideways);
    }

    #[test]
    fn a_volatility_burst_is_high_volatility_whatever_the_trend() {
        let mut ctx = MarketContext::default();
        let next = feed(&mut ctx, 0, path(100.0, 2000, 0.0005, 0.0002));
        assert_eq!(ctx.regime(), Regime::Bull);
        // Swings six times larger for 30 bars.
        let last = path(100.0, 2000, 0.0005, 0.0002)[1999];
        feed(&mut ctx, next, path(last, 30, 0.003, 0.0002));
        assert!(
            ctx.volatility_ratio() > dec!(1.5),
            "{}",
            ctx.volatility_ratio()
        );
        assert_eq!(ctx.regime(), Regime::HighVolatility);
    }

    #[test]
    fn volatility_is_the_standard_deviation_of_log_returns_per_bar() {
        let mut ctx = MarketContext::default();
        // Alternating +1% / -1% moves: |log return| = ln(1.01 / 0.99) every bar.
        feed(&mut ctx, 0, path(100.0, 500, 0.01, 0.0));
        let expected = (1.01f64 / 0.99).ln();
        let got = ctx.volatility().to_f64().unwrap();
        assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
    }

    #[test]
    fn regime_is_recomputable_from_the_recorded_features() {
        let mut ctx = MarketContext::default();
        let mut i = 0;
        for (drift, amp) in [(0.0002, 0.0005), (-0.0003, 0.0005), (0.0, 0.004)] {
            let start = ctx.last_close().map_or(100.0, |d| d.to_f64().unwrap());
            i = feed(&mut ctx, i, path(start, 700, amp, drift));
            let recorded = ctx.features();
            assert_eq!(
                RegimeConfig::default().classify_features(&recorded),
                ctx.regime()
            );
        }
    }

    #[test]
    fn classifier_thresholds_are_strict() {
        let c = RegimeConfig::default();
        assert_eq!(c.classify(dec!(0.002), dec!(1.5)), Regime::Sideways);
        assert_eq!(c.classify(dec!(0.0021), dec!(1.5)), Regime::Bull);
        assert_eq!(c.classify(dec!(-0.0021), dec!(1.0)), Regime::Bear);
        assert_eq!(c.classify(dec!(0.05), dec!(1.51)), Regime::HighVolatility);
        assert_eq!(
            c.classify_features(&BTreeMap::new()),
            Regime::Sideways,
            "missing features are neutral"
        );
    }

    #[test]
    fn duplicate_and_late_candles_are_ignored() {
        let mut ctx = MarketContext::default();
        assert!(ctx.update(&candle("BTC-USD", 10, 100.0)));
        let before = ctx.clone();
        assert!(!ctx.update(&candle("BTC-USD", 10, 150.0)));
        assert!(!ctx.update(&candle("BTC-USD", 3, 150.0)));
        assert_eq!(ctx, before);
        assert_eq!(ctx.bars(), 1);
    }

    #[test]
    fn state_survives_serde_and_continues_identically() {
        let mut ctx = MarketContext::default();
        let next = feed(&mut ctx, 0, path(100.0, 400, 0.001, 0.0001));
        let json = serde_json::to_value(&ctx).unwrap();
        let mut restored: MarketContext = serde_json::from_value(json).unwrap();
        assert_eq!(restored, ctx);
        feed(&mut ctx, next, path(105.0, 50, 0.001, 0.0));
        feed(&mut restored, next, path(105.0, 50, 0.001, 0.0));
        assert_eq!(restored.features(), ctx.features());
        assert_eq!(restored.regime(), ctx.regime());
    }

    #[test]
    fn contexts_are_kept_per_symbol_and_serialise_by_symbol_name() {
        let mut all = MarketContexts::default();
        all.update(&candle("BTC-USD", 0, 100.0));
        all.update(&candle("BTC-USD", 1, 101.0));
        all.update(&candle("ETH-USD", 0, 10.0));
        let btc = Symbol::new("BTC-USD").unwrap();
        let eth = Symbol::new("ETH-USD").unwrap();
        assert_eq!(all.get(&btc).map(MarketContext::bars), Some(2));
        assert_eq!(all.get(&eth).map(MarketContext::bars), Some(1));
        assert!(all.get(&Symbol::new("SOL-USD").unwrap()).is_none());
        let text = serde_json::to_string(&all).unwrap();
        assert!(text.contains("\"BTC-USD\""), "{text}");
        let back: MarketContexts = serde_json::from_str(&text).unwrap();
        assert_eq!(back.iter().count(), 2);
        assert_eq!(back.get(&btc).map(MarketContext::bars), Some(2));
    }

    #[test]
    fn extreme_prices_never_produce_non_finite_features() {
        let mut ctx = MarketContext::new(ContextConfig {
            slow_bars: 2,
            ..ContextConfig::default()
        });
        for (i, close) in [1e-6, 1e12, 1e-6, 1e12, 1e-6].into_iter().enumerate() {
            assert!(ctx.update(&candle("BTC-USD", i as i64, close)));
        }
        let f = ctx.features();
        assert!(f["volatility"] > dec!(1), "{f:?}");
        assert!(f["volatility_ratio"] > Decimal::ZERO, "{f:?}");
        assert!(ctx.long_volatility().is_some_and(|v| v > Decimal::ZERO));
    }
}
