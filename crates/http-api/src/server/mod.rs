//! Serving the router until a shutdown future completes (mini-redis style: the
//! caller owns the shutdown signal), within bounds no client can push it past.
//!
//! Two steps so the caller can learn the address before serving (port 0 in
//! tests, or to log it): [`HttpServer::bind`] or [`HttpServer::from_listener`],
//! optionally [`HttpServer::with_limits`], then [`HttpServer::run`]. [`serve`]
//! does it all with the default [`ServerLimits`].
//!
//! The HTTP surface must never take the trading session down, so every
//! resource a client can make it hold is bounded:
//! - at most [`ServerLimits::max_connections`] connections are open; the rest
//!   wait in the kernel backlog, holding no descriptor of this process
//!   (`connections`);
//! - a connection that does not deliver a request head within
//!   [`ServerLimits::header_read_timeout`] is closed, whether it is new,
//!   half-sent or idle between keep-alive requests (hyper's timeout);
//! - a request not answered within [`ServerLimits::request_timeout`] gets a 500;
//! - an accept error (out of file descriptors, ...) is logged and retried after
//!   a pause, never returned (`accept`).
//!
//! Map:
//! - `limits` — [`ServerLimits`] and their defaults
//! - `accept` — [`Acceptor`], the accept loop and its back-off
//! - `connections` — the cap, one task per connection, graceful drain

mod accept;
mod connections;
mod limits;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

pub use self::accept::Acceptor;
pub use self::limits::ServerLimits;

use self::connections::Connections;
use crate::error::HttpError;
use crate::exporter::{Metrics, UPKEEP_INTERVAL};
use crate::routes::router_with_deadline;
use crate::view::RuntimeView;

/// Binds `addr` and serves the HTTP surface with the default [`ServerLimits`]
/// until `shutdown` completes.
///
/// # Errors
/// [`HttpError::Bind`] (naming `addr`) when the address cannot be bound. Once
/// bound it returns `Ok(())` when `shutdown` completes (see [`HttpServer::run`]).
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

/// A bound listener (or any [`Acceptor`]) and its limits, ready to serve.
#[derive(Debug)]
pub struct HttpServer<A = TcpListener> {
    acceptor: A,
    local_addr: SocketAddr,
    limits: ServerLimits,
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
        HttpServer::from_acceptor(listener)
    }
}

impl<A: Acceptor> HttpServer<A> {
    /// Serves the connections `acceptor` yields, with the default [`ServerLimits`].
    ///
    /// # Errors
    /// [`HttpError::LocalAddr`] when the acceptor's address cannot be read.
    pub fn from_acceptor(acceptor: A) -> Result<HttpServer<A>, HttpError> {
        let local_addr = acceptor.local_addr().map_err(HttpError::LocalAddr)?;
        Ok(HttpServer {
            acceptor,
            local_addr,
            limits: ServerLimits::default(),
        })
    }

    /// Replaces the default [`ServerLimits`].
    ///
    /// # Errors
    /// [`HttpError::InvalidLimits`] naming every out-of-range field.
    pub fn with_limits(self, limits: ServerLimits) -> Result<HttpServer<A>, HttpError> {
        limits.validate()?;
        Ok(HttpServer { limits, ..self })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The limits it will serve with.
    pub fn limits(&self) -> &ServerLimits {
        &self.limits
    }

    /// Serves until `shutdown` completes, then stops accepting (the listener is
    /// closed), lets in-flight requests finish for up to
    /// [`ServerLimits::shutdown_grace`], drops what is left and returns.
    ///
    /// Nothing a client does and no accept error (not even running out of file
    /// descriptors) makes it return early: errors are logged and the server
    /// keeps serving.
    ///
    /// # Errors
    /// None today: it returns `Ok(())` once `shutdown` has completed. The
    /// `Result` stays so callers need not change if a fatal condition appears.
    pub async fn run(
        self,
        view: Arc<dyn RuntimeView>,
        metrics: Metrics,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), HttpError> {
        let upkeep = tokio::spawn(upkeep(metrics.clone()));
        let app = router_with_deadline(view, metrics, self.limits.request_timeout);
        let mut connections = Connections::new(app, &self.limits);
        accept::accept_until(self.acceptor, &mut connections, shutdown).await;
        connections.drain(self.limits.shutdown_grace).await;
        upkeep.abort();
        Ok(())
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
