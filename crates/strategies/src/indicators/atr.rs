//! Average True Range with Wilder's smoothing.
//!
//! True range: `max(high - low, |high - prev_close|, |low - prev_close|)`; the very
//! first bar, which has no previous close, uses `high - low` (Wilder's
//! convention). The first ATR (after `period` bars) is the mean of the first
//! `period` true ranges; afterwards `atr = (atr * (period - 1) + tr) / period`.

use rust_decimal::Decimal;

use super::{check_period, in_domain};
use crate::error::StrategyError;

/// Wilder's Average True Range, in price units.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    period_dec: Decimal,
    prev_close: Option<Decimal>,
    seen: usize,
    acc: Decimal,
    value: Option<Decimal>,
}

impl Atr {
    /// An ATR over `period` bars (`1..=MAX_PERIOD`; 14 is Wilder's).
    pub fn new(period: usize) -> Result<Self, StrategyError> {
        check_period("atr", period)?;
        Ok(Self {
            period,
            period_dec: Decimal::from(period),
            prev_close: None,
            seen: 0,
            acc: Decimal::ZERO,
            value: None,
        })
    }

    /// Number of bars averaged.
    pub fn period(&self) -> usize {
        self.period
    }

    /// The true range of a bar given the previous close (if any).
    pub fn true_range(high: Decimal, low: Decimal, prev_close: Option<Decimal>) -> Decimal {
        let range = high - low;
        match prev_close {
            None => range,
            Some(pc) => range.max((high - pc).abs()).max((low - pc).abs()),
        }
    }

    /// Consumes one bar; the ATR once `period` bars have been seen.
    pub fn update(&mut self, high: Decimal, low: Decimal, close: Decimal) -> Option<Decimal> {
        if !(in_domain(high) && in_domain(low) && in_domain(close)) {
            return None;
        }
        let tr = Self::true_range(high, low, self.prev_close);
        self.prev_close = Some(close);
        match self.value {
            Some(atr) => {
                let keep = self.period_dec - Decimal::ONE;
                self.value = Some((atr * keep + tr) / self.period_dec);
            }
            None => {
                self.seen += 1;
                self.acc += tr;
                if self.seen == self.period {
                    self.value = Some(self.acc / self.period_dec);
                }
            }
        }
        self.value
    }

    /// The latest ATR, once warmed up.
    pub fn value(&self) -> Option<Decimal> {
        self.value
    }

    /// True once warmed up.
    pub fn is_ready(&self) -> bool {
        self.value.is_some()
    }

    /// Forgets every input.
    pub fn reset(&mut self) {
        self.prev_close = None;
        self.seen = 0;
        self.acc = Decimal::ZERO;
        self.value = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn hand_computed_wilder_atr() {
        // period 3; (high, low, close) and the true range worked out by hand:
        // 1: 10,   8,    9     TR = 10 - 8                         = 2
        // 2: 11,   9,   10.5   TR = max(2, |11-9|, |9-9|)          = 2
        // 3: 12,  10,   11     TR = max(2, |12-10.5|, |10-10.5|)   = 2    ATR = 6/3 = 2
        // 4: 14,  11.5, 13.5   TR = max(2.5, |14-11|, |11.5-11|)   = 3    ATR = (2*2 + 3)/3 = 7/3
        // 5: 13,  12,   12.2   TR = max(1, |13-13.5|, |12-13.5|)   = 1.5  ATR = (14/3 + 1.5)/3 = 37/18
        // 6: 10,   9,    9.5   TR = max(1, |10-12.2|, |9-12.2|)    = 3.2  ATR = (37/9 + 3.2)/3 = 329/135
        let bars = [
            (dec!(10), dec!(8), dec!(9)),
            (dec!(11), dec!(9), dec!(10.5)),
            (dec!(12), dec!(10), dec!(11)),
            (dec!(14), dec!(11.5), dec!(13.5)),
            (dec!(13), dec!(12), dec!(12.2)),
            (dec!(10), dec!(9), dec!(9.5)),
        ];
        let mut atr = Atr::new(3).unwrap();
        let out: Vec<_> = bars.iter().map(|&(h, l, c)| atr.update(h, l, c)).collect();
        assert_eq!(out[..3], [None, None, Some(dec!(2))]);
        let exact = [
            dec!(7) / dec!(3),
            dec!(37) / dec!(18),
            dec!(329) / dec!(135),
        ];
        for (got, want) in out[3..].iter().zip(exact) {
            assert_eq!(got.unwrap().round_dp(20), want.round_dp(20));
        }
    }

    #[test]
    fn gap_uses_the_previous_close() {
        assert_eq!(
            Atr::true_range(dec!(10), dec!(9), Some(dec!(12.2))),
            dec!(3.2)
        );
        assert_eq!(Atr::true_range(dec!(10), dec!(9), None), dec!(1));
    }

    #[test]
    fn warm_up_is_period_bars() {
        let mut atr = Atr::new(14).unwrap();
        for i in 0..13 {
            assert_eq!(
                atr.update(dec!(2) + Decimal::from(i), dec!(1), dec!(1.5)),
                None
            );
        }
        assert!(atr.update(dec!(2), dec!(1), dec!(1.5)).is_some());
    }
}
