//! Rampart's HTTP surface: liveness, readiness, Prometheus metrics, the status
//! JSON and a small operator page, served with axum.
//!
//! The crate knows nothing about how the runtime computes anything. It asks a
//! [`RuntimeView`] (implemented by `runtime-service`) for three things: the status
//! JSON, a [`MetricsSnapshot`] of cumulative counts and current figures, and a
//! fresh [`readiness::ReadinessReport`]. Everything else — routing, status codes,
//! the Prometheus text, the HTML page — lives here.
//!
//! # Endpoints
//!
//! | method and path | body | status |
//! |---|---|---|
//! | `GET /health/live` | `{"status":"alive"}` | 200 while the process serves HTTP |
//! | `GET /health/readiness` | the [`readiness::ReadinessReport`] JSON (`overall_readiness`, `live_rollout_readiness`, `live_rollout_reasons`, `live_rollout_next_actions`, `components`, ...) | see below |
//! | `GET /metrics` | Prometheus text, `text/plain; version=0.0.4; charset=utf-8` | 200 |
//! | `GET /api/status` | [`RuntimeView::status`] | 200 |
//! | `GET /` | self-contained HTML operator page (no scripts, no external assets, refreshes itself every 15 s) | 200 |
//! | anything else | `{"error": "..."}` | 404 (unknown path), 405 (known path, wrong method) |
//!
//! Every response carries `Cache-Control: no-store`.
//!
//! # Readiness status codes
//!
//! `/health/readiness` answers "is this runtime healthy for the mode it runs in",
//! so its status code follows **`overall_readiness`** (not the live-rollout verdict,
//! which a healthy young dry-run is expected to fail):
//!
//! - **200** when `overall_readiness` is `GO` or `CONDITIONAL` (CONDITIONAL is
//!   degraded but serving; the body says why);
//! - **503** when it is `NO_GO` (kill switch, LOCKDOWN/CRISIS, critical shadow
//!   health, missing daily report, ...): load balancers and orchestrators should
//!   treat the runtime as not ready;
//! - **500** with `{"error": "..."}` when readiness could not be evaluated
//!   ([`RuntimeView::readiness`] returned `Err`, or took longer than
//!   [`READINESS_TIMEOUT`]).
//!
//! The body is the report in all non-error cases, so a client gating live
//! rollout reads `live_rollout_readiness` from it regardless of the code.
//!
//! # Limits
//!
//! The HTTP surface must never take the trading session down, so [`HttpServer`]
//! bounds what a client can make it hold ([`ServerLimits`], defaults in
//! brackets): open connections (64; the rest wait in the kernel backlog), the
//! time to send a request head, which also closes idle keep-alive connections
//! (10 s), the time to answer a request (30 s, then 500), and the shutdown grace
//! (10 s). Accept errors, out of file descriptors included, are logged and
//! retried; [`HttpServer::run`] returns only when its shutdown future completes.
//!
//! # Metrics
//!
//! [`Metrics`] wraps a Prometheus recorder. The runtime keeps its own cumulative
//! counters and current figures; at scrape time `/metrics` asks the view for a
//! [`MetricsSnapshot`] and [`Metrics::render`] sets the counters
//! (`Counter::absolute`) and gauges from it, then renders. The only metric
//! recorded as it happens is the order-latency histogram, through
//! [`record_order_latency`]. Names, labels and HELP texts are in [`names`].
//!
//! Gauges belong to the snapshot: a gauge not set by the latest snapshot (an
//! unknown turnover block rate, an extra gauge that was dropped) disappears from
//! the next scrape. Counters and the histogram are kept.
//!
//! # Integrating (runtime-service)
//!
//! ```ignore
//! let metrics = http_api::Metrics::install()?; // once, early in main; later calls return the same handle
//! let view: Arc<dyn RuntimeView> = Arc::new(MyView { .. });
//! let server = http_api::HttpServer::bind(addr).await?; // fails naming `addr`
//! tracing::info!(addr = %server.local_addr(), "serving HTTP");
//! server.run(view, metrics, shutdown_signal).await?;      // returns when `shutdown_signal` completes
//! // per order, wherever the acknowledgement arrives:
//! http_api::record_order_latency(seconds);
//! ```
//!
//! Needs a Tokio runtime (multi-threaded or current-thread) with the `net`,
//! `rt` and `time` drivers enabled.
//!
//! Map:
//! - [`view`] — [`RuntimeView`], the port the runtime implements
//! - [`snapshot`] — [`MetricsSnapshot`], [`Decision`], [`ExtraGauge`]
//! - [`exporter`] — [`Metrics`], [`record_order_latency`], [`names`]
//! - `routes` (private) — one module per endpoint, assembled by [`router`]
//! - `page` (private) — the HTML operator page
//! - [`server`] — [`HttpServer`], [`ServerLimits`], [`Acceptor`], [`serve`]
//! - [`error`] — [`HttpError`]

pub mod error;
pub mod exporter;
mod page;
mod routes;
pub mod server;
pub mod snapshot;
pub mod view;

pub use error::HttpError;
pub use exporter::{LATENCY_BUCKETS, Metrics, names, record_order_latency};
pub use routes::{READINESS_TIMEOUT, router};
pub use server::{Acceptor, HttpServer, ServerLimits, serve};
pub use snapshot::{Decision, ExtraGauge, MetricsSnapshot};
pub use view::RuntimeView;
