//! API key and secret, read from the environment only, and the HMAC-SHA256 request signature.
//!
//! Binance signs `query string + body` (no separator) with the secret key and sends the lower
//! case hex digest as the `signature` parameter; the key travels in the `X-MBX-APIKEY` header.
//! Neither the key nor the secret ever appears in `Debug` output or logs, and [`Redactor`]
//! takes them (and request signatures) out of text the venue sends back before that text
//! becomes part of an error, a log line or an audit event.

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

    /// A redactor that takes this key pair out of text (see [`Redactor`]).
    pub fn redactor(&self) -> Redactor {
        Redactor::default()
            .with(self.api_key.expose_secret())
            .with(self.secret.expose_secret())
    }
}

/// What stands in for a redacted value.
pub const REDACTED: &str = "[redacted]";

/// Parameter and header names whose value is redacted wherever it follows them (`=`, `:`,
/// `%3D`, optionally quoted): the signature parameter and the `X-MBX-APIKEY` header (matched
/// by its `apikey` ending, as is an `apiKey` field).
const SECRET_NAMES: [&str; 3] = ["signature", "apikey", "api_key"];

/// Replaces the API key, the API secret, any extra value (a request's signature) and the
/// value after `signature=` / `X-MBX-APIKEY:` with [`REDACTED`] in text the venue sent back
/// (error bodies, `msg` fields, stream frames) and in request URLs. Replacement is one pass
/// over the original text: overlapping matches become one `[redacted]`, and an empty value
/// is never searched for. `Debug` shows only how many values it holds.
#[derive(Clone, Default)]
pub struct Redactor {
    values: Vec<SecretString>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("values", &self.values.len())
            .finish()
    }
}

impl Redactor {
    /// This redactor, also redacting `value` (ignored when empty).
    pub fn with(mut self, value: &str) -> Self {
        if !value.is_empty() {
            self.values.push(SecretString::from(value.to_owned()));
        }
        self
    }

    /// `text` with every secret value replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for value in &self.values {
            let value = value.expose_secret();
            // Overlapping occurrences of one value (`aa` in `aaa`) are found too.
            let mut from = 0;
            while let Some(at) = text.get(from..).and_then(|rest| rest.find(value)) {
                let start = from + at;
                spans.push((start, start + value.len()));
                from = start + text[start..].chars().next().map_or(1, char::len_utf8);
            }
        }
        spans.extend(named_values(text));
        if spans.is_empty() {
            return text.to_owned();
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut spans = spans.into_iter().peekable();
        while let Some((start, mut end)) = spans.next() {
            while let Some(&(next_start, next_end)) = spans.peek() {
                if next_start > end {
                    break;
                }
                end = end.max(next_end);
                spans.next();
            }
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
        }
        out.push_str(&text[copied..]);
        out
    }
}

/// Byte spans of the values that follow a [`SECRET_NAMES`] name and a separator.
fn named_values(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut spans = Vec::new();
    for name in SECRET_NAMES {
        for (at, _) in lower.match_indices(name) {
            let mut i = at + name.len();
            let skip = |i: &mut usize, set: &[u8]| {
                while bytes.get(*i).is_some_and(|b| set.contains(b)) {
                    *i += 1;
                }
            };
            skip(&mut i, b"\"' \t");
            if bytes.get(i..).is_some_and(|rest| rest.starts_with(b"%3d")) {
                i += 3;
            } else if matches!(bytes.get(i), Some(b'=' | b':')) {
                i += 1;
            } else {
                continue;
            }
            skip(&mut i, b"\"' \t");
            if bytes
                .get(i..)
                .is_some_and(|rest| rest.starts_with(REDACTED.as_bytes()))
            {
                continue; // redacted already
            }
            let start = i;
            while bytes
                .get(i)
                .is_some_and(|b| !b.is_ascii_whitespace() && !b"\"'&,;)]}".contains(b))
            {
                i += 1;
            }
            if i > start {
                spans.push((start, i));
            }
        }
    }
    spans
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

    const KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
    const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    #[test]
    fn redacts_the_key_the_secret_and_signatures_wherever_they_appear() {
        let r = Credentials::new(KEY, SECRET).unwrap().redactor();
        let sig = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
        let text = format!(
            "Invalid API-key {KEY} (secret {SECRET}) for symbol=BTCUSDT&timestamp=1&signature={sig}; X-MBX-APIKEY: {KEY}x, \"apiKey\":\"other\""
        );
        assert_eq!(
            r.redact(&text),
            "Invalid API-key [redacted] (secret [redacted]) for symbol=BTCUSDT&timestamp=1&signature=[redacted]; X-MBX-APIKEY: [redacted], \"apiKey\":\"[redacted]\""
        );
        // Also percent-encoded and with spaces; but a sentence about signatures stays.
        assert_eq!(
            r.redact("signature%3Dabc123 and Signature = 'ff00'"),
            "signature%3D[redacted] and Signature = '[redacted]'"
        );
        for plain in [
            "Signature for this request is not valid.",
            "Mandatory parameter 'signature' was not sent.",
            "Invalid API-key, IP, or permissions for action.",
            "",
        ] {
            assert_eq!(r.redact(plain), plain);
        }
    }

    #[test]
    fn overlapping_and_nested_values_become_one_redaction() {
        let r = Redactor::default().with("abcdef12").with("ef12ghij");
        assert_eq!(r.redact("xx abcdef12ghij yy"), "xx [redacted] yy");
        let r = Redactor::default().with("KEYKEY").with("KEY");
        assert_eq!(r.redact("aKEYKEYKEYb KEY"), "a[redacted]b [redacted]");
        // A value overlapping itself.
        let r = Redactor::default().with("aa");
        assert_eq!(r.redact("aaa-aa"), "[redacted]-[redacted]");
        // Non-ASCII text around a value keeps its characters.
        let r = Redactor::default().with("clé");
        assert_eq!(r.redact("→clé←"), "→[redacted]←");
    }

    #[test]
    fn empty_values_are_never_searched_for_and_redacting_twice_changes_nothing() {
        let r = Redactor::default().with("");
        assert_eq!(format!("{r:?}"), "Redactor { values: 0 }");
        assert_eq!(r.redact("nothing secret here"), "nothing secret here");
        let r = Credentials::new("short", SECRET).unwrap().redactor();
        let once = r.redact(&format!("short signature={SECRET}&apiKey=short"));
        assert_eq!(once, "[redacted] signature=[redacted]&apiKey=[redacted]");
        assert_eq!(r.redact(&once), once);
    }

    #[test]
    fn a_redactor_shows_no_value_in_debug() {
        let r = Credentials::new(KEY, SECRET).unwrap().redactor();
        let shown = format!("{r:?}");
        assert!(!shown.contains(KEY) && !shown.contains(SECRET), "{shown}");
    }

    #[test]
    fn empty_credentials_are_refused() {
        assert!(Credentials::new("", "x").is_err());
    }
}
