//! Integration tests of the SQLite store: the shared conformance suite, refusing files
//! that are not ours, and crash safety under `kill -9`.

mod conformance;
mod crash;
mod open;
mod support;
mod writers;
