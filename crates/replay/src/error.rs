//! The one error type of the replay crate: what can go wrong while setting a replay up
//! (opening files, naming symbols, choosing an interval, range or pace) or writing a file.
//!
//! Problems found while streaming rows are `domain::ports::FeedError`s instead, because
//! that is what the `MarketDataFeed` port speaks; they name the file and line.

use std::io;

use domain::Timestamp;
use thiserror::Error;

/// A replay could not be set up, or a candle file could not be written.
#[derive(Debug, Error)]
pub enum ReplayError {
    /// An input file could not be opened or inspected.
    #[error("{path}: cannot open: {source}")]
    Open {
        /// The file.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// No symbol was given and none could be read from the file name.
    #[error(
        "{path}: cannot infer a symbol from the file name ({reason}); name the file like BTC-USD.csv, BTC-USD.csv.gz or BTC-USD_1m.csv.gz, or give the symbol"
    )]
    SymbolFromFileName {
        /// The file.
        path: String,
        /// Why the name did not yield a symbol.
        reason: String,
    },
    /// An interval text or duration is not a positive fixed length.
    #[error("interval {text:?} is invalid: {reason}")]
    InvalidInterval {
        /// The rejected interval as given.
        text: String,
        /// What would be valid.
        reason: &'static str,
    },
    /// The time range is empty.
    #[error("time range is empty: from {from} must be before to {to}")]
    InvalidRange {
        /// Inclusive start.
        from: Timestamp,
        /// Exclusive end.
        to: Timestamp,
    },
    /// The paced-mode speed factor is not a finite number above zero.
    #[error(
        "pacing speed must be a finite number > 0 (e.g. 60 = one minute of data per second), got {speed}"
    )]
    InvalidSpeed {
        /// The rejected speed factor.
        speed: f64,
    },
    /// Writing a candle file failed.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The destination file.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// The candles handed to the writer cannot form one valid file of our format.
    #[error("{path}: candle #{index} cannot be written: {reason}")]
    Unwritable {
        /// The destination file.
        path: String,
        /// 0-based position of the offending candle in the input.
        index: u64,
        /// Why (mixed symbols, not ascending, varying interval).
        reason: String,
    },
}
