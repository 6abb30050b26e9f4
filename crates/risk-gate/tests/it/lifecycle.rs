//! A trading session through the gate: approvals, a losing trade, the cool-down,
//! the kill switch, a protective flatten, and the audit records of each decision.

use chrono::{Duration, TimeZone, Utc};
use domain::{
    Actor, AuditEvent, ClientOrderId, Confidence, DayBoundary, Fill, InstrumentFilters, IntentKind,
    KillSwitchTrigger, Money, OrderIntent, OrderType, Portfolio, Price, Qty, Readiness, Side,
    StrategyId, Symbol, Tier, Timestamp, TradingMode,
};
use risk_gate::{
    Decision, KillSwitch, KillSwitchInputs, PreservationView, RiskConfig, RiskContext, TradeGate,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn t(minutes: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 6, 3, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn btc() -> Symbol {
    Symbol::new("BTC-USD").unwrap()
}

fn filters() -> InstrumentFilters {
    InstrumentFilters::new(
        Price::new(dec!(0.01)).unwrap(),
        Qty::new(dec!(0.00001)).unwrap(),
        Qty::new(dec!(0.00001)).unwrap(),
        Qty::new(dec!(9000)).unwrap(),
        Money::new(dec!(5)),
        None,
    )
    .unwrap()
}

fn intent(n: u64, side: Side, kind: IntentKind, qty: Decimal, at: Timestamp) -> OrderIntent {
    OrderIntent {
        client_order_id: ClientOrderId::derive("it", &btc(), at, n),
        symbol: btc(),
        side,
        kind,
        order_type: OrderType::Market,
        qty: Qty::new(qty).unwrap(),
        reference_price: Price::new(dec!(60000)).unwrap(),
        stop_distance: Price::new(dec!(600)).unwrap(),
        confidence: Confidence::new(dec!(0.8)).unwrap(),
        tier: Tier::High,
        strategy: StrategyId::new("sma_cross").unwrap(),
        created_at: at,
        quote_budget: None,
    }
}

fn fill_of(decision: &Decision, price: Decimal, at: Timestamp) -> Fill {
    let order = decision.approved().expect("approved").inner();
    Fill {
        client_order_id: order.client_order_id.clone(),
        trade_id: format!("{}", at.timestamp()),
        symbol: order.symbol.clone(),
        side: order.side,
        qty: order.qty,
        price: Price::new(price).unwrap(),
        fee: Money::ZERO,
        ts: at,
    }
}

/// Everything the engine would hold between events.
struct Engine {
    gate: TradeGate,
    portfolio: Portfolio,
    kill_switch: KillSwitch,
    inputs: KillSwitchInputs,
    filters: InstrumentFilters,
}

impl Engine {
    fn new() -> Self {
        Self {
            gate: TradeGate::new(RiskConfig::default()).unwrap(),
            portfolio: Portfolio::new(Money::new(dec!(10000)), DayBoundary::UTC_MIDNIGHT).unwrap(),
            kill_switch: KillSwitch::new(),
            inputs: KillSwitchInputs::NONE,
            filters: filters(),
        }
    }

    fn decide(&mut self, intent: OrderIntent, now: Timestamp, protective: bool) -> Decision {
        self.portfolio.advance_time(now);
        let snapshot = self.portfolio.snapshot();
        let ctx = RiskContext {
            now,
            mode: TradingMode::Backtest,
            readiness: Readiness::NoGo,
            kill_switch: &self.kill_switch,
            kill_switch_inputs: &self.inputs,
            portfolio: &snapshot,
            position: self.portfolio.position(&intent.symbol),
            last_market_data_at: Some(now),
            preservation: PreservationView::UNRESTRICTED,
            filters: Some(&self.filters),
            account_rules: None,
        };
        if protective {
            self.gate
                .approve_protective_exit(intent, &ctx)
                .expect("a genuine reduce-only exit")
        } else {
            self.gate.evaluate(intent, &ctx)
        }
    }
}

#[test]
fn a_losing_trade_starts_the_cool_down_and_the_gate_releases_after_it() {
    let mut e = Engine::new();
    let open = e.decide(
        intent(1, Side::Buy, IntentKind::Entry, dec!(0.05), t(0)),
        t(0),
        false,
    );
    e.portfolio
        .apply_fill(&fill_of(&open, dec!(60000), t(0)))
        .unwrap();

    let close = e.decide(
        intent(2, Side::Sell, IntentKind::Exit, dec!(0.05), t(30)),
        t(30),
        false,
    );
    e.portfolio
        .apply_fill(&fill_of(&close, dec!(59500), t(30)))
        .unwrap();
    assert_eq!(e.portfolio.last_loss_at(), Some(t(30)));

    let early = e.decide(
        intent(3, Side::Buy, IntentKind::Entry, dec!(0.05), t(45)),
        t(45),
        false,
    );
    let event = serde_json::to_value(early.to_audit_event()).unwrap();
    assert_eq!(event["type"], "trade_rejected");
    assert_eq!(event["reasons"][0]["code"], "cool_down_after_loss");

    let later = e.decide(
        intent(4, Side::Buy, IntentKind::Entry, dec!(0.05), t(90)),
        t(90),
        false,
    );
    assert!(later.is_approved(), "{:?}", later.reasons());
}

#[test]
fn the_kill_switch_blocks_strategy_orders_but_not_a_protective_flatten() {
    let mut e = Engine::new();
    let open = e.decide(
        intent(1, Side::Buy, IntentKind::Entry, dec!(0.05), t(0)),
        t(0),
        false,
    );
    e.portfolio
        .apply_fill(&fill_of(&open, dec!(60000), t(0)))
        .unwrap();

    let activated = e.kill_switch.trigger(
        KillSwitchTrigger::AccountRuleBreach,
        "max loss reached",
        t(5),
    );
    assert!(matches!(
        activated,
        Some(AuditEvent::KillSwitchActivated { .. })
    ));

    let exit = intent(2, Side::Sell, IntentKind::Exit, dec!(0.05), t(6));
    let blocked = e.decide(exit.clone(), t(6), false);
    assert_eq!(blocked.reasons()[0].code(), "kill_switch_active");

    let flatten = e.decide(exit, t(6), true);
    let approved = flatten
        .approved()
        .expect("flatten approved under the kill switch");
    assert_eq!(approved.inner().qty, Qty::new(dec!(0.05)).unwrap());
    e.portfolio
        .apply_fill(&fill_of(&flatten, dec!(59000), t(6)))
        .unwrap();
    assert!(e.portfolio.positions().is_empty());

    e.kill_switch
        .deactivate(
            Actor::Operator { name: "ana".into() },
            "breach reviewed",
            t(120),
        )
        .unwrap();
    e.inputs.file = Some("data/kill_switch".into());
    let still = e.decide(
        intent(3, Side::Buy, IntentKind::Entry, dec!(0.01), t(121)),
        t(121),
        false,
    );
    assert_eq!(still.reasons()[0].code(), "kill_switch_active");
    e.inputs.file = None;
    let free = e.decide(
        intent(4, Side::Buy, IntentKind::Entry, dec!(0.01), t(122)),
        t(122),
        false,
    );
    assert!(free.is_approved(), "{:?}", free.reasons());
}

#[test]
fn a_risk_section_from_the_config_file_builds_a_gate_that_enforces_it() {
    let config: RiskConfig = serde_json::from_str(
        r#"{"max_open_positions": 1, "symbol_allowlist": ["ETH-USD"], "min_confidence": "0.9"}"#,
    )
    .unwrap();
    let mut e = Engine::new();
    e.gate = TradeGate::new(config).unwrap();
    let d = e.decide(
        intent(1, Side::Buy, IntentKind::Entry, dec!(0.01), t(0)),
        t(0),
        false,
    );
    let codes: Vec<&str> = d.reasons().iter().map(|r| r.code()).collect();
    assert_eq!(codes, ["symbol_not_allowed", "confidence_too_low"]);
}
