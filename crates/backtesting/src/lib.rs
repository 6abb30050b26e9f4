//! Rampart's backtest runner: everything behind the `backtest` binary.
//!
//! A backtest is the real pipeline (`engine`) fed from candle files (`replay`) at
//! simulated time, with orders going to the paper venue (`paper`) and persistence in
//! memory. This crate plans a run from flags and configuration, drives it, records
//! what it produced and writes the run's artifacts atomically:
//!
//! ```text
//! storage/backtests/<run_id>/   result.json  trades.csv  equity.csv  audit.jsonl  equity.png
//! reports/backtests/latest.json (a copy of the last run's result.json)
//! ```
//!
//! Map:
//! - [`cli`] — [`Cli`]: the flags and subcommands (`bench`, `gen-data`), clap derive
//! - [`data`] — [`DataSource`]: the bundled demo data (embedded), a directory, or a file;
//!   symbol lookup
//! - [`plan`] — [`RunPlan`]: flags + config -> validated engine and venue settings, run id
//! - [`mod@run`] — [`run()`](fn@run): drive the engine, write the artifacts, [`RunOutcome`]
//! - [`record`] — [`Recorder`]: audit, trades, metrics and the equity series as the run streams
//! - [`report`] — [`RunResult`] (`result.json`) and the stdout [`summary_table`]
//! - [`chart`] — `equity.png` (plotters, embedded font)
//! - [`output`] — staging directory (locked while written, swept once its run is dead) +
//!   rename, atomic file replacement
//! - [`progress`] — [`Progress`], the terminal progress bar
//! - [`mod@bench`] — [`run_bench`], the throughput benchmark
//! - [`error`] — [`BacktestError`], with [`BacktestError::exit_code`]
//!
//! The binary reads the wall clock once, for the run id; the simulation reads only
//! the simulated clock.

pub mod bench;
pub mod chart;
pub mod cli;
pub mod data;
pub mod error;
pub mod fetch;
pub mod output;
pub mod plan;
pub mod preservation;
pub mod progress;
pub mod record;
pub mod report;
pub mod run;

use std::path::{Path, PathBuf};

pub use bench::{BenchReport, run_bench};
pub use cli::{BenchArgs, Cli, Command, GenDataArgs, RunArgs};
pub use data::DataSource;
pub use error::BacktestError;
pub use fetch::{FetchArgs, FetchSummary, FetchVenue, fetch};
pub use plan::RunPlan;
pub use progress::Progress;
pub use record::Recorder;
pub use report::{RunResult, summary_table};
pub use run::{RunOutcome, run};

/// Regenerates the bundled demo data into `dir` (by default the source tree's `fixtures/`,
/// which the binaries embed when next built) and returns the files written.
pub fn gen_data(dir: Option<&Path>) -> Result<Vec<PathBuf>, BacktestError> {
    let dir = match dir {
        Some(dir) => dir.to_path_buf(),
        None => source_fixtures()?,
    };
    Ok(synthetic::write_demo_data(&dir)?)
}

/// The source tree's `fixtures/` this binary was built from, if it is on this machine (a
/// copied or installed binary has only the embedded copy and must be told where to write).
fn source_fixtures() -> Result<PathBuf, BacktestError> {
    let dir = Path::new(demo_candles::SOURCE_DIR);
    std::fs::canonicalize(dir).map_err(|e| {
        BacktestError::flag(
            "--dir",
            format!(
                "the source tree's fixtures/ this binary was built from ({}) is not here ({e}); give the directory to write the demo files into",
                dir.display()
            ),
        )
    })
}
