//! Schema version 4: the `AlertOutbox` port on PostgreSQL (the shared outbox conformance
//! suite, each test in its own schema), and upgrading a version-3 schema in place.

use domain::ports::{AlertOutbox, DeliveryStatus, Store};
use postgres::PostgresStore;
use store_conformance::Harness;
use store_conformance::fixtures::nth_batch;
use store_conformance::outbox::message;

use crate::support::{harness, options, unique_schema};

const V4: i64 = 20250101000004;

mod conformance {
    use crate::support::harness;

    store_conformance::outbox_conformance_tests!(harness());
}

async fn versions(store: &PostgresStore) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(store.pool())
        .await
        .expect("migrations table")
}

#[tokio::test]
async fn a_new_schema_has_version_4() {
    let Some(h) = harness().await else { return };
    let store = PostgresStore::connect_with(&h.url, options(&unique_schema("v4")))
        .await
        .expect("opens");
    // The full list of versions is pinned in shadow.rs (the latest migration).
    assert!(versions(&store).await.contains(&V4));
    store.drop_schema().await.expect("cleanup");
}

#[tokio::test]
async fn a_version_3_schema_is_upgraded_in_place() {
    let Some(h) = harness().await else { return };
    let store = h.fresh().await;
    for n in 1..=3 {
        store.append(&nth_batch("v3", n)).await.expect("append");
    }
    // Back to what version 3 left: no tables of versions 4 and 5, no record of them.
    for sql in [
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
    let store = h.reopen(store).await.expect("a version-3 schema opens");
    assert!(versions(&store).await.contains(&V4));
    assert_eq!(versions(&store).await.last(), Some(&20250101000005));
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
    h.dispose(store).await;
}

/// TEXT cannot hold NUL: it is stored as U+FFFD, everything else as given; a channel name
/// with NUL finds its offset again.
#[tokio::test]
async fn nul_in_text_is_replaced() {
    let Some(h) = harness().await else { return };
    let store = h.fresh().await;
    let id = store
        .enqueue(&message("a\0b <b>&amp;</b> 🚨\n", 1))
        .await
        .expect("enqueue");
    let entry = store.outbox_entry(id).await.expect("read").expect("stored");
    assert_eq!(entry.message.text, "a\u{fffd}b <b>&amp;</b> 🚨\n");
    store
        .mark_failed(
            id,
            store_conformance::fixtures::at(2),
            "bad\0byte",
            1,
            false,
        )
        .await
        .expect("failed");
    store.put_offset("tele\0gram", 5).await.expect("put");
    assert_eq!(store.get_offset("tele\0gram").await, Ok(Some(5)));
    h.dispose(store).await;
}
