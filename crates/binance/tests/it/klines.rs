//! Klines: the real response shape, closed candles only, pagination across pages.

use binance::fixtures::klines;
use binance::{BinanceConfig, KlineInterval};
use chrono::DateTime;
use rust_decimal_macros::dec;

use crate::fake;
use crate::support::{btc, config, fixture, public_client};

#[test]
fn recorded_klines_parse_and_the_open_bar_is_left_out() {
    let body = fixture("klines_btcusdt_1m_recorded_2021-10-22.json");
    // The last bar (1634944320000..=1634944379999) is still open at this server time.
    let candles = klines(&body, &btc(), 1_634_944_350_000).unwrap();
    assert_eq!(candles.len(), 9);
    let first = &candles[0];
    assert_eq!(first.open_time().timestamp_millis(), 1_634_943_780_000);
    assert_eq!(first.close_time().timestamp_millis(), 1_634_943_840_000);
    assert_eq!(first.open().value(), dec!(60685.22));
    assert_eq!(first.high().value(), dec!(60729.84));
    assert_eq!(first.low().value(), dec!(60670.90));
    assert_eq!(first.close().value(), dec!(60719.27));
    assert_eq!(first.volume().value(), dec!(21.63272));
    assert_eq!(klines(&body, &btc(), i64::MAX).unwrap().len(), 10);
    let doc = klines(
        &fixture("klines_response_doc_example.json"),
        &btc(),
        i64::MAX,
    )
    .unwrap();
    assert_eq!(doc.len(), 1);
}

#[tokio::test]
async fn history_is_paginated_without_gaps_or_duplicates() {
    let fake = fake::start().await;
    let client = public_client(BinanceConfig {
        klines_page_limit: 4,
        ..config(&fake.base_url)
    });
    let from = DateTime::from_timestamp_millis(1_634_943_780_000).unwrap();
    let to = DateTime::from_timestamp_millis(1_634_944_320_000).unwrap();
    let candles = client
        .klines_history(&btc(), KlineInterval::ONE_MINUTE, from, to)
        .await
        .unwrap();
    assert_eq!(candles.len(), 10);
    for pair in candles.windows(2) {
        assert_eq!(
            pair[0].close_time(),
            pair[1].open_time(),
            "gap or duplicate"
        );
    }
    // 4 + 4 + 2 rows: the short third page ends the download.
    assert_eq!(fake.count("GET /api/v3/klines"), 3);
}

#[tokio::test]
async fn a_window_inside_the_data_returns_just_that_window() {
    let fake = fake::start().await;
    let client = public_client(BinanceConfig {
        klines_page_limit: 2,
        ..config(&fake.base_url)
    });
    let from = DateTime::from_timestamp_millis(1_634_943_840_000).unwrap();
    let to = DateTime::from_timestamp_millis(1_634_943_960_000).unwrap();
    let candles = client
        .klines_history(&btc(), "1m".parse::<KlineInterval>().unwrap(), from, to)
        .await
        .unwrap();
    assert_eq!(candles.len(), 3);
    assert!("7m".parse::<KlineInterval>().is_err());
}
