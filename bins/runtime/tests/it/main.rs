//! The runtime binary, run as an operator runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod binance;
mod clock;
mod crash;
mod crash_injection;
mod dotenv;
mod fake_binance;
mod ftmo;
mod guards;
mod installed;
mod lifecycle;
mod operator;
mod paper;
mod reports;
mod session;
mod shadow;
mod telegram;
