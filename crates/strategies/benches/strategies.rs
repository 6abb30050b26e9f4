//! Per-bar cost of the strategies' `on_candle`.
//!
//! Each benchmark feeds a fresh strategy 100,000 pre-built 1-hour candles; the
//! reported throughput is bars per second (time per iteration / 100,000 = ns per
//! bar). `random_walk` is a deterministic random walk (an LCG, so the run is
//! reproducible) where `sma_cross` 10/30 emits a signal every few dozen bars;
//! `steady_trend` never crosses and measures the no-signal hot path alone.

#![allow(missing_docs)] // criterion macros generate undocumented items
#![allow(clippy::unwrap_used)] // fixed, known-valid fixtures

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use domain::ports::Strategy;
use domain::{Candle, CandleFields, StrategyId, Symbol, TierThresholds};
use rust_decimal::Decimal;
use strategies::{
    Breakout, BreakoutParams, RsiReversion, RsiReversionParams, SmaCross, SmaCrossParams,
};

const BARS: usize = 100_000;

fn candle(i: usize, open: Decimal, close: Decimal, spread: Decimal) -> Candle {
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let open_time = t0 + Duration::hours(i as i64);
    Candle::new(CandleFields {
        symbol: Symbol::new("BTC-USD").unwrap(),
        open_time,
        close_time: open_time + Duration::hours(1),
        open,
        high: open.max(close) + spread,
        low: open.min(close) - spread,
        close,
        volume: Decimal::new(1234, 2),
    })
    .unwrap()
}

/// Prices with two decimals around 40,000, moving by up to ±100.00 per bar.
fn random_walk() -> Vec<Candle> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut cents: i64 = 4_000_000;
    (0..BARS)
        .map(|i| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let step = ((state >> 33) % 20_001) as i64 - 10_000;
            let open = Decimal::new(cents, 2);
            cents = (cents + step).max(100_000);
            candle(i, open, Decimal::new(cents, 2), Decimal::new(2_500, 2))
        })
        .collect()
}

/// A steady rise: the fast average stays above the slow one, so no signal after warm-up.
fn steady_trend() -> Vec<Candle> {
    (0..BARS)
        .map(|i| {
            let open = Decimal::new(4_000_000 + i as i64 * 7, 2);
            let close = open + Decimal::new(7, 2);
            candle(i, open, close, Decimal::new(100, 2))
        })
        .collect()
}

fn run(strategy: &mut dyn Strategy, candles: &[Candle]) -> usize {
    candles
        .iter()
        .filter(|c| strategy.on_candle(black_box(c)).is_some())
        .count()
}

fn bench_strategies(c: &mut Criterion) {
    let walk = random_walk();
    let trend = steady_trend();
    let mut group = c.benchmark_group("on_candle");
    group.throughput(Throughput::Elements(BARS as u64));
    let sma_cross = || {
        SmaCross::new(
            SmaCrossParams::default(),
            StrategyId::new("sma_cross").unwrap(),
            TierThresholds::default(),
        )
        .unwrap()
    };
    group.bench_function("sma_cross/random_walk", |b| {
        b.iter_batched_ref(sma_cross, |s| run(s, &walk), BatchSize::LargeInput)
    });
    group.bench_function("sma_cross/steady_trend", |b| {
        b.iter_batched_ref(sma_cross, |s| run(s, &trend), BatchSize::LargeInput)
    });
    group.bench_function("rsi_reversion/random_walk", |b| {
        b.iter_batched_ref(
            || {
                RsiReversion::new(
                    RsiReversionParams::default(),
                    StrategyId::new("rsi_reversion").unwrap(),
                    TierThresholds::default(),
                )
                .unwrap()
            },
            |s| run(s, &walk),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("breakout/random_walk", |b| {
        b.iter_batched_ref(
            || {
                Breakout::new(
                    BreakoutParams::default(),
                    StrategyId::new("breakout").unwrap(),
                    TierThresholds::default(),
                )
                .unwrap()
            },
            |s| run(s, &walk),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_strategies);
criterion_main!(benches);
