//! The trade stream of `BinanceKlineFeed` (`feed.trades = true`) against the fake combined
//! stream, with the recorded trade frame: trades next to candles, malformed trade frames
//! counted, repeats after a reconnect dropped, the metrics snapshot.

use std::time::Duration;

use binance::{BinanceConfig, BinanceKlineFeed, KlineFeedConfig};
use domain::ports::MarketDataFeed;
use domain::{MarketEvent, Side, Symbol};
use rust_decimal_macros::dec;

use crate::fake;
use crate::fake_ws::{self, kline, recorded_trade, trade};
use crate::support::{btc, config, public_client};

/// Id of the recorded ETHUSDT trade.
const T0: u64 = 705_291_099;
/// A bar of the recorded klines (any closed bar will do).
const BAR0: i64 = 1_634_943_780_000;

fn eth() -> Symbol {
    Symbol::new("ETH-USD").unwrap()
}

fn feed_config(rest_url: &str, ws_url: &str, trades: bool) -> BinanceConfig {
    BinanceConfig {
        ws_base_url: ws_url.to_string(),
        feed: KlineFeedConfig {
            watchdog_ms: 5_000,
            reconnect_backoff_initial_ms: 20,
            reconnect_backoff_max_ms: 80,
            connect_timeout_ms: 1_000,
            trades,
            ..KlineFeedConfig::default()
        },
        ..config(rest_url)
    }
}

async fn next(feed: &mut BinanceKlineFeed) -> MarketEvent {
    tokio::time::timeout(Duration::from_secs(3), feed.next_event())
        .await
        .expect("an event within 3 s")
        .unwrap()
        .expect("a live feed never ends")
}

async fn next_trade_price(feed: &mut BinanceKlineFeed) -> rust_decimal::Decimal {
    match next(feed).await {
        MarketEvent::Trade(t) => t.price.value(),
        other => panic!("expected a trade, got {other:?}"),
    }
}

#[tokio::test]
async fn trades_arrive_with_candles_malformed_ones_are_counted_and_a_reconnect_repeats_none() {
    let rest = fake::start().await;
    rest.state()
        .other_klines
        .insert("ETHUSDT".to_string(), Vec::new());
    let mut ws = fake_ws::start().await;
    let client = public_client(feed_config(&rest.base_url, &ws.base_url, true));
    let mut feed = BinanceKlineFeed::start(client, vec![eth()]).unwrap();
    let stats = feed.stats();
    let mut conn = ws.accept().await;
    assert_eq!(conn.path, "/stream?streams=ethusdt@kline_1m/ethusdt@trade");

    conn.send_text(recorded_trade()).await;
    // Malformed: not a decimal, no trade id, a zero price, a symbol not subscribed.
    conn.send_text(trade("ETHUSDT", T0 + 1, "abc", true)).await;
    let mut no_id: serde_json::Value = serde_json::from_str(&recorded_trade()).unwrap();
    no_id["data"].as_object_mut().unwrap().remove("t");
    conn.send_text(no_id.to_string()).await;
    conn.send_text(trade("ETHUSDT", T0 + 1, "0", true)).await;
    conn.send_text(trade("BTCUSDT", T0 + 1, "60000", true))
        .await;
    conn.send_text(trade("ETHUSDT", T0 + 1, "4150.00", false))
        .await;
    conn.send_text(kline("ETHUSDT", BAR0, true, "4150.00"))
        .await;

    match next(&mut feed).await {
        MarketEvent::Trade(t) => {
            assert_eq!(t.symbol, eth());
            assert_eq!(t.price.value(), dec!(4149.74));
            assert_eq!(t.qty.value(), dec!(0.4387));
            // "m": true: the buyer was the maker, the seller the aggressor.
            assert_eq!(t.aggressor, Some(Side::Sell));
            assert_eq!(t.ts.timestamp_millis(), 1_639_351_062_243);
        }
        other => panic!("expected the recorded trade, got {other:?}"),
    }
    match next(&mut feed).await {
        MarketEvent::Trade(t) => {
            assert_eq!(t.price.value(), dec!(4150));
            assert_eq!(t.aggressor, Some(Side::Buy));
        }
        other => panic!("expected a trade, got {other:?}"),
    }
    match next(&mut feed).await {
        MarketEvent::Candle(c) => assert_eq!(c.open_time().timestamp_millis(), BAR0),
        other => panic!("expected the candle, got {other:?}"),
    }
    assert_eq!(stats.trades(), 2);
    assert_eq!(stats.malformed_frames(), 4);

    // The stream drops; the new connection repeats the two trades already delivered, then
    // goes on after three trades nobody saw (trades are live only).
    drop(conn);
    let mut conn = ws.accept().await;
    conn.send_text(recorded_trade()).await;
    conn.send_text(trade("ETHUSDT", T0 + 1, "4150.00", false))
        .await;
    conn.send_text(trade("ETHUSDT", T0 + 5, "4151.00", false))
        .await;
    conn.send_text(trade("ETHUSDT", T0 + 6, "4152.00", true))
        .await;
    assert_eq!(next_trade_price(&mut feed).await, dec!(4151));
    assert_eq!(next_trade_price(&mut feed).await, dec!(4152));
    assert_eq!(stats.trades(), 4);
    assert_eq!(stats.duplicate_trades(), 2);
    assert_eq!(stats.missed_trades(), 3);
    assert_eq!(stats.reconnects(), 1);

    let m = feed.metrics();
    assert_eq!((m.trades, m.duplicate_trades, m.missed_trades), (4, 2, 3));
    assert_eq!(
        (m.malformed_frames, m.reconnects, m.stream_candles),
        (4, 1, 1)
    );
    assert!(m.connected);
    assert_eq!(
        m.clock_offset_ms, None,
        "public endpoints only: never synced"
    );
    assert!(
        m.used_weight.is_some(),
        "the backfill's klines answers carried the weight"
    );
    assert!(!m.banned && !m.rate_limited && !m.circuit_open);
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["trades"], 4);
    assert_eq!(json["connected"], true);
}

#[tokio::test]
async fn without_the_trades_flag_trade_frames_are_not_subscribed_and_count_as_malformed() {
    let rest = fake::start().await;
    let mut ws = fake_ws::start().await;
    let client = public_client(feed_config(&rest.base_url, &ws.base_url, false));
    let mut feed = BinanceKlineFeed::start(client, vec![btc()]).unwrap();
    let stats = feed.stats();
    let mut conn = ws.accept().await;
    assert_eq!(conn.path, "/stream?streams=btcusdt@kline_1m");

    conn.send_text(trade("BTCUSDT", 1, "60000", true)).await;
    conn.send_text(kline("BTCUSDT", BAR0, true, "60000")).await;
    assert!(matches!(next(&mut feed).await, MarketEvent::Candle(_)));
    assert_eq!(stats.malformed_frames(), 1);
    assert_eq!(stats.trades(), 0);
}
