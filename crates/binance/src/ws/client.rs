//! Dialling the combined stream: the URL (klines, optionally trades) and one connect with a
//! timeout.

use std::time::Duration;

use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::BinanceError;
use crate::market_data::KlineInterval;

/// An open WebSocket connection.
pub(crate) type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// `<ws_base_url>/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m`, followed by
/// `btcusdt@trade/ethusdt@trade` when `trades` is set (one combined connection).
pub(crate) fn stream_url(
    ws_base_url: &str,
    venue_symbols: &[String],
    interval: KlineInterval,
    trades: bool,
) -> String {
    let lower: Vec<String> = venue_symbols
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let mut streams: Vec<String> = lower
        .iter()
        .map(|s| format!("{s}@kline_{interval}"))
        .collect();
    if trades {
        streams.extend(lower.iter().map(|s| format!("{s}@trade")));
    }
    format!("{ws_base_url}/stream?streams={}", streams.join("/"))
}

/// Opens the connection (TCP, TLS for `wss://`, HTTP upgrade) within `timeout`.
pub(crate) async fn connect(url: &str, timeout: Duration) -> Result<WsStream, BinanceError> {
    match tokio::time::timeout(timeout, tokio_tungstenite::connect_async(url)).await {
        Ok(Ok((ws, _response))) => Ok(ws),
        Ok(Err(e)) => Err(BinanceError::Transport(format!("websocket connect: {e}"))),
        Err(_) => Err(BinanceError::Timeout(format!(
            "websocket connect took longer than {} ms",
            timeout.as_millis()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_stream_url_lists_every_symbol_in_lower_case() {
        let symbols = ["BTCUSDT".to_string(), "ETHUSDT".to_string()];
        let base = "wss://stream.binance.com:9443";
        let url = stream_url(base, &symbols, KlineInterval::ONE_MINUTE, false);
        assert_eq!(
            url,
            "wss://stream.binance.com:9443/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m"
        );
        let url = stream_url(base, &symbols, KlineInterval::ONE_MINUTE, true);
        assert_eq!(
            url,
            "wss://stream.binance.com:9443/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m/btcusdt@trade/ethusdt@trade"
        );
    }
}
