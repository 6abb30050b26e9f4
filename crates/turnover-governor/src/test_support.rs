//! Helpers shared by the unit and property tests of this crate.

use chrono::{Duration, TimeZone, Utc};
use domain::{Confidence, Ratio, Symbol, Timestamp};
use rust_decimal::Decimal;

use crate::request::TurnoverRequest;

/// BTC-USD.
pub(crate) fn btc() -> Symbol {
    Symbol::new("BTC-USD").unwrap()
}

/// ETH-USD.
pub(crate) fn eth() -> Symbol {
    Symbol::new("ETH-USD").unwrap()
}

/// A fixed start time: 2024-03-01 08:00 UTC.
pub(crate) fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2024, 3, 1, 8, 0, 0).unwrap()
}

/// `t0` plus `minutes`.
pub(crate) fn at(minutes: i64) -> Timestamp {
    t0() + Duration::minutes(minutes)
}

/// A request with confidence as a decimal and edge in basis points.
pub(crate) fn request(
    symbol: Symbol,
    confidence: Decimal,
    edge_bps: Decimal,
    minutes: i64,
) -> TurnoverRequest {
    TurnoverRequest {
        symbol,
        confidence: Confidence::new(confidence).unwrap(),
        expected_edge: Ratio::from_bps(edge_bps),
        now: at(minutes),
    }
}
