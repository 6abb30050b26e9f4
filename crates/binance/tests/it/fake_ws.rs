//! An in-process fake of Binance's combined WebSocket stream on 127.0.0.1:0.
//!
//! Every accepted connection is handed to the test as a [`WsConn`] with the request path, so
//! the test plays the server: it sends kline frames built from the documented sample
//! (`ws_kline_event_doc_example.json`), trade frames built from the recorded one
//! (`ws_trade_event_ethusdt_recorded_combined_stream.json`), pings, garbage, stays silent, or
//! drops the socket.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

use crate::support::fixture_json;

/// One accepted client connection, server side.
pub struct WsConn {
    /// Path and query of the upgrade request (`/stream?streams=...`).
    pub path: String,
    pub ws: WebSocketStream<TcpStream>,
}

impl WsConn {
    pub async fn send_text(&mut self, text: impl Into<String>) {
        self.ws.send(Message::text(text.into())).await.unwrap();
    }

    /// The next frame the client sent (within 2 s).
    pub async fn recv(&mut self) -> Message {
        tokio::time::timeout(Duration::from_secs(2), self.ws.next())
            .await
            .expect("client frame within 2 s")
            .expect("connection open")
            .unwrap()
    }
}

/// The fake server: `base_url` for `BinanceConfig::ws_base_url`, connections as they come.
pub struct FakeWs {
    pub base_url: String,
    conns: mpsc::UnboundedReceiver<WsConn>,
    /// While set, connections are dropped before the upgrade (the stream is "down").
    pub refuse: Arc<AtomicBool>,
}

impl FakeWs {
    /// The next connection the feed opens (within 3 s).
    pub async fn accept(&mut self) -> WsConn {
        tokio::time::timeout(Duration::from_secs(3), self.conns.recv())
            .await
            .expect("the feed connects within 3 s")
            .expect("fake ws server running")
    }
}

#[allow(clippy::result_large_err)] // the handshake callback's error type is tungstenite's
pub async fn start() -> FakeWs {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let refuse = Arc::new(AtomicBool::new(false));
    let refusing = refuse.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            if refusing.load(Ordering::SeqCst) {
                drop(tcp);
                continue;
            }
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut path = String::new();
                let callback = |req: &Request, resp: Response| {
                    path = req.uri().to_string();
                    Ok(resp)
                };
                if let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await {
                    let _ = tx.send(WsConn { path, ws });
                }
            });
        }
    });
    FakeWs {
        base_url: format!("ws://{addr}"),
        conns: rx,
        refuse,
    }
}

/// A combined-stream kline frame for `venue` (`BTCUSDT`) opening at `open_ms`, built from the
/// documented event with the symbol, times, `x` and close price replaced.
pub fn kline(venue: &str, open_ms: i64, closed: bool, close: &str) -> String {
    let mut data: Value = fixture_json("ws_kline_event_doc_example.json");
    data["s"] = json!(venue);
    data["E"] = json!(open_ms + 59_000);
    let k = &mut data["k"];
    k["s"] = json!(venue);
    k["i"] = json!("1m");
    k["t"] = json!(open_ms);
    k["T"] = json!(open_ms + 59_999);
    k["x"] = json!(closed);
    k["o"] = json!(close);
    k["h"] = json!(close);
    k["l"] = json!(close);
    k["c"] = json!(close);
    json!({
        "stream": format!("{}@kline_1m", venue.to_ascii_lowercase()),
        "data": data,
    })
    .to_string()
}

/// The recorded combined-stream trade frame (`ws_trade_event_ethusdt_recorded_combined_stream.json`,
/// ETHUSDT trade 705291099), verbatim.
pub fn recorded_trade() -> String {
    fixture_json("ws_trade_event_ethusdt_recorded_combined_stream.json").to_string()
}

/// A combined-stream trade frame for `venue`, built from the recorded one with the symbol,
/// trade id, price and maker flag replaced.
pub fn trade(venue: &str, id: u64, price: &str, buyer_is_maker: bool) -> String {
    let mut frame = fixture_json("ws_trade_event_ethusdt_recorded_combined_stream.json");
    frame["stream"] = json!(format!("{}@trade", venue.to_ascii_lowercase()));
    let data = &mut frame["data"];
    data["s"] = json!(venue);
    data["t"] = json!(id);
    data["p"] = json!(price);
    data["m"] = json!(buyer_is_maker);
    frame.to_string()
}
