//! `MergedCandles`: the synchronous heart of a replay. Several per-symbol streams are
//! merged in time order by `(close_time, symbol)` with a binary heap that holds one
//! lookahead candle per stream, so memory grows with the number of files, not their size.
//!
//! Files of the same symbol are chained into one series in the order given (monthly
//! dumps, say); order, duplicates and gaps are checked across their boundaries too.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

use domain::ports::FeedError;
use domain::{Candle, Symbol, Timestamp};

use crate::error::ReplayError;
use crate::range::TimeRange;
use crate::reader::{BoxedCandleReader, SeriesState};
use crate::source::SymbolFile;
use crate::stats::{ReplayStats, SourceStats};

/// Where a delivered candle was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePosition {
    /// The file (as given).
    pub source_name: Arc<str>,
    /// The 1-based line.
    pub line: u64,
}

impl std::fmt::Display for SourcePosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.source_name, self.line)
    }
}

/// A source not opened yet.
enum Pending {
    File(SymbolFile),
    Reader(Box<BoxedCandleReader>),
}

/// All sources of one symbol, read one after another.
struct Series {
    symbol: Symbol,
    range: TimeRange,
    queue: VecDeque<Pending>,
    current: Option<BoxedCandleReader>,
    carried: SeriesState,
    finished: Vec<SourceStats>,
}

impl Series {
    fn new(symbol: Symbol, range: TimeRange) -> Self {
        Self {
            symbol,
            range,
            queue: VecDeque::new(),
            current: None,
            carried: SeriesState::default(),
            finished: Vec::new(),
        }
    }

    fn next_candle(&mut self) -> Option<Result<(Candle, SourcePosition), FeedError>> {
        loop {
            if self.current.is_none() {
                if self.carried.past_end {
                    return None;
                }
                let reader = match self.queue.pop_front()? {
                    Pending::Reader(reader) => *reader,
                    Pending::File(file) => match BoxedCandleReader::open(&file, self.range) {
                        Ok(reader) => reader,
                        Err(e) => return Some(Err(FeedError::Transport(e.to_string()))),
                    },
                };
                self.current = Some(reader.continuing(self.carried));
            }
            let reader = self.current.as_mut()?;
            match reader.next() {
                Some(Ok(candle)) => {
                    let position = SourcePosition {
                        source_name: reader.shared_source_name(),
                        line: reader.last_line(),
                    };
                    return Some(Ok((candle, position)));
                }
                Some(Err(e)) => return Some(Err(e)),
                None => {
                    if let Some(done) = self.current.take() {
                        let (state, stats) = done.into_parts();
                        self.carried = state;
                        self.finished.push(stats);
                    }
                }
            }
        }
    }

    fn stats(&self) -> impl Iterator<Item = &SourceStats> {
        self.finished
            .iter()
            .chain(self.current.as_ref().map(|r| r.stats()))
    }
}

/// One lookahead candle in the heap, ordered by `(close_time, symbol, series)`.
struct Head {
    candle: Candle,
    position: SourcePosition,
    series: usize,
}

impl Head {
    fn key(&self) -> (Timestamp, &Symbol, usize) {
        (self.candle.close_time(), self.candle.symbol(), self.series)
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// Candles of several symbols in time order: a synchronous `Iterator` for backtests that
/// drive the replay themselves, and the engine inside `ReplayFeed`.
///
/// Order: by close time (the instant a candle becomes known), ties broken by symbol.
/// The first error ends the iteration (it is yielded once, then `None`); check
/// [`MergedCandles::failed`] to tell a failure from the end of the data.
pub struct MergedCandles {
    series: Vec<Series>,
    delivered: Vec<u64>,
    heap: BinaryHeap<Reverse<Head>>,
    started: bool,
    refill: Option<usize>,
    failed: bool,
    finished: bool,
    last_position: Option<SourcePosition>,
}

impl MergedCandles {
    /// Merges candle files (on disk or in memory), keeping candles in `range`. Files of the
    /// same symbol are read one after another in the order given. Every file on disk must
    /// exist now; rows are read lazily.
    pub fn open(
        files: impl IntoIterator<Item = SymbolFile>,
        range: TimeRange,
    ) -> Result<Self, ReplayError> {
        let mut grouped: Vec<Series> = Vec::new();
        for file in files {
            file.check_exists()?;
            series_for(&mut grouped, &file.symbol, range)
                .queue
                .push_back(Pending::File(file));
        }
        Ok(Self::from_series(grouped))
    }

    /// Merges readers built by the caller (in-memory text, a network stream); readers of
    /// the same symbol are chained in the order given. Each keeps its own range.
    pub fn from_readers(readers: impl IntoIterator<Item = BoxedCandleReader>) -> Self {
        let mut grouped: Vec<Series> = Vec::new();
        for reader in readers {
            let symbol = reader.symbol().clone();
            series_for(&mut grouped, &symbol, TimeRange::ALL)
                .queue
                .push_back(Pending::Reader(Box::new(reader)));
        }
        Self::from_series(grouped)
    }

    fn from_series(series: Vec<Series>) -> Self {
        Self {
            delivered: vec![0; series.len()],
            heap: BinaryHeap::with_capacity(series.len()),
            series,
            started: false,
            refill: None,
            failed: false,
            finished: false,
            last_position: None,
        }
    }

    /// The symbols being merged, in the order first given.
    pub fn symbols(&self) -> impl Iterator<Item = &Symbol> {
        self.series.iter().map(|s| &s.symbol)
    }

    /// Where the last delivered candle came from (`file:line`).
    pub fn last_position(&self) -> Option<&SourcePosition> {
        self.last_position.as_ref()
    }

    /// Whether the iteration ended on an error rather than at the end of the data.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Counters so far: rows, candles delivered per symbol, gaps, duplicates.
    ///
    /// A gap is reported once the bar after it has been read, which can be one candle
    /// before that bar is delivered.
    pub fn stats(&self) -> ReplayStats {
        let mut stats = ReplayStats::default();
        for (series, delivered) in self.series.iter().zip(&self.delivered) {
            for source in series.stats() {
                stats.absorb(source);
            }
            stats.candles.insert(series.symbol.clone(), *delivered);
        }
        stats.sort();
        stats
    }

    /// Pulls the next candle of one series into the heap.
    fn pull(&mut self, index: usize) -> Result<(), FeedError> {
        let Some(series) = self.series.get_mut(index) else {
            return Ok(());
        };
        match series.next_candle() {
            Some(Ok((candle, position))) => {
                self.heap.push(Reverse(Head {
                    candle,
                    position,
                    series: index,
                }));
                Ok(())
            }
            Some(Err(e)) => Err(e),
            None => Ok(()),
        }
    }

    fn next_candle(&mut self) -> Result<Option<Candle>, FeedError> {
        if !self.started {
            self.started = true;
            for index in 0..self.series.len() {
                self.pull(index)?;
            }
        }
        // Refill lazily so the candle just delivered is never held back by the next row's error.
        if let Some(index) = self.refill.take() {
            self.pull(index)?;
        }
        let Some(Reverse(head)) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some(count) = self.delivered.get_mut(head.series) {
            *count += 1;
        }
        self.refill = Some(head.series);
        self.last_position = Some(head.position);
        Ok(Some(head.candle))
    }
}

fn series_for<'a>(
    grouped: &'a mut Vec<Series>,
    symbol: &Symbol,
    range: TimeRange,
) -> &'a mut Series {
    let index = match grouped.iter().position(|s| &s.symbol == symbol) {
        Some(index) => index,
        None => {
            grouped.push(Series::new(symbol.clone(), range));
            grouped.len() - 1
        }
    };
    &mut grouped[index]
}

impl Iterator for MergedCandles {
    type Item = Result<Candle, FeedError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.next_candle() {
            Ok(Some(candle)) => Some(Ok(candle)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(e) => {
                self.finished = true;
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl std::fmt::Debug for MergedCandles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MergedCandles")
            .field("symbols", &self.symbols().collect::<Vec<_>>())
            .field("last_position", &self.last_position)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}
