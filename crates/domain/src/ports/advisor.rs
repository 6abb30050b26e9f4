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
    /// The context the recommendation was made in.
    pub context: AdvisorContext,
    /// The recommendation.
    pub recommendation: Recommendation,
    /// Realised forward return of the signal's direction over the horizon, net of costs.
    pub net_forward_return: Ratio,
}

/// A shadow model. Advisory only: it has no way to reach execution.
pub trait Advisor: Send {
    /// Stable name.
    fn name(&self) -> &str;
    /// Recommends on one signal.
    fn recommend(&mut self, ctx: &AdvisorContext) -> Recommendation;
    /// Learns from a resolved outcome.
    fn learn(&mut self, outcome: &AdvisorOutcome);
}
