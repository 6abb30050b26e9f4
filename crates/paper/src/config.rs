//! `[paper]`: how the simulated venue fills, what it charges and which
//! instrument filters it enforces.
//!
//! Every field has a default, so an empty section gives a working venue for
//! BTC-USD and ETH-USD with Binance-like filters: fills at the next bar's open,
//! 5 bps of slippage, 10 bps of commission, no volume cap. Unknown keys are an
//! error (a typo must not silently fall back to a default), and
//! [`PaperConfig::validate`] reports every invalid value together.

use std::collections::BTreeMap;

use domain::{ConfigViolation, InstrumentFilters, Money, Price, Qty, Symbol, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Largest accepted commission or slippage, in basis points (10%).
const MAX_BPS: Decimal = Decimal::ONE_THOUSAND;
/// Largest accepted ATR multiple for slippage.
const MAX_ATR_MULTIPLE: Decimal = Decimal::ONE_HUNDRED;
/// Longest accepted ATR period, in bars.
const MAX_ATR_PERIOD: usize = 1_000;

/// At which price a market order executes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FillPolicy {
    /// At the open of the symbol's next bar (no look-ahead: the bar that
    /// produced the signal is already closed when the order is sent).
    #[default]
    #[serde(alias = "next_open")]
    NextOpen,
    /// Immediately, at the close of the last bar observed for the symbol.
    Close,
}

/// How far a market order's execution price moves against it.
///
/// Limit orders never slip: they execute at their limit or better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Slippage {
    /// A fixed fraction of the price, in basis points (`5` = 0.05%).
    Bps(Decimal),
    /// `k` times the symbol's Average True Range (Wilder, over `period` bars).
    ///
    /// The ATR counts closed candles only (trade prints do not move it). Until
    /// `period` candles have been seen the mean true range so far is used;
    /// before any, the range (high - low) of the bar being filled.
    AtrMultiple {
        /// Multiple of the ATR added to (buys) or taken from (sells) the price.
        k: Decimal,
        /// Number of bars the ATR averages (14 is Wilder's).
        period: usize,
    },
}

impl Default for Slippage {
    fn default() -> Self {
        Slippage::Bps(Decimal::from(5))
    }
}

/// The `[paper]` configuration section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaperConfig {
    /// At which price market orders execute (`next-open` or `close`).
    pub fill: FillPolicy,
    /// Slippage model for market orders.
    pub slippage: Slippage,
    /// Commission per fill, in basis points of the fill's notional; in [0, 1000].
    pub commission_bps: Decimal,
    /// Largest fraction of a bar's volume that may fill on that bar, across every
    /// order of the symbol; in (0, 1]. `None` (the default) means no cap.
    pub max_volume_fraction: Option<Decimal>,
    /// Trading rules per symbol; orders for any other symbol are rejected.
    pub filters: BTreeMap<Symbol, InstrumentFilters>,
}

impl Default for PaperConfig {
    fn default() -> Self {
        Self {
            fill: FillPolicy::default(),
            slippage: Slippage::default(),
            commission_bps: Decimal::TEN,
            max_volume_fraction: None,
            filters: default_filters(),
        }
    }
}

/// Binance-like spot filters for BTC-USD and ETH-USD: tick 0.01, step 0.00001
/// BTC / 0.0001 ETH (also the minimum quantity), maximum 9,000, minimum notional 5.
pub fn default_filters() -> BTreeMap<Symbol, InstrumentFilters> {
    [
        ("BTC-USD", Decimal::new(1, 5)),
        ("ETH-USD", Decimal::new(1, 4)),
    ]
    .into_iter()
    .filter_map(|(symbol, step)| {
        let symbol = Symbol::new(symbol).ok()?;
        let step = Qty::new(step).ok()?;
        let filters = InstrumentFilters::new(
            Price::new(Decimal::new(1, 2)).ok()?,
            step,
            step,
            Qty::new(Decimal::from(9_000)).ok()?,
            Money::new(Decimal::from(5)),
            None,
        )
        .ok()?;
        Some((symbol, filters))
    })
    .collect()
}

impl PaperConfig {
    /// Every invalid value of the section, each naming its key (`paper.<key>`),
    /// what would be valid and the value given.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("paper");
        let bps_ok = |b: Decimal| b >= Decimal::ZERO && b <= MAX_BPS;
        v.check(
            bps_ok(self.commission_bps),
            "commission_bps",
            "in [0, 1000]",
            self.commission_bps,
        );
        match self.slippage {
            Slippage::Bps(bps) => v.check(bps_ok(bps), "slippage.bps", "in [0, 1000]", bps),
            Slippage::AtrMultiple { k, period } => {
                v.check(
                    k >= Decimal::ZERO && k <= MAX_ATR_MULTIPLE,
                    "slippage.atr_multiple.k",
                    "in [0, 100]",
                    k,
                );
                v.check(
                    (1..=MAX_ATR_PERIOD).contains(&period),
                    "slippage.atr_multiple.period",
                    "in [1, 1000]",
                    period,
                );
            }
        }
        if let Some(fraction) = self.max_volume_fraction {
            v.check(
                fraction > Decimal::ZERO && fraction <= Decimal::ONE,
                "max_volume_fraction",
                "in (0, 1] (omit the key for no cap)",
                fraction,
            );
        }
        v.check(
            !self.filters.is_empty(),
            "filters",
            "at least one symbol's filters, e.g. [paper.filters.BTC-USD]",
            "none",
        );
        for (symbol, filters) in &self.filters {
            let key = format!("filters.{symbol}");
            if let Err(err) = filters.validate() {
                v.check(
                    false,
                    &key,
                    "consistent filters (step_size > 0, min_qty <= max_qty, min_notional >= 0)",
                    err,
                );
            }
            if let Some(max) = filters.max_notional {
                v.check(
                    max >= filters.min_notional,
                    &format!("{key}.max_notional"),
                    "at least min_notional",
                    max,
                );
            }
        }
        v.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_cover_btc_and_eth() {
        let config = PaperConfig::default();
        assert!(config.validate().is_empty(), "{:?}", config.validate());
        let symbols: Vec<&str> = config.filters.keys().map(Symbol::as_str).collect();
        assert_eq!(symbols, ["BTC-USD", "ETH-USD"]);
        assert_eq!(config.fill, FillPolicy::NextOpen);
        assert_eq!(config.slippage, Slippage::Bps(Decimal::from(5)));
        assert_eq!(config.commission_bps, Decimal::TEN);
    }

    #[test]
    fn reports_every_violation_with_its_key() {
        let config = PaperConfig {
            commission_bps: Decimal::from(-1),
            slippage: Slippage::AtrMultiple {
                k: Decimal::from(-2),
                period: 0,
            },
            max_volume_fraction: Some(Decimal::from(2)),
            filters: BTreeMap::new(),
            ..PaperConfig::default()
        };
        let keys: Vec<String> = config.validate().into_iter().map(|v| v.key).collect();
        assert_eq!(
            keys,
            [
                "paper.commission_bps",
                "paper.slippage.atr_multiple.k",
                "paper.slippage.atr_multiple.period",
                "paper.max_volume_fraction",
                "paper.filters",
            ]
        );
    }
}
