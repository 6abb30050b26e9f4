//! Rejection bursts: many trade-gate rejections in a short time are one thing for an
//! operator to look at, not many. The engine raises one `RejectionBurst` alert when
//! [`BURST_THRESHOLD`] rejections fall within [`BURST_WINDOW_MINUTES`] of engine time, and
//! at most one per window.

use std::collections::{BTreeMap, VecDeque};

use chrono::Duration;
use domain::Timestamp;

/// Rejections within the window that make a burst.
pub const BURST_THRESHOLD: usize = 5;
/// The rolling window, minutes of engine time.
pub const BURST_WINDOW_MINUTES: i64 = 10;

/// Rolling count of rejections and their reasons.
#[derive(Debug, Default)]
pub(crate) struct RejectionBursts {
    recent: VecDeque<(Timestamp, Vec<&'static str>)>,
    last_alert: Option<Timestamp>,
}

impl RejectionBursts {
    /// Records one rejection at `at` with its reason codes; returns the alert message
    /// when this rejection completes a burst.
    pub(crate) fn record(&mut self, at: Timestamp, codes: Vec<&'static str>) -> Option<String> {
        let window = Duration::minutes(BURST_WINDOW_MINUTES);
        self.recent.push_back((at, codes));
        while self.recent.front().is_some_and(|(t, _)| at - *t >= window) {
            self.recent.pop_front();
        }
        if self.recent.len() < BURST_THRESHOLD || self.last_alert.is_some_and(|t| at - t < window) {
            return None;
        }
        self.last_alert = Some(at);
        let mut by_reason: BTreeMap<&'static str, usize> = BTreeMap::new();
        for (_, codes) in &self.recent {
            for code in codes {
                *by_reason.entry(code).or_insert(0) += 1;
            }
        }
        let reasons = by_reason
            .iter()
            .map(|(code, n)| format!("{code} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        Some(format!(
            "rejection burst: {} trade rejections in the last {BURST_WINDOW_MINUTES} min ({reasons})",
            self.recent.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(min: i64) -> Timestamp {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn five_rejections_in_ten_minutes_make_one_alert_per_window() {
        let mut b = RejectionBursts::default();
        for m in 0..4 {
            assert_eq!(b.record(at(m), vec!["kill_switch_active"]), None);
        }
        let msg = b
            .record(at(4), vec!["kill_switch_active", "cool_down"])
            .unwrap();
        assert_eq!(
            msg,
            "rejection burst: 5 trade rejections in the last 10 min (cool_down 1, kill_switch_active 5)"
        );
        // More within the window: no second alert.
        for m in 5..13 {
            assert_eq!(b.record(at(m), vec!["kill_switch_active"]), None);
        }
        // A window after the first alert, still bursting: a new alert.
        assert!(b.record(at(14), vec!["kill_switch_active"]).is_some());
    }

    #[test]
    fn spread_out_rejections_are_no_burst() {
        let mut b = RejectionBursts::default();
        for m in 0..20 {
            assert_eq!(b.record(at(m * 3), vec!["confidence_too_low"]), None);
        }
    }
}
