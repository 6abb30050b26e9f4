//! Shadow evidence: what the pipeline did with a signal next to what each advisor
//! recommended, and, once the horizon has passed, what either would have earned.
//!
//! These records are the raw material of the daily health report, the weekly
//! evidence report and the promotion gates. Advisors never act: a record is
//! written after the real pipeline has decided.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::market::{Side, Timestamp};
use crate::money::{Money, Price, Ratio};
use crate::ports::Recommendation;
use crate::signal::{Confidence, StrategyId, Tier};
use crate::symbol::Symbol;

/// What the real pipeline did with an entry signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActualOutcome {
    /// The gate approved it and an order was sent.
    Taken,
    /// The turnover governor blocked it.
    Blocked,
    /// The trade gate rejected it.
    Rejected,
    /// No intent was formed (e.g. a position or an order on the symbol is already open,
    /// or the size rounded to zero).
    NoIntent,
}

impl ActualOutcome {
    /// Stable name (`taken`, `blocked`, `rejected`, `no_intent`).
    pub fn as_str(self) -> &'static str {
        match self {
            ActualOutcome::Taken => "taken",
            ActualOutcome::Blocked => "blocked",
            ActualOutcome::Rejected => "rejected",
            ActualOutcome::NoIntent => "no_intent",
        }
    }
}

/// Market regime at decision time (see `shadow-collector`'s classifier for the rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// Rising trend, normal volatility.
    Bull,
    /// Falling trend, normal volatility.
    Bear,
    /// No clear trend, normal volatility.
    Sideways,
    /// Volatility well above its own longer-run level, whatever the trend.
    HighVolatility,
}

impl Regime {
    /// All regimes, in report order.
    pub const ALL: [Regime; 4] = [
        Regime::Bull,
        Regime::Bear,
        Regime::Sideways,
        Regime::HighVolatility,
    ];

    /// Stable name (`bull`, `bear`, `sideways`, `high_volatility`).
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::Bull => "bull",
            Regime::Bear => "bear",
            Regime::Sideways => "sideways",
            Regime::HighVolatility => "high_volatility",
        }
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One evaluated entry signal: the real decision, each advisor's recommendation and
/// the market context, written when the pipeline decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowDecision {
    /// Deterministic id: `<symbol>:<strategy>:<ts micros>`.
    pub id: String,
    /// Decision time.
    pub at: Timestamp,
    /// Symbol.
    pub symbol: Symbol,
    /// Strategy that emitted the signal.
    pub strategy: StrategyId,
    /// Direction of the signal.
    pub side: Side,
    /// Signal confidence.
    pub confidence: Confidence,
    /// Signal tier.
    pub tier: Tier,
    /// Reference entry price (the signal's price: the bar's close).
    pub entry_price: Price,
    /// The notional the pipeline sizes such an entry at (before capital-preservation
    /// scaling): the unit of every counterfactual P&L of this record.
    pub notional: Money,
    /// What the pipeline did.
    pub outcome: ActualOutcome,
    /// Reason codes of a block or a rejection (empty when taken).
    pub reasons: Vec<String>,
    /// Regime at decision time.
    pub regime: Regime,
    /// Named market features at decision time (trend, volatility, hit rate, cost, ...).
    pub features: BTreeMap<String, Decimal>,
    /// Every advisor's recommendation, in advisor order.
    pub recommendations: Vec<Recommendation>,
    /// When the record is due for resolution (`at` + horizon).
    pub horizon_end: Timestamp,
}

/// Counterfactual profit and loss of one way of acting on a record, costs included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CounterfactualPnl {
    /// Notional committed (0 when skipped).
    pub notional: Money,
    /// P&L before costs.
    pub gross: Money,
    /// Commissions (entry and exit), >= 0.
    pub fees: Money,
    /// Slippage (entry and exit), >= 0.
    pub slippage: Money,
    /// Half the spread paid on entry and on exit, >= 0.
    pub spread: Money,
    /// `gross - fees - slippage - spread`.
    pub net: Money,
}

impl CounterfactualPnl {
    /// Whether anything was committed.
    pub fn is_taken(&self) -> bool {
        !self.notional.value().is_zero()
    }
}

/// A record's resolution after its horizon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowResolution {
    /// The [`ShadowDecision::id`] it resolves.
    pub id: String,
    /// Symbol (for projections).
    pub symbol: Symbol,
    /// When it was resolved (first price at or after the horizon).
    pub resolved_at: Timestamp,
    /// The price the horizon closed at.
    pub exit_price: Price,
    /// Realised forward return in the signal's direction, before costs.
    pub forward_return: Ratio,
    /// Round-trip cost as a fraction of notional (fees + slippage + spread).
    pub cost: Ratio,
    /// What the pipeline's actual decision earned.
    pub actual: CounterfactualPnl,
    /// What each advisor's recommendation would have earned, by advisor name.
    pub advisors: BTreeMap<String, CounterfactualPnl>,
}

/// A decision with its resolution, once resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowRecord {
    /// The decision.
    pub decision: ShadowDecision,
    /// Its resolution, `None` while pending.
    pub resolution: Option<ShadowResolution>,
}

/// A daily rebalance of the `strategy_weights` advisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightShift {
    /// Advisor name.
    pub advisor: String,
    /// When.
    pub at: Timestamp,
    /// Weights before.
    pub before: BTreeMap<StrategyId, Ratio>,
    /// Weights after.
    pub after: BTreeMap<StrategyId, Ratio>,
    /// The largest absolute change of one strategy's weight.
    pub max_shift: Ratio,
    /// The clamp it must stay within (0.10 by default).
    pub clamp: Ratio,
}

impl WeightShift {
    /// Absolute change per strategy (strategies missing on one side count as 0).
    pub fn shifts(&self) -> BTreeMap<StrategyId, Ratio> {
        let mut out = BTreeMap::new();
        for id in self.before.keys().chain(self.after.keys()) {
            let b = self.before.get(id).map_or(Decimal::ZERO, |r| r.fraction());
            let a = self.after.get(id).map_or(Decimal::ZERO, |r| r.fraction());
            out.insert(id.clone(), Ratio::from_fraction((a - b).abs()));
        }
        out
    }

    /// Strategies whose shift exceeds the clamp (empty by construction; checked anyway).
    pub fn violations(&self) -> Vec<(StrategyId, Ratio)> {
        self.shifts()
            .into_iter()
            .filter(|(_, s)| s.fraction() > self.clamp.fraction())
            .collect()
    }
}

/// A human sign-off for promotion (`runtime signoff --by NAME --note TEXT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signoff {
    /// Who signed.
    pub by: String,
    /// What they said.
    pub note: String,
    /// When.
    pub at: Timestamp,
}

/// A stored weekly evidence report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyReport {
    /// ISO week-based year.
    pub year: i32,
    /// ISO week number (1-53).
    pub week: u32,
    /// The last day of the week (Sunday).
    pub week_ending: chrono::NaiveDate,
    /// When it was generated.
    pub generated_at: Timestamp,
    /// The whole report.
    pub body: serde_json::Value,
}

/// Decision counts for the daily health report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShadowCounts {
    /// Decisions with `at` in the asked range.
    pub in_range: u64,
    /// Decisions not yet resolved (all time).
    pub pending: u64,
    /// Decisions with `at` in the asked range not yet resolved.
    pub pending_in_range: u64,
    /// All decisions ever recorded.
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use rust_decimal_macros::dec;

    fn id(s: &str) -> StrategyId {
        StrategyId::new(s).unwrap()
    }

    #[test]
    fn weight_shift_reports_every_strategy_and_flags_only_excess() {
        let at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let shift = WeightShift {
            advisor: "strategy_weights".into(),
            at,
            before: [
                (id("a"), Ratio::from_fraction(dec!(0.5))),
                (id("b"), Ratio::from_fraction(dec!(0.5))),
            ]
            .into(),
            after: [
                (id("a"), Ratio::from_fraction(dec!(0.6))),
                (id("b"), Ratio::from_fraction(dec!(0.25))),
                (id("c"), Ratio::from_fraction(dec!(0.15))),
            ]
            .into(),
            max_shift: Ratio::from_fraction(dec!(0.25)),
            clamp: Ratio::from_fraction(dec!(0.10)),
        };
        let s = shift.shifts();
        assert_eq!(s[&id("a")].fraction(), dec!(0.1));
        assert_eq!(s[&id("b")].fraction(), dec!(0.25));
        assert_eq!(s[&id("c")].fraction(), dec!(0.15));
        let v: Vec<String> = shift
            .violations()
            .into_iter()
            .map(|(k, _)| k.to_string())
            .collect();
        // Exactly at the clamp is allowed.
        assert_eq!(v, vec!["b".to_string(), "c".to_string()]);
    }

    #[test]
    fn names_are_stable() {
        assert_eq!(ActualOutcome::NoIntent.as_str(), "no_intent");
        assert_eq!(
            serde_json::to_value(Regime::HighVolatility).unwrap(),
            "high_volatility"
        );
        assert_eq!(Regime::ALL.len(), 4);
    }
}
