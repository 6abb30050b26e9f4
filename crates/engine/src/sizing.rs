//! Pipeline step 5: how big an entry is, before capital preservation scales it.

use domain::{CostModel, Money, Price, Qty, Ratio};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How entries are sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Sizing {
    /// Spend all available cash: `cash / (price x (1 + fee))`.
    AllIn,
    /// Spend a fixed amount of quote currency per entry (capped by cash).
    FixedQuote {
        /// Quote currency per entry.
        amount: Decimal,
    },
    /// Risk a percentage of equity between entry and stop: `equity x pct / stop distance`
    /// (capped by cash).
    RiskPct {
        /// Percent of equity lost if the stop is hit.
        pct: Decimal,
    },
}

impl Default for Sizing {
    fn default() -> Self {
        Sizing::RiskPct { pct: Decimal::ONE }
    }
}

impl Sizing {
    /// Stable name (`all-in`, `fixed-quote`, `risk-pct`).
    pub fn name(&self) -> &'static str {
        match self {
            Sizing::AllIn => "all-in",
            Sizing::FixedQuote { .. } => "fixed-quote",
            Sizing::RiskPct { .. } => "risk-pct",
        }
    }

    /// Entry quantity at `price`, scaled by `multiplier` (capital preservation) and
    /// never more than the cash can pay for including the commission.
    pub fn entry_qty(
        &self,
        cash: Money,
        equity: Money,
        price: Price,
        stop_distance: Price,
        costs: &CostModel,
        multiplier: Ratio,
    ) -> Qty {
        let fee = Ratio::from_bps(costs.fee_bps).fraction();
        let unit_cost = price.value() * (Decimal::ONE + fee);
        let affordable = cash
            .value()
            .max(Decimal::ZERO)
            .checked_div(unit_cost)
            .unwrap_or_default();
        let wanted = match *self {
            Sizing::AllIn => affordable,
            Sizing::FixedQuote { amount } => amount.checked_div(unit_cost).unwrap_or_default(),
            Sizing::RiskPct { pct } => (equity.value() * pct / Decimal::ONE_HUNDRED)
                .checked_div(stop_distance.value())
                .unwrap_or_default(),
        };
        let qty = wanted.min(affordable).max(Decimal::ZERO) * multiplier.fraction();
        Qty::new(qty.max(Decimal::ZERO)).unwrap_or(Qty::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn costs() -> CostModel {
        CostModel {
            fee_bps: dec!(10),
            slippage_bps: dec!(5),
        }
    }

    fn p(d: Decimal) -> Price {
        Price::new(d).unwrap()
    }

    #[test]
    fn all_in_spends_cash_including_the_fee() {
        let q = Sizing::AllIn.entry_qty(
            Money::new(dec!(10010)),
            Money::new(dec!(10010)),
            p(dec!(100)),
            p(dec!(2)),
            &costs(),
            Ratio::ONE,
        );
        assert_eq!(q.value(), dec!(100));
    }

    #[test]
    fn risk_pct_risks_the_percentage_between_entry_and_stop() {
        // 1% of 10,000 = 100 at risk; stop 5 away -> 20 units, affordable (2,002 < 10,000).
        let q = Sizing::RiskPct { pct: dec!(1) }.entry_qty(
            Money::new(dec!(10000)),
            Money::new(dec!(10000)),
            p(dec!(100)),
            p(dec!(5)),
            &costs(),
            Ratio::ONE,
        );
        assert_eq!(q.value(), dec!(20));
    }

    #[test]
    fn capital_preservation_multiplier_scales_and_cash_caps() {
        let q = Sizing::FixedQuote {
            amount: dec!(1_000_000),
        }
        .entry_qty(
            Money::new(dec!(1001)),
            Money::new(dec!(1001)),
            p(dec!(100)),
            p(dec!(5)),
            &costs(),
            Ratio::from_fraction(dec!(0.5)),
        );
        assert_eq!(q.value(), dec!(5));
    }

    #[test]
    fn no_cash_means_no_entry() {
        let q = Sizing::AllIn.entry_qty(
            Money::new(dec!(-5)),
            Money::new(dec!(100)),
            p(dec!(100)),
            p(dec!(5)),
            &costs(),
            Ratio::ONE,
        );
        assert!(q.is_zero());
    }
}
