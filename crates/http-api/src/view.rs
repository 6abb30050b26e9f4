//! The port between the HTTP surface and the running runtime: what the endpoints
//! ask, answered by `runtime-service`. A trait object (`Arc<dyn RuntimeView>`), so
//! `async-trait`.

use readiness::ReadinessReport;

use crate::snapshot::MetricsSnapshot;

/// What the HTTP surface asks the running runtime. Implemented by `runtime-service`.
///
/// Contract every implementation MUST keep:
/// - [`status`](RuntimeView::status) and [`metrics`](RuntimeView::metrics) MUST be
///   cheap and non-blocking (read in-memory state; no store, no network): they run
///   on the async executor for every request or scrape.
/// - [`readiness`](RuntimeView::readiness) MUST evaluate now (not return a cached
///   report), MAY read the store, and MUST return `Err` with an operator-facing
///   message when it cannot evaluate (store unreachable, ...), never a made-up
///   report. It is abandoned after [`READINESS_TIMEOUT`](crate::READINESS_TIMEOUT).
#[async_trait::async_trait]
pub trait RuntimeView: Send + Sync + 'static {
    /// The `/api/status` body: a JSON object (run_id, mode, equity, positions,
    /// capital-preservation level, kill switch, ...). Cheap, in-memory.
    fn status(&self) -> serde_json::Value;

    /// Figures for `/metrics`, read at scrape time. Cheap, in-memory.
    fn metrics(&self) -> MetricsSnapshot;

    /// Evaluates readiness now (reads the store); `Err(message)` when it could not evaluate.
    async fn readiness(&self) -> Result<ReadinessReport, String>;
}
