//! Audit events and alerts: the evidence trail of everything the pipeline did.
//!
//! Each variant serialises with a stable snake_case `type`; the audit trail
//! hashes this serialisation, so names and field order are part of the contract.

use serde::{Deserialize, Serialize};

use crate::filters::FilterFailure;
use crate::market::Timestamp;
use crate::money::Money;
use crate::order::{Adjustment, ClientOrderId, Fill, Order, OrderIntent};
use crate::reasons::{Actor, BlockReason, KillSwitchSource, LevelChange, RejectReason};
use crate::signal::Signal;
use crate::symbol::Symbol;

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// For the record.
    Info,
    /// Degraded; look soon.
    Warning,
    /// An operator must act now.
    Critical,
}

/// What an alert is about (bounded set, usable as a metric label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A high-tier signal was generated.
    HighTierSignal,
    /// Many risk rejections in a short time.
    RejectionBurst,
    /// Capital-preservation level changed.
    LevelChanged,
    /// Kill switch activated or deactivated.
    KillSwitch,
    /// An order failed or its outcome is unknown.
    Execution,
    /// An exchange filter changed.
    FilterChanged,
    /// A guardrail invariant was violated (e.g. weight clamp).
    InvariantViolation,
    /// An account rule (e.g. FTMO) is close to or at a limit.
    AccountRule,
    /// Market data is stale or a feed reconnected.
    MarketData,
    /// Anything about the runtime itself (start, stop, storage).
    System,
}

impl AlertKind {
    /// The stable snake_case name (as serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::HighTierSignal => "high_tier_signal",
            AlertKind::RejectionBurst => "rejection_burst",
            AlertKind::LevelChanged => "level_changed",
            AlertKind::KillSwitch => "kill_switch",
            AlertKind::Execution => "execution",
            AlertKind::FilterChanged => "filter_changed",
            AlertKind::InvariantViolation => "invariant_violation",
            AlertKind::AccountRule => "account_rule",
            AlertKind::MarketData => "market_data",
            AlertKind::System => "system",
        }
    }
}

/// An alert for operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Urgency.
    pub severity: Severity,
    /// Category.
    pub kind: AlertKind,
    /// Human-readable text with the figures.
    pub message: String,
    /// Symbol concerned, if any.
    pub symbol: Option<Symbol>,
    /// When it was raised.
    pub at: Timestamp,
}

/// Why an order did not reach a confirmed state at the venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum OrderFailure {
    /// The venue refused it as a filter failure.
    FilterFailure {
        /// Which filter, when known.
        failure: Option<FilterFailure>,
        /// The venue's message.
        venue_message: String,
    },
    /// Not enough balance.
    InsufficientBalance {
        /// The venue's message.
        venue_message: String,
    },
    /// Rate limited; retry after the given number of seconds.
    RateLimited {
        /// Seconds to wait, when the venue said.
        retry_after_secs: Option<u64>,
    },
    /// Authentication or signature problem.
    Auth {
        /// The venue's message.
        venue_message: String,
    },
    /// Any other explicit refusal.
    Rejected {
        /// The venue's code.
        venue_code: Option<i64>,
        /// The venue's message.
        venue_message: String,
    },
    /// Timeout, disconnect or 5xx: the order may or may not exist.
    Unknown {
        /// What happened.
        detail: String,
    },
}

/// Outcome of a scheduled job run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum JobOutcome {
    /// Ran to completion.
    Succeeded,
    /// Failed with an error.
    Failed {
        /// The error text.
        error: String,
    },
    /// Runs missed while the process was busy or down, coalesced into this one.
    Coalesced {
        /// How many scheduled runs were folded into this one.
        missed: u32,
    },
}

/// Everything the pipeline records in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AuditEvent {
    /// A strategy emitted a signal.
    SignalGenerated {
        /// The signal.
        signal: Signal,
    },
    /// The trade gate approved an intent (after adjustments).
    TradeApproved {
        /// The approved intent.
        intent: OrderIntent,
        /// What the gate changed.
        adjustments: Vec<Adjustment>,
    },
    /// The trade gate rejected an intent, with every failing reason.
    TradeRejected {
        /// The rejected intent.
        intent: OrderIntent,
        /// All failing checks, in check order.
        reasons: Vec<RejectReason>,
    },
    /// The turnover governor blocked a decision.
    TurnoverBlocked {
        /// Symbol.
        symbol: Symbol,
        /// The signal that was blocked.
        signal: Signal,
        /// All failing rules.
        reasons: Vec<BlockReason>,
    },
    /// An order was sent to the venue.
    OrderSubmitted {
        /// The order as sent.
        order: Order,
    },
    /// An order (partly) filled.
    OrderFilled {
        /// The fill.
        fill: Fill,
    },
    /// An order failed or its outcome is unknown.
    OrderFailed {
        /// Our id.
        client_order_id: ClientOrderId,
        /// Symbol.
        symbol: Symbol,
        /// Why.
        failure: OrderFailure,
    },
    /// Capital-preservation level changed.
    LevelChanged {
        /// The transition with its figures.
        change: LevelChange,
    },
    /// The kill switch became active.
    KillSwitchActivated {
        /// Which source.
        source: KillSwitchSource,
        /// When, on the engine clock.
        at: Timestamp,
        /// When the operator asked, on the wall clock, for an operator request (`at` is the
        /// engine time it was applied at: data time in a replay); absent for automatic
        /// triggers and for events stored before it was recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requested_at: Option<Timestamp>,
    },
    /// The kill switch was cleared (stored source only; needs a reason).
    KillSwitchDeactivated {
        /// Who.
        actor: Actor,
        /// Why.
        reason: String,
        /// When, on the engine clock.
        at: Timestamp,
        /// When the operator asked, on the wall clock, for an operator request (`at` is the
        /// engine time it was applied at: data time in a replay); absent for automatic
        /// triggers and for events stored before it was recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requested_at: Option<Timestamp>,
    },
    /// An alert was raised.
    AlertRaised {
        /// The alert.
        alert: Alert,
    },
    /// An operator booked a simulated realised loss (guardrail drill).
    LossSimulated {
        /// Symbol it was booked against.
        symbol: Symbol,
        /// The loss (> 0).
        amount: Money,
        /// Who asked.
        actor: Actor,
        /// When, on the engine clock.
        at: Timestamp,
        /// When the operator asked, on the wall clock, for an operator request (`at` is the
        /// engine time it was applied at: data time in a replay); absent for automatic
        /// triggers and for events stored before it was recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requested_at: Option<Timestamp>,
    },
    /// Equity went below one of the account's floors (e.g. FTMO daily loss).
    AccountRuleBreached {
        /// The rule set (e.g. `ftmo-2step-challenge`).
        rules: String,
        /// Which floor, which line, the figures.
        breach: crate::account::AccountBreach,
    },
    /// The account's limits and progress (every 5 minutes and after every fill).
    RiskBookSnapshot {
        /// The snapshot.
        book: crate::account::RiskBook,
    },
    /// The shadow collector recorded an evaluated signal with every advisor's view.
    ShadowDecisionRecorded {
        /// The record.
        decision: crate::shadow::ShadowDecision,
    },
    /// A shadow record reached its horizon and was resolved with counterfactual P&L.
    ShadowDecisionResolved {
        /// The resolution.
        resolution: crate::shadow::ShadowResolution,
    },
    /// The `strategy_weights` advisor rebalanced (at most once a day).
    StrategyWeightsShifted {
        /// Weights before and after, with the largest shift and the clamp.
        shift: crate::shadow::WeightShift,
    },
    /// A weight shift exceeded the clamp: impossible by construction, CRITICAL if seen.
    WeightClampViolated {
        /// The offending shift.
        shift: crate::shadow::WeightShift,
    },
    /// A human signed off the promotion evidence.
    PromotionSignedOff {
        /// Who, what, when.
        signoff: crate::shadow::Signoff,
    },
    /// A weekly evidence report was stored.
    WeeklyReportStored {
        /// The report.
        report: crate::shadow::WeeklyReport,
    },
    /// A runtime session started (crash loops show as starts without an end).
    SessionStarted {
        /// The session's run id.
        run_id: String,
        /// `dry-run`, `paper` or `live`.
        mode: String,
        /// Market-data source (`replay`, `binance`, ...).
        feed: String,
        /// Wall-clock start.
        at: Timestamp,
    },
    /// A runtime session ended cleanly (feed exhausted, iterations done or a signal).
    SessionEnded {
        /// The session's run id.
        run_id: String,
        /// Market events processed.
        events: u64,
        /// Stopped by a signal.
        interrupted: bool,
        /// Wall-clock end.
        at: Timestamp,
    },
    /// A scheduled job ran.
    JobRan {
        /// Job name (e.g. `daily_health_report`).
        job: String,
        /// Scheduled time.
        scheduled_for: Timestamp,
        /// Start.
        started_at: Timestamp,
        /// End.
        finished_at: Timestamp,
        /// Outcome.
        outcome: JobOutcome,
    },
}

/// Initial buffer of [`AuditEvent::canonical_json`].
const CANONICAL_JSON_CAPACITY: usize = 1024;

impl AuditEvent {
    /// The event with the wall time an operator asked for it, when it is an operator's
    /// kill-switch change or loss drill (other events are returned unchanged).
    pub fn with_requested_at(mut self, when: Timestamp) -> Self {
        match &mut self {
            AuditEvent::KillSwitchActivated { requested_at, .. }
            | AuditEvent::KillSwitchDeactivated { requested_at, .. }
            | AuditEvent::LossSimulated { requested_at, .. } => *requested_at = Some(when),
            _ => {}
        }
        self
    }

    /// The stable type name (`signal_generated`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            AuditEvent::SignalGenerated { .. } => "signal_generated",
            AuditEvent::TradeApproved { .. } => "trade_approved",
            AuditEvent::TradeRejected { .. } => "trade_rejected",
            AuditEvent::TurnoverBlocked { .. } => "turnover_blocked",
            AuditEvent::OrderSubmitted { .. } => "order_submitted",
            AuditEvent::OrderFilled { .. } => "order_filled",
            AuditEvent::OrderFailed { .. } => "order_failed",
            AuditEvent::LevelChanged { .. } => "level_changed",
            AuditEvent::KillSwitchActivated { .. } => "kill_switch_activated",
            AuditEvent::KillSwitchDeactivated { .. } => "kill_switch_deactivated",
            AuditEvent::AlertRaised { .. } => "alert_raised",
            AuditEvent::LossSimulated { .. } => "loss_simulated",
            AuditEvent::AccountRuleBreached { .. } => "account_rule_breached",
            AuditEvent::RiskBookSnapshot { .. } => "risk_book_snapshot",
            AuditEvent::ShadowDecisionRecorded { .. } => "shadow_decision_recorded",
            AuditEvent::ShadowDecisionResolved { .. } => "shadow_decision_resolved",
            AuditEvent::StrategyWeightsShifted { .. } => "strategy_weights_shifted",
            AuditEvent::WeightClampViolated { .. } => "weight_clamp_violated",
            AuditEvent::PromotionSignedOff { .. } => "promotion_signed_off",
            AuditEvent::WeeklyReportStored { .. } => "weekly_report_stored",
            AuditEvent::SessionStarted { .. } => "session_started",
            AuditEvent::SessionEnded { .. } => "session_ended",
            AuditEvent::JobRan { .. } => "job_ran",
        }
    }

    /// Canonical bytes for hashing: compact JSON with fields in declaration order.
    pub fn canonical_json(&self) -> Result<String, serde_json::Error> {
        // Most events (a signal with its features) take 0.5-1 KB: one allocation, no regrowth.
        let mut json = Vec::with_capacity(CANONICAL_JSON_CAPACITY);
        serde_json::to_writer(&mut json, self)?;
        // serde_json writes UTF-8 only.
        Ok(String::from_utf8(json).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reasons::KillSwitchTrigger;
    use chrono::{TimeZone, Utc};

    #[test]
    fn alert_kind_names_are_their_serialised_names() {
        let kinds = [
            AlertKind::HighTierSignal,
            AlertKind::RejectionBurst,
            AlertKind::LevelChanged,
            AlertKind::KillSwitch,
            AlertKind::Execution,
            AlertKind::FilterChanged,
            AlertKind::InvariantViolation,
            AlertKind::AccountRule,
            AlertKind::MarketData,
            AlertKind::System,
        ];
        for kind in kinds {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }

    #[test]
    fn events_serialise_with_stable_type_names_and_round_trip() {
        let at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let events = vec![
            AuditEvent::KillSwitchActivated {
                source: KillSwitchSource::Stored {
                    actor: Actor::Automatic {
                        trigger: KillSwitchTrigger::DailyLossBreach,
                    },
                    reason: "daily loss 5.2% > 5%".into(),
                },
                at,
                requested_at: None,
            },
            AuditEvent::KillSwitchDeactivated {
                actor: Actor::Operator { name: "ana".into() },
                reason: "reviewed".into(),
                at,
                requested_at: Some(Utc.with_ymd_and_hms(2026, 12, 7, 13, 0, 0).unwrap()),
            },
            AuditEvent::JobRan {
                job: "heartbeat".into(),
                scheduled_for: at,
                started_at: at,
                finished_at: at,
                outcome: JobOutcome::Coalesced { missed: 2 },
            },
            AuditEvent::AlertRaised {
                alert: Alert {
                    severity: Severity::Critical,
                    kind: AlertKind::InvariantViolation,
                    message: "clamp".into(),
                    symbol: None,
                    at,
                },
            },
        ];
        for e in events {
            let v = serde_json::to_value(&e).unwrap();
            assert_eq!(v["type"], e.type_name());
            let back: AuditEvent = serde_json::from_value(v).unwrap();
            assert_eq!(back, e);
            // Canonical form is stable: serialising twice gives identical bytes.
            assert_eq!(e.canonical_json().unwrap(), back.canonical_json().unwrap());
        }
    }

    #[test]
    fn operator_events_stored_before_requested_at_read_without_it_and_write_as_before() {
        // A kill-switch event as stored before operator requests carried their wall time.
        let old = serde_json::json!({
            "type": "kill_switch_deactivated",
            "actor": {"kind": "operator", "name": "ana"},
            "reason": "reviewed",
            "at": "2024-01-05T10:00:00Z",
        });
        let e: AuditEvent = serde_json::from_value(old.clone()).unwrap();
        let AuditEvent::KillSwitchDeactivated { requested_at, .. } = &e else {
            panic!("{e:?}");
        };
        assert_eq!(*requested_at, None);
        // Without a request time it serialises exactly as before (same canonical bytes).
        assert_eq!(serde_json::to_value(&e).unwrap(), old);
    }
}
