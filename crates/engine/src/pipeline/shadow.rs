//! Step 4 of the pipeline: the shadow collector. Advisors see each entry signal
//! before the pipeline decides and the record is written after, with the outcome;
//! records are resolved when their horizon has passed. Advisors have no handle on
//! anything below: what they return is data in the audit trail.

use domain::ports::{ExecutionVenue, Store};
use domain::{
    ActualOutcome, AlertKind, AuditEvent, Clock, MarketEvent, Money, Severity, Signal, Timestamp,
};
use shadow_collector::{Advice, ShadowCollector};

use super::Engine;

/// What the real pipeline did with a signal, for its shadow record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Verdict {
    pub outcome: ActualOutcome,
    pub reasons: Vec<String>,
    /// The intent's notional, when an intent was sized.
    pub notional: Option<Money>,
}

impl Verdict {
    pub(super) fn no_intent() -> Self {
        Self {
            outcome: ActualOutcome::NoIntent,
            reasons: Vec::new(),
            notional: None,
        }
    }
}

impl<V: ExecutionVenue + ?Sized, S: Store + ?Sized, C: Clock + ?Sized> Engine<V, S, C> {
    /// Runs the shadow collector beside the pipeline (advisory only).
    pub fn with_shadow(mut self, collector: ShadowCollector) -> Self {
        self.shadow = Some(collector);
        self
    }

    /// The shadow collector, when one runs.
    pub fn shadow(&self) -> Option<&ShadowCollector> {
        self.shadow.as_ref()
    }

    /// Restores the collector's part of a stored state. Never fails: an advisor is
    /// advisory, so a saved state it refuses (e.g. the configured strategies changed) must
    /// not keep the guardrails from starting. That advisor starts fresh, and a WARNING
    /// alert with the reason is raised with the next event.
    pub(super) fn restore_shadow(&mut self, state: Option<&serde_json::Value>) {
        match (&mut self.shadow, state) {
            (Some(collector), Some(state)) => {
                if let Err(e) = collector.restore_json(state) {
                    self.shadow_notice = Some(format!(
                        "shadow collector state not fully restored, starting fresh where refused: {e}"
                    ));
                }
            }
            // Without a collector (an operator command's engine, or the collector turned
            // off) a stored shadow part is kept as it is and saved again with the next
            // snapshot, so advisor states are never dropped.
            (None, state) => self.shadow_kept = state.cloned(),
            (Some(_), None) => {}
        }
    }

    /// Restores the collector's saved state (the `shadow` part of the engine state, read
    /// with `Store::latest_state_part("shadow")` at start-up: it is saved only in the
    /// batches that change it, so the latest state may not carry it).
    /// Never fails (see [`Engine::restore`]): a refused advisor state is alerted and that
    /// advisor starts fresh.
    pub fn restore_shadow_state(&mut self, state: &serde_json::Value) {
        self.restore_shadow(Some(state));
    }

    /// Replaces the collector's pending records with the store's (at start-up, after
    /// [`Engine::restore`]: the store holds them, written with their batches).
    pub fn restore_shadow_pending(&mut self, pending: Vec<domain::ShadowDecision>) {
        if let Some(collector) = &mut self.shadow {
            collector.restore_pending(pending);
        }
    }

    /// The shadow part of the engine state.
    pub(super) fn shadow_state(&self) -> Option<serde_json::Value> {
        match &self.shadow {
            Some(collector) => Some(collector.state_json()),
            None => self.shadow_kept.clone(),
        }
    }

    /// Market context, the advisors' day and due resolutions for this event.
    pub(super) fn shadow_market(&mut self, event: &MarketEvent, now: Timestamp) {
        if let Some(message) = self.shadow_notice.take() {
            self.raise(Severity::Warning, AlertKind::System, None, message, now);
        }
        let Some(collector) = &mut self.shadow else {
            return;
        };
        if let MarketEvent::Candle(candle) = event {
            collector.observe(candle);
        }
        let events = collector.on_market(event.symbol(), event.last_price(), now);
        for e in events {
            if let AuditEvent::WeightClampViolated { shift } = &e {
                let worst = shift
                    .violations()
                    .into_iter()
                    .map(|(s, r)| format!("{s} {}", r.fraction()))
                    .collect::<Vec<_>>()
                    .join(", ");
                let message = format!(
                    "advisor {} shifted strategy weights beyond the {} clamp: {worst}",
                    shift.advisor,
                    shift.clamp.fraction()
                );
                self.events.push(e);
                self.raise(
                    Severity::Critical,
                    AlertKind::InvariantViolation,
                    None,
                    message,
                    now,
                );
            } else {
                self.events.push(e);
            }
        }
    }

    /// The advisors' view of an entry signal (none for exits or without a collector).
    pub(super) fn shadow_advice(&mut self, signal: &Signal, now: Timestamp) -> Option<Advice> {
        if signal.is_exit {
            return None;
        }
        let portfolio = self.portfolio.snapshot();
        let level = self.preservation.level();
        let collector = self.shadow.as_mut()?;
        Some(collector.advise(signal, portfolio, level, now))
    }

    /// Writes the shadow record of `signal` once the pipeline has decided.
    pub(super) fn shadow_record(
        &mut self,
        signal: &Signal,
        advice: Advice,
        verdict: Verdict,
        now: Timestamp,
    ) {
        let notional = match verdict.notional {
            Some(n) => n,
            None => self.pipeline_notional(signal),
        };
        if let Some(collector) = &mut self.shadow {
            let event = collector.record(
                signal,
                advice,
                notional,
                verdict.outcome,
                verdict.reasons,
                now,
            );
            self.events.push(event);
        }
    }
}
