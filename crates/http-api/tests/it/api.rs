//! `/api/status`, the operator page at `/`, and the JSON errors.

use axum::http::StatusCode;
use http_api::Metrics;

use crate::support::{FixedView, ReadinessAnswer, get, http, no_go_report, oneshot, spawn_app};

#[tokio::test]
async fn api_status_returns_the_views_json() {
    let app = spawn_app(FixedView::healthy()).await;
    let response = get(app.addr, "/api/status").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), FixedView::healthy().status);
}

#[tokio::test]
async fn status_page_is_self_contained_html_with_fields_and_verdict() {
    let mut view = FixedView::with_readiness(ReadinessAnswer::Report(no_go_report()));
    view.status = serde_json::json!({
        "run_id": "<script>alert('pwned')</script>",
        "mode": "dry-run",
    });
    let app = spawn_app(view).await;
    let response = get(app.addr, "/").await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .is_some_and(|v| v.starts_with("text/html")),
        "{:?}",
        response.headers
    );
    let html = &response.body;
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta http-equiv=\"refresh\""));
    assert!(
        !html.contains("<script"),
        "status value not escaped:\n{html}"
    );
    assert!(html.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"));
    assert!(html.contains("Overall (dry-run): NO_GO"));
    assert!(html.contains("<code>kill_switch_active</code> Kill switch is active"));
    assert!(html.contains("Investigate why it was activated"));
}

#[tokio::test]
async fn status_page_still_renders_when_readiness_fails() {
    let app = spawn_app(FixedView::with_readiness(ReadinessAnswer::Fails(
        "store <down>".to_string(),
    )))
    .await;
    let response = get(app.addr, "/").await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .body
            .contains("Could not evaluate readiness: store &lt;down&gt;")
    );
    assert!(response.body.contains("run-42"));
}

#[tokio::test]
async fn unknown_path_is_a_404_json_error() {
    let app = spawn_app(FixedView::healthy()).await;
    let response = get(app.addr, "/nope?x=1").await;
    assert_eq!(response.status, 404);
    let body = response.json();
    let message = body["error"].as_str().expect("an error message");
    assert!(message.contains("GET /nope"), "{message}");
}

#[tokio::test]
async fn wrong_method_on_a_known_path_is_a_405_json_error() {
    let app = spawn_app(FixedView::healthy()).await;
    let response = http(app.addr, "POST", "/health/live").await;
    assert_eq!(response.status, 405);
    assert!(
        response.json()["error"]
            .as_str()
            .is_some_and(|m| m.contains("POST"))
    );
}

#[tokio::test]
async fn every_response_forbids_caching() {
    for path in [
        "/",
        "/health/live",
        "/health/readiness",
        "/metrics",
        "/api/status",
        "/nope",
    ] {
        let response = http_api::router(FixedView::healthy().into_arc(), Metrics::local());
        let response = tower::ServiceExt::oneshot(
            response,
            axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn router_answers_without_a_socket() {
    let (status, body) =
        oneshot(FixedView::healthy(), Metrics::local(), "GET", "/api/status").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("run-42"));
}
