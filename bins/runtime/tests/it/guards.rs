//! Issue 22's start-up and heartbeat guards, each through the real binary: one trading
//! runtime per database, replay files checked before anything trades, a vanished
//! write-ahead log stops trading with nothing lost, fail-closed kill-switch values, bounded
//! operator text and flags.

use std::path::Path;
use std::time::Duration;

use crate::support::*;

/// Waits until the runtime in `dir` has written a heartbeat with at least `events` events.
fn wait_for_events(dir: &Path, events: u64) -> u64 {
    let heartbeat = dir.join("heartbeat.json");
    let mut seen = 0;
    for _ in 0..300 {
        if let Ok(text) = std::fs::read_to_string(&heartbeat)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        {
            seen = v["events"].as_u64().unwrap_or(0);
            if seen >= events {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    seen
}

fn stop(child: std::process::Child) -> std::process::Output {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait_with_output().unwrap()
}

/// Finding 3: another data directory, the same database: refused before it trades.
#[test]
fn a_second_runtime_on_the_same_database_from_another_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let url = format!("sqlite:{}", db.display());
    let first_dir = dir.path().join("first");
    let first = runtime(&first_dir, &["--speed", "600", "--database-url", &url])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        wait_for_events(&first_dir, 1) >= 1,
        "the first runtime runs"
    );

    let second_dir = dir.path().join("second");
    let second = run(&second_dir, &["--iterations", "50", "--database-url", &url]);
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    let err = stderr(&second);
    assert!(err.contains("already trading on"), "{err}");
    assert!(
        err.contains(&first.id().to_string()),
        "names the holder: {err}"
    );
    // The same through DATABASE_URL.
    let env = runtime(&second_dir, &["--iterations", "50"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(env.status.code(), Some(2), "{}", stderr(&env));

    let out = stop(first);
    assert!(out.status.success(), "{}", stderr(&out));
    // Released with the first: the second may trade now.
    let after = run(&second_dir, &["--iterations", "50", "--database-url", &url]);
    assert!(after.status.success(), "{}", stderr(&after));
}

/// Finding 8: a bad row anywhere is refused before the first trade, and the store and lock
/// are never created for files that cannot be replayed.
#[test]
fn a_bad_replay_file_changes_nothing_and_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("in");
    std::fs::create_dir_all(&data).unwrap();
    let mut text = String::from("ts,open,high,low,close,volume\n");
    for i in 0..2_000 {
        let (h, m) = (i / 60, i % 60);
        text.push_str(&format!(
            "2024-01-0{}T{:02}:{:02}:00Z,100,101,99,100.5,10\n",
            1 + h / 24,
            h % 24,
            m
        ));
    }
    text.push_str("2024-01-02T09:20:00Z,100,oops,99,100.5,10\n");
    std::fs::write(data.join("BTC-USD_1m.csv"), &text).unwrap();
    let store_dir = dir.path().join("store");
    let out = run(&store_dir, &["--data", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("BTC-USD_1m.csv:2002"),
        "{}",
        stderr(&out)
    );
    assert!(
        !store_dir.join("rampart.db").exists(),
        "nothing traded, nothing stored"
    );

    for (name, body, says) in [
        ("ETH-USD_1m.csv", "", "no candles"),
        (
            "ETH-USD_1m.csv",
            "ts,open,high,low,close,volume\n",
            "no candles",
        ),
        ("1m.csv", "ts,open,high,low,close,volume\n", "symbol"),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, body).unwrap();
        let fresh = dir.path().join(format!("d-{}", body.len()));
        let out = run(&fresh, &["--data", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{name}: {}", stderr(&out));
        assert!(
            !fresh.exists(),
            "{name}: no data directory, lock or database"
        );
        std::fs::remove_file(&file).unwrap();
    }
    let missing = run(&dir.path().join("m"), &["--data", "/nonexistent.csv"]);
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(!dir.path().join("m").exists());
    let negative = run(&dir.path().join("n"), &["--iterations", "-5"]);
    assert_eq!(negative.status.code(), Some(2), "{}", stderr(&negative));
    assert!(
        stderr(&negative).contains("--iterations"),
        "{}",
        stderr(&negative)
    );
}

/// Finding 9: the `-wal` file deleted under a running replay: trading stops with a CRITICAL
/// alert, what was committed is in the database file, and a restart goes on from there.
#[test]
fn a_vanished_write_ahead_log_stops_trading_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let child = runtime(dir.path(), &["--speed", "3000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_for_events(dir.path(), 200) >= 200, "the replay runs");
    std::fs::remove_file(dir.path().join("rampart.db-wal")).unwrap();
    let pid = child.id();
    let mut child = child;
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(status) = exited else {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        panic!("the runtime kept trading with its write-ahead log gone");
    };
    let out = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("write-ahead log"), "{err}");
    assert!(err.contains("checkpointed"), "{err}");

    let last = run(dir.path(), &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&last)).unwrap();
    let stored_at = v["account"]["last_event_at"].as_str().unwrap().to_string();
    assert!(
        stored_at.as_str() > "2024-01-01T00:00:00Z",
        "the session's progress survived: {stored_at}"
    );
    let export = dir.path().join("audit.jsonl");
    let e = run(
        dir.path(),
        &["audit", "export", "--out", export.to_str().unwrap()],
    );
    assert!(e.status.success(), "{}", stderr(&e));
    let trail = std::fs::read_to_string(&export).unwrap();
    assert!(
        trail
            .lines()
            .any(|l| l.contains("CRITICAL") && l.contains("write-ahead log")),
        "the stop is in the audit trail"
    );
    let resumed = run(dir.path(), &["--iterations", "100"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(
        stdout(&resumed).contains("resumed from stored state"),
        "{}",
        stdout(&resumed)
    );
}

/// Finding 11: an unrecognised kill-switch value engages the switch, with a warning.
#[test]
fn an_unrecognised_kill_switch_value_engages_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = runtime(dir.path(), &["--iterations", "3000"])
        .env("RAMPART_KILL_SWITCH", "maybe")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("RAMPART_KILL_SWITCH"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("0 submitted"), "{text}");
    assert!(text.contains("kill_switch_active"), "{text}");
}

/// Finding 11: operator text is bounded and plain; `--http` beyond loopback is warned about.
#[test]
fn operator_reasons_are_bounded_and_a_public_http_address_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(100_000);
    for reason in [long.as_str(), "line one\nline two", "\u{1b}[2Jcleared"] {
        let out = run(dir.path(), &["kill-switch", "on", "--reason", reason]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    }
    let out = run(dir.path(), &["--iterations", "10", "--http", "0.0.0.0:0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not authenticated"),
        "{}",
        stderr(&out)
    );
}
