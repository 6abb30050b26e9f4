//! Serving: graceful shutdown, bind errors, and accept errors that must not
//! stop the server.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_api::{
    Acceptor, HttpError, HttpServer, Metrics, MetricsSnapshot, RuntimeView, ServerLimits,
};
use readiness::ReadinessReport;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::support::{FixedView, get, go_report, listen, spawn_app, spawn_app_with, spawn_server};

#[tokio::test]
async fn completing_the_shutdown_future_stops_the_server() {
    let mut app = spawn_app(FixedView::healthy()).await;
    assert_eq!(get(app.addr, "/health/live").await.status, 200);

    app.shut_down();
    let result = tokio::time::timeout(Duration::from_secs(5), &mut app.handle)
        .await
        .expect("the server stops within 5 s of the shutdown signal")
        .expect("the server task does not panic");
    assert!(result.is_ok(), "{result:?}");
    assert!(
        TcpStream::connect(app.addr).await.is_err(),
        "the listener is closed after shutdown"
    );
}

#[tokio::test]
async fn server_keeps_serving_until_shutdown() {
    let app = spawn_app(FixedView::healthy()).await;
    for _ in 0..3 {
        assert_eq!(get(app.addr, "/health/live").await.status, 200);
    }
    assert!(!app.handle.is_finished());
}

#[tokio::test]
async fn bind_error_names_the_address() {
    let taken = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = taken.local_addr().expect("local address");

    let err = HttpServer::bind(addr).await.expect_err("the port is taken");
    assert!(
        matches!(err, HttpError::Bind { addr: a, .. } if a == addr),
        "{err:?}"
    );
    assert!(err.to_string().contains(&addr.to_string()), "{err}");

    let err = http_api::serve(
        addr,
        FixedView::healthy().into_arc(),
        Metrics::local(),
        std::future::pending(),
    )
    .await
    .expect_err("serve reports the bind error");
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
}

#[tokio::test]
async fn from_listener_reports_the_bound_address() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let expected = listener.local_addr().expect("local address");
    let server = HttpServer::from_listener(listener).expect("local address");
    assert_eq!(server.local_addr(), expected);
    assert_ne!(server.local_addr().port(), 0);
}

/// EMFILE ("too many open files") on Linux and the BSDs.
const EMFILE: i32 = 24;

/// A real listener whose `accept` first fails with EMFILE as many times as
/// `failures` says (the test can raise it at any time), like a process that
/// has run out of file descriptors.
struct ExhaustedAcceptor {
    inner: TcpListener,
    failures: Arc<AtomicUsize>,
    calls: Arc<AtomicUsize>,
}

impl Acceptor for ExhaustedAcceptor {
    type Io = TcpStream;

    async fn accept(&mut self) -> io::Result<(TcpStream, SocketAddr)> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let fail = self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if fail {
            return Err(io::Error::from_raw_os_error(EMFILE));
        }
        self.inner.accept().await
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

struct Exhausted {
    failures: Arc<AtomicUsize>,
    calls: Arc<AtomicUsize>,
}

async fn exhausted_server(failures: usize) -> (HttpServer<ExhaustedAcceptor>, Exhausted) {
    let failures = Arc::new(AtomicUsize::new(failures));
    let calls = Arc::new(AtomicUsize::new(0));
    let acceptor = ExhaustedAcceptor {
        inner: listen().await,
        failures: Arc::clone(&failures),
        calls: Arc::clone(&calls),
    };
    let server = HttpServer::from_acceptor(acceptor).expect("local address");
    (server, Exhausted { failures, calls })
}

#[tokio::test]
async fn accept_errors_do_not_stop_the_server() {
    let (server, exhausted) = exhausted_server(3).await;
    let app = spawn_server(server, FixedView::healthy().into_arc());

    // Served after three EMFILE failures (and the back-off after each).
    let response = tokio::time::timeout(Duration::from_secs(5), get(app.addr, "/health/live"))
        .await
        .expect("served within 5 s despite the accept errors");
    assert_eq!(response.status, 200);
    assert!(exhausted.calls.load(Ordering::SeqCst) >= 4);

    // Running out again later does not stop it either.
    exhausted.failures.store(2, Ordering::SeqCst);
    let response = tokio::time::timeout(Duration::from_secs(5), get(app.addr, "/health/live"))
        .await
        .expect("served within 5 s after more accept errors");
    assert_eq!(response.status, 200);
    assert!(!app.handle.is_finished(), "the server is still running");
}

#[tokio::test]
async fn shutdown_while_accept_keeps_failing_returns_ok() {
    let (server, exhausted) = exhausted_server(usize::MAX).await;
    let mut app = spawn_server(server, FixedView::healthy().into_arc());
    tokio::time::timeout(Duration::from_secs(5), async {
        while exhausted.calls.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the server retries after an accept error");
    assert!(!app.handle.is_finished(), "accept errors do not end run");

    app.shut_down();
    let result = tokio::time::timeout(Duration::from_secs(5), &mut app.handle)
        .await
        .expect("the server stops within 5 s of the shutdown signal")
        .expect("the server task does not panic");
    assert!(result.is_ok(), "{result:?}");
}

/// A runtime whose readiness evaluation waits for the test to release it.
struct GatedView {
    entered: Arc<Notify>,
    release: Arc<Notify>,
}

#[async_trait::async_trait]
impl RuntimeView for GatedView {
    fn status(&self) -> serde_json::Value {
        serde_json::json!({})
    }

    fn metrics(&self) -> MetricsSnapshot {
        MetricsSnapshot::default()
    }

    async fn readiness(&self) -> Result<ReadinessReport, String> {
        self.entered.notify_one();
        self.release.notified().await;
        Ok(go_report())
    }
}

fn gated() -> (Arc<dyn RuntimeView>, Arc<Notify>, Arc<Notify>) {
    let entered = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let view = GatedView {
        entered: Arc::clone(&entered),
        release: Arc::clone(&release),
    };
    (Arc::new(view), entered, release)
}

/// Sends `GET path` with `Connection: close` and reads until the server closes
/// the connection, whatever it sends.
async fn request_raw(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write request");
    let mut raw = Vec::new();
    // A reset instead of an orderly close still ends the answer.
    let _ = stream.read_to_end(&mut raw).await;
    String::from_utf8_lossy(&raw).into_owned()
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish() {
    let (view, entered, release) = gated();
    let mut app = spawn_app_with(view, ServerLimits::default()).await;
    let client = tokio::spawn(request_raw(app.addr, "/health/readiness"));
    entered.notified().await;

    app.shut_down();
    // Give the server time to see the signal while the request is in flight.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !app.handle.is_finished(),
        "run waits for the in-flight request"
    );
    release.notify_one();

    let answer = tokio::time::timeout(Duration::from_secs(5), client)
        .await
        .expect("the in-flight request is answered within 5 s")
        .expect("the client task does not panic");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let result = tokio::time::timeout(Duration::from_secs(5), &mut app.handle)
        .await
        .expect("the server stops within 5 s once the request is answered")
        .expect("the server task does not panic");
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn shutdown_drops_requests_still_running_after_the_grace_period() {
    let (view, entered, _release) = gated();
    let limits = ServerLimits {
        shutdown_grace: Duration::from_millis(200),
        ..ServerLimits::default()
    };
    let mut app = spawn_app_with(view, limits).await;
    let client = tokio::spawn(request_raw(app.addr, "/health/readiness"));
    entered.notified().await;

    app.shut_down();
    let result = tokio::time::timeout(Duration::from_secs(5), &mut app.handle)
        .await
        .expect("the server stops within 5 s although a request never finishes (grace 200 ms)")
        .expect("the server task does not panic");
    assert!(result.is_ok(), "{result:?}");
    let answer = tokio::time::timeout(Duration::from_secs(5), client)
        .await
        .expect("the dropped connection is closed")
        .expect("the client task does not panic");
    assert!(
        !answer.contains("200"),
        "no answer for a dropped request: {answer}"
    );
}
