//! Exponential moving average, seeded by the simple average of the first `period` inputs.
//!
//! `alpha = 2 / (period + 1)`; the first output (after `period` inputs) is their
//! simple mean, then `ema += alpha * (input - ema)`. `alpha` and the outputs are
//! rounded at `Decimal`'s 28 significant digits; for periods where `alpha` is a
//! terminating decimal (1, 3, 4, 7, 9, 19, 39, ...) the arithmetic is exact.

use rust_decimal::Decimal;

use super::{check_period, in_domain};
use crate::error::StrategyError;

/// Exponential moving average with smoothing `2 / (period + 1)`.
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    period_dec: Decimal,
    alpha: Decimal,
    seen: usize,
    seed_sum: Decimal,
    value: Option<Decimal>,
}

impl Ema {
    /// An EMA with `period` in `1..=MAX_PERIOD`.
    pub fn new(period: usize) -> Result<Self, StrategyError> {
        check_period("ema", period)?;
        let period_dec = Decimal::from(period);
        Ok(Self {
            period,
            period_dec,
            alpha: Decimal::TWO / (period_dec + Decimal::ONE),
            seen: 0,
            seed_sum: Decimal::ZERO,
            value: None,
        })
    }

    /// Period the smoothing is derived from.
    pub fn period(&self) -> usize {
        self.period
    }

    /// The smoothing factor `2 / (period + 1)`.
    pub fn alpha(&self) -> Decimal {
        self.alpha
    }

    /// Consumes one input; the EMA once `period` inputs have been seen.
    pub fn update(&mut self, input: Decimal) -> Option<Decimal> {
        if !in_domain(input) {
            return None;
        }
        match self.value {
            Some(prev) => {
                let next = prev + self.alpha * (input - prev);
                self.value = Some(next);
            }
            None => {
                self.seen += 1;
                self.seed_sum += input;
                if self.seen == self.period {
                    self.value = Some(self.seed_sum / self.period_dec);
                }
            }
        }
        self.value
    }

    /// The latest EMA, once warmed up.
    pub fn value(&self) -> Option<Decimal> {
        self.value
    }

    /// True once warmed up.
    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    /// Forgets every input.
    pub fn reset(&mut self) {
        self.seen = 0;
        self.seed_sum = Decimal::ZERO;
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn seeds_with_the_simple_mean_then_smooths() {
        // period 4 -> alpha = 2/5 = 0.4 (exact).
        // Inputs 1, 2, 3, 4 -> seed = 10/4 = 2.5.
        // 5  -> 2.5 + 0.4 * (5 - 2.5)   = 3.5
        // 10 -> 3.5 + 0.4 * (10 - 3.5)  = 6.1
        // 2  -> 6.1 + 0.4 * (2 - 6.1)   = 4.46
        let mut ema = Ema::new(4).unwrap();
        assert_eq!(ema.alpha(), dec!(0.4));
        let out: Vec<_> = [1, 2, 3, 4, 5, 10, 2]
            .into_iter()
            .map(|v| ema.update(Decimal::from(v)))
            .collect();
        assert_eq!(
            out,
            [
                None,
                None,
                None,
                Some(dec!(2.5)),
                Some(dec!(3.5)),
                Some(dec!(6.1)),
                Some(dec!(4.46))
            ]
        );
    }

    #[test]
    fn textbook_ten_day_ema_first_values() {
        // StockCharts' 10-day EMA walk-through ("Moving Averages - Simple and
        // Exponential", spreadsheet of 22.27, 22.19, ...). The first 10 closes sum to
        // 222.21, so the seed is 22.221 (published 22.22); the 11th close 22.15 gives
        // 22.221 + (22.15 - 22.221) * 2/11 = 22.2080909... (published 22.21).
        let closes = [
            dec!(22.27),
            dec!(22.19),
            dec!(22.08),
            dec!(22.17),
            dec!(22.18),
            dec!(22.13),
            dec!(22.23),
            dec!(22.43),
            dec!(22.24),
            dec!(22.29),
        ];
        let mut ema = Ema::new(10).unwrap();
        let mut last = None;
        for c in closes {
            last = ema.update(c);
        }
        assert_eq!(last, Some(dec!(22.221)));
        let next = ema.update(dec!(22.15)).unwrap();
        assert_eq!(next.round_dp(10), dec!(22.2080909091));
    }

    #[test]
    fn period_one_tracks_the_input() {
        let mut ema = Ema::new(1).unwrap();
        assert_eq!(ema.update(dec!(3)), Some(dec!(3)));
        assert_eq!(ema.update(dec!(8)), Some(dec!(8)));
    }

    #[test]
    fn zero_period_is_rejected() {
        assert!(Ema::new(0).is_err());
    }
}
