//! What can go wrong building or restoring an FTMO account.

use thiserror::Error;

/// Why an FTMO account could not be configured or restored.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FtmoError {
    /// A setting is out of range; names the `account.*` key and what would be valid.
    #[error("{key} must be {expected}, got {got}")]
    InvalidSetting {
        /// The configuration key (e.g. `account.initial_capital`).
        key: &'static str,
        /// What would be valid.
        expected: &'static str,
        /// The rejected value.
        got: String,
    },
    /// A product name that is not one of the five FTMO products.
    #[error(
        "unknown FTMO product {0:?}; expected one of ftmo-2step-challenge, ftmo-2step-verification, ftmo-2step-account, ftmo-1step-challenge, ftmo-1step-account"
    )]
    UnknownProduct(String),
    /// A persisted state that does not parse or belongs to another account.
    #[error("cannot restore the FTMO account state: {0}")]
    State(String),
}
