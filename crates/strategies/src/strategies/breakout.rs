//! `breakout`: Donchian channel breakout with an ATR stop (the Turtle rules).
//!
//! Channels are those of the **previous** bars (the current bar is not part of
//! the level it must break). Rules, once the channels, ATR and volume average are warm:
//! - flat, close above the previous `entry_period`-bar high: `Buy` entry, stop `stop_atr_mult x ATR`;
//! - flat, `allow_short = true`, close below the previous `entry_period`-bar low: `Sell` entry;
//! - long, close below the previous `exit_period`-bar low: `Sell` exit;
//! - short, close above the previous `exit_period`-bar high: `Buy` exit.
//!
//! The strategy keeps its own notional position so that it enters once per
//! breakout (not on every new high of a trend) and exits only after an entry.

use domain::ports::Strategy;
use domain::{Candle, ConfigViolation, Side, Signal, StrategyId, TierThresholds, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Base, Draft, Notional, clamp01, ratio, two_factor_confidence};
use crate::error::StrategyError;
use crate::indicators::{Atr, Donchian, DonchianChannel, MAX_PERIOD, Sma};

/// Parameters of `breakout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakoutParams {
    /// Bars in the entry channel (default 20).
    pub entry_period: usize,
    /// Bars in the exit channel (default 10).
    pub exit_period: usize,
    /// ATR period for the stop and the breakout strength (default 14).
    pub atr_period: usize,
    /// Stop distance on entries in ATRs (default 2).
    pub stop_atr_mult: Decimal,
    /// Bars in the average volume the breakout bar's volume is compared with (default 20).
    pub volume_period: usize,
    /// When true, a break of the entry channel's low opens a short (default false).
    pub allow_short: bool,
}

impl Default for BreakoutParams {
    fn default() -> Self {
        Self {
            entry_period: 20,
            exit_period: 10,
            atr_period: 14,
            stop_atr_mult: Decimal::TWO,
            volume_period: 20,
            allow_short: false,
        }
    }
}

impl BreakoutParams {
    /// Registry name of the strategy.
    pub const NAME: &'static str = "breakout";

    /// Every violation, keyed `breakout.<param>`.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new(Self::NAME);
        let period_ok = |p: usize| (1..=MAX_PERIOD).contains(&p);
        for (key, value) in [
            ("entry_period", self.entry_period),
            ("exit_period", self.exit_period),
            ("atr_period", self.atr_period),
            ("volume_period", self.volume_period),
        ] {
            v.check(period_ok(value), key, "in 1..=10000", value);
        }
        v.check(
            self.stop_atr_mult > Decimal::ZERO && self.stop_atr_mult <= Decimal::ONE_HUNDRED,
            "stop_atr_mult",
            "in (0, 100]",
            self.stop_atr_mult,
        );
        v.into_vec()
    }
}

/// The Donchian breakout strategy for one symbol.
#[derive(Debug, Clone)]
pub struct Breakout {
    base: Base,
    params: BreakoutParams,
    entry: Donchian,
    exit: Donchian,
    atr: Atr,
    volume: Sma,
    volume_len: Decimal,
    position: Notional,
}

/// One half, for the "half the measured move" edge.
const HALF: Decimal = Decimal::from_parts(5, 0, 0, false, 1);

/// What triggered a signal: which way, which level of which channel.
struct Trigger {
    side: Side,
    is_exit: bool,
    next: Notional,
    level: Decimal,
    channel: DonchianChannel,
}

impl Breakout {
    /// Builds the strategy after validating `params`.
    pub fn new(
        params: BreakoutParams,
        id: StrategyId,
        thresholds: TierThresholds,
    ) -> Result<Self, StrategyError> {
        let violations = params.validate();
        if !violations.is_empty() {
            return Err(StrategyError::InvalidParams(violations));
        }
        Ok(Self {
            base: Base::new(id, thresholds),
            entry: Donchian::new(params.entry_period)?,
            exit: Donchian::new(params.exit_period)?,
            atr: Atr::new(params.atr_period)?,
            volume: Sma::new(params.volume_period)?,
            volume_len: Decimal::from(params.volume_period),
            params,
            position: Notional::Flat,
        })
    }

    /// The parameters in use.
    pub fn params(&self) -> &BreakoutParams {
        &self.params
    }

    fn decide(
        &self,
        close: Decimal,
        entry: DonchianChannel,
        exit: DonchianChannel,
    ) -> Option<Trigger> {
        let trigger = |side, is_exit, next, level, channel| {
            Some(Trigger {
                side,
                is_exit,
                next,
                level,
                channel,
            })
        };
        match self.position {
            Notional::Flat if close > entry.upper => {
                trigger(Side::Buy, false, Notional::Long, entry.upper, entry)
            }
            Notional::Flat if self.params.allow_short && close < entry.lower => {
                trigger(Side::Sell, false, Notional::Short, entry.lower, entry)
            }
            Notional::Long if close < exit.lower => {
                trigger(Side::Sell, true, Notional::Flat, exit.lower, exit)
            }
            Notional::Short if close > exit.upper => {
                trigger(Side::Buy, true, Notional::Flat, exit.upper, exit)
            }
            _ => None,
        }
    }
}

impl Strategy for Breakout {
    fn id(&self) -> &StrategyId {
        self.base.id()
    }

    fn on_candle(&mut self, candle: &Candle) -> Option<Signal> {
        if !self.base.admit(candle) {
            return None;
        }
        let (high, low, close) = (
            candle.high().value(),
            candle.low().value(),
            candle.close().value(),
        );
        let volume = candle.volume().value();
        // Levels and volume of the previous bars, read before this bar is fed.
        let prev_entry = self.entry.value();
        let prev_exit = self.exit.value();
        let prev_volume_sum = self.volume.sum();
        self.entry.update(high, low);
        self.exit.update(high, low);
        self.volume.push(volume);
        let atr = self.atr.update(high, low, close);
        let (Some(entry), Some(exit), Some(volume_sum), Some(atr)) =
            (prev_entry, prev_exit, prev_volume_sum, atr)
        else {
            return None;
        };
        let t = self.decide(close, entry, exit)?;
        let dir = t.side.sign();
        let breakout_atr = ratio((close - t.level) * dir, atr);
        // volume / (sum / n), divided only on signal bars. A zero average volume
        // (or a quotient too large for a Decimal) counts as "no information".
        let volume_ratio = volume
            .checked_mul(self.volume_len)
            .and_then(|v| v.checked_div(volume_sum))
            .unwrap_or(Decimal::ONE);
        let strength = clamp01(breakout_atr);
        let volume_score = clamp01(volume_ratio - Decimal::ONE);
        // Half the measured move: the channel height, as a fraction of the close.
        let expected_edge = ratio(t.channel.height(), close) * HALF;
        let signal = self.base.signal(
            candle,
            Draft {
                side: t.side,
                is_exit: t.is_exit,
                confidence: two_factor_confidence(strength, volume_score),
                expected_edge,
                stop_distance: (!t.is_exit).then(|| self.params.stop_atr_mult * atr),
                features: &[
                    ("channel_upper", t.channel.upper),
                    ("channel_lower", t.channel.lower),
                    ("atr", atr),
                    ("breakout_atr", breakout_atr),
                    ("strength", strength),
                    ("volume_ratio", volume_ratio),
                    ("volume_score", volume_score),
                ],
            },
        );
        self.position = t.next;
        Some(signal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategies::testing::ohlcv;
    use domain::Tier;
    use rust_decimal_macros::dec;

    fn strategy(allow_short: bool) -> Breakout {
        Breakout::new(
            BreakoutParams {
                entry_period: 3,
                exit_period: 2,
                atr_period: 2,
                volume_period: 3,
                allow_short,
                ..BreakoutParams::default()
            },
            StrategyId::new("breakout").unwrap(),
            TierThresholds::default(),
        )
        .unwrap()
    }

    /// (high, low, close, volume) bars, opening at the close.
    fn bars(rows: &[(i64, i64, i64, i64)]) -> Vec<Candle> {
        rows.iter()
            .enumerate()
            .map(|(i, &(h, l, c, v))| {
                let d = Decimal::from;
                ohlcv("BTC-USD", i as i64, d(c), d(h), d(l), d(c), d(v))
            })
            .collect()
    }

    #[test]
    fn enters_on_a_break_of_the_previous_high_with_an_atr_stop_and_exits_on_the_exit_low() {
        let candles = bars(&[
            (11, 9, 10, 100),  // 0
            (12, 10, 11, 100), // 1
            (11, 9, 10, 100),  // 2  entry channel (0-2): 12 / 9
            (13, 11, 12, 100), // 3  close 12 is not above 12: no signal
            (15, 12, 14, 200), // 4  previous 3 bars (1-3) high 13 -> close 14 breaks: BUY
            (16, 14, 15, 100), // 5  in position: new highs do not re-enter
            (15, 13, 14, 100), // 6
            (13, 11, 12, 100), // 7  previous 2 bars (5-6) low 13 -> close 12: EXIT
        ]);
        let mut s = strategy(false);
        let out: Vec<(usize, Signal)> = candles
            .iter()
            .enumerate()
            .filter_map(|(i, c)| s.on_candle(c).map(|sig| (i, sig)))
            .collect();
        assert_eq!(out.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [4, 7]);
        let (_, buy) = &out[0];
        assert_eq!((buy.side, buy.is_exit), (Side::Buy, false));
        // ATR(2): TRs 2, 2, 2, 3, 3 -> 2, 2, 2.5, 2.75 at bar 4; stop 2 x 2.75.
        assert_eq!(buy.features["atr"], dec!(2.75));
        assert_eq!(buy.stop_distance.unwrap().value(), dec!(5.5));
        // Broke 13 by 1 = 0.3636 ATR; volume 200 vs average 100 of bars 1-3 -> ratio 2, score 1.
        assert_eq!(buy.features["breakout_atr"], dec!(1) / dec!(2.75));
        assert_eq!(buy.features["volume_ratio"], dec!(2));
        let want = (dec!(0.4) + dec!(0.3) * (dec!(1) / dec!(2.75)) + dec!(0.3)).round_dp(6);
        assert_eq!(buy.confidence.value(), want);
        assert_eq!(buy.tier, Tier::High);
        // Half the entry channel height (13 - 9 = 4) over the close 14.
        assert_eq!(
            buy.expected_edge.fraction(),
            (dec!(2) / dec!(14)).round_dp(8)
        );
        let (_, exit) = &out[1];
        assert_eq!(
            (exit.side, exit.is_exit, exit.stop_distance),
            (Side::Sell, true, None)
        );
    }

    #[test]
    fn long_only_ignores_breakdowns_while_allow_short_sells_them() {
        let rows = [
            (11, 9, 10, 100),
            (12, 10, 11, 100),
            (11, 9, 10, 100),
            (11, 9, 10, 100),
            (9, 6, 7, 100), // close 7 below the previous 3-bar low 9
        ];
        let mut s = strategy(false);
        let long_only: Vec<_> = bars(&rows).iter().filter_map(|c| s.on_candle(c)).collect();
        assert!(long_only.is_empty());
        let mut s = strategy(true);
        let shorts: Vec<_> = bars(&rows).iter().filter_map(|c| s.on_candle(c)).collect();
        assert_eq!(shorts.len(), 1);
        assert_eq!((shorts[0].side, shorts[0].is_exit), (Side::Sell, false));
    }
}
