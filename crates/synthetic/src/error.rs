//! The one error type of the synthetic crate: a config that cannot drive the model, or demo
//! data that cannot be written.

use std::io;

use domain::ConfigViolation;
use replay::ReplayError;
use thiserror::Error;

/// A generator could not be built, or its output could not be written.
#[derive(Debug, Error)]
pub enum SyntheticError {
    /// The config breaks one or more rules; every violation is listed, not just the first.
    #[error("invalid synthetic-data config: {}", list(.violations))]
    InvalidConfig {
        /// Each offending key, what would be valid and what was given.
        violations: Vec<ConfigViolation>,
    },
    /// The output directory could not be created.
    #[error("{path}: cannot create the output directory: {source}")]
    CreateDir {
        /// The directory.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// A candle file could not be written.
    #[error(transparent)]
    Write(#[from] ReplayError),
}

fn list(violations: &[ConfigViolation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl SyntheticError {
    /// The violations when the config was rejected, empty otherwise.
    pub fn violations(&self) -> &[ConfigViolation] {
        match self {
            SyntheticError::InvalidConfig { violations } => violations,
            _ => &[],
        }
    }
}
