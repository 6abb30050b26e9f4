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

/// Runs a dry-run session of `iterations` bundled events (-1: all) into `dir`; the store,
/// still open.
async fn replay_into(dir: &Path, iterations: i64) -> std::sync::Arc<dyn domain::ports::Store> {
    let store = runtime_service::open_store(None, dir).await.unwrap();
    let opts = runtime_service::SessionOptions {
        mode: domain::TradingMode::DryRun,
        config: None,
        feed: runtime_service::FeedKind::Replay,
        data: None,
        speed: None,
        iterations,
        data_dir: dir.to_path_buf(),
        run_id: None,
    };
    let loaded = runtime_service::load_config(&opts).unwrap();
    let board = std::sync::Arc::new(runtime_service::StatusBoard::new());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    runtime_service::run_session(&opts, loaded, store.clone(), board, stop)
        .await
        .unwrap();
    store
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
        replay_into(dir.path(), 500).await.close().await;
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

/// Writes the heartbeat a paper runtime on Binance writes, with `venue` as its venue health.
fn paper_heartbeat(dir: &Path, venue: Option<serde_json::Value>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = runtime_service::open_store(None, dir).await.unwrap();
        let now = domain::Clock::now(&domain::SystemClock);
        let mut detail = serde_json::json!({"mode": "paper", "feed": "binance", "run_id": "r"});
        if let Some(v) = venue {
            detail["venue"] = v;
        }
        store
            .put_heartbeat(&domain::ports::Heartbeat {
                instance: "runtime".into(),
                at: now,
                detail,
            })
            .await
            .unwrap();
        store.close().await;
    });
}

fn reason_codes(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["live_rollout_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["code"].as_str().unwrap().to_string(),
                r["criterion"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_paper_runtime_whose_key_can_withdraw_is_no_go_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    paper_heartbeat(
        dir.path(),
        Some(serde_json::json!({
            "name": "binance", "checked_at": "2026-03-01T12:00:00Z",
            "clock_offset_ms": 2500, "max_clock_offset_ms": 1000,
            "can_trade": true, "can_withdraw": true,
        })),
    );
    let out = health_check(dir.path(), &["--json"]);
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["mode"], "paper", "judged in the heartbeat's mode");
    assert_eq!(doc["overall_readiness"], "NO_GO");
    let codes = reason_codes(&doc);
    assert!(
        codes.contains(&(
            "venue_withdrawals_enabled".into(),
            "venue_withdrawals".into()
        )),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("venue_clock_offset_exceeded".into(), "venue_clock".into())),
        "{codes:?}"
    );
    let text = health_check(dir.path(), &[]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(
            "[NO_GO] The binance API key can withdraw funds (withdrawals must be disabled)"
        ),
        "{text}"
    );
    assert!(
        text.contains("[NO_GO] Clock offset to the binance server is 2500 ms (limit 1000 ms)"),
        "{text}"
    );
}

#[test]
fn a_paper_runtime_without_venue_health_is_not_met_no_data() {
    let dir = tempfile::tempdir().unwrap();
    paper_heartbeat(dir.path(), None);
    let out = health_check(dir.path(), &["--json"]);
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes = reason_codes(&doc);
    for criterion in ["venue_clock", "venue_withdrawals", "venue_trading"] {
        assert!(
            codes.contains(&("input_missing".into(), criterion.into())),
            "{criterion}: {codes:?}"
        );
        assert_eq!(doc["components"][criterion]["status"], "unknown");
    }
}

/// Issue 22, finding 7: pages in the middle of the database overwritten. The gate must not
/// read a verdict off a store it cannot read whole: exit 3, naming the damage.
#[test]
fn a_store_with_damaged_pages_cannot_be_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        replay_into(dir.path(), 3_000).await.close().await;
    });
    let clean = health_check(dir.path(), &["--quiet"]);
    assert!(
        matches!(clean.status.code(), Some(0..=2)),
        "a clean store is evaluated: {:?} {}",
        clean.status.code(),
        String::from_utf8_lossy(&clean.stderr)
    );

    let db = dir.path().join("rampart.db");
    let size = std::fs::metadata(&db).unwrap().len();
    assert!(size > 64 * 4096, "a store of some size: {size}");
    let mut file = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    use std::io::{Seek, Write};
    file.seek(std::io::SeekFrom::Start(size / 2 / 4096 * 4096))
        .unwrap();
    let garbage: Vec<u8> = (0..4 * 4096u32).map(|i| (i * 7 + 13) as u8).collect();
    file.write_all(&garbage).unwrap();
    drop(file);

    let damaged = health_check(dir.path(), &["--quiet"]);
    assert_eq!(damaged.status.code(), Some(3));
    let text = health_check(dir.path(), &[]);
    let err = String::from_utf8_lossy(&text.stderr);
    assert!(err.contains("integrity check"), "{err}");
    assert_eq!(text.status.code(), Some(3));
}

/// Issue 16, item 4: windows end at the engine's clock. The bundled 30-day replay raises
/// CRITICAL alerts in its last 14 days of data; readiness on its store reports them (it
/// used to measure the window back from the wall clock and say "none"), and a replay that
/// finished long ago is not judged "heartbeat stale" for it.
#[test]
fn readiness_after_a_replay_judges_the_replay_on_its_data_time() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (data_end, critical) = rt.block_on(async {
        let store = replay_into(dir.path(), -1).await;
        let state = runtime_service::gather::stored_state(store.as_ref())
            .await
            .unwrap()
            .unwrap();
        let data_end = state.last_event_at.unwrap();
        let critical = store
            .recent_alerts(data_end - chrono::Duration::days(14))
            .await
            .unwrap()
            .iter()
            .filter(|a| a.severity == domain::Severity::Critical)
            .count();
        // The replay ended a month ago on the wall clock: its last beat is that old.
        let mut beat = store.last_heartbeat("runtime").await.unwrap().unwrap();
        beat.at -= chrono::Duration::days(30);
        store.put_heartbeat(&beat).await.unwrap();
        store.close().await;
        (data_end, critical)
    });
    assert!(critical > 0, "the bundled replay raises CRITICAL alerts");

    let out = health_check(dir.path(), &["--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let evaluated: chrono::DateTime<chrono::Utc> =
        doc["evaluated_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(evaluated, data_end, "evaluated at the replay's clock");
    // The detail names the alerts' kinds after the count.
    let message = format!("{critical} CRITICAL alert(s) in last 14 days: ");
    assert!(
        doc["components"]["critical_alerts"]["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with(&message)),
        "{}",
        doc["components"]
    );
    assert!(
        reason_codes(&doc).contains(&("recent_critical_alerts".into(), "critical_alerts".into()))
    );
    assert_eq!(
        doc["components"]["heartbeat"]["status"], "ok",
        "a finished replay's last beat is at the end of its data: {}",
        doc["components"]["heartbeat"]
    );
    assert_eq!(
        doc["components"]["daily_health_report"]["status"], "ok",
        "{}",
        doc["components"]["daily_health_report"]
    );
}

/// Issue 16's quick-start scenario: the default dry-run over the bundled month keeps its
/// turnover block rate inside the healthy band and makes at most 20 level transitions.
#[test]
fn the_quick_start_is_inside_the_healthy_block_rate_band_with_at_most_20_transitions() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let transitions = rt.block_on(async {
        let store = replay_into(dir.path(), -1).await;
        let records = store
            .events_between(
                chrono::DateTime::UNIX_EPOCH,
                chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(365 * 200),
            )
            .await
            .unwrap();
        let n = records
            .iter()
            .filter(|r| r.event_json.contains("\"type\":\"level_changed\""))
            .count();
        store.close().await;
        n
    });
    assert!(transitions > 0, "the month exercises capital preservation");
    assert!(transitions <= 20, "{transitions} level transitions");
    let out = health_check(dir.path(), &["--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["components"]["turnover_block_rate"]["status"], "ok",
        "{}",
        doc["components"]["turnover_block_rate"]
    );
}
