//! `runtime --feed binance` (dry-run on live candles) end to end against a local fake of
//! Binance: the combined WebSocket stream sends closed klines in the documented frame shape
//! (../shared/fixtures/binance/ws_kline_event_doc_example.json), REST answers klines.

use futures::SinkExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::fake_binance::{kline, this_minute_ms};
use crate::support::*;

/// Starts the fake REST and WebSocket servers; returns (rest base URL, ws base URL).
fn fake_binance() -> (String, String) {
    let rest = loopback_listener();
    let ws = loopback_listener();
    let urls = (
        format!("http://{}", rest.local_addr().unwrap()),
        format!("ws://{}", ws.local_addr().unwrap()),
    );
    serve_in_background(async move {
        // REST: no history to backfill (the stream delivers everything).
        let app = axum::Router::new().fallback(|| async { "[]" });
        let rest = tokio::net::TcpListener::from_std(rest).unwrap();
        tokio::spawn(async move { axum::serve(rest, app).await.unwrap() });
        let ws = tokio::net::TcpListener::from_std(ws).unwrap();
        while let Ok((tcp, _)) = ws.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                let start = this_minute_ms();
                for i in 0..5 {
                    let open = start + i * 60_000;
                    for (venue, price) in [("BTCUSDT", "42000.5"), ("ETHUSDT", "2200.25")] {
                        if ws
                            .send(Message::text(kline(venue, 60_000, open, price)))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                }
                // Stay connected (silent) until the client goes.
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            });
        }
    });
    urls
}

#[test]
fn dry_run_on_live_binance_candles() {
    let (rest, ws) = fake_binance();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = runtime(dir.path(), &["--feed", "binance", "--iterations", "8"]);
    cmd.env("RAMPART__BINANCE__REST_BASE_URL", &rest)
        .env("RAMPART__BINANCE__WS_BASE_URL", &ws);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = stdout(&out);
    let events = summary
        .lines()
        .find_map(|l| l.trim().strip_prefix("events"))
        .map(|rest| {
            rest.split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string()
        });
    assert_eq!(events.as_deref(), Some("8"), "{summary}");
    let heartbeat: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("heartbeat.json")).unwrap())
            .unwrap();
    assert_eq!(heartbeat["feed"], "binance", "{heartbeat}");
}

#[test]
fn binance_feed_refuses_replay_flags_and_replays_refuse_paper_and_live() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--feed", "binance", "--speed", "60"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--speed and --data"),
        "{}",
        stderr(&out)
    );
    for mode in ["paper", "live"] {
        let out = run(dir.path(), &["--mode", mode]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("needs a live feed"),
            "{}",
            stderr(&out)
        );
    }
    assert!(!dir.path().join("rampart.db").exists());
}
