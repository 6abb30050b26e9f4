//! Both input formats, with and without header, plain and gzip.

use chrono::{TimeDelta, TimeZone, Utc};
use replay::{CsvCandleReader, CsvFormat, Interval, MergedCandles, SymbolFile, TimeRange};
use rust_decimal_macros::dec;

use crate::support::{at, binance_dump_lines, sym, write_file};

fn read_all(file: SymbolFile) -> Vec<domain::Candle> {
    MergedCandles::open([file], TimeRange::ALL)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

#[test]
fn reads_our_format_with_rfc3339_times() {
    let dir = tempfile::tempdir().unwrap();
    let text = "ts,open,high,low,close,volume\n\
                2024-01-01T00:00:00Z,42000.5,42100,41900.25,42050,12.5\n\
                2024-01-01T00:01:00Z,42050,42060,42000,42010.75,3\n";
    let path = write_file(dir.path(), "BTC-USD.csv", text, false);
    let candles = read_all(SymbolFile::from_path(&path).unwrap());
    assert_eq!(candles.len(), 2);
    let first = &candles[0];
    assert_eq!(first.symbol(), &sym("BTC-USD"));
    assert_eq!(first.open_time(), at(0));
    assert_eq!(
        first.close_time(),
        at(1),
        "ts is the open time; close = open + interval"
    );
    assert_eq!(first.open().value(), dec!(42000.5));
    assert_eq!(first.high().value(), dec!(42100));
    assert_eq!(first.low().value(), dec!(41900.25));
    assert_eq!(first.close().value(), dec!(42050));
    assert_eq!(first.volume().value(), dec!(12.5));
    assert_eq!(candles[1].close_time(), at(2));
}

#[test]
fn reads_our_format_with_epoch_milliseconds_and_no_header() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = at(0).timestamp_millis();
    let text = format!(
        "{},1.5,2,1,1.75,10\n{},1.75,2,1.5,1.8,11\n",
        t0,
        t0 + 3_600_000
    );
    let path = write_file(dir.path(), "ETH-USD_1h.csv", &text, false);
    let candles = read_all(SymbolFile::from_path(&path).unwrap());
    assert_eq!(candles.len(), 2);
    assert_eq!(candles[0].open_time(), at(0));
    assert_eq!(candles[0].close_time(), at(60));
    assert_eq!(candles[1].close().value(), dec!(1.8));
}

#[test]
fn reads_binance_kline_dumps_in_milliseconds_and_microseconds() {
    let t0 = Utc.with_ymd_and_hms(2021, 10, 22, 23, 3, 0).unwrap();
    for micros in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let text = binance_dump_lines(micros).join("\n") + "\n";
        let path = write_file(dir.path(), "BTCUSDT-1m-2021-10-22.csv", &text, false);
        let file = SymbolFile::new(sym("BTC-USDT"), &path);
        let candles = read_all(file.clone());
        assert_eq!(candles.len(), 10, "micros={micros}");
        let first = &candles[0];
        assert_eq!(first.open_time(), t0);
        assert_eq!(first.close_time(), t0 + TimeDelta::minutes(1));
        assert_eq!(first.open().value(), dec!(60685.22));
        assert_eq!(first.high().value(), dec!(60729.84));
        assert_eq!(first.low().value(), dec!(60670.90));
        assert_eq!(first.close().value(), dec!(60719.27));
        assert_eq!(first.volume().value(), dec!(21.63272));
        assert_eq!(candles[9].close().value(), dec!(60739.85));

        let reader = CsvCandleReader::open(&file, TimeRange::ALL).unwrap();
        let mut reader = reader;
        assert!(reader.next().unwrap().is_ok());
        assert_eq!(reader.format(), Some(CsvFormat::BinanceKline));
        assert_eq!(reader.interval(), Some(Interval::ONE_MINUTE));
    }
}

#[test]
fn reads_a_binance_dump_with_the_futures_header() {
    let dir = tempfile::tempdir().unwrap();
    let header = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";
    let text = format!("{header}\n{}\n", binance_dump_lines(false)[..3].join("\n"));
    let path = write_file(dir.path(), "BTC-USDT.csv", &text, false);
    assert_eq!(read_all(SymbolFile::from_path(&path).unwrap()).len(), 3);
}

#[test]
fn reads_gzip_by_extension_or_magic_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let text = binance_dump_lines(false).join("\n");
    let by_ext = write_file(dir.path(), "BTC-USDT_1m.csv.gz", &text, true);
    let by_magic = write_file(dir.path(), "BTC-USDT_1m.csv", &text, true);
    for path in [by_ext, by_magic] {
        let candles = read_all(SymbolFile::from_path(&path).unwrap());
        assert_eq!(candles.len(), 10, "{}", path.display());
        assert_eq!(candles[0].symbol(), &sym("BTC-USDT"));
    }
}

#[test]
fn a_corrupt_gzip_file_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "BTC-USD.csv.gz", "not gzip at all\n", false);
    let err = MergedCandles::open([SymbolFile::from_path(&path).unwrap()], TimeRange::ALL)
        .unwrap()
        .find_map(Result::err)
        .unwrap();
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[test]
fn an_explicit_interval_allows_a_single_row_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "BTC-USD.csv",
        "ts,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,1,1,1,0\n",
        false,
    );
    let file = SymbolFile::from_path(&path)
        .unwrap()
        .with_interval(Interval::ONE_DAY);
    let candles = read_all(file);
    assert_eq!(candles[0].close_time(), at(24 * 60));
}

#[test]
fn an_empty_or_header_only_file_yields_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write_file(dir.path(), "BTC-USD.csv", "", false);
    let header = write_file(
        dir.path(),
        "ETH-USD.csv",
        "ts,open,high,low,close,volume\n",
        false,
    );
    let files = [empty, header].map(|p| SymbolFile::from_path(p).unwrap());
    let mut merged = MergedCandles::open(files, TimeRange::ALL).unwrap();
    assert!(merged.next().is_none());
    assert!(!merged.failed());
    assert_eq!(merged.stats().candles_total(), 0);
}
