//! One runtime session: config -> store -> venue -> engine -> feed loop -> summary.
//!
//! The default session is a dry-run replay of the bundled demo candles on a
//! simulated clock: the same engine, guardrails and store as live, so a newcomer
//! sees the whole guarded pipeline work on a machine with no network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Duration;
use domain::ports::{ExecutionVenue, Store, Strategy};
use domain::{Clock, MarketEvent, SimClock, Symbol, SystemClock, Timestamp, TradingMode};
use engine::{Engine, EngineSettings, EngineState, SessionSummary};
use paper::{PaperConfig, PaperVenue};
use replay::{MergedCandles, SymbolFile, TimeRange};
use risk_gate::KillSwitchInputs;

use crate::error::RuntimeError;
use crate::instance::{Heartbeat, write_heartbeat};

/// The bundled demo data, found relative to this crate at build time.
pub const BUNDLED_DATA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

/// Where market data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// CSV files (the bundled data by default).
    Replay,
    /// Binance public streams (arrives with the Binance adapter).
    Binance,
    /// Coinbase public streams (arrives with the Coinbase adapter).
    Coinbase,
}

/// Everything a session is started with (from flags).
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// dry-run, paper or live.
    pub mode: TradingMode,
    /// `--config FILE`; the embedded default when absent.
    pub config: Option<PathBuf>,
    /// Market-data source.
    pub feed: FeedKind,
    /// `--data FILE|DIR` for replays; the bundled data when absent.
    pub data: Option<PathBuf>,
    /// `--speed X`: replay X times faster than real time; as fast as possible when absent.
    pub speed: Option<f64>,
    /// `--iterations N`: stop after N market events; -1 = until the feed ends (a live feed never does).
    pub iterations: i64,
    /// Directory for the database, PID file, heartbeat and kill-switch file.
    pub data_dir: PathBuf,
}

/// What a finished session reports.
#[derive(Debug, Clone)]
pub struct SessionReport {
    /// This session's run id.
    pub run_id: String,
    /// Mode.
    pub mode: TradingMode,
    /// Events skipped because a previous session already processed them.
    pub resumed_past: u64,
    /// Counters.
    pub summary: SessionSummary,
    /// True when a shutdown signal ended the session early.
    pub interrupted: bool,
    /// Notices from loading the configuration (overrides applied or ignored).
    pub notices: Vec<String>,
}

/// Runs a session until the feed ends, `iterations` events were processed, or
/// `stop` is set (SIGINT/SIGTERM: the current event is finished and flushed first).
pub async fn run_session(
    opts: &SessionOptions,
    loaded: config::Loaded,
    store: Arc<dyn Store>,
    stop: Arc<AtomicBool>,
) -> Result<SessionReport, RuntimeError> {
    check_options(opts)?;
    let cfg = loaded.config;
    let files = replay_files(opts.data.as_deref().unwrap_or(Path::new(BUNDLED_DATA_DIR)))?;
    let symbols: Vec<Symbol> = files.iter().map(|f| f.symbol.clone()).collect();
    let merged = MergedCandles::open(files, TimeRange::ALL)?;

    let wall = SystemClock;
    let run_id = format!(
        "{}-{}",
        wall.now().format("%Y%m%dT%H%M%SZ"),
        opts.mode.as_str()
    );
    let clock = Arc::new(SimClock::new(Timestamp::MIN_UTC));
    let venue = Arc::new(
        PaperVenue::new(PaperConfig::default()).map_err(|e| RuntimeError::Venue(e.to_string()))?,
    );
    let mut strategies: BTreeMap<Symbol, Vec<Box<dyn Strategy>>> = BTreeMap::new();
    for symbol in &symbols {
        let s = strategies::build(
            "sma_cross",
            [("fast", "10"), ("slow", "30")],
            cfg.tiers.thresholds(),
        )
        .map_err(|e| RuntimeError::BadInput(e.to_string()))?;
        strategies.insert(symbol.clone(), vec![s]);
    }
    let mut settings = EngineSettings::new(opts.mode, &run_id);
    settings.initial_capital = cfg.portfolio.initial_capital();
    settings.day_boundary = cfg.portfolio.day_boundary();
    settings.tiers = cfg.tiers.thresholds();
    settings.risk = cfg.risk.clone();
    settings.preservation = cfg.capital_preservation.clone();
    settings.turnover = cfg.turnover.clone();
    settings.persist_state = true;
    let mut engine = Engine::new(
        settings,
        strategies,
        venue.clone(),
        store.clone(),
        clock.clone(),
    )?;
    engine
        .load_filters()
        .await
        .map_err(|e| RuntimeError::Venue(e.to_string()))?;

    // Resume: restore the stored state and skip what a previous session processed.
    let mut resume_after: Option<Timestamp> = None;
    if let Some(state) = store.latest_state().await? {
        let state: EngineState = serde_json::from_value(state).map_err(|e| {
            domain::ports::StoreError::Corrupt(format!("stored engine state does not parse: {e}"))
        })?;
        resume_after = state.last_event_at;
        engine.restore(state);
    }

    let kill_file = opts.data_dir.join(
        Path::new(&cfg.kill_switch.file)
            .file_name()
            .unwrap_or_else(|| std::ffi::OsStr::new("kill_switch")),
    );
    let kill_file = if Path::new(&cfg.kill_switch.file).is_absolute() {
        PathBuf::from(&cfg.kill_switch.file)
    } else {
        kill_file
    };
    let mut processed: i64 = 0;
    let mut resumed_past = 0u64;
    let mut last_beat: Option<Timestamp> = None;
    let mut first_event: Option<(Timestamp, Timestamp)> = None;
    let mut interrupted = false;

    for candle in merged {
        if stop.load(Ordering::SeqCst) {
            interrupted = true;
            break;
        }
        if opts.iterations >= 0 && processed >= opts.iterations {
            break;
        }
        let event = MarketEvent::Candle(candle?);
        let at = event.event_time();
        if resume_after.is_some_and(|r| at <= r) {
            resumed_past += 1;
            continue;
        }
        if let Some(speed) = opts.speed {
            pace(&mut first_event, at, speed, &wall).await;
        }
        clock
            .advance_to(at)
            .map_err(|e| RuntimeError::BadInput(format!("replay went back in time: {e}")))?;
        engine.set_kill_switch_inputs(kill_switch_inputs(&kill_file, &cfg.kill_switch.env_var));
        engine.on_event(event).await?;
        processed += 1;
        let now = wall.now();
        if last_beat.is_none_or(|t| now - t >= Duration::seconds(1)) {
            write_heartbeat(&opts.data_dir, &heartbeat(&engine, &run_id, opts.mode, now))?;
            last_beat = Some(now);
        }
    }
    write_heartbeat(
        &opts.data_dir,
        &heartbeat(&engine, &run_id, opts.mode, wall.now()),
    )?;
    Ok(SessionReport {
        run_id,
        mode: opts.mode,
        resumed_past,
        summary: engine.summary(),
        interrupted,
        notices: loaded.notices,
    })
}

/// Loads and validates the configuration (file, `RAMPART__` environment, paper overrides).
pub fn load_config(opts: &SessionOptions) -> Result<config::Loaded, RuntimeError> {
    Ok(config::load_from_process_env(
        opts.config.as_deref(),
        opts.mode,
    )?)
}

/// Validates flags that need no I/O, before anything is written.
pub fn check_options(opts: &SessionOptions) -> Result<(), RuntimeError> {
    match (opts.feed, opts.mode) {
        (FeedKind::Replay, TradingMode::DryRun | TradingMode::Backtest) => {}
        (FeedKind::Replay, mode) => {
            return Err(RuntimeError::BadInput(format!(
                "--mode {} needs a live feed and an exchange adapter; replays run in dry-run mode",
                mode.as_str()
            )));
        }
        (feed, _) => {
            return Err(RuntimeError::BadInput(format!(
                "--feed {feed:?} is not available yet: it arrives with its exchange adapter; use --feed replay"
            )));
        }
    }
    if let Some(speed) = opts.speed
        && !(speed.is_finite() && speed > 0.0)
    {
        return Err(RuntimeError::BadInput(format!(
            "--speed must be a positive number, got {speed}"
        )));
    }

    Ok(())
}

/// Sleeps so that data time advances `speed` times faster than wall time.
async fn pace(
    first: &mut Option<(Timestamp, Timestamp)>,
    at: Timestamp,
    speed: f64,
    wall: &SystemClock,
) {
    let now = wall.now();
    let (data0, wall0) = *first.get_or_insert((at, now));
    let data_elapsed = (at - data0).num_milliseconds() as f64;
    let due = wall0 + Duration::milliseconds((data_elapsed / speed) as i64);
    if let Ok(wait) = (due - now).to_std() {
        tokio::time::sleep(wait).await;
    }
}

/// The file and environment kill-switch sources, read on every event.
fn kill_switch_inputs(file: &Path, env_var: &str) -> KillSwitchInputs {
    let env_set = std::env::var(env_var)
        .map(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
        .unwrap_or(false);
    KillSwitchInputs {
        file: file.exists().then(|| file.display().to_string()),
        env: env_set.then(|| env_var.to_string()),
    }
}

fn heartbeat<V, S, C>(
    engine: &Engine<V, S, C>,
    run_id: &str,
    mode: TradingMode,
    now: Timestamp,
) -> Heartbeat
where
    V: ExecutionVenue + ?Sized,
    S: Store + ?Sized,
    C: Clock + ?Sized,
{
    Heartbeat {
        pid: std::process::id(),
        run_id: run_id.to_string(),
        mode: mode.as_str().to_string(),
        timestamp: now,
        event_time: engine.last_event_at(),
        events: engine.events_processed(),
        equity: engine.portfolio().equity().value().round_dp(2).to_string(),
        level: engine.preservation().level().as_str().to_string(),
        kill_switch_active: engine.kill_switch_active(),
    }
}

/// The CSV files to replay: one file, or every `SYMBOL*.csv[.gz]` in a directory.
pub fn replay_files(data: &Path) -> Result<Vec<SymbolFile>, RuntimeError> {
    if data.is_file() {
        return Ok(vec![SymbolFile::from_path(data)?]);
    }
    let entries = std::fs::read_dir(data).map_err(RuntimeError::io(format!(
        "cannot read data directory {}",
        data.display()
    )))?;
    let mut files: Vec<SymbolFile> = Vec::new();
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".csv") || name.ends_with(".csv.gz")
        })
        .collect();
    paths.sort();
    for p in paths {
        files.push(SymbolFile::from_path(&p)?);
    }
    if files.is_empty() {
        return Err(RuntimeError::BadInput(format!(
            "no candle files (*.csv, *.csv.gz) in {}",
            data.display()
        )));
    }
    Ok(files)
}

/// Opens the store: PostgreSQL when `database_url` is given (arrives with the
/// PostgreSQL adapter wiring), otherwise SQLite at `<data_dir>/rampart.db`.
pub async fn open_store(
    database_url: Option<&str>,
    data_dir: &Path,
) -> Result<Arc<dyn Store>, RuntimeError> {
    match database_url {
        Some(url) if url.starts_with("sqlite:") => {
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            Ok(Arc::new(sqlite::SqliteStore::open(path).await?))
        }
        Some(_) => Err(RuntimeError::BadInput(
            "--database-url postgres://... is not wired into the runtime yet; use the default SQLite store"
                .into(),
        )),
        None => Ok(Arc::new(sqlite::SqliteStore::open(data_dir.join("rampart.db")).await?)),
    }
}
