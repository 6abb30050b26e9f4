//! API key and secret, read from the environment only, and the HMAC-SHA256 request signature.
//!
//! Binance signs `query string + body` (no separator) with the secret key and sends the lower
//! case hex digest as the `signature` parameter; the key travels in the `X-MBX-APIKEY` header.
//! Neither the key nor the secret ever appears in `Debug` output or logs.

use std::fmt;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::error::BinanceError;

/// Environment variable holding the API key.
pub const API_KEY_VAR: &str = "RAMPART_BINANCE_API_KEY";
/// Environment variable holding the API secret.
pub const API_SECRET_VAR: &str = "RAMPART_BINANCE_API_SECRET";

/// An API key pair. `Debug` shows neither half; there is no `Display`.
pub struct Credentials {
    api_key: SecretString,
    secret: SecretString,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("api_key", &"[REDACTED]")
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

impl Credentials {
    /// Builds credentials from values the caller already holds (tests, a secret manager).
    pub fn new(
        api_key: impl Into<String>,
        secret: impl Into<String>,
    ) -> Result<Self, BinanceError> {
        let api_key = api_key.into();
        let secret = secret.into();
        if api_key.trim().is_empty() || secret.trim().is_empty() {
            return Err(BinanceError::Credentials(
                "API key and secret must both be non-empty".to_string(),
            ));
        }
        Ok(Self {
            api_key: SecretString::from(api_key),
            secret: SecretString::from(secret),
        })
    }

    /// Reads `RAMPART_BINANCE_API_KEY` and `RAMPART_BINANCE_API_SECRET`; the error names the
    /// missing variable, never a value.
    pub fn from_env() -> Result<Self, BinanceError> {
        let read = |var: &str| {
            std::env::var(var).map_err(|_| {
                BinanceError::Credentials(format!(
                    "{var} is not set (paper and live modes need a Binance API key pair; dry-run needs none)"
                ))
            })
        };
        Self::new(read(API_KEY_VAR)?, read(API_SECRET_VAR)?)
    }

    /// The key for the `X-MBX-APIKEY` header.
    pub(crate) fn api_key(&self) -> &str {
        self.api_key.expose_secret()
    }

    /// Lower case hex HMAC-SHA256 of `payload` (query string, then body, no separator).
    pub fn sign(&self, payload: &str) -> String {
        sign_hmac_sha256(self.secret.expose_secret(), payload)
    }
}

/// Lower case hex HMAC-SHA256 of `payload` keyed by `secret`.
pub fn sign_hmac_sha256(secret: &str, payload: &str) -> String {
    // HMAC accepts keys of any length; the error branch cannot happen, but no panic either way.
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(payload.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Percent-encodes a parameter value for a query string (RFC 3986 unreserved characters pass).
pub(crate) fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds `k=v&k=v` with values percent-encoded, in the given order.
pub(crate) fn query_string(params: &[(&str, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let c = Credentials::new("my-key-123", "my-secret-456").unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("my-key-123"), "{shown}");
        assert!(!shown.contains("my-secret-456"), "{shown}");
    }

    #[test]
    fn non_ascii_values_are_percent_encoded_as_utf8() {
        let q = query_string(&[
            ("symbol", "１２３４５６".to_string()),
            ("side", "BUY".to_string()),
        ]);
        assert_eq!(
            q,
            "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY"
        );
    }

    #[test]
    fn empty_credentials_are_refused() {
        assert!(Credentials::new("", "x").is_err());
    }
}
