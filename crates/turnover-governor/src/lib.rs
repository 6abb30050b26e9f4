//! Turnover governor: per-symbol rules that stop a strategy from trading too often
//! or for too little edge (pipeline step 6), and the block-rate statistics that tell
//! an operator whether those rules are too loose or too tight.
//!
//! The engine calls [`TurnoverGovernor::evaluate`] for each entry it would take,
//! [`TurnoverGovernor::record_decision`] when it actually takes one, and
//! [`TurnoverGovernor::record_trade_outcome`] when a round trip closes.
//!
//! Map:
//! - [`rule`] — [`TurnoverRule`] and the partial [`RuleOverride`] of one symbol
//! - [`config`] — [`TurnoverConfig`], the `[turnover]` section, and its validation
//! - [`paper_overrides`] — the paper-mode-only overrides of EV multiple and daily cap
//! - [`request`] — [`TurnoverRequest`] and [`TurnoverDecision`]
//! - [`symbol_state`] — [`SymbolTurnover`], the counters of one symbol
//! - [`block_rate`] — [`BlockRateWindow`], [`BlockRateVerdict`], [`BlockRateReport`]
//! - [`governor`] — [`TurnoverGovernor`] and its serialisable [`TurnoverState`]

pub mod block_rate;
pub mod config;
pub mod governor;
pub mod paper_overrides;
pub mod request;
pub mod rule;
pub mod symbol_state;

pub use block_rate::{BlockRateReport, BlockRateVerdict, BlockRateWindow, ReasonCounts};
pub use config::TurnoverConfig;
pub use governor::{TurnoverGovernor, TurnoverState};
pub use request::{TurnoverDecision, TurnoverRequest};
pub use rule::{RuleOverride, TurnoverRule};
pub use symbol_state::SymbolTurnover;

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod test_support;
