//! `BotClient`: `sendMessage` and `getUpdates` with the Bot API's errors classified.
//!
//! The token lives in the request path, so the client never lets a URL out: transport
//! errors are stripped of their URL (`reqwest::Error::without_url`) and every error text
//! passes through [`BotToken::redact`]. Nothing here logs request URLs.

use std::error::Error as _;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::models::{Envelope, GetUpdates, LinkPreviewOptions, Message, SendMessage, Update};
use super::parse::{InboundMessage, inbound};
use crate::credential::BotToken;
use crate::error::TelegramError;

/// The production Bot API endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.telegram.org";

/// Where and how the client talks to the Bot API.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Scheme and host (and optional path prefix) without `/bot<token>`; tests use `http://127.0.0.1:port`.
    pub base_url: String,
    /// Timeout of a `sendMessage` request (a long poll adds its own `timeout` to this).
    pub request_timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// A message Telegram accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentMessage {
    /// Telegram's id of the message in its chat.
    pub message_id: i64,
    /// The chat it went to.
    pub chat_id: i64,
}

/// A Bot API client bound to one bot token.
#[derive(Debug, Clone)]
pub struct BotClient {
    http: reqwest::Client,
    base: String,
    token: BotToken,
    request_timeout: Duration,
}

impl BotClient {
    /// Builds a client; fails on a base URL that is not `http(s)://host[...]`.
    pub fn new(config: &ClientConfig, token: BotToken) -> Result<Self, TelegramError> {
        let base = config.base_url.trim().trim_end_matches('/').to_string();
        let bad = |reason: &str| TelegramError::BaseUrl {
            url: token.redact(&config.base_url),
            reason: reason.to_string(),
        };
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .ok_or_else(|| {
                bad("it must start with https:// (or http:// for a local test server)")
            })?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err(bad("it has no host"));
        }
        if base.contains('?') || base.contains('#') {
            return Err(bad("it must not carry a query or fragment"));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.request_timeout)
            .build()
            .map_err(|e| bad(&token.redact(&e.without_url().to_string())))?;
        Ok(Self {
            http,
            base,
            token,
            request_timeout: config.request_timeout,
        })
    }

    /// Sends `html` (Telegram HTML parse mode, already escaped) to `chat_id`.
    pub async fn send_message(
        &self,
        chat_id: i64,
        html: &str,
    ) -> Result<SentMessage, TelegramError> {
        let body = SendMessage {
            chat_id,
            text: html,
            parse_mode: "HTML",
            link_preview_options: LinkPreviewOptions { is_disabled: true },
        };
        let message: Message = self
            .call("sendMessage", &body, self.request_timeout)
            .await?;
        Ok(SentMessage {
            message_id: message.message_id,
            chat_id: message.chat.id,
        })
    }

    /// Long-polls `getUpdates` for message updates from `offset` (acknowledging all
    /// earlier ones), waiting up to `timeout_secs` on the server for something new.
    pub async fn get_updates(
        &self,
        offset: Option<i64>,
        timeout_secs: u64,
        limit: u32,
    ) -> Result<Vec<InboundMessage>, TelegramError> {
        let body = GetUpdates {
            offset,
            timeout: timeout_secs,
            limit: limit.clamp(1, 100),
            allowed_updates: ["message"],
        };
        let updates: Vec<Update> = self
            .call(
                "getUpdates",
                &body,
                self.request_timeout + Duration::from_secs(timeout_secs),
            )
            .await?;
        Ok(updates.into_iter().map(inbound).collect())
    }

    /// Scrubs the token from `text` (for callers that log what this client returned).
    pub fn redact(&self, text: &str) -> String {
        self.token.redact(text)
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        body: &B,
        timeout: Duration,
    ) -> Result<T, TelegramError> {
        // The one place the token is exposed: this URL is never logged nor returned.
        let url = format!("{}/bot{}/{}", self.base, self.token.expose(), method);
        let response = self
            .http
            .post(url)
            .json(body)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| self.network(e))?;
        let status = i64::from(response.status().as_u16());
        let bytes = response.bytes().await.map_err(|e| self.network(e))?;
        let envelope: Envelope<T> = match serde_json::from_slice(&bytes) {
            Ok(envelope) => envelope,
            Err(e) => {
                let snippet = self.snippet(&bytes);
                return Err(match status {
                    200..=299 => TelegramError::Decode(format!("{method}: {e}: {snippet}")),
                    _ => classify(status, snippet, None),
                });
            }
        };
        if envelope.ok {
            return envelope
                .result
                .ok_or_else(|| TelegramError::Decode(format!("{method}: ok without result")));
        }
        let description = self
            .token
            .redact(envelope.description.as_deref().unwrap_or("no description"));
        Err(classify(
            envelope.error_code.unwrap_or(status),
            description,
            envelope.parameters,
        ))
    }

    fn network(&self, e: reqwest::Error) -> TelegramError {
        let timeout = e.is_timeout();
        let e = e.without_url();
        let mut text = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        if timeout {
            text.push_str(" (timed out)");
        }
        TelegramError::Network(self.token.redact(&text))
    }

    fn snippet(&self, bytes: &[u8]) -> String {
        let text = String::from_utf8_lossy(bytes);
        let cut: String = text.chars().take(200).collect();
        self.token.redact(&cut)
    }
}

/// Maps a failed envelope to what the caller should do.
fn classify(
    code: i64,
    description: String,
    parameters: Option<super::models::ResponseParameters>,
) -> TelegramError {
    let parameters = parameters.unwrap_or_default();
    if let Some(migrate_to_chat_id) = parameters.migrate_to_chat_id {
        return TelegramError::ChatMigrated {
            migrate_to_chat_id,
            description,
        };
    }
    match code {
        429 => TelegramError::RateLimited {
            // Flood control without a figure: a conservative second.
            retry_after_secs: parameters.retry_after.unwrap_or(1),
            description,
        },
        401 => TelegramError::Unauthorized { description },
        403 => TelegramError::Forbidden { description },
        409 => TelegramError::Conflict { description },
        400 if description.to_ascii_lowercase().contains("chat not found") => {
            TelegramError::ChatNotFound { description }
        }
        500..=599 => TelegramError::Server { code, description },
        _ if (400..500).contains(&code) => TelegramError::BadRequest { code, description },
        _ => TelegramError::Server { code, description },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "42:secret_TOKEN-value";

    #[test]
    fn base_url_must_be_http_or_https_with_a_host() {
        let token = BotToken::new(TOKEN).unwrap();
        for bad in [
            "api.telegram.org",
            "ftp://x",
            "https://",
            "https:///x",
            "http://h?x=1",
        ] {
            let config = ClientConfig {
                base_url: bad.into(),
                ..ClientConfig::default()
            };
            assert!(matches!(
                BotClient::new(&config, token.clone()),
                Err(TelegramError::BaseUrl { .. })
            ));
        }
        let ok = ClientConfig {
            base_url: "http://127.0.0.1:9/".into(),
            ..ClientConfig::default()
        };
        let client = BotClient::new(&ok, token).unwrap();
        assert_eq!(client.base, "http://127.0.0.1:9");
        assert!(!format!("{client:?}").contains("secret_TOKEN"));
    }

    #[test]
    fn envelopes_are_classified_by_code_and_parameters() {
        let p = |retry_after, migrate_to_chat_id| {
            Some(super::super::models::ResponseParameters {
                retry_after,
                migrate_to_chat_id,
            })
        };
        assert_eq!(
            classify(429, "x".into(), p(Some(7), None)).retry_after(),
            Some(Duration::from_secs(7))
        );
        assert!(matches!(
            classify(400, "Bad Request: chat not found".into(), None),
            TelegramError::ChatNotFound { .. }
        ));
        assert!(matches!(
            classify(400, "upgraded".into(), p(None, Some(-1_005))),
            TelegramError::ChatMigrated {
                migrate_to_chat_id: -1_005,
                ..
            }
        ));
        assert!(classify(403, "blocked".into(), None).is_permanent());
        assert!(classify(401, "Unauthorized".into(), None).is_config_error());
        assert!(!classify(409, "Conflict".into(), None).is_permanent());
        assert!(!classify(502, "Bad Gateway".into(), None).is_permanent());
        assert!(classify(400, "can't parse entities".into(), None).is_permanent());
    }
}
