//! Check 9: maximum loss per trade, and the worst-case figures that checks 10
//! and 11 share.
//!
//! Worst case = `stop_distance x qty` (the loss if the protective stop is hit)
//! plus round-trip costs `notional x 2 x (fee_bps + slippage_bps) / 10,000` (`domain::CostModel`).
//! The notional uses the limit price as it will be sent (rounded to the tick
//! when filters are known, never below the requested price) and the requested
//! quantity; later steps only ever shrink the quantity, so the figure is an
//! upper bound of the order that is finally approved. Arithmetic saturates: an
//! absurdly large order gets an enormous worst case and is rejected, never a panic.

use domain::{InstrumentFilters, Money, OrderIntent, OrderType, Ratio, RejectReason};

use crate::checks::exchange_filters;

/// An entry's estimated costs and worst-case loss, computed once per evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TradeRisk {
    /// Estimated fees and slippage of the round trip.
    pub(crate) costs: Money,
    /// Stop loss plus costs.
    pub(crate) worst_case_loss: Money,
}

impl TradeRisk {
    /// The figures of `intent` under `round_trip_cost`.
    pub(crate) fn of(
        intent: &OrderIntent,
        filters: Option<&InstrumentFilters>,
        round_trip_cost: Ratio,
    ) -> Self {
        let price = match (intent.order_type, filters) {
            (OrderType::Limit { price }, Some(f)) => {
                exchange_filters::rounded_limit_price(f, price, intent.side)
                    .map_or(price, |rounded| rounded.max(price))
            }
            _ => intent.working_price(),
        };
        let qty = intent.qty.value();
        let notional = price.value().saturating_mul(qty);
        let costs = notional.saturating_mul(round_trip_cost.fraction());
        let stop_loss = intent.stop_distance.value().saturating_mul(qty);
        Self {
            costs: Money::new(costs),
            worst_case_loss: Money::new(stop_loss.saturating_add(costs)),
        }
    }
}

/// `amount x ratio`, saturating.
pub(crate) fn share(amount: Money, ratio: Ratio) -> Money {
    Money::new(amount.value().saturating_mul(ratio.fraction()))
}

/// Fails when the worst case exceeds `equity x max_loss` (equal passes).
pub(crate) fn check(risk: &TradeRisk, equity: Money, max_loss: Ratio) -> Option<RejectReason> {
    let limit = share(equity, max_loss);
    (risk.worst_case_loss > limit).then_some(RejectReason::MaxLossPerTrade {
        worst_case_loss: risk.worst_case_loss,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use domain::{Money, OrderIntent, RejectReason};
    use rust_decimal_macros::dec;

    use crate::testing::*;

    #[test]
    fn rejects_when_the_stop_loss_alone_exceeds_the_per_trade_limit() {
        // 0.01 BTC with a 25,000 stop: 250 + costs 1.50 against 2% of 10,000 = 200.
        let intent = OrderIntent {
            stop_distance: price(dec!(25000)),
            ..entry()
        };
        assert_eq!(
            only_reason(&Scenario::healthy().evaluate(intent)),
            &RejectReason::MaxLossPerTrade {
                worst_case_loss: Money::new(dec!(251.5)),
                limit: Money::new(dec!(200)),
            }
        );
    }

    #[test]
    fn counts_round_trip_costs_in_the_worst_case() {
        // Stop loss 199.80 fits on its own; 30 bps on 500 notional (1.50) does not.
        let intent = OrderIntent {
            stop_distance: price(dec!(19980)),
            ..entry()
        };
        let d = Scenario::healthy().evaluate(intent);
        assert_eq!(
            only_reason(&d),
            &RejectReason::MaxLossPerTrade {
                worst_case_loss: Money::new(dec!(201.3)),
                limit: Money::new(dec!(200)),
            }
        );
    }

    #[test]
    fn a_worst_case_exactly_at_the_limit_is_approved() {
        // 198.50 + 1.50 = 200.
        let intent = OrderIntent {
            stop_distance: price(dec!(19850)),
            ..entry()
        };
        assert!(Scenario::healthy().evaluate(intent).is_approved());
    }

    #[test]
    fn an_absurd_order_is_rejected_without_panicking() {
        let intent = OrderIntent {
            qty: qty(rust_decimal::Decimal::MAX),
            stop_distance: price(rust_decimal::Decimal::MAX),
            ..entry()
        };
        let d = Scenario::healthy().evaluate(intent);
        assert!(codes(&d).contains(&"max_loss_per_trade"), "{:?}", codes(&d));
        assert!(codes(&d).contains(&"exchange_filter"), "{:?}", codes(&d));
    }
}
