//! `rsi_reversion`: mean reversion on RSI extremes, confirmed by Bollinger bands.
//!
//! Rules, evaluated on each bar once RSI, Bollinger bands and ATR are warm:
//! - RSI below `oversold` and the strategy is not already long: `Buy` entry.
//! - RSI above `overbought`, long-only (default): `Sell` exit when long.
//! - RSI above `overbought` with `allow_short = true` and not already short:
//!   `Sell` entry (a reversal: it also closes a long, as a `Buy` entry closes a short).
//!
//! The strategy keeps its own notional position (flat / long / short) so it
//! emits one entry per excursion into a zone rather than one per bar, and an exit
//! only after an entry.

use domain::ports::Strategy;
use domain::{Candle, ConfigViolation, Side, Signal, StrategyId, TierThresholds, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Base, Draft, Notional, clamp01, ratio, two_factor_confidence};
use crate::error::StrategyError;
use crate::indicators::{Atr, Bollinger, MAX_PERIOD, Rsi};

/// RSI points beyond the threshold at which the zone-depth evidence is full.
const ZONE_DEPTH_SPAN: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// Parameters of `rsi_reversion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RsiReversionParams {
    /// RSI period (default 14).
    pub period: usize,
    /// RSI level below which the market is oversold: buy (default 30).
    pub oversold: Decimal,
    /// RSI level above which the market is overbought: exit / short (default 70).
    pub overbought: Decimal,
    /// Bollinger window used for confirmation and the reversion target (default 20).
    pub bollinger_period: usize,
    /// Bollinger band width in standard deviations (default 2).
    pub bollinger_k: Decimal,
    /// ATR period for the stop (default 14).
    pub atr_period: usize,
    /// Stop distance on entries in ATRs (default 2).
    pub stop_atr_mult: Decimal,
    /// When true, overbought opens a short instead of only closing the long (default false).
    pub allow_short: bool,
}

impl Default for RsiReversionParams {
    fn default() -> Self {
        Self {
            period: 14,
            oversold: Decimal::from(30),
            overbought: Decimal::from(70),
            bollinger_period: 20,
            bollinger_k: Decimal::TWO,
            atr_period: 14,
            stop_atr_mult: Decimal::TWO,
            allow_short: false,
        }
    }
}

impl RsiReversionParams {
    /// Registry name of the strategy.
    pub const NAME: &'static str = "rsi_reversion";

    /// Every violation, keyed `rsi_reversion.<param>`.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new(Self::NAME);
        let period_ok = |p: usize| (1..=MAX_PERIOD).contains(&p);
        let hundred = Decimal::ONE_HUNDRED;
        v.check(
            period_ok(self.period),
            "period",
            "in 1..=10000",
            self.period,
        );
        v.check(
            self.oversold > Decimal::ZERO && self.oversold < hundred,
            "oversold",
            "in (0, 100)",
            self.oversold,
        );
        v.check(
            self.overbought > Decimal::ZERO && self.overbought < hundred,
            "overbought",
            "in (0, 100)",
            self.overbought,
        );
        v.check(
            self.oversold < self.overbought,
            "oversold",
            &format!("< overbought ({})", self.overbought),
            self.oversold,
        );
        v.check(
            period_ok(self.bollinger_period),
            "bollinger_period",
            "in 1..=10000",
            self.bollinger_period,
        );
        v.check(
            self.bollinger_k > Decimal::ZERO && self.bollinger_k <= hundred,
            "bollinger_k",
            "in (0, 100]",
            self.bollinger_k,
        );
        v.check(
            period_ok(self.atr_period),
            "atr_period",
            "in 1..=10000",
            self.atr_period,
        );
        v.check(
            self.stop_atr_mult > Decimal::ZERO && self.stop_atr_mult <= hundred,
            "stop_atr_mult",
            "in (0, 100]",
            self.stop_atr_mult,
        );
        v.into_vec()
    }
}

/// The RSI mean-reversion strategy for one symbol.
#[derive(Debug, Clone)]
pub struct RsiReversion {
    base: Base,
    params: RsiReversionParams,
    rsi: Rsi,
    bands: Bollinger,
    atr: Atr,
    position: Notional,
}

impl RsiReversion {
    /// Builds the strategy after validating `params`.
    pub fn new(
        params: RsiReversionParams,
        id: StrategyId,
        thresholds: TierThresholds,
    ) -> Result<Self, StrategyError> {
        let violations = params.validate();
        if !violations.is_empty() {
            return Err(StrategyError::InvalidParams(violations));
        }
        Ok(Self {
            base: Base::new(id, thresholds),
            rsi: Rsi::new(params.period)?,
            bands: Bollinger::new(params.bollinger_period, params.bollinger_k)?,
            atr: Atr::new(params.atr_period)?,
            params,
            position: Notional::Flat,
        })
    }

    /// The parameters in use.
    pub fn params(&self) -> &RsiReversionParams {
        &self.params
    }

    /// The side, exit flag and new notional position the RSI calls for, if any.
    fn decide(&self, rsi: Decimal) -> Option<(Side, bool, Notional)> {
        let p = &self.params;
        if rsi < p.oversold && self.position != Notional::Long {
            Some((Side::Buy, false, Notional::Long))
        } else if rsi > p.overbought {
            match (self.position, p.allow_short) {
                (Notional::Long, false) => Some((Side::Sell, true, Notional::Flat)),
                (Notional::Short, true) => None,
                (_, true) => Some((Side::Sell, false, Notional::Short)),
                (_, false) => None,
            }
        } else {
            None
        }
    }

    fn build_signal(
        &self,
        candle: &Candle,
        side: Side,
        is_exit: bool,
        rsi: Decimal,
        atr: Decimal,
    ) -> Option<Signal> {
        let bands = self.bands.bands()?;
        let close = candle.close().value();
        let dir = side.sign();
        let p = &self.params;
        let beyond = match side {
            Side::Buy => p.oversold - rsi,
            Side::Sell => rsi - p.overbought,
        };
        let zone_depth = clamp01(beyond / ZONE_DEPTH_SPAN);
        let percent_b = bands.percent_b(close).unwrap_or(Decimal::new(5, 1));
        // Buy: full at or below the lower band (%b <= 0), none at the middle (%b >= 0.5).
        // %b is clamped first: the result saturates anyway, and a near-zero band
        // width must not make `2 * %b` overflow.
        let pb = percent_b.clamp(Decimal::NEGATIVE_ONE, Decimal::TWO);
        let band_extremity = clamp01(match side {
            Side::Buy => Decimal::ONE - Decimal::TWO * pb,
            Side::Sell => Decimal::TWO * pb - Decimal::ONE,
        });
        let expected_edge = ratio((bands.middle - close) * dir, close).max(Decimal::ZERO);
        Some(self.base.signal(
            candle,
            Draft {
                side,
                is_exit,
                confidence: two_factor_confidence(zone_depth, band_extremity),
                expected_edge,
                stop_distance: (!is_exit).then(|| p.stop_atr_mult * atr),
                features: &[
                    ("rsi", rsi),
                    ("zone_depth", zone_depth),
                    ("percent_b", percent_b),
                    ("band_extremity", band_extremity),
                    ("bollinger_middle", bands.middle),
                    ("atr", atr),
                ],
            },
        ))
    }
}

impl Strategy for RsiReversion {
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
        // Feed every indicator before looking at any of them.
        let rsi = self.rsi.update(close);
        let bands_ready = self.bands.push(close);
        let atr = self.atr.update(high, low, close);
        let (Some(rsi), true, Some(atr)) = (rsi, bands_ready, atr) else {
            return None;
        };
        let (side, is_exit, next) = self.decide(rsi)?;
        let signal = self.build_signal(candle, side, is_exit, rsi, atr)?;
        self.position = next;
        Some(signal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategies::testing::series;
    use rust_decimal_macros::dec;

    fn strategy(allow_short: bool) -> RsiReversion {
        RsiReversion::new(
            RsiReversionParams {
                period: 3,
                bollinger_period: 4,
                atr_period: 3,
                allow_short,
                ..RsiReversionParams::default()
            },
            StrategyId::new("rsi_reversion").unwrap(),
            TierThresholds::default(),
        )
        .unwrap()
    }

    fn kinds(s: &mut RsiReversion, closes: &[Decimal]) -> Vec<(usize, Side, bool)> {
        series(closes)
            .iter()
            .enumerate()
            .filter_map(|(i, c)| s.on_candle(c).map(|sig| (i, sig.side, sig.is_exit)))
            .collect()
    }

    /// Flat, then a slide (RSI 0), a further slide, a rally (RSI 100), a further rally.
    fn slide_then_rally() -> Vec<Decimal> {
        [100, 100, 100, 100, 99, 98, 97, 96, 97, 98, 99, 100, 101]
            .map(Decimal::from)
            .to_vec()
    }

    #[test]
    fn buys_once_when_oversold_and_exits_once_when_overbought() {
        let mut s = strategy(false);
        let got = kinds(&mut s, &slide_then_rally());
        // Warm-up: bands need 4 closes, RSI 4; first RSI < 30 at bar 4 (close 99).
        // Wilder(3) in the rally: bar 8 RSI 33.3, bar 9 55.6, bar 10 70.4 -> exit.
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!((got[0].1, got[0].2), (Side::Buy, false));
        assert_eq!((got[1].1, got[1].2), (Side::Sell, true));
        assert_eq!((got[0].0, got[1].0), (4, 10));
    }

    #[test]
    fn long_only_never_sells_short() {
        // Straight rally: overbought while flat -> nothing in long-only mode.
        let mut s = strategy(false);
        let closes: Vec<Decimal> = (0..20).map(|i| dec!(100) + Decimal::from(i)).collect();
        assert!(kinds(&mut s, &closes).is_empty());
    }

    #[test]
    fn allow_short_sells_overbought_as_an_entry() {
        let mut s = strategy(true);
        let closes: Vec<Decimal> = (0..20).map(|i| dec!(100) + Decimal::from(i)).collect();
        let got = kinds(&mut s, &closes);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].1, got[0].2), (Side::Sell, false));
    }

    #[test]
    fn deep_oversold_near_the_lower_band_is_high_confidence() {
        let mut s = strategy(false);
        let signal = series(&slide_then_rally())
            .iter()
            .find_map(|c| s.on_candle(c))
            .unwrap();
        // RSI 0: depth (30 - 0)/10 clamps to 1. Bands over 100, 100, 100, 99: mean
        // 99.75, stddev s = sqrt(0.1875); %b = (99 - 99.75 + 2s) / 4s, so the
        // extremity 1 - 2 %b = 0.75 / 2s = sqrt(3)/2 = 0.8660254...
        // Confidence 0.4 + 0.3 * 1 + 0.3 * 0.8660254 = 0.959808 (6 dp).
        assert_eq!(signal.features["rsi"], dec!(0));
        assert_eq!(signal.features["zone_depth"], dec!(1));
        assert_eq!(
            signal.features["band_extremity"].round_dp(6),
            dec!(0.866025)
        );
        assert_eq!(signal.confidence.value(), dec!(0.959808));
        assert_eq!(signal.tier, domain::Tier::High);
        // Reversion target is the band middle 99.75: edge (99.75 - 99) / 99.
        assert_eq!(
            signal.expected_edge.fraction(),
            (dec!(0.75) / dec!(99)).round_dp(8)
        );
        assert!(signal.stop_distance.is_some());
    }

    #[test]
    fn rejects_oversold_above_overbought() {
        let err = RsiReversion::new(
            RsiReversionParams {
                oversold: dec!(80),
                ..RsiReversionParams::default()
            },
            StrategyId::new("rsi_reversion").unwrap(),
            TierThresholds::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("rsi_reversion.oversold must be < overbought (70), got 80"),
            "{err}"
        );
    }
}
