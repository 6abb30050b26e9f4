//! Per-bar cost of the full guarded pipeline (sma_cross + governor + gate +
//! capital preservation + paper fills, in-memory store) on a random walk.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use domain::{Candle, CandleFields, MarketEvent, SimClock, Symbol, TierThresholds, TradingMode};
use engine::{Engine, EngineSettings, MemoryStore};
use paper::{PaperConfig, PaperVenue};
use rust_decimal::Decimal;

const BARS: usize = 100_000;

/// A deterministic random walk of 1-minute candles (a linear congruential generator;
/// statistics do not matter here, only that sma_cross crosses now and then).
fn candles() -> Vec<MarketEvent> {
    let symbol = Symbol::new("BTC-USD").unwrap();
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut state: u64 = 42;
    let mut price: i64 = 4_000_000; // cents
    (0..BARS)
        .map(|i| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let step = ((state >> 33) % 2001) as i64 - 1000;
            let open = price;
            price = (price + step).max(100_000);
            let close = price;
            let hi = open.max(close) + 500;
            let lo = open.min(close) - 500;
            let open_time = t0 + Duration::minutes(i as i64);
            MarketEvent::Candle(
                Candle::new(CandleFields {
                    symbol: symbol.clone(),
                    open_time,
                    close_time: open_time + Duration::minutes(1),
                    open: Decimal::new(open, 2),
                    high: Decimal::new(hi, 2),
                    low: Decimal::new(lo, 2),
                    close: Decimal::new(close, 2),
                    volume: Decimal::new(12345, 3),
                })
                .unwrap(),
            )
        })
        .collect()
}

fn run(events: &[MarketEvent]) -> u64 {
    let symbol = Symbol::new("BTC-USD").unwrap();
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let clock = Arc::new(SimClock::new(t0));
    let venue = Arc::new(PaperVenue::new(PaperConfig::default()).unwrap());
    let strategy = strategies::build(
        "sma_cross",
        [("fast", "10"), ("slow", "30")],
        TierThresholds::default(),
    )
    .unwrap();
    let mut strategies = BTreeMap::new();
    strategies.insert(symbol.clone(), vec![strategy]);
    let mut settings = EngineSettings::new(TradingMode::Backtest, "bench");
    settings.turnover.symbols.clear();
    let mut engine = Engine::new(
        settings,
        strategies,
        venue,
        Arc::new(MemoryStore::new(1024)),
        clock.clone(),
    )
    .unwrap();
    engine.set_filters(symbol.clone(), paper::default_filters()[&symbol].clone());
    futures::executor::block_on(async {
        for e in events {
            clock.advance_to(e.event_time()).unwrap();
            engine.on_event(e.clone()).await.unwrap();
        }
    });
    let signals: u64 = engine.summary().signals_by_tier.values().sum();
    std::hint::black_box(signals);
    if std::env::var("PIPELINE_BENCH_DEBUG").is_ok() {
        eprintln!("{:?}", engine.summary());
    }
    engine.summary().events
}

fn bench(c: &mut Criterion) {
    let events = candles();
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(BARS as u64));
    g.sample_size(10);
    g.bench_function("guarded_sma_cross_100k_bars", |b| b.iter(|| run(&events)));
    g.bench_function("strategy_only_sma_cross_100k_bars", |b| {
        b.iter(|| {
            let mut s = strategies::build(
                "sma_cross",
                [("fast", "10"), ("slow", "30")],
                TierThresholds::default(),
            )
            .unwrap();
            let mut n = 0u64;
            for e in &events {
                if let MarketEvent::Candle(c) = e
                    && s.on_candle(c).is_some()
                {
                    n += 1;
                }
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
