//! Invariants over random histories and intents.

use domain::Qty;
use ftmo::{FtmoAccount, Product, Sizing};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::support::*;

fn money_cents() -> impl Strategy<Value = Decimal> {
    (-500_000i64..500_000).prop_map(|c| Decimal::new(c, 2))
}

proptest! {
    #[test]
    fn prop_one_step_max_loss_floor_never_decreases_and_trails_the_best_midnight_balance(
        steps in prop::collection::vec((1i64..40, money_cents(), money_cents()), 1..80)
    ) {
        let start = utc(2024, 3, 1, 8, 0, 0);
        let mut a = FtmoAccount::new(config(Product::OneStepChallenge, dec!(100000), dec!(10)), start);
        let mut t = start;
        let mut balance = dec!(100000);
        let mut floor = a.state().max_loss_floor();
        for (hours, balance_change, floating) in steps {
            t += chrono::Duration::hours(hours);
            balance += balance_change;
            a.observe(&mark(t, balance + floating, balance, 1));
            let now = a.state().max_loss_floor();
            prop_assert!(now >= floor, "max-loss floor fell from {} to {}", floor, now);
            let highest = a.state().highest_eod_balance();
            prop_assert_eq!(now, highest.max(m(dec!(100000))) - m(dec!(10000)));
            floor = now;
        }
    }

    #[test]
    fn prop_a_shrink_fits_the_headroom_and_is_the_largest_step_that_does(
        equity in 90_000i64..100_000,
        qty_lots in 1i64..5_000,
        stop_pips in 1i64..500,
        price_ticks in 5_000i64..20_000,
        costs_cents in 0i64..50_000,
        slippage_bps in 0i64..50,
        step_units in prop::sample::select(vec![1i64, 10, 1000]),
    ) {
        let cfg = config(Product::TwoStepChallenge, dec!(100000), dec!(10))
            .with_slippage_buffer_pct(Decimal::new(slippage_bps, 2)).unwrap()
            .with_quantities(None, Some(Decimal::from(step_units))).unwrap();
        let at = utc(2024, 1, 15, 12, 0, 0);
        let a = FtmoAccount::new(cfg, at);
        let order = intent(
            Decimal::from(qty_lots * 1000),
            Decimal::new(price_ticks, 4),
            Decimal::new(stop_pips, 4),
            at,
        );
        let costs = m(Decimal::new(costs_cents, 2));
        let sizing = a.size(&order, costs, m(Decimal::from(equity)), at);
        let headroom = sizing.figures().headroom;
        match sizing {
            Sizing::Fits { figures } => prop_assert!(figures.worst_case_loss <= headroom),
            Sizing::Shrink { max_qty, worst_case_at_max, figures } => {
                prop_assert!(max_qty < order.qty);
                prop_assert!(worst_case_at_max <= headroom);
                prop_assert!(figures.worst_case_loss > headroom);
                prop_assert_eq!(max_qty.value() % Decimal::from(step_units), Decimal::ZERO);
                // The shrunk intent fits when sized again; one step more does not.
                let shrunk = domain::OrderIntent { qty: max_qty, ..order.clone() };
                let scaled_costs = m(costs.value() * max_qty.value() / order.qty.value());
                let again = a.size(&shrunk, scaled_costs, m(Decimal::from(equity)), at);
                prop_assert!(matches!(again, Sizing::Fits { .. }), "{:?}", again);
                let bigger = Qty::new(max_qty.value() + Decimal::from(step_units)).unwrap();
                let bigger_costs = m(costs.value() * bigger.value() / order.qty.value());
                let over = a.size(&domain::OrderIntent { qty: bigger, ..order.clone() }, bigger_costs, m(Decimal::from(equity)), at);
                prop_assert!(!matches!(over, Sizing::Fits { .. }), "{:?}", over);
            }
            Sizing::Reject { figures } => {
                // Nothing of one step fits (or there is no headroom at all).
                let one = figures.worst_case_loss.value() * Decimal::from(step_units) / order.qty.value();
                prop_assert!(headroom.value() <= Decimal::ZERO || one > headroom.value(),
                    "one step risks {} within headroom {}", one, headroom);
            }
        }
    }

    #[test]
    fn prop_daily_floor_is_the_last_balance_before_midnight_minus_the_allowance(
        balances in prop::collection::vec(95_500i64..110_000, 1..30),
        hours in prop::collection::vec(1i64..30, 1..30),
    ) {
        let start = utc(2024, 10, 20, 8, 0, 0);
        let mut a = FtmoAccount::new(config(Product::TwoStepAccount, dec!(100000), dec!(0)), start);
        let mut t = start;
        let mut previous = dec!(100000);
        let mut day = ftmo::prague_day(start);
        let mut expected_start = dec!(100000);
        for (b, h) in balances.into_iter().zip(hours) {
            t += chrono::Duration::hours(h);
            if ftmo::prague_day(t) != day {
                day = ftmo::prague_day(t);
                expected_start = previous;
            }
            let balance = Decimal::from(b);
            a.observe(&flat(t, balance));
            prop_assert_eq!(a.floors_at(t).daily.firm, m(expected_start - dec!(5000)));
            previous = balance;
        }
    }
}
