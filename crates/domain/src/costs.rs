//! The one definition of trading costs, shared by the trade gate, the turnover
//! governor and sizing so their figures never drift apart.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{Money, Ratio};

/// Estimated per-fill costs: commission and slippage, both in basis points of notional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostModel {
    /// Commission per fill, in bps.
    pub fee_bps: Decimal,
    /// Expected slippage per fill, in bps.
    pub slippage_bps: Decimal,
}

impl CostModel {
    /// Cost of one fill as a fraction of its notional.
    pub fn one_way(&self) -> Ratio {
        Ratio::from_bps(self.fee_bps + self.slippage_bps)
    }

    /// Cost of a round trip (entry and exit fills) as a fraction of notional:
    /// `2 x (fee + slippage)`.
    pub fn round_trip(&self) -> Ratio {
        Ratio::from_bps(Decimal::TWO * (self.fee_bps + self.slippage_bps))
    }

    /// Round-trip cost of a position of `notional`.
    pub fn round_trip_cost(&self, notional: Money) -> Money {
        notional * self.round_trip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn round_trip_is_twice_fee_plus_slippage() {
        let c = CostModel {
            fee_bps: dec!(10),
            slippage_bps: dec!(5),
        };
        assert_eq!(c.one_way().bps(), dec!(15));
        assert_eq!(c.round_trip().bps(), dec!(30));
        assert_eq!(
            c.round_trip_cost(Money::new(dec!(1000))),
            Money::new(dec!(3))
        );
    }
}
