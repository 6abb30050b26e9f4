//! Building an engine the way the binaries will.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use domain::ports::{ExecutionVenue, Strategy};
use domain::{Candle, CandleFields, Clock, MarketEvent, SimClock, Symbol, TradingMode};
use engine::{Engine, EngineSettings, MemoryStore};
use paper::{PaperConfig, PaperVenue};
use replay::{ClockedReplay, MergedCandles, SymbolFile, TimeRange};
use rust_decimal::Decimal;

pub fn shared() -> PathBuf {
    std::env::var("RAMPART_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
}

pub fn btc() -> Symbol {
    Symbol::new("BTC-USD").unwrap()
}

pub fn sma_cross(fast: usize, slow: usize) -> Box<dyn Strategy> {
    strategies::build(
        "sma_cross",
        [("fast", fast.to_string()), ("slow", slow.to_string())],
        domain::TierThresholds::default(),
    )
    .unwrap()
}

pub type TestEngine<V> = Engine<V, MemoryStore, SimClock>;

/// An engine over `venue` for BTC-USD with one strategy, its clock at `start`.
pub fn engine_with<V: ExecutionVenue>(
    settings: EngineSettings,
    strategy: Box<dyn Strategy>,
    venue: Arc<V>,
    clock: Arc<SimClock>,
) -> TestEngine<V> {
    let mut strategies = BTreeMap::new();
    strategies.insert(btc(), vec![strategy]);
    let mut engine = Engine::new(
        settings,
        strategies,
        venue,
        Arc::new(MemoryStore::default()),
        clock,
    )
    .unwrap();
    engine.set_filters(btc(), paper::default_filters()[&btc()].clone());
    engine
}

pub fn paper_venue() -> Arc<PaperVenue> {
    Arc::new(PaperVenue::new(PaperConfig::default()).unwrap())
}

/// Replays the first `rows` hourly BTC candles from the shared data through `engine`.
pub fn replay_btc_1h<V: ExecutionVenue>(
    engine: &mut TestEngine<V>,
    clock: Arc<SimClock>,
    rows: usize,
) -> usize {
    let file = SymbolFile::new(btc(), shared().join("data/binance-BTCUSDT-1h.csv"));
    let merged = MergedCandles::open([file], TimeRange::ALL).unwrap();
    let mut n = 0;
    for event in ClockedReplay::new(merged, clock).take(rows) {
        futures::executor::block_on(engine.on_event(event.unwrap())).unwrap();
        n += 1;
    }
    n
}

pub fn settings(mode: TradingMode) -> EngineSettings {
    EngineSettings::new(mode, "test-run")
}

/// Before the first candle of the shared hourly data.
pub fn data_start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2017, 1, 1, 0, 0, 0).unwrap()
}

pub fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

/// A synthetic hourly candle, advancing the clock to its close.
pub fn candle(clock: &SimClock, i: i64, open: Decimal, close: Decimal) -> MarketEvent {
    let open_time = start() + Duration::hours(i);
    let close_time = open_time + Duration::hours(1);
    clock.advance_to(close_time).unwrap();
    assert_eq!(clock.now(), close_time);
    MarketEvent::Candle(
        Candle::new(CandleFields {
            symbol: btc(),
            open_time,
            close_time,
            open,
            high: open.max(close) + Decimal::ONE,
            low: open.min(close) - Decimal::ONE,
            close,
            volume: Decimal::from(100),
        })
        .unwrap(),
    )
}
