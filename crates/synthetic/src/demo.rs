//! The bundled demo data: 30 days of BTC-USD and ETH-USD minutes from 2024-01-01, made by
//! one `PairGenerator` with fixed seeds and committed as gzip CSV under `fixtures/`, so a
//! backtest works on a fresh machine with no network. `write_demo_data` (re)writes them;
//! the crate's tests check the committed files still equal what it makes.

use std::path::{Path, PathBuf};

use chrono::DateTime;
use domain::Timestamp;

use crate::error::SyntheticError;
use crate::pair::{PairConfig, PairGenerator};

/// Seed of the demo BTC-USD series (and of the shared market).
pub const DEMO_BTC_SEED: u64 = 20_240_101;
/// Seed of the demo ETH-USD series' own shocks.
pub const DEMO_ETH_SEED: u64 = 20_240_102;
/// Correlation of the demo pair's unit shocks.
pub const DEMO_CORRELATION: f64 = 0.8;
/// Bars per demo file: 30 days of minutes.
pub const DEMO_BARS: usize = 30 * 1_440;
/// File names of the demo data, BTC-USD first; `replay` reads the symbol from the name.
pub const DEMO_FILE_NAMES: [&str; 2] = ["BTC-USD_1m.csv.gz", "ETH-USD_1m.csv.gz"];

/// 2024-01-01T00:00:00Z, the open of the first demo bar.
pub fn demo_start() -> Timestamp {
    DateTime::from_timestamp(1_704_067_200, 0).expect("2024-01-01T00:00:00Z is representable")
}

/// The config of the demo data: [`PairConfig::btc_eth`] with the demo seeds.
pub fn demo_pair_config() -> PairConfig {
    PairConfig::btc_eth(DEMO_BTC_SEED, DEMO_ETH_SEED)
}

/// Writes the demo files into `dir` (created if missing), atomically, and returns their paths
/// in the order of [`DEMO_FILE_NAMES`].
///
/// The pair is generated once per file and projected, rather than buffered, so memory stays
/// constant; determinism makes both passes identical.
pub fn write_demo_data(dir: &Path) -> Result<Vec<PathBuf>, SyntheticError> {
    std::fs::create_dir_all(dir).map_err(|source| SyntheticError::CreateDir {
        path: dir.display().to_string(),
        source,
    })?;
    let config = demo_pair_config();
    let [btc_name, eth_name] = DEMO_FILE_NAMES;
    let btc = dir.join(btc_name);
    replay::write_candles_csv(&btc, PairGenerator::new(&config)?.leads(), true)?;
    let eth = dir.join(eth_name);
    replay::write_candles_csv(&eth, PairGenerator::new(&config)?.followers(), true)?;
    Ok(vec![btc, eth])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_span_is_thirty_days_from_new_year_2024() {
        assert_eq!(demo_start().to_rfc3339(), "2024-01-01T00:00:00+00:00");
        let config = demo_pair_config();
        assert_eq!(config.lead.bars, 43_200);
        assert_eq!(config.lead.start, demo_start());
        assert_eq!(config.lead.seed, DEMO_BTC_SEED);
        assert_eq!(config.follower.seed, DEMO_ETH_SEED);
        config.validate().unwrap();
    }

    #[test]
    fn file_names_carry_the_symbols() {
        for (name, symbol) in DEMO_FILE_NAMES.iter().zip(["BTC-USD", "ETH-USD"]) {
            let read = replay::symbol_from_file_name(Path::new(name)).unwrap();
            assert_eq!(read.as_str(), symbol);
        }
    }
}
