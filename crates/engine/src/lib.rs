//! Rampart's engine: the one pipeline shared by backtest, dry-run, paper and live.
//!
//! Map:
//! - [`pipeline`] — [`Engine`]: per-event steps 1-10 of ARCHITECTURE.md section 2, [`EngineState`],
//!   start-up reconciliation ([`Engine::reconcile`], [`ReconcileReport`])
//! - [`settings`] — [`EngineSettings`], [`Guardrails`]
//! - [`sizing`] — [`Sizing`] (all-in, fixed quote, risk %)
//! - [`scheduler`] — [`Scheduler`]: cron jobs on the engine's clock, never overlapping, missed runs coalesced
//! - [`memory_store`] — [`MemoryStore`], the `Store` when persistence is off
//! - [`summary`] — [`SessionSummary`]
//!
//! The engine is a core crate: it reads time only from the `Clock` port and does
//! I/O only through ports, so the same code runs a year of candles in seconds and
//! live on the wall clock.

mod bursts;
pub mod error;
pub mod memory_store;
pub mod pipeline;
pub mod scheduler;
pub mod settings;
pub mod sizing;
pub mod summary;

pub use bursts::{BURST_THRESHOLD, BURST_WINDOW_MINUTES};
pub use error::EngineError;
pub use memory_store::MemoryStore;
pub use pipeline::{
    Engine, EngineState, PaperBook, PaperTrade, ReconcileReport, RequestOutcome, ResumePoint,
};
pub use scheduler::{DEFAULT_JOBS, DueJob, JobId, Scheduler};
pub use settings::{EngineSettings, Guardrails};
pub use sizing::Sizing;
pub use summary::{SessionSummary, Transition};
