//! Relative Strength Index with Wilder's smoothing.
//!
//! Gains and losses are close-to-close changes. The first averages (after
//! `period + 1` inputs, i.e. `period` changes) are simple means; afterwards
//! `avg = (avg * (period - 1) + x) / period`. The output is
//! `100 * avg_gain / (avg_gain + avg_loss)`, which equals Wilder's
//! `100 - 100 / (1 + RS)` without the division by a zero average loss; when both
//! averages are zero (a flat market) the RSI is the neutral 50.

use rust_decimal::Decimal;

use super::{check_period, in_domain};
use crate::error::StrategyError;

/// Wilder's RSI in `[0, 100]`.
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    period_dec: Decimal,
    prev: Option<Decimal>,
    changes: usize,
    avg_gain: Decimal,
    avg_loss: Decimal,
    value: Option<Decimal>,
}

impl Rsi {
    /// An RSI over `period` changes (`1..=MAX_PERIOD`; 14 is Wilder's).
    pub fn new(period: usize) -> Result<Self, StrategyError> {
        check_period("rsi", period)?;
        Ok(Self {
            period,
            period_dec: Decimal::from(period),
            prev: None,
            changes: 0,
            avg_gain: Decimal::ZERO,
            avg_loss: Decimal::ZERO,
            value: None,
        })
    }

    /// Number of changes averaged.
    pub fn period(&self) -> usize {
        self.period
    }

    /// Consumes one close; the RSI once `period + 1` closes have been seen.
    pub fn update(&mut self, close: Decimal) -> Option<Decimal> {
        if !in_domain(close) {
            return None;
        }
        let prev = self.prev.replace(close)?;
        let change = close - prev;
        let (gain, loss) = if change > Decimal::ZERO {
            (change, Decimal::ZERO)
        } else {
            (Decimal::ZERO, -change)
        };
        if self.changes < self.period {
            // Seeding: accumulate sums, turn them into means at the `period`-th change.
            self.changes += 1;
            self.avg_gain += gain;
            self.avg_loss += loss;
            if self.changes < self.period {
                return None;
            }
            self.avg_gain /= self.period_dec;
            self.avg_loss /= self.period_dec;
        } else {
            let keep = self.period_dec - Decimal::ONE;
            self.avg_gain = (self.avg_gain * keep + gain) / self.period_dec;
            self.avg_loss = (self.avg_loss * keep + loss) / self.period_dec;
        }
        let total = self.avg_gain + self.avg_loss;
        let rsi = if total.is_zero() {
            Decimal::from(50)
        } else {
            Decimal::ONE_HUNDRED * self.avg_gain / total
        };
        self.value = Some(rsi);
        self.value
    }

    /// The latest RSI, once warmed up.
    pub fn value(&self) -> Option<Decimal> {
        self.value
    }

    /// True once warmed up.
    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    /// Wilder's smoothed average gain, once warmed up.
    pub fn avg_gain(&self) -> Option<Decimal> {
        self.value.map(|_| self.avg_gain)
    }

    /// Wilder's smoothed average loss (a positive number), once warmed up.
    pub fn avg_loss(&self) -> Option<Decimal> {
        self.value.map(|_| self.avg_loss)
    }

    /// Forgets every input.
    pub fn reset(&mut self) {
        self.prev = None;
        self.changes = 0;
        self.avg_gain = Decimal::ZERO;
        self.avg_loss = Decimal::ZERO;
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// The closes of StockCharts' RSI walk-through (ChartSchool, "Relative Strength
    /// Index (RSI)", the cs-rsi spreadsheet), 33 closes.
    const CLOSES: [&str; 33] = [
        "44.3389", "44.0902", "44.1497", "43.6124", "44.2778", "44.8264", "45.0955", "45.4245",
        "45.8433", "46.0826", "45.8931", "46.0328", "45.6140", "46.2820", "46.2820", "46.0028",
        "46.0328", "46.4116", "46.2222", "45.6439", "46.2122", "46.2521", "45.7137", "46.4515",
        "45.7835", "45.3548", "44.0288", "44.1783", "44.2181", "44.5672", "43.4205", "42.6628",
        "43.1314",
    ];

    #[test]
    fn matches_the_stockcharts_walk_through() {
        // Published RSI(14), to two decimals, from the 15th close on. Re-derived
        // independently with exact rational arithmetic (Python `fractions`):
        // first averages 0.2383857142857 / 0.0995928571428, RSI 70.5327894837.
        let expected = [
            "70.53", "66.32", "66.55", "69.41", "66.36", "57.97", "62.93", "63.26", "56.06",
            "62.38", "54.71", "50.42", "39.99", "41.46", "41.87", "45.46", "37.30", "33.08",
            "37.77",
        ];
        let mut rsi = Rsi::new(14).unwrap();
        let out: Vec<Option<Decimal>> = CLOSES
            .iter()
            .map(|c| rsi.update(c.parse().unwrap()))
            .collect();
        assert!(
            out[..14].iter().all(Option::is_none),
            "warm-up is 15 closes"
        );
        let got: Vec<String> = out[14..]
            .iter()
            .map(|v| v.unwrap().round_dp(2).to_string())
            .collect();
        let expected: Vec<String> = expected
            .iter()
            .map(|e| e.parse::<Decimal>().unwrap().to_string())
            .collect();
        assert_eq!(got, expected);
        assert_eq!(
            out[14].unwrap().round_dp(10),
            dec!(70.5327894837),
            "exact first value"
        );
    }

    #[test]
    fn only_gains_is_100_only_losses_is_0_flat_is_50() {
        let mut up = Rsi::new(3).unwrap();
        let mut down = Rsi::new(3).unwrap();
        let mut flat = Rsi::new(3).unwrap();
        let mut last = (None, None, None);
        for i in 0..6 {
            let d = Decimal::from(i);
            last = (
                up.update(dec!(10) + d),
                down.update(dec!(10) - d),
                flat.update(dec!(10)),
            );
        }
        assert_eq!(last, (Some(dec!(100)), Some(dec!(0)), Some(dec!(50))));
    }

    #[test]
    fn small_hand_computed_sequence() {
        // period 2, closes 10, 12, 11, 13:
        // changes +2, -1 -> avg gain 1, avg loss 0.5 -> RSI = 100 * 1 / 1.5 = 66.66...
        // change +2 -> gain (1*1 + 2)/2 = 1.5, loss (0.5*1 + 0)/2 = 0.25 -> 100 * 1.5/1.75 = 85.714...
        let mut rsi = Rsi::new(2).unwrap();
        assert_eq!(rsi.update(dec!(10)), None);
        assert_eq!(rsi.update(dec!(12)), None);
        assert_eq!(rsi.update(dec!(11)).unwrap().round_dp(6), dec!(66.666667));
        assert_eq!(rsi.update(dec!(13)).unwrap().round_dp(6), dec!(85.714286));
        assert_eq!(rsi.avg_gain(), Some(dec!(1.5)));
        assert_eq!(rsi.avg_loss(), Some(dec!(0.25)));
    }
}
