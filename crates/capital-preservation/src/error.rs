//! The one error type of this crate: a refused manual escalation.

use domain::PreservationLevel;
use thiserror::Error;

/// Why [`crate::CapitalPreservation::escalate`] refused to change the level.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EscalationError {
    /// Escalation can only raise the level; lowering happens only through recovery.
    #[error(
        "escalation can only raise the level: requested {requested}, current level is {current}"
    )]
    NotHigher {
        /// The level now.
        current: PreservationLevel,
        /// The level asked for.
        requested: PreservationLevel,
    },
    /// Every escalation must say why.
    #[error("an escalation needs a non-empty note saying why")]
    MissingNote,
}
