//! Check 6: minimum confidence of the originating signal, for entries only
//! (an exit's confidence says nothing about whether reducing risk is wise).

use domain::{Confidence, RejectReason};

/// Fails when `confidence` is below `min`.
pub(crate) fn check(confidence: Confidence, min: Confidence) -> Option<RejectReason> {
    (confidence < min).then_some(RejectReason::ConfidenceTooLow { confidence, min })
}

#[cfg(test)]
mod tests {
    use domain::{Confidence, OrderIntent, RejectReason};
    use rust_decimal_macros::dec;

    use crate::testing::*;

    fn with_confidence(c: rust_decimal::Decimal) -> OrderIntent {
        OrderIntent {
            confidence: Confidence::new(c).unwrap(),
            ..entry()
        }
    }

    #[test]
    fn rejects_an_entry_below_the_minimum_confidence() {
        assert_eq!(
            only_reason(&Scenario::healthy().evaluate(with_confidence(dec!(0.59)))),
            &RejectReason::ConfidenceTooLow {
                confidence: Confidence::new(dec!(0.59)).unwrap(),
                min: Confidence::new(dec!(0.60)).unwrap(),
            }
        );
    }

    #[test]
    fn approves_an_entry_exactly_at_the_minimum() {
        assert!(
            Scenario::healthy()
                .evaluate(with_confidence(dec!(0.60)))
                .is_approved()
        );
    }

    #[test]
    fn exits_are_not_held_to_the_minimum_confidence() {
        // The exit fixture carries confidence zero.
        assert!(
            Scenario::holding(dec!(0.02))
                .evaluate(exit(dec!(0.02)))
                .is_approved()
        );
    }
}
