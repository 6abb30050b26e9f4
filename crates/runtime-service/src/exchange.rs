//! The exchange side of a session: which Binance endpoints a mode uses, the API key pair,
//! the order venue, the venue's health for readiness, and reconciliation after the
//! market-data feed reconnects.
//!
//! | mode | feed | orders | Binance endpoints | key |
//! |---|---|---|---|---|
//! | dry-run | binance | paper venue (simulated fills) | public only, mainnet | none |
//! | paper | binance | `BinanceVenue` | spot testnet | testnet pair |
//! | live | binance | `BinanceVenue` | mainnet | mainnet pair |
//!
//! `[binance]` URLs override the mode's defaults (tests point them at local fakes).
//!
//! Venue health ([`VenueHealthInput`]): the measured offset to the exchange clock and the
//! API key's permissions, read at start-up, after every feed reconnect and every
//! [`VENUE_CHECK_INTERVAL`]; the heartbeat carries it so readiness (and the live start-up
//! guard) can judge it.
//!
//! Also here: the strategies' warm-up on REST history before the first live candle
//! ([`warm_up`]), the exchange-filter refresh on `[binance] filter_refresh_interval_secs`
//! (paper and live: each change is a `filter_changed` alert and the gate checks against
//! the new filters), and the adapter's metrics for `/metrics` ([`ExchangeWatch::metrics`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use binance::credential::{API_KEY_VAR, API_SECRET_VAR};
use binance::{
    BinanceConfig, BinanceKlineFeed, BinanceVenue, Credentials, FeedStats, FilterWatch,
    KlineInterval, RestClient, VenueMetrics,
};
use chrono::Duration;
use domain::{Symbol, SystemClock, Timestamp, TradingMode};
use readiness::VenueHealthInput;

use crate::error::RuntimeError;
use crate::session::RuntimeEngine;

/// How often a running paper/live session re-reads the venue's health (clock offset and
/// key permissions) besides start-up and reconnects.
pub const VENUE_CHECK_INTERVAL: Duration = Duration::minutes(5);

/// The venue name in heartbeats and readiness messages.
pub const BINANCE: &str = "binance";

/// The Binance adapter's settings for `mode`: the mode's endpoints (spot testnet in paper
/// mode, mainnet otherwise) and defaults, overridden by `[binance]`.
pub fn binance_config(
    cfg: &config::RampartConfig,
    mode: TradingMode,
) -> Result<BinanceConfig, RuntimeError> {
    let bad = |e: &dyn std::fmt::Display| RuntimeError::BadInput(format!("[binance]: {e}"));
    let mut config: BinanceConfig = toml::Value::Table(cfg.binance.clone())
        .try_into()
        .map_err(|e| bad(&e))?;
    if mode == TradingMode::Paper {
        let testnet = BinanceConfig::testnet();
        if !cfg.binance.contains_key("rest_base_url") {
            config.rest_base_url = testnet.rest_base_url;
        }
        if !cfg.binance.contains_key("ws_base_url") {
            config.ws_base_url = testnet.ws_base_url;
        }
    }
    config.validate().map_err(|e| bad(&e))?;
    Ok(config)
}

/// Whether `mode` sends orders to the exchange (and so needs an API key pair).
pub fn trades_at_exchange(mode: TradingMode) -> bool {
    matches!(mode, TradingMode::Paper | TradingMode::Live)
}

/// The API key pair from `RAMPART_BINANCE_API_KEY` / `RAMPART_BINANCE_API_SECRET` (the
/// environment or `.env`). The error names both variables and which one is missing, never
/// a value.
pub fn binance_credentials(mode: TradingMode) -> Result<Credentials, RuntimeError> {
    let read = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
    let (key, secret) = (read(API_KEY_VAR), read(API_SECRET_VAR));
    let missing: Vec<&str> = [
        (API_KEY_VAR, key.is_none()),
        (API_SECRET_VAR, secret.is_none()),
    ]
    .into_iter()
    .filter_map(|(var, absent)| absent.then_some(var))
    .collect();
    let where_to = match mode {
        TradingMode::Live => "Binance (mainnet)",
        _ => "the Binance spot testnet",
    };
    match (key, secret) {
        (Some(key), Some(secret)) => Credentials::new(key, secret)
            .map_err(|e| RuntimeError::BadInput(format!("{API_KEY_VAR}/{API_SECRET_VAR}: {e}"))),
        _ => Err(RuntimeError::BadInput(format!(
            "--mode {} sends orders to {where_to} and needs an API key pair: set {API_KEY_VAR} and {API_SECRET_VAR} in the environment or .env (not set: {}); --mode dry-run needs no key",
            mode.as_str(),
            missing.join(", ")
        ))),
    }
}

/// A session's connection to Binance: the REST client the feed and the venue share, the
/// kline feed's counters, and the order venue in paper and live modes.
pub struct BinanceSession {
    /// The REST client (signed in paper and live modes, public in dry-run).
    pub rest: Arc<RestClient>,
    /// The kline feed's counters (reconnects).
    pub stats: Arc<FeedStats>,
    /// The order venue; `None` in dry-run (orders go to the paper venue).
    pub venue: Option<Arc<BinanceVenue>>,
}

/// Starts the kline feed of `symbols` and, in paper and live modes, builds the order venue.
/// Dry-run never holds a key: its client can only call public endpoints.
pub fn open_binance(
    cfg: &config::RampartConfig,
    mode: TradingMode,
    symbols: &[Symbol],
) -> Result<(BinanceKlineFeed, BinanceSession), RuntimeError> {
    let credentials = if trades_at_exchange(mode) {
        Some(binance_credentials(mode)?)
    } else {
        None
    };
    let bad = |e: binance::BinanceError| RuntimeError::BadInput(format!("[binance]: {e}"));
    let rest = Arc::new(
        RestClient::new(
            binance_config(cfg, mode)?,
            credentials,
            Arc::new(SystemClock),
        )
        .map_err(bad)?,
    );
    let venue = if trades_at_exchange(mode) {
        Some(Arc::new(
            BinanceVenue::new(rest.clone(), symbols.to_vec())
                .map_err(|e| RuntimeError::Venue(e.to_string()))?,
        ))
    } else {
        None
    };
    let feed = BinanceKlineFeed::start(rest.clone(), symbols.to_vec()).map_err(bad)?;
    let stats = feed.stats();
    Ok((feed, BinanceSession { rest, stats, venue }))
}

/// Measures the venue's health now: the clock offset (`GET /api/v3/time`) and the API key's
/// permissions (`GET /api/v3/account`). A part that cannot be read is left `None` (readiness
/// counts it as not met) and logged.
pub async fn check_venue(venue: &BinanceVenue, now: Timestamp) -> VenueHealthInput {
    let rest = venue.client();
    let clock_offset_ms = match rest.sync_time().await {
        Ok(offset) => Some(offset),
        Err(e) => {
            tracing::warn!(error = %e, "binance: cannot measure the server clock offset");
            rest.clock_offset_ms()
        }
    };
    let (can_trade, can_withdraw) = match venue.account_permissions().await {
        Ok(p) => {
            let issues: Vec<&str> = p.safety_issues().iter().map(|i| i.as_str()).collect();
            if issues.is_empty() {
                tracing::info!(
                    can_trade = p.can_trade,
                    can_withdraw = p.can_withdraw,
                    "binance API key permissions read"
                );
            } else {
                tracing::warn!(
                    can_trade = p.can_trade,
                    can_withdraw = p.can_withdraw,
                    ?issues,
                    "binance API key is not fit for live trading"
                );
            }
            (Some(p.can_trade), Some(p.can_withdraw))
        }
        Err(e) => {
            tracing::warn!(error = %e, "binance: cannot read the API key's permissions");
            (None, None)
        }
    };
    VenueHealthInput {
        name: BINANCE.to_string(),
        checked_at: now,
        clock_offset_ms,
        max_clock_offset_ms: rest.config().max_clock_offset_ms,
        can_trade,
        can_withdraw,
    }
}

/// What a session watches on its exchange while it runs: the feed's reconnects (each one is
/// followed by a reconciliation before the next event) and the venue's health.
pub struct ExchangeWatch {
    stats: Option<Arc<FeedStats>>,
    rest: Option<Arc<RestClient>>,
    venue: Option<Arc<BinanceVenue>>,
    reconnects_seen: u64,
    reconciliations: u64,
    health: Option<VenueHealthInput>,
    /// The watched exchange filters (paper and live), read at the first refresh.
    filters: Option<FilterWatch>,
    next_filter_refresh: Option<Timestamp>,
    filter_changes: u64,
}

impl ExchangeWatch {
    /// Nothing to watch (a replay).
    pub fn none() -> Self {
        Self {
            stats: None,
            rest: None,
            venue: None,
            reconnects_seen: 0,
            reconciliations: 0,
            health: None,
            filters: None,
            next_filter_refresh: None,
            filter_changes: 0,
        }
    }

    /// Watches a Binance session.
    pub fn binance(session: &BinanceSession) -> Self {
        Self {
            reconnects_seen: session.stats.reconnects(),
            stats: Some(session.stats.clone()),
            rest: Some(session.rest.clone()),
            venue: session.venue.clone(),
            ..Self::none()
        }
    }

    /// Reads the venue's health (start-up; no-op without an exchange venue).
    pub async fn check_venue(&mut self, now: Timestamp) -> Option<&VenueHealthInput> {
        let venue = self.venue.as_ref()?;
        self.health = Some(check_venue(venue, now).await);
        self.health.as_ref()
    }

    /// Re-reads the venue's health when the last check is older than [`VENUE_CHECK_INTERVAL`].
    pub async fn check_venue_if_due(&mut self, now: Timestamp) {
        let due = self
            .health
            .as_ref()
            .is_none_or(|h| now - h.checked_at >= VENUE_CHECK_INTERVAL);
        if due {
            self.check_venue(now).await;
        }
    }

    /// The venue health for the heartbeat: the last check, with the clock offset as the
    /// client knows it now (a `-1021` resync updates it between checks).
    pub fn health(&self) -> Option<VenueHealthInput> {
        let mut health = self.health.clone()?;
        if let Some(venue) = &self.venue
            && let Some(offset) = venue.client().clock_offset_ms()
        {
            health.clock_offset_ms = Some(offset);
        }
        Some(health)
    }

    /// The adapter's metrics now (feed counters, clock offset, request weight); `None`
    /// without an exchange feed.
    pub fn metrics(&self) -> Option<VenueMetrics> {
        Some(VenueMetrics::snapshot(
            self.stats.as_ref()?,
            self.rest.as_ref()?,
        ))
    }

    /// Exchange-filter changes recorded in this session.
    pub fn filter_changes(&self) -> u64 {
        self.filter_changes
    }

    /// The periodic checks of a running session (before each heartbeat): the venue's
    /// health and the exchange filters, each when it is due.
    pub async fn upkeep(
        &mut self,
        engine: &mut RuntimeEngine,
        symbols: &[Symbol],
        now: Timestamp,
    ) -> Result<(), RuntimeError> {
        self.check_venue_if_due(now).await;
        self.refresh_filters_if_due(engine, symbols, now).await
    }

    /// Paper and live: re-reads the exchange filters of `symbols` when the refresh is due
    /// (the first call reads them and schedules the next read), hands the filters of the
    /// symbols open for trading to the engine and records each change as an alert. A
    /// failed read is logged and retried at the next due time; the filters in force stay.
    pub async fn refresh_filters_if_due(
        &mut self,
        engine: &mut RuntimeEngine,
        symbols: &[Symbol],
        now: Timestamp,
    ) -> Result<(), RuntimeError> {
        let (Some(rest), Some(_)) = (self.rest.clone(), self.venue.as_ref()) else {
            return Ok(());
        };
        if self.next_filter_refresh.is_some_and(|next| now < next) {
            return Ok(());
        }
        let interval = Duration::from_std(rest.config().filter_refresh_interval())
            .unwrap_or(Duration::hours(1));
        self.next_filter_refresh = Some(now + interval);
        let changes = match self.filters.as_mut() {
            None => match FilterWatch::load(&rest, symbols).await {
                Ok(watch) => {
                    self.filters = Some(watch);
                    Vec::new()
                }
                Err(e) => {
                    tracing::warn!(
                        "exchange filters: first read failed, retried at the next refresh: {e}"
                    );
                    return Ok(());
                }
            },
            Some(watch) => match watch.refresh(&rest).await {
                Ok(changes) => changes,
                Err(e) => {
                    tracing::warn!(
                        "exchange filters: refresh failed, the filters in force stay: {e}"
                    );
                    return Ok(());
                }
            },
        };
        let Some(watch) = self.filters.as_ref() else {
            return Ok(());
        };
        let trading: BTreeMap<Symbol, domain::InstrumentFilters> = watch
            .filters()
            .into_iter()
            .filter(|(s, _)| watch.is_trading(s))
            .collect();
        for change in &changes {
            tracing::warn!(symbol = %change.symbol, "exchange filter changed: {change}");
        }
        let notes: Vec<(Symbol, bool, String)> = changes
            .iter()
            .map(|c| (c.symbol.clone(), c.stops_trading(), c.to_string()))
            .collect();
        self.filter_changes += notes.len() as u64;
        engine.refresh_filters(trading, &notes).await?;
        Ok(())
    }

    /// Times the feed reconnected, as its counter says.
    pub fn feed_reconnects(&self) -> Option<u64> {
        self.stats.as_ref().map(|s| s.reconnects())
    }

    /// Reconciliations run after a reconnect in this session.
    pub fn reconciliations(&self) -> u64 {
        self.reconciliations
    }

    /// When the feed reconnected since the last call: reconciles the engine's non-terminal
    /// orders with the venue (before the caller processes the next event) and re-reads the
    /// venue's health. Returns whether it reconciled.
    pub async fn after_reconnect(
        &mut self,
        engine: &mut RuntimeEngine,
        now: Timestamp,
    ) -> Result<bool, RuntimeError> {
        let Some(reconnects) = self.feed_reconnects() else {
            return Ok(false);
        };
        if reconnects <= self.reconnects_seen {
            return Ok(false);
        }
        self.reconnects_seen = reconnects;
        self.reconciliations += 1;
        let report = engine.reconcile().await?;
        if report.needs_attention() {
            tracing::warn!(
                reconnects,
                checked = report.checked,
                not_found = report.not_found,
                unresolved = report.unresolved,
                "after-reconnect reconciliation: {report}"
            );
        } else {
            tracing::info!(
                reconnects,
                checked = report.checked,
                "after-reconnect reconciliation: {report}"
            );
        }
        if self.venue.is_some() {
            self.check_venue(now).await;
        }
        Ok(true)
    }
}

/// Warms the strategies up before the first live candle: the latest `warm_up_candles`
/// closed candles of each symbol over REST, oldest first, through
/// `Engine::warm_up_history` (signals discarded, noted in the audit trail). Returns the
/// close time of the last warm-up candle per symbol: a live candle at or before it was
/// already seen and is skipped. A failed fetch is logged and that symbol starts cold.
pub async fn warm_up(
    engine: &mut RuntimeEngine,
    rest: &RestClient,
    symbols: &[Symbol],
    now: Timestamp,
) -> Result<BTreeMap<Symbol, Timestamp>, RuntimeError> {
    let feed = &rest.config().feed;
    let Ok(interval) = feed.interval.parse::<KlineInterval>() else {
        return Ok(BTreeMap::new());
    };
    if feed.warm_up_candles == 0 {
        return Ok(BTreeMap::new());
    }
    let span = Duration::milliseconds(interval.millis() * i64::from(feed.warm_up_candles));
    let mut candles = Vec::new();
    for symbol in symbols {
        match rest.klines_history(symbol, interval, now - span, now).await {
            Ok(history) => candles.extend(history),
            Err(e) => tracing::warn!(
                symbol = %symbol,
                "warm-up: history not fetched, the strategies start cold: {e}"
            ),
        }
    }
    candles.sort_by_key(|c| c.close_time());
    let mut warmed: BTreeMap<Symbol, Timestamp> = BTreeMap::new();
    for c in &candles {
        warmed.insert(c.symbol().clone(), c.close_time());
    }
    let used = engine.warm_up_history(candles).await?;
    if used > 0 {
        tracing::info!(candles = used, "strategies warmed up on REST history");
    }
    Ok(warmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg_with(binance: &str) -> config::RampartConfig {
        config::RampartConfig {
            binance: toml::from_str(binance).unwrap(),
            ..Default::default()
        }
    }

    #[test]
    fn paper_uses_the_testnet_and_live_and_dry_run_mainnet_unless_configured() {
        let cfg = cfg_with("");
        let paper = binance_config(&cfg, TradingMode::Paper).unwrap();
        assert_eq!(paper.rest_base_url, binance::config::TESTNET_REST);
        assert_eq!(paper.ws_base_url, binance::config::TESTNET_WS);
        for mode in [TradingMode::Live, TradingMode::DryRun] {
            let c = binance_config(&cfg, mode).unwrap();
            assert_eq!(c.rest_base_url, binance::config::MAINNET_REST);
            assert_eq!(c.ws_base_url, binance::config::MAINNET_WS);
        }
        let cfg = cfg_with("rest_base_url = \"http://127.0.0.1:1\"\n");
        let paper = binance_config(&cfg, TradingMode::Paper).unwrap();
        assert_eq!(paper.rest_base_url, "http://127.0.0.1:1");
        assert_eq!(paper.ws_base_url, binance::config::TESTNET_WS);
    }

    #[test]
    fn trading_at_the_exchange_is_paper_and_live_only() {
        assert!(trades_at_exchange(TradingMode::Paper));
        assert!(trades_at_exchange(TradingMode::Live));
        assert!(!trades_at_exchange(TradingMode::DryRun));
        assert!(!trades_at_exchange(TradingMode::Backtest));
    }
}
