//! An in-process fake of Binance Spot for the runtime in paper and live modes, on
//! 127.0.0.1:0: REST and the combined kline stream, speaking the real message shapes.
//!
//! REST checks what Binance checks on signed endpoints (the `X-MBX-APIKEY` header, the
//! HMAC-SHA256 signature with the documentation's key pair from
//! `../shared/fixtures/binance/hmac_signing_example.json`, `timestamp` within `recvWindow`
//! of its own, optionally skewed, clock), keeps orders by client order id (`-2013` for an
//! unknown one), fills market orders at once at the symbol's price, and answers the account
//! endpoint with `account_info.json` whose `canTrade`/`canWithdraw` the test sets. Every
//! request is logged in arrival order.
//!
//! The stream hands each connection the next scripted batch of frames (closed klines built
//! from `ws_kline_event_doc_example.json`): a connection whose batch is not the last one is
//! closed after it (the feed reconnects), the last one stays open and silent.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use binance::credential::sign_hmac_sha256;
use domain::{Clock, SystemClock};
use futures::{SinkExt, StreamExt};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{loopback_listener, serve_in_background, shared};

/// The text of `fixtures/binance/<name>` in the shared test data.
pub fn fixture(name: &str) -> String {
    let path = shared().join("fixtures/binance").join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

/// The official signing example's key pair (what the fake accepts).
pub fn doc_keys() -> (String, String) {
    let v: Value = serde_json::from_str(&fixture("hmac_signing_example.json")).unwrap();
    (
        v["apiKey"].as_str().unwrap().to_string(),
        v["secretKey"].as_str().unwrap().to_string(),
    )
}

/// A closed kline frame of the combined stream for `venue` (`ETHUSDT`) opening at `open_ms`,
/// all four prices at `price` (the documented sample's open lies below its low).
pub fn kline(venue: &str, interval_ms: i64, open_ms: i64, price: &str) -> String {
    let mut data: Value =
        serde_json::from_str(&fixture("ws_kline_event_doc_example.json")).unwrap();
    data["s"] = json!(venue);
    data["E"] = json!(open_ms + interval_ms);
    let k = &mut data["k"];
    k["s"] = json!(venue);
    k["i"] = json!("1m");
    k["t"] = json!(open_ms);
    k["T"] = json!(open_ms + interval_ms - 1);
    k["x"] = json!(true);
    for field in ["o", "h", "l", "c"] {
        k[field] = json!(price);
    }
    json!({"stream": format!("{}@kline_1m", venue.to_ascii_lowercase()), "data": data}).to_string()
}

/// A closed kline as `GET /api/v3/klines` returns it (one-minute bar at `price`).
pub fn kline_row(open_ms: i64, price: &str) -> Value {
    json!([
        open_ms,
        price,
        price,
        price,
        price,
        "10.0",
        open_ms + 59_999,
        "25000.0",
        42,
        "5.0",
        "12500.0",
        "0"
    ])
}

/// The start of the current minute, ms since the epoch (the fake lives in wall-clock time).
pub fn this_minute_ms() -> i64 {
    SystemClock.now().timestamp_millis() / 60_000 * 60_000
}

/// What the fake holds and has seen.
#[derive(Debug)]
pub struct FakeState {
    /// Server clock minus local clock, ms.
    pub skew_ms: i64,
    /// `canTrade` of the account endpoint.
    pub can_trade: bool,
    /// `canWithdraw` of the account endpoint.
    pub can_withdraw: bool,
    /// Frames for the next stream connections, one batch per connection.
    pub batches: VecDeque<Vec<String>>,
    /// Every REST request as `METHOD /path?query`, in arrival order.
    pub requests: Vec<String>,
    /// Orders by client order id.
    pub orders: BTreeMap<String, Value>,
    /// Trades by order id.
    pub trades: HashMap<i64, Vec<Value>>,
    /// Fill price per Binance symbol.
    pub prices: HashMap<String, Decimal>,
    /// Signed requests refused (bad key, signature or timestamp).
    pub auth_failures: Vec<String>,
    /// Closed klines served by `GET /api/v3/klines`, as REST rows, per Binance symbol.
    pub history: HashMap<String, Vec<Value>>,
    pub next_id: i64,
}

impl Default for FakeState {
    fn default() -> Self {
        Self {
            skew_ms: 0,
            can_trade: true,
            can_withdraw: false,
            batches: VecDeque::new(),
            requests: Vec::new(),
            orders: BTreeMap::new(),
            trades: HashMap::new(),
            prices: [
                ("BTCUSDT".to_string(), Decimal::from(50_000)),
                ("ETHUSDT".to_string(), Decimal::from(2_500)),
            ]
            .into_iter()
            .collect(),
            auth_failures: Vec::new(),
            history: HashMap::new(),
            next_id: 1000,
        }
    }
}

/// A running fake: its state and base URLs.
#[derive(Clone)]
pub struct FakeBinance {
    pub state: Arc<Mutex<FakeState>>,
    pub rest_url: String,
    pub ws_url: String,
}

impl FakeBinance {
    /// Starts REST and stream servers with `state`.
    pub fn start(state: FakeState) -> Self {
        let rest = loopback_listener();
        let ws = loopback_listener();
        let fake = FakeBinance {
            state: Arc::new(Mutex::new(state)),
            rest_url: format!("http://{}", rest.local_addr().unwrap()),
            ws_url: format!("ws://{}", ws.local_addr().unwrap()),
        };
        let shared_state = fake.state.clone();
        serve_in_background(async move {
            let app = axum::Router::new()
                .fallback(handle)
                .with_state(shared_state.clone());
            let rest = tokio::net::TcpListener::from_std(rest).unwrap();
            tokio::spawn(async move { axum::serve(rest, app).await.unwrap() });
            let ws = tokio::net::TcpListener::from_std(ws).unwrap();
            while let Ok((tcp, _)) = ws.accept().await {
                let state = shared_state.clone();
                tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                        return;
                    };
                    let (frames, last) = {
                        let mut st = state.lock().unwrap();
                        let frames = st.batches.pop_front().unwrap_or_default();
                        (frames, st.batches.is_empty())
                    };
                    for frame in frames {
                        if ws.send(Message::text(frame)).await.is_err() {
                            return;
                        }
                    }
                    if !last {
                        // Dropped: the client reconnects for the next batch.
                        let _ = ws.close(None).await;
                        return;
                    }
                    // Stay connected (silent) until the client goes.
                    while let Some(Ok(_)) = ws.next().await {}
                });
            }
        });
        fake
    }

    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap()
    }

    /// Every REST request so far, in arrival order.
    pub fn requests(&self) -> Vec<String> {
        self.state().requests.clone()
    }

    /// Index of the first request starting with `prefix` and containing `needle`.
    pub fn first(&self, prefix: &str, needle: &str) -> Option<usize> {
        self.requests()
            .iter()
            .position(|r| r.starts_with(prefix) && r.contains(needle))
    }

    /// Puts a filled market order (and its trade) on the fake's books, as if a previous
    /// process had placed it.
    pub fn place_filled(&self, client_id: &str, venue: &str, side: &str, qty: &str) {
        let mut st = self.state();
        let params: HashMap<String, String> = [
            ("symbol", venue),
            ("side", side),
            ("type", "MARKET"),
            ("quantity", qty),
            ("newClientOrderId", client_id),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (status, body) = new_order(&mut st, &params);
        assert_eq!(status, 200, "{body}");
    }
}

fn params(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn reply(status: u16, body: String) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    headers.insert("x-mbx-used-weight-1m", "10".parse().unwrap());
    (StatusCode::from_u16(status).unwrap(), headers, body).into_response()
}

fn error(status: u16, code: i64, msg: &str) -> (u16, String) {
    (status, json!({"code": code, "msg": msg}).to_string())
}

fn server_now(st: &FakeState) -> i64 {
    SystemClock.now().timestamp_millis() + st.skew_ms
}

/// Binance's checks of a signed request: key, signature, `timestamp < serverTime + 1000`
/// and `serverTime - timestamp <= recvWindow`.
fn check_signed(
    st: &FakeState,
    headers: &HeaderMap,
    query: &str,
    p: &HashMap<String, String>,
) -> Option<(u16, String)> {
    let (key, secret) = doc_keys();
    if headers.get("x-mbx-apikey").and_then(|v| v.to_str().ok()) != Some(key.as_str()) {
        return Some(error(
            401,
            -2015,
            "Invalid API-key, IP, or permissions for action.",
        ));
    }
    let Some((payload, sig)) = query.rsplit_once("&signature=") else {
        return Some(error(
            400,
            -1102,
            "Mandatory parameter 'signature' was not sent.",
        ));
    };
    if sign_hmac_sha256(&secret, payload) != sig {
        return Some(error(
            400,
            -1022,
            "Signature for this request is not valid.",
        ));
    }
    let now = server_now(st);
    let ts: i64 = p.get("timestamp").and_then(|t| t.parse().ok()).unwrap_or(0);
    let window: i64 = p
        .get("recvWindow")
        .and_then(|t| t.parse().ok())
        .unwrap_or(5000);
    if !(ts < now + 1000 && now - ts <= window) {
        return Some(error(
            400,
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
        ));
    }
    None
}

async fn handle(
    State(state): State<Arc<Mutex<FakeState>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let p = params(&query);
    let mut st = state.lock().unwrap();
    st.requests.push(format!("{method} {path}?{query}"));
    let signed = matches!(
        path.as_str(),
        "/api/v3/order" | "/api/v3/openOrders" | "/api/v3/myTrades" | "/api/v3/account"
    );
    if signed && let Some((status, body)) = check_signed(&st, &headers, &query, &p) {
        st.auth_failures.push(format!("{method} {path}: {body}"));
        return reply(status, body);
    }
    let (status, body) = match (method.as_str(), path.as_str()) {
        ("GET", "/api/v3/time") => (200, json!({ "serverTime": server_now(&st) }).to_string()),
        // The scripted history of the symbol, within [startTime, endTime] (none by default:
        // the stream delivers every candle).
        ("GET", "/api/v3/klines") => {
            let sym = p.get("symbol").cloned().unwrap_or_default();
            let bound = |k: &str, d: i64| p.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
            let (from, to) = (bound("startTime", i64::MIN), bound("endTime", i64::MAX));
            let rows: Vec<Value> = st
                .history
                .get(&sym)
                .map(|rows| {
                    rows.iter()
                        .filter(|r| r[0].as_i64().is_some_and(|t| from <= t && t <= to))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            (200, Value::Array(rows).to_string())
        }
        ("GET", "/api/v3/exchangeInfo") => {
            let body = fixture("exchange_info_btcusdt_ethusdt_recorded_2021-10-22.json");
            let sym = p.get("symbol").cloned().unwrap_or_default();
            if body.contains(&format!("\"{sym}\"")) {
                (200, body)
            } else {
                error(400, -1121, "Invalid symbol.")
            }
        }
        ("GET", "/api/v3/account") => {
            let mut account: Value = serde_json::from_str(&fixture("account_info.json")).unwrap();
            account["canTrade"] = json!(st.can_trade);
            account["canWithdraw"] = json!(st.can_withdraw);
            (200, account.to_string())
        }
        ("POST", "/api/v3/order") => new_order(&mut st, &p),
        ("GET", "/api/v3/order") => match find_order(&st, &p) {
            Some(o) => (200, without_fills(o).to_string()),
            None => error(400, -2013, "Order does not exist."),
        },
        ("GET", "/api/v3/openOrders") => {
            let open: Vec<Value> = st
                .orders
                .values()
                .filter(|o| o["status"] == "NEW")
                .map(without_fills)
                .collect();
            (200, Value::Array(open).to_string())
        }
        ("GET", "/api/v3/myTrades") => {
            let order_id: i64 = p.get("orderId").and_then(|v| v.parse().ok()).unwrap_or(-1);
            let trades = st.trades.get(&order_id).cloned().unwrap_or_default();
            (200, Value::Array(trades).to_string())
        }
        _ => error(404, -1000, "not served by the fake"),
    };
    reply(status, body)
}

fn without_fills(o: &Value) -> Value {
    let mut o = o.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("fills");
    }
    o
}

fn find_order<'a>(st: &'a FakeState, p: &HashMap<String, String>) -> Option<&'a Value> {
    let o = st.orders.get(p.get("origClientOrderId")?)?;
    (o["symbol"].as_str() == p.get("symbol").map(String::as_str)).then_some(o)
}

/// A market order filled at once at the symbol's price (`quantity`, or `quoteOrderQty` for
/// a buy spending a quote amount), answered as `newOrderRespType=FULL`.
fn new_order(st: &mut FakeState, p: &HashMap<String, String>) -> (u16, String) {
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    let Some(client_id) = p.get("newClientOrderId").cloned() else {
        return error(400, -1102, "newClientOrderId required by this fake");
    };
    if st.orders.contains_key(&client_id) {
        return error(400, -2010, "Duplicate order sent.");
    }
    if get("type") != "MARKET" {
        return error(400, -1116, "this fake fills market orders only");
    }
    let symbol = get("symbol");
    let Some(price) = st.prices.get(&symbol).copied() else {
        return error(400, -1121, "Invalid symbol.");
    };
    let qty: Decimal = match (p.get("quantity"), p.get("quoteOrderQty")) {
        (Some(q), _) => q.parse().unwrap_or_default(),
        (None, Some(quote)) => (quote.parse::<Decimal>().unwrap_or_default() / price)
            .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::ToZero),
        (None, None) => return error(400, -1102, "quantity or quoteOrderQty required"),
    };
    if qty <= Decimal::ZERO {
        return error(400, -1013, "Filter failure: LOT_SIZE");
    }
    let now = server_now(st);
    st.next_id += 1;
    let order_id = st.next_id;
    st.next_id += 1;
    let trade_id = st.next_id;
    let quote = (qty * price).round_dp(8);
    let commission = (quote * Decimal::new(1, 3)).round_dp(8);
    let fill = json!({"price": price.to_string(), "qty": qty.to_string(),
                      "commission": commission.to_string(), "commissionAsset": "USDT",
                      "tradeId": trade_id});
    let trade = json!({"symbol": symbol, "id": trade_id, "orderId": order_id,
                       "price": price.to_string(), "qty": qty.to_string(),
                       "quoteQty": quote.to_string(), "commission": commission.to_string(),
                       "commissionAsset": "USDT", "time": now, "isBuyer": get("side") == "BUY",
                       "isMaker": false, "isBestMatch": true});
    st.trades.insert(order_id, vec![trade]);
    let order = json!({
        "symbol": symbol, "orderId": order_id, "orderListId": -1,
        "clientOrderId": client_id, "transactTime": now, "time": now, "updateTime": now,
        "price": "0.00000000", "origQty": qty.to_string(), "executedQty": qty.to_string(),
        "cummulativeQuoteQty": quote.to_string(), "status": "FILLED", "timeInForce": "GTC",
        "type": "MARKET", "side": get("side"), "workingTime": now,
        "selfTradePreventionMode": "NONE", "fills": [fill],
    });
    st.orders.insert(client_id, order.clone());
    (200, order.to_string())
}
