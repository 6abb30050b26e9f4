//! The `Strategy` port: signal generators.

use crate::market::Candle;
use crate::signal::{Signal, StrategyId};

/// A signal generator fed one closed candle at a time.
///
/// Contract: deterministic (same candles in, same signals out; nothing random),
/// O(1) work per candle, and every signal's confidence is derived from the
/// strategy's own documented features.
pub trait Strategy: Send {
    /// Instance name used in signals and reports.
    fn id(&self) -> &StrategyId;
    /// Consumes a closed candle; returns a signal when the strategy wants to act.
    fn on_candle(&mut self, candle: &Candle) -> Option<Signal>;
}
