//! The daily report: what the pipeline did on one trading day, read back from
//! the audit trail, with an overall health verdict. Stored (readiness reads it)
//! and written to `data/reports/daily_shadow_health_YYYY-MM-DD.json`.
//!
//! The runtime writes the report of a day when its clock crosses midnight UTC
//! (data time in replays), and `runtime report daily [--date D]` writes one on
//! demand. The shape is the daily shadow-health report's; the shadow-collection
//! and strategy-weighting sections report `enabled: false` until advisors run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use domain::ports::{AuditRecord, DailyReport, Store, StoreError};
use domain::{AuditEvent, ClientOrderId, PreservationLevel, Price, Severity, Side, Timestamp};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::error::RuntimeError;
use crate::gather::stored_state;
use crate::instance::write_atomically;

/// What a span of the audit trail holds, counted in one pass (the daily report
/// and `export-metrics` read the same figures).
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Audit events by type name.
    pub by_type: BTreeMap<&'static str, u64>,
    /// Signals by tier.
    pub tiers: BTreeMap<&'static str, u64>,
    /// Gate rejections by reason code.
    pub rejections: BTreeMap<&'static str, u64>,
    /// Turnover blocks by reason code.
    pub blocks: BTreeMap<&'static str, u64>,
    /// Alerts by severity (`info`, `warning`, `critical`).
    pub alerts: BTreeMap<&'static str, u64>,
    pub approvals: u64,
    pub rejected: u64,
    pub blocked: u64,
    pub fills: u64,
    pub transitions: u64,
    /// The level the span's last level change entered.
    pub last_level: Option<PreservationLevel>,
    /// Whether the span's last kill-switch change activated it.
    pub last_kill: Option<bool>,
    pub drills: u64,
    /// Messages of the CRITICAL alerts, prefixed `CRITICAL: `.
    pub critical_messages: Vec<String>,
    /// Sum of the slippage (bps) of fills whose approval is in the span.
    pub slippage_sum: Decimal,
    /// How many fills that sum covers.
    pub slippage_fills: u64,
    /// Account-rule breaches, as text.
    pub account_breaches: Vec<String>,
    /// The latest risk book of the span.
    pub risk_book: Option<domain::account::RiskBook>,
    /// Entry signals (the ones the shadow collector records).
    pub entry_signals: u64,
    /// Strategy-weight rebalances.
    pub weight_shifts: u64,
    /// The largest single-strategy weight shift seen.
    pub max_weight_shift: Decimal,
    /// Weight shifts beyond the clamp (an invariant violation).
    pub clamp_violations: u64,
}

impl Tally {
    /// Counts `records` (in seq order).
    pub(crate) fn of(records: &[AuditRecord]) -> Result<Tally, StoreError> {
        let mut t = Tally::default();
        let mut reference: BTreeMap<ClientOrderId, (Side, Price)> = BTreeMap::new();
        for record in records {
            let event = parse(record)?;
            *t.by_type.entry(event.type_name()).or_insert(0) += 1;
            match event {
                AuditEvent::SignalGenerated { signal } => {
                    *t.tiers.entry(signal.tier.as_str()).or_insert(0) += 1;
                    if !signal.is_exit {
                        t.entry_signals += 1;
                    }
                }
                AuditEvent::StrategyWeightsShifted { shift } => {
                    t.weight_shifts += 1;
                    t.max_weight_shift = t.max_weight_shift.max(shift.max_shift.fraction());
                }
                AuditEvent::WeightClampViolated { .. } => t.clamp_violations += 1,
                AuditEvent::TradeApproved { intent, .. } => {
                    t.approvals += 1;
                    reference.insert(
                        intent.client_order_id.clone(),
                        (intent.side, intent.working_price()),
                    );
                }
                AuditEvent::TradeRejected { reasons, .. } => {
                    t.rejected += 1;
                    for r in &reasons {
                        *t.rejections.entry(r.code()).or_insert(0) += 1;
                    }
                }
                AuditEvent::TurnoverBlocked { reasons, .. } => {
                    t.blocked += 1;
                    for r in &reasons {
                        *t.blocks.entry(r.code()).or_insert(0) += 1;
                    }
                }
                AuditEvent::OrderFilled { fill } => {
                    t.fills += 1;
                    if let Some((side, p)) = reference.get(&fill.client_order_id)
                        && !p.value().is_zero()
                    {
                        let diff = (fill.price.value() - p.value()) * side.sign();
                        t.slippage_sum += diff / p.value() * Decimal::from(10_000);
                        t.slippage_fills += 1;
                    }
                }
                AuditEvent::LevelChanged { change } => {
                    t.transitions += 1;
                    t.last_level = Some(change.to);
                }
                AuditEvent::KillSwitchActivated { .. } => t.last_kill = Some(true),
                AuditEvent::KillSwitchDeactivated { .. } => t.last_kill = Some(false),
                AuditEvent::LossSimulated { .. } => t.drills += 1,
                AuditEvent::AccountRuleBreached { rules, breach } => {
                    t.account_breaches.push(format!("{rules} {breach}"));
                }
                AuditEvent::RiskBookSnapshot { book } => t.risk_book = Some(book),
                AuditEvent::AlertRaised { alert } => {
                    let name = match alert.severity {
                        Severity::Critical => {
                            t.critical_messages
                                .push(format!("CRITICAL: {}", alert.message));
                            "critical"
                        }
                        Severity::Warning => "warning",
                        Severity::Info => "info",
                    };
                    *t.alerts.entry(name).or_insert(0) += 1;
                }
                _ => {}
            }
        }
        Ok(t)
    }
}

/// Builds the report of `date` (UTC) from the store.
pub async fn build(
    store: &dyn Store,
    date: NaiveDate,
    mode: &str,
    feed: &str,
    shadow: &config::ShadowConfig,
    generated_at: Timestamp,
) -> Result<DailyReport, StoreError> {
    let from = date.and_time(chrono::NaiveTime::MIN).and_utc();
    let records = store.events_between(from, from + Duration::days(1)).await?;
    let Tally {
        tiers,
        rejections,
        blocks,
        approvals,
        rejected,
        blocked,
        fills,
        transitions,
        last_level,
        last_kill,
        drills,
        alerts,
        critical_messages: alert_lines,
        slippage_sum: slip_sum,
        slippage_fills: slip_n,
        account_breaches,
        risk_book,
        entry_signals,
        weight_shifts,
        max_weight_shift,
        clamp_violations,
        ..
    } = Tally::of(&records)?;
    let counts = store.shadow_counts(from, from + Duration::days(1)).await?;
    let shadow_health = ShadowDay::judge(
        shadow,
        &counts,
        entry_signals,
        clamp_violations,
        store,
        date,
    )
    .await?;
    let critical = alerts.get("critical").copied().unwrap_or(0);
    let warning = alerts.get("warning").copied().unwrap_or(0);
    let (level, kill) = closing_state(
        store,
        (last_level, last_kill),
        from + Duration::days(1),
        generated_at,
    )
    .await?;

    let mut recommendations: Vec<String> = shadow_health.recommendations.clone();
    let health = if critical > 0 || level.blocks_entries() || kill || shadow_health.critical {
        if level.blocks_entries() {
            recommendations.push(format!(
                "Capital preservation is {level}: wait for automatic recovery, review what escalated it"
            ));
        }
        if kill {
            recommendations.push(
                "Kill switch is set: investigate, then `runtime kill-switch off --reason ...`"
                    .into(),
            );
        }
        if !account_breaches.is_empty() {
            recommendations.push(
                "An account rule was breached: new entries are blocked; review the risk book and the breach before clearing the kill switch"
                    .into(),
            );
        }
        if critical > 0 {
            recommendations.push("Review the CRITICAL alerts of the day in the audit trail".into());
        }
        "CRITICAL"
    } else if warning > 0 || level != PreservationLevel::Normal || shadow_health.warning {
        if warning > 0 || level != PreservationLevel::Normal {
            recommendations.push("Review the day's warnings".into());
        }
        "WARNING"
    } else {
        "HEALTHY"
    };
    let avg_slip = (slip_n > 0).then(|| (slip_sum / Decimal::from(slip_n)).round_dp(4));
    let body = json!({
        "date": date.to_string(),
        "timestamp": generated_at,
        "mode": mode,
        "feed": feed,
        "shadow_collection": {
            "enabled": shadow.enabled,
            // The shadow collector's own verdict: readiness judges shadow health on it,
            // not on the day's overall health (which also carries levels and alerts).
            "health": if shadow_health.critical {
                "CRITICAL"
            } else if shadow_health.warning {
                "WARNING"
            } else {
                "HEALTHY"
            },
            "logging_healthy": shadow_health.logging_healthy,
            "decisions_today": counts.in_range,
            "entry_signals_today": entry_signals,
            "pending_decisions": counts.pending,
            "stale_pending": shadow_health.stale_pending,
            "total_all_time": counts.total,
        },
        "capital_preservation": {
            "current_level": level.as_str(),
            "transitions_today": transitions,
            "alert": level.blocks_entries(),
        },
        "strategy_weighting": {
            "enabled": shadow.enabled && shadow.advisors.iter().any(|a| a == "strategy_weights"),
            "shifts_today": weight_shifts,
            "max_shift_observed": max_weight_shift.normalize().to_string(),
            "clamp": (shadow.max_weight_shift_pct / Decimal::ONE_HUNDRED).normalize().to_string(),
            "clamp_exceeded": clamp_violations > 0,
        },
        "tradegate": {
            "approvals_today": approvals,
            "rejections_today": rejected,
            "rejection_reasons": rejections,
        },
        "turnover": {"blocks_today": blocked, "block_reasons": blocks},
        "signals_by_tier": tiers,
        "execution": {
            "fills": fills,
            "fills_with_reference": slip_n,
            "avg_slippage_bps": avg_slip.map(|d| d.to_string()),
        },
        "drills": {"simulated_losses": drills},
        "account_rules": {
            "breaches_today": account_breaches,
            "risk_book": risk_book,
        },
        "kill_switch_stored": kill,
        "summary": {
            "overall_health": health,
            "alerts": alert_lines,
            "recommendations": recommendations,
        },
    });
    Ok(DailyReport {
        date,
        generated_at,
        mode: mode.to_string(),
        overall_health: health.to_string(),
        body,
    })
}

/// The shadow collector's health on one day.
struct ShadowDay {
    logging_healthy: bool,
    stale_pending: u64,
    critical: bool,
    warning: bool,
    recommendations: Vec<String>,
}

impl ShadowDay {
    /// CRITICAL when a weight shift broke the clamp, or when the collector is on and
    /// entry signals were generated but none was recorded (collection is broken);
    /// WARNING when records stay pending for more than twice the horizon (their
    /// symbol's prices stopped) .
    async fn judge(
        shadow: &config::ShadowConfig,
        counts: &domain::ShadowCounts,
        entry_signals: u64,
        clamp_violations: u64,
        store: &dyn Store,
        date: NaiveDate,
    ) -> Result<ShadowDay, StoreError> {
        let mut day = ShadowDay {
            logging_healthy: true,
            stale_pending: 0,
            critical: false,
            warning: false,
            recommendations: Vec::new(),
        };
        if clamp_violations > 0 {
            day.critical = true;
            day.recommendations.push(format!(
                "A strategy-weight shift exceeded the clamp {clamp_violations} time(s): an invariant is broken; keep the advisor advisory and investigate the weight_clamp_violated events"
            ));
        }
        if !shadow.enabled {
            return Ok(day);
        }
        if entry_signals > 0 && counts.in_range == 0 {
            day.logging_healthy = false;
            day.critical = true;
            day.recommendations.push(format!(
                "{entry_signals} entry signal(s) but no shadow decision recorded: check that the shadow collector runs"
            ));
        }
        if counts.pending > 0 {
            let end = date.and_time(chrono::NaiveTime::MIN).and_utc() + Duration::days(1);
            let horizon = Duration::minutes(i64::from(shadow.horizon_minutes));
            let stale_before = end - horizon * 2;
            let stale = store
                .shadow_counts(chrono::DateTime::UNIX_EPOCH, stale_before)
                .await?
                .pending_in_range;
            if stale > 0 {
                day.stale_pending = stale;
                day.logging_healthy = false;
                day.warning = true;
                day.recommendations.push(format!(
                    "{stale} shadow decision(s) still unresolved after twice the horizon: their symbols' prices stopped arriving"
                ));
            }
        }
        Ok(day)
    }
}

/// The capital-preservation level and the stored kill switch as the day ended at `end`,
/// so a past day's report says what that day was, not what today is.
///
/// The day's own last level change (kill-switch change), `day_last`, tells it. A day without one kept
/// the level it started with, which is the `from` of the first change after the day; with
/// no change since either, the stored state's level (kill switch) is still the day's.
async fn closing_state(
    store: &dyn Store,
    day_last: (Option<PreservationLevel>, Option<bool>),
    end: Timestamp,
    now: Timestamp,
) -> Result<(PreservationLevel, bool), StoreError> {
    let (mut level, mut kill) = day_last;
    if level.is_none() || kill.is_none() {
        let later = store
            .events_between(end, now.max(end) + Duration::nanoseconds(1))
            .await?;
        for r in later.iter().filter(|r| mentions_level_or_kill(r)) {
            match &parse(r)? {
                AuditEvent::LevelChanged { change } if level.is_none() => {
                    level = Some(change.from);
                }
                AuditEvent::KillSwitchActivated { .. } if kill.is_none() => kill = Some(false),
                AuditEvent::KillSwitchDeactivated { .. } if kill.is_none() => kill = Some(true),
                _ => {}
            }
            if level.is_some() && kill.is_some() {
                break;
            }
        }
    }
    if level.is_none() || kill.is_none() {
        let state = stored_state(store).await?;
        level = level.or_else(|| state.as_ref().map(|s| s.preservation.level()));
        kill = kill.or_else(|| {
            Some(
                state
                    .as_ref()
                    .is_some_and(|s| s.kill_switch.stored().is_some()),
            )
        });
    }
    Ok((
        level.unwrap_or(PreservationLevel::Normal),
        kill.unwrap_or(false),
    ))
}

/// Cheap pre-filter on the canonical JSON before parsing a record.
fn mentions_level_or_kill(r: &AuditRecord) -> bool {
    r.event_json.contains("\"level_changed\"") || r.event_json.contains("\"kill_switch_")
}

fn parse(r: &AuditRecord) -> Result<AuditEvent, StoreError> {
    r.event()
        .map_err(|e| StoreError::Corrupt(format!("audit record {} does not parse: {e}", r.seq)))
}

/// Stores the report and writes its JSON file under `<data_dir>/reports/`.
pub async fn publish(
    store: &dyn Store,
    data_dir: &Path,
    report: &DailyReport,
) -> Result<PathBuf, RuntimeError> {
    store.put_daily_report(report).await?;
    let dir = data_dir.join("reports");
    std::fs::create_dir_all(&dir)
        .map_err(RuntimeError::io(format!("cannot create {}", dir.display())))?;
    let path = dir.join(format!("daily_shadow_health_{}.json", report.date));
    let text =
        serde_json::to_string_pretty(&report.body).unwrap_or_else(|_| Value::Null.to_string());
    write_atomically(&path, text.as_bytes())
        .map_err(RuntimeError::io(format!("cannot write {}", path.display())))?;
    Ok(path)
}
