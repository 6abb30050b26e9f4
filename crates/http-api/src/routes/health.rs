//! `GET /health/live` and `GET /health/readiness`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Readiness;

use super::{AppState, error_response, evaluate_readiness};

/// Alive as long as the process answers HTTP.
pub(super) async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "alive" }))
}

/// The readiness report, with the status code of its `overall_readiness`.
pub(super) async fn readiness(State(state): State<AppState>) -> Response {
    match evaluate_readiness(&*state.view).await {
        Ok(report) => (status_code(report.overall()), Json(report)).into_response(),
        Err(message) => error_response(StatusCode::INTERNAL_SERVER_ERROR, message),
    }
}

/// GO and CONDITIONAL serve (200); NO_GO is not ready (503).
fn status_code(overall: Readiness) -> StatusCode {
    match overall {
        Readiness::Go | Readiness::Conditional => StatusCode::OK,
        Readiness::NoGo => StatusCode::SERVICE_UNAVAILABLE,
    }
}
