//! Dialling the combined stream: the URL and one connect with a timeout.

use std::time::Duration;

use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::BinanceError;
use crate::market_data::KlineInterval;

/// An open WebSocket connection.
pub(crate) type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// `<ws_base_url>/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m`.
pub(crate) fn kline_stream_url(
    ws_base_url: &str,
    venue_symbols: &[String],
    interval: KlineInterval,
) -> String {
    let streams: Vec<String> = venue_symbols
        .iter()
        .map(|s| format!("{}@kline_{interval}", s.to_ascii_lowercase()))
        .collect();
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
        let url = kline_stream_url(
            "wss://stream.binance.com:9443",
            &["BTCUSDT".to_string(), "ETHUSDT".to_string()],
            KlineInterval::ONE_MINUTE,
        );
        assert_eq!(
            url,
            "wss://stream.binance.com:9443/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m"
        );
    }
}
