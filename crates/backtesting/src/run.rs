//! Running a [`RunPlan`]: the engine, the paper venue and an in-memory store are built
//! the way every mode builds them, the candle files are replayed at simulated time
//! through `Engine::on_event`, and what the run produced is written into a staging
//! directory that becomes `storage/backtests/<run_id>/` only once complete.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use domain::ports::{FeedError, Strategy};
use domain::{Clock, MarketEvent, SimClock, StrategyId, Symbol, SystemClock, Timestamp};
use engine::{Engine, MemoryStore};
use paper::PaperVenue;
use replay::{MergedCandles, ReplayStats, SymbolFile, TimeRange};

use crate::chart::draw_equity_chart;
use crate::error::BacktestError;
use crate::output::{Staging, write_atomic};
use crate::plan::RunPlan;
use crate::progress::{Progress, UPDATE_EVERY};
use crate::record::{Recorder, names, rfc3339, write_equity_csv};
use crate::report::{Artifacts, DataSummary, Decisions, RunConfig, RunResult, Runtime};

/// Batches the in-memory store keeps: the run reads events from the engine directly,
/// so the store only has to honour the port's contract. It is the unchained store: the
/// run persists nothing and writes `audit.jsonl` itself, so an in-memory hash chain
/// would protect nothing.
const STORE_CAPACITY: usize = 1_024;

/// A finished run: its report and where it was written.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// What `result.json` holds.
    pub result: RunResult,
    /// `storage/backtests/<run_id>/`.
    pub run_dir: PathBuf,
    /// `reports/backtests/latest.json`.
    pub latest: PathBuf,
}

/// What the simulation left for the report.
struct Simulated {
    summary: engine::SessionSummary,
    open_positions: Vec<domain::Position>,
    stats: ReplayStats,
    first_open: Timestamp,
    last_close: Timestamp,
    seconds: f64,
}

/// Runs `plan`, writes its artifacts atomically and updates `latest.json`.
///
/// On any error nothing is left in the storage directory: the staging directory is
/// removed and `latest.json` is untouched.
pub fn run(plan: &RunPlan, progress: &Progress) -> Result<RunOutcome, BacktestError> {
    let staging = Staging::create(&plan.storage_dir(), &plan.run_id)?;
    let run_id = staging.run_id().to_string();
    let mut recorder = Recorder::create(staging.path(), plan.settings.initial_capital)?;

    let sim = simulate(plan, &run_id, &mut recorder, progress);
    progress.finish();
    let sim = sim?;

    let trade_rows = recorder.trades_written();
    let audit_events = recorder.audit_events();
    let finished = recorder.finish(sim.open_positions.len(), sim.last_close)?;
    let (metrics, equity) = (finished.metrics, finished.equity);
    let preservation = finished.preservation;
    let stride = equity.stride();
    let rows = equity.into_rows();
    write_equity_csv(&staging.path().join(names::EQUITY), &rows)?;
    let symbols: Vec<&str> = plan.symbols.iter().map(Symbol::as_str).collect();
    let title = format!(
        "{} {} (guardrails {}), {} .. {}",
        symbols.join(", "),
        plan.strategy.kind().name(),
        RunConfig::from_plan(plan).guardrails,
        sim.first_open.format("%Y-%m-%d %H:%M"),
        sim.last_close.format("%Y-%m-%d %H:%M"),
    );
    let title = format!(
        "{title}, final level {}",
        preservation.final_level.as_str().to_uppercase()
    );
    draw_equity_chart(
        &staging.path().join(names::CHART),
        &rows,
        &preservation.restrictive_periods,
        &title,
    )?;

    let bars = sim.stats.candles_total();
    let result = RunResult {
        format: crate::report::RESULT_FORMAT,
        run_id,
        started_at: plan.started_at,
        run_dir: staging.final_dir().display().to_string(),
        config: RunConfig::from_plan(plan),
        data: DataSummary {
            candles: sim.stats.candles.clone(),
            rows_read: sim.stats.rows_read,
            filtered_out: sim.stats.filtered_out,
            gap_count: sim.stats.gap_count,
            missing_bars: sim.stats.missing_bars,
            duplicates_skipped: sim.stats.duplicates_skipped,
            first_bar_open: Some(sim.first_open),
            last_bar_close: Some(sim.last_close),
        },
        metrics,
        capital_preservation: preservation,
        decisions: Decisions {
            rejected_signals: sim.summary.rejected_intents,
            blocked_signals: sim.summary.blocked_signals,
        },
        pipeline: sim.summary,
        open_positions: sim.open_positions,
        artifacts: Artifacts::new(trade_rows, audit_events, rows.len() as u64, stride),
        runtime: Runtime {
            seconds: sim.seconds,
            bars_per_sec: if sim.seconds > 0.0 {
                bars as f64 / sim.seconds
            } else {
                0.0
            },
        },
    };
    let json = to_json(&result)?;
    write_atomic(&staging.path().join(names::RESULT), json.as_bytes())?;
    let run_dir = staging.commit()?;
    let latest = plan.reports_dir().join("latest.json");
    write_atomic(&latest, json.as_bytes())?;
    Ok(RunOutcome {
        result,
        run_dir,
        latest,
    })
}

/// Pretty JSON of a run's result, newline-terminated.
pub fn to_json(result: &RunResult) -> Result<String, BacktestError> {
    serde_json::to_string_pretty(result)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| BacktestError::Artifact {
            artifact: names::RESULT,
            message: e.to_string(),
        })
}

fn simulate(
    plan: &RunPlan,
    run_id: &str,
    recorder: &mut Recorder,
    progress: &Progress,
) -> Result<Simulated, BacktestError> {
    let mut candles = MergedCandles::open(plan.files.clone(), plan.range)?;
    progress.start(&plan.files);
    let first = match candles.next() {
        None => return Err(empty_range(plan, None)),
        Some(Err(e)) => return Err(BacktestError::Data(e)),
        Some(Ok(c)) => c,
    };
    let first_open = first.open_time();
    let clock = Arc::new(SimClock::new(first_open));
    let venue = Arc::new(PaperVenue::new(plan.paper.clone())?);
    let store = Arc::new(MemoryStore::unchained(STORE_CAPACITY));
    let mut settings = plan.settings.clone();
    settings.run_tag = run_id.to_string();
    let mut engine = Engine::new(
        settings,
        build_strategies(plan)?,
        venue,
        store,
        clock.clone(),
    )?;
    for (symbol, choice) in &plan.filters {
        engine.set_filters(symbol.clone(), choice.filters.clone());
    }

    let wall = SystemClock;
    let started = wall.now();
    let mut last_close = first.close_time();
    let mut bars = 0u64;
    futures::executor::block_on(async {
        let mut next = Some(first);
        while let Some(candle) = next.take() {
            let ts = candle.close_time();
            clock.advance_to(ts).map_err(|e| {
                BacktestError::Data(FeedError::Parse {
                    source_name: position_of(&candles).0,
                    line: position_of(&candles).1,
                    message: format!("close_time: {e}"),
                })
            })?;
            engine.on_event(MarketEvent::Candle(candle)).await?;
            let portfolio = engine.portfolio();
            recorder.after_event(
                ts,
                clock.now(),
                engine.last_events(),
                engine.last_closed_trades(),
                portfolio.equity(),
                !portfolio.positions().is_empty(),
            )?;
            last_close = ts;
            bars += 1;
            if bars.is_multiple_of(UPDATE_EVERY) && progress.is_visible() {
                let equity = portfolio.equity();
                progress.update(candles.stats().rows_read, || {
                    format!("equity {:.2}", equity.value())
                });
            }
            next = match candles.next() {
                None => None,
                Some(Ok(c)) => Some(c),
                Some(Err(e)) => return Err(BacktestError::Data(e)),
            };
        }
        Ok::<(), BacktestError>(())
    })?;
    let seconds = (wall.now() - started)
        .to_std()
        .map_or(0.0, |d| d.as_secs_f64());

    let stats = candles.stats();
    for symbol in &plan.symbols {
        if stats.candles.get(symbol).copied().unwrap_or(0) == 0 {
            return Err(empty_range(plan, Some(symbol)));
        }
    }
    Ok(Simulated {
        summary: engine.summary().clone(),
        open_positions: engine.portfolio().positions().values().cloned().collect(),
        stats,
        first_open,
        last_close,
        seconds,
    })
}

fn position_of(candles: &MergedCandles) -> (String, u64) {
    candles
        .last_position()
        .map_or((String::new(), 0), |p| (p.source_name.to_string(), p.line))
}

/// One strategy instance per symbol, named after the strategy.
fn build_strategies(
    plan: &RunPlan,
) -> Result<BTreeMap<Symbol, Vec<Box<dyn Strategy>>>, BacktestError> {
    let id = StrategyId::new(plan.strategy.kind().name())
        .map_err(strategies::StrategyError::InvalidId)?;
    Ok(plan
        .strategy
        .build_per_symbol(&plan.symbols, &id, plan.settings.tiers)?
        .into_iter()
        .map(|(s, strategy)| (s, vec![strategy]))
        .collect())
}

/// The error for a range that keeps no candle of `symbol` (or of any symbol), with
/// what the data covers.
fn empty_range(plan: &RunPlan, symbol: Option<&Symbol>) -> BacktestError {
    let range = match (plan.range.from(), plan.range.to()) {
        (None, None) => "the whole file".to_string(),
        (from, to) => format!(
            "[{}, {})",
            from.map_or_else(|| "start".to_string(), rfc3339),
            to.map_or_else(|| "end".to_string(), rfc3339)
        ),
    };
    let files: Vec<SymbolFile> = plan
        .files
        .iter()
        .filter(|f| symbol.is_none_or(|s| &f.symbol == s))
        .cloned()
        .collect();
    let what = symbol.map_or_else(|| plan.symbols_text(), ToString::to_string);
    let coverage = coverage(&files).map_or_else(
        || "the data has no candles at all".to_string(),
        |(a, b)| {
            format!(
                "the data covers bar open times {} .. {}",
                rfc3339(a),
                rfc3339(b)
            )
        },
    );
    BacktestError::Range(format!(
        "empty date range: no candles of {what} in {range}; {coverage} (--from is inclusive, --to exclusive)"
    ))
}

/// First and last bar open time of `files` (reads them through; only on the error path).
fn coverage(files: &[SymbolFile]) -> Option<(Timestamp, Timestamp)> {
    let candles = MergedCandles::open(files.to_vec(), TimeRange::ALL).ok()?;
    let mut first = None;
    let mut last = None;
    for c in candles.map_while(Result::ok) {
        first.get_or_insert(c.open_time());
        last = Some(c.open_time());
    }
    Some((first?, last?))
}

impl RunPlan {
    fn symbols_text(&self) -> String {
        self.symbols
            .iter()
            .map(Symbol::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
