//! The shared `Store` conformance suite, each test in its own PostgreSQL schema.

use crate::support::harness;

store_conformance::store_conformance_tests!(harness());
