//! Reads the figures readiness is judged on from the store (and the kill-switch
//! file and environment), for `/health/readiness`, the live start-up guard and
//! `health-check`.
//!
//! The exchange venue's health (clock offset, API key permissions) is the latest
//! heartbeat's `venue`, when that heartbeat was written in the mode being judged (a
//! testnet key's permissions say nothing about the mainnet key).
//!
//! Every window ends at the account's [`EngineNow`] (data time after a replay, the wall
//! clock live), so a replay's readiness judges the replay.
//!
//! Every query is indexed or bounded (the latest state, the latest heartbeat, at
//! most a year of daily reports, the alerts of the last 14 days), so the verdict
//! costs the same on a store of a thousand events as on one of millions.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use domain::ports::{DailyReport, Store, StoreError};
use domain::{Severity, TradingMode};
use engine::EngineState;
use readiness::{BlockRateInput, ReadinessInputs, ReadinessReport, ShadowHealth, VenueHealthInput};
use risk_gate::KillSwitchInputs;
use rust_decimal::Decimal;
use turnover_governor::{BlockRateVerdict, TurnoverGovernor};

use crate::engine_time::EngineNow;

/// The heartbeat instance name of the runtime in a data directory.
pub const INSTANCE: &str = "runtime";

/// How many daily reports readiness reads at most (a year).
const REPORTS_READ: u32 = 366;

/// Reads the latest stored engine state, if any.
pub async fn stored_state(store: &dyn Store) -> Result<Option<EngineState>, StoreError> {
    match store.latest_state().await? {
        None => Ok(None),
        Some(v) => serde_json::from_value(v)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("stored engine state does not parse: {e}"))),
    }
}

/// Gathers [`ReadinessInputs`] at the account's `now` for `mode`.
pub async fn readiness_inputs(
    store: &dyn Store,
    cfg: &config::RampartConfig,
    mode: TradingMode,
    now: EngineNow,
    kill_inputs: &KillSwitchInputs,
) -> Result<ReadinessInputs, StoreError> {
    Ok(inputs_and_risk_book(store, cfg, mode, now, kill_inputs)
        .await?
        .inputs)
}

/// Everything one evaluation is judged on, read once.
struct Gathered {
    inputs: ReadinessInputs,
    /// The venue health of the latest heartbeat written in the judged mode.
    venue: Option<VenueHealthInput>,
    /// The latest risk book (read only when account rules are configured), so that
    /// callers that show the book do not read it again.
    risk_book: Option<domain::account::RiskBook>,
}

/// The venue health a heartbeat's detail carries, when it was written in `mode`.
pub fn heartbeat_venue(detail: &serde_json::Value, mode: TradingMode) -> Option<VenueHealthInput> {
    if detail["mode"].as_str() != Some(mode.as_str()) {
        return None;
    }
    serde_json::from_value(detail.get("venue")?.clone()).ok()
}

async fn inputs_and_risk_book(
    store: &dyn Store,
    cfg: &config::RampartConfig,
    mode: TradingMode,
    clock: EngineNow,
    kill_inputs: &KillSwitchInputs,
) -> Result<Gathered, StoreError> {
    let now = clock.engine_time;
    let mut inputs = ReadinessInputs::unknown(now, mode);
    inputs.symbol_allowlist_len = Some(cfg.risk.symbol_allowlist.len());

    let state = stored_state(store).await?;
    let stored_kill = state
        .as_ref()
        .is_some_and(|s| s.kill_switch.stored().is_some());
    // The file and environment sources are known even on an empty store.
    inputs.kill_switch_active = Some(stored_kill || kill_inputs.any());
    if let Some(state) = &state {
        inputs.preservation_level = Some(state.preservation.level());
        // The governor's window ends at the runtime's own clock (data time in replays).
        let governor = TurnoverGovernor::from_state(cfg.turnover.clone(), state.turnover.clone());
        let at = state.last_event_at.unwrap_or(now);
        inputs.turnover_block_rate = match governor.block_rate_verdict(at) {
            BlockRateVerdict::InsufficientData => Some(BlockRateInput::InsufficientData),
            _ => governor.block_rate(at).map(BlockRateInput::Measured),
        };
    }

    let mut risk_book = None;
    if cfg.account.rules.is_enabled() {
        let book = store.latest_risk_book().await?;
        inputs.account_rules = Some(readiness::AccountRulesInput {
            rules: cfg.account.rules.as_str().to_string(),
            breach: book.as_ref().and_then(|b| b.breach),
            daily_utilisation_pct: book.as_ref().map(|b| b.daily_utilisation_pct),
            total_utilisation_pct: book.as_ref().map(|b| b.total_utilisation_pct),
        });
        risk_book = book;
    }

    let heartbeat = store.last_heartbeat(INSTANCE).await?;
    inputs.last_heartbeat_at = heartbeat
        .as_ref()
        .map(|h| clock.heartbeat_on_engine_clock(h));
    let venue = heartbeat
        .as_ref()
        .and_then(|h| heartbeat_venue(&h.detail, mode));

    let reports = store.daily_reports(REPORTS_READ).await?;
    if let Some(latest) = reports.first() {
        inputs.last_daily_health_report_at = Some(latest.generated_at);
        // Reports written before the shadow section had its own verdict fall back to the
        // overall health, as readiness read them then.
        inputs.shadow_health = match latest.body["shadow_collection"]["health"].as_str() {
            Some(own) => parse_health(own),
            None => parse_health(&latest.overall_health),
        };
    }
    let paper_days = paper_days(&reports);
    inputs.paper_streak_days = Some(streak(&paper_days));
    inputs.weeks_counted = Some(u32::try_from(paper_days.len() / 7).unwrap_or(u32::MAX));
    let window = i64::from(cfg.readiness.slippage_window_days);
    (inputs.slippage_recent_bps, inputs.slippage_prior_bps) = slippage_windows(&reports, window);

    let alerts_since = now - Duration::days(i64::from(cfg.readiness.critical_alerts_window_days));
    let alerts = store.recent_alerts(alerts_since).await?;
    let critical: Vec<_> = alerts
        .iter()
        .filter(|a| a.severity == Severity::Critical)
        .collect();
    inputs.critical_alerts_in_window = Some(u32::try_from(critical.len()).unwrap_or(u32::MAX));
    for a in critical {
        *inputs
            .critical_alert_kinds
            .entry(a.kind.as_str().to_string())
            .or_insert(0) += 1;
    }
    Ok(Gathered {
        inputs,
        venue,
        risk_book,
    })
}

/// Gathers the inputs and evaluates them.
pub async fn evaluate(
    store: &dyn Store,
    cfg: &config::RampartConfig,
    mode: TradingMode,
    now: EngineNow,
    kill_inputs: &KillSwitchInputs,
) -> Result<ReadinessReport, StoreError> {
    Ok(evaluate_with_risk_book(store, cfg, mode, now, kill_inputs)
        .await?
        .0)
}

/// [`evaluate`], and the latest risk book the verdict was judged on (`None` without account
/// rules), read once for both.
pub async fn evaluate_with_risk_book(
    store: &dyn Store,
    cfg: &config::RampartConfig,
    mode: TradingMode,
    now: EngineNow,
    kill_inputs: &KillSwitchInputs,
) -> Result<(ReadinessReport, Option<domain::account::RiskBook>), StoreError> {
    let g = inputs_and_risk_book(store, cfg, mode, now, kill_inputs).await?;
    let report = readiness::evaluate_with_venue(&g.inputs, g.venue.as_ref(), &cfg.readiness);
    Ok((report, g.risk_book))
}

/// [`evaluate`] with venue health measured just now (the live start-up guard, before any
/// heartbeat of this session carries it) instead of the latest heartbeat's.
pub async fn evaluate_with_venue(
    store: &dyn Store,
    cfg: &config::RampartConfig,
    mode: TradingMode,
    now: EngineNow,
    kill_inputs: &KillSwitchInputs,
    venue: Option<&VenueHealthInput>,
) -> Result<ReadinessReport, StoreError> {
    let g = inputs_and_risk_book(store, cfg, mode, now, kill_inputs).await?;
    Ok(readiness::evaluate_with_venue(
        &g.inputs,
        venue,
        &cfg.readiness,
    ))
}

fn parse_health(text: &str) -> Option<ShadowHealth> {
    match text {
        "HEALTHY" => Some(ShadowHealth::Healthy),
        "WARNING" => Some(ShadowHealth::Warning),
        "CRITICAL" => Some(ShadowHealth::Critical),
        _ => None,
    }
}

/// Dates with a daily report written in dry-run or paper mode on a live feed
/// (a replayed day is data, not a day of observation).
fn paper_days(reports: &[DailyReport]) -> BTreeSet<NaiveDate> {
    reports
        .iter()
        .filter(|r| (r.mode == "dry-run" || r.mode == "paper") && r.body["feed"] != "replay")
        .map(|r| r.date)
        .collect()
}

/// Consecutive days ending at the newest one.
fn streak(days: &BTreeSet<NaiveDate>) -> u32 {
    let mut n = 0u32;
    let mut expect: Option<NaiveDate> = None;
    for day in days.iter().rev() {
        if expect.is_some_and(|e| e != *day) {
            break;
        }
        n += 1;
        expect = day.pred_opt();
    }
    n
}

/// Average slippage (bps, weighted by fills) of the reports in the latest
/// `window` days and in the `window` days before them; `None` where no report
/// in the window recorded a fill.
fn slippage_windows(reports: &[DailyReport], window: i64) -> (Option<Decimal>, Option<Decimal>) {
    let Some(latest) = reports.first().map(|r| r.date) else {
        return (None, None);
    };
    let recent_from = latest - Duration::days(window - 1);
    let prior_from = recent_from - Duration::days(window);
    let mut sums = [(Decimal::ZERO, 0u64); 2];
    for r in reports {
        let slot = if r.date >= recent_from {
            0
        } else if r.date >= prior_from {
            1
        } else {
            continue;
        };
        let exec = &r.body["execution"];
        let fills = exec["fills_with_reference"].as_u64().unwrap_or(0);
        let avg = exec["avg_slippage_bps"]
            .as_str()
            .and_then(|s| s.parse::<Decimal>().ok());
        if let (Some(avg), true) = (avg, fills > 0) {
            sums[slot].0 += avg * Decimal::from(fills);
            sums[slot].1 += fills;
        }
    }
    let avg = |(sum, n): (Decimal, u64)| (n > 0).then(|| (sum / Decimal::from(n)).round_dp(4));
    (avg(sums[0]), avg(sums[1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn report(date: &str, mode: &str, fills: u64, slip: &str) -> DailyReport {
        DailyReport {
            date: date.parse().unwrap(),
            generated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            mode: mode.into(),
            overall_health: "HEALTHY".into(),
            body: serde_json::json!({"execution": {"fills_with_reference": fills, "avg_slippage_bps": slip}}),
        }
    }

    #[test]
    fn venue_health_is_read_from_a_heartbeat_of_the_judged_mode_only() {
        let detail = serde_json::json!({
            "mode": "paper",
            "venue": {"name": "binance", "checked_at": "2026-01-01T00:00:00Z",
                      "clock_offset_ms": 12, "max_clock_offset_ms": 1000,
                      "can_trade": true, "can_withdraw": true},
        });
        let v = heartbeat_venue(&detail, TradingMode::Paper).unwrap();
        assert_eq!(v.can_withdraw, Some(true));
        assert_eq!(v.clock_offset_ms, Some(12));
        assert_eq!(heartbeat_venue(&detail, TradingMode::Live), None);
        let dry = serde_json::json!({"mode": "dry-run"});
        assert_eq!(heartbeat_venue(&dry, TradingMode::DryRun), None);
    }

    #[test]
    fn streak_counts_back_from_the_newest_day_until_a_gap() {
        let days: BTreeSet<NaiveDate> = ["2026-01-01", "2026-01-03", "2026-01-04", "2026-01-05"]
            .iter()
            .map(|d| d.parse().unwrap())
            .collect();
        assert_eq!(streak(&days), 3);
        assert_eq!(streak(&BTreeSet::new()), 0);
    }

    #[test]
    fn live_reports_do_not_count_as_paper_days() {
        let mut replayed = report("2026-01-03", "dry-run", 0, "0");
        replayed.body["feed"] = "replay".into();
        let reports = vec![
            replayed,
            report("2026-01-02", "live", 0, "0"),
            report("2026-01-01", "paper", 0, "0"),
        ];
        assert_eq!(paper_days(&reports).len(), 1);
    }

    #[test]
    fn slippage_windows_weight_by_fills_and_split_at_the_window() {
        // Newest first, as the store returns them.
        let reports = vec![
            report("2026-01-14", "paper", 1, "10"),
            report("2026-01-08", "paper", 3, "2"),
            report("2026-01-07", "paper", 2, "1"),
            report("2026-01-01", "paper", 2, "3"),
            report("2025-12-31", "paper", 5, "100"), // outside both windows
        ];
        let (recent, prior) = slippage_windows(&reports, 7);
        assert_eq!(recent, Some(Decimal::from(4))); // (10 + 3x2) / 4
        assert_eq!(prior, Some(Decimal::from(2))); // (2x1 + 2x3) / 4
        let none = vec![report("2026-01-14", "paper", 0, "5")];
        assert_eq!(slippage_windows(&none, 7), (None, None));
    }
}
