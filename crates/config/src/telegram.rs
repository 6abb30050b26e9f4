//! `[telegram]`: alerts out to operators and commands in (docs/telegram.md). Off by default;
//! the bot token is never in the configuration, only the name of the variable holding it.

use domain::{ConfigViolation, Violations};
use serde::{Deserialize, Serialize};

/// `[telegram]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegramConfig {
    /// Whether the runtime talks to Telegram at all.
    pub enabled: bool,
    /// Bot API base URL (`https://`; `http://127.0.0.1` / `http://localhost` only for tests).
    pub base_url: String,
    /// Name of the environment variable (or `.env` key) holding the bot token.
    pub token_env: String,
    /// The bot's username; commands addressed to another bot (`/cmd@other`) are skipped.
    pub bot_username: Option<String>,
    /// Chats that receive alerts.
    pub alert_chat_ids: Vec<i64>,
    /// Users whose commands are obeyed (and only in an allowed chat).
    pub allowed_user_ids: Vec<i64>,
    /// Chats in which commands are obeyed (and only from an allowed user).
    pub allowed_chat_ids: Vec<i64>,
    /// Timeout of one Bot API request, seconds.
    pub request_timeout_secs: u64,
    /// `getUpdates` long-poll duration, seconds.
    pub long_poll_secs: u64,
    /// Minimum interval between two messages to one chat, milliseconds.
    pub per_chat_interval_ms: u64,
    /// Similar alerts (kind, severity, symbol) are counted over this window, seconds ...
    pub storm_window_secs: u64,
    /// ... the first this many are sent, the rest summarised in one message.
    pub storm_burst: u32,
    /// Give a message up after this many transient failures; 0 = retry until it goes.
    pub max_attempts: u32,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            base_url: "https://api.telegram.org".to_string(),
            token_env: "RAMPART_TELEGRAM_TOKEN".to_string(),
            bot_username: None,
            alert_chat_ids: Vec::new(),
            allowed_user_ids: Vec::new(),
            allowed_chat_ids: Vec::new(),
            request_timeout_secs: 10,
            long_poll_secs: 30,
            per_chat_interval_ms: 1_000,
            storm_window_secs: 60,
            storm_burst: 2,
            max_attempts: 0,
        }
    }
}

impl TelegramConfig {
    /// Rule violations of this section (only checked in depth when enabled).
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("telegram");
        let local = self.base_url.starts_with("http://127.0.0.1")
            || self.base_url.starts_with("http://localhost");
        v.check(
            self.base_url.starts_with("https://") || local,
            "base_url",
            "an https:// URL (http:// only for 127.0.0.1 or localhost)",
            format!("{:?}", self.base_url),
        );
        v.check(
            !self.token_env.trim().is_empty(),
            "token_env",
            "the name of an environment variable",
            format!("{:?}", self.token_env),
        );
        v.check(
            (1..=120).contains(&self.request_timeout_secs),
            "request_timeout_secs",
            "in 1..=120",
            self.request_timeout_secs,
        );
        v.check(
            self.long_poll_secs <= 50,
            "long_poll_secs",
            "in 0..=50",
            self.long_poll_secs,
        );
        v.check(
            self.storm_window_secs >= 1,
            "storm_window_secs",
            ">= 1",
            self.storm_window_secs,
        );
        if self.enabled {
            v.check(
                !self.alert_chat_ids.is_empty(),
                "alert_chat_ids",
                "at least one chat when enabled",
                "[]",
            );
            v.check(
                !self.allowed_user_ids.is_empty(),
                "allowed_user_ids",
                "at least one user when enabled (nobody else may command the bot)",
                "[]",
            );
            v.check(
                !self.allowed_chat_ids.is_empty(),
                "allowed_chat_ids",
                "at least one chat when enabled",
                "[]",
            );
        }
        v.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_valid() {
        let c = TelegramConfig::default();
        assert!(!c.enabled);
        assert!(c.validate().is_empty());
    }

    #[test]
    fn enabled_needs_chats_and_users_and_https() {
        let c = TelegramConfig {
            enabled: true,
            base_url: "http://api.telegram.org".into(),
            ..TelegramConfig::default()
        };
        let keys: Vec<String> = c.validate().into_iter().map(|v| v.key).collect();
        for key in [
            "telegram.base_url",
            "telegram.alert_chat_ids",
            "telegram.allowed_user_ids",
            "telegram.allowed_chat_ids",
        ] {
            assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
        }
        let ok = TelegramConfig {
            enabled: true,
            base_url: "http://127.0.0.1:8081".into(),
            alert_chat_ids: vec![1],
            allowed_user_ids: vec![1],
            allowed_chat_ids: vec![1],
            ..TelegramConfig::default()
        };
        assert!(ok.validate().is_empty(), "{:?}", ok.validate());
    }
}
