//! Integration tests: the paper venue driven through the `ExecutionVenue` port
//! with approvals issued by the real trade gate.

#![allow(clippy::unwrap_used)] // fixtures are known-valid constants

mod config;
mod determinism;
mod fills;
mod idempotency;
mod lifecycle;
mod properties;
mod rejections;
mod support;
