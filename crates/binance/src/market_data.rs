//! Public market data over REST: closed candles for history and gap backfill, and the
//! instrument filters of `exchangeInfo` (kept current by [`crate::FilterWatch`]). No API key
//! needed (dry-run mode).
//!
//! The WebSocket stream (the `MarketDataFeed` port) is [`crate::BinanceKlineFeed`]; its gap
//! backfill after a reconnect and its polling fallback call [`RestClient::klines_history`].

use std::fmt;
use std::str::FromStr;

use domain::{Candle, InstrumentFilters, Symbol, Timestamp};

use crate::error::{BinanceError, ErrorClass};
use crate::http::client::{Call, RestClient};
use crate::http::models::{ExchangeInfo, KlineRow, SymbolInfo};
use crate::http::parse;

/// A Binance kline interval (`1m`, `1h`, `1d`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KlineInterval(&'static str);

/// Every interval Binance Spot serves.
const INTERVALS: &[&str] = &[
    "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w",
    "1M",
];

impl KlineInterval {
    /// One minute.
    pub const ONE_MINUTE: KlineInterval = KlineInterval("1m");

    /// The interval as Binance spells it.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// Length in milliseconds (`1M` counted as 30 days: used for polling periods and
    /// look-back windows, never to compute candle boundaries).
    pub fn millis(self) -> i64 {
        let (n, unit) = self.0.split_at(self.0.len() - 1);
        let n: i64 = n.parse().unwrap_or(1);
        let unit_ms = match unit {
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => 30 * 86_400_000, // "M"
        };
        n * unit_ms
    }
}

impl FromStr for KlineInterval {
    type Err = BinanceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        INTERVALS
            .iter()
            .find(|i| **i == s)
            .map(|i| KlineInterval(i))
            .ok_or_else(|| {
                BinanceError::Config(format!(
                    "kline interval {s:?}: expected one of {}",
                    INTERVALS.join(", ")
                ))
            })
    }
}

impl fmt::Display for KlineInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl RestClient {
    /// Every closed candle of `symbol` whose open time lies in `[from, to]`, oldest first,
    /// without duplicates, fetched page by page (`startTime`/`endTime`/`limit`).
    ///
    /// Weight-aware through the client (2 weight per page): pauses before the limit, waits
    /// out 429 `Retry-After`, fails fast during a 418 ban. A bar still open on the server's
    /// clock is left out: it will be delivered once closed.
    pub async fn klines_history(
        &self,
        symbol: &Symbol,
        interval: KlineInterval,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Candle>, BinanceError> {
        let venue_symbol = self.config().symbols.to_venue(symbol);
        let limit = self.config().klines_page_limit;
        let end_ms = to.timestamp_millis();
        let mut start_ms = from.timestamp_millis();
        let mut candles: Vec<Candle> = Vec::new();
        while start_ms <= end_ms {
            let call = Call::public(
                "/api/v3/klines",
                vec![
                    ("symbol", venue_symbol.clone()),
                    ("interval", interval.as_str().to_string()),
                    ("startTime", start_ms.to_string()),
                    ("endTime", end_ms.to_string()),
                    ("limit", limit.to_string()),
                ],
            );
            let rows: Vec<KlineRow> = self
                .call_json(&call)
                .await
                .map_err(|e| unknown_symbol(e, &venue_symbol))?;
            let server_now = self.server_now_ms();
            let mut last_open = None;
            for row in &rows {
                let k = parse::parse_kline(row, symbol, server_now)?;
                if k.open_time_ms < start_ms {
                    continue; // never step backwards (and never duplicate)
                }
                last_open = Some(k.open_time_ms);
                if let Some(c) = k.candle {
                    candles.push(c);
                }
            }
            match last_open {
                Some(open) if rows.len() >= usize::from(limit) => start_ms = open + 1,
                _ => break,
            }
        }
        Ok(candles)
    }

    /// The raw `exchangeInfo` entry of one symbol.
    async fn symbol_info(&self, symbol: &Symbol) -> Result<SymbolInfo, BinanceError> {
        let venue_symbol = self.config().symbols.to_venue(symbol);
        let call = Call::public(
            "/api/v3/exchangeInfo",
            vec![("symbol", venue_symbol.clone())],
        );
        let info: ExchangeInfo = self
            .call_json(&call)
            .await
            .map_err(|e| unknown_symbol(e, &venue_symbol))?;
        info.symbols
            .into_iter()
            .find(|s| s.symbol.eq_ignore_ascii_case(&venue_symbol))
            .ok_or(BinanceError::UnknownSymbol(venue_symbol))
    }

    /// The raw `exchangeInfo` entries of `venue_symbols` (Binance spelling), in one request
    /// (`symbols=[...]`, weight 20). Binance refuses the whole list with -1121 when one of them
    /// is not listed; then each is asked alone and the unlisted ones are left out of the answer.
    pub(crate) async fn symbol_infos(
        &self,
        venue_symbols: &[String],
    ) -> Result<Vec<SymbolInfo>, BinanceError> {
        if venue_symbols.is_empty() {
            return Ok(Vec::new());
        }
        let list = serde_json::to_string(venue_symbols)
            .map_err(|e| BinanceError::Config(format!("exchangeInfo symbols: {e}")))?;
        let call = Call::public("/api/v3/exchangeInfo", vec![("symbols", list)]);
        match self.call_json::<ExchangeInfo>(&call).await {
            Ok(info) => Ok(info.symbols),
            Err(e) if is_invalid_symbol(&e) => {
                let mut found = Vec::with_capacity(venue_symbols.len());
                for venue_symbol in venue_symbols {
                    let call = Call::public(
                        "/api/v3/exchangeInfo",
                        vec![("symbol", venue_symbol.clone())],
                    );
                    match self.call_json::<ExchangeInfo>(&call).await {
                        Ok(info) => found.extend(info.symbols),
                        Err(e) if is_invalid_symbol(&e) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(found)
            }
            Err(e) => Err(e),
        }
    }

    /// Current trading rules of `symbol` from `exchangeInfo` (weight 20: cache it; refresh on
    /// a schedule rather than per order).
    pub async fn instrument_filters(
        &self,
        symbol: &Symbol,
    ) -> Result<InstrumentFilters, BinanceError> {
        let info = self.symbol_info(symbol).await?;
        if info.status != "TRADING" {
            tracing::warn!(symbol = %symbol, status = %info.status, "binance symbol is not TRADING");
        }
        parse::filters_from_symbol(&info)
    }
}

/// `-1121 Invalid symbol.` (a refusal, not a transport or limit problem).
fn is_invalid_symbol(e: &BinanceError) -> bool {
    matches!(e, BinanceError::Api(api) if api.code == Some(-1121) && e.class() == ErrorClass::Rejected)
}

/// `-1121 Invalid symbol.` becomes [`BinanceError::UnknownSymbol`].
fn unknown_symbol(e: BinanceError, venue_symbol: &str) -> BinanceError {
    if is_invalid_symbol(&e) {
        BinanceError::UnknownSymbol(venue_symbol.to_string())
    } else {
        e
    }
}
