//! `health-check --quiet` on a store holding a million audit events, as CI runs it.
//!
//! The store is built the way a long-running deployment fills it: a real dry-run session
//! (`runtime_service::cli::run`, 4,000 market events of the bundled data) writes the engine
//! state, heartbeat and a daily report; then a million audit events are appended through the
//! real `SqliteStore` in batches of 1,000 (signals, fills and alerts in the shares a busy runtime
//! produces, spread over the 30 days before now, so the 14-day alert window holds ~half of
//! them). The engine state is the oldest batch with a snapshot: the worst case for reading it.
//!
//! Then the `health-check` binary is spawned with `--quiet` 20 times; reported (JSON line):
//! events, build seconds, exit code, and min / median / max wall milliseconds per run (process
//! start-up included).
//!
//! `cargo bench -p health-check --bench quiet`. Under `cargo test` (no `--bench` argument) it
//! runs a 20,000-event store and 3 runs as a smoke test. Target (issue 4): under 200 ms.

#![allow(missing_docs, clippy::disallowed_methods)] // a benchmark measures wall time

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use chrono::{Duration, Utc};
use clap::Parser;
use domain::ports::{EventBatch, Store};
use domain::{AuditEvent, Severity};
use sqlite::{Durability, SqliteOptions, SqliteStore};
use store_conformance::fixtures::{alert, fill, signal};

const BATCH: u64 = 1_000;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (events, runs) = if full { (1_000_000, 20) } else { (20_000, 3) };
    match bench(events, runs) {
        Ok(line) => println!("{line}"),
        Err(e) => {
            eprintln!("quiet bench: {e}");
            std::process::exit(1);
        }
    }
}

fn bench(events: u64, runs: usize) -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let data = dir.path().join("data");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio: {e}"))?;
    let built = Instant::now();
    rt.block_on(fill_store(dir.path(), &data, events))?;
    let build_seconds = built.elapsed().as_secs_f64();

    let mut millis = Vec::with_capacity(runs);
    let mut code = None;
    for _ in 0..runs {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_health-check"))
            .args(["--quiet", "--data-dir"])
            .arg(&data)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("spawn health-check: {e}"))?;
        millis.push(started.elapsed().as_secs_f64() * 1000.0);
        let c = out.status.code().unwrap_or(-1);
        if c == 3 || !out.stdout.is_empty() {
            return Err(format!(
                "health-check --quiet exited {c}, stdout {:?}, stderr {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        code = Some(c);
    }
    millis.sort_by(f64::total_cmp);
    let round = |x: f64| (x * 10.0).round() / 10.0;
    Ok(serde_json::json!({
        "bench": "health_check_quiet",
        "synthetic_events": events,
        "build_seconds": round(build_seconds),
        "runs": runs,
        "exit_code": code,
        "min_ms": round(millis[0]),
        "median_ms": round(millis[millis.len() / 2]),
        "max_ms": round(millis[millis.len() - 1]),
    })
    .to_string())
}

/// A real dry-run session, then `events` synthetic audit events after it.
async fn fill_store(root: &Path, data: &Path, events: u64) -> Result<(), String> {
    // The session writes its logs under the working directory's `logs/`.
    std::env::set_current_dir(root).map_err(|e| format!("cd {}: {e}", root.display()))?;
    let cli = runtime_service::cli::Cli::try_parse_from([
        "runtime".as_ref(),
        "--http".as_ref(),
        "off".as_ref(),
        "--iterations".as_ref(),
        "4000".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ])
    .map_err(|e| format!("runtime args: {e}"))?;
    runtime_service::cli::run(cli, Arc::new(AtomicBool::new(false)))
        .await
        .map_err(|e| format!("dry-run session: {e}"))?;

    let store = SqliteStore::open_with(
        data.join("rampart.db"),
        SqliteOptions {
            durability: Durability::Normal,
            ..SqliteOptions::default()
        },
    )
    .await
    .map_err(|e| format!("open store: {e}"))?;
    let now = Utc::now();
    let start = now - Duration::days(30);
    let span_secs = Duration::days(30).num_seconds();
    let mut n: u64 = 0;
    while n < events {
        let mut batch = Vec::with_capacity(BATCH as usize);
        let secs = span_secs * i64::try_from(n).unwrap_or(0) / i64::try_from(events).unwrap_or(1);
        let at = start + Duration::seconds(secs);
        // Seconds relative to the fixtures' t0, so that fixture timestamps land at `at`.
        let rel = (at - store_conformance::fixtures::t0()).num_seconds();
        for i in 0..BATCH.min(events - n) {
            let k = n + i;
            batch.push(match k % 50 {
                0 => {
                    let mut a = alert(&format!("level changed ({k})"), rel);
                    if k.is_multiple_of(50_000) {
                        a.severity = Severity::Critical;
                    }
                    AuditEvent::AlertRaised { alert: a }
                }
                1..=4 => AuditEvent::OrderFilled {
                    fill: fill(&format!("rp-bench-{k}"), &format!("t-{k}"), rel),
                },
                _ => AuditEvent::SignalGenerated {
                    signal: signal(
                        if k.is_multiple_of(2) {
                            "BTC-USD"
                        } else {
                            "ETH-USD"
                        },
                        rel,
                    ),
                },
            });
        }
        let len = batch.len() as u64;
        store
            .append(&EventBatch {
                event_id: format!("bench:{n}"),
                at,
                events: batch,
                state: serde_json::Value::Null,
                orders: Vec::new(),
            })
            .await
            .map_err(|e| format!("append at {n}: {e}"))?;
        n += len;
    }
    store.close().await;
    Ok(())
}
