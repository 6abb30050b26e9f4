//! The `backtest` binary, run as a user runs it: exit codes, artifacts, messages.
#![allow(clippy::unwrap_used)]

mod bad_input;
mod defaults;
mod installed;
mod parity;
mod run;
mod staging;
mod subcommands;
mod support;
