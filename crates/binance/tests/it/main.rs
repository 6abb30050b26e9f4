//! Integration tests of the Binance adapter against an in-process fake Binance that serves
//! the recorded and documented samples in `../shared/fixtures/binance` (never copied here).

#![allow(clippy::unwrap_used)] // test setup and fixtures: a failure should stop the test

mod fake;
mod fake_ws;
mod feed;
mod filter_watch;
mod filters;
mod klines;
mod limits;
mod orders;
mod redaction;
mod signing;
mod support;
mod time_sync;
mod trades;
