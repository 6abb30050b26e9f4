//! The serialisable state of the state machine, persisted by the runtime (e.g.
//! `data/capital_preservation_state.json`) so that a restart resumes in the same
//! level with the same clock instead of silently dropping back to NORMAL.
//!
//! Fields are private: the only ways to get a state are a fresh machine (NORMAL),
//! the machine's own transitions, or deserialising a persisted one.

use domain::{LevelChange, Money, PreservationLevel, Ratio, Timestamp};
use serde::{Deserialize, Serialize};

/// Level, time in level and the trigger memory needed to recover correctly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreservationState {
    level: PreservationLevel,
    entered_at: Timestamp,
    last_consecutive_losses: u32,
    streak_triggered_at: Option<Timestamp>,
    last_change: Option<LevelChange>,
    /// Account drawdown forgiven by paper recoveries (see `recovery`): the guardrail
    /// measures `drawdown - forgiven`. It shrinks as the account recovers and is zero at a
    /// new peak.
    #[serde(default, skip_serializing_if = "is_zero_ratio")]
    forgiven: Ratio,
    /// Losses of the streak that were already served by a recovery: the streak trigger
    /// counts the losses after them (hysteresis on the loss-streak trigger).
    #[serde(default, skip_serializing_if = "is_zero")]
    streak_served: u32,
    /// Paper trades closed while in the current level.
    #[serde(default, skip_serializing_if = "is_zero")]
    paper_trades: u32,
    /// The net P&L of the latest of them, oldest first (at most `recovery_paper_trades`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    paper_recent: Vec<Money>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_ratio(r: &Ratio) -> bool {
    r.fraction().is_zero()
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
            forgiven: Ratio::ZERO,
            streak_served: 0,
            paper_trades: 0,
            paper_recent: Vec::new(),
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

    /// The account drawdown forgiven by paper recoveries.
    pub fn forgiven(&self) -> Ratio {
        self.forgiven
    }

    /// Losses of the current streak already served by a recovery.
    pub fn streak_served(&self) -> u32 {
        self.streak_served
    }

    /// Paper trades closed while in the current level.
    pub fn paper_trades(&self) -> u32 {
        self.paper_trades
    }

    /// Net P&L of the latest paper trades of the current level (at most the number
    /// recovery looks at), and how many that is.
    pub fn paper_recent(&self) -> (usize, Money) {
        let net = self
            .paper_recent
            .iter()
            .fold(Money::ZERO, |sum, pnl| sum + *pnl);
        (self.paper_recent.len(), net)
    }

    /// Records the streak seen now; true when the loss-streak trigger fires, i.e. the
    /// losses after the served ones reached `trigger`, or grew while at or above it. A
    /// streak that broke (a win) forgets what was served.
    pub(crate) fn observe_streak(&mut self, count: u32, trigger: u32, now: Timestamp) -> bool {
        if count < self.streak_served {
            self.streak_served = 0;
        }
        let fired = count - self.streak_served >= trigger && count > self.last_consecutive_losses;
        self.last_consecutive_losses = count;
        if fired {
            self.streak_triggered_at = Some(now);
        }
        fired
    }

    /// The drawdown the guardrail measures: the account's less the forgiven part, which
    /// shrinks with the account's drawdown (zero at a new peak).
    pub(crate) fn measure(&mut self, account_drawdown: Ratio) -> Ratio {
        if account_drawdown < self.forgiven {
            self.forgiven = account_drawdown.max(Ratio::ZERO);
        }
        Ratio::from_fraction(account_drawdown.fraction() - self.forgiven.fraction())
    }

    /// Counts a closed paper trade of the current level, keeping the latest `keep`.
    pub(crate) fn record_paper(&mut self, net_pnl: Money, keep: usize) {
        self.paper_trades = self.paper_trades.saturating_add(1);
        self.paper_recent.push(net_pnl);
        if self.paper_recent.len() > keep {
            let excess = self.paper_recent.len() - keep;
            self.paper_recent.drain(..excess);
        }
    }

    /// Applies a transition and restarts the time-in-level clock and the paper record.
    pub(crate) fn enter(&mut self, change: &LevelChange) {
        self.level = change.to;
        self.entered_at = change.at;
        self.last_change = Some(change.clone());
        self.paper_trades = 0;
        self.paper_recent.clear();
    }

    /// A recovery step served the current streak and forgave `forgive` more drawdown.
    pub(crate) fn recovered(&mut self, consecutive_losses: u32, forgive: Ratio) {
        self.streak_served = consecutive_losses;
        self.forgiven = Ratio::from_fraction(self.forgiven.fraction() + forgive.fraction());
    }
}
