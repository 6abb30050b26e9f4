//! The `runtime` command line: flags, subcommands and what each one runs. The
//! binary only parses and calls [`run`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand, ValueEnum};
use domain::ports::OperatorCommand;
use domain::{Money, Symbol, TradingMode};
use tracing::Instrument;

use crate::error::RuntimeError;
use crate::operator::{self, OperatorEnv};
use crate::session::{self, FeedKind, SessionOptions};
use crate::status::LiveRuntime;
use crate::{InstanceLock, StatusBoard, logging, view};

/// Trading mode flag.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Mode {
    /// Paper venue, no exchange order endpoint is ever called.
    DryRun,
    /// Exchange testnet.
    Paper,
    /// Exchange, real money; refuses to trade unless readiness is GO.
    Live,
}

/// Market-data source flag.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Feed {
    /// CSV files (the demo data embedded in the binary by default).
    Replay,
    /// Binance public streams.
    Binance,
    /// Coinbase public streams.
    Coinbase,
}

/// Rampart runtime: one guarded pipeline for dry-run, paper and live.
#[derive(Debug, Parser)]
#[command(name = "runtime", version, about)]
pub struct Cli {
    /// Trading mode.
    #[arg(long, value_enum, default_value = "dry-run", global = true)]
    pub mode: Mode,
    /// Configuration file (default: the embedded config/default.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Market-data source.
    #[arg(long, value_enum, default_value = "replay")]
    pub feed: Feed,
    /// Candle file or directory to replay (default: the bundled demo data, embedded in the binary).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Replay speed factor (60 = one minute of data per second); as fast as possible if absent.
    #[arg(long)]
    pub speed: Option<f64>,
    /// Stop after N market events; -1 = until the feed ends.
    #[arg(long, default_value_t = -1, allow_hyphen_values = true)]
    pub iterations: i64,
    /// Store URL: `postgres://...` or `sqlite:PATH` (default: SQLite at <data-dir>/rampart.db).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,
    /// Directory for the database, PID file, heartbeat, kill-switch file and reports.
    #[arg(long, default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// HTTP address for health, readiness, metrics and status; `off` disables it.
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub http: String,
    /// Operator subcommand (none: run the pipeline).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Operator subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set or clear the stored kill switch (audited; a reason is required).
    KillSwitch {
        /// `on` or `off`.
        #[arg(value_parser = ["on", "off"])]
        state: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// The account, the runtime's heartbeat and the readiness verdict.
    Status {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Reports.
    Report {
        /// Which report.
        #[command(subcommand)]
        which: ReportKind,
    },
    /// Counts over a window and current figures, as a JSON file.
    ExportMetrics {
        /// Window back from the account's clock (24h, 7d, 30m).
        #[arg(long, default_value = "24h")]
        window: String,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Signals of a window as JSON lines on stdout.
    DumpSignals {
        /// Window back from the account's clock (24h, 7d, 30m).
        #[arg(long, default_value = "24h")]
        since: String,
    },
    /// Guardrail drill: book a realised loss through the pipeline.
    SimulateLoss {
        /// Loss amount (> 0, account currency).
        #[arg(long)]
        amount: String,
        /// Symbol to book it against.
        #[arg(long, default_value = "BTC-USD")]
        symbol: String,
    },
    /// The audit trail.
    Audit {
        /// verify or export.
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Record a human sign-off of the promotion evidence (a promotion gate).
    Signoff {
        /// Who signs.
        #[arg(long)]
        by: String,
        /// What was reviewed.
        #[arg(long)]
        note: String,
    },
    /// Telegram (`[telegram]` in the configuration, token in the environment or `.env`).
    Telegram {
        /// What to do.
        #[command(subcommand)]
        action: TelegramAction,
    },
}

/// `telegram` actions.
#[derive(Debug, Subcommand)]
pub enum TelegramAction {
    /// Send a test message to every alert chat and report Telegram's answer.
    Test,
}

/// `report` kinds.
#[derive(Debug, Subcommand)]
pub enum ReportKind {
    /// The daily report (stored and written to data/reports/).
    Daily {
        /// The UTC date (default: the day of the account's clock).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
    /// The weekly shadow evidence report of ISO week N (stored, JSON under data/reports/,
    /// Markdown and PNG chart under --docs-dir).
    Weekly {
        /// ISO week number (default: the last complete week of the account's clock).
        #[arg(long)]
        week: Option<u32>,
        /// ISO week-based year (default: the account clock's).
        #[arg(long)]
        year: Option<i32>,
        /// Where the Markdown summary and the chart go.
        #[arg(long, default_value = "docs/reports")]
        docs_dir: PathBuf,
    },
    /// The promotion gates over the stored weekly reports and sign-offs: GO or NO-GO.
    Gates {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The dry-run period against the backtest baseline: pass/fail per criterion, GO or NO-GO.
    Observation {
        /// The backtest result to compare with.
        #[arg(long, default_value = "reports/backtests/latest.json")]
        baseline: PathBuf,
        /// Start of the period (RFC 3339; default: the first audit record).
        #[arg(long)]
        from: Option<chrono::DateTime<chrono::Utc>>,
        /// End of the period (RFC 3339; default: the account's clock).
        #[arg(long)]
        to: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// `audit` actions.
#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Recompute the hash chain; name the first broken link (exit 1).
    Verify,
    /// Write every record as JSON lines.
    Export {
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
}

fn mode(m: Mode) -> TradingMode {
    match m {
        Mode::DryRun => TradingMode::DryRun,
        Mode::Paper => TradingMode::Paper,
        Mode::Live => TradingMode::Live,
    }
}

/// Runs what the command line asks; the text to print on stdout.
pub async fn run(cli: Cli, stop: Arc<AtomicBool>) -> Result<String, RuntimeError> {
    // Secrets (bot token, API keys, database password) may sit in `.env` in the working
    // directory; variables already set in the environment win. A missing file is fine.
    crate::dotenv::load_from_working_dir().map_err(|e| RuntimeError::BadInput(e.to_string()))?;
    let env = OperatorEnv {
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        config: cli.config.clone(),
        mode: mode(cli.mode),
        operator: std::env::var("USER").unwrap_or_else(|_| "operator".into()),
    };
    let Some(command) = cli.command else {
        return run_pipeline(cli, stop).await;
    };
    match command {
        Command::KillSwitch { state, reason } => {
            let cmd = if state == "on" {
                OperatorCommand::KillSwitchOn { reason }
            } else {
                OperatorCommand::KillSwitchOff { reason }
            };
            Ok(format!("{}\n", operator::request(&env, cmd).await?))
        }
        Command::SimulateLoss { amount, symbol } => {
            let amount: rust_decimal::Decimal = amount
                .parse()
                .map_err(|e| RuntimeError::BadInput(format!("--amount {amount:?}: {e}")))?;
            let symbol = Symbol::new(&symbol)
                .map_err(|e| RuntimeError::BadInput(format!("--symbol {symbol:?}: {e}")))?;
            let cmd = OperatorCommand::SimulateLoss {
                amount: Money::new(amount),
                symbol,
            };
            Ok(format!("{}\n", operator::request(&env, cmd).await?))
        }
        Command::Status { json } => operator::status(&env, json).await,
        Command::Report {
            which: ReportKind::Daily { date },
        } => operator::report_daily(&env, date).await,
        Command::Report {
            which: ReportKind::Observation { baseline, from, to },
        } => operator::report_observation(&env, &baseline, from, to).await,
        Command::Report {
            which:
                ReportKind::Weekly {
                    week,
                    year,
                    docs_dir,
                },
        } => operator::report_weekly(&env, year, week, &docs_dir).await,
        Command::Report {
            which: ReportKind::Gates { json },
        } => operator::report_gates(&env, json).await,
        Command::Signoff { by, note } => operator::signoff(&env, &by, &note).await,
        Command::ExportMetrics { window, out } => {
            operator::export_metrics(&env, operator::parse_window(&window)?, &out).await
        }
        Command::DumpSignals { since } => {
            let since = operator::parse_window(&since)?;
            let mut stdout = std::io::stdout().lock();
            operator::dump_signals(&env, since, &mut stdout).await?;
            Ok(String::new())
        }
        Command::Audit {
            action: AuditAction::Verify,
        } => operator::audit_verify(&env).await,
        Command::Audit {
            action: AuditAction::Export { out },
        } => operator::audit_export(&env, &out).await,
        Command::Telegram {
            action: TelegramAction::Test,
        } => crate::telegram::send_test(&env.loaded()?.telegram).await,
    }
}

async fn run_pipeline(cli: Cli, stop: Arc<AtomicBool>) -> Result<String, RuntimeError> {
    let mode = mode(cli.mode);
    let mut opts = SessionOptions {
        mode,
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
        run_id: None,
    };
    let http: Option<SocketAddr> = match cli.http.as_str() {
        "off" => None,
        text => Some(text.parse().map_err(|e| {
            RuntimeError::BadInput(format!("--http {text:?}: expected HOST:PORT or off ({e})"))
        })?),
    };
    // Everything that can be checked without writing is checked first, the replay's every
    // row included.
    session::check_options(&opts)?;
    let loaded = session::load_config(&opts)?;
    session::check_replay(&opts)?;
    let run_id = session::new_run_id(mode, &domain::SystemClock);
    opts.run_id = Some(run_id.clone());
    let _lock = InstanceLock::acquire(&opts.data_dir)?;
    let _logs = logging::init(&loaded.config.logging, std::path::Path::new("."))?;
    let span = logging::session_span(&run_id, mode.as_str());
    if let Some(addr) = http
        && !addr.ip().is_loopback()
    {
        let warning = format!(
            "--http {addr} listens beyond this machine: /api/status, /metrics and the status page are not authenticated; put them behind a firewall or an authenticating proxy"
        );
        let _enter = span.enter();
        tracing::warn!("{warning}");
        eprintln!("warning: {warning}");
    }
    let durability = session::session_durability(mode, opts.feed);
    let stores =
        session::open_stores(cli.database_url.as_deref(), &opts.data_dir, durability).await?;
    let store = stores.store.clone();
    // One trading runtime per account: the store's own lock, beside the data directory's.
    let owner = match stores.take_ownership().await {
        Ok(owner) => owner,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    let board = Arc::new(StatusBoard::new());
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let live = LiveRuntime {
        board: board.clone(),
        store: store.clone(),
        cfg: loaded.config.clone(),
        mode,
        kill_file: session::kill_file(&loaded.config, &opts.data_dir),
    };
    let bot = start_telegram(&live, &stores, &run_id)?;
    if bot.is_none() {
        let _enter = span.enter();
        tracing::info!("Telegram is not configured: running without operator alerts");
        eprintln!(
            "notice: Telegram is not configured ([telegram] enabled = false): running without operator alerts"
        );
    }
    let mut server = None;
    if let Some(addr) = http {
        let view = Arc::new(view::LiveView::new(live.clone()));
        if let Some(bot) = &bot {
            view.set_telegram(bot.notifier.metrics());
        }
        match start_http(addr, view, shutdown.clone()).await {
            Ok(handle) => server = Some(handle),
            Err(e) if mode == TradingMode::DryRun => {
                let _enter = span.enter();
                tracing::warn!("HTTP surface disabled: {e}");
                eprintln!("warning: HTTP surface disabled: {e}");
            }
            Err(e) => return Err(e),
        }
    }
    let notifier = bot
        .as_ref()
        .map(|b| Arc::new(b.notifier.clone()) as Arc<dyn domain::ports::Notifier>);
    let report = session::run_session_with(
        &opts,
        loaded,
        store.clone(),
        board,
        stop.clone(),
        notifier,
        Some(&owner),
    )
    .instrument(span)
    .await;
    shutdown.notify_one();
    if let Some(handle) = server {
        let _ = handle.await;
    }
    if let Some(bot) = bot {
        bot.stop().await;
    }
    store.close().await;
    owner.release().await;
    let report = report?;
    let mut out = String::new();
    for notice in &report.notices {
        eprintln!("notice: {notice}");
    }
    out.push_str(&crate::render(&report));
    let _ = stop.load(Ordering::SeqCst);
    Ok(out)
}

/// The running bot: its notifier and the tasks that deliver, poll and say "alive".
struct RunningBot {
    notifier: telegram::TelegramNotifier,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningBot {
    /// Delivers what is still pending (at most 5 s), then stops the tasks.
    async fn stop(self) {
        let flush = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            self.notifier.deliver_pending(),
        );
        if let Ok(Err(e)) = flush.await {
            tracing::warn!("telegram: final delivery round failed: {e}");
        }
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), task).await;
        }
    }
}

/// Starts the bot when `[telegram]` enables it.
fn start_telegram(
    live: &LiveRuntime,
    stores: &session::Stores,
    run_id: &str,
) -> Result<Option<RunningBot>, RuntimeError> {
    let board = &live.board;
    let commands = Arc::new(crate::telegram::RuntimeCommands::new(live.clone()));
    let Some(parts) = crate::telegram::build(
        &live.cfg.telegram,
        stores.outbox.clone(),
        commands,
        Arc::new(domain::SystemClock),
    )?
    else {
        return Ok(None);
    };
    let (stop, rx) = tokio::sync::watch::channel(false);
    let stopped = |rx: tokio::sync::watch::Receiver<bool>| async move {
        let mut rx = rx;
        let _ = rx.wait_for(|v| *v).await;
    };
    let mut tasks = Vec::new();
    let delivery = parts.notifier.clone();
    let until = stopped(rx.clone());
    tasks.push(tokio::spawn(
        async move { delivery.run_delivery(until).await },
    ));
    let poller = parts.poller;
    let until = stopped(rx.clone());
    tasks.push(tokio::spawn(async move {
        if let Err(e) = poller.run(until).await {
            tracing::error!("telegram commands stopped: {e}");
            eprintln!("error: telegram commands stopped: {e}");
        }
    }));
    tasks.push(tokio::spawn(crate::telegram::run_alive(
        parts.notifier.clone(),
        board.clone(),
        run_id.to_string(),
        stopped(rx),
    )));
    Ok(Some(RunningBot {
        notifier: parts.notifier,
        stop,
        tasks,
    }))
}

async fn start_http(
    addr: SocketAddr,
    view: Arc<view::LiveView>,
    shutdown: Arc<tokio::sync::Notify>,
) -> Result<tokio::task::JoinHandle<()>, RuntimeError> {
    let metrics =
        http_api::Metrics::install().map_err(|e| RuntimeError::BadInput(e.to_string()))?;
    let server = http_api::HttpServer::bind(addr)
        .await
        .map_err(|e| RuntimeError::BadInput(format!("--http {addr}: {e}")))?;
    let bound = server.local_addr();
    tracing::info!(addr = %bound, "HTTP surface listening");
    eprintln!("http: listening on http://{bound}");
    Ok(tokio::spawn(async move {
        let _ = server
            .run(view, metrics, async move { shutdown.notified().await })
            .await;
    }))
}
