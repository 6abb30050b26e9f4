//! Where a run's candles come from: the bundled demo data (embedded in the binary, see
//! `demo-candles`), a directory of `<SYMBOL>*.csv[.gz]` files, or one file. Resolving a
//! symbol that has no data is an error listing the symbols that do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use domain::Symbol;
use replay::SymbolFile;
use serde::{Serialize, Serializer};

use crate::error::BacktestError;

/// Where the candles of a run are read from.
///
/// Recorded in `result.json` as `{"kind": ..., "path": ...}`; the bundled data has no path,
/// so its `path` is [`demo_candles::DESCRIPTION`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// The bundled demo data, embedded in the binary (no `--data`).
    Bundled,
    /// A directory of `<SYMBOL>*.csv[.gz]` files.
    Dir(PathBuf),
    /// One file holding one symbol.
    File(PathBuf),
}

/// The recorded shape of a [`DataSource`], unchanged since the bundled data was a directory.
#[derive(Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "snake_case")]
enum Recorded<'a> {
    Bundled(&'static str),
    Dir(&'a Path),
    File(&'a Path),
}

impl Serialize for DataSource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Bundled => Recorded::Bundled(demo_candles::DESCRIPTION),
            Self::Dir(p) => Recorded::Dir(p),
            Self::File(p) => Recorded::File(p),
        }
        .serialize(serializer)
    }
}

impl DataSource {
    /// The source named by `--data` (a file or a directory), or the bundled data.
    pub fn from_flag(data: Option<&Path>) -> Result<Self, BacktestError> {
        match data {
            None => Ok(Self::Bundled),
            Some(p) if p.is_dir() => Ok(Self::Dir(p.to_path_buf())),
            Some(p) if p.is_file() => Ok(Self::File(p.to_path_buf())),
            Some(p) => Err(BacktestError::flag(
                "--data",
                format!(
                    "{} is neither a file nor a directory (give a CSV file or a directory of <SYMBOL>*.csv[.gz] files)",
                    p.display()
                ),
            )),
        }
    }

    fn place(&self) -> String {
        match self {
            Self::Bundled => format!("the {}", demo_candles::DESCRIPTION),
            Self::Dir(p) => p.display().to_string(),
            Self::File(p) => p.display().to_string(),
        }
    }

    /// The files of each requested symbol; with no symbol requested, `--data FILE` names
    /// it from the file name and the other sources refuse, listing what they hold.
    pub fn resolve(&self, symbols: &[String]) -> Result<Vec<SymbolFile>, BacktestError> {
        let available = match self {
            Self::File(path) => return resolve_file(path, symbols),
            Self::Bundled => bundled(),
            Self::Dir(dir) => scan_dir(dir)?,
        };
        if symbols.is_empty() {
            return Err(BacktestError::flag(
                "--symbol",
                format!(
                    "give at least one symbol; {} has: {}",
                    self.place(),
                    names(&available).join(", ")
                ),
            ));
        }
        let mut files = Vec::new();
        let mut seen = Vec::new();
        for text in symbols {
            let unknown = || BacktestError::UnknownSymbol {
                symbol: text.clone(),
                place: self.place(),
                valid: names(&available),
            };
            let symbol = Symbol::new(text.trim()).map_err(|_| unknown())?;
            if seen.contains(&symbol) {
                continue;
            }
            let of_symbol = available.get(&symbol).ok_or_else(unknown)?;
            files.extend(of_symbol.iter().cloned());
            seen.push(symbol);
        }
        Ok(files)
    }

    /// The symbols this source has data for (files named `<SYMBOL>*.csv[.gz]`).
    pub fn available_symbols(&self) -> Result<Vec<String>, BacktestError> {
        match self {
            Self::File(path) => Ok(replay::symbol_from_file_name(path)
                .map(|s| vec![s.to_string()])
                .unwrap_or_default()),
            Self::Bundled => Ok(names(&bundled())),
            Self::Dir(dir) => Ok(names(&scan_dir(dir)?)),
        }
    }
}

fn resolve_file(path: &Path, symbols: &[String]) -> Result<Vec<SymbolFile>, BacktestError> {
    match symbols {
        [] => Ok(vec![SymbolFile::from_path(path)?]),
        [one] => {
            let symbol = Symbol::new(one.trim()).map_err(|e| {
                BacktestError::flag("--symbol", format!("{one:?} is not a symbol: {e}"))
            })?;
            Ok(vec![SymbolFile::new(symbol, path)])
        }
        many => Err(BacktestError::flag(
            "--symbol",
            format!(
                "--data FILE holds one symbol but {} were given ({}); give a directory of <SYMBOL>*.csv[.gz] files for several",
                many.len(),
                many.join(", ")
            ),
        )),
    }
}

/// The embedded demo files by symbol.
fn bundled() -> BTreeMap<Symbol, Vec<SymbolFile>> {
    let mut found: BTreeMap<Symbol, Vec<SymbolFile>> = BTreeMap::new();
    for file in demo_candles::symbol_files() {
        found.entry(file.symbol.clone()).or_default().push(file);
    }
    found
}

/// Candle files in `dir` by the symbol their name carries, each list sorted by name
/// (several files of one symbol, e.g. monthly dumps, are read one after another).
fn scan_dir(dir: &Path) -> Result<BTreeMap<Symbol, Vec<SymbolFile>>, BacktestError> {
    let entries = std::fs::read_dir(dir).map_err(BacktestError::io(dir))?;
    let mut found: BTreeMap<Symbol, Vec<PathBuf>> = BTreeMap::new();
    for entry in entries {
        let path = entry.map_err(BacktestError::io(dir))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !(name.ends_with(".csv") || name.ends_with(".csv.gz")) || !path.is_file() {
            continue;
        }
        if let Ok(symbol) = replay::symbol_from_file_name(&path) {
            found.entry(symbol).or_default().push(path);
        }
    }
    Ok(found
        .into_iter()
        .map(|(symbol, mut paths)| {
            paths.sort();
            let files = paths
                .into_iter()
                .map(|p| SymbolFile::new(symbol.clone(), p))
                .collect();
            (symbol, files)
        })
        .collect())
}

fn names(available: &BTreeMap<Symbol, Vec<SymbolFile>>) -> Vec<String> {
    available.keys().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, name: &str) {
        std::fs::write(dir.join(name), "ts,open,high,low,close,volume\n").unwrap();
    }

    #[test]
    fn bundled_data_has_btc_and_eth_embedded() {
        let source = DataSource::from_flag(None).unwrap();
        assert_eq!(source.available_symbols().unwrap(), ["BTC-USD", "ETH-USD"]);
        let files = source.resolve(&["btc-usd".to_string()]).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].symbol.as_str(), "BTC-USD");
        assert_eq!(files[0].path(), None, "read from the binary, not from disk");
        assert_eq!(files[0].source_name(), "bundled:BTC-USD_1m.csv.gz");
    }

    #[test]
    fn result_json_records_the_bundled_data_without_a_path() {
        let recorded = |source: &DataSource| serde_json::to_value(source).unwrap();
        assert_eq!(
            recorded(&DataSource::Bundled),
            serde_json::json!({"kind": "bundled", "path": "bundled demo data (embedded)"})
        );
        assert_eq!(
            recorded(&DataSource::Dir(PathBuf::from("data/x"))),
            serde_json::json!({"kind": "dir", "path": "data/x"})
        );
        let unknown = DataSource::Bundled
            .resolve(&["SOL-USD".to_string()])
            .unwrap_err();
        assert!(
            unknown
                .to_string()
                .contains("in the bundled demo data (embedded); valid symbols: BTC-USD, ETH-USD"),
            "{unknown}"
        );
    }

    #[test]
    fn unknown_symbol_lists_what_the_directory_holds() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "BTC-USD_1h.csv");
        touch(dir.path(), "SOL-USD.csv.gz");
        touch(dir.path(), "notes.txt");
        let source = DataSource::from_flag(Some(dir.path())).unwrap();
        let err = source.resolve(&["ETH-USD".to_string()]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("unknown symbol ETH-USD"), "{text}");
        assert!(text.contains("valid symbols: BTC-USD, SOL-USD"), "{text}");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn a_directory_chains_every_file_of_a_symbol_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "BTC-USD_2024-02.csv");
        touch(dir.path(), "BTC-USD_2024-01.csv");
        let source = DataSource::from_flag(Some(dir.path())).unwrap();
        let files = source.resolve(&["BTC-USD".to_string()]).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| {
                f.path()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["BTC-USD_2024-01.csv", "BTC-USD_2024-02.csv"]);
    }

    #[test]
    fn a_file_takes_one_symbol_or_its_name() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "binance-BTCUSDT-1h.csv");
        let path = dir.path().join("binance-BTCUSDT-1h.csv");
        let source = DataSource::from_flag(Some(&path)).unwrap();
        let files = source.resolve(&["BTC-USD".to_string()]).unwrap();
        assert_eq!(files[0].symbol.as_str(), "BTC-USD");
        assert!(source.resolve(&[]).is_err(), "no symbol in that name");
        let two = source
            .resolve(&["BTC-USD".to_string(), "ETH-USD".to_string()])
            .unwrap_err();
        assert!(two.to_string().starts_with("--symbol:"), "{two}");
    }

    #[test]
    fn a_missing_path_is_a_flag_error() {
        let err = DataSource::from_flag(Some(Path::new("/no/such/place"))).unwrap_err();
        assert!(err.to_string().starts_with("--data:"), "{err}");
    }
}
