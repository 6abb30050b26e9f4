//! Runtime errors, each mapped to the exit code operators and scripts rely on.

use std::path::PathBuf;

use thiserror::Error;

/// Why the runtime could not start or had to stop.
#[derive(Debug, Error)]
pub enum RuntimeError {
    /// The configuration is malformed or invalid (exit 2, nothing written).
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// A flag or input is invalid (exit 2).
    #[error("{0}")]
    BadInput(String),
    /// Another runtime holds the data directory (exit 2).
    #[error(
        "another runtime is already running on data directory {dir} (pid {pid}); stop it first or use another --data-dir"
    )]
    AlreadyRunning {
        /// The contested directory.
        dir: PathBuf,
        /// The other process, as its PID file says.
        pid: String,
    },
    /// Another runtime trades on this store (account), from another data directory or
    /// host (exit 2).
    #[error(
        "another runtime is already trading on {store} ({holder}); stop it first or use another database"
    )]
    StoreInUse {
        /// The store, password redacted.
        store: String,
        /// Who holds it, as its last heartbeat says.
        holder: String,
    },
    /// A market-data file is corrupt (exit 2).
    #[error(transparent)]
    Feed(#[from] domain::ports::FeedError),
    /// Replay files could not be opened (exit 2).
    #[error(transparent)]
    Replay(#[from] replay::ReplayError),
    /// The engine refused its settings or failed.
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] domain::ports::StoreError),
    /// The venue could not be set up.
    #[error("venue: {0}")]
    Venue(String),
    /// An operator request is queued but not applied yet (exit 3: pending, not refused).
    #[error("{0}")]
    Pending(String),
    /// The audit chain does not verify (exit 1); names the first broken link.
    #[error("{0}")]
    AuditBroken(String),
    /// Local I/O (data directory, PID file, heartbeat file).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
}

impl RuntimeError {
    /// Exit code: 2 for bad input (config, flags, data, second instance), 3 for an
    /// operator request queued but not applied yet, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            RuntimeError::Pending(_) => 3,
            RuntimeError::Config(_)
            | RuntimeError::BadInput(_)
            | RuntimeError::AlreadyRunning { .. }
            | RuntimeError::StoreInUse { .. }
            | RuntimeError::Feed(_)
            | RuntimeError::Replay(_) => 2,
            _ => 1,
        }
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| RuntimeError::Io { context, source }
    }
}
