//! The `Notifier` port: alerts out to operators.

use async_trait::async_trait;
use thiserror::Error;

use crate::events::Alert;

/// An alert could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotifyError {
    /// Temporarily failed; may be retried (after `retry_after_secs` if given).
    #[error("notification failed, retryable: {detail}")]
    Retryable {
        /// What happened.
        detail: String,
        /// Seconds to wait, when the channel said.
        retry_after_secs: Option<u64>,
    },
    /// Will not succeed without operator action (bad token, blocked bot).
    #[error("notification failed permanently: {0}")]
    Permanent(String),
}

/// A channel to operators (Telegram, log, ...).
///
/// Contract: `notify` MUST NOT block the pipeline for longer than its own timeout
/// and MUST NOT panic on delivery failure; failures are returned, not swallowed.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Delivers one alert.
    async fn notify(&self, alert: &Alert) -> Result<(), NotifyError>;
}
