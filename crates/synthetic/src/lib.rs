//! Rampart's synthetic market: deterministic, realistic-looking candles for demos, tests and
//! benchmarks, and the bundled demo data in `fixtures/` that works on a fresh machine with
//! no network.
//!
//! The model (documented with its equations in `docs/demo-data.md`): a three-state Markov
//! regime (calm / normal / turbulent) and a slow stochastic-volatility factor scale the
//! volatility; returns are Student-t (fat tails) scaled to unit variance; an intraday
//! activity profile by UTC hour shapes both volume and volatility; volume couples to the
//! regime and to the size of the bar's move, with lognormal noise; high and low come from
//! the extremes of a Brownian bridge between open and close. Prices are whole ticks and
//! volumes whole volume steps (integer arithmetic), so every candle is exact `Decimal`.
//!
//! Same config and seed give byte-identical output on every platform: the PRNG is ChaCha8
//! and the transcendental functions come from the pure-Rust `libm`, never the platform's.
//!
//! Map:
//! - [`config`] — `GeneratorConfig` with the `btc_usd` / `eth_usd` presets, and the model
//!   parameters (`ReturnModel`, `VolumeModel`, `MarketModel`, `RegimeModel`, `IntradayProfile`)
//! - [`generator`] — `CandleGenerator`, a streaming `Iterator<Item = Candle>` (O(1) memory)
//! - [`pair`] — `PairConfig`, `PairGenerator`: two symbols sharing regimes and a return factor
//! - [`regime`] — `Regime` and the Markov chain that switches it
//! - [`demo`] — `write_demo_data`: the bundled `fixtures/` files, their seeds and span
//! - [`facts`] — `StylisedFacts`: fat tails, volatility clustering, seasonality, measured
//! - [`error`] — `SyntheticError`
//!
//! ```
//! use synthetic::{CandleGenerator, GeneratorConfig};
//!
//! let mut config = GeneratorConfig::btc_usd(7);
//! config.bars = 1_440; // one day of minutes
//! let candles: Vec<_> = CandleGenerator::new(&config)?.collect();
//! assert_eq!(candles.len(), 1_440);
//! # Ok::<(), synthetic::SyntheticError>(())
//! ```

pub mod config;
pub mod demo;
pub mod error;
pub mod facts;
pub mod generator;
pub mod pair;
pub mod regime;

mod instrument;
mod intraday;
mod market;
mod quantise;
mod rng;

#[cfg(test)]
mod property_tests;

pub use config::{
    GeneratorConfig, IntradayProfile, MarketModel, RegimeModel, RegimeParams, RegimeWeights,
    ReturnModel, SessionPeak, StochasticVol, VolumeModel,
};
pub use demo::{
    DEMO_BARS, DEMO_BTC_SEED, DEMO_CORRELATION, DEMO_ETH_SEED, DEMO_FILE_NAMES, demo_pair_config,
    demo_start, write_demo_data,
};
pub use error::SyntheticError;
pub use facts::StylisedFacts;
pub use generator::CandleGenerator;
pub use pair::{PairConfig, PairGenerator};
pub use regime::Regime;
