//! An in-process fake Binance Spot REST API on 127.0.0.1:0.
//!
//! It speaks the real protocol as far as the adapter relies on it: HMAC signatures checked
//! with the documentation's key pair, `timestamp`/`recvWindow` checked against its own
//! (optionally skewed) clock with Binance's acceptance rule, `X-MBX-USED-WEIGHT-1M` on every
//! answer, orders kept by client order id (duplicates of open orders refused with -2010),
//! -2013 for unknown orders. Tests script exceptional answers (429, 418, 5xx, error bodies)
//! per endpoint, and can make order placement slow (the order is recorded first).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use binance::credential::sign_hmac_sha256;
use domain::{Clock, SystemClock};
use serde_json::{Value, json};

use crate::support::{doc_keys, fixture, fixture_json};

/// A scripted answer. In its body, `{api_key}`, `{signature}` and `{query}` are replaced by
/// the request's `X-MBX-APIKEY` header, `signature` parameter and query string (a venue that
/// echoes the request).
#[derive(Debug, Clone)]
pub struct Scripted {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub body: String,
}

impl Scripted {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            retry_after: None,
            body: body.into(),
        }
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The wire body and typical status of an `error_*.json` fixture.
    pub fn from_error_fixture(name: &str) -> Self {
        let v = fixture_json(name);
        let status = v["_http_status_typical"].as_u64().unwrap_or(400) as u16;
        Self::new(status, v["body"].to_string())
    }
}

#[derive(Debug, Default)]
pub struct FakeState {
    /// Server clock minus local clock.
    pub skew_ms: i64,
    /// Requests per `"METHOD /path"`.
    pub counts: HashMap<String, usize>,
    /// When each request arrived (tokio clock).
    pub arrivals: Vec<(String, tokio::time::Instant)>,
    /// The query string of each request, in arrival order.
    pub queries: Vec<(String, String)>,
    /// Next answers per `"METHOD /path"`, before normal handling.
    pub scripted: HashMap<String, VecDeque<Scripted>>,
    /// Orders by client order id.
    pub orders: BTreeMap<String, Value>,
    /// Trades by order id.
    pub trades: HashMap<i64, Vec<Value>>,
    /// Delay before answering a new order (the order is placed first).
    pub order_delay: Option<Duration>,
    pub klines: Vec<Value>,
    /// The `exchangeInfo` body served (the recorded BTCUSDT/ETHUSDT one to start with);
    /// `symbol=` / `symbols=[...]` select from its `symbols`, an unlisted one is -1121.
    pub exchange_info: Value,
    /// Klines of symbols other than BTCUSDT (an absent symbol is answered -1121).
    pub other_klines: HashMap<String, Vec<Value>>,
    pub used_weight: u64,
    pub next_id: i64,
    /// Signed requests refused for a bad signature or timestamp.
    pub auth_failures: Vec<String>,
}

#[derive(Clone)]
pub struct Fake {
    pub state: Arc<Mutex<FakeState>>,
    pub base_url: String,
}

impl Fake {
    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap()
    }

    pub fn count(&self, key: &str) -> usize {
        self.state().counts.get(key).copied().unwrap_or(0)
    }

    pub fn script(&self, key: &str, answer: Scripted) {
        self.state()
            .scripted
            .entry(key.to_string())
            .or_default()
            .push_back(answer);
    }
}

/// Starts a fake serving the recorded BTCUSDT klines and exchangeInfo.
pub async fn start() -> Fake {
    let klines: Vec<Value> =
        serde_json::from_str(&fixture("klines_btcusdt_1m_recorded_2021-10-22.json")).unwrap();
    let state = Arc::new(Mutex::new(FakeState {
        klines,
        exchange_info: fixture_json("exchange_info_btcusdt_ethusdt_recorded_2021-10-22.json"),
        used_weight: 10,
        next_id: 1000,
        ..FakeState::default()
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().fallback(handle).with_state(Fake {
        state: state.clone(),
        base_url: String::new(),
    });
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Fake {
        state,
        base_url: format!("http://{addr}"),
    }
}

fn params(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn reply(status: u16, weight: u64, retry_after: Option<u64>, body: String) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    headers.insert("x-mbx-used-weight-1m", weight.to_string().parse().unwrap());
    if let Some(s) = retry_after {
        headers.insert("retry-after", s.to_string().parse().unwrap());
    }
    (StatusCode::from_u16(status).unwrap(), headers, body).into_response()
}

fn error(status: u16, code: i64, msg: &str) -> (u16, String) {
    (status, json!({"code": code, "msg": msg}).to_string())
}

fn is_signed(path: &str) -> bool {
    matches!(
        path,
        "/api/v3/order" | "/api/v3/openOrders" | "/api/v3/myTrades" | "/api/v3/account"
    )
}

/// Binance's acceptance rule: `timestamp < serverTime + 1000` and
/// `serverTime - timestamp <= recvWindow`.
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
    let server_now = SystemClock.now().timestamp_millis() + st.skew_ms;
    let ts: i64 = p.get("timestamp").and_then(|t| t.parse().ok()).unwrap_or(0);
    let window: i64 = p
        .get("recvWindow")
        .and_then(|t| t.parse().ok())
        .unwrap_or(5000);
    if !(ts < server_now + 1000 && server_now - ts <= window) {
        return Some(error(
            400,
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
        ));
    }
    None
}

async fn handle(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let key = format!("{method} {path}");
    let p = params(&query);
    let (status, body, retry_after, delay, weight) = {
        let mut st = fake.state.lock().unwrap();
        *st.counts.entry(key.clone()).or_default() += 1;
        st.arrivals.push((key.clone(), tokio::time::Instant::now()));
        st.queries.push((key.clone(), query.clone()));
        let weight = st.used_weight;
        if let Some(s) = st.scripted.get_mut(&key).and_then(VecDeque::pop_front) {
            let api_key = headers
                .get("x-mbx-apikey")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let signature = p.get("signature").map(String::as_str).unwrap_or("");
            let body = s
                .body
                .replace("{api_key}", api_key)
                .replace("{signature}", signature)
                .replace("{query}", &query);
            return reply(s.status, weight, s.retry_after, body);
        }
        if is_signed(&path)
            && let Some((status, body)) = check_signed(&st, &headers, &query, &p)
        {
            st.auth_failures.push(body.clone());
            return reply(status, weight, None, body);
        }
        let mut delay = None;
        let (status, body) = match (method.as_str(), path.as_str()) {
            ("GET", "/api/v3/time") => {
                let now = SystemClock.now().timestamp_millis() + st.skew_ms;
                (200, json!({ "serverTime": now }).to_string())
            }
            ("GET", "/api/v3/klines") => klines(&st, &p),
            ("GET", "/api/v3/exchangeInfo") => exchange_info(&st, &p),
            ("GET", "/api/v3/account") => (200, fixture("account_info.json")),
            ("POST", "/api/v3/order") => {
                delay = st.order_delay;
                new_order(&mut st, &p)
            }
            ("GET", "/api/v3/order") => match find_order(&st, &p) {
                Some(o) => (200, without_fills(o).to_string()),
                None => error(400, -2013, "Order does not exist."),
            },
            ("DELETE", "/api/v3/order") => cancel(&mut st, &p),
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
        (status, body, None, delay, weight)
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    reply(status, weight, retry_after, body)
}

/// `%XX` escapes of a query value decoded (enough for `symbols=["A","B"]`).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// Binance's selection: `symbol=X`, `symbols=["X","Y"]` (any unlisted -> -1121), or all.
fn exchange_info(st: &FakeState, p: &HashMap<String, String>) -> (u16, String) {
    let wanted: Option<Vec<String>> = match (p.get("symbol"), p.get("symbols")) {
        (Some(one), _) => Some(vec![percent_decode(one)]),
        (None, Some(list)) => Some(serde_json::from_str(&percent_decode(list)).unwrap()),
        (None, None) => None,
    };
    let mut body = st.exchange_info.clone();
    let Some(wanted) = wanted else {
        return (200, body.to_string());
    };
    let listed = body["symbols"].as_array().cloned().unwrap_or_default();
    let mut selected = Vec::new();
    for name in &wanted {
        match listed.iter().find(|s| s["symbol"] == name.as_str()) {
            Some(s) => selected.push(s.clone()),
            None => return error(400, -1121, "Invalid symbol."),
        }
    }
    body["symbols"] = Value::Array(selected);
    (200, body.to_string())
}

fn klines(st: &FakeState, p: &HashMap<String, String>) -> (u16, String) {
    let start: i64 = p.get("startTime").and_then(|v| v.parse().ok()).unwrap_or(0);
    let end: i64 = p
        .get("endTime")
        .and_then(|v| v.parse().ok())
        .unwrap_or(i64::MAX);
    let limit: usize = p.get("limit").and_then(|v| v.parse().ok()).unwrap_or(500);
    let symbol = p.get("symbol").map(String::as_str).unwrap_or("");
    let all = match symbol {
        "BTCUSDT" => &st.klines,
        other => match st.other_klines.get(other) {
            Some(rows) => rows,
            None => return error(400, -1121, "Invalid symbol."),
        },
    };
    let rows: Vec<Value> = all
        .iter()
        .filter(|r| {
            let open = r[0].as_i64().unwrap_or(0);
            open >= start && open <= end
        })
        .take(limit)
        .cloned()
        .collect();
    (200, Value::Array(rows).to_string())
}

fn without_fills(o: &Value) -> Value {
    let mut o = o.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("fills");
    }
    o
}

fn find_order<'a>(st: &'a FakeState, p: &HashMap<String, String>) -> Option<&'a Value> {
    let id = p.get("origClientOrderId")?;
    let o = st.orders.get(id)?;
    (o["symbol"].as_str() == p.get("symbol").map(String::as_str)).then_some(o)
}

fn new_order(st: &mut FakeState, p: &HashMap<String, String>) -> (u16, String) {
    let Some(client_id) = p.get("newClientOrderId").cloned() else {
        return error(400, -1102, "newClientOrderId required by this fake");
    };
    if st
        .orders
        .get(&client_id)
        .is_some_and(|o| o["status"] == "NEW")
    {
        return error(400, -2010, "Duplicate order sent.");
    }
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    st.next_id += 1;
    let order_id = st.next_id;
    let now = SystemClock.now().timestamp_millis() + st.skew_ms;
    let market = get("type") == "MARKET";
    let qty = get("quantity");
    let (status, executed, quote, fills) = if market {
        st.next_id += 1;
        let trade_id = st.next_id;
        let qty_dec: rust_decimal::Decimal = qty.parse().unwrap_or_default();
        let quote = qty_dec * rust_decimal::Decimal::from(50_000);
        let fill = json!({"price": "50000.00000000", "qty": qty, "commission": "0.50000000",
                          "commissionAsset": "USDT", "tradeId": trade_id});
        let trade = json!({"symbol": get("symbol"), "id": trade_id, "orderId": order_id,
                           "price": "50000.00000000", "qty": qty, "quoteQty": quote.to_string(),
                           "commission": "0.50000000", "commissionAsset": "USDT", "time": now,
                           "isBuyer": get("side") == "BUY", "isMaker": false, "isBestMatch": true});
        st.trades.insert(order_id, vec![trade]);
        ("FILLED", qty.clone(), quote.to_string(), vec![fill])
    } else {
        ("NEW", "0".to_string(), "0".to_string(), Vec::new())
    };
    let order = json!({
        "symbol": get("symbol"), "orderId": order_id, "orderListId": -1,
        "clientOrderId": client_id, "transactTime": now, "time": now, "updateTime": now,
        "price": if market { "0.00000000".to_string() } else { get("price") },
        "origQty": qty, "executedQty": executed, "cummulativeQuoteQty": quote,
        "status": status, "timeInForce": "GTC", "type": get("type"), "side": get("side"),
        "workingTime": now, "selfTradePreventionMode": "NONE", "fills": fills,
    });
    st.orders.insert(client_id, order.clone());
    (200, order.to_string())
}

fn cancel(st: &mut FakeState, p: &HashMap<String, String>) -> (u16, String) {
    let Some(id) = find_order(st, p).map(|o| o["clientOrderId"].as_str().unwrap_or("").to_string())
    else {
        return error(400, -2011, "Unknown order sent.");
    };
    let Some(order) = st.orders.get_mut(&id) else {
        return error(400, -2011, "Unknown order sent.");
    };
    if order["status"] != "NEW" {
        return error(400, -2011, "Unknown order sent.");
    }
    order["status"] = json!("CANCELED");
    let mut answer = without_fills(order);
    answer["origClientOrderId"] = json!(id);
    answer["clientOrderId"] = json!("cancelAbc123");
    (200, answer.to_string())
}
