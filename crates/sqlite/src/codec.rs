//! How values are written to and read from SQLite, and how sqlx errors become `StoreError`s.

use chrono::{DateTime, SecondsFormat, Utc};
use domain::Timestamp;
use domain::ports::StoreError;
use serde::Serialize;
use sha2::Digest;

/// SHA-256 for the audit chain (the domain defines the chain, we supply the hash).
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = sha2::Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Fixed-width RFC 3339 in UTC with nanoseconds, so that text order is time order.
pub(crate) fn ts(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Parses a timestamp written by [`ts`]. Years outside 0000-9999 (RFC 3339's range) are
/// read too: a runtime before issue 22 could stamp an operator request with the clock's
/// starting point (`-262143-01-01T00:00:00Z`), and an append-only trail must stay readable.
pub(crate) fn parse_ts(text: &str, column: &str) -> Result<Timestamp, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|e| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.fZ")
                .map(|t| t.and_utc())
                .map_err(|_| e)
        })
        .map_err(|e| StoreError::Corrupt(format!("{column} {text:?} is not a timestamp: {e}")))
}

/// The serde name of a unit enum value (`buy`, `CRITICAL`, `lockdown`, ...).
pub(crate) fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => format!("<{e}>"),
    }
}

/// Parses a unit enum value stored by its serde name (the inverse of [`name`]).
pub(crate) fn from_name<T: serde::de::DeserializeOwned>(
    text: &str,
    column: &str,
) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|e| StoreError::Corrupt(format!("{column} {text:?} is not a known value: {e}")))
}

/// Converts a seq read from SQLite (INTEGER) to the port's `u64`.
pub(crate) fn seq(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative audit seq {value}")))
}

/// Converts a port seq to SQLite's INTEGER.
pub(crate) fn seq_param(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Parses JSON text stored by this adapter.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("stored {what} does not parse: {e}")))
}

/// Serialises a value as JSON text to store.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Backend(format!("{what} does not serialise: {e}")))
}

/// Maps a sqlx error; `doing` says what the store was doing (`append BTC-USD:candle:..`).
pub(crate) fn db_error(doing: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| map_error(doing, e)
}

fn map_error(doing: &str, e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                return StoreError::Conflict(format!("{doing}: {}", db.message()));
            }
            // Primary result codes: SQLITE_CORRUPT (11), SQLITE_NOTADB (26).
            let primary = db
                .code()
                .and_then(|c| c.parse::<i64>().ok())
                .map(|c| c & 0xff);
            match primary {
                Some(11 | 26) => StoreError::Corrupt(format!("{doing}: {}", db.message())),
                _ => StoreError::Backend(format!("{doing}: {}", db.message())),
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(format!("{doing}: {e}")),
        _ => StoreError::Backend(format!("{doing}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_round_trip_including_the_clocks_extremes() {
        for t in [
            Timestamp::MIN_UTC,
            Timestamp::MAX_UTC,
            chrono::DateTime::from_timestamp(1_704_067_200, 5).unwrap_or_default(),
        ] {
            assert_eq!(parse_ts(&ts(&t), "at"), Ok(t), "{}", ts(&t));
        }
        assert!(matches!(
            parse_ts("yesterday", "at"),
            Err(StoreError::Corrupt(m)) if m.contains("at \"yesterday\"")
        ));
    }

    #[test]
    fn the_documented_chain_vector_holds() {
        // docs/storage.md, "The audit hash chain".
        let at = Utc
            .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
            .single()
            .expect("valid");
        let event = domain::AuditEvent::KillSwitchDeactivated {
            actor: domain::Actor::Operator { name: "ana".into() },
            reason: "reviewed".into(),
            at,
            requested_at: None,
        };
        let json = event.canonical_json().expect("serialises");
        assert_eq!(
            json,
            r#"{"type":"kill_switch_deactivated","actor":{"kind":"operator","name":"ana"},"reason":"reviewed","at":"2024-01-01T00:00:00Z"}"#
        );
        assert_eq!(
            domain::ports::link_hash(sha256, domain::ports::GENESIS_HASH, json.as_bytes()),
            "138fea236d1d88b26be93739184695ce728c8435e060b1cfbec5183954aa4732"
        );
    }

    #[test]
    fn timestamps_sort_as_text_and_round_trip() {
        let a = Utc
            .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
            .single()
            .expect("valid");
        let b = a + chrono::Duration::nanoseconds(1);
        let c = a + chrono::Duration::seconds(10);
        let (ta, tb, tc) = (ts(&a), ts(&b), ts(&c));
        assert_eq!(ta, "2024-01-01T00:00:00.000000000Z");
        assert!(ta < tb && tb < tc);
        assert_eq!(parse_ts(&tb, "at").expect("parses"), b);
    }
}
