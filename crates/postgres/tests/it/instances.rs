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
