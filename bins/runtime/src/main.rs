//! `runtime`: the composition root. Parses flags, takes the data directory, opens
//! the store, runs a session until the feed ends or a signal arrives, prints the
//! summary. All logic lives in `runtime-service`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, ValueEnum};
use domain::TradingMode;
use runtime_service::{FeedKind, InstanceLock, RuntimeError, SessionOptions};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    DryRun,
    Paper,
    Live,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Feed {
    Replay,
    Binance,
    Coinbase,
}

/// Rampart runtime: one guarded pipeline for dry-run, paper and live.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Trading mode.
    #[arg(long, value_enum, default_value = "dry-run")]
    mode: Mode,
    /// Configuration file (default: the embedded config/default.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Market-data source.
    #[arg(long, value_enum, default_value = "replay")]
    feed: Feed,
    /// Candle file or directory to replay (default: the bundled demo data).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Replay speed factor (60 = one minute of data per second); as fast as possible if absent.
    #[arg(long)]
    speed: Option<f64>,
    /// Stop after N market events; -1 = until the feed ends.
    #[arg(long, default_value_t = -1, allow_hyphen_values = true)]
    iterations: i64,
    /// Store URL (default: SQLite at <data-dir>/rampart.db).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Directory for the database, PID file, heartbeat and kill-switch file.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), RuntimeError> {
    let opts = SessionOptions {
        mode: match cli.mode {
            Mode::DryRun => TradingMode::DryRun,
            Mode::Paper => TradingMode::Paper,
            Mode::Live => TradingMode::Live,
        },
        config: cli.config,
        feed: match cli.feed {
            Feed::Replay => FeedKind::Replay,
            Feed::Binance => FeedKind::Binance,
            Feed::Coinbase => FeedKind::Coinbase,
        },
        data: cli.data,
        speed: cli.speed,
        iterations: cli.iterations,
        data_dir: cli.data_dir,
    };
    // Everything that can be checked without writing is checked first.
    runtime_service::check_options(&opts)?;
    let loaded = runtime_service::load_config(&opts)?;
    let _lock = InstanceLock::acquire(&opts.data_dir)?;
    let store = runtime_service::open_store(cli.database_url.as_deref(), &opts.data_dir).await?;
    let stop = Arc::new(AtomicBool::new(false));
    tokio::spawn(watch_signals(stop.clone()));
    let report = runtime_service::run_session(&opts, loaded, store, stop).await?;
    for notice in &report.notices {
        eprintln!("notice: {notice}");
    }
    print!("{}", runtime_service::render(&report));
    Ok(())
}

/// SIGINT or SIGTERM: let the current event finish, then stop.
async fn watch_signals(stop: Arc<AtomicBool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    stop.store(true, Ordering::SeqCst);
}
