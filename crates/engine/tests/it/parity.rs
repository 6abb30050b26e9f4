//! Parity with an independent backtester (backtesting.py 0.6.6): the same trades and the
//! same final equity for raw sma_cross 10/30, all-in, next-open fills, 10 bps commission,
//! no slippage, on the first 5,000 real hourly BTC candles. The reference file was
//! produced by crates/backtest-metrics/parity/sma_cross_reference.py (see docs/metrics.md).

use std::collections::BTreeMap;
use std::sync::Arc;

use domain::{ClosedTrade, InstrumentFilters, Money, Price, Qty, SimClock, TradingMode};
use engine::{Engine, Guardrails, MemoryStore, Sizing};
use paper::{PaperConfig, PaperVenue, Slippage};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;

use crate::support::*;

fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../backtest-metrics/parity/reference_btcusdt_1h.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn dec_of(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn raw_sma_cross_matches_backtesting_py_trade_for_trade() {
    let filters = InstrumentFilters::new(
        Price::new(dec!(0.01)).unwrap(),
        Qty::new(dec!(0.00000001)).unwrap(),
        Qty::new(dec!(0.00000001)).unwrap(),
        Qty::new(dec!(1000000)).unwrap(),
        Money::ZERO,
        None,
    )
    .unwrap();
    let mut paper_filters = BTreeMap::new();
    paper_filters.insert(btc(), filters.clone());
    let venue = Arc::new(
        PaperVenue::new(PaperConfig {
            slippage: Slippage::Bps(Decimal::ZERO),
            commission_bps: dec!(10),
            filters: paper_filters,
            ..PaperConfig::default()
        })
        .unwrap(),
    );
    let clock = Arc::new(SimClock::new(data_start()));
    let mut s = settings(TradingMode::Backtest);
    s.guardrails = Guardrails::Off;
    s.sizing = Sizing::AllIn;
    s.risk.fee_bps = dec!(10);
    s.risk.slippage_bps = Decimal::ZERO;
    s.turnover.fee_bps = dec!(10);
    s.turnover.slippage_bps = Decimal::ZERO;
    let mut strategies = BTreeMap::new();
    strategies.insert(btc(), vec![sma_cross(10, 30)]);
    let mut engine = Engine::new(
        s,
        strategies,
        venue,
        Arc::new(MemoryStore::default()),
        clock.clone(),
    )
    .unwrap();
    engine.set_filters(btc(), filters);

    let file = replay::SymbolFile::new(btc(), shared().join("data/binance-BTCUSDT-1h.csv"));
    let merged = replay::MergedCandles::open([file], replay::TimeRange::ALL).unwrap();
    let mut trades: Vec<ClosedTrade> = Vec::new();
    for event in replay::ClockedReplay::new(merged, clock).take(5000) {
        futures::executor::block_on(engine.on_event(event.unwrap())).unwrap();
        trades.extend(engine.last_closed_trades().iter().cloned());
    }

    let r = reference();
    let expected = r["exact_replay"]["trades"].as_array().unwrap();
    assert_eq!(trades.len(), expected.len(), "closed trades");
    assert_eq!(expected.len(), 89);
    for (i, (ours, theirs)) in trades.iter().zip(expected).enumerate() {
        assert_eq!(
            ours.opened_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            theirs["entry_time"].as_str().unwrap(),
            "trade {i} entry time"
        );
        assert_eq!(
            ours.closed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            theirs["exit_time"].as_str().unwrap(),
            "trade {i} exit time"
        );
        assert_eq!(
            ours.entry_price.value(),
            dec_of(&theirs["entry_price"]),
            "trade {i} entry price"
        );
        assert_eq!(
            ours.exit_price.value(),
            dec_of(&theirs["exit_price"]),
            "trade {i} exit price"
        );
        assert_eq!(ours.qty.value(), dec_of(&theirs["size"]), "trade {i} size");
        let pnl_diff = (ours.net_pnl.value() - dec_of(&theirs["pnl"])).abs();
        assert!(
            pnl_diff < dec!(0.000000001),
            "trade {i} pnl {} vs {}",
            ours.net_pnl,
            theirs["pnl"]
        );
    }
    assert!(
        engine.portfolio().positions().is_empty(),
        "no position open at the end, as in the reference"
    );
    let final_equity = engine.portfolio().equity().value();
    let reference_equity =
        Decimal::try_from(r["backtesting_py"]["final_equity"].as_f64().unwrap()).unwrap();
    assert!(
        (final_equity - reference_equity).abs() < dec!(0.00001),
        "final equity {final_equity} vs {reference_equity}"
    );
}
