//! Check 8: maximum open positions. Only an entry that would open a position
//! in a symbol not already held counts against the limit; adding to (or
//! reducing) an existing position does not change the count.

use domain::RejectReason;

/// Fails when a new position would take the count above `max`.
pub(crate) fn check(already_held: bool, open: usize, max: usize) -> Option<RejectReason> {
    (!already_held && open >= max).then_some(RejectReason::MaxOpenPositions { open, max })
}

#[cfg(test)]
mod tests {
    use domain::RejectReason;
    use rust_decimal_macros::dec;

    use crate::testing::*;

    #[test]
    fn rejects_an_entry_that_would_open_one_position_too_many() {
        let mut s = Scenario::healthy();
        s.portfolio.open_positions = 3;
        assert_eq!(
            only_reason(&s.evaluate(entry())),
            &RejectReason::MaxOpenPositions { open: 3, max: 3 }
        );
    }

    #[test]
    fn allows_adding_to_a_position_already_held_at_the_limit() {
        let mut s = Scenario::holding(dec!(0.02));
        s.portfolio.open_positions = 3;
        assert!(s.evaluate(entry()).is_approved());
    }

    #[test]
    fn allows_the_last_free_slot() {
        let mut s = Scenario::healthy();
        s.portfolio.open_positions = 2;
        assert!(s.evaluate(entry()).is_approved());
    }
}
