//! What the venue checks before it accepts an order, the way an exchange does.
//!
//! The trade gate already rounds and validates against the filters it was
//! given; the venue checks again against its own, because that is what a real
//! exchange does and because the two can disagree (stale filters, a config
//! mistake). Nothing is rounded here: a price off the tick or a quantity off
//! the step is refused, as Binance refuses it, with the filter's name in the
//! message (`PRICE_FILTER`, `LOT_SIZE`, `NOTIONAL`).

use domain::{FilterFailure, InstrumentFilters, OrderFailure, OrderIntent, OrderType, Price};

use crate::pricing::is_multiple;

/// Checks `intent` against `filters`; `market_price` is the last price the
/// venue saw for the symbol (the notional of a market order is judged at it,
/// or at the intent's reference price before any was seen).
pub(crate) fn admit(
    filters: &InstrumentFilters,
    intent: &OrderIntent,
    market_price: Option<Price>,
) -> Result<(), OrderFailure> {
    let qty = intent.qty;
    let price = match intent.order_type {
        OrderType::Limit { price } => {
            if !is_multiple(price.value(), filters.tick_size.value()) {
                return Err(refusal(
                    None,
                    format!(
                        "Filter failure: PRICE_FILTER: price {price} is not a multiple of tick size {}",
                        filters.tick_size
                    ),
                ));
            }
            price
        }
        OrderType::Market => market_price.unwrap_or(intent.reference_price),
    };
    if !is_multiple(qty.value(), filters.step_size.value()) {
        return Err(refusal(
            None,
            format!(
                "Filter failure: LOT_SIZE: quantity {qty} is not a multiple of step size {}",
                filters.step_size
            ),
        ));
    }
    if price.value().checked_mul(qty.value()).is_none() {
        return Err(refusal(
            None,
            format!("Filter failure: NOTIONAL: {price} x {qty} is beyond any notional limit"),
        ));
    }
    match filters.check(price, qty).into_iter().next() {
        None => Ok(()),
        Some(failure) => {
            let message = describe(&failure);
            Err(refusal(Some(failure), message))
        }
    }
}

fn refusal(failure: Option<FilterFailure>, venue_message: String) -> OrderFailure {
    OrderFailure::FilterFailure {
        failure,
        venue_message,
    }
}

fn describe(failure: &FilterFailure) -> String {
    match failure {
        FilterFailure::MinQty { qty, min } => {
            format!("Filter failure: LOT_SIZE: quantity {qty} is below the minimum {min}")
        }
        FilterFailure::MaxQty { qty, max } => {
            format!("Filter failure: LOT_SIZE: quantity {qty} is above the maximum {max}")
        }
        FilterFailure::MinNotional { notional, min } => {
            format!("Filter failure: NOTIONAL: notional {notional} is below the minimum {min}")
        }
        FilterFailure::MaxNotional { notional, max } => {
            format!("Filter failure: NOTIONAL: notional {notional} is above the maximum {max}")
        }
        FilterFailure::PriceBelowTick { price, tick } => {
            format!("Filter failure: PRICE_FILTER: price {price} is below the tick size {tick}")
        }
    }
}
