//! Configuration errors: each names the file, line, key or variable at fault.

use std::path::PathBuf;

use domain::ConfigViolation;
use thiserror::Error;

/// Why the configuration could not be loaded.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the schema (unknown key, wrong type).
    #[error("{origin}:{line}: {message}")]
    Parse {
        /// The file (or `embedded config/default.toml`).
        origin: String,
        /// 1-based line of the offending key or value.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An environment override could not be applied.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable name.
        var: String,
        /// What is wrong.
        message: String,
    },
    /// Values parsed but break the rules; every violation is listed.
    #[error("invalid configuration ({origin}):\n{}", list(.violations))]
    Invalid {
        /// Where the configuration came from.
        origin: String,
        /// Every violation found.
        violations: Vec<ConfigViolation>,
    },
}

fn list(violations: &[ConfigViolation]) -> String {
    violations
        .iter()
        .map(|v| format!("  - {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}
