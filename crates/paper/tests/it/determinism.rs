//! Same inputs, same outputs: two venues, and a venue restored from a snapshot.

use domain::ports::ExecutionVenue;
use domain::{Fill, MarketEvent, OrderIntent, Side};
use paper::{FillPolicy, PaperConfig, PaperError, PaperSnapshot, PaperVenue, Slippage};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::support::*;

fn config() -> PaperConfig {
    PaperConfig {
        slippage: Slippage::AtrMultiple {
            k: dec!(0.25),
            period: 5,
        },
        max_volume_fraction: Some(dec!(0.05)),
        ..PaperConfig::default()
    }
}

/// A scripted session: a wavy price path with orders sprinkled in.
fn script() -> Vec<(MarketEvent, Vec<OrderIntent>)> {
    (0..40)
        .map(|m: i64| {
            let wave = Decimal::from((m * 37) % 23) * dec!(10);
            let open = dec!(50000) + wave;
            let close = open + Decimal::from(m % 5) * dec!(3) - dec!(6);
            let high = open.max(close) + dec!(25);
            let low = open.min(close) - dec!(30);
            let volume = Decimal::from(1 + m % 4);
            let event = bar(m, [open, high, low, close, volume]);
            let mut orders = Vec::new();
            if m % 6 == 0 {
                orders.push(market(&format!("m{m}"), Side::Buy, dec!(0.3), m));
            }
            if m % 7 == 3 {
                orders.push(limit(
                    &format!("l{m}"),
                    Side::Sell,
                    dec!(0.15),
                    open + dec!(40),
                    m,
                ));
            }
            (event, orders)
        })
        .collect()
}

async fn run(venue: &PaperVenue, steps: &[(MarketEvent, Vec<OrderIntent>)]) -> Vec<Fill> {
    let mut fills = Vec::new();
    for (event, orders) in steps {
        fills.extend(venue.observe_market(event));
        for intent in orders {
            fills.extend(submit(venue, intent.clone()).await.1);
        }
    }
    fills
}

#[tokio::test]
async fn two_venues_fed_the_same_session_produce_identical_fills() {
    let a = PaperVenue::new(config()).unwrap();
    let b = PaperVenue::new(config()).unwrap();
    let fa = run(&a, &script()).await;
    let fb = run(&b, &script()).await;
    assert!(fa.len() > 10, "the script should fill plenty: {}", fa.len());
    assert_eq!(fa, fb);
    assert_eq!(
        a.open_orders().await.unwrap(),
        b.open_orders().await.unwrap()
    );
    assert_eq!(
        serde_json::to_string(&a.snapshot()).unwrap(),
        serde_json::to_string(&b.snapshot()).unwrap()
    );
}

#[tokio::test]
async fn a_restored_venue_continues_exactly_where_the_original_was() {
    let steps = script();
    let (first, rest) = steps.split_at(17);

    let whole = PaperVenue::new(config()).unwrap();
    let mut expected = run(&whole, first).await;
    let json = serde_json::to_string(&whole.snapshot()).unwrap();
    expected.extend(run(&whole, rest).await);

    let snapshot: PaperSnapshot = serde_json::from_str(&json).unwrap();
    let restored = PaperVenue::restore(config(), snapshot).unwrap();
    let interrupted = PaperVenue::new(config()).unwrap();
    let mut got = run(&interrupted, first).await;
    got.extend(run(&restored, rest).await);

    assert_eq!(got, expected);
    assert_eq!(restored.snapshot(), whole.snapshot());
}

#[tokio::test]
async fn restoring_into_a_config_without_the_symbol_fails() {
    let venue = PaperVenue::new(PaperConfig::default()).unwrap();
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, market("keep", Side::Buy, dec!(0.01), 0)).await;
    let snapshot = venue.snapshot();
    assert_eq!(snapshot.orders().count(), 1);

    let mut eth_only = PaperConfig {
        fill: FillPolicy::Close,
        ..PaperConfig::default()
    };
    eth_only.filters.remove(&btc());
    let err = PaperVenue::restore(eth_only, snapshot).unwrap_err();
    assert_eq!(err, PaperError::SnapshotUnknownSymbol { symbol: btc() });
}
