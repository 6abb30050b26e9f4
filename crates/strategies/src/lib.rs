//! Rampart's signal generators and the streaming indicators behind them.
//!
//! Pipeline step 3 (ARCHITECTURE.md section 2): for each closed candle of a
//! symbol, a strategy may emit a `domain::Signal` with a side, a confidence in
//! `[0, 1]` derived from its own named features, the tier the configured
//! thresholds give that confidence, an expected edge and a stop distance.
//! The crate is pure: no I/O, no clock, nothing random, O(1) work per candle.
//!
//! Map:
//! - [`indicators`] — [`Sma`], [`Ema`], [`Rsi`], [`Atr`], [`Bollinger`], [`Donchian`]
//!   — streaming, `Decimal`, `update(..) -> Option<_>` (None while warming up)
//! - [`strategies`] — [`SmaCross`], [`RsiReversion`], [`Breakout`] and their params
//!   — each implements `domain::ports::Strategy` for one symbol
//! - [`registry`] — [`build`] a strategy by name from `(param, value)` pairs,
//!   [`StrategyParams`], [`StrategyKind`], [`STRATEGY_NAMES`]
//! - [`error`] — [`StrategyError`]
//!
//! Rules, features, confidence, edge and stop formulas: `docs/strategies.md`.

pub mod error;
pub mod indicators;
pub mod registry;
pub mod strategies;

pub use error::StrategyError;
pub use indicators::{Atr, Bollinger, BollingerBands, Donchian, DonchianChannel, Ema, Rsi, Sma};
pub use registry::{STRATEGY_NAMES, StrategyKind, StrategyParams, build};
pub use strategies::{
    Breakout, BreakoutParams, RsiReversion, RsiReversionParams, SmaCross, SmaCrossParams,
};
