//! The per-criterion status shown under `components`: a traffic light and a line
//! of detail, for the status page and the human `health-check` report.
//!
//! Components are informational; the verdicts come from the reasons. A component
//! can be `warning` while its criterion is met (shadow health WARNING, capital
//! preservation CAUTION): worth a look, not blocking.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::criterion::ReasonSeverity;

/// Traffic light of one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    /// Criterion met.
    Ok,
    /// Criterion met with a caveat, or a CONDITIONAL criterion not met.
    Warning,
    /// A NO_GO criterion not met.
    Critical,
    /// The input is missing; the criterion counts as not met.
    Unknown,
}

impl ComponentState {
    /// The state of a criterion that failed on its figures.
    pub fn of_failure(severity: ReasonSeverity) -> Self {
        match severity {
            ReasonSeverity::Conditional => ComponentState::Warning,
            ReasonSeverity::NoGo => ComponentState::Critical,
        }
    }

    /// Stable name (`ok`, `warning`, `critical`, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentState::Ok => "ok",
            ComponentState::Warning => "warning",
            ComponentState::Critical => "critical",
            ComponentState::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ComponentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Status of one component (one criterion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentStatus {
    /// Traffic light.
    pub status: ComponentState,
    /// What was seen, with figures.
    pub detail: String,
}
