//! How values are written and read, and how sqlx errors become `StoreError`s.

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

/// Converts a seq read from PostgreSQL (BIGINT) to the port's `u64`.
pub(crate) fn seq(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative audit seq {value}")))
}

/// Converts a port seq to BIGINT.
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

/// Maps a sqlx error; `doing` says what the store was doing.
pub(crate) fn db_error(doing: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| map_error(doing, e)
}

fn map_error(doing: &str, e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                return StoreError::Conflict(format!("{doing}: {}", db.message()));
            }
            let code = db.code().unwrap_or_default();
            // Class 08: connection exception; 57P01-03: server shutting down / unavailable.
            if code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03") {
                StoreError::Unavailable(format!("{doing}: {}", db.message()))
            } else if code == "XX001" || code == "XX002" {
                StoreError::Corrupt(format!("{doing}: {}", db.message()))
            } else {
                StoreError::Backend(format!("{doing}: {} (SQLSTATE {code})", db.message()))
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(format!("{doing}: {e}")),
        _ => StoreError::Backend(format!("{doing}: {e}")),
    }
}
