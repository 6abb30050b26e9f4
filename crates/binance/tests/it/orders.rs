//! Orders: FULL responses parsed into Order + Fills, timeouts resolved by client id without
//! resubmission, every fixture error mapped, queries, cancels, open orders, fills, account.

use std::time::Duration;

use binance::fixtures;
use binance::{AccountSafetyIssue, BinanceConfig};
use domain::ports::{ExecutionVenue, SubmitOutcome, VenueError};
use domain::{OrderFailure, OrderStatus, OrderType, Price, Side, Symbol};
use rust_decimal_macros::dec;

use crate::fake::{self, Scripted};
use crate::support::{approve, btc, config, fixture, id, intent, market_buy, venue};

#[test]
fn full_order_response_fixtures_parse_into_order_and_fills() {
    let (order, fills) =
        fixtures::order(&fixture("order_response_full.json"), &btc(), "BTC", "USDT").unwrap();
    assert_eq!(order.client_order_id.as_str(), "6gCrw2kRUAF9CvJDGP16IP");
    assert_eq!(order.venue_order_id.as_deref(), Some("28"));
    assert_eq!(order.status, OrderStatus::Filled);
    assert_eq!(order.side, Side::Sell);
    assert_eq!(order.order_type, OrderType::Market);
    assert_eq!(order.filled_qty.value(), dec!(10));
    // VWAP of the five fills, not the documentation's placeholder cummulativeQuoteQty.
    assert_eq!(order.avg_fill_price.map(Price::value), Some(dec!(3998.3)));
    assert_eq!(fills.len(), 5);
    assert_eq!(fills[0].trade_id, "56");
    assert_eq!(fills[1].fee.value(), dec!(19.995));
    let total_fee: rust_decimal::Decimal = fills.iter().map(|f| f.fee.value()).sum();
    assert_eq!(total_fee, dec!(39.983));

    let sol = Symbol::new("SOL-USD").unwrap();
    let (order, fills) = fixtures::order(
        &fixture("order_response_full_new_limit_recorded_solusdt.json"),
        &sol,
        "SOL",
        "USDT",
    )
    .unwrap();
    assert_eq!(order.status, OrderStatus::Open);
    assert_eq!(
        order.order_type,
        OrderType::Limit {
            price: Price::new(dec!(241)).unwrap()
        }
    );
    assert_eq!(order.qty.value(), dec!(0.05));
    assert!(fills.is_empty());
    let (order, _) = fixtures::order(
        &fixture("order_response_result.json"),
        &btc(),
        "BTC",
        "USDT",
    )
    .unwrap();
    assert_eq!(order.status, OrderStatus::Filled);
    // ACK has no quantities: not enough to build an order, and says so instead of panicking.
    assert!(fixtures::order(&fixture("order_response_ack.json"), &btc(), "BTC", "USDT").is_err());
}

#[test]
fn account_permissions_report_withdrawals_as_a_safety_issue() {
    let perms = fixtures::account(&fixture("account_info.json")).unwrap();
    assert!(perms.can_trade && perms.can_withdraw);
    assert_eq!(
        perms.safety_issues(),
        vec![AccountSafetyIssue::WithdrawalsEnabled]
    );
    let mut locked = perms.clone();
    locked.can_withdraw = false;
    locked.can_trade = false;
    assert_eq!(
        locked.safety_issues(),
        vec![AccountSafetyIssue::TradingDisabled]
    );
}

#[tokio::test]
async fn market_order_is_confirmed_with_its_fills() {
    let fake = fake::start().await;
    let venue = venue(config(&fake.base_url));
    let outcome = venue
        .submit(approve(market_buy("rp-a-BTCUSD-1-1", dec!(0.02))))
        .await;
    let SubmitOutcome::Confirmed { order, fills } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(order.client_order_id.as_str(), "rp-a-BTCUSD-1-1");
    assert_eq!(order.symbol, btc());
    assert_eq!(fills.len(), 1);
    assert_eq!(fills[0].qty.value(), dec!(0.02));
    assert_eq!(fills[0].price.value(), dec!(50000));
    let sent = fake.state().orders["rp-a-BTCUSD-1-1"].clone();
    assert_eq!(sent["symbol"], "BTCUSDT");
    // Fills are also available afterwards through myTrades.
    let later = venue.fills(&id("rp-a-BTCUSD-1-1")).await.unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].side, Side::Buy);
    assert_eq!(later[0].fee.value(), dec!(0.5));
}

#[tokio::test]
async fn a_timed_out_order_is_found_by_client_id_and_never_sent_twice() {
    let fake = fake::start().await;
    fake.state().order_delay = Some(Duration::from_millis(1500));
    let venue = venue(BinanceConfig {
        request_timeout_ms: 400,
        ..config(&fake.base_url)
    });
    venue.client().sync_time().await.unwrap();
    let intent = market_buy("rp-b-BTCUSD-1-1", dec!(0.01));
    let outcome = venue.submit(approve(intent.clone())).await;
    assert!(
        matches!(outcome, SubmitOutcome::Unknown { .. }),
        "{outcome:?}"
    );
    // What the engine does next (resolve_unknown): query by client id.
    let found = venue.query(&id("rp-b-BTCUSD-1-1")).await.unwrap().unwrap();
    assert_eq!(found.status, OrderStatus::Filled);
    assert_eq!(venue.fills(&id("rp-b-BTCUSD-1-1")).await.unwrap().len(), 1);
    // A resubmission of the same id returns the existing order instead of sending again.
    let again = venue.submit(approve(intent)).await;
    let SubmitOutcome::Confirmed { order, fills } = again else {
        panic!("{again:?}");
    };
    assert_eq!(order.client_order_id.as_str(), "rp-b-BTCUSD-1-1");
    assert!(fills.is_empty(), "fills are reported once, through fills()");
    assert_eq!(fake.count("POST /api/v3/order"), 1);
    assert_eq!(fake.state().orders.len(), 1);
}

#[tokio::test]
async fn a_fresh_venue_finds_an_order_placed_before_a_restart() {
    let fake = fake::start().await;
    let first = venue(config(&fake.base_url));
    let lim = intent(
        "rp-c-BTCUSD-1-1",
        Side::Buy,
        OrderType::Limit {
            price: Price::new(dec!(40000)).unwrap(),
        },
        dec!(0.01),
    );
    assert!(matches!(
        first.submit(approve(lim)).await,
        SubmitOutcome::Confirmed { .. }
    ));
    let restarted = venue(config(&fake.base_url));
    let order = restarted
        .query(&id("rp-c-BTCUSD-1-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.status, OrderStatus::Open);
    assert_eq!(
        order.order_type,
        OrderType::Limit {
            price: Price::new(dec!(40000)).unwrap()
        }
    );
    let open = restarted.open_orders().await.unwrap();
    assert_eq!(open.len(), 1);
    let cancelled = restarted.cancel(&id("rp-c-BTCUSD-1-1")).await.unwrap();
    assert_eq!(cancelled.client_order_id.as_str(), "rp-c-BTCUSD-1-1");
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert!(restarted.open_orders().await.unwrap().is_empty());
    assert!(matches!(
        restarted.cancel(&id("rp-c-BTCUSD-1-1")).await,
        Err(VenueError::Refused(_))
    ));
}

#[tokio::test]
async fn query_of_an_unknown_id_is_none_only_when_binance_says_so() {
    let fake = fake::start().await;
    let venue = venue(config(&fake.base_url));
    assert_eq!(venue.query(&id("rp-x-BTCUSD-1-9")).await.unwrap(), None);
    // Both configured symbols were asked (BTCUSD first, from the id).
    assert_eq!(fake.count("GET /api/v3/order"), 2);
    fake.script(
        "GET /api/v3/order",
        Scripted::new(503, "Service Unavailable"),
    );
    assert!(matches!(
        venue.query(&id("rp-x-BTCUSD-1-9")).await,
        Err(VenueError::Unavailable(_))
    ));
}

/// A predicate on a submission outcome.
type OutcomeCheck = Box<dyn Fn(&SubmitOutcome) -> bool>;

#[tokio::test]
async fn every_fixture_error_maps_to_the_domain_failure() {
    let fake = fake::start().await;
    let venue = venue(config(&fake.base_url));
    venue.client().sync_time().await.unwrap();
    let cases: Vec<(&str, OutcomeCheck)> = vec![
        (
            "error_-1013_filter_failure_lot_size.json",
            Box::new(|o| {
                matches!(o,
            SubmitOutcome::Rejected(OrderFailure::FilterFailure { venue_message, .. }) if venue_message == "Filter failure: LOT_SIZE")
            }),
        ),
        (
            "error_-1013_filter_failure_notional.json",
            Box::new(|o| {
                matches!(o,
            SubmitOutcome::Rejected(OrderFailure::FilterFailure { venue_message, .. }) if venue_message == "Filter failure: NOTIONAL")
            }),
        ),
        (
            "error_-2010_insufficient_balance.json",
            Box::new(|o| {
                matches!(
                    o,
                    SubmitOutcome::Rejected(OrderFailure::InsufficientBalance { .. })
                )
            }),
        ),
        (
            "error_-1022_invalid_signature.json",
            Box::new(|o| matches!(o, SubmitOutcome::Rejected(OrderFailure::Auth { .. }))),
        ),
        (
            "error_generic_doc_example.json",
            Box::new(|o| {
                matches!(
                    o,
                    SubmitOutcome::Rejected(OrderFailure::Rejected {
                        venue_code: Some(-1121),
                        ..
                    })
                )
            }),
        ),
    ];
    for (i, (name, check)) in cases.iter().enumerate() {
        let scripted = if *name == "error_generic_doc_example.json" {
            Scripted::new(400, fixture(name))
        } else {
            Scripted::from_error_fixture(name)
        };
        fake.script("POST /api/v3/order", scripted);
        let outcome = venue
            .submit(approve(market_buy(
                &format!("rp-e-BTCUSD-1-{i}"),
                dec!(0.01),
            )))
            .await;
        assert!(check(&outcome), "{name}: {outcome:?}");
    }
    // -1003 with 429 and Retry-After: rate limited, not retried for an order.
    let posts = fake.count("POST /api/v3/order");
    fake.script(
        "POST /api/v3/order",
        Scripted::from_error_fixture("error_-1003_too_many_requests.json").retry_after(7),
    );
    let outcome = venue
        .submit(approve(market_buy("rp-e-BTCUSD-1-20", dec!(0.01))))
        .await;
    assert_eq!(
        outcome,
        SubmitOutcome::Rejected(OrderFailure::RateLimited {
            retry_after_secs: Some(7)
        })
    );
    assert_eq!(fake.count("POST /api/v3/order"), posts + 1);
    // While the Retry-After runs, a new order fails fast as rate limited without being sent.
    let outcome = venue
        .submit(approve(market_buy("rp-e-BTCUSD-1-21", dec!(0.01))))
        .await;
    assert!(
        matches!(outcome, SubmitOutcome::Rejected(OrderFailure::RateLimited { retry_after_secs: Some(s) }) if s <= 7),
        "{outcome:?}"
    );
    assert_eq!(fake.count("POST /api/v3/order"), posts + 1);
}

#[tokio::test]
async fn server_errors_are_unknown_and_open_the_circuit_breaker() {
    let fake = fake::start().await;
    let venue = venue(BinanceConfig {
        circuit_failure_threshold: 2,
        ..config(&fake.base_url)
    });
    venue.client().sync_time().await.unwrap();
    for i in 0..2 {
        fake.script(
            "POST /api/v3/order",
            Scripted::new(502, "<html>Bad Gateway</html>"),
        );
        let outcome = venue
            .submit(approve(market_buy(
                &format!("rp-f-BTCUSD-1-{i}"),
                dec!(0.01),
            )))
            .await;
        assert!(
            matches!(outcome, SubmitOutcome::Unknown { .. }),
            "{outcome:?}"
        );
    }
    let outcome = venue
        .submit(approve(market_buy("rp-f-BTCUSD-1-9", dec!(0.01))))
        .await;
    let SubmitOutcome::Rejected(OrderFailure::Rejected {
        venue_code: None,
        venue_message,
    }) = &outcome
    else {
        panic!("{outcome:?}");
    };
    assert!(venue_message.contains("circuit breaker"), "{venue_message}");
    assert_eq!(
        fake.count("POST /api/v3/order"),
        2,
        "nothing sent while the circuit is open"
    );
    // Reads still work: the engine can resolve the unknown orders.
    assert_eq!(venue.query(&id("rp-f-BTCUSD-1-0")).await.unwrap(), None);
}

#[tokio::test]
async fn filters_through_the_port_and_unknown_symbols() {
    let fake = fake::start().await;
    let venue = venue(config(&fake.base_url));
    let f = venue.filters(&btc()).await.unwrap();
    assert_eq!(f.min_notional.value(), dec!(10));
    let nope = Symbol::new("NOPE-USD").unwrap();
    assert_eq!(
        venue.filters(&nope).await,
        Err(VenueError::UnknownSymbol(nope))
    );
}
