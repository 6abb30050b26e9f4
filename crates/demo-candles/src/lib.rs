//! The bundled demo candles, embedded in the binaries.
//!
//! `fixtures/BTC-USD_1m.csv.gz` and `fixtures/ETH-USD_1m.csv.gz` (30 days of synthetic
//! minutes, `docs/demo-data.md`) are compiled in with `include_bytes!`, once, here; the
//! `runtime` dry-run and `backtest` replay them when no `--data` is given, so a binary
//! copied or installed away from the source tree still has its quick start. The bytes are
//! the gzip files as committed (1.7 MB), decompressed while they stream like files on disk.
//!
//! Map:
//! - [`FILES`] — the embedded files as [`DemoFile`]s: symbol, file name, gzip bytes
//! - [`symbol_files`] — the same as `replay::SymbolFile`s, named `bundled:<file name>`
//! - [`DESCRIPTION`] — how summaries and `result.json` name this data

use domain::Symbol;
use replay::SymbolFile;

/// How reports name the embedded data in place of a path.
pub const DESCRIPTION: &str = "bundled demo data (embedded)";

/// The prefix of an embedded file's source name in errors and reports
/// (`bundled:BTC-USD_1m.csv.gz:LINE`), so it is never mistaken for a path.
pub const SOURCE_PREFIX: &str = "bundled:";

/// The source tree's `fixtures/` the files were embedded from, as it was at build time.
///
/// Only for regenerating the committed files (`backtest gen-data`); a binary never reads
/// its candles from here, and on a machine that only has the binary it does not exist.
pub const SOURCE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

/// One embedded candle file.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DemoFile {
    /// The symbol its rows hold (also the start of its file name).
    pub symbol: &'static str,
    /// Its file name under `fixtures/`.
    pub file_name: &'static str,
    /// The file's bytes: gzip CSV in our format (`ts,open,high,low,close,volume`).
    pub gzip: &'static [u8],
}

/// The embedded files, BTC-USD first (the order of `synthetic::DEMO_FILE_NAMES`).
pub const FILES: [DemoFile; 2] = [
    DemoFile {
        symbol: "BTC-USD",
        file_name: "BTC-USD_1m.csv.gz",
        gzip: include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/BTC-USD_1m.csv.gz"
        )),
    },
    DemoFile {
        symbol: "ETH-USD",
        file_name: "ETH-USD_1m.csv.gz",
        gzip: include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/ETH-USD_1m.csv.gz"
        )),
    },
];

impl DemoFile {
    /// The name errors and reports use for this file: `bundled:<file name>`.
    pub fn source_name(&self) -> String {
        format!("{SOURCE_PREFIX}{}", self.file_name)
    }

    /// The file as a replay source, its bytes borrowed from the binary.
    pub fn symbol_file(&self) -> SymbolFile {
        let symbol = Symbol::new(self.symbol)
            .expect("the embedded demo symbols are valid symbols (checked by this crate's tests)");
        SymbolFile::in_memory(symbol, self.source_name(), self.gzip)
    }
}

impl std::fmt::Debug for DemoFile {
    /// The bytes are shown by length: each file is close to a megabyte.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoFile")
            .field("symbol", &self.symbol)
            .field("file_name", &self.file_name)
            .field("gzip", &self.gzip.len())
            .finish()
    }
}

/// Every embedded file as a replay source, in the order of [`FILES`].
pub fn symbol_files() -> Vec<SymbolFile> {
    FILES.iter().map(DemoFile::symbol_file).collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use replay::{MergedCandles, TimeRange};

    use super::*;

    #[test]
    fn each_file_holds_the_symbol_its_name_says_and_is_gzip() {
        for file in FILES {
            let from_name = replay::symbol_from_file_name(Path::new(file.file_name)).unwrap();
            assert_eq!(from_name.as_str(), file.symbol);
            assert_eq!(file.symbol_file().symbol, from_name);
            assert!(file.gzip.starts_with(&[0x1f, 0x8b]), "{file:?}");
            assert!(!format!("{file:?}").contains("[31, 139"), "{file:?}");
        }
    }

    #[test]
    fn the_embedded_files_replay_thirty_days_of_both_symbols() {
        let mut merged = MergedCandles::open(symbol_files(), TimeRange::ALL).unwrap();
        let count = merged.by_ref().map(Result::unwrap).count();
        assert_eq!(count, 2 * 43_200);
        let stats = merged.stats();
        assert_eq!(stats.files_opened, 2);
        assert_eq!((stats.gap_count, stats.duplicates_skipped), (0, 0));
        assert_eq!(
            merged.last_position().map(ToString::to_string).as_deref(),
            Some("bundled:ETH-USD_1m.csv.gz:43201")
        );
    }

    #[test]
    fn source_dir_is_where_the_files_were_embedded_from() {
        for file in FILES {
            let on_disk = std::fs::read(Path::new(SOURCE_DIR).join(file.file_name)).unwrap();
            assert!(on_disk == file.gzip, "{} differs", file.file_name);
        }
    }
}
