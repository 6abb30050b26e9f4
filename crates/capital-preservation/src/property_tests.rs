//! Invariants of the state machine over random sequences of figures and time steps.

use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::config::PreservationConfig;
use crate::inputs::PreservationInputs;
use crate::preservation::CapitalPreservation;
use crate::test_support::{at, inputs, t0};
use domain::{Money, PortfolioSnapshot, PreservationLevel, Ratio};

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

    /// A settled machine is one the update would leave exactly as it is, at any level.
    #[test]
    fn prop_settled_means_the_update_changes_nothing(
        steps in prop::collection::vec(step(), 0..30),
        peak in 1i64..=2_000_000,
        drawdown in -2_000i64..=2_000,
        day_start in 1i64..=2_000_000,
        losses in 0u32..=7,
        dt in 0i64..=90,
    ) {
        // Somewhere in the state space: any level, time in level and streak memory.
        let mut m = CapitalPreservation::new(PreservationConfig::default(), t0());
        let mut minute = 0;
        for (step_dt, dd, daily, step_losses) in steps {
            minute += step_dt;
            m.update(&inputs(pct(dd), pct(daily), step_losses, minute));
        }
        // Equity `drawdown` hundredths of a percent below the peak (negative: a new high).
        let peak = Money::new(Decimal::new(peak, 2));
        let equity = Money::new(peak.value() - peak.value() * Decimal::new(drawdown, 4));
        let day_start = Money::new(Decimal::new(day_start, 2));
        let shortfall = peak - equity;
        let snapshot = PortfolioSnapshot {
            cash: equity,
            equity,
            peak_equity: peak,
            drawdown: if shortfall.is_negative() {
                Ratio::ZERO
            } else {
                shortfall.ratio_of(peak).unwrap_or(Ratio::ZERO)
            },
            realized_pnl: Money::ZERO,
            unrealized_pnl: Money::ZERO,
            daily_pnl: equity - day_start,
            day_start_equity: day_start,
            open_positions: 1,
            consecutive_losses: losses,
            last_loss_at: None,
        };
        let now = at(minute + dt);
        let settled = m
            .settled_band(peak, day_start)
            .is_some_and(|band| m.is_settled(&band, equity, peak, day_start, losses, now));
        if settled {
            let before = m.clone();
            let figures = PreservationInputs::from_snapshot(&snapshot, now);
            prop_assert_eq!(m.update(&figures), None);
            prop_assert_eq!(m, before);
        }
    }

    /// No sequence of events makes a level impossible to leave: after any history (paper
    /// records of either sign included), a flat account whose vetoed entries would make
    /// money after costs is back at NORMAL within a bounded time, one earned step at a time.
    #[test]
    fn prop_a_profitable_paper_record_always_returns_the_ladder_to_normal(
        steps in prop::collection::vec((step(), -50i64..=50), 0..80),
        flat_dd in 0i64..=4_000,
        paper_every in 1i64..=30,
    ) {
        let config = PreservationConfig::default();
        let mut m = CapitalPreservation::new(config.clone(), t0());
        let mut minute = 0;
        let mut losses = 0;
        for ((dt, dd, daily, step_losses), paper) in steps {
            minute += dt;
            losses = step_losses;
            m.record_paper(Money::new(Decimal::from(paper)));
            m.update(&inputs(pct(dd), pct(daily), losses, minute));
        }
        // From now on the account is flat (any drawdown up to 40%, the streak as it was,
        // a new day) and every `paper_every` minutes a vetoed entry closes with a profit.
        let start = minute;
        let per_level = i64::from(config.min_minutes_in_level)
            + paper_every * i64::from(config.recovery_paper_trades);
        let bound = 24 * 60 + 5 * per_level + 60;
        while m.level() != PreservationLevel::Normal && minute - start <= bound {
            minute += paper_every;
            m.record_paper(Money::new(Decimal::from(7)));
            m.update(&inputs(pct(flat_dd), pct(0), losses, minute));
        }
        prop_assert_eq!(m.level(), PreservationLevel::Normal, "after {} minutes", minute - start);
    }

    /// On a market where the vetoed entries keep losing, a flat account never de-escalates
    /// below the level its own figures call for: neither by drawdown nor by the streak.
    #[test]
    fn prop_a_losing_paper_record_never_de_escalates_a_flat_account(
        dd in 300i64..=4_000,
        streak in prop::bool::ANY,
        paper_every in 1i64..=60,
        minutes in 60i64..=20_000,
    ) {
        let config = PreservationConfig::default();
        let mut m = CapitalPreservation::new(config.clone(), t0());
        let losses = if streak { config.lockdown_consecutive_losses } else { 0 };
        m.update(&inputs(pct(dd), pct(0), losses, 0));
        let level = m.level();
        prop_assert!(level > PreservationLevel::Normal);
        let mut minute = 0;
        while minute < minutes {
            minute += paper_every;
            m.record_paper(Money::new(Decimal::from(-4)));
            prop_assert_eq!(m.update(&inputs(pct(dd), pct(0), losses, minute)), None);
        }
        prop_assert_eq!(m.level(), level);
    }
}
