//! Integration tests: the crate through its public API, as the engine uses it.

mod lifecycle;
