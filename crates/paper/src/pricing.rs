//! Execution prices and costs: slippage, conservative rounding to the tick, commission.
//!
//! Everything here is checked arithmetic: prices and volumes come from market
//! data, and an absurd bar must leave an order waiting rather than panic the venue.

use domain::{Money, Price, Qty, Side};
use rust_decimal::Decimal;

use crate::config::{PaperConfig, Slippage};

const BPS_PER_UNIT: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// `value` rounded down to a multiple of `step` (`step > 0`).
pub(crate) fn floor_to(value: Decimal, step: Decimal) -> Option<Decimal> {
    value.checked_div(step)?.floor().checked_mul(step)
}

/// `value` rounded up to a multiple of `step` (`step > 0`).
pub(crate) fn ceil_to(value: Decimal, step: Decimal) -> Option<Decimal> {
    value.checked_div(step)?.ceil().checked_mul(step)
}

/// True when `value` is an exact multiple of `step`.
pub(crate) fn is_multiple(value: Decimal, step: Decimal) -> bool {
    value.checked_rem(step).is_some_and(|r| r.is_zero())
}

/// Rounds an execution price to the tick against the trader (buys up, sells
/// down), never below one tick.
pub(crate) fn round_against(price: Decimal, side: Side, tick: Price) -> Option<Price> {
    let tick = tick.value();
    let rounded = match side {
        Side::Buy => ceil_to(price, tick)?,
        Side::Sell => floor_to(price, tick)?,
    };
    Price::new(rounded.max(tick).normalize()).ok()
}

/// The slippage model with its constants converted once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlippageModel {
    /// A fraction of the price.
    Fraction(Decimal),
    /// A multiple of the ATR estimate.
    Atr {
        /// Multiple.
        k: Decimal,
    },
}

/// What the venue charges and how it executes, derived once from a validated config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Costs {
    /// Slippage of market orders.
    pub(crate) slippage: SlippageModel,
    /// Commission as a fraction of notional.
    pub(crate) fee_rate: Decimal,
    /// Fraction of a bar's volume that may fill on it, if capped.
    pub(crate) volume_fraction: Option<Decimal>,
}

impl Costs {
    /// Converts the config's units (bps) into fractions.
    pub(crate) fn of(config: &PaperConfig) -> Self {
        let slippage = match config.slippage {
            Slippage::Bps(bps) => SlippageModel::Fraction(bps / BPS_PER_UNIT),
            Slippage::AtrMultiple { k, .. } => SlippageModel::Atr { k },
        };
        Self {
            slippage,
            fee_rate: config.commission_bps / BPS_PER_UNIT,
            volume_fraction: config.max_volume_fraction,
        }
    }

    /// The price a market order executes at: `base` moved against the trader
    /// by the slippage, rounded to the tick against the trader.
    ///
    /// `atr` is the symbol's ATR estimate before this bar; `bar_range` the
    /// fallback when there is none yet.
    pub(crate) fn market_price(
        &self,
        base: Price,
        side: Side,
        tick: Price,
        atr: Option<Decimal>,
        bar_range: Decimal,
    ) -> Option<Price> {
        let slip = match self.slippage {
            SlippageModel::Fraction(fraction) => base.value().checked_mul(fraction)?,
            SlippageModel::Atr { k } => atr.unwrap_or(bar_range).checked_mul(k)?,
        };
        let moved = match side {
            Side::Buy => base.value().checked_add(slip)?,
            Side::Sell => base.value().checked_sub(slip)?,
        };
        round_against(moved, side, tick)
    }

    /// Notional and commission of a fill.
    pub(crate) fn notional_and_fee(&self, price: Price, qty: Qty) -> Option<(Decimal, Money)> {
        let notional = price.value().checked_mul(qty.value())?;
        let fee = notional.checked_mul(self.fee_rate)?;
        Some((notional, Money::new(fee.normalize())))
    }

    /// Base volume a bar of `volume` lets fill, when capped.
    pub(crate) fn budget(&self, volume: Qty) -> Option<Decimal> {
        self.volume_fraction
            .map(|f| volume.value().checked_mul(f).unwrap_or(Decimal::ZERO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn p(d: Decimal) -> Price {
        Price::new(d).unwrap()
    }

    fn bps(b: Decimal) -> Costs {
        Costs {
            slippage: SlippageModel::Fraction(b / BPS_PER_UNIT),
            fee_rate: dec!(0.001),
            volume_fraction: None,
        }
    }

    #[test]
    fn buys_pay_up_and_sells_receive_less_rounded_against_the_trader() {
        let costs = bps(dec!(5));
        let tick = p(dec!(0.01));
        // 50010 x 1.0005 = 50035.005 -> up to 50035.01
        let buy = costs.market_price(p(dec!(50010)), Side::Buy, tick, None, dec!(0));
        assert_eq!(buy, Some(p(dec!(50035.01))));
        // 50010 x 0.9995 = 49984.995 -> down to 49984.99
        let sell = costs.market_price(p(dec!(50010)), Side::Sell, tick, None, dec!(0));
        assert_eq!(sell, Some(p(dec!(49984.99))));
    }

    #[test]
    fn a_sell_never_executes_below_one_tick() {
        let costs = Costs {
            slippage: SlippageModel::Atr { k: dec!(10) },
            ..bps(dec!(0))
        };
        let price = costs.market_price(
            p(dec!(1)),
            Side::Sell,
            p(dec!(0.01)),
            Some(dec!(5)),
            dec!(0),
        );
        assert_eq!(price, Some(p(dec!(0.01))));
    }

    #[test]
    fn multiples_and_rounding() {
        assert!(is_multiple(dec!(0.00003), dec!(0.00001)));
        assert!(!is_multiple(dec!(0.000015), dec!(0.00001)));
        assert_eq!(floor_to(dec!(0.123456), dec!(0.0001)), Some(dec!(0.1234)));
        assert_eq!(ceil_to(dec!(0.123401), dec!(0.0001)), Some(dec!(0.1235)));
    }
}
