//! The trade gate: runs the checks in their fixed order and returns a [`Decision`].
//!
//! [`TradeGate::evaluate`] is the only road from an `OrderIntent` to an
//! `Approved<OrderIntent>` for strategy orders. It runs every check, collects
//! every failing reason in check order, and only when there is none issues the
//! approval, carrying the intent as it will be sent (quantity shrunk for
//! account headroom, price and quantity rounded to the filters) and the list of
//! adjustments. Approvals are recorded in the order-rate window, which is why
//! `evaluate` takes `&mut self`.
//!
//! [`TradeGate::approve_protective_exit`] is the separate, narrow road for risk
//! automation that must flatten (CRISIS flatten, account-rule breach). See its
//! documentation for what it skips and why.

use domain::{Adjustment, Approved, AuditEvent, IntentKind, OrderIntent, Qty, RejectReason};

use crate::checks::{
    account_rules, allowlist, capital_preservation, confidence, cool_down, daily_loss,
    exchange_filters, kill_switch, live_mode, loss_per_trade, open_positions, order_rate,
    stale_data,
};
use crate::config::{Limits, RiskConfig};
use crate::context::{RiskContext, is_entry, reduces_position};
use crate::error::GateError;
use crate::rate_limit::OrderRateWindow;

/// The trade gate's verdict on one intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every check passed; the approval is what the execution port accepts.
    Approved(Approved<OrderIntent>),
    /// At least one check failed.
    Rejected {
        /// The intent as requested.
        intent: OrderIntent,
        /// Every failing reason, in check order.
        reasons: Vec<RejectReason>,
    },
}

impl Decision {
    /// True when the intent was approved.
    pub fn is_approved(&self) -> bool {
        matches!(self, Decision::Approved(_))
    }

    /// The intent: as approved (after adjustments) or as requested (when rejected).
    pub fn intent(&self) -> &OrderIntent {
        match self {
            Decision::Approved(approved) => approved.inner(),
            Decision::Rejected { intent, .. } => intent,
        }
    }

    /// The failing reasons; empty for an approval.
    pub fn reasons(&self) -> &[RejectReason] {
        match self {
            Decision::Approved(_) => &[],
            Decision::Rejected { reasons, .. } => reasons,
        }
    }

    /// The approval, if any.
    pub fn approved(&self) -> Option<&Approved<OrderIntent>> {
        match self {
            Decision::Approved(approved) => Some(approved),
            Decision::Rejected { .. } => None,
        }
    }

    /// Consumes the decision, returning the approval, if any.
    pub fn into_approved(self) -> Option<Approved<OrderIntent>> {
        match self {
            Decision::Approved(approved) => Some(approved),
            Decision::Rejected { .. } => None,
        }
    }

    /// The audit-trail record of this decision: `TradeApproved` or `TradeRejected`.
    pub fn to_audit_event(&self) -> AuditEvent {
        match self {
            Decision::Approved(approved) => AuditEvent::TradeApproved {
                intent: approved.inner().clone(),
                adjustments: approved.adjustments().to_vec(),
            },
            Decision::Rejected { intent, reasons } => AuditEvent::TradeRejected {
                intent: intent.clone(),
                reasons: reasons.clone(),
            },
        }
    }
}

/// The one place approvals are issued (`make lint` forbids the call elsewhere).
fn issue(intent: OrderIntent, adjustments: Vec<Adjustment>) -> Decision {
    Decision::Approved(Approved::issued_by_trade_gate(intent, adjustments))
}

/// The risk gate: a validated configuration plus the order-rate window.
///
/// Deliberately not `Clone`: a copy would carry its own order-rate window, and
/// two windows would let twice the configured rate through.
#[derive(Debug)]
pub struct TradeGate {
    config: RiskConfig,
    limits: Limits,
    window: OrderRateWindow,
}

impl TradeGate {
    /// Builds a gate from a `[risk]` section, refusing an invalid one with every violation.
    pub fn new(config: RiskConfig) -> Result<Self, GateError> {
        let violations = config.validate();
        if !violations.is_empty() {
            return Err(GateError::InvalidConfig(violations));
        }
        let limits = Limits::from_config(&config);
        let window = OrderRateWindow::with_capacity(
            usize::try_from(config.max_orders_per_minute)
                .unwrap_or(usize::MAX)
                .min(1024),
        );
        Ok(Self {
            config,
            limits,
            window,
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &RiskConfig {
        &self.config
    }

    /// Replaces the configuration (parameter reload), keeping the order-rate window.
    ///
    /// An invalid section is refused and the old one stays in force.
    pub fn reconfigure(&mut self, config: RiskConfig) -> Result<(), GateError> {
        let violations = config.validate();
        if !violations.is_empty() {
            return Err(GateError::InvalidConfig(violations));
        }
        self.limits = Limits::from_config(&config);
        self.config = config;
        Ok(())
    }

    /// Approvals in the sliding 60-second window at `now` (for metrics and status).
    pub fn orders_in_window(&mut self, now: domain::Timestamp) -> usize {
        self.window.count_at(now)
    }

    /// Judges `intent` against every check, in order; approves only when none fails.
    ///
    /// Order: 1 kill switch, 2 live-mode guard, 3 stale market data, 4 symbol
    /// allowlist, 5 capital-preservation veto, 6 minimum confidence, 7 cool-down
    /// after loss, 8 max open positions, 9 max loss per trade, 10 max daily loss,
    /// 11 account rules, 12 exchange filters, 13 order rate. Checks 5-11 apply to
    /// entries, and to exits that would not reduce a held position (those open
    /// exposure whatever their label). With any kill-switch source active,
    /// nothing is ever approved here.
    pub fn evaluate(&mut self, mut intent: OrderIntent, ctx: &RiskContext<'_>) -> Decision {
        let limits = &self.limits;
        let mut reasons = Vec::new();
        let mut adjustments = Vec::new();
        let mut qty = intent.qty;

        reasons.extend(kill_switch::check(ctx));
        reasons.extend(live_mode::check(
            ctx.mode,
            ctx.readiness,
            limits.live_trading_enabled,
        ));
        reasons.extend(stale_data::check(
            ctx.now,
            ctx.last_market_data_at,
            limits.max_data_age,
            limits.max_data_age_secs,
        ));
        reasons.extend(allowlist::check(
            &intent.symbol,
            &self.config.symbol_allowlist,
        ));

        if is_entry(&intent, ctx.position) {
            let portfolio = ctx.portfolio;
            reasons.extend(capital_preservation::check(intent.tier, &ctx.preservation));
            reasons.extend(confidence::check(intent.confidence, limits.min_confidence));
            reasons.extend(cool_down::check(
                portfolio.last_loss_at,
                ctx.now,
                limits.cool_down,
            ));
            reasons.extend(open_positions::check(
                ctx.position.is_some(),
                portfolio.open_positions,
                limits.max_open_positions,
            ));
            let risk = loss_per_trade::TradeRisk::of(&intent, ctx.filters, limits.round_trip_cost);
            reasons.extend(loss_per_trade::check(
                &risk,
                portfolio.equity,
                limits.max_loss_per_trade,
            ));
            reasons.extend(daily_loss::check(&risk, portfolio, limits.max_daily_loss));
            match account_rules::check(&intent, &risk, ctx) {
                account_rules::Outcome::Allow => {}
                account_rules::Outcome::Shrink { to, adjustment } => {
                    qty = to;
                    adjustments.push(adjustment);
                }
                account_rules::Outcome::Reject(reason) => reasons.push(reason),
            }
        }

        let conformed = exchange_filters::check(&intent, qty, ctx.filters, &mut reasons);
        reasons.extend(order_rate::check(
            &mut self.window,
            ctx.now,
            limits.max_orders_per_minute,
        ));

        match conformed {
            Some(conformed) if reasons.is_empty() => {
                intent.qty = qty;
                exchange_filters::apply(&mut intent, conformed, &mut adjustments);
                self.window.record(ctx.now);
                issue(intent, adjustments)
            }
            _ => {
                debug_assert!(!reasons.is_empty(), "a rejection always has a reason");
                Decision::Rejected { intent, reasons }
            }
        }
    }

    /// Approves a reduce-only exit issued by risk automation, under a kill switch if need be.
    ///
    /// For CRISIS flattening and account-rule breaches: the point of those is to
    /// get flat *because* trading is halted, so the kill switch, the live-mode
    /// guard, stale data, the allowlist, every entry check and the order-rate
    /// limit are not consulted (the approval is still recorded in the rate
    /// window). What remains is what makes the order safe and sendable: it must
    /// be an `Exit` on the closing side of a held position, no larger than it
    /// (an error otherwise: the caller asked for something that is not a
    /// protective exit), and it must pass the exchange filters after rounding.
    ///
    /// Strategy exits go through [`TradeGate::evaluate`], which the kill switch blocks.
    pub fn approve_protective_exit(
        &mut self,
        mut intent: OrderIntent,
        ctx: &RiskContext<'_>,
    ) -> Result<Decision, GateError> {
        if intent.kind != IntentKind::Exit {
            return Err(GateError::ProtectiveExitNotAnExit {
                symbol: intent.symbol,
                kind: intent.kind,
            });
        }
        if !reduces_position(&intent, ctx.position) {
            return Err(GateError::ProtectiveExitNotReducing {
                symbol: intent.symbol,
                side: intent.side,
                qty: intent.qty,
                held: ctx.position.map_or(Qty::ZERO, |p| p.qty()),
                closing: ctx.position.map(|p| p.closing_side()),
            });
        }
        let mut reasons = Vec::new();
        let qty = intent.qty;
        let decision = match exchange_filters::check(&intent, qty, ctx.filters, &mut reasons) {
            Some(conformed) => {
                let mut adjustments = Vec::new();
                exchange_filters::apply(&mut intent, conformed, &mut adjustments);
                self.window.record(ctx.now);
                issue(intent, adjustments)
            }
            None => Decision::Rejected { intent, reasons },
        };
        Ok(decision)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use domain::{
        Actor, AuditEvent, Confidence, IntentKind, KillSwitchTrigger, Money, OrderIntent,
        OrderType, PreservationLevel, Readiness, RejectReason, Side, TradingMode,
    };
    use rust_decimal_macros::dec;

    use super::*;
    use crate::testing::*;
    use crate::{PreservationView, TierSet};

    #[test]
    fn approves_a_healthy_entry_unchanged() {
        let d = Scenario::healthy().evaluate(entry());
        let approved = d.approved().expect("approved");
        assert_eq!(approved.inner(), &entry());
        assert!(approved.adjustments().is_empty());
        assert!(d.reasons().is_empty());
    }

    #[test]
    fn collects_every_failing_reason_in_check_order() {
        let mut s = Scenario::healthy();
        s.kill_switch
            .trigger(KillSwitchTrigger::DailyLossBreach, "daily loss", t0());
        s.mode = TradingMode::Live;
        s.readiness = Readiness::NoGo;
        s.last_data = None;
        s.preservation = PreservationView::new(PreservationLevel::Defensive, TierSet::NONE);
        s.portfolio.last_loss_at = Some(s.now);
        s.portfolio.open_positions = 3;
        s.portfolio.daily_pnl = Money::new(dec!(-1000));
        s.rules = Some(Box::new(FixedRule::new(
            domain::ports::RuleVerdict::Reject {
                rule: "ftmo_daily_loss".into(),
                detail: "breached".into(),
            },
        )));
        s.filters = None;
        let intent = OrderIntent {
            symbol: sym("SOL-USD"),
            confidence: Confidence::new(dec!(0.1)).unwrap(),
            stop_distance: price(dec!(1000000)),
            ..entry()
        };
        let mut g = gate_with(RiskConfig {
            max_orders_per_minute: 1,
            ..RiskConfig::default()
        });
        // Use up the rate window with an approved order first.
        let healthy = Scenario::healthy();
        assert!(g.evaluate(entry(), &healthy.ctx()).is_approved());
        let d = g.evaluate(intent, &s.ctx());
        assert_eq!(
            codes(&d),
            [
                "kill_switch_active",
                "live_mode_guard",
                "stale_market_data",
                "symbol_not_allowed",
                "tier_not_allowed",
                "confidence_too_low",
                "cool_down_after_loss",
                "max_open_positions",
                "max_loss_per_trade",
                "max_daily_loss",
                "account_rule",
                "filters_unknown",
                "order_rate_limit",
            ]
        );
    }

    #[test]
    fn a_rejection_returns_the_intent_as_requested() {
        let mut s = Scenario::healthy();
        s.last_data = None;
        let intent = OrderIntent {
            qty: qty(dec!(0.0123456)),
            ..entry()
        };
        let d = s.evaluate(intent.clone());
        assert_eq!(d.intent(), &intent, "no rounding leaks into a rejection");
    }

    #[test]
    fn decisions_become_audit_events() {
        let approved = Scenario::healthy().evaluate(entry());
        assert_eq!(
            approved.to_audit_event(),
            AuditEvent::TradeApproved {
                intent: entry(),
                adjustments: Vec::new()
            }
        );
        let mut s = Scenario::healthy();
        s.portfolio.open_positions = 5;
        let rejected = s.evaluate(entry());
        let event = rejected.to_audit_event();
        assert_eq!(
            event,
            AuditEvent::TradeRejected {
                intent: entry(),
                reasons: vec![RejectReason::MaxOpenPositions { open: 5, max: 3 }],
            }
        );
        assert_eq!(event.type_name(), "trade_rejected");
    }

    #[test]
    fn refuses_to_build_from_an_invalid_config() {
        let err = TradeGate::new(RiskConfig {
            max_daily_loss_pct: dec!(150),
            ..RiskConfig::default()
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid [risk] configuration: risk.max_daily_loss_pct must be in (0, 100], got 150"
        );
    }

    #[test]
    fn reconfigure_applies_new_limits_and_keeps_the_old_on_error() {
        let mut g = gate();
        let s = Scenario::healthy();
        let strict = RiskConfig {
            min_confidence: dec!(0.9),
            ..RiskConfig::default()
        };
        g.reconfigure(strict).unwrap();
        assert_eq!(
            codes(&g.evaluate(entry(), &s.ctx())),
            ["confidence_too_low"]
        );
        assert!(
            g.reconfigure(RiskConfig {
                max_open_positions: 0,
                ..RiskConfig::default()
            })
            .is_err()
        );
        assert_eq!(g.config().min_confidence, dec!(0.9));
    }

    #[test]
    fn reconfigure_keeps_the_order_rate_window() {
        let s = Scenario::healthy();
        let mut g = gate();
        assert!(g.evaluate(entry(), &s.ctx()).is_approved());
        g.reconfigure(RiskConfig {
            max_orders_per_minute: 1,
            ..RiskConfig::default()
        })
        .unwrap();
        assert_eq!(g.orders_in_window(s.now), 1);
        assert_eq!(codes(&g.evaluate(entry(), &s.ctx())), ["order_rate_limit"]);
    }

    #[test]
    fn protective_exit_flattens_under_an_active_kill_switch() {
        let mut s = Scenario::holding(dec!(0.02));
        s.kill_switch
            .activate(Actor::Operator { name: "ana".into() }, "halt", t0())
            .unwrap();
        s.inputs.file = Some("data/kill_switch".into());
        s.preservation = PreservationView::new(PreservationLevel::Crisis, TierSet::NONE);
        s.last_data = None;
        let mut g = gate();
        assert!(!g.evaluate(exit(dec!(0.02)), &s.ctx()).is_approved());
        let d = g
            .approve_protective_exit(exit(dec!(0.02)), &s.ctx())
            .unwrap();
        assert!(d.is_approved(), "{:?}", d.reasons());
        assert_eq!(g.orders_in_window(s.now), 1, "recorded in the rate window");
    }

    #[test]
    fn protective_exit_refuses_an_entry() {
        let s = Scenario::holding(dec!(0.02));
        let err = gate()
            .approve_protective_exit(entry(), &s.ctx())
            .unwrap_err();
        assert!(matches!(
            err,
            GateError::ProtectiveExitNotAnExit {
                kind: IntentKind::Entry,
                ..
            }
        ));
    }

    #[test]
    fn protective_exit_must_strictly_reduce_a_held_position() {
        let mut g = gate();
        // Flat: nothing to reduce.
        let flat = Scenario::healthy();
        assert!(matches!(
            g.approve_protective_exit(exit(dec!(0.01)), &flat.ctx()),
            Err(GateError::ProtectiveExitNotReducing { .. })
        ));
        let held = Scenario::holding(dec!(0.02));
        // Larger than the position: would flip to short.
        assert!(
            g.approve_protective_exit(exit(dec!(0.03)), &held.ctx())
                .is_err()
        );
        // Wrong side: buying adds to a long.
        let add = OrderIntent {
            side: Side::Buy,
            ..exit(dec!(0.01))
        };
        assert!(g.approve_protective_exit(add, &held.ctx()).is_err());
        // Zero quantity reduces nothing.
        assert!(
            g.approve_protective_exit(exit(dec!(0)), &held.ctx())
                .is_err()
        );
        // Partial reduction is fine.
        assert!(
            g.approve_protective_exit(exit(dec!(0.01)), &held.ctx())
                .unwrap()
                .is_approved()
        );
    }

    #[test]
    fn protective_exit_still_applies_exchange_filters() {
        let mut s = Scenario::holding(dec!(0.0200004));
        let d = gate()
            .approve_protective_exit(exit(dec!(0.0200004)), &s.ctx())
            .unwrap();
        assert_eq!(d.approved().map(|a| a.inner().qty), Some(qty(dec!(0.02))));
        s.filters = None;
        let d = gate()
            .approve_protective_exit(exit(dec!(0.02)), &s.ctx())
            .unwrap();
        assert_eq!(codes(&d), ["filters_unknown"]);
        let limit_exit = OrderIntent {
            order_type: OrderType::Limit {
                price: price(dec!(0.001)),
            },
            ..exit(dec!(0.02))
        };
        s.filters = Some(btc_filters());
        let d = gate()
            .approve_protective_exit(limit_exit, &s.ctx())
            .unwrap();
        assert!(codes(&d).iter().all(|c| *c == "exchange_filter"));
    }

    #[test]
    fn a_stale_context_does_not_block_the_next_fresh_one() {
        let mut g = gate();
        let mut s = Scenario::healthy();
        s.last_data = Some(s.now - Duration::minutes(10));
        assert!(!g.evaluate(entry(), &s.ctx()).is_approved());
        s.last_data = Some(s.now);
        assert!(g.evaluate(entry(), &s.ctx()).is_approved());
    }
}

#[cfg(test)]
mod property_tests {
    use domain::{
        ClientOrderId, Confidence, InstrumentFilters, IntentKind, Money, OrderIntent, OrderType,
        PreservationLevel, Price, Qty, Readiness, Side, StrategyId, Tier, TradingMode,
    };
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use crate::testing::*;
    use crate::{KillSwitchInputs, PreservationView, RiskConfig, TierSet};

    fn dec_in(lo: i64, hi: i64, scale: u32) -> impl Strategy<Value = Decimal> {
        (lo..=hi).prop_map(move |m| Decimal::new(m, scale))
    }

    fn any_side() -> impl Strategy<Value = Side> {
        prop_oneof![Just(Side::Buy), Just(Side::Sell)]
    }

    fn any_kind() -> impl Strategy<Value = IntentKind> {
        prop_oneof![Just(IntentKind::Entry), Just(IntentKind::Exit)]
    }

    fn any_tier() -> impl Strategy<Value = Tier> {
        prop_oneof![Just(Tier::Low), Just(Tier::Medium), Just(Tier::High)]
    }

    /// A random intent on an allowlisted symbol: price 0.01-100,000 (market or limit),
    /// quantity 0-10, stop 0.01-1,000, any confidence and tier.
    fn any_intent() -> impl Strategy<Value = OrderIntent> {
        (
            any_side(),
            any_kind(),
            any::<bool>(),
            dec_in(1, 10_000_000, 2),
            dec_in(-500, 500, 4),
            dec_in(0, 10_000_000, 6),
            dec_in(1, 100_000, 2),
            dec_in(0, 100, 2),
            any_tier(),
            any::<bool>(),
        )
            .prop_map(
                |(side, kind, is_limit, reference, offset, qty, stop, conf, tier, eth)| {
                    let reference = Price::new(reference).unwrap();
                    let limit = (reference.value()
                        * (Decimal::ONE + offset / Decimal::ONE_HUNDRED))
                        .max(Decimal::new(1, 4));
                    OrderIntent {
                        client_order_id: ClientOrderId::new("rp-prop-1").unwrap(),
                        symbol: sym(if eth { "ETH-USD" } else { "BTC-USD" }),
                        side,
                        kind,
                        order_type: if is_limit {
                            OrderType::Limit {
                                price: Price::new(limit).unwrap(),
                            }
                        } else {
                            OrderType::Market
                        },
                        qty: Qty::new(qty).unwrap(),
                        reference_price: reference,
                        stop_distance: Price::new(stop).unwrap(),
                        confidence: Confidence::new(conf).unwrap(),
                        tier,
                        strategy: StrategyId::new("prop").unwrap(),
                        created_at: t0(),
                        quote_budget: None,
                    }
                },
            )
    }

    /// Random filters with power-of-ten tick and step sizes and random bounds.
    fn any_filters() -> impl Strategy<Value = InstrumentFilters> {
        (
            0u32..=4,
            0u32..=8,
            dec_in(0, 1_000, 3),
            dec_in(1, 1_000_000, 2),
            dec_in(0, 10_000, 1),
            proptest::option::of(dec_in(1_000, 10_000_000, 0)),
        )
            .prop_map(
                |(tick_dp, step_dp, min_qty, max_qty, min_notional, max_notional)| {
                    let min_qty = Qty::new(min_qty).unwrap();
                    let max_qty = Qty::new(max_qty).unwrap().max(min_qty);
                    InstrumentFilters::new(
                        Price::new(Decimal::new(1, tick_dp)).unwrap(),
                        Qty::new(Decimal::new(1, step_dp)).unwrap(),
                        min_qty,
                        max_qty,
                        Money::new(min_notional),
                        max_notional.map(Money::new),
                    )
                    .unwrap()
                },
            )
    }

    fn any_level() -> impl Strategy<Value = PreservationLevel> {
        proptest::sample::select(PreservationLevel::ALL.to_vec())
    }

    fn any_mode() -> impl Strategy<Value = TradingMode> {
        proptest::sample::select(vec![
            TradingMode::Backtest,
            TradingMode::DryRun,
            TradingMode::Paper,
            TradingMode::Live,
        ])
    }

    fn any_readiness() -> impl Strategy<Value = Readiness> {
        proptest::sample::select(vec![Readiness::Go, Readiness::Conditional, Readiness::NoGo])
    }

    proptest! {
        #[test]
        fn prop_no_intent_is_approved_while_any_kill_switch_source_is_active(
            intent in any_intent(),
            source in 0u8..7,
            mode in any_mode(),
            readiness in any_readiness(),
            level in any_level(),
            filters in any_filters(),
            held in proptest::option::of(dec_in(1, 10_000_000, 6)),
            live_enabled in any::<bool>(),
            max_orders in 1u32..1000,
        ) {
            let mut s = Scenario::healthy();
            // Bit 0: file, bit 1: environment, bit 2: stored; at least one is set.
            let source = source + 1;
            s.inputs = KillSwitchInputs {
                file: (source & 1 != 0).then(|| "data/kill_switch".to_string()),
                env: (source & 2 != 0).then(|| "RAMPART_KILL_SWITCH".to_string()),
            };
            if source & 4 != 0 {
                s.kill_switch.trigger(domain::KillSwitchTrigger::AuditChainMismatch, "", t0());
            }
            s.mode = mode;
            s.readiness = readiness;
            s.preservation = PreservationView::new(level, TierSet::ALL);
            s.filters = Some(filters);
            if let Some(held) = held {
                let mut p = long(held);
                if intent.side == Side::Buy {
                    p.signed_qty = -held; // make the exit a genuine reduction when sizes fit
                }
                s.position = Some(p);
            }
            let mut g = gate_with(RiskConfig {
                live_trading_enabled: live_enabled,
                max_orders_per_minute: max_orders,
                ..RiskConfig::default()
            });
            let d = g.evaluate(intent, &s.ctx());
            prop_assert!(!d.is_approved());
            prop_assert_eq!(d.reasons()[0].code(), "kill_switch_active");
        }

        #[test]
        fn prop_every_approved_order_satisfies_its_filters(
            intent in any_intent(),
            filters in any_filters(),
        ) {
            let mut s = Scenario::healthy();
            s.filters = Some(filters.clone());
            // Generous risk limits so that many intents reach the filters and get approved.
            s.portfolio.equity = Money::new(Decimal::new(1, 0) * Decimal::from(1_000_000_000_i64));
            s.portfolio.day_start_equity = s.portfolio.equity;
            let mut g = gate_with(RiskConfig {
                max_loss_per_trade_pct: Decimal::ONE_HUNDRED,
                max_daily_loss_pct: Decimal::ONE_HUNDRED,
                min_confidence: Decimal::ZERO,
                max_orders_per_minute: u32::MAX,
                ..RiskConfig::default()
            });
            let intent = OrderIntent { tier: Tier::High, ..intent };
            if let Some(approved) = g.evaluate(intent, &s.ctx()).approved() {
                let order = approved.inner();
                let is_limit = matches!(order.order_type, OrderType::Limit { .. });
                prop_assert!(
                    filters.accepts(order.working_price(), order.qty, is_limit),
                    "approved {:?} @ {} violates {:?}", order.qty, order.working_price(), filters
                );
            }
        }

        #[test]
        fn prop_rejection_reasons_follow_check_order(
            intent in any_intent(),
            filters in any_filters(),
            level in any_level(),
            open in 0usize..5,
            daily_loss in dec_in(0, 1_000, 0),
        ) {
            const ORDER: [&str; 15] = [
                "kill_switch_active", "live_mode_guard", "stale_market_data",
                "symbol_not_allowed", "capital_preservation_veto", "tier_not_allowed",
                "confidence_too_low", "cool_down_after_loss", "max_open_positions",
                "max_loss_per_trade", "max_daily_loss", "account_rule",
                "filters_unknown", "exchange_filter", "order_rate_limit",
            ];
            let mut s = Scenario::healthy();
            s.filters = Some(filters);
            s.preservation = PreservationView::new(level, TierSet::of(&[Tier::High]));
            s.portfolio.open_positions = open;
            s.portfolio.daily_pnl = Money::new(-daily_loss);
            let d = s.evaluate(intent);
            let ranks: Vec<usize> = d
                .reasons()
                .iter()
                .filter_map(|r| ORDER.iter().position(|c| *c == r.code()))
                .collect();
            prop_assert_eq!(ranks.len(), d.reasons().len());
            prop_assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{:?}", d.reasons());
        }
    }
}
