//! The engine driven end to end: replayed real candles, real strategies, the
//! paper venue and the in-memory store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod account;
mod backtest;
mod crash_consistency;
mod filters;
mod guardrails;
mod operator;
mod parity;
mod reconcile;
mod shadow;
mod unknown_outcome;
mod warm_up;
