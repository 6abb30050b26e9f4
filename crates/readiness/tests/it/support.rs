//! Inputs as the runtime would read them from the store.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{PreservationLevel, Ratio, TradingMode};
use readiness::{BlockRateInput, ReadinessInputs, ShadowHealth, VenueHealthInput};
use rust_decimal_macros::dec;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
        .single()
        .expect("a valid UTC time")
}

/// A dry-run that has been paper trading for `days` days with a healthy system.
pub fn paper_trading_for(days: u32, mode: TradingMode) -> ReadinessInputs {
    let now = now();
    ReadinessInputs {
        kill_switch_active: Some(false),
        preservation_level: Some(PreservationLevel::Normal),
        shadow_health: Some(ShadowHealth::Healthy),
        symbol_allowlist_len: Some(1),
        last_daily_health_report_at: Some(now - Duration::hours(6)),
        paper_streak_days: Some(days),
        weeks_counted: Some(days / 7),
        last_heartbeat_at: Some(now - Duration::seconds(45)),
        turnover_block_rate: Some(BlockRateInput::Measured(Ratio::from_pct(dec!(42)))),
        slippage_recent_bps: Some(dec!(4.2)),
        slippage_prior_bps: Some(dec!(3.9)),
        critical_alerts_in_window: Some(0),
        critical_alert_kinds: Default::default(),
        ..ReadinessInputs::unknown(now, mode)
    }
}

/// Binance as a healthy paper or live runtime records it: a small clock offset, trading
/// enabled, withdrawals disabled.
pub fn healthy_venue() -> VenueHealthInput {
    VenueHealthInput {
        name: "binance".into(),
        checked_at: now() - Duration::minutes(3),
        clock_offset_ms: Some(35),
        max_clock_offset_ms: 1000,
        can_trade: Some(true),
        can_withdraw: Some(false),
    }
}
