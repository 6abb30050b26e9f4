//! The turnover governor (pipeline step 6): allows or blocks a candidate entry with
//! every failing rule, and keeps the counters and statistics behind those rules.
//!
//! Rules, checked in this order and all reported:
//! 1. `min_interval`: at least `min_interval_minutes` since the last decision taken
//!    on the symbol (a time before it counts as too soon);
//! 2. `daily_cap`: fewer than `max_decisions_per_day` decisions on this UTC day;
//! 3. `expected_value_below_cost`: expected edge at least
//!    `min_ev_cost_multiple x round-trip cost`;
//! 4. `confidence_too_low`: confidence at least `min_confidence`;
//! 5. `loss_cooldown`: no cooldown running after a losing streak.
//!
//! [`TurnoverGovernor::evaluate`] only *asks*: it feeds the block-rate statistics
//! but is not a decision. The engine calls [`TurnoverGovernor::record_decision`]
//! once it really takes the trade, which is what the interval and the daily cap
//! count, and [`TurnoverGovernor::record_trade_outcome`] when a round trip closes.

use std::collections::BTreeMap;

use domain::{BlockReason, Ratio, Symbol, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::block_rate::{self, BlockRateReport, BlockRateVerdict, BlockRateWindow};
use crate::config::TurnoverConfig;
use crate::request::{TurnoverDecision, TurnoverRequest};
use crate::rule::TurnoverRule;
use crate::symbol_state::SymbolTurnover;

/// Everything the governor must persist to resume after a restart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnoverState {
    symbols: BTreeMap<Symbol, SymbolTurnover>,
    block_rate: BlockRateWindow,
}

impl TurnoverState {
    /// The counters of `symbol`, if it was ever seen.
    pub fn symbol(&self, symbol: &Symbol) -> Option<&SymbolTurnover> {
        self.symbols.get(symbol)
    }

    /// The block-rate buckets.
    pub fn block_rate(&self) -> &BlockRateWindow {
        &self.block_rate
    }
}

/// Per-symbol turnover rules with their counters and block-rate statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnoverGovernor {
    config: TurnoverConfig,
    state: TurnoverState,
}

impl TurnoverGovernor {
    /// A governor with empty counters. `config` should have passed `validate()`.
    pub fn new(config: TurnoverConfig) -> Self {
        Self::from_state(config, TurnoverState::default())
    }

    /// A governor resuming from persisted `state`.
    pub fn from_state(config: TurnoverConfig, state: TurnoverState) -> Self {
        Self { config, state }
    }

    /// The configuration in force.
    pub fn config(&self) -> &TurnoverConfig {
        &self.config
    }

    /// The state to persist.
    pub fn state(&self) -> &TurnoverState {
        &self.state
    }

    /// The resolved rule of `symbol`.
    pub fn rule_for(&self, symbol: &Symbol) -> TurnoverRule {
        self.config.rule_for(symbol)
    }

    /// Checks `req` against every rule and records the outcome in the block-rate
    /// statistics. Not a decision: call `record_decision` when the trade is taken.
    pub fn evaluate(&mut self, req: &TurnoverRequest) -> TurnoverDecision {
        let decision = self.assess(req);
        self.state
            .block_rate
            .record(req.now, decision.reasons(), self.config.block_rate_window());
        decision
    }

    /// The same verdict as `evaluate`, without touching any statistic (for what-if
    /// questions, e.g. counterfactual evaluation of advisory recommendations).
    pub fn assess(&self, req: &TurnoverRequest) -> TurnoverDecision {
        let rule = self.config.rule_for(&req.symbol);
        let counters = self.state.symbols.get(&req.symbol);
        let mut reasons = Vec::new();

        if let Some(last) = counters.and_then(SymbolTurnover::last_decision_at) {
            let elapsed = req.now.signed_duration_since(last);
            if elapsed < rule.min_interval() {
                reasons.push(BlockReason::MinInterval {
                    elapsed_minutes: elapsed.num_minutes(),
                    required_minutes: i64::from(rule.min_interval_minutes),
                });
            }
        }

        if let Some(max) = rule.max_decisions_per_day {
            let count = counters.map_or(0, |c| c.decisions_on_day_of(req.now));
            if count >= max {
                reasons.push(BlockReason::DailyCap { count, max });
            }
        }

        let required = rule
            .min_ev_cost_multiple
            .checked_mul(self.config.round_trip_cost().fraction())
            .unwrap_or(Decimal::MAX);
        if req.expected_edge.fraction() < required {
            reasons.push(BlockReason::ExpectedValueBelowCost {
                expected_edge: req.expected_edge,
                required: Ratio::from_fraction(required),
            });
        }

        if req.confidence < rule.min_confidence {
            reasons.push(BlockReason::ConfidenceTooLow {
                confidence: req.confidence,
                min: rule.min_confidence,
            });
        }

        if let Some((until, losses)) = counters.and_then(|c| c.cooldown_at(req.now)) {
            reasons.push(BlockReason::LossCooldown {
                consecutive_losses: losses,
                until,
            });
        }

        if reasons.is_empty() {
            TurnoverDecision::Allowed
        } else {
            TurnoverDecision::Blocked(reasons)
        }
    }

    /// Counts a decision the engine actually took on `symbol` at `now` (toward the
    /// minimum interval and the UTC-day cap).
    pub fn record_decision(&mut self, symbol: &Symbol, now: Timestamp) {
        self.counters_mut(symbol).record_decision(now);
    }

    /// Records a closed round trip on `symbol`: a loss extends the streak and may
    /// start a cooldown; a win resets the streak.
    pub fn record_trade_outcome(&mut self, symbol: &Symbol, is_loss: bool, now: Timestamp) {
        let rule = self.config.rule_for(symbol);
        self.counters_mut(symbol)
            .record_outcome(is_loss, now, &rule);
    }

    /// Share of evaluations blocked in the window ending at `now`; `None` without evaluations.
    pub fn block_rate(&self, now: Timestamp) -> Option<Ratio> {
        let (evaluated, blocked, _) = self.totals(now);
        block_rate::rate(evaluated, blocked)
    }

    /// The block rate against the healthy band.
    pub fn block_rate_verdict(&self, now: Timestamp) -> BlockRateVerdict {
        self.block_rate_report(now).verdict
    }

    /// Blocks per reason code in the window ending at `now`, every code listed.
    pub fn blocked_by_reason(&self, now: Timestamp) -> BTreeMap<&'static str, u64> {
        self.totals(now).2.by_code()
    }

    /// Every block-rate figure of the window ending at `now`, for reports and readiness.
    pub fn block_rate_report(&self, now: Timestamp) -> BlockRateReport {
        let (evaluated, blocked, by_reason) = self.totals(now);
        let rate = block_rate::rate(evaluated, blocked);
        BlockRateReport {
            window_hours: self.config.block_rate_window_hours,
            evaluated,
            blocked,
            block_rate: rate,
            verdict: block_rate::verdict(
                evaluated,
                rate,
                self.config.block_rate_min_evaluations,
                (
                    self.config.healthy_block_rate_min_pct,
                    self.config.healthy_block_rate_max_pct,
                ),
            ),
            by_reason: by_reason.by_code(),
        }
    }

    fn totals(&self, now: Timestamp) -> (u64, u64, block_rate::ReasonCounts) {
        self.state
            .block_rate
            .totals(now, self.config.block_rate_window())
    }

    fn counters_mut(&mut self, symbol: &Symbol) -> &mut SymbolTurnover {
        self.state.symbols.entry(symbol.clone()).or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{at, btc, eth, request};
    use domain::Confidence;
    use rust_decimal_macros::dec;

    fn governor() -> TurnoverGovernor {
        TurnoverGovernor::new(TurnoverConfig::default())
    }

    /// A request that passes every static rule for both BTC and ETH.
    fn good(symbol: Symbol, minutes: i64) -> TurnoverRequest {
        request(symbol, dec!(0.8), dec!(100), minutes)
    }

    fn codes(d: &TurnoverDecision) -> Vec<&'static str> {
        d.reasons().iter().map(BlockReason::code).collect()
    }

    #[test]
    fn allows_a_good_first_request_without_counting_it_as_a_decision() {
        let mut g = governor();
        assert_eq!(g.evaluate(&good(btc(), 0)), TurnoverDecision::Allowed);
        // Not recorded as taken, so a second ask a minute later is still allowed.
        assert_eq!(g.evaluate(&good(btc(), 1)), TurnoverDecision::Allowed);
        assert!(g.state().symbol(&btc()).is_none());
    }

    #[test]
    fn blocks_inside_the_minimum_interval_with_figures() {
        let mut g = governor();
        g.record_decision(&eth(), at(0));
        let d = g.evaluate(&good(eth(), 59));
        assert_eq!(
            d,
            TurnoverDecision::Blocked(vec![BlockReason::MinInterval {
                elapsed_minutes: 59,
                required_minutes: 60,
            }])
        );
        assert!(g.evaluate(&good(eth(), 60)).is_allowed());
        // BTC waits four hours.
        g.record_decision(&btc(), at(0));
        assert_eq!(codes(&g.evaluate(&good(btc(), 239))), vec!["min_interval"]);
        assert!(g.evaluate(&good(btc(), 240)).is_allowed());
    }

    #[test]
    fn btc_is_capped_at_three_a_day_while_eth_is_unlimited() {
        let mut g = governor();
        for i in 0..3 {
            let req = good(btc(), i * 240);
            assert!(g.evaluate(&req).is_allowed(), "decision {i}");
            g.record_decision(&req.symbol, req.now);
        }
        // 08:00 + 12 h = 20:00, same UTC day.
        assert_eq!(
            g.evaluate(&good(btc(), 720)),
            TurnoverDecision::Blocked(vec![BlockReason::DailyCap { count: 3, max: 3 }])
        );
        for i in 0..6 {
            let req = good(eth(), i * 60);
            assert!(g.evaluate(&req).is_allowed(), "ETH decision {i}");
            g.record_decision(&req.symbol, req.now);
        }
    }

    #[test]
    fn the_daily_cap_resets_at_the_utc_day_rollover() {
        let mut g = governor();
        for i in 0..3 {
            g.record_decision(&btc(), at(i * 240));
        }
        // 23:59 UTC: still capped; 00:00 UTC: a new day.
        assert_eq!(codes(&g.evaluate(&good(btc(), 959))), vec!["daily_cap"]);
        assert!(g.evaluate(&good(btc(), 960)).is_allowed());
        g.record_decision(&btc(), at(960));
        assert_eq!(
            g.state()
                .symbol(&btc())
                .map(|c| c.decisions_on_day_of(at(960))),
            Some(1)
        );
    }

    #[test]
    fn blocks_when_edge_does_not_cover_the_cost_multiple() {
        let mut g = governor();
        // Round trip 30 bps: ETH needs 30 bps, BTC 60 bps.
        assert!(
            g.evaluate(&request(eth(), dec!(0.8), dec!(30), 0))
                .is_allowed()
        );
        assert_eq!(
            g.evaluate(&request(eth(), dec!(0.8), dec!(29.9), 0)),
            TurnoverDecision::Blocked(vec![BlockReason::ExpectedValueBelowCost {
                expected_edge: Ratio::from_bps(dec!(29.9)),
                required: Ratio::from_bps(dec!(30)),
            }])
        );
        assert_eq!(
            codes(&g.evaluate(&request(btc(), dec!(0.8), dec!(59), 0))),
            vec!["expected_value_below_cost"]
        );
        assert!(
            g.evaluate(&request(btc(), dec!(0.8), dec!(60), 0))
                .is_allowed()
        );
    }

    #[test]
    fn blocks_low_confidence_against_the_symbols_minimum() {
        let mut g = governor();
        assert!(
            g.evaluate(&request(eth(), dec!(0.60), dec!(100), 0))
                .is_allowed()
        );
        assert_eq!(
            g.evaluate(&request(btc(), dec!(0.74), dec!(100), 0)),
            TurnoverDecision::Blocked(vec![BlockReason::ConfidenceTooLow {
                confidence: Confidence::new(dec!(0.74)).unwrap(),
                min: Confidence::new(dec!(0.75)).unwrap(),
            }])
        );
    }

    #[test]
    fn loss_cooldown_starts_at_the_streak_and_ends_after_the_cooldown() {
        let mut g = governor();
        g.record_trade_outcome(&eth(), true, at(0));
        assert!(
            g.evaluate(&good(eth(), 1)).is_allowed(),
            "one loss is not a streak"
        );
        g.record_trade_outcome(&eth(), true, at(10));
        assert_eq!(
            g.evaluate(&good(eth(), 11)),
            TurnoverDecision::Blocked(vec![BlockReason::LossCooldown {
                consecutive_losses: 2,
                until: at(130),
            }])
        );
        assert_eq!(codes(&g.evaluate(&good(eth(), 129))), vec!["loss_cooldown"]);
        assert!(g.evaluate(&good(eth(), 130)).is_allowed());
        // BTC cools down for six hours.
        g.record_trade_outcome(&btc(), true, at(0));
        g.record_trade_outcome(&btc(), true, at(0));
        assert_eq!(codes(&g.evaluate(&good(btc(), 359))), vec!["loss_cooldown"]);
        assert!(g.evaluate(&good(btc(), 360)).is_allowed());
    }

    #[test]
    fn a_win_resets_the_streak() {
        let mut g = governor();
        g.record_trade_outcome(&eth(), true, at(0));
        g.record_trade_outcome(&eth(), false, at(5));
        g.record_trade_outcome(&eth(), true, at(10));
        assert_eq!(
            g.state()
                .symbol(&eth())
                .map(SymbolTurnover::consecutive_losses),
            Some(1)
        );
        assert!(g.evaluate(&good(eth(), 11)).is_allowed());
    }

    #[test]
    fn a_win_during_a_cooldown_does_not_cut_it_short() {
        let mut g = governor();
        g.record_trade_outcome(&eth(), true, at(0));
        g.record_trade_outcome(&eth(), true, at(0));
        g.record_trade_outcome(&eth(), false, at(30));
        assert_eq!(codes(&g.evaluate(&good(eth(), 31))), vec!["loss_cooldown"]);
        // A further loss after the cooldown needs a new streak of two.
        g.record_trade_outcome(&eth(), true, at(200));
        assert!(g.evaluate(&good(eth(), 201)).is_allowed());
    }

    #[test]
    fn reports_every_failing_rule_in_rule_order() {
        let mut g = governor();
        for i in 0..3 {
            g.record_decision(&btc(), at(i));
        }
        g.record_trade_outcome(&btc(), true, at(3));
        g.record_trade_outcome(&btc(), true, at(4));
        let d = g.evaluate(&request(btc(), dec!(0.5), dec!(1), 5));
        assert_eq!(
            codes(&d),
            vec![
                "min_interval",
                "daily_cap",
                "expected_value_below_cost",
                "confidence_too_low",
                "loss_cooldown"
            ]
        );
    }

    #[test]
    fn a_clock_going_backwards_is_too_soon() {
        let mut g = governor();
        g.record_decision(&eth(), at(100));
        assert_eq!(codes(&g.evaluate(&good(eth(), 0))), vec!["min_interval"]);
    }

    #[test]
    fn block_rate_is_the_blocked_share_of_evaluations() {
        let mut g = governor();
        assert_eq!(g.block_rate(at(0)), None);
        assert_eq!(
            g.block_rate_verdict(at(0)),
            BlockRateVerdict::InsufficientData
        );
        // 20 evaluations, 5 blocked by confidence: 25%.
        for i in 0..20 {
            let confidence = if i < 5 { dec!(0.1) } else { dec!(0.9) };
            g.evaluate(&request(eth(), confidence, dec!(100), i));
        }
        assert_eq!(g.block_rate(at(20)), Some(Ratio::from_pct(dec!(25))));
        assert_eq!(g.block_rate_verdict(at(20)), BlockRateVerdict::Healthy);
        let by_reason = g.blocked_by_reason(at(20));
        assert_eq!(by_reason.get("confidence_too_low"), Some(&5));
        assert_eq!(by_reason.get("daily_cap"), Some(&0));
        assert_eq!(by_reason.len(), 5);
    }

    #[test]
    fn block_rate_bands_include_their_bounds() {
        let band = (dec!(5), dec!(70));
        let v = |blocked: u64| block_rate::verdict(100, block_rate::rate(100, blocked), 20, band);
        assert_eq!(v(4), BlockRateVerdict::TooLoose);
        assert_eq!(v(5), BlockRateVerdict::Healthy);
        assert_eq!(v(70), BlockRateVerdict::Healthy);
        assert_eq!(v(71), BlockRateVerdict::TooTight);
        assert_eq!(
            block_rate::verdict(19, block_rate::rate(19, 19), 20, band),
            BlockRateVerdict::InsufficientData
        );
    }

    #[test]
    fn too_tight_and_too_loose_from_evaluations() {
        let mut tight = governor();
        let mut loose = governor();
        for i in 0..20 {
            tight.evaluate(&request(btc(), dec!(0.5), dec!(100), i));
            loose.evaluate(&good(eth(), i));
        }
        assert_eq!(tight.block_rate_verdict(at(20)), BlockRateVerdict::TooTight);
        assert_eq!(loose.block_rate_verdict(at(20)), BlockRateVerdict::TooLoose);
        let report = tight.block_rate_report(at(20));
        assert_eq!((report.evaluated, report.blocked), (20, 20));
        assert_eq!(report.window_hours, 24);
    }

    #[test]
    fn old_evaluations_expire_from_the_window() {
        let mut g = governor();
        for i in 0..30 {
            g.evaluate(&request(eth(), dec!(0.1), dec!(100), i));
        }
        // Evaluations at minutes 0..=29; a 24 h window ending at minute 1468 starts at 29.
        assert_eq!(g.block_rate_report(at(24 * 60 - 1)).evaluated, 30);
        assert_eq!(g.block_rate_report(at(24 * 60 + 28)).evaluated, 1);
        assert_eq!(g.block_rate_report(at(24 * 60 + 29)).evaluated, 0);
        assert_eq!(g.block_rate(at(24 * 60 + 30)), None);
        // Recording later drops the old buckets.
        g.evaluate(&good(eth(), 24 * 60 + 30));
        assert_eq!(g.state().block_rate().bucket_count(), 1);
        assert_eq!(g.block_rate(at(24 * 60 + 30)), Some(Ratio::ZERO));
    }

    #[test]
    fn state_round_trips_through_json_and_resumes() {
        let mut g = governor();
        g.record_decision(&btc(), at(0));
        g.record_trade_outcome(&eth(), true, at(1));
        g.record_trade_outcome(&eth(), true, at(2));
        g.evaluate(&request(eth(), dec!(0.1), dec!(100), 3));
        let json = serde_json::to_string(g.state()).unwrap();
        let back: TurnoverState = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, g.state());
        let resumed = TurnoverGovernor::from_state(TurnoverConfig::default(), back);
        assert_eq!(
            codes(&resumed.assess(&good(btc(), 10))),
            vec!["min_interval"]
        );
        assert_eq!(
            codes(&resumed.assess(&good(eth(), 10))),
            vec!["loss_cooldown"]
        );
        assert_eq!(
            resumed.blocked_by_reason(at(10)).get("confidence_too_low"),
            Some(&1)
        );
    }
}
