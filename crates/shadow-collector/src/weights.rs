//! The `strategy_weights` advisor: per-strategy weights that follow each strategy's recent
//! net performance, moved at most a clamp (10 percentage points by default) per strategy
//! per day.
//!
//! # Performance
//!
//! [`Advisor::learn`] appends each resolved record's `net_forward_return` (the signal's
//! forward return over the horizon, net of the round-trip cost, whatever the pipeline
//! did with it) to a window of the last [`PERFORMANCE_WINDOW`] outcomes of its strategy,
//! each clipped to `[-1, 1]`. Strategies outside the configured list are ignored.
//!
//! # Target weights
//!
//! Each strategy scores `max(0, mean) + SCORE_FLOOR` where `mean` is the mean of its
//! window, taken as 0 while the window holds fewer than [`MIN_OUTCOMES`] outcomes
//! (not enough evidence). The target weights are the scores normalised to sum to 1: equal
//! weights while nothing is known or no strategy has a positive mean; a strategy that
//! only loses keeps a small share (`SCORE_FLOOR` / total) and can come back.
//!
//! # Daily rebalance and the clamp
//!
//! Weights move only in [`Advisor::roll_day`], at most once per UTC day (a second call on
//! the same day, or on an earlier day, does nothing). Weights are held as whole multiples
//! of `10^-12` ([`WEIGHT_DECIMALS`]) that sum to exactly 1. The move `target - current` is
//! scaled by one common factor `clamp / max |target - current|` (when that is below 1),
//! each component rounded toward zero, and the few units of rounding residue handed to
//! strategies that still have room within both their clamp and their target. So, by
//! construction, every rebalance:
//!
//! - moves each strategy by at most `clamp` (`|after - before| <= clamp`, exactly);
//! - leaves every weight between its old value and its target, hence `>= 0`;
//! - keeps the sum exactly 1.
//!
//! # Recommendation
//!
//! For a signal of strategy `s` with weight `w` among `n` strategies:
//! `size_multiplier = w x n` (1 at the equal share `1/n`), and the action is `Take` when
//! `w >= TAKE_MIN_SHARE / n` (half the equal share), `Skip` otherwise. A strategy outside
//! the configured list is skipped with size 0. `strategy_weights` carries every current
//! weight.
//!
//! # State
//!
//! [`Advisor::state_json`] saves the weights, the performance windows and the last
//! rebalanced day; [`Advisor::restore_json`] checks that the weights name exactly the
//! configured strategies, are `>= 0` and sum to 1 within `1e-9` (then re-quantises them
//! to exactly 1), and that the windows name configured strategies.

use std::collections::{BTreeMap, VecDeque};

use chrono::NaiveDate;
use domain::ports::{
    Advisor, AdvisorContext, AdvisorOutcome, AdvisorStateError, Recommendation, RecommendedAction,
};
use domain::{DomainError, Ratio, StrategyId, Timestamp, WeightShift};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

/// The advisor's stable name.
pub const NAME: &str = "strategy_weights";

/// The default clamp: 0.10 (10 percentage points per strategy per day).
pub const DEFAULT_CLAMP: Ratio = Ratio::from_fraction(Decimal::from_parts(10, 0, 0, false, 2));

/// Outcomes kept per strategy.
pub const PERFORMANCE_WINDOW: usize = 50;

/// Outcomes a strategy needs before its mean counts (below: mean taken as 0).
pub const MIN_OUTCOMES: usize = 5;

/// Added to every strategy's score: 0.001 (10 bps).
pub const SCORE_FLOOR: Decimal = Decimal::from_parts(1, 0, 0, false, 3);

/// Fraction of the equal share at or above which a strategy's signals are taken: 0.5.
pub const TAKE_MIN_SHARE: Decimal = Decimal::from_parts(5, 0, 0, false, 1);

/// Decimal places of a weight: weights are whole multiples of `10^-12`.
pub const WEIGHT_DECIMALS: u32 = 12;

/// One whole weight (1) in units of `10^-WEIGHT_DECIMALS`.
const UNIT: i128 = 1_000_000_000_000;

/// Tolerance of a restored weight sum.
const RESTORE_SUM_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 9);

/// A weight in units as a decimal, without trailing zeros (`0.6`, not `0.600000000000`).
fn units_to_decimal(units: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(units, WEIGHT_DECIMALS)
        .unwrap_or(Decimal::ZERO)
        .normalize()
}

/// Splits `UNIT` in proportion to non-negative `shares` (largest remainder; ties go to the
/// earlier entry). The result sums to exactly `UNIT`; equal parts when the shares sum to 0.
fn apportion(shares: &[Decimal]) -> Vec<i128> {
    let n = shares.len();
    if n == 0 {
        return Vec::new();
    }
    let total = shares
        .iter()
        .try_fold(Decimal::ZERO, |acc, s| {
            acc.checked_add((*s).max(Decimal::ZERO))
        })
        .unwrap_or(Decimal::MAX);
    let unit = Decimal::from_i128_with_scale(UNIT, 0);
    let exact: Vec<Decimal> = if total > Decimal::ZERO {
        shares
            .iter()
            .map(|s| (*s).max(Decimal::ZERO) / total * unit)
            .collect()
    } else {
        vec![unit / Decimal::from(n); n]
    };
    let mut parts: Vec<i128> = exact
        .iter()
        .map(|e| e.floor().to_i128().unwrap_or(0).clamp(0, UNIT))
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.cmp(&ra).then(a.cmp(&b))
    });
    let assigned: i128 = parts.iter().sum();
    let residue = UNIT - assigned;
    if residue > 0 {
        let len = i128::try_from(n).unwrap_or(i128::MAX);
        let each = residue / len;
        let rest = residue % len;
        for (rank, &i) in order.iter().enumerate() {
            let rank = i128::try_from(rank).unwrap_or(i128::MAX);
            parts[i] += each + i128::from(rank < rest);
        }
    } else if residue < 0 {
        // Only reachable through rounding of the exact shares: take the excess back from the
        // smallest remainders first.
        let mut excess = -residue;
        for &i in order.iter().rev() {
            let take = parts[i].min(excess);
            parts[i] -= take;
            excess -= take;
        }
    }
    parts
}

/// One clamped step from `current` toward `target` (both in units summing to `UNIT`, all
/// `>= 0`), moving no component by more than `clamp` units (module docs: why this holds).
fn clamped_step(current: &[i128], target: &[i128], clamp: i128) -> Vec<i128> {
    let delta: Vec<i128> = current.iter().zip(target).map(|(c, t)| t - c).collect();
    let max = delta.iter().map(|d| d.abs()).max().unwrap_or(0);
    if max <= clamp {
        return target.to_vec();
    }
    // Scale every move by clamp / max, rounding toward zero: |step| <= min(|delta|, clamp).
    let mut step: Vec<i128> = delta.iter().map(|d| d * clamp / max).collect();
    // The truncation leaves a residue (fewer units than strategies); give it to the side it
    // belongs to, one strategy at a time, within each one's room. The total room is at least
    // the residue because the exact scaled moves balance and fit within the room.
    let mut residue: i128 = -step.iter().sum::<i128>();
    for (s, d) in step.iter_mut().zip(&delta) {
        if residue == 0 {
            break;
        }
        let room = if residue > 0 && *d > 0 {
            (*d).min(clamp) - *s
        } else if residue < 0 && *d < 0 {
            (*d).max(-clamp) - *s
        } else {
            0
        };
        let give = if residue > 0 {
            room.min(residue)
        } else {
            room.max(residue)
        };
        *s += give;
        residue -= give;
    }
    current.iter().zip(&step).map(|(c, s)| c + s).collect()
}

/// The `strategy_weights` advisor (module docs: performance, targets, clamp, recommendation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyWeights {
    strategies: Vec<StrategyId>,
    clamp: Ratio,
    /// Weight of `strategies[i]` in units of `10^-WEIGHT_DECIMALS`; sums to `UNIT`.
    weights: Vec<i128>,
    /// Last outcomes of `strategies[i]`, oldest first.
    outcomes: Vec<VecDeque<Decimal>>,
    last_rolled_day: Option<NaiveDate>,
}

impl StrategyWeights {
    /// Equal weights over `strategies` (duplicates dropped), moved at most `clamp` per
    /// strategy per day. The list must not be empty and `clamp` must lie in `(0, 1]`.
    pub fn new(strategies: Vec<StrategyId>, clamp: Ratio) -> Result<Self, DomainError> {
        let mut strategies = strategies;
        strategies.sort();
        strategies.dedup();
        if strategies.is_empty() {
            return Err(DomainError::OutOfRange {
                field: "strategy_weights.strategies",
                expected: "at least one strategy",
                value: "[]".to_string(),
            });
        }
        let c = clamp.fraction();
        if c <= Decimal::ZERO || c > Decimal::ONE {
            return Err(DomainError::OutOfRange {
                field: "strategy_weights.clamp",
                expected: "in (0, 1]",
                value: c.to_string(),
            });
        }
        let n = strategies.len();
        Ok(Self {
            weights: apportion(&vec![Decimal::ONE; n]),
            outcomes: vec![VecDeque::new(); n],
            strategies,
            clamp,
            last_rolled_day: None,
        })
    }

    /// The configured strategies, sorted.
    pub fn strategies(&self) -> &[StrategyId] {
        &self.strategies
    }

    /// The clamp per strategy per day.
    pub fn clamp(&self) -> Ratio {
        self.clamp
    }

    /// The last UTC day rebalanced.
    pub fn last_rolled_day(&self) -> Option<NaiveDate> {
        self.last_rolled_day
    }

    fn index(&self, id: &StrategyId) -> Option<usize> {
        self.strategies.binary_search(id).ok()
    }

    fn as_map(&self, units: &[i128]) -> BTreeMap<StrategyId, Ratio> {
        self.strategies
            .iter()
            .zip(units)
            .map(|(id, u)| (id.clone(), Ratio::from_fraction(units_to_decimal(*u))))
            .collect()
    }

    /// The current weights (they sum to exactly 1).
    pub fn weights(&self) -> BTreeMap<StrategyId, Ratio> {
        self.as_map(&self.weights)
    }

    /// A strategy's current weight, `None` for an unconfigured strategy.
    pub fn weight(&self, id: &StrategyId) -> Option<Ratio> {
        self.index(id)
            .map(|i| Ratio::from_fraction(units_to_decimal(self.weights[i])))
    }

    /// Mean of a strategy's window, `None` while it holds fewer than [`MIN_OUTCOMES`].
    pub fn mean_return(&self, id: &StrategyId) -> Option<Ratio> {
        self.index(id)
            .and_then(|i| window_mean(&self.outcomes[i]))
            .map(Ratio::from_fraction)
    }

    /// Number of outcomes in a strategy's window.
    pub fn outcome_count(&self, id: &StrategyId) -> usize {
        self.index(id).map_or(0, |i| self.outcomes[i].len())
    }

    fn target_units(&self) -> Vec<i128> {
        let scores: Vec<Decimal> = self
            .outcomes
            .iter()
            .map(|w| window_mean(w).unwrap_or(Decimal::ZERO).max(Decimal::ZERO) + SCORE_FLOOR)
            .collect();
        apportion(&scores)
    }

    /// The weights the advisor is moving toward (module docs: target weights).
    pub fn target_weights(&self) -> BTreeMap<StrategyId, Ratio> {
        self.as_map(&self.target_units())
    }

    fn configured_list(&self) -> String {
        self.strategies
            .iter()
            .map(StrategyId::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn clamp_units(&self) -> i128 {
        (self.clamp.fraction() * Decimal::from_i128_with_scale(UNIT, 0))
            .floor()
            .to_i128()
            .unwrap_or(0)
            .clamp(0, UNIT)
    }
}

/// Mean of a window, `None` below [`MIN_OUTCOMES`].
fn window_mean(window: &VecDeque<Decimal>) -> Option<Decimal> {
    if window.len() < MIN_OUTCOMES {
        return None;
    }
    let sum: Decimal = window.iter().sum();
    Some(sum / Decimal::from(window.len()))
}

/// A return as kept in a window: clipped to `[-1, 1]`.
fn clip_return(value: Decimal) -> Decimal {
    value.clamp(Decimal::NEGATIVE_ONE, Decimal::ONE)
}

/// What [`StrategyWeights`] saves: plain strings for ids so a bad id can be named.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedState {
    weights: BTreeMap<String, Decimal>,
    outcomes: BTreeMap<String, Vec<Decimal>>,
    last_rolled_day: Option<NaiveDate>,
}

fn state_error(detail: impl std::fmt::Display) -> AdvisorStateError {
    AdvisorStateError(format!("{NAME} state: {detail}"))
}

impl Advisor for StrategyWeights {
    fn name(&self) -> &str {
        NAME
    }

    fn recommend(&mut self, ctx: &AdvisorContext) -> Recommendation {
        let id = &ctx.signal.strategy;
        let n = Decimal::from(self.strategies.len());
        let (action, size, rationale) = match self.index(id) {
            None => (
                RecommendedAction::Skip,
                Decimal::ZERO,
                format!("strategy {id} is not among the weighted strategies"),
            ),
            Some(i) => {
                let weight = units_to_decimal(self.weights[i]);
                let size = weight * n;
                let action = if size >= TAKE_MIN_SHARE {
                    RecommendedAction::Take
                } else {
                    RecommendedAction::Skip
                };
                let mean = window_mean(&self.outcomes[i]).map_or_else(
                    || format!("not yet known ({} outcomes)", self.outcomes[i].len()),
                    |m| format!("{} over {} outcomes", m.round_dp(6), self.outcomes[i].len()),
                );
                (
                    action,
                    size,
                    format!(
                        "{id} weight {} vs equal share {} ({} strategies), take at >= {}; \
                         mean net return {mean}; size x{}",
                        weight.round_dp(4),
                        (Decimal::ONE / n).round_dp(4),
                        self.strategies.len(),
                        (TAKE_MIN_SHARE / n).round_dp(4),
                        size.round_dp(4),
                    ),
                )
            }
        };
        Recommendation {
            advisor: NAME.to_string(),
            action,
            size_multiplier: Ratio::from_fraction(size),
            strategy_weights: self.weights(),
            rationale,
        }
    }

    fn learn(&mut self, outcome: &AdvisorOutcome) {
        if let Some(i) = self.index(&outcome.decision.strategy) {
            let window = &mut self.outcomes[i];
            window.push_back(clip_return(outcome.net_forward_return.fraction()));
            while window.len() > PERFORMANCE_WINDOW {
                window.pop_front();
            }
        }
    }

    fn roll_day(&mut self, now: Timestamp) -> Option<WeightShift> {
        let day = now.date_naive();
        if self.last_rolled_day.is_some_and(|last| day <= last) {
            return None;
        }
        self.last_rolled_day = Some(day);
        let target = self.target_units();
        let clamp = self.clamp_units();
        let next = clamped_step(&self.weights, &target, clamp);
        debug_assert_eq!(next.iter().sum::<i128>(), UNIT);
        if next == self.weights {
            return None;
        }
        let max_shift = self
            .weights
            .iter()
            .zip(&next)
            .map(|(a, b)| (a - b).abs())
            .max()
            .unwrap_or(0);
        let before = self.weights();
        self.weights = next;
        Some(WeightShift {
            advisor: NAME.to_string(),
            at: now,
            before,
            after: self.weights(),
            max_shift: Ratio::from_fraction(units_to_decimal(max_shift)),
            clamp: self.clamp,
        })
    }

    fn state_json(&self) -> Option<serde_json::Value> {
        let state = SavedState {
            weights: self
                .strategies
                .iter()
                .zip(&self.weights)
                .map(|(id, u)| (id.to_string(), units_to_decimal(*u)))
                .collect(),
            outcomes: self
                .strategies
                .iter()
                .zip(&self.outcomes)
                .map(|(id, w)| (id.to_string(), w.iter().copied().collect()))
                .collect(),
            last_rolled_day: self.last_rolled_day,
        };
        serde_json::to_value(state).ok()
    }

    fn restore_json(&mut self, state: &serde_json::Value) -> Result<(), AdvisorStateError> {
        let saved: SavedState = serde_json::from_value(state.clone()).map_err(state_error)?;
        let known = |key: &str| self.strategies.iter().any(|s| s.as_str() == key);
        for key in saved.weights.keys() {
            if !known(key) {
                return Err(state_error(format_args!(
                    "weights.{key}: not a configured strategy (configured: {})",
                    self.configured_list()
                )));
            }
        }
        let mut weights = Vec::with_capacity(self.strategies.len());
        for id in &self.strategies {
            let Some(w) = saved.weights.get(id.as_str()) else {
                return Err(state_error(format_args!(
                    "weights.{id}: missing (configured: {})",
                    self.configured_list()
                )));
            };
            if *w < Decimal::ZERO {
                return Err(state_error(format_args!(
                    "weights.{id}: must be >= 0, got {w}"
                )));
            }
            weights.push(*w);
        }
        let sum = weights
            .iter()
            .try_fold(Decimal::ZERO, |acc, w| acc.checked_add(*w));
        match sum {
            Some(s) if (s - Decimal::ONE).abs() <= RESTORE_SUM_TOLERANCE => {}
            other => {
                let got = other.map_or_else(|| "overflow".to_string(), |s| s.to_string());
                return Err(state_error(format_args!(
                    "weights: must sum to 1 (within 1e-9), got {got}"
                )));
            }
        }
        let mut outcomes = vec![VecDeque::new(); self.strategies.len()];
        for (key, values) in &saved.outcomes {
            let i = self
                .strategies
                .iter()
                .position(|s| s.as_str() == key)
                .ok_or_else(|| {
                    state_error(format_args!(
                        "outcomes.{key}: not a configured strategy (configured: {})",
                        self.configured_list()
                    ))
                })?;
            let skip = values.len().saturating_sub(PERFORMANCE_WINDOW);
            outcomes[i] = values.iter().skip(skip).map(|v| clip_return(*v)).collect();
        }
        self.weights = apportion(&weights);
        self.outcomes = outcomes;
        self.last_rolled_day = saved.last_rolled_day;
        Ok(())
    }
}

#[cfg(test)]
mod fixtures {
    use std::collections::BTreeMap;

    use chrono::{Duration, TimeZone, Utc};
    use domain::ports::{AdvisorContext, AdvisorOutcome, Recommendation, RecommendedAction};
    use domain::{
        ActualOutcome, Confidence, Money, PortfolioSnapshot, PreservationLevel, Price, Ratio,
        Regime, ShadowDecision, Side, Signal, StrategyId, Symbol, Tier, Timestamp,
    };
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    pub(super) fn sid(s: &str) -> StrategyId {
        StrategyId::new(s).unwrap()
    }

    /// Noon UTC on day `d` after 2024-01-01.
    pub(super) fn day(d: i64) -> Timestamp {
        Utc.with_ymd_and_hms(2024, 1, 1, 12, 0, 0).unwrap() + Duration::days(d)
    }

    fn portfolio() -> PortfolioSnapshot {
        PortfolioSnapshot {
            cash: Money::new(dec!(10000)),
            equity: Money::new(dec!(10000)),
            peak_equity: Money::new(dec!(10000)),
            drawdown: Ratio::ZERO,
            realized_pnl: Money::ZERO,
            unrealized_pnl: Money::ZERO,
            daily_pnl: Money::ZERO,
            day_start_equity: Money::new(dec!(10000)),
            open_positions: 0,
            consecutive_losses: 0,
            last_loss_at: None,
        }
    }

    /// A buy signal of `strategy` on BTC-USD at confidence 0.7.
    pub(super) fn context(strategy: &str) -> AdvisorContext {
        AdvisorContext {
            signal: Signal {
                symbol: Symbol::new("BTC-USD").unwrap(),
                side: Side::Buy,
                confidence: Confidence::new(dec!(0.7)).unwrap(),
                tier: Tier::Medium,
                expected_edge: Ratio::from_fraction(dec!(0.004)),
                price: Price::new(dec!(50000)).unwrap(),
                stop_distance: None,
                is_exit: false,
                strategy: sid(strategy),
                features: Default::default(),
                ts: day(0),
            },
            portfolio: portfolio(),
            level: PreservationLevel::Normal,
            features: BTreeMap::new(),
            now: day(0),
        }
    }

    /// The resolved record `k` of `strategy` with a net forward return `ret`.
    pub(super) fn outcome(strategy: &str, ret: Decimal, k: i64) -> AdvisorOutcome {
        let at = day(0) + Duration::minutes(k);
        let recommendation = Recommendation {
            advisor: super::NAME.to_string(),
            action: RecommendedAction::Take,
            size_multiplier: Ratio::ONE,
            strategy_weights: BTreeMap::new(),
            rationale: String::new(),
        };
        AdvisorOutcome {
            decision: ShadowDecision {
                id: format!("BTC-USD:{strategy}:{k}"),
                at,
                symbol: Symbol::new("BTC-USD").unwrap(),
                strategy: sid(strategy),
                side: Side::Buy,
                confidence: Confidence::new(dec!(0.7)).unwrap(),
                tier: Tier::Medium,
                entry_price: Price::new(dec!(50000)).unwrap(),
                notional: Money::new(dec!(1000)),
                outcome: ActualOutcome::Taken,
                reasons: Vec::new(),
                regime: Regime::Sideways,
                features: BTreeMap::new(),
                recommendations: vec![recommendation.clone()],
                horizon_end: at + Duration::hours(4),
            },
            recommendation,
            net_forward_return: Ratio::from_fraction(ret),
            resolved_at: at + Duration::hours(4),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{context, day, outcome, sid};
    use super::*;
    use rust_decimal_macros::dec;

    fn two() -> StrategyWeights {
        StrategyWeights::new(vec![sid("a"), sid("b")], DEFAULT_CLAMP).unwrap()
    }

    fn sum(weights: &BTreeMap<StrategyId, Ratio>) -> Decimal {
        weights.values().map(|r| r.fraction()).sum()
    }

    #[test]
    fn starts_with_equal_weights_summing_to_one() {
        let w = StrategyWeights::new(vec![sid("c"), sid("a"), sid("b"), sid("a")], DEFAULT_CLAMP)
            .unwrap();
        assert_eq!(w.strategies().len(), 3);
        assert_eq!(sum(&w.weights()), Decimal::ONE);
        for r in w.weights().values() {
            assert!((r.fraction() - Decimal::ONE / dec!(3)).abs() < dec!(0.000000000002));
        }
    }

    #[test]
    fn rejects_empty_list_and_clamp_outside_unit_interval() {
        assert!(StrategyWeights::new(vec![], DEFAULT_CLAMP).is_err());
        for bad in [dec!(0), dec!(-0.1), dec!(1.01)] {
            let err = StrategyWeights::new(vec![sid("a")], Ratio::from_fraction(bad)).unwrap_err();
            assert!(err.to_string().contains("clamp"), "{err}");
        }
    }

    #[test]
    fn no_shift_when_nothing_learned() {
        let mut w = two();
        for d in 1..5 {
            assert_eq!(w.roll_day(day(d)), None);
        }
        assert_eq!(w.weights()[&sid("a")].fraction(), dec!(0.5));
    }

    #[test]
    fn converges_toward_the_better_strategy_never_more_than_the_clamp_per_day() {
        let mut w = two();
        for k in 0..20 {
            w.learn(&outcome("a", dec!(0.01), k));
            w.learn(&outcome("b", dec!(-0.005), k));
        }
        // Scores 0.011 and 0.001: target a = 11/12.
        let target = w.target_weights()[&sid("a")].fraction();
        assert!((target - dec!(0.9166666666667)).abs() < dec!(0.000000000001));
        let mut seen = vec![w.weights()[&sid("a")].fraction()];
        for d in 1..=8 {
            if let Some(shift) = w.roll_day(day(d)) {
                assert!(shift.violations().is_empty(), "{shift:?}");
                assert!(shift.max_shift.fraction() <= dec!(0.10));
                assert_eq!(sum(&shift.after), Decimal::ONE);
            }
            seen.push(w.weights()[&sid("a")].fraction());
        }
        assert_eq!(
            &seen[..6],
            &[
                dec!(0.5),
                dec!(0.6),
                dec!(0.7),
                dec!(0.8),
                dec!(0.9),
                target
            ]
        );
        assert_eq!(seen[7], target, "no further move once at the target");
        // Now b's share (1/12) is below half the equal share (1/4): its signals are skipped.
        let rec_b = w.recommend(&context("b"));
        assert_eq!(rec_b.action, RecommendedAction::Skip);
        let rec_a = w.recommend(&context("a"));
        assert_eq!(rec_a.action, RecommendedAction::Take);
        assert_eq!(rec_a.size_multiplier.fraction(), target * dec!(2));
        assert_eq!(rec_a.strategy_weights, w.weights());
        assert!(
            rec_a.rationale.contains("weight 0.9167"),
            "{}",
            rec_a.rationale
        );
    }

    #[test]
    fn moves_only_once_per_day() {
        let mut w = two();
        for k in 0..10 {
            w.learn(&outcome("a", dec!(0.02), k));
        }
        assert!(w.roll_day(day(1)).is_some());
        let later_same_day = day(1) + chrono::Duration::hours(5);
        assert_eq!(w.roll_day(later_same_day), None);
        assert_eq!(w.roll_day(day(0)), None, "an earlier day does nothing");
        assert_eq!(w.weights()[&sid("a")].fraction(), dec!(0.6));
    }

    #[test]
    fn too_few_outcomes_do_not_count() {
        let mut w = two();
        for k in 0..(MIN_OUTCOMES - 1) {
            w.learn(&outcome("a", dec!(0.05), k as i64));
        }
        assert_eq!(w.mean_return(&sid("a")), None);
        assert_eq!(w.roll_day(day(1)), None);
    }

    #[test]
    fn unknown_strategies_are_ignored_and_skipped() {
        let mut w = two();
        for k in 0..10 {
            w.learn(&outcome("zzz", dec!(0.05), k));
        }
        assert_eq!(w.outcome_count(&sid("zzz")), 0);
        let rec = w.recommend(&context("zzz"));
        assert_eq!(rec.action, RecommendedAction::Skip);
        assert_eq!(rec.size_multiplier, Ratio::ZERO);
    }

    #[test]
    fn window_keeps_the_last_outcomes_only() {
        let mut w = two();
        for k in 0..PERFORMANCE_WINDOW {
            w.learn(&outcome("a", dec!(-0.01), k as i64));
        }
        for k in 0..PERFORMANCE_WINDOW {
            w.learn(&outcome("a", dec!(0.02), k as i64));
        }
        assert_eq!(w.outcome_count(&sid("a")), PERFORMANCE_WINDOW);
        assert_eq!(
            w.mean_return(&sid("a")),
            Some(Ratio::from_fraction(dec!(0.02)))
        );
    }

    #[test]
    fn restore_round_trips_weights_windows_and_day() {
        let mut w = two();
        for k in 0..12 {
            w.learn(&outcome("a", dec!(0.003), k));
            w.learn(&outcome("b", dec!(0.001), k));
        }
        w.roll_day(day(1));
        let text = serde_json::to_string(&w.state_json().unwrap()).unwrap();
        let mut restored = two();
        restored
            .restore_json(&serde_json::from_str(&text).unwrap())
            .unwrap();
        assert_eq!(restored, w);
        assert_eq!(restored.roll_day(day(1)), None, "day already rolled");
        assert_eq!(restored.roll_day(day(2)), w.roll_day(day(2)));
    }

    #[test]
    fn restore_rejects_bad_state_naming_the_field() {
        let good = two().state_json().unwrap();
        let cases: [(&str, serde_json::Value); 6] = [
            ("weights.a: must be >= 0", {
                let mut s = good.clone();
                s["weights"] = serde_json::json!({"a": "-0.1", "b": "1.1"});
                s
            }),
            ("weights: must sum to 1", {
                let mut s = good.clone();
                s["weights"] = serde_json::json!({"a": "0.5", "b": "0.6"});
                s
            }),
            ("weights.b: missing", {
                let mut s = good.clone();
                s["weights"] = serde_json::json!({"a": "1"});
                s
            }),
            ("weights.c: not a configured strategy", {
                let mut s = good.clone();
                s["weights"] = serde_json::json!({"a": "0.5", "b": "0.5", "c": "0"});
                s
            }),
            ("outcomes.c: not a configured strategy", {
                let mut s = good.clone();
                s["outcomes"] = serde_json::json!({"c": ["0.1"]});
                s
            }),
            ("strategy_weights state:", serde_json::json!({"weights": 3})),
        ];
        for (expected, state) in cases {
            let mut w = two();
            let before = w.clone();
            let err = w.restore_json(&state).unwrap_err();
            assert!(err.to_string().contains(expected), "{expected}: {err}");
            assert_eq!(w, before, "a rejected state changes nothing");
        }
    }

    #[test]
    fn restore_requantises_weights_within_tolerance_to_sum_exactly_one() {
        let mut w = two();
        let mut s = w.state_json().unwrap();
        s["weights"] = serde_json::json!({"a": "0.6000000000004", "b": "0.4000000000001"});
        w.restore_json(&s).unwrap();
        assert_eq!(sum(&w.weights()), Decimal::ONE);
    }

    #[test]
    fn clamped_step_hands_out_rounding_residue_within_the_clamp() {
        // Three equal moves of 1/3 scaled by clamp/max leave a residue to distribute.
        let current = [UNIT, 0, 0];
        let target = apportion(&[dec!(0), dec!(1), dec!(1)]);
        let clamp = 333_333_333_333;
        let next = clamped_step(&current, &target, clamp);
        assert_eq!(next.iter().sum::<i128>(), UNIT);
        for (c, n) in current.iter().zip(&next) {
            assert!((c - n).abs() <= clamp);
            assert!(*n >= 0);
        }
    }
}

#[cfg(test)]
mod property_tests {
    use super::fixtures::{day, outcome};
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Learn(usize, i64),
        Roll(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0usize..5, -1000i64..=1000).prop_map(|(s, r)| Op::Learn(s, r)),
            1 => (0i64..3).prop_map(Op::Roll),
        ]
    }

    proptest! {
        #[test]
        fn prop_every_shift_respects_the_clamp_and_keeps_weights_a_distribution(
            n in 1usize..=5,
            clamp_pct in 1i64..=100,
            ops in proptest::collection::vec(op(), 0..300),
        ) {
            let names: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
            let ids = names.iter().map(|s| StrategyId::new(s).unwrap()).collect();
            let clamp = Ratio::from_fraction(Decimal::new(clamp_pct, 2));
            let mut w = StrategyWeights::new(ids, clamp).unwrap();
            let mut today = 0i64;
            for (k, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Learn(s, r) => {
                        // Returns in [-0.1, 0.1].
                        let name = &names[s % n];
                        w.learn(&outcome(name, Decimal::new(r, 4), k as i64));
                    }
                    Op::Roll(ahead) => {
                        today += ahead;
                        if let Some(shift) = w.roll_day(day(today)) {
                            prop_assert!(shift.violations().is_empty(), "{:?}", shift);
                            prop_assert!(shift.max_shift.fraction() <= clamp.fraction());
                            let largest = shift.shifts().values().map(|r| r.fraction()).max();
                            prop_assert_eq!(largest, Some(shift.max_shift.fraction()));
                            prop_assert!(shift.after.values().all(|r| r.fraction() >= Decimal::ZERO));
                            let total: Decimal = shift.after.values().map(|r| r.fraction()).sum();
                            prop_assert_eq!(total, Decimal::ONE);
                            prop_assert_eq!(&shift.after, &w.weights());
                        }
                    }
                }
                let total: Decimal = w.weights().values().map(|r| r.fraction()).sum();
                prop_assert_eq!(total, Decimal::ONE);
            }
        }

        #[test]
        fn prop_apportion_sums_to_one_unit_for_any_shares(
            shares in proptest::collection::vec(0i64..1_000_000, 1..8),
        ) {
            let shares: Vec<Decimal> = shares.into_iter().map(|s| Decimal::new(s, 6)).collect();
            let parts = apportion(&shares);
            prop_assert_eq!(parts.iter().sum::<i128>(), UNIT);
            prop_assert!(parts.iter().all(|p| *p >= 0));
        }

        #[test]
        fn prop_clamped_step_stays_within_clamp_and_between_current_and_target(
            a in proptest::collection::vec(0i64..1000, 2..7),
            b in proptest::collection::vec(0i64..1000, 2..7),
            clamp in 1i128..=UNIT,
        ) {
            let n = a.len().min(b.len());
            let current = apportion(&a[..n].iter().map(|x| Decimal::from(*x)).collect::<Vec<_>>());
            let target = apportion(&b[..n].iter().map(|x| Decimal::from(*x)).collect::<Vec<_>>());
            let next = clamped_step(&current, &target, clamp);
            prop_assert_eq!(next.iter().sum::<i128>(), UNIT);
            for i in 0..n {
                prop_assert!((next[i] - current[i]).abs() <= clamp);
                let (lo, hi) = (current[i].min(target[i]), current[i].max(target[i]));
                prop_assert!(lo <= next[i] && next[i] <= hi);
            }
        }
    }
}
