//! Integration tests: the trade gate driven through its public API with real
//! domain state (a `Portfolio` fed with fills and marks), as the engine uses it.

#![allow(clippy::unwrap_used)] // fixtures are known-valid constants

mod lifecycle;
