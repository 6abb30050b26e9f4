//! One trading runtime per account, whatever data directory it was started from.
//!
//! The data directory's [`InstanceLock`](crate::InstanceLock) keeps two runtimes off one
//! directory; two directories pointing at one database (`--database-url`, `DATABASE_URL`)
//! would still trade one account twice. The trading runtime therefore also holds the
//! store's own lock ([`StoreOwner`]): SQLite, an OS lock on the database file; PostgreSQL,
//! an advisory lock on the account (database and schema) held by a connection of its own,
//! checked at every heartbeat. A second runtime is refused at start-up (exit 2) naming the
//! one that trades, as its last heartbeat describes it.

use std::sync::Arc;

use domain::ports::Store;

use crate::error::RuntimeError;
use crate::gather;

/// The concrete store behind [`crate::session::Stores`], for what only it can do.
#[derive(Clone)]
pub(crate) enum Backend {
    Sqlite(Arc<sqlite::SqliteStore>),
    Postgres(Arc<postgres::PostgresStore>),
}

/// The account's trading lock, held for the whole session and released after the store
/// is closed.
#[derive(Debug)]
pub enum StoreOwner {
    /// The OS lock on the SQLite database file.
    Sqlite(sqlite::OwnerLock),
    /// The PostgreSQL advisory lock and its connection.
    Postgres(postgres::AccountLock),
}

impl StoreOwner {
    /// Whether the lock is still held (PostgreSQL: the connection holding it may have
    /// dropped); an error means another runtime may trade: stop.
    pub async fn check(&self) -> Result<(), RuntimeError> {
        match self {
            StoreOwner::Sqlite(_) => Ok(()),
            StoreOwner::Postgres(lock) => Ok(lock.check().await?),
        }
    }

    /// Releases the lock (call after the store is closed).
    pub async fn release(self) {
        match self {
            StoreOwner::Sqlite(lock) => drop(lock),
            StoreOwner::Postgres(lock) => lock.release().await,
        }
    }
}

impl Backend {
    /// Takes the account's trading lock, or says who holds it.
    pub(crate) async fn take_ownership(
        &self,
        store: &dyn Store,
    ) -> Result<StoreOwner, RuntimeError> {
        let (taken, shown) = match self {
            Backend::Sqlite(s) => (
                s.lock_owner()?.map(StoreOwner::Sqlite),
                s.path().display().to_string(),
            ),
            Backend::Postgres(p) => (
                p.lock_account().await?.map(StoreOwner::Postgres),
                p.url().to_string(),
            ),
        };
        match taken {
            Some(owner) => Ok(owner),
            None => Err(RuntimeError::StoreInUse {
                store: shown,
                holder: holder(store).await,
            }),
        }
    }
}

/// The trading runtime as its last heartbeat describes it.
async fn holder(store: &dyn Store) -> String {
    match store.last_heartbeat(gather::INSTANCE).await {
        Ok(Some(beat)) => {
            let d = &beat.detail;
            format!(
                "pid {}, run {}, last heartbeat {}",
                d["pid"],
                d["run_id"].as_str().unwrap_or("?"),
                beat.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )
        }
        _ => "a runtime that has written no heartbeat yet".to_string(),
    }
}
