//! Wire shapes of the Binance combined WebSocket stream (`/stream?streams=a/b`).
//!
//! Every frame is `{"stream": "<name>", "data": <event>}`; the kline event is
//! `ws_kline_event_doc_example.json`. These stay `pub(crate)`: only [`super::parse`] turns them
//! into domain types.

use serde::Deserialize;

/// One frame of a combined stream.
#[derive(Debug, Deserialize)]
pub(crate) struct CombinedFrame {
    /// Stream name, `btcusdt@kline_1m`.
    pub stream: String,
    /// The event.
    pub data: KlineEventWire,
}

/// A kline event (`"e": "kline"`).
#[derive(Debug, Deserialize)]
pub(crate) struct KlineEventWire {
    /// Event type.
    #[serde(rename = "e")]
    pub event_type: String,
    /// Symbol, Binance spelling (`BTCUSDT`).
    #[serde(rename = "s")]
    pub symbol: String,
    /// The kline.
    #[serde(rename = "k")]
    pub kline: KlineWire,
}

/// The `k` object of a kline event. Prices and volume are decimal strings.
#[derive(Debug, Deserialize)]
pub(crate) struct KlineWire {
    /// Open time, ms.
    #[serde(rename = "t")]
    pub open_time: i64,
    /// Close time, ms (the bar's last millisecond).
    #[serde(rename = "T")]
    pub close_time: i64,
    /// Interval (`1m`).
    #[serde(rename = "i")]
    pub interval: String,
    #[serde(rename = "o")]
    pub open: String,
    #[serde(rename = "h")]
    pub high: String,
    #[serde(rename = "l")]
    pub low: String,
    #[serde(rename = "c")]
    pub close: String,
    /// Base asset volume.
    #[serde(rename = "v")]
    pub volume: String,
    /// Is this kline closed?
    #[serde(rename = "x")]
    pub closed: bool,
}
