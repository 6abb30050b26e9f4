//! Wire shapes of the Binance combined WebSocket stream (`/stream?streams=a/b`).
//!
//! Every frame is `{"stream": "<name>", "data": <event>}`; the event's `e` field says which
//! shape `data` has: the kline event is `ws_kline_event_doc_example.json`, the trade event
//! `ws_trade_event_doc_example.json` (and, recorded inside its combined-stream wrapper,
//! `ws_trade_event_ethusdt_recorded_combined_stream.json`). These stay `pub(crate)`: only
//! [`super::parse`] turns them into domain types.

use serde::Deserialize;

/// One frame of a combined stream, its event not read yet (the shape depends on `data.e`).
#[derive(Debug, Deserialize)]
pub(crate) struct CombinedFrame {
    /// Stream name, `btcusdt@kline_1m`, `btcusdt@trade`.
    pub stream: String,
    /// The event.
    pub data: serde_json::Value,
}

/// A kline event (`"e": "kline"`).
#[derive(Debug, Deserialize)]
pub(crate) struct KlineEventWire {
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

/// A trade event (`"e": "trade"`). Price and quantity are decimal strings.
#[derive(Debug, Deserialize)]
pub(crate) struct TradeEventWire {
    /// Symbol, Binance spelling (`BTCUSDT`).
    #[serde(rename = "s")]
    pub symbol: String,
    /// Trade id; Binance numbers the trades of a symbol consecutively.
    #[serde(rename = "t")]
    pub trade_id: u64,
    #[serde(rename = "p")]
    pub price: String,
    #[serde(rename = "q")]
    pub qty: String,
    /// Trade time, ms.
    #[serde(rename = "T")]
    pub trade_time: i64,
    /// Is the buyer the market maker? (Then the seller was the aggressor.)
    #[serde(rename = "m")]
    pub buyer_is_maker: bool,
}
