//! Check 1: the kill switch. Any active source (file, environment, stored)
//! rejects every intent, entries and exits alike; the reason lists every source.

use domain::RejectReason;

use crate::context::RiskContext;

/// Fails when any kill-switch source is active.
pub(crate) fn check(ctx: &RiskContext<'_>) -> Option<RejectReason> {
    ctx.kill_switch
        .is_active(ctx.kill_switch_inputs)
        .then(|| RejectReason::KillSwitchActive {
            sources: ctx.kill_switch.active_sources(ctx.kill_switch_inputs),
        })
}

#[cfg(test)]
mod tests {
    use domain::{Actor, KillSwitchSource, KillSwitchTrigger};
    use rust_decimal_macros::dec;

    use crate::testing::*;

    fn assert_blocked_by(s: &Scenario, expected: &[KillSwitchSource]) {
        for intent in [entry(), exit(dec!(0.02))] {
            let d = s.evaluate(intent);
            assert!(!d.is_approved());
            assert_eq!(
                only_reason(&d),
                &domain::RejectReason::KillSwitchActive {
                    sources: expected.to_vec()
                }
            );
        }
    }

    #[test]
    fn rejects_entries_and_exits_when_the_kill_switch_file_is_present() {
        let mut s = Scenario::holding(dec!(0.02));
        s.inputs.file = Some("data/kill_switch".into());
        assert_blocked_by(
            &s,
            &[KillSwitchSource::File {
                path: "data/kill_switch".into(),
            }],
        );
    }

    #[test]
    fn rejects_entries_and_exits_when_the_kill_switch_variable_is_set() {
        let mut s = Scenario::holding(dec!(0.02));
        s.inputs.env = Some("RAMPART_KILL_SWITCH".into());
        assert_blocked_by(
            &s,
            &[KillSwitchSource::Environment {
                var: "RAMPART_KILL_SWITCH".into(),
            }],
        );
    }

    #[test]
    fn rejects_entries_and_exits_when_the_stored_flag_is_set() {
        let mut s = Scenario::holding(dec!(0.02));
        s.kill_switch.trigger(
            KillSwitchTrigger::AccountRuleBreach,
            "ftmo daily loss",
            t0(),
        );
        assert_blocked_by(
            &s,
            &[KillSwitchSource::Stored {
                actor: Actor::Automatic {
                    trigger: KillSwitchTrigger::AccountRuleBreach,
                },
                reason: "ftmo daily loss".into(),
            }],
        );
    }

    #[test]
    fn approves_again_once_the_stored_flag_is_cleared() {
        let mut s = Scenario::healthy();
        let ana = Actor::Operator { name: "ana".into() };
        s.kill_switch.activate(ana.clone(), "halt", t0()).unwrap();
        assert!(!s.evaluate(entry()).is_approved());
        s.kill_switch.deactivate(ana, "reviewed", t0()).unwrap();
        assert!(s.evaluate(entry()).is_approved());
    }
}
