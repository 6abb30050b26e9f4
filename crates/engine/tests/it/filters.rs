//! Exchange filters re-read on the venue's schedule.

use std::collections::BTreeMap;
use std::sync::Arc;

use domain::{AlertKind, AuditEvent, Severity, SimClock, TradingMode};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::support::*;

/// Settings that let every `sma_cross` entry through the turnover rules and the gate.
fn permissive() -> engine::EngineSettings {
    let mut s = settings(TradingMode::DryRun);
    s.turnover.symbols.clear();
    s.turnover.default.min_ev_cost_multiple = Decimal::ZERO;
    s.turnover.default.min_confidence = domain::Confidence::ZERO;
    s.turnover.default.min_interval_minutes = 0;
    s.risk.min_confidence = Decimal::ZERO;
    s
}

/// A dip then a rise: `sma_cross(2, 4)` crosses up once.
fn cross_up(engine: &mut TestEngine<paper::PaperVenue>, clock: &SimClock, from: i64) {
    let mut closes = vec![];
    let mut price = dec!(100);
    for _ in 0..5 {
        price -= dec!(1);
        closes.push(price);
    }
    for _ in 0..6 {
        price += dec!(1);
        closes.push(price);
    }
    let mut open = dec!(100);
    for (i, close) in closes.into_iter().enumerate() {
        let ev = candle(clock, from + i as i64, open, close);
        futures::executor::block_on(engine.on_event(ev)).unwrap();
        open = close;
    }
}

fn filter_alerts(engine: &TestEngine<paper::PaperVenue>) -> Vec<(Severity, String)> {
    engine
        .store()
        .batches()
        .iter()
        .flat_map(|b| b.events.iter())
        .filter_map(|e| match e {
            AuditEvent::AlertRaised { alert } if alert.kind == AlertKind::FilterChanged => {
                Some((alert.severity, alert.message.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_symbol_that_stops_trading_loses_its_filters_until_it_trades_again() {
    let clock = Arc::new(SimClock::new(start()));
    let mut engine = engine_with(permissive(), sma_cross(2, 4), paper_venue(), clock.clone());

    // Unchanged filters: nothing recorded.
    let filters = paper::default_filters();
    let mut trading = BTreeMap::new();
    trading.insert(btc(), filters[&btc()].clone());
    futures::executor::block_on(engine.refresh_filters(trading.clone(), &[])).unwrap();
    assert!(engine.store().batches().is_empty());

    // Halted: CRITICAL, and the next entry is refused before it reaches the venue.
    let halted = [(
        btc(),
        true,
        "BTC-USD (BTCUSDT): status changed from TRADING to HALT".to_string(),
    )];
    futures::executor::block_on(engine.refresh_filters(BTreeMap::new(), &halted)).unwrap();
    cross_up(&mut engine, &clock, 0);
    let s = engine.summary();
    assert_eq!(s.orders_submitted, 0, "{s:?}");
    assert!(
        s.rejections_by_reason.contains_key("filters_unknown"),
        "{s:?}"
    );
    assert_eq!(
        filter_alerts(&engine),
        vec![(
            Severity::Critical,
            "exchange filters changed: BTC-USD (BTCUSDT): status changed from TRADING to HALT"
                .to_string()
        )]
    );

    // Trading again: WARNING, and the next entry goes out.
    let back = [(
        btc(),
        false,
        "BTC-USD (BTCUSDT): status changed from HALT to TRADING".to_string(),
    )];
    futures::executor::block_on(engine.refresh_filters(trading, &back)).unwrap();
    cross_up(&mut engine, &clock, 20);
    assert!(
        engine.summary().orders_submitted > 0,
        "{:?}",
        engine.summary()
    );
    assert_eq!(filter_alerts(&engine).len(), 2);
    assert_eq!(filter_alerts(&engine)[1].0, Severity::Warning);
}
