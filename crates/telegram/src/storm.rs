//! Storm control: many similar alerts in a short window become one summary.
//!
//! Alerts are "similar" when they share kind, severity and symbol. In each window
//! (started by the first alert of a group) the first `burst` alerts go out as they
//! come; the rest are counted, and when the window ends one summary
//! ("N similar alerts in the last 60 s; last: ...") goes out instead. Time is the
//! domain clock's, so a replay or a test drives it.

use std::collections::HashMap;

use chrono::Duration;
use domain::{Alert, AlertKind, Severity, Symbol, Timestamp};

/// Storm-control settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StormConfig {
    /// Length of a window, in seconds (> 0).
    pub window_secs: u64,
    /// Alerts of one group sent individually per window (>= 1).
    pub burst: u32,
}

impl Default for StormConfig {
    fn default() -> Self {
        Self {
            window_secs: 60,
            burst: 2,
        }
    }
}

/// What storm control decided for one alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Send it now.
    Send,
    /// Counted into the window's summary.
    Suppressed,
}

/// A summary due because its window ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    /// The last suppressed alert (its kind, severity and symbol head the summary).
    pub last: Alert,
    /// All alerts of the group in the window (sent and suppressed).
    pub total: u64,
}

type Key = (AlertKind, Severity, Option<Symbol>);

#[derive(Debug)]
struct Group {
    started: Timestamp,
    passed: u32,
    suppressed: u64,
    last: Option<Alert>,
}

/// The per-group windows.
#[derive(Debug)]
pub(crate) struct StormFilter {
    window: Duration,
    burst: u32,
    groups: HashMap<Key, Group>,
}

impl StormFilter {
    pub(crate) fn new(config: StormConfig) -> Self {
        let secs = i64::try_from(config.window_secs.max(1)).unwrap_or(i64::MAX / 1_000);
        Self {
            window: Duration::try_seconds(secs).unwrap_or(Duration::days(1)),
            burst: config.burst.max(1),
            groups: HashMap::new(),
        }
    }

    /// The window length in whole seconds (for summary text).
    pub(crate) fn window_secs(&self) -> u64 {
        u64::try_from(self.window.num_seconds()).unwrap_or(0)
    }

    /// Decides for `alert` at `now`; also returns the summaries of windows that ended.
    pub(crate) fn admit(&mut self, alert: &Alert, now: Timestamp) -> (Admission, Vec<Summary>) {
        let summaries = self.flush(now);
        let key = (alert.kind, alert.severity, alert.symbol.clone());
        let group = self.groups.entry(key).or_insert(Group {
            started: now,
            passed: 0,
            suppressed: 0,
            last: None,
        });
        let admission = if group.passed < self.burst {
            group.passed += 1;
            Admission::Send
        } else {
            group.suppressed += 1;
            group.last = Some(alert.clone());
            Admission::Suppressed
        };
        (admission, summaries)
    }

    /// Ends the windows that are over at `now`; returns the summaries due.
    pub(crate) fn flush(&mut self, now: Timestamp) -> Vec<Summary> {
        let window = self.window;
        let mut due = Vec::new();
        self.groups.retain(|_, group| {
            if now < group.started + window {
                return true;
            }
            if let Some(last) = group.last.take() {
                due.push(Summary {
                    last,
                    total: group.suppressed + u64::from(group.passed),
                });
            }
            false
        });
        due.sort_by_key(|s| s.last.at);
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn alert(kind: AlertKind, symbol: &str, at: Timestamp) -> Alert {
        Alert {
            severity: Severity::Warning,
            kind,
            message: format!("rejected {symbol}"),
            symbol: Some(Symbol::new(symbol).unwrap()),
            at,
        }
    }

    #[test]
    fn a_storm_becomes_burst_alerts_and_one_summary() {
        let t0 = chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut f = StormFilter::new(StormConfig {
            window_secs: 60,
            burst: 2,
        });
        let mut sent = 0;
        for i in 0..50 {
            let now = t0 + Duration::seconds(i);
            let (admission, summaries) =
                f.admit(&alert(AlertKind::RejectionBurst, "BTC-USD", now), now);
            assert!(summaries.is_empty());
            if admission == Admission::Send {
                sent += 1;
            }
        }
        assert_eq!(sent, 2);
        assert!(f.flush(t0 + Duration::seconds(59)).is_empty());
        let summaries = f.flush(t0 + Duration::seconds(60));
        assert_eq!(summaries.len(), 1);
        assert_eq!(summaries[0].total, 50);
        // A new window starts fresh.
        let later = t0 + Duration::seconds(61);
        let (admission, _) = f.admit(&alert(AlertKind::RejectionBurst, "BTC-USD", later), later);
        assert_eq!(admission, Admission::Send);
    }

    #[test]
    fn different_kinds_or_symbols_are_not_similar() {
        let t0 = chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut f = StormFilter::new(StormConfig {
            window_secs: 60,
            burst: 1,
        });
        for (kind, symbol) in [
            (AlertKind::RejectionBurst, "BTC-USD"),
            (AlertKind::RejectionBurst, "ETH-USD"),
            (AlertKind::Execution, "BTC-USD"),
        ] {
            assert_eq!(f.admit(&alert(kind, symbol, t0), t0).0, Admission::Send);
        }
        // A window without suppressed alerts ends without a summary.
        assert!(f.flush(t0 + Duration::minutes(2)).is_empty());
    }
}
