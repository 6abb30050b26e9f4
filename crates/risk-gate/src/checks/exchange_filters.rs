//! Check 12: the venue's instrument filters. The limit price is rounded to the
//! tick (down for buys, up for sells: never more aggressive than asked), the
//! quantity *down* to the step, then quantity and notional bounds are checked
//! and every failure is reported. The approved intent carries the rounded
//! values, with an adjustment for each change, so an approved order never
//! violates its filters.
//!
//! Unknown filters reject (`FiltersUnknown`): an order that cannot be validated
//! is not sent. Filters that fail their own consistency check (e.g. a zero step
//! read from a bad payload) are treated as unknown, and an order so large that
//! rounding it would overflow is reported as above the maximum quantity rather
//! than allowed to panic.

use domain::{
    Adjustment, Conformed, FilterFailure, InstrumentFilters, OrderIntent, OrderType, Price, Qty,
    RejectReason, Side,
};

fn limit_price(intent: &OrderIntent) -> Option<Price> {
    match intent.order_type {
        OrderType::Market => None,
        OrderType::Limit { price } => Some(price),
    }
}

/// True when `price / tick` and the rounded result are representable.
fn price_rounding_fits(filters: &InstrumentFilters, price: Price) -> bool {
    let tick = filters.tick_size.value();
    price
        .value()
        .checked_div(tick)
        .and_then(|ticks| ticks.ceil().checked_mul(tick))
        .is_some()
}

/// True when rounding and the notional of `price x qty` cannot overflow.
fn arithmetic_fits(
    filters: &InstrumentFilters,
    limit: Option<Price>,
    reference: Price,
    qty: Qty,
) -> bool {
    let tick = filters.tick_size.value();
    let price = limit.unwrap_or(reference).value();
    limit.is_none_or(|p| price_rounding_fits(filters, p))
        && qty.value().checked_div(filters.step_size.value()).is_some()
        && price
            .checked_add(tick)
            .and_then(|p| p.checked_mul(qty.value()))
            .is_some()
}

/// The limit price rounded to the tick, when the filters are usable and rounding succeeds.
pub(crate) fn rounded_limit_price(
    filters: &InstrumentFilters,
    price: Price,
    side: Side,
) -> Option<Price> {
    if filters.validate().is_err() || !price_rounding_fits(filters, price) {
        return None;
    }
    filters.round_price(price, side).ok()
}

/// Conforms `intent` at `qty` to `filters`; on failure pushes every reason and returns `None`.
pub(crate) fn check(
    intent: &OrderIntent,
    qty: Qty,
    filters: Option<&InstrumentFilters>,
    reasons: &mut Vec<RejectReason>,
) -> Option<Conformed> {
    let Some(filters) = filters.filter(|f| f.validate().is_ok()) else {
        reasons.push(RejectReason::FiltersUnknown {
            symbol: intent.symbol.clone(),
        });
        return None;
    };
    let limit = limit_price(intent);
    if !arithmetic_fits(filters, limit, intent.reference_price, qty) {
        reasons.push(RejectReason::ExchangeFilter {
            failure: FilterFailure::MaxQty {
                qty,
                max: filters.max_qty,
            },
        });
        return None;
    }
    match filters.conform(intent.side, limit, intent.reference_price, qty) {
        Ok(conformed) => Some(conformed),
        Err(failures) => {
            reasons.extend(
                failures
                    .into_iter()
                    .map(|failure| RejectReason::ExchangeFilter { failure }),
            );
            None
        }
    }
}

/// Writes the conformed price and quantity into `intent`, recording each change.
pub(crate) fn apply(
    intent: &mut OrderIntent,
    conformed: Conformed,
    adjustments: &mut Vec<Adjustment>,
) {
    if let (OrderType::Limit { price: from }, Some(to)) = (intent.order_type, conformed.limit_price)
    {
        if to != from {
            adjustments.push(Adjustment::PriceRoundedToTick { from, to });
        }
        intent.order_type = OrderType::Limit { price: to };
    }
    if conformed.qty != intent.qty {
        adjustments.push(Adjustment::QtyRoundedToStep {
            from: intent.qty,
            to: conformed.qty,
        });
    }
    intent.qty = conformed.qty;
}

#[cfg(test)]
mod tests {
    use domain::{
        Adjustment, FilterFailure, InstrumentFilters, Money, OrderIntent, OrderType, RejectReason,
        Side,
    };
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    use crate::testing::*;

    fn with_filters(f: InstrumentFilters) -> Scenario {
        let mut s = Scenario::healthy();
        s.filters = Some(f);
        s
    }

    fn limit(p: Decimal, q: Decimal) -> OrderIntent {
        OrderIntent {
            order_type: OrderType::Limit { price: price(p) },
            qty: qty(q),
            ..entry()
        }
    }

    fn failure_of(d: &crate::Decision) -> &FilterFailure {
        match only_reason(d) {
            RejectReason::ExchangeFilter { failure } => failure,
            other => panic!("expected an exchange filter failure, got {other:?}"),
        }
    }

    #[test]
    fn rejects_when_no_filters_are_known_for_the_symbol() {
        let mut s = Scenario::holding(dec!(0.02));
        s.filters = None;
        for intent in [entry(), exit(dec!(0.02))] {
            assert_eq!(
                only_reason(&s.evaluate(intent)),
                &RejectReason::FiltersUnknown {
                    symbol: sym("BTC-USD")
                }
            );
        }
    }

    #[test]
    fn treats_inconsistent_filters_as_unknown() {
        let mut f = btc_filters();
        f.step_size = qty(dec!(0)); // as a bad payload could deserialise it
        let d = with_filters(f).evaluate(entry());
        assert_eq!(codes(&d), ["filters_unknown"]);
    }

    #[test]
    fn rounds_price_to_tick_and_qty_down_to_step_recording_both() {
        let d = Scenario::healthy().evaluate(limit(dec!(50000.129), dec!(0.0123456)));
        let approved = d.approved().expect("approved after rounding");
        assert_eq!(
            approved.inner().order_type,
            OrderType::Limit {
                price: price(dec!(50000.12))
            }
        );
        assert_eq!(approved.inner().qty, qty(dec!(0.01234)));
        assert_eq!(
            approved.adjustments(),
            [
                Adjustment::PriceRoundedToTick {
                    from: price(dec!(50000.129)),
                    to: price(dec!(50000.12)),
                },
                Adjustment::QtyRoundedToStep {
                    from: qty(dec!(0.0123456)),
                    to: qty(dec!(0.01234)),
                },
            ]
        );
    }

    #[test]
    fn rounds_a_sell_limit_up_never_more_aggressive() {
        let intent = OrderIntent {
            side: Side::Sell,
            ..limit(dec!(50000.121), dec!(0.01))
        };
        let d = Scenario::healthy().evaluate(intent);
        assert_eq!(
            d.approved().map(|a| a.inner().working_price()),
            Some(price(dec!(50000.13)))
        );
    }

    #[test]
    fn rejects_a_quantity_below_the_minimum() {
        let mut f = btc_filters();
        f.min_qty = qty(dec!(0.001));
        let d = with_filters(f).evaluate(limit(dec!(50000), dec!(0.0005)));
        assert_eq!(
            failure_of(&d),
            &FilterFailure::MinQty {
                qty: qty(dec!(0.0005)),
                min: qty(dec!(0.001))
            }
        );
    }

    #[test]
    fn rejects_a_quantity_that_rounds_to_zero() {
        let d = Scenario::healthy().evaluate(limit(dec!(50000), dec!(0.000001)));
        assert_eq!(
            d.reasons().first(),
            Some(&RejectReason::ExchangeFilter {
                failure: FilterFailure::MinQty {
                    qty: qty(dec!(0)),
                    min: qty(dec!(0.00001))
                }
            })
        );
    }

    #[test]
    fn rejects_a_quantity_above_the_maximum() {
        let mut f = btc_filters();
        f.max_qty = qty(dec!(0.005));
        let d = with_filters(f).evaluate(entry());
        assert_eq!(
            failure_of(&d),
            &FilterFailure::MaxQty {
                qty: qty(dec!(0.01)),
                max: qty(dec!(0.005))
            }
        );
    }

    #[test]
    fn rejects_a_notional_below_the_minimum() {
        let d = Scenario::healthy().evaluate(limit(dec!(50000), dec!(0.00008)));
        assert_eq!(
            failure_of(&d),
            &FilterFailure::MinNotional {
                notional: Money::new(dec!(4)),
                min: Money::new(dec!(5))
            }
        );
    }

    #[test]
    fn rejects_a_notional_above_the_maximum() {
        let mut f = btc_filters();
        f.max_notional = Some(Money::new(dec!(400)));
        let d = with_filters(f).evaluate(entry());
        assert_eq!(
            failure_of(&d),
            &FilterFailure::MaxNotional {
                notional: Money::new(dec!(500)),
                max: Money::new(dec!(400))
            }
        );
    }

    #[test]
    fn rejects_a_price_that_rounds_below_one_tick() {
        let mut f = btc_filters();
        f.min_notional = Money::ZERO;
        let intent = OrderIntent {
            stop_distance: price(dec!(0.001)),
            ..limit(dec!(0.004), dec!(1))
        };
        let d = with_filters(f).evaluate(intent);
        assert_eq!(
            failure_of(&d),
            &FilterFailure::PriceBelowTick {
                price: price(dec!(0.004)),
                tick: price(dec!(0.01))
            }
        );
    }

    #[test]
    fn reports_every_failing_filter() {
        let mut f = btc_filters();
        f.min_qty = qty(dec!(0.001));
        let d = with_filters(f).evaluate(limit(dec!(50000), dec!(0.00008)));
        assert_eq!(codes(&d), ["exchange_filter", "exchange_filter"]);
    }

    #[test]
    fn exits_are_held_to_the_filters_too() {
        let mut s = Scenario::holding(dec!(0.00005));
        s.filters = Some(btc_filters());
        let d = s.evaluate(exit(dec!(0.00005)));
        assert!(matches!(failure_of(&d), FilterFailure::MinNotional { .. }));
    }
}
