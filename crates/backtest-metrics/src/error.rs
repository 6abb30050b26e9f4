//! The one error type of this crate: input the accumulator refuses.

use domain::{Money, Timestamp};
use thiserror::Error;

/// Why [`crate::MetricsBuilder`] refused an input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MetricsError {
    /// Returns and drawdown are measured against the initial capital, so it must be positive.
    #[error("initial capital must be > 0, got {0}")]
    NonPositiveInitialCapital(Money),
    /// Equity observations must arrive in time order (equal timestamps are allowed).
    /// The refused observation is not counted.
    #[error("equity observation at {ts} is earlier than the previous one at {previous}")]
    TimeWentBackwards {
        /// Timestamp of the latest accepted observation.
        previous: Timestamp,
        /// Timestamp of the refused observation.
        ts: Timestamp,
    },
}
