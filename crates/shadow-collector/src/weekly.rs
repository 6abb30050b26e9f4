//! The weekly evidence report: one ISO week of shadow records turned into the
//! figures that decide whether an advisor has earned promotion.
//!
//! Pure computation: the runtime reads the week's records (and the prior week's)
//! from the store, calls [`weekly_evidence`], stores and prints the JSON, and draws
//! the chart from [`daily_cumulative`]. Nothing here reads a clock or a file.
//!
//! # Inputs and conventions
//!
//! - **Week.** An ISO week ([`ReportWeek`]): Monday 00:00 UTC inclusive to the next
//!   Monday 00:00 UTC exclusive, named by ISO week-based year and week number;
//!   `week_ending` is its Sunday. A record belongs to the week of its decision time
//!   `decision.at`; records outside the week are ignored and counted in
//!   `data_collection.outside_week`.
//! - **Resolved only.** P&L figures use resolved records only (those with a
//!   resolution); pending ones are counted in `data_collection.pending`.
//! - **Days.** Every daily series has the seven UTC days of the week, Monday first;
//!   a record's P&L counts on the UTC day of its *decision* (not of its resolution),
//!   so a week's evidence depends on that week's decisions only; a day without
//!   decisions counts as 0.
//! - **Prior week.** Optional: the previous ISO week's records, used by the drift
//!   check and the signal-decay estimate only (records outside that week are
//!   ignored), with the same capital.
//! - **Primary advisor.** The advisor whose edge the report and the gates judge
//!   (`contextual_bandit` by default, [`DEFAULT_PRIMARY_ADVISOR`]).
//! - **Actual vs advisor.** For a resolved record, `actual = resolution.actual` is
//!   what the pipeline's real decision earned and `advisor = resolution.advisors[name]`
//!   what the advisor's recommendation would have earned, both net of costs
//!   (`net = gross - fees - slippage - spread`). A record on which an advisor has no
//!   entry (it was not running) is left out of that advisor's figures; those
//!   records are counted in `counterfactual_evaluation.records_without_primary`.
//! - **Taken / win.** A way of acting *took* a record when its counterfactual
//!   notional is non-zero (`CounterfactualPnl::is_taken`); a *win* is a take with
//!   `net > 0`.
//! - **Capital.** The account capital normalises P&L into returns (Sharpe) and
//!   starts the equity path (drawdown). With `capital <= 0` returns, Sharpe ratios
//!   and drawdowns are `null`.
//! - **Rounding** (half to even, trailing zeros dropped). Money sums are exact;
//!   computed money (notional x return) is rounded to 8 places; hit rates are fractions to 4 places (`0.6667`); returns and
//!   drawdowns are fractions to 10 places; percentages to 2 places (`62.07`).
//!   Sharpe ratios are `f64` (statistics only) and never decide money.
//!
//! # Formulas
//!
//! - `delta_pnl` (of an advisor, over a set of records) =
//!   `sum(advisor.net - actual.net)` over the resolved records the advisor has an
//!   entry for. The **edge** is positive when the primary advisor's `delta_pnl > 0`.
//! - `hit_rate` = `wins / takes`; `null` when nothing was taken. The actual
//!   pipeline's hit rate uses `actual` the same way.
//! - **Incremental Sharpe** = `mean(d) / sd(d) * sqrt(365)` where `d` is the daily
//!   series (7 UTC days) of `delta_pnl / capital`, `sd` the sample standard deviation
//!   (divisor `n - 1`), risk-free rate 0; `null` when every day is equal (`sd = 0`,
//!   decided exactly on decimals) or with fewer than two days. Per-symbol and
//!   per-regime Sharpe ratios use the same method on the subset's daily series.
//! - **Max drawdown** (of an advisor) = the largest `(peak - equity) / peak` of the
//!   counterfactual equity `capital + cumulative advisor.net`, stepping through the
//!   advisor's records in decision-time order (ties by id); the starting capital is
//!   the first peak. A fraction (`0.05` = 5%).
//! - **Cost decomposition** (for the primary advisor's taken records, and the same
//!   for the actual pipeline's): totals of fees, slippage and spread;
//!   `total_cost = fees + slippage + spread`;
//!   `cost_pct_of_gross = total_cost / |gross_pnl| x 100` (`null` when
//!   `gross_pnl = 0`); `cost_above_50pct_of_gross = total_cost > 0.5 x |gross_pnl|`
//!   (decided exactly, so with zero gross any cost raises the flag).
//! - **Confidence sweep.** For each threshold `t` in `0.50, 0.55, ..., 0.95`, the
//!   policy "take every resolved record with `confidence >= t` at the record's
//!   notional": `net_pnl = sum(notional x (forward_return - cost))` using the
//!   resolution's forward return and round-trip cost fraction; a win is a record with
//!   `forward_return > cost`. `best_threshold` is the threshold with the highest
//!   `net_pnl` (ties go to the lower threshold); `null` when no threshold selects any
//!   record.
//! - **Drift check.** `sharpe_drop = sharpe_prior_week - sharpe_this_week` (the
//!   primary advisor's incremental Sharpe, prior week's records with the same
//!   capital); `drift_flag = sharpe_drop > 0.2`. Without a prior week or with an
//!   undefined Sharpe on either side the flag is `false` and `note` says why
//!   (`no_prior_week`, `sharpe_undefined`).
//! - **Symbol and regime edge.** For each symbol with resolved records, and for
//!   each of the four regimes (always listed): `decisions` = the subset's resolved
//!   records, then the primary advisor's takes, wins, `hit_rate`, `delta_pnl`,
//!   incremental Sharpe and `edge_positive = delta_pnl > 0` on that subset. Records
//!   are grouped by the regime stored on the decision; the classifier (bull / bear /
//!   sideways / high volatility) is documented in the [`crate::context`] module.
//! - **Daily series.** `counterfactual_evaluation.daily` keeps, per UTC day, the
//!   pipeline's net, the primary advisor's net and delta, and both divided by capital
//!   (`delta_return`, `advisor_return`): the gates pool these across weeks (see
//!   [`crate::gates`]). The pipeline's net counts every resolved record of the day,
//!   the advisor's net and delta only the records it has an entry for.
//! - **Summary.** `overall_edge_positive` = the primary advisor's `delta_pnl > 0`;
//!   `edge_stable_across_regimes` = the edge is positive in every regime with at
//!   least 5 resolved records, and at least one regime has that many;
//!   `promotion_gate_progress` applies the default gate thresholds
//!   ([`crate::gates::GateThresholds`]) to this week alone.
//!
//! # BTC diagnosis (a heuristic)
//!
//! Records whose symbol's base asset is `BTC` (`BTC-USD`, `BTC-USDT`, ...). The
//! figures are the primary advisor's counterfactual BTC trades (its taken BTC
//! records): gross, fees, slippage, spread, `btc_net_pnl`; `btc_actual_net_pnl` and
//! `btc_delta_pnl` give the pipeline's side. The BTC edge is *lost* when
//! `btc_net_pnl < 0`. Four candidate causes, each measured in money:
//!
//! - `fees`: total fees; `slippage`: total slippage (the spread is reported but is
//!   not a candidate);
//! - `turnover`: the total cost of the trades whose gross did not cover their own
//!   cost (`gross < fees + slippage + spread`), i.e. trading too often for the
//!   edge available; `trades_per_day = trades / 7` and the share of all cost those
//!   trades account for are reported alongside;
//! - `signal_decay`: `(prior_mean - this_mean) x sum(notional)`, when positive, where
//!   the means are the mean forward returns of all resolved BTC records of the prior
//!   week and of this week and the notional is the advisor's BTC trades'; 0 without
//!   a prior week.
//!
//! `primary_cause` is the largest (ties in the order fees, slippage, turnover,
//! signal decay); `none` when the edge is not lost, `undetermined` when every
//! candidate is 0. `estimated_recoverable_pct = cause money / |btc_net_pnl| x 100`,
//! capped at 100, `null` when the edge is not lost. The candidates overlap
//! (turnover's cost is made of fees, slippage and spread) and are not additive: the
//! diagnosis points at the biggest lever, it does not apportion the loss, and the
//! recoverable share assumes that cost could be avoided entirely, which is an upper
//! bound.

mod btc;
mod calendar;
mod evidence;
pub(crate) mod stats;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::shadow::{ActualOutcome, CounterfactualPnl, Regime, ShadowDecision, ShadowResolution};
use domain::{Money, Ratio, ShadowRecord};
use rust_decimal::Decimal;

pub use btc::{BtcCause, BtcCauses, BtcDiagnosis, BtcSignalDecay, BtcTurnover};
pub use calendar::{DAYS_PER_WEEK, ReportWeek, iso_week_bounds, iso_week_ending};
pub use evidence::{
    ActualFigures, AdvisorFigures, ConfidenceSweep, CostDecomposition, CostFigures,
    CounterfactualEvaluation, DailyPnl, DataCollection, DriftCheck, DriftNote, EdgeFigures,
    GateProgress, Summary, SweepPoint, WeeklyEvidence,
};
pub use stats::SHARPE_DAYS_PER_YEAR;

use crate::gates::GateThresholds;
use stats::{MONEY_DP, PCT_DP, RETURN_DP, hit_rate, max_drawdown, rounded, sharpe};

/// The advisor the report and the gates judge unless told otherwise.
pub const DEFAULT_PRIMARY_ADVISOR: &str = "contextual_bandit";
/// A week-on-week drop of the incremental Sharpe above this raises the drift flag.
pub const DRIFT_MAX_SHARPE_DROP: f64 = 0.2;
/// Cost above this percentage of |gross P&L| raises the cost flag.
pub const COST_FLAG_PCT_OF_GROSS: Decimal = Decimal::from_parts(50, 0, 0, false, 0);
/// A regime counts for `edge_stable_across_regimes` from this many resolved records.
pub const MIN_REGIME_DECISIONS: u64 = 5;
/// The base asset the BTC diagnosis looks at.
pub const BTC_BASE: &str = "BTC";

/// What [`weekly_evidence`] needs.
#[derive(Debug, Clone, Copy)]
pub struct WeeklyInput<'a> {
    /// The ISO week reported on.
    pub week: ReportWeek,
    /// The week's records (records outside the week are ignored and counted).
    pub records: &'a [ShadowRecord],
    /// The prior week's records, for the drift check and the signal-decay estimate.
    pub prior: Option<&'a [ShadowRecord]>,
    /// The advisor whose edge is judged ([`DEFAULT_PRIMARY_ADVISOR`]).
    pub primary_advisor: &'a str,
    /// Account capital: normalises returns and starts the equity path.
    pub capital: Money,
}

/// A resolved record, borrowed.
#[derive(Clone, Copy)]
struct Resolved<'a> {
    decision: &'a ShadowDecision,
    resolution: &'a ShadowResolution,
}

impl<'a> Resolved<'a> {
    fn advisor(&self, name: &str) -> Option<&'a CounterfactualPnl> {
        self.resolution.advisors.get(name)
    }

    fn actual(&self) -> &'a CounterfactualPnl {
        &self.resolution.actual
    }

    fn is_btc(&self) -> bool {
        self.decision.symbol.base() == BTC_BASE
    }
}

/// The week's resolved records in decision-time order (ties by id).
fn resolved_in(week: ReportWeek, records: &[ShadowRecord]) -> Vec<Resolved<'_>> {
    let mut out: Vec<Resolved<'_>> = records
        .iter()
        .filter(|r| week.contains(r.decision.at))
        .filter_map(|r| {
            r.resolution.as_ref().map(|resolution| Resolved {
                decision: &r.decision,
                resolution,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.decision.at, &a.decision.id).cmp(&(b.decision.at, &b.decision.id)));
    out
}

/// Computes the weekly evidence report.
pub fn weekly_evidence(input: &WeeklyInput<'_>) -> WeeklyEvidence {
    let week = input.week;
    let primary = input.primary_advisor;
    let capital = input.capital;
    let resolved = resolved_in(week, input.records);

    let counterfactual_evaluation = evaluation(week, &resolved, primary, capital);
    let symbol_edge_analysis = by_symbol(week, &resolved, primary, capital);
    let regime_edge_analysis = by_regime(week, &resolved, primary, capital);

    let prior_week = input.prior.and_then(|records| {
        week.previous()
            .map(|previous| (previous, resolved_in(previous, records)))
    });
    let sharpe_this_week = counterfactual_evaluation
        .advisors
        .get(primary)
        .and_then(|a| a.sharpe);
    let drift_check = drift_check(sharpe_this_week, prior_week.as_ref(), primary, capital);
    let btc_diagnosis = btc::btc_diagnosis(
        &resolved,
        prior_week.as_ref().map(|(_, records)| records.as_slice()),
        primary,
    );

    let summary = summary(&counterfactual_evaluation, &regime_edge_analysis, primary);
    WeeklyEvidence {
        week_ending: week.week_ending(),
        week_number: week.week(),
        year: week.year(),
        data_collection: data_collection(week, input.records),
        cost_decomposition: CostDecomposition {
            advisor: cost_figures(resolved.iter().filter_map(|r| r.advisor(primary))),
            actual: cost_figures(resolved.iter().map(Resolved::actual)),
        },
        confidence_sweep: confidence_sweep(&resolved),
        counterfactual_evaluation,
        symbol_edge_analysis,
        regime_edge_analysis,
        drift_check,
        btc_diagnosis,
        summary,
    }
}

fn data_collection(week: ReportWeek, records: &[ShadowRecord]) -> DataCollection {
    let mut out = DataCollection {
        total_decisions: 0,
        resolved: 0,
        pending: 0,
        outside_week: 0,
        by_symbol: BTreeMap::new(),
        by_regime: Regime::ALL.iter().map(|r| (*r, 0)).collect(),
        by_outcome: [
            ActualOutcome::Taken,
            ActualOutcome::Blocked,
            ActualOutcome::Rejected,
            ActualOutcome::NoIntent,
        ]
        .iter()
        .map(|o| (*o, 0))
        .collect(),
    };
    for record in records {
        let d = &record.decision;
        if !week.contains(d.at) {
            out.outside_week += 1;
            continue;
        }
        out.total_decisions += 1;
        if record.resolution.is_some() {
            out.resolved += 1;
        } else {
            out.pending += 1;
        }
        *out.by_symbol
            .entry(d.symbol.as_str().to_string())
            .or_insert(0) += 1;
        *out.by_regime.entry(d.regime).or_insert(0) += 1;
        *out.by_outcome.entry(d.outcome).or_insert(0) += 1;
    }
    out
}

/// `amount / capital`, rounded; `None` when capital <= 0.
fn as_return(amount: Money, capital: Money) -> Option<Ratio> {
    if capital.value() <= Decimal::ZERO {
        return None;
    }
    amount
        .value()
        .checked_div(capital.value())
        .map(|r| Ratio::from_fraction(rounded(r, RETURN_DP)))
}

/// Per-day sums of `f(record)` over the week's seven days.
fn daily_sums<'a>(
    week: ReportWeek,
    records: impl IntoIterator<Item = &'a Resolved<'a>>,
    f: impl Fn(&Resolved<'a>) -> Option<Money>,
) -> [Money; DAYS_PER_WEEK] {
    let mut days = [Money::ZERO; DAYS_PER_WEEK];
    for r in records {
        if let (Some(i), Some(v)) = (week.day_index(r.decision.at), f(r))
            && let Some(slot) = days.get_mut(i)
        {
            *slot += v;
        }
    }
    days
}

/// `advisor.net - actual.net`, when the advisor has an entry.
fn delta_of(r: &Resolved<'_>, advisor: &str) -> Option<Money> {
    r.advisor(advisor).map(|a| a.net - r.actual().net)
}

/// Incremental Sharpe of `records` for `advisor` (daily `delta / capital`).
fn incremental_sharpe<'a>(
    week: ReportWeek,
    records: impl IntoIterator<Item = &'a Resolved<'a>>,
    advisor: &str,
    capital: Money,
) -> Option<f64> {
    let days = daily_sums(week, records, |r| delta_of(r, advisor));
    let returns: Vec<Decimal> = days
        .iter()
        .map(|d| as_return(*d, capital).map(Ratio::fraction))
        .collect::<Option<_>>()?;
    sharpe(&returns)
}

/// Takes and wins of `pnl` over `records`.
fn takes_and_wins<'a>(pnls: impl IntoIterator<Item = &'a CounterfactualPnl>) -> (u64, u64) {
    pnls.into_iter()
        .filter(|p| p.is_taken())
        .fold((0, 0), |(takes, wins), p| {
            (takes + 1, wins + u64::from(p.net.value() > Decimal::ZERO))
        })
}

fn advisor_figures(
    week: ReportWeek,
    resolved: &[Resolved<'_>],
    name: &str,
    capital: Money,
) -> AdvisorFigures {
    let paired: Vec<Resolved<'_>> = resolved
        .iter()
        .filter(|r| r.advisor(name).is_some())
        .copied()
        .collect();
    let pnls: Vec<&CounterfactualPnl> = paired.iter().filter_map(|r| r.advisor(name)).collect();
    let (takes, wins) = takes_and_wins(pnls.iter().copied());
    let taken = || pnls.iter().filter(|p| p.is_taken());
    AdvisorFigures {
        decisions: paired.len() as u64,
        takes,
        wins,
        net_pnl: taken().map(|p| p.net).sum(),
        gross_pnl: taken().map(|p| p.gross).sum(),
        hit_rate: hit_rate(wins, takes),
        delta_pnl: paired.iter().filter_map(|r| delta_of(r, name)).sum(),
        sharpe: incremental_sharpe(week, &paired, name, capital),
        max_drawdown: max_drawdown(capital.value(), pnls.iter().map(|p| p.net.value())),
    }
}

fn evaluation(
    week: ReportWeek,
    resolved: &[Resolved<'_>],
    primary: &str,
    capital: Money,
) -> CounterfactualEvaluation {
    let actuals = || {
        resolved
            .iter()
            .map(Resolved::actual)
            .filter(|p| p.is_taken())
    };
    let (decisions_taken, wins) = takes_and_wins(actuals());
    let actual = ActualFigures {
        decisions_taken,
        wins,
        net_pnl: actuals().map(|p| p.net).sum(),
        gross_pnl: actuals().map(|p| p.gross).sum(),
        hit_rate: hit_rate(wins, decisions_taken),
    };

    let mut names: Vec<&str> = resolved
        .iter()
        .flat_map(|r| r.resolution.advisors.keys().map(String::as_str))
        .collect();
    names.push(primary);
    names.sort_unstable();
    names.dedup();
    let advisors: BTreeMap<String, AdvisorFigures> = names
        .into_iter()
        .map(|name| {
            (
                name.to_string(),
                advisor_figures(week, resolved, name, capital),
            )
        })
        .collect();
    let delta_pnl = advisors.get(primary).map_or(Money::ZERO, |a| a.delta_pnl);

    let actual_net = daily_sums(week, resolved, |r| Some(r.actual().net));
    let advisor_net = daily_sums(week, resolved, |r| r.advisor(primary).map(|a| a.net));
    let delta = daily_sums(week, resolved, |r| delta_of(r, primary));
    let mut counts = [0u64; DAYS_PER_WEEK];
    for r in resolved {
        if let Some(slot) = week
            .day_index(r.decision.at)
            .and_then(|i| counts.get_mut(i))
        {
            *slot += 1;
        }
    }
    let daily = week
        .days()
        .iter()
        .enumerate()
        .map(|(i, date)| {
            let pick = |series: &[Money; DAYS_PER_WEEK]| series.get(i).copied().unwrap_or_default();
            DailyPnl {
                date: *date,
                decisions: counts.get(i).copied().unwrap_or(0),
                actual_net: pick(&actual_net),
                advisor_net: pick(&advisor_net),
                delta_pnl: pick(&delta),
                delta_return: as_return(pick(&delta), capital),
                advisor_return: as_return(pick(&advisor_net), capital),
            }
        })
        .collect();

    CounterfactualEvaluation {
        primary_advisor: primary.to_string(),
        capital,
        actual,
        advisors,
        delta_pnl,
        edge_positive: delta_pnl.value() > Decimal::ZERO,
        records_without_primary: resolved
            .iter()
            .filter(|r| r.advisor(primary).is_none())
            .count() as u64,
        daily,
    }
}

fn edge_figures(
    week: ReportWeek,
    subset: &[Resolved<'_>],
    primary: &str,
    capital: Money,
) -> EdgeFigures {
    let (takes, wins) = takes_and_wins(subset.iter().filter_map(|r| r.advisor(primary)));
    let delta_pnl: Money = subset.iter().filter_map(|r| delta_of(r, primary)).sum();
    EdgeFigures {
        decisions: subset.len() as u64,
        takes,
        wins,
        delta_pnl,
        hit_rate: hit_rate(wins, takes),
        sharpe: incremental_sharpe(week, subset, primary, capital),
        edge_positive: delta_pnl.value() > Decimal::ZERO,
    }
}

fn by_symbol(
    week: ReportWeek,
    resolved: &[Resolved<'_>],
    primary: &str,
    capital: Money,
) -> BTreeMap<String, EdgeFigures> {
    let mut groups: BTreeMap<String, Vec<Resolved<'_>>> = BTreeMap::new();
    for r in resolved {
        groups
            .entry(r.decision.symbol.as_str().to_string())
            .or_default()
            .push(*r);
    }
    groups
        .into_iter()
        .map(|(symbol, subset)| (symbol, edge_figures(week, &subset, primary, capital)))
        .collect()
}

fn by_regime(
    week: ReportWeek,
    resolved: &[Resolved<'_>],
    primary: &str,
    capital: Money,
) -> BTreeMap<Regime, EdgeFigures> {
    Regime::ALL
        .iter()
        .map(|regime| {
            let subset: Vec<Resolved<'_>> = resolved
                .iter()
                .filter(|r| r.decision.regime == *regime)
                .copied()
                .collect();
            (*regime, edge_figures(week, &subset, primary, capital))
        })
        .collect()
}

/// `part / |whole| x 100`, rounded; `None` when `whole` is 0.
fn pct_of(part: Money, whole: Money) -> Option<Decimal> {
    let whole = whole.value().abs();
    if whole.is_zero() {
        return None;
    }
    part.value()
        .checked_div(whole)
        .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
        .map(|p| rounded(p, PCT_DP))
}

fn cost_figures<'a>(pnls: impl IntoIterator<Item = &'a CounterfactualPnl>) -> CostFigures {
    let mut out = CostFigures {
        trades: 0,
        fees: Money::ZERO,
        slippage: Money::ZERO,
        spread: Money::ZERO,
        total_cost: Money::ZERO,
        gross_pnl: Money::ZERO,
        net_pnl: Money::ZERO,
        cost_pct_of_gross: None,
        cost_above_50pct_of_gross: false,
    };
    for p in pnls.into_iter().filter(|p| p.is_taken()) {
        out.trades += 1;
        out.fees += p.fees;
        out.slippage += p.slippage;
        out.spread += p.spread;
        out.gross_pnl += p.gross;
        out.net_pnl += p.net;
    }
    out.total_cost = out.fees + out.slippage + out.spread;
    out.cost_pct_of_gross = pct_of(out.total_cost, out.gross_pnl);
    // total > 50% of |gross|  <=>  100 x total > 50 x |gross|, exact on decimals.
    out.cost_above_50pct_of_gross = out.total_cost.value() * Decimal::ONE_HUNDRED
        > out.gross_pnl.value().abs() * COST_FLAG_PCT_OF_GROSS;
    out
}

/// The sweep's thresholds: 0.50, 0.55, ..., 0.95.
pub fn sweep_thresholds() -> impl Iterator<Item = Decimal> {
    (50..=95).step_by(5).map(|p| Decimal::new(p, 2))
}

/// `notional x (forward_return - cost)` of a record, rounded.
fn policy_net(r: &Resolved<'_>) -> Money {
    let edge = r.resolution.forward_return.fraction() - r.resolution.cost.fraction();
    Money::new(rounded(r.decision.notional.value() * edge, MONEY_DP))
}

fn confidence_sweep(resolved: &[Resolved<'_>]) -> ConfidenceSweep {
    let results: Vec<SweepPoint> = sweep_thresholds()
        .map(|threshold| {
            let chosen: Vec<&Resolved<'_>> = resolved
                .iter()
                .filter(|r| r.decision.confidence.value() >= threshold)
                .collect();
            let wins = chosen
                .iter()
                .filter(|r| r.resolution.forward_return > r.resolution.cost)
                .count() as u64;
            let decisions = chosen.len() as u64;
            SweepPoint {
                threshold,
                decisions,
                wins,
                net_pnl: chosen.iter().map(|r| policy_net(r)).sum(),
                hit_rate: hit_rate(wins, decisions),
            }
        })
        .collect();
    // Strictly greater keeps the lower threshold on ties (thresholds ascend).
    let best_threshold = results
        .iter()
        .filter(|p| p.decisions > 0)
        .fold(None::<&SweepPoint>, |best, p| match best {
            Some(b) if b.net_pnl >= p.net_pnl => Some(b),
            _ => Some(p),
        })
        .map(|p| p.threshold);
    ConfidenceSweep {
        best_threshold,
        results,
    }
}

fn drift_check(
    sharpe_this_week: Option<f64>,
    prior: Option<&(ReportWeek, Vec<Resolved<'_>>)>,
    primary: &str,
    capital: Money,
) -> DriftCheck {
    let Some((prior_week, prior_records)) = prior else {
        return DriftCheck {
            sharpe_this_week,
            sharpe_prior_week: None,
            sharpe_drop: None,
            drift_flag: false,
            note: DriftNote::NoPriorWeek,
        };
    };
    let paired: Vec<Resolved<'_>> = prior_records
        .iter()
        .filter(|r| r.advisor(primary).is_some())
        .copied()
        .collect();
    let sharpe_prior_week = incremental_sharpe(*prior_week, &paired, primary, capital);
    let sharpe_drop = sharpe_prior_week.zip(sharpe_this_week).map(|(p, t)| p - t);
    DriftCheck {
        sharpe_this_week,
        sharpe_prior_week,
        sharpe_drop,
        drift_flag: sharpe_drop.is_some_and(|d| d > DRIFT_MAX_SHARPE_DROP),
        note: if sharpe_drop.is_some() {
            DriftNote::Compared
        } else {
            DriftNote::SharpeUndefined
        },
    }
}

fn summary(
    eval: &CounterfactualEvaluation,
    regimes: &BTreeMap<Regime, EdgeFigures>,
    primary: &str,
) -> Summary {
    let counted: Vec<&EdgeFigures> = regimes
        .values()
        .filter(|r| r.decisions >= MIN_REGIME_DECISIONS)
        .collect();
    let gates = GateThresholds::default();
    let figures = eval.advisors.get(primary);
    Summary {
        overall_edge_positive: eval.edge_positive,
        edge_stable_across_regimes: !counted.is_empty() && counted.iter().all(|r| r.edge_positive),
        promotion_gate_progress: GateProgress {
            weeks_needed: gates.min_weeks,
            this_week_edge_positive: eval.edge_positive,
            hit_rate_ok: figures
                .and_then(|f| f.hit_rate)
                .is_some_and(|h| h >= gates.min_hit_rate),
            sharpe_ok: figures
                .and_then(|f| f.sharpe)
                .is_some_and(|s| s >= gates.min_incremental_sharpe),
            drawdown_ok: figures
                .and_then(|f| f.max_drawdown)
                .is_some_and(|d| d < gates.max_drawdown),
        },
    }
}

/// Cumulative net P&L per UTC day (of the decisions) of the actual pipeline and of
/// `primary`, over every day from the first to the last resolved record (days
/// without records repeat the previous totals). For the weekly chart.
pub fn daily_cumulative(records: &[ShadowRecord], primary: &str) -> Vec<(NaiveDate, Money, Money)> {
    let mut per_day: BTreeMap<NaiveDate, (Money, Money)> = BTreeMap::new();
    for record in records {
        if let Some(res) = &record.resolution {
            let day = per_day.entry(record.decision.at.date_naive()).or_default();
            day.0 += res.actual.net;
            day.1 += res.advisors.get(primary).map_or(Money::ZERO, |a| a.net);
        }
    }
    let (Some(first), Some(last)) = (
        per_day.keys().next().copied(),
        per_day.keys().next_back().copied(),
    ) else {
        return Vec::new();
    };
    let mut actual = Money::ZERO;
    let mut advisor = Money::ZERO;
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|date| {
            if let Some((a, b)) = per_day.get(&date) {
                actual += *a;
                advisor += *b;
            }
            (date, actual, advisor)
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
