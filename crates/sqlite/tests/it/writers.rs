//! Two writers on one file (as two processes would be: separate connections, each with
//! its own view of the chain head) keep one gapless, valid chain, and a second process
//! (the CLI) can queue operator requests while the runtime writes.

use std::sync::Arc;
use std::time::Duration;

use domain::ports::{Store, StoreError};
use sqlite::{SqliteOptions, SqliteStore};
use sqlx::{Connection, SqliteConnection};
use store_conformance::fixtures::{at, command, nth_batch, operator};

#[tokio::test]
async fn interleaved_writers_relink_to_the_stored_head() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rampart.db");
    let a = SqliteStore::open(&path).await.expect("a");
    let b = SqliteStore::open(&path).await.expect("b");
    for n in 1..=10 {
        // Each append follows one by the other writer: every cached head is stale.
        assert_eq!(a.append(&nth_batch("a", n)).await, Ok(true));
        assert_eq!(b.append(&nth_batch("b", n)).await, Ok(true));
        // The same market event seen by both: stored once.
        let shared = nth_batch("shared", n);
        let stored = [a.append(&shared).await, b.append(&shared).await];
        assert_eq!(stored, [Ok(true), Ok(false)]);
    }
    let v = b.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    let per_prefix: u64 = (1..=10)
        .map(|n| nth_batch("x", n).events.len() as u64)
        .sum();
    assert_eq!(v.checked, per_prefix * 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_on_one_file_keep_one_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rampart.db");
    let a = Arc::new(SqliteStore::open(&path).await.expect("a"));
    let b = Arc::new(SqliteStore::open(&path).await.expect("b"));
    let run = |store: Arc<SqliteStore>, prefix: &'static str| {
        tokio::spawn(async move {
            for n in 1..=40 {
                assert_eq!(store.append(&nth_batch(prefix, n)).await, Ok(true));
            }
        })
    };
    let (ta, tb) = (run(Arc::clone(&a), "a"), run(Arc::clone(&b), "b"));
    ta.await.expect("a");
    tb.await.expect("b");
    let v = a.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    let per_prefix: u64 = (1..=40)
        .map(|n| nth_batch("x", n).events.len() as u64)
        .sum();
    assert_eq!(v.checked, per_prefix * 2);
}

#[tokio::test]
async fn the_database_refuses_a_record_that_does_not_link_to_the_head() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("r.db"))
        .await
        .expect("opens");
    store.append(&nth_batch("x", 1)).await.expect("append");
    let e = sqlx::query(
        "INSERT INTO audit_events (seq, batch_id, event_id, at, event_type, event, prev_hash, hash) \
         VALUES (99, 1, 'x', 'x', 'x', '{}', ?, ?)",
    )
    .bind("0".repeat(64))
    .bind("1".repeat(64))
    .execute(store.pool())
    .await
    .expect_err("a forked record");
    assert!(e.to_string().contains("does not link"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_queued_by_another_process_while_the_runtime_appends_are_all_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rampart.db");
    let runtime = Arc::new(SqliteStore::open(&path).await.expect("runtime"));
    let cli = Arc::new(SqliteStore::open(&path).await.expect("cli"));
    let appending = {
        let runtime = Arc::clone(&runtime);
        tokio::spawn(async move {
            for n in 1..=60 {
                assert_eq!(runtime.append(&nth_batch("rt", n)).await, Ok(true));
            }
        })
    };
    let mut ids = Vec::new();
    for n in 1..=30 {
        let id = cli
            .enqueue_request(&command(n), &operator("ana"), at(60))
            .await
            .expect("enqueue waits for the runtime's write lock instead of failing");
        ids.push(id);
    }
    appending.await.expect("appending task");
    assert_eq!(ids, (1..=30).collect::<Vec<u64>>());
    let pending = runtime.pending_requests().await.expect("pending");
    assert_eq!(pending.len(), 30, "the runtime sees every queued request");
}

/// Holds SQLite's write lock from a separate connection (another process) for `hold`.
async fn hold_write_lock(path: &std::path::Path, hold: Duration) -> tokio::task::JoinHandle<()> {
    let url = format!("sqlite://{}", path.display());
    let mut conn = SqliteConnection::connect(&url)
        .await
        .expect("raw connection");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut conn)
        .await
        .expect("take the write lock");
    tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        sqlx::query("COMMIT")
            .execute(&mut conn)
            .await
            .expect("release the write lock");
        let _ = conn.close().await;
    })
}

#[tokio::test]
async fn a_write_waits_for_another_process_holding_the_lock_up_to_the_busy_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rampart.db");
    let store = SqliteStore::open(&path).await.expect("open");
    assert_eq!(
        SqliteOptions::default().busy_timeout,
        Duration::from_secs(5)
    );

    // Held shorter than the default busy timeout: the enqueue waits, then succeeds.
    let holder = hold_write_lock(&path, Duration::from_millis(300)).await;
    let id = store
        .enqueue_request(&command(1), &operator("ana"), at(60))
        .await
        .expect("waits for the lock");
    assert_eq!(id, 1);
    holder.await.expect("holder");

    // Without a busy timeout the same write fails at once: the option is what makes it wait.
    let impatient = SqliteStore::open_with(
        &path,
        SqliteOptions {
            busy_timeout: Duration::ZERO,
            ..SqliteOptions::default()
        },
    )
    .await
    .expect("open");
    let holder = hold_write_lock(&path, Duration::from_millis(300)).await;
    let refused = impatient
        .enqueue_request(&command(2), &operator("ana"), at(60))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Backend(ref m)) if m.contains("locked")),
        "{refused:?}"
    );
    holder.await.expect("holder");
    assert_eq!(
        store.pending_requests().await.map(|p| p.len()),
        Ok(1),
        "the refused request wrote nothing"
    );
}
