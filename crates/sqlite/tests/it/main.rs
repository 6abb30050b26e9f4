//! Integration tests of the SQLite store: the shared conformance suite, refusing files
//! that are not ours, crash safety under `kill -9`, and the risk-book projections.

mod conformance;
mod crash;
mod open;
mod risk_book;
mod support;
mod writers;
