//! `backtest fetch` against a local server that answers `/api/v3/klines` with Binance's
//! real recorded klines (../shared/fixtures/binance), honouring startTime/endTime/limit.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use backtesting::{FetchArgs, FetchVenue, fetch};
use chrono::{TimeZone, Utc};

fn shared() -> PathBuf {
    std::env::var("RAMPART_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
}

type Rows = Arc<Vec<serde_json::Value>>;
type Seen = Arc<Mutex<Vec<HashMap<String, String>>>>;

async fn klines(
    State((rows, seen)): State<(Rows, Seen)>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Vec<serde_json::Value>> {
    seen.lock().unwrap().push(q.clone());
    let start: i64 = q["startTime"].parse().unwrap();
    let end: i64 = q["endTime"].parse().unwrap();
    let limit: usize = q["limit"].parse().unwrap();
    Json(
        rows.iter()
            .filter(|r| {
                let open = r[0].as_i64().unwrap();
                open >= start && open <= end
            })
            .take(limit)
            .cloned()
            .collect(),
    )
}

/// Serves the fixture on 127.0.0.1 from a background thread; returns its base URL.
fn fake_binance(seen: Seen) -> String {
    let text = std::fs::read_to_string(
        shared().join("fixtures/binance/klines_btcusdt_1m_recorded_2021-10-22.json"),
    )
    .unwrap();
    let rows: Rows = Arc::new(serde_json::from_str(&text).unwrap());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new()
                .route("/api/v3/klines", get(klines))
                .with_state((rows, seen));
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{addr}")
}

#[test]
fn fetch_writes_the_recorded_klines_in_our_csv_format() {
    let seen: Seen = Arc::default();
    let base = fake_binance(seen.clone());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("BTC-USD_1m.csv");
    // Two days ending just after the recording (2021-10-22 22:52 .. 23:01 UTC).
    let args = FetchArgs {
        venue: FetchVenue::Binance,
        symbol: "BTC-USD".into(),
        interval: "1m".into(),
        days: 2,
        end: Some(Utc.with_ymd_and_hms(2021, 10, 23, 12, 0, 0).unwrap()),
        out: out.clone(),
        base_url: Some(base),
    };
    let summary = fetch(&args, now()).unwrap();
    assert_eq!(summary.candles, 10);
    assert_eq!(
        summary.first,
        Some(Utc.timestamp_millis_opt(1_634_943_780_000).unwrap())
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "ts,open,high,low,close,volume");
    assert_eq!(
        lines[1],
        "2021-10-22T23:03:00Z,60685.22,60729.84,60670.9,60719.27,21.63272"
    );
    assert_eq!(lines.len(), 11);
    // One request per day, for BTCUSDT, 1m, never overlapping.
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|q| q["symbol"] == "BTCUSDT" && q["interval"] == "1m")
    );
    let first_end: i64 = seen[0]["endTime"].parse().unwrap();
    let second_start: i64 = seen[1]["startTime"].parse().unwrap();
    assert_eq!(second_start, first_end + 1);

    // The file replays: our own reader accepts it.
    let file = replay::SymbolFile::new(domain::Symbol::new("BTC-USD").unwrap(), out);
    let merged = replay::MergedCandles::open([file], replay::TimeRange::ALL).unwrap();
    assert_eq!(merged.count(), 10);
}

#[test]
fn bad_flags_are_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.csv");
    let mut args = FetchArgs {
        venue: FetchVenue::Binance,
        symbol: "BTC-USD".into(),
        interval: "7m".into(),
        days: 1,
        end: None,
        out: out.clone(),
        base_url: Some("http://127.0.0.1:9".into()),
    };
    let err = fetch(&args, now()).unwrap_err();
    assert!(err.to_string().starts_with("--interval"), "{err}");
    assert_eq!(err.exit_code(), 2);
    args.interval = "1m".into();
    args.days = 0;
    assert!(
        fetch(&args, now())
            .unwrap_err()
            .to_string()
            .starts_with("--days")
    );
    // Unreachable server: an error (exit 1), no file.
    args.days = 1;
    let err = fetch(&args, now()).unwrap_err();
    assert_eq!(err.exit_code(), 1, "{err}");
    assert!(!out.exists());
}

/// The wall clock of these tests (only `--end`'s default reads it).
fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}
