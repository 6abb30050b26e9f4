//! A small Wilder ATR per symbol, for ATR-proportional slippage.
//!
//! Adapters depend on `domain` only, so the venue keeps its own copy of the
//! indicator rather than importing the strategies crate. True range:
//! `max(high - low, |high - prev_close|, |low - prev_close|)` (`high - low` on
//! the first bar); the first ATR is the mean of the first `period` true ranges,
//! then `atr = (atr * (period - 1) + tr) / period`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Wilder's Average True Range of one symbol, in price units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WilderAtr {
    period: usize,
    prev_close: Option<Decimal>,
    seen: usize,
    sum: Decimal,
    value: Option<Decimal>,
}

impl WilderAtr {
    /// An ATR over `period` bars (validated >= 1 by the config).
    pub(crate) fn new(period: usize) -> Self {
        Self {
            period: period.max(1),
            prev_close: None,
            seen: 0,
            sum: Decimal::ZERO,
            value: None,
        }
    }

    /// Bars averaged.
    pub(crate) fn period(&self) -> usize {
        self.period
    }

    /// Consumes one bar. A bar whose arithmetic would overflow is skipped.
    pub(crate) fn update(&mut self, high: Decimal, low: Decimal, close: Decimal) {
        let range = high - low;
        let tr = match self.prev_close {
            None => Some(range),
            Some(pc) => high
                .checked_sub(pc)
                .zip(low.checked_sub(pc))
                .map(|(up, down)| range.max(up.abs()).max(down.abs())),
        };
        let Some(tr) = tr else { return };
        let period = Decimal::from(self.period);
        let next = match self.value {
            Some(atr) => atr
                .checked_mul(period - Decimal::ONE)
                .and_then(|kept| kept.checked_add(tr))
                .and_then(|total| total.checked_div(period))
                .map(|atr| (self.sum, Some(atr))),
            None => self.sum.checked_add(tr).map(|sum| {
                if self.seen + 1 == self.period {
                    (sum, sum.checked_div(period))
                } else {
                    (sum, None)
                }
            }),
        };
        if let Some((sum, value)) = next {
            self.prev_close = Some(close);
            self.seen = self.seen.saturating_add(1);
            self.sum = sum;
            self.value = value;
        }
    }

    /// The ATR once `period` bars were seen, else the mean true range so far;
    /// `None` before the first bar.
    pub(crate) fn estimate(&self) -> Option<Decimal> {
        match self.value {
            Some(atr) => Some(atr),
            None if self.seen > 0 => self.sum.checked_div(Decimal::from(self.seen)),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn matches_hand_computed_wilder_values() {
        // period 3; TRs 2, 2, 2 -> ATR 2; then TR 3 -> (2*2 + 3)/3 = 7/3.
        let mut atr = WilderAtr::new(3);
        assert_eq!(atr.estimate(), None);
        atr.update(dec!(10), dec!(8), dec!(9));
        assert_eq!(atr.estimate(), Some(dec!(2)));
        atr.update(dec!(11), dec!(9), dec!(10.5));
        atr.update(dec!(12), dec!(10), dec!(11));
        assert_eq!(atr.estimate(), Some(dec!(2)));
        atr.update(dec!(14), dec!(11.5), dec!(13.5));
        assert_eq!(atr.estimate(), Some(dec!(7) / dec!(3)));
    }

    #[test]
    fn warm_up_estimate_is_the_mean_true_range_so_far() {
        let mut atr = WilderAtr::new(14);
        atr.update(dec!(10), dec!(8), dec!(9)); // TR 2
        atr.update(dec!(13), dec!(9), dec!(12)); // TR max(4, 4, 0) = 4
        assert_eq!(atr.estimate(), Some(dec!(3)));
    }
}
