//! The bot token: read from the environment only, never printed.
//!
//! The token is part of every Bot API URL (`/bot<token>/<method>`), so it is the one
//! secret this adapter holds. [`BotToken`] keeps it in a [`SecretString`] and prints
//! `[REDACTED]` in `Debug` and `Display`; [`BotToken::redact`] scrubs it from any text
//! (error messages of the HTTP client include the request URL).

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::error::TelegramError;

/// The environment variable the runtime reads the token from by default.
pub const TOKEN_ENV_VAR: &str = "RAMPART_TELEGRAM_TOKEN";

/// What replaces the token wherever it would appear.
pub const REDACTED: &str = "[REDACTED]";

/// A Telegram bot token (from BotFather), redacted in every printed form.
#[derive(Clone)]
pub struct BotToken(SecretString);

impl BotToken {
    /// Validates a token of the BotFather form `<digits>:<letters, digits, '-' and '_'>`.
    ///
    /// The error never contains the value.
    pub fn new(value: impl Into<String>) -> Result<Self, TelegramError> {
        let value: String = value.into();
        let value = value.trim().to_string();
        let well_formed = match value.split_once(':') {
            Some((id, secret)) => {
                !id.is_empty()
                    && id.bytes().all(|b| b.is_ascii_digit())
                    && !secret.is_empty()
                    && secret
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            }
            None => false,
        };
        if !well_formed {
            return Err(TelegramError::MalformedToken);
        }
        Ok(Self(SecretString::from(value)))
    }

    /// Reads the token from the environment variable `var` (e.g. [`TOKEN_ENV_VAR`]).
    pub fn from_env(var: &str) -> Result<Self, TelegramError> {
        match std::env::var(var) {
            Ok(value) if !value.trim().is_empty() => Self::new(value),
            _ => Err(TelegramError::MissingToken {
                var: var.to_string(),
            }),
        }
    }

    /// The bot's numeric id (the part before the colon): not secret, useful in logs.
    pub fn bot_id(&self) -> &str {
        self.0
            .expose_secret()
            .split_once(':')
            .map_or("", |(id, _)| id)
    }

    /// `text` with every occurrence of the token replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let secret = self.0.expose_secret();
        if secret.is_empty() {
            return text.to_string();
        }
        text.replace(secret, REDACTED)
    }

    /// The raw token, for building request URLs only.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BotToken({REDACTED})")
    }
}

impl fmt::Display for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

    #[test]
    fn debug_and_display_never_print_the_token() {
        let token = BotToken::new(TOKEN).unwrap();
        assert!(!format!("{token:?}").contains("AAHdq"));
        assert!(!format!("{token}").contains("AAHdq"));
        assert!(!format!("{token:#?}").contains("AAHdq"));
        assert_eq!(token.bot_id(), "123456789");
    }

    #[test]
    fn redact_scrubs_the_token_from_urls() {
        let token = BotToken::new(TOKEN).unwrap();
        let text = format!(
            "error sending request for url (https://api.telegram.org/bot{TOKEN}/sendMessage)"
        );
        let redacted = token.redact(&text);
        assert!(!redacted.contains(TOKEN));
        assert!(redacted.contains("/bot[REDACTED]/sendMessage"));
    }

    #[test]
    fn malformed_tokens_are_refused_without_echoing_them() {
        for bad in ["", "abc", "123:", ":abc", "12a:abc", "123:ab c", "123:ab/c"] {
            let err = BotToken::new(bad).unwrap_err();
            assert_eq!(err, TelegramError::MalformedToken);
            if !bad.is_empty() {
                assert!(!err.to_string().contains(bad), "{err}");
            }
        }
    }
}
