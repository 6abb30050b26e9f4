//! Rampart's runtime service: everything `bins/runtime` composes, kept out of the
//! binary so it stays a thin composition root.
//!
//! Map:
//! - [`session`] — [`run_session`]: config -> store -> venue -> engine -> feed loop
//! - [`cli`] — the `runtime` command line and what each subcommand runs
//! - [`operator`] — the operator subcommands (kill switch, drills, reports, audit)
//! - [`health`] — `health-check`: the verdict as text, JSON or an exit code
//! - [`gather`] — readiness inputs read from the store
//! - [`engine_time`] — [`engine_time::EngineNow`]: what "now" is for an account (data time
//!   after a replay, the wall clock live), the end of every window
//! - [`exchange`] — the exchange per mode (Binance testnet/mainnet), API keys, venue
//!   health for readiness, reconciliation after a feed reconnect
//! - [`dotenv`] — `.env` in the working directory, errors that never echo a value
//! - [`daily`] — the daily report
//! - [`shadow`] — the shadow collector built from `[shadow]`
//! - [`weekly`] — the weekly evidence report (JSON, Markdown, PNG) and the promotion gates
//! - [`observation`] — the observation report (dry-run vs backtest baseline)
//! - [`status`] — the status board behind `/api/status` and `/metrics`
//! - [`view`] — the HTTP surface's view of a running runtime
//! - [`logging`] — JSON log files with daily rotation, console on a terminal
//! - [`instance`] — [`InstanceLock`] (one runtime per data directory), heartbeat file
//! - [`ownership`] — [`ownership::StoreOwner`] (one trading runtime per database or account)
//! - [`report`] — the session summary text
//! - [`error`] — [`RuntimeError`] and its exit codes

pub mod cli;
pub mod daily;
pub mod dotenv;
pub mod engine_time;
pub mod error;
pub mod exchange;
pub mod gather;
pub mod health;
pub mod instance;
pub mod logging;
pub mod observation;
pub mod operator;
pub mod ownership;
pub mod report;
pub mod session;
pub mod shadow;
pub mod status;
pub mod telegram;
pub mod view;
pub mod weekly;

pub use error::RuntimeError;
pub use instance::{Heartbeat, InstanceLock, write_heartbeat};
pub use report::render;
pub use session::{
    FeedKind, RuntimeEngine, SessionOptions, SessionReport, build_engine, check_options,
    load_config, open_store, replay_files, replay_sources, run_session,
};
pub use status::{StatusBoard, StatusSnapshot};
