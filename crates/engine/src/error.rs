//! Engine errors: configuration and port failures that stop a run.

use domain::ConfigViolation;
use domain::ports::{FeedError, StoreError};
use thiserror::Error;

/// Why the engine could not start or continue.
#[derive(Debug, Error)]
pub enum EngineError {
    /// A cron expression did not parse, or a job name is duplicated.
    #[error("job {job}: bad schedule {expr:?}: {message}")]
    Schedule {
        /// Job name.
        job: String,
        /// The expression.
        expr: String,
        /// What is wrong.
        message: String,
    },
    /// The engine's settings break the rules.
    #[error("invalid engine settings: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ConfigViolation>),
    /// The market-data feed failed.
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// The store failed; the event was not recorded, so the run stops.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The account rules could not be set up or restored (e.g. a stored account state
    /// made for another account size or product).
    #[error("account rules: {0}")]
    AccountRules(String),
    /// A batch would be stamped with the engine clock's starting point: the clock was not
    /// set (a replay before its first event). Nothing was written.
    #[error(
        "batch {event_id}: the engine clock is not set yet (it still reads its starting point); nothing was written"
    )]
    ClockNotSet {
        /// The batch refused.
        event_id: String,
    },
    /// A fill could not be applied to the portfolio.
    #[error("fill rejected by the portfolio: {0}")]
    Fill(#[from] domain::DomainError),
}
