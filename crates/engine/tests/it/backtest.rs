//! A guardrails-off and a guardrails-on run over real hourly BTC candles.

use std::sync::Arc;

use domain::{AuditEvent, Money, SimClock, TradingMode};
use engine::{Guardrails, Sizing};

use crate::support::*;

#[test]
fn raw_sma_cross_trades_at_the_next_open_and_the_books_balance() {
    let clock = Arc::new(SimClock::new(data_start()));
    let mut s = settings(TradingMode::Backtest);
    s.guardrails = Guardrails::Off;
    s.sizing = Sizing::AllIn;
    let venue = paper_venue();
    let mut engine = engine_with(s, sma_cross(10, 30), venue, clock.clone());
    let mut fills = Vec::new();
    let file = replay::SymbolFile::new(btc(), shared().join("data/binance-BTCUSDT-1h.csv"));
    let merged = replay::MergedCandles::open([file], replay::TimeRange::ALL).unwrap();
    let mut candles = Vec::new();
    for event in replay::ClockedReplay::new(merged, clock).take(2000) {
        let event = event.unwrap();
        if let domain::MarketEvent::Candle(c) = &event {
            candles.push(c.clone());
        }
        futures::executor::block_on(engine.on_event(event)).unwrap();
        for e in engine.last_events() {
            if let AuditEvent::OrderFilled { fill } = e {
                fills.push(fill.clone());
            }
        }
    }
    let summary = engine.summary().clone();
    assert_eq!(summary.events, 2000);
    assert!(summary.closed_trades >= 10, "{summary:?}");
    assert_eq!(
        summary.rejected_intents, 0,
        "{:?}",
        summary.rejections_by_reason
    );
    // Every fill is at the open of a bar (next-open policy) plus or minus slippage of 5 bps.
    for f in &fills {
        let bar = candles
            .iter()
            .find(|c| c.open_time() == f.ts)
            .expect("fill stamped at a bar open");
        let open = bar.open().value();
        let diff = (f.price.value() - open).abs() / open;
        assert!(
            diff <= rust_decimal_macros::dec!(0.0006),
            "fill {} vs open {open}",
            f.price
        );
    }
    // Cash accounting: equity = initial + realised + unrealised - fees of the open position.
    let p = engine.portfolio();
    let open_fees: Money = p.positions().values().map(|x| x.open_fees).sum();
    let diff = (p.equity()
        - (p.initial_capital() + p.realized_pnl() + p.unrealized_pnl() - open_fees))
        .abs();
    assert!(diff < Money::new(rust_decimal_macros::dec!(0.000001)));
}

#[test]
fn guarded_run_records_every_decision_and_is_deterministic() {
    let run = || {
        let clock = Arc::new(SimClock::new(data_start()));
        let mut engine = engine_with(
            settings(TradingMode::Backtest),
            sma_cross(10, 30),
            paper_venue(),
            clock.clone(),
        );
        let mut events = Vec::new();
        let file = replay::SymbolFile::new(btc(), shared().join("data/binance-BTCUSDT-1h.csv"));
        let merged = replay::MergedCandles::open([file], replay::TimeRange::ALL).unwrap();
        for event in replay::ClockedReplay::new(merged, clock).take(3000) {
            futures::executor::block_on(engine.on_event(event.unwrap())).unwrap();
            events.extend(engine.last_events().iter().cloned());
        }
        (engine.summary().clone(), events)
    };
    let (a, events_a) = run();
    let (b, events_b) = run();
    assert_eq!(events_a, events_b, "same candles, same decisions");
    assert_eq!(a, b);
    let signals: u64 = a.signals_by_tier.values().sum();
    assert!(signals > 0);
    // Every signal ends in exactly one of: no intent, a turnover block, a rejection, an approval.
    assert_eq!(
        signals,
        a.signals_without_intent + a.blocked_signals + a.rejected_intents + a.approvals,
        "{a:?}"
    );
    assert!(
        a.blocked_signals > 0,
        "BTC turnover rules block some sma_cross signals: {a:?}"
    );
    // Daily summary job ran once per simulated day (3000 hourly bars = 125 days).
    assert!(
        (124..=126).contains(&a.jobs_run["daily_summary"]),
        "{:?}",
        a.jobs_run
    );
    assert!(
        events_a
            .iter()
            .any(|e| matches!(e, AuditEvent::JobRan { job, .. } if job == "daily_summary"))
    );
}
