//! `kill -9` in the middle of appends: after reopening, nothing is half-written, the
//! chain verifies, and the stored state is the state of the last stored batch.
//!
//! The writer is this test binary itself, re-run as a child process with
//! `RAMPART_CRASH_DB` set (it then appends until killed).

use std::process::{Command, Stdio};
use std::time::Duration;

use domain::ports::Store;
use sqlite::SqliteStore;
use store_conformance::fixtures::nth_batch;

const CHILD_ENV: &str = "RAMPART_CRASH_DB";

/// In a normal run this returns at once; as the child it appends until killed.
#[tokio::test]
async fn child_writer_until_killed() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store = SqliteStore::open(&path).await.expect("child opens");
    let start = store
        .latest_state()
        .await
        .expect("state")
        .and_then(|s| s["n"].as_u64())
        .unwrap_or(0);
    for n in start + 1.. {
        store.append(&nth_batch("crash", n)).await.expect("append");
    }
}

#[tokio::test]
async fn kill_9_mid_append_leaves_a_consistent_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rampart.db");
    let exe = std::env::current_exe().expect("test binary");
    let mut last_n = 0;
    for (round, run_for) in [150u64, 400, 275].into_iter().enumerate() {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash::child_writer_until_killed",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("child starts");
        tokio::time::sleep(Duration::from_millis(run_for)).await;
        child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
        child.wait().expect("reaped");

        let store = SqliteStore::open(&path)
            .await
            .expect("reopens after kill -9");
        let v = store.verify_audit().await.expect("verify");
        assert!(v.is_intact(), "round {round}: {v:?}");
        let n = store
            .latest_state()
            .await
            .expect("state")
            .and_then(|s| s["n"].as_u64())
            .unwrap_or(0);
        assert!(
            n >= last_n,
            "round {round}: state went back from {last_n} to {n}"
        );
        if n > 0 {
            // The state and the trail end at the same batch: nothing half-written.
            let tail = store.audit_tail().await.expect("tail").expect("records");
            assert_eq!(
                tail.event_id,
                nth_batch("crash", n).event_id,
                "round {round}"
            );
            let expected: usize = (1..=n).map(|i| nth_batch("crash", i).events.len()).sum();
            assert_eq!(v.checked, expected as u64, "round {round}");
        }
        last_n = n;
        store.close().await;
    }
    assert!(last_n > 0, "the child never wrote anything");
}
