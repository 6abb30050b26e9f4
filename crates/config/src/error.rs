//! Configuration errors: each names the file, line, key or variable at fault.

use std::collections::BTreeMap;
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
    /// An environment variable could not be applied, or its value does not fit the key it
    /// sets. Never carries the value of a variable whose name suggests a secret.
    #[error("environment variable {var}{}: {message}", in_parens(.key))]
    Env {
        /// The variable name.
        var: String,
        /// The dotted key it sets, when it names one (`risk.max_daily_loss_pct`).
        key: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// Values parsed but break the rules; every violation is listed, each blamed on the
    /// environment variable that set its key, if one did, else on `origin`.
    #[error("invalid configuration ({}):\n{}", sources(.origin, .violations, .overrides), list(.violations, .overrides))]
    Invalid {
        /// Where the file layer came from (a path or the embedded default).
        origin: String,
        /// Every violation found (a secret-looking variable's value is not shown in `got`).
        violations: Vec<ConfigViolation>,
        /// The variable behind each key set from the environment (lower-case dotted key ->
        /// variable name).
        overrides: BTreeMap<String, String>,
    },
}

fn in_parens(key: &Option<String>) -> String {
    key.as_ref().map(|k| format!(" ({k})")).unwrap_or_default()
}

/// The variable that set `key`, if one did.
pub(crate) fn override_of<'a>(
    overrides: &'a BTreeMap<String, String>,
    key: &str,
) -> Option<&'a String> {
    overrides.get(&key.to_ascii_lowercase())
}

fn sources(
    origin: &str,
    violations: &[ConfigViolation],
    overrides: &BTreeMap<String, String>,
) -> String {
    let from_env = violations
        .iter()
        .any(|v| override_of(overrides, &v.key).is_some());
    let from_file = violations
        .iter()
        .any(|v| override_of(overrides, &v.key).is_none());
    match (from_file, from_env) {
        (_, false) if !overrides.is_empty() => format!("{origin}, with environment overrides"),
        (true, true) => format!("{origin} and environment overrides"),
        (false, true) => "environment overrides".to_string(),
        _ => origin.to_string(),
    }
}

fn list(violations: &[ConfigViolation], overrides: &BTreeMap<String, String>) -> String {
    violations
        .iter()
        .map(|v| match override_of(overrides, &v.key) {
            Some(var) => format!(
                "  - environment variable {var} ({}): must be {}, got {}",
                v.key, v.expected, v.got
            ),
            None => format!("  - {v}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
