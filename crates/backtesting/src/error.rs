//! The one error type of the backtest runner, split into what the user can fix
//! (bad flags, unknown symbol or strategy, bad range, corrupt data: exit code 2)
//! and everything else (I/O, engine failures: exit code 1).

use std::path::PathBuf;

use domain::ports::FeedError;
use thiserror::Error;

/// Why a backtest, benchmark or data generation did not complete.
#[derive(Debug, Error)]
pub enum BacktestError {
    /// Flags that do not fit together or a value out of range; names the flag.
    #[error("{flag}: {message}")]
    Flag {
        /// The flag at fault, e.g. `--capital`.
        flag: &'static str,
        /// What is wrong and what would be valid.
        message: String,
    },
    /// A symbol that has no data, listing the valid ones.
    #[error("unknown symbol {symbol}: no data for it in {place}; valid symbols: {}", list(.valid))]
    UnknownSymbol {
        /// The symbol as given.
        symbol: String,
        /// Where data was looked for (the bundled fixtures or a directory).
        place: String,
        /// Symbols that have data there.
        valid: Vec<String>,
    },
    /// The strategy or its parameters are invalid (the message lists what is valid).
    #[error(transparent)]
    Strategy(#[from] strategies::StrategyError),
    /// The time range is inverted or keeps no candle.
    #[error("{0}")]
    Range(String),
    /// A data file could not be opened.
    #[error(transparent)]
    Open(#[from] replay::ReplayError),
    /// A data file is corrupt or unreadable: `file:line: reason`.
    #[error("{}", data_message(.0))]
    Data(FeedError),
    /// The guardrail configuration could not be loaded.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The engine refused its settings or failed during the run.
    #[error("engine: {0}")]
    Engine(#[from] engine::EngineError),
    /// The paper venue refused its configuration.
    #[error("paper venue: {0}")]
    Paper(#[from] paper::PaperError),
    /// The metrics accumulator refused an input (an invariant of the run loop broke).
    #[error("metrics: {0}")]
    Metrics(#[from] backtest_metrics::MetricsError),
    /// Synthetic data could not be generated or written.
    #[error("synthetic data: {0}")]
    Synthetic(#[from] synthetic::SyntheticError),
    /// Reading or writing a file or directory failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Downloading candles from an exchange failed (network, rate limit, ban, bad answer).
    #[error("fetch: {0}")]
    Fetch(String),
    /// An artifact could not be encoded (JSON) or drawn (chart).
    #[error("{artifact}: {message}")]
    Artifact {
        /// The artifact, e.g. `equity.png`.
        artifact: &'static str,
        /// What went wrong.
        message: String,
    },
}

impl BacktestError {
    /// True when the user can fix the problem by changing flags or data (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Flag { .. }
            | Self::UnknownSymbol { .. }
            | Self::Strategy(_)
            | Self::Range(_)
            | Self::Open(_)
            | Self::Data(_)
            | Self::Config(_) => true,
            Self::Engine(e) => matches!(e, engine::EngineError::Invalid(_)),
            Self::Paper(_)
            | Self::Metrics(_)
            | Self::Synthetic(_)
            | Self::Io { .. }
            | Self::Fetch(_)
            | Self::Artifact { .. } => false,
        }
    }

    /// The exit code the binary should end with: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.is_bad_input() { 2 } else { 1 }
    }

    pub(crate) fn flag(flag: &'static str, message: impl Into<String>) -> Self {
        Self::Flag {
            flag,
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

/// `file:line: reason` for both parse and read failures (the replay reader puts the
/// position at the front of a read failure's text already).
fn data_message(e: &FeedError) -> String {
    match e {
        FeedError::Parse { .. } => e.to_string(),
        FeedError::Transport(text) => text.clone(),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_symbol_lists_the_valid_ones() {
        let e = BacktestError::UnknownSymbol {
            symbol: "SOL-USD".into(),
            place: "the bundled data".into(),
            valid: vec!["BTC-USD".into(), "ETH-USD".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown symbol SOL-USD: no data for it in the bundled data; valid symbols: BTC-USD, ETH-USD"
        );
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn corrupt_data_is_bad_input_and_names_file_and_line() {
        let e = BacktestError::Data(FeedError::Parse {
            source_name: "a.csv".into(),
            line: 7,
            message: "close: not a number".into(),
        });
        assert_eq!(e.to_string(), "a.csv:7: close: not a number");
        assert!(e.is_bad_input());
    }

    #[test]
    fn an_unreadable_file_is_reported_at_its_position() {
        let e = BacktestError::Data(FeedError::Transport(
            "a.csv.gz:14543: read failed: incomplete deflate stream".into(),
        ));
        assert_eq!(
            e.to_string(),
            "a.csv.gz:14543: read failed: incomplete deflate stream"
        );
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn io_failures_are_not_bad_input() {
        let e = BacktestError::io("/x")(std::io::Error::other("disk full"));
        assert_eq!(e.exit_code(), 1);
    }
}
