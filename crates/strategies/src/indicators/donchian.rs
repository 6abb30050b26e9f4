//! Donchian channel: the highest high and lowest low of the last `period` bars.
//!
//! Two monotonic deques of `(bar index, value)`: the high deque keeps strictly
//! decreasing highs (a new high evicts every smaller or equal one behind it), the
//! low deque strictly increasing lows, and each drops its front once it falls
//! out of the window. Every bar is pushed and popped at most once, so an update
//! is amortised O(1); each deque holds at most `period` entries and is allocated
//! once with that capacity.

use std::collections::VecDeque;

use rust_decimal::Decimal;

use super::{check_period, in_domain};
use crate::error::StrategyError;

/// One reading of the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DonchianChannel {
    /// Highest high of the window.
    pub upper: Decimal,
    /// Lowest low of the window.
    pub lower: Decimal,
}

impl DonchianChannel {
    /// Midpoint of the channel.
    pub fn middle(&self) -> Decimal {
        (self.upper + self.lower) / Decimal::TWO
    }

    /// `upper - lower`.
    pub fn height(&self) -> Decimal {
        self.upper - self.lower
    }
}

/// Donchian channel over the last `period` bars.
#[derive(Debug, Clone)]
pub struct Donchian {
    period: usize,
    seen: u64,
    highs: VecDeque<(u64, Decimal)>,
    lows: VecDeque<(u64, Decimal)>,
}

impl Donchian {
    /// A channel over `period` bars (`1..=MAX_PERIOD`).
    pub fn new(period: usize) -> Result<Self, StrategyError> {
        check_period("donchian", period)?;
        Ok(Self {
            period,
            seen: 0,
            highs: VecDeque::with_capacity(period),
            lows: VecDeque::with_capacity(period),
        })
    }

    /// Window length.
    pub fn period(&self) -> usize {
        self.period
    }

    /// Consumes one bar; the channel of the last `period` bars (this one
    /// included) once `period` bars have been seen.
    pub fn update(&mut self, high: Decimal, low: Decimal) -> Option<DonchianChannel> {
        if !(in_domain(high) && in_domain(low)) {
            return None;
        }
        let index = self.seen;
        self.seen += 1;
        // Expire first so that the deques never exceed `period` entries.
        let period = self.period as u64;
        if self
            .highs
            .front()
            .is_some_and(|&(i, _)| i + period <= index)
        {
            self.highs.pop_front();
        }
        if self.lows.front().is_some_and(|&(i, _)| i + period <= index) {
            self.lows.pop_front();
        }
        while self.highs.back().is_some_and(|&(_, h)| h <= high) {
            self.highs.pop_back();
        }
        self.highs.push_back((index, high));
        while self.lows.back().is_some_and(|&(_, l)| l >= low) {
            self.lows.pop_back();
        }
        self.lows.push_back((index, low));
        self.value()
    }

    /// The channel of the last `period` bars seen, once warmed up.
    pub fn value(&self) -> Option<DonchianChannel> {
        if self.seen < self.period as u64 {
            return None;
        }
        let (&(_, upper), &(_, lower)) = (self.highs.front()?, self.lows.front()?);
        Some(DonchianChannel { upper, lower })
    }

    /// True once warmed up.
    pub fn is_ready(&self) -> bool {
        self.seen >= self.period as u64
    }

    /// Forgets every input.
    pub fn reset(&mut self) {
        self.seen = 0;
        self.highs.clear();
        self.lows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn brute_force(highs: &[Decimal], lows: &[Decimal]) -> DonchianChannel {
        DonchianChannel {
            upper: highs.iter().copied().max().unwrap(),
            lower: lows.iter().copied().min().unwrap(),
        }
    }

    #[test]
    fn hand_computed_channel() {
        // period 3; (high, low):
        // (5,1) (7,2) (6,3)  -> window 1-3: upper 7, lower 1
        // (4,2)              -> window 2-4: upper 7, lower 2
        // (3,2.5)            -> window 3-5: upper 6, lower 2
        // (8,0.5)            -> window 4-6: upper 8, lower 0.5
        let bars = [
            (dec!(5), dec!(1)),
            (dec!(7), dec!(2)),
            (dec!(6), dec!(3)),
            (dec!(4), dec!(2)),
            (dec!(3), dec!(2.5)),
            (dec!(8), dec!(0.5)),
        ];
        let mut dc = Donchian::new(3).unwrap();
        let out: Vec<_> = bars
            .iter()
            .map(|&(h, l)| dc.update(h, l).map(|c| (c.upper, c.lower)))
            .collect();
        assert_eq!(
            out,
            [
                None,
                None,
                Some((dec!(7), dec!(1))),
                Some((dec!(7), dec!(2))),
                Some((dec!(6), dec!(2))),
                Some((dec!(8), dec!(0.5))),
            ]
        );
        let last = dc.value().unwrap();
        assert_eq!((last.middle(), last.height()), (dec!(4.25), dec!(7.5)));
    }

    #[test]
    fn matches_brute_force_and_never_grows() {
        let period = 7;
        let mut dc = Donchian::new(period).unwrap();
        let cap = (dc.highs.capacity(), dc.lows.capacity());
        let mut highs = Vec::new();
        let mut lows = Vec::new();
        for i in 0..5_000i64 {
            // A deterministic zig-zag with repeats, rises and falls.
            let mid = Decimal::from((i * 7919) % 97) + Decimal::from(i % 5);
            let (h, l) = (mid + Decimal::from(i % 3), mid - Decimal::from(i % 4));
            highs.push(h);
            lows.push(l);
            let got = dc.update(h, l);
            if highs.len() >= period {
                let n = highs.len();
                let want = brute_force(&highs[n - period..], &lows[n - period..]);
                assert_eq!(got, Some(want), "bar {i}");
            } else {
                assert_eq!(got, None);
            }
            assert!(dc.highs.len() <= period && dc.lows.len() <= period);
        }
        assert_eq!((dc.highs.capacity(), dc.lows.capacity()), cap);
    }
}
