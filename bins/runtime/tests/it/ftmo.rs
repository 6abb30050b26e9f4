//! The FTMO breach drill (docs/runbook.md): with an FTMO 100k 2-Step Challenge
//! configured, `simulate-loss` drives equity through the buffered daily floor; the
//! guardrail blocks further entries and the breach shows in the audit trail, status,
//! readiness (NO_GO) and the daily report.

use std::path::Path;
use std::process::Output;

use crate::support::*;

/// The account: 100k, FTMO 2-Step Challenge, default 10% buffer (daily guard floor 95,500).
const FTMO: [(&str, &str); 3] = [
    ("RAMPART__PORTFOLIO__INITIAL_CAPITAL", "100000"),
    ("RAMPART__ACCOUNT__RULES", "ftmo-2step-challenge"),
    ("RAMPART__ACCOUNT__INITIAL_CAPITAL", "100000"),
];

fn ftmo_run(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = runtime(dir, args);
    for (k, v) in FTMO {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn the_ftmo_drill_breaches_the_daily_floor_and_shows_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let first = ftmo_run(dir.path(), &["--iterations", "300"]);
    assert!(first.status.success(), "{}", stderr(&first));

    let before: serde_json::Value =
        serde_json::from_str(&stdout(&ftmo_run(dir.path(), &["status", "--json"]))).unwrap();
    let book = &before["risk_book"];
    assert_eq!(book["phase"], "ftmo-2step-challenge", "{before:#}");
    let guard: f64 = book["daily_guard_floor"].as_str().unwrap().parse().unwrap();
    assert!((guard - 95_500.0).abs() < 1e-9, "{book:#}");
    assert!(book["breach"].is_null());
    let equity: f64 = book["equity"].as_str().unwrap().parse().unwrap();

    // A loss that takes equity ~100 below the daily guard floor of 95,500.
    let loss = format!("{:.2}", equity - 95_400.0);
    let drill = ftmo_run(
        dir.path(),
        &["simulate-loss", "--amount", &loss, "--symbol", "BTC-USD"],
    );
    assert!(drill.status.success(), "{}", stderr(&drill));
    assert!(
        stdout(&drill).contains("kill switch ON"),
        "{}",
        stdout(&drill)
    );

    let status = ftmo_run(dir.path(), &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(v["risk_book"]["breach"]["rule"], "daily_loss", "{v:#}");
    assert_eq!(v["risk_book"]["breach"]["line"], "buffered");
    assert_eq!(v["readiness"]["live_rollout_readiness"], "NO_GO");
    let reason = v["account"]["kill_switch_stored"].as_str().unwrap();
    assert!(reason.contains("daily_loss"), "{reason}");
    let text = stdout(&ftmo_run(dir.path(), &["status"]));
    assert!(text.contains("daily_loss buffered line breached"), "{text}");

    // The breach is in the audit trail, and the trail still verifies.
    let out = dir.path().join("audit.jsonl");
    let export = ftmo_run(
        dir.path(),
        &["audit", "export", "--out", out.to_str().unwrap()],
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let trail = std::fs::read_to_string(&out).unwrap();
    assert!(trail.contains("account_rule_breached"));
    assert!(trail.contains("risk_book_snapshot"));
    let verify = ftmo_run(dir.path(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));

    // The daily report carries it.
    let report = ftmo_run(dir.path(), &["report", "daily"]);
    assert!(report.status.success(), "{}", stderr(&report));
    let path = stdout(&report)
        .split("-> ")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    let body: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(body["summary"]["overall_health"], "CRITICAL");
    assert_eq!(
        body["account_rules"]["breaches_today"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{body:#}"
    );

    // The next session trades nothing new: every entry is refused.
    let next = ftmo_run(dir.path(), &["--iterations", "900"]);
    assert!(next.status.success(), "{}", stderr(&next));
    let summary = stdout(&next);
    let approvals = summary
        .lines()
        .find_map(|l| l.trim().strip_prefix("approvals"))
        .map(str::trim);
    assert_eq!(approvals, Some("0"), "{summary}");
    assert!(summary.contains("0 submitted"), "{summary}");
}

#[test]
fn an_account_that_does_not_match_the_portfolio_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = runtime(dir.path(), &["--iterations", "10"]);
    cmd.env("RAMPART__ACCOUNT__RULES", "ftmo-2step-challenge")
        .env("RAMPART__ACCOUNT__INITIAL_CAPITAL", "100000");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("account.initial_capital"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("rampart.db").exists());
}
