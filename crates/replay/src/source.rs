//! Where candles come from: `SymbolFile` names a file and the symbol it holds, and
//! `open_input` opens it as a buffered reader, decompressing gzip transparently
//! (detected by the `.gz` extension or the gzip magic bytes).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use domain::Symbol;
use flate2::bufread::MultiGzDecoder;

use crate::error::ReplayError;
use crate::interval::Interval;

/// Read buffer per open file; the only memory a stream holds besides one row.
const READ_BUFFER: usize = 64 * 1024;
/// The first two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// One candle file and the symbol its rows belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolFile {
    /// The instrument every row of the file is about.
    pub symbol: Symbol,
    /// The file, plain or gzip.
    pub path: PathBuf,
    /// Bar length; `None` infers it (Binance rows carry their close time, our
    /// format uses the difference between the first two rows).
    pub interval: Option<Interval>,
}

impl SymbolFile {
    /// A file of `symbol`'s candles; the interval is inferred.
    pub fn new(symbol: Symbol, path: impl Into<PathBuf>) -> Self {
        Self {
            symbol,
            path: path.into(),
            interval: None,
        }
    }

    /// A file whose symbol is read from its name: `BTC-USD.csv`, `BTC-USD.csv.gz`,
    /// `BTC-USD_1m.csv.gz` all hold `BTC-USD` (everything before the first `_` or `.`).
    pub fn from_path(path: impl Into<PathBuf>) -> Result<Self, ReplayError> {
        let path = path.into();
        let symbol = symbol_from_file_name(&path)?;
        Ok(Self::new(symbol, path))
    }

    /// The same file with a known bar length, checked against every row.
    pub fn with_interval(mut self, interval: Interval) -> Self {
        self.interval = Some(interval);
        self
    }

    /// The name used in error messages and reports (the path as given).
    pub fn source_name(&self) -> String {
        self.path.display().to_string()
    }
}

/// Reads the symbol from a file name such as `BTC-USD_1m.csv.gz`.
pub fn symbol_from_file_name(path: &Path) -> Result<Symbol, ReplayError> {
    let fail = |reason: String| ReplayError::SymbolFromFileName {
        path: path.display().to_string(),
        reason,
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| fail("no UTF-8 file name".to_string()))?;
    let stem = name.split(['_', '.']).next().unwrap_or_default();
    Symbol::new(stem).map_err(|e| fail(e.to_string()))
}

/// Opens a candle file for streaming; gzip (by `.gz` extension or magic bytes) is
/// decompressed on the fly, including multi-member files (`cat a.gz b.gz`).
pub fn open_input(path: &Path) -> Result<Box<dyn BufRead + Send>, ReplayError> {
    let open_error = |source| ReplayError::Open {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(open_error)?;
    let mut reader = BufReader::with_capacity(READ_BUFFER, file);
    let has_gz_extension = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("gz"));
    let has_magic = reader
        .fill_buf()
        .map_err(open_error)?
        .starts_with(&GZIP_MAGIC);
    if has_gz_extension || has_magic {
        let decoder = MultiGzDecoder::new(reader);
        Ok(Box::new(BufReader::with_capacity(READ_BUFFER, decoder)))
    } else {
        Ok(Box::new(reader))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_symbol_from_simple_file_names() {
        for name in [
            "BTC-USD.csv",
            "BTC-USD.csv.gz",
            "BTC-USD_1m.csv.gz",
            "data/btc-usd_1h.csv",
        ] {
            let f = SymbolFile::from_path(name).unwrap();
            assert_eq!(f.symbol.as_str(), "BTC-USD", "{name}");
            assert_eq!(f.interval, None);
        }
    }

    #[test]
    fn refuses_names_without_a_canonical_symbol() {
        for name in ["binance-BTCUSDT-1h.csv", "BTCUSDT.csv", "candles.csv"] {
            let err = SymbolFile::from_path(name).unwrap_err();
            assert!(
                err.to_string().contains(name),
                "error should name the file: {err}"
            );
        }
    }
}
