//! Builders shared by the unit and property tests.

use chrono::{TimeZone, Utc};
use domain::{ClosedTrade, Money, PositionSide, Price, Qty, Symbol, Timestamp};
use rust_decimal::Decimal;

/// 2024-01-01 00:00 UTC plus `hours`.
pub fn at_hour(hours: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::hours(hours)
}

/// A closed long BTC-USD trade with the given net P&L.
pub fn trade(net_pnl: Decimal) -> ClosedTrade {
    ClosedTrade {
        symbol: Symbol::new("BTC-USD").unwrap(),
        side: PositionSide::Long,
        qty: Qty::new(Decimal::ONE).unwrap(),
        entry_price: Price::new(Decimal::ONE_HUNDRED).unwrap(),
        exit_price: Price::new(Decimal::ONE_HUNDRED + net_pnl).unwrap(),
        net_pnl: Money::new(net_pnl),
        opened_at: at_hour(0),
        closed_at: at_hour(1),
    }
}
