//! Counterfactual P&L: what acting on a shadow record would have earned over its
//! horizon, costs included.
//!
//! For a record with reference entry price `p0` (the signal bar's close), the
//! price `p1` of the first bar at or after the horizon, and side sign `s` (+1 buy,
//! -1 sell):
//!
//! - forward return `r = s x (p1 - p0) / p0`;
//! - a way of acting commits a notional `N`: the pipeline's own size when it took
//!   the signal (0 otherwise), or that size times an advisor's size multiplier
//!   when the advisor says take (0 when it says skip);
//! - gross `= N x r`; fees `= N x 2 x fee_bps / 10^4` (entry and exit);
//!   slippage `= N x 2 x slippage_bps / 10^4`; spread `= N x spread_bps / 10^4`
//!   (half the spread paid on entry and on exit); net `= gross - fees - slippage - spread`.
//!
//! Costs are charged on the entry notional for both legs (the exit notional
//! differs by `r`, a second-order term). Amounts are rounded to 8 decimals.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use domain::ports::RecommendedAction;
use domain::{
    ActualOutcome, CounterfactualPnl, Money, Price, Ratio, ShadowDecision, ShadowResolution,
    Timestamp,
};

/// Decimals kept in counterfactual amounts.
const DP: u32 = 8;

/// Basis points per unit.
const BPS: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// The cost assumptions of counterfactual P&L, in basis points of notional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostAssumptions {
    /// Commission per fill.
    pub fee_bps: Decimal,
    /// Expected slippage per fill.
    pub slippage_bps: Decimal,
    /// Full quoted spread (half is paid on each fill).
    pub spread_bps: Decimal,
}

impl CostAssumptions {
    /// Round-trip cost as a fraction of notional: `2 x fee + 2 x slippage + spread`.
    pub fn round_trip(&self) -> Ratio {
        Ratio::from_bps(Decimal::TWO * (self.fee_bps + self.slippage_bps) + self.spread_bps)
    }

    /// Round-trip cost in basis points.
    pub fn round_trip_bps(&self) -> Decimal {
        Decimal::TWO * (self.fee_bps + self.slippage_bps) + self.spread_bps
    }
}

/// Forward return in the direction of `side` from `entry` to `exit`.
pub fn forward_return(side: domain::Side, entry: Price, exit: Price) -> Ratio {
    let p0 = entry.value();
    if p0.is_zero() {
        return Ratio::ZERO;
    }
    Ratio::from_fraction(side.sign() * (exit.value() - p0) / p0)
}

/// The P&L of committing `notional` to a move of `forward`, with `costs`.
pub fn pnl(notional: Money, forward: Ratio, costs: &CostAssumptions) -> CounterfactualPnl {
    if notional.value() <= Decimal::ZERO {
        return CounterfactualPnl::default();
    }
    let n = notional.value();
    let gross = (n * forward.fraction()).round_dp(DP);
    let fees = (n * Decimal::TWO * costs.fee_bps / BPS).round_dp(DP);
    let slippage = (n * Decimal::TWO * costs.slippage_bps / BPS).round_dp(DP);
    let spread = (n * costs.spread_bps / BPS).round_dp(DP);
    CounterfactualPnl {
        notional: Money::new(n.round_dp(DP)),
        gross: Money::new(gross),
        fees: Money::new(fees),
        slippage: Money::new(slippage),
        spread: Money::new(spread),
        net: Money::new(gross - fees - slippage - spread),
    }
}

/// Resolves `decision` at `exit` (the first price at or after its horizon).
pub fn resolve(
    decision: &ShadowDecision,
    exit: Price,
    resolved_at: Timestamp,
    costs: &CostAssumptions,
) -> ShadowResolution {
    let forward = forward_return(decision.side, decision.entry_price, exit);
    let actual_notional = if decision.outcome == ActualOutcome::Taken {
        decision.notional
    } else {
        Money::ZERO
    };
    let advisors = decision
        .recommendations
        .iter()
        .map(|r| {
            let notional = match r.action {
                RecommendedAction::Take => decision.notional * r.size_multiplier,
                RecommendedAction::Skip => Money::ZERO,
            };
            (r.advisor.clone(), pnl(notional, forward, costs))
        })
        .collect();
    ShadowResolution {
        id: decision.id.clone(),
        symbol: decision.symbol.clone(),
        resolved_at,
        exit_price: exit,
        forward_return: Ratio::from_fraction(forward.fraction().round_dp(12)),
        cost: costs.round_trip(),
        actual: pnl(actual_notional, forward, costs),
        advisors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use domain::ports::Recommendation;
    use domain::{Confidence, Regime, Side, StrategyId, Symbol, Tier};
    use rust_decimal_macros::dec;

    fn costs() -> CostAssumptions {
        CostAssumptions {
            fee_bps: dec!(10),
            slippage_bps: dec!(5),
            spread_bps: dec!(2),
        }
    }

    fn rec(name: &str, action: RecommendedAction, mult: Decimal) -> Recommendation {
        Recommendation {
            advisor: name.into(),
            action,
            size_multiplier: Ratio::from_fraction(mult),
            strategy_weights: Default::default(),
            rationale: String::new(),
        }
    }

    fn decision(side: Side, outcome: ActualOutcome) -> ShadowDecision {
        let at = Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap();
        ShadowDecision {
            id: "BTC-USD:sma_cross:1".into(),
            at,
            symbol: Symbol::new("BTC-USD").unwrap(),
            strategy: StrategyId::new("sma_cross").unwrap(),
            side,
            confidence: Confidence::new(dec!(0.7)).unwrap(),
            tier: Tier::Medium,
            entry_price: Price::new(dec!(100)).unwrap(),
            notional: Money::new(dec!(1000)),
            outcome,
            reasons: vec![],
            regime: Regime::Bull,
            features: Default::default(),
            recommendations: vec![
                rec("a", RecommendedAction::Take, dec!(0.5)),
                rec("b", RecommendedAction::Skip, dec!(1)),
            ],
            horizon_end: at + chrono::Duration::hours(4),
        }
    }

    #[test]
    fn round_trip_is_two_fills_of_fee_and_slippage_plus_one_spread() {
        assert_eq!(costs().round_trip_bps(), dec!(32));
        assert_eq!(costs().round_trip().fraction(), dec!(0.0032));
    }

    #[test]
    fn a_long_that_rose_two_percent_nets_gross_minus_every_cost() {
        let d = decision(Side::Buy, ActualOutcome::Taken);
        let r = resolve(&d, Price::new(dec!(102)).unwrap(), d.horizon_end, &costs());
        assert_eq!(r.forward_return.fraction(), dec!(0.02));
        // 1000 x 0.02 = 20 gross; fees 2; slippage 1; spread 0.2.
        assert_eq!(r.actual.gross.value(), dec!(20));
        assert_eq!(r.actual.fees.value(), dec!(2));
        assert_eq!(r.actual.slippage.value(), dec!(1));
        assert_eq!(r.actual.spread.value(), dec!(0.2));
        assert_eq!(r.actual.net.value(), dec!(16.8));
        // Advisor a takes half size: 500 notional, net 8.4; b skips: nothing.
        assert_eq!(r.advisors["a"].notional.value(), dec!(500));
        assert_eq!(r.advisors["a"].net.value(), dec!(8.4));
        assert!(!r.advisors["b"].is_taken());
        assert_eq!(r.advisors["b"].net, Money::ZERO);
    }

    #[test]
    fn a_short_profits_from_a_fall_and_a_blocked_signal_earns_nothing() {
        let d = decision(Side::Sell, ActualOutcome::Blocked);
        let r = resolve(&d, Price::new(dec!(99)).unwrap(), d.horizon_end, &costs());
        assert_eq!(r.forward_return.fraction(), dec!(0.01));
        assert!(!r.actual.is_taken());
        assert_eq!(r.actual.net, Money::ZERO);
        // 500 x 0.01 = 5 gross, costs 500 x 0.0032 = 1.6.
        assert_eq!(r.advisors["a"].net.value(), dec!(3.4));
    }
}
