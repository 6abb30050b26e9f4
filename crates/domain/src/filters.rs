//! Exchange instrument filters and the rounding that makes an order pass them.
//!
//! Venues reject orders whose price is not a multiple of the tick size, whose
//! quantity is not a multiple of the step size or outside `[min_qty, max_qty]`,
//! or whose notional is below the minimum. Rampart rounds price to the tick and
//! quantity *down* to the step, then validates what is left, so an approved order
//! is never one the venue would refuse as a filter failure.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::market::Side;
use crate::money::{Money, Price, Qty};

/// Trading rules of one instrument at one venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "RawFilters")]
pub struct InstrumentFilters {
    /// Price increment (> 0).
    pub tick_size: Price,
    /// Quantity increment (> 0).
    pub step_size: Qty,
    /// Smallest accepted quantity.
    pub min_qty: Qty,
    /// Largest accepted quantity.
    pub max_qty: Qty,
    /// Smallest accepted notional (price x qty).
    pub min_notional: Money,
    /// Largest accepted notional, when the venue has one.
    #[serde(default)]
    pub max_notional: Option<Money>,
}

/// Unvalidated filters as read from a file or a venue; converted through `validate`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFilters {
    tick_size: Price,
    step_size: Qty,
    min_qty: Qty,
    max_qty: Qty,
    min_notional: Money,
    #[serde(default)]
    max_notional: Option<Money>,
}

impl TryFrom<RawFilters> for InstrumentFilters {
    type Error = DomainError;
    fn try_from(r: RawFilters) -> Result<Self, Self::Error> {
        InstrumentFilters::new(
            r.tick_size,
            r.step_size,
            r.min_qty,
            r.max_qty,
            r.min_notional,
            r.max_notional,
        )
    }
}

/// Which filter an order fails, with the figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "filter", rename_all = "snake_case")]
pub enum FilterFailure {
    /// Quantity below `min_qty` (after rounding down to the step).
    MinQty {
        /// Quantity after rounding.
        qty: Qty,
        /// The filter's minimum.
        min: Qty,
    },
    /// Quantity above `max_qty`.
    MaxQty {
        /// Quantity after rounding.
        qty: Qty,
        /// The filter's maximum.
        max: Qty,
    },
    /// Notional below `min_notional`.
    MinNotional {
        /// Notional after rounding.
        notional: Money,
        /// The filter's minimum.
        min: Money,
    },
    /// Notional above `max_notional`.
    MaxNotional {
        /// Notional after rounding.
        notional: Money,
        /// The filter's maximum.
        max: Money,
    },
    /// Price rounds to zero at this tick size.
    PriceBelowTick {
        /// Requested price.
        price: Price,
        /// The tick size.
        tick: Price,
    },
}

/// An order's price and quantity after rounding to the filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conformed {
    /// Limit price rounded to the tick (`None` for market orders).
    pub limit_price: Option<Price>,
    /// Quantity rounded down to the step.
    pub qty: Qty,
}

/// `value` rounded down to a multiple of `step`; `None` on a zero step or overflow.
fn floor_to(value: Decimal, step: Decimal) -> Option<Decimal> {
    value.checked_div(step)?.floor().checked_mul(step)
}

/// `value` rounded up to a multiple of `step`; `None` on a zero step or overflow.
fn ceil_to(value: Decimal, step: Decimal) -> Option<Decimal> {
    value.checked_div(step)?.ceil().checked_mul(step)
}

impl InstrumentFilters {
    /// Builds filters, checking they are internally consistent.
    pub fn new(
        tick_size: Price,
        step_size: Qty,
        min_qty: Qty,
        max_qty: Qty,
        min_notional: Money,
        max_notional: Option<Money>,
    ) -> Result<Self, DomainError> {
        let filters = Self {
            tick_size,
            step_size,
            min_qty,
            max_qty,
            min_notional,
            max_notional,
        };
        filters.validate()?;
        Ok(filters)
    }

    /// Checks internal consistency (step > 0, min <= max, min notional >= 0).
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.step_size.is_zero() {
            return Err(DomainError::out_of_range(
                "step_size",
                "> 0",
                self.step_size,
            ));
        }
        if self.min_qty > self.max_qty {
            return Err(DomainError::Inconsistent {
                what: "instrument filters",
                detail: format!("min_qty {} exceeds max_qty {}", self.min_qty, self.max_qty),
            });
        }
        if self.min_notional.is_negative() {
            return Err(DomainError::out_of_range(
                "min_notional",
                ">= 0",
                self.min_notional,
            ));
        }
        if let Some(max) = self.max_notional
            && max < self.min_notional
        {
            return Err(DomainError::Inconsistent {
                what: "instrument filters",
                detail: format!(
                    "max_notional {max} is below min_notional {}",
                    self.min_notional
                ),
            });
        }
        Ok(())
    }

    /// Rounds a limit price to the tick: down for buys, up for sells (never more
    /// aggressive than requested).
    pub fn round_price(&self, price: Price, side: Side) -> Result<Price, FilterFailure> {
        let tick = self.tick_size.value();
        let rounded = match side {
            Side::Buy => floor_to(price.value(), tick),
            Side::Sell => ceil_to(price.value(), tick),
        };
        rounded
            .and_then(|r| Price::new(r.normalize()).ok())
            .ok_or(FilterFailure::PriceBelowTick {
                price,
                tick: self.tick_size,
            })
    }

    /// Rounds a quantity down to the step size.
    pub fn round_qty(&self, qty: Qty) -> Qty {
        floor_to(qty.value(), self.step_size.value())
            .and_then(|q| Qty::new(q.normalize()).ok())
            .unwrap_or(Qty::ZERO)
    }

    /// Rounds price and quantity, then validates what is left.
    ///
    /// `reference_price` is used for the notional of market orders. Returns every
    /// failing filter, not only the first.
    pub fn conform(
        &self,
        side: Side,
        limit_price: Option<Price>,
        reference_price: Price,
        qty: Qty,
    ) -> Result<Conformed, Vec<FilterFailure>> {
        let mut failures = Vec::new();
        let limit_price = match limit_price.map(|p| self.round_price(p, side)) {
            Some(Ok(p)) => Some(p),
            Some(Err(f)) => {
                failures.push(f);
                None
            }
            None => None,
        };
        let qty = self.round_qty(qty);
        let price_for_notional = limit_price.unwrap_or(reference_price);
        failures.extend(self.check(price_for_notional, qty));
        if failures.is_empty() {
            Ok(Conformed { limit_price, qty })
        } else {
            Err(failures)
        }
    }

    /// Validates an already-rounded order: quantity bounds and notional bounds.
    pub fn check(&self, price: Price, qty: Qty) -> Vec<FilterFailure> {
        let mut failures = Vec::new();
        if qty < self.min_qty || qty.is_zero() {
            failures.push(FilterFailure::MinQty {
                qty,
                min: self.min_qty,
            });
        }
        if qty > self.max_qty {
            failures.push(FilterFailure::MaxQty {
                qty,
                max: self.max_qty,
            });
        }
        let Some(notional) = price.value().checked_mul(qty.value()).map(Money::new) else {
            failures.push(FilterFailure::MaxQty {
                qty,
                max: self.max_qty,
            });
            return failures;
        };
        if notional < self.min_notional {
            failures.push(FilterFailure::MinNotional {
                notional,
                min: self.min_notional,
            });
        }
        if let Some(max) = self.max_notional
            && notional > max
        {
            failures.push(FilterFailure::MaxNotional { notional, max });
        }
        failures
    }

    /// True when `price` is a multiple of the tick and `qty` a multiple of the step
    /// and every bound holds: what a venue would accept.
    pub fn accepts(&self, price: Price, qty: Qty, limit: bool) -> bool {
        let on_tick = !limit
            || price
                .value()
                .checked_rem(self.tick_size.value())
                .is_some_and(|r| r.is_zero());
        let on_step = qty
            .value()
            .checked_rem(self.step_size.value())
            .is_some_and(|r| r.is_zero());
        on_tick && on_step && self.check(price, qty).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn btc() -> InstrumentFilters {
        InstrumentFilters::new(
            Price::new(dec!(0.01)).unwrap(),
            Qty::new(dec!(0.00001)).unwrap(),
            Qty::new(dec!(0.00001)).unwrap(),
            Qty::new(dec!(9000)).unwrap(),
            Money::new(dec!(5)),
            None,
        )
        .unwrap()
    }

    #[test]
    fn rounds_qty_down_to_step() {
        let f = btc();
        assert_eq!(
            f.round_qty(Qty::new(dec!(0.123456789)).unwrap()).value(),
            dec!(0.12345)
        );
    }

    #[test]
    fn rounds_buy_price_down_and_sell_price_up() {
        let f = btc();
        let p = Price::new(dec!(20000.129)).unwrap();
        assert_eq!(f.round_price(p, Side::Buy).unwrap().value(), dec!(20000.12));
        assert_eq!(
            f.round_price(p, Side::Sell).unwrap().value(),
            dec!(20000.13)
        );
    }

    #[test]
    fn min_notional_failure_is_reported_with_figures() {
        let f = btc();
        let err = f
            .conform(
                Side::Buy,
                None,
                Price::new(dec!(20000)).unwrap(),
                Qty::new(dec!(0.0002)).unwrap(),
            )
            .unwrap_err();
        assert_eq!(
            err,
            vec![FilterFailure::MinNotional {
                notional: Money::new(dec!(4)),
                min: Money::new(dec!(5))
            }]
        );
    }

    #[test]
    fn qty_that_rounds_to_zero_fails_min_qty() {
        let f = btc();
        let err = f
            .conform(
                Side::Buy,
                None,
                Price::new(dec!(20000)).unwrap(),
                Qty::new(dec!(0.000001)).unwrap(),
            )
            .unwrap_err();
        assert!(matches!(err[0], FilterFailure::MinQty { .. }));
    }

    #[test]
    fn deserialising_validates_the_filters() {
        let bad = r#"{"tick_size":"0.01","step_size":"0","min_qty":"0","max_qty":"1","min_notional":"5"}"#;
        assert!(serde_json::from_str::<InstrumentFilters>(bad).is_err());
        let good = r#"{"tick_size":"0.01","step_size":"0.001","min_qty":"0.001","max_qty":"1","min_notional":"5"}"#;
        assert_eq!(
            serde_json::from_str::<InstrumentFilters>(good)
                .unwrap()
                .step_size
                .value(),
            dec!(0.001)
        );
    }

    #[test]
    fn huge_quantities_do_not_panic() {
        let f = btc();
        let q = Qty::new(Decimal::MAX).unwrap();
        assert!(!f.check(Price::new(dec!(20000)).unwrap(), q).is_empty());
        let _ = f.round_qty(q);
    }

    #[test]
    fn rejects_inconsistent_filters() {
        assert!(
            InstrumentFilters::new(
                Price::new(dec!(0.01)).unwrap(),
                Qty::ZERO,
                Qty::ZERO,
                Qty::new(dec!(1)).unwrap(),
                Money::ZERO,
                None
            )
            .is_err()
        );
    }
}
