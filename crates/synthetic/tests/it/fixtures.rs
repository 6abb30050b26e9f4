//! The committed demo data in `fixtures/` is what `write_demo_data` makes: read through
//! `replay` exactly as a backtest reads it, 43,200 gap-free minutes per symbol, equal candle
//! for candle to a fresh generation, and under the 5 MB budget. Fails when the generator
//! changes without the fixtures being regenerated (see docs/demo-data.md).

use std::io::Read;
use std::path::{Path, PathBuf};

use domain::Candle;
use replay::{BoxedCandleReader, Interval, SymbolFile, TimeRange};
use synthetic::{DEMO_BARS, DEMO_FILE_NAMES, PairGenerator, demo_pair_config, write_demo_data};

const BUDGET_BYTES: u64 = 5 * 1024 * 1024;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn read(path: &Path) -> (Vec<Candle>, replay::SourceStats) {
    let file = SymbolFile::from_path(path).unwrap();
    let mut reader = BoxedCandleReader::open(&file, TimeRange::ALL).unwrap();
    let candles = reader.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(reader.interval(), Some(Interval::ONE_MINUTE));
    (candles, reader.stats().clone())
}

fn generated() -> (Vec<Candle>, Vec<Candle>) {
    PairGenerator::new(&demo_pair_config()).unwrap().unzip()
}

fn decompressed(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn committed_fixtures_are_30_gap_free_days_equal_to_the_generator() {
    let (btc, eth) = generated();
    for (name, expected) in DEMO_FILE_NAMES.iter().zip([btc, eth]) {
        let path = fixtures_dir().join(name);
        assert!(
            path.exists(),
            "{} is missing; regenerate it (docs/demo-data.md)",
            path.display()
        );
        let (candles, stats) = read(&path);
        assert_eq!(candles.len(), DEMO_BARS, "{name}");
        assert_eq!(stats.gap_count, 0, "{name}: {:?}", stats.gaps);
        assert_eq!(stats.duplicates_skipped, 0, "{name}");
        assert!(
            candles == expected,
            "{name} differs from what the generator makes: regenerate with \
             `cargo run -p synthetic --example gen_demo_data -- fixtures/` and commit"
        );
    }
}

#[test]
fn committed_fixtures_fit_the_size_budget() {
    let total: u64 = DEMO_FILE_NAMES
        .iter()
        .map(|name| std::fs::metadata(fixtures_dir().join(name)).unwrap().len())
        .sum();
    assert!(total < BUDGET_BYTES, "fixtures take {total} bytes");
}

#[test]
fn write_demo_data_writes_the_committed_content() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new").join("fixtures");
    let paths = write_demo_data(&out).unwrap();
    assert_eq!(paths.len(), 2);
    for (path, name) in paths.iter().zip(DEMO_FILE_NAMES) {
        assert_eq!(path, &out.join(name));
        // Compare the CSV text, not the gzip bytes, which depend on the compressor build.
        assert!(
            decompressed(path) == decompressed(&fixtures_dir().join(name)),
            "{name}: fresh output differs from the committed file"
        );
    }
}
