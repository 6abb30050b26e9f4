//! The kill switch: three sources, any one of which blocks every order the gate evaluates.
//!
//! - **File**: a file at a configured path (default `data/kill_switch`) exists.
//! - **Environment**: a variable (default `RAMPART_KILL_SWITCH`) is set.
//! - **Stored**: a persisted flag set by the CLI, Telegram or an automatic trigger
//!   (daily-loss breach, account-rule breach, repeated execution failures,
//!   audit-chain mismatch, live mode without GO).
//!
//! The gate stays pure: the runtime looks at the file and the variable on every
//! event and hands what it saw in as [`KillSwitchInputs`]. [`KillSwitch`] holds
//! only the stored flag; its state is serialisable so the store can persist it.
//!
//! Clearing is deliberately asymmetric. [`KillSwitch::deactivate`] needs a reason,
//! is audited, and clears **only the stored flag**: a file or environment source
//! is an operator's physical action and is cleared only by removing the file or
//! unsetting the variable. There is no bypass flag, by design.

use domain::{Actor, AuditEvent, KillSwitchSource, KillSwitchTrigger, Timestamp};
use serde::{Deserialize, Serialize};

use crate::error::KillSwitchError;

/// What the runtime observed of the outside kill-switch sources for this event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KillSwitchInputs {
    /// Path of the kill-switch file, when the file is present.
    pub file: Option<String>,
    /// Name of the kill-switch environment variable, when it is set.
    pub env: Option<String>,
}

impl KillSwitchInputs {
    /// Neither the file nor the environment variable is present.
    pub const NONE: KillSwitchInputs = KillSwitchInputs {
        file: None,
        env: None,
    };

    /// True when the file or the environment variable is present.
    pub fn any(&self) -> bool {
        self.file.is_some() || self.env.is_some()
    }
}

/// The persisted activation of the stored source: who, why and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredActivation {
    /// Who or what activated it.
    pub actor: Actor,
    /// Why.
    pub reason: String,
    /// When.
    pub since: Timestamp,
}

/// The kill switch's stored flag and the rules for changing it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KillSwitch {
    stored: Option<StoredActivation>,
}

fn non_blank(reason: String, action: &'static str) -> Result<String, KillSwitchError> {
    if reason.trim().is_empty() {
        Err(KillSwitchError::MissingReason { action })
    } else {
        Ok(reason)
    }
}

fn trigger_name(trigger: KillSwitchTrigger) -> &'static str {
    match trigger {
        KillSwitchTrigger::DailyLossBreach => "daily_loss_breach",
        KillSwitchTrigger::AccountRuleBreach => "account_rule_breach",
        KillSwitchTrigger::RepeatedExecutionFailures => "repeated_execution_failures",
        KillSwitchTrigger::AuditChainMismatch => "audit_chain_mismatch",
        KillSwitchTrigger::LiveNotReady => "live_not_ready",
    }
}

impl KillSwitch {
    /// A kill switch whose stored flag is clear.
    pub fn new() -> Self {
        Self::default()
    }

    /// Restores a persisted stored flag (e.g. at start-up).
    pub fn from_stored(stored: Option<StoredActivation>) -> Self {
        Self { stored }
    }

    /// The stored activation, if the stored flag is set.
    pub fn stored(&self) -> Option<&StoredActivation> {
        self.stored.as_ref()
    }

    /// Sets the stored flag; returns the audit event, or `None` when it was already set.
    ///
    /// An already-active switch keeps its original actor, reason and time, so a
    /// repeated `/kill` does not rewrite history or emit a duplicate event.
    pub fn activate(
        &mut self,
        actor: Actor,
        reason: impl Into<String>,
        now: Timestamp,
    ) -> Result<Option<AuditEvent>, KillSwitchError> {
        let reason = non_blank(reason.into(), "activate")?;
        if self.stored.is_some() {
            return Ok(None);
        }
        let event = AuditEvent::KillSwitchActivated {
            source: KillSwitchSource::Stored {
                actor: actor.clone(),
                reason: reason.clone(),
            },
            at: now,
            requested_at: None,
        };
        self.stored = Some(StoredActivation {
            actor,
            reason,
            since: now,
        });
        Ok(Some(event))
    }

    /// Sets the stored flag from an automatic trigger; never fails.
    ///
    /// A safety trigger must not be lost to a missing explanation, so a blank
    /// `detail` is replaced by the trigger's name.
    pub fn trigger(
        &mut self,
        trigger: KillSwitchTrigger,
        detail: impl Into<String>,
        now: Timestamp,
    ) -> Option<AuditEvent> {
        let detail = detail.into();
        let reason = if detail.trim().is_empty() {
            trigger_name(trigger).to_string()
        } else {
            detail
        };
        // The reason is non-blank by construction, so `activate` cannot fail here.
        self.activate(Actor::Automatic { trigger }, reason, now)
            .unwrap_or_default()
    }

    /// Clears the stored flag; needs a reason and fails when the flag is not set.
    ///
    /// A kill-switch file or environment variable stays in force: the operator
    /// must remove the file or unset the variable, which no command can do for them.
    pub fn deactivate(
        &mut self,
        actor: Actor,
        reason: impl Into<String>,
        now: Timestamp,
    ) -> Result<AuditEvent, KillSwitchError> {
        let reason = non_blank(reason.into(), "deactivate")?;
        if self.stored.take().is_none() {
            return Err(KillSwitchError::NotActive);
        }
        Ok(AuditEvent::KillSwitchDeactivated {
            actor,
            reason,
            at: now,
            requested_at: None,
        })
    }

    /// True when any source is active; allocation-free, for the per-event check.
    pub fn is_active(&self, inputs: &KillSwitchInputs) -> bool {
        self.stored.is_some() || inputs.any()
    }

    /// Every active source, in the order file, environment, stored.
    pub fn active_sources(&self, inputs: &KillSwitchInputs) -> Vec<KillSwitchSource> {
        let mut sources = Vec::new();
        if let Some(path) = &inputs.file {
            sources.push(KillSwitchSource::File { path: path.clone() });
        }
        if let Some(var) = &inputs.env {
            sources.push(KillSwitchSource::Environment { var: var.clone() });
        }
        if let Some(s) = &self.stored {
            sources.push(KillSwitchSource::Stored {
                actor: s.actor.clone(),
                reason: s.reason.clone(),
            });
        }
        sources
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn t0() -> Timestamp {
        Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap()
    }

    fn ana() -> Actor {
        Actor::Operator { name: "ana".into() }
    }

    fn file_inputs() -> KillSwitchInputs {
        KillSwitchInputs {
            file: Some("data/kill_switch".into()),
            env: None,
        }
    }

    #[test]
    fn activation_requires_a_reason() {
        let mut ks = KillSwitch::new();
        assert_eq!(
            ks.activate(ana(), "  ", t0()),
            Err(KillSwitchError::MissingReason { action: "activate" })
        );
        assert!(!ks.is_active(&KillSwitchInputs::NONE));
    }

    #[test]
    fn activation_sets_the_stored_source_and_emits_one_event() {
        let mut ks = KillSwitch::new();
        let event = ks.activate(ana(), "manual halt", t0()).unwrap();
        assert_eq!(
            event,
            Some(AuditEvent::KillSwitchActivated {
                source: KillSwitchSource::Stored {
                    actor: ana(),
                    reason: "manual halt".into()
                },
                at: t0(),
                requested_at: None,
            })
        );
        assert!(ks.is_active(&KillSwitchInputs::NONE));
        assert_eq!(ks.stored().map(|s| s.since), Some(t0()));
    }

    #[test]
    fn duplicate_activation_emits_no_event_and_keeps_the_original_reason() {
        let mut ks = KillSwitch::new();
        ks.activate(ana(), "first", t0()).unwrap();
        let again = ks
            .activate(
                Actor::Telegram { chat_id: 7 },
                "second",
                t0() + Duration::minutes(1),
            )
            .unwrap();
        assert_eq!(again, None);
        let stored = ks.stored().unwrap();
        assert_eq!(stored.reason, "first");
        assert_eq!(stored.actor, ana());
        assert_eq!(stored.since, t0());
    }

    #[test]
    fn deactivation_requires_a_reason_and_keeps_the_switch_on_without_one() {
        let mut ks = KillSwitch::new();
        ks.activate(ana(), "halt", t0()).unwrap();
        assert_eq!(
            ks.deactivate(ana(), "", t0()),
            Err(KillSwitchError::MissingReason {
                action: "deactivate"
            })
        );
        assert!(ks.is_active(&KillSwitchInputs::NONE));
    }

    #[test]
    fn deactivation_when_inactive_is_an_error() {
        let mut ks = KillSwitch::new();
        assert_eq!(
            ks.deactivate(ana(), "all clear", t0()),
            Err(KillSwitchError::NotActive)
        );
    }

    #[test]
    fn deactivation_clears_the_stored_flag_and_is_audited() {
        let mut ks = KillSwitch::new();
        ks.activate(ana(), "halt", t0()).unwrap();
        let event = ks.deactivate(ana(), "reviewed", t0() + Duration::hours(1));
        assert_eq!(
            event,
            Ok(AuditEvent::KillSwitchDeactivated {
                actor: ana(),
                reason: "reviewed".into(),
                at: t0() + Duration::hours(1),
                requested_at: None,
            })
        );
        assert!(!ks.is_active(&KillSwitchInputs::NONE));
        // A second activation after clearing is a new, audited event.
        assert!(ks.activate(ana(), "again", t0()).unwrap().is_some());
    }

    #[test]
    fn file_and_environment_sources_cannot_be_cleared_by_deactivate() {
        let mut ks = KillSwitch::new();
        let both = KillSwitchInputs {
            file: Some("data/kill_switch".into()),
            env: Some("RAMPART_KILL_SWITCH".into()),
        };
        // Only outside sources: there is nothing stored to clear.
        assert_eq!(
            ks.deactivate(ana(), "try", t0()),
            Err(KillSwitchError::NotActive)
        );
        assert!(ks.is_active(&both));
        // Stored plus file: deactivate clears the stored flag only.
        ks.activate(ana(), "halt", t0()).unwrap();
        ks.deactivate(ana(), "reviewed", t0()).unwrap();
        assert!(ks.is_active(&file_inputs()));
        assert_eq!(
            ks.active_sources(&file_inputs()),
            [KillSwitchSource::File {
                path: "data/kill_switch".into()
            }]
        );
    }

    #[test]
    fn active_sources_lists_file_environment_then_stored() {
        let mut ks = KillSwitch::new();
        ks.activate(ana(), "halt", t0()).unwrap();
        let inputs = KillSwitchInputs {
            file: Some("data/kill_switch".into()),
            env: Some("RAMPART_KILL_SWITCH".into()),
        };
        let codes: Vec<&str> = ks
            .active_sources(&inputs)
            .iter()
            .map(|s| match s {
                KillSwitchSource::File { .. } => "file",
                KillSwitchSource::Environment { .. } => "env",
                KillSwitchSource::Stored { .. } => "stored",
            })
            .collect();
        assert_eq!(codes, ["file", "env", "stored"]);
        assert!(
            KillSwitch::new()
                .active_sources(&KillSwitchInputs::NONE)
                .is_empty()
        );
    }

    #[test]
    fn automatic_trigger_records_the_trigger_as_actor() {
        let mut ks = KillSwitch::new();
        let event = ks.trigger(
            KillSwitchTrigger::DailyLossBreach,
            "daily loss 5.2% > 5%",
            t0(),
        );
        assert_eq!(
            event,
            Some(AuditEvent::KillSwitchActivated {
                source: KillSwitchSource::Stored {
                    actor: Actor::Automatic {
                        trigger: KillSwitchTrigger::DailyLossBreach
                    },
                    reason: "daily loss 5.2% > 5%".into(),
                },
                at: t0(),
                requested_at: None,
            })
        );
        // A second trigger while active is not a new event.
        assert_eq!(
            ks.trigger(KillSwitchTrigger::AuditChainMismatch, "x", t0()),
            None
        );
    }

    #[test]
    fn automatic_trigger_without_detail_still_activates() {
        let mut ks = KillSwitch::new();
        assert!(
            ks.trigger(KillSwitchTrigger::RepeatedExecutionFailures, "", t0())
                .is_some()
        );
        assert_eq!(
            ks.stored().map(|s| s.reason.as_str()),
            Some("repeated_execution_failures")
        );
    }

    #[test]
    fn stored_state_round_trips_through_serde() {
        let mut ks = KillSwitch::new();
        ks.trigger(KillSwitchTrigger::LiveNotReady, "readiness NO_GO", t0());
        let json = serde_json::to_string(&ks).unwrap();
        let back: KillSwitch = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ks);
        assert!(back.is_active(&KillSwitchInputs::NONE));
        assert_eq!(
            KillSwitch::from_stored(ks.stored().cloned()),
            ks,
            "restoring from the persisted activation gives the same switch"
        );
    }
}
