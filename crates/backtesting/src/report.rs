//! `result.json` (also written as `reports/backtests/latest.json`) and the summary
//! table printed on stdout.
//!
//! `result.json` holds the run's identity, its full configuration (so the run can be
//! repeated and compared with dry-run observation), what the data held, the metrics
//! of `backtest-metrics` (field names documented in `docs/metrics.md`), the
//! pipeline's own counters and the positions still open at the end.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use backtest_metrics::BacktestMetrics;
use capital_preservation::PreservationConfig;
use domain::{Money, Position, Ratio, Symbol, TierThresholds, Timestamp};
use engine::{Guardrails, SessionSummary, Sizing};
use paper::FillPolicy;
use risk_gate::RiskConfig;
use rust_decimal::Decimal;
use serde::Serialize;
use strategies::StrategyParams;
use turnover_governor::TurnoverConfig;

use crate::data::DataSource;
use crate::plan::{FilterChoice, RunPlan};
use crate::preservation::PreservationSummary;
use crate::record::{names, rfc3339};

/// Version of the `result.json` layout; bumped when a field changes meaning or is removed.
pub const RESULT_FORMAT: u32 = 1;

/// Everything `result.json` says about a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    /// Layout version ([`RESULT_FORMAT`]).
    pub format: u32,
    /// The run id (the run directory's name).
    pub run_id: String,
    /// Wall-clock start of the run.
    pub started_at: Timestamp,
    /// The run directory.
    pub run_dir: String,
    /// How the run was configured.
    pub config: RunConfig,
    /// What the data held.
    pub data: DataSummary,
    /// Performance and guardrail figures (`docs/metrics.md`).
    pub metrics: BacktestMetrics,
    /// What capital preservation did: final level, time in each level, vetoed signals,
    /// LOCKDOWN/CRISIS periods.
    pub capital_preservation: PreservationSummary,
    /// How many signals were rejected and blocked, each counted once (the reason maps in
    /// `metrics` count a signal under every reason it failed).
    pub decisions: Decisions,
    /// The engine's own counters (signals, approvals, orders, fills, jobs).
    pub pipeline: SessionSummary,
    /// Positions still open at the end (valued at the last close in `final_equity`).
    pub open_positions: Vec<Position>,
    /// The files of the run directory.
    pub artifacts: Artifacts,
    /// How long the run took.
    pub runtime: Runtime,
}

/// Signals stopped by the guardrails, each counted once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decisions {
    /// Signals whose intent the trade gate rejected.
    pub rejected_signals: u64,
    /// Signals the turnover governor blocked.
    pub blocked_signals: u64,
}

/// The configuration of a run, as applied.
#[derive(Debug, Clone, Serialize)]
pub struct RunConfig {
    /// Traded symbols.
    pub symbols: Vec<Symbol>,
    /// Where the candles came from.
    pub data: DataSource,
    /// Each file read, with its symbol.
    pub files: Vec<DataFile>,
    /// Inclusive start of the range (bar open time), if given.
    pub from: Option<Timestamp>,
    /// Exclusive end of the range (bar open time), if given.
    pub to: Option<Timestamp>,
    /// Starting cash.
    pub capital: Money,
    /// Strategy name and parameters.
    pub strategy: StrategyParams,
    /// Commission per fill, basis points.
    pub fee_bps: Decimal,
    /// Slippage per fill, basis points.
    pub slippage_bps: Decimal,
    /// Fill policy of market orders.
    pub fill: FillPolicy,
    /// Entry sizing.
    pub sizing: Sizing,
    /// `on` or `off`.
    pub guardrails: &'static str,
    /// Instrument filters per symbol and where they come from.
    pub filters: BTreeMap<Symbol, FilterChoice>,
    /// Where the guardrail configuration came from.
    pub config_origin: String,
    /// The guardrail sections the engine ran with (fees from the flags applied).
    pub guardrail_config: GuardrailConfig,
    /// Things worth knowing about the run.
    pub notes: Vec<String>,
}

/// One data file of the run.
#[derive(Debug, Clone, Serialize)]
pub struct DataFile {
    /// Its symbol.
    pub symbol: Symbol,
    /// Its path as given, or `bundled:<file name>` for the embedded demo data.
    pub path: String,
}

/// The guardrail sections of the run.
#[derive(Debug, Clone, Serialize)]
pub struct GuardrailConfig {
    /// Trade gate.
    pub risk: RiskConfig,
    /// Capital preservation.
    pub capital_preservation: PreservationConfig,
    /// Turnover governor.
    pub turnover: TurnoverConfig,
    /// Signal tiers.
    pub tiers: TierThresholds,
    /// Trading-day boundary, minutes after 00:00 UTC.
    pub day_boundary_minutes: u16,
}

/// What the data held.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DataSummary {
    /// Candles replayed per symbol.
    pub candles: BTreeMap<Symbol, u64>,
    /// Data rows parsed (including those before `from`).
    pub rows_read: u64,
    /// Valid rows skipped because they were before `from`.
    pub filtered_out: u64,
    /// Gaps (missing bars) found.
    pub gap_count: u64,
    /// Missing bars over all gaps.
    pub missing_bars: u64,
    /// Exact duplicate rows skipped.
    pub duplicates_skipped: u64,
    /// Open time of the first replayed bar.
    pub first_bar_open: Option<Timestamp>,
    /// Close time of the last replayed bar.
    pub last_bar_close: Option<Timestamp>,
}

/// The files of a run directory and how `equity.csv` was thinned.
#[derive(Debug, Clone, Serialize)]
pub struct Artifacts {
    /// `result.json`.
    pub result: &'static str,
    /// `trades.csv`, one row per closed trade.
    pub trades: &'static str,
    /// `equity.csv`.
    pub equity: &'static str,
    /// `audit.jsonl`.
    pub audit: &'static str,
    /// `equity.png`.
    pub chart: &'static str,
    /// Rows in `trades.csv`.
    pub trade_rows: u64,
    /// Lines in `audit.jsonl`.
    pub audit_events: u64,
    /// Rows in `equity.csv`.
    pub equity_rows: u64,
    /// `equity.csv` keeps every `equity_stride`-th observation (and the last one).
    pub equity_stride: u64,
}

impl Artifacts {
    /// The standard file names with their counts.
    pub fn new(trade_rows: u64, audit_events: u64, equity_rows: u64, equity_stride: u64) -> Self {
        Self {
            result: names::RESULT,
            trades: names::TRADES,
            equity: names::EQUITY,
            audit: names::AUDIT,
            chart: names::CHART,
            trade_rows,
            audit_events,
            equity_rows,
            equity_stride,
        }
    }
}

/// How long the run took (wall clock).
#[derive(Debug, Clone, Serialize)]
pub struct Runtime {
    /// Seconds from the first to the last bar's processing, artifacts excluded.
    pub seconds: f64,
    /// Candles per second over that time.
    pub bars_per_sec: f64,
}

impl RunConfig {
    /// The configuration of `plan` as it ran.
    pub fn from_plan(plan: &RunPlan) -> Self {
        let s = &plan.settings;
        Self {
            symbols: plan.symbols.clone(),
            data: plan.source.clone(),
            files: plan
                .files
                .iter()
                .map(|f| DataFile {
                    symbol: f.symbol.clone(),
                    path: f.source_name(),
                })
                .collect(),
            from: plan.range.from(),
            to: plan.range.to(),
            capital: s.initial_capital,
            strategy: plan.strategy.clone(),
            fee_bps: s.risk.fee_bps,
            slippage_bps: s.risk.slippage_bps,
            fill: plan.paper.fill,
            sizing: s.sizing,
            guardrails: match s.guardrails {
                Guardrails::On => "on",
                Guardrails::Off => "off",
            },
            filters: plan.filters.clone(),
            config_origin: plan.config_origin.clone(),
            guardrail_config: GuardrailConfig {
                risk: s.risk.clone(),
                capital_preservation: s.preservation.clone(),
                turnover: s.turnover.clone(),
                tiers: s.tiers,
                day_boundary_minutes: s.day_boundary.minutes(),
            },
            notes: plan.notes.clone(),
        }
    }
}

fn pct(r: Ratio) -> String {
    format!("{:.2}%", r.pct())
}

fn opt_pct(r: Option<Ratio>) -> String {
    r.map_or_else(|| "n/a".to_string(), pct)
}

fn opt_f64(v: Option<f64>, unit_pct: bool) -> String {
    match v {
        Some(x) if unit_pct => format!("{:.2}%", x * 100.0),
        Some(x) => format!("{x:.3}"),
        None => "n/a".to_string(),
    }
}

fn money(m: Money) -> String {
    format!("{:.2}", m.value())
}

fn counts(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".to_string();
    }
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The summary table printed on stdout after a run: plain aligned text.
pub fn summary_table(r: &RunResult) -> String {
    let m = &r.metrics;
    let c = &r.config;
    let symbols: Vec<&str> = c.symbols.iter().map(Symbol::as_str).collect();
    let period = match (m.start, m.end) {
        (Some(a), Some(b)) => format!("{} .. {} ({} bars)", rfc3339(a), rfc3339(b), m.bars),
        _ => "no bars".to_string(),
    };
    let sizing = match c.sizing {
        Sizing::AllIn => "all-in".to_string(),
        Sizing::FixedQuote { amount } => format!("fixed-quote {amount}"),
        Sizing::RiskPct { pct } => format!("risk-pct {pct}%"),
    };
    let fill = match c.fill {
        FillPolicy::NextOpen => "next-open",
        FillPolicy::Close => "close",
    };
    let t = &m.tier_distribution;
    let rows: Vec<(&str, String)> = vec![
        ("run", r.run_id.clone()),
        ("symbols", symbols.join(", ")),
        ("strategy", strategy_text(&c.strategy)),
        ("period", period),
        (
            "settings",
            format!(
                "guardrails {}, sizing {sizing}, fill {fill}, fee {} bps, slippage {} bps",
                c.guardrails, c.fee_bps, c.slippage_bps
            ),
        ),
        ("", String::new()),
        ("initial capital", money(m.initial_capital)),
        ("final equity", money(m.final_equity)),
        ("total return", pct(m.total_return)),
        ("cagr", opt_f64(m.cagr, true)),
        ("sharpe", opt_f64(m.sharpe, false)),
        ("sortino", opt_f64(m.sortino, false)),
        ("max drawdown", pct(m.max_drawdown)),
        ("calmar", opt_f64(m.calmar, false)),
        ("trades", format!("{} ({} open)", m.trades, m.open_trades)),
        ("win rate", opt_pct(m.win_rate)),
        (
            "profit factor",
            m.profit_factor
                .map_or_else(|| "n/a".to_string(), |p| format!("{:.3}", p)),
        ),
        (
            "avg trade",
            m.avg_trade.map_or_else(|| "n/a".to_string(), money),
        ),
        ("exposure", opt_pct(m.exposure)),
        ("fees paid", money(m.fees_paid)),
        (
            "signals by tier",
            format!("high {}, medium {}, low {}", t.high, t.medium, t.low),
        ),
        (
            "rejections",
            signals_and_reasons(r.decisions.rejected_signals, &m.rejections_by_reason),
        ),
        (
            "blocks",
            signals_and_reasons(r.decisions.blocked_signals, &m.blocks_by_reason),
        ),
        ("level changes", counts(&m.level_transitions)),
        ("capital preservation", r.capital_preservation.line()),
        ("", String::new()),
        ("artifacts", r.run_dir.clone()),
    ];
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in rows {
        if k.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{k:<width$}  {v}");
        }
    }
    for note in &c.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

/// `12 signals: a 9, b 5 (a signal counts under each reason it failed)`, or `none`.
fn signals_and_reasons(signals: u64, reasons: &BTreeMap<String, u64>) -> String {
    if signals == 0 && reasons.is_empty() {
        return "none".into();
    }
    let total: u64 = reasons.values().sum();
    let note = if total > signals {
        " (a signal counts under each reason it failed)"
    } else {
        ""
    };
    format!("{signals} signals: {}{note}", counts(reasons))
}

fn strategy_text(params: &StrategyParams) -> String {
    let value = serde_json::to_value(params).unwrap_or_default();
    let mut text = params.kind().name().to_string();
    if let Some(map) = value.as_object() {
        for (k, v) in map {
            if k != "name" {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                let _ = write!(text, " {k}={v}");
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_text_lists_every_parameter() {
        let p = StrategyParams::from_pairs("sma_cross", [("fast", "5")]).unwrap();
        let text = strategy_text(&p);
        assert!(text.starts_with("sma_cross "), "{text}");
        assert!(text.contains("fast=5"), "{text}");
        assert!(text.contains("slow=45"), "{text}");
    }
}
