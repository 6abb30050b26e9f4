//! Resubmitting a client order id never creates a second order or a second fill.

use domain::ports::{ExecutionVenue, SubmitOutcome};
use domain::{OrderStatus, Side};
use paper::FillPolicy;
use rust_decimal_macros::dec;

use crate::support::*;

#[tokio::test]
async fn a_resubmitted_working_order_returns_the_same_order_and_fills_once() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    let approval = approve(market("dup", Side::Buy, dec!(0.01), 0));
    let SubmitOutcome::Confirmed { order: first, .. } = venue.submit(approval.clone()).await else {
        panic!("first submission refused");
    };
    let second = venue.submit(approval).await;
    assert_eq!(
        second,
        SubmitOutcome::Confirmed {
            order: first.clone(),
            fills: Vec::new()
        }
    );
    assert_eq!(venue.open_orders().await.unwrap(), [first]);

    let fills = venue.observe_market(&flat(1, dec!(50000)));
    assert_eq!(fills.len(), 1, "one order, one fill");
    assert_eq!(venue.fills(&id("dup")).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_resubmission_after_the_fill_reports_the_filled_order_and_fills_nothing_more() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, market("again", Side::Buy, dec!(0.01), 0)).await;
    venue.observe_market(&flat(1, dec!(50000)));

    // Later bar, same id: e.g. a restart that resubmits before reconciling.
    let (order, fills) = submit(&venue, market("again", Side::Buy, dec!(0.01), 3)).await;
    assert_eq!(order.status, OrderStatus::Filled);
    assert!(fills.is_empty());
    for minute in 2..5 {
        assert!(venue.observe_market(&flat(minute, dec!(50000))).is_empty());
    }
    assert_eq!(venue.fills(&id("again")).await.unwrap().len(), 1);
    assert!(venue.open_orders().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_resubmission_with_other_terms_still_returns_the_original_order() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    let (original, _) = submit(&venue, market("same-id", Side::Buy, dec!(0.01), 0)).await;
    let (answer, fills) = submit(&venue, market("same-id", Side::Sell, dec!(0.5), 0)).await;
    assert_eq!(answer, original);
    assert!(fills.is_empty());
    assert_eq!(venue.open_orders().await.unwrap().len(), 1);
}

#[tokio::test]
async fn close_policy_resubmission_does_not_fill_twice() {
    let venue = venue_with(|c| c.fill = FillPolicy::Close);
    venue.observe_market(&flat(0, dec!(50000)));
    let (_, fills) = submit(&venue, market("now", Side::Buy, dec!(0.01), 0)).await;
    assert_eq!(fills.len(), 1);
    let (order, fills) = submit(&venue, market("now", Side::Buy, dec!(0.01), 0)).await;
    assert_eq!(order.status, OrderStatus::Filled);
    assert!(fills.is_empty());
    assert_eq!(venue.fills(&id("now")).await.unwrap().len(), 1);
}
