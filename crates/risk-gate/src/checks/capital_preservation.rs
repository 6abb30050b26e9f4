//! Check 5: the capital-preservation veto. At LOCKDOWN and CRISIS no entry
//! passes; below that, an entry's tier must be one the level allows (e.g.
//! DEFENSIVE admits high tier only). Exits always pass: reducing exposure is
//! what a preserving account wants.

use domain::{RejectReason, Tier};

use crate::context::PreservationView;

/// Fails an entry the current level vetoes, or whose tier it does not allow.
pub(crate) fn check(tier: Tier, view: &PreservationView) -> Option<RejectReason> {
    if view.blocks_entries {
        Some(RejectReason::CapitalPreservationVeto { level: view.level })
    } else if !view.allowed_tiers.contains(tier) {
        Some(RejectReason::TierNotAllowed {
            level: view.level,
            tier,
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use domain::{PreservationLevel, RejectReason, Tier};
    use rust_decimal_macros::dec;

    use crate::testing::*;
    use crate::{PreservationView, TierSet};

    #[test]
    fn vetoes_entries_in_lockdown() {
        let mut s = Scenario::healthy();
        s.preservation = PreservationView::new(PreservationLevel::Lockdown, TierSet::NONE);
        assert_eq!(
            only_reason(&s.evaluate(entry())),
            &RejectReason::CapitalPreservationVeto {
                level: PreservationLevel::Lockdown
            }
        );
    }

    #[test]
    fn vetoes_entries_in_crisis() {
        let mut s = Scenario::healthy();
        s.preservation = PreservationView::new(PreservationLevel::Crisis, TierSet::ALL);
        assert_eq!(
            only_reason(&s.evaluate(entry())),
            &RejectReason::CapitalPreservationVeto {
                level: PreservationLevel::Crisis
            }
        );
    }

    #[test]
    fn lets_exits_through_in_lockdown_and_crisis() {
        for level in [PreservationLevel::Lockdown, PreservationLevel::Crisis] {
            let mut s = Scenario::holding(dec!(0.02));
            s.preservation = PreservationView::new(level, TierSet::NONE);
            assert!(s.evaluate(exit(dec!(0.02))).is_approved(), "{level}");
        }
    }

    #[test]
    fn rejects_a_tier_the_defensive_level_does_not_allow() {
        let mut s = Scenario::healthy();
        s.preservation =
            PreservationView::new(PreservationLevel::Defensive, TierSet::of(&[Tier::High]));
        assert_eq!(
            only_reason(&s.evaluate(entry())),
            &RejectReason::TierNotAllowed {
                level: PreservationLevel::Defensive,
                tier: Tier::Medium
            }
        );
        let high = domain::OrderIntent {
            tier: Tier::High,
            ..entry()
        };
        assert!(s.evaluate(high).is_approved());
    }

    #[test]
    fn an_exit_that_would_open_exposure_is_judged_as_an_entry() {
        // Labelled exit, but flat: selling would open a short.
        let mut s = Scenario::healthy();
        s.preservation = PreservationView::new(PreservationLevel::Lockdown, TierSet::NONE);
        let d = s.evaluate(exit(dec!(0.02)));
        assert!(
            codes(&d).contains(&"capital_preservation_veto"),
            "{:?}",
            codes(&d)
        );
        // Labelled exit, but larger than the position: it would flip to short.
        let mut s = Scenario::holding(dec!(0.01));
        s.preservation = PreservationView::new(PreservationLevel::Crisis, TierSet::NONE);
        assert!(codes(&s.evaluate(exit(dec!(0.02)))).contains(&"capital_preservation_veto"));
    }
}
