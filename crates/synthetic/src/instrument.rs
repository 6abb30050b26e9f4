//! One symbol's side of a bar: given the market's factors and a unit shock, the close, the
//! within-bar extremes and the volume, in whole ticks and volume steps, as a `Candle`.
//!
//! Per bar of `Δ` seconds, with `σ₀ = daily_vol √(Δ / 86400)` and `μ = daily_drift Δ / 86400`:
//!
//! - return: `r = μ + σ₀ · vol_factor · ε`, `ε` the unit-variance Student-t shock;
//! - close: `C = round(O · exp(r))` ticks (at least one), `O` the previous close;
//! - extremes: with `x = ln(C / O)` and `τ = wick_scale · σ₀ · vol_factor`, the maximum and
//!   minimum of a Brownian bridge from 0 to `x` with variance `τ²`, sampled exactly:
//!   `up = (x + √(x² − 2τ² ln U₁)) / 2`, `down = (x − √(x² − 2τ² ln U₂)) / 2`, so
//!   `up ≥ max(0, x)` and `down ≤ min(0, x)`; `H = max(round(O e^up), O, C)`,
//!   `L = min(round(O e^down), O, C)`;
//! - volume: `V₀ · volume_factor · (1 + c|ε|) / (1 + c E|ε|) · exp(s Z − s² / 2)` steps.

use domain::{Candle, CandleFields, Symbol};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::config::GeneratorConfig;
use crate::market::BarContext;
use crate::quantise::{to_decimal, to_units};
use crate::rng::{ModelRng, unit_student_t_mean_abs};

const SECONDS_PER_DAY: f64 = 86_400.0;

/// A symbol's price state and its per-bar constants.
#[derive(Debug, Clone)]
pub(crate) struct Instrument {
    symbol: Symbol,
    /// The last close (the next open), in ticks.
    price_ticks: i64,
    tick_size: Decimal,
    volume_step: Decimal,
    sigma_bar: f64,
    drift_bar: f64,
    tail_dof: f64,
    wick_scale: f64,
    /// Mean volume per bar in the normal regime at average activity, in volume steps.
    volume_units_bar: f64,
    coupling: f64,
    coupling_norm: f64,
    noise_sd: f64,
}

impl Instrument {
    /// The instrument of a validated `config`.
    pub(crate) fn new(config: &GeneratorConfig) -> Self {
        let bar_days = f64::from(config.interval_secs) / SECONDS_PER_DAY;
        let start_ticks = config
            .start_price
            .checked_div(config.tick_size)
            .and_then(|t| t.round().to_i64())
            .unwrap_or(1);
        let step = config
            .volume_step
            .to_f64()
            .filter(|s| *s > 0.0)
            .unwrap_or(1.0);
        let r = config.returns;
        let v = config.volume;
        Self {
            symbol: config.symbol.clone(),
            price_ticks: start_ticks.max(1),
            tick_size: config.tick_size,
            volume_step: config.volume_step,
            sigma_bar: r.daily_vol * libm::sqrt(bar_days),
            drift_bar: r.daily_drift * bar_days,
            tail_dof: r.tail_dof,
            wick_scale: r.wick_scale,
            volume_units_bar: v.mean_per_minute * f64::from(config.interval_secs) / 60.0 / step,
            coupling: v.return_coupling,
            coupling_norm: 1.0 + v.return_coupling * unit_student_t_mean_abs(r.tail_dof),
            noise_sd: v.noise_sd,
        }
    }

    /// The symbol's own unit-variance shock.
    pub(crate) fn shock(&self, rng: &mut ModelRng) -> f64 {
        rng.unit_student_t(self.tail_dof)
    }

    /// Makes the bar of `ctx` from the unit shock `shock`, drawing wicks and volume noise from `rng`.
    pub(crate) fn candle(&mut self, ctx: &BarContext, shock: f64, rng: &mut ModelRng) -> Candle {
        let sigma = self.sigma_bar * ctx.vol_factor;
        let open = self.price_ticks;
        let open_f = open as f64;
        let close = to_units(open_f * libm::exp(self.drift_bar + sigma * shock), 1, open);

        let x = libm::log(close as f64 / open_f);
        let tau2 = (self.wick_scale * sigma) * (self.wick_scale * sigma);
        let up = 0.5 * (x + libm::sqrt(x * x - 2.0 * tau2 * libm::log(rng.unit_open0())));
        let down = 0.5 * (x - libm::sqrt(x * x - 2.0 * tau2 * libm::log(rng.unit_open0())));
        let high = to_units(open_f * libm::exp(up), 1, open)
            .max(open)
            .max(close);
        let low = to_units(open_f * libm::exp(down), 1, open)
            .min(open)
            .min(close);

        let coupling = (1.0 + self.coupling * shock.abs()) / self.coupling_norm;
        let z = rng.standard_normal();
        let noise = libm::exp(self.noise_sd * z - 0.5 * self.noise_sd * self.noise_sd);
        let volume = to_units(
            self.volume_units_bar * ctx.volume_factor * coupling * noise,
            0,
            0,
        );
        self.price_ticks = close;

        Candle::new(CandleFields {
            symbol: self.symbol.clone(),
            open_time: ctx.open_time,
            close_time: ctx.close_time,
            open: to_decimal(open, self.tick_size),
            high: to_decimal(high, self.tick_size),
            low: to_decimal(low, self.tick_size),
            close: to_decimal(close, self.tick_size),
            volume: to_decimal(volume, self.volume_step),
        })
        .expect(
            "by construction: prices are >= 1 tick, low <= open, close <= high, volume >= 0, \
             and close_time = open_time + interval with interval >= 1 s",
        )
    }
}
