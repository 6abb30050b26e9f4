//! The weekly evidence report and the promotion gates, read from the store.
//!
//! `runtime report weekly --week N [--year Y]` computes the report of ISO week N
//! from the stored shadow records (the prior week's for the drift check), stores it,
//! writes `data/reports/weekly_shadow_report_N.json`, and a Markdown summary with a
//! PNG chart (cumulative counterfactual P&L, actual vs the primary advisor) under
//! `docs/reports/` (`--docs-dir`). The runtime does the same by itself when its clock
//! enters a new ISO week, writing the Markdown and chart under `data/reports/`.
//!
//! `runtime report gates` evaluates the promotion gates over the stored weekly
//! reports and the recorded sign-offs: GO or NO-GO with every unmet gate.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use domain::ports::Store;
use domain::{Money, ShadowRecord, Timestamp, WeeklyReport};
use plotters::prelude::*;
use plotters::style::FontStyle;
use rust_decimal::prelude::ToPrimitive;
use shadow_collector::gates::{GateThresholds, GateVerdict, evaluate_gates};
use shadow_collector::weekly::{
    ReportWeek, WeeklyEvidence, WeeklyInput, daily_cumulative, weekly_evidence,
};

use crate::error::RuntimeError;
use crate::instance::write_atomically;

/// How many stored weekly reports the gates read (more than any window needs).
const GATE_HISTORY_WEEKS: u32 = 520;

/// A computed weekly report with the records it came from.
#[derive(Debug)]
pub struct Weekly {
    /// The evidence.
    pub evidence: WeeklyEvidence,
    /// As stored.
    pub report: WeeklyReport,
    /// The week's records (for the chart).
    pub records: Vec<ShadowRecord>,
}

/// Computes the report of `week` from the store.
pub async fn build(
    store: &dyn Store,
    cfg: &config::RampartConfig,
    week: ReportWeek,
    generated_at: Timestamp,
) -> Result<Weekly, RuntimeError> {
    let records = store.shadow_records(week.start(), week.end()).await?;
    let prior = match week.previous() {
        Some(p) => Some(store.shadow_records(p.start(), p.end()).await?),
        None => None,
    };
    let evidence = weekly_evidence(&WeeklyInput {
        week,
        records: &records,
        prior: prior.as_deref(),
        primary_advisor: &cfg.shadow.primary_advisor,
        capital: cfg.portfolio.initial_capital(),
    });
    let body = serde_json::to_value(&evidence)
        .map_err(|e| RuntimeError::BadInput(format!("weekly report does not serialise: {e}")))?;
    let report = WeeklyReport {
        year: week.year(),
        week: week.week(),
        week_ending: week.week_ending(),
        generated_at,
        body,
    };
    Ok(Weekly {
        evidence,
        report,
        records,
    })
}

/// Stores the report and writes its JSON (under `<data_dir>/reports/`), Markdown and
/// PNG chart (under `docs_dir`). Returns the paths written.
pub async fn publish(
    store: &dyn Store,
    data_dir: &Path,
    docs_dir: &Path,
    weekly: &Weekly,
    primary: &str,
) -> Result<Vec<PathBuf>, RuntimeError> {
    store.put_weekly_report(&weekly.report).await?;
    let n = weekly.report.week;
    let reports = data_dir.join("reports");
    for dir in [&reports, &docs_dir.to_path_buf()] {
        std::fs::create_dir_all(dir)
            .map_err(RuntimeError::io(format!("cannot create {}", dir.display())))?;
    }
    let json_path = reports.join(format!("weekly_shadow_report_{n}.json"));
    let text = serde_json::to_string_pretty(&weekly.report.body).unwrap_or_default();
    write_atomically(&json_path, text.as_bytes()).map_err(RuntimeError::io(format!(
        "cannot write {}",
        json_path.display()
    )))?;

    let png_name = format!("weekly_shadow_report_{n}.png");
    let png_path = docs_dir.join(&png_name);
    let series = daily_cumulative(&weekly.records, primary);
    draw_chart(
        &png_path,
        &series,
        &format!(
            "Week {} of {}: cumulative counterfactual net P&L",
            n, weekly.report.year
        ),
        primary,
    )?;
    let md_path = docs_dir.join(format!("weekly_shadow_report_{n}.md"));
    let md = markdown(&weekly.evidence, primary, &png_name);
    write_atomically(&md_path, md.as_bytes()).map_err(RuntimeError::io(format!(
        "cannot write {}",
        md_path.display()
    )))?;
    Ok(vec![json_path, md_path, png_path])
}

/// The promotion gates over every stored weekly report and sign-off.
pub async fn gates(store: &dyn Store) -> Result<GateVerdict, RuntimeError> {
    let stored = store.weekly_reports(GATE_HISTORY_WEEKS).await?;
    let mut weeks = Vec::with_capacity(stored.len());
    for r in stored.into_iter().rev() {
        let e: WeeklyEvidence = serde_json::from_value(r.body).map_err(|e| {
            domain::ports::StoreError::Corrupt(format!(
                "stored weekly report {}-W{:02} does not parse: {e}",
                r.year, r.week
            ))
        })?;
        weeks.push(e);
    }
    let signoffs = store.signoffs().await?;
    Ok(evaluate_gates(
        &weeks,
        &signoffs,
        &GateThresholds::default(),
    ))
}

/// The gates as text: the verdict, then one line per gate.
pub fn render_gates(v: &GateVerdict) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "promotion gates: {}", v.verdict.as_str());
    for g in &v.gates {
        let _ = writeln!(
            out,
            "  [{}] {:<20} required {:<28} observed {}",
            if g.met { "met" } else { "UNMET" },
            g.name.as_str(),
            g.required,
            g.observed
        );
    }
    if !v.unmet.is_empty() {
        let names: Vec<&str> = v.unmet.iter().map(|g| g.as_str()).collect();
        let _ = writeln!(out, "unmet: {}", names.join(", "));
    }
    out
}

fn money(m: Money) -> String {
    m.value().round_dp(2).to_string()
}

fn opt_pct(r: Option<domain::Ratio>) -> String {
    r.map_or_else(|| "n/a".into(), |r| format!("{}%", r.pct().round_dp(1)))
}

fn opt_f(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.2}"))
}

/// The Markdown summary.
fn markdown(e: &WeeklyEvidence, primary: &str, png: &str) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Weekly shadow evidence: {} week {} (ending {})\n",
        e.year, e.week_number, e.week_ending
    );
    let _ = writeln!(
        md,
        "Advisors recommend; they never trade. Counterfactual P&L is over the record's horizon, net of fees, slippage and spread.\n"
    );
    let dc = &e.data_collection;
    let _ = writeln!(
        md,
        "- Decisions: {} ({} resolved, {} pending)",
        dc.total_decisions, dc.resolved, dc.pending
    );
    let ce = &e.counterfactual_evaluation;
    let _ = writeln!(
        md,
        "- Actual pipeline: net {} over {} taken, hit rate {}",
        money(ce.actual.net_pnl),
        ce.actual.decisions_taken,
        opt_pct(ce.actual.hit_rate)
    );
    if let Some(p) = e.primary() {
        let _ = writeln!(
            md,
            "- Primary advisor `{primary}`: net {} over {} takes, hit rate {}, delta {} vs actual, incremental Sharpe {}, max drawdown {}",
            money(p.net_pnl),
            p.takes,
            opt_pct(p.hit_rate),
            money(p.delta_pnl),
            opt_f(p.sharpe),
            opt_pct(p.max_drawdown)
        );
    }
    let _ = writeln!(
        md,
        "- Edge positive: **{}**; stable across regimes: **{}**",
        e.summary.overall_edge_positive, e.summary.edge_stable_across_regimes
    );
    let _ = writeln!(
        md,
        "- Drift vs prior week: flag **{}**",
        e.drift_check.drift_flag
    );
    let _ = writeln!(
        md,
        "- BTC diagnosis: primary cause `{}`",
        e.btc_diagnosis.primary_cause.as_str()
    );
    let _ = writeln!(
        md,
        "\n## Edge by symbol\n\n| symbol | decisions | delta P&L | hit rate | Sharpe | edge |\n|---|---|---|---|---|---|"
    );
    for (s, f) in &e.symbol_edge_analysis {
        let _ = writeln!(
            md,
            "| {s} | {} | {} | {} | {} | {} |",
            f.decisions,
            money(f.delta_pnl),
            opt_pct(f.hit_rate),
            opt_f(f.sharpe),
            f.edge_positive
        );
    }
    let _ = writeln!(
        md,
        "\n## Edge by regime\n\n| regime | decisions | delta P&L | hit rate | Sharpe | edge |\n|---|---|---|---|---|---|"
    );
    for (r, f) in &e.regime_edge_analysis {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            r.as_str(),
            f.decisions,
            money(f.delta_pnl),
            opt_pct(f.hit_rate),
            opt_f(f.sharpe),
            f.edge_positive
        );
    }
    let _ = writeln!(md, "\n![cumulative counterfactual P&L]({png})");
    md
}

/// Registers the embedded font once per process; false if it could not be parsed.
fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        )
        .is_ok()
    })
}

/// Draws the cumulative net P&L of the actual pipeline and the primary advisor per day.
fn draw_chart(
    path: &Path,
    series: &[(chrono::NaiveDate, Money, Money)],
    title: &str,
    primary: &str,
) -> Result<(), RuntimeError> {
    let fail = |e: &dyn std::fmt::Display| {
        RuntimeError::BadInput(format!("chart {}: {e}", path.display()))
    };
    if !font_ready() {
        return Err(fail(&"the embedded font could not be loaded"));
    }
    let f = |m: Money| m.value().to_f64().unwrap_or(0.0);
    let points: Vec<(i32, f64, f64)> = series
        .iter()
        .enumerate()
        .map(|(i, (_, a, b))| (i32::try_from(i).unwrap_or(i32::MAX), f(*a), f(*b)))
        .collect();
    let n = i32::try_from(points.len()).unwrap_or(i32::MAX).max(1);
    let (lo, hi) = points.iter().fold((0.0_f64, 0.0_f64), |(lo, hi), p| {
        (lo.min(p.1).min(p.2), hi.max(p.1).max(p.2))
    });
    let pad = ((hi - lo) * 0.1).max(1.0);
    let labels: Vec<String> = series
        .iter()
        .map(|(d, _, _)| d.format("%m-%d").to_string())
        .collect();
    // Drawn next to the target, then renamed over it: never a half-written chart.
    // The extension stays .png: the encoder picks the format from it.
    let tmp = path.with_extension("partial.png");
    {
        let root = BitMapBackend::new(&tmp, (1000, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(80)
            .build_cartesian_2d(0..n, (lo - pad)..(hi + pad))
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_labels(labels.len().max(1))
            .x_label_formatter(&|i| {
                labels
                    .get(usize::try_from(*i).unwrap_or(usize::MAX))
                    .cloned()
                    .unwrap_or_default()
            })
            .y_desc("net P&L")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.0, p.1)),
                BLUE.stroke_width(2),
            ))
            .map_err(|e| fail(&e))?
            .label("actual pipeline")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.0, p.2)),
                RED.stroke_width(2),
            ))
            .map_err(|e| fail(&e))?
            .label(primary.to_string())
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    std::fs::rename(&tmp, path)
        .map_err(RuntimeError::io(format!("cannot write {}", path.display())))?;
    Ok(())
}
