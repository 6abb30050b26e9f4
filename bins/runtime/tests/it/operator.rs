//! Operator subcommands against a real data directory: kill switch, the loss
//! drill, reports, exports and the audit trail.

use std::time::Duration;

use crate::support::*;

fn dry_run(dir: &std::path::Path, events: &str) {
    let out = run(dir, &["--iterations", events]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn kill_switch_on_blocks_the_next_session_and_off_needs_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    dry_run(dir.path(), "200");
    let on = run(dir.path(), &["kill-switch", "on", "--reason", "drill"]);
    assert!(on.status.success(), "{}", stderr(&on));
    assert!(
        stdout(&on).contains("kill switch activated"),
        "{}",
        stdout(&on)
    );

    let status = run(dir.path(), &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(v["account"]["kill_switch_stored"], "drill");
    assert_eq!(v["readiness"]["live_rollout_readiness"], "NO_GO");

    let next = run(dir.path(), &[]);
    assert!(next.status.success(), "{}", stderr(&next));
    let text = stdout(&next);
    assert!(
        text.contains("kill_switch_active"),
        "rejections name the kill switch: {text}"
    );
    assert!(text.contains("0 submitted"), "{text}");

    let blank = run(dir.path(), &["kill-switch", "off", "--reason", " "]);
    assert_eq!(blank.status.code(), Some(2), "{}", stderr(&blank));
    let off = run(
        dir.path(),
        &["kill-switch", "off", "--reason", "drill over"],
    );
    assert!(off.status.success(), "{}", stderr(&off));

    let verify = run(dir.path(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
    assert!(stdout(&verify).contains("intact"), "{}", stdout(&verify));
}

#[test]
fn simulate_loss_drives_the_guardrails_and_shows_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    dry_run(dir.path(), "300");
    let drill = run(
        dir.path(),
        &["simulate-loss", "--amount", "600", "--symbol", "BTC-USD"],
    );
    assert!(drill.status.success(), "{}", stderr(&drill));
    let text = stdout(&drill);
    assert!(
        text.contains("kill switch ON"),
        "6% of 10,000 breaches the 5% daily limit: {text}"
    );

    let report = run(dir.path(), &["report", "daily"]);
    assert!(report.status.success(), "{}", stderr(&report));
    let path = stdout(&report)
        .split("-> ")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    let body: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(body["drills"]["simulated_losses"], 1);
    assert_eq!(body["summary"]["overall_health"], "CRITICAL");

    let out = dir.path().join("metrics.json");
    let export = run(
        dir.path(),
        &[
            "export-metrics",
            "--window",
            "24h",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(m["events_by_type"]["loss_simulated"], 1);
    assert_eq!(m["current"]["kill_switch_stored"], true);

    let bad = run(dir.path(), &["simulate-loss", "--amount", "-5"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

#[test]
fn audit_export_writes_every_record_and_dump_signals_writes_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    dry_run(dir.path(), "600");
    let out = dir.path().join("audit.jsonl");
    let export = run(
        dir.path(),
        &["audit", "export", "--out", out.to_str().unwrap()],
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["seq"], i as u64 + 1);
    }

    let dump = run(dir.path(), &["dump-signals", "--since", "7d"]);
    assert!(dump.status.success(), "{}", stderr(&dump));
    let signals: Vec<serde_json::Value> = stdout(&dump)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!signals.is_empty());
    assert!(
        signals
            .iter()
            .all(|s| s["symbol"].is_string() && s["tier"].is_string())
    );
}

#[test]
fn a_running_runtime_applies_a_queued_kill_switch_and_serves_http() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = runtime(dir.path(), &["--speed", "600", "--http", &addr])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(|| dir.path().join("heartbeat.json").exists());
    wait_for(|| http_get(port, "/health/live").is_some_and(|(c, _)| c == 200));

    let on = run(
        dir.path(),
        &["kill-switch", "on", "--reason", "from the CLI"],
    );
    assert!(on.status.success(), "{}", stderr(&on));
    assert!(
        stdout(&on).contains("applied by the running runtime"),
        "{}",
        stdout(&on)
    );

    wait_for(|| {
        http_get(port, "/api/status")
            .is_some_and(|(_, b)| b.contains("\"kill_switch_active\":true"))
    });
    let (code, body) = http_get(port, "/health/readiness").unwrap();
    assert_eq!(code, 503, "kill switch makes overall NO_GO: {body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["overall_readiness"], "NO_GO");
    let (_, metrics) = http_get(port, "/metrics").unwrap();
    assert!(
        metrics.contains("rampart_kill_switch_active 1"),
        "{metrics}"
    );
    assert!(metrics.contains("rampart_events_total"), "{metrics}");

    kill(child.id(), "-TERM");
    let status = child.wait().unwrap();
    assert!(status.success());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(mut ok: impl FnMut() -> bool) {
    for _ in 0..150 {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("condition not reached within 15 s");
}

fn kill(pid: u32, signal: &str) {
    let s = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(s.success());
}

/// A minimal HTTP/1.1 GET: (status code, body).
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let code = raw.split_whitespace().nth(1)?.parse().ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Some((code, body))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Issue 22, finding 2: a request queued while a runtime held the data directory but had
/// processed nothing yet is applied by the next runtime at its first event's time, never
/// at the clock's starting point; the CLI says "pending" (exit 3), not "failed".
#[test]
fn a_request_queued_before_any_event_is_stamped_with_the_first_events_time() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path()).unwrap();
    // A runtime that holds the data directory and applies nothing (frozen).
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.path().join("runtime.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let queued = run(dir.path(), &["kill-switch", "on", "--reason", "frozen"]);
    assert_eq!(queued.status.code(), Some(3), "{}", stderr(&queued));
    assert!(
        stderr(&queued).contains("queued, not applied yet"),
        "{}",
        stderr(&queued)
    );
    let status = run(dir.path(), &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(v["pending_requests"][0]["id"], 1, "{v}");
    drop(lock);

    let next = run(dir.path(), &["--iterations", "5"]);
    assert!(next.status.success(), "{}", stderr(&next));
    let out = dir.path().join("audit.jsonl");
    let export = run(
        dir.path(),
        &["audit", "export", "--out", out.to_str().unwrap()],
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let text = std::fs::read_to_string(&out).unwrap();
    let activated: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["event"]["type"] == "kill_switch_activated")
        .collect();
    assert_eq!(activated.len(), 1, "{text}");
    // The first bundled candle closes at 00:01.
    assert_eq!(
        activated[0]["at"], "2024-01-01T00:01:00Z",
        "{}",
        activated[0]
    );
    assert_eq!(activated[0]["event_id"], "operator_request:1");
    let status = run(dir.path(), &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(v["account"]["kill_switch_stored"], "frozen");
    assert_eq!(v["pending_requests"], serde_json::json!([]));
}
