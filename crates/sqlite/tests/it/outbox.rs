//! Schema version 4: the `AlertOutbox` port on SQLite (the shared outbox conformance suite),
//! outbox writes interleaved with appends on the single writer, and upgrading a version-3 file.

use std::sync::Arc;

use domain::ports::{AlertOutbox, DeliveryStatus, Store};
use sqlite::SqliteStore;
use store_conformance::fixtures::{at, nth_batch};
use store_conformance::outbox::{ignored, message};

use crate::support::SqliteHarness;

const V4: i64 = 20250101000004;

mod conformance {
    use crate::support::SqliteHarness;

    store_conformance::outbox_conformance_tests!(async { Some(SqliteHarness::default()) });
}

async fn versions(store: &SqliteStore) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(store.pool())
        .await
        .expect("migrations table")
}

#[tokio::test]
async fn a_new_database_has_version_4() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("rampart.db"))
        .await
        .expect("opens");
    // The full list of versions is pinned in shadow.rs (the latest migration).
    assert!(versions(&store).await.contains(&V4));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_writes_and_appends_share_the_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(
        SqliteStore::open(dir.path().join("rampart.db"))
            .await
            .expect("opens"),
    );
    let appender = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            for n in 1..=30 {
                assert_eq!(store.append(&nth_batch("a", n)).await, Ok(true));
            }
        })
    };
    let notifier = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            for n in 0..30 {
                let id = store
                    .enqueue(&message(&format!("m{n}"), n))
                    .await
                    .expect("enqueue");
                store.mark_sent(id, at(n), n).await.expect("sent");
                store.put_offset("telegram", n).await.expect("offset");
                store.record_ignored(&ignored(n, n)).await.expect("record");
            }
        })
    };
    appender.await.expect("appender");
    notifier.await.expect("notifier");
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    let counts = store.delivery_counts().await.expect("counts");
    assert_eq!((counts.pending, counts.sent, counts.failed), (0, 30, 0));
    assert_eq!(store.get_offset("telegram").await, Ok(Some(29)));
    assert_eq!(
        store.ignored_commands(100).await.expect("ignored").len(),
        30
    );
}

#[tokio::test]
async fn a_version_3_database_is_upgraded_in_place() {
    let h = SqliteHarness::default();
    let store = store_conformance::Harness::fresh(&h).await;
    for n in 1..=3 {
        store.append(&nth_batch("v3", n)).await.expect("append");
    }
    // Back to what version 3 left: no tables of versions 4 and 5, no record of them.
    for sql in [
        "DROP VIEW shadow_resolutions",
        "DROP TABLE shadow_decisions",
        "DROP TABLE weekly_reports",
        "DROP TABLE signoffs",
        "DELETE FROM _sqlx_migrations WHERE version = 20250101000005",
        "DROP TABLE outbox_entries",
        "DROP TABLE command_offsets",
        "DROP TABLE ignored_commands",
        "DELETE FROM _sqlx_migrations WHERE version = 20250101000004",
    ] {
        sqlx::query(sql)
            .execute(store.pool())
            .await
            .expect("downgrade");
    }
    let store = store_conformance::Harness::reopen(&h, store)
        .await
        .expect("a version-3 file opens");
    assert!(versions(&store).await.contains(&V4));
    assert_eq!(versions(&store).await.last(), Some(&20250101000006));
    let id = store.enqueue(&message("hello", 1)).await.expect("enqueue");
    assert_eq!(
        store
            .outbox_entry(id)
            .await
            .expect("read")
            .map(|e| e.status),
        Some(DeliveryStatus::Pending)
    );
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    store.close().await;
}

/// The stored row of a message holds NUL and keeps the text as given.
#[tokio::test]
async fn text_round_trips_byte_for_byte() {
    let h = SqliteHarness::default();
    let store = store_conformance::Harness::fresh(&h).await;
    let text = "a\0b <b>&amp;</b> 🚨\n";
    let id = store.enqueue(&message(text, 1)).await.expect("enqueue");
    let entry = store.outbox_entry(id).await.expect("read").expect("stored");
    assert_eq!(entry.message.text, text);
    store.close().await;
}
