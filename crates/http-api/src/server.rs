//! Serving the router on a TCP listener until a shutdown future completes
//! (mini-redis style: the caller owns the shutdown signal).
//!
//! Two steps so the caller can learn the address before serving (port 0 in
//! tests, or to log it): [`HttpServer::bind`] or [`HttpServer::from_listener`],
//! then [`HttpServer::run`]. [`serve`] does both.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::error::HttpError;
use crate::exporter::{Metrics, UPKEEP_INTERVAL};
use crate::routes::router;
use crate::view::RuntimeView;

/// Binds `addr` and serves the HTTP surface until `shutdown` completes.
///
/// # Errors
/// [`HttpError::Bind`] (naming `addr`) when the address cannot be bound;
/// [`HttpError::Serve`] when the server fails.
pub async fn serve(
    addr: SocketAddr,
    view: Arc<dyn RuntimeView>,
    metrics: Metrics,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HttpError> {
    HttpServer::bind(addr)
        .await?
        .run(view, metrics, shutdown)
        .await
}

/// A bound listener, ready to serve.
#[derive(Debug)]
pub struct HttpServer {
    listener: TcpListener,
    local_addr: SocketAddr,
}

impl HttpServer {
    /// Binds `addr` (port 0 picks a free port; see [`local_addr`](HttpServer::local_addr)).
    ///
    /// # Errors
    /// [`HttpError::Bind`], naming `addr`.
    pub async fn bind(addr: SocketAddr) -> Result<HttpServer, HttpError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| HttpError::Bind { addr, source })?;
        HttpServer::from_listener(listener)
    }

    /// Wraps an already-bound listener (tests bind `127.0.0.1:0`).
    ///
    /// # Errors
    /// [`HttpError::LocalAddr`] when the listener's address cannot be read.
    pub fn from_listener(listener: TcpListener) -> Result<HttpServer, HttpError> {
        let local_addr = listener.local_addr().map_err(HttpError::LocalAddr)?;
        Ok(HttpServer {
            listener,
            local_addr,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight
    /// requests finish and returns.
    ///
    /// # Errors
    /// [`HttpError::Serve`] when the server fails.
    pub async fn run(
        self,
        view: Arc<dyn RuntimeView>,
        metrics: Metrics,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), HttpError> {
        let upkeep = tokio::spawn(upkeep(metrics.clone()));
        let result = axum::serve(self.listener, router(view, metrics))
            .with_graceful_shutdown(shutdown)
            .await;
        upkeep.abort();
        result.map_err(|source| HttpError::Serve {
            addr: self.local_addr,
            source,
        })
    }
}

/// Folds recorded latencies into the histogram every few seconds, so memory stays
/// bounded however rarely `/metrics` is scraped.
async fn upkeep(metrics: Metrics) {
    let mut every = tokio::time::interval(UPKEEP_INTERVAL);
    loop {
        every.tick().await;
        metrics.run_upkeep();
    }
}
