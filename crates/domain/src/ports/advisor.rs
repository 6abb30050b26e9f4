//! The `Advisor` port: shadow models that recommend but never act.
//!
//! An advisor receives a read-only context and returns a `Recommendation`.
//! Nothing in its signature can reach an `ExecutionVenue`, the trade gate or
//! the capital-preservation state: the type system keeps it advisory.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::market::Timestamp;
use crate::money::Ratio;
use crate::portfolio::PortfolioSnapshot;
use crate::reasons::PreservationLevel;
use crate::signal::{Signal, StrategyId};

/// What an advisor may look at: copies, never handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisorContext {
    /// The signal being evaluated.
    pub signal: Signal,
    /// Portfolio figures.
    pub portfolio: PortfolioSnapshot,
    /// Capital-preservation level.
    pub level: PreservationLevel,
    /// Named market features (trend, volatility regime, ...).
    pub features: BTreeMap<String, rust_decimal::Decimal>,
    /// Now.
    pub now: Timestamp,
}

/// Take or skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendedAction {
    /// The advisor would take the trade.
    Take,
    /// The advisor would skip it.
    Skip,
}

/// An advisor's opinion on one signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Advisor name.
    pub advisor: String,
    /// Take or skip.
    pub action: RecommendedAction,
    /// Suggested size relative to the pipeline's size (>= 0).
    pub size_multiplier: Ratio,
    /// Suggested strategy weights, for weighting advisors.
    pub strategy_weights: BTreeMap<StrategyId, Ratio>,
    /// Short explanation with figures.
    pub rationale: String,
}

/// A resolved counterfactual: what happened after a recommendation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisorOutcome {
    /// The decision record, with the features seen at decision time and every
    /// advisor's recommendation.
    pub decision: crate::shadow::ShadowDecision,
    /// This advisor's recommendation (a copy from `decision`).
    pub recommendation: Recommendation,
    /// Realised forward return of the signal's direction over the horizon, net of the
    /// round-trip cost (fees, slippage, spread).
    pub net_forward_return: Ratio,
    /// When the record was resolved.
    pub resolved_at: Timestamp,
}

/// Why an advisor's saved state could not be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisorStateError(pub String);

impl std::fmt::Display for AdvisorStateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AdvisorStateError {}

/// A shadow model. Advisory only: it has no way to reach execution.
///
/// Every method takes owned copies or shared references to plain data; none
/// receives the venue, the gate, the store or the engine. A `Recommendation` is
/// data the shadow collector writes down, never an input of the trade gate:
///
/// ```compile_fail
/// use domain::ports::{AdvisorContext, ExecutionVenue};
/// fn reach_venue(ctx: &AdvisorContext) -> &dyn ExecutionVenue {
///     &ctx.venue // no such field: an advisor's context holds no handle
/// }
/// ```
pub trait Advisor: Send {
    /// Stable name.
    fn name(&self) -> &str;
    /// Recommends on one signal.
    fn recommend(&mut self, ctx: &AdvisorContext) -> Recommendation;
    /// Learns from a resolved outcome.
    fn learn(&mut self, outcome: &AdvisorOutcome);
    /// Called once when the clock enters a new UTC day; a weighting advisor
    /// rebalances here and reports the shift (clamped) for the audit trail.
    fn roll_day(&mut self, _now: Timestamp) -> Option<crate::shadow::WeightShift> {
        None
    }
    /// State to persist across restarts (`None`: nothing to keep).
    fn state_json(&self) -> Option<serde_json::Value> {
        None
    }
    /// Restores what [`Advisor::state_json`] saved.
    fn restore_json(&mut self, _state: &serde_json::Value) -> Result<(), AdvisorStateError> {
        Ok(())
    }
}
