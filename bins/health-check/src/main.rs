//! `health-check`: prints the readiness verdict from the store (or a running
//! runtime) and exits 0 GO, 1 CONDITIONAL, 2 NO_GO, 3 could not evaluate.
//! All logic lives in `runtime_service::health`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use domain::TradingMode;
use runtime_service::health::{HealthOptions, Output, run};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    DryRun,
    Paper,
    Live,
}

/// Rampart readiness gate: GO (0), CONDITIONAL (1), NO_GO (2), could not evaluate (3).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Machine-readable JSON (the /health/readiness document).
    #[arg(long, conflicts_with = "quiet")]
    json: bool,
    /// Print nothing; only the exit code.
    #[arg(long)]
    quiet: bool,
    /// Ask a running runtime instead of the store (e.g. http://127.0.0.1:8000).
    #[arg(long)]
    url: Option<String>,
    /// The runtime's data directory.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// Store URL (default: SQLite at <data-dir>/rampart.db).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Configuration file (default: the embedded one).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Mode to judge (default: the runtime's, from its last heartbeat).
    #[arg(long, value_enum)]
    mode: Option<Mode>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let opts = HealthOptions {
        url: cli.url,
        data_dir: cli.data_dir,
        database_url: cli.database_url,
        config: cli.config,
        mode: cli.mode.map(|m| match m {
            Mode::DryRun => TradingMode::DryRun,
            Mode::Paper => TradingMode::Paper,
            Mode::Live => TradingMode::Live,
        }),
    };
    let output = match (cli.json, cli.quiet) {
        (_, true) => Output::Quiet,
        (true, _) => Output::Json,
        _ => Output::Text,
    };
    let (code, out, err) = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(run(&opts, output)),
        Err(e) => (3, String::new(), format!("health-check: {e}\n")),
    };
    print!("{out}");
    eprint!("{err}");
    ExitCode::from(u8::try_from(code).unwrap_or(3))
}
