//! The state every symbol of one market shares, advanced once per bar: the clock, the
//! volatility regime, the slow stochastic-volatility factor and the intraday activity.
//! It turns them into the two factors a bar needs (on volatility and on volume) and owns
//! the random stream the market's draws come from.

use chrono::TimeDelta;
use domain::Timestamp;

use crate::config::{GeneratorConfig, MarketModel};
use crate::intraday::IntradayCurve;
use crate::regime::{Regime, RegimeChain};
use crate::rng::ModelRng;

/// What one bar inherits from the market.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BarContext {
    /// Start of the bar.
    pub(crate) open_time: Timestamp,
    /// End of the bar.
    pub(crate) close_time: Timestamp,
    /// The regime during the bar.
    pub(crate) regime: Regime,
    /// Factor on the normal-regime volatility: regime × √activity × slow factor (mean square 1
    /// in the normal regime).
    pub(crate) vol_factor: f64,
    /// Factor on the normal-regime volume: regime × activity × slow factor (mean 1 in the
    /// normal regime).
    pub(crate) volume_factor: f64,
}

/// A market's evolving state and its random stream.
#[derive(Debug, Clone)]
pub(crate) struct Market {
    rng: ModelRng,
    chain: RegimeChain,
    /// `(volatility, volume)` multipliers per regime, indexed like `Regime::ALL`.
    multipliers: [(f64, f64); 3],
    /// Log-volatility deviation `h`, an AR(1) with stationary standard deviation `sv_sd`.
    log_vol: f64,
    sv_sd: f64,
    sv_persistence: f64,
    sv_innovation_sd: f64,
    curve: IntradayCurve,
    next_open: Timestamp,
    interval: TimeDelta,
}

impl Market {
    /// The market of a validated `config`, drawing from stream `stream` of its seed.
    pub(crate) fn new(config: &GeneratorConfig, stream: u64) -> Self {
        let model: &MarketModel = &config.market;
        let mut rng = ModelRng::new(config.seed, stream);
        let chain = RegimeChain::new(&model.regimes, config.interval_secs, &mut rng);
        let multipliers = Regime::ALL.map(|r| {
            let p = model.regimes.get(r);
            (p.vol_multiplier, p.volume_multiplier)
        });
        let sv = model.stochastic_vol;
        let bar_mins = f64::from(config.interval_secs) / 60.0;
        let sv_persistence = libm::exp(-std::f64::consts::LN_2 * bar_mins / sv.half_life_mins);
        let sv_innovation_sd = sv.sd * libm::sqrt(1.0 - sv_persistence * sv_persistence);
        let log_vol = sv.sd * rng.standard_normal();
        Self {
            rng,
            chain,
            multipliers,
            log_vol,
            sv_sd: sv.sd,
            sv_persistence,
            sv_innovation_sd,
            curve: IntradayCurve::new(&model.intraday),
            next_open: config.start,
            interval: TimeDelta::seconds(i64::from(config.interval_secs)),
        }
    }

    /// The random stream; instruments of a single-symbol generator draw from it too.
    pub(crate) fn rng(&mut self) -> &mut ModelRng {
        &mut self.rng
    }

    /// The regime of the last bar made.
    pub(crate) fn regime(&self) -> Regime {
        self.chain.current()
    }

    /// Advances to the next bar: regime switch, slow-factor update, activity at the open.
    ///
    /// The caller (the generator) never asks for more bars than the config's `bars`, whose
    /// end time validation proved representable.
    pub(crate) fn step(&mut self) -> BarContext {
        let regime = self.chain.step(&mut self.rng);
        self.log_vol =
            self.sv_persistence * self.log_vol + self.sv_innovation_sd * self.rng.standard_normal();
        let open_time = self.next_open;
        let close_time = open_time + self.interval;
        self.next_open = close_time;

        let activity = self.curve.activity(open_time);
        let (vol_mult, volume_mult) = self.multipliers[regime.index()];
        // E[exp(2h)] = exp(2 sd²) and E[exp(h)] = exp(sd² / 2): these offsets make the slow
        // factor leave the mean variance and the mean volume unchanged.
        let sd2 = self.sv_sd * self.sv_sd;
        BarContext {
            open_time,
            close_time,
            regime,
            vol_factor: vol_mult * libm::sqrt(activity) * libm::exp(self.log_vol - sd2),
            volume_factor: volume_mult * activity * libm::exp(self.log_vol - 0.5 * sd2),
        }
    }
}
