//! Issue 22, finding 4: daily and weekly reports are derived from the store, so a stop or
//! a crash between two sessions loses none and writes none twice.

use std::path::Path;

use crate::support::*;

fn session(dir: &Path, events: &str) {
    let out = run(dir, &["--iterations", events]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn report(dir: &Path, name: &str) -> Option<(std::time::SystemTime, String)> {
    let path = dir.join("reports").join(name);
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    Some((modified, std::fs::read_to_string(&path).ok()?))
}

#[test]
fn a_day_that_ended_between_two_sessions_gets_its_daily_report_once() {
    let dir = tempfile::tempdir().unwrap();
    // Both bundled symbols up to the candle closing at 23:59 of 2024-01-01.
    session(dir.path(), "2878");
    assert!(report(dir.path(), "daily_shadow_health_2024-01-01.json").is_none());
    // The next session starts on 2024-01-02: the first day is due.
    session(dir.path(), "100");
    let first = report(dir.path(), "daily_shadow_health_2024-01-01.json")
        .expect("the day that ended between the sessions is reported");
    assert!(first.1.contains("2024-01-01"), "{}", first.1);
    // Crossing into 2024-01-03 reports 2024-01-02, and leaves 2024-01-01 as it was.
    session(dir.path(), "3000");
    assert!(report(dir.path(), "daily_shadow_health_2024-01-02.json").is_some());
    assert_eq!(
        report(dir.path(), "daily_shadow_health_2024-01-01.json"),
        Some(first),
        "written once"
    );
}

#[test]
fn a_weekly_report_waiting_for_its_records_survives_the_session_that_stopped() {
    let dir = tempfile::tempdir().unwrap();
    // Up to 2024-01-08 00:30: week 1 has ended, its last records are still pending.
    session(dir.path(), "20220");
    assert!(
        report(dir.path(), "weekly_shadow_report_1.json").is_none(),
        "not written with unresolved records"
    );
    session(dir.path(), "2000");
    let (_, text) = report(dir.path(), "weekly_shadow_report_1.json")
        .expect("the next session derived the due report from the store");
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    let collected = &body["data_collection"];
    assert_eq!(collected["pending"], 0, "{collected}");
    assert!(collected["resolved"].as_u64().unwrap() > 0, "{collected}");
    assert_eq!(collected["resolved"], collected["total_decisions"]);
}
