//! Bad input exits with code 2, says what is valid, and leaves nothing behind.

use std::fs;

use crate::support::*;

fn assert_bad_input(o: &std::process::Output, needles: &[&str]) {
    assert_eq!(code(o), 2, "stdout: {} stderr: {}", stdout(o), stderr(o));
    let err = stderr(o);
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
}

#[test]
fn unknown_symbol_lists_the_valid_ones() {
    let out = tempfile::tempdir().unwrap();
    let o = backtest_into(out.path(), &["--symbol", "DOGE-USD"]);
    assert_bad_input(&o, &["unknown symbol DOGE-USD", "BTC-USD, ETH-USD"]);
    assert!(run_dirs(out.path()).is_empty());
}

#[test]
fn unknown_strategy_lists_the_valid_ones() {
    let out = tempfile::tempdir().unwrap();
    let o = backtest_into(out.path(), &["--symbol", "BTC-USD", "--strategy", "moon"]);
    assert_bad_input(
        &o,
        &[
            "unknown strategy `moon`",
            "sma_cross, rsi_reversion, breakout",
        ],
    );
}

#[test]
fn a_parameter_the_strategy_does_not_take_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let o = backtest_into(
        out.path(),
        &[
            "--symbol",
            "BTC-USD",
            "--strategy",
            "breakout",
            "--fast",
            "3",
        ],
    );
    assert_bad_input(&o, &["unknown parameter `fast`", "entry_period"]);
}

#[test]
fn inverted_and_empty_ranges_are_refused() {
    let out = tempfile::tempdir().unwrap();
    let o = backtest_into(
        out.path(),
        &[
            "--symbol",
            "BTC-USD",
            "--from",
            "2024-01-05",
            "--to",
            "2024-01-02",
        ],
    );
    assert_bad_input(&o, &["inverted", "--from"]);

    let o = backtest_into(
        out.path(),
        &[
            "--symbol",
            "BTC-USD",
            "--from",
            "2030-01-01",
            "--to",
            "2030-02-01",
        ],
    );
    assert_bad_input(&o, &["empty date range", "2024-01-01T00:00:00Z"]);
    assert!(
        run_dirs(out.path()).is_empty(),
        "{:?}",
        run_dirs(out.path())
    );
    assert!(!out.path().join("reports/backtests/latest.json").exists());
}

#[test]
fn bad_flags_exit_2() {
    let o = backtest(&["--symbol", "BTC-USD", "--fill", "sometimes"]);
    assert_bad_input(&o, &["--fill"]);
    let o = backtest(&["--symbol", "BTC-USD", "--capital", "-5"]);
    assert_bad_input(&o, &["--capital"]);
}

#[test]
fn corrupt_csv_names_file_and_line_and_leaves_no_run_behind() {
    let out = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut csv = String::from("ts,open,high,low,close,volume\n");
    let start = 1_704_067_200_i64; // 2024-01-01T00:00:00Z
    for i in 0..200 {
        let ts = chrono_free_rfc3339(start + i * 60);
        let p = 100 + i % 7;
        if i == 150 {
            csv.push_str(&format!("{ts},{p},{p},{p},not-a-price,1\n"));
        } else {
            csv.push_str(&format!("{ts},{p},{},{},{p},1\n", p + 1, p - 1));
        }
    }
    let file = data.path().join("BTC-USD_1m.csv");
    fs::write(&file, csv).unwrap();
    let o = backtest_into(
        out.path(),
        &[
            "--data",
            data.path().to_str().unwrap(),
            "--symbol",
            "BTC-USD",
        ],
    );
    // Line 152: the header is line 1 and row i is line i + 2.
    let at = format!("{}:152:", file.display());
    assert_bad_input(&o, &[&at]);
    assert!(
        run_dirs(out.path()).is_empty(),
        "{:?}",
        run_dirs(out.path())
    );
    assert!(!out.path().join("reports").exists());
}

#[test]
fn a_truncated_gzip_file_is_reported_at_its_position() {
    let out = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/BTC-USD_1m.csv.gz"
    );
    let bytes = fs::read(fixture).unwrap();
    let file = data.path().join("BTC-USD_1m.csv.gz");
    fs::write(&file, &bytes[..bytes.len() / 3]).unwrap();
    let o = backtest_into(
        out.path(),
        &[
            "--data",
            data.path().to_str().unwrap(),
            "--symbol",
            "BTC-USD",
        ],
    );
    let at = format!("{}:", file.display());
    assert_bad_input(&o, &[&at, "read failed"]);
    assert!(
        run_dirs(out.path()).is_empty(),
        "{:?}",
        run_dirs(out.path())
    );
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time, without a date library.
fn chrono_free_rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
