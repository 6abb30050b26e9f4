//! The canonical instrument identifier.
//!
//! Rampart names every instrument `BASE-QUOTE` in upper case (`BTC-USD`). Venue
//! spellings (`BTCUSDT`, `btcusdt`) are mapped in the adapters, never here.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

const MAX_PART_LEN: usize = 12;

/// A validated instrument symbol in canonical `BASE-QUOTE` form, e.g. `BTC-USD`.
///
/// Cheap to clone (shared, immutable text). Ordered by its text; comparing two
/// clones of the same symbol does not look at the text (maps keyed by symbol are
/// searched on every market event).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Symbol(Arc<str>);

impl Ord for Symbol {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        if Arc::ptr_eq(&self.0, &other.0) {
            Ordering::Equal
        } else {
            self.0.cmp(&other.0)
        }
    }
}

impl PartialOrd for Symbol {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Symbol {
    /// Parses a symbol; lower case is accepted and canonicalised to upper case.
    ///
    /// Both parts must be 2 to 12 ASCII letters or digits, separated by one `-`.
    pub fn new(text: &str) -> Result<Self, DomainError> {
        let malformed = |reason| DomainError::Malformed {
            field: "symbol",
            reason,
            value: text.to_string(),
        };
        let (base, quote) = text
            .split_once('-')
            .ok_or_else(|| malformed("expected BASE-QUOTE, e.g. BTC-USD"))?;
        for part in [base, quote] {
            if part.len() < 2 || part.len() > MAX_PART_LEN {
                return Err(malformed("each part must be 2 to 12 characters"));
            }
            if !part.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(malformed("only ASCII letters and digits around one '-'"));
            }
        }
        Ok(Self(Arc::from(text.to_ascii_uppercase())))
    }

    /// The canonical text, e.g. `BTC-USD`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The base asset, e.g. `BTC`.
    pub fn base(&self) -> &str {
        self.0.split_once('-').map_or("", |(b, _)| b)
    }

    /// The quote asset, e.g. `USD`.
    pub fn quote(&self) -> &str {
        self.0.split_once('-').map_or("", |(_, q)| q)
    }
}

impl FromStr for Symbol {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for Symbol {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<Symbol> for String {
    fn from(value: Symbol) -> Self {
        value.0.to_string()
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_canonical_and_canonicalises_case() {
        let s = Symbol::new("btc-usd").unwrap();
        assert_eq!(s.as_str(), "BTC-USD");
        assert_eq!(s.base(), "BTC");
        assert_eq!(s.quote(), "USD");
    }

    #[test]
    fn rejects_venue_spellings_and_garbage() {
        for bad in [
            "BTCUSDT",
            "BTC/USD",
            "B-USD",
            "BTC-",
            "-USD",
            "BTC-US D",
            "",
            "BTC-USD-X",
        ] {
            assert!(Symbol::new(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn orders_by_text_whether_or_not_the_text_is_shared() {
        let a = Symbol::new("BTC-USD").unwrap();
        let b = Symbol::new("ETH-USD").unwrap();
        assert_eq!(a.cmp(&a.clone()), Ordering::Equal);
        assert_eq!(a.cmp(&Symbol::new("btc-usd").unwrap()), Ordering::Equal);
        assert_eq!(a.cmp(&b), Ordering::Less);
        assert_eq!(b.partial_cmp(&a), Some(Ordering::Greater));
    }

    #[test]
    fn deserialises_through_validation() {
        assert!(serde_json::from_str::<Symbol>("\"ETHUSDT\"").is_err());
        let s: Symbol = serde_json::from_str("\"eth-usd\"").unwrap();
        assert_eq!(s.to_string(), "ETH-USD");
    }
}
