//! Rampart's Binance Spot adapter.
//!
//! Map:
//! - [`config`] — `BinanceConfig` (URLs, recvWindow, weight limit, clock offset limit,
//!   timeouts, circuit breaker) and `SymbolMap` (`BTC-USD` <-> `BTCUSDT`)
//! - [`credential`] — `Credentials` from the environment, HMAC-SHA256 signing
//! - [`error`] — `BinanceError`, `ApiError` and the mapping onto `OrderFailure`/`VenueError`
//! - [`http`] — `RestClient`: signed requests, server-time offset, weight/429/418 handling
//! - [`market_data`] — closed candles over REST with pagination, instrument filters
//! - [`execution`] — `BinanceVenue`, the `ExecutionVenue` port
//! - [`ws`] — the combined WebSocket stream and `BinanceKlineFeed`, the `MarketDataFeed` port
//!   (watchdog, 24 h reconnect, backoff with jitter, REST backfill and polling fallback)
//!   and, with `feed.trades`, the trade stream (`MarketEvent::Trade`, live only, deduplicated)
//! - [`filter_watch`] — `FilterWatch`: filters re-read from `exchangeInfo` on a schedule, each
//!   change reported as a `FilterChange` for an alert
//! - [`metrics`] — `VenueMetrics`: feed counters and REST client state in one serialisable
//!   snapshot
//! - [`account`] — `AccountPermissions` and `AccountSafetyIssue` for readiness
//!
//! See `docs/binance.md`.

pub mod account;
pub mod config;
pub mod credential;
pub mod error;
pub mod execution;
pub mod filter_watch;
pub mod http;
pub mod market_data;
pub mod metrics;
pub mod ws;

pub use account::{AccountPermissions, AccountSafetyIssue};
pub use config::{BinanceConfig, KlineFeedConfig, SymbolMap};
pub use credential::Credentials;
pub use error::{ApiError, BinanceError, ErrorClass};
pub use execution::BinanceVenue;
pub use filter_watch::{FilterChange, FilterField, FilterWatch, ListedSymbol, SymbolRules};
pub use http::client::RestClient;
pub use market_data::KlineInterval;
pub use metrics::VenueMetrics;
pub use ws::feed::{BinanceKlineFeed, FeedStats};

/// Parsers exposed for tests against the recorded fixtures (wire shapes stay private).
#[doc(hidden)]
pub mod fixtures {
    use domain::{Candle, Fill, InstrumentFilters, Order, Symbol};

    use crate::AccountPermissions;
    use crate::error::BinanceError;
    use crate::http::models::{AccountWire, ExchangeInfo, KlineRow, OrderWire};
    use crate::http::parse::{self, Assets};

    /// Filters of every symbol in an `exchangeInfo` body.
    pub fn exchange_info_filters(
        body: &str,
    ) -> Result<Vec<(String, InstrumentFilters)>, BinanceError> {
        let info: ExchangeInfo =
            serde_json::from_str(body).map_err(|e| BinanceError::decode("exchangeInfo", e))?;
        info.symbols
            .iter()
            .map(|s| Ok((s.symbol.clone(), parse::filters_from_symbol(s)?)))
            .collect()
    }

    /// Filters from a raw `filters` array.
    pub fn filters_from_array(body: &str) -> Result<InstrumentFilters, BinanceError> {
        let raw: Vec<serde_json::Value> =
            serde_json::from_str(body).map_err(|e| BinanceError::decode("filters", e))?;
        parse::filters_from_raw(&raw, Some(8))
    }

    /// Closed candles of a klines body at the given server time.
    pub fn klines(
        body: &str,
        symbol: &Symbol,
        server_now_ms: i64,
    ) -> Result<Vec<Candle>, BinanceError> {
        let rows: Vec<KlineRow> =
            serde_json::from_str(body).map_err(|e| BinanceError::decode("klines", e))?;
        parse::closed_candles(&rows, symbol, server_now_ms)
    }

    /// An order response with its fills (base/quote assets for commissions).
    pub fn order(
        body: &str,
        symbol: &Symbol,
        base: &str,
        quote: &str,
    ) -> Result<(Order, Vec<Fill>), BinanceError> {
        let wire: OrderWire =
            serde_json::from_str(body).map_err(|e| BinanceError::decode("order", e))?;
        let order = parse::order_from_wire(&wire, symbol)?;
        let fills = parse::fills_from_order(&wire, &order, &Assets { base, quote })?;
        Ok((order, fills))
    }

    /// An account body.
    pub fn account(body: &str) -> Result<AccountPermissions, BinanceError> {
        let wire: AccountWire =
            serde_json::from_str(body).map_err(|e| BinanceError::decode("account", e))?;
        Ok(parse::account_from_wire(wire))
    }
}
