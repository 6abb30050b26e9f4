//! Integration tests of the replay adapter through its public API.

#![allow(clippy::unwrap_used)] // helpers build known-valid fixtures

mod feed;
mod formats;
mod in_memory;
mod merge;
mod property_tests;
mod shared_data;
mod support;
mod validation;
mod writer;
