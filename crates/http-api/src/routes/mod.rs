//! The router: one module per endpoint, the shared state, and the JSON errors for
//! unknown paths and methods.

mod health;
mod metrics;
mod status;

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{Next, from_fn, map_response};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use readiness::ReadinessReport;

use crate::exporter::Metrics;
use crate::view::RuntimeView;

/// How long `/health/readiness` and `/` wait for [`RuntimeView::readiness`]
/// before answering 500 ("could not evaluate").
pub const READINESS_TIMEOUT: Duration = Duration::from_secs(10);

/// What every handler can reach.
#[derive(Clone)]
struct AppState {
    view: Arc<dyn RuntimeView>,
    metrics: Metrics,
}

/// The HTTP surface as an axum router (see the crate docs for the endpoints).
///
/// No request deadline: [`HttpServer::run`](crate::HttpServer::run) adds one
/// ([`ServerLimits::request_timeout`](crate::ServerLimits::request_timeout)).
pub fn router(view: Arc<dyn RuntimeView>, metrics: Metrics) -> Router {
    routes(view, metrics, None)
}

/// [`router`] where a request not answered within `limit` gets a 500.
pub(crate) fn router_with_deadline(
    view: Arc<dyn RuntimeView>,
    metrics: Metrics,
    limit: Duration,
) -> Router {
    routes(view, metrics, Some(limit))
}

fn routes(view: Arc<dyn RuntimeView>, metrics: Metrics, deadline: Option<Duration>) -> Router {
    let mut routes = Router::new()
        .route("/", get(status::page))
        .route("/health/live", get(health::live))
        .route("/health/readiness", get(health::readiness))
        .route("/metrics", get(metrics::metrics))
        .route("/api/status", get(status::api_status))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    if let Some(limit) = deadline {
        routes = routes.layer(from_fn(move |request: Request, next: Next| {
            answer_within(limit, request, next)
        }));
    }
    // Outermost, so the deadline's 500 is not cacheable either.
    routes
        .layer(map_response(no_store))
        .with_state(AppState { view, metrics })
}

/// Evaluates readiness through the view, bounded by [`READINESS_TIMEOUT`].
async fn evaluate_readiness(view: &dyn RuntimeView) -> Result<ReadinessReport, String> {
    match tokio::time::timeout(READINESS_TIMEOUT, view.readiness()).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "readiness evaluation did not finish within {} s",
            READINESS_TIMEOUT.as_secs()
        )),
    }
}

/// `{"error": message}` with `status`.
fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

async fn not_found(method: Method, uri: Uri) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        format!(
            "no such endpoint: {method} {}; try /, /health/live, /health/readiness, /metrics or /api/status",
            uri.path()
        ),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {}; use GET", uri.path()),
    )
}

/// Runs the request, or answers 500 when it takes longer than `limit`.
async fn answer_within(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "the request was not answered within {} s",
                limit.as_secs_f64()
            ),
        ),
    }
}

/// Every answer describes the runtime *now*: nothing may be cached.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
