//! Candle builders shared by the integration tests.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::ports::Strategy;
use domain::{Candle, CandleFields, Signal, Symbol};
use rust_decimal::Decimal;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

/// One 1-hour BTC-USD candle from prices in cents.
pub fn candle_cents(i: usize, open: i64, high: i64, low: i64, close: i64, volume: i64) -> Candle {
    let d = |cents| Decimal::new(cents, 2);
    candle(i, d(open), d(high), d(low), d(close), d(volume))
}

/// One 1-hour BTC-USD candle, number `i` from 2024-01-01T00:00Z.
pub fn candle(
    i: usize,
    open: Decimal,
    high: Decimal,
    low: Decimal,
    close: Decimal,
    volume: Decimal,
) -> Candle {
    let open_time = t0() + Duration::hours(i as i64);
    Candle::new(CandleFields {
        symbol: Symbol::new("BTC-USD").unwrap(),
        open_time,
        close_time: open_time + Duration::hours(1),
        open,
        high,
        low,
        close,
        volume,
    })
    .unwrap()
}

/// Feeds every candle; returns `(bar index, signal)` for each signal.
pub fn run(strategy: &mut dyn Strategy, candles: &[Candle]) -> Vec<(usize, Signal)> {
    candles
        .iter()
        .enumerate()
        .filter_map(|(i, c)| strategy.on_candle(c).map(|s| (i, s)))
        .collect()
}
