//! `CsvCandleReader`: one file's rows to validated candles, lazily, one line at a time.
//!
//! The reader owns the per-file rules: the format is detected from the first line, the
//! interval is taken as given or inferred, every row becomes a `domain::Candle` (so the
//! domain's invariants are checked), rows must move forward in time, exact duplicate rows
//! are skipped and reported, conflicting duplicates and overlapping or out-of-order rows
//! are errors naming `file:line`, and gaps are recorded. The first error ends the reader.

use std::io::{self, BufRead, Read};
use std::sync::Arc;

use domain::ports::FeedError;
use domain::{Candle, CandleFields, Symbol, Timestamp};
use rust_decimal::Decimal;

use crate::error::ReplayError;
use crate::interval::Interval;
use crate::range::TimeRange;
use crate::row::{self, CsvFormat, Fields, FirstLine, RawRow};
use crate::source::SymbolFile;
use crate::stats::{DuplicateReport, GapReport, SourceStats};

/// Longest accepted line; a longer one means the file is not a candle CSV.
const MAX_LINE_BYTES: u64 = 4096;

/// A reader over any buffered input, boxed so that plain files, gzip files and
/// in-memory text can be merged together.
pub type BoxedCandleReader = CsvCandleReader<Box<dyn BufRead + Send>>;

/// The last row accepted, kept to check the next one against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LastRow {
    open_time: Timestamp,
    values: [Decimal; 5],
    line: u64,
}

/// What a series of files of one symbol carries from one file to the next.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SeriesState {
    interval: Option<Interval>,
    last_row: Option<LastRow>,
    /// Open time of the last candle handed out, for gap detection.
    last_kept_open: Option<Timestamp>,
    /// A row at or after the range's end was seen: nothing later can be kept.
    pub(crate) past_end: bool,
}

/// Streams validated candles of one symbol from CSV text (our format or a Binance kline dump).
///
/// Memory is one line buffer and one row of lookahead, whatever the file size.
pub struct CsvCandleReader<R> {
    input: R,
    symbol: Symbol,
    source_name: Arc<str>,
    range: TimeRange,
    format: Option<CsvFormat>,
    line_no: u64,
    buf: String,
    pending: Option<RawRow>,
    state: SeriesState,
    stats: SourceStats,
    last_line: u64,
    done: bool,
}

impl<R: BufRead> CsvCandleReader<R> {
    /// A reader of `symbol`'s candles from `input`; `source_name` (the path, or an in-memory file's name) prefixes errors.
    pub fn new(input: R, source_name: impl Into<String>, symbol: Symbol) -> Self {
        let source_name: Arc<str> = Arc::from(source_name.into());
        Self {
            input,
            stats: SourceStats::new(symbol.clone(), Arc::clone(&source_name)),
            symbol,
            source_name,
            range: TimeRange::ALL,
            format: None,
            line_no: 0,
            buf: String::new(),
            pending: None,
            state: SeriesState::default(),
            last_line: 0,
            done: false,
        }
    }

    /// Uses a known bar length instead of inferring it; every row is checked against it.
    pub fn with_interval(mut self, interval: Interval) -> Self {
        self.state.interval = Some(interval);
        self
    }

    /// Keeps only candles whose open time is in `range`.
    pub fn with_range(mut self, range: TimeRange) -> Self {
        self.range = range;
        self
    }

    /// The symbol every candle gets.
    pub fn symbol(&self) -> &Symbol {
        &self.symbol
    }

    /// The name used in errors (the path, or an in-memory file's name).
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The detected format, once the first line has been read.
    pub fn format(&self) -> Option<CsvFormat> {
        self.format
    }

    /// The bar length, once given or inferred.
    pub fn interval(&self) -> Option<Interval> {
        self.state.interval
    }

    /// The shared name, cloned cheaply into every position and report.
    pub(crate) fn shared_source_name(&self) -> Arc<str> {
        Arc::clone(&self.source_name)
    }

    /// The 1-based line of the last candle handed out (0 before the first).
    pub fn last_line(&self) -> u64 {
        self.last_line
    }

    /// Counters so far: rows, candles, gaps, duplicates.
    pub fn stats(&self) -> &SourceStats {
        &self.stats
    }

    /// Boxes the input so readers of different input types can be merged.
    pub fn boxed(self) -> BoxedCandleReader
    where
        R: Send + 'static,
    {
        CsvCandleReader {
            input: Box::new(self.input),
            symbol: self.symbol,
            source_name: self.source_name,
            range: self.range,
            format: self.format,
            line_no: self.line_no,
            buf: self.buf,
            pending: self.pending,
            state: self.state,
            stats: self.stats,
            last_line: self.last_line,
            done: self.done,
        }
    }

    /// Continues a series from a previous file of the same symbol: order, duplicates and
    /// gaps are checked across the boundary; an interval given to this reader wins.
    pub(crate) fn continuing(mut self, previous: SeriesState) -> Self {
        let interval = self.state.interval.or(previous.interval);
        self.state = SeriesState {
            interval,
            ..previous
        };
        self
    }

    /// The state to hand to the next file of the series, and this file's counters.
    pub(crate) fn into_parts(self) -> (SeriesState, SourceStats) {
        (self.state, self.stats)
    }

    fn parse_error(&self, line: u64, message: impl Into<String>) -> FeedError {
        FeedError::Parse {
            source_name: self.source_name.to_string(),
            line,
            message: message.into(),
        }
    }

    /// The next data row, skipping blank lines and the header.
    fn read_row(&mut self) -> Result<Option<RawRow>, FeedError> {
        loop {
            self.buf.clear();
            let line = self.line_no + 1;
            let read = (&mut self.input)
                .take(MAX_LINE_BYTES + 1)
                .read_line(&mut self.buf);
            let n = match read {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    return Err(self.parse_error(line, "not valid UTF-8 text"));
                }
                Err(e) => {
                    return Err(FeedError::Transport(format!(
                        "{}:{line}: read failed: {e}",
                        self.source_name
                    )));
                }
            };
            if n == 0 {
                return Ok(None);
            }
            self.line_no = line;
            if n as u64 > MAX_LINE_BYTES && !self.buf.ends_with('\n') {
                return Err(self.parse_error(
                    line,
                    format!("line longer than {MAX_LINE_BYTES} bytes; not a candle CSV"),
                ));
            }
            let mut text = self.buf.trim_end_matches(['\n', '\r']);
            if line == 1 {
                text = text.strip_prefix('\u{feff}').unwrap_or(text);
            }
            if text.trim().is_empty() {
                continue;
            }
            let fields = Fields::split(text);
            let format = match self.format {
                Some(format) => format,
                None => match row::detect(&fields) {
                    Ok(FirstLine::Header(format)) => {
                        self.format = Some(format);
                        continue;
                    }
                    Ok(FirstLine::Data(format)) => {
                        self.format = Some(format);
                        format
                    }
                    Err(message) => return Err(self.parse_error(line, message)),
                },
            };
            let parsed = row::parse_row(format, &fields, line);
            let raw = parsed.map_err(|message| self.parse_error(line, message))?;
            self.stats.rows_read += 1;
            return Ok(Some(raw));
        }
    }

    fn time_field(&self) -> &'static str {
        self.format.unwrap_or(CsvFormat::Rampart).time_field()
    }

    /// The bar length for `row`: given, stated by the row (Binance), or the distance to the next row.
    fn resolve_interval(&mut self, row: &RawRow) -> Result<Interval, FeedError> {
        if let Some(interval) = self.state.interval {
            return Ok(interval);
        }
        let field = self.time_field();
        if let Some(close_time) = row.close_time {
            return Interval::new(close_time - row.open_time)
                .map_err(|_| self.parse_error(row.line, "close_time: must be after open_time"));
        }
        let Some(next) = self.read_row()? else {
            return Err(self.parse_error(
                row.line,
                format!("{field}: cannot infer the interval from a single row; give it explicitly (e.g. 1m, 1h)"),
            ));
        };
        let interval = Interval::new(next.open_time - row.open_time).map_err(|_| {
            self.parse_error(
                next.line,
                format!(
                    "{field}: cannot infer the interval: {} is not after line {}'s {}; rows must be ascending",
                    next.open_time, row.line, row.open_time
                ),
            )
        })?;
        self.pending = Some(next);
        Ok(interval)
    }

    fn next_candle(&mut self) -> Result<Option<Candle>, FeedError> {
        loop {
            let row = match self.pending.take() {
                Some(row) => row,
                None => match self.read_row()? {
                    Some(row) => row,
                    None => return Ok(None),
                },
            };
            let interval = self.resolve_interval(&row)?;
            self.state.interval = Some(interval);
            let field = self.time_field();
            let close_time = row.open_time + interval.duration();
            if let Some(stated) = row.close_time
                && stated != close_time
            {
                return Err(self.parse_error(
                    row.line,
                    format!(
                        "close_time: the bar lasts {} but the interval is {interval}",
                        stated - row.open_time
                    ),
                ));
            }

            if let Some(last) = self.state.last_row {
                if row.open_time == last.open_time {
                    if row.values != last.values {
                        return Err(self.parse_error(
                            row.line,
                            format!(
                                "{field}: {} repeats line {} with different values",
                                row.open_time, last.line
                            ),
                        ));
                    }
                    self.stats.record_duplicate(DuplicateReport {
                        symbol: self.symbol.clone(),
                        open_time: row.open_time,
                        source_name: Arc::clone(&self.source_name),
                        line: row.line,
                    });
                    continue;
                }
                if row.open_time < last.open_time {
                    return Err(self.parse_error(
                        row.line,
                        format!(
                            "{field}: out of order: {} is before line {}'s {}",
                            row.open_time, last.line, last.open_time
                        ),
                    ));
                }
                if row.open_time < last.open_time + interval.duration() {
                    return Err(self.parse_error(
                        row.line,
                        format!(
                            "{field}: {} starts before the {interval} bar of line {} (opened {}) has closed",
                            row.open_time, last.line, last.open_time
                        ),
                    ));
                }
            }
            self.state.last_row = Some(LastRow {
                open_time: row.open_time,
                values: row.values,
                line: row.line,
            });

            if self.range.is_past(row.open_time) {
                self.state.past_end = true;
                return Ok(None);
            }
            let [open, high, low, close, volume] = row.values;
            let candle = Candle::new(CandleFields {
                symbol: self.symbol.clone(),
                open_time: row.open_time,
                close_time,
                open,
                high,
                low,
                close,
                volume,
            })
            .map_err(|e| self.parse_error(row.line, e.to_string()))?;
            if self.range.is_before(row.open_time) {
                self.stats.filtered_out += 1;
                continue;
            }

            if let Some(previous) = self.state.last_kept_open {
                let span = row.open_time - previous;
                if span > interval.duration() {
                    let from = previous + interval.duration();
                    // Bars that could have opened in [from, open_time), counting a partial one.
                    let missing_bars = interval
                        .bars_in(row.open_time - from - chrono::TimeDelta::microseconds(1))
                        + 1;
                    self.stats.record_gap(GapReport {
                        symbol: self.symbol.clone(),
                        from,
                        to: row.open_time,
                        missing_bars,
                        source_name: Arc::clone(&self.source_name),
                        line: row.line,
                    });
                }
            }
            self.state.last_kept_open = Some(row.open_time);
            self.stats.candles += 1;
            self.last_line = row.line;
            return Ok(Some(candle));
        }
    }
}

impl BoxedCandleReader {
    /// Opens one file (on disk or in memory, plain or gzip) for streaming, keeping candles in `range`.
    pub fn open(file: &SymbolFile, range: TimeRange) -> Result<Self, ReplayError> {
        let input = file.open()?;
        let reader =
            CsvCandleReader::new(input, file.source_name(), file.symbol.clone()).with_range(range);
        Ok(match file.interval {
            Some(interval) => reader.with_interval(interval),
            None => reader,
        })
    }
}

impl<R: BufRead> Iterator for CsvCandleReader<R> {
    type Item = Result<Candle, FeedError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_candle() {
            Ok(Some(candle)) => Some(Ok(candle)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl<R> std::fmt::Debug for CsvCandleReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvCandleReader")
            .field("source_name", &self.source_name)
            .field("symbol", &self.symbol)
            .field("format", &self.format)
            .field("interval", &self.state.interval)
            .field("line", &self.line_no)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone, Utc};
    use std::io::Cursor;

    fn btc() -> Symbol {
        Symbol::new("BTC-USD").unwrap()
    }

    fn reader(text: &str) -> CsvCandleReader<Cursor<Vec<u8>>> {
        CsvCandleReader::new(Cursor::new(text.as_bytes().to_vec()), "mem.csv", btc())
    }

    fn hour(h: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2024, 1, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn infers_the_interval_from_the_first_two_rows() {
        let text = "ts,open,high,low,close,volume\n\
                    2024-01-01T00:00:00Z,1,2,1,2,3\n\
                    2024-01-01T01:00:00Z,2,3,2,3,3\n";
        let mut r = reader(text);
        let first = r.next().unwrap().unwrap();
        assert_eq!(first.close_time(), hour(1));
        assert_eq!(r.interval(), Some(Interval::ONE_HOUR));
        assert_eq!(r.last_line(), 2);
        assert_eq!(r.next().unwrap().unwrap().close_time(), hour(2));
        assert!(r.next().is_none());
        assert_eq!(r.format(), Some(CsvFormat::Rampart));
    }

    #[test]
    fn a_single_row_needs_an_explicit_interval() {
        let err = reader("2024-01-01T00:00:00Z,1,2,1,2,3\n")
            .next()
            .unwrap()
            .unwrap_err();
        assert!(
            err.to_string().starts_with("mem.csv:1: ts: cannot infer"),
            "{err}"
        );
        let ok = reader("2024-01-01T00:00:00Z,1,2,1,2,3\n")
            .with_interval(Interval::ONE_HOUR)
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(ok.close_time(), hour(1));
    }

    #[test]
    fn skips_exact_duplicates_and_rejects_conflicting_ones() {
        let text = "2024-01-01T00:00:00Z,1,2,1,2,3\n\
                    2024-01-01T00:00:00Z,1,2,1,2,3\n\
                    2024-01-01T01:00:00Z,2,3,2,3,3\n";
        let mut r = reader(text).with_interval(Interval::ONE_HOUR);
        assert_eq!(r.by_ref().filter_map(Result::ok).count(), 2);
        assert_eq!(r.stats().duplicates_skipped, 1);
        assert_eq!(r.stats().duplicates[0].line, 2);

        let text = "2024-01-01T00:00:00Z,1,2,1,2,3\n2024-01-01T00:00:00Z,1,2,1,1.5,3\n";
        let err = reader(text)
            .with_interval(Interval::ONE_HOUR)
            .find_map(Result::err)
            .unwrap();
        assert_eq!(
            err.to_string(),
            "mem.csv:2: ts: 2024-01-01 00:00:00 UTC repeats line 1 with different values"
        );
    }

    #[test]
    fn rejects_a_bar_starting_before_the_previous_one_closed() {
        let text = "2024-01-01T00:00:00Z,1,2,1,2,3\n2024-01-01T00:30:00Z,1,2,1,2,3\n";
        let err = reader(text)
            .with_interval(Interval::ONE_HOUR)
            .find_map(Result::err)
            .unwrap();
        assert!(err.to_string().contains("mem.csv:2: ts:"), "{err}");
        assert!(err.to_string().contains("has closed"), "{err}");
    }

    #[test]
    fn binance_close_time_must_match_the_given_interval() {
        let text = "1634943780000,1,2,1,2,3,1634943839999,0,0,0,0,0\n";
        let err = reader(text)
            .with_interval(Interval::ONE_HOUR)
            .find_map(Result::err)
            .unwrap();
        assert!(err.to_string().contains("mem.csv:1: close_time:"), "{err}");
    }

    #[test]
    fn counts_missing_bars_including_a_partial_one() {
        let text = "2024-01-01T00:00:00Z,1,2,1,2,3\n\
                    2024-01-01T01:00:00Z,1,2,1,2,3\n\
                    2024-01-01T04:00:00Z,1,2,1,2,3\n\
                    2024-01-01T05:30:00Z,1,2,1,2,3\n";
        let mut r = reader(text);
        assert_eq!(r.by_ref().filter_map(Result::ok).count(), 4);
        let gaps = &r.stats().gaps;
        assert_eq!(gaps.len(), 2);
        assert_eq!(
            (gaps[0].from, gaps[0].to, gaps[0].missing_bars),
            (hour(2), hour(4), 2)
        );
        assert_eq!(gaps[1].missing_bars, 1);
        assert_eq!(gaps[1].line, 4);
        assert_eq!(r.stats().missing_bars, 3);
    }

    #[test]
    fn refuses_overlong_lines_and_non_utf8() {
        let long = format!("{}\n", "9".repeat(5000));
        let err = reader(&long).next().unwrap().unwrap_err();
        assert!(err.to_string().contains("mem.csv:1: line longer"), "{err}");

        let mut bytes = b"ts,open,high,low,close,volume\n".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
        let err = CsvCandleReader::new(Cursor::new(bytes), "bin.csv", btc())
            .next()
            .unwrap()
            .unwrap_err();
        assert_eq!(err.to_string(), "bin.csv:2: not valid UTF-8 text");
    }

    #[test]
    fn accepts_bom_crlf_and_blank_lines() {
        let text = "\u{feff}ts,open,high,low,close,volume\r\n\r\n\
                    2024-01-01T00:00:00Z,1,2,1,2,3\r\n\
                    2024-01-01T01:00:00Z,1,2,1,2,3\r\n\n";
        let mut r = reader(text);
        assert_eq!(r.by_ref().filter_map(Result::ok).count(), 2);
        assert_eq!(r.stats().rows_read, 2);
        assert_eq!(r.last_line(), 4);
    }

    #[test]
    fn continuing_a_series_checks_across_the_file_boundary() {
        let mut first = reader("2024-01-01T00:00:00Z,1,2,1,2,3\n2024-01-01T01:00:00Z,1,2,1,2,3\n");
        assert_eq!(first.by_ref().count(), 2);
        let (state, _) = first.into_parts();
        let mut second = reader("2024-01-01T03:00:00Z,1,2,1,2,3\n").continuing(state);
        assert!(second.next().unwrap().is_ok());
        assert_eq!(second.stats().missing_bars, 1);
        assert_eq!(second.interval(), Some(Interval::ONE_HOUR));

        let mut again = reader("2024-01-01T00:00:00Z,1,2,1,2,3\n").continuing(state);
        let err = again.next().unwrap().unwrap_err();
        assert!(err.to_string().contains("out of order"), "{err}");
        assert_eq!(TimeDelta::hours(1), Interval::ONE_HOUR.duration());
    }
}
