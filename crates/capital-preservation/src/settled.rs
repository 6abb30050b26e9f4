//! When an update would change nothing, decided from the portfolio's equity with a
//! few comparisons instead of the divisions that computing [`PreservationInputs`] takes.
//!
//! The pipeline updates the machine on every event whose figures moved, which is
//! every bar while a position is open. Most of those updates change nothing. An
//! update changes nothing exactly when all of these hold:
//! - the losing streak is the one seen last time (no trigger edge, no memory change);
//! - the drawdown is below every threshold above the current level, and, below
//!   CRISIS, the day's loss is short of the crisis daily loss (no escalation);
//! - no step down: the level is NORMAL, or the minimum time in level has not passed,
//!   or the drawdown is still at or above the current threshold minus the hysteresis.
//!
//! For a given peak equity, day-start equity and machine state, the first two are
//! "equity above a floor" and the third "equity at most a ceiling (once the minimum
//! time has passed)": a [`SettledBand`], computed once per peak, day start and state
//! (they change rarely) and then checked on each bar. The floor and ceiling are
//! pulled inwards by a relative margin of `10^-12` on every limit, far above the
//! rounding of the ratios the update compares, so "inside" is never a rounding
//! accident; "outside" only means "run the update".
//!
//! [`PreservationInputs`]: crate::inputs::PreservationInputs

use chrono::Duration;
use domain::{Money, PreservationLevel, Timestamp};
use rust_decimal::Decimal;

use crate::config::PreservationConfig;
use crate::escalation::DAILY_LOSS_LEVEL;
use crate::state::PreservationState;

/// `1 - 10^-12` and `1 + 10^-12`: the relative margin that keeps the decision clear
/// of rounding, applied to the limits once.
const BELOW: Decimal = Decimal::from_parts(0xD4A5_0FFF, 0xE8, 0, false, 12);
const ABOVE: Decimal = Decimal::from_parts(0xD4A5_1001, 0xE8, 0, false, 12);

/// The configuration's limits as fractions, computed once, margins applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bounds {
    /// Per level (in [`PreservationLevel::ALL`] order): the lowest drawdown threshold
    /// of the levels above it, less the margin (`None` for CRISIS).
    escalation: [Option<Decimal>; 5],
    /// Per level: its threshold minus the hysteresis, plus the margin (`None` for NORMAL).
    recovery: [Option<Decimal>; 5],
    /// The crisis daily loss, less the margin.
    crisis_daily_loss: Decimal,
    min_time: Duration,
}

impl Bounds {
    pub(crate) fn of(config: &PreservationConfig) -> Self {
        let threshold = |level| config.drawdown_threshold(level).map(|r| r.fraction());
        let hysteresis = config.hysteresis().fraction();
        Self {
            escalation: PreservationLevel::ALL.map(|current| {
                PreservationLevel::ALL
                    .into_iter()
                    .filter(|level| *level > current)
                    .filter_map(threshold)
                    .min()
                    .map(|t| t * BELOW)
            }),
            recovery: PreservationLevel::ALL
                .map(|level| threshold(level).map(|t| t.saturating_sub(hysteresis) * ABOVE)),
            crisis_daily_loss: config.crisis_daily_loss().fraction() * BELOW,
            min_time: Duration::minutes(i64::from(config.min_minutes_in_level)),
        }
    }

    /// The band of `state` for these peak and day-start equities, if one can be
    /// stated (both positive).
    pub(crate) fn band(
        &self,
        state: &PreservationState,
        peak: Money,
        day_start: Money,
    ) -> Option<SettledBand> {
        let level = state.level();
        let (p, d) = (peak.value(), day_start.value());
        if p <= Decimal::ZERO || d <= Decimal::ZERO {
            return None;
        }
        // A forgiven drawdown or a paper record moves the limits (rare): no band, the
        // update runs.
        if !state.forgiven().fraction().is_zero() || state.paper_trades() > 0 {
            return None;
        }
        let i = PreservationLevel::ALL.iter().position(|l| *l == level)?;
        // No escalation: drawdown `(p - e) / p` below the lowest threshold above, and
        // (below CRISIS) the day's loss `(d - e) / d` below the crisis daily loss.
        // A limit that is not positive is reached at zero drawdown: no band.
        let mut floor = None;
        if let Some(limit) = self.escalation[i] {
            if limit <= Decimal::ZERO {
                return None;
            }
            floor = Some(equity_at(p, limit)?);
        }
        if level < DAILY_LOSS_LEVEL {
            if self.crisis_daily_loss <= Decimal::ZERO {
                return None;
            }
            let daily = equity_at(d, self.crisis_daily_loss)?;
            floor = Some(floor.map_or(daily, |f: Decimal| f.max(daily)));
        }
        // No step down: drawdown at or above the threshold minus the hysteresis.
        let ceiling = match self.recovery[i] {
            Some(limit) if limit > Decimal::ZERO => Some(Ceiling::Equity(equity_at(p, limit)?)),
            Some(_) => Some(Ceiling::None),
            None => None,
        };
        let recovery = match (level, ceiling) {
            (PreservationLevel::Normal, _) | (_, None) => Recovery::Never,
            (_, Some(ceiling)) => Recovery::After {
                from: state.entered_at().checked_add_signed(self.min_time),
                ceiling,
            },
        };
        Some(SettledBand {
            level,
            entered_at: state.entered_at(),
            consecutive_losses: state.last_consecutive_losses(),
            peak,
            day_start,
            floor,
            recovery,
        })
    }
}

/// The equity at which a shortfall from `base` is `limit` of it: `base * (1 - limit)`.
fn equity_at(base: Decimal, limit: Decimal) -> Option<Decimal> {
    base.checked_sub(limit.checked_mul(base)?)
}

/// The equities for which an update of one machine state, at one peak and day-start
/// equity and losing streak, changes nothing; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledBand {
    level: PreservationLevel,
    entered_at: Timestamp,
    consecutive_losses: u32,
    peak: Money,
    day_start: Money,
    /// Equity must be above it (no escalation); `None`: no trigger left above.
    floor: Option<Decimal>,
    recovery: Recovery,
}

/// When a step down becomes possible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recovery {
    /// At NORMAL, nothing to recover from.
    Never,
    /// From `from` (entry plus the minimum time in level; `None`: never), unless
    /// equity stays within `ceiling`.
    After {
        from: Option<Timestamp>,
        ceiling: Ceiling,
    },
}

/// Equity at or below which the drawdown still blocks a step down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ceiling {
    Equity(Decimal),
    /// The threshold minus the hysteresis is not positive: the drawdown always blocks it.
    None,
}

impl SettledBand {
    /// True when an update of a machine in `state` at `now`, with a portfolio at
    /// `equity`, peak `peak`, day start `day_start` and losing streak
    /// `consecutive_losses`, would return `None` and change nothing.
    pub(crate) fn holds(
        &self,
        state: &PreservationState,
        figures: Figures,
        now: Timestamp,
    ) -> bool {
        if state.level() != self.level
            || state.paper_trades() > 0
            || !state.forgiven().fraction().is_zero()
            || state.entered_at() != self.entered_at
            || state.last_consecutive_losses() != self.consecutive_losses
            || figures.consecutive_losses != self.consecutive_losses
            || figures.peak != self.peak
            || figures.day_start != self.day_start
        {
            return false;
        }
        let equity = figures.equity.value();
        if self.floor.is_some_and(|floor| equity <= floor) {
            return false;
        }
        match self.recovery {
            Recovery::Never => true,
            Recovery::After { from, ceiling } => {
                from.is_none_or(|from| now < from)
                    || match ceiling {
                        Ceiling::Equity(ceiling) => equity <= ceiling,
                        Ceiling::None => true,
                    }
            }
        }
    }
}

/// The portfolio's figures an update would be computed from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Figures {
    pub(crate) equity: Money,
    pub(crate) peak: Money,
    pub(crate) day_start: Money,
    pub(crate) consecutive_losses: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn margins_are_one_part_in_a_trillion() {
        assert_eq!(BELOW, dec!(0.999999999999));
        assert_eq!(ABOVE, dec!(1.000000000001));
    }

    #[test]
    fn the_equity_at_a_limit_is_the_base_less_that_share() {
        assert_eq!(equity_at(dec!(10000), dec!(0.03)), Some(dec!(9700.00)));
        assert_eq!(equity_at(dec!(10000), Decimal::ZERO), Some(dec!(10000)));
    }
}
