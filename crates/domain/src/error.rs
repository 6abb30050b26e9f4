//! The one error type of the domain crate: a value failed validation.

use thiserror::Error;

/// A value could not be constructed because it breaks an invariant of the domain.
///
/// Each variant names the field and carries the offending value so that a caller
/// (a CSV reader, a config loader, an exchange parser) can add file and line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A numeric field is outside its valid range.
    #[error("{field} must be {expected}, got {value}")]
    OutOfRange {
        /// Name of the field, e.g. `price` or `confidence`.
        field: &'static str,
        /// What would be valid, e.g. `> 0` or `in [0, 1]`.
        expected: &'static str,
        /// The rejected value as text.
        value: String,
    },
    /// A floating-point input was NaN or infinite.
    #[error("{field} must be a finite number, got {value}")]
    NotFinite {
        /// Name of the field.
        field: &'static str,
        /// The rejected value as text.
        value: String,
    },
    /// A text field does not have the required shape.
    #[error("{field} is malformed: {reason} (got {value:?})")]
    Malformed {
        /// Name of the field.
        field: &'static str,
        /// Why it is malformed and what would be valid.
        reason: &'static str,
        /// The rejected text.
        value: String,
    },
    /// Several fields are individually valid but inconsistent with each other.
    #[error("inconsistent {what}: {detail}")]
    Inconsistent {
        /// What is inconsistent, e.g. `candle`.
        what: &'static str,
        /// Details with the figures involved.
        detail: String,
    },
}

impl DomainError {
    pub(crate) fn out_of_range(
        field: &'static str,
        expected: &'static str,
        value: impl ToString,
    ) -> Self {
        Self::OutOfRange {
            field,
            expected,
            value: value.to_string(),
        }
    }
}
