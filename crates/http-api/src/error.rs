//! The crate's one error type: what can go wrong starting or running the HTTP
//! surface. Request-level failures never surface here; they become HTTP responses.

use std::io;
use std::net::SocketAddr;

/// Why the HTTP surface could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The listening socket could not be bound.
    #[error(
        "could not bind the HTTP listener to {addr}: {source} \
         (choose a free address and port, or stop the process already using it)"
    )]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The local address of an already-bound listener could not be read.
    #[error("could not read the local address of the HTTP listener: {0}")]
    LocalAddr(#[source] io::Error),
    /// The server stopped with an I/O error. [`HttpServer::run`](crate::HttpServer::run)
    /// no longer returns it (accept errors are logged and retried); kept for callers
    /// that match on it.
    #[error("HTTP server on {addr} failed: {source}")]
    Serve {
        /// The address it was serving on.
        addr: SocketAddr,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// [`ServerLimits`](crate::ServerLimits) out of range.
    #[error("invalid HTTP server limits: {0}")]
    InvalidLimits(String),
    /// A metrics recorder that is not ours is already installed process-wide.
    #[error(
        "a different metrics recorder is already installed process-wide; \
         call http_api::Metrics::install() instead of installing another recorder"
    )]
    RecorderAlreadyInstalled,
}
