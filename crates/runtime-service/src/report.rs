//! The session summary an operator reads at the end of a run.

use std::fmt::Write;

use crate::session::SessionReport;

/// Renders the session summary as aligned text.
pub fn render(report: &SessionReport) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Rampart session {} ({})",
        report.run_id,
        report.mode.as_str()
    );
    if report.interrupted {
        let _ = writeln!(out, "  stopped by signal after finishing the current event");
    }
    if report.resumed_past > 0 {
        let _ = writeln!(
            out,
            "  resumed from stored state: skipped {} events already processed",
            report.resumed_past
        );
    }
    let span = match (s.first_event_at, s.last_event_at) {
        (Some(a), Some(b)) => format!(
            "{} .. {}",
            a.format("%Y-%m-%d %H:%M"),
            b.format("%Y-%m-%d %H:%M")
        ),
        _ => "no events".into(),
    };
    let _ = writeln!(out, "  {:<26}{} ({})", "events", s.events, span);
    let tiers = ["high", "medium", "low"]
        .iter()
        .map(|t| format!("{t} {}", s.signals_by_tier.get(t).copied().unwrap_or(0)))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(out, "  {:<26}{}", "signals by tier", tiers);
    let _ = writeln!(out, "  {:<26}{}", "approvals", s.approvals);
    reason_block(
        &mut out,
        "rejections",
        s.rejected_intents,
        "intents",
        &s.rejections_by_reason,
    );
    reason_block(
        &mut out,
        "turnover blocks",
        s.blocked_signals,
        "signals",
        &s.blocks_by_reason,
    );
    let _ = writeln!(
        out,
        "  {:<26}{}",
        "signals without an order", s.signals_without_intent
    );
    let _ = writeln!(
        out,
        "  {:<26}{} submitted, {} filled, {} rejected, {} unknown",
        "orders", s.orders_submitted, s.fills, s.orders_rejected, s.orders_unknown
    );
    if report.reconnect_reconciliations > 0 {
        let _ = writeln!(
            out,
            "  {:<26}{}",
            "reconnect reconciliations", report.reconnect_reconciliations
        );
    }
    if report.filter_changes > 0 {
        let _ = writeln!(
            out,
            "  {:<26}{}",
            "exchange filter changes", report.filter_changes
        );
    }
    if report.warm_up_duplicates > 0 {
        let _ = writeln!(
            out,
            "  {:<26}{}",
            "candles seen in warm-up", report.warm_up_duplicates
        );
    }
    let _ = writeln!(
        out,
        "  {:<26}{}",
        "level transitions",
        s.level_transitions.len()
    );
    for t in &s.level_transitions {
        let _ = writeln!(
            out,
            "    {} {} -> {}",
            t.at.format("%Y-%m-%d %H:%M"),
            t.from,
            t.to
        );
    }
    let pnl = s.end_equity - s.start_equity;
    let _ = writeln!(
        out,
        "  {:<26}{} (start {}, end {}; realised {}, fees {})",
        "P&L",
        pnl.value().round_dp(2),
        s.start_equity.value().round_dp(2),
        s.end_equity.value().round_dp(2),
        s.realized_pnl.value().round_dp(2),
        s.fees_paid.value().round_dp(2)
    );
    let _ = writeln!(out, "  {:<26}{}", "alerts", s.alerts);
    out
}

/// Width of the label column of the summary (two leading spaces aside).
const LABEL_WIDTH: usize = 26;

/// A count of `unit`s with its reasons below it, aligned however long a reason code is.
///
/// One intent or signal can fail several rules, so the reasons may add up to more than
/// the count: the header then says how many reasons were counted in all.
fn reason_block(
    out: &mut String,
    label: &str,
    count: u64,
    unit: &str,
    reasons: &std::collections::BTreeMap<&'static str, u64>,
) {
    let total: u64 = reasons.values().sum();
    let note = if total > count {
        format!(" ({total} reasons in all: each counts under every rule it failed)")
    } else {
        String::new()
    };
    let _ = writeln!(out, "  {label:<LABEL_WIDTH$}{count} {unit}{note}");
    let width = reasons
        .keys()
        .map(|r| r.len() + 2)
        .max()
        .unwrap_or(0)
        .max(LABEL_WIDTH - 2);
    for (reason, n) in reasons {
        let _ = writeln!(out, "    {reason:<width$}{n}");
    }
}

/// The account rules' risk book as aligned text (`runtime status`, `health-check`).
pub fn render_risk_book(book: &domain::account::RiskBook) -> String {
    let mut out = String::new();
    let money = |m: domain::Money| m.value().round_dp(2).to_string();
    let pct = |d: rust_decimal::Decimal| format!("{}%", d.round_dp(1));
    let _ = writeln!(
        out,
        "account rules: {} ({} {}, {:?} as of {})",
        book.phase,
        money(book.initial_capital),
        book.currency,
        book.status,
        book.at.format("%Y-%m-%d %H:%M UTC")
    );
    let rows = [
        ("equity", money(book.equity)),
        ("balance", money(book.balance)),
        (
            "daily floor (guard)",
            format!(
                "{} ({})",
                money(book.daily_floor),
                money(book.daily_guard_floor)
            ),
        ),
        (
            "max-loss floor (guard)",
            format!(
                "{} ({})",
                money(book.max_loss_floor),
                money(book.max_loss_guard_floor)
            ),
        ),
        ("daily utilisation", pct(book.daily_utilisation_pct)),
        ("total utilisation", pct(book.total_utilisation_pct)),
        (
            "trading days",
            format!("{} of {}", book.trading_days, book.min_trading_days),
        ),
        (
            "target progress",
            book.target_progress_pct
                .map_or_else(|| "no target".into(), pct),
        ),
        (
            "best-day ratio",
            book.best_day_ratio
                .map_or_else(|| "n/a".into(), |r| r.round_dp(3).to_string()),
        ),
        (
            "breach",
            book.breach.map_or_else(|| "none".into(), |b| b.to_string()),
        ),
    ];
    for (key, value) in rows {
        let _ = writeln!(out, "  {key:<28}{value}");
    }
    out
}
