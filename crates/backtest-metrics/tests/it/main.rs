//! Integration tests of backtest-metrics through its public API: hand-computed
//! examples, edge cases and the `result.json` format.

#![allow(clippy::unwrap_used)] // helpers build known-valid fixtures

mod edge_cases;
mod hand_computed;
mod parity_reference;
mod report_format;
mod support;
