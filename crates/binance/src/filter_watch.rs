//! [`FilterWatch`]: the instrument filters of the traded symbols, kept current by re-reading
//! `exchangeInfo` on a schedule (`BinanceConfig::filter_refresh_interval`), with every change
//! reported so the runtime can raise an alert.
//!
//! The watch does no scheduling and no alerting itself: the caller runs
//! [`FilterWatch::refresh`] every interval, hands the new filters to whoever conforms orders,
//! and turns each [`FilterChange`] (an operator-readable sentence through `Display`) into an
//! alert. The comparison is a pure function ([`FilterWatch::apply`]) so it is tested without
//! a network.

use std::collections::BTreeMap;
use std::fmt;

use domain::{InstrumentFilters, Symbol};
use serde::Serialize;

use crate::error::BinanceError;
use crate::http::client::RestClient;
use crate::http::models::SymbolInfo;
use crate::http::parse;

/// The `exchangeInfo` status of a symbol open for trading.
pub const TRADING: &str = "TRADING";

/// What `exchangeInfo` said about one watched symbol at the last read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymbolRules {
    /// Binance status (`TRADING`, `BREAK`, `HALT`, ...); `None` when `exchangeInfo` no longer
    /// lists the symbol.
    pub status: Option<String>,
    /// The filters; the last ones read when the symbol is no longer listed (or its filters
    /// could not be read while it was not trading).
    pub filters: InstrumentFilters,
}

impl SymbolRules {
    /// Whether the symbol is listed with status `TRADING`.
    pub fn is_trading(&self) -> bool {
        self.status.as_deref() == Some(TRADING)
    }
}

/// Which rule of a symbol changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterField {
    /// `PRICE_FILTER.tickSize`.
    TickSize,
    /// `LOT_SIZE` / `MARKET_LOT_SIZE` `stepSize`.
    StepSize,
    /// `LOT_SIZE` / `MARKET_LOT_SIZE` `minQty`.
    MinQty,
    /// `LOT_SIZE` / `MARKET_LOT_SIZE` `maxQty`.
    MaxQty,
    /// `MIN_NOTIONAL` / `NOTIONAL` `minNotional`.
    MinNotional,
    /// `NOTIONAL.maxNotional`.
    MaxNotional,
    /// The symbol's status, or whether it is listed at all.
    Status,
}

impl FilterField {
    /// The `InstrumentFilters` field name (`status` for the listing status).
    pub fn as_str(self) -> &'static str {
        match self {
            FilterField::TickSize => "tick_size",
            FilterField::StepSize => "step_size",
            FilterField::MinQty => "min_qty",
            FilterField::MaxQty => "max_qty",
            FilterField::MinNotional => "min_notional",
            FilterField::MaxNotional => "max_notional",
            FilterField::Status => "status",
        }
    }
}

impl fmt::Display for FilterField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `old`/`new` of a [`FilterChange`] for a symbol `exchangeInfo` does not list.
pub const NOT_LISTED: &str = "NOT_LISTED";
/// `old`/`new` of a `max_notional` change when there is no maximum.
pub const NO_LIMIT: &str = "none";

/// One rule of one symbol that differs from the previous read.
///
/// `old` and `new` are the values as text: decimals for filters (`none` for no
/// `max_notional`), the Binance status for `status` ([`NOT_LISTED`] when the symbol is not in
/// `exchangeInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterChange {
    /// The canonical symbol (`BTC-USD`).
    pub symbol: Symbol,
    /// Its Binance spelling (`BTCUSDT`).
    pub venue_symbol: String,
    /// Which rule.
    pub field: FilterField,
    /// Before.
    pub old: String,
    /// Now.
    pub new: String,
}

impl FilterChange {
    /// True when the change leaves the symbol not tradable (status no longer `TRADING`, or
    /// no longer listed): orders on it will be refused by Binance.
    pub fn stops_trading(&self) -> bool {
        self.field == FilterField::Status && self.new != TRADING
    }
}

impl fmt::Display for FilterChange {
    /// `BTC-USD (BTCUSDT): tick_size changed from 0.01 to 0.1`,
    /// `BTC-USD (BTCUSDT): no longer listed in exchangeInfo (was TRADING); orders on it will
    /// be refused`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): ", self.symbol, self.venue_symbol)?;
        match self.field {
            FilterField::Status if self.new == NOT_LISTED => write!(
                f,
                "no longer listed in exchangeInfo (was {}); orders on it will be refused",
                self.old
            ),
            FilterField::Status if self.old == NOT_LISTED => {
                write!(f, "listed again in exchangeInfo with status {}", self.new)
            }
            FilterField::Status if self.new == TRADING => {
                write!(
                    f,
                    "status changed from {} to TRADING; trading possible again",
                    self.old
                )
            }
            FilterField::Status => write!(
                f,
                "status changed from {} to {}; orders on it will be refused",
                self.old, self.new
            ),
            field => write!(f, "{field} changed from {} to {}", self.old, self.new),
        }
    }
}

/// What one `exchangeInfo` read said about one watched symbol, before comparison.
#[derive(Debug, Clone)]
pub struct ListedSymbol {
    /// Binance status (`TRADING`, `BREAK`, ...).
    pub status: String,
    /// The filters, or why they could not be read.
    pub filters: Result<InstrumentFilters, BinanceError>,
}

/// The last known rules of the watched symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterWatch {
    rules: BTreeMap<Symbol, SymbolRules>,
}

impl FilterWatch {
    /// Watches the symbols of `initial` with those filters, assumed `TRADING` (for filters
    /// already read elsewhere, e.g. `RestClient::instrument_filters` at start-up).
    pub fn new(initial: BTreeMap<Symbol, InstrumentFilters>) -> Self {
        let rules = initial
            .into_iter()
            .map(|(symbol, filters)| {
                let rules = SymbolRules {
                    status: Some(TRADING.to_string()),
                    filters,
                };
                (symbol, rules)
            })
            .collect();
        Self { rules }
    }

    /// Reads the filters and status of `symbols` from `exchangeInfo` (one request, weight
    /// 20). Fails if a symbol is not listed or its filters cannot be read.
    pub async fn load(client: &RestClient, symbols: &[Symbol]) -> Result<Self, BinanceError> {
        let map = &client.config().symbols;
        let venue: Vec<String> = symbols.iter().map(|s| map.to_venue(s)).collect();
        let infos = client.symbol_infos(&venue).await?;
        let mut rules = BTreeMap::new();
        for (symbol, venue_symbol) in symbols.iter().zip(&venue) {
            let info = find(&infos, venue_symbol)
                .ok_or_else(|| BinanceError::UnknownSymbol(venue_symbol.clone()))?;
            let filters = parse::filters_from_symbol(info)?;
            if info.status != TRADING {
                tracing::warn!(symbol = %symbol, status = %info.status, "binance symbol is not TRADING");
            }
            let status = Some(info.status.clone());
            rules.insert(symbol.clone(), SymbolRules { status, filters });
        }
        Ok(Self { rules })
    }

    /// Re-reads `exchangeInfo` for the watched symbols (one request, weight 20), keeps the
    /// result and returns what changed since the last read (empty when nothing did).
    ///
    /// On an error (transport, limits, a `TRADING` symbol whose filters cannot be read)
    /// nothing is changed: the previous filters stay in force and the caller retries at the
    /// next interval.
    pub async fn refresh(
        &mut self,
        client: &RestClient,
    ) -> Result<Vec<FilterChange>, BinanceError> {
        let map = &client.config().symbols;
        let venue: BTreeMap<Symbol, String> = self
            .rules
            .keys()
            .map(|s| (s.clone(), map.to_venue(s)))
            .collect();
        let names: Vec<String> = venue.values().cloned().collect();
        let infos = client.symbol_infos(&names).await?;
        let listed = venue
            .iter()
            .filter_map(|(symbol, venue_symbol)| {
                let info = find(&infos, venue_symbol)?;
                let entry = ListedSymbol {
                    status: info.status.clone(),
                    filters: parse::filters_from_symbol(info),
                };
                Some((symbol.clone(), entry))
            })
            .collect();
        let changes = self.apply(&listed, |s| map.to_venue(s))?;
        for change in &changes {
            tracing::warn!(change = %change, "binance instrument rules changed");
        }
        Ok(changes)
    }

    /// The pure step of [`FilterWatch::refresh`]: takes what `exchangeInfo` listed for the
    /// watched symbols (a watched symbol missing from `listed` is no longer listed; symbols
    /// not watched are ignored), keeps it, and returns the changes in symbol order, then in
    /// field order. Errors (and changes nothing) when a symbol listed as `TRADING` has
    /// unreadable filters; a non-trading symbol's unreadable filters keep their last value.
    pub fn apply(
        &mut self,
        listed: &BTreeMap<Symbol, ListedSymbol>,
        venue_symbol: impl Fn(&Symbol) -> String,
    ) -> Result<Vec<FilterChange>, BinanceError> {
        let mut next = BTreeMap::new();
        for (symbol, old) in &self.rules {
            let new = match listed.get(symbol) {
                None => SymbolRules {
                    status: None,
                    filters: old.filters.clone(),
                },
                Some(entry) => {
                    let filters = match &entry.filters {
                        Ok(f) => f.clone(),
                        Err(e) if entry.status == TRADING => return Err(e.clone()),
                        Err(e) => {
                            tracing::warn!(symbol = %symbol, status = %entry.status, error = %e,
                                "binance filters unreadable on a symbol not trading; keeping the last ones");
                            old.filters.clone()
                        }
                    };
                    SymbolRules {
                        status: Some(entry.status.clone()),
                        filters,
                    }
                }
            };
            next.insert(symbol.clone(), new);
        }
        let mut changes = Vec::new();
        for (symbol, new) in &next {
            if let Some(old) = self.rules.get(symbol) {
                changes.extend(diff(symbol, &venue_symbol(symbol), old, new));
            }
        }
        self.rules = next;
        Ok(changes)
    }

    /// The last known filters of every watched symbol (including symbols not trading now:
    /// check [`FilterWatch::is_trading`]).
    pub fn filters(&self) -> BTreeMap<Symbol, InstrumentFilters> {
        self.rules
            .iter()
            .map(|(s, r)| (s.clone(), r.filters.clone()))
            .collect()
    }

    /// The last known filters of `symbol`, if it is watched.
    pub fn get(&self, symbol: &Symbol) -> Option<&InstrumentFilters> {
        self.rules.get(symbol).map(|r| &r.filters)
    }

    /// Whether `symbol` is watched, listed and `TRADING` at the last read.
    pub fn is_trading(&self, symbol: &Symbol) -> bool {
        self.rules.get(symbol).is_some_and(SymbolRules::is_trading)
    }

    /// Status and filters of every watched symbol.
    pub fn rules(&self) -> &BTreeMap<Symbol, SymbolRules> {
        &self.rules
    }
}

fn find<'a>(infos: &'a [SymbolInfo], venue_symbol: &str) -> Option<&'a SymbolInfo> {
    infos
        .iter()
        .find(|i| i.symbol.eq_ignore_ascii_case(venue_symbol))
}

/// Every rule of `symbol` that differs between `old` and `new`, in field order.
fn diff(
    symbol: &Symbol,
    venue_symbol: &str,
    old: &SymbolRules,
    new: &SymbolRules,
) -> Vec<FilterChange> {
    let status = |s: &Option<String>| s.clone().unwrap_or_else(|| NOT_LISTED.to_string());
    let max_notional = |f: &InstrumentFilters| {
        f.max_notional.map_or_else(
            || NO_LIMIT.to_string(),
            |m| m.value().normalize().to_string(),
        )
    };
    let (o, n) = (&old.filters, &new.filters);
    let fields = [
        (
            FilterField::TickSize,
            o.tick_size.value().normalize().to_string(),
            n.tick_size.value().normalize().to_string(),
        ),
        (
            FilterField::StepSize,
            o.step_size.value().normalize().to_string(),
            n.step_size.value().normalize().to_string(),
        ),
        (
            FilterField::MinQty,
            o.min_qty.value().normalize().to_string(),
            n.min_qty.value().normalize().to_string(),
        ),
        (
            FilterField::MaxQty,
            o.max_qty.value().normalize().to_string(),
            n.max_qty.value().normalize().to_string(),
        ),
        (
            FilterField::MinNotional,
            o.min_notional.value().normalize().to_string(),
            n.min_notional.value().normalize().to_string(),
        ),
        (FilterField::MaxNotional, max_notional(o), max_notional(n)),
        (
            FilterField::Status,
            status(&old.status),
            status(&new.status),
        ),
    ];
    fields
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| FilterChange {
            symbol: symbol.clone(),
            venue_symbol: venue_symbol.to_string(),
            field,
            old,
            new,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use domain::{Money, Price, Qty};
    use rust_decimal::Decimal;

    use super::*;

    fn sym(s: &str) -> Symbol {
        Symbol::new(s).unwrap()
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn filters(tick: &str, max_notional: Option<&str>) -> InstrumentFilters {
        InstrumentFilters::new(
            Price::new(d(tick)).unwrap(),
            Qty::new(d("0.00001")).unwrap(),
            Qty::new(d("0.00001")).unwrap(),
            Qty::new(d("9000")).unwrap(),
            Money::new(d("10")),
            max_notional.map(|m| Money::new(d(m))),
        )
        .unwrap()
    }

    fn listed(status: &str, f: InstrumentFilters) -> ListedSymbol {
        ListedSymbol {
            status: status.to_string(),
            filters: Ok(f),
        }
    }

    fn venue(s: &Symbol) -> String {
        s.as_str().replace("-USD", "USDT")
    }

    fn watch() -> FilterWatch {
        FilterWatch::new(BTreeMap::from([
            (sym("BTC-USD"), filters("0.01", None)),
            (sym("ETH-USD"), filters("0.01", None)),
        ]))
    }

    #[test]
    fn unchanged_rules_report_nothing() {
        let mut w = watch();
        let same = BTreeMap::from([
            (sym("BTC-USD"), listed(TRADING, filters("0.01", None))),
            (sym("ETH-USD"), listed(TRADING, filters("0.01", None))),
            // Not watched: ignored.
            (sym("SOL-USD"), listed("BREAK", filters("1", None))),
        ]);
        assert_eq!(w.apply(&same, venue).unwrap(), Vec::new());
        assert_eq!(w, watch());
    }

    #[test]
    fn each_changed_field_is_reported_with_old_and_new() {
        let mut w = watch();
        let next = BTreeMap::from([
            (
                sym("BTC-USD"),
                listed(TRADING, filters("0.1", Some("9000000"))),
            ),
            (sym("ETH-USD"), listed(TRADING, filters("0.01", None))),
        ]);
        let changes = w.apply(&next, venue).unwrap();
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0].field, FilterField::TickSize);
        assert_eq!(
            (changes[0].old.as_str(), changes[0].new.as_str()),
            ("0.01", "0.1")
        );
        assert_eq!(
            changes[0].to_string(),
            "BTC-USD (BTCUSDT): tick_size changed from 0.01 to 0.1"
        );
        assert_eq!(changes[1].field, FilterField::MaxNotional);
        assert_eq!(
            changes[1].to_string(),
            "BTC-USD (BTCUSDT): max_notional changed from none to 9000000"
        );
        assert!(changes.iter().all(|c| !c.stops_trading()));
        assert_eq!(w.get(&sym("BTC-USD")).unwrap().tick_size.value(), d("0.1"));
        // A second identical read reports nothing.
        assert!(w.apply(&next, venue).unwrap().is_empty());
    }

    #[test]
    fn a_symbol_leaving_trading_or_the_listing_is_a_change() {
        let mut w = watch();
        let next = BTreeMap::from([(sym("BTC-USD"), listed("BREAK", filters("0.01", None)))]);
        let changes = w.apply(&next, venue).unwrap();
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(
            changes[0].to_string(),
            "BTC-USD (BTCUSDT): status changed from TRADING to BREAK; orders on it will be refused"
        );
        assert_eq!(
            changes[1].to_string(),
            "ETH-USD (ETHUSDT): no longer listed in exchangeInfo (was TRADING); orders on it will be refused"
        );
        assert!(changes.iter().all(FilterChange::stops_trading));
        assert!(!w.is_trading(&sym("BTC-USD")));
        assert!(!w.is_trading(&sym("ETH-USD")));
        // The last known filters stay available.
        assert_eq!(w.filters().len(), 2);

        let back = BTreeMap::from([
            (sym("BTC-USD"), listed(TRADING, filters("0.01", None))),
            (sym("ETH-USD"), listed(TRADING, filters("0.01", None))),
        ]);
        let changes = w.apply(&back, venue).unwrap();
        assert_eq!(
            changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "BTC-USD (BTCUSDT): status changed from BREAK to TRADING; trading possible again",
                "ETH-USD (ETHUSDT): listed again in exchangeInfo with status TRADING",
            ]
        );
        assert!(!changes.iter().any(FilterChange::stops_trading));
        assert!(w.is_trading(&sym("BTC-USD")));
    }

    #[test]
    fn unreadable_filters_fail_a_trading_symbol_and_are_kept_for_a_halted_one() {
        let mut w = watch();
        let bad = || Err(BinanceError::decode("filters", "no LOT_SIZE"));
        let next = BTreeMap::from([
            (
                sym("BTC-USD"),
                ListedSymbol {
                    status: TRADING.to_string(),
                    filters: bad(),
                },
            ),
            (sym("ETH-USD"), listed(TRADING, filters("0.1", None))),
        ]);
        assert!(w.apply(&next, venue).is_err());
        assert_eq!(w, watch(), "a failed refresh changes nothing");

        let next = BTreeMap::from([
            (
                sym("BTC-USD"),
                ListedSymbol {
                    status: "HALT".to_string(),
                    filters: bad(),
                },
            ),
            (sym("ETH-USD"), listed(TRADING, filters("0.01", None))),
        ]);
        let changes = w.apply(&next, venue).unwrap();
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].field, FilterField::Status);
        assert_eq!(w.get(&sym("BTC-USD")), Some(&filters("0.01", None)));
    }
}
