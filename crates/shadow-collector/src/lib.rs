//! The shadow collector: advisors recommend, the real pipeline decides, and this
//! crate turns the two into evidence.
//!
//! A core crate: no I/O, no wall clock. Time comes from the records and the
//! engine's `Clock`; persistence goes through the `Store` port in the engine.
//!
//! Map:
//! - [`context`] — per-symbol market context (trend, volatility) and the regime classifier
//! - [`weights`] — the `strategy_weights` advisor (per-strategy weights, clamped daily shifts)
//! - [`bandit`] — the `contextual_bandit` advisor (LinUCB over documented features)
//! - [`collector`] — the `ShadowCollector` the engine drives: advise, record, resolve, persist
//! - [`counterfactual`] — counterfactual P&L of a record, costs included
//! - [`weekly`] — the weekly evidence report computed from resolved records
//! - [`gates`] — the promotion gates over weekly reports and sign-offs

pub mod bandit;
pub mod collector;
pub mod context;
pub mod counterfactual;
pub mod gates;
pub mod weekly;
pub mod weights;

pub use collector::{Advice, ShadowCollector, ShadowSettings};
pub use counterfactual::CostAssumptions;
