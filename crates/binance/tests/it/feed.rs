//! The WebSocket kline feed against a fake combined stream and the fake REST API: closed
//! candles only, malformed frames counted, gap backfill without gaps or duplicates, the
//! silence watchdog, the polling fallback, several symbols.

use std::sync::atomic::Ordering;
use std::time::Duration;

use binance::{BinanceConfig, BinanceKlineFeed, KlineFeedConfig};
use domain::ports::MarketDataFeed;
use domain::{Candle, MarketEvent, Symbol};
use rust_decimal_macros::dec;
use tokio_tungstenite::tungstenite::Message;

use crate::fake;
use crate::fake_ws::{self, kline};
use crate::support::{btc, config, public_client};

/// Open time of the first bar of `klines_btcusdt_1m_recorded_2021-10-22.json` (10 bars).
const BAR0: i64 = 1_634_943_780_000;
const MINUTE: i64 = 60_000;

fn bar(i: i64) -> i64 {
    BAR0 + i * MINUTE
}

fn eth() -> Symbol {
    Symbol::new("ETH-USD").unwrap()
}

/// Short timings so every test runs well under a second or two.
fn feed_config(rest_url: &str, ws_url: &str) -> BinanceConfig {
    BinanceConfig {
        ws_base_url: ws_url.to_string(),
        feed: KlineFeedConfig {
            watchdog_ms: 5_000,
            reconnect_backoff_initial_ms: 20,
            reconnect_backoff_max_ms: 80,
            connect_timeout_ms: 1_000,
            ..KlineFeedConfig::default()
        },
        ..config(rest_url)
    }
}

async fn next_candle(feed: &mut BinanceKlineFeed) -> Candle {
    let event = tokio::time::timeout(Duration::from_secs(3), feed.next_event())
        .await
        .expect("a candle within 3 s")
        .unwrap()
        .expect("a live feed never ends");
    match event {
        MarketEvent::Candle(c) => c,
        other => panic!("expected a candle, got {other:?}"),
    }
}

async fn open_times(feed: &mut BinanceKlineFeed, n: usize) -> Vec<i64> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(next_candle(feed).await.open_time().timestamp_millis());
    }
    out
}

#[tokio::test]
async fn closed_klines_are_delivered_open_ones_skipped_malformed_counted_pings_answered() {
    let rest = fake::start().await;
    let mut ws = fake_ws::start().await;
    let client = public_client(feed_config(&rest.base_url, &ws.base_url));
    let mut feed = BinanceKlineFeed::start(client, vec![btc()]).unwrap();
    let stats = feed.stats();
    let mut conn = ws.accept().await;
    assert_eq!(conn.path, "/stream?streams=btcusdt@kline_1m");

    conn.send_text("not json").await;
    conn.send_text(r#"{"stream":"btcusdt@kline_1m","data":{"e":"kline","s":"BTCUSDT"}}"#)
        .await;
    conn.send_text(kline("BTCUSDT", bar(0), false, "60700.00"))
        .await;
    conn.send_text(kline("BTCUSDT", bar(0), true, "60719.27"))
        .await;
    conn.send_text(kline("BTCUSDT", bar(1), false, "60750.00"))
        .await;
    conn.send_text(kline("BTCUSDT", bar(1), true, "60760.50"))
        .await;

    let first = next_candle(&mut feed).await;
    assert_eq!(first.symbol(), &btc());
    assert_eq!(first.open_time().timestamp_millis(), bar(0));
    assert_eq!(first.close_time().timestamp_millis(), bar(1));
    assert_eq!(first.close().value(), dec!(60719.27));
    let second = next_candle(&mut feed).await;
    assert_eq!(second.open_time().timestamp_millis(), bar(1));
    assert_eq!(second.close().value(), dec!(60760.5));
    assert_eq!(stats.malformed_frames(), 2);
    assert_eq!(stats.stream_candles(), 2);

    // tungstenite answers pings because the feed keeps reading.
    futures::SinkExt::send(&mut conn.ws, Message::Ping("hb".into()))
        .await
        .unwrap();
    assert_eq!(conn.recv().await, Message::Pong("hb".into()));
    assert_eq!(stats.reconnects(), 0);
    assert!(stats.connected());
}

#[tokio::test]
async fn a_disconnect_mid_candle_is_backfilled_from_rest_without_gaps_or_duplicates() {
    let rest = fake::start().await;
    let mut ws = fake_ws::start().await;
    let client = public_client(feed_config(&rest.base_url, &ws.base_url));
    let mut feed = BinanceKlineFeed::start(client, vec![btc()]).unwrap();
    let stats = feed.stats();

    let mut conn = ws.accept().await;
    conn.send_text(kline("BTCUSDT", bar(0), true, "1")).await;
    conn.send_text(kline("BTCUSDT", bar(1), true, "1")).await;
    conn.send_text(kline("BTCUSDT", bar(2), false, "1")).await;
    assert_eq!(open_times(&mut feed, 2).await, vec![bar(0), bar(1)]);
    drop(conn); // mid-candle: bar 2 never got its final frame on this connection

    // Bars 2..=9 closed while we were away: REST has them. The new connection repeats
    // bars 5 and 9 (must be dropped) before the first new bar, 10.
    let mut conn = ws.accept().await;
    conn.send_text(kline("BTCUSDT", bar(5), true, "1")).await;
    conn.send_text(kline("BTCUSDT", bar(9), true, "1")).await;
    conn.send_text(kline("BTCUSDT", bar(10), true, "1")).await;

    let expected: Vec<i64> = (2..=10).map(bar).collect();
    assert_eq!(open_times(&mut feed, 9).await, expected);
    assert_eq!(stats.backfilled_candles(), 8);
    assert_eq!(stats.stream_candles(), 3);
    assert_eq!(stats.reconnects(), 1);

    // Nothing else is pending: a further frame is the next thing delivered.
    conn.send_text(kline("BTCUSDT", bar(11), true, "1")).await;
    assert_eq!(
        next_candle(&mut feed).await.open_time().timestamp_millis(),
        bar(11)
    );
}

#[tokio::test]
async fn a_silent_stream_trips_the_watchdog_and_the_feed_reconnects() {
    let rest = fake::start().await;
    let mut ws = fake_ws::start().await;
    let mut cfg = feed_config(&rest.base_url, &ws.base_url);
    cfg.feed.watchdog_ms = 300;
    let mut feed = BinanceKlineFeed::start(public_client(cfg), vec![btc()]).unwrap();
    let stats = feed.stats();

    let mut silent = ws.accept().await; // accepted, then never a frame
    let started = tokio::time::Instant::now();
    let mut conn = ws.accept().await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(stats.watchdog_timeouts(), 1);
    assert_eq!(stats.reconnects(), 1);
    // The feed let go of the silent connection.
    let end = tokio::time::timeout(
        Duration::from_secs(1),
        futures::StreamExt::next(&mut silent.ws),
    )
    .await
    .expect("the silent connection is closed by the feed");
    assert!(!matches!(end, Some(Ok(Message::Text(_)))));

    conn.send_text(kline("BTCUSDT", bar(0), true, "1")).await;
    assert_eq!(
        next_candle(&mut feed).await.open_time().timestamp_millis(),
        bar(0)
    );
}

#[tokio::test]
async fn while_the_stream_is_down_rest_polling_keeps_candles_coming() {
    let rest = fake::start().await;
    let mut ws = fake_ws::start().await;
    let mut cfg = feed_config(&rest.base_url, &ws.base_url);
    cfg.feed.reconnect_backoff_initial_ms = 400;
    cfg.feed.reconnect_backoff_max_ms = 800;
    cfg.feed.poll_interval_ms = Some(50);
    let mut feed = BinanceKlineFeed::start(public_client(cfg), vec![btc()]).unwrap();
    let stats = feed.stats();

    let mut conn = ws.accept().await;
    conn.send_text(kline("BTCUSDT", bar(0), true, "1")).await;
    assert_eq!(open_times(&mut feed, 1).await, vec![bar(0)]);
    ws.refuse.store(true, Ordering::SeqCst);
    drop(conn);

    let expected: Vec<i64> = (1..=9).map(bar).collect();
    assert_eq!(open_times(&mut feed, 9).await, expected);
    assert_eq!(stats.backfilled_candles(), 9);
    assert!(!stats.connected());
}

#[tokio::test]
async fn two_symbols_interleave_each_in_time_order() {
    let rest = fake::start().await;
    rest.state()
        .other_klines
        .insert("ETHUSDT".to_string(), Vec::new());
    let mut ws = fake_ws::start().await;
    let client = public_client(feed_config(&rest.base_url, &ws.base_url));
    let mut feed = BinanceKlineFeed::start(client, vec![btc(), eth()]).unwrap();
    let stats = feed.stats();
    let mut conn = ws.accept().await;
    assert_eq!(
        conn.path,
        "/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m"
    );

    for (venue, i) in [
        ("BTCUSDT", 0),
        ("ETHUSDT", 0),
        ("ETHUSDT", 1),
        ("BTCUSDT", 1),
        ("ETHUSDT", 0), // repeated: dropped
        ("BTCUSDT", 2),
        ("ETHUSDT", 2),
    ] {
        conn.send_text(kline(venue, bar(i), true, "1")).await;
    }
    let mut seen = Vec::new();
    for _ in 0..6 {
        let c = next_candle(&mut feed).await;
        seen.push((
            c.symbol().as_str().to_string(),
            c.open_time().timestamp_millis(),
        ));
    }
    let per_symbol = |s: &str| -> Vec<i64> {
        seen.iter()
            .filter(|(sym, _)| sym == s)
            .map(|(_, t)| *t)
            .collect()
    };
    assert_eq!(per_symbol("BTC-USD"), vec![bar(0), bar(1), bar(2)]);
    assert_eq!(per_symbol("ETH-USD"), vec![bar(0), bar(1), bar(2)]);
    assert_eq!(
        seen.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
        [
            "BTC-USD", "ETH-USD", "ETH-USD", "BTC-USD", "BTC-USD", "ETH-USD"
        ]
    );
    assert_eq!(stats.malformed_frames(), 0);
}
