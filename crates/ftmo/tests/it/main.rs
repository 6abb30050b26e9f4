//! The FTMO rules through the crate's public API: every worked example of
//! ftmo-rules.md, daylight saving, trading days, objectives, headroom sizing,
//! persistence, a replay over real EURUSD candles, and property tests.
#![allow(clippy::unwrap_used)]

mod objectives;
mod property_tests;
mod replay;
mod rules;
mod sizing;
mod state;
mod support;
