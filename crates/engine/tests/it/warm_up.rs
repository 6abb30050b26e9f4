//! Warming the strategies up on history before the first live event.

use std::sync::Arc;

use domain::{AuditEvent, Candle, Clock, MarketEvent, Side, SimClock, TradingMode};
use replay::{MergedCandles, SymbolFile, TimeRange};

use crate::support::*;

fn hourly_btc(rows: usize) -> Vec<Candle> {
    let file = SymbolFile::new(btc(), shared().join("data/binance-BTCUSDT-1h.csv"));
    MergedCandles::open([file], TimeRange::ALL)
        .unwrap()
        .take(rows)
        .map(Result::unwrap)
        .collect()
}

/// The (time, side) of every signal `strategy` emits over `candles`.
fn signals_of(candles: &[Candle]) -> Vec<(domain::Timestamp, Side)> {
    let mut strategy = sma_cross(5, 20);
    candles
        .iter()
        .filter_map(|c| strategy.on_candle(c).map(|s| (s.ts, s.side)))
        .collect()
}

#[test]
fn warmed_strategies_signal_as_if_they_had_seen_the_history_and_nothing_else_happens() {
    let candles = hourly_btc(1_000);
    let (history, live) = candles.split_at(500);
    let clock = Arc::new(SimClock::new(data_start()));
    let mut engine = engine_with(
        settings(TradingMode::DryRun),
        sma_cross(5, 20),
        paper_venue(),
        clock.clone(),
    );
    clock.advance_to(history[499].close_time()).unwrap();

    let used = futures::executor::block_on(engine.warm_up_history(history.to_vec())).unwrap();
    assert_eq!(used, 500);
    // Nothing but the note: no event counted, no order, no position.
    let s = engine.summary();
    assert_eq!((s.events, s.orders_submitted, s.closed_trades), (0, 0, 0));
    assert!(s.signals_by_tier.is_empty(), "{:?}", s.signals_by_tier);
    let discarded = signals_of(history).len();
    assert!(discarded > 0, "the history must hold crosses for this test");
    let batches = engine.store().batches();
    assert_eq!(batches.len(), 1);
    let notes: Vec<&str> = batches[0]
        .events
        .iter()
        .filter_map(|e| match e {
            AuditEvent::AlertRaised { alert } => Some(alert.message.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("warmed up on 500 historical candles")
            && notes[0].contains(&format!(
                "{discarded} signals from the history were discarded"
            )),
        "{}",
        notes[0]
    );

    // Live: the signals are exactly those of a strategy that saw history and live.
    for candle in live {
        clock.advance_to(candle.close_time()).unwrap();
        futures::executor::block_on(engine.on_event(MarketEvent::Candle(candle.clone()))).unwrap();
    }
    let seen: Vec<(domain::Timestamp, Side)> = engine
        .store()
        .batches()
        .iter()
        .flat_map(|b| b.events.iter())
        .filter_map(|e| match e {
            AuditEvent::SignalGenerated { signal } => Some((signal.ts, signal.side)),
            _ => None,
        })
        .collect();
    let all = signals_of(&candles);
    let expected: Vec<_> = all.into_iter().skip(discarded).collect();
    assert!(!expected.is_empty());
    assert_eq!(seen, expected);
    assert_eq!(clock.now(), live[499].close_time());
}

#[test]
fn a_cold_engine_misses_what_the_warmed_one_sees() {
    // The same live half without warm-up: its first crosses only initialise the
    // indicators, so it signals less than the warmed engine does.
    let candles = hourly_btc(1_000);
    let live = &candles[500..];
    let clock = Arc::new(SimClock::new(data_start()));
    let mut cold = engine_with(
        settings(TradingMode::DryRun),
        sma_cross(5, 20),
        paper_venue(),
        clock.clone(),
    );
    assert_eq!(
        futures::executor::block_on(cold.warm_up_history(Vec::new())).unwrap(),
        0
    );
    assert!(
        cold.store().batches().is_empty(),
        "an empty history leaves no note"
    );
    for candle in live {
        clock.advance_to(candle.close_time()).unwrap();
        futures::executor::block_on(cold.on_event(MarketEvent::Candle(candle.clone()))).unwrap();
    }
    let cold_signals: u64 = cold.summary().signals_by_tier.values().sum();
    let warmed = signals_of(&candles).len() - signals_of(&candles[..500]).len();
    assert!(
        (cold_signals as usize) < warmed,
        "cold {cold_signals}, warmed {warmed}"
    );
}
