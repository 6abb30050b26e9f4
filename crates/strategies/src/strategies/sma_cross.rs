//! `sma_cross`: trend following on the cross of a fast and a slow simple moving average.
//!
//! A cross is a change of sign of `fast SMA - slow SMA` relative to the **last
//! non-zero sign**: a bar where the two averages are exactly equal is no signal
//! and does not update the remembered sign, and the first non-zero sign after
//! warm-up only initialises it. The sign is computed without any division,
//! as `sign(fast_sum * slow - slow_sum * fast)`, on exact running sums, so ties
//! are detected exactly and an independent backtester using exact arithmetic
//! sees the same crosses.
//!
//! - Cross up: `Buy` entry.
//! - Cross down, long-only (default): `Sell` with `is_exit = true` (close the long).
//! - Cross down with `allow_short = true`: `Sell` entry; every cross is then a
//!   reversal (a `Buy` entry also closes a short, a `Sell` entry closes a long).
//!
//! The strategy does not track positions: crosses alternate by construction, so
//! entries and exits alternate, and the first signal after warm-up can be an exit
//! (which the engine treats as a no-op when flat).
//!
//! Hot path: two ring-buffer updates (one subtraction and one addition each), two
//! multiplications and one comparison per bar; features, divisions and the
//! features map only on the bars that emit a signal.

use std::cmp::Ordering;

use domain::ports::Strategy;
use domain::{Candle, ConfigViolation, Side, Signal, StrategyId, TierThresholds, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Base, Draft, clamp01, ratio, two_factor_confidence};
use crate::error::StrategyError;
use crate::indicators::{MAX_PERIOD, Sma};

/// Parameters of `sma_cross`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmaCrossParams {
    /// Bars in the fast average (default 15).
    pub fast: usize,
    /// Bars in the slow average; must exceed `fast` (default 45).
    pub slow: usize,
    /// When true, a cross down opens a short instead of only closing the long (default false).
    pub allow_short: bool,
    /// Protective stop distance on entries, in percent of the close (default 2).
    pub stop_pct: Decimal,
}

impl Default for SmaCrossParams {
    fn default() -> Self {
        Self {
            fast: 15,
            slow: 45,
            allow_short: false,
            stop_pct: Decimal::TWO,
        }
    }
}

impl SmaCrossParams {
    /// Registry name of the strategy.
    pub const NAME: &'static str = "sma_cross";

    /// Every violation, keyed `sma_cross.<param>`.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new(Self::NAME);
        let period_ok = |p: usize| (1..=MAX_PERIOD).contains(&p);
        v.check(period_ok(self.fast), "fast", "in 1..=10000", self.fast);
        v.check(period_ok(self.slow), "slow", "in 1..=10000", self.slow);
        v.check(
            self.fast < self.slow,
            "fast",
            &format!("< slow ({})", self.slow),
            self.fast,
        );
        v.check(
            self.stop_pct > Decimal::ZERO && self.stop_pct < Decimal::ONE_HUNDRED,
            "stop_pct",
            "in (0, 100)",
            self.stop_pct,
        );
        v.into_vec()
    }
}

/// One half: the share of the extrapolated trend taken as the expected edge.
const HALF: Decimal = Decimal::from_parts(5, 0, 0, false, 1);

/// Weight of the newest completed regime in the mean regime length (1/8).
const REGIME_WEIGHT: Decimal = Decimal::from_parts(125, 0, 0, false, 3);

/// Direction of `fast - slow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trend {
    Up,
    Down,
}

/// The fast/slow SMA cross strategy for one symbol.
#[derive(Debug, Clone)]
pub struct SmaCross {
    base: Base,
    params: SmaCrossParams,
    fast: Sma,
    slow: Sma,
    fast_len: Decimal,
    slow_len: Decimal,
    /// `stop_pct / 100`.
    stop_fraction: Decimal,
    /// The last non-zero sign of `fast - slow` after warm-up.
    last_sign: Option<Trend>,
    /// Warm bars since `last_sign` was set (initialised or flipped).
    bars_since_flip: u64,
    /// Exponentially weighted mean length of the completed regimes, in bars (starts at `slow`):
    /// the holding period the next position can expect, since a position lasts one regime.
    mean_regime_bars: Decimal,
}

/// Everything known on a cross bar, before the features are derived.
struct Cross {
    trend: Trend,
    fast_sum: Decimal,
    slow_sum: Decimal,
    prev_fast_sum: Decimal,
    prev_slow_sum: Decimal,
    regime_bars: u64,
}

impl SmaCross {
    /// Builds the strategy after validating `params`.
    pub fn new(
        params: SmaCrossParams,
        id: StrategyId,
        thresholds: TierThresholds,
    ) -> Result<Self, StrategyError> {
        let violations = params.validate();
        if !violations.is_empty() {
            return Err(StrategyError::InvalidParams(violations));
        }
        Ok(Self {
            base: Base::new(id, thresholds),
            fast: Sma::new(params.fast)?,
            slow: Sma::new(params.slow)?,
            fast_len: Decimal::from(params.fast),
            slow_len: Decimal::from(params.slow),
            mean_regime_bars: Decimal::from(params.slow),
            stop_fraction: params.stop_pct / Decimal::ONE_HUNDRED,
            params,
            last_sign: None,
            bars_since_flip: 0,
        })
    }

    /// The parameters in use.
    pub fn params(&self) -> &SmaCrossParams {
        &self.params
    }

    /// `sign(fast_sum / fast - slow_sum / slow)` as `fast_sum * slow` vs `slow_sum * fast`:
    /// exact, and no division.
    #[inline]
    fn compare_means(&self, fast_sum: Decimal, slow_sum: Decimal) -> Ordering {
        if fast_sum.scale() == slow_sum.scale() {
            // Both sums accumulate the same inputs, so they share a scale (the
            // largest input scale seen). Mantissas fit in 96 bits and lengths in
            // 14 (<= MAX_PERIOD), so the products cannot overflow an i128.
            let fast = fast_sum.mantissa() * self.params.slow as i128;
            let slow = slow_sum.mantissa() * self.params.fast as i128;
            fast.cmp(&slow)
        } else {
            (fast_sum * self.slow_len).cmp(&(slow_sum * self.fast_len))
        }
    }

    fn cross_signal(&self, candle: &Candle, cross: Cross) -> Signal {
        let close = candle.close().value();
        let (side, is_exit, dir) = match (cross.trend, self.params.allow_short) {
            (Trend::Up, _) => (Side::Buy, false, Decimal::ONE),
            (Trend::Down, false) => (Side::Sell, true, Decimal::NEGATIVE_ONE),
            (Trend::Down, true) => (Side::Sell, false, Decimal::NEGATIVE_ONE),
        };
        let fast_sma = cross.fast_sum / self.fast_len;
        let slow_sma = cross.slow_sum / self.slow_len;
        let spread = ratio(fast_sma - slow_sma, slow_sma);
        // Same window length, so the ratio of sums is the ratio of means.
        let slow_slope = ratio(cross.slow_sum - cross.prev_slow_sum, cross.prev_slow_sum);
        // fast_sum - prev_fast_sum = close - (the close that left the fast window).
        let fast_move = cross.fast_sum - cross.prev_fast_sum;
        let momentum = ratio(fast_move, close - fast_move);
        let trend_agreement = match (slow_slope * dir).cmp(&Decimal::ZERO) {
            Ordering::Greater => Decimal::ONE,
            Ordering::Equal => Decimal::new(5, 1),
            Ordering::Less => Decimal::ZERO,
        };
        let regime_bars = Decimal::from(cross.regime_bars);
        let regime_score = clamp01(ratio(regime_bars, self.slow_len));
        // The fast window's drift per bar, carried over the holding period the
        // strategy's own regimes suggest (the mean before this cross's regime is folded in).
        let drift = ratio(momentum * dir, self.fast_len).max(Decimal::ZERO);
        let expected_hold = self.mean_regime_bars;
        let stop_distance = (!is_exit).then(|| close * self.stop_fraction);
        self.base.signal(
            candle,
            Draft {
                side,
                is_exit,
                confidence: two_factor_confidence(trend_agreement, regime_score),
                expected_edge: drift * expected_hold * HALF,
                stop_distance,
                features: &[
                    ("fast_sma", fast_sma),
                    ("slow_sma", slow_sma),
                    ("spread", spread),
                    ("slow_slope", slow_slope),
                    ("momentum", momentum),
                    ("trend_agreement", trend_agreement),
                    ("regime_bars", regime_bars),
                    ("regime_score", regime_score),
                    ("expected_hold_bars", expected_hold),
                ],
            },
        )
    }
}

impl Strategy for SmaCross {
    fn id(&self) -> &StrategyId {
        self.base.id()
    }

    #[inline]
    fn on_candle(&mut self, candle: &Candle) -> Option<Signal> {
        if !self.base.admit(candle) {
            return None;
        }
        let close = candle.close().value();
        let prev_fast_sum = self.fast.sum();
        let prev_slow_sum = self.slow.sum();
        self.fast.push(close);
        if !self.slow.push(close) {
            return None;
        }
        // The slow window is full, hence the (shorter) fast one too.
        let (fast_sum, slow_sum) = (self.fast.sum()?, self.slow.sum()?);
        self.bars_since_flip += 1;
        let trend = match self.compare_means(fast_sum, slow_sum) {
            Ordering::Greater => Trend::Up,
            Ordering::Less => Trend::Down,
            Ordering::Equal => return None,
        };
        match self.last_sign.replace(trend) {
            None => {
                self.bars_since_flip = 0;
                None
            }
            Some(previous) if previous == trend => None,
            Some(_) => {
                let regime_bars = self.bars_since_flip;
                self.bars_since_flip = 0;
                let cross = Cross {
                    trend,
                    fast_sum,
                    slow_sum,
                    prev_fast_sum: prev_fast_sum.unwrap_or(fast_sum),
                    prev_slow_sum: prev_slow_sum.unwrap_or(slow_sum),
                    regime_bars,
                };
                let signal = self.cross_signal(candle, cross);
                let completed = Decimal::from(regime_bars);
                self.mean_regime_bars = (self.mean_regime_bars
                    + (completed - self.mean_regime_bars) * REGIME_WEIGHT)
                    .round_dp(4);
                Some(signal)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategies::testing::{close_only, series};
    use domain::Tier;
    use rust_decimal_macros::dec;

    fn strategy(fast: usize, slow: usize, allow_short: bool) -> SmaCross {
        SmaCross::new(
            SmaCrossParams {
                fast,
                slow,
                allow_short,
                ..SmaCrossParams::default()
            },
            StrategyId::new("sma_cross").unwrap(),
            TierThresholds::default(),
        )
        .unwrap()
    }

    fn run(s: &mut SmaCross, closes: &[Decimal]) -> Vec<(usize, Signal)> {
        series(closes)
            .iter()
            .enumerate()
            .filter_map(|(i, c)| s.on_candle(c).map(|sig| (i, sig)))
            .collect()
    }

    /// Closes for fast=1, slow=2 so that `diff = close - mean(last 2) = (c_t - c_{t-1}) / 2`:
    /// the sign of the diff is the sign of the close-to-close change.
    fn closes_with_diff_signs(signs: &[i8]) -> Vec<Decimal> {
        let mut closes = vec![dec!(100)];
        for &s in signs {
            let last = *closes.last().unwrap();
            closes.push(last + Decimal::from(s));
        }
        closes
    }

    #[test]
    fn the_expected_holding_period_follows_the_completed_regimes() {
        // fast=1, slow=2: every change of direction of the closes is a cross.
        let mut s = strategy(1, 2, false);
        // Regimes of 6 bars each: the mean moves from 2 toward 6 by 1/8 of the gap per cross.
        let mut signs = Vec::new();
        for k in 0..6 {
            let sign = if k % 2 == 0 { 1 } else { -1 };
            signs.extend(std::iter::repeat_n(sign, 6));
        }
        let signals = run(&mut s, &closes_with_diff_signs(&signs));
        let holds: Vec<Decimal> = signals
            .iter()
            .map(|(_, sig)| sig.features["expected_hold_bars"])
            .collect();
        assert!(holds.len() >= 4, "{holds:?}");
        assert_eq!(holds[0], dec!(2), "the prior is the slow window");
        assert!(
            holds.windows(2).all(|w| w[1] > w[0] && w[1] < dec!(6)),
            "the mean rises toward the regime length without passing it: {holds:?}"
        );
    }

    #[test]
    fn tie_between_positive_and_negative_gives_one_cross_at_the_negative_bar() {
        // diffs: +, 0, -  (bars 1, 2, 3)
        let mut s = strategy(1, 2, false);
        let signals = run(&mut s, &closes_with_diff_signs(&[1, 0, -1]));
        assert_eq!(signals.len(), 1);
        let (bar, sig) = &signals[0];
        assert_eq!(*bar, 3, "the cross is on the negative bar, not the tie");
        assert_eq!((sig.side, sig.is_exit), (Side::Sell, true));
    }

    #[test]
    fn positive_tie_positive_is_no_signal() {
        let mut s = strategy(1, 2, false);
        assert!(run(&mut s, &closes_with_diff_signs(&[1, 0, 1, 0, 0, 1])).is_empty());
    }

    #[test]
    fn first_sign_after_warm_up_only_initialises() {
        // Warm-up ends at bar 1 with diff -; then +: one cross up at bar 2.
        let mut s = strategy(1, 2, false);
        let signals = run(&mut s, &closes_with_diff_signs(&[-1, 1]));
        assert_eq!(signals.len(), 1);
        assert_eq!(signals[0].0, 2);
        assert_eq!(
            (signals[0].1.side, signals[0].1.is_exit),
            (Side::Buy, false)
        );
    }

    #[test]
    fn leading_ties_do_not_initialise() {
        // 0, 0, +, -: the first non-zero sign (bar 3) initialises, the cross is bar 4.
        let mut s = strategy(1, 2, false);
        let signals = run(&mut s, &closes_with_diff_signs(&[0, 0, 1, -1]));
        assert_eq!(signals.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [4]);
    }

    #[test]
    fn long_only_emits_exits_not_shorts_and_alternates() {
        let mut s = strategy(1, 2, false);
        let signals = run(&mut s, &closes_with_diff_signs(&[1, -1, 1, -1, 1]));
        let kinds: Vec<_> = signals.iter().map(|(_, s)| (s.side, s.is_exit)).collect();
        assert_eq!(
            kinds,
            [
                (Side::Sell, true),
                (Side::Buy, false),
                (Side::Sell, true),
                (Side::Buy, false)
            ]
        );
        assert!(
            signals
                .iter()
                .all(|(_, s)| s.is_exit == s.stop_distance.is_none())
        );
    }

    #[test]
    fn allow_short_turns_crosses_down_into_short_entries() {
        let mut s = strategy(1, 2, true);
        let signals = run(&mut s, &closes_with_diff_signs(&[1, -1, 1]));
        let kinds: Vec<_> = signals.iter().map(|(_, s)| (s.side, s.is_exit)).collect();
        assert_eq!(kinds, [(Side::Sell, false), (Side::Buy, false)]);
    }

    #[test]
    fn exact_tie_of_non_terminating_means_is_detected() {
        // fast=3, slow=6 over 3, 4, 3, 3, 3, 4: the fast window 3, 3, 4 sums to 10
        // and the slow window to 20, so both means are 10/3, which no Decimal
        // represents exactly; comparing 10 * 6 with 20 * 3 sees the tie.
        let mut s = strategy(3, 6, false);
        let closes = [dec!(3), dec!(4), dec!(3), dec!(3), dec!(3), dec!(4)];
        let signals = run(&mut s, &closes);
        assert!(signals.is_empty());
        assert_eq!(s.last_sign, None, "10/3 == 20/6 is a tie, not a sign");
    }

    #[test]
    fn signal_carries_close_time_price_and_features() {
        let mut s = strategy(2, 4, false);
        let closes = [
            dec!(10),
            dec!(10),
            dec!(10),
            dec!(9), // warm: fast 9.5 < slow 9.75 -> initialises Down
            dec!(9),
            dec!(12), // fast 10.5 > slow 10 -> cross up
        ];
        let candles = series(&closes);
        let mut last = None;
        for c in &candles {
            if let Some(sig) = s.on_candle(c) {
                last = Some(sig);
            }
        }
        let sig = last.unwrap();
        assert_eq!(sig.ts, candles[5].close_time());
        assert_eq!(sig.price.value(), dec!(12));
        assert_eq!(sig.features["fast_sma"], dec!(10.5));
        assert_eq!(sig.features["slow_sma"], dec!(10));
        assert_eq!(sig.features["spread"], dec!(0.05));
        // slow sums: 38 -> 40, slope 2/38; momentum: close 12 vs 9 two bars back = 1/3.
        assert_eq!(sig.features["slow_slope"], dec!(2) / dec!(38));
        assert_eq!(sig.features["momentum"], dec!(3) / dec!(9));
        assert_eq!(sig.features["trend_agreement"], dec!(1));
        // Initialised at bar 3, crossed at bar 5: regime 2 bars of a 4-bar slow window.
        assert_eq!(sig.features["regime_score"], dec!(0.5));
        // 0.4 + 0.3 * 1 + 0.3 * 0.5 = 0.85 -> high tier.
        assert_eq!(sig.confidence.value(), dec!(0.85));
        assert_eq!(sig.tier, Tier::High);
        // Edge: half the fast window's drift per bar (1/3 over 2 bars) carried over the
        // expected holding period, the mean regime length (no regime completed yet: the
        // slow window, 4 bars): 1/6 * 4 / 2 = 1/3. Stop: 2% of 12.
        assert_eq!(sig.features["expected_hold_bars"], dec!(4));
        assert_eq!(
            sig.expected_edge.fraction(),
            (dec!(1) / dec!(3)).round_dp(8)
        );
        assert_eq!(sig.stop_distance.unwrap().value(), dec!(0.24));
    }

    #[test]
    fn same_input_twice_gives_the_same_signals() {
        let closes: Vec<Decimal> = (0..500i64)
            .map(|i| dec!(100) + Decimal::from((i * 7919) % 23) - Decimal::from(i % 11))
            .collect();
        let a = run(&mut strategy(3, 8, false), &closes);
        let b = run(&mut strategy(3, 8, false), &closes);
        assert!(!a.is_empty());
        assert_eq!(a, b);
    }

    #[test]
    fn ignores_candles_of_another_symbol() {
        let mut s = strategy(1, 2, false);
        s.on_candle(&close_only(0, dec!(100)));
        let eth = crate::strategies::testing::ohlcv(
            "ETH-USD",
            1,
            dec!(1),
            dec!(1),
            dec!(1),
            dec!(1),
            dec!(1),
        );
        assert_eq!(s.on_candle(&eth), None);
        assert!(!s.slow.is_ready(), "the foreign candle was not counted");
    }

    #[test]
    fn rejects_fast_not_below_slow_and_zero_periods_naming_the_param() {
        let bad = |fast, slow| {
            SmaCross::new(
                SmaCrossParams {
                    fast,
                    slow,
                    ..SmaCrossParams::default()
                },
                StrategyId::new("sma_cross").unwrap(),
                TierThresholds::default(),
            )
            .unwrap_err()
            .to_string()
        };
        assert!(bad(30, 30).contains("sma_cross.fast must be < slow (30), got 30"));
        assert!(bad(0, 30).contains("sma_cross.fast must be in 1..=10000, got 0"));
        assert!(bad(5, 0).contains("sma_cross.slow must be in 1..=10000, got 0"));
    }
}
