//! A drawdown episode from NORMAL to CRISIS and back, with persistence in between.

use capital_preservation::{
    CapitalPreservation, PreservationConfig, PreservationInputs, PreservationState, to_audit_event,
};
use chrono::{Duration, TimeZone, Utc};
use domain::{AuditEvent, Money, PreservationLevel, Ratio, Tier, Timestamp};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn at(minutes: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 5, 6, 8, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn figures(drawdown_pct: Decimal, minutes: i64) -> PreservationInputs {
    PreservationInputs {
        drawdown: Ratio::from_pct(drawdown_pct),
        daily_pnl: Ratio::ZERO,
        consecutive_losses: 0,
        equity: Money::new(dec!(10000) * (Decimal::ONE - drawdown_pct / dec!(100))),
        now: at(minutes),
    }
}

#[test]
fn crisis_to_normal_takes_four_minimum_times_even_across_a_restart() {
    let config: PreservationConfig = toml::from_str("min_minutes_in_level = 30\n").unwrap();
    assert!(config.validate().is_empty());
    let mut machine = CapitalPreservation::new(config.clone(), at(0));

    let change = machine.update(&figures(dec!(12.5), 1)).unwrap();
    assert_eq!(change.to, PreservationLevel::Crisis);
    assert!(matches!(
        to_audit_event(&change),
        AuditEvent::LevelChanged { change: ref c } if c == &change
    ));

    // Persist and resume half way through.
    let saved = serde_json::to_string(machine.state()).unwrap();
    let restored: PreservationState = serde_json::from_str(&saved).unwrap();
    let mut machine = CapitalPreservation::from_state(config, restored);

    let mut levels = vec![machine.level()];
    for minute in 2..=200 {
        if let Some(change) = machine.update(&figures(dec!(0.5), minute)) {
            assert_eq!(Some(change.to), change.from.step_down());
            levels.push(change.to);
            if change.to == PreservationLevel::Normal {
                assert_eq!(minute, 1 + 4 * 30);
            }
        }
    }
    assert_eq!(
        levels,
        PreservationLevel::ALL.into_iter().rev().collect::<Vec<_>>()
    );
    assert!(machine.allows_tier(Tier::Low));
    assert_eq!(machine.size_multiplier(), Ratio::ONE);
}
