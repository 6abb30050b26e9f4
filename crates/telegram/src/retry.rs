//! Exponential backoff for transient failures (network, 5xx, 409 conflict).
//!
//! A small loop of our own rather than `backon`/`tokio-retry`: the delivery loop keeps
//! one due time per outbox entry (so one slow message never blocks the others) and
//! must honour Telegram's `retry_after` over its own schedule, which a closure-retrying
//! crate does not model; all it needs from a policy is "how long after attempt n".

use std::time::Duration;

/// Delay after the n-th consecutive failure: `initial * 2^(n-1)`, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub initial: Duration,
    /// Upper bound of any delay.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The delay after `failures` consecutive failures (0 failures: no delay).
    pub fn delay(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let factor = 1u32
            .checked_shl(failures.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial
            .checked_mul(factor)
            .map_or(self.max, |d| d.min(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_initial_and_caps_at_max() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
        };
        let delays: Vec<u128> = (0..8).map(|n| b.delay(n).as_millis()).collect();
        assert_eq!(delays, [0, 100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(2));
    }
}
