//! TEMPORARY stand-in (replaced by the advisors branch).
use std::collections::BTreeMap;

use domain::{Candle, Regime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Stand-in.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MarketContext {
    bars: u64,
}

impl MarketContext {
    /// Stand-in.
    pub fn update(&mut self, _candle: &Candle) {
        self.bars += 1;
    }
    /// Stand-in.
    pub fn regime(&self) -> Regime {
        Regime::Sideways
    }
    /// Stand-in.
    pub fn features(&self) -> BTreeMap<String, Decimal> {
        BTreeMap::new()
    }
}
