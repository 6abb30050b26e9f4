//! What the generator is asked to make: `GeneratorConfig` (symbol, span, start price, seed)
//! and the model's parameters, with presets calibrated against real Binance minutes.
//!
//! Parameters are stated per day or in minutes, not per bar, so a preset means the same
//! market at any bar length (`interval_secs`): per-bar quantities are derived in the
//! generator. The split between [`MarketModel`] (when the market is calm or turbulent,
//! how active each hour is) and the per-symbol [`ReturnModel`] / [`VolumeModel`] is what
//! lets two symbols share one market in a [`crate::PairConfig`].

use chrono::TimeDelta;
use domain::{ConfigViolation, Symbol, Timestamp, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::SyntheticError;
use crate::regime::Regime;

/// Largest price or volume the generator emits, in ticks or volume steps; keeps every
/// integer exact in an `f64` and far inside `Decimal`'s range.
pub(crate) const MAX_UNITS: i64 = 1_000_000_000_000_000;
/// Largest start price in ticks, leaving the price room to grow a thousandfold.
const MAX_START_TICKS: i64 = MAX_UNITS / 1_000;
/// Largest tick size or volume step, so that `MAX_UNITS * step` stays inside `Decimal`.
const MAX_STEP: i64 = 1_000_000;

/// Everything one synthetic series depends on; same config, same candles, byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratorConfig {
    /// Instrument every candle is about.
    pub symbol: Symbol,
    /// Open time of the first bar.
    pub start: Timestamp,
    /// Number of bars to generate.
    pub bars: usize,
    /// Bar length in seconds (60 for 1-minute candles), 1 to 86,400.
    pub interval_secs: u32,
    /// Open of the first bar; rounded to the nearest tick.
    pub start_price: Decimal,
    /// Seed of the random stream; the only source of randomness.
    pub seed: u64,
    /// Price increment every price is a whole multiple of (e.g. 0.01).
    pub tick_size: Decimal,
    /// Volume increment every volume is a whole multiple of (e.g. 0.00001).
    pub volume_step: Decimal,
    /// How the symbol's price moves.
    pub returns: ReturnModel,
    /// How much of the symbol trades.
    pub volume: VolumeModel,
    /// The market's state: regimes, slow volatility, intraday activity.
    pub market: MarketModel,
}

/// The price process of one symbol.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnModel {
    /// Standard deviation of the daily log return in the normal regime at average activity
    /// (0.025 = 2.5 %); each bar gets `daily_vol * sqrt(interval / 1 day)`.
    pub daily_vol: f64,
    /// Expected log return per day (drift); each bar gets its share.
    pub daily_drift: f64,
    /// Degrees of freedom of the Student-t shocks (> 2); lower is fatter-tailed.
    pub tail_dof: f64,
    /// Scale of the within-bar excursions beyond open and close, relative to the bar's
    /// volatility (0 gives high = max(open, close), low = min(open, close)).
    pub wick_scale: f64,
}

/// The traded volume of one symbol.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeModel {
    /// Mean base-asset volume per minute in the normal regime at average activity.
    pub mean_per_minute: f64,
    /// Extra volume per unit of the bar's standardised absolute shock: the factor is
    /// `(1 + coupling * |shock|) / (1 + coupling * E|shock|)`.
    pub return_coupling: f64,
    /// Standard deviation of the lognormal noise on each bar's volume (mean-preserving).
    pub noise_sd: f64,
}

/// What every symbol of one market shares: regime switching, the slow volatility factor and
/// the intraday activity profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketModel {
    /// The volatility regimes and how the market moves between them.
    pub regimes: RegimeModel,
    /// A slowly mean-reverting volatility factor on top of the regimes.
    pub stochastic_vol: StochasticVol,
    /// Activity by time of day (UTC), shaping volume and volatility.
    pub intraday: IntradayProfile,
}

/// The three volatility regimes of the Markov chain.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegimeModel {
    /// Quiet market.
    pub calm: RegimeParams,
    /// Ordinary market; `ReturnModel::daily_vol` is its volatility.
    pub normal: RegimeParams,
    /// Stressed market: high volatility and volume, short-lived.
    pub turbulent: RegimeParams,
}

/// One regime: how it scales the market and how long it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegimeParams {
    /// Factor on the return volatility while in this regime.
    pub vol_multiplier: f64,
    /// Factor on the volume while in this regime.
    pub volume_multiplier: f64,
    /// Mean time spent in the regime once entered, in minutes (exponential holding time).
    pub mean_duration_mins: f64,
    /// Relative odds of the regime entered on leaving; the weight of this regime itself must be 0.
    pub next: RegimeWeights,
}

/// Non-negative relative weights over the three regimes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegimeWeights {
    /// Weight of the calm regime.
    pub calm: f64,
    /// Weight of the normal regime.
    pub normal: f64,
    /// Weight of the turbulent regime.
    pub turbulent: f64,
}

/// The slow volatility factor `exp(h - sd^2)`, `h` a stationary AR(1) with standard deviation `sd`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StochasticVol {
    /// Stationary standard deviation of the log-volatility factor (0 turns it off).
    pub sd: f64,
    /// Half-life of a log-volatility deviation, in minutes.
    pub half_life_mins: f64,
}

/// Activity by time of day: `floor` plus Gaussian bumps around trading sessions, normalised
/// to a daily mean of 1. Volume follows the profile, volatility its square root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntradayProfile {
    /// Baseline activity outside the sessions (> 0).
    pub floor: f64,
    /// Sessions adding activity around their centre hour.
    pub sessions: Vec<SessionPeak>,
}

/// One session's bump in activity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPeak {
    /// Hour of day (UTC, fractional, `[0, 24)`) of the peak.
    pub centre_hour_utc: f64,
    /// Standard deviation of the bump in hours (measured around the clock, so it wraps midnight).
    pub width_hours: f64,
    /// Height of the bump relative to the floor's units.
    pub weight: f64,
}

impl GeneratorConfig {
    /// BTC-USD minutes calibrated against Binance BTCUSDT (Dec 2024): 1-minute returns with a
    /// standard deviation near 7 bp, daily volatility of 2.5-3 %, rare moves of 1-3 % in a
    /// minute, about 22 BTC a minute; 30 days from 2024-01-01 at 42,000.
    pub fn btc_usd(seed: u64) -> Self {
        Self {
            symbol: Symbol::new("BTC-USD").expect("BTC-USD is a canonical symbol"),
            start: crate::demo::demo_start(),
            bars: crate::demo::DEMO_BARS,
            interval_secs: 60,
            start_price: Decimal::from(42_000),
            seed,
            tick_size: Decimal::new(1, 2),
            volume_step: Decimal::new(1, 5),
            returns: ReturnModel {
                daily_vol: 0.030,
                daily_drift: 0.0005,
                tail_dof: 5.0,
                wick_scale: 0.75,
            },
            volume: VolumeModel {
                mean_per_minute: 25.0,
                return_coupling: 1.5,
                noise_sd: 0.7,
            },
            market: MarketModel::crypto(),
        }
    }

    /// ETH-USD minutes: like [`GeneratorConfig::btc_usd`] but 1.3 times as volatile, priced
    /// from 2,300 with about 270 ETH a minute.
    pub fn eth_usd(seed: u64) -> Self {
        Self {
            symbol: Symbol::new("ETH-USD").expect("ETH-USD is a canonical symbol"),
            start_price: Decimal::from(2_300),
            returns: ReturnModel {
                daily_vol: 0.039,
                daily_drift: 0.0005,
                tail_dof: 5.0,
                wick_scale: 0.75,
            },
            volume: VolumeModel {
                mean_per_minute: 300.0,
                return_coupling: 1.5,
                noise_sd: 0.7,
            },
            ..Self::btc_usd(seed)
        }
    }

    /// Open time of the bar after the last one; `None` when it is not representable.
    pub fn end(&self) -> Option<Timestamp> {
        let bars = i64::try_from(self.bars).ok()?;
        let span = bars.checked_mul(i64::from(self.interval_secs))?;
        self.start.checked_add_signed(TimeDelta::try_seconds(span)?)
    }

    /// Checks every rule and reports all violations together.
    pub fn validate(&self) -> Result<(), SyntheticError> {
        let violations = self.violations();
        if violations.is_empty() {
            Ok(())
        } else {
            Err(SyntheticError::InvalidConfig { violations })
        }
    }

    pub(crate) fn violations(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("");
        v.check(
            (1..=86_400).contains(&self.interval_secs),
            "interval_secs",
            "in [1, 86400]",
            self.interval_secs,
        );
        v.check(
            self.interval_secs == 0 || self.end().is_some(),
            "bars",
            "small enough that the last bar's time is representable",
            self.bars,
        );
        let max_step = Decimal::from(MAX_STEP);
        let tick_ok = self.tick_size > Decimal::ZERO && self.tick_size <= max_step;
        v.check(tick_ok, "tick_size", "in (0, 1000000]", self.tick_size);
        v.check(
            self.volume_step > Decimal::ZERO && self.volume_step <= max_step,
            "volume_step",
            "in (0, 1000000]",
            self.volume_step,
        );
        if tick_ok {
            let ticks = self.start_price.checked_div(self.tick_size);
            v.check(
                ticks.is_some_and(|t| {
                    let t = t.round();
                    t >= Decimal::ONE && t <= Decimal::from(MAX_START_TICKS)
                }),
                "start_price",
                "at least one tick and at most 10^12 ticks",
                self.start_price,
            );
        }
        self.returns.check(&mut v);
        self.volume.check(&mut v);
        self.market.check(&mut v);
        v.into_vec()
    }
}

impl ReturnModel {
    fn check(&self, v: &mut Violations) {
        let r = self;
        v.check(
            finite_in(r.daily_vol, 0.0, 2.0) && r.daily_vol > 0.0,
            "returns.daily_vol",
            "in (0, 2]",
            r.daily_vol,
        );
        v.check(
            finite_in(r.daily_drift, -0.1, 0.1),
            "returns.daily_drift",
            "in [-0.1, 0.1]",
            r.daily_drift,
        );
        v.check(
            finite_in(r.tail_dof, 2.0, 1e6) && r.tail_dof > 2.0,
            "returns.tail_dof",
            "in (2, 1e6]",
            r.tail_dof,
        );
        v.check(
            finite_in(r.wick_scale, 0.0, 10.0),
            "returns.wick_scale",
            "in [0, 10]",
            r.wick_scale,
        );
    }
}

impl VolumeModel {
    fn check(&self, v: &mut Violations) {
        v.check(
            finite_in(self.mean_per_minute, 0.0, 1e9),
            "volume.mean_per_minute",
            "in [0, 1e9]",
            self.mean_per_minute,
        );
        v.check(
            finite_in(self.return_coupling, 0.0, 100.0),
            "volume.return_coupling",
            "in [0, 100]",
            self.return_coupling,
        );
        v.check(
            finite_in(self.noise_sd, 0.0, 3.0),
            "volume.noise_sd",
            "in [0, 3]",
            self.noise_sd,
        );
    }
}

impl MarketModel {
    /// A 24/7 crypto market: calm nights, a busy US session, short turbulent bursts.
    pub fn crypto() -> Self {
        Self {
            regimes: RegimeModel {
                calm: RegimeParams {
                    vol_multiplier: 0.5,
                    volume_multiplier: 0.7,
                    mean_duration_mins: 480.0,
                    next: RegimeWeights {
                        calm: 0.0,
                        normal: 0.9,
                        turbulent: 0.1,
                    },
                },
                normal: RegimeParams {
                    vol_multiplier: 1.0,
                    volume_multiplier: 1.0,
                    mean_duration_mins: 360.0,
                    next: RegimeWeights {
                        calm: 0.6,
                        normal: 0.0,
                        turbulent: 0.4,
                    },
                },
                turbulent: RegimeParams {
                    vol_multiplier: 3.0,
                    volume_multiplier: 2.5,
                    mean_duration_mins: 20.0,
                    next: RegimeWeights {
                        calm: 0.2,
                        normal: 0.8,
                        turbulent: 0.0,
                    },
                },
            },
            stochastic_vol: StochasticVol {
                sd: 0.5,
                half_life_mins: 180.0,
            },
            intraday: IntradayProfile {
                floor: 1.0,
                sessions: vec![
                    session(2.0, 1.5, 0.5),
                    session(8.0, 1.0, 0.3),
                    session(15.5, 1.25, 1.8),
                    session(20.5, 2.0, 0.8),
                ],
            },
        }
    }

    fn check(&self, v: &mut Violations) {
        for regime in Regime::ALL {
            let p = self.regimes.get(regime);
            let key = |field: &str| format!("market.regimes.{}.{field}", regime.as_str());
            v.check(
                finite_in(p.vol_multiplier, 0.0, 100.0) && p.vol_multiplier > 0.0,
                &key("vol_multiplier"),
                "in (0, 100]",
                p.vol_multiplier,
            );
            v.check(
                finite_in(p.volume_multiplier, 0.0, 100.0),
                &key("volume_multiplier"),
                "in [0, 100]",
                p.volume_multiplier,
            );
            v.check(
                finite_in(p.mean_duration_mins, 1.0, 1e9),
                &key("mean_duration_mins"),
                "in [1, 1e9]",
                p.mean_duration_mins,
            );
            for to in Regime::ALL {
                let w = p.next.get(to);
                let (ok, expected) = if to == regime {
                    (
                        w.is_finite() && w <= 0.0 && w >= 0.0,
                        "0 (a regime is left for another)",
                    )
                } else {
                    (finite_in(w, 0.0, 1e9), "in [0, 1e9]")
                };
                v.check(ok, &key(&format!("next.{}", to.as_str())), expected, w);
            }
            v.check(
                p.next.total() > 0.0,
                &key("next"),
                "weights with a positive sum",
                p.next.total(),
            );
        }
        let sv = &self.stochastic_vol;
        v.check(
            finite_in(sv.sd, 0.0, 2.0),
            "market.stochastic_vol.sd",
            "in [0, 2]",
            sv.sd,
        );
        v.check(
            finite_in(sv.half_life_mins, 1.0, 1e9),
            "market.stochastic_vol.half_life_mins",
            "in [1, 1e9]",
            sv.half_life_mins,
        );
        let day = &self.intraday;
        v.check(
            finite_in(day.floor, 0.0, 1e6) && day.floor > 0.0,
            "market.intraday.floor",
            "in (0, 1e6]",
            day.floor,
        );
        for (i, s) in day.sessions.iter().enumerate() {
            let key = |field: &str| format!("market.intraday.sessions[{i}].{field}");
            v.check(
                s.centre_hour_utc.is_finite() && (0.0..24.0).contains(&s.centre_hour_utc),
                &key("centre_hour_utc"),
                "in [0, 24)",
                s.centre_hour_utc,
            );
            v.check(
                finite_in(s.width_hours, 0.0, 24.0) && s.width_hours > 0.0,
                &key("width_hours"),
                "in (0, 24]",
                s.width_hours,
            );
            v.check(
                finite_in(s.weight, 0.0, 1e6),
                &key("weight"),
                "in [0, 1e6]",
                s.weight,
            );
        }
    }
}

impl RegimeModel {
    /// The parameters of `regime`.
    pub fn get(&self, regime: Regime) -> &RegimeParams {
        match regime {
            Regime::Calm => &self.calm,
            Regime::Normal => &self.normal,
            Regime::Turbulent => &self.turbulent,
        }
    }

    /// Long-run share of time spent in each regime, indexed like [`Regime::ALL`].
    ///
    /// The chain leaves regime `i` at rate `1 / duration_i` towards `j` with probability
    /// `w_ij / sum_j w_ij`; for three states the stationary law follows from the
    /// matrix-tree theorem: `pi_i` is proportional to the sum over spanning trees directed
    /// into `i` of the products of their rates.
    pub fn stationary(&self) -> [f64; 3] {
        let rate = |from: Regime, to: Regime| {
            let p = self.get(from);
            if p.next.total() > 0.0 {
                p.next.get(to) / p.next.total() / p.mean_duration_mins
            } else {
                0.0
            }
        };
        let [c, n, t] = Regime::ALL;
        let calm = rate(n, c) * rate(t, c) + rate(n, t) * rate(t, c) + rate(n, c) * rate(t, n);
        let normal = rate(c, n) * rate(t, n) + rate(c, n) * rate(t, c) + rate(c, t) * rate(t, n);
        let turbulent = rate(c, t) * rate(n, t) + rate(c, t) * rate(n, c) + rate(c, n) * rate(n, t);
        let total = calm + normal + turbulent;
        if total > 0.0 {
            [calm / total, normal / total, turbulent / total]
        } else {
            [0.0, 1.0, 0.0]
        }
    }
}

impl RegimeWeights {
    /// The weight of `regime`.
    pub fn get(&self, regime: Regime) -> f64 {
        match regime {
            Regime::Calm => self.calm,
            Regime::Normal => self.normal,
            Regime::Turbulent => self.turbulent,
        }
    }

    /// Sum of the three weights.
    pub fn total(&self) -> f64 {
        self.calm + self.normal + self.turbulent
    }
}

fn session(centre_hour_utc: f64, width_hours: f64, weight: f64) -> SessionPeak {
    SessionPeak {
        centre_hour_utc,
        width_hours,
        weight,
    }
}

fn finite_in(x: f64, lo: f64, hi: f64) -> bool {
    x.is_finite() && x >= lo && x <= hi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        GeneratorConfig::btc_usd(1).validate().unwrap();
        GeneratorConfig::eth_usd(1).validate().unwrap();
    }

    #[test]
    fn eth_preset_is_more_volatile_than_btc() {
        let btc = GeneratorConfig::btc_usd(1);
        let eth = GeneratorConfig::eth_usd(1);
        assert!(eth.returns.daily_vol > btc.returns.daily_vol);
        assert_eq!(eth.market, btc.market, "one market, so they can be paired");
    }

    #[test]
    fn reports_every_violation_with_its_key() {
        let mut c = GeneratorConfig::btc_usd(1);
        c.interval_secs = 0;
        c.tick_size = Decimal::ZERO;
        c.returns.daily_vol = f64::NAN;
        c.returns.tail_dof = 2.0;
        c.market.regimes.calm.next.calm = 0.5;
        c.market.intraday.sessions[1].centre_hour_utc = 24.0;
        let err = c.validate().unwrap_err();
        let keys: Vec<_> = err.violations().iter().map(|v| v.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "interval_secs",
                "tick_size",
                "returns.daily_vol",
                "returns.tail_dof",
                "market.regimes.calm.next.calm",
                "market.intraday.sessions[1].centre_hour_utc",
            ]
        );
        assert!(
            err.to_string()
                .contains("returns.tail_dof must be in (2, 1e6], got 2")
        );
    }

    #[test]
    fn rejects_a_start_price_below_one_tick() {
        let mut c = GeneratorConfig::btc_usd(1);
        c.start_price = Decimal::new(4, 3);
        let err = c.validate().unwrap_err();
        assert_eq!(err.violations()[0].key, "start_price");
    }

    #[test]
    fn rejects_a_span_past_the_end_of_time() {
        let mut c = GeneratorConfig::btc_usd(1);
        c.bars = usize::MAX;
        assert_eq!(c.end(), None);
        assert_eq!(c.validate().unwrap_err().violations()[0].key, "bars");
    }

    #[test]
    fn stationary_law_sums_to_one_and_favours_long_regimes() {
        let pi = MarketModel::crypto().regimes.stationary();
        assert!((pi.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(pi[2] < 0.1 && pi[2] > 0.005, "turbulent share {pi:?}");
        assert!(pi[1] > pi[2] && pi[0] > pi[2], "{pi:?}");
    }

    #[test]
    fn round_trips_through_json_and_rejects_unknown_fields() {
        let c = GeneratorConfig::eth_usd(42);
        let text = serde_json::to_string(&c).unwrap();
        let back: GeneratorConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(back, c);
        let typo = text.replace("\"noise_sd\"", "\"noise_sdd\"");
        assert!(serde_json::from_str::<GeneratorConfig>(&typo).is_err());
    }
}
