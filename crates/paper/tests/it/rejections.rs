//! The venue refuses what an exchange would refuse, whatever the gate approved.

use domain::ports::{ExecutionVenue, SubmitOutcome, VenueError};
use domain::{FilterFailure, Money, OrderFailure, OrderType, Side};
use paper::FillPolicy;
use rust_decimal_macros::dec;

use crate::support::*;

fn filter_failure(outcome: SubmitOutcome) -> (Option<FilterFailure>, String) {
    match outcome {
        SubmitOutcome::Rejected(OrderFailure::FilterFailure {
            failure,
            venue_message,
        }) => (failure, venue_message),
        other => panic!("expected a filter failure, got {other:?}"),
    }
}

fn refusal_message(outcome: SubmitOutcome) -> String {
    match outcome {
        SubmitOutcome::Rejected(OrderFailure::Rejected { venue_message, .. }) => venue_message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn rejects_an_order_below_the_minimum_notional() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    let outcome = submit_outcome(&venue, market("tiny", Side::Buy, dec!(0.00005), 0)).await;
    let (failure, message) = filter_failure(outcome);
    assert_eq!(
        failure,
        Some(FilterFailure::MinNotional {
            notional: Money::new(dec!(2.5)),
            min: Money::new(dec!(5)),
        })
    );
    assert!(message.contains("NOTIONAL"), "{message}");
    assert_eq!(
        venue.query(&id("tiny")).await.unwrap(),
        None,
        "a rejected order does not exist"
    );
    assert!(venue.observe_market(&flat(1, dec!(50000))).is_empty());
}

#[tokio::test]
async fn judges_a_market_orders_notional_at_the_last_price_not_the_reference() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(40000)));
    // 0.00011 x 50,000 (reference) = 5.5 would pass; at 40,000 it is 4.4.
    let outcome = submit_outcome(&venue, market("stale-ref", Side::Buy, dec!(0.00011), 0)).await;
    let (failure, _) = filter_failure(outcome);
    assert_eq!(
        failure,
        Some(FilterFailure::MinNotional {
            notional: Money::new(dec!(4.4)),
            min: Money::new(dec!(5)),
        })
    );
}

#[tokio::test]
async fn rejects_a_quantity_off_the_step_without_rounding_it() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    let outcome = submit_outcome(&venue, market("step", Side::Buy, dec!(0.010005), 0)).await;
    let (failure, message) = filter_failure(outcome);
    assert_eq!(failure, None, "domain::FilterFailure has no step variant");
    assert!(
        message.contains("LOT_SIZE") && message.contains("0.00001"),
        "{message}"
    );
}

#[tokio::test]
async fn rejects_a_limit_price_off_the_tick() {
    let venue = venue_with(|_| {});
    let outcome = submit_outcome(
        &venue,
        limit("tick", Side::Buy, dec!(0.01), dec!(49999.995), 0),
    )
    .await;
    let (failure, message) = filter_failure(outcome);
    assert_eq!(failure, None);
    assert!(message.contains("PRICE_FILTER"), "{message}");
}

#[tokio::test]
async fn rejects_a_quantity_above_the_maximum() {
    let venue = venue_with(|_| {});
    let outcome = submit_outcome(&venue, limit("whale", Side::Buy, dec!(9000.5), dec!(1), 0)).await;
    let (failure, _) = filter_failure(outcome);
    assert!(
        matches!(failure, Some(FilterFailure::MaxQty { .. })),
        "{failure:?}"
    );
}

#[tokio::test]
async fn rejects_an_unknown_symbol() {
    let venue = venue_with(|_| {});
    let sol = sym("SOL-USD");
    let intent = intent_for(
        &sol,
        "sol",
        Side::Buy,
        OrderType::Market,
        dec!(1),
        dec!(150),
        t(1),
    );
    let message = refusal_message(submit_outcome(&venue, intent).await);
    assert!(message.contains("unknown symbol SOL-USD"), "{message}");
    assert_eq!(
        venue.filters(&sol).await,
        Err(VenueError::UnknownSymbol(sol))
    );
}

#[tokio::test]
async fn close_policy_rejects_a_market_order_before_any_price_was_seen() {
    let venue = venue_with(|c| c.fill = FillPolicy::Close);
    let message =
        refusal_message(submit_outcome(&venue, market("blind", Side::Buy, dec!(0.01), 0)).await);
    assert!(message.contains("no market price"), "{message}");
    assert_eq!(venue.query(&id("blind")).await.unwrap(), None);
}

#[tokio::test]
async fn a_rejected_id_can_be_submitted_again_once_it_is_valid() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    filter_failure(submit_outcome(&venue, market("retry", Side::Buy, dec!(0.00005), 0)).await);
    let (order, _) = submit(&venue, market("retry", Side::Buy, dec!(0.001), 0)).await;
    assert_eq!(order.qty, qty(dec!(0.001)));
}
