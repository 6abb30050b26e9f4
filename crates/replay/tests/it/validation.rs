//! Bad rows are errors naming `file:line` and the field; gaps are reported, not errors.

use domain::ports::FeedError;
use replay::{Interval, MergedCandles, SymbolFile, TimeRange};

use crate::support::{at, ours, write_file};

/// Reads `text` as BTC-USD until the first error; returns the candles before it and the error.
fn first_error(text: &str) -> (usize, FeedError, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "BTC-USD.csv", text, false);
    let mut merged =
        MergedCandles::open([SymbolFile::from_path(&path).unwrap()], TimeRange::ALL).unwrap();
    let mut ok = 0;
    for item in merged.by_ref() {
        match item {
            Ok(_) => ok += 1,
            Err(e) => {
                assert!(merged.failed());
                assert!(merged.next().is_none(), "the first error ends the stream");
                return (ok, e, path.display().to_string());
            }
        }
    }
    panic!("expected an error, read {ok} candles");
}

#[test]
fn a_bad_number_names_file_line_and_field() {
    let text = "ts,open,high,low,close,volume\n\
                2024-01-01T00:00:00Z,1,2,1,2,3\n\
                2024-01-01T00:01:00Z,1,abc,1,2,3\n";
    let (ok, err, path) = first_error(text);
    assert_eq!(
        ok, 0,
        "the interval lookahead reads line 3 before line 2 is delivered"
    );
    assert_eq!(
        err,
        FeedError::Parse {
            source_name: path.clone(),
            line: 3,
            message: "high: expected a decimal number, got \"abc\"".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        format!("{path}:3: high: expected a decimal number, got \"abc\"")
    );
}

#[test]
fn a_bad_row_later_in_the_file_comes_after_the_good_ones() {
    let mut text = ours(&[(0, "1"), (1, "1"), (2, "1")]);
    text.push_str("2024-01-01T00:03:00Z,1,1,1,1,-5\n");
    let (ok, err, path) = first_error(&text);
    assert_eq!(ok, 3);
    assert_eq!(
        err.to_string(),
        format!("{path}:5: volume must be >= 0, got -5")
    );
}

#[test]
fn a_bad_timestamp_names_the_ts_field() {
    let text = "ts,open,high,low,close,volume\n2024-13-01T00:00:00Z,1,1,1,1,1\n";
    let (_, err, path) = first_error(text);
    assert!(
        err.to_string()
            .starts_with(&format!("{path}:2: ts: expected an RFC3339")),
        "{err}"
    );
}

#[test]
fn an_inconsistent_candle_is_rejected_by_the_domain_rules() {
    // low 105 above close 101.
    let text = "ts,open,high,low,close,volume\n\
                2024-01-01T00:00:00Z,100,110,95,105,1\n\
                2024-01-01T00:01:00Z,106,110,105,101,1\n";
    let (ok, err, path) = first_error(text);
    assert_eq!(ok, 1);
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("{path}:3: inconsistent candle")),
        "{message}"
    );
    assert!(message.contains("low=105"), "{message}");
}

#[test]
fn rows_out_of_order_are_an_error_naming_the_line() {
    let text = ours(&[(0, "1"), (1, "1"), (3, "1"), (2, "1")]);
    let (ok, err, path) = first_error(&text);
    assert_eq!(ok, 3);
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("{path}:5: ts: out of order")),
        "{message}"
    );
    assert!(message.contains("line 4"), "{message}");
}

#[test]
fn a_repeated_time_with_other_values_is_an_error() {
    let text = ours(&[(0, "1"), (1, "1"), (1, "2")]);
    let (_, err, path) = first_error(&text);
    assert!(
        err.to_string().starts_with(&format!("{path}:4: ts:"))
            && err.to_string().contains("repeats line 3"),
        "{err}"
    );
}

#[test]
fn an_exact_duplicate_row_is_skipped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "BTC-USD.csv",
        &ours(&[(0, "1"), (1, "1"), (1, "1"), (2, "1")]),
        false,
    );
    let mut merged =
        MergedCandles::open([SymbolFile::from_path(&path).unwrap()], TimeRange::ALL).unwrap();
    let candles: Vec<_> = merged.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(candles.len(), 3);
    let stats = merged.stats();
    assert_eq!(stats.rows_read, 4);
    assert_eq!(stats.duplicates_skipped, 1);
    assert_eq!(stats.duplicates[0].line, 4);
    assert_eq!(stats.duplicates[0].open_time, at(1));
}

#[test]
fn wrong_column_count_and_unknown_headers_are_errors() {
    let (_, err, path) =
        first_error("ts,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,1,1,1\n");
    assert_eq!(
        err.to_string(),
        format!("{path}:2: expected 6 columns like the rest of the file, got 5")
    );
    let (_, err, path) = first_error("date,o,h,l,c,v\n");
    assert!(
        err.to_string().starts_with(&format!("{path}:1: header:")),
        "{err}"
    );
}

#[test]
fn gaps_are_counted_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    // 1h bars at hours 0,1,2, then 5 (2 missing), 6, then 10 (3 missing).
    let rows: Vec<(i64, &str)> = [0, 1, 2, 5, 6, 10].iter().map(|h| (h * 60, "1")).collect();
    let path = write_file(dir.path(), "BTC-USD.csv", &ours(&rows), false);
    let mut merged =
        MergedCandles::open([SymbolFile::from_path(&path).unwrap()], TimeRange::ALL).unwrap();
    assert_eq!(merged.by_ref().filter_map(Result::ok).count(), 6);
    assert!(!merged.failed());
    let stats = merged.stats();
    assert_eq!(stats.gap_count, 2);
    assert_eq!(stats.missing_bars, 5);
    let gap = &stats.gaps[0];
    assert_eq!(
        (gap.from, gap.to, gap.missing_bars),
        (at(3 * 60), at(5 * 60), 2)
    );
    assert_eq!(gap.symbol.as_str(), "BTC-USD");
    assert_eq!(gap.line, 5);
    assert_eq!(stats.gaps[1].missing_bars, 3);
}

#[test]
fn an_explicit_interval_is_checked_against_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "BTC-USD.csv",
        &ours(&[(0, "1"), (1, "1")]),
        false,
    );
    let file = SymbolFile::from_path(&path)
        .unwrap()
        .with_interval(Interval::FIVE_MINUTES);
    let err = MergedCandles::open([file], TimeRange::ALL)
        .unwrap()
        .find_map(Result::err)
        .unwrap();
    assert!(err.to_string().contains(":3: ts:"), "{err}");
    assert!(err.to_string().contains("has closed"), "{err}");
}

#[test]
fn a_missing_file_fails_when_the_replay_is_built() {
    let err = MergedCandles::open(
        [SymbolFile::from_path("/nonexistent/BTC-USD.csv").unwrap()],
        TimeRange::ALL,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/nonexistent/BTC-USD.csv: cannot open"),
        "{err}"
    );
}
