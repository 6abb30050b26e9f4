//! Maximum drawdown on the bar-level equity curve, streaming.
//!
//! Drawdown at a bar is `(peak - equity) / peak`, where `peak` is the highest
//! equity seen so far, starting from the initial capital. It is measured on
//! every observed bar, not on daily closes, so an intraday dip that recovers
//! before the day ends still counts.
//!
//! For a given peak the deepest drawdown is at the lowest equity after it, so
//! the tracker keeps that trough and divides only when the trough gets lower:
//! one comparison per bar on the hot path, exact `Decimal` arithmetic.

use rust_decimal::Decimal;

/// Running peak, trough since the peak and the deepest drawdown so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawdownTracker {
    peak: Decimal,
    trough: Decimal,
    max: Decimal,
}

impl DrawdownTracker {
    /// A tracker whose first peak is `initial` (the caller guarantees `initial > 0`).
    pub fn new(initial: Decimal) -> Self {
        Self {
            peak: initial,
            trough: initial,
            max: Decimal::ZERO,
        }
    }

    /// Feeds one equity observation.
    #[inline]
    pub fn observe(&mut self, equity: Decimal) {
        if equity > self.peak {
            self.peak = equity;
            self.trough = equity;
        } else if equity < self.trough {
            self.trough = equity;
            // `peak` is at least the positive initial capital, so the division is
            // defined; it can only overflow for absurd magnitudes, which saturate.
            let drawdown = (self.peak - equity)
                .checked_div(self.peak)
                .unwrap_or(Decimal::MAX);
            if drawdown > self.max {
                self.max = drawdown;
            }
        }
    }

    /// Highest equity seen (the initial capital if none was higher).
    pub fn peak(&self) -> Decimal {
        self.peak
    }

    /// Deepest drawdown seen, as a non-negative fraction of the peak it fell from.
    /// It exceeds 1 only if equity went below zero.
    pub fn max_drawdown(&self) -> Decimal {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn run(initial: Decimal, curve: &[Decimal]) -> Decimal {
        let mut t = DrawdownTracker::new(initial);
        for e in curve {
            t.observe(*e);
        }
        t.max_drawdown()
    }

    #[test]
    fn a_rising_curve_has_no_drawdown() {
        assert_eq!(run(dec!(100), &[dec!(100), dec!(101), dec!(150)]), dec!(0));
    }

    #[test]
    fn drawdown_is_measured_from_the_highest_peak_before_the_trough() {
        // 100 -> 120 -> 90 (25% off 120) -> 130 -> 110 (15.38% off 130)
        let dd = run(dec!(100), &[dec!(120), dec!(90), dec!(130), dec!(110)]);
        assert_eq!(dd, dec!(0.25));
    }

    #[test]
    fn a_loss_below_the_initial_capital_counts_before_any_new_high() {
        assert_eq!(run(dec!(100), &[dec!(80), dec!(95)]), dec!(0.2));
    }

    #[test]
    fn the_peak_is_kept_while_in_drawdown() {
        let mut t = DrawdownTracker::new(dec!(100));
        t.observe(dec!(110));
        t.observe(dec!(99));
        assert_eq!(t.peak(), dec!(110));
        assert_eq!(t.max_drawdown(), dec!(0.1));
    }
}
