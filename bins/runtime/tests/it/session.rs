//! A dry-run session on the bundled data: summary, store, heartbeat, resume.

use crate::support::*;

#[test]
fn a_dry_run_replays_the_bundled_data_prints_a_summary_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--iterations", "3000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "events                    3000",
        "signals by tier",
        "approvals",
        "rejections",
        "turnover blocks",
        "level transitions",
        "P&L",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(dir.path().join("rampart.db").exists());
    let hb: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("heartbeat.json")).unwrap())
            .unwrap();
    assert_eq!(hb["events"], 3000);
    assert_eq!(hb["mode"], "dry-run");
    assert!(
        !dir.path().join("runtime.pid").exists(),
        "PID file removed on a clean exit"
    );
}

#[test]
fn a_second_session_resumes_after_what_the_first_processed() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(dir.path(), &["--iterations", "2000"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let second = run(dir.path(), &["--iterations", "500"]);
    assert!(second.status.success(), "{}", stderr(&second));
    let text = stdout(&second);
    assert!(
        text.contains("resumed from stored state: skipped"),
        "{text}"
    );
    assert!(text.contains("events                    500"), "{text}");
}

#[test]
fn the_kill_switch_file_blocks_every_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kill_switch"), "maintenance").unwrap();
    let out = run(dir.path(), &["--iterations", "20000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("approvals                 0"), "{text}");
    assert!(
        text.contains("orders                    0 submitted"),
        "{text}"
    );
}

#[test]
fn the_kill_switch_environment_variable_blocks_every_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = runtime(dir.path(), &["--iterations", "20000"])
        .env("RAMPART_KILL_SWITCH", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("approvals                 0"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn logs_are_json_lines_carrying_run_id_mode_and_symbol() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--iterations", "3000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let logs: Vec<_> = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(logs.len(), 1, "one file per day: {logs:?}");
    let name = logs[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("rampart.") && name.ends_with(".jsonl"),
        "{name}"
    );
    let text = std::fs::read_to_string(&logs[0]).unwrap();
    assert!(text.lines().count() >= 2);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let span = &v["spans"][0];
        assert!(
            span["run_id"].as_str().unwrap().ends_with("dry-run"),
            "{line}"
        );
        assert_eq!(span["mode"], "dry-run", "{line}");
        assert!(
            v["symbol"].is_string() || span["symbol"].is_string(),
            "{line}"
        );
    }
}

/// An order written ahead but never answered (the process died between `put_order` and the
/// venue's answer): the next session reconciles it before its first event.
#[test]
fn a_restart_reconciles_an_order_left_pending_before_the_first_event() {
    use domain::ports::Store;
    use domain::{ClientOrderId, Order, OrderStatus, OrderType, Qty, Side, Symbol};

    let dir = tempfile::tempdir().unwrap();
    let first = run(dir.path(), &["--iterations", "200"]);
    assert!(first.status.success(), "{}", stderr(&first));

    let db = dir.path().join("rampart.db");
    let id = ClientOrderId::new("rp-lost-before-restart").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = sqlite::SqliteStore::open(&db).await.unwrap();
        let at = fixed_time();
        store
            .put_order(&Order {
                client_order_id: id.clone(),
                venue_order_id: None,
                symbol: Symbol::new("BTC-USD").unwrap(),
                side: Side::Buy,
                order_type: OrderType::Market,
                qty: Qty::new(rust_decimal::Decimal::ONE).unwrap(),
                filled_qty: Qty::ZERO,
                avg_fill_price: None,
                status: OrderStatus::PendingSubmit,
                created_at: at,
                updated_at: at,
            })
            .await
            .unwrap();
        store.close().await;
    });

    let second = run(dir.path(), &["--iterations", "10"]);
    assert!(second.status.success(), "{}", stderr(&second));
    rt.block_on(async {
        let store = sqlite::SqliteStore::open(&db).await.unwrap();
        let order = store.order(&id).await.unwrap().unwrap();
        assert_eq!(order.status, OrderStatus::Rejected, "{order:?}");
        assert!(store.open_orders().await.unwrap().is_empty());
        let alerts = store
            .recent_alerts(domain::Timestamp::MIN_UTC)
            .await
            .unwrap();
        assert!(
            alerts
                .iter()
                .any(|a| a.message.contains("rp-lost-before-restart")
                    && a.message.contains("not known to the venue")),
            "{alerts:?}"
        );
        store.close().await;
    });
}

/// A fixed time (the test must not read the wall clock into the store's data).
fn fixed_time() -> domain::Timestamp {
    domain::Timestamp::from_timestamp(1_700_000_000, 0).unwrap()
}
