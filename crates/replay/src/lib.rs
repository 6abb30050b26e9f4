//! Rampart's replay adapter: market data from candle CSV files, at simulated or paced time.
//!
//! Backtests and replayed dry-runs read history through here. Files (on disk, or bytes in
//! memory such as the demo data embedded in the binaries) are streamed row by row (a year of
//! minutes is never held in memory), validated into `domain::Candle`s with `file:line` errors,
//! merged across symbols in time order, and handed out through the `MarketDataFeed` port or
//! as a plain iterator.
//!
//! Map:
//! - [`source`] — `SymbolFile` (a file, on disk or in memory, and its symbol), `open_input`
//!   (plain or gzip)
//! - [`row`] — `CsvFormat` — ours (`ts,open,high,low,close,volume`) or Binance kline dumps
//! - [`reader`] — `CsvCandleReader` — one file to validated candles, gaps, duplicates
//! - [`merge`] — `MergedCandles` — k-way merge by `(close_time, symbol)`, sync `Iterator`
//! - [`feed`] — `ReplayFeed` (the `MarketDataFeed` port) with `Pacing`, and `ClockedReplay`
//! - [`stats`] — `ReplayStats`, `GapReport`, `DuplicateReport`
//! - [`interval`], [`range`] — `Interval` (`1m`, `1h`), `TimeRange` (`[from, to)`)
//! - [`writer`] — `write_candles_csv` — our format, atomically, plain or gzip
//! - [`error`] — `ReplayError` (setup and writing; streaming errors are `FeedError`s)
//!
//! Building a backtest feed:
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use domain::{SimClock, Symbol};
//! # use replay::{Interval, MergedCandles, Pacing, ReplayFeed, SymbolFile, TimeRange};
//! # fn demo(clock: Arc<SimClock>) -> Result<(), Box<dyn std::error::Error>> {
//! let files = vec![
//!     SymbolFile::new(Symbol::new("BTC-USDT")?, "data/binance-BTCUSDT-1m.csv"),
//!     SymbolFile::from_path("data/ETH-USD_1h.csv.gz")?.with_interval(Interval::ONE_HOUR),
//! ];
//! let mut feed = ReplayFeed::open(files, TimeRange::ALL, Pacing::AsFastAsPossible { clock })?;
//! # Ok(()) }
//! ```

pub mod error;
pub mod feed;
pub mod interval;
pub mod merge;
pub mod range;
pub mod reader;
pub mod row;
pub mod source;
pub mod stats;
pub mod writer;

pub use error::ReplayError;
pub use feed::{ClockedReplay, Pacing, ReplayFeed};
pub use interval::Interval;
pub use merge::{MergedCandles, SourcePosition};
pub use range::TimeRange;
pub use reader::{BoxedCandleReader, CsvCandleReader};
pub use row::CsvFormat;
pub use source::{Location, SymbolFile, open_input, symbol_from_file_name};
pub use stats::{DuplicateReport, GapReport, MAX_DETAILED_REPORTS, ReplayStats, SourceStats};
pub use writer::{HEADER, write_candles_csv};
