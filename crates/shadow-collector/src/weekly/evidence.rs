//! The weekly evidence report's shape: what is stored, printed and read back by
//! the gates. Field names are part of the stored JSON; do not rename them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::shadow::{ActualOutcome, Regime};
use domain::{Money, Ratio};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{BtcDiagnosis, ReportWeek};

/// The weekly evidence report (serialised as stored and printed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyEvidence {
    /// The week's Sunday.
    pub week_ending: NaiveDate,
    /// ISO week number (1-53).
    pub week_number: u32,
    /// ISO week-based year.
    pub year: i32,
    /// What was recorded.
    pub data_collection: DataCollection,
    /// Actual vs each advisor.
    pub counterfactual_evaluation: CounterfactualEvaluation,
    /// The primary advisor's edge per symbol.
    pub symbol_edge_analysis: BTreeMap<String, EdgeFigures>,
    /// The primary advisor's edge per regime (all four regimes).
    pub regime_edge_analysis: BTreeMap<Regime, EdgeFigures>,
    /// Where the costs went.
    pub cost_decomposition: CostDecomposition,
    /// Net P&L of "take everything above a confidence threshold".
    pub confidence_sweep: ConfidenceSweep,
    /// Incremental Sharpe against the prior week.
    pub drift_check: DriftCheck,
    /// Why the BTC edge was lost, if it was (a heuristic).
    pub btc_diagnosis: BtcDiagnosis,
    /// The verdicts in one place.
    pub summary: Summary,
}

impl WeeklyEvidence {
    /// The report's ISO week; `None` for a stored report naming a week that does not exist.
    pub fn report_week(&self) -> Option<ReportWeek> {
        ReportWeek::new(self.year, self.week_number)
    }

    /// The primary advisor's figures (always present in a computed report).
    pub fn primary(&self) -> Option<&AdvisorFigures> {
        let eval = &self.counterfactual_evaluation;
        eval.advisors.get(&eval.primary_advisor)
    }
}

/// Decision counts of the week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataCollection {
    /// Decisions in the week, pending included.
    pub total_decisions: u64,
    /// Of which resolved.
    pub resolved: u64,
    /// Of which still pending.
    pub pending: u64,
    /// Records passed in whose decision time is outside the week (ignored).
    pub outside_week: u64,
    /// Decisions per symbol.
    pub by_symbol: BTreeMap<String, u64>,
    /// Decisions per regime (all four regimes).
    pub by_regime: BTreeMap<Regime, u64>,
    /// Decisions per actual outcome (all four outcomes).
    pub by_outcome: BTreeMap<ActualOutcome, u64>,
}

/// The actual pipeline next to every advisor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterfactualEvaluation {
    /// The advisor whose edge is judged.
    pub primary_advisor: String,
    /// The capital returns are normalised by.
    pub capital: Money,
    /// What the pipeline's decisions earned.
    pub actual: ActualFigures,
    /// Each advisor seen in the week's resolutions (and the primary one, always).
    pub advisors: BTreeMap<String, AdvisorFigures>,
    /// The primary advisor's `delta_pnl`.
    pub delta_pnl: Money,
    /// `delta_pnl > 0`.
    pub edge_positive: bool,
    /// Resolved records without an entry for the primary advisor (left out of its figures).
    pub records_without_primary: u64,
    /// The primary advisor's daily series (7 days, Monday first): the gates pool these.
    pub daily: Vec<DailyPnl>,
}

/// The actual pipeline's figures over the resolved records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActualFigures {
    /// Records the pipeline took.
    pub decisions_taken: u64,
    /// Of which won (`net > 0`).
    pub wins: u64,
    /// Net P&L.
    pub net_pnl: Money,
    /// Gross P&L.
    pub gross_pnl: Money,
    /// `wins / decisions_taken`.
    pub hit_rate: Option<Ratio>,
}

/// One advisor's counterfactual figures over the resolved records it has an entry for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvisorFigures {
    /// Resolved records with an entry for this advisor.
    pub decisions: u64,
    /// Records it would have taken.
    pub takes: u64,
    /// Of which won (`net > 0`).
    pub wins: u64,
    /// Net P&L of its takes.
    pub net_pnl: Money,
    /// Gross P&L of its takes.
    pub gross_pnl: Money,
    /// `wins / takes`.
    pub hit_rate: Option<Ratio>,
    /// `sum(advisor.net - actual.net)`.
    pub delta_pnl: Money,
    /// Incremental Sharpe of the daily `delta_pnl / capital` series.
    pub sharpe: Option<f64>,
    /// Max drawdown of `capital + cumulative net`, as a fraction.
    pub max_drawdown: Option<Ratio>,
}

/// One UTC day of the primary advisor against the actual pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyPnl {
    /// The UTC day (of the decisions).
    pub date: NaiveDate,
    /// Resolved decisions that day.
    pub decisions: u64,
    /// The pipeline's net P&L (all resolved records of the day).
    pub actual_net: Money,
    /// The primary advisor's net P&L.
    pub advisor_net: Money,
    /// The primary advisor's `delta_pnl`.
    pub delta_pnl: Money,
    /// `delta_pnl / capital` (`null` when capital <= 0).
    pub delta_return: Option<Ratio>,
    /// `advisor_net / capital` (`null` when capital <= 0).
    pub advisor_return: Option<Ratio>,
}

/// The primary advisor's edge on a subset (a symbol, a regime).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeFigures {
    /// Resolved records in the subset.
    pub decisions: u64,
    /// Of which the advisor would have taken.
    pub takes: u64,
    /// Of which won.
    pub wins: u64,
    /// The advisor's `delta_pnl` on the subset.
    pub delta_pnl: Money,
    /// `wins / takes`.
    pub hit_rate: Option<Ratio>,
    /// Incremental Sharpe of the subset's daily series.
    pub sharpe: Option<f64>,
    /// `delta_pnl > 0`.
    pub edge_positive: bool,
}

/// Costs of the primary advisor's trades and of the pipeline's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostDecomposition {
    /// The primary advisor's taken records.
    pub advisor: CostFigures,
    /// The pipeline's taken records.
    pub actual: CostFigures,
}

/// Cost totals of a set of trades.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostFigures {
    /// Trades counted.
    pub trades: u64,
    /// Commissions.
    pub fees: Money,
    /// Slippage.
    pub slippage: Money,
    /// Half-spread paid on entry and exit.
    pub spread: Money,
    /// `fees + slippage + spread`.
    pub total_cost: Money,
    /// P&L before costs.
    pub gross_pnl: Money,
    /// P&L after costs.
    pub net_pnl: Money,
    /// `total_cost / |gross_pnl| x 100`; `null` when gross is 0.
    pub cost_pct_of_gross: Option<Decimal>,
    /// `total_cost > 0.5 x |gross_pnl|`.
    pub cost_above_50pct_of_gross: bool,
}

/// "Take every resolved record at or above a confidence threshold".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfidenceSweep {
    /// The threshold with the highest net P&L (ties: the lower one).
    pub best_threshold: Option<Decimal>,
    /// One entry per threshold, 0.50 to 0.95 by 0.05.
    pub results: Vec<SweepPoint>,
}

/// One threshold of the sweep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// Minimum confidence.
    pub threshold: Decimal,
    /// Records selected.
    pub decisions: u64,
    /// Of which `forward_return > cost`.
    pub wins: u64,
    /// `sum(notional x (forward_return - cost))`.
    pub net_pnl: Money,
    /// `wins / decisions`.
    pub hit_rate: Option<Ratio>,
}

/// The primary advisor's incremental Sharpe against the prior week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftCheck {
    /// This week's incremental Sharpe.
    pub sharpe_this_week: Option<f64>,
    /// The prior week's.
    pub sharpe_prior_week: Option<f64>,
    /// `prior - this`.
    pub sharpe_drop: Option<f64>,
    /// `sharpe_drop > 0.2`.
    pub drift_flag: bool,
    /// Whether the comparison could be made.
    pub note: DriftNote,
}

/// Whether the drift check compared two Sharpe ratios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftNote {
    /// Both Sharpe ratios were defined and compared.
    Compared,
    /// No prior week's records were supplied.
    NoPriorWeek,
    /// This week's or the prior week's Sharpe is undefined.
    SharpeUndefined,
}

/// The week's verdicts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The primary advisor's `delta_pnl > 0`.
    pub overall_edge_positive: bool,
    /// Edge positive in every regime with >= 5 resolved records (and one such regime exists).
    pub edge_stable_across_regimes: bool,
    /// The default gates applied to this week alone.
    pub promotion_gate_progress: GateProgress,
}

/// This week against the default gate thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateProgress {
    /// Weeks of evidence the gates need.
    pub weeks_needed: u32,
    /// The edge is positive this week.
    pub this_week_edge_positive: bool,
    /// The primary advisor's hit rate reaches the gate.
    pub hit_rate_ok: bool,
    /// Its incremental Sharpe reaches the gate.
    pub sharpe_ok: bool,
    /// Its max drawdown is below the gate.
    pub drawdown_ok: bool,
}
