//! How much the HTTP surface may hold: the connection cap and the timeouts that
//! bound every connection, so no client can make the server keep file
//! descriptors (and with them the trading session) hostage.

use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::HttpError;

/// The bounds every connection lives within. [`Default`] is what
/// [`HttpServer::bind`](crate::HttpServer::bind) uses; change them with
/// [`HttpServer::with_limits`](crate::HttpServer::with_limits), e.g.
/// `ServerLimits { max_connections: 16, ..ServerLimits::default() }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    /// At most this many connections are open at once (default 64). Further
    /// clients wait in the kernel's listen backlog, holding no descriptor of
    /// this process, until a connection closes.
    pub max_connections: usize,
    /// A client must send a complete request head (request line and headers)
    /// within this time or the connection is closed without an answer (default
    /// 10 s). It also bounds an idle keep-alive connection: the clock restarts
    /// when the server waits for the next request on it.
    pub header_read_timeout: Duration,
    /// A request that has not been answered within this time gets a 500
    /// `{"error": ...}` (default 30 s). Longer than
    /// [`READINESS_TIMEOUT`](crate::READINESS_TIMEOUT), so a slow readiness
    /// evaluation still answers its own 500 first.
    pub request_timeout: Duration,
    /// After the shutdown signal, in-flight requests get this long to finish
    /// before their connections are dropped (default 10 s).
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_connections: 64,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl ServerLimits {
    /// Checks every bound at once.
    ///
    /// # Errors
    /// [`HttpError::InvalidLimits`] naming every field that is out of range and
    /// what would be valid.
    pub fn validate(&self) -> Result<(), HttpError> {
        let mut problems = Vec::new();
        if self.max_connections == 0 || self.max_connections > Semaphore::MAX_PERMITS {
            problems.push(format!(
                "max_connections is {}; it must be between 1 and {}",
                self.max_connections,
                Semaphore::MAX_PERMITS
            ));
        }
        for (name, value) in [
            ("header_read_timeout", self.header_read_timeout),
            ("request_timeout", self.request_timeout),
            ("shutdown_grace", self.shutdown_grace),
        ] {
            if value.is_zero() {
                problems.push(format!("{name} is 0 s; it must be longer than zero"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(HttpError::InvalidLimits(problems.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(ServerLimits::default().validate().is_ok());
    }

    #[test]
    fn reports_every_out_of_range_field_together() {
        let limits = ServerLimits {
            max_connections: 0,
            header_read_timeout: Duration::ZERO,
            request_timeout: Duration::ZERO,
            ..ServerLimits::default()
        };
        let message = limits
            .validate()
            .expect_err("zero bounds are invalid")
            .to_string();
        for field in ["max_connections", "header_read_timeout", "request_timeout"] {
            assert!(message.contains(field), "{field} missing from {message}");
        }
        assert!(!message.contains("shutdown_grace"), "{message}");
    }
}
