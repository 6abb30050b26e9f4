//! One notion of now: after a replay, readiness, status and the audit trail are measured on
//! the replay's clock (data time), and an operator request carries both the wall time it
//! was asked at and the engine time it was applied at.

use crate::support::*;

fn status_json(dir: &std::path::Path) -> serde_json::Value {
    let status = run(dir, &["status", "--json"]);
    assert!(status.status.success(), "{}", stderr(&status));
    serde_json::from_str(&stdout(&status)).unwrap()
}

fn ts(v: &serde_json::Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn readiness_after_a_replay_counts_the_critical_alerts_of_its_last_14_days_of_data() {
    let dir = tempfile::tempdir().unwrap();
    let replay = run(dir.path(), &["--iterations", "300"]);
    assert!(replay.status.success(), "{}", stderr(&replay));
    let asked_from = domain::Clock::now(&domain::SystemClock);
    // Applied on the replay's clock (no runtime runs): a CRITICAL alert at data time.
    let on = run(dir.path(), &["kill-switch", "on", "--reason", "drill"]);
    assert!(on.status.success(), "{}", stderr(&on));

    let v = status_json(dir.path());
    let data_end = ts(&v["account"]["last_event_at"]);
    assert!(
        data_end < asked_from - chrono::Duration::days(14),
        "{data_end}"
    );
    assert_eq!(v["clock"]["data_time"], true, "{}", v["clock"]);
    assert_eq!(ts(&v["clock"]["engine_time"]), data_end);
    let readiness = &v["readiness"];
    assert_eq!(ts(&readiness["evaluated_at"]), data_end);
    let alerts = &readiness["components"]["critical_alerts"];
    assert_eq!(alerts["status"], "warning", "{alerts}");
    assert!(
        readiness["live_rollout_reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "recent_critical_alerts"),
        "{readiness}"
    );
    // The replay finished: its heartbeat is judged on its own clock, not stale forever.
    assert_eq!(
        readiness["components"]["heartbeat"]["status"], "ok",
        "{}",
        readiness["components"]["heartbeat"]
    );
    let text = stdout(&run(dir.path(), &["status"]));
    assert!(text.contains("engine clock: data time"), "{text}");
    assert!(text.contains("CRITICAL alert(s) in last 14 days"), "{text}");
}

#[test]
fn an_operator_request_on_a_replay_carries_the_wall_time_asked_and_the_engine_time_applied() {
    let dir = tempfile::tempdir().unwrap();
    let replay = run(dir.path(), &["--iterations", "200"]);
    assert!(replay.status.success(), "{}", stderr(&replay));
    let before = domain::Clock::now(&domain::SystemClock);
    let on = run(dir.path(), &["kill-switch", "on", "--reason", "drill"]);
    assert!(on.status.success(), "{}", stderr(&on));
    let after = domain::Clock::now(&domain::SystemClock);
    let data_end = ts(&status_json(dir.path())["account"]["last_event_at"]);

    let out = dir.path().join("audit.jsonl");
    let export = run(
        dir.path(),
        &["audit", "export", "--out", out.to_str().unwrap()],
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let events: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["event"].clone())
        .collect();
    let activated = events
        .iter()
        .find(|e| e["type"] == "kill_switch_activated")
        .unwrap_or_else(|| panic!("no activation in {events:?}"));
    assert_eq!(ts(&activated["at"]), data_end, "{activated}");
    let asked = ts(&activated["requested_at"]);
    assert!(
        before - chrono::Duration::seconds(1) <= asked && asked <= after,
        "{activated}"
    );
    let alert = events
        .iter()
        .find(|e| e["type"] == "alert_raised" && e["alert"]["kind"] == "kill_switch")
        .unwrap();
    let message = alert["alert"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "(requested {}, applied at engine time {})",
            asked.format("%Y-%m-%dT%H:%M:%SZ"),
            data_end.format("%Y-%m-%dT%H:%M:%SZ")
        )),
        "{message}"
    );
    assert_eq!(ts(&alert["alert"]["at"]), data_end);
    let verify = run(dir.path(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
}
