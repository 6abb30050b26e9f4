//! Server-time offset: measured, applied, and a -1021 answered by one resync and one retry.

use domain::ports::{ExecutionVenue, SubmitOutcome};
use domain::{OrderFailure, OrderStatus};
use rust_decimal_macros::dec;

use crate::fake::{self, Scripted};
use crate::support::{approve, config, market_buy, venue};

#[tokio::test]
async fn offset_is_measured_and_applied_to_signed_requests() {
    let fake = fake::start().await;
    fake.state().skew_ms = 30_000;
    let venue = venue(config(&fake.base_url));
    // The first signed request measures the offset itself; it is then accepted although the
    // local clock is 30 s behind (recvWindow is 5 s).
    let perms = venue.account_permissions().await.unwrap();
    assert!(perms.can_trade);
    let offset = venue.client().clock_offset_ms().unwrap();
    assert!((29_000..=31_000).contains(&offset), "offset {offset}");
    assert_eq!(
        venue.client().clock_offset_ok(),
        Some(false),
        "30 s is beyond the 1 s limit"
    );
    assert!(fake.state().auth_failures.is_empty());
}

#[tokio::test]
async fn a_minus_1021_triggers_a_resync_and_the_retry_succeeds() {
    let fake = fake::start().await;
    let venue = venue(config(&fake.base_url));
    venue.client().sync_time().await.unwrap();
    // The local clock drifts (here: the server jumps 20 s ahead) after the last sync.
    fake.state().skew_ms = 20_000;
    let outcome = venue
        .submit(approve(market_buy("rp-t-BTCUSD-1-1", dec!(0.01))))
        .await;
    let SubmitOutcome::Confirmed { order, .. } = outcome else {
        panic!("expected confirmation, got {outcome:?}");
    };
    assert_eq!(order.status, OrderStatus::Filled);
    assert_eq!(
        fake.count("POST /api/v3/order"),
        2,
        "one refused, one retried"
    );
    assert_eq!(
        fake.count("GET /api/v3/time"),
        2,
        "initial sync + one resync"
    );
    assert_eq!(fake.state().orders.len(), 1);
}

#[tokio::test]
async fn a_second_minus_1021_is_not_retried_again() {
    let fake = fake::start().await;
    let venue = venue(config(&fake.base_url));
    venue.client().sync_time().await.unwrap();
    for _ in 0..3 {
        fake.script(
            "POST /api/v3/order",
            Scripted::from_error_fixture("error_-1021_timestamp_outside_recvwindow.json"),
        );
    }
    let outcome = venue
        .submit(approve(market_buy("rp-t-BTCUSD-1-2", dec!(0.01))))
        .await;
    assert_eq!(
        outcome,
        SubmitOutcome::Rejected(OrderFailure::Rejected {
            venue_code: Some(-1021),
            venue_message: "Timestamp for this request is outside of the recvWindow.".to_string()
        })
    );
    assert_eq!(fake.count("POST /api/v3/order"), 2, "exactly one retry");
    assert_eq!(fake.count("GET /api/v3/time"), 2);
}
