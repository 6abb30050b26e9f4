//! Opening the database file: refuse what is not ours, then configure and migrate.
//!
//! Order of events in [`SqliteStore::open`](crate::SqliteStore::open):
//! 1. Probe the path without writing: a missing or empty file is new; a file that is not
//!    SQLite, a SQLite file of another application, or one that cannot be read is refused
//!    with [`StoreError::Foreign`] or [`StoreError::Corrupt`] and left untouched.
//! 2. Open the pool: WAL journal, `synchronous` from [`Durability`], foreign keys on,
//!    busy timeout, and create the file (and its parent directory) if missing.
//! 3. Apply `migrations/sqlite`. A database migrated by a newer Rampart (a migration we
//!    do not know, or one whose text changed) is refused before anything is applied.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use domain::ports::StoreError;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, Row};

/// The schema, embedded at compile time.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");

/// `PRAGMA application_id` of Rampart databases: `RMPT` in ASCII.
pub const APPLICATION_ID: i64 = 0x524D_5054;

/// What `synchronous` is set to, i.e. what survives a power loss.
///
/// Both levels survive `kill -9` of the process intact and consistent (the WAL is in the
/// OS page cache); they differ on a power loss or OS crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: every commit is fsynced before `append`/`put_order` return, so
    /// a write-ahead order that was acknowledged survives a power cut. The default: an
    /// order sent to a venue but lost from the store cannot be reconciled.
    #[default]
    Full,
    /// `synchronous=NORMAL`: fsync at checkpoints only; a power cut may lose the last
    /// commits (never corrupt the file). For replays and backtests that can be rerun.
    Normal,
}

/// How to open the database.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Commit durability.
    pub durability: Durability,
    /// How long a statement waits for another process holding the write lock.
    pub busy_timeout: Duration,
    /// Pooled connections (readers; writes are serialised on one at a time).
    pub max_connections: u32,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            durability: Durability::Full,
            busy_timeout: Duration::from_secs(5),
            max_connections: 4,
        }
    }
}

/// What the probe found at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// No file, an empty file, or an empty SQLite database: ours to initialise.
    New,
    /// A Rampart database (application id set by our first migration).
    Ours,
}

/// Opens (creating if needed) and migrates the database at `path`.
pub(crate) async fn open_pool(
    path: &Path,
    options: &SqliteOptions,
) -> Result<(SqlitePool, SqliteConnection), StoreError> {
    let shown = path.display().to_string();
    probe(path).await?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create directory {}: {e}", dir.display()))
        })?;
    }
    let connect = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(match options.durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        })
        .foreign_keys(true)
        .busy_timeout(options.busy_timeout);
    let pool = SqlitePoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .min_connections(1)
        // A local file: no need to ping a connection before each checkout.
        .test_before_acquire(false)
        .connect_with(connect)
        .await
        .map_err(|e| {
            StoreError::Unavailable(format!("cannot open SQLite database {shown}: {e}"))
        })?;
    if let Err(e) = MIGRATOR.run(&pool).await {
        pool.close().await;
        return Err(migrate_error(&shown, e));
    }
    let writer = match pool.acquire().await {
        Ok(conn) => conn.detach(),
        Err(e) => {
            pool.close().await;
            return Err(StoreError::Unavailable(format!(
                "cannot open SQLite database {shown}: {e}"
            )));
        }
    };
    Ok((pool, writer))
}

fn migrate_error(shown: &str, e: MigrateError) -> StoreError {
    match e {
        MigrateError::VersionMissing(v) => StoreError::Foreign(format!(
            "{shown}: migration {v} was applied by a newer or different program and is unknown to this Rampart; refusing to use it"
        )),
        MigrateError::VersionMismatch(v) => StoreError::Foreign(format!(
            "{shown}: migration {v} differs from the one this Rampart ships; refusing to use it"
        )),
        MigrateError::Dirty(v) => StoreError::Corrupt(format!(
            "{shown}: migration {v} was left half-applied; restore a backup"
        )),
        other => StoreError::Backend(format!("{shown}: applying migrations failed: {other}")),
    }
}

/// Looks at `path` without writing to it.
async fn probe(path: &Path) -> Result<Found, StoreError> {
    let shown = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::New),
        Err(e) => return Err(StoreError::Unavailable(format!("cannot read {shown}: {e}"))),
    };
    if !meta.is_file() {
        return Err(StoreError::Foreign(format!(
            "{shown} is not a regular file"
        )));
    }
    if meta.len() == 0 {
        return Ok(Found::New);
    }
    let mut header = [0u8; 16];
    let read = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut header))
        .map_err(|e| StoreError::Unavailable(format!("cannot read {shown}: {e}")))?;
    if read < header.len() || &header != b"SQLite format 3\0" {
        return Err(StoreError::Foreign(format!(
            "{shown} is not a SQLite database (wrong header); refusing to touch it"
        )));
    }
    // Read-only: no journal-mode change, no checkpoint, nothing written.
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| StoreError::Corrupt(format!("cannot read SQLite database {shown}: {e}")))?;
    let inspected = inspect(&mut conn).await;
    let _ = conn.close().await;
    let (app_id, tables, applied) = inspected
        .map_err(|e| StoreError::Corrupt(format!("cannot read SQLite database {shown}: {e}")))?;
    if app_id == APPLICATION_ID {
        check_applied(&shown.to_string(), &applied)?;
        Ok(Found::Ours)
    } else if app_id != 0 {
        Err(StoreError::Foreign(format!(
            "{shown} belongs to another application (application_id {app_id:#x}); refusing to touch it"
        )))
    } else if tables.is_empty() || (tables == ["_sqlx_migrations"] && applied.is_empty()) {
        // The second case is a first open killed before migration 1 committed: sqlx creates
        // its bookkeeping table outside the migration's transaction. Nothing else is there,
        // so it is ours to initialise (refusing it would lock the operator out for good).
        Ok(Found::New)
    } else {
        let mut listed = tables
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if tables.len() > 5 {
            listed.push_str(", ...");
        }
        Err(StoreError::Foreign(format!(
            "{shown} is a SQLite database of another application (tables: {listed}); refusing to touch it"
        )))
    }
}

/// A migration recorded in the database: version, checksum, success.
type Applied = (i64, Vec<u8>, bool);

/// Refuses, before anything is opened for writing, a database with a migration this
/// build does not ship (a newer Rampart), a changed one, or a half-applied one.
fn check_applied(shown: &str, applied: &[Applied]) -> Result<(), StoreError> {
    for (version, checksum, success) in applied {
        if !success {
            return Err(migrate_error(shown, MigrateError::Dirty(*version)));
        }
        match MIGRATOR.iter().find(|m| m.version == *version) {
            None => return Err(migrate_error(shown, MigrateError::VersionMissing(*version))),
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                return Err(migrate_error(
                    shown,
                    MigrateError::VersionMismatch(*version),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

async fn inspect(
    conn: &mut sqlx::SqliteConnection,
) -> Result<(i64, Vec<String>, Vec<Applied>), sqlx::Error> {
    let app_id: i64 = sqlx::query("PRAGMA application_id")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let tables = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| row.try_get::<String, _>(0))
    .collect::<Result<Vec<_>, _>>()?;
    let applied = if tables.iter().any(|t| t == "_sqlx_migrations") {
        sqlx::query("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
            .collect::<Result<Vec<Applied>, sqlx::Error>>()?
    } else {
        Vec::new()
    };
    Ok((app_id, tables, applied))
}

/// Parses the `--database-url` forms `sqlite://PATH`, `sqlite:PATH` or a plain path.
pub fn path_from_url(url: &str) -> PathBuf {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let rest = rest.split('?').next().unwrap_or(rest);
    PathBuf::from_str(rest).unwrap_or_else(|_| PathBuf::from(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_give_the_file() {
        assert_eq!(
            path_from_url("sqlite://data/rampart.db"),
            PathBuf::from("data/rampart.db")
        );
        assert_eq!(
            path_from_url("sqlite:/tmp/x.db?mode=rwc"),
            PathBuf::from("/tmp/x.db")
        );
        assert_eq!(
            path_from_url("data/rampart.db"),
            PathBuf::from("data/rampart.db")
        );
    }
}
