//! Daily returns of end-of-UTC-day equity, and the Sharpe and Sortino ratios on them.
//!
//! A backtest may observe ten million bars, so returns are not kept: each UTC
//! day's *last* equity closes that day, the day's simple return
//! `close_d / close_(d-1) - 1` is computed exactly in `Decimal`, and only its
//! running moments are kept (Welford's mean and sum of squared deviations, plus
//! the sum of squared negative returns for the downside deviation). Memory is
//! constant, whatever the length of the run.
//!
//! The first day's return is measured from the initial capital; the last day
//! may be partial (its close is the last observed equity). A day without any
//! observation (a data gap) has no close: the next observed day's return spans
//! the gap. Definitions and their reasons: `docs/metrics.md`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Periods per year used to annualise daily figures: crypto trades every day.
pub const DAYS_PER_YEAR: f64 = 365.0;

/// Running moments of the daily returns (f64: statistics, never decisions).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Moments {
    n: u64,
    mean: f64,
    /// Sum of squared deviations from the running mean (Welford's `M2`).
    m2: f64,
    /// Sum of `min(r, 0)^2`.
    downside_sq: f64,
}

impl Moments {
    fn push(&mut self, r: f64) {
        self.n += 1;
        let delta = r - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (r - self.mean);
        if r < 0.0 {
            self.downside_sq += r * r;
        }
    }
}

/// `num / den` when `den > 0` and the quotient is finite.
fn finite_ratio(num: f64, den: f64) -> Option<f64> {
    if den > 0.0 {
        let v = num / den;
        v.is_finite().then_some(v)
    } else {
        None
    }
}

/// The statistics of the daily returns at one moment of the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReturnSummary {
    /// Number of daily returns (calendar days with at least one observation).
    pub days: u64,
    /// False when some day's return was undefined (the previous close was not positive).
    pub defined: bool,
    /// Mean daily return; `None` without any return.
    pub mean: Option<f64>,
    /// Sample standard deviation (`n - 1`); `None` with fewer than two returns.
    pub stdev: Option<f64>,
    /// Downside deviation `sqrt(sum(min(r, 0)^2) / n)`, target 0, over all days.
    pub downside_deviation: Option<f64>,
    /// `mean / stdev * sqrt(365)`; `None` when undefined (see `docs/metrics.md`).
    pub sharpe: Option<f64>,
    /// `mean / downside_deviation * sqrt(365)`; `None` when undefined.
    pub sortino: Option<f64>,
}

/// Streams equity into end-of-day closes and daily-return moments.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyReturns {
    /// The equity the open day's return is measured from (the previous close).
    base: Decimal,
    /// The open day and its latest equity, once anything was observed.
    open_day: Option<(NaiveDate, Decimal)>,
    moments: Moments,
    /// Days whose return could not be computed (previous close not positive).
    undefined_days: u64,
}

impl DailyReturns {
    /// Returns measured from `initial` (the initial capital) onwards.
    pub fn new(initial: Decimal) -> Self {
        Self {
            base: initial,
            open_day: None,
            moments: Moments::default(),
            undefined_days: 0,
        }
    }

    /// Feeds the equity observed on `day`; days must not go backwards.
    #[inline]
    pub fn observe(&mut self, day: NaiveDate, equity: Decimal) {
        match &mut self.open_day {
            Some((open, close)) if *open == day => *close = equity,
            Some((_, close)) => {
                let previous_close = *close;
                self.close_day(previous_close);
                self.open_day = Some((day, equity));
            }
            None => self.open_day = Some((day, equity)),
        }
    }

    fn close_day(&mut self, close: Decimal) {
        match daily_return(self.base, close) {
            Some(r) => self.moments.push(r),
            None => self.undefined_days += 1,
        }
        self.base = close;
    }

    /// The statistics so far, the open (possibly partial) day included.
    pub fn summary(&self) -> ReturnSummary {
        let mut with_open_day = self.clone();
        if let Some((_, close)) = self.open_day {
            with_open_day.close_day(close);
        }
        with_open_day.summarise()
    }

    fn summarise(&self) -> ReturnSummary {
        let m = self.moments;
        let defined = self.undefined_days == 0;
        let n = m.n as f64;
        let mean = (m.n > 0).then_some(m.mean);
        let stdev = (m.n > 1).then(|| (m.m2.max(0.0) / (n - 1.0)).sqrt());
        let downside_deviation = (m.n > 0).then(|| (m.downside_sq / n).sqrt());
        let annualise = DAYS_PER_YEAR.sqrt();
        let ratio = |den: Option<f64>| {
            if !defined || m.n < 2 {
                return None;
            }
            finite_ratio(m.mean, den?).map(|v| v * annualise)
        };
        ReturnSummary {
            days: m.n + self.undefined_days,
            defined,
            mean,
            stdev,
            downside_deviation,
            sharpe: ratio(stdev),
            sortino: ratio(downside_deviation),
        }
    }
}

/// `close / base - 1`, or `None` when `base` is not positive or the quotient overflows.
fn daily_return(base: Decimal, close: Decimal) -> Option<f64> {
    if base <= Decimal::ZERO {
        return None;
    }
    let r = close.checked_div(base)? - Decimal::ONE;
    r.to_f64().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
    }

    fn close_enough(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn only_the_last_equity_of_a_day_closes_it() {
        let mut d = DailyReturns::new(dec!(100));
        d.observe(day(1), dec!(50));
        d.observe(day(1), dec!(110));
        d.observe(day(2), dec!(99));
        let s = d.summary();
        assert_eq!(s.days, 2);
        // +10%, -10%
        assert!(close_enough(s.mean.unwrap(), 0.0));
    }

    #[test]
    fn the_first_return_is_measured_from_the_initial_capital() {
        let mut d = DailyReturns::new(dec!(100));
        d.observe(day(1), dec!(105));
        let s = d.summary();
        assert_eq!(s.days, 1);
        assert!(close_enough(s.mean.unwrap(), 0.05));
        assert_eq!(s.stdev, None);
        assert_eq!(s.sharpe, None);
    }

    #[test]
    fn a_day_after_a_non_positive_close_makes_the_ratios_undefined() {
        let mut d = DailyReturns::new(dec!(100));
        d.observe(day(1), dec!(0));
        d.observe(day(2), dec!(10));
        d.observe(day(3), dec!(11));
        let s = d.summary();
        assert!(!s.defined);
        assert_eq!(s.days, 3);
        assert_eq!(s.sharpe, None);
        assert_eq!(s.sortino, None);
    }

    #[test]
    fn summary_does_not_close_the_open_day_for_good() {
        let mut d = DailyReturns::new(dec!(100));
        d.observe(day(1), dec!(101));
        let _ = d.summary();
        d.observe(day(1), dec!(102));
        assert!(close_enough(d.summary().mean.unwrap(), 0.02));
        assert_eq!(d.summary().days, 1);
    }
}
