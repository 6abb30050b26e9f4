//! Two writers on one file (as two processes would be: separate connections, each with
//! its own view of the chain head) keep one gapless, valid chain.

use std::sync::Arc;

use domain::ports::Store;
use sqlite::SqliteStore;
use store_conformance::fixtures::nth_batch;

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
