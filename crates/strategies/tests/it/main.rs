//! Integration tests of the strategies crate through its public API.

#![allow(clippy::unwrap_used)] // fixtures are known-valid constants

mod property_tests;
mod real_data;
mod support;
