//! Query, cancel, open orders, filters and the no-work path of `observe_market`.

use domain::ports::{ExecutionVenue, VenueError};
use domain::{OrderFailure, OrderStatus, Side};
use paper::default_filters;
use rust_decimal_macros::dec;

use crate::support::*;

fn refused(result: Result<domain::Order, VenueError>) -> String {
    match result {
        Err(VenueError::Refused(OrderFailure::Rejected { venue_message, .. })) => venue_message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn cancelling_a_working_order_stops_it_from_filling() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, limit("c", Side::Buy, dec!(0.01), dec!(49000), 0)).await;
    venue.observe_market(&flat(1, dec!(50000)));

    let cancelled = venue.cancel(&id("c")).await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(
        cancelled.updated_at,
        t(2),
        "stamped with the last market time the venue saw"
    );
    assert!(venue.open_orders().await.unwrap().is_empty());
    assert!(venue.observe_market(&flat(2, dec!(48000))).is_empty());
    assert_eq!(
        venue.query(&id("c")).await.unwrap().unwrap().status,
        OrderStatus::Cancelled
    );

    let message = refused(venue.cancel(&id("c")).await);
    assert!(message.contains("Cancelled"), "{message}");
}

#[tokio::test]
async fn cancelling_a_partly_filled_order_keeps_what_filled() {
    let venue = venue_with(|c| c.max_volume_fraction = Some(dec!(0.1)));
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, market("part", Side::Buy, dec!(1), 0)).await;
    venue.observe_market(&bar(
        1,
        [dec!(50000), dec!(50000), dec!(50000), dec!(50000), dec!(2)],
    ));
    let cancelled = venue.cancel(&id("part")).await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.filled_qty, qty(dec!(0.2)));
    assert!(venue.observe_market(&flat(2, dec!(50000))).is_empty());
}

#[tokio::test]
async fn cancelling_a_filled_or_unknown_order_is_refused() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, market("done", Side::Buy, dec!(0.01), 0)).await;
    venue.observe_market(&flat(1, dec!(50000)));
    assert!(refused(venue.cancel(&id("done")).await).contains("Filled"));
    assert!(refused(venue.cancel(&id("nope")).await).contains("unknown order"));
}

#[tokio::test]
async fn unknown_ids_are_positively_unknown() {
    let venue = venue_with(|_| {});
    assert_eq!(venue.query(&id("never-sent")).await.unwrap(), None);
    assert!(venue.fills(&id("never-sent")).await.unwrap().is_empty());
}

#[tokio::test]
async fn open_orders_lists_working_orders_in_submission_order_with_deterministic_venue_ids() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, limit("o1", Side::Buy, dec!(0.01), dec!(49000), 0)).await;
    submit(&venue, limit("o2", Side::Sell, dec!(0.01), dec!(51000), 0)).await;
    let open = venue.open_orders().await.unwrap();
    let ids: Vec<_> = open
        .iter()
        .map(|o| (o.client_order_id.as_str(), o.venue_order_id.as_deref()))
        .collect();
    assert_eq!(ids, [("o1", Some("paper-1")), ("o2", Some("paper-2"))]);
}

#[tokio::test]
async fn reports_its_filters() {
    let venue = venue_with(|_| {});
    let expected = default_filters().remove(&btc()).unwrap();
    assert_eq!(venue.filters(&btc()).await.unwrap(), expected);
    assert_eq!(expected.tick_size, price(dec!(0.01)));
    assert_eq!(expected.step_size, qty(dec!(0.00001)));
}

#[tokio::test]
async fn observing_the_market_without_working_orders_returns_nothing() {
    let venue = venue_with(|_| {});
    for minute in 0..100 {
        assert!(venue.observe_market(&flat(minute, dec!(50000))).is_empty());
    }
    let eth = candle_of(
        &sym("ETH-USD"),
        0,
        [dec!(3000), dec!(3010), dec!(2990), dec!(3005), dec!(50)],
    );
    assert!(venue.observe_market(&eth).is_empty());
    let sol = candle_of(
        &sym("SOL-USD"),
        0,
        [dec!(150), dec!(151), dec!(149), dec!(150), dec!(50)],
    );
    assert!(
        venue.observe_market(&sol).is_empty(),
        "a symbol the venue does not trade"
    );
}

#[tokio::test]
async fn orders_of_one_symbol_ignore_another_symbols_bars() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, market("btc-only", Side::Buy, dec!(0.01), 0)).await;
    let eth = candle_of(
        &sym("ETH-USD"),
        1,
        [dec!(3000), dec!(3010), dec!(2990), dec!(3005), dec!(50)],
    );
    assert!(venue.observe_market(&eth).is_empty());
    assert_eq!(venue.observe_market(&flat(1, dec!(50000))).len(), 1);
}

#[tokio::test]
async fn never_fills_on_a_bar_that_started_before_the_order_was_accepted() {
    let venue = venue_with(|_| {});
    let signal_bar = flat(5, dec!(50000));
    venue.observe_market(&signal_bar);
    submit(&venue, market("late", Side::Buy, dec!(0.01), 5)).await;
    assert!(
        venue.observe_market(&signal_bar).is_empty(),
        "the same bar delivered again"
    );
    assert!(
        venue.observe_market(&flat(3, dec!(40000))).is_empty(),
        "an older bar"
    );
    let fills = venue.observe_market(&flat(6, dec!(50100)));
    assert_eq!(fills[0].ts, t(6));
}
