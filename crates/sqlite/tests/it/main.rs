//! Integration tests of the SQLite store: the shared conformance suite, refusing files
//! that are not ours, crash safety under `kill -9`, the risk-book and shadow evidence
//! projections, and the `AlertOutbox` port (its own conformance suite).

mod conformance;
mod crash;
mod files;
mod open;
mod outbox;
mod risk_book;
mod shadow;
mod support;
mod writers;
