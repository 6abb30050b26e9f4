//! Integration tests of the PostgreSQL store: the shared conformance suite, refusing
//! schemas that are not ours, unreachable servers, several instances on one database,
//! the risk-book and shadow evidence projections, and the `AlertOutbox` port (its own
//! conformance suite).
//!
//! The server comes from `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`);
//! each test works in a schema of its own, dropped at its end. When the server cannot be
//! reached the tests are skipped with a notice, unless `REQUIRE_POSTGRES=1`, which makes
//! that a failure.

mod conformance;
mod connect;
mod instances;
mod outbox;
mod risk_book;
mod shadow;
mod support;
