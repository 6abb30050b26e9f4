//! `StylisedFacts`: the statistics that tell realistic minutes from a random walk, measured
//! in one streaming pass over any candles (synthetic or real) so that the generator's output
//! can be checked, and documented, against real data.
//!
//! Returns are close-to-close log returns of consecutive candles. Statistics, not money:
//! everything here is `f64` and nothing here decides a trade.

use std::borrow::Borrow;
use std::fmt;

use chrono::{NaiveDate, Timelike};
use domain::Candle;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

/// Summary statistics of a candle series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StylisedFacts {
    /// Candles measured.
    pub bars: u64,
    /// Open of the first candle.
    pub first_open: f64,
    /// Close of the last candle.
    pub last_close: f64,
    /// Lowest low.
    pub min_low: f64,
    /// Highest high.
    pub max_high: f64,
    /// Standard deviation of the per-bar log return, in basis points.
    pub return_sd_bp: f64,
    /// Mean absolute per-bar log return, in basis points.
    pub mean_abs_return_bp: f64,
    /// Largest absolute per-bar log return, in basis points.
    pub max_abs_return_bp: f64,
    /// Kurtosis of the per-bar log returns (3 for a normal distribution; more is fat-tailed).
    pub kurtosis: f64,
    /// Autocorrelation of absolute returns at lag 1 (volatility clustering; ~0 without it).
    pub abs_return_acf_lag1: f64,
    /// Standard deviation of close-to-close daily log returns over UTC days, when at least
    /// two days were seen.
    pub daily_vol: Option<f64>,
    /// Daily returns measured (the first from the first open, the last possibly partial).
    pub days: u64,
    /// Mean of `ln(high / low)`, in basis points.
    pub mean_range_bp: f64,
    /// Mean volume per candle.
    pub mean_volume: f64,
    /// Mean volume per candle by the UTC hour of its open (0 where the hour was never seen).
    pub volume_by_hour: [f64; 24],
    /// Busiest over quietest hour's mean volume, when every hour was seen with some volume.
    pub hourly_volume_ratio: Option<f64>,
    /// Correlation between a candle's volume and its absolute return.
    pub volume_abs_return_corr: f64,
}

impl StylisedFacts {
    /// Measures `candles` (one symbol, ascending) in one pass; `None` for fewer than three.
    pub fn measure<I, C>(candles: I) -> Option<Self>
    where
        I: IntoIterator<Item = C>,
        C: Borrow<Candle>,
    {
        let mut acc = Accumulator::default();
        for candle in candles {
            acc.push(candle.borrow());
        }
        acc.finish()
    }
}

fn price(p: domain::Price) -> f64 {
    p.to_f64_lossy()
}

/// Running sums, constant memory.
#[derive(Debug, Default)]
struct Accumulator {
    bars: u64,
    first_open: f64,
    last_close: f64,
    min_low: f64,
    max_high: f64,
    /// Sums of r, r², r³, r⁴ over the returns.
    r: [f64; 4],
    returns: u64,
    max_abs: f64,
    /// Sums of a, a², a_t a_(t-1) over absolute returns, and the previous one.
    abs_sum: f64,
    abs_sq: f64,
    abs_lag: f64,
    prev_abs: Option<f64>,
    /// Sums of v, v², v·a over the candles with a return.
    vol_sum: f64,
    vol_sq: f64,
    vol_abs: f64,
    range_sum: f64,
    volume_total: f64,
    hour_volume: [f64; 24],
    hour_count: [u64; 24],
    day: Option<NaiveDate>,
    day_close: f64,
    prev_day_close: f64,
    daily: [f64; 2],
    days: u64,
}

impl Accumulator {
    fn push(&mut self, c: &Candle) {
        let (open, high, low, close) = (
            price(c.open()),
            price(c.high()),
            price(c.low()),
            price(c.close()),
        );
        let volume = c.volume().value().to_f64().unwrap_or(0.0);
        let date = c.open_time().date_naive();
        if self.bars == 0 {
            self.first_open = open;
            self.min_low = low;
            self.max_high = high;
            self.prev_day_close = open;
        } else {
            let r = (close / self.last_close).ln();
            self.push_return(r, volume);
        }
        if self.day.is_some_and(|d| d != date) {
            self.push_day();
        }
        self.day = Some(date);
        self.day_close = close;
        self.bars += 1;
        self.last_close = close;
        self.min_low = self.min_low.min(low);
        self.max_high = self.max_high.max(high);
        self.range_sum += (high / low).ln();
        self.volume_total += volume;
        let hour = c.open_time().hour() as usize;
        self.hour_volume[hour] += volume;
        self.hour_count[hour] += 1;
    }

    fn push_return(&mut self, r: f64, volume: f64) {
        let r2 = r * r;
        self.r[0] += r;
        self.r[1] += r2;
        self.r[2] += r2 * r;
        self.r[3] += r2 * r2;
        self.returns += 1;
        let a = r.abs();
        self.max_abs = self.max_abs.max(a);
        self.abs_sum += a;
        self.abs_sq += a * a;
        if let Some(prev) = self.prev_abs {
            self.abs_lag += a * prev;
        }
        self.prev_abs = Some(a);
        self.vol_sum += volume;
        self.vol_sq += volume * volume;
        self.vol_abs += volume * a;
    }

    fn push_day(&mut self) {
        let r = (self.day_close / self.prev_day_close).ln();
        self.daily[0] += r;
        self.daily[1] += r * r;
        self.days += 1;
        self.prev_day_close = self.day_close;
    }

    fn finish(mut self) -> Option<StylisedFacts> {
        if self.bars < 3 {
            return None;
        }
        self.push_day();
        let n = self.returns as f64;
        let mean = self.r[0] / n;
        let (e2, e3, e4) = (self.r[1] / n, self.r[2] / n, self.r[3] / n);
        let var = e2 - mean * mean;
        let m4 = e4 - 4.0 * mean * e3 + 6.0 * mean * mean * e2 - 3.0 * mean.powi(4);
        let abs_mean = self.abs_sum / n;
        let abs_var = self.abs_sq / n - abs_mean * abs_mean;
        let lagged = self.abs_lag / (n - 1.0);
        let vol_mean = self.vol_sum / n;
        let vol_var = self.vol_sq / n - vol_mean * vol_mean;
        let cov = self.vol_abs / n - vol_mean * abs_mean;
        let days = self.days as f64;
        let daily_vol = (self.days >= 2).then(|| {
            let m = self.daily[0] / days;
            ((self.daily[1] - days * m * m) / (days - 1.0))
                .max(0.0)
                .sqrt()
        });
        let mut volume_by_hour = [0.0; 24];
        for (h, v) in volume_by_hour.iter_mut().enumerate() {
            if self.hour_count[h] > 0 {
                *v = self.hour_volume[h] / self.hour_count[h] as f64;
            }
        }
        let quietest = volume_by_hour.iter().copied().fold(f64::INFINITY, f64::min);
        let busiest = volume_by_hour.iter().copied().fold(0.0, f64::max);
        let all_hours = self.hour_count.iter().all(|&c| c > 0);
        Some(StylisedFacts {
            bars: self.bars,
            first_open: self.first_open,
            last_close: self.last_close,
            min_low: self.min_low,
            max_high: self.max_high,
            return_sd_bp: var.max(0.0).sqrt() * 1e4,
            mean_abs_return_bp: abs_mean * 1e4,
            max_abs_return_bp: self.max_abs * 1e4,
            kurtosis: if var > 0.0 { m4 / (var * var) } else { 0.0 },
            abs_return_acf_lag1: if abs_var > 0.0 {
                (lagged - abs_mean * abs_mean) / abs_var
            } else {
                0.0
            },
            daily_vol,
            days: self.days,
            mean_range_bp: self.range_sum / self.bars as f64 * 1e4,
            mean_volume: self.volume_total / self.bars as f64,
            volume_by_hour,
            hourly_volume_ratio: (all_hours && quietest > 0.0).then(|| busiest / quietest),
            volume_abs_return_corr: if vol_var > 0.0 && abs_var > 0.0 {
                cov / (vol_var * abs_var).sqrt()
            } else {
                0.0
            },
        })
    }
}

impl fmt::Display for StylisedFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let opt = |x: Option<f64>, scale: f64| {
            x.map_or("n/a".to_string(), |v| format!("{:.2}", v * scale))
        };
        writeln!(
            f,
            "bars {}  price {:.2} -> {:.2} (low {:.2}, high {:.2})",
            self.bars, self.first_open, self.last_close, self.min_low, self.max_high
        )?;
        writeln!(
            f,
            "returns: sd {:.2} bp, mean |r| {:.2} bp, max |r| {:.1} bp, kurtosis {:.1}, acf(|r|, 1) {:.3}",
            self.return_sd_bp,
            self.mean_abs_return_bp,
            self.max_abs_return_bp,
            self.kurtosis,
            self.abs_return_acf_lag1
        )?;
        writeln!(
            f,
            "daily vol {} % over {} days; mean range {:.2} bp",
            opt(self.daily_vol, 100.0),
            self.days,
            self.mean_range_bp
        )?;
        write!(
            f,
            "volume: mean {:.3}, busiest/quietest hour {}, corr(volume, |r|) {:.2}",
            self.mean_volume,
            opt(self.hourly_volume_ratio, 1.0),
            self.volume_abs_return_corr
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone, Utc};
    use domain::{CandleFields, Symbol};
    use rust_decimal::Decimal;

    fn candle(i: i64, open: i64, close: i64, volume: i64) -> Candle {
        let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + TimeDelta::hours(i);
        Candle::new(CandleFields {
            symbol: Symbol::new("BTC-USD").unwrap(),
            open_time: t,
            close_time: t + TimeDelta::hours(1),
            open: Decimal::from(open),
            high: Decimal::from(open.max(close) + 1),
            low: Decimal::from(open.min(close) - 1),
            close: Decimal::from(close),
            volume: Decimal::from(volume),
        })
        .unwrap()
    }

    #[test]
    fn too_few_candles_measure_nothing() {
        assert_eq!(StylisedFacts::measure([candle(0, 100, 101, 1)]), None);
    }

    #[test]
    fn alternating_returns_have_kurtosis_one_and_perfect_volume_coupling() {
        // Returns ±ln(1.01) alternate: a two-point distribution has kurtosis 1; |r| is
        // constant, so its autocorrelation is taken as 0.
        let mut price = 10_000;
        let candles: Vec<_> = (0..48)
            .map(|i| {
                let next = if i % 2 == 0 {
                    price * 101 / 100
                } else {
                    price * 100 / 101
                };
                let c = candle(i, price, next, 5);
                price = next;
                c
            })
            .collect();
        let facts = StylisedFacts::measure(&candles).unwrap();
        assert_eq!(facts.bars, 48);
        assert!((facts.kurtosis - 1.0).abs() < 0.05, "{}", facts.kurtosis);
        assert_eq!(facts.days, 2);
        assert!(
            facts
                .hourly_volume_ratio
                .is_some_and(|r| (r - 1.0).abs() < 1e-12)
        );
        assert!((facts.mean_volume - 5.0).abs() < 1e-12);
    }

    #[test]
    fn counts_days_and_hours() {
        let candles: Vec<_> = (0..72).map(|i| candle(i, 100, 100, 1 + i % 24)).collect();
        let facts = StylisedFacts::measure(&candles).unwrap();
        assert_eq!(facts.days, 3);
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-12);
        assert!(close(facts.daily_vol, 0.0), "{:?}", facts.daily_vol);
        assert!(close(Some(facts.volume_by_hour[0]), 1.0));
        assert!(close(Some(facts.volume_by_hour[23]), 24.0));
        assert!(close(facts.hourly_volume_ratio, 24.0));
        assert!(facts.to_string().contains("busiest/quietest hour 24.00"));
    }
}
