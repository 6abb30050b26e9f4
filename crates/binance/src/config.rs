//! The adapter's own configuration: where Binance is, how patient to be, how symbols are spelt.
//!
//! The runtime builds a [`BinanceConfig`] from its `[binance]` section (see `docs/binance.md`);
//! tests build one pointing at an in-process fake server. Credentials are not here: they come
//! from the environment only ([`crate::credential`]).

use std::collections::BTreeMap;
use std::time::Duration;

use domain::Symbol;
use serde::{Deserialize, Serialize};

use crate::error::BinanceError;

/// Mainnet REST base URL (live mode).
pub const MAINNET_REST: &str = "https://api.binance.com";
/// Mainnet WebSocket base URL (live mode).
pub const MAINNET_WS: &str = "wss://stream.binance.com:9443";
/// Spot testnet REST base URL (paper mode).
pub const TESTNET_REST: &str = "https://testnet.binance.vision";
/// Spot testnet WebSocket base URL (paper mode).
pub const TESTNET_WS: &str = "wss://stream.testnet.binance.vision";

/// Settings of the Binance Spot adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BinanceConfig {
    /// REST base URL, without a trailing slash (`https://api.binance.com`).
    pub rest_base_url: String,
    /// WebSocket base URL (`wss://stream.binance.com:9443`); used by the stream increment.
    pub ws_base_url: String,
    /// `recvWindow` sent with signed requests, in milliseconds (1..=60000).
    pub recv_window_ms: u64,
    /// Request weight per minute the adapter may use (Binance's limit is read from
    /// `exchangeInfo` by operators; 6000 today, 1200 in 2021).
    pub weight_limit_per_minute: u32,
    /// Fraction of `weight_limit_per_minute` at which requests pause until the next minute.
    pub weight_slowdown_ratio_percent: u8,
    /// Largest tolerated |local clock - server clock| in milliseconds; beyond it readiness
    /// should say NO_GO ([`crate::RestClient::clock_offset_ok`]).
    pub max_clock_offset_ms: u64,
    /// Timeout of one HTTP request, in milliseconds. A timed-out order is `Unknown`.
    pub request_timeout_ms: u64,
    /// Klines per page when downloading history (Binance's maximum is 1000).
    pub klines_page_limit: u16,
    /// How many times a public request waits out a 429 `Retry-After` before giving up.
    pub max_rate_limit_retries: u8,
    /// Longest `Retry-After` a request is willing to sleep through, in seconds; longer
    /// waits fail fast with a rate-limit error instead.
    pub max_retry_after_wait_secs: u64,
    /// Consecutive 5xx/timeouts after which order requests stop for `circuit_cooldown_secs`.
    pub circuit_failure_threshold: u32,
    /// How long the circuit stays open, in seconds.
    pub circuit_cooldown_secs: u64,
    /// Symbol spelling rules.
    pub symbols: SymbolMap,
    /// The WebSocket kline feed (`[binance.feed]`).
    pub feed: KlineFeedConfig,
    /// How often the instrument filters are re-read from `exchangeInfo`
    /// ([`crate::FilterWatch::refresh`]), in seconds (> 0; default one hour).
    pub filter_refresh_interval_secs: u64,
}

impl Default for BinanceConfig {
    fn default() -> Self {
        Self {
            rest_base_url: MAINNET_REST.to_string(),
            ws_base_url: MAINNET_WS.to_string(),
            recv_window_ms: 5_000,
            weight_limit_per_minute: 6_000,
            weight_slowdown_ratio_percent: 80,
            max_clock_offset_ms: 1_000,
            request_timeout_ms: 10_000,
            klines_page_limit: 1_000,
            max_rate_limit_retries: 3,
            max_retry_after_wait_secs: 120,
            circuit_failure_threshold: 5,
            circuit_cooldown_secs: 30,
            symbols: SymbolMap::default(),
            feed: KlineFeedConfig::default(),
            filter_refresh_interval_secs: 3_600,
        }
    }
}

impl BinanceConfig {
    /// Mainnet URLs and defaults (live mode; dry-run uses the same public endpoints).
    pub fn mainnet() -> Self {
        Self::default()
    }

    /// Spot testnet URLs and defaults (paper mode).
    pub fn testnet() -> Self {
        Self {
            rest_base_url: TESTNET_REST.to_string(),
            ws_base_url: TESTNET_WS.to_string(),
            ..Self::default()
        }
    }

    /// Checks every setting and reports all violations together.
    pub fn validate(&self) -> Result<(), BinanceError> {
        let mut problems = Vec::new();
        for (key, url, schemes) in [
            (
                "rest_base_url",
                &self.rest_base_url,
                ["http://", "https://"],
            ),
            ("ws_base_url", &self.ws_base_url, ["ws://", "wss://"]),
        ] {
            if !schemes.iter().any(|s| url.starts_with(s)) || url.ends_with('/') {
                problems.push(format!(
                    "binance.{key} = {url:?}: expected {} or {} URL without a trailing slash",
                    schemes[0], schemes[1]
                ));
            }
        }
        if !(1..=60_000).contains(&self.recv_window_ms) {
            problems.push(format!(
                "binance.recv_window_ms = {}: expected 1..=60000",
                self.recv_window_ms
            ));
        }
        if self.weight_limit_per_minute == 0 {
            problems.push("binance.weight_limit_per_minute = 0: expected > 0".to_string());
        }
        if !(1..=100).contains(&self.weight_slowdown_ratio_percent) {
            problems.push(format!(
                "binance.weight_slowdown_ratio_percent = {}: expected 1..=100",
                self.weight_slowdown_ratio_percent
            ));
        }
        if self.request_timeout_ms == 0 {
            problems.push("binance.request_timeout_ms = 0: expected > 0".to_string());
        }
        if !(1..=1000).contains(&self.klines_page_limit) {
            problems.push(format!(
                "binance.klines_page_limit = {}: expected 1..=1000",
                self.klines_page_limit
            ));
        }
        if self.circuit_failure_threshold == 0 {
            problems.push("binance.circuit_failure_threshold = 0: expected > 0".to_string());
        }
        if self.filter_refresh_interval_secs == 0 {
            problems.push("binance.filter_refresh_interval_secs = 0: expected > 0".to_string());
        }
        if let Err(e) = self.symbols.validate() {
            problems.push(e);
        }
        problems.extend(self.feed.problems());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(BinanceError::Config(problems.join("; ")))
        }
    }

    /// The per-request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The period of the instrument filter refresh.
    pub fn filter_refresh_interval(&self) -> Duration {
        Duration::from_secs(self.filter_refresh_interval_secs)
    }
}

/// Settings of [`crate::BinanceKlineFeed`]: which candles (and whether trades), and how the
/// stream is kept alive.
///
/// Durations are in milliseconds so tests can shrink them; the defaults suit mainnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KlineFeedConfig {
    /// Candle interval as Binance spells it (`1m`, `5m`, `1h`, ...).
    pub interval: String,
    /// No frame at all (data, ping) for this long -> the connection is dropped and redialled.
    pub watchdog_ms: u64,
    /// A connection is closed and redialled after this long (Binance cuts them at 24 h).
    pub max_connection_age_ms: u64,
    /// First reconnect delay; doubles per failed attempt up to `reconnect_backoff_max_ms`.
    pub reconnect_backoff_initial_ms: u64,
    /// Largest reconnect delay (before jitter, which only shortens it: half to all of it).
    pub reconnect_backoff_max_ms: u64,
    /// Timeout of one WebSocket connect (TCP, TLS and upgrade).
    pub connect_timeout_ms: u64,
    /// REST polling period while the stream is down; `None` = one candle interval.
    pub poll_interval_ms: Option<u64>,
    /// Also subscribe to `<symbol>@trade` on the same connection and deliver every trade as
    /// `MarketEvent::Trade` (live only: trades missed while disconnected are not fetched).
    pub trades: bool,
    /// Closed candles per symbol fetched over REST at start-up to warm the strategies up
    /// before the first live candle (their signals on that history are discarded); 0 turns
    /// the warm-up off.
    pub warm_up_candles: u32,
}

impl Default for KlineFeedConfig {
    fn default() -> Self {
        Self {
            interval: "1m".to_string(),
            watchdog_ms: 30_000,
            max_connection_age_ms: (23 * 60 + 50) * 60 * 1_000,
            reconnect_backoff_initial_ms: 500,
            reconnect_backoff_max_ms: 30_000,
            connect_timeout_ms: 10_000,
            poll_interval_ms: None,
            trades: false,
            warm_up_candles: 200,
        }
    }
}

impl KlineFeedConfig {
    /// Every violation, as `binance.feed.<key> = value: expected ...`.
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.interval.parse::<crate::KlineInterval>().is_err() {
            problems.push(format!(
                "binance.feed.interval = {:?}: expected a Binance interval such as \"1m\"",
                self.interval
            ));
        }
        for (key, value) in [
            ("watchdog_ms", self.watchdog_ms),
            ("max_connection_age_ms", self.max_connection_age_ms),
            (
                "reconnect_backoff_initial_ms",
                self.reconnect_backoff_initial_ms,
            ),
            ("connect_timeout_ms", self.connect_timeout_ms),
            ("poll_interval_ms", self.poll_interval_ms.unwrap_or(1)),
        ] {
            if value == 0 {
                problems.push(format!("binance.feed.{key} = 0: expected > 0"));
            }
        }
        if self.warm_up_candles > 10_000 {
            problems.push(format!(
                "binance.feed.warm_up_candles = {}: expected at most 10000",
                self.warm_up_candles
            ));
        }
        if self.reconnect_backoff_max_ms < self.reconnect_backoff_initial_ms {
            problems.push(format!(
                "binance.feed.reconnect_backoff_max_ms = {}: expected >= reconnect_backoff_initial_ms ({})",
                self.reconnect_backoff_max_ms, self.reconnect_backoff_initial_ms
            ));
        }
        if self.max_connection_age_ms > 24 * 60 * 60 * 1_000 {
            problems.push(format!(
                "binance.feed.max_connection_age_ms = {}: expected <= 86400000 (Binance closes connections at 24 h)",
                self.max_connection_age_ms
            ));
        }
        problems
    }
}

/// How canonical symbols (`BTC-USD`) are spelt at Binance (`BTCUSDT`) and back.
///
/// Default rule: `BASE-QUOTE` becomes `BASE` + `QUOTE`, except that the quote `USD` becomes
/// `usd_quote` (`USDT` by default: Binance Spot has no USD pairs). `overrides` take
/// precedence in both directions (`"BTC-EUR" = "BTCEUR"`, `"BTC-USD" = "BTCUSDC"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SymbolMap {
    /// Binance asset that stands for `USD` in canonical symbols.
    pub usd_quote: String,
    /// Explicit canonical -> Binance spellings.
    pub overrides: BTreeMap<String, String>,
}

impl Default for SymbolMap {
    fn default() -> Self {
        Self {
            usd_quote: "USDT".to_string(),
            overrides: BTreeMap::new(),
        }
    }
}

/// Quote assets tried, longest first, when reading a Binance symbol back without an override.
const KNOWN_QUOTES: &[&str] = &[
    "FDUSD", "USDT", "USDC", "TUSD", "BUSD", "EUR", "TRY", "BRL", "BTC", "ETH", "BNB",
];

impl SymbolMap {
    fn validate(&self) -> Result<(), String> {
        let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok(&self.usd_quote) {
            return Err(format!(
                "binance.symbols.usd_quote = {:?}: expected ASCII letters/digits",
                self.usd_quote
            ));
        }
        for (canonical, venue) in &self.overrides {
            if Symbol::new(canonical).is_err() || !ok(venue) {
                return Err(format!(
                    "binance.symbols.overrides {canonical:?} = {venue:?}: expected \"BASE-QUOTE\" = \"BASEQUOTE\""
                ));
            }
        }
        Ok(())
    }

    /// Base and quote assets of a canonical symbol as Binance names them (`BTC`, `USDT`).
    pub fn venue_assets(&self, symbol: &Symbol) -> (String, String) {
        let quote = if symbol.quote() == "USD" {
            self.usd_quote.to_ascii_uppercase()
        } else {
            symbol.quote().to_string()
        };
        (symbol.base().to_string(), quote)
    }

    /// The Binance spelling of a canonical symbol (`BTC-USD` -> `BTCUSDT`).
    pub fn to_venue(&self, symbol: &Symbol) -> String {
        if let Some(v) = self.overrides.get(symbol.as_str()) {
            return v.to_ascii_uppercase();
        }
        let (base, quote) = self.venue_assets(symbol);
        format!("{base}{quote}")
    }

    /// The canonical symbol of a Binance spelling (`BTCUSDT` -> `BTC-USD`), when it can be told.
    pub fn to_canonical(&self, venue: &str) -> Option<Symbol> {
        let venue = venue.to_ascii_uppercase();
        if let Some((c, _)) = self
            .overrides
            .iter()
            .find(|(_, v)| v.eq_ignore_ascii_case(&venue))
        {
            return Symbol::new(c).ok();
        }
        let usd = self.usd_quote.to_ascii_uppercase();
        if let Some(base) = venue.strip_suffix(usd.as_str()) {
            return Symbol::new(&format!("{base}-USD")).ok();
        }
        KNOWN_QUOTES.iter().find_map(|q| {
            venue
                .strip_suffix(q)
                .and_then(|base| Symbol::new(&format!("{base}-{q}")).ok())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(s: &str) -> Symbol {
        Symbol::new(s).unwrap()
    }

    #[test]
    fn default_rule_maps_usd_to_usdt_both_ways() {
        let m = SymbolMap::default();
        assert_eq!(m.to_venue(&sym("BTC-USD")), "BTCUSDT");
        assert_eq!(m.to_canonical("BTCUSDT"), Some(sym("BTC-USD")));
        assert_eq!(m.to_canonical("ethbtc"), Some(sym("ETH-BTC")));
        assert_eq!(m.to_venue(&sym("ETH-BTC")), "ETHBTC");
    }

    #[test]
    fn overrides_win_in_both_directions() {
        let mut m = SymbolMap::default();
        m.overrides
            .insert("BTC-USD".to_string(), "BTCUSDC".to_string());
        assert_eq!(m.to_venue(&sym("BTC-USD")), "BTCUSDC");
        assert_eq!(m.to_canonical("BTCUSDC"), Some(sym("BTC-USD")));
    }

    #[test]
    fn validate_reports_every_problem() {
        let c = BinanceConfig {
            rest_base_url: "ftp://x/".to_string(),
            recv_window_ms: 70_000,
            klines_page_limit: 0,
            ..BinanceConfig::default()
        };
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("rest_base_url"), "{err}");
        assert!(err.contains("recv_window_ms"), "{err}");
        assert!(err.contains("klines_page_limit"), "{err}");
        assert!(BinanceConfig::testnet().validate().is_ok());
        let c = BinanceConfig {
            filter_refresh_interval_secs: 0,
            ..BinanceConfig::default()
        };
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("filter_refresh_interval_secs"), "{err}");
    }

    #[test]
    fn trades_are_off_and_filters_refresh_hourly_by_default() {
        let c = BinanceConfig::default();
        assert!(!c.feed.trades);
        assert_eq!(c.filter_refresh_interval(), Duration::from_secs(3_600));
    }
}
