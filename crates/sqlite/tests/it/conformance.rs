//! The shared `Store` conformance suite, on SQLite files.

use crate::support::SqliteHarness;

store_conformance::store_conformance_tests!(async { Some(SqliteHarness::default()) });
