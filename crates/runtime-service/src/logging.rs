//! Logs: JSON lines under `[logging] dir` (default `logs/`), one file per UTC day
//! (`rampart.YYYY-MM-DD.jsonl`), the oldest deleted beyond `retention_days`; a
//! human-readable console on stderr when it is a terminal.
//!
//! Every record carries `run_id`, `mode` and `symbol`: the session span holds
//! `run_id` and `mode` (and `symbol = "*"`), and records about one instrument
//! carry their own `symbol` field. `RUST_LOG` overrides `[logging] level`.

use std::io::IsTerminal;
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

use crate::error::RuntimeError;

/// Keeps the log writer alive; dropping it flushes what is buffered.
pub struct LogGuard {
    _file: WorkerGuard,
}

/// Installs the global subscriber. Call once, at start-up.
pub fn init(cfg: &config::LoggingConfig, base: &Path) -> Result<LogGuard, RuntimeError> {
    let dir = base.join(&cfg.dir);
    std::fs::create_dir_all(&dir).map_err(RuntimeError::io(format!(
        "cannot create log directory {}",
        dir.display()
    )))?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("rampart")
        .filename_suffix("jsonl")
        .max_log_files(usize::try_from(cfg.retention_days).unwrap_or(usize::MAX))
        .build(&dir)
        .map_err(|e| RuntimeError::BadInput(format!("log directory {}: {e}", dir.display())))?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&cfg.level));
    let file_layer = fmt::layer()
        .json()
        .with_current_span(false)
        .with_span_list(true)
        .flatten_event(true)
        .with_writer(writer)
        .with_filter(filter());
    let console = std::io::stderr().is_terminal().then(|| {
        fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .compact()
            .with_filter(EnvFilter::new("warn"))
    });
    tracing_subscriber::registry()
        .with(file_layer)
        .with(console)
        .try_init()
        .map_err(|e| RuntimeError::BadInput(format!("logging already initialised: {e}")))?;
    Ok(LogGuard { _file: guard })
}

/// The span every record of a session is recorded in.
pub fn session_span(run_id: &str, mode: &str) -> tracing::Span {
    tracing::info_span!("session", run_id, mode, symbol = "*")
}
