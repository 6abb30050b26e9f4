//! Check 7: cool-down after a losing round trip. No entry until
//! `last_loss_at + cool_down_after_loss_minutes`; from that instant on, entries
//! pass again. Exits are never held back.

use chrono::{DateTime, Duration};
use domain::{RejectReason, Timestamp};

/// Fails while `now` is before the end of the cool-down that followed `last_loss_at`.
pub(crate) fn check(
    last_loss_at: Option<Timestamp>,
    now: Timestamp,
    cool_down: Duration,
) -> Option<RejectReason> {
    let last = last_loss_at?;
    // An end beyond the representable range means the cool-down never ends.
    let until = last
        .checked_add_signed(cool_down)
        .unwrap_or(DateTime::<chrono::Utc>::MAX_UTC);
    (now < until).then_some(RejectReason::CoolDownAfterLoss { until })
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use domain::RejectReason;
    use rust_decimal_macros::dec;

    use crate::testing::*;

    #[test]
    fn rejects_entries_during_the_cool_down_after_a_loss() {
        let mut s = Scenario::healthy();
        s.portfolio.last_loss_at = Some(s.now - Duration::minutes(59));
        assert_eq!(
            only_reason(&s.evaluate(entry())),
            &RejectReason::CoolDownAfterLoss {
                until: s.now + Duration::minutes(1)
            }
        );
    }

    #[test]
    fn cool_down_ends_exactly_at_the_configured_minute() {
        let mut s = Scenario::healthy();
        s.portfolio.last_loss_at = Some(s.now - Duration::minutes(60));
        assert!(s.evaluate(entry()).is_approved());
        s.portfolio.last_loss_at = Some(s.now - Duration::minutes(60) + Duration::seconds(1));
        assert!(!s.evaluate(entry()).is_approved());
    }

    #[test]
    fn exits_are_allowed_during_the_cool_down() {
        let mut s = Scenario::holding(dec!(0.02));
        s.portfolio.last_loss_at = Some(s.now);
        assert!(s.evaluate(exit(dec!(0.01))).is_approved());
    }
}
