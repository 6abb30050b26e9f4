//! Simple moving average over a fixed window, exact.
//!
//! A ring buffer of the last `period` inputs and a running `Decimal` sum: each
//! update adds the new input and subtracts the one leaving the window. Decimal
//! addition of inputs is exact, so the sum never drifts, however long the stream.
//! The mean is `sum / period`, computed only when asked for ([`Sma::value`]):
//! strategies that only compare averages (`sma_cross`) compare the exact sums
//! and never divide on the hot path.

use rust_decimal::Decimal;

use super::{check_period, in_domain};
use crate::error::StrategyError;

/// Simple moving average of the last `period` inputs.
#[derive(Debug, Clone)]
pub struct Sma {
    period: usize,
    period_dec: Decimal,
    window: Box<[Decimal]>,
    next: usize,
    len: usize,
    sum: Decimal,
}

impl Sma {
    /// An SMA over `period` inputs (`1..=MAX_PERIOD`).
    pub fn new(period: usize) -> Result<Self, StrategyError> {
        check_period("sma", period)?;
        Ok(Self {
            period,
            period_dec: Decimal::from(period),
            window: vec![Decimal::ZERO; period].into_boxed_slice(),
            next: 0,
            len: 0,
            sum: Decimal::ZERO,
        })
    }

    /// Window length.
    pub fn period(&self) -> usize {
        self.period
    }

    /// Consumes one input without computing the mean; true once the window is
    /// full and the input was accepted (inputs outside `±MAX_INPUT` are ignored).
    #[inline]
    pub fn push(&mut self, value: Decimal) -> bool {
        if !in_domain(value) {
            return false;
        }
        // `next` is always a valid index: it wraps at `period == window.len()`.
        let slot = &mut self.window[self.next];
        if self.len == self.period {
            self.sum -= *slot;
        } else {
            self.len += 1;
        }
        *slot = value;
        self.sum += value;
        self.next += 1;
        if self.next == self.period {
            self.next = 0;
        }
        self.len == self.period
    }

    /// Consumes one input; the mean once `period` inputs have been seen.
    pub fn update(&mut self, value: Decimal) -> Option<Decimal> {
        if self.push(value) { self.value() } else { None }
    }

    /// True once the window is full.
    #[inline]
    pub fn is_ready(&self) -> bool {
        self.len == self.period
    }

    /// The exact sum of the window, once it is full.
    #[inline]
    pub fn sum(&self) -> Option<Decimal> {
        self.is_ready().then_some(self.sum)
    }

    /// The mean of the window, once it is full.
    pub fn value(&self) -> Option<Decimal> {
        self.is_ready().then(|| self.sum / self.period_dec)
    }

    /// Forgets every input (back to warming up).
    pub fn reset(&mut self) {
        self.window.fill(Decimal::ZERO);
        self.next = 0;
        self.len = 0;
        self.sum = Decimal::ZERO;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn returns_none_until_warmed_up() {
        let mut sma = Sma::new(3).unwrap();
        assert_eq!(sma.update(dec!(1)), None);
        assert_eq!(sma.update(dec!(2)), None);
        assert_eq!(sma.update(dec!(3)), Some(dec!(2)));
    }

    #[test]
    fn matches_hand_computed_window_means() {
        // Window 3 over 1, 2, 3, 4, 5, 10:
        // (1+2+3)/3 = 2, (2+3+4)/3 = 3, (3+4+5)/3 = 4, (4+5+10)/3 = 19/3.
        let mut sma = Sma::new(3).unwrap();
        let out: Vec<_> = [1, 2, 3, 4, 5, 10]
            .into_iter()
            .map(|v| sma.update(Decimal::from(v)))
            .collect();
        assert_eq!(
            out[..5],
            [None, None, Some(dec!(2)), Some(dec!(3)), Some(dec!(4))]
        );
        assert_eq!(out[5], Some(dec!(19) / dec!(3)));
    }

    #[test]
    fn running_sum_stays_exact_over_a_long_stream() {
        // 0.1 is not representable in binary floating point; a float running sum
        // drifts after a few thousand updates. The Decimal sum must equal the
        // window's exact total at every step.
        let mut sma = Sma::new(7).unwrap();
        for i in 0..100_000u32 {
            sma.push(dec!(0.1) * Decimal::from(i % 13));
        }
        // Last 7 inputs: i = 99_993..=99_999; 99_993 = 13 * 7_691 + 10, so
        // i % 13 = 10, 11, 12, 0, 1, 2, 3 -> 39 * 0.1.
        assert_eq!(sma.sum(), Some(dec!(3.9)));
        assert_eq!(sma.value(), Some(dec!(3.9) / dec!(7)));
    }

    #[test]
    fn period_one_is_the_input_itself() {
        let mut sma = Sma::new(1).unwrap();
        assert_eq!(sma.update(dec!(4.25)), Some(dec!(4.25)));
        assert_eq!(sma.update(dec!(7)), Some(dec!(7)));
    }

    #[test]
    fn zero_period_is_rejected() {
        assert!(Sma::new(0).is_err());
    }

    #[test]
    fn out_of_domain_input_is_ignored() {
        let mut sma = Sma::new(2).unwrap();
        sma.push(dec!(1));
        assert!(!sma.push(dec!(1e13)));
        assert_eq!(sma.update(dec!(3)), Some(dec!(2)));
    }

    #[test]
    fn state_size_does_not_grow() {
        let mut sma = Sma::new(5).unwrap();
        for i in 0..10_000 {
            sma.push(Decimal::from(i));
        }
        assert_eq!(sma.window.len(), 5);
        assert_eq!(sma.len, 5);
    }

    #[test]
    fn reset_starts_a_new_warm_up() {
        let mut sma = Sma::new(2).unwrap();
        sma.push(dec!(1));
        sma.push(dec!(2));
        sma.reset();
        assert_eq!(sma.update(dec!(5)), None);
        assert_eq!(sma.update(dec!(7)), Some(dec!(6)));
    }
}
