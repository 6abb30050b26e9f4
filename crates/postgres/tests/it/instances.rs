//! Several runtime instances (separate pools) appending to one database.

use std::sync::Arc;

use domain::ports::Store;
use postgres::PostgresStore;
use store_conformance::fixtures::nth_batch;

use crate::support::{harness, options, unique_schema};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_appending_at_once_keep_one_valid_chain() {
    let Some(h) = harness().await else { return };
    let schema = unique_schema("two");
    let a = Arc::new(
        PostgresStore::connect_with(&h.url, options(&schema))
            .await
            .expect("a"),
    );
    let b = Arc::new(
        PostgresStore::connect_with(&h.url, options(&schema))
            .await
            .expect("b"),
    );
    let run = |store: Arc<PostgresStore>, prefix: &'static str| {
        tokio::spawn(async move {
            let mut stored = 0;
            for n in 1..=30 {
                // Both instances also see the same market events: stored once.
                if store
                    .append(&nth_batch("shared", n))
                    .await
                    .expect("append shared")
                {
                    stored += 1;
                }
                assert!(
                    store
                        .append(&nth_batch(prefix, n))
                        .await
                        .expect("append own")
                );
            }
            stored
        })
    };
    let (sa, sb) = (run(Arc::clone(&a), "a"), run(Arc::clone(&b), "b"));
    let shared = sa.await.expect("a") + sb.await.expect("b");
    assert_eq!(shared, 30, "each shared event stored exactly once");
    let v = a.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    let per_prefix: u64 = (1..=30)
        .map(|n| nth_batch("x", n).events.len() as u64)
        .sum();
    assert_eq!(v.checked, per_prefix * 3);
    b.close().await;
    drop(b);
    let Ok(a) = Arc::try_unwrap(a) else {
        panic!("one owner")
    };
    a.drop_schema().await.expect("cleanup");
}

/// Issue 22, finding 3: one trading runtime per account. The account's lock is taken once
/// per schema, other schemas are other accounts, a lost connection is noticed by `check`,
/// and the lock is free again when its holder releases it or its connection ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_lock_is_held_once_per_schema_and_lost_with_its_connection() {
    let Some(h) = harness().await else { return };
    let schema = unique_schema("lock");
    let a = PostgresStore::connect_with(&h.url, options(&schema))
        .await
        .expect("a");
    let b = PostgresStore::connect_with(&h.url, options(&schema))
        .await
        .expect("b");
    let other = PostgresStore::connect_with(&h.url, options(&unique_schema("lock_other")))
        .await
        .expect("other");

    let held = a
        .lock_account()
        .await
        .expect("lock")
        .expect("free at first");
    assert_eq!(held.check().await, Ok(()));
    assert!(
        b.lock_account().await.expect("lock").is_none(),
        "one holder per account"
    );
    let elsewhere = other.lock_account().await.expect("lock");
    assert!(elsewhere.is_some(), "another schema is another account");
    held.release().await;
    let taken = b.lock_account().await.expect("lock").expect("released");

    // The holder's connection ends (a crashed host, a restarted server): the lock goes
    // with it, and its holder finds out at the next check.
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_locks \
         WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND ((classid::bigint << 32) | objid::bigint) = \
             hashtextextended('rampart account lock ' || current_database() || '.' || current_schema(), 0)",
    )
    .execute(a.pool())
    .await
    .expect("terminate the holder's connection");
    let mut lost = false;
    for _ in 0..50 {
        if taken.check().await.is_err() {
            lost = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(lost, "a lost lock is reported");
    assert!(
        a.lock_account().await.expect("lock").is_some(),
        "free again"
    );

    if let Some(lock) = elsewhere {
        lock.release().await;
    }
    for store in [a, b, other] {
        let _ = store.drop_schema().await;
    }
}
