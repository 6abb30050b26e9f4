//! `backtest bench`: the pipeline's throughput on synthetic bars.
//!
//! N bars per symbol are generated lazily by `synthetic::CandleGenerator` in chunks
//! (never all at once: ten million `Candle`s would not fit the memory budget) and fed
//! straight to `Engine::on_event` inside one executor, the simulated clock moved to
//! each bar's close: strategy, turnover governor, trade gate, capital preservation and
//! paper fills, with persistence off (a small in-memory store, unchained unless
//! `--audit-chain` asks for the SHA-256 chain the persistent stores compute). Only the
//! time spent in the engine is counted. A second pass runs the same strategy over the same bars
//! without the engine. Peak memory is the process's `VmHWM`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::ports::Strategy;
use domain::{Candle, MarketEvent, SimClock, StrategyId, Symbol, TradingMode};
use engine::{Engine, EngineSettings, Guardrails, MemoryStore};
use paper::{PaperConfig, PaperVenue};
use serde::Serialize;
use strategies::StrategyParams;
use synthetic::{CandleGenerator, GeneratorConfig};

use crate::cli::BenchArgs;
use crate::error::BacktestError;
use crate::plan::permissive_filters;

/// Bars per symbol generated ahead of the engine at a time.
const CHUNK: usize = 16_384;
/// Batches the in-memory store keeps ("persistence off").
const STORE_CAPACITY: usize = 16;

/// The benchmark's JSON line.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Bars per symbol.
    pub bars: u64,
    /// Symbols.
    pub symbols: u32,
    /// Seconds spent in the full pipeline (generation excluded).
    pub seconds: f64,
    /// Bars (all symbols) per second through the full pipeline.
    pub bars_per_sec: f64,
    /// Bars per second through the strategy alone.
    pub strategy_only_bars_per_sec: f64,
    /// Peak resident memory of the process (`VmHWM`), MiB; `null` where unavailable.
    pub peak_rss_mb: Option<f64>,
    /// The strategy.
    pub strategy: String,
    /// Seconds spent generating the bars of the pipeline pass.
    pub generate_seconds: f64,
    /// Seconds spent in the strategy-only pass.
    pub strategy_only_seconds: f64,
    /// Signals the strategies emitted in the pipeline pass.
    pub signals: u64,
    /// Orders sent to the paper venue.
    pub orders: u64,
    /// Round trips closed.
    pub closed_trades: u64,
    /// Whether the in-memory store hash-chained its audit trail (`--audit-chain`).
    pub audit_chain: bool,
}

/// The benchmark's wall-clock stopwatch; the one monotonic-clock read of this crate.
#[allow(clippy::disallowed_methods)] // timing a benchmark is what a wall clock is for
fn stopwatch() -> Instant {
    Instant::now()
}

/// The generator configs of `k` symbols: BTC-USD, ETH-USD, then `S3-USD`, `S4-USD`...
fn configs(bars: usize, k: u32, seed: u64) -> Result<Vec<GeneratorConfig>, BacktestError> {
    (0..k)
        .map(|i| {
            let mut c = match i {
                0 => GeneratorConfig::btc_usd(seed),
                1 => GeneratorConfig::eth_usd(seed + 1),
                _ => {
                    let mut c = GeneratorConfig::btc_usd(seed + u64::from(i));
                    c.symbol = Symbol::new(&format!("S{}-USD", i + 1)).map_err(|e| {
                        BacktestError::flag("--symbols", format!("cannot name symbol {i}: {e}"))
                    })?;
                    c
                }
            };
            c.bars = bars;
            Ok(c)
        })
        .collect()
}

fn generators(configs: &[GeneratorConfig]) -> Result<Vec<CandleGenerator>, BacktestError> {
    Ok(configs
        .iter()
        .map(CandleGenerator::new)
        .collect::<Result<_, _>>()?)
}

/// Fills `buf` with the next chunk: bar i of every symbol, then bar i+1, ... (time order).
fn next_chunk(gens: &mut [CandleGenerator], buf: &mut Vec<Candle>) {
    buf.clear();
    for _ in 0..CHUNK {
        let before = buf.len();
        for g in gens.iter_mut() {
            if let Some(c) = g.next() {
                buf.push(c);
            }
        }
        if buf.len() == before {
            break;
        }
    }
}

fn strategies_for(
    params: &StrategyParams,
    symbols: &[Symbol],
) -> Result<BTreeMap<Symbol, Box<dyn Strategy>>, BacktestError> {
    let id = StrategyId::new(params.kind().name()).map_err(strategies::StrategyError::InvalidId)?;
    Ok(params.build_per_symbol(symbols, &id, domain::TierThresholds::default())?)
}

/// Runs the benchmark.
pub fn run_bench(args: &BenchArgs) -> Result<BenchReport, BacktestError> {
    if args.bars == 0 {
        return Err(BacktestError::flag("--bars", "must be at least 1"));
    }
    if !(1..=64).contains(&args.symbols) {
        return Err(BacktestError::flag(
            "--symbols",
            format!("must be in 1..=64, got {}", args.symbols),
        ));
    }
    let bars = usize::try_from(args.bars)
        .map_err(|_| BacktestError::flag("--bars", "too large for this machine"))?;
    let params = StrategyParams::from_pairs(&args.strategy, [("", ""); 0])?;
    let configs = configs(bars, args.symbols, args.seed)?;
    let symbols: Vec<Symbol> = configs.iter().map(|c| c.symbol.clone()).collect();
    let start = configs
        .first()
        .map(|c| c.start)
        .ok_or_else(|| BacktestError::flag("--symbols", "must be at least 1"))?;

    // Full guarded pipeline.
    let venue_filters = paper::default_filters();
    let filters: BTreeMap<Symbol, domain::InstrumentFilters> = symbols
        .iter()
        .map(|s| {
            let f = venue_filters
                .get(s)
                .cloned()
                .unwrap_or_else(permissive_filters);
            (s.clone(), f)
        })
        .collect();
    let mut settings = EngineSettings::new(TradingMode::Backtest, "bench");
    settings.guardrails = Guardrails::On;
    settings.risk.symbol_allowlist = symbols.clone();
    let clock = Arc::new(SimClock::new(start));
    let venue = Arc::new(PaperVenue::new(PaperConfig {
        filters: filters.clone(),
        ..PaperConfig::default()
    })?);
    let strategies = strategies_for(&params, &symbols)?
        .into_iter()
        .map(|(s, st)| (s, vec![st]))
        .collect();
    let store = if args.audit_chain {
        MemoryStore::new(STORE_CAPACITY)
    } else {
        MemoryStore::unchained(STORE_CAPACITY)
    };
    let mut engine = Engine::new(settings, strategies, venue, Arc::new(store), clock.clone())?;
    for (s, f) in filters {
        engine.set_filters(s, f);
    }

    let mut gens = generators(&configs)?;
    let mut buf: Vec<Candle> = Vec::with_capacity(CHUNK * configs.len());
    let mut generate = Duration::ZERO;
    let mut pipeline = Duration::ZERO;
    loop {
        let t0 = stopwatch();
        next_chunk(&mut gens, &mut buf);
        generate += t0.elapsed();
        if buf.is_empty() {
            break;
        }
        let t1 = stopwatch();
        futures::executor::block_on(async {
            for candle in buf.drain(..) {
                // Generated bars are in time order, so the clock never has to go back.
                let _ = clock.advance_to(candle.close_time());
                engine.on_event(MarketEvent::Candle(candle)).await?;
            }
            Ok::<(), BacktestError>(())
        })?;
        pipeline += t1.elapsed();
    }
    let summary = engine.summary().clone();
    drop(engine);

    // The strategy alone, over the same bars.
    let mut alone = strategies_for(&params, &symbols)?;
    let mut gens = generators(&configs)?;
    let mut strategy_only = Duration::ZERO;
    let mut sink = 0u64;
    loop {
        next_chunk(&mut gens, &mut buf);
        if buf.is_empty() {
            break;
        }
        let t = stopwatch();
        for candle in &buf {
            if let Some(s) = alone.get_mut(candle.symbol())
                && s.on_candle(candle).is_some()
            {
                sink += 1;
            }
        }
        strategy_only += t.elapsed();
    }
    std::hint::black_box(sink);

    let total = args.bars * u64::from(args.symbols);
    let per_sec = |d: Duration| {
        let s = d.as_secs_f64();
        if s > 0.0 { total as f64 / s } else { 0.0 }
    };
    Ok(BenchReport {
        bars: args.bars,
        symbols: args.symbols,
        seconds: round3(pipeline.as_secs_f64()),
        bars_per_sec: per_sec(pipeline).round(),
        strategy_only_bars_per_sec: per_sec(strategy_only).round(),
        peak_rss_mb: peak_rss_mb(),
        strategy: params.kind().name().to_string(),
        generate_seconds: round3(generate.as_secs_f64()),
        strategy_only_seconds: round3(strategy_only.as_secs_f64()),
        signals: summary.signals_by_tier.values().sum(),
        orders: summary.orders_submitted,
        closed_trades: summary.closed_trades,
        audit_chain: args.audit_chain,
    })
}

/// The report as one line of JSON.
pub fn to_json_line(report: &BenchReport) -> Result<String, BacktestError> {
    serde_json::to_string(report).map_err(|e| BacktestError::Artifact {
        artifact: "bench report",
        message: e.to_string(),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Peak resident set size of this process in MiB (`VmHWM` of `/proc/self/status`).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_bench_runs_the_pipeline_and_the_strategy() {
        let args = BenchArgs {
            bars: 5_000,
            symbols: 3,
            strategy: "sma_cross".into(),
            seed: 1,
            audit_chain: false,
        };
        let report = run_bench(&args).unwrap();
        // The chain changes what the store computes, never what the pipeline decides.
        let chained = run_bench(&BenchArgs {
            audit_chain: true,
            ..args
        })
        .unwrap();
        assert!(chained.audit_chain && !report.audit_chain);
        assert_eq!(
            (report.signals, report.orders, report.closed_trades),
            (chained.signals, chained.orders, chained.closed_trades)
        );
        assert!(report.orders > 0, "{report:?}");
        assert_eq!(report.bars, 5_000);
        assert_eq!(report.symbols, 3);
        assert!(report.bars_per_sec > 0.0);
        assert!(report.strategy_only_bars_per_sec > 0.0);
        assert!(report.signals > 0, "{report:?}");
        let line = serde_json::to_string(&report).unwrap();
        assert!(
            line.starts_with(r#"{"bars":5000,"symbols":3,"seconds":"#),
            "{line}"
        );
    }

    #[test]
    fn refuses_zero_bars_and_too_many_symbols() {
        let args = |bars, symbols| BenchArgs {
            bars,
            symbols,
            strategy: "sma_cross".into(),
            seed: 1,
            audit_chain: false,
        };
        assert_eq!(run_bench(&args(0, 1)).unwrap_err().exit_code(), 2);
        assert_eq!(run_bench(&args(10, 0)).unwrap_err().exit_code(), 2);
        assert_eq!(run_bench(&args(10, 65)).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn reads_peak_rss_on_linux() {
        let mb = peak_rss_mb().unwrap();
        assert!(mb > 0.0);
    }
}
