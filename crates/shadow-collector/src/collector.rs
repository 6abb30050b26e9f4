//! The collector: asks every advisor about each evaluated entry signal, writes the
//! recommendations down next to what the pipeline decided, and resolves each record
//! once its horizon has passed.
//!
//! The engine drives it:
//! 1. [`ShadowCollector::observe`] with every candle (market context; also during warm-up);
//! 2. [`ShadowCollector::on_market`] with every event's price: rolls the advisors' day
//!    (weight shifts, clamp check) and resolves the records of that symbol whose horizon
//!    has passed, at that price; advisors learn from each resolution;
//! 3. [`ShadowCollector::advise`] before the pipeline decides on an entry signal, and
//!    [`ShadowCollector::record`] after, with the outcome.
//!
//! Nothing here can reach execution: the collector holds advisors and plain data,
//! and what it returns are audit events and [`Advice`] (recommendations as data).

use std::collections::{BTreeMap, VecDeque};

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use domain::ports::{Advisor, AdvisorContext, AdvisorOutcome, Recommendation};
use domain::{
    ActualOutcome, AuditEvent, Candle, Money, PortfolioSnapshot, PreservationLevel, Price, Ratio,
    Regime, ShadowDecision, Signal, Symbol, Timestamp,
};

use crate::context::{MarketContext, MarketContexts};
use crate::counterfactual::{CostAssumptions, resolve};

/// Feature name of the symbol's rolling hit rate of resolved signals.
pub const HIT_RATE_FEATURE: &str = crate::context::feature::HIT_RATE;
/// Feature name of the round-trip cost estimate, in bps.
pub const COST_FEATURE: &str = crate::context::feature::COST_BPS;

/// How the collector resolves records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowSettings {
    /// How long after a decision its forward return is measured (default 4 h).
    pub horizon: Duration,
    /// Costs charged on counterfactual P&L.
    pub costs: CostAssumptions,
    /// Resolved signals per symbol in the rolling hit rate (default 20).
    pub hit_window: usize,
    /// The configured clamp of one strategy's daily weight shift. A reported shift is
    /// re-measured from its weights and judged against this, not against the figures the
    /// advisor reports about itself.
    pub max_weight_shift: Ratio,
}

/// What the advisors said about one signal, with the context they saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    /// One recommendation per advisor, in advisor order.
    pub recommendations: Vec<Recommendation>,
    /// The features they saw.
    pub features: BTreeMap<String, Decimal>,
    /// The regime at decision time.
    pub regime: Regime,
}

/// What the engine state carries across a restart. Pending records are not in it: they
/// are in the store (`Store::pending_shadow_decisions`), written in the same transaction,
/// and read back with [`ShadowCollector::restore_pending`]. Market contexts are rebuilt by
/// the warm-up.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SavedState {
    /// Only in states saved before pending records were read from the store.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pending: Vec<ShadowDecision>,
    hits: BTreeMap<Symbol, VecDeque<bool>>,
    day: Option<NaiveDate>,
    advisors: BTreeMap<String, serde_json::Value>,
}

/// Advisors, market contexts and the records waiting for their horizon.
pub struct ShadowCollector {
    settings: ShadowSettings,
    advisors: Vec<Box<dyn Advisor>>,
    contexts: MarketContexts,
    pending: Vec<ShadowDecision>,
    hits: BTreeMap<Symbol, VecDeque<bool>>,
    day: Option<NaiveDate>,
    /// [`ShadowCollector::state_json`], recomputed when it changes (a record resolves or a
    /// day rolls); the engine saves it only in those batches.
    saved: serde_json::Value,
    /// `saved` changed since [`ShadowCollector::take_changed`] last said so.
    changed: bool,
}

impl std::fmt::Debug for ShadowCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShadowCollector")
            .field("advisors", &self.advisor_names())
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl ShadowCollector {
    /// A collector asking `advisors`, in this order.
    pub fn new(settings: ShadowSettings, advisors: Vec<Box<dyn Advisor>>) -> Self {
        let mut collector = Self {
            settings,
            advisors,
            contexts: MarketContexts::default(),
            pending: Vec::new(),
            hits: BTreeMap::new(),
            day: None,
            saved: serde_json::Value::Null,
            changed: false,
        };
        collector.save();
        collector
    }

    /// Recomputes the saved state.
    fn save(&mut self) {
        let state = SavedState {
            pending: Vec::new(),
            hits: self.hits.clone(),
            day: self.day,
            advisors: self
                .advisors
                .iter()
                .filter_map(|a| a.state_json().map(|s| (a.name().to_string(), s)))
                .collect(),
        };
        self.saved = serde_json::to_value(state).unwrap_or(serde_json::Value::Null);
        self.changed = true;
    }

    /// Whether the saved state changed since the last call (the engine saves it only in
    /// the batches that change it; `Store::latest_state_part` reads the latest back).
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Replaces the pending records with the store's (at start-up, after a restore).
    pub fn restore_pending(&mut self, pending: Vec<ShadowDecision>) {
        self.pending = pending;
    }

    /// The advisors' names, in order.
    pub fn advisor_names(&self) -> Vec<String> {
        self.advisors.iter().map(|a| a.name().to_string()).collect()
    }

    /// The settings.
    pub fn settings(&self) -> &ShadowSettings {
        &self.settings
    }

    /// Records waiting for their horizon.
    pub fn pending(&self) -> &[ShadowDecision] {
        &self.pending
    }

    /// Updates the market context of the candle's symbol.
    pub fn observe(&mut self, candle: &Candle) {
        self.contexts.update(candle);
    }

    /// Rolls the advisors' day when `now` is on a new UTC day, then resolves the
    /// records of `symbol` due at `now` at `price`. Returns the audit events
    /// (`strategy_weights_shifted`, `weight_clamp_violated`, `shadow_decision_resolved`).
    pub fn on_market(&mut self, symbol: &Symbol, price: Price, now: Timestamp) -> Vec<AuditEvent> {
        let mut events = Vec::new();
        let today = now.date_naive();
        let mut changed = false;
        match self.day {
            Some(day) if day < today => {
                self.day = Some(today);
                changed = true;
                for advisor in &mut self.advisors {
                    if let Some(mut shift) = advisor.roll_day(now) {
                        // Re-measured from the weights, judged against the configured clamp.
                        shift.clamp = self.settings.max_weight_shift;
                        shift.max_shift = shift.shifts().into_values().max().unwrap_or(Ratio::ZERO);
                        let violated = !shift.violations().is_empty();
                        events.push(AuditEvent::StrategyWeightsShifted {
                            shift: shift.clone(),
                        });
                        if violated {
                            events.push(AuditEvent::WeightClampViolated { shift });
                        }
                    }
                }
            }
            Some(_) => {}
            None => {
                self.day = Some(today);
                changed = true;
            }
        }
        if self
            .pending
            .iter()
            .any(|d| &d.symbol == symbol && d.horizon_end <= now)
        {
            let (due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
                .into_iter()
                .partition(|d| &d.symbol == symbol && d.horizon_end <= now);
            self.pending = keep;
            for decision in due {
                let resolution = resolve(&decision, price, now, &self.settings.costs);
                let net = resolution.forward_return - resolution.cost;
                let window = self.hits.entry(symbol.clone()).or_default();
                window.push_back(net.fraction() > Decimal::ZERO);
                while window.len() > self.settings.hit_window.max(1) {
                    window.pop_front();
                }
                for advisor in &mut self.advisors {
                    let Some(recommendation) = decision
                        .recommendations
                        .iter()
                        .find(|r| r.advisor == advisor.name())
                        .cloned()
                    else {
                        continue;
                    };
                    advisor.learn(&AdvisorOutcome {
                        decision: decision.clone(),
                        recommendation,
                        net_forward_return: net,
                        resolved_at: now,
                    });
                }
                events.push(AuditEvent::ShadowDecisionResolved { resolution });
                changed = true;
            }
        }
        if changed {
            self.save();
        }
        events
    }

    /// The features advisors see for `symbol`: the market context, the rolling hit
    /// rate of its resolved signals and the round-trip cost estimate.
    pub fn features(&self, symbol: &Symbol) -> BTreeMap<String, Decimal> {
        let mut features = self
            .contexts
            .get(symbol)
            .map(MarketContext::features)
            .unwrap_or_default();
        let hit_rate = match self.hits.get(symbol) {
            Some(w) if !w.is_empty() => {
                let wins = w.iter().filter(|h| **h).count();
                (Decimal::from(wins as u64) / Decimal::from(w.len() as u64)).round_dp(6)
            }
            _ => Decimal::new(5, 1),
        };
        features.insert(HIT_RATE_FEATURE.into(), hit_rate);
        features.insert(COST_FEATURE.into(), self.settings.costs.round_trip_bps());
        features
    }

    /// Asks every advisor about `signal`.
    pub fn advise(
        &mut self,
        signal: &Signal,
        portfolio: PortfolioSnapshot,
        level: PreservationLevel,
        now: Timestamp,
    ) -> Advice {
        let features = self.features(&signal.symbol);
        let regime = self
            .contexts
            .get(&signal.symbol)
            .map_or(Regime::Sideways, MarketContext::regime);
        let ctx = AdvisorContext {
            signal: signal.clone(),
            portfolio,
            level,
            features: features.clone(),
            now,
        };
        let recommendations = self
            .advisors
            .iter_mut()
            .map(|a| {
                let mut r = a.recommend(&ctx);
                // The record is keyed by the advisor's own name, whatever it wrote.
                r.advisor = a.name().to_string();
                r
            })
            .collect();
        Advice {
            recommendations,
            features,
            regime,
        }
    }

    /// Writes down the pipeline's `outcome` for `signal` next to `advice`; the record
    /// waits for its horizon. `notional` is the pipeline's size for this signal.
    pub fn record(
        &mut self,
        signal: &Signal,
        advice: Advice,
        notional: Money,
        outcome: ActualOutcome,
        reasons: Vec<String>,
        now: Timestamp,
    ) -> AuditEvent {
        let decision = ShadowDecision {
            id: format!(
                "{}:{}:{}",
                signal.symbol,
                signal.strategy,
                signal.ts.timestamp_micros()
            ),
            at: now,
            symbol: signal.symbol.clone(),
            strategy: signal.strategy.clone(),
            side: signal.side,
            confidence: signal.confidence,
            tier: signal.tier,
            entry_price: signal.price,
            notional,
            outcome,
            reasons,
            regime: advice.regime,
            features: advice.features,
            recommendations: advice.recommendations,
            horizon_end: now + self.settings.horizon,
        };
        self.pending.push(decision.clone());
        AuditEvent::ShadowDecisionRecorded { decision }
    }

    /// The state to persist: hit windows, the day and every advisor's state (pending
    /// records are in the store).
    pub fn state_json(&self) -> serde_json::Value {
        self.saved.clone()
    }

    /// Restores what [`ShadowCollector::state_json`] saved. Each advisor is restored on its
    /// own: one whose saved state it refuses (e.g. the configured strategies changed) starts
    /// fresh and the others keep theirs; the error names every advisor that did. A state that
    /// does not parse at all changes nothing.
    pub fn restore_json(&mut self, value: &serde_json::Value) -> Result<(), String> {
        let state: SavedState = serde_json::from_value(value.clone())
            .map_err(|e| format!("shadow state does not parse: {e}"))?;
        let mut refused = Vec::new();
        for advisor in &mut self.advisors {
            if let Some(saved) = state.advisors.get(advisor.name())
                && let Err(e) = advisor.restore_json(saved)
            {
                refused.push(format!("advisor {}: {e}", advisor.name()));
            }
        }
        if !state.pending.is_empty() {
            self.pending = state.pending;
        }
        self.hits = state.hits;
        self.day = state.day;
        self.save();
        if refused.is_empty() {
            Ok(())
        } else {
            Err(refused.join("; "))
        }
    }
}
