//! The `Clock` port: the only way core code learns the time.
//!
//! `SystemClock` reads the wall clock (live, paper, dry-run on a live feed);
//! `SimClock` is moved forward by the replay or a test and never goes back,
//! which is what makes a backtest run the same code as live.

use std::sync::Mutex;

use chrono::{Duration, Utc};
use thiserror::Error;

use crate::market::Timestamp;

/// A source of "now".
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The wall clock. This is the one place in the core crates allowed to read it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the sanctioned wall-clock read
    fn now(&self) -> Timestamp {
        Utc::now()
    }
}

/// Attempt to move a `SimClock` backwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("simulated clock cannot go back from {now} to {requested}")]
pub struct ClockWentBackwards {
    /// The clock's current time.
    pub now: Timestamp,
    /// The earlier time requested.
    pub requested: Timestamp,
}

/// A deterministic clock that only moves forward when told to.
#[derive(Debug)]
pub struct SimClock {
    now: Mutex<Timestamp>,
}

impl SimClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves to `ts`; equal is a no-op, earlier is an error.
    pub fn advance_to(&self, ts: Timestamp) -> Result<(), ClockWentBackwards> {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        if ts < *now {
            return Err(ClockWentBackwards {
                now: *now,
                requested: ts,
            });
        }
        *now = ts;
        Ok(())
    }

    /// Moves forward by a non-negative duration (negative durations are ignored).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        if by > Duration::zero() {
            *now += by;
        }
    }
}

impl Clock for SimClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sim_clock_moves_forward_only() {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let c = SimClock::new(t0);
        c.advance(Duration::minutes(5));
        assert_eq!(c.now(), t0 + Duration::minutes(5));
        assert!(c.advance_to(t0).is_err());
        assert_eq!(c.now(), t0 + Duration::minutes(5));
        c.advance(Duration::minutes(-10));
        assert_eq!(c.now(), t0 + Duration::minutes(5));
        c.advance_to(t0 + Duration::hours(1)).unwrap();
        assert_eq!(c.now(), t0 + Duration::hours(1));
    }
}
