//! The serialisable state of the state machine, persisted by the runtime (e.g.
//! `data/capital_preservation_state.json`) so that a restart resumes in the same
//! level with the same clock instead of silently dropping back to NORMAL.
//!
//! Fields are private: the only ways to get a state are a fresh machine (NORMAL),
//! the machine's own transitions, or deserialising a persisted one.

use domain::{LevelChange, PreservationLevel, Timestamp};
use serde::{Deserialize, Serialize};

/// Level, time in level and the trigger memory needed to recover correctly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreservationState {
    level: PreservationLevel,
    entered_at: Timestamp,
    last_consecutive_losses: u32,
    streak_triggered_at: Option<Timestamp>,
    last_change: Option<LevelChange>,
}

impl PreservationState {
    /// NORMAL since `now`, no trigger memory.
    pub(crate) fn initial(now: Timestamp) -> Self {
        Self {
            level: PreservationLevel::Normal,
            entered_at: now,
            last_consecutive_losses: 0,
            streak_triggered_at: None,
            last_change: None,
        }
    }

    /// The current level.
    pub fn level(&self) -> PreservationLevel {
        self.level
    }

    /// When the current level was entered (the time-in-level clock).
    pub fn entered_at(&self) -> Timestamp {
        self.entered_at
    }

    /// The losing streak seen on the previous update (for edge detection).
    pub fn last_consecutive_losses(&self) -> u32 {
        self.last_consecutive_losses
    }

    /// When the loss-streak trigger last fired, if ever.
    pub fn streak_triggered_at(&self) -> Option<Timestamp> {
        self.streak_triggered_at
    }

    /// The most recent transition, for status pages ("what triggered escalation?").
    pub fn last_change(&self) -> Option<&LevelChange> {
        self.last_change.as_ref()
    }

    /// Records the streak seen now; true when the loss-streak trigger fires, i.e. the
    /// streak reached `trigger` or grew while at or above it.
    pub(crate) fn observe_streak(&mut self, count: u32, trigger: u32, now: Timestamp) -> bool {
        let fired = count >= trigger && count > self.last_consecutive_losses;
        self.last_consecutive_losses = count;
        if fired {
            self.streak_triggered_at = Some(now);
        }
        fired
    }

    /// Applies a transition and restarts the time-in-level clock.
    pub(crate) fn enter(&mut self, change: &LevelChange) {
        self.level = change.to;
        self.entered_at = change.at;
        self.last_change = Some(change.clone());
    }
}
