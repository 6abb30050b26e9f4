//! Issue 22: the files under an open store. One trading runtime per database file, and a
//! write-ahead log deleted under a running store is noticed and saved, never lost silently.

use domain::ports::{Store, StoreError};
use sqlite::SqliteStore;
use store_conformance::fixtures::{batch, nth_batch, signal_event};

async fn fresh(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(dir.path().join("rampart.db"))
        .await
        .expect("a new database opens")
}

#[tokio::test]
async fn the_owner_lock_is_held_once_per_database_file_and_released_on_drop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = fresh(&dir).await;
    let second = SqliteStore::open(first.path())
        .await
        .expect("a reader opens");
    let lock = first.lock_owner().expect("lock").expect("free at first");
    assert_eq!(lock.path(), first.path());
    assert!(
        second.lock_owner().expect("lock").is_none(),
        "a second owner of the same file is refused"
    );
    // Readers and writers are not blocked by the owner lock.
    second
        .append(&nth_batch("reader", 1))
        .await
        .expect("another connection still writes");
    first.close().await;
    drop(lock);
    assert!(second.lock_owner().expect("lock").is_some(), "released");
    second.close().await;
}

#[tokio::test]
async fn a_deleted_write_ahead_log_is_reported_after_its_commits_were_checkpointed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    store.append(&nth_batch("a", 1)).await.expect("append");
    assert_eq!(store.check_storage().await, Ok(()));
    let wal = dir.path().join("rampart.db-wal");
    assert!(wal.exists(), "WAL mode keeps a log beside the database");
    std::fs::remove_file(&wal).expect("delete the log");
    // Commits after the unlink go to the orphaned log.
    store
        .append(&batch(
            "after-unlink",
            600,
            vec![signal_event("ETH-USD", 600)],
            serde_json::json!({"n": 2}),
        ))
        .await
        .expect("append after unlink");
    let err = store.check_storage().await.expect_err("the log vanished");
    let StoreError::Unavailable(message) = &err else {
        panic!("{err:?}");
    };
    assert!(message.contains("write-ahead log"), "{message}");
    assert!(message.contains("checkpointed"), "{message}");
    // Simulate the crash that follows: the process never closes the store.
    std::mem::forget(store);

    let reopened = SqliteStore::open(dir.path().join("rampart.db"))
        .await
        .expect("reopens");
    assert_eq!(
        reopened.latest_state().await,
        Ok(Some(serde_json::json!({"n": 2}))),
        "what was committed after the unlink survived in the database file"
    );
    assert!(reopened.verify_audit().await.expect("verify").is_intact());
    reopened.close().await;
}

#[tokio::test]
async fn a_clean_store_passes_the_integrity_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    for n in 1..=50 {
        store.append(&nth_batch("q", n)).await.expect("append");
    }
    assert_eq!(store.check_integrity().await, Ok(()));
    store.close().await;
}
