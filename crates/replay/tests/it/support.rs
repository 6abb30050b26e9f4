//! Helpers: symbols, times, fixture files in a temporary directory, the shared data folder.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{TimeDelta, TimeZone, Utc};
use domain::{Candle, CandleFields, Symbol, Timestamp};
use flate2::Compression;
use flate2::write::GzEncoder;
use rust_decimal::Decimal;

pub fn sym(text: &str) -> Symbol {
    Symbol::new(text).unwrap()
}

/// 2024-01-01 plus `minutes`.
pub fn at(minutes: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

/// A consistent candle of `symbol` opening at `at(open_minute)`, lasting `bar_minutes`.
pub fn candle(symbol: &str, open_minute: i64, bar_minutes: i64, close: Decimal) -> Candle {
    Candle::new(CandleFields {
        symbol: sym(symbol),
        open_time: at(open_minute),
        close_time: at(open_minute + bar_minutes),
        open: close,
        high: close * Decimal::TWO,
        low: close / Decimal::TWO,
        close,
        volume: Decimal::TEN,
    })
    .unwrap()
}

/// Writes `text` to `dir/name`, gzip-compressed when `gzip`.
pub fn write_file(dir: &Path, name: &str, text: &str, gzip: bool) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    if gzip {
        let mut encoder = GzEncoder::new(file, Compression::fast());
        encoder.write_all(text.as_bytes()).unwrap();
        encoder.finish().unwrap();
    } else {
        file.write_all(text.as_bytes()).unwrap();
    }
    path
}

/// Our format: one row per `(minute, close)` with a header, `bar` minutes apart by the caller.
pub fn ours(rows: &[(i64, &str)]) -> String {
    let mut text = String::from("ts,open,high,low,close,volume\n");
    for (minute, close) in rows {
        let ts = at(*minute).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        text.push_str(&format!("{ts},{close},{close},{close},{close},1\n"));
    }
    text
}

/// The shared data folder: `$RAMPART_SHARED`, else `shared/` beside the repository.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("RAMPART_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
}

/// The kline rows of the recorded Binance sample, as 12-column dump lines in ms or µs.
pub fn binance_dump_lines(micros: bool) -> Vec<String> {
    let path = shared_dir().join("fixtures/binance/klines_btcusdt_1m_recorded_2021-10-22.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set RAMPART_SHARED)", path.display()));
    let klines: Vec<Vec<serde_json::Value>> = serde_json::from_str(&text).unwrap();
    klines
        .iter()
        .map(|k| {
            let cell = |i: usize| match &k[i] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let open: i64 = cell(0).parse().unwrap();
            let close: i64 = cell(6).parse().unwrap();
            let (open, close) = if micros {
                (open * 1000, (close + 1) * 1000 - 1)
            } else {
                (open, close)
            };
            let rest: Vec<String> = (7..12).map(cell).collect();
            format!(
                "{open},{},{},{},{},{},{close},{}",
                cell(1),
                cell(2),
                cell(3),
                cell(4),
                cell(5),
                rest.join(",")
            )
        })
        .collect()
}
