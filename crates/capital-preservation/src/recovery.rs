//! Recovery: when the current level may step down one level, and never more.
//!
//! Leaving level `L` for the level below requires all of:
//! 1. at least `min_minutes_in_level` in `L` (the clock restarts at every transition,
//!    so CRISIS to NORMAL takes at least four times the minimum);
//! 2. drawdown strictly below `threshold(L) - hysteresis`;
//! 3. leaving CRISIS (the daily-loss trigger's level): daily P&L strictly above
//!    `-(crisis_daily_loss - hysteresis)`; the day rolling over normally clears it;
//! 4. leaving LOCKDOWN (the loss-streak trigger's level): the streak trigger last
//!    fired at least `min_minutes_in_level` ago. No trades happen in LOCKDOWN, so a
//!    streak can only be reset by a win after recovery; it is therefore an edge
//!    event that is served by time rather than a condition that must clear.
//!
//! A time earlier than the level's entry (clock going backwards) never recovers.

use chrono::Duration;
use domain::{LevelChangeCause, PreservationLevel, Ratio};

use crate::config::PreservationConfig;
use crate::escalation::{DAILY_LOSS_LEVEL, STREAK_LEVEL};
use crate::inputs::PreservationInputs;
use crate::state::PreservationState;

/// One step down, with its cause, or `None` when the level must hold.
pub(crate) fn step_down(
    config: &PreservationConfig,
    state: &PreservationState,
    inputs: &PreservationInputs,
) -> Option<(PreservationLevel, LevelChangeCause)> {
    let current = state.level();
    let next = current.step_down()?;
    let min_time = Duration::minutes(i64::from(config.min_minutes_in_level));

    let in_level = inputs.now.signed_duration_since(state.entered_at());
    if in_level < min_time {
        return None;
    }

    let hysteresis = config.hysteresis().fraction();
    let threshold = config.drawdown_threshold(current)?.fraction();
    let below = Ratio::from_fraction(threshold.saturating_sub(hysteresis));
    if inputs.drawdown >= below {
        return None;
    }

    if current == DAILY_LOSS_LEVEL {
        let cleared_above = config
            .crisis_daily_loss()
            .fraction()
            .saturating_sub(hysteresis);
        if inputs.daily_pnl.fraction() <= -cleared_above {
            return None;
        }
    }

    if current == STREAK_LEVEL
        && let Some(fired_at) = state.streak_triggered_at()
        && inputs.now.signed_duration_since(fired_at) < min_time
    {
        return None;
    }

    Some((
        next,
        LevelChangeCause::Recovery {
            drawdown: inputs.drawdown,
            below,
            minutes_in_level: in_level.num_minutes(),
        },
    ))
}
