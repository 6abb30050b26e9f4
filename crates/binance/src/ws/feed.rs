//! [`BinanceKlineFeed`]: closed candles (and, when `trades` is set, every trade) of one or
//! more symbols from the combined WebSocket stream, behind the domain's `MarketDataFeed` port.
//!
//! A background task owns the connection so frames are read continuously (tungstenite
//! answers pings while reading) and hands closed candles and trades to
//! [`BinanceKlineFeed::next_event`] through a channel. The task keeps the stream honest:
//!
//! - **watchdog**: no frame at all for `watchdog_ms` -> drop the connection and redial;
//! - **forced reconnect** after `max_connection_age_ms` (Binance cuts connections at 24 h);
//! - **backoff**: redials wait `initial * 2^attempt` (capped), shortened by jitter to between
//!   half and all of it, so many clients do not reconnect in lockstep;
//! - **gap backfill**: after every connect, `RestClient::klines_history` fetches each closed
//!   candle after the last one delivered per symbol; a hole inside the stream is filled the
//!   same way before the newer candle goes out;
//! - **polling fallback**: while the stream is down, the same REST fetch runs every candle
//!   interval (`poll_interval_ms`), so closed candles keep arriving;
//! - **no duplicates, per-symbol order**: the last delivered open time is kept per symbol and
//!   anything at or before it is dropped, wherever it came from;
//! - **trades** (`<symbol>@trade` on the same connection) are live only: nothing is fetched
//!   for the time the stream was down. The last delivered trade id is kept per symbol (one
//!   number: Binance numbers a symbol's trades consecutively) and a trade at or below it is
//!   dropped, so a reconnect never repeats a trade; ids skipped over are counted as missed.
//!
//! Malformed frames are counted ([`FeedStats::malformed_frames`]) and skipped, never fatal.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use domain::ports::{FeedError, MarketDataFeed};
use domain::{Candle, MarketEvent, Symbol, Timestamp};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::client::{WsStream, connect, stream_url};
use super::parse::{StreamEvent, StreamKline, StreamTrade, stream_frame};
use crate::config::KlineFeedConfig;
use crate::error::BinanceError;
use crate::http::client::RestClient;
use crate::market_data::KlineInterval;
use crate::metrics::VenueMetrics;

/// Counters of a running feed, readable at any time by the runtime (metrics, health).
#[derive(Debug, Default)]
pub struct FeedStats {
    reconnects: AtomicU64,
    malformed_frames: AtomicU64,
    backfilled_candles: AtomicU64,
    watchdog_timeouts: AtomicU64,
    forced_reconnects: AtomicU64,
    stream_candles: AtomicU64,
    trades: AtomicU64,
    duplicate_trades: AtomicU64,
    missed_trades: AtomicU64,
    connected: AtomicBool,
}

impl FeedStats {
    /// Times the stream was redialled after a connection ended (any cause).
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }

    /// Frames that could not be read as a kline (or, with `trades`, a trade) of a subscribed
    /// symbol (skipped).
    pub fn malformed_frames(&self) -> u64 {
        self.malformed_frames.load(Ordering::Relaxed)
    }

    /// Candles delivered from REST (gap backfill and polling fallback).
    pub fn backfilled_candles(&self) -> u64 {
        self.backfilled_candles.load(Ordering::Relaxed)
    }

    /// Connections dropped by the silence watchdog.
    pub fn watchdog_timeouts(&self) -> u64 {
        self.watchdog_timeouts.load(Ordering::Relaxed)
    }

    /// Connections closed on purpose because they reached `max_connection_age_ms`.
    pub fn forced_reconnects(&self) -> u64 {
        self.forced_reconnects.load(Ordering::Relaxed)
    }

    /// Candles delivered from the stream itself.
    pub fn stream_candles(&self) -> u64 {
        self.stream_candles.load(Ordering::Relaxed)
    }

    /// Trades delivered (only with `trades` set).
    pub fn trades(&self) -> u64 {
        self.trades.load(Ordering::Relaxed)
    }

    /// Trades dropped because their id was at or below the last one delivered for the symbol
    /// (repeats across a reconnect).
    pub fn duplicate_trades(&self) -> u64 {
        self.duplicate_trades.load(Ordering::Relaxed)
    }

    /// Trade ids skipped between two delivered trades of a symbol: trades that happened while
    /// the stream was down (trades are not backfilled) or frames lost in between.
    pub fn missed_trades(&self) -> u64 {
        self.missed_trades.load(Ordering::Relaxed)
    }

    /// Whether the WebSocket is connected right now.
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// Closed candles (and, with `trades`, trades) from Binance's combined stream: the
/// `MarketDataFeed` for `runtime --feed binance`. Settings come from `BinanceConfig::feed` of
/// the REST client.
#[derive(Debug)]
pub struct BinanceKlineFeed {
    events: mpsc::UnboundedReceiver<MarketEvent>,
    stats: Arc<FeedStats>,
    rest: Arc<RestClient>,
    task: JoinHandle<()>,
}

impl BinanceKlineFeed {
    /// Starts streaming closed candles of `symbols` (canonical spelling, `BTC-USD`) at the
    /// interval of `rest.config().feed`, and their trades if `feed.trades` is set. Must be
    /// called inside a Tokio runtime; the background task stops when the feed is dropped.
    pub fn start(rest: Arc<RestClient>, symbols: Vec<Symbol>) -> Result<Self, BinanceError> {
        let config = rest.config().feed.clone();
        let interval: KlineInterval = config.interval.parse()?;
        if symbols.is_empty() {
            return Err(BinanceError::Config(
                "binance kline feed: no symbols to stream".to_string(),
            ));
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|e| {
            BinanceError::Config(format!("binance kline feed needs a Tokio runtime: {e}"))
        })?;
        let by_venue: HashMap<String, Symbol> = symbols
            .iter()
            .map(|s| (rest.config().symbols.to_venue(s), s.clone()))
            .collect();
        if by_venue.len() != symbols.len() {
            return Err(BinanceError::Config(format!(
                "binance kline feed: symbols {symbols:?} repeat or map to the same Binance symbol"
            )));
        }
        let venue_symbols: Vec<String> = symbols
            .iter()
            .map(|s| rest.config().symbols.to_venue(s))
            .collect();
        let url = stream_url(
            &rest.config().ws_base_url,
            &venue_symbols,
            interval,
            config.trades,
        );
        let now = rest.now();
        let (tx, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(FeedStats::default());
        let poll_every = Duration::from_millis(
            config
                .poll_interval_ms
                .unwrap_or(u64::try_from(interval.millis()).unwrap_or(60_000)),
        );
        let worker = Worker {
            url,
            interval,
            symbols,
            by_venue,
            last_open_ms: HashMap::new(),
            last_trade_id: HashMap::new(),
            started_ms: now.timestamp_millis(),
            poll_every,
            next_poll: None,
            jitter: SplitMix64(now.timestamp_nanos_opt().unwrap_or(0).unsigned_abs()),
            config,
            rest: rest.clone(),
            tx,
            stats: stats.clone(),
        };
        let task = runtime.spawn(worker.run());
        Ok(Self {
            events: rx,
            stats,
            rest,
            task,
        })
    }

    /// The feed's counters (shared: keep the `Arc` to read them later).
    pub fn stats(&self) -> Arc<FeedStats> {
        self.stats.clone()
    }

    /// The feed's counters and its REST client's state (clock offset, weight, ban) now.
    pub fn metrics(&self) -> VenueMetrics {
        VenueMetrics::snapshot(&self.stats, &self.rest)
    }
}

impl Drop for BinanceKlineFeed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[async_trait]
impl MarketDataFeed for BinanceKlineFeed {
    /// The next closed candle or trade; waits across disconnects (a live feed never ends).
    async fn next_event(&mut self) -> Result<Option<MarketEvent>, FeedError> {
        match self.events.recv().await {
            Some(event) => Ok(Some(event)),
            None => Err(FeedError::Transport(
                "binance kline feed task stopped".to_string(),
            )),
        }
    }
}

/// Cheap seedable jitter source (SplitMix64): no thread RNG, reproducible from its seed.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Reconnect delay: `initial * 2^attempt` capped at `max`, then jittered into `[d/2, d]`.
fn backoff_ms(initial_ms: u64, max_ms: u64, attempt: u32, random: u64) -> u64 {
    let full = initial_ms
        .saturating_mul(1u64 << attempt.min(32))
        .min(max_ms);
    let half = full / 2;
    half + random % (full - half + 1)
}

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionEnd {
    /// Closed by the server, a transport error, or the watchdog: back off, then redial.
    Lost,
    /// Closed by us at `max_connection_age_ms`: redial at once.
    Aged,
    /// Nobody reads the candles any more.
    Stopped,
}

/// The background task's state.
struct Worker {
    url: String,
    interval: KlineInterval,
    symbols: Vec<Symbol>,
    by_venue: HashMap<String, Symbol>,
    /// Open time (ms) of the last candle delivered, per symbol.
    last_open_ms: HashMap<Symbol, i64>,
    /// Id of the last trade delivered, per symbol (trade ids only grow).
    last_trade_id: HashMap<Symbol, u64>,
    /// When the feed started (ms): symbols with nothing delivered yet backfill from here.
    started_ms: i64,
    poll_every: Duration,
    /// Next REST poll while the stream is down (`None` while connected).
    next_poll: Option<Instant>,
    jitter: SplitMix64,
    config: KlineFeedConfig,
    rest: Arc<RestClient>,
    tx: mpsc::UnboundedSender<MarketEvent>,
    stats: Arc<FeedStats>,
}

impl Worker {
    async fn run(mut self) {
        let mut attempt: u32 = 0;
        loop {
            let end = match connect(&self.url, ms(self.config.connect_timeout_ms)).await {
                Ok(ws) => {
                    tracing::info!(url = %self.url, "binance kline stream connected");
                    self.stats.connected.store(true, Ordering::Relaxed);
                    self.next_poll = None;
                    let (end, heard) = self.session(ws).await;
                    self.stats.connected.store(false, Ordering::Relaxed);
                    if heard {
                        attempt = 0;
                    }
                    end
                }
                Err(e) => {
                    let error = self.rest.redactor().redact(&e.to_string());
                    tracing::warn!(url = %self.url, %error, attempt, "binance kline stream connect failed");
                    SessionEnd::Lost
                }
            };
            if self.tx.is_closed() || end == SessionEnd::Stopped {
                return;
            }
            FeedStats::bump(&self.stats.reconnects);
            if end == SessionEnd::Lost {
                let delay = backoff_ms(
                    self.config.reconnect_backoff_initial_ms,
                    self.config.reconnect_backoff_max_ms,
                    attempt,
                    self.jitter.next(),
                );
                attempt = attempt.saturating_add(1);
                self.wait_polling(ms(delay)).await;
            }
        }
    }

    /// Reads one connection until it ends. Returns how, and whether any frame was heard.
    async fn session(&mut self, mut ws: WsStream) -> (SessionEnd, bool) {
        // Connected first, then backfilled: a candle closing from now on comes by the stream.
        self.backfill_all("reconnect").await;
        let aged_at = Instant::now() + ms(self.config.max_connection_age_ms);
        let watchdog = ms(self.config.watchdog_ms);
        let mut heard = false;
        loop {
            if self.tx.is_closed() {
                return (SessionEnd::Stopped, heard);
            }
            let frame = tokio::select! {
                _ = tokio::time::sleep_until(aged_at) => {
                    FeedStats::bump(&self.stats.forced_reconnects);
                    tracing::info!("binance kline stream: planned reconnect before the 24 h cut");
                    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
                    return (SessionEnd::Aged, heard);
                }
                frame = tokio::time::timeout(watchdog, ws.next()) => frame,
            };
            match frame {
                Err(_) => {
                    FeedStats::bump(&self.stats.watchdog_timeouts);
                    tracing::warn!(
                        silence_ms = self.config.watchdog_ms,
                        "binance kline stream silent: reconnecting"
                    );
                    return (SessionEnd::Lost, heard);
                }
                Ok(None) => {
                    tracing::warn!("binance kline stream closed");
                    return (SessionEnd::Lost, heard);
                }
                Ok(Some(Err(e))) => {
                    let error = self.rest.redactor().redact(&e.to_string());
                    tracing::warn!(%error, "binance kline stream failed");
                    return (SessionEnd::Lost, heard);
                }
                Ok(Some(Ok(message))) => {
                    heard = true;
                    match message {
                        Message::Text(text) => self.on_text(text.as_str()).await,
                        Message::Binary(_) => self.malformed("binary frame"),
                        // Pings are answered by tungstenite as it reads; a Close frame is
                        // followed by the end of the stream.
                        Message::Ping(_)
                        | Message::Pong(_)
                        | Message::Close(_)
                        | Message::Frame(_) => {}
                    }
                }
            }
        }
    }

    /// Counts and logs a skipped frame; `detail` may quote the frame, so it is redacted.
    fn malformed(&self, detail: &str) {
        FeedStats::bump(&self.stats.malformed_frames);
        let detail = self.rest.redactor().redact(detail);
        tracing::warn!(%detail, "binance kline stream: malformed frame skipped");
    }

    async fn on_text(&mut self, text: &str) {
        match stream_frame(text) {
            Ok(StreamEvent::Kline(kline)) => self.on_kline(kline).await,
            Ok(StreamEvent::Trade(trade)) => self.on_trade(&trade),
            Err(e) => self.malformed(&e.to_string()),
        }
    }

    async fn on_kline(&mut self, kline: StreamKline) {
        let Some(symbol) = self.by_venue.get(&kline.venue_symbol).cloned() else {
            return self.malformed(&format!("unsubscribed symbol {}", kline.venue_symbol));
        };
        if kline.interval != self.interval.as_str() {
            return self.malformed(&format!("unexpected interval {}", kline.interval));
        }
        if !kline.closed {
            return;
        }
        let candle = match kline.candle(&symbol) {
            Ok(c) => c,
            Err(e) => return self.malformed(&e.to_string()),
        };
        // A hole inside the stream (a missed final frame): fill it from REST first.
        if let Some(last) = self.last_open_ms.get(&symbol).copied()
            && kline.open_time_ms > last + self.interval.millis()
        {
            let before = candle.open_time() - chrono::Duration::milliseconds(1);
            self.backfill(&symbol, before, "stream gap").await;
        }
        let stats = self.stats.clone();
        self.deliver(candle, &stats.stream_candles);
    }

    /// Delivers a trade unless its id is at or below the last delivered one of its symbol.
    fn on_trade(&mut self, trade: &StreamTrade) {
        if !self.config.trades {
            return self.malformed("trade frame without a trade subscription");
        }
        let Some(symbol) = self.by_venue.get(&trade.venue_symbol).cloned() else {
            return self.malformed(&format!("unsubscribed symbol {}", trade.venue_symbol));
        };
        let parsed = match trade.trade(&symbol) {
            Ok(t) => t,
            Err(e) => return self.malformed(&e.to_string()),
        };
        let id = trade.trade_id;
        match self.last_trade_id.get(&symbol).copied() {
            Some(last) if id <= last => {
                FeedStats::bump(&self.stats.duplicate_trades);
                return;
            }
            Some(last) if id > last.saturating_add(1) => {
                let missed = id - last - 1;
                FeedStats::add(&self.stats.missed_trades, missed);
                tracing::info!(symbol = %symbol, missed, "binance trades missed (not backfilled)");
            }
            _ => {}
        }
        self.last_trade_id.insert(symbol, id);
        FeedStats::bump(&self.stats.trades);
        let _ = self.tx.send(MarketEvent::Trade(parsed));
    }

    /// Sends `candle` unless it is at or before the last one of its symbol; counts it (before
    /// sending, so a reader never sees a candle its counter does not include yet).
    fn deliver(&mut self, candle: Candle, counter: &AtomicU64) -> bool {
        let open_ms = candle.open_time().timestamp_millis();
        let last = self.last_open_ms.get(candle.symbol()).copied();
        if last.is_some_and(|l| open_ms <= l) {
            return false;
        }
        self.last_open_ms.insert(candle.symbol().clone(), open_ms);
        FeedStats::bump(counter);
        self.tx.send(MarketEvent::Candle(candle)).is_ok()
    }

    async fn backfill_all(&mut self, why: &'static str) {
        let now = self.rest.now();
        for symbol in self.symbols.clone() {
            self.backfill(&symbol, now, why).await;
        }
    }

    /// Delivers every closed candle of `symbol` after the last delivered one, up to `to`.
    async fn backfill(&mut self, symbol: &Symbol, to: Timestamp, why: &'static str) {
        let from_ms = match self.last_open_ms.get(symbol) {
            Some(last) => last + 1,
            // Nothing delivered yet: from the bar that was open when the feed started.
            None => self.started_ms - self.interval.millis(),
        };
        if from_ms > to.timestamp_millis() {
            return;
        }
        let Some(from) = chrono::DateTime::from_timestamp_millis(from_ms) else {
            return;
        };
        match self
            .rest
            .klines_history(symbol, self.interval, from, to)
            .await
        {
            Ok(candles) => {
                let stats = self.stats.clone();
                let mut n = 0u64;
                for candle in candles {
                    if self.deliver(candle, &stats.backfilled_candles) {
                        n += 1;
                    }
                }
                if n > 0 {
                    tracing::info!(symbol = %symbol, candles = n, why, "binance klines backfilled from REST");
                }
            }
            Err(e) => {
                tracing::warn!(symbol = %symbol, error = %e, why, "binance klines backfill failed; retried on the next poll or reconnect");
            }
        }
    }

    /// Waits `delay` before the next dial, polling REST every `poll_every` meanwhile (the
    /// polling clock starts when the stream goes down and stops at the next connect).
    async fn wait_polling(&mut self, delay: Duration) {
        let until = Instant::now() + delay;
        loop {
            let poll_every = self.poll_every;
            let next_poll = *self
                .next_poll
                .get_or_insert_with(|| Instant::now() + poll_every);
            if next_poll >= until {
                tokio::time::sleep_until(until).await;
                return;
            }
            tokio::time::sleep_until(next_poll).await;
            self.backfill_all("polling fallback").await;
            self.next_poll = Some(Instant::now() + poll_every);
        }
    }
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jitter_only_shortens() {
        for attempt in 0..40 {
            let full = (500u64 << attempt.min(32)).min(30_000);
            for r in [0, 1, 7, u64::MAX] {
                let d = backoff_ms(500, 30_000, attempt, r);
                assert!(
                    d >= full / 2 && d <= full,
                    "attempt {attempt}: {d} vs {full}"
                );
            }
        }
        let mut a = SplitMix64(42);
        let mut b = SplitMix64(42);
        assert_eq!(a.next(), b.next(), "jitter is reproducible from its seed");
    }
}
