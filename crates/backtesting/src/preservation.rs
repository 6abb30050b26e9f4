//! The `capital_preservation` section of `result.json`: the level a run ended in, the
//! time it spent in each level, how many signals the levels vetoed, and the periods
//! spent in LOCKDOWN or CRISIS (shaded on `equity.png`).
//!
//! Built from the audit events as the run streams (`LevelChanged`, `TradeRejected`),
//! on the simulated clock: time in a level runs from the change that entered it to the
//! next change, or to the end of the run.

use std::collections::BTreeMap;

use chrono::Duration;
use domain::{PreservationLevel, RejectReason, Timestamp};
use rust_decimal::Decimal;
use serde::Serialize;

/// A stretch of the run spent in one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelPeriod {
    /// The level.
    pub level: PreservationLevel,
    /// When it was entered.
    pub from: Timestamp,
    /// When it was left (the end of the run if it never was).
    pub to: Timestamp,
}

/// Time spent in one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelTime {
    /// Seconds of simulated time.
    pub seconds: i64,
    /// Share of the run, in percent (two decimals).
    pub pct: Decimal,
}

/// What capital preservation did over a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreservationSummary {
    /// The level in force when the run ended.
    pub final_level: PreservationLevel,
    /// Simulated time in each level, every level listed.
    pub time_in_level: BTreeMap<&'static str, LevelTime>,
    /// Level changes.
    pub transitions: u64,
    /// Signals the trade gate rejected because of the level (`capital_preservation_veto`
    /// or `tier_not_allowed`), each counted once whatever else it failed.
    pub vetoed_signals: u64,
    /// Every period spent in LOCKDOWN or CRISIS, in order.
    pub restrictive_periods: Vec<LevelPeriod>,
}

/// Streams the level changes and vetoes of a run.
#[derive(Debug, Clone)]
pub struct PreservationTrack {
    level: PreservationLevel,
    since: Option<Timestamp>,
    seconds: [i64; 5],
    transitions: u64,
    vetoed: u64,
    restrictive: Vec<LevelPeriod>,
}

impl Default for PreservationTrack {
    fn default() -> Self {
        Self {
            level: PreservationLevel::Normal,
            since: None,
            seconds: [0; 5],
            transitions: 0,
            vetoed: 0,
            restrictive: Vec::new(),
        }
    }
}

fn index(level: PreservationLevel) -> usize {
    PreservationLevel::ALL
        .iter()
        .position(|l| *l == level)
        .unwrap_or(0)
}

fn restrictive(level: PreservationLevel) -> bool {
    matches!(
        level,
        PreservationLevel::Lockdown | PreservationLevel::Crisis
    )
}

impl PreservationTrack {
    /// The run's clock reached `at`: the first call starts the clock of the first level.
    pub fn observe(&mut self, at: Timestamp) {
        if self.since.is_none() {
            self.since = Some(at);
        }
    }

    /// The level changed to `to` at `at`.
    pub fn change(&mut self, to: PreservationLevel, at: Timestamp) {
        self.close_level(at);
        self.level = to;
        self.since = Some(at);
        self.transitions += 1;
    }

    /// A gate rejection with `reasons`.
    pub fn rejected(&mut self, reasons: &[RejectReason]) {
        if reasons.iter().any(|r| {
            matches!(
                r,
                RejectReason::CapitalPreservationVeto { .. } | RejectReason::TierNotAllowed { .. }
            )
        }) {
            self.vetoed += 1;
        }
    }

    fn close_level(&mut self, at: Timestamp) {
        let Some(since) = self.since else { return };
        let secs = (at - since).num_seconds().max(0);
        self.seconds[index(self.level)] += secs;
        if restrictive(self.level) {
            self.restrictive.push(LevelPeriod {
                level: self.level,
                from: since,
                to: at.max(since),
            });
        }
    }

    /// The summary of a run that ended at `end`.
    pub fn finish(mut self, end: Timestamp) -> PreservationSummary {
        self.close_level(end);
        let total: i64 = self.seconds.iter().sum();
        let time_in_level = PreservationLevel::ALL
            .iter()
            .map(|l| {
                let seconds = self.seconds[index(*l)];
                let pct = if total > 0 {
                    (Decimal::from(seconds) * Decimal::ONE_HUNDRED / Decimal::from(total))
                        .round_dp(2)
                } else {
                    Decimal::ZERO
                };
                (l.as_str(), LevelTime { seconds, pct })
            })
            .collect();
        PreservationSummary {
            final_level: self.level,
            time_in_level,
            transitions: self.transitions,
            vetoed_signals: self.vetoed,
            restrictive_periods: self.restrictive,
        }
    }
}

/// `3d 4h`, `5h 12m`, `40m`: a duration for the summary table.
pub fn short_duration(seconds: i64) -> String {
    let d = Duration::seconds(seconds.max(0));
    let (days, hours, minutes) = (d.num_days(), d.num_hours() % 24, d.num_minutes() % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else {
        format!("{minutes}m")
    }
}

impl PreservationSummary {
    /// One line for the summary table: the final level, the time outside NORMAL and the vetoes.
    pub fn line(&self) -> String {
        let mut parts = vec![format!(
            "final {}",
            self.final_level.as_str().to_uppercase()
        )];
        let spent: Vec<String> = PreservationLevel::ALL[1..]
            .iter()
            .filter_map(|l| {
                let name = l.as_str();
                let t = self.time_in_level.get(name)?;
                (t.seconds > 0)
                    .then(|| format!("{name} {} ({}%)", short_duration(t.seconds), t.pct))
            })
            .collect();
        if spent.is_empty() {
            parts.push("always normal".into());
        } else {
            parts.push(spent.join(", "));
        }
        parts.push(format!("{} vetoed signals", self.vetoed_signals));
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn t(h: i64) -> Timestamp {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    #[test]
    fn time_in_each_level_adds_up_to_the_run_and_periods_cover_lockdown() {
        let mut track = PreservationTrack::default();
        track.observe(t(0));
        track.change(PreservationLevel::Lockdown, t(10));
        track.change(PreservationLevel::Defensive, t(16));
        track.change(PreservationLevel::Crisis, t(20));
        let s = track.finish(t(24));
        assert_eq!(s.final_level, PreservationLevel::Crisis);
        assert_eq!(s.transitions, 3);
        assert_eq!(s.time_in_level["normal"].seconds, 10 * 3600);
        assert_eq!(s.time_in_level["lockdown"].seconds, 6 * 3600);
        assert_eq!(s.time_in_level["defensive"].seconds, 4 * 3600);
        assert_eq!(s.time_in_level["crisis"].seconds, 4 * 3600);
        assert_eq!(s.time_in_level["caution"].seconds, 0);
        let total: i64 = s.time_in_level.values().map(|t| t.seconds).sum();
        assert_eq!(total, 24 * 3600);
        assert_eq!(
            s.restrictive_periods,
            vec![
                LevelPeriod {
                    level: PreservationLevel::Lockdown,
                    from: t(10),
                    to: t(16)
                },
                LevelPeriod {
                    level: PreservationLevel::Crisis,
                    from: t(20),
                    to: t(24)
                },
            ]
        );
        assert_eq!(s.time_in_level["lockdown"].pct, Decimal::new(25, 0));
        assert!(s.line().starts_with("final CRISIS; "), "{}", s.line());
    }

    #[test]
    fn a_rejection_counts_as_one_veto_whatever_else_it_failed() {
        let mut track = PreservationTrack::default();
        track.rejected(&[
            RejectReason::CapitalPreservationVeto {
                level: PreservationLevel::Lockdown,
            },
            RejectReason::TierNotAllowed {
                level: PreservationLevel::Lockdown,
                tier: domain::Tier::Low,
            },
        ]);
        track.rejected(&[RejectReason::KillSwitchActive { sources: vec![] }]);
        let s = track.finish(t(1));
        assert_eq!(s.vetoed_signals, 1);
        assert_eq!(s.final_level, PreservationLevel::Normal);
        assert_eq!(s.line(), "final NORMAL; always normal; 1 vetoed signals");
    }

    #[test]
    fn durations_read_short() {
        assert_eq!(short_duration(40 * 60), "40m");
        assert_eq!(short_duration(5 * 3600 + 12 * 60), "5h 12m");
        assert_eq!(short_duration(3 * 86_400 + 4 * 3600), "3d 4h");
    }
}
