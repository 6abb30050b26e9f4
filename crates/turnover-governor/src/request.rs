//! What the engine asks the governor, and what it answers.

use domain::{BlockReason, Confidence, Ratio, Signal, Symbol, Timestamp};
use serde::{Deserialize, Serialize};

/// One candidate entry, as the governor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnoverRequest {
    /// Instrument.
    pub symbol: Symbol,
    /// The signal's confidence.
    pub confidence: Confidence,
    /// Expected gross return as a fraction of notional (before costs).
    pub expected_edge: Ratio,
    /// The time of the decision.
    pub now: Timestamp,
}

impl TurnoverRequest {
    /// The request for `signal`, at the signal's time.
    pub fn from_signal(signal: &Signal) -> Self {
        Self {
            symbol: signal.symbol.clone(),
            confidence: signal.confidence,
            expected_edge: signal.expected_edge,
            now: signal.ts,
        }
    }
}

/// The governor's answer: allowed, or blocked with every failing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", content = "reasons", rename_all = "snake_case")]
pub enum TurnoverDecision {
    /// Every rule passed.
    Allowed,
    /// At least one rule failed; all failing rules, in rule order.
    Blocked(Vec<BlockReason>),
}

impl TurnoverDecision {
    /// True when every rule passed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, TurnoverDecision::Allowed)
    }

    /// The failing rules (empty when allowed).
    pub fn reasons(&self) -> &[BlockReason] {
        match self {
            TurnoverDecision::Allowed => &[],
            TurnoverDecision::Blocked(reasons) => reasons,
        }
    }
}
