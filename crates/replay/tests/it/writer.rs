//! Writing our format atomically, plain and gzip, and reading it back.

use replay::{HEADER, MergedCandles, ReplayError, SymbolFile, TimeRange, write_candles_csv};
use rust_decimal_macros::dec;

use crate::support::{candle, write_file};

fn read_back(path: &std::path::Path) -> Vec<domain::Candle> {
    MergedCandles::open([SymbolFile::from_path(path).unwrap()], TimeRange::ALL)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn round_trips_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let candles: Vec<_> = (0..50)
        .map(|i| {
            candle(
                "BTC-USD",
                i * 60,
                60,
                dec!(42000.125) + rust_decimal::Decimal::from(i),
            )
        })
        .collect();
    for (name, gzip) in [("BTC-USD_1h.csv", false), ("BTC-USD_1h.csv.gz", true)] {
        let path = dir.path().join(name);
        assert_eq!(write_candles_csv(&path, &candles, gzip).unwrap(), 50);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.starts_with(&[0x1f, 0x8b]), gzip, "{name}");
        assert_eq!(read_back(&path), candles, "{name}");
    }
    let plain = std::fs::read_to_string(dir.path().join("BTC-USD_1h.csv")).unwrap();
    let mut lines = plain.lines();
    assert_eq!(lines.next(), Some(HEADER));
    assert_eq!(
        lines.next(),
        Some("2024-01-01T00:00:00Z,42000.125,84000.25,21000.0625,42000.125,10")
    );
}

#[test]
fn replaces_the_destination_atomically_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "ETH-USD.csv", "old contents\n", false);
    let candles = vec![
        candle("ETH-USD", 0, 1, dec!(2000)),
        candle("ETH-USD", 1, 1, dec!(2001)),
    ];
    write_candles_csv(&path, candles.iter(), false).unwrap();
    assert_eq!(read_back(&path), candles);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["ETH-USD.csv".to_string()]);
}

#[test]
fn refuses_candles_the_reader_would_not_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("BTC-USD.csv");
    let cases = [
        vec![
            candle("BTC-USD", 0, 1, dec!(1)),
            candle("ETH-USD", 1, 1, dec!(1)),
        ],
        vec![
            candle("BTC-USD", 1, 1, dec!(1)),
            candle("BTC-USD", 0, 1, dec!(1)),
        ],
        vec![
            candle("BTC-USD", 0, 1, dec!(1)),
            candle("BTC-USD", 1, 5, dec!(1)),
        ],
    ];
    for candles in cases {
        let err = write_candles_csv(&path, &candles, false).unwrap_err();
        assert!(
            matches!(err, ReplayError::Unwritable { index: 1, .. }),
            "{err}"
        );
        assert!(!path.exists(), "nothing is written on refusal");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no temporary file left"
    );
}
