//! Everything that can go wrong talking to Binance, and how it maps onto the domain's
//! three-valued order outcomes.
//!
//! The one rule that matters most: a timeout, a disconnect or a 5xx means the exchange may
//! have executed the request. Those map to [`OrderFailure::Unknown`] /
//! [`VenueError::Unavailable`], never to a rejection (http_semantics.json: "5XX ... execution
//! status UNKNOWN").

use domain::ports::VenueError;
use domain::{OrderFailure, Timestamp};
use thiserror::Error;

use crate::credential::Redactor;

/// Binance error codes the adapter treats specially.
pub mod codes {
    /// UNKNOWN: an unknown error occurred while processing the request.
    pub const UNKNOWN: i64 = -1000;
    /// DISCONNECTED: internal error; unable to process your request.
    pub const DISCONNECTED: i64 = -1001;
    /// TOO_MANY_REQUESTS: request weight exceeded.
    pub const TOO_MANY_REQUESTS: i64 = -1003;
    /// UNEXPECTED_RESP: message received from the backend in an unexpected format.
    pub const UNEXPECTED_RESP: i64 = -1006;
    /// TIMEOUT: backend timeout; send status unknown.
    pub const TIMEOUT: i64 = -1007;
    /// SERVER_BUSY: the server is overloaded.
    pub const SERVER_BUSY: i64 = -1008;
    /// INVALID_MESSAGE: used for filter failures.
    pub const FILTER_FAILURE: i64 = -1013;
    /// INVALID_TIMESTAMP: outside `recvWindow` or ahead of the server.
    pub const INVALID_TIMESTAMP: i64 = -1021;
    /// INVALID_SIGNATURE.
    pub const INVALID_SIGNATURE: i64 = -1022;
    /// NEW_ORDER_REJECTED (insufficient balance, duplicate order, ...).
    pub const NEW_ORDER_REJECTED: i64 = -2010;
    /// CANCEL_REJECTED.
    pub const CANCEL_REJECTED: i64 = -2011;
    /// NO_SUCH_ORDER: the order does not exist.
    pub const NO_SUCH_ORDER: i64 = -2013;
    /// BAD_API_KEY_FMT.
    pub const BAD_API_KEY_FMT: i64 = -2014;
    /// REJECTED_MBX_KEY: invalid API key, IP or permissions.
    pub const REJECTED_MBX_KEY: i64 = -2015;
}

/// An error answer from the Binance REST API (HTTP status and, when present, its JSON body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code.
    pub http_status: u16,
    /// Binance `code`, when the body had one.
    pub code: Option<i64>,
    /// Binance `msg` (or the raw body when it was not JSON).
    pub msg: String,
    /// `Retry-After` in seconds, when sent (429 and 418).
    pub retry_after_secs: Option<u64>,
}

/// How an [`ApiError`] or transport problem is to be understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The request may or may not have been executed (5xx, timeout, -1006/-1007).
    Unknown,
    /// Refused by the rate limiter (429, -1003) or a ban (418); not executed.
    RateLimited,
    /// Refused as a filter failure (-1013).
    FilterFailure,
    /// Refused for lack of balance (-2010 with that message).
    InsufficientBalance,
    /// Refused for authentication (-1022, -2014, -2015, 401).
    Auth,
    /// The order (or its client id) does not exist (-2013).
    NoSuchOrder,
    /// The client order id is already in use (-2010 "Duplicate order sent.").
    Duplicate,
    /// Any other explicit refusal.
    Rejected,
}

impl ApiError {
    /// Classifies the error by HTTP status, then by Binance code and message.
    pub fn class(&self) -> ErrorClass {
        let msg = self.msg.to_ascii_lowercase();
        if self.http_status >= 500 {
            return ErrorClass::Unknown;
        }
        if self.http_status == 429 || self.http_status == 418 {
            return ErrorClass::RateLimited;
        }
        match self.code {
            Some(
                codes::UNKNOWN | codes::DISCONNECTED | codes::UNEXPECTED_RESP | codes::TIMEOUT,
            ) => ErrorClass::Unknown,
            Some(codes::TOO_MANY_REQUESTS) => ErrorClass::RateLimited,
            Some(codes::FILTER_FAILURE) if msg.starts_with("filter failure") => {
                ErrorClass::FilterFailure
            }
            Some(codes::INVALID_SIGNATURE | codes::BAD_API_KEY_FMT | codes::REJECTED_MBX_KEY) => {
                ErrorClass::Auth
            }
            Some(codes::NO_SUCH_ORDER) => ErrorClass::NoSuchOrder,
            Some(codes::CANCEL_REJECTED) if msg.contains("unknown order") => {
                ErrorClass::NoSuchOrder
            }
            Some(codes::NEW_ORDER_REJECTED) if msg.contains("insufficient balance") => {
                ErrorClass::InsufficientBalance
            }
            Some(codes::NEW_ORDER_REJECTED) if msg.contains("duplicate order") => {
                ErrorClass::Duplicate
            }
            _ if self.http_status == 401 => ErrorClass::Auth,
            _ => ErrorClass::Rejected,
        }
    }

    /// The domain's reading of this error for an order request.
    pub fn to_order_failure(&self) -> OrderFailure {
        let venue_message = self.msg.clone();
        match self.class() {
            ErrorClass::Unknown => OrderFailure::Unknown {
                detail: self.to_string(),
            },
            ErrorClass::RateLimited => OrderFailure::RateLimited {
                retry_after_secs: self.retry_after_secs,
            },
            ErrorClass::FilterFailure => OrderFailure::FilterFailure {
                failure: None,
                venue_message,
            },
            ErrorClass::InsufficientBalance => OrderFailure::InsufficientBalance { venue_message },
            ErrorClass::Auth => OrderFailure::Auth { venue_message },
            ErrorClass::NoSuchOrder | ErrorClass::Duplicate | ErrorClass::Rejected => {
                OrderFailure::Rejected {
                    venue_code: self.code,
                    venue_message,
                }
            }
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.http_status)?;
        if let Some(code) = self.code {
            write!(f, " code {code}")?;
        }
        write!(f, ": {}", self.msg)?;
        if let Some(s) = self.retry_after_secs {
            write!(f, " (retry after {s} s)")?;
        }
        Ok(())
    }
}

/// The adapter's error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BinanceError {
    /// Binance answered with an error.
    #[error("binance {0}")]
    Api(ApiError),
    /// The request timed out: Binance may have executed it.
    #[error("binance request timed out: {0}")]
    Timeout(String),
    /// Connecting, sending or reading failed.
    #[error("binance transport error: {0}")]
    Transport(String),
    /// The IP is banned (HTTP 418); nothing is sent until `until`.
    #[error("binance IP ban (HTTP 418) until {until}: no request is sent before then")]
    Banned {
        /// When the ban ends.
        until: Timestamp,
    },
    /// Rate limited (HTTP 429 / -1003) and the wait is longer than the adapter will sleep.
    #[error("binance rate limit: retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// Order requests are paused after repeated 5xx/timeouts.
    #[error("binance circuit breaker open until {until} after repeated 5xx/timeouts")]
    CircuitOpen {
        /// When requests resume.
        until: Timestamp,
    },
    /// A response could not be understood; names what was being read.
    #[error("binance response {what}: {detail}")]
    Decode {
        /// What was being parsed (endpoint or field).
        what: String,
        /// What was wrong.
        detail: String,
    },
    /// Missing or unusable API credentials.
    #[error("binance credentials: {0}")]
    Credentials(String),
    /// Invalid adapter configuration (every problem listed).
    #[error("binance config: {0}")]
    Config(String),
    /// The symbol is not traded at Binance (or not under this spelling).
    #[error("binance does not list {0}")]
    UnknownSymbol(String),
}

impl BinanceError {
    /// Builds a decode error.
    pub(crate) fn decode(what: impl Into<String>, detail: impl std::fmt::Display) -> Self {
        Self::Decode {
            what: what.into(),
            detail: detail.to_string(),
        }
    }

    /// This error with every text that may hold venue text (an error body, a `msg`, a
    /// transport or decode message) passed through `redactor`.
    pub(crate) fn redacted(self, redactor: &Redactor) -> Self {
        match self {
            BinanceError::Api(mut e) => {
                e.msg = redactor.redact(&e.msg);
                BinanceError::Api(e)
            }
            BinanceError::Timeout(d) => BinanceError::Timeout(redactor.redact(&d)),
            BinanceError::Transport(d) => BinanceError::Transport(redactor.redact(&d)),
            BinanceError::Decode { what, detail } => BinanceError::Decode {
                what: redactor.redact(&what),
                detail: redactor.redact(&detail),
            },
            other => other,
        }
    }

    /// How this error is to be understood.
    pub fn class(&self) -> ErrorClass {
        match self {
            BinanceError::Api(e) => e.class(),
            BinanceError::Timeout(_) | BinanceError::Transport(_) => ErrorClass::Unknown,
            // A response that arrived but cannot be read: the request may have been executed.
            BinanceError::Decode { .. } => ErrorClass::Unknown,
            BinanceError::Banned { .. } | BinanceError::RateLimited { .. } => {
                ErrorClass::RateLimited
            }
            BinanceError::Credentials(_) => ErrorClass::Auth,
            BinanceError::CircuitOpen { .. }
            | BinanceError::Config(_)
            | BinanceError::UnknownSymbol(_) => ErrorClass::Rejected,
        }
    }

    /// True when Binance may have executed the request (query before any retry).
    pub fn is_unknown_outcome(&self) -> bool {
        self.class() == ErrorClass::Unknown
    }

    /// Seconds until a retry makes sense, when known.
    pub fn retry_after_secs(&self, now: Timestamp) -> Option<u64> {
        match self {
            BinanceError::Api(e) => e.retry_after_secs,
            BinanceError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            BinanceError::Banned { until } | BinanceError::CircuitOpen { until } => {
                Some(u64::try_from((*until - now).num_seconds().max(0)).unwrap_or(0))
            }
            _ => None,
        }
    }

    /// The domain's reading of this error for an order request (`now` for ban waits).
    pub fn to_order_failure(&self, now: Timestamp) -> OrderFailure {
        match self {
            BinanceError::Api(e) => e.to_order_failure(),
            BinanceError::Timeout(d) | BinanceError::Transport(d) => {
                OrderFailure::Unknown { detail: d.clone() }
            }
            BinanceError::Decode { .. } => OrderFailure::Unknown {
                detail: self.to_string(),
            },
            BinanceError::Banned { .. } | BinanceError::RateLimited { .. } => {
                OrderFailure::RateLimited {
                    retry_after_secs: self.retry_after_secs(now),
                }
            }
            BinanceError::Credentials(m) => OrderFailure::Auth {
                venue_message: m.clone(),
            },
            BinanceError::CircuitOpen { .. }
            | BinanceError::Config(_)
            | BinanceError::UnknownSymbol(_) => OrderFailure::Rejected {
                venue_code: None,
                venue_message: format!("not sent: {self}"),
            },
        }
    }

    /// The port's error for a query or cancel.
    pub fn to_venue_error(&self, now: Timestamp) -> VenueError {
        match self.class() {
            ErrorClass::Unknown => VenueError::Unavailable(self.to_string()),
            _ if matches!(self, BinanceError::CircuitOpen { .. }) => {
                VenueError::Unavailable(self.to_string())
            }
            _ => VenueError::Refused(self.to_order_failure(now)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: i64, msg: &str) -> ApiError {
        ApiError {
            http_status: status,
            code: Some(code),
            msg: msg.to_string(),
            retry_after_secs: None,
        }
    }

    #[test]
    fn server_errors_are_unknown_never_rejections() {
        for e in [
            api(500, -1000, "An unknown error occurred"),
            api(503, -1008, "Server is currently overloaded"),
            api(
                400,
                -1007,
                "Timeout waiting for response from backend server.",
            ),
        ] {
            assert!(
                matches!(e.to_order_failure(), OrderFailure::Unknown { .. }),
                "{e}"
            );
        }
        assert!(BinanceError::Timeout("x".into()).is_unknown_outcome());
    }

    #[test]
    fn other_minus_2010_messages_stay_plain_rejections() {
        let e = api(400, -2010, "Order would immediately match and take.");
        assert_eq!(e.class(), ErrorClass::Rejected);
        let d = api(400, -2010, "Duplicate order sent.");
        assert_eq!(d.class(), ErrorClass::Duplicate);
    }
}
