//! Everything that can go wrong talking to the Bot API, classified by what to do next.
//!
//! The classification follows the Bot API's error envelope (`error_code`, `description`,
//! `parameters`; see `shared/fixtures/telegram`): 429 waits `retry_after`, 403/400
//! chat-not-found/401 give up, a migrated group is resent to its new id, 409 and
//! network or server errors retry with backoff. No variant ever carries the bot token.

use std::time::Duration;

use domain::ports::NotifyError;
use thiserror::Error;

/// A Telegram adapter failure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TelegramError {
    /// The token environment variable is unset or empty.
    #[error(
        "environment variable {var} is not set: put the bot token from BotFather there (never in a config file)"
    )]
    MissingToken {
        /// The variable read.
        var: String,
    },
    /// The token does not look like a BotFather token (the value is not repeated here).
    #[error("the bot token is malformed: expected <digits>:<letters, digits, '-' or '_'>")]
    MalformedToken,
    /// The configured base URL is unusable.
    #[error(
        "telegram base_url {url:?} is invalid: {reason} (expected e.g. https://api.telegram.org)"
    )]
    BaseUrl {
        /// The configured value.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// 429 flood control: wait `retry_after_secs` before the next request.
    #[error("rate limited by Telegram, retry after {retry_after_secs} s: {description}")]
    RateLimited {
        /// `parameters.retry_after`.
        retry_after_secs: u64,
        /// Telegram's description.
        description: String,
    },
    /// 403: the user blocked the bot, or the bot was removed from the group. Permanent.
    #[error("forbidden by Telegram: {description}")]
    Forbidden {
        /// Telegram's description.
        description: String,
    },
    /// 400 chat not found: a wrong chat id, or the bot never talked to that user. Permanent.
    #[error("chat not found: {description}")]
    ChatNotFound {
        /// Telegram's description.
        description: String,
    },
    /// 400: the group became a supergroup; resend to `migrate_to_chat_id`.
    #[error("group chat migrated to supergroup {migrate_to_chat_id}: {description}")]
    ChatMigrated {
        /// `parameters.migrate_to_chat_id`.
        migrate_to_chat_id: i64,
        /// Telegram's description.
        description: String,
    },
    /// 401: the token was revoked or is wrong. Permanent: a configuration error.
    #[error("telegram refused the bot token (revoked or wrong): {description}")]
    Unauthorized {
        /// Telegram's description.
        description: String,
    },
    /// 409: another `getUpdates` (another instance) or a webhook holds the bot. Back off.
    #[error("conflict with another bot instance: {description}")]
    Conflict {
        /// Telegram's description.
        description: String,
    },
    /// Another 4xx refusal of this request (e.g. bad HTML). Permanent for this request.
    #[error("bad request ({code}): {description}")]
    BadRequest {
        /// `error_code`.
        code: i64,
        /// Telegram's description.
        description: String,
    },
    /// 5xx: Telegram failed. Transient.
    #[error("telegram server error ({code}): {description}")]
    Server {
        /// `error_code` or HTTP status.
        code: i64,
        /// Telegram's description, or the start of the body.
        description: String,
    },
    /// Connect, TLS, timeout or transfer failure (token redacted). Transient.
    #[error("network error talking to telegram: {0}")]
    Network(String),
    /// A response that is not the Bot API envelope. Transient (a proxy's error page).
    #[error("unexpected response from telegram: {0}")]
    Decode(String),
    /// The outbox (offsets, ignored-command records) failed. Transient.
    #[error("telegram outbox failed: {0}")]
    Store(#[from] domain::ports::StoreError),
}

impl TelegramError {
    /// True when repeating the same request cannot succeed without operator action.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            TelegramError::MissingToken { .. }
                | TelegramError::MalformedToken
                | TelegramError::BaseUrl { .. }
                | TelegramError::Forbidden { .. }
                | TelegramError::ChatNotFound { .. }
                | TelegramError::ChatMigrated { .. }
                | TelegramError::Unauthorized { .. }
                | TelegramError::BadRequest { .. }
        )
    }

    /// True when the whole bot is misconfigured (no request can succeed): stop and tell.
    pub fn is_config_error(&self) -> bool {
        matches!(
            self,
            TelegramError::MissingToken { .. }
                | TelegramError::MalformedToken
                | TelegramError::BaseUrl { .. }
                | TelegramError::Unauthorized { .. }
        )
    }

    /// How long Telegram asked us to wait, when it did (429).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            TelegramError::RateLimited {
                retry_after_secs, ..
            } => Some(Duration::from_secs(*retry_after_secs)),
            _ => None,
        }
    }

    /// A bounded label for metrics and logs (`rate_limited`, `forbidden`, ...).
    pub fn label(&self) -> &'static str {
        match self {
            TelegramError::MissingToken { .. } => "missing_token",
            TelegramError::MalformedToken => "malformed_token",
            TelegramError::BaseUrl { .. } => "base_url",
            TelegramError::RateLimited { .. } => "rate_limited",
            TelegramError::Forbidden { .. } => "forbidden",
            TelegramError::ChatNotFound { .. } => "chat_not_found",
            TelegramError::ChatMigrated { .. } => "chat_migrated",
            TelegramError::Unauthorized { .. } => "unauthorized",
            TelegramError::Conflict { .. } => "conflict",
            TelegramError::BadRequest { .. } => "bad_request",
            TelegramError::Server { .. } => "server",
            TelegramError::Network(_) => "network",
            TelegramError::Decode(_) => "decode",
            TelegramError::Store(_) => "store",
        }
    }
}

impl From<TelegramError> for NotifyError {
    fn from(e: TelegramError) -> Self {
        if e.is_permanent() {
            NotifyError::Permanent(e.to_string())
        } else {
            NotifyError::Retryable {
                retry_after_secs: e.retry_after().map(|d| d.as_secs()),
                detail: e.to_string(),
            }
        }
    }
}
