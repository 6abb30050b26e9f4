//! Merging several symbols in time order, chaining files of one symbol, filtering by time.

use replay::{CsvCandleReader, MergedCandles, SymbolFile, TimeRange};

use crate::support::{at, ours, sym, write_file};

#[test]
fn merges_three_symbols_by_close_time_then_symbol() {
    let dir = tempfile::tempdir().unwrap();
    // BTC: 1m bars at 0..6; ETH: 2m bars at 1,3,5; SOL: 3m bars at 0,3.
    let btc = write_file(
        dir.path(),
        "BTC-USD.csv",
        &ours(&(0..6).map(|m| (m, "1")).collect::<Vec<_>>()),
        false,
    );
    let eth = write_file(
        dir.path(),
        "ETH-USD.csv.gz",
        &ours(&[(1, "2"), (3, "2"), (5, "2")]),
        true,
    );
    let sol = write_file(
        dir.path(),
        "SOL-USD_3m.csv",
        &ours(&[(0, "3"), (3, "3")]),
        false,
    );
    let files = [sol, eth, btc].map(|p| SymbolFile::from_path(p).unwrap());
    let mut merged = MergedCandles::open(files, TimeRange::ALL).unwrap();
    let order: Vec<(i64, String)> = merged
        .by_ref()
        .map(|c| {
            let c = c.unwrap();
            (
                (c.close_time() - at(0)).num_minutes(),
                c.symbol().to_string(),
            )
        })
        .collect();
    let expected: Vec<(i64, String)> = [
        (1, "BTC-USD"),
        (2, "BTC-USD"),
        (3, "BTC-USD"),
        (3, "ETH-USD"),
        (3, "SOL-USD"),
        (4, "BTC-USD"),
        (5, "BTC-USD"),
        (5, "ETH-USD"),
        (6, "BTC-USD"),
        (6, "SOL-USD"),
        (7, "ETH-USD"),
    ]
    .iter()
    .map(|(m, s)| (*m, s.to_string()))
    .collect();
    assert_eq!(order, expected);
    let stats = merged.stats();
    assert_eq!(stats.candles_total(), 11);
    assert_eq!(stats.candles[&sym("BTC-USD")], 6);
    assert_eq!(stats.candles[&sym("ETH-USD")], 3);
    assert_eq!(stats.candles[&sym("SOL-USD")], 2);
    assert_eq!(stats.files_opened, 3);
    assert_eq!(stats.gap_count, 0);
}

#[test]
fn files_of_one_symbol_are_chained_and_checked_across_the_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let jan = write_file(dir.path(), "jan.csv", &ours(&[(0, "1"), (1, "1")]), false);
    let feb = write_file(dir.path(), "feb.csv", &ours(&[(4, "1"), (5, "1")]), false);
    let files = [&jan, &feb].map(|p| SymbolFile::new(sym("BTC-USD"), p));
    let mut merged = MergedCandles::open(files.clone(), TimeRange::ALL).unwrap();
    let opens: Vec<_> = merged.by_ref().map(|c| c.unwrap().open_time()).collect();
    assert_eq!(opens, vec![at(0), at(1), at(4), at(5)]);
    let stats = merged.stats();
    assert_eq!((stats.gap_count, stats.missing_bars), (1, 2));
    assert_eq!(&*stats.gaps[0].source_name, feb.display().to_string());
    assert_eq!(merged.last_position().unwrap().line, 3);

    // The same files in the wrong order: the second one goes back in time.
    let [a, b] = files;
    let err = MergedCandles::open([b, a], TimeRange::ALL)
        .unwrap()
        .find_map(Result::err)
        .unwrap();
    assert!(
        err.to_string()
            .starts_with(&format!("{}:2: ts: out of order", jan.display())),
        "{err}"
    );
}

#[test]
fn from_is_inclusive_and_to_exclusive_on_open_time() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<(i64, &str)> = (0..10).map(|m| (m, "1")).collect();
    let btc = write_file(dir.path(), "BTC-USD.csv", &ours(&rows), false);
    let eth = write_file(dir.path(), "ETH-USD.csv", &ours(&rows), false);
    let range = TimeRange::new(Some(at(3)), Some(at(7))).unwrap();
    let files = [btc, eth].map(|p| SymbolFile::from_path(p).unwrap());
    let mut merged = MergedCandles::open(files, range).unwrap();
    let opens: Vec<_> = merged
        .by_ref()
        .map(|c| c.unwrap())
        .filter(|c| c.symbol() == &sym("BTC-USD"))
        .map(|c| c.open_time())
        .collect();
    assert_eq!(opens, vec![at(3), at(4), at(5), at(6)]);
    let stats = merged.stats();
    assert_eq!(stats.candles_total(), 8);
    assert_eq!(stats.filtered_out, 6, "3 rows before `from` per file");
    assert_eq!(
        stats.rows_read,
        2 * 8,
        "reading stops at the first row at or after `to`"
    );
    assert_eq!(stats.gap_count, 0, "rows before `from` do not make a gap");
}

#[test]
fn merges_in_memory_readers_of_any_input() {
    let text_a = ours(&[(0, "1"), (2, "1")]);
    let text_b = ours(&[(1, "1"), (3, "1")]);
    let a = CsvCandleReader::new(
        std::io::Cursor::new(text_a.into_bytes()),
        "a",
        sym("AAA-USD"),
    )
    .boxed();
    let b = CsvCandleReader::new(
        std::io::Cursor::new(text_b.into_bytes()),
        "b",
        sym("BBB-USD"),
    )
    .boxed();
    let closes: Vec<_> = MergedCandles::from_readers([a, b])
        .map(|c| (c.unwrap().close_time() - at(0)).num_minutes())
        .collect();
    assert_eq!(closes, vec![2, 3, 4, 5]);
}

#[test]
fn an_error_in_one_file_is_delivered_after_the_candles_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_file(
        dir.path(),
        "BTC-USD.csv",
        &ours(&[(0, "1"), (1, "1"), (2, "1"), (3, "1")]),
        false,
    );
    let mut bad_text = ours(&[(0, "1"), (1, "1")]);
    bad_text.push_str("2024-01-01T00:02:00Z,1,1,1,x,1\n");
    let bad = write_file(dir.path(), "ETH-USD.csv", &bad_text, false);
    let files = [good, bad].map(|p| SymbolFile::from_path(p).unwrap());
    let mut merged = MergedCandles::open(files, TimeRange::ALL).unwrap();
    let mut delivered = Vec::new();
    let err = loop {
        match merged.next() {
            Some(Ok(c)) => delivered.push((c.symbol().to_string(), c.close_time())),
            Some(Err(e)) => break e,
            None => panic!("expected an error"),
        }
    };
    assert!(err.to_string().contains("ETH-USD.csv:4: close:"), "{err}");
    assert!(delivered.contains(&("ETH-USD".to_string(), at(2))));
    assert!(merged.next().is_none());
    assert!(merged.failed());
}
