//! 429 Retry-After is honoured; 418 stops every request until the ban ends.

use binance::{BinanceError, KlineInterval};
use chrono::DateTime;

use crate::fake::{self, Scripted};
use crate::support::{btc, config, fixture_json, public_client};

fn window() -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    (
        DateTime::from_timestamp_millis(1_634_943_780_000).unwrap(),
        DateTime::from_timestamp_millis(1_634_944_320_000).unwrap(),
    )
}

#[tokio::test]
async fn a_429_is_waited_out_for_as_long_as_retry_after_says() {
    let fake = fake::start().await;
    let body = fixture_json("error_-1003_too_many_requests.json")["body"].to_string();
    fake.script(
        "GET /api/v3/klines",
        Scripted::new(429, body).retry_after(1),
    );
    let client = public_client(config(&fake.base_url));
    let (from, to) = window();
    let candles = client
        .klines_history(&btc(), KlineInterval::ONE_MINUTE, from, to)
        .await
        .unwrap();
    assert_eq!(candles.len(), 10);
    let st = fake.state();
    let times: Vec<_> = st
        .arrivals
        .iter()
        .filter(|(k, _)| k == "GET /api/v3/klines")
        .map(|(_, t)| *t)
        .collect();
    assert_eq!(times.len(), 2);
    let waited = times[1] - times[0];
    assert!(
        waited >= std::time::Duration::from_millis(1000),
        "retried after {waited:?}"
    );
}

#[tokio::test]
async fn a_418_ban_stops_all_requests_until_it_ends() {
    let fake = fake::start().await;
    let body = serde_json::json!({"code": -1003, "msg": "Way too much request weight used; IP banned until 1634944380000. Please use WebSocket Streams for live updates to avoid bans."});
    fake.script(
        "GET /api/v3/klines",
        Scripted::new(418, body.to_string()).retry_after(120),
    );
    let client = public_client(config(&fake.base_url));
    let (from, to) = window();
    let first = client
        .klines_history(&btc(), KlineInterval::ONE_MINUTE, from, to)
        .await
        .unwrap_err();
    let BinanceError::Banned { until } = first else {
        panic!("expected a ban, got {first}");
    };
    assert!(until > client.now() + chrono::TimeDelta::seconds(100));
    assert_eq!(client.banned_until(), Some(until));
    // Every later call fails fast, whatever the endpoint, without reaching the server.
    let again = client
        .klines_history(&btc(), KlineInterval::ONE_MINUTE, from, to)
        .await
        .unwrap_err();
    assert!(matches!(again, BinanceError::Banned { .. }), "{again}");
    assert!(again.to_string().contains("418"), "{again}");
    assert!(client.instrument_filters(&btc()).await.is_err());
    assert!(client.sync_time().await.is_err());
    assert_eq!(fake.count("GET /api/v3/klines"), 1);
    assert_eq!(fake.count("GET /api/v3/exchangeInfo"), 0);
    assert_eq!(fake.count("GET /api/v3/time"), 0);
}
