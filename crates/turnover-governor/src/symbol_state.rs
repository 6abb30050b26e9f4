//! The turnover counters of one symbol: last decision, decisions this UTC day,
//! losing streak and cooldown.
//!
//! Choices, documented for operators:
//! - the daily cap counts decisions per UTC calendar day, whatever the portfolio's
//!   trading-day boundary is;
//! - a cooldown starts when the streak reaches `loss_streak_for_cooldown`, and each
//!   further loss while at or above it restarts it from that loss;
//! - a win resets the streak but does not cut short a cooldown already running
//!   (a win can only come from closing an older position; it does not undo the
//!   losses that started the pause);
//! - times earlier than what was already recorded never loosen anything: counters
//!   only roll forward to a later day, and the last decision time only moves forward.

use chrono::{NaiveDate, Utc};
use domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::rule::TurnoverRule;

/// Counters of one symbol.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolTurnover {
    last_decision_at: Option<Timestamp>,
    day: Option<NaiveDate>,
    decisions_today: u32,
    consecutive_losses: u32,
    cooldown_until: Option<Timestamp>,
    cooldown_losses: u32,
}

impl SymbolTurnover {
    /// When the engine last took a decision on the symbol.
    pub fn last_decision_at(&self) -> Option<Timestamp> {
        self.last_decision_at
    }

    /// Decisions counted on the UTC day of `now` (the latest day recorded, if `now` is earlier).
    pub fn decisions_on_day_of(&self, now: Timestamp) -> u32 {
        match self.day {
            Some(day) if day >= now.date_naive() => self.decisions_today,
            _ => 0,
        }
    }

    /// Current losing streak on the symbol.
    pub fn consecutive_losses(&self) -> u32 {
        self.consecutive_losses
    }

    /// The end of the running cooldown at `now`, with the streak that started it.
    pub fn cooldown_at(&self, now: Timestamp) -> Option<(Timestamp, u32)> {
        self.cooldown_until
            .filter(|until| now < *until)
            .map(|until| (until, self.cooldown_losses))
    }

    /// Counts a decision taken at `now`.
    pub(crate) fn record_decision(&mut self, now: Timestamp) {
        let today = now.date_naive();
        match self.day {
            Some(day) if day >= today => {
                self.decisions_today = self.decisions_today.saturating_add(1);
            }
            _ => {
                self.day = Some(today);
                self.decisions_today = 1;
            }
        }
        self.last_decision_at = Some(self.last_decision_at.map_or(now, |t| t.max(now)));
    }

    /// Updates the streak with a closed round trip and starts a cooldown if due.
    pub(crate) fn record_outcome(&mut self, is_loss: bool, now: Timestamp, rule: &TurnoverRule) {
        if !is_loss {
            self.consecutive_losses = 0;
            return;
        }
        self.consecutive_losses = self.consecutive_losses.saturating_add(1);
        if self.consecutive_losses >= rule.loss_streak_for_cooldown {
            let until = now
                .checked_add_signed(rule.cooldown())
                .unwrap_or(chrono::DateTime::<Utc>::MAX_UTC);
            if self.cooldown_until.is_none_or(|current| until >= current) {
                self.cooldown_until = Some(until);
                self.cooldown_losses = self.consecutive_losses;
            }
        }
    }
}
