//! Opening: a new file is created and configured; anything that is not ours is refused
//! and left byte for byte as it was.

use std::path::Path;

use domain::ports::{Store, StoreError};
use sqlite::{Durability, SqliteOptions, SqliteStore};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// The file and its WAL (if any), to compare before and after: a refusal writes neither.
/// (Reading a WAL-mode database may leave an empty `-wal` and a `-shm` index behind; an
/// empty WAL holds nothing.)
fn bytes(path: &Path) -> Vec<u8> {
    let mut out = std::fs::read(path).expect("file readable");
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(w) = std::fs::read(&wal)
        && !w.is_empty()
    {
        out.extend(b"--wal--");
        out.extend(w);
    }
    out
}

/// Compares contents without printing megabytes on failure.
macro_rules! assert_unchanged {
    ($after:expr, $before:expr) => {
        assert!(
            $after == $before,
            "the file was modified ({} bytes before, {} after)",
            $before.len(),
            $after.len()
        )
    };
}

async fn refused(path: &Path) -> StoreError {
    match SqliteStore::open(path).await {
        Ok(_) => panic!("{} must be refused", path.display()),
        Err(e) => e,
    }
}

async fn foreign_db(path: &Path, sql: &[&str]) {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .connect()
        .await
        .expect("create foreign db");
    for statement in sql {
        sqlx::query(statement)
            .execute(&mut conn)
            .await
            .expect("foreign sql");
    }
    conn.close().await.expect("close");
}

#[tokio::test]
async fn creates_a_missing_file_and_its_directory_in_wal_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested").join("data").join("rampart.db");
    let store = SqliteStore::open(&path).await.expect("opens");
    assert!(path.is_file());
    let pool = store.pool();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .expect("pragma");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(pool)
        .await
        .expect("pragma");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .expect("pragma");
    let app: i64 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(pool)
        .await
        .expect("pragma");
    assert_eq!(
        (mode.as_str(), sync, fk, app),
        ("wal", 2, 1, sqlite::open::APPLICATION_ID)
    );
    store.close().await;

    let relaxed = SqliteStore::open_with(
        &path,
        SqliteOptions {
            durability: Durability::Normal,
            ..SqliteOptions::default()
        },
    )
    .await
    .expect("reopens");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(relaxed.pool())
        .await
        .expect("pragma");
    assert_eq!(sync, 1);
}

#[tokio::test]
async fn an_empty_file_is_initialised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").expect("write");
    let store = SqliteStore::open(&path)
        .await
        .expect("an empty file is a new database");
    assert_eq!(store.latest_state().await, Ok(None));
}

#[tokio::test]
async fn refuses_a_file_that_is_not_sqlite_and_leaves_it_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(200)).expect("write");
    let before = bytes(&path);
    let e = refused(&path).await;
    assert!(
        matches!(&e, StoreError::Foreign(m) if m.contains("notes.db") && m.contains("not a SQLite database")),
        "{e}"
    );
    assert_unchanged!(bytes(&path), before);
    assert!(!dir.path().join("notes.db-wal").exists());
}

/// sqlx's bookkeeping table, as `sqlx::migrate!` creates it before the first migration.
const SQLX_MIGRATIONS_TABLE: &str = "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, \
     description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
     success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)";

/// Issue 22 (the full crash scan): a first start killed during the first migration leaves
/// sqlx's bookkeeping table, empty, and nothing else. That file is ours to initialise.
#[tokio::test]
async fn a_first_open_killed_before_the_first_migration_committed_is_initialised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rampart.db");
    foreign_db(&path, &[SQLX_MIGRATIONS_TABLE]).await;
    let store = SqliteStore::open(&path)
        .await
        .expect("a half-created Rampart database opens");
    assert_eq!(store.latest_state().await, Ok(None));
    store.close().await;
    // A migrations table with someone else's rows stays refused.
    let other = dir.path().join("other.db");
    foreign_db(
        &other,
        &[
            SQLX_MIGRATIONS_TABLE,
            "INSERT INTO _sqlx_migrations VALUES (1, 'theirs', CURRENT_TIMESTAMP, 1, x'00', 1)",
        ],
    )
    .await;
    assert!(matches!(refused(&other).await, StoreError::Foreign(_)));
}

#[tokio::test]
async fn refuses_a_sqlite_database_of_another_application() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("shop.db");
    foreign_db(
        &path,
        &[
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)",
            "INSERT INTO customers (name) VALUES ('ana')",
        ],
    )
    .await;
    let before = bytes(&path);
    let e = refused(&path).await;
    assert!(
        matches!(&e, StoreError::Foreign(m) if m.contains("customers")),
        "{e}"
    );
    assert_unchanged!(bytes(&path), before);
}

#[tokio::test]
async fn refuses_a_database_with_another_application_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("other.db");
    foreign_db(&path, &["PRAGMA application_id = 42"]).await;
    let before = bytes(&path);
    let e = refused(&path).await;
    assert!(
        matches!(&e, StoreError::Foreign(m) if m.contains("0x2a")),
        "{e}"
    );
    assert_unchanged!(bytes(&path), before);
}

#[tokio::test]
async fn refuses_a_corrupt_database_and_leaves_it_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("corrupt.db");
    let mut data = b"SQLite format 3\0".to_vec();
    data.extend((0..8192u32).map(|i| u8::try_from(i * 7 % 251).unwrap_or(0)));
    std::fs::write(&path, &data).expect("write");
    let e = refused(&path).await;
    assert!(
        matches!(&e, StoreError::Corrupt(m) | StoreError::Foreign(m) if m.contains("corrupt.db")),
        "{e}"
    );
    assert_unchanged!(bytes(&path), data);
}

#[tokio::test]
async fn refuses_a_database_migrated_by_a_newer_rampart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rampart.db");
    let store = SqliteStore::open(&path).await.expect("opens");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from the future', 1, X'00', 0)",
    )
    .execute(store.pool())
    .await
    .expect("insert");
    store.close().await;
    drop(store);
    let before = bytes(&path);
    let e = refused(&path).await;
    assert!(
        matches!(&e, StoreError::Foreign(m) if m.contains("99990101000000")),
        "{e}"
    );
    assert_unchanged!(bytes(&path), before);
}

#[tokio::test]
async fn refuses_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(matches!(refused(dir.path()).await, StoreError::Foreign(_)));
}

#[tokio::test]
async fn the_audit_trail_refuses_updates_and_deletes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("r.db"))
        .await
        .expect("opens");
    store
        .append(&store_conformance::fixtures::nth_batch("x", 1))
        .await
        .expect("append");
    for sql in [
        "UPDATE audit_events SET event = '{}' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 1",
    ] {
        let e = sqlx::query(sql)
            .execute(store.pool())
            .await
            .expect_err("append-only");
        assert!(e.to_string().contains("append-only"), "{e}");
    }
}
