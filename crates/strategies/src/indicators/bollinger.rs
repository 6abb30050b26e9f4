//! Bollinger bands: the window mean plus and minus `k` population standard deviations.
//!
//! O(1) per input: a ring buffer of the window and running sums of the
//! deviations `d = x - anchor` and of their squares, so
//! `mean = anchor + Σd / n` and `variance = Σd² / n - (Σd / n)²`.
//! Working with deviations from a recent input (rather than raw squares of
//! prices) keeps the numbers small, so the sums stay exact for prices with a
//! few decimals. Every `period` inputs the sums are rebuilt from the window
//! around the newest input (O(period) once per `period` inputs: amortised
//! O(1)), which bounds any rounding to one window. The square root
//! (`rust_decimal`'s `MathematicalOps::sqrt`) is only taken when the bands are
//! asked for ([`Bollinger::bands`]), not on every [`Bollinger::push`].

use rust_decimal::{Decimal, MathematicalOps};

use super::{check_period, in_domain};
use crate::error::StrategyError;

/// Largest band multiplier accepted.
const MAX_K: Decimal = Decimal::from_parts(100, 0, 0, false, 0);

/// One reading of the bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BollingerBands {
    /// `middle - k * stddev`.
    pub lower: Decimal,
    /// The window mean.
    pub middle: Decimal,
    /// `middle + k * stddev`.
    pub upper: Decimal,
    /// Population standard deviation of the window.
    pub stddev: Decimal,
}

impl BollingerBands {
    /// `upper - lower`.
    pub fn width(&self) -> Decimal {
        self.upper - self.lower
    }

    /// Where `value` sits in the bands: 0 at the lower band, 1 at the upper band
    /// (below 0 or above 1 outside them); `None` when the bands have zero width.
    pub fn percent_b(&self, value: Decimal) -> Option<Decimal> {
        (value - self.lower).checked_div(self.width())
    }
}

/// Bollinger bands over the last `period` inputs.
#[derive(Debug, Clone)]
pub struct Bollinger {
    period: usize,
    period_dec: Decimal,
    k: Decimal,
    window: Box<[Decimal]>,
    next: usize,
    len: usize,
    anchor: Decimal,
    sum_dev: Decimal,
    sum_sq_dev: Decimal,
}

impl Bollinger {
    /// Bands over `period` inputs (`1..=MAX_PERIOD`) at `k` standard deviations (`0..=100`; 2 is usual).
    pub fn new(period: usize, k: Decimal) -> Result<Self, StrategyError> {
        check_period("bollinger", period)?;
        if k.is_sign_negative() || k > MAX_K {
            return Err(StrategyError::InvalidIndicator {
                indicator: "bollinger",
                param: "k",
                expected: "in [0, 100]",
                got: k.to_string(),
            });
        }
        Ok(Self {
            period,
            period_dec: Decimal::from(period),
            k,
            window: vec![Decimal::ZERO; period].into_boxed_slice(),
            next: 0,
            len: 0,
            anchor: Decimal::ZERO,
            sum_dev: Decimal::ZERO,
            sum_sq_dev: Decimal::ZERO,
        })
    }

    /// Window length.
    pub fn period(&self) -> usize {
        self.period
    }

    /// Band multiplier.
    pub fn k(&self) -> Decimal {
        self.k
    }

    /// Consumes one input without taking the square root; true once the window
    /// is full and the input was accepted (inputs outside `±MAX_INPUT` are ignored).
    pub fn push(&mut self, value: Decimal) -> bool {
        if !in_domain(value) {
            return false;
        }
        if self.len == 0 {
            self.anchor = value;
        }
        let slot = &mut self.window[self.next];
        if self.len == self.period {
            let old = *slot - self.anchor;
            self.sum_dev -= old;
            self.sum_sq_dev -= old * old;
        } else {
            self.len += 1;
        }
        *slot = value;
        let dev = value - self.anchor;
        self.sum_dev += dev;
        self.sum_sq_dev += dev * dev;
        self.next += 1;
        if self.next == self.period {
            self.next = 0;
            self.rebase(value);
        }
        self.len == self.period
    }

    /// Rebuilds the running sums around `anchor` from the window.
    fn rebase(&mut self, anchor: Decimal) {
        self.anchor = anchor;
        self.sum_dev = Decimal::ZERO;
        self.sum_sq_dev = Decimal::ZERO;
        for &x in &self.window[..self.len] {
            let dev = x - anchor;
            self.sum_dev += dev;
            self.sum_sq_dev += dev * dev;
        }
    }

    /// Consumes one input; the bands once `period` inputs have been seen.
    pub fn update(&mut self, value: Decimal) -> Option<BollingerBands> {
        if self.push(value) { self.bands() } else { None }
    }

    /// True once the window is full.
    pub fn is_ready(&self) -> bool {
        self.len == self.period
    }

    /// The window mean, once the window is full (no square root).
    pub fn mean(&self) -> Option<Decimal> {
        self.is_ready()
            .then(|| self.anchor + self.sum_dev / self.period_dec)
    }

    /// The current bands, once the window is full.
    pub fn bands(&self) -> Option<BollingerBands> {
        if !self.is_ready() {
            return None;
        }
        let mean_dev = self.sum_dev / self.period_dec;
        let variance = (self.sum_sq_dev / self.period_dec - mean_dev * mean_dev).max(Decimal::ZERO);
        let stddev = variance.sqrt().unwrap_or(Decimal::ZERO);
        let middle = self.anchor + mean_dev;
        let half_width = self.k * stddev;
        Some(BollingerBands {
            lower: middle - half_width,
            middle,
            upper: middle + half_width,
            stddev,
        })
    }

    /// Forgets every input.
    pub fn reset(&mut self) {
        self.window.fill(Decimal::ZERO);
        self.next = 0;
        self.len = 0;
        self.anchor = Decimal::ZERO;
        self.sum_dev = Decimal::ZERO;
        self.sum_sq_dev = Decimal::ZERO;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn textbook_population_stddev() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32,
        // variance 32/8 = 4, stddev 2 (the standard textbook example). k = 2 -> 1 and 9.
        let mut bb = Bollinger::new(8, dec!(2)).unwrap();
        let mut last = None;
        for v in [2, 4, 4, 4, 5, 5, 7, 9] {
            last = bb.update(Decimal::from(v));
        }
        let b = last.unwrap();
        assert_eq!(
            (b.lower, b.middle, b.upper, b.stddev),
            (dec!(1), dec!(5), dec!(9), dec!(2))
        );
        assert_eq!(b.percent_b(dec!(5)), Some(dec!(0.5)));
    }

    #[test]
    fn rolls_the_window() {
        // After the window above, push 5: window 4,4,4,5,5,7,9,5, sum 43, mean 5.375,
        // Σx² = 253, variance = 253/8 - 5.375² = 31.625 - 28.890625 = 2.734375.
        let mut bb = Bollinger::new(8, dec!(2)).unwrap();
        for v in [2, 4, 4, 4, 5, 5, 7, 9] {
            bb.push(Decimal::from(v));
        }
        let b = bb.update(dec!(5)).unwrap();
        assert_eq!(b.middle, dec!(5.375));
        assert_eq!(b.stddev, dec!(2.734375).sqrt().unwrap());
        assert_eq!(b.stddev.round_dp(6), dec!(1.653595));
    }

    #[test]
    fn rolling_equals_recomputing_from_scratch() {
        let mut bb = Bollinger::new(5, dec!(2)).unwrap();
        let inputs: Vec<Decimal> = (0..200)
            .map(|i: i64| dec!(100) + Decimal::new((i * 37) % 101 - 50, 2))
            .collect();
        for (i, &x) in inputs.iter().enumerate() {
            if let Some(b) = bb.update(x) {
                let w = &inputs[i + 1 - 5..=i];
                let mean = w.iter().sum::<Decimal>() / dec!(5);
                let var = w.iter().map(|v| (v - mean) * (v - mean)).sum::<Decimal>() / dec!(5);
                assert_eq!(b.middle, mean);
                assert_eq!(b.stddev, var.sqrt().unwrap(), "at input {i}");
            }
        }
    }

    #[test]
    fn flat_window_has_zero_width_and_no_percent_b() {
        let mut bb = Bollinger::new(3, dec!(2)).unwrap();
        let b = [7, 7, 7].map(|v| bb.update(Decimal::from(v)))[2].unwrap();
        assert_eq!(b.width(), Decimal::ZERO);
        assert_eq!(b.percent_b(dec!(7)), None);
    }

    #[test]
    fn rejects_negative_k() {
        assert!(Bollinger::new(20, dec!(-1)).is_err());
    }

    #[test]
    fn state_size_does_not_grow() {
        let mut bb = Bollinger::new(4, dec!(2)).unwrap();
        for i in 0..1000 {
            bb.push(Decimal::from(i));
        }
        assert_eq!(bb.window.len(), 4);
        assert_eq!(bb.len, 4);
    }
}
