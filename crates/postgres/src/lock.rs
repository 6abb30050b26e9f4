//! The trading instance's lock on an account: one runtime trades on a database (schema)
//! at a time, whichever host or data directory it starts from.
//!
//! A session-level advisory lock (`pg_try_advisory_lock`) held on a connection of its own,
//! keyed by the database and schema. The server releases it when that connection ends, a
//! crashed runtime's included (TCP keepalive or the server's own timeouts notice a dead
//! host). [`AccountLock::check`] asks the server, at every heartbeat, whether this
//! connection still holds it: a runtime whose connection dropped has lost the lock (another
//! may hold it by now) and must stop trading. The lease with epochs and fencing of the
//! scaling-out step replaces this; until then it is what keeps a second runtime off an
//! account.

use domain::ports::StoreError;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};
use tokio::sync::Mutex;

use crate::connect::first_contact;
use crate::store::PostgresStore;

/// The key of the lock: the account is the database and schema.
const KEY_SQL: &str =
    "hashtextextended('rampart account lock ' || current_database() || '.' || current_schema(), 0)";

/// Held by the one runtime that trades on an account.
#[derive(Debug)]
pub struct AccountLock {
    conn: Mutex<PgConnection>,
    shown: String,
}

impl AccountLock {
    /// Whether the lock is still held by this runtime's connection.
    pub async fn check(&self) -> Result<(), StoreError> {
        let mut conn = self.conn.lock().await;
        let held: Result<bool, sqlx::Error> = sqlx::query_scalar(&format!(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND pid = pg_backend_pid() AND objsubid = 1 \
             AND ((classid::bigint << 32) | objid::bigint) = {KEY_SQL})"
        ))
        .fetch_one(&mut *conn)
        .await;
        match held {
            Ok(true) => Ok(()),
            Ok(false) => Err(StoreError::Unavailable(format!(
                "{}: this runtime no longer holds the account's lock; another runtime may be trading",
                self.shown
            ))),
            Err(e) => Err(StoreError::Unavailable(format!(
                "{}: the connection holding the account's lock failed ({e}); another runtime may take the account",
                self.shown
            ))),
        }
    }

    /// Releases the lock and closes its connection.
    pub async fn release(self) {
        let mut conn = self.conn.into_inner();
        let _ = conn
            .execute(format!("SELECT pg_advisory_unlock({KEY_SQL})").as_str())
            .await;
        let _ = conn.close().await;
    }
}

impl PostgresStore {
    /// Takes the account's lock on a connection of its own: `Ok(None)` when another
    /// session holds it (a runtime trading on this account elsewhere).
    pub async fn lock_account(&self) -> Result<Option<AccountLock>, StoreError> {
        let mut conn = first_contact(self.connect_options(), self.options(), self.shown()).await?;
        if let Some(schema) = self.schema() {
            conn.execute(format!("SET search_path TO \"{schema}\"").as_str())
                .await
                .map_err(|e| {
                    StoreError::Unavailable(format!("{}: {}", self.url(), self.shown().scrub(e)))
                })?;
        }
        let taken: bool = sqlx::query_scalar(&format!("SELECT pg_try_advisory_lock({KEY_SQL})"))
            .fetch_one(&mut conn)
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!(
                    "{}: cannot take the account's lock: {}",
                    self.url(),
                    self.shown().scrub(e)
                ))
            })?;
        if !taken {
            let _ = conn.close().await;
            return Ok(None);
        }
        Ok(Some(AccountLock {
            conn: Mutex::new(conn),
            shown: self.url().to_string(),
        }))
    }
}
