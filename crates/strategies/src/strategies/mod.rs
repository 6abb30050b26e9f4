//! The strategies: each turns closed candles of **one symbol** into `Signal`s.
//!
//! Pipeline step 3 (ARCHITECTURE.md section 2). A strategy instance keeps the
//! indicator state of a single symbol: it binds to the symbol of the first candle
//! it sees and ignores candles of any other symbol (the registry builds one
//! instance per symbol). Candles priced above `indicators::MAX_INPUT` are ignored
//! too, whole, so that every indicator of a strategy sees the same bars.
//!
//! Every signal carries a confidence in `[0, 1]` computed from the strategy's own
//! named features (all of them are in `Signal::features`), rounded to 6 decimals,
//! and the tier the configured `TierThresholds` give that confidence. Formulas are
//! documented per strategy and in `docs/strategies.md`. Nothing is random and
//! nothing reads a clock: the same candles always give the same signals.

mod breakout;
mod rsi_reversion;
mod sma_cross;

pub use breakout::{Breakout, BreakoutParams};
pub use rsi_reversion::{RsiReversion, RsiReversionParams};
pub use sma_cross::{SmaCross, SmaCrossParams};

use domain::{Candle, Confidence, Price, Ratio, Side, Signal, StrategyId, Symbol, TierThresholds};
use rust_decimal::Decimal;

use crate::indicators::in_domain;

/// Decimal places kept in a signal's confidence.
const CONFIDENCE_DP: u32 = 6;
/// Decimal places kept in a signal's expected edge.
const EDGE_DP: u32 = 8;

/// What every strategy shares: its name, the tier thresholds and the symbol it is bound to.
#[derive(Debug, Clone)]
pub(crate) struct Base {
    id: StrategyId,
    thresholds: TierThresholds,
    symbol: Option<Symbol>,
}

impl Base {
    pub(crate) fn new(id: StrategyId, thresholds: TierThresholds) -> Self {
        Self {
            id,
            thresholds,
            symbol: None,
        }
    }

    pub(crate) fn id(&self) -> &StrategyId {
        &self.id
    }

    /// True when the candle belongs to this instance: same symbol as the first
    /// candle seen and prices inside the indicators' domain (`high` bounds them all).
    #[inline]
    pub(crate) fn admit(&mut self, candle: &Candle) -> bool {
        match &self.symbol {
            Some(bound) if bound != candle.symbol() => return false,
            Some(_) => {}
            None => self.symbol = Some(candle.symbol().clone()),
        }
        in_domain(candle.high().value())
    }

    /// Builds the signal for `candle` from a draft, clamping and rounding the confidence.
    pub(crate) fn signal(&self, candle: &Candle, draft: Draft) -> Signal {
        let confidence = Confidence::new(clamp01(draft.confidence).round_dp(CONFIDENCE_DP))
            .unwrap_or(Confidence::ZERO);
        Signal {
            symbol: candle.symbol().clone(),
            side: draft.side,
            confidence,
            tier: self.thresholds.classify(confidence),
            expected_edge: Ratio::from_fraction(draft.expected_edge.round_dp(EDGE_DP)),
            price: candle.close(),
            stop_distance: draft.stop_distance.and_then(|d| Price::new(d).ok()),
            is_exit: draft.is_exit,
            strategy: self.id.clone(),
            features: draft.features.iter().copied().collect::<domain::Features>(),
            ts: candle.close_time(),
        }
    }
}

/// A signal before the shared finishing touches (symbol, price, time, tier).
pub(crate) struct Draft<'a> {
    pub(crate) side: Side,
    pub(crate) is_exit: bool,
    /// Raw confidence; clamped to `[0, 1]` and rounded by [`Base::signal`].
    pub(crate) confidence: Decimal,
    pub(crate) expected_edge: Decimal,
    /// Stop distance in price units; dropped when not strictly positive.
    pub(crate) stop_distance: Option<Decimal>,
    pub(crate) features: &'a [(&'static str, Decimal)],
}

/// The position a strategy believes its own signals have produced.
///
/// Strategies that have separate entry and exit rules (`rsi_reversion`,
/// `breakout`) use it so that they emit one entry, then one exit, instead of a
/// signal on every bar the condition holds. It is the strategy's view, not the
/// portfolio's: the engine decides what a signal does to the real position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notional {
    Flat,
    Long,
    Short,
}

/// `x` clamped to `[0, 1]`.
#[inline]
pub(crate) fn clamp01(x: Decimal) -> Decimal {
    x.clamp(Decimal::ZERO, Decimal::ONE)
}

/// `a / b`, or zero when `b` is zero or the quotient does not fit in a `Decimal`.
#[inline]
pub(crate) fn ratio(a: Decimal, b: Decimal) -> Decimal {
    a.checked_div(b).unwrap_or(Decimal::ZERO)
}

/// The confidence every strategy uses: `0.4 + 0.3 * a + 0.3 * b` with `a`, `b` in `[0, 1]`.
///
/// A signal with no supporting evidence scores 0.4 (below the default medium
/// tier and the risk gate's 0.60 minimum); one with both pieces of evidence at
/// full strength scores 1.0.
pub(crate) fn two_factor_confidence(a: Decimal, b: Decimal) -> Decimal {
    const BASE: Decimal = Decimal::from_parts(4, 0, 0, false, 1);
    const WEIGHT: Decimal = Decimal::from_parts(3, 0, 0, false, 1);
    BASE + WEIGHT * clamp01(a) + WEIGHT * clamp01(b)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Candle builders shared by the strategies' unit tests.

    use chrono::{DateTime, Duration, TimeZone, Utc};
    use domain::{Candle, CandleFields, Symbol};
    use rust_decimal::Decimal;

    pub(crate) fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
    }

    /// A 1-hour candle number `i` with the given OHLC and volume.
    pub(crate) fn ohlcv(
        symbol: &str,
        i: i64,
        o: Decimal,
        h: Decimal,
        l: Decimal,
        c: Decimal,
        v: Decimal,
    ) -> Candle {
        let open_time = t0() + Duration::hours(i);
        Candle::new(CandleFields {
            symbol: Symbol::new(symbol).unwrap(),
            open_time,
            close_time: open_time + Duration::hours(1),
            open: o,
            high: h,
            low: l,
            close: c,
            volume: v,
        })
        .unwrap()
    }

    /// A flat-bodied BTC-USD candle closing (and opening) at `close`.
    pub(crate) fn close_only(i: i64, close: Decimal) -> Candle {
        ohlcv("BTC-USD", i, close, close, close, close, Decimal::ONE)
    }

    /// BTC-USD candles closing at `closes`, one per hour.
    pub(crate) fn series(closes: &[Decimal]) -> Vec<Candle> {
        closes
            .iter()
            .enumerate()
            .map(|(i, &c)| close_only(i as i64, c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn two_factor_confidence_spans_point_four_to_one() {
        assert_eq!(two_factor_confidence(dec!(0), dec!(0)), dec!(0.4));
        assert_eq!(two_factor_confidence(dec!(1), dec!(1)), dec!(1.0));
        assert_eq!(two_factor_confidence(dec!(5), dec!(-3)), dec!(0.7));
        assert_eq!(two_factor_confidence(dec!(0.5), dec!(0.5)), dec!(0.7));
    }

    #[test]
    fn ratio_of_zero_denominator_is_zero() {
        assert_eq!(ratio(dec!(1), dec!(0)), dec!(0));
        assert_eq!(ratio(dec!(1), dec!(4)), dec!(0.25));
    }

    #[test]
    fn base_binds_to_the_first_symbol() {
        let mut base = Base::new(StrategyId::new("t").unwrap(), TierThresholds::default());
        let btc = testing::close_only(0, dec!(100));
        let eth = testing::ohlcv("ETH-USD", 1, dec!(5), dec!(5), dec!(5), dec!(5), dec!(1));
        assert!(base.admit(&btc));
        assert!(!base.admit(&eth));
        assert!(base.admit(&btc));
    }

    #[test]
    fn base_ignores_prices_outside_the_indicator_domain() {
        let mut base = Base::new(StrategyId::new("t").unwrap(), TierThresholds::default());
        assert!(!base.admit(&testing::close_only(0, dec!(2e12))));
    }
}
