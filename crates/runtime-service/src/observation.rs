//! `runtime report observation`: does a dry-run period behave like its backtest?
//!
//! It compares the stored audit trail of a period with the backtest baseline
//! (`reports/backtests/latest.json`, written by `backtest`) and judges six criteria,
//! each pass or fail with the figures; the verdict is GO only when all pass:
//!
//! | criterion | passes when |
//! |---|---|
//! | `win_rate` | closed-trade win rate within 5 percentage points of the baseline's (both without closed trades also passes) |
//! | `tier_distribution` | the share of each signal tier within 5 percentage points of the baseline's |
//! | `uptime` | heartbeat runs cover at least 95 % of the period's minutes |
//! | `no_crash_loops` | never 3 or more sessions started without a clean end within one hour |
//! | `guardrail_drill` | at least one `simulate-loss` drill, followed by a guardrail response (a capital-preservation escalation, the kill switch, or a rejection for the daily loss) |
//! | `alerts_delivered` | an alert for every high-tier signal and every risk event (level change, kill-switch activation, account-rule breach), and, with Telegram on, no message given up in the outbox |
//!
//! Closed trades are rebuilt from the fills: a round trip closes when a symbol's
//! position returns to zero; its P&L is the cash it returned minus the cash it
//! took, fees included (the backtest's definition).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Duration;
use domain::ports::{AlertOutbox, Store, StoreError};
use domain::{AlertKind, AuditEvent, RejectReason, Side, Timestamp};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::error::RuntimeError;

/// Percentage points a rate may differ from the baseline's.
const TOLERANCE_PP: i64 = 5;
/// Minimum share of the period's minutes with a heartbeat run, %.
const MIN_UPTIME_PCT: i64 = 95;
/// Unclean starts within this window make a crash loop ...
const CRASH_LOOP_WINDOW_MINUTES: i64 = 60;
/// ... when there are at least this many.
const CRASH_LOOP_STARTS: usize = 3;

/// What a period's audit trail holds, for the comparison.
#[derive(Debug, Default)]
struct Observed {
    tiers: BTreeMap<&'static str, u64>,
    high_signals: u64,
    high_alerts: u64,
    risk_events: u64,
    risk_alerts: u64,
    heartbeats: u64,
    drills: u64,
    drill_enforced: bool,
    closed: u64,
    wins: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

/// A symbol's open round trip: signed quantity and the cash it has moved.
#[derive(Debug, Default)]
struct Open {
    qty: Decimal,
    cash: Decimal,
}

/// Reads the period day by day (bounded memory) and tallies what the criteria need.
async fn observe(
    store: &dyn Store,
    from: Timestamp,
    to: Timestamp,
) -> Result<Observed, StoreError> {
    let mut o = Observed::default();
    let mut open: BTreeMap<domain::Symbol, Open> = BTreeMap::new();
    let mut drill_pending = false;
    let mut start = from;
    while start < to {
        let end = (start + Duration::days(1)).min(to);
        for record in store.events_between(start, end).await? {
            let event = record.event().map_err(|e| {
                StoreError::Corrupt(format!("audit record {} does not parse: {e}", record.seq))
            })?;
            match event {
                AuditEvent::SignalGenerated { signal } => {
                    *o.tiers.entry(signal.tier.as_str()).or_insert(0) += 1;
                    if signal.tier == domain::Tier::High {
                        o.high_signals += 1;
                    }
                    o.first.get_or_insert(signal.ts);
                    o.last = Some(signal.ts);
                }
                AuditEvent::AlertRaised { alert } => match alert.kind {
                    AlertKind::HighTierSignal => o.high_alerts += 1,
                    AlertKind::LevelChanged | AlertKind::KillSwitch | AlertKind::AccountRule => {
                        o.risk_alerts += 1
                    }
                    _ => {}
                },
                AuditEvent::LevelChanged { change } => {
                    o.risk_events += 1;
                    if drill_pending && change.to > change.from {
                        o.drill_enforced = true;
                    }
                }
                AuditEvent::KillSwitchActivated { .. } => {
                    o.risk_events += 1;
                    if drill_pending {
                        o.drill_enforced = true;
                    }
                }
                AuditEvent::AccountRuleBreached { .. } => o.risk_events += 1,
                AuditEvent::TradeRejected { reasons, .. }
                    if drill_pending
                        && reasons
                            .iter()
                            .any(|r| matches!(r, RejectReason::MaxDailyLoss { .. })) =>
                {
                    o.drill_enforced = true;
                }
                AuditEvent::LossSimulated { .. } => {
                    o.drills += 1;
                    drill_pending = true;
                }
                AuditEvent::JobRan { job, .. } if job == "heartbeat" => o.heartbeats += 1,
                AuditEvent::OrderFilled { fill } => {
                    let slot = open.entry(fill.symbol.clone()).or_default();
                    let qty = fill.qty.value();
                    let notional = fill.price.value() * qty;
                    match fill.side {
                        Side::Buy => {
                            slot.qty += qty;
                            slot.cash -= notional;
                        }
                        Side::Sell => {
                            slot.qty -= qty;
                            slot.cash += notional;
                        }
                    }
                    slot.cash -= fill.fee.value();
                    if slot.qty.is_zero() {
                        o.closed += 1;
                        if slot.cash > Decimal::ZERO {
                            o.wins += 1;
                        }
                        slot.cash = Decimal::ZERO;
                    }
                }
                _ => {}
            }
        }
        start = end;
    }
    Ok(o)
}

/// Session starts without a clean end, by start time (wall clock).
async fn unclean_starts(store: &dyn Store) -> Result<Vec<Timestamp>, StoreError> {
    let mut starts: Vec<(String, Timestamp)> = Vec::new();
    let mut ended: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut after = 0;
    loop {
        let page = store.audit_events(after, 5_000).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.seq;
        for record in &page {
            // Only parse the two event types this needs.
            if !record.event_json.starts_with("{\"type\":\"session_") {
                continue;
            }
            match record.event() {
                Ok(AuditEvent::SessionStarted { run_id, at, .. }) => starts.push((run_id, at)),
                Ok(AuditEvent::SessionEnded { run_id, .. }) => {
                    ended.insert(run_id);
                }
                _ => {}
            }
        }
    }
    let mut unclean: Vec<Timestamp> = starts
        .into_iter()
        .filter(|(id, _)| !ended.contains(id))
        .map(|(_, at)| at)
        .collect();
    unclean.sort();
    Ok(unclean)
}

/// Percentage with 2 decimals.
fn pct(n: u64, d: u64) -> Option<Decimal> {
    (d > 0).then(|| (Decimal::from(n) * Decimal::ONE_HUNDRED / Decimal::from(d)).round_dp(2))
}

/// One criterion's line.
fn criterion(name: &str, pass: bool, detail: Value) -> Value {
    json!({"criterion": name, "pass": pass, "detail": detail})
}

/// Builds the observation report of `[from, to)` against the baseline file.
pub async fn build(
    store: &dyn Store,
    outbox: Option<&dyn AlertOutbox>,
    baseline_path: &Path,
    from: Timestamp,
    to: Timestamp,
) -> Result<Value, RuntimeError> {
    let text = std::fs::read_to_string(baseline_path).map_err(|e| {
        RuntimeError::BadInput(format!(
            "baseline {}: {e} (run `cargo run -p backtest -- --symbol ...` first, or pass --baseline FILE)",
            baseline_path.display()
        ))
    })?;
    let baseline: Value = serde_json::from_str(&text).map_err(|e| {
        RuntimeError::BadInput(format!(
            "baseline {}: line {}: {e}",
            baseline_path.display(),
            e.line()
        ))
    })?;
    let metrics = &baseline["metrics"];
    let base_win_pct = match &metrics["win_rate"] {
        Value::Null => None,
        v => Some(
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
                .parse::<Decimal>()
                .map_err(|e| {
                    RuntimeError::BadInput(format!(
                        "baseline {}: metrics.win_rate {v}: {e}",
                        baseline_path.display()
                    ))
                })?
                * Decimal::ONE_HUNDRED,
        ),
    };
    let mut base_tiers: BTreeMap<&str, u64> = BTreeMap::new();
    for tier in ["low", "medium", "high"] {
        let n = metrics["tier_distribution"][tier].as_u64().ok_or_else(|| {
            RuntimeError::BadInput(format!(
                "baseline {}: metrics.tier_distribution.{tier} is missing or not a count",
                baseline_path.display()
            ))
        })?;
        base_tiers.insert(tier, n);
    }

    let o = observe(store, from, to).await?;
    let tolerance = Decimal::from(TOLERANCE_PP);
    let mut criteria = Vec::new();

    // Win rate.
    let win_pct = pct(o.wins, o.closed);
    let win_pass = match (win_pct, base_win_pct) {
        (Some(a), Some(b)) => (a - b).abs() <= tolerance,
        (None, None) => true,
        _ => false,
    };
    criteria.push(criterion(
        "win_rate",
        win_pass,
        json!({
            "observed_pct": win_pct.map(|d| d.to_string()),
            "closed_trades": o.closed,
            "baseline_pct": base_win_pct.map(|d| d.round_dp(2).to_string()),
            "tolerance_pp": TOLERANCE_PP,
        }),
    ));

    // Tier distribution.
    let observed_total: u64 = o.tiers.values().sum();
    let base_total: u64 = base_tiers.values().sum();
    let mut tiers = serde_json::Map::new();
    let mut tiers_pass = observed_total > 0 && base_total > 0;
    for tier in ["low", "medium", "high"] {
        let a = pct(o.tiers.get(tier).copied().unwrap_or(0), observed_total);
        let b = pct(base_tiers.get(tier).copied().unwrap_or(0), base_total);
        let ok = matches!((a, b), (Some(a), Some(b)) if (a - b).abs() <= tolerance);
        tiers_pass &= ok;
        tiers.insert(
            tier.into(),
            json!({"observed_pct": a.map(|d| d.to_string()), "baseline_pct": b.map(|d| d.to_string()), "pass": ok}),
        );
    }
    criteria.push(criterion(
        "tier_distribution",
        tiers_pass,
        json!({"signals": observed_total, "baseline_signals": base_total, "tiers": tiers, "tolerance_pp": TOLERANCE_PP}),
    ));

    // Uptime.
    let minutes = ((to - from).num_minutes()).max(0) as u64;
    let uptime = pct(o.heartbeats.min(minutes), minutes);
    criteria.push(criterion(
        "uptime",
        uptime.is_some_and(|u| u >= Decimal::from(MIN_UPTIME_PCT)),
        json!({"heartbeat_runs": o.heartbeats, "period_minutes": minutes, "uptime_pct": uptime.map(|d| d.to_string()), "required_pct": MIN_UPTIME_PCT}),
    ));

    // Crash loops.
    let unclean = unclean_starts(store).await?;
    let window = Duration::minutes(CRASH_LOOP_WINDOW_MINUTES);
    let looped = unclean
        .windows(CRASH_LOOP_STARTS)
        .find(|w| w[CRASH_LOOP_STARTS - 1] - w[0] <= window)
        .map(|w| w[0]);
    criteria.push(criterion(
        "no_crash_loops",
        looped.is_none(),
        json!({"unclean_starts": unclean.len(), "crash_loop_at": looped, "rule": format!("{CRASH_LOOP_STARTS} unclean starts within {CRASH_LOOP_WINDOW_MINUTES} minutes")}),
    ));

    // Guardrail drill.
    criteria.push(criterion(
        "guardrail_drill",
        o.drills > 0 && o.drill_enforced,
        json!({"drills": o.drills, "enforced": o.drill_enforced}),
    ));

    // Alerts delivered.
    let delivery = match outbox {
        Some(outbox) => Some(outbox.delivery_counts().await?),
        None => None,
    };
    let delivery_ok = delivery.as_ref().is_none_or(|c| c.failed == 0);
    criteria.push(criterion(
        "alerts_delivered",
        o.high_alerts >= o.high_signals && o.risk_alerts >= o.risk_events && delivery_ok,
        json!({
            "high_tier_signals": o.high_signals,
            "high_tier_alerts": o.high_alerts,
            "risk_events": o.risk_events,
            "risk_alerts": o.risk_alerts,
            "telegram_outbox": delivery.map(|c| json!({"sent": c.sent, "pending": c.pending, "failed": c.failed})),
        }),
    ));

    let failed: Vec<String> = criteria
        .iter()
        .filter(|c| c["pass"] == false)
        .filter_map(|c| c["criterion"].as_str().map(str::to_string))
        .collect();
    Ok(json!({
        "period": {"from": from, "to": to, "first_signal": o.first, "last_signal": o.last},
        "baseline": {"path": baseline_path.display().to_string(), "run_id": baseline["run_id"]},
        "criteria": criteria,
        "failed": failed,
        "verdict": if failed.is_empty() { "GO" } else { "NO-GO" },
    }))
}
