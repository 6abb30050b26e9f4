//! Helpers: timestamps, money, trades and an accumulator fed from a curve.

use backtest_metrics::MetricsBuilder;
use chrono::{Duration, TimeZone, Utc};
use domain::{ClosedTrade, Money, PositionSide, Price, Qty, Symbol, Timestamp};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// 2024-03-01 (a Friday) at `h:m` UTC plus `day` days.
pub fn at(day: i64, h: u32, m: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 3, 1, h, m, 0).unwrap() + Duration::days(day)
}

pub fn money(d: Decimal) -> Money {
    Money::new(d)
}

pub fn builder(initial: Decimal) -> MetricsBuilder {
    MetricsBuilder::new(money(initial)).unwrap()
}

/// Feeds `(ts, equity, in_market)` observations.
pub fn feed(b: &mut MetricsBuilder, curve: &[(Timestamp, Decimal, bool)]) {
    for (ts, eq, in_market) in curve {
        b.observe_equity(*ts, money(*eq), *in_market).unwrap();
    }
}

/// A closed long trade of 1 unit from 100 with the given net P&L.
pub fn trade(net_pnl: Decimal) -> ClosedTrade {
    ClosedTrade {
        symbol: Symbol::new("BTC-USD").unwrap(),
        side: PositionSide::Long,
        qty: Qty::new(dec!(1)).unwrap(),
        entry_price: Price::new(dec!(100)).unwrap(),
        exit_price: Price::new(dec!(100) + net_pnl).unwrap(),
        net_pnl: money(net_pnl),
        opened_at: at(0, 0, 0),
        closed_at: at(0, 1, 0),
    }
}

/// `|a - b| <= tol`.
pub fn approx(a: Option<f64>, b: f64, tol: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= tol)
}
