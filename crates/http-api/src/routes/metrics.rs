//! `GET /metrics`: the Prometheus text exposition.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// The Prometheus text format, version 0.0.4.
const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Reads the runtime's figures and renders them with the recorder's histogram.
pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    let snapshot = state.view.metrics();
    let body = state.metrics.render(&snapshot);
    ([(CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE)], body).into_response()
}
