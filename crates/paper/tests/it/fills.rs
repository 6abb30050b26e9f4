//! Execution prices, fees, timestamps and partial fills.

use domain::ports::ExecutionVenue;
use domain::{InstrumentFilters, Money, OrderStatus, Side};
use paper::{FillPolicy, Slippage};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::support::*;

#[tokio::test]
async fn next_open_market_buy_fills_at_the_next_open_plus_slippage_with_commission() {
    let venue = venue_with(|_| {});
    assert!(venue.observe_market(&flat(0, dec!(50000))).is_empty());
    let (order, fills) = submit(&venue, market("b1", Side::Buy, dec!(0.01), 0)).await;
    assert_eq!(order.status, OrderStatus::Open);
    assert!(fills.is_empty(), "next-open never fills at submission");

    let fills = venue.observe_market(&bar(
        1,
        [dec!(50010), dec!(50100), dec!(49900), dec!(50050), dec!(10)],
    ));
    assert_eq!(fills.len(), 1);
    let fill = &fills[0];
    // 50,010 x (1 + 5 bps) = 50,035.005, rounded up to the tick.
    assert_eq!(fill.price, price(dec!(50035.01)));
    assert_eq!(fill.qty, qty(dec!(0.01)));
    // 10 bps of 500.3501.
    assert_eq!(fill.fee, Money::new(dec!(0.5003501)));
    assert_eq!(fill.ts, t(1), "stamped at the bar's open");
    assert_eq!(fill.trade_id, "b1-1");
    assert_eq!(fill.side, Side::Buy);
    assert_eq!(fill.symbol, btc());

    let order = venue.query(&id("b1")).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::Filled);
    assert_eq!(order.filled_qty, qty(dec!(0.01)));
    assert_eq!(order.avg_fill_price, Some(price(dec!(50035.01))));
    assert_eq!(order.updated_at, t(1));
    assert!(venue.open_orders().await.unwrap().is_empty());
    assert_eq!(venue.fills(&id("b1")).await.unwrap(), fills);
}

#[tokio::test]
async fn next_open_market_sell_receives_the_open_minus_slippage() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, market("s1", Side::Sell, dec!(0.01), 0)).await;
    let fills = venue.observe_market(&bar(
        1,
        [dec!(50010), dec!(50100), dec!(49900), dec!(50050), dec!(10)],
    ));
    // 50,010 x (1 - 5 bps) = 49,984.995, rounded down to the tick.
    assert_eq!(fills[0].price, price(dec!(49984.99)));
    assert_eq!(fills[0].fee, Money::new(dec!(0.4998499)));
}

#[tokio::test]
async fn close_policy_fills_a_market_order_at_once_at_the_last_close() {
    let venue = venue_with(|c| c.fill = FillPolicy::Close);
    venue.observe_market(&bar(
        0,
        [dec!(49900), dec!(50100), dec!(49800), dec!(50000), dec!(10)],
    ));
    let (order, fills) = submit(&venue, market("c1", Side::Buy, dec!(0.01), 0)).await;
    assert_eq!(order.status, OrderStatus::Filled);
    assert_eq!(fills.len(), 1);
    assert_eq!(fills[0].price, price(dec!(50025)), "50,000 + 5 bps");
    assert_eq!(fills[0].fee, Money::new(dec!(0.50025)));
    assert_eq!(fills[0].ts, t(1), "stamped at the bar's close");
    assert!(venue.observe_market(&flat(1, dec!(51000))).is_empty());
    assert_eq!(venue.fills(&id("c1")).await.unwrap(), fills);
}

#[tokio::test]
async fn close_policy_sell_receives_the_close_minus_slippage() {
    let venue = venue_with(|c| c.fill = FillPolicy::Close);
    venue.observe_market(&flat(0, dec!(50000)));
    let (_, fills) = submit(&venue, market("c2", Side::Sell, dec!(0.02), 0)).await;
    assert_eq!(fills[0].price, price(dec!(49975)));
    assert_eq!(fills[0].fee, Money::new(dec!(0.9995)));
}

#[tokio::test]
async fn limit_buy_fills_only_when_the_low_reaches_it_at_the_limit_or_the_open() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, limit("l1", Side::Buy, dec!(0.01), dec!(49900), 0)).await;

    let above = bar(
        1,
        [dec!(50000), dec!(50100), dec!(49950), dec!(50050), dec!(10)],
    );
    assert!(
        venue.observe_market(&above).is_empty(),
        "low 49,950 never reached 49,900"
    );
    assert_eq!(
        venue.query(&id("l1")).await.unwrap().unwrap().status,
        OrderStatus::Open
    );

    let through = bar(
        2,
        [dec!(49980), dec!(50000), dec!(49890), dec!(49950), dec!(10)],
    );
    let fills = venue.observe_market(&through);
    assert_eq!(fills.len(), 1);
    assert_eq!(
        fills[0].price,
        price(dec!(49900)),
        "min(open 49,980, limit) without slippage"
    );
    assert_eq!(fills[0].fee, Money::new(dec!(0.499)));
    assert_eq!(
        fills[0].ts,
        t(3),
        "traded through during the bar: stamped at its close"
    );

    submit(&venue, limit("l2", Side::Buy, dec!(0.01), dec!(49900), 2)).await;
    let gap_down = bar(
        3,
        [dec!(49800), dec!(49850), dec!(49700), dec!(49750), dec!(10)],
    );
    let fills = venue.observe_market(&gap_down);
    assert_eq!(
        fills[0].price,
        price(dec!(49800)),
        "opened below the limit: fills at the open"
    );
    assert_eq!(fills[0].ts, t(3));
}

#[tokio::test]
async fn limit_sell_fills_when_the_high_reaches_it_at_the_limit_or_the_open() {
    let venue = venue_with(|_| {});
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, limit("ls1", Side::Sell, dec!(0.01), dec!(50200), 0)).await;
    assert!(
        venue
            .observe_market(&bar(
                1,
                [dec!(50000), dec!(50150), dec!(49900), dec!(50100), dec!(5)]
            ))
            .is_empty()
    );
    let fills = venue.observe_market(&bar(
        2,
        [dec!(50100), dec!(50250), dec!(50050), dec!(50200), dec!(5)],
    ));
    assert_eq!(fills[0].price, price(dec!(50200)));

    submit(&venue, limit("ls2", Side::Sell, dec!(0.01), dec!(50200), 2)).await;
    let fills = venue.observe_market(&bar(
        3,
        [dec!(50300), dec!(50400), dec!(50250), dec!(50350), dec!(5)],
    ));
    assert_eq!(
        fills[0].price,
        price(dec!(50300)),
        "opened above the limit: fills at the open"
    );
}

#[tokio::test]
async fn close_policy_fills_a_marketable_limit_at_once_and_rests_the_others() {
    let venue = venue_with(|c| c.fill = FillPolicy::Close);
    venue.observe_market(&flat(0, dec!(50000)));
    let (order, fills) = submit(&venue, limit("m1", Side::Buy, dec!(0.01), dec!(50100), 0)).await;
    assert_eq!(order.status, OrderStatus::Filled);
    assert_eq!(
        fills[0].price,
        price(dec!(50000)),
        "at the close, better than the limit, no slippage"
    );
    let (order, fills) = submit(&venue, limit("m2", Side::Buy, dec!(0.01), dec!(49900), 0)).await;
    assert_eq!(order.status, OrderStatus::Open);
    assert!(fills.is_empty());
}

#[tokio::test]
async fn volume_cap_spreads_a_large_order_over_bars_as_partial_fills() {
    let venue = venue_with(|c| {
        c.max_volume_fraction = Some(dec!(0.1));
        c.slippage = Slippage::Bps(Decimal::ZERO);
    });
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, market("big", Side::Buy, dec!(1), 0)).await;

    let vols_and_opens = [
        (dec!(3), dec!(50000)),
        (dec!(4), dec!(50100)),
        (dec!(10), dec!(50200)),
    ];
    let mut got = Vec::new();
    for (minute, (volume, open)) in (1..).zip(vols_and_opens) {
        let fills = venue.observe_market(&bar(minute, [open, open, open, open, volume]));
        let order = venue.query(&id("big")).await.unwrap().unwrap();
        got.push((
            fills.iter().map(|f| f.qty.value()).collect::<Vec<_>>(),
            order.status,
        ));
    }
    assert_eq!(
        got,
        [
            (vec![dec!(0.3)], OrderStatus::PartiallyFilled),
            (vec![dec!(0.4)], OrderStatus::PartiallyFilled),
            (vec![dec!(0.3)], OrderStatus::Filled),
        ]
    );
    let order = venue.query(&id("big")).await.unwrap().unwrap();
    assert_eq!(order.filled_qty, qty(dec!(1)));
    // (0.3 x 50,000 + 0.4 x 50,100 + 0.3 x 50,200) / 1
    assert_eq!(order.avg_fill_price, Some(price(dec!(50100))));
    let ids: Vec<String> = venue
        .fills(&id("big"))
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.trade_id)
        .collect();
    assert_eq!(ids, ["big-1", "big-2", "big-3"]);
}

#[tokio::test]
async fn orders_share_a_bars_volume_budget_in_submission_order() {
    let venue = venue_with(|c| c.max_volume_fraction = Some(dec!(0.1)));
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, market("first", Side::Buy, dec!(0.2), 0)).await;
    submit(&venue, market("second", Side::Sell, dec!(0.2), 0)).await;
    let fills = venue.observe_market(&bar(
        1,
        [dec!(50000), dec!(50000), dec!(50000), dec!(50000), dec!(3)],
    ));
    let split: Vec<_> = fills
        .iter()
        .map(|f| (f.client_order_id.as_str().to_string(), f.qty.value()))
        .collect();
    assert_eq!(
        split,
        [
            ("first".to_string(), dec!(0.2)),
            ("second".to_string(), dec!(0.1))
        ]
    );
}

#[tokio::test]
async fn a_capped_fill_below_the_minimum_quantity_waits_unless_it_completes_the_order() {
    let venue = venue_with(|c| {
        c.max_volume_fraction = Some(dec!(0.1));
        let f = c.filters.get_mut(&btc()).unwrap();
        *f = InstrumentFilters {
            step_size: qty(dec!(0.0001)),
            min_qty: qty(dec!(0.001)),
            ..f.clone()
        };
    });
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, market("dust", Side::Buy, dec!(0.0015), 0)).await;

    // Budget 0.1 x 0.005 = 0.0005 < min qty 0.001: nothing fills.
    let thin = |m| {
        bar(
            m,
            [
                dec!(50000),
                dec!(50000),
                dec!(50000),
                dec!(50000),
                dec!(0.005),
            ],
        )
    };
    assert!(venue.observe_market(&thin(1)).is_empty());
    assert_eq!(
        venue.query(&id("dust")).await.unwrap().unwrap().status,
        OrderStatus::Open
    );

    // Budget 0.001: fills the minimum, leaving 0.0005.
    let fuller = |m| {
        bar(
            m,
            [
                dec!(50000),
                dec!(50000),
                dec!(50000),
                dec!(50000),
                dec!(0.01),
            ],
        )
    };
    assert_eq!(venue.observe_market(&fuller(2))[0].qty, qty(dec!(0.001)));
    // The 0.0005 remainder is below the minimum but completes the order.
    assert_eq!(venue.observe_market(&fuller(3))[0].qty, qty(dec!(0.0005)));
    assert_eq!(
        venue.query(&id("dust")).await.unwrap().unwrap().status,
        OrderStatus::Filled
    );
}

#[tokio::test]
async fn atr_slippage_moves_the_price_by_k_times_the_atr_before_the_bar() {
    let venue = venue_with(|c| {
        c.slippage = Slippage::AtrMultiple {
            k: dec!(0.5),
            period: 3,
        }
    });
    // True ranges 400, 300, 300: ATR(3) = 1000 / 3.
    venue.observe_market(&bar(
        0,
        [dec!(50000), dec!(50200), dec!(49800), dec!(50100), dec!(10)],
    ));
    venue.observe_market(&bar(
        1,
        [dec!(50100), dec!(50300), dec!(50000), dec!(50200), dec!(10)],
    ));
    venue.observe_market(&bar(
        2,
        [dec!(50200), dec!(50400), dec!(50100), dec!(50300), dec!(10)],
    ));
    submit(&venue, market("ab", Side::Buy, dec!(0.01), 2)).await;
    submit(&venue, market("as", Side::Sell, dec!(0.01), 2)).await;
    // The fill bar's own huge range must not count (no look-ahead).
    let fills = venue.observe_market(&bar(
        3,
        [dec!(50300), dec!(60000), dec!(40000), dec!(50300), dec!(10)],
    ));
    // 50,300 +/- 166.666...: buy rounds up, sell rounds down.
    assert_eq!(fills[0].price, price(dec!(50466.67)));
    assert_eq!(fills[1].price, price(dec!(50133.33)));
}

#[tokio::test]
async fn atr_slippage_uses_the_mean_true_range_while_warming_up() {
    let venue = venue_with(|c| {
        c.slippage = Slippage::AtrMultiple {
            k: dec!(0.5),
            period: 14,
        }
    });
    venue.observe_market(&bar(
        0,
        [dec!(50000), dec!(50200), dec!(49800), dec!(50100), dec!(10)],
    ));
    submit(&venue, market("w", Side::Buy, dec!(0.01), 0)).await;
    let fills = venue.observe_market(&flat(1, dec!(50100)));
    assert_eq!(fills[0].price, price(dec!(50300)), "50,100 + 0.5 x 400");
}

#[tokio::test]
async fn a_trade_print_fills_a_pending_market_order_at_its_price() {
    let venue = venue_with(|c| c.slippage = Slippage::Bps(Decimal::ZERO));
    venue.observe_market(&flat(0, dec!(50000)));
    submit(&venue, market("tick", Side::Buy, dec!(0.01), 0)).await;
    let print = domain::MarketEvent::Trade(domain::Trade {
        symbol: btc(),
        price: price(dec!(50012.5)),
        qty: qty(dec!(0.2)),
        aggressor: None,
        ts: t(1) + chrono::Duration::seconds(3),
    });
    let fills = venue.observe_market(&print);
    assert_eq!(fills.len(), 1);
    assert_eq!(fills[0].price, price(dec!(50012.5)));
    assert_eq!(fills[0].ts, t(1) + chrono::Duration::seconds(3));
}
