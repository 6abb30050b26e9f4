//! `FilterWatch` against the fake REST API serving the recorded `exchangeInfo`: one request
//! for all watched symbols, a changed tickSize reported once, a delisted or halted symbol
//! reported as a change.

use binance::FilterWatch;
use binance::filter_watch::{FilterField, NOT_LISTED, TRADING};
use domain::Symbol;
use rust_decimal_macros::dec;
use serde_json::json;

use crate::fake::{self, Fake};
use crate::support::{btc, config, public_client};

fn eth() -> Symbol {
    Symbol::new("ETH-USD").unwrap()
}

/// Sets `field` of `filter_type` of `venue` in the fake's `exchangeInfo`.
fn set_filter(fake: &Fake, venue: &str, filter_type: &str, field: &str, value: &str) {
    let mut st = fake.state();
    let symbols = st.exchange_info["symbols"].as_array_mut().unwrap();
    let symbol = symbols.iter_mut().find(|s| s["symbol"] == venue).unwrap();
    let filters = symbol["filters"].as_array_mut().unwrap();
    let filter = filters
        .iter_mut()
        .find(|f| f["filterType"] == filter_type)
        .unwrap();
    filter[field] = json!(value);
}

#[tokio::test]
async fn a_changed_tick_size_between_two_reads_is_reported_once() {
    let fake = fake::start().await;
    let client = public_client(config(&fake.base_url));
    let mut watch = FilterWatch::load(&client, &[btc(), eth()]).await.unwrap();
    assert_eq!(
        fake.count("GET /api/v3/exchangeInfo"),
        1,
        "one request for both"
    );
    assert!(watch.is_trading(&btc()) && watch.is_trading(&eth()));
    assert_eq!(watch.get(&btc()).unwrap().tick_size.value(), dec!(0.01));

    assert!(watch.refresh(&client).await.unwrap().is_empty());

    set_filter(&fake, "BTCUSDT", "PRICE_FILTER", "tickSize", "0.10000000");
    let changes = watch.refresh(&client).await.unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    let change = &changes[0];
    assert_eq!(change.symbol, btc());
    assert_eq!(change.venue_symbol, "BTCUSDT");
    assert_eq!(change.field, FilterField::TickSize);
    assert_eq!((change.old.as_str(), change.new.as_str()), ("0.01", "0.1"));
    assert_eq!(
        change.to_string(),
        "BTC-USD (BTCUSDT): tick_size changed from 0.01 to 0.1"
    );
    assert!(!change.stops_trading());
    assert_eq!(watch.filters()[&btc()].tick_size.value(), dec!(0.1));
    assert_eq!(watch.get(&eth()).unwrap().tick_size.value(), dec!(0.01));

    // The same answer again: nothing new.
    assert!(watch.refresh(&client).await.unwrap().is_empty());
    assert_eq!(fake.count("GET /api/v3/exchangeInfo"), 4);
}

#[tokio::test]
async fn a_halted_or_delisted_symbol_is_a_change_that_stops_trading() {
    let fake = fake::start().await;
    let client = public_client(config(&fake.base_url));
    let mut watch = FilterWatch::load(&client, &[btc(), eth()]).await.unwrap();

    {
        let mut st = fake.state();
        let symbols = st.exchange_info["symbols"].as_array_mut().unwrap();
        symbols[0]["status"] = json!("BREAK");
        symbols.retain(|s| s["symbol"] != "ETHUSDT");
    }
    let changes = watch.refresh(&client).await.unwrap();
    let shown: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "BTC-USD (BTCUSDT): status changed from TRADING to BREAK; orders on it will be refused",
            "ETH-USD (ETHUSDT): no longer listed in exchangeInfo (was TRADING); orders on it will be refused",
        ]
    );
    assert_eq!(changes[1].old, TRADING);
    assert_eq!(changes[1].new, NOT_LISTED);
    assert!(changes.iter().all(|c| c.stops_trading()));
    assert!(!watch.is_trading(&btc()) && !watch.is_trading(&eth()));
    // The whole list was refused (-1121), then each symbol asked alone.
    assert_eq!(fake.count("GET /api/v3/exchangeInfo"), 1 + 1 + 2);
    // The last known filters stay available.
    assert_eq!(watch.get(&eth()).unwrap().tick_size.value(), dec!(0.01));
}

#[tokio::test]
async fn a_failed_read_changes_nothing_and_an_unknown_symbol_fails_the_load() {
    let fake = fake::start().await;
    let client = public_client(config(&fake.base_url));
    let err = FilterWatch::load(&client, &[btc(), Symbol::new("XYZ-USD").unwrap()])
        .await
        .unwrap_err();
    assert!(
        matches!(err, binance::BinanceError::UnknownSymbol(ref s) if s == "XYZUSDT"),
        "{err}"
    );

    let mut watch = FilterWatch::load(&client, &[btc()]).await.unwrap();
    let before = watch.clone();
    fake.script(
        "GET /api/v3/exchangeInfo",
        fake::Scripted::new(500, "internal error"),
    );
    set_filter(&fake, "BTCUSDT", "PRICE_FILTER", "tickSize", "0.10000000");
    assert!(watch.refresh(&client).await.is_err());
    assert_eq!(watch, before);
    // The next scheduled read sees the change.
    assert_eq!(watch.refresh(&client).await.unwrap().len(), 1);
}
