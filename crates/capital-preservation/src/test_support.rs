//! Helpers shared by the unit and property tests of this crate.

use chrono::{Duration, TimeZone, Utc};
use domain::{Money, Ratio, Timestamp};
use rust_decimal::Decimal;

use crate::inputs::PreservationInputs;

/// A fixed start time: 2024-03-01 09:00 UTC.
pub(crate) fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap()
}

/// `t0` plus `minutes`.
pub(crate) fn at(minutes: i64) -> Timestamp {
    t0() + Duration::minutes(minutes)
}

/// Inputs with drawdown and daily P&L given in percent.
pub(crate) fn inputs(
    drawdown_pct: Decimal,
    daily_pct: Decimal,
    losses: u32,
    minutes: i64,
) -> PreservationInputs {
    PreservationInputs {
        drawdown: Ratio::from_pct(drawdown_pct),
        daily_pnl: Ratio::from_pct(daily_pct),
        consecutive_losses: losses,
        equity: Money::new(Decimal::from(10_000)),
        now: at(minutes),
    }
}
