//! The client's memory of what Binance told it about limits: used request weight, 429
//! `Retry-After`, 418 bans, the circuit breaker over repeated 5xx/timeouts, the clock offset.
//!
//! Pure bookkeeping (no I/O, no sleeping): [`super::client`] asks it what to do before each
//! request and tells it what came back, so the decisions are unit-testable.

use std::time::Duration;

use chrono::TimeDelta;
use domain::Timestamp;

use crate::error::BinanceError;

/// What the client must do before sending a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Send now.
    Go,
    /// Sleep this long, then send.
    Wait(Duration),
}

/// Mutable limit state shared by every request of one client.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    /// Last `X-MBX-USED-WEIGHT-1M` seen, and the server minute it belongs to.
    used_weight: u32,
    weight_minute: i64,
    /// Whether any answer has carried `X-MBX-USED-WEIGHT-1M` yet.
    weight_reported: bool,
    /// Until when a 429 asked us to wait.
    retry_after_until: Option<Timestamp>,
    /// Until when a 418 banned this IP.
    banned_until: Option<Timestamp>,
    /// Consecutive 5xx/timeouts of guarded (order entry) requests.
    consecutive_failures: u32,
    circuit_open_until: Option<Timestamp>,
    /// Server time minus local time, in ms, once measured.
    pub clock_offset_ms: Option<i64>,
}

/// How a request behaves towards the limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    /// Order entry: behind the circuit breaker, never delayed by the weight throttle
    /// (weight 1; the slowdown margin leaves room for it), never auto-retried after 429.
    pub order_entry: bool,
    /// Sleep through a 429 `Retry-After` (idempotent reads only).
    pub wait_out_rate_limit: bool,
}

/// Settings the gate needs, copied from the config.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LimitSettings {
    pub weight_limit: u32,
    pub slowdown_percent: u8,
    pub max_wait: Duration,
    pub circuit_threshold: u32,
    pub circuit_cooldown: Duration,
}

fn ceil_secs(d: TimeDelta) -> u64 {
    let ms = d.num_milliseconds().max(0);
    u64::try_from((ms + 999) / 1000).unwrap_or(0)
}

/// The pause that keeps a client under the weight limit: none below
/// `limit x slowdown%`, otherwise until the next minute of the server clock (+50 ms).
pub(crate) fn throttle_delay(
    used: u32,
    limit: u32,
    slowdown_percent: u8,
    server_now_ms: i64,
) -> Option<Duration> {
    let threshold = u64::from(limit) * u64::from(slowdown_percent) / 100;
    if u64::from(used) < threshold {
        return None;
    }
    let into_minute = server_now_ms.rem_euclid(60_000);
    u64::try_from(60_000 - into_minute + 50)
        .ok()
        .map(Duration::from_millis)
}

impl Limits {
    /// Decides whether a request may go now, must wait, or must fail fast.
    pub fn gate(
        &mut self,
        policy: Policy,
        settings: &LimitSettings,
        now: Timestamp,
        server_now_ms: i64,
    ) -> Result<Gate, BinanceError> {
        if let Some(until) = self.banned_until {
            if now < until {
                return Err(BinanceError::Banned { until });
            }
            self.banned_until = None;
        }
        if policy.order_entry
            && let Some(until) = self.circuit_open_until
        {
            if now < until {
                return Err(BinanceError::CircuitOpen { until });
            }
            self.circuit_open_until = None;
        }
        if let Some(until) = self.retry_after_until {
            if now < until {
                let wait = until - now;
                let std_wait = wait.to_std().unwrap_or_default();
                if !policy.wait_out_rate_limit || std_wait > settings.max_wait {
                    return Err(BinanceError::RateLimited {
                        retry_after_secs: ceil_secs(wait),
                    });
                }
                return Ok(Gate::Wait(std_wait));
            }
            self.retry_after_until = None;
        }
        if !policy.order_entry
            && server_now_ms.div_euclid(60_000) == self.weight_minute
            && let Some(d) = throttle_delay(
                self.used_weight,
                settings.weight_limit,
                settings.slowdown_percent,
                server_now_ms,
            )
        {
            return Ok(Gate::Wait(d));
        }
        Ok(Gate::Go)
    }

    /// Records `X-MBX-USED-WEIGHT-1M`.
    pub fn record_weight(&mut self, used: u32, server_now_ms: i64) {
        self.used_weight = used;
        self.weight_minute = server_now_ms.div_euclid(60_000);
        self.weight_reported = true;
    }

    /// The last used weight seen, if it belongs to the current server minute.
    pub fn used_weight(&self, server_now_ms: i64) -> u32 {
        if server_now_ms.div_euclid(60_000) == self.weight_minute {
            self.used_weight
        } else {
            0
        }
    }

    /// Like [`Limits::used_weight`], but `None` until Binance has reported a weight at all.
    pub fn reported_weight(&self, server_now_ms: i64) -> Option<u32> {
        self.weight_reported
            .then(|| self.used_weight(server_now_ms))
    }

    /// Until when a 429 asked us to wait, if that is still ahead of `now`.
    pub fn rate_limited_until(&self, now: Timestamp) -> Option<Timestamp> {
        self.retry_after_until.filter(|u| *u > now)
    }

    /// Until when the order-entry circuit breaker is open, if that is still ahead of `now`.
    pub fn circuit_open_until(&self, now: Timestamp) -> Option<Timestamp> {
        self.circuit_open_until.filter(|u| *u > now)
    }

    /// A 429: no request before `now + retry_after`.
    pub fn record_rate_limited(&mut self, now: Timestamp, retry_after_secs: u64) {
        let until =
            now + TimeDelta::seconds(i64::try_from(retry_after_secs).unwrap_or(i64::MAX / 1000));
        self.retry_after_until = Some(self.retry_after_until.map_or(until, |u| u.max(until)));
    }

    /// A 418: nothing at all before `now + retry_after`. Returns the end of the ban.
    pub fn record_ban(&mut self, now: Timestamp, retry_after_secs: u64) -> Timestamp {
        let until =
            now + TimeDelta::seconds(i64::try_from(retry_after_secs).unwrap_or(i64::MAX / 1000));
        let until = self.banned_until.map_or(until, |u| u.max(until));
        self.banned_until = Some(until);
        until
    }

    /// When the current ban ends, if there is one at `now`.
    pub fn banned_until(&self, now: Timestamp) -> Option<Timestamp> {
        self.banned_until.filter(|u| *u > now)
    }

    /// An order-entry request got an answer that was not 5xx/timeout.
    pub fn record_success(&mut self) {
        self.consecutive_failures = 0;
    }

    /// An order-entry request hit a 5xx or timeout; opens the circuit at the threshold.
    pub fn record_failure(&mut self, settings: &LimitSettings, now: Timestamp) {
        self.consecutive_failures += 1;
        if self.consecutive_failures >= settings.circuit_threshold {
            self.consecutive_failures = 0;
            let cooldown =
                TimeDelta::from_std(settings.circuit_cooldown).unwrap_or(TimeDelta::zero());
            self.circuit_open_until = Some(now + cooldown);
            tracing::warn!(
                cooldown_secs = settings.circuit_cooldown.as_secs(),
                "binance circuit breaker open after repeated 5xx/timeouts on order requests"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn settings() -> LimitSettings {
        LimitSettings {
            weight_limit: 1200,
            slowdown_percent: 80,
            max_wait: Duration::from_secs(60),
            circuit_threshold: 2,
            circuit_cooldown: Duration::from_secs(30),
        }
    }

    const READ: Policy = Policy {
        order_entry: false,
        wait_out_rate_limit: true,
    };
    const ORDER: Policy = Policy {
        order_entry: true,
        wait_out_rate_limit: false,
    };

    #[test]
    fn slows_down_before_the_limit_until_the_next_minute() {
        assert_eq!(throttle_delay(959, 1200, 80, 10_000), None);
        assert_eq!(
            throttle_delay(960, 1200, 80, 10_000),
            Some(Duration::from_millis(50_050))
        );
    }

    #[test]
    fn stale_weight_from_a_past_minute_does_not_throttle() {
        let now = Utc.timestamp_millis_opt(130_000).unwrap();
        let mut l = Limits::default();
        l.record_weight(1199, 70_000);
        assert_eq!(l.gate(READ, &settings(), now, 130_000).unwrap(), Gate::Go);
        l.record_weight(1199, 125_000);
        assert!(matches!(
            l.gate(READ, &settings(), now, 130_000).unwrap(),
            Gate::Wait(_)
        ));
        // Orders are not delayed by the throttle.
        assert_eq!(l.gate(ORDER, &settings(), now, 130_000).unwrap(), Gate::Go);
    }

    #[test]
    fn weight_is_unknown_until_reported_and_states_expire() {
        let t0 = Utc.timestamp_opt(1_000, 0).unwrap();
        let mut l = Limits::default();
        assert_eq!(l.reported_weight(130_000), None);
        l.record_weight(42, 125_000);
        assert_eq!(l.reported_weight(130_000), Some(42));
        assert_eq!(l.reported_weight(190_000), Some(0));
        l.record_rate_limited(t0, 2);
        assert_eq!(l.rate_limited_until(t0), Some(t0 + TimeDelta::seconds(2)));
        assert_eq!(l.rate_limited_until(t0 + TimeDelta::seconds(2)), None);
        l.record_failure(&settings(), t0);
        l.record_failure(&settings(), t0);
        assert_eq!(l.circuit_open_until(t0), Some(t0 + TimeDelta::seconds(30)));
        assert_eq!(l.circuit_open_until(t0 + TimeDelta::seconds(30)), None);
    }

    #[test]
    fn ban_fails_fast_until_it_expires() {
        let t0 = Utc.timestamp_opt(1_000, 0).unwrap();
        let mut l = Limits::default();
        l.record_ban(t0, 120);
        assert!(matches!(
            l.gate(READ, &settings(), t0 + TimeDelta::seconds(119), 0),
            Err(BinanceError::Banned { .. })
        ));
        assert_eq!(
            l.gate(READ, &settings(), t0 + TimeDelta::seconds(120), 0)
                .unwrap(),
            Gate::Go
        );
    }

    #[test]
    fn circuit_opens_after_threshold_and_closes_after_cooldown() {
        let t0 = Utc.timestamp_opt(1_000, 0).unwrap();
        let mut l = Limits::default();
        l.record_failure(&settings(), t0);
        assert_eq!(l.gate(ORDER, &settings(), t0, 0).unwrap(), Gate::Go);
        l.record_failure(&settings(), t0);
        assert!(matches!(
            l.gate(ORDER, &settings(), t0, 0),
            Err(BinanceError::CircuitOpen { .. })
        ));
        assert_eq!(l.gate(READ, &settings(), t0, 0).unwrap(), Gate::Go);
        assert_eq!(
            l.gate(ORDER, &settings(), t0 + TimeDelta::seconds(30), 0)
                .unwrap(),
            Gate::Go
        );
    }

    #[test]
    fn rate_limit_waits_for_reads_and_fails_fast_for_orders() {
        let t0 = Utc.timestamp_opt(1_000, 0).unwrap();
        let mut l = Limits::default();
        l.record_rate_limited(t0, 2);
        assert_eq!(
            l.gate(READ, &settings(), t0, 0).unwrap(),
            Gate::Wait(Duration::from_secs(2))
        );
        assert_eq!(
            l.gate(ORDER, &settings(), t0, 0).unwrap_err(),
            BinanceError::RateLimited {
                retry_after_secs: 2
            }
        );
    }
}
