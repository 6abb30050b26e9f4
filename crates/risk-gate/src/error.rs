//! Errors of the risk gate: an invalid configuration, a kill-switch command
//! that cannot be carried out, a protective exit that would not reduce a position.
//!
//! A rejected *trade* is not an error: it is a [`Decision::Rejected`](crate::Decision)
//! with typed reasons. These errors are for callers that asked for something
//! the gate must refuse to do.

use domain::{ConfigViolation, IntentKind, Qty, Side, Symbol};
use thiserror::Error;

/// A kill-switch command that cannot be carried out.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KillSwitchError {
    /// Activation and deactivation are audited and must say why.
    #[error("a non-empty reason is required to {action} the kill switch")]
    MissingReason {
        /// `activate` or `deactivate`.
        action: &'static str,
    },
    /// `deactivate` was called while the stored flag is not set.
    #[error(
        "the stored kill switch is not active; a kill-switch file or environment variable \
         is cleared only by removing the file or unsetting the variable"
    )]
    NotActive,
}

/// Why a trade gate could not be built or an intent could not be judged at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GateError {
    /// The `[risk]` section failed validation; every violation is listed.
    #[error("invalid [risk] configuration: {}", join(.0))]
    InvalidConfig(Vec<ConfigViolation>),
    /// `approve_protective_exit` was given an entry.
    #[error("a protective exit must be an exit intent, got {kind:?} on {symbol}")]
    ProtectiveExitNotAnExit {
        /// The intent's symbol.
        symbol: Symbol,
        /// The intent's kind.
        kind: IntentKind,
    },
    /// `approve_protective_exit` was given an exit that would not strictly reduce a held position.
    #[error(
        "a protective exit must strictly reduce the position in {symbol}: \
         {side:?} {qty} against a held quantity of {held} (closing side {closing:?})"
    )]
    ProtectiveExitNotReducing {
        /// The intent's symbol.
        symbol: Symbol,
        /// The intent's side.
        side: Side,
        /// The intent's quantity.
        qty: Qty,
        /// Quantity held now (zero when flat).
        held: Qty,
        /// The side that reduces the position, when there is one.
        closing: Option<Side>,
    },
}

fn join(violations: &[ConfigViolation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
