//! The order-rate window: approvals in the last 60 seconds, as a small ring buffer.
//!
//! Only approvals are recorded (a rejected intent sends nothing). The window is
//! sliding, not per calendar minute: an approval at `t` counts for every `now`
//! with `t > now - 60 s`, so it stops counting exactly 60 seconds later. The
//! buffer never holds more than `max_orders_per_minute` entries, so after the
//! first fill-up it never allocates.

use std::collections::VecDeque;

use chrono::Duration;
use domain::Timestamp;

/// Length of the order-rate window.
pub const ORDER_RATE_WINDOW: Duration = Duration::seconds(60);

/// Times of recent approvals, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderRateWindow {
    approvals: VecDeque<Timestamp>,
}

impl OrderRateWindow {
    /// An empty window with room for `capacity` approvals.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            approvals: VecDeque::with_capacity(capacity),
        }
    }

    /// Drops approvals that left the window and returns how many remain at `now`.
    pub fn count_at(&mut self, now: Timestamp) -> usize {
        let cutoff = now.checked_sub_signed(ORDER_RATE_WINDOW);
        while let (Some(oldest), Some(cutoff)) = (self.approvals.front(), cutoff) {
            if *oldest > cutoff {
                break;
            }
            self.approvals.pop_front();
        }
        self.approvals.len()
    }

    /// Records an approval at `now`.
    pub fn record(&mut self, now: Timestamp) {
        self.approvals.push_back(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn approvals_leave_the_window_exactly_sixty_seconds_later() {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut w = OrderRateWindow::with_capacity(2);
        w.record(t0);
        w.record(t0 + Duration::seconds(30));
        assert_eq!(w.count_at(t0 + Duration::seconds(59)), 2);
        assert_eq!(w.count_at(t0 + Duration::seconds(60)), 1);
        assert_eq!(w.count_at(t0 + Duration::seconds(90)), 0);
    }
}
