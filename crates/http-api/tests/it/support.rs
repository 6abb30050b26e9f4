//! Test fixtures: a `RuntimeView` with fixed figures, readiness reports per
//! verdict, a server on port 0 (default or given limits, any acceptor), and a
//! minimal HTTP/1.1 client over `TcpStream`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, TimeZone, Utc};
use domain::{PreservationLevel, Ratio, Timestamp, TradingMode};
use http_api::{
    Acceptor, HttpError, HttpServer, Metrics, MetricsSnapshot, RuntimeView, ServerLimits,
};
use http_body_util::BodyExt;
use readiness::{BlockRateInput, ReadinessConfig, ReadinessInputs, ReadinessReport, ShadowHealth};
use rust_decimal::Decimal;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// How the fixture answers `readiness()`.
#[derive(Clone)]
pub enum ReadinessAnswer {
    Report(ReadinessReport),
    Fails(String),
    Hangs,
}

/// A runtime with fixed figures.
pub struct FixedView {
    pub status: serde_json::Value,
    pub snapshot: MetricsSnapshot,
    pub readiness: ReadinessAnswer,
}

#[async_trait::async_trait]
impl RuntimeView for FixedView {
    fn status(&self) -> serde_json::Value {
        self.status.clone()
    }

    fn metrics(&self) -> MetricsSnapshot {
        self.snapshot.clone()
    }

    async fn readiness(&self) -> Result<ReadinessReport, String> {
        match &self.readiness {
            ReadinessAnswer::Report(r) => Ok(r.clone()),
            ReadinessAnswer::Fails(message) => Err(message.clone()),
            ReadinessAnswer::Hangs => std::future::pending().await,
        }
    }
}

impl FixedView {
    /// A healthy dry-run: status fields, an empty snapshot, readiness GO.
    pub fn healthy() -> Self {
        Self {
            status: serde_json::json!({
                "run_id": "run-42",
                "mode": "dry-run",
                "equity": "10250.50",
                "kill_switch_active": false,
            }),
            snapshot: MetricsSnapshot::default(),
            readiness: ReadinessAnswer::Report(go_report()),
        }
    }

    pub fn with_readiness(readiness: ReadinessAnswer) -> Self {
        Self {
            readiness,
            ..Self::healthy()
        }
    }

    pub fn into_arc(self) -> Arc<dyn RuntimeView> {
        Arc::new(self)
    }
}

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
        .single()
        .expect("a valid, unambiguous UTC time")
}

/// Inputs on which every criterion is met.
fn healthy_inputs(mode: TradingMode) -> ReadinessInputs {
    let now = t0();
    ReadinessInputs {
        now,
        mode,
        kill_switch_active: Some(false),
        account_rules: None,
        preservation_level: Some(PreservationLevel::Normal),
        shadow_health: Some(ShadowHealth::Healthy),
        symbol_allowlist_len: Some(2),
        last_daily_health_report_at: Some(now - Duration::hours(6)),
        paper_streak_days: Some(20),
        weeks_counted: Some(3),
        last_heartbeat_at: Some(now - Duration::minutes(1)),
        turnover_block_rate: Some(BlockRateInput::Measured(Ratio::from_pct(Decimal::from(30)))),
        slippage_recent_bps: Some(Decimal::from(3)),
        slippage_prior_bps: Some(Decimal::from(3)),
        critical_alerts_in_window: Some(0),
        critical_alert_kinds: Default::default(),
    }
}

fn evaluate(inputs: &ReadinessInputs) -> ReadinessReport {
    readiness::evaluate(inputs, &ReadinessConfig::default())
}

/// Overall GO and live-rollout GO.
pub fn go_report() -> ReadinessReport {
    evaluate(&healthy_inputs(TradingMode::DryRun))
}

/// A young dry-run: overall GO, live rollout CONDITIONAL (paper streak too short).
pub fn young_dry_run_report() -> ReadinessReport {
    let mut i = healthy_inputs(TradingMode::DryRun);
    i.paper_streak_days = Some(3);
    evaluate(&i)
}

/// Overall CONDITIONAL: the heartbeat is stale.
pub fn conditional_report() -> ReadinessReport {
    let mut i = healthy_inputs(TradingMode::DryRun);
    i.last_heartbeat_at = Some(t0() - Duration::hours(3));
    evaluate(&i)
}

/// Overall NO_GO: the kill switch is active.
pub fn no_go_report() -> ReadinessReport {
    let mut i = healthy_inputs(TradingMode::DryRun);
    i.kill_switch_active = Some(true);
    evaluate(&i)
}

/// A server on 127.0.0.1:0 with its own (local) recorder.
pub struct TestApp {
    pub addr: SocketAddr,
    pub metrics: Metrics,
    shutdown: Option<oneshot::Sender<()>>,
    pub handle: JoinHandle<Result<(), HttpError>>,
}

impl TestApp {
    /// Completes the shutdown future the server was given.
    pub fn shut_down(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shut_down();
    }
}

pub async fn spawn_app(view: FixedView) -> TestApp {
    spawn_app_with(view.into_arc(), ServerLimits::default()).await
}

/// A server on 127.0.0.1:0 serving `view` within `limits`.
pub async fn spawn_app_with(view: Arc<dyn RuntimeView>, limits: ServerLimits) -> TestApp {
    let server = HttpServer::from_listener(listen().await)
        .expect("local address")
        .with_limits(limits)
        .expect("valid limits");
    spawn_server(server, view)
}

/// A fresh listener on 127.0.0.1:0.
pub async fn listen() -> TcpListener {
    TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0")
}

/// Runs `server` on its own task with its own (local) recorder.
pub fn spawn_server<A: Acceptor>(server: HttpServer<A>, view: Arc<dyn RuntimeView>) -> TestApp {
    let addr = server.local_addr();
    let metrics = Metrics::local();
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(server.run(view, metrics.clone(), async move {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        metrics,
        shutdown: Some(tx),
        handle,
    }
}

/// A response as the raw client read it.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }
}

/// Sends one HTTP/1.1 request with `Connection: close` and reads the whole answer.
pub async fn http(addr: SocketAddr, method: &str, path: &str) -> RawResponse {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read response");
    parse_response(&raw)
}

pub async fn get(addr: SocketAddr, path: &str) -> RawResponse {
    http(addr, "GET", path).await
}

fn parse_response(raw: &[u8]) -> RawResponse {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").expect("chunk size line");
        let size = usize::from_str_radix(size.trim(), 16).expect("hex chunk size");
        if size == 0 {
            return body;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
}

/// One request straight into the router, no socket.
pub async fn oneshot(
    view: FixedView,
    metrics: Metrics,
    method: &str,
    path: &str,
) -> (StatusCode, String) {
    let response = http_api::router(view.into_arc(), metrics)
        .oneshot(
            Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .expect("a valid request"),
        )
        .await
        .expect("the router is infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("read body")
        .to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// The value of the series `series` (name with its label set exactly as rendered).
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        Some(value.trim().parse().expect("a numeric sample value"))
    })
}

/// Asserts `series` is exported with exactly `expected` (exact for the small integers and
/// binary fractions used here).
#[track_caller]
pub fn assert_sample(text: &str, series: &str, expected: f64) {
    match sample(text, series) {
        Some(v) => assert!(
            (v - expected).abs() < 1e-9,
            "{series} is {v}, expected {expected}\n{text}"
        ),
        None => panic!("{series} missing from\n{text}"),
    }
}
