//! Serving: graceful shutdown and bind errors.

use std::time::Duration;

use http_api::{HttpError, HttpServer, Metrics};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{FixedView, get, spawn_app};

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
