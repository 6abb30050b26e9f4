//! Invariants over generated series: write/read round trip, merged order, gap arithmetic.

use proptest::prelude::*;
use replay::{CsvCandleReader, MergedCandles, write_candles_csv};
use rust_decimal::Decimal;

use crate::support::{candle, sym};

/// Ascending open minutes (distinct, with random gaps) for a 1-minute series.
fn series() -> impl Strategy<Value = Vec<i64>> {
    proptest::collection::vec(1i64..4, 1..40).prop_map(|steps| {
        steps
            .iter()
            .scan(0i64, |t, s| {
                *t += s;
                Some(*t)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_written_files_read_back_identically_with_the_right_gaps(opens in series(), cents in 1u32..1_000_000) {
        let dir = tempfile::tempdir().unwrap();
        let price = Decimal::new(i64::from(cents), 2);
        let candles: Vec<_> = opens.iter().map(|m| candle("BTC-USD", *m, 1, price)).collect();
        let path = dir.path().join("BTC-USD.csv.gz");
        write_candles_csv(&path, &candles, true).unwrap();
        let file = replay::SymbolFile::from_path(&path).unwrap().with_interval(replay::Interval::ONE_MINUTE);
        let mut merged = MergedCandles::open([file], replay::TimeRange::ALL).unwrap();
        let back: Vec<_> = merged.by_ref().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(&back, &candles);
        let expected_missing: i64 = opens.windows(2).map(|w| w[1] - w[0] - 1).sum();
        prop_assert_eq!(merged.stats().missing_bars, u64::try_from(expected_missing).unwrap());
    }

    #[test]
    fn prop_merge_is_sorted_by_close_time_then_symbol(a in series(), b in series(), c in series()) {
        let readers = [("AAA-USD", &a), ("BBB-USD", &b), ("CCC-USD", &c)].map(|(s, opens)| {
            let mut text = String::new();
            for m in opens.iter() {
                let ts = crate::support::at(*m).timestamp_millis();
                text.push_str(&format!("{ts},1,1,1,1,1\n"));
            }
            CsvCandleReader::new(std::io::Cursor::new(text.into_bytes()), s, sym(s))
                .with_interval(replay::Interval::ONE_MINUTE)
                .boxed()
        });
        let keys: Vec<_> = MergedCandles::from_readers(readers)
            .map(|c| c.map(|c| (c.close_time(), c.symbol().clone())))
            .collect::<Result<_, _>>()
            .unwrap();
        prop_assert_eq!(keys.len(), a.len() + b.len() + c.len());
        prop_assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }
}
