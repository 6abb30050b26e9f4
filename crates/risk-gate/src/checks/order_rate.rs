//! Check 13: the order-rate limit. At most `max_orders_per_minute` approvals in
//! any sliding 60-second window; only approvals count, so a burst of rejected
//! intents does not lock trading out.

use domain::{RejectReason, Timestamp};

use crate::rate_limit::OrderRateWindow;

/// Fails when the window already holds `per_minute` approvals at `now`.
pub(crate) fn check(
    window: &mut OrderRateWindow,
    now: Timestamp,
    per_minute: u32,
) -> Option<RejectReason> {
    let count = window.count_at(now);
    let max = usize::try_from(per_minute).unwrap_or(usize::MAX);
    (count >= max).then_some(RejectReason::OrderRateLimit { count, per_minute })
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use domain::RejectReason;
    use rust_decimal_macros::dec;

    use crate::RiskConfig;
    use crate::testing::*;

    fn two_per_minute() -> crate::TradeGate {
        gate_with(RiskConfig {
            max_orders_per_minute: 2,
            ..RiskConfig::default()
        })
    }

    #[test]
    fn rejects_once_the_minute_is_used_up() {
        let s = Scenario::healthy();
        let mut g = two_per_minute();
        assert!(g.evaluate(entry(), &s.ctx()).is_approved());
        assert!(g.evaluate(entry(), &s.ctx()).is_approved());
        assert_eq!(
            only_reason(&g.evaluate(entry(), &s.ctx())),
            &RejectReason::OrderRateLimit {
                count: 2,
                per_minute: 2
            }
        );
    }

    #[test]
    fn the_window_slides_rather_than_resetting_each_minute() {
        let mut s = Scenario::holding(dec!(1));
        let mut g = two_per_minute();
        let start = s.now;
        assert!(g.evaluate(entry(), &s.ctx()).is_approved());
        s.now = start + Duration::seconds(40);
        s.last_data = Some(s.now);
        assert!(g.evaluate(entry(), &s.ctx()).is_approved());
        s.now = start + Duration::seconds(59);
        assert!(!g.evaluate(entry(), &s.ctx()).is_approved());
        // The first approval leaves the window at start + 60 s; the second is still in it.
        s.now = start + Duration::seconds(60);
        assert!(g.evaluate(entry(), &s.ctx()).is_approved());
        s.now = start + Duration::seconds(61);
        assert!(!g.evaluate(exit(dec!(0.01)), &s.ctx()).is_approved());
    }

    #[test]
    fn rejected_intents_do_not_consume_the_window() {
        let mut s = Scenario::healthy();
        let mut g = two_per_minute();
        s.last_data = None;
        for _ in 0..5 {
            assert!(!g.evaluate(entry(), &s.ctx()).is_approved());
        }
        s.last_data = Some(s.now);
        assert!(g.evaluate(entry(), &s.ctx()).is_approved());
        assert!(g.evaluate(entry(), &s.ctx()).is_approved());
    }

    #[test]
    fn exits_are_rate_limited_and_consume_the_window() {
        let s = Scenario::holding(dec!(1));
        let mut g = two_per_minute();
        assert!(g.evaluate(exit(dec!(0.01)), &s.ctx()).is_approved());
        assert!(g.evaluate(exit(dec!(0.01)), &s.ctx()).is_approved());
        assert_eq!(codes(&g.evaluate(entry(), &s.ctx())), ["order_rate_limit"]);
    }
}
