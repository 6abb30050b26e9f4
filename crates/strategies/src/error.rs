//! The one error type of the strategies crate: a strategy or indicator that
//! cannot be built as asked.
//!
//! Every variant names what was wrong and what would be valid, because these
//! errors reach an operator through the backtest CLI (`--strategy`, `--fast`, ...)
//! or a configuration file.

use domain::{ConfigViolation, DomainError};
use thiserror::Error;

/// Why a strategy or an indicator could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StrategyError {
    /// The strategy name is not one the registry knows.
    #[error("unknown strategy `{name}`; valid strategies: {}", .valid.join(", "))]
    UnknownStrategy {
        /// The name that was asked for.
        name: String,
        /// Every name the registry accepts.
        valid: &'static [&'static str],
    },
    /// A parameter name is not one the strategy takes.
    #[error("unknown parameter `{param}` for strategy {strategy}; valid parameters: {}", .valid.join(", "))]
    UnknownParam {
        /// The strategy being built.
        strategy: &'static str,
        /// The parameter name that was given.
        param: String,
        /// Every parameter the strategy takes.
        valid: Vec<String>,
    },
    /// One or more parameters have invalid values; every violation is listed.
    #[error("invalid strategy parameters: {}", join(.0))]
    InvalidParams(Vec<ConfigViolation>),
    /// A parameter document (JSON / TOML table) could not be read at all.
    #[error("malformed parameters for strategy {strategy}: {detail}")]
    MalformedParams {
        /// The strategy being built.
        strategy: &'static str,
        /// The deserialiser's explanation (names the unknown field, when there is one).
        detail: String,
    },
    /// The strategy instance name is not a valid `StrategyId`.
    #[error("invalid strategy id: {0}")]
    InvalidId(DomainError),
    /// An indicator was asked for with an invalid setting.
    #[error("{indicator} {param} must be {expected}, got {got}")]
    InvalidIndicator {
        /// Indicator name, e.g. `sma`.
        indicator: &'static str,
        /// Setting name, e.g. `period`.
        param: &'static str,
        /// What would be valid.
        expected: &'static str,
        /// The rejected value as text.
        got: String,
    },
}

fn join(items: &[ConfigViolation]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_strategy_lists_the_valid_names() {
        let err = StrategyError::UnknownStrategy {
            name: "foo".into(),
            valid: &["a", "b"],
        };
        assert_eq!(
            err.to_string(),
            "unknown strategy `foo`; valid strategies: a, b"
        );
    }

    #[test]
    fn invalid_params_lists_every_violation() {
        let err = StrategyError::InvalidParams(vec![
            ConfigViolation::new("sma_cross.fast", ">= 1", 0),
            ConfigViolation::new("sma_cross.slow", "> fast (0)", 0),
        ]);
        assert_eq!(
            err.to_string(),
            "invalid strategy parameters: sma_cross.fast must be >= 1, got 0; \
             sma_cross.slow must be > fast (0), got 0"
        );
    }
}
