//! The promotion gates: whether the weekly evidence is strong enough to let the
//! primary advisor act (`runtime report gates`).
//!
//! Pure computation over stored [`WeeklyEvidence`] reports and [`Signoff`]s. The
//! verdict is `GO` only when every gate is met; otherwise `NO-GO` with every unmet
//! gate listed.
//!
//! # Which reports count
//!
//! Reports may come in any order. One report per ISO week counts: when a week was
//! reported more than once, the one *later in the slice* wins (the runtime passes
//! reports in generation order). The **window** is the newest `window` (12) reported
//! weeks by ISO year and week: weeks without a report are not in the data, so they
//! neither help nor count as failures; the window is 12 reported weeks, not 12
//! calendar weeks.
//!
//! # Gates (defaults in [`GateThresholds::default`])
//!
//! - `weeks_of_data`: at least `min_weeks` (12) reported weeks in all.
//! - `edge_positive_weeks`: the primary advisor's edge (`delta_pnl > 0`) is positive
//!   in at least `min_positive_weeks` (10) of the window's weeks.
//! - `hit_rate`: pooled over the window, `sum(wins) / sum(takes)` of the primary
//!   advisor (the counts stored in each report, not an average of weekly rates)
//!   `>= min_hit_rate` (55%); unmet without takes.
//! - `incremental_sharpe`: one Sharpe ratio over the window's pooled daily series of
//!   `delta_pnl / capital` (7 days per report, so 84 days for a full window), with
//!   the weekly report's method (`mean / sample sd x sqrt(365)`), `>=
//!   min_incremental_sharpe` (0.3); unmet when undefined (flat series, or a week
//!   with capital <= 0).
//! - `max_drawdown`: the primary advisor's counterfactual equity over the window,
//!   `< max_drawdown` (5%). Observed = the larger of (a) the drawdown of the chained
//!   daily path `1 + cumulative(advisor_net / capital)` across the window's days in
//!   order, and (b) the worst within-week drawdown stored in the reports (per record,
//!   capital as the start of each week). (a) sees every daily close across week
//!   boundaries, (b) every record within a week; a dip inside a day that straddles two
//!   weeks is seen at daily granularity only.
//! - `btc_mitigation`: among the window's weeks with resolved BTC decisions, the
//!   latest one shows no BTC edge loss (`btc_diagnosis.edge_lost == false`), or its
//!   BTC net P&L (primary advisor) is above that of the earliest such week; unmet
//!   when no window week has BTC decisions ("no BTC decisions").
//! - `human_signoff`: at least one sign-off with a non-blank `by` made at or after the
//!   end of the newest reported week (the Monday 00:00 UTC after its
//!   `week_ending`), i.e. a sign-off of the evidence as it now stands.
//!
//! Every window gate is unmet when there is no report at all.

use std::collections::BTreeMap;
use std::fmt;

use domain::{Ratio, Signoff};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::weekly::WeeklyEvidence;
use crate::weekly::stats::{max_drawdown, sharpe};

/// The gates' thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GateThresholds {
    /// Reported weeks needed in all.
    pub min_weeks: u32,
    /// Newest reported weeks judged by the window gates.
    pub window: u32,
    /// Window weeks whose edge must be positive.
    pub min_positive_weeks: u32,
    /// Minimum pooled hit rate (a fraction, `0.55`).
    pub min_hit_rate: Ratio,
    /// Minimum pooled incremental Sharpe.
    pub min_incremental_sharpe: f64,
    /// The window's max drawdown must stay strictly below this (a fraction, `0.05`).
    pub max_drawdown: Ratio,
}

impl Default for GateThresholds {
    fn default() -> Self {
        Self {
            min_weeks: 12,
            window: 12,
            min_positive_weeks: 10,
            min_hit_rate: Ratio::from_fraction(Decimal::new(55, 2)),
            min_incremental_sharpe: 0.3,
            max_drawdown: Ratio::from_fraction(Decimal::new(5, 2)),
        }
    }
}

/// Promote or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// Every gate is met.
    #[serde(rename = "GO")]
    Go,
    /// At least one gate is unmet.
    #[serde(rename = "NO-GO")]
    NoGo,
}

impl Verdict {
    /// `GO` or `NO-GO`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Go => "GO",
            Verdict::NoGo => "NO-GO",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The gates, in report order; stable snake_case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateName {
    /// Enough weeks of evidence.
    WeeksOfData,
    /// Edge positive in enough window weeks.
    EdgePositiveWeeks,
    /// Pooled hit rate.
    HitRate,
    /// Pooled incremental Sharpe.
    IncrementalSharpe,
    /// Window max drawdown.
    MaxDrawdown,
    /// The BTC diagnosis shows improvement.
    BtcMitigation,
    /// A human signed the current evidence.
    HumanSignoff,
}

impl GateName {
    /// All gates, in report order.
    pub const ALL: [GateName; 7] = [
        GateName::WeeksOfData,
        GateName::EdgePositiveWeeks,
        GateName::HitRate,
        GateName::IncrementalSharpe,
        GateName::MaxDrawdown,
        GateName::BtcMitigation,
        GateName::HumanSignoff,
    ];

    /// Stable name (`weeks_of_data`, `edge_positive_weeks`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            GateName::WeeksOfData => "weeks_of_data",
            GateName::EdgePositiveWeeks => "edge_positive_weeks",
            GateName::HitRate => "hit_rate",
            GateName::IncrementalSharpe => "incremental_sharpe",
            GateName::MaxDrawdown => "max_drawdown",
            GateName::BtcMitigation => "btc_mitigation",
            GateName::HumanSignoff => "human_signoff",
        }
    }
}

impl fmt::Display for GateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One gate's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    /// Which gate.
    pub name: GateName,
    /// Whether it is met.
    pub met: bool,
    /// What it requires, for people.
    pub required: String,
    /// What was observed, for people.
    pub observed: String,
}

/// The promotion verdict with every gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateVerdict {
    /// `GO` iff `unmet` is empty.
    pub verdict: Verdict,
    /// Every gate, in [`GateName::ALL`] order.
    pub gates: Vec<Gate>,
    /// The unmet gates' names, in the same order.
    pub unmet: Vec<GateName>,
    /// The window's weeks, oldest first (`2024-W02`).
    pub window: Vec<String>,
}

const NO_EVIDENCE: &str = "no weekly evidence";

fn week_label(e: &WeeklyEvidence) -> String {
    format!("{}-W{:02}", e.year, e.week_number)
}

fn pct(fraction: Decimal) -> String {
    format!(
        "{}%",
        (fraction * Decimal::ONE_HUNDRED).round_dp(2).normalize()
    )
}

/// Evaluates every gate over `weeks` (any order) and `signoffs`.
pub fn evaluate_gates(
    weeks: &[WeeklyEvidence],
    signoffs: &[Signoff],
    thresholds: &GateThresholds,
) -> GateVerdict {
    // One report per (year, week); the later one in the slice wins.
    let mut by_week: BTreeMap<(i32, u32), &WeeklyEvidence> = BTreeMap::new();
    for e in weeks {
        by_week.insert((e.year, e.week_number), e);
    }
    let all: Vec<&WeeklyEvidence> = by_week.into_values().collect();
    let window_len = usize::try_from(thresholds.window).unwrap_or(usize::MAX);
    let window = all
        .get(all.len().saturating_sub(window_len)..)
        .unwrap_or(&[]);

    let gates = vec![
        weeks_of_data(all.len(), thresholds),
        edge_positive_weeks(window, thresholds),
        hit_rate_gate(window, thresholds),
        sharpe_gate(window, thresholds),
        drawdown_gate(window, thresholds),
        btc_gate(window),
        signoff_gate(all.last().copied(), signoffs),
    ];
    let unmet: Vec<GateName> = gates.iter().filter(|g| !g.met).map(|g| g.name).collect();
    GateVerdict {
        verdict: if unmet.is_empty() {
            Verdict::Go
        } else {
            Verdict::NoGo
        },
        gates,
        unmet,
        window: window.iter().map(|e| week_label(e)).collect(),
    }
}

fn unmet_without_evidence(name: GateName, required: String) -> Gate {
    Gate {
        name,
        met: false,
        required,
        observed: NO_EVIDENCE.to_string(),
    }
}

fn weeks_of_data(count: usize, t: &GateThresholds) -> Gate {
    Gate {
        name: GateName::WeeksOfData,
        met: count >= usize::try_from(t.min_weeks).unwrap_or(usize::MAX),
        required: format!(">= {} weeks of evidence", t.min_weeks),
        observed: format!("{count} week{}", if count == 1 { "" } else { "s" }),
    }
}

fn edge_positive_weeks(window: &[&WeeklyEvidence], t: &GateThresholds) -> Gate {
    let required = format!(
        "edge positive in >= {} of the last {} weeks",
        t.min_positive_weeks, t.window
    );
    if window.is_empty() {
        return unmet_without_evidence(GateName::EdgePositiveWeeks, required);
    }
    let positive = window
        .iter()
        .filter(|e| e.counterfactual_evaluation.edge_positive)
        .count();
    Gate {
        name: GateName::EdgePositiveWeeks,
        met: positive >= usize::try_from(t.min_positive_weeks).unwrap_or(usize::MAX),
        required,
        observed: format!("{positive} of {}", window.len()),
    }
}

fn hit_rate_gate(window: &[&WeeklyEvidence], t: &GateThresholds) -> Gate {
    let required = format!(
        ">= {} pooled over the window",
        pct(t.min_hit_rate.fraction())
    );
    if window.is_empty() {
        return unmet_without_evidence(GateName::HitRate, required);
    }
    let (wins, takes) = window
        .iter()
        .filter_map(|e| e.primary())
        .fold((0u64, 0u64), |(w, n), a| {
            (w.saturating_add(a.wins), n.saturating_add(a.takes))
        });
    let rate = (takes > 0)
        .then(|| Decimal::from(wins).checked_div(Decimal::from(takes)))
        .flatten();
    Gate {
        name: GateName::HitRate,
        met: rate.is_some_and(|r| r >= t.min_hit_rate.fraction()),
        required,
        observed: match rate {
            Some(r) => format!("{} ({wins} wins of {takes} takes)", pct(r)),
            None => "no takes".to_string(),
        },
    }
}

fn sharpe_gate(window: &[&WeeklyEvidence], t: &GateThresholds) -> Gate {
    let required = format!(
        ">= {} (pooled daily delta P&L / capital, annualised)",
        t.min_incremental_sharpe
    );
    if window.is_empty() {
        return unmet_without_evidence(GateName::IncrementalSharpe, required);
    }
    let series: Option<Vec<Decimal>> = window
        .iter()
        .flat_map(|e| e.counterfactual_evaluation.daily.iter())
        .map(|d| d.delta_return.map(Ratio::fraction))
        .collect();
    let (value, observed) = match series {
        None => (None, "undefined: a week has capital <= 0".to_string()),
        Some(s) => match sharpe(&s) {
            Some(v) => (Some(v), format!("{v:.3} over {} days", s.len())),
            None => (
                None,
                format!("undefined (flat or too short: {} days)", s.len()),
            ),
        },
    };
    Gate {
        name: GateName::IncrementalSharpe,
        met: value.is_some_and(|v| v >= t.min_incremental_sharpe),
        required,
        observed,
    }
}

fn drawdown_gate(window: &[&WeeklyEvidence], t: &GateThresholds) -> Gate {
    let required = format!(
        "< {} (primary advisor's counterfactual equity)",
        pct(t.max_drawdown.fraction())
    );
    if window.is_empty() {
        return unmet_without_evidence(GateName::MaxDrawdown, required);
    }
    let steps: Option<Vec<Decimal>> = window
        .iter()
        .flat_map(|e| e.counterfactual_evaluation.daily.iter())
        .map(|d| d.advisor_return.map(Ratio::fraction))
        .collect();
    let chained = steps.and_then(|s| max_drawdown(Decimal::ONE, s));
    let weekly: Option<Vec<Ratio>> = window
        .iter()
        .map(|e| e.primary().and_then(|a| a.max_drawdown))
        .collect();
    let worst_week = weekly.map(|w| w.into_iter().max().unwrap_or(Ratio::ZERO));
    let (met, observed) = match chained.zip(worst_week) {
        Some((c, w)) => {
            let dd = c.max(w);
            (
                dd < t.max_drawdown,
                format!(
                    "{} (chained daily {}, worst week {})",
                    pct(dd.fraction()),
                    pct(c.fraction()),
                    pct(w.fraction())
                ),
            )
        }
        None => (
            false,
            "undefined: a week has capital <= 0 or no primary-advisor figures".to_string(),
        ),
    };
    Gate {
        name: GateName::MaxDrawdown,
        met,
        required,
        observed,
    }
}

fn btc_gate(window: &[&WeeklyEvidence]) -> Gate {
    let required = "latest BTC week shows no edge loss, or BTC net P&L above the earliest BTC week"
        .to_string();
    let with_btc: Vec<&&WeeklyEvidence> = window
        .iter()
        .filter(|e| e.btc_diagnosis.decisions > 0)
        .collect();
    let (Some(earliest), Some(latest)) = (with_btc.first(), with_btc.last()) else {
        return Gate {
            name: GateName::BtcMitigation,
            met: false,
            required,
            observed: "no BTC decisions".to_string(),
        };
    };
    let (first, last) = (&earliest.btc_diagnosis, &latest.btc_diagnosis);
    let improved = with_btc.len() > 1 && last.btc_net_pnl > first.btc_net_pnl;
    let describe = |e: &WeeklyEvidence| {
        let d = &e.btc_diagnosis;
        format!(
            "{} BTC net {} ({})",
            week_label(e),
            d.btc_net_pnl,
            if d.edge_lost {
                format!("edge lost, primary cause {}", d.primary_cause.as_str())
            } else {
                "edge not lost".to_string()
            }
        )
    };
    Gate {
        name: GateName::BtcMitigation,
        met: !last.edge_lost || improved,
        required,
        observed: format!(
            "latest {}; earliest {}",
            describe(latest),
            describe(earliest)
        ),
    }
}

fn signoff_gate(latest: Option<&WeeklyEvidence>, signoffs: &[Signoff]) -> Gate {
    let required =
        "a sign-off (non-blank name) made after the newest reported week ended".to_string();
    let Some(latest) = latest else {
        return unmet_without_evidence(GateName::HumanSignoff, required);
    };
    let Some(end) = latest.report_week().map(|w| w.end()) else {
        return Gate {
            name: GateName::HumanSignoff,
            met: false,
            required,
            observed: format!(
                "the newest report names no ISO week ({})",
                week_label(latest)
            ),
        };
    };
    let valid = signoffs
        .iter()
        .filter(|s| !s.by.trim().is_empty() && s.at >= end)
        .max_by_key(|s| s.at);
    let observed = match valid {
        Some(s) => format!("signed by {} at {}", s.by.trim(), s.at.to_rfc3339()),
        None => format!(
            "no named sign-off since {} ended ({}); {} on record",
            week_label(latest),
            end.to_rfc3339(),
            signoffs.len()
        ),
    };
    Gate {
        name: GateName::HumanSignoff,
        met: valid.is_some(),
        required,
        observed,
    }
}

#[cfg(test)]
mod tests;
