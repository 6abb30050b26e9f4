//! Turning a level transition into the audit-trail event (pipeline step 9).

use domain::{AuditEvent, LevelChange};

/// The audit event recording `change`.
pub fn to_audit_event(change: &LevelChange) -> AuditEvent {
    AuditEvent::LevelChanged {
        change: change.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::t0;
    use domain::{LevelChangeCause, Money, PreservationLevel, Ratio};

    #[test]
    fn wraps_the_change_in_a_level_changed_event() {
        let change = LevelChange {
            from: PreservationLevel::Normal,
            to: PreservationLevel::Lockdown,
            cause: LevelChangeCause::ConsecutiveLosses {
                count: 4,
                threshold: 4,
            },
            equity: Money::ZERO,
            drawdown: Ratio::ZERO,
            consecutive_losses: 4,
            at: t0(),
        };
        let event = to_audit_event(&change);
        assert_eq!(event.type_name(), "level_changed");
        assert_eq!(event, AuditEvent::LevelChanged { change });
    }
}
