//! What a replay saw: rows read, candles delivered per symbol, gaps (missing bars) and
//! skipped duplicate rows. Gaps and duplicates are facts about the data, not errors.

use std::collections::BTreeMap;
use std::sync::Arc;

use domain::{Symbol, Timestamp};
use serde::{Serialize, Serializer};

/// At most this many gap and duplicate reports are kept per file; counts stay exact.
pub const MAX_DETAILED_REPORTS: usize = 10_000;

/// Bars missing from a series: no row opened in `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GapReport {
    /// The instrument.
    pub symbol: Symbol,
    /// Open time of the first missing bar (the close of the bar before the gap).
    pub from: Timestamp,
    /// Open time of the bar that resumes the series (exclusive end of the gap).
    pub to: Timestamp,
    /// How many bars of the series' interval are missing.
    pub missing_bars: u64,
    /// The file the resuming bar was read from.
    #[serde(serialize_with = "serialize_str")]
    pub source_name: Arc<str>,
    /// The line of the resuming bar.
    pub line: u64,
}

/// A row that repeated the previous row exactly and was skipped.
///
/// A repeated open time with *different* values is an error instead: the data is ambiguous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateReport {
    /// The instrument.
    pub symbol: Symbol,
    /// Open time of the repeated bar.
    pub open_time: Timestamp,
    /// The file.
    #[serde(serialize_with = "serialize_str")]
    pub source_name: Arc<str>,
    /// The line of the skipped repetition.
    pub line: u64,
}

/// Counters of one file (one `CsvCandleReader`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceStats {
    /// The instrument the file holds.
    pub symbol: Symbol,
    /// The file.
    #[serde(serialize_with = "serialize_str")]
    pub source_name: Arc<str>,
    /// Data rows parsed (header and blank lines excluded).
    pub rows_read: u64,
    /// Candles handed out by the reader.
    pub candles: u64,
    /// Valid rows outside the time range (before `from`).
    pub filtered_out: u64,
    /// Number of gaps found.
    pub gap_count: u64,
    /// Missing bars over all gaps.
    pub missing_bars: u64,
    /// The gaps, in file order (at most [`MAX_DETAILED_REPORTS`]).
    pub gaps: Vec<GapReport>,
    /// Number of exact duplicate rows skipped.
    pub duplicates_skipped: u64,
    /// The skipped duplicates (at most [`MAX_DETAILED_REPORTS`]).
    pub duplicates: Vec<DuplicateReport>,
}

impl SourceStats {
    pub(crate) fn new(symbol: Symbol, source_name: Arc<str>) -> Self {
        Self {
            symbol,
            source_name,
            rows_read: 0,
            candles: 0,
            filtered_out: 0,
            gap_count: 0,
            missing_bars: 0,
            gaps: Vec::new(),
            duplicates_skipped: 0,
            duplicates: Vec::new(),
        }
    }

    pub(crate) fn record_gap(&mut self, gap: GapReport) {
        self.gap_count += 1;
        self.missing_bars += gap.missing_bars;
        if self.gaps.len() < MAX_DETAILED_REPORTS {
            self.gaps.push(gap);
        }
    }

    pub(crate) fn record_duplicate(&mut self, duplicate: DuplicateReport) {
        self.duplicates_skipped += 1;
        if self.duplicates.len() < MAX_DETAILED_REPORTS {
            self.duplicates.push(duplicate);
        }
    }
}

/// Everything a replay has seen so far, over all its files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplayStats {
    /// Files opened so far.
    pub files_opened: u64,
    /// Data rows parsed over all files.
    pub rows_read: u64,
    /// Candles delivered, per symbol.
    pub candles: BTreeMap<Symbol, u64>,
    /// Valid rows skipped because they were before the range's `from`.
    pub filtered_out: u64,
    /// Number of gaps over all files.
    pub gap_count: u64,
    /// Missing bars over all gaps.
    pub missing_bars: u64,
    /// The gaps, ordered by start time then symbol.
    pub gaps: Vec<GapReport>,
    /// Exact duplicate rows skipped.
    pub duplicates_skipped: u64,
    /// The skipped duplicates, in file order.
    pub duplicates: Vec<DuplicateReport>,
}

impl ReplayStats {
    /// Candles delivered over all symbols.
    pub fn candles_total(&self) -> u64 {
        self.candles.values().sum()
    }

    /// Adds one file's counters (the per-symbol candle counts are the caller's).
    pub(crate) fn absorb(&mut self, source: &SourceStats) {
        self.files_opened += 1;
        self.rows_read += source.rows_read;
        self.filtered_out += source.filtered_out;
        self.gap_count += source.gap_count;
        self.missing_bars += source.missing_bars;
        self.gaps.extend(source.gaps.iter().cloned());
        self.duplicates_skipped += source.duplicates_skipped;
        self.duplicates.extend(source.duplicates.iter().cloned());
    }

    pub(crate) fn sort(&mut self) {
        self.gaps
            .sort_by(|a, b| (a.from, &a.symbol).cmp(&(b.from, &b.symbol)));
    }
}

/// File names are shared `Arc<str>`s; serde needs its `rc` feature for those, so spell it out.
fn serialize_str<S: Serializer>(value: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value)
}
