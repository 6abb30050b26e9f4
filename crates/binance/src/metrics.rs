//! [`VenueMetrics`]: one plain, serialisable reading of the adapter's health — the feed's
//! counters ([`FeedStats`]) and the REST client's state (clock offset, used weight, 429, 418,
//! circuit breaker) — for an exporter or a health endpoint to publish. Nothing is exported
//! from here: the runtime decides where the figures go.

use domain::Timestamp;
use serde::Serialize;

use crate::http::client::RestClient;
use crate::ws::feed::FeedStats;

/// The adapter's metrics at one instant. Counters are totals since the feed started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VenueMetrics {
    /// Stream redials after a connection ended (any cause).
    pub reconnects: u64,
    /// Connections dropped by the silence watchdog.
    pub watchdog_timeouts: u64,
    /// Connections closed on purpose before Binance's 24 h cut.
    pub forced_reconnects: u64,
    /// Frames skipped as unreadable (not JSON, wrong event, unsubscribed symbol, bad field).
    pub malformed_frames: u64,
    /// Candles delivered from REST (gap backfill and polling fallback).
    pub backfilled_candles: u64,
    /// Candles delivered from the stream.
    pub stream_candles: u64,
    /// Trades delivered (0 unless `feed.trades` is set).
    pub trades: u64,
    /// Trades dropped as repeats of an id already delivered.
    pub duplicate_trades: u64,
    /// Trade ids skipped over (trades not seen, e.g. while disconnected).
    pub missed_trades: u64,
    /// Whether the WebSocket is connected.
    pub connected: bool,
    /// Server clock minus local clock in ms, once measured (`RestClient::sync_time`).
    pub clock_offset_ms: Option<i64>,
    /// Whether that offset is within `max_clock_offset_ms` (`None` before a measurement).
    pub clock_offset_ok: Option<bool>,
    /// Request weight used in the current minute as Binance last reported it (`None` before
    /// any answer carried `X-MBX-USED-WEIGHT-1M`).
    pub used_weight: Option<u32>,
    /// The configured weight budget per minute (`weight_limit_per_minute`).
    pub weight_limit_per_minute: u32,
    /// Whether a 418 IP ban is in force (no request at all until `banned_until`).
    pub banned: bool,
    /// End of the 418 ban in force.
    pub banned_until: Option<Timestamp>,
    /// Whether a 429 `Retry-After` is holding requests back.
    pub rate_limited: bool,
    /// End of that wait.
    pub rate_limited_until: Option<Timestamp>,
    /// Whether the order-entry circuit breaker is open.
    pub circuit_open: bool,
}

impl VenueMetrics {
    /// Reads `feed` and `rest` now (each figure read once; they are not one atomic snapshot).
    pub fn snapshot(feed: &FeedStats, rest: &RestClient) -> Self {
        let banned_until = rest.banned_until();
        let rate_limited_until = rest.rate_limited_until();
        Self {
            reconnects: feed.reconnects(),
            watchdog_timeouts: feed.watchdog_timeouts(),
            forced_reconnects: feed.forced_reconnects(),
            malformed_frames: feed.malformed_frames(),
            backfilled_candles: feed.backfilled_candles(),
            stream_candles: feed.stream_candles(),
            trades: feed.trades(),
            duplicate_trades: feed.duplicate_trades(),
            missed_trades: feed.missed_trades(),
            connected: feed.connected(),
            clock_offset_ms: rest.clock_offset_ms(),
            clock_offset_ok: rest.clock_offset_ok(),
            used_weight: rest.reported_used_weight(),
            weight_limit_per_minute: rest.config().weight_limit_per_minute,
            banned: banned_until.is_some(),
            banned_until,
            rate_limited: rate_limited_until.is_some(),
            rate_limited_until,
            circuit_open: rest.circuit_open_until().is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use domain::SystemClock;

    use super::*;
    use crate::BinanceConfig;

    #[test]
    fn a_fresh_client_and_feed_read_as_zero_and_unknown() {
        let rest = RestClient::new(BinanceConfig::default(), None, Arc::new(SystemClock)).unwrap();
        let m = VenueMetrics::snapshot(&FeedStats::default(), &rest);
        assert_eq!(m.reconnects, 0);
        assert!(!m.connected);
        assert_eq!(m.clock_offset_ms, None);
        assert_eq!(m.used_weight, None);
        assert_eq!(m.weight_limit_per_minute, 6_000);
        assert!(!m.banned && !m.rate_limited && !m.circuit_open);
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["clock_offset_ms"], serde_json::Value::Null);
        assert_eq!(json["trades"], 0);
    }
}
