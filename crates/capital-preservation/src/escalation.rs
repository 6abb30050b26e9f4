//! Escalation: the most restrictive level the current figures call for, and why.
//!
//! Three triggers, each with its own target level:
//! - drawdown: the highest level whose threshold the drawdown reached (`>=`);
//! - loss streak: LOCKDOWN when the streak trigger fires (an edge, see `state`);
//! - daily loss: CRISIS while daily P&L is at or below `-crisis_daily_loss_pct`.
//!
//! When several triggers call for the same level the cause reported is the first
//! of drawdown, daily loss, loss streak.

use domain::{LevelChangeCause, PreservationLevel};

use crate::config::PreservationConfig;
use crate::inputs::PreservationInputs;

/// The level at which the loss-streak trigger puts the account.
pub(crate) const STREAK_LEVEL: PreservationLevel = PreservationLevel::Lockdown;
/// The level at which the daily-loss trigger puts the account.
pub(crate) const DAILY_LOSS_LEVEL: PreservationLevel = PreservationLevel::Crisis;

/// A level the figures call for, with the figures that call for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Escalation {
    /// The level called for.
    pub(crate) level: PreservationLevel,
    /// Why.
    pub(crate) cause: LevelChangeCause,
}

/// The most restrictive level any trigger calls for, if any trigger calls for one.
pub(crate) fn indicated(
    config: &PreservationConfig,
    inputs: &PreservationInputs,
    streak_fired: bool,
) -> Option<Escalation> {
    let candidates = [
        by_drawdown(config, inputs),
        by_daily_loss(config, inputs),
        streak_fired.then_some(Escalation {
            level: STREAK_LEVEL,
            cause: LevelChangeCause::ConsecutiveLosses {
                count: inputs.consecutive_losses,
                threshold: config.lockdown_consecutive_losses,
            },
        }),
    ];
    candidates
        .into_iter()
        .flatten()
        .fold(None, |best: Option<Escalation>, next| match best {
            Some(b) if b.level >= next.level => Some(b),
            _ => Some(next),
        })
}

fn by_drawdown(config: &PreservationConfig, inputs: &PreservationInputs) -> Option<Escalation> {
    PreservationLevel::ALL.into_iter().rev().find_map(|level| {
        let threshold = config.drawdown_threshold(level)?;
        (inputs.drawdown >= threshold).then_some(Escalation {
            level,
            cause: LevelChangeCause::DrawdownThreshold {
                drawdown: inputs.drawdown,
                threshold,
            },
        })
    })
}

fn by_daily_loss(config: &PreservationConfig, inputs: &PreservationInputs) -> Option<Escalation> {
    let limit = config.crisis_daily_loss();
    let breached = inputs.daily_pnl.fraction() <= -limit.fraction();
    breached.then_some(Escalation {
        level: DAILY_LOSS_LEVEL,
        cause: LevelChangeCause::DailyLossBreach {
            daily_pnl: inputs.daily_pnl,
            limit,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::inputs;
    use domain::Ratio;
    use rust_decimal_macros::dec;

    fn level_for(
        dd: rust_decimal::Decimal,
        daily: rust_decimal::Decimal,
        fired: bool,
    ) -> Option<PreservationLevel> {
        indicated(
            &PreservationConfig::default(),
            &inputs(dd, daily, 0, 0),
            fired,
        )
        .map(|e| e.level)
    }

    #[test]
    fn drawdown_thresholds_are_inclusive() {
        assert_eq!(level_for(dec!(2.99), dec!(0), false), None);
        assert_eq!(
            level_for(dec!(3), dec!(0), false),
            Some(PreservationLevel::Caution)
        );
        assert_eq!(
            level_for(dec!(5), dec!(0), false),
            Some(PreservationLevel::Defensive)
        );
        assert_eq!(
            level_for(dec!(8), dec!(0), false),
            Some(PreservationLevel::Lockdown)
        );
        assert_eq!(
            level_for(dec!(12), dec!(0), false),
            Some(PreservationLevel::Crisis)
        );
        assert_eq!(level_for(dec!(-1), dec!(0), false), None);
    }

    #[test]
    fn the_most_restrictive_trigger_wins_and_ties_report_drawdown() {
        assert_eq!(
            level_for(dec!(3), dec!(-5), false),
            Some(PreservationLevel::Crisis)
        );
        assert_eq!(
            level_for(dec!(3), dec!(-4.99), true),
            Some(PreservationLevel::Lockdown)
        );
        let tie = indicated(
            &PreservationConfig::default(),
            &inputs(dec!(9), dec!(0), 4, 0),
            true,
        );
        assert_eq!(
            tie.map(|e| e.cause),
            Some(LevelChangeCause::DrawdownThreshold {
                drawdown: Ratio::from_pct(dec!(9)),
                threshold: Ratio::from_pct(dec!(8)),
            })
        );
    }
}
