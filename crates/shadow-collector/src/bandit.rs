//! The `contextual_bandit` advisor: LinUCB over a small, documented feature vector,
//! learning online from every resolved shadow record.
//!
//! # Model
//!
//! One linear model, for the `Take` arm: the expected reward of taking a signal with
//! features `x` is `x . theta`, where the reward is the record's `net_forward_return`
//! (clipped to `[-0.2, 0.2]`). `Skip` earns 0 by definition, so it needs no model. The
//! model is ridge regression kept as `A^-1` and `b`, with `A = ridge x I + sum x x^T`,
//! `b = sum r x` and `theta = A^-1 b`; each outcome updates `A^-1` by the
//! Sherman–Morrison formula (O(D^2), no inversion). Deterministic: no randomness.
//!
//! For a signal the advisor computes
//!
//! - `mean  = x . theta` (the estimated net return of taking it),
//! - `bonus = alpha x sqrt(x^T A^-1 x)` (the exploration bonus, large where the model
//!   has seen little data),
//! - `size_multiplier = clamp(1 + mean / bonus, 0, 2)` rounded to 4 decimals, and
//! - `Take` when that rounded size is positive, which is `mean + bonus > 0` (the upper
//!   confidence bound of the take reward beats Skip's 0) up to the rounding, else `Skip`
//!   with size 0.
//!
//! So an uncertain but unpromising signal is taken small (size below 1), a confident
//! positive estimate is taken up to twice the pipeline's size, and a confident negative
//! estimate is skipped. Early on every signal is taken (pure exploration). A result that
//! is not finite (a corrupt state) gives `Skip` with size 0.
//!
//! # Learning
//!
//! [`Advisor::learn`] rebuilds `x` from the record itself (`decision.features`,
//! `decision.confidence`, `decision.side`) with the same [`feature_vector`] used to
//! recommend, so what the model learns from is what it saw. Every resolved record
//! teaches it, whatever it recommended: the counterfactual take reward is observed for
//! every signal. An update that would make the state non-finite is dropped.
//!
//! # Features
//!
//! `x` has [`DIMENSION`] = 7 components, in this order ([`FEATURE_NAMES`]); a missing or
//! unreadable market feature counts as its neutral value:
//!
//! | # | name | value | range |
//! |---|---|---|---|
//! | 0 | `bias` | 1 | 1 |
//! | 1 | `trend_aligned` | `side x trend / 0.005`, clamped (`trend` feature; positive when the trend agrees with the signal's direction; missing: 0) | `[-1, 1]` |
//! | 2 | `volatility_regime` | `volatility_ratio - 1`, clamped (missing: ratio 1, so 0) | `[-1, 1]` |
//! | 3 | `confidence` | the signal's confidence | `[0, 1]` |
//! | 4 | `hit_rate` | `2 x hit_rate - 1`, clamped (`hit_rate` feature, the symbol's rolling share of resolved signals with a positive net return; missing: 0.5, so 0) | `[-1, 1]` |
//! | 5 | `cost` | `cost_bps / 100`, clamped (`cost_bps` feature, round-trip cost in bps; missing: 0) | `[0, 1]` |
//! | 6 | `side` | +1 buy, -1 sell | `{-1, 1}` |
//!
//! The trend enters signed by the side because a linear model cannot otherwise learn that
//! buying in an up-trend and selling in a down-trend are alike.
//!
//! # State
//!
//! [`Advisor::state_json`] saves `A^-1`, `b` and the number of outcomes learned, with each
//! float written as text in its shortest exact form (so a restart through JSON text
//! restores the very same numbers and the very same recommendations).
//! [`Advisor::restore_json`] checks the dimensions, that every number is finite, that the
//! diagonal of `A^-1` is positive and that `A^-1` is symmetric (within a relative `1e-12`),
//! naming the offending field; a rejected state changes nothing.

use std::collections::BTreeMap;

use domain::ports::{
    Advisor, AdvisorContext, AdvisorOutcome, AdvisorStateError, Recommendation, RecommendedAction,
};
use domain::{Confidence, DomainError, Ratio, Side};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::{Deserialize, Serialize};

use crate::context::feature;

/// The advisor's stable name.
pub const NAME: &str = "contextual_bandit";

/// Number of components of the feature vector.
pub const DIMENSION: usize = 7;

/// Names of the feature vector's components, in order (module docs: definitions).
pub const FEATURE_NAMES: [&str; DIMENSION] = [
    "bias",
    "trend_aligned",
    "volatility_regime",
    "confidence",
    "hit_rate",
    "cost",
    "side",
];

/// The `trend` value that maps to a full `trend_aligned` of 1 (0.5%).
pub const TREND_SCALE: f64 = 0.005;

/// The `cost_bps` value that maps to a full `cost` of 1.
pub const COST_SCALE_BPS: f64 = 100.0;

/// Rewards are clipped to `[-REWARD_CLIP, REWARD_CLIP]` before learning.
pub const REWARD_CLIP: f64 = 0.2;

/// The largest size multiplier the bandit suggests.
pub const MAX_SIZE_MULTIPLIER: f64 = 2.0;

/// Decimal places of the suggested size multiplier.
pub const SIZE_DECIMALS: u32 = 4;

/// Relative tolerance of the symmetry of a restored `A^-1`.
const SYMMETRY_TOLERANCE: f64 = 1e-12;

/// A feature vector.
pub type FeatureVector = [f64; DIMENSION];

/// Tuning of a [`ContextualBandit`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BanditConfig {
    /// Width of the exploration bonus, in units of net return (default 0.01 = 1%,
    /// about the spread of a few hours' returns of a crypto pair). Must be finite and > 0.
    pub alpha: f64,
    /// Ridge prior: the initial `A` is `ridge x I` (default 1). Must be finite and > 0.
    pub ridge: f64,
}

impl Default for BanditConfig {
    fn default() -> Self {
        Self {
            alpha: 0.01,
            ridge: 1.0,
        }
    }
}

/// A market feature as a float; `None` when missing.
fn read(features: &BTreeMap<String, Decimal>, name: &str) -> Option<f64> {
    features
        .get(name)
        .and_then(Decimal::to_f64)
        .filter(|v| v.is_finite())
}

/// `value` clamped to `[lo, hi]`; `default` when not finite.
fn bounded(value: f64, lo: f64, hi: f64, default: f64) -> f64 {
    if value.is_finite() {
        value.clamp(lo, hi)
    } else {
        default
    }
}

/// The feature vector of a signal (module docs: the table). Used both to recommend
/// (with the advisor context's features) and to learn (with the record's features).
pub fn feature_vector(
    features: &BTreeMap<String, Decimal>,
    confidence: Confidence,
    side: Side,
) -> FeatureVector {
    let sign = match side {
        Side::Buy => 1.0,
        Side::Sell => -1.0,
    };
    let trend = read(features, feature::TREND).unwrap_or(0.0);
    let ratio = read(features, feature::VOLATILITY_RATIO).unwrap_or(1.0);
    let hit_rate = read(features, feature::HIT_RATE).unwrap_or(0.5);
    let cost_bps = read(features, feature::COST_BPS).unwrap_or(0.0);
    [
        1.0,
        bounded(sign * trend / TREND_SCALE, -1.0, 1.0, 0.0),
        bounded(ratio - 1.0, -1.0, 1.0, 0.0),
        bounded(confidence.value().to_f64().unwrap_or(0.0), 0.0, 1.0, 0.0),
        bounded(2.0 * hit_rate - 1.0, -1.0, 1.0, 0.0),
        bounded(cost_bps / COST_SCALE_BPS, 0.0, 1.0, 0.0),
        sign,
    ]
}

/// The suggested size for an estimated `mean` and exploration `bonus` (module docs):
/// `clamp(1 + mean / bonus, 0, 2)`; with no bonus, 2 when the mean is positive, else 0;
/// 0 when anything is not finite. Always in `[0, 2]`.
pub fn size_multiplier(mean: f64, bonus: f64) -> f64 {
    if !(mean.is_finite() && bonus.is_finite()) {
        return 0.0;
    }
    let size = if bonus > 0.0 {
        1.0 + mean / bonus
    } else if mean > 0.0 {
        MAX_SIZE_MULTIPLIER
    } else {
        0.0
    };
    bounded(size, 0.0, MAX_SIZE_MULTIPLIER, 0.0)
}

fn dot(a: &FeatureVector, b: &FeatureVector) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn mat_vec(m: &[FeatureVector; DIMENSION], x: &FeatureVector) -> FeatureVector {
    let mut out = [0.0; DIMENSION];
    for (o, row) in out.iter_mut().zip(m) {
        *o = dot(row, x);
    }
    out
}

/// The bandit's estimate for one feature vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// `x . theta`: the estimated net return of taking the signal.
    pub mean: f64,
    /// `alpha x sqrt(x^T A^-1 x)`: the exploration bonus.
    pub bonus: f64,
}

impl Estimate {
    /// The upper confidence bound `mean + bonus`.
    pub fn ucb(&self) -> f64 {
        self.mean + self.bonus
    }
}

/// The `contextual_bandit` advisor (module docs: model, features, learning, state).
#[derive(Debug, Clone, PartialEq)]
pub struct ContextualBandit {
    config: BanditConfig,
    a_inv: [FeatureVector; DIMENSION],
    b: FeatureVector,
    learned: u64,
}

impl Default for ContextualBandit {
    fn default() -> Self {
        Self::fresh(BanditConfig::default())
    }
}

impl ContextualBandit {
    /// A bandit with the default [`BanditConfig`] that has learned nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// A bandit with `config` that has learned nothing; `alpha` and `ridge` must be finite
    /// and > 0.
    pub fn with_config(config: BanditConfig) -> Result<Self, DomainError> {
        for (field, value) in [
            ("contextual_bandit.alpha", config.alpha),
            ("contextual_bandit.ridge", config.ridge),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(DomainError::OutOfRange {
                    field,
                    expected: "finite and > 0",
                    value: value.to_string(),
                });
            }
        }
        Ok(Self::fresh(config))
    }

    fn fresh(config: BanditConfig) -> Self {
        let mut a_inv = [[0.0; DIMENSION]; DIMENSION];
        for (i, row) in a_inv.iter_mut().enumerate() {
            row[i] = 1.0 / config.ridge;
        }
        Self {
            config,
            a_inv,
            b: [0.0; DIMENSION],
            learned: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> BanditConfig {
        self.config
    }

    /// Number of outcomes learned.
    pub fn learned(&self) -> u64 {
        self.learned
    }

    /// The current coefficients `theta = A^-1 b`, in [`FEATURE_NAMES`] order.
    pub fn theta(&self) -> FeatureVector {
        mat_vec(&self.a_inv, &self.b)
    }

    /// The estimate for a feature vector.
    pub fn estimate(&self, x: &FeatureVector) -> Estimate {
        let mean = dot(x, &self.theta());
        let spread = dot(x, &mat_vec(&self.a_inv, x));
        let bonus = if spread > 0.0 {
            self.config.alpha * spread.sqrt()
        } else {
            0.0
        };
        Estimate { mean, bonus }
    }

    /// Adds one observation `(x, reward)`; returns `false` (and changes nothing) when the
    /// update would not be finite.
    fn observe(&mut self, x: &FeatureVector, reward: f64) -> bool {
        // Sherman–Morrison: (A + x x^T)^-1 = A^-1 - (A^-1 x)(A^-1 x)^T / (1 + x^T A^-1 x),
        // using the symmetry of A^-1.
        let u = mat_vec(&self.a_inv, x);
        let denom = 1.0 + dot(x, &u);
        if !(denom.is_finite() && denom > 0.0) {
            return false;
        }
        // The correction u_i u_j / denom is the same float for (i, j) and (j, i), so a
        // symmetric A^-1 stays exactly symmetric.
        let mut a_inv = self.a_inv;
        for (i, row) in a_inv.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell -= u[i] * u[j] / denom;
            }
        }
        let mut b = self.b;
        for (bi, xi) in b.iter_mut().zip(x) {
            *bi += reward * xi;
        }
        let finite = a_inv.iter().flatten().chain(&b).all(|v| v.is_finite());
        if !finite {
            return false;
        }
        self.a_inv = a_inv;
        self.b = b;
        self.learned = self.learned.saturating_add(1);
        true
    }
}

/// A float as state text: its shortest form that parses back to the same number.
fn float_text(value: f64) -> String {
    format!("{value:e}")
}

/// What [`ContextualBandit`] saves.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedState {
    a_inv: Vec<Vec<String>>,
    b: Vec<String>,
    learned: u64,
}

fn state_error(detail: impl std::fmt::Display) -> AdvisorStateError {
    AdvisorStateError(format!("{NAME} state: {detail}"))
}

fn parse_float(field: &str, text: &str) -> Result<f64, AdvisorStateError> {
    let v: f64 = text
        .parse()
        .map_err(|_| state_error(format_args!("{field}: not a number: {text:?}")))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(state_error(format_args!(
            "{field}: must be finite, got {text:?}"
        )))
    }
}

fn parse_vector(field: &str, texts: &[String]) -> Result<FeatureVector, AdvisorStateError> {
    if texts.len() != DIMENSION {
        return Err(state_error(format_args!(
            "{field}: expected {DIMENSION} numbers, got {}",
            texts.len()
        )));
    }
    let mut out = [0.0; DIMENSION];
    for (i, (o, t)) in out.iter_mut().zip(texts).enumerate() {
        *o = parse_float(&format!("{field}[{i}]"), t)?;
    }
    Ok(out)
}

impl Advisor for ContextualBandit {
    fn name(&self) -> &str {
        NAME
    }

    fn recommend(&mut self, ctx: &AdvisorContext) -> Recommendation {
        let x = feature_vector(&ctx.features, ctx.signal.confidence, ctx.signal.side);
        let est = self.estimate(&x);
        let size = Decimal::from_f64(size_multiplier(est.mean, est.bonus))
            .map_or(Decimal::ZERO, |d| d.round_dp(SIZE_DECIMALS))
            .clamp(Decimal::ZERO, Decimal::TWO);
        let action = if size > Decimal::ZERO {
            RecommendedAction::Take
        } else {
            RecommendedAction::Skip
        };
        let rationale = if est.mean.is_finite() && est.bonus.is_finite() {
            format!(
                "ucb {:.6} = estimated net return {:.6} + exploration {:.6} after {} outcomes; \
                 features {}; size x{size}",
                est.ucb(),
                est.mean,
                est.bonus,
                self.learned,
                FEATURE_NAMES
                    .iter()
                    .zip(&x)
                    .map(|(n, v)| format!("{n}={v:.3}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        } else {
            "model estimate is not finite; skipping".to_string()
        };
        Recommendation {
            advisor: NAME.to_string(),
            action,
            size_multiplier: Ratio::from_fraction(size),
            strategy_weights: BTreeMap::new(),
            rationale,
        }
    }

    fn learn(&mut self, outcome: &AdvisorOutcome) {
        let d = &outcome.decision;
        let x = feature_vector(&d.features, d.confidence, d.side);
        let reward = outcome.net_forward_return.to_f64_lossy();
        if reward.is_finite() {
            self.observe(&x, reward.clamp(-REWARD_CLIP, REWARD_CLIP));
        }
    }

    fn state_json(&self) -> Option<serde_json::Value> {
        let state = SavedState {
            a_inv: self
                .a_inv
                .iter()
                .map(|row| row.iter().map(|v| float_text(*v)).collect())
                .collect(),
            b: self.b.iter().map(|v| float_text(*v)).collect(),
            learned: self.learned,
        };
        serde_json::to_value(state).ok()
    }

    fn restore_json(&mut self, state: &serde_json::Value) -> Result<(), AdvisorStateError> {
        let saved: SavedState = serde_json::from_value(state.clone()).map_err(state_error)?;
        if saved.a_inv.len() != DIMENSION {
            return Err(state_error(format_args!(
                "a_inv: expected {DIMENSION} rows, got {}",
                saved.a_inv.len()
            )));
        }
        let mut a_inv = [[0.0; DIMENSION]; DIMENSION];
        for (i, (row, texts)) in a_inv.iter_mut().zip(&saved.a_inv).enumerate() {
            *row = parse_vector(&format!("a_inv[{i}]"), texts)?;
        }
        for (i, row) in a_inv.iter().enumerate() {
            if row[i] <= 0.0 {
                return Err(state_error(format_args!(
                    "a_inv[{i}][{i}]: a diagonal entry must be > 0, got {:e}",
                    row[i]
                )));
            }
            for (j, cell) in row.iter().enumerate() {
                let other = a_inv[j][i];
                if (cell - other).abs() > SYMMETRY_TOLERANCE * cell.abs().max(other.abs()) {
                    return Err(state_error(format_args!(
                        "a_inv[{i}][{j}]: must equal a_inv[{j}][{i}] (the matrix is symmetric), \
                         got {cell:e} and {other:e}"
                    )));
                }
            }
        }
        // Within tolerance: make it exactly symmetric (upper triangle wins).
        let upper = a_inv;
        for (i, row) in a_inv.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate().take(i) {
                *cell = upper[j][i];
            }
        }
        let b = parse_vector("b", &saved.b)?;
        self.a_inv = a_inv;
        self.b = b;
        self.learned = saved.learned;
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

    fn t0() -> Timestamp {
        Utc.with_ymd_and_hms(2024, 1, 1, 12, 0, 0).unwrap()
    }

    /// Market features from `(name, value)` pairs.
    pub(super) fn features(pairs: &[(&str, Decimal)]) -> BTreeMap<String, Decimal> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    /// A BTC-USD signal of `side` at `confidence` seen with market `features`.
    pub(super) fn context(
        features: BTreeMap<String, Decimal>,
        confidence: Decimal,
        side: Side,
    ) -> AdvisorContext {
        AdvisorContext {
            signal: Signal {
                symbol: Symbol::new("BTC-USD").unwrap(),
                side,
                confidence: Confidence::new(confidence).unwrap(),
                tier: Tier::Medium,
                expected_edge: Ratio::from_fraction(dec!(0.004)),
                price: Price::new(dec!(50000)).unwrap(),
                stop_distance: None,
                is_exit: false,
                strategy: StrategyId::new("sma_cross").unwrap(),
                features: Default::default(),
                ts: t0(),
            },
            portfolio: PortfolioSnapshot {
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
            },
            level: PreservationLevel::Normal,
            features,
            now: t0(),
        }
    }

    /// The resolved record `k` of the signal in `ctx`, with net forward return `ret`.
    pub(super) fn outcome(ctx: &AdvisorContext, ret: Decimal, k: i64) -> AdvisorOutcome {
        let at = t0() + Duration::minutes(k);
        let recommendation = Recommendation {
            advisor: super::NAME.to_string(),
            action: RecommendedAction::Take,
            size_multiplier: Ratio::ONE,
            strategy_weights: BTreeMap::new(),
            rationale: String::new(),
        };
        AdvisorOutcome {
            decision: ShadowDecision {
                id: format!("BTC-USD:sma_cross:{k}"),
                at,
                symbol: ctx.signal.symbol.clone(),
                strategy: ctx.signal.strategy.clone(),
                side: ctx.signal.side,
                confidence: ctx.signal.confidence,
                tier: ctx.signal.tier,
                entry_price: ctx.signal.price,
                notional: Money::new(dec!(1000)),
                outcome: ActualOutcome::Taken,
                reasons: Vec::new(),
                regime: Regime::Sideways,
                features: ctx.features.clone(),
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
    use super::fixtures::{context, features, outcome};
    use super::*;
    use rust_decimal_macros::dec;

    fn up_trend() -> BTreeMap<String, Decimal> {
        features(&[("trend", dec!(0.004)), ("volatility_ratio", dec!(1.1))])
    }

    fn down_trend() -> BTreeMap<String, Decimal> {
        features(&[("trend", dec!(-0.004)), ("volatility_ratio", dec!(1.1))])
    }

    #[test]
    fn feature_vector_follows_the_documented_table() {
        let f = features(&[
            ("trend", dec!(0.0025)),
            ("volatility_ratio", dec!(1.4)),
            ("hit_rate", dec!(0.75)),
            ("cost_bps", dec!(20)),
            ("unrelated", dec!(99)),
        ]);
        let c = Confidence::new(dec!(0.8)).unwrap();
        let buy = feature_vector(&f, c, Side::Buy);
        let expected = [1.0, 0.5, 0.4, 0.8, 0.5, 0.2, 1.0];
        for (got, want) in buy.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{buy:?}");
        }
        let sell = feature_vector(&f, c, Side::Sell);
        assert!((sell[1] + 0.5).abs() < 1e-12, "trend is signed by the side");
        assert!((sell[6] + 1.0).abs() < 1e-12);
    }

    #[test]
    fn missing_features_are_neutral_and_extremes_are_clamped() {
        let c = Confidence::new(dec!(0.6)).unwrap();
        let empty = feature_vector(&BTreeMap::new(), c, Side::Buy);
        let expected = [1.0, 0.0, 0.0, 0.6, 0.0, 0.0, 1.0];
        for (got, want) in empty.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{empty:?}");
        }
        let wild = features(&[
            ("trend", Decimal::MAX),
            ("volatility_ratio", Decimal::MIN),
            ("hit_rate", dec!(7)),
            ("cost_bps", dec!(-5)),
        ]);
        let x = feature_vector(&wild, c, Side::Buy);
        let expected = [1.0, 1.0, -1.0, 0.6, 1.0, 0.0, 1.0];
        for (got, want) in x.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{x:?}");
        }
    }

    #[test]
    fn explores_by_taking_everything_before_learning() {
        let mut bandit = ContextualBandit::new();
        for f in [up_trend(), down_trend(), BTreeMap::new()] {
            let rec = bandit.recommend(&context(f, dec!(0.7), Side::Buy));
            assert_eq!(rec.action, RecommendedAction::Take);
            assert_eq!(
                rec.size_multiplier.fraction(),
                Decimal::ONE,
                "mean 0: size 1"
            );
            assert_eq!(rec.advisor, NAME);
        }
    }

    #[test]
    fn learns_to_take_where_taking_pays_and_skip_where_it_loses() {
        let mut bandit = ContextualBandit::new();
        let good = context(up_trend(), dec!(0.7), Side::Buy);
        let bad = context(down_trend(), dec!(0.7), Side::Buy);
        for k in 0..100 {
            bandit.learn(&outcome(&good, dec!(0.01), 2 * k));
            bandit.learn(&outcome(&bad, dec!(-0.01), 2 * k + 1));
        }
        assert_eq!(bandit.learned(), 200);
        let take = bandit.recommend(&good);
        let skip = bandit.recommend(&bad);
        assert_eq!(take.action, RecommendedAction::Take, "{}", take.rationale);
        assert!(
            take.size_multiplier.fraction() > Decimal::ONE,
            "{}",
            take.rationale
        );
        assert_eq!(skip.action, RecommendedAction::Skip, "{}", skip.rationale);
        assert_eq!(skip.size_multiplier, Ratio::ZERO);
        // The trend is signed by the side: selling into a down-trend looks like the good case.
        let sell_down = context(down_trend(), dec!(0.7), Side::Sell);
        let x = feature_vector(&sell_down.features, sell_down.signal.confidence, Side::Sell);
        assert!(
            bandit.estimate(&x).mean > 0.005,
            "{:?}",
            bandit.estimate(&x)
        );
        let rec = bandit.recommend(&sell_down);
        assert_eq!(rec.action, RecommendedAction::Take, "{}", rec.rationale);
    }

    #[test]
    fn sherman_morrison_inverse_matches_the_accumulated_matrix() {
        let mut bandit = ContextualBandit::new();
        let mut a = [[0.0; DIMENSION]; DIMENSION];
        for (i, row) in a.iter_mut().enumerate() {
            row[i] = bandit.config().ridge;
        }
        for k in 0..60i64 {
            let f = features(&[
                ("trend", Decimal::new((k * 37) % 11 - 5, 3)),
                ("volatility_ratio", Decimal::new(50 + (k * 13) % 150, 2)),
                ("hit_rate", Decimal::new((k * 7) % 100, 2)),
                ("cost_bps", Decimal::new(5 + k % 30, 0)),
            ]);
            let side = if k % 3 == 0 { Side::Sell } else { Side::Buy };
            let ctx = context(f, Decimal::new(50 + k % 50, 2), side);
            let x = feature_vector(&ctx.features, ctx.signal.confidence, side);
            for (row, xi) in a.iter_mut().zip(x) {
                for (cell, xj) in row.iter_mut().zip(x) {
                    *cell += xi * xj;
                }
            }
            bandit.learn(&outcome(&ctx, Decimal::new(k % 9 - 4, 3), k));
        }
        for (i, row) in a.iter().enumerate() {
            for j in 0..DIMENSION {
                let cell: f64 = row
                    .iter()
                    .zip(&bandit.a_inv)
                    .map(|(r, inv)| r * inv[j])
                    .sum();
                let identity = if i == j { 1.0 } else { 0.0 };
                assert!(
                    (cell - identity).abs() < 1e-9,
                    "(A A^-1)[{i}][{j}] = {cell}"
                );
            }
        }
    }

    #[test]
    fn rewards_are_clipped() {
        let ctx = context(up_trend(), dec!(0.7), Side::Buy);
        let mut clipped = ContextualBandit::new();
        clipped.learn(&outcome(&ctx, dec!(5), 0));
        let mut at_clip = ContextualBandit::new();
        at_clip.learn(&outcome(&ctx, dec!(0.2), 0));
        assert_eq!(clipped, at_clip);
    }

    #[test]
    fn state_round_trip_through_text_gives_identical_recommendations() {
        let mut bandit = ContextualBandit::new();
        let contexts = [
            context(up_trend(), dec!(0.7), Side::Buy),
            context(down_trend(), dec!(0.65), Side::Buy),
            context(down_trend(), dec!(0.9), Side::Sell),
            context(BTreeMap::new(), dec!(0.6), Side::Sell),
        ];
        for k in 0..40i64 {
            let ctx = &contexts[(k % 4) as usize];
            bandit.learn(&outcome(ctx, Decimal::new((k * 31) % 17 - 8, 3), k));
        }
        let text = serde_json::to_string(&bandit.state_json().unwrap()).unwrap();
        let mut restored = ContextualBandit::new();
        restored
            .restore_json(&serde_json::from_str(&text).unwrap())
            .unwrap();
        assert_eq!(restored, bandit, "every float restored exactly");
        for ctx in &contexts {
            assert_eq!(restored.recommend(ctx), bandit.recommend(ctx));
        }
    }

    #[test]
    fn restore_rejects_bad_state_naming_the_field() {
        let good = ContextualBandit::new().state_json().unwrap();
        let mut short_rows = good.clone();
        short_rows["a_inv"].as_array_mut().unwrap().pop();
        let mut short_b = good.clone();
        short_b["b"].as_array_mut().unwrap().pop();
        let mut nan = good.clone();
        nan["a_inv"][2][3] = serde_json::json!("NaN");
        let mut inf = good.clone();
        inf["b"][4] = serde_json::json!("inf");
        let mut junk = good.clone();
        junk["b"][0] = serde_json::json!("abc");
        let mut diag = good.clone();
        diag["a_inv"][5][5] = serde_json::json!("-1e0");
        let mut asymmetric = good.clone();
        asymmetric["a_inv"][0][1] = serde_json::json!("5e-1");
        let cases = [
            ("a_inv: expected 7 rows, got 6", short_rows),
            ("a_inv[0][1]: must equal a_inv[1][0]", asymmetric),
            ("b: expected 7 numbers, got 6", short_b),
            ("a_inv[2][3]: must be finite", nan),
            ("b[4]: must be finite", inf),
            ("b[0]: not a number", junk),
            ("a_inv[5][5]: a diagonal entry must be > 0", diag),
            ("contextual_bandit state:", serde_json::json!({"a_inv": 1})),
        ];
        for (expected, state) in cases {
            let mut bandit = ContextualBandit::new();
            let err = bandit.restore_json(&state).unwrap_err();
            assert!(err.to_string().contains(expected), "{expected}: {err}");
            assert_eq!(
                bandit,
                ContextualBandit::new(),
                "a rejected state changes nothing"
            );
        }
    }

    #[test]
    fn config_must_be_finite_and_positive() {
        for (alpha, ridge) in [
            (0.0, 1.0),
            (f64::NAN, 1.0),
            (0.01, -1.0),
            (0.01, f64::INFINITY),
        ] {
            assert!(ContextualBandit::with_config(BanditConfig { alpha, ridge }).is_err());
        }
        assert!(ContextualBandit::with_config(BanditConfig::default()).is_ok());
    }

    #[test]
    fn a_huge_restored_state_skips_rather_than_producing_nan() {
        let mut state = ContextualBandit::new().state_json().unwrap();
        for i in 0..DIMENSION {
            state["a_inv"][i][i] = serde_json::json!("1e300");
            state["b"][i] = serde_json::json!("1e300");
        }
        let mut bandit = ContextualBandit::new();
        bandit.restore_json(&state).unwrap();
        let ctx = context(up_trend(), dec!(0.7), Side::Buy);
        let rec = bandit.recommend(&ctx);
        assert_eq!(rec.action, RecommendedAction::Skip);
        assert_eq!(rec.size_multiplier, Ratio::ZERO);
        let before = bandit.clone();
        bandit.learn(&outcome(&ctx, dec!(0.01), 0));
        assert_eq!(bandit, before, "a non-finite update is dropped");
    }
}

#[cfg(test)]
mod property_tests {
    use super::fixtures::{context, features, outcome};
    use super::*;
    use proptest::prelude::*;

    fn decimal() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            (-1_000_000i64..1_000_000, 0u32..8).prop_map(|(m, s)| Decimal::new(m, s)),
            Just(Decimal::MAX),
            Just(Decimal::MIN),
            Just(Decimal::ZERO),
        ]
    }

    fn market() -> impl Strategy<Value = BTreeMap<String, Decimal>> {
        (decimal(), decimal(), decimal(), decimal()).prop_map(|(t, v, h, c)| {
            features(&[
                ("trend", t),
                ("volatility_ratio", v),
                ("hit_rate", h),
                ("cost_bps", c),
            ])
        })
    }

    fn side() -> impl Strategy<Value = Side> {
        prop_oneof![Just(Side::Buy), Just(Side::Sell)]
    }

    proptest! {
        #[test]
        fn prop_size_multiplier_stays_in_range_for_any_inputs(
            history in proptest::collection::vec((market(), 0i64..=100, side(), decimal()), 0..40),
            probe in (market(), 0i64..=100, side()),
        ) {
            let mut bandit = ContextualBandit::new();
            for (k, (f, conf, s, ret)) in history.into_iter().enumerate() {
                let ctx = context(f, Decimal::new(conf, 2), s);
                bandit.learn(&outcome(&ctx, ret, k as i64));
            }
            prop_assert!(bandit.a_inv.iter().flatten().chain(&bandit.b).all(|v| v.is_finite()));
            let (f, conf, s) = probe;
            let rec = bandit.recommend(&context(f, Decimal::new(conf, 2), s));
            let size = rec.size_multiplier.fraction();
            prop_assert!(size >= Decimal::ZERO && size <= Decimal::TWO, "{}", size);
            prop_assert_eq!(rec.action == RecommendedAction::Take, size > Decimal::ZERO);
        }

        #[test]
        fn prop_size_rule_is_bounded_even_for_non_finite_inputs(
            mean in prop_oneof![any::<f64>(), Just(f64::NAN), Just(f64::INFINITY)],
            bonus in prop_oneof![any::<f64>(), Just(f64::NAN), Just(0.0)],
        ) {
            let s = size_multiplier(mean, bonus);
            prop_assert!((0.0..=MAX_SIZE_MULTIPLIER).contains(&s), "{}", s);
        }
    }
}
