//! `GET /api/status` (the runtime's status JSON) and `GET /` (the operator page).

use axum::Json;
use axum::extract::State;
use axum::response::Html;

use super::{AppState, evaluate_readiness};
use crate::page;

/// The runtime's status, as it reports it.
pub(super) async fn api_status(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.view.status())
}

/// The HTML status page: status fields and a fresh readiness verdict.
pub(super) async fn page(State(state): State<AppState>) -> Html<String> {
    let status = state.view.status();
    let readiness = evaluate_readiness(&*state.view)
        .await
        .map(|report| report.to_document());
    Html(page::render(&status, &readiness))
}
