//! Durability: a runtime killed with SIGKILL mid-run leaves nothing half-written,
//! and a restart resumes from the stored state without sending an order twice.

use std::collections::HashSet;
use std::time::Duration;

use crate::support::*;

fn audit(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let out = dir.join("audit.jsonl");
    let export = run(dir, &["audit", "export", "--out", out.to_str().unwrap()]);
    assert!(export.status.success(), "{}", stderr(&export));
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn kill_9_mid_run_then_restart_resumes_without_duplicate_orders() {
    let dir = tempfile::tempdir().unwrap();
    // Paced so that it is surely mid-run when killed.
    let mut child = runtime(dir.path(), &["--speed", "30000"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let heartbeat = dir.path().join("heartbeat.json");
    let mut events = 0;
    for _ in 0..300 {
        if let Ok(text) = std::fs::read_to_string(&heartbeat)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        {
            events = v["events"].as_u64().unwrap_or(0);
            if events > 2_000 {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(events > 2_000, "the runtime made progress before the kill");
    let s = std::process::Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(s.success());
    let _ = child.wait();

    // Nothing half-written: the chain verifies after the crash.
    let verify = run(dir.path(), &["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}{}",
        stdout(&verify),
        stderr(&verify)
    );
    let before = audit(dir.path());

    // The lock died with the process: a restart is allowed and resumes.
    let resumed = run(dir.path(), &[]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let text = stdout(&resumed);
    assert!(text.contains("resumed from stored state"), "{text}");

    let after = audit(dir.path());
    assert!(after.len() >= before.len());
    // What was stored before the crash is untouched (same seqs, same hashes).
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a, b);
    }
    // No order was sent twice: every submitted client order id is unique.
    let mut ids = HashSet::new();
    for rec in &after {
        if rec["event"]["type"] == "order_submitted" {
            let id = rec["event"]["order"]["client_order_id"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(ids.insert(id.clone()), "order {id} submitted twice");
        }
    }
    assert!(!ids.is_empty(), "the replay traded");
    let verify = run(dir.path(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
}
