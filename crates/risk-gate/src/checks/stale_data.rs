//! Check 3: stale market data. Deciding on a price older than
//! `max_market_data_age_secs` (or on no price at all) is refused for every
//! intent: the notional, the stop and the filters would all be computed on
//! a market that may have moved. Data exactly at the limit is still fresh;
//! data stamped after `now` (clock skew) counts as age zero.

use chrono::Duration;
use domain::{RejectReason, Timestamp};

/// Fails when no data was seen or the latest is older than `max_age`.
pub(crate) fn check(
    now: Timestamp,
    last: Option<Timestamp>,
    max_age: Duration,
    max_age_secs: i64,
) -> Option<RejectReason> {
    let age = last.map(|t| now.signed_duration_since(t).max(Duration::zero()));
    match age {
        Some(age) if age <= max_age => None,
        _ => Some(RejectReason::StaleMarketData {
            age_secs: age.map(|a| a.num_seconds()),
            max_age_secs,
        }),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use domain::RejectReason;
    use rust_decimal_macros::dec;

    use crate::testing::*;

    #[test]
    fn rejects_when_no_market_data_was_seen() {
        let mut s = Scenario::healthy();
        s.last_data = None;
        assert_eq!(
            only_reason(&s.evaluate(entry())),
            &RejectReason::StaleMarketData {
                age_secs: None,
                max_age_secs: 180
            }
        );
    }

    #[test]
    fn rejects_entries_and_exits_when_market_data_is_too_old() {
        let mut s = Scenario::holding(dec!(0.02));
        s.last_data = Some(s.now - Duration::seconds(181));
        for intent in [entry(), exit(dec!(0.02))] {
            assert_eq!(
                only_reason(&s.evaluate(intent)),
                &RejectReason::StaleMarketData {
                    age_secs: Some(181),
                    max_age_secs: 180
                }
            );
        }
    }

    #[test]
    fn data_exactly_at_the_maximum_age_is_fresh() {
        let mut s = Scenario::healthy();
        s.last_data = Some(s.now - Duration::seconds(180));
        assert!(s.evaluate(entry()).is_approved());
        s.last_data = Some(s.now + Duration::seconds(2));
        assert!(
            s.evaluate(entry()).is_approved(),
            "future-stamped data is age zero"
        );
    }
}
