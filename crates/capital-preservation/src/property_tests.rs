//! Invariants of the state machine over random sequences of figures and time steps.

use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::config::PreservationConfig;
use crate::preservation::CapitalPreservation;
use crate::test_support::{inputs, t0};
use domain::{PreservationLevel, Ratio};

/// One step: minutes elapsed, drawdown and daily P&L in hundredths of a percent, streak.
/// Calm figures dominate so that recoveries all the way down to NORMAL happen too.
fn step() -> impl Strategy<Value = (i64, i64, i64, u32)> {
    (
        0i64..=90,
        prop_oneof![4 => 0i64..=300, 1 => 0i64..=2_000],
        prop_oneof![4 => -300i64..=300, 1 => -800i64..=300],
        prop_oneof![6 => 0u32..=3, 1 => 0u32..=7],
    )
}

fn pct(hundredths: i64) -> Decimal {
    Decimal::new(hundredths, 2)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prop_recovery_never_skips_a_level(steps in prop::collection::vec(step(), 1..200)) {
        let mut m = CapitalPreservation::new(PreservationConfig::default(), t0());
        let mut minute = 0;
        for (dt, dd, daily, losses) in steps {
            minute += dt;
            let before = m.level();
            if let Some(change) = m.update(&inputs(pct(dd), pct(daily), losses, minute)) {
                prop_assert_eq!(change.from, before);
                prop_assert_ne!(change.from, change.to);
                if change.to < change.from {
                    prop_assert_eq!(Some(change.to), change.from.step_down());
                    prop_assert!(m.minutes_in_level(change.at) == 0);
                }
            }
        }
    }

    #[test]
    fn prop_size_multiplier_never_exceeds_one_and_is_zero_when_blocked(
        steps in prop::collection::vec(step(), 1..200),
        caution in 0i64..=150,
        defensive in 0i64..=150,
        escalate_at in prop::option::of(0usize..200),
    ) {
        // Unvalidated multipliers too: the policy must still clamp.
        let config = PreservationConfig {
            caution_size_multiplier: pct(caution),
            defensive_size_multiplier: pct(defensive),
            ..PreservationConfig::default()
        };
        let mut m = CapitalPreservation::new(config, t0());
        let mut minute = 0;
        for (i, (dt, dd, daily, losses)) in steps.into_iter().enumerate() {
            minute += dt;
            let figures = inputs(pct(dd), pct(daily), losses, minute);
            if escalate_at == Some(i) {
                let _ = m.escalate(PreservationLevel::Lockdown, "property test", &figures);
            }
            m.update(&figures);
            let multiplier = m.size_multiplier();
            prop_assert!(multiplier <= Ratio::ONE);
            prop_assert!(multiplier >= Ratio::ZERO);
            if m.blocks_entries() {
                prop_assert_eq!(multiplier, Ratio::ZERO);
                prop_assert!(m.allowed_tiers().is_empty());
            }
        }
    }
}
