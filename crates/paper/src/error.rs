//! Errors of the paper venue: an invalid configuration, or a snapshot that does
//! not fit the configuration it is restored into.

use domain::{ClientOrderId, ConfigViolation, Symbol};
use thiserror::Error;

/// Why a [`PaperVenue`](crate::PaperVenue) could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PaperError {
    /// The `[paper]` section has invalid values (every one is listed).
    #[error("invalid [paper] configuration: {}", list(.0))]
    InvalidConfig(Vec<ConfigViolation>),
    /// A snapshot holds an order or market state for a symbol the configuration has no filters for.
    #[error("snapshot refers to {symbol}, which has no filters in [paper.filters]")]
    SnapshotUnknownSymbol {
        /// The symbol missing from the configuration.
        symbol: Symbol,
    },
    /// A snapshot holds two orders with the same client order id.
    #[error("snapshot holds client order id {0} twice")]
    SnapshotDuplicateOrder(ClientOrderId),
}

fn list(violations: &[ConfigViolation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
