//! `health-check` against a store the runtime service wrote.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

fn health_check(data_dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_health-check"));
    cmd.arg("--data-dir").arg(data_dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("RAMPART") || k == "DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    cmd.output().unwrap()
}

#[test]
fn no_store_means_could_not_evaluate_exit_3_with_the_reason_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let out = health_check(dir.path(), &["--quiet"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no store at"));
    assert!(
        !dir.path().join("rampart.db").exists(),
        "health-check never creates a store"
    );
}

#[test]
fn a_fresh_dry_run_store_is_not_go_and_the_kill_switch_file_makes_it_no_go() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = runtime_service::open_store(None, dir.path()).await.unwrap();
        let opts = runtime_service::SessionOptions {
            mode: domain::TradingMode::DryRun,
            config: None,
            feed: runtime_service::FeedKind::Replay,
            data: None,
            speed: None,
            iterations: 500,
            data_dir: dir.path().to_path_buf(),
            run_id: None,
        };
        let loaded = runtime_service::load_config(&opts).unwrap();
        let board = std::sync::Arc::new(runtime_service::StatusBoard::new());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        runtime_service::run_session(&opts, loaded, store, board, stop)
            .await
            .unwrap();
    });
    let quiet = health_check(dir.path(), &["--quiet"]);
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
    let json = health_check(dir.path(), &["--json"]);
    assert_eq!(json.status.code(), quiet.status.code());
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let verdict = doc["live_rollout_readiness"].as_str().unwrap().to_string();
    let expected = match verdict.as_str() {
        "GO" => 0,
        "CONDITIONAL" => 1,
        "NO_GO" => 2,
        other => panic!("verdict {other}"),
    };
    assert_eq!(quiet.status.code(), Some(expected));
    assert_ne!(
        verdict, "GO",
        "a 500-event dry-run is not ready for live money"
    );
    for key in [
        "overall_readiness",
        "live_rollout_reasons",
        "live_rollout_next_actions",
        "components",
    ] {
        assert!(doc.get(key).is_some(), "{key} missing");
    }

    std::fs::write(dir.path().join("kill_switch"), "").unwrap();
    let blocked = health_check(dir.path(), &["--quiet"]);
    assert_eq!(
        blocked.status.code(),
        Some(2),
        "the kill-switch file is NO_GO"
    );
    let text = health_check(dir.path(), &[]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("Kill switch is active"));
}
