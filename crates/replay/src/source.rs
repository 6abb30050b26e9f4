//! Where candles come from: `SymbolFile` names a candle file and the symbol it holds. The
//! file is on disk (`--data`) or already in memory (demo data embedded in a binary);
//! [`SymbolFile::open`] reads either as a buffered stream, decompressing gzip transparently
//! (detected by a `.gz` name or the gzip magic bytes), so everything downstream (rows,
//! `file:line` errors, stats) is the same whichever it is.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor};
use std::path::{Path, PathBuf};

use domain::Symbol;
use flate2::bufread::MultiGzDecoder;

use crate::error::ReplayError;
use crate::interval::Interval;

/// Read buffer per open file; the only memory a stream holds besides one row.
const READ_BUFFER: usize = 64 * 1024;
/// The first two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Where a candle file's bytes are.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A file on disk, streamed as it is read.
    Disk(PathBuf),
    /// Bytes already in memory (e.g. embedded in the binary with `include_bytes!`), plain or gzip.
    Memory {
        /// The name errors and reports use in place of a path (e.g. `bundled:BTC-USD_1m.csv.gz`);
        /// a `.gz` ending marks gzip, as a path's extension does.
        name: String,
        /// The file's bytes, borrowed when they are `'static` (embedded), owned otherwise.
        bytes: Cow<'static, [u8]>,
    },
}

impl std::fmt::Debug for Location {
    /// The bytes are shown by length: an embedded file is megabytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Disk(path) => f.debug_tuple("Disk").field(path).finish(),
            Location::Memory { name, bytes } => f
                .debug_struct("Memory")
                .field("name", name)
                .field("bytes", &bytes.len())
                .finish(),
        }
    }
}

/// One candle file and the symbol its rows belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolFile {
    /// The instrument every row of the file is about.
    pub symbol: Symbol,
    /// The file's bytes: on disk or in memory, plain or gzip.
    pub location: Location,
    /// Bar length; `None` infers it (Binance rows carry their close time, our
    /// format uses the difference between the first two rows).
    pub interval: Option<Interval>,
}

impl SymbolFile {
    /// A file on disk of `symbol`'s candles; the interval is inferred.
    pub fn new(symbol: Symbol, path: impl Into<PathBuf>) -> Self {
        Self {
            symbol,
            location: Location::Disk(path.into()),
            interval: None,
        }
    }

    /// A file of `symbol`'s candles whose bytes are in memory, read exactly as the same bytes
    /// on disk would be; `name` stands for the path in errors (`name:line`) and reports.
    pub fn in_memory(
        symbol: Symbol,
        name: impl Into<String>,
        bytes: impl Into<Cow<'static, [u8]>>,
    ) -> Self {
        Self {
            symbol,
            location: Location::Memory {
                name: name.into(),
                bytes: bytes.into(),
            },
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

    /// The path of a file on disk; `None` for one in memory.
    pub fn path(&self) -> Option<&Path> {
        match &self.location {
            Location::Disk(path) => Some(path),
            Location::Memory { .. } => None,
        }
    }

    /// The name used in error messages and reports (the path as given, or the in-memory name).
    pub fn source_name(&self) -> String {
        match &self.location {
            Location::Disk(path) => path.display().to_string(),
            Location::Memory { name, .. } => name.clone(),
        }
    }

    /// Checks that the file can be opened now (a file on disk exists), without reading it.
    pub fn check_exists(&self) -> Result<(), ReplayError> {
        match &self.location {
            Location::Disk(path) => {
                std::fs::metadata(path)
                    .map(drop)
                    .map_err(|source| ReplayError::Open {
                        path: self.source_name(),
                        source,
                    })
            }
            Location::Memory { .. } => Ok(()),
        }
    }

    /// Opens the file for streaming; gzip (by a `.gz` name or magic bytes) is decompressed on
    /// the fly, including multi-member files (`cat a.gz b.gz`).
    pub fn open(&self) -> Result<Box<dyn BufRead + Send>, ReplayError> {
        match &self.location {
            Location::Disk(path) => open_input(path),
            Location::Memory { name, bytes } => {
                decode(Cursor::new(bytes.clone()), named_gz(Path::new(name))).map_err(|source| {
                    ReplayError::Open {
                        path: name.clone(),
                        source,
                    }
                })
            }
        }
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

/// Opens a candle file on disk for streaming; gzip (by `.gz` extension or magic bytes) is
/// decompressed on the fly, including multi-member files (`cat a.gz b.gz`).
pub fn open_input(path: &Path) -> Result<Box<dyn BufRead + Send>, ReplayError> {
    let open_error = |source| ReplayError::Open {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(open_error)?;
    decode(BufReader::with_capacity(READ_BUFFER, file), named_gz(path)).map_err(open_error)
}

/// `reader` as text: through a gzip decoder when it is named `.gz` or starts with the magic.
fn decode<R: BufRead + Send + 'static>(
    mut reader: R,
    gzip_named: bool,
) -> std::io::Result<Box<dyn BufRead + Send>> {
    let has_magic = reader.fill_buf()?.starts_with(&GZIP_MAGIC);
    if gzip_named || has_magic {
        let decoder = MultiGzDecoder::new(reader);
        Ok(Box::new(BufReader::with_capacity(READ_BUFFER, decoder)))
    } else {
        Ok(Box::new(reader))
    }
}

/// Whether a file name has the `.gz` extension, case ignored.
fn named_gz(name: &Path) -> bool {
    name.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("gz"))
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
