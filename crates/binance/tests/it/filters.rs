//! exchangeInfo filters -> InstrumentFilters, and rounding that passes Binance's own rules.

use binance::fixtures::{exchange_info_filters, filters_from_array};
use domain::{InstrumentFilters, Price, Qty, Side};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;

use crate::fake;
use crate::support::{btc, config, fixture, fixture_json, public_client};

fn d(v: &Value, field: &str) -> Decimal {
    v[field].as_str().unwrap().parse().unwrap()
}

/// Binance's documented filter rules, evaluated straight from the raw JSON filters
/// (filters.md), independent of the adapter's mapping.
fn binance_accepts(
    raw: &[Value],
    price: Decimal,
    qty: Decimal,
    market: bool,
) -> Result<(), String> {
    for f in raw {
        match f["filterType"].as_str().unwrap() {
            "PRICE_FILTER" if !market => {
                let (min, max, tick) = (d(f, "minPrice"), d(f, "maxPrice"), d(f, "tickSize"));
                if price < min
                    || price > max
                    || (tick > Decimal::ZERO && (price - min) % tick != Decimal::ZERO)
                {
                    return Err(format!("PRICE_FILTER {price}"));
                }
            }
            t @ ("LOT_SIZE" | "MARKET_LOT_SIZE") if t == "LOT_SIZE" || market => {
                let (min, max, step) = (d(f, "minQty"), d(f, "maxQty"), d(f, "stepSize"));
                if qty < min
                    || qty > max
                    || (step > Decimal::ZERO && (qty - min) % step != Decimal::ZERO)
                {
                    return Err(format!("{t} {qty}"));
                }
            }
            "MIN_NOTIONAL" if price * qty < d(f, "minNotional") => {
                return Err(format!("MIN_NOTIONAL {}", price * qty));
            }
            "NOTIONAL" => {
                let n = price * qty;
                if n < d(f, "minNotional") || n > d(f, "maxNotional") {
                    return Err(format!("NOTIONAL {n}"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn recorded() -> Vec<(String, InstrumentFilters)> {
    exchange_info_filters(&fixture(
        "exchange_info_btcusdt_ethusdt_recorded_2021-10-22.json",
    ))
    .unwrap()
}

#[test]
fn recorded_exchange_info_maps_to_instrument_filters() {
    let all = recorded();
    assert_eq!(all.len(), 2);
    let (name, btc) = &all[0];
    assert_eq!(name, "BTCUSDT");
    assert_eq!(btc.tick_size.value(), dec!(0.01));
    assert_eq!(btc.step_size.value(), dec!(0.00001));
    assert_eq!(btc.min_qty.value(), dec!(0.00001));
    // MARKET_LOT_SIZE (112.2110882) is stricter than LOT_SIZE (9000) and applies to all orders.
    assert_eq!(btc.max_qty.value(), dec!(112.2110882));
    assert_eq!(btc.min_notional.value(), dec!(10));
    assert_eq!(btc.max_notional, None);
    assert_eq!(all[1].0, "ETHUSDT");
}

#[test]
fn doc_example_without_filters_is_an_error_not_a_panic() {
    let err = exchange_info_filters(&fixture("exchange_info_doc_example.json")).unwrap_err();
    assert!(err.to_string().contains("LOT_SIZE"), "{err}");
}

#[test]
fn documented_filter_examples_including_notional_map_to_instrument_filters() {
    let docs = fixture_json("filters_doc_examples.json");
    let raw: Vec<Value> = docs.as_object().unwrap().values().cloned().collect();
    let f = filters_from_array(&Value::Array(raw).to_string()).unwrap();
    assert_eq!(f.tick_size.value(), dec!(0.000001));
    assert_eq!(f.step_size.value(), dec!(0.001));
    assert_eq!(f.min_qty.value(), dec!(0.001));
    assert_eq!(f.max_qty.value(), dec!(100000));
    // The larger of MIN_NOTIONAL (0.001) and NOTIONAL.minNotional (10).
    assert_eq!(f.min_notional.value(), dec!(10));
    assert_eq!(f.max_notional.map(|m| m.value()), Some(dec!(10000)));
}

#[test]
fn conformed_orders_pass_binance_rules() {
    let info = fixture_json("exchange_info_btcusdt_ethusdt_recorded_2021-10-22.json");
    let raw_btc = info["symbols"][0]["filters"].as_array().unwrap().clone();
    let btc = &recorded()[0].1;
    let cases = [
        (Side::Buy, Some(dec!(60719.2877)), dec!(0.123456789)),
        (Side::Sell, Some(dec!(60719.2811)), dec!(0.00098765)),
        (Side::Buy, None, dec!(1.000009)),
        (Side::Sell, None, dec!(200)), // above MARKET_LOT_SIZE.maxQty: must fail, not pass wrongly
    ];
    for (side, limit, q) in cases {
        let reference = Price::new(dec!(60719.27)).unwrap();
        let conformed = btc.conform(
            side,
            limit.map(|p| Price::new(p).unwrap()),
            reference,
            Qty::new(q).unwrap(),
        );
        match conformed {
            Ok(c) => {
                let price = c.limit_price.unwrap_or(reference).value();
                binance_accepts(&raw_btc, price, c.qty.value(), limit.is_none())
                    .unwrap_or_else(|e| panic!("conformed {side:?} {limit:?} {q} failed {e}"));
            }
            Err(failures) => assert!(q == dec!(200), "unexpected failures {failures:?}"),
        }
    }
    // And with the documented NOTIONAL filter set.
    let docs = fixture_json("filters_doc_examples.json");
    let raw: Vec<Value> = docs.as_object().unwrap().values().cloned().collect();
    let f = filters_from_array(&Value::Array(raw.clone()).to_string()).unwrap();
    let c = f
        .conform(
            Side::Buy,
            Some(Price::new(dec!(12.3456789)).unwrap()),
            Price::new(dec!(12.34)).unwrap(),
            Qty::new(dec!(5.55555)).unwrap(),
        )
        .unwrap();
    binance_accepts(&raw, c.limit_price.unwrap().value(), c.qty.value(), false).unwrap();
}

#[tokio::test]
async fn filters_are_fetched_from_exchange_info() {
    let fake = fake::start().await;
    let client = public_client(config(&fake.base_url));
    let f = client.instrument_filters(&btc()).await.unwrap();
    assert_eq!(f.tick_size.value(), dec!(0.01));
    let err = client
        .instrument_filters(&domain::Symbol::new("XYZ-USD").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, binance::BinanceError::UnknownSymbol(ref s) if s == "XYZUSDT"),
        "{err}"
    );
}
