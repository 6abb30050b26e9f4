//! Guardrails seen through the whole pipeline.

use std::sync::Arc;

use domain::{Actor, AuditEvent, PreservationLevel, SimClock, TradingMode};
use risk_gate::KillSwitchInputs;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::support::*;

#[test]
fn with_the_kill_switch_file_present_no_order_is_ever_sent() {
    let clock = Arc::new(SimClock::new(data_start()));
    let mut engine = engine_with(
        settings(TradingMode::DryRun),
        sma_cross(5, 20),
        paper_venue(),
        clock.clone(),
    );
    engine.set_kill_switch_inputs(KillSwitchInputs {
        file: Some("data/kill_switch".into()),
        env: None,
    });
    replay_btc_1h(&mut engine, clock, 1500);
    let s = engine.summary();
    assert_eq!(s.orders_submitted, 0);
    assert_eq!(s.approvals, 0);
    assert!(s.rejected_intents > 0);
    assert_eq!(
        s.rejections_by_reason.get("kill_switch_active"),
        Some(&s.rejected_intents)
    );
}

#[test]
fn stored_kill_switch_is_audited_and_needs_a_reason_to_clear() {
    let clock = Arc::new(SimClock::new(data_start()));
    let mut engine = engine_with(
        settings(TradingMode::DryRun),
        sma_cross(5, 20),
        paper_venue(),
        clock.clone(),
    );
    let ana = Actor::Operator { name: "ana".into() };
    assert!(
        futures::executor::block_on(engine.kill_switch_on(ana.clone(), "manual test")).unwrap()
    );
    assert!(engine.kill_switch_active());
    assert!(futures::executor::block_on(engine.kill_switch_off(ana.clone(), "  ")).is_err());
    assert!(engine.kill_switch_active());
    futures::executor::block_on(engine.kill_switch_off(ana, "reviewed")).unwrap();
    assert!(!engine.kill_switch_active());
    let batches = engine.store().batches();
    let kinds: Vec<&str> = batches
        .iter()
        .flat_map(|b| b.events.iter().map(AuditEvent::type_name))
        .collect();
    assert!(kinds.contains(&"kill_switch_activated"));
    assert!(kinds.contains(&"kill_switch_deactivated"));
}

#[test]
fn a_crash_escalates_capital_preservation_and_vetoes_new_entries() {
    let clock = Arc::new(SimClock::new(start()));
    let mut s = settings(TradingMode::Backtest);
    s.sizing = engine::Sizing::AllIn;
    s.risk.max_loss_per_trade_pct = dec!(100);
    s.risk.max_daily_loss_pct = dec!(100);
    // Let every sma_cross signal through the turnover rules: this test is about capital preservation.
    s.turnover.symbols.clear();
    s.turnover.default.min_ev_cost_multiple = Decimal::ZERO;
    s.turnover.default.min_confidence = domain::Confidence::ZERO;
    s.turnover.default.min_interval_minutes = 0;
    s.risk.min_confidence = Decimal::ZERO;
    let mut engine = engine_with(s, sma_cross(2, 4), paper_venue(), clock.clone());
    // Dip (the averages start out bearish), rise (cross up: enter long all-in), flat,
    // a 20% gap down with the position held, then a rebound that crosses up again.
    let mut closes = Vec::new();
    let mut price = dec!(100);
    for _ in 0..5 {
        price -= dec!(1);
        closes.push(price);
    }
    for _ in 0..6 {
        price += dec!(1);
        closes.push(price);
    }
    closes.extend([price; 3]);
    // One bar gaps down 20% while the long is held.
    price *= dec!(0.8);
    closes.push(price);
    for _ in 0..4 {
        price *= dec!(0.99);
        closes.push(price);
    }
    for _ in 0..8 {
        price *= dec!(1.01);
        closes.push(price);
    }
    let mut open = dec!(100);
    for (i, close) in closes.into_iter().enumerate() {
        let ev = candle(&clock, i as i64, open, close);
        futures::executor::block_on(engine.on_event(ev)).unwrap();
        open = close;
    }
    let summary = engine.summary();
    let levels: Vec<PreservationLevel> = summary.level_transitions.iter().map(|t| t.to).collect();
    // A 20% gap jumps straight past CAUTION, DEFENSIVE and LOCKDOWN.
    assert_eq!(
        levels.first(),
        Some(&PreservationLevel::Crisis),
        "{levels:?} {summary:?}"
    );
    assert!(
        engine.preservation().level() >= PreservationLevel::Lockdown,
        "{levels:?}"
    );
    assert!(
        summary
            .rejections_by_reason
            .contains_key("capital_preservation_veto"),
        "{summary:?}"
    );
}
