//! Recovery: when the current level may step down one level, and never more.
//!
//! Leaving level `L` for the level below requires, after at least `min_minutes_in_level`
//! in `L` (the clock restarts at every transition, so CRISIS to NORMAL takes at least four
//! times the minimum), either of two kinds of evidence:
//! - **the account**: the measured drawdown strictly below `threshold(L) - hysteresis`;
//! - **the paper record**: the latest `recovery_paper_trades` paper trades closed while
//!   in `L` (the entries `L` vetoed, followed on paper with fees and slippage) add up to a
//!   profit: the strategy works again now, whatever it lost earlier in the level. A flat account cannot move its drawdown, so without this a level
//!   would be absorbing. A step earned on paper forgives the account drawdown beyond `L`'s
//!   recovery line: the guardrail measures `drawdown - forgiven` from then on, so the next
//!   level down is not re-escalated by the same loss, while any further loss counts in
//!   full. The forgiven part shrinks as the account recovers and is zero at a new peak.
//!
//! and, for the levels of the two event triggers:
//! - leaving CRISIS (the daily-loss trigger's level): daily P&L strictly above
//!   `-(crisis_daily_loss - hysteresis)`; the day rolling over clears it;
//! - leaving LOCKDOWN after the loss-streak trigger fired in it: the trigger fired at
//!   least `min_minutes_in_level` ago, and the strategy showed it works again: a
//!   positive paper record, or a win that broke the streak. Time alone proves nothing.
//!
//! Every step down serves the current losing streak: the streak trigger fires again only
//! after `lockdown_consecutive_losses` further losses (hysteresis on that trigger too).
//!
//! A time earlier than the level's entry (clock going backwards) never recovers.

use chrono::Duration;
use domain::{LevelChangeCause, PreservationLevel, Ratio};

use crate::config::PreservationConfig;
use crate::escalation::{DAILY_LOSS_LEVEL, STREAK_LEVEL};
use crate::inputs::PreservationInputs;
use crate::state::PreservationState;

/// One step down, with its cause and the drawdown it forgives (zero unless earned on
/// paper), or `None` when the level must hold. `inputs.drawdown` is the measured drawdown.
pub(crate) fn step_down(
    config: &PreservationConfig,
    state: &PreservationState,
    inputs: &PreservationInputs,
    account_drawdown: Ratio,
) -> Option<(PreservationLevel, LevelChangeCause, Ratio)> {
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
    let (recent, recent_net) = state.paper_recent();
    let paper = u32::try_from(recent).unwrap_or(u32::MAX) >= config.recovery_paper_trades
        && recent_net.value() > rust_decimal::Decimal::ZERO;
    let account = inputs.drawdown < below;
    if !account && !paper {
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
        && fired_at >= state.entered_at()
        && (inputs.now.signed_duration_since(fired_at) < min_time
            || !(paper || inputs.consecutive_losses == 0))
    {
        return None;
    }

    if account {
        return Some((
            next,
            LevelChangeCause::Recovery {
                drawdown: inputs.drawdown,
                below,
                minutes_in_level: in_level.num_minutes(),
            },
            Ratio::ZERO,
        ));
    }
    let forgive = inputs.drawdown - below;
    Some((
        next,
        LevelChangeCause::PaperRecovery {
            paper_trades: u32::try_from(recent).unwrap_or(u32::MAX),
            paper_net_pnl: recent_net,
            drawdown: account_drawdown,
            measured_drawdown: below,
            minutes_in_level: in_level.num_minutes(),
        },
        forgive,
    ))
}
