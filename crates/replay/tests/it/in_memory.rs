//! Candle files whose bytes are in memory (demo data embedded in a binary) replay exactly as
//! the same bytes on disk do: same candles, same stats, same `name:line` errors.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use replay::{MergedCandles, ReplayStats, SymbolFile, TimeRange};

use crate::support::{ours, sym, write_file};

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// Every candle and the final stats of a merged replay, or its first error.
fn replay(files: Vec<SymbolFile>) -> Result<(Vec<domain::Candle>, ReplayStats), String> {
    let mut merged = MergedCandles::open(files, TimeRange::ALL).map_err(|e| e.to_string())?;
    let candles = merged
        .by_ref()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok((candles, merged.stats()))
}

/// A two-symbol replay with a gap and a duplicate in BTC-USD.
fn texts() -> (String, String) {
    let mut btc = ours(&[(0, "1"), (1, "2"), (1, "2"), (4, "3"), (5, "4")]);
    btc.push('\n');
    let eth = ours(&[(0, "10"), (1, "11"), (2, "12"), (3, "13")]);
    (btc, eth)
}

#[test]
fn in_memory_files_replay_the_same_candles_and_stats_as_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let (btc, eth) = texts();
    let btc_path = write_file(dir.path(), "BTC-USD_1m.csv.gz", &btc, true);
    let eth_path = write_file(dir.path(), "ETH-USD_1m.csv", &eth, false);
    let (disk_candles, disk_stats) = replay(vec![
        SymbolFile::from_path(&btc_path).unwrap(),
        SymbolFile::from_path(&eth_path).unwrap(),
    ])
    .unwrap();

    let (candles, stats) = replay(vec![
        SymbolFile::in_memory(sym("BTC-USD"), "mem:BTC-USD_1m.csv.gz", gzip(&btc)),
        SymbolFile::in_memory(sym("ETH-USD"), "mem:ETH-USD_1m.csv", eth.into_bytes()),
    ])
    .unwrap();

    assert_eq!(candles, disk_candles);
    assert_eq!(candles.len(), 8);
    assert_eq!(
        (stats.files_opened, stats.rows_read, stats.gap_count),
        (2, 9, 1)
    );
    assert_eq!(stats.duplicates_skipped, 1);
    assert_eq!(&*stats.gaps[0].source_name, "mem:BTC-USD_1m.csv.gz");
    assert_eq!(stats.gaps[0].line, 5);
    assert_eq!(&*stats.duplicates[0].source_name, "mem:BTC-USD_1m.csv.gz");
    // Apart from the names, the stats are those of the files on disk.
    let renamed = serde_json::to_string(&stats)
        .unwrap()
        .replace("mem:", &format!("{}/", dir.path().display()));
    assert_eq!(renamed, serde_json::to_string(&disk_stats).unwrap());
}

#[test]
fn gzip_in_memory_is_found_by_name_or_magic_bytes() {
    let (_, eth) = texts();
    for name in ["ETH-USD.csv.GZ", "ETH-USD.csv"] {
        let file = SymbolFile::in_memory(sym("ETH-USD"), name, gzip(&eth));
        assert_eq!(replay(vec![file]).unwrap().0.len(), 4, "{name}");
    }
    let borrowed: &'static [u8] = b"ts,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,1,1,1,0\n2024-01-01T00:01:00Z,1,1,1,1,0\n";
    let file = SymbolFile::in_memory(sym("ETH-USD"), "static.csv", borrowed);
    assert_eq!(replay(vec![file]).unwrap().0.len(), 2);
}

#[test]
fn a_bad_row_in_memory_is_reported_at_name_and_line_as_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}2024-01-01T00:02:00Z,1,1,2,1,0\n",
        ours(&[(0, "1"), (1, "2")])
    );
    let path = write_file(dir.path(), "BTC-USD_1m.csv.gz", &text, true);
    let on_disk = replay(vec![SymbolFile::from_path(&path).unwrap()]).unwrap_err();

    let file = SymbolFile::in_memory(sym("BTC-USD"), "bundled:BTC-USD_1m.csv.gz", gzip(&text));
    let in_memory = replay(vec![file]).unwrap_err();

    assert!(
        in_memory.starts_with("bundled:BTC-USD_1m.csv.gz:4: "),
        "{in_memory}"
    );
    assert_eq!(
        in_memory.replace("bundled:", &format!("{}/", dir.path().display())),
        on_disk
    );
}

#[test]
fn truncated_gzip_in_memory_is_a_read_failure_at_its_position() {
    let text = ours(&(0..2_000).map(|m| (m, "1")).collect::<Vec<_>>());
    let bytes = gzip(&text);
    let cut = bytes[..bytes.len() / 2].to_vec();
    let file = SymbolFile::in_memory(sym("BTC-USD"), "bundled:BTC-USD_1m.csv.gz", cut);
    let err = replay(vec![file]).unwrap_err();
    assert!(err.contains("bundled:BTC-USD_1m.csv.gz:"), "{err}");
    assert!(err.contains(": read failed: "), "{err}");
}

#[test]
fn debug_output_shows_the_size_not_the_bytes() {
    let file = SymbolFile::in_memory(sym("BTC-USD"), "bundled:BTC-USD.csv", vec![b'x'; 4096]);
    let text = format!("{file:?}");
    assert!(text.contains("bytes: 4096"), "{text}");
    assert!(text.len() < 200, "{text}");
    assert_eq!(file.path(), None);
    assert_eq!(file.source_name(), "bundled:BTC-USD.csv");
    assert!(file.check_exists().is_ok());
}
