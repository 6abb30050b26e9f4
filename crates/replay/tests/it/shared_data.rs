//! The real reference files in `shared/data` (see its PROVENANCE.md for the expected figures).

use std::path::PathBuf;

use replay::{MergedCandles, ReplayStats, SymbolFile, TimeRange};

use crate::support::{shared_dir, sym};

fn data(name: &str) -> PathBuf {
    let path = shared_dir().join("data").join(name);
    assert!(
        path.exists(),
        "{} missing; set RAMPART_SHARED to the shared folder",
        path.display()
    );
    path
}

fn replay(symbol: &str, name: &str) -> (u64, ReplayStats) {
    let file = SymbolFile::new(sym(symbol), data(name));
    let mut merged = MergedCandles::open([file], TimeRange::ALL).unwrap();
    let mut count = 0;
    let mut last_close = None;
    for candle in merged.by_ref() {
        let candle = candle.unwrap_or_else(|e| panic!("{e}"));
        assert!(last_close < Some(candle.close_time()));
        last_close = Some(candle.close_time());
        count += 1;
    }
    (count, merged.stats())
}

#[test]
fn binance_btcusdt_1m_streams_every_row_without_gaps() {
    let (count, stats) = replay("BTC-USDT", "binance-BTCUSDT-1m.csv");
    assert_eq!(count, 41_761);
    assert_eq!(stats.rows_read, 41_761);
    assert_eq!(stats.candles[&sym("BTC-USDT")], 41_761);
    assert_eq!(stats.gap_count, 0);
    assert_eq!(stats.duplicates_skipped, 0);
}

#[test]
fn binance_ethusdt_1h_reports_four_gaps_of_nine_bars() {
    let (count, stats) = replay("ETH-USDT", "binance-ETHUSDT-1h.csv");
    assert_eq!(count, 29_531);
    assert_eq!(stats.gap_count, 4);
    assert_eq!(stats.missing_bars, 9);
    let bars: Vec<u64> = stats.gaps.iter().map(|g| g.missing_bars).collect();
    assert_eq!(bars, vec![4, 1, 3, 1]);
    assert_eq!(stats.gaps[0].from.to_rfc3339(), "2017-09-22T20:00:00+00:00");
    assert_eq!(stats.gaps[0].to.to_rfc3339(), "2017-09-23T00:00:00+00:00");
}

#[test]
fn binance_btcusdt_1h_reports_eleven_gaps_of_twenty_four_bars() {
    let (count, stats) = replay("BTC-USDT", "binance-BTCUSDT-1h.csv");
    assert_eq!(count, 71_318);
    assert_eq!((stats.gap_count, stats.missing_bars), (11, 24));
}

#[test]
fn eurusd_weekends_show_up_as_gaps() {
    let (count, stats) = replay("EUR-USD", "backtesting-EURUSD-1h.csv");
    assert_eq!(count, 5_000);
    assert_eq!((stats.gap_count, stats.missing_bars), (42, 2_063));
}

#[test]
fn all_reference_files_merge_in_time_order() {
    let files = [
        ("BTC-USDT", "binance-BTCUSDT-1m.csv"),
        ("BTC-PERP", "ftx-BTCPERP-1m.csv"),
        ("ETH-USDT", "binance-ETHUSDT-1h.csv"),
        ("BTC-USD", "coinbase-BTCUSD-1h.csv"),
    ]
    .map(|(s, n)| SymbolFile::new(sym(s), data(n)));
    let mut merged = MergedCandles::open(files, TimeRange::ALL).unwrap();
    let mut last = None;
    let mut count = 0u64;
    for candle in merged.by_ref() {
        let candle = candle.unwrap();
        let key = (candle.close_time(), candle.symbol().clone());
        assert!(last.as_ref() < Some(&key), "{key:?} after {last:?}");
        last = Some(key);
        count += 1;
    }
    assert_eq!(count, 41_761 + 45_031 + 29_531 + 20_110);
    assert_eq!(merged.stats().candles_total(), count);
}
