//! `runtime --feed binance --mode paper|live` end to end against the in-process fake Binance
//! (`fake_binance.rs`): signed orders to the exchange venue, reconciliation of write-ahead
//! intents at start-up and after a reconnect, venue health in readiness, missing keys.

use std::path::Path;
use std::process::{Command, Output};

use domain::ports::Store;
use domain::{ClientOrderId, Order, OrderStatus, OrderType, Qty, Side, Symbol, Timestamp};
use serde_json::Value;

use crate::fake_binance::{FakeBinance, FakeState, doc_keys, kline, kline_row, this_minute_ms};
use crate::support::*;

const MINUTE_MS: i64 = 60_000;

/// ETHUSDT closes that make `sma_cross` (10/30) buy once: 62 minutes drifting down (an
/// established down trend), then a jump that crosses the fast average above the slow one
/// with a rising slow average (confidence 1.0, edge far above costs). The last candle
/// opened 8 minutes ago.
fn eth_cross_frames() -> Vec<String> {
    let start = this_minute_ms() - 70 * MINUTE_MS;
    (0..70)
        .map(|i| {
            let price = if i < 62 { 2300 - i } else { 2500 };
            kline(
                "ETHUSDT",
                MINUTE_MS,
                start + i * MINUTE_MS,
                &format!("{price}.00"),
            )
        })
        .collect()
}

/// A few quiet ETHUSDT candles (no signal).
fn quiet_frames(n: i64) -> Vec<String> {
    let start = this_minute_ms() - (n + 2) * MINUTE_MS;
    (0..n)
        .map(|i| kline("ETHUSDT", MINUTE_MS, start + i * MINUTE_MS, "2200.00"))
        .collect()
}

fn fake_with(frames: Vec<Vec<String>>, edit: impl FnOnce(&mut FakeState)) -> FakeBinance {
    let mut state = FakeState {
        batches: frames.into(),
        ..FakeState::default()
    };
    edit(&mut state);
    FakeBinance::start(state)
}

/// The runtime on the fake in `mode`, with the documentation's key pair.
fn exchange_runtime(dir: &Path, fake: &FakeBinance, mode: &str, iterations: usize) -> Command {
    let iterations = iterations.to_string();
    let mut cmd = runtime(
        dir,
        &[
            "--feed",
            "binance",
            "--mode",
            mode,
            "--iterations",
            &iterations,
        ],
    );
    let (key, secret) = doc_keys();
    cmd.env("RAMPART_BINANCE_API_KEY", key)
        .env("RAMPART_BINANCE_API_SECRET", secret)
        .env("RAMPART__BINANCE__REST_BASE_URL", &fake.rest_url)
        .env("RAMPART__BINANCE__WS_BASE_URL", &fake.ws_url)
        .env("RAMPART__BINANCE__REQUEST_TIMEOUT_MS", "3000")
        .env("RAMPART__BINANCE__FEED__RECONNECT_BACKOFF_INITIAL_MS", "20")
        .env("RAMPART__BINANCE__FEED__RECONNECT_BACKOFF_MAX_MS", "40");
    cmd
}

fn run_ok(mut cmd: Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    out
}

fn audit(dir: &Path) -> Vec<Value> {
    let out = dir.join("audit.jsonl");
    let export = run(dir, &["audit", "export", "--out", out.to_str().unwrap()]);
    assert!(export.status.success(), "{}", stderr(&export));
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn events_of<'a>(records: &'a [Value], kind: &str) -> Vec<&'a Value> {
    records
        .iter()
        .filter(|r| r["event"]["type"] == kind)
        .map(|r| &r["event"])
        .collect()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

async fn open_store(dir: &Path) -> sqlite::SqliteStore {
    sqlite::SqliteStore::open(dir.join("rampart.db"))
        .await
        .unwrap()
}

/// The order the store holds under `id`.
fn stored_order(dir: &Path, id: &str) -> Option<Order> {
    block_on(async {
        let store = open_store(dir).await;
        let order = store.order(&ClientOrderId::new(id).unwrap()).await.unwrap();
        store.close().await;
        order
    })
}

/// Writes a market-buy intent as the engine writes it ahead of sending (`PendingSubmit`),
/// as if the process had died before the request went out.
fn seed_write_ahead(dir: &Path, id: &str, symbol: &str, qty: &str) {
    let at: Timestamp =
        chrono::DateTime::from_timestamp_millis(this_minute_ms() - 3_600_000).unwrap();
    let order = Order {
        client_order_id: ClientOrderId::new(id).unwrap(),
        venue_order_id: None,
        symbol: Symbol::new(symbol).unwrap(),
        side: Side::Buy,
        order_type: OrderType::Market,
        qty: Qty::new(qty.parse().unwrap()).unwrap(),
        filled_qty: Qty::ZERO,
        avg_fill_price: None,
        status: OrderStatus::PendingSubmit,
        created_at: at,
        updated_at: at,
    };
    block_on(async {
        let store = open_store(dir).await;
        store.put_order(&order).await.unwrap();
        store.close().await;
    });
}

/// The `newClientOrderId` of every order the fake was sent.
fn posted_ids(fake: &FakeBinance) -> Vec<String> {
    fake.requests()
        .iter()
        .filter(|r| r.starts_with("POST /api/v3/order?"))
        .filter_map(|r| {
            r.split(['?', '&'])
                .find_map(|kv| kv.strip_prefix("newClientOrderId="))
                .map(str::to_string)
        })
        .collect()
}

fn status_json(dir: &Path, mode: &str) -> Value {
    let out = run(dir, &["--mode", mode, "status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn reason_codes(status: &Value) -> Vec<String> {
    status["readiness"]["live_rollout_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn paper_mode_sends_signed_orders_with_the_deterministic_id_to_the_testnet_venue() {
    let fake = fake_with(vec![eth_cross_frames()], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(exchange_runtime(dir.path(), &fake, "paper", 70));

    let st = fake.state();
    assert!(st.auth_failures.is_empty(), "{:?}", st.auth_failures);
    drop(st);
    let posted = posted_ids(&fake);
    assert_eq!(
        posted.len(),
        1,
        "one cross, one order: {:?}",
        fake.requests()
    );
    let id = &posted[0];
    // ClientOrderId::derive: rp-<run>-<BASEQUOTE>-<epoch s>-<seq>.
    assert!(id.starts_with("rp-") && id.contains("-ETHUSD-"), "{id}");
    let post = fake
        .requests()
        .into_iter()
        .find(|r| r.starts_with("POST /api/v3/order?"))
        .unwrap();
    for part in [
        "symbol=ETHUSDT",
        "side=BUY",
        "type=MARKET",
        "recvWindow=",
        "timestamp=",
        "&signature=",
    ] {
        assert!(post.contains(part), "{part} in {post}");
    }

    // The store has the order, filled by the venue, and the audit trail its submission.
    let order = stored_order(dir.path(), id).expect("the order is stored");
    assert_eq!(order.status, OrderStatus::Filled, "{order:?}");
    assert_eq!(order.symbol.as_str(), "ETH-USD");
    assert!(order.venue_order_id.is_some());
    let records = audit(dir.path());
    let submitted = events_of(&records, "order_submitted");
    assert_eq!(submitted.len(), 1);
    assert_eq!(submitted[0]["order"]["client_order_id"], id.as_str());
    assert_eq!(events_of(&records, "order_filled").len(), 1);
    assert!(
        stdout(&out).contains("1 submitted, 1 filled"),
        "{}",
        stdout(&out)
    );

    // The heartbeat carries the venue's health.
    let heartbeat: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("heartbeat.json")).unwrap())
            .unwrap();
    assert_eq!(heartbeat["mode"], "paper");
    assert_eq!(heartbeat["venue"]["name"], "binance", "{heartbeat}");
    assert_eq!(heartbeat["venue"]["can_trade"], true);
    assert_eq!(heartbeat["venue"]["can_withdraw"], false);
    assert_eq!(heartbeat["venue"]["max_clock_offset_ms"], 1000);
    assert!(
        heartbeat["venue"]["clock_offset_ms"]
            .as_i64()
            .unwrap()
            .abs()
            < 1000
    );
    let status = status_json(dir.path(), "paper");
    let codes = reason_codes(&status);
    assert!(
        !codes.iter().any(|c| c.starts_with("venue_")),
        "a healthy venue: {codes:?}"
    );
    assert_eq!(
        status["readiness"]["components"]["venue_withdrawals"]["status"],
        "ok"
    );
}

#[test]
fn a_write_ahead_intent_the_exchange_never_got_is_reconciled_before_any_new_order() {
    let fake = fake_with(vec![eth_cross_frames()], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let seeded = "rp-crashed-ETHUSD-1700000000-1";
    seed_write_ahead(dir.path(), seeded, "ETH-USD", "0.5");

    run_ok(exchange_runtime(dir.path(), &fake, "paper", 70));

    // Asked by client order id first, then (and only then) a new order.
    let query = fake
        .first("GET /api/v3/order?", &format!("origClientOrderId={seeded}"))
        .expect("the intent was looked up");
    let post = fake
        .first("POST /api/v3/order?", "")
        .expect("the cross still trades");
    assert!(query < post, "{:#?}", fake.requests());
    assert!(
        !posted_ids(&fake).contains(&seeded.to_string()),
        "never resent blindly"
    );
    // The venue does not know it: it never reached the venue, recorded as rejected.
    let order = stored_order(dir.path(), seeded).unwrap();
    assert_eq!(order.status, OrderStatus::Rejected);
    let records = audit(dir.path());
    let failed = events_of(&records, "order_failed");
    assert!(
        failed.iter().any(|e| e["client_order_id"] == seeded),
        "{failed:?}"
    );
}

#[test]
fn a_write_ahead_intent_the_exchange_filled_is_adopted_on_restart() {
    let fake = fake_with(vec![quiet_frames(3)], |_| {});
    let seeded = "rp-crashed-BTCUSD-1700000000-1";
    fake.place_filled(seeded, "BTCUSDT", "BUY", "0.01");
    let dir = tempfile::tempdir().unwrap();
    seed_write_ahead(dir.path(), seeded, "BTC-USD", "0.01");

    run_ok(exchange_runtime(dir.path(), &fake, "paper", 3));

    assert!(
        fake.first("GET /api/v3/order?", &format!("origClientOrderId={seeded}"))
            .is_some()
    );
    assert!(posted_ids(&fake).is_empty(), "nothing sent again");
    let order = stored_order(dir.path(), seeded).unwrap();
    assert_eq!(order.status, OrderStatus::Filled, "{order:?}");
    assert_eq!(order.filled_qty.value().normalize().to_string(), "0.01");
    let records = audit(dir.path());
    let fills = events_of(&records, "order_filled");
    assert_eq!(fills.len(), 1, "the venue's fill applied once");
    assert_eq!(fills[0]["fill"]["client_order_id"], seeded);
}

#[test]
fn paper_mode_reconciles_after_the_feed_reconnects() {
    let frames = quiet_frames(6);
    let fake = fake_with(vec![frames[..3].to_vec(), frames[3..].to_vec()], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(exchange_runtime(dir.path(), &fake, "paper", 6));
    assert!(
        stdout(&out).contains("reconnect reconciliations"),
        "{}",
        stdout(&out)
    );
    let heartbeat: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("heartbeat.json")).unwrap())
            .unwrap();
    assert!(
        heartbeat["feed_reconnects"].as_u64().unwrap() >= 1,
        "{heartbeat}"
    );
    assert!(
        heartbeat["reconnect_reconciliations"].as_u64().unwrap() >= 1,
        "{heartbeat}"
    );
    // The venue's health was read again after the reconnect.
    let account_reads = fake
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /api/v3/account?"))
        .count();
    assert!(account_reads >= 2, "{:#?}", fake.requests());
}

#[test]
fn a_key_that_can_withdraw_is_no_go_and_live_start_up_blocks_trading() {
    let fake = fake_with(vec![quiet_frames(2)], |st| st.can_withdraw = true);
    let dir = tempfile::tempdir().unwrap();
    run_ok(exchange_runtime(dir.path(), &fake, "paper", 2));
    let status = status_json(dir.path(), "paper");
    assert_eq!(status["readiness"]["overall_readiness"], "NO_GO");
    assert_eq!(status["heartbeat"]["detail"]["venue"]["can_withdraw"], true);
    let reason = status["readiness"]["live_rollout_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "venue_withdrawals_enabled")
        .cloned()
        .unwrap_or_else(|| panic!("{status:#}"));
    assert_eq!(reason["severity"], "NO_GO");
    assert_eq!(
        reason["message"],
        "The binance API key can withdraw funds (withdrawals must be disabled)"
    );

    // Live on the same key: CRITICAL, kill switch on, nothing sent.
    let fake = fake_with(vec![eth_cross_frames()], |st| st.can_withdraw = true);
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(exchange_runtime(dir.path(), &fake, "live", 70));
    assert!(
        stderr(&out).contains("CRITICAL") || {
            let logs = std::fs::read_dir(dir.path().join("logs"))
                .map(|d| {
                    d.filter_map(Result::ok)
                        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                        .collect::<String>()
                })
                .unwrap_or_default();
            logs.contains("CRITICAL")
        }
    );
    assert!(posted_ids(&fake).is_empty(), "{:#?}", fake.requests());
    let records = audit(dir.path());
    let activated = events_of(&records, "kill_switch_activated");
    assert_eq!(activated.len(), 1, "{activated:?}");
    let text = activated[0].to_string();
    assert!(text.contains("live_not_ready"), "{text}");
    assert!(text.contains("withdraw"), "{text}");
}

#[test]
fn a_clock_offset_beyond_the_limit_is_no_go_with_offset_and_limit() {
    let fake = fake_with(vec![quiet_frames(2)], |st| st.skew_ms = 4_000);
    let dir = tempfile::tempdir().unwrap();
    run_ok(exchange_runtime(dir.path(), &fake, "paper", 2));
    let status = status_json(dir.path(), "paper");
    assert_eq!(status["readiness"]["overall_readiness"], "NO_GO");
    let reason = status["readiness"]["live_rollout_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "venue_clock_offset_exceeded")
        .cloned()
        .unwrap_or_else(|| panic!("{status:#}"));
    let message = reason["message"].as_str().unwrap();
    assert!(
        message.starts_with("Clock offset to the binance server is ")
            && message.ends_with(" ms (limit 1000 ms)"),
        "{message}"
    );
    let offset = status["heartbeat"]["detail"]["venue"]["clock_offset_ms"]
        .as_i64()
        .unwrap();
    assert!((3_000..=5_000).contains(&offset), "{offset}");
    // Signed requests still pass: they carry the measured offset.
    assert!(fake.state().auth_failures.is_empty());
}

#[test]
fn paper_and_live_without_keys_exit_2_naming_both_variables_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for mode in ["paper", "live"] {
        let out = run(&data, &["--feed", "binance", "--mode", mode]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("RAMPART_BINANCE_API_KEY"), "{err}");
        assert!(err.contains("RAMPART_BINANCE_API_SECRET"), "{err}");
    }
    let (key, _) = doc_keys();
    let out = runtime(&data, &["--feed", "binance", "--mode", "paper"])
        .env("RAMPART_BINANCE_API_KEY", key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not set: RAMPART_BINANCE_API_SECRET"),
        "{}",
        stderr(&out)
    );
    assert!(!data.exists(), "nothing written");
}

#[test]
fn strategies_warm_up_on_rest_history_and_a_candle_seen_twice_counts_once() {
    // The down-trending first 62 minutes come from REST history only; the stream sends the
    // last history candle again, then the jump. A cold sma_cross (30 bars) could not cross
    // on the 8 streamed bars; warmed, it buys once.
    let start = this_minute_ms() - 70 * MINUTE_MS;
    let history: Vec<Value> = (0..62)
        .map(|i| kline_row(start + i * MINUTE_MS, &format!("{}.00", 2300 - i)))
        .collect();
    let mut frames = vec![kline(
        "ETHUSDT",
        MINUTE_MS,
        start + 61 * MINUTE_MS,
        "2239.00",
    )];
    frames.extend((62..70).map(|i| kline("ETHUSDT", MINUTE_MS, start + i * MINUTE_MS, "2500.00")));
    let fake = fake_with(vec![frames], |st| {
        st.history.insert("ETHUSDT".to_string(), history);
    });
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(exchange_runtime(dir.path(), &fake, "paper", 8));

    assert_eq!(posted_ids(&fake).len(), 1, "{:?}", fake.requests());
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.starts_with("GET /api/v3/klines?") && r.contains("symbol=ETHUSDT")),
        "{:?}",
        fake.requests()
    );
    let records = audit(dir.path());
    let notes: Vec<String> = events_of(&records, "alert_raised")
        .iter()
        .filter_map(|e| e["alert"]["message"].as_str().map(str::to_string))
        .filter(|m| m.contains("warmed up"))
        .collect();
    assert_eq!(notes.len(), 1, "only ETH has history: {notes:?}");
    assert!(
        notes[0].starts_with("strategies for ETH-USD warmed up on 62 historical candles"),
        "{}",
        notes[0]
    );
    assert!(
        stdout(&out).contains("candles seen in warm-up"),
        "{}",
        stdout(&out)
    );
    assert_eq!(events_of(&records, "order_submitted").len(), 1);
}

#[test]
fn paper_mode_reads_the_exchange_filters_and_records_no_change_on_the_first_read() {
    let fake = fake_with(vec![quiet_frames(3)], |_| {});
    let dir = tempfile::tempdir().unwrap();
    run_ok(exchange_runtime(dir.path(), &fake, "paper", 3));
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.starts_with("GET /api/v3/exchangeInfo?")),
        "{:?}",
        fake.requests()
    );
    let records = audit(dir.path());
    // The first read sets the filters; nothing changed, so no filter alert.
    assert!(
        !events_of(&records, "alert_raised")
            .iter()
            .any(|e| e["alert"]["kind"] == "filter_changed")
    );
}
