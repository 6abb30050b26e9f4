//! [`MetricsSnapshot`]: the figures `/metrics` exports, read from the runtime at
//! scrape time.
//!
//! Counts are the runtime's cumulative totals since the process started (exported
//! with `Counter::absolute`). `f64` appears only as exported metric values, never
//! in money computation: the runtime converts its `Money` and `Ratio` figures
//! (`to_f64_lossy`) when it builds the snapshot.

use std::collections::BTreeMap;

use domain::{BlockReason, PreservationLevel, RejectReason, Tier};

/// One decision label pair of `rampart_decisions_total{outcome,reason}`.
///
/// Reason codes are `&'static str` (the stable codes of [`RejectReason::code`] and
/// [`BlockReason::code`]), so the label set stays bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    /// The gate and the governor let the order through (`reason="none"`).
    Approved,
    /// The trade gate refused the order intent.
    Rejected {
        /// The reject reason code (`max_daily_loss`).
        reason: &'static str,
    },
    /// The turnover governor blocked the decision.
    TurnoverBlocked {
        /// The block reason code (`min_interval`).
        reason: &'static str,
    },
}

impl Decision {
    /// A rejection labelled with `reason`'s stable code.
    pub fn rejected(reason: &RejectReason) -> Self {
        Decision::Rejected {
            reason: reason.code(),
        }
    }

    /// A turnover block labelled with `reason`'s stable code.
    pub fn turnover_blocked(reason: &BlockReason) -> Self {
        Decision::TurnoverBlocked {
            reason: reason.code(),
        }
    }

    /// The `outcome` label: `approved`, `rejected` or `turnover_blocked`.
    pub fn outcome(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Rejected { .. } => "rejected",
            Decision::TurnoverBlocked { .. } => "turnover_blocked",
        }
    }

    /// The `reason` label: the reason code, `none` for approvals.
    pub fn reason(self) -> &'static str {
        match self {
            Decision::Approved => "none",
            Decision::Rejected { reason } | Decision::TurnoverBlocked { reason } => reason,
        }
    }
}

/// A gauge an adapter adds to `/metrics` without this crate knowing it (FTMO
/// utilisation, Binance clock offset, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraGauge {
    /// Metric name, `rampart_<area>_<what>_<unit>`; MUST NOT be one of [`crate::names`].
    pub name: String,
    /// The `# HELP` text (the first one seen for a name is kept).
    pub help: String,
    /// Label pairs; keep the values bounded (symbols, levels — never ids).
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

/// The figures `/metrics` exports, as the runtime knows them at scrape time.
///
/// A non-finite value (NaN, infinity) leaves its gauge out of the scrape rather
/// than corrupting the exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSnapshot {
    /// `rampart_events_total`: market events processed.
    pub events_total: u64,
    /// `rampart_signals_total{tier}`: signals per tier; a missing tier exports 0.
    pub signals_total: BTreeMap<Tier, u64>,
    /// `rampart_decisions_total{outcome,reason}`: decisions per outcome and reason
    /// code; `approved` is always exported (0 when missing).
    pub decisions_total: BTreeMap<Decision, u64>,
    /// `rampart_equity`: account equity in the account currency.
    pub equity: f64,
    /// `rampart_drawdown_ratio`: drawdown from the equity peak, 0..1.
    pub drawdown_ratio: f64,
    /// `rampart_capital_preservation_level`: exported as 0 (NORMAL) ..= 4 (CRISIS).
    pub capital_preservation_level: PreservationLevel,
    /// `rampart_kill_switch_active`: 1 when any kill-switch source is active.
    pub kill_switch_active: bool,
    /// `rampart_turnover_block_rate`: 0..1; `None` (too few evaluations) leaves it out.
    pub turnover_block_rate: Option<f64>,
    /// `rampart_heartbeat_age_seconds`; `None` (no heartbeat written yet) leaves it out.
    pub heartbeat_age_seconds: Option<f64>,
    /// Adapter-specific gauges.
    pub extra_gauges: Vec<ExtraGauge>,
}

impl Default for MetricsSnapshot {
    /// A process that has seen nothing yet: zero counts, zero equity, NORMAL, kill switch off.
    fn default() -> Self {
        Self {
            events_total: 0,
            signals_total: BTreeMap::new(),
            decisions_total: BTreeMap::new(),
            equity: 0.0,
            drawdown_ratio: 0.0,
            capital_preservation_level: PreservationLevel::Normal,
            kill_switch_active: false,
            turnover_block_rate: None,
            heartbeat_age_seconds: None,
            extra_gauges: Vec::new(),
        }
    }
}

/// The exported value of a capital-preservation level: NORMAL 0 ..= CRISIS 4.
pub(crate) fn level_value(level: PreservationLevel) -> f64 {
    match level {
        PreservationLevel::Normal => 0.0,
        PreservationLevel::Caution => 1.0,
        PreservationLevel::Defensive => 2.0,
        PreservationLevel::Lockdown => 3.0,
        PreservationLevel::Crisis => 4.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_label_with_stable_codes_and_none_for_approvals() {
        let rejected = Decision::rejected(&RejectReason::KillSwitchActive { sources: vec![] });
        assert_eq!(
            (rejected.outcome(), rejected.reason()),
            ("rejected", "kill_switch_active")
        );
        let blocked = Decision::turnover_blocked(&BlockReason::DailyCap { count: 3, max: 3 });
        assert_eq!(
            (blocked.outcome(), blocked.reason()),
            ("turnover_blocked", "daily_cap")
        );
        assert_eq!(
            (Decision::Approved.outcome(), Decision::Approved.reason()),
            ("approved", "none")
        );
    }

    #[test]
    fn preservation_levels_export_in_order_from_zero() {
        let values: Vec<f64> = PreservationLevel::ALL
            .into_iter()
            .map(level_value)
            .collect();
        assert_eq!(format!("{values:?}"), "[0.0, 1.0, 2.0, 3.0, 4.0]");
    }
}
