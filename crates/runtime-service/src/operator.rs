//! Operator subcommands: `kill-switch on|off`, `simulate-loss`, `status`,
//! `report daily`, `export-metrics`, `dump-signals`, `audit verify|export`.
//!
//! Commands that change the account (kill switch, drill) are queued in the store
//! and applied by the engine that owns the account, so they are audited and
//! persisted exactly like market events:
//! - a runtime is running on the data directory: it applies the request at its
//!   next beat (about a second); the command waits for it (up to 10 s);
//! - no runtime is running: the command takes the data directory's lock, builds
//!   the engine from the stored state and applies the request itself.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use domain::ports::{OperatorCommand, Store};
use domain::{Actor, AuditEvent, Clock, SimClock, SystemClock, Timestamp, TradingMode};
use engine::RequestOutcome;
use serde_json::json;

use crate::engine_time::engine_now;
use crate::error::RuntimeError;
use crate::instance::{InstanceLock, write_atomically};
use crate::session::{
    apply_pending_requests, build_engine, kill_file, kill_switch_inputs, paper_venue,
};
use crate::{daily, gather};

/// The longest `--reason` (and sign-off `--by`/`--note` part) kept in the trail, in
/// characters: it is shown in alerts, Telegram messages and reports.
const MAX_REASON_CHARS: usize = 500;

/// Refuses operator text that is too long or holds control characters (newlines,
/// terminal escapes), which would forge lines in logs and reports.
fn check_text(flag: &str, text: &str, max: usize) -> Result<(), RuntimeError> {
    let chars = text.chars().count();
    if chars > max {
        return Err(RuntimeError::BadInput(format!(
            "{flag} is {chars} characters long; at most {max} are kept"
        )));
    }
    if let Some((i, c)) = text.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(RuntimeError::BadInput(format!(
            "{flag} contains a control character ({:?} at character {}); use plain text on one line",
            c,
            i + 1
        )));
    }
    Ok(())
}

/// How long a command waits for a running runtime to apply its request.
const WAIT_FOR_RUNTIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Where an operator command finds the account.
#[derive(Debug, Clone)]
pub struct OperatorEnv {
    /// The runtime's data directory.
    pub data_dir: PathBuf,
    /// The store (SQLite under `data_dir` when absent).
    pub database_url: Option<String>,
    /// The configuration file (the embedded default when absent).
    pub config: Option<PathBuf>,
    /// The mode readiness is judged for.
    pub mode: TradingMode,
    /// Who is asking (`$USER` by default).
    pub operator: String,
}

impl OperatorEnv {
    pub(crate) fn loaded(&self) -> Result<config::RampartConfig, RuntimeError> {
        Ok(config::load_from_process_env(self.config.as_deref(), self.mode)?.config)
    }

    async fn store(&self) -> Result<Arc<dyn Store>, RuntimeError> {
        crate::session::open_store(self.database_url.as_deref(), &self.data_dir).await
    }

    async fn stores(&self) -> Result<crate::session::Stores, RuntimeError> {
        crate::session::open_stores(
            self.database_url.as_deref(),
            &self.data_dir,
            sqlite::Durability::Full,
        )
        .await
    }
}

/// Queues `command` and sees it applied; returns the outcome text.
pub async fn request(env: &OperatorEnv, command: OperatorCommand) -> Result<String, RuntimeError> {
    let cfg = env.loaded()?;
    match &command {
        OperatorCommand::KillSwitchOn { reason } | OperatorCommand::KillSwitchOff { reason }
            if reason.trim().is_empty() =>
        {
            return Err(RuntimeError::BadInput("--reason must not be empty".into()));
        }
        OperatorCommand::KillSwitchOn { reason } | OperatorCommand::KillSwitchOff { reason } => {
            check_text("--reason", reason, MAX_REASON_CHARS)?;
        }
        OperatorCommand::SimulateLoss { amount, .. }
            if amount.value() <= rust_decimal::Decimal::ZERO =>
        {
            return Err(RuntimeError::BadInput(format!(
                "--amount must be > 0, got {}",
                amount.value()
            )));
        }
        _ => {}
    }
    // Take the lock first when nobody holds it, so no runtime starts mid-command.
    let lock = match InstanceLock::acquire(&env.data_dir) {
        Ok(lock) => Some(lock),
        Err(RuntimeError::AlreadyRunning { .. }) => None,
        Err(e) => return Err(e),
    };
    let stores = env.stores().await?;
    let store = stores.store.clone();
    // A runtime trading on this database from another data directory applies it.
    let owner = match lock {
        Some(_) => match stores.take_ownership().await {
            Ok(owner) => Some(owner),
            Err(RuntimeError::StoreInUse { .. }) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let lock = lock.filter(|_| owner.is_some());
    let actor = Actor::Operator {
        name: env.operator.clone(),
    };
    let wall = SystemClock;
    let id = store.enqueue_request(&command, &actor, wall.now()).await?;
    let result = match lock {
        Some(_lock) => apply_here(env, &cfg, &store, id).await,
        None => wait_for_runtime(store.as_ref(), id).await,
    };
    // The store is closed before its trading lock is released.
    store.close().await;
    if let Some(owner) = owner {
        owner.release().await;
    }
    result
}

/// No runtime runs: builds the engine from the stored state and applies the pending
/// requests here; the outcome of request `id`.
async fn apply_here(
    env: &OperatorEnv,
    cfg: &config::RampartConfig,
    store: &Arc<dyn Store>,
    id: u64,
) -> Result<String, RuntimeError> {
    let clock = account_clock(store.as_ref()).await?;
    let (mut engine, _) = build_engine(
        env.mode,
        cfg,
        "operator",
        &[],
        paper_venue()?,
        store.clone(),
        clock,
    )
    .await?;
    let kill = kill_file(cfg, &env.data_dir);
    engine.set_kill_switch_inputs(kill_switch_inputs(&kill, &cfg.kill_switch.env_var));
    let done = apply_pending_requests(&mut engine, store.as_ref()).await?;
    match done.into_iter().find(|(rid, _)| *rid == id) {
        Some((_, RequestOutcome::Applied(what))) => Ok(format!("request {id} applied: {what}")),
        Some((_, RequestOutcome::Refused(why))) => Err(RuntimeError::BadInput(format!(
            "request {id} refused: {why}"
        ))),
        None => Err(RuntimeError::BadInput(format!(
            "request {id} was queued but not applied"
        ))),
    }
}

async fn wait_for_runtime(store: &dyn Store, id: u64) -> Result<String, RuntimeError> {
    let deadline = tokio::time::Instant::now() + WAIT_FOR_RUNTIME;
    loop {
        if let Some((_, true)) = store.request(id).await? {
            let outcome = outcome_of(store, id).await?;
            return Ok(format!(
                "request {id} applied by the running runtime: {outcome}"
            ));
        }
        if tokio::time::Instant::now() >= deadline {
            // Heartbeats are stamped with the wall clock: their age says whether the runtime
            // is beating (busy) or not (frozen, stopped, stuck).
            let beat = store.last_heartbeat(gather::INSTANCE).await?;
            let since = beat.map(|b| (SystemClock.now() - b.at).num_seconds());
            let state = match since {
                Some(s) if s <= 5 => format!("its last heartbeat was {s}s ago"),
                Some(s) => format!(
                    "its last heartbeat was {s}s ago: it may be frozen or stuck (`runtime status`)"
                ),
                None => "it has written no heartbeat".to_string(),
            };
            return Err(RuntimeError::Pending(format!(
                "request {id} is queued, not applied yet: the runtime holding the data directory did not apply it within {}s ({state}). It is applied at that runtime's next beat, or by the next runtime to start; `runtime status` shows whether it was (exit 3: pending, not refused)",
                WAIT_FOR_RUNTIME.as_secs()
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// What the batch of request `id` recorded, in words.
async fn outcome_of(store: &dyn Store, id: u64) -> Result<String, RuntimeError> {
    let event_id = domain::ports::request_event_id(id);
    let mut words = Vec::new();
    if let Some(tail) = store.audit_tail().await? {
        let from = tail.seq.saturating_sub(50);
        for r in store.audit_events(from, 50).await? {
            if r.event_id == event_id
                && let Ok(event) = r.event()
            {
                words.push(match event {
                    AuditEvent::AlertRaised { alert } => alert.message,
                    other => other.type_name().to_string(),
                });
            }
        }
    }
    Ok(if words.is_empty() {
        "no change".into()
    } else {
        words.join("; ")
    })
}

/// The clock requests are applied on when no runtime runs: the account's engine clock
/// (data time when its last session replayed files, so a resumed replay stays
/// consistent), or the wall clock. The request keeps the wall time it was asked at.
async fn account_clock(store: &dyn Store) -> Result<Arc<dyn Clock>, RuntimeError> {
    let now = engine_now(store, SystemClock.now()).await?;
    Ok(if now.data_time {
        Arc::new(SimClock::new(now.engine_time))
    } else {
        Arc::new(SystemClock)
    })
}

/// The time windows are measured back from: the account's engine clock (data time
/// after a replay, the wall clock live).
async fn reference_time(store: &dyn Store) -> Result<Timestamp, RuntimeError> {
    Ok(engine_now(store, SystemClock.now()).await?.engine_time)
}

/// Parses `24h`, `7d`, `30m`, `90s`.
pub fn parse_window(text: &str) -> Result<Duration, RuntimeError> {
    let bad = || {
        RuntimeError::BadInput(format!(
            "window {text:?}: expected a positive number followed by s, m, h or d (e.g. 24h)"
        ))
    };
    let t = text.trim();
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let n: i64 = num.parse().map_err(|_| bad())?;
    if n <= 0 {
        return Err(bad());
    }
    match unit {
        "s" => Duration::try_seconds(n),
        "m" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        _ => None,
    }
    .ok_or_else(bad)
}

/// `status`: the account as stored, the runtime's heartbeat and the readiness verdict.
pub async fn status(env: &OperatorEnv, as_json: bool) -> Result<String, RuntimeError> {
    let cfg = env.loaded()?;
    let store = env.store().await?;
    // What a damaged file shows is not the account: say so instead.
    store.check_integrity().await?;
    let now = engine_now(store.as_ref(), SystemClock.now()).await?;
    let kill = kill_switch_inputs(&kill_file(&cfg, &env.data_dir), &cfg.kill_switch.env_var);
    let state = gather::stored_state(store.as_ref()).await?;
    let heartbeat = store.last_heartbeat(gather::INSTANCE).await?;
    let (report, risk_book) =
        gather::evaluate_with_risk_book(store.as_ref(), &cfg, env.mode, now, &kill).await?;
    let running = InstanceLock::acquire(&env.data_dir).is_err();
    let pending: Vec<serde_json::Value> = store
        .pending_requests()
        .await?
        .iter()
        .map(|r| json!({"id": r.id, "requested_at": r.requested_at, "command": r.command}))
        .collect();
    let account = state.as_ref().map(|s| {
        let snap = s.portfolio.snapshot();
        json!({
            "equity": snap.equity.value().round_dp(2).to_string(),
            "cash": s.portfolio.cash().value().round_dp(2).to_string(),
            "realized_pnl": snap.realized_pnl.value().round_dp(2).to_string(),
            "daily_pnl": snap.daily_pnl.value().round_dp(2).to_string(),
            "drawdown": snap.drawdown.fraction().round_dp(6).to_string(),
            "open_positions": snap.open_positions,
            "capital_preservation_level": s.preservation.level().as_str(),
            "kill_switch_stored": s.kill_switch.stored().map(|a| a.reason.clone()),
            "last_event_at": s.last_event_at,
        })
    });
    let body = json!({
        "runtime_running": running,
        "clock": now,
        "account": account,
        "kill_switch": {"file": kill.file, "environment": kill.env},
        "heartbeat": heartbeat.map(|h| json!({"at": h.at, "detail": h.detail})),
        "pending_requests": pending,
        "risk_book": risk_book,
        "readiness": report,
    });
    if as_json {
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        ));
    }
    let mut out = String::new();
    out.push_str(&format!(
        "runtime: {}\n",
        if running { "running" } else { "not running" }
    ));
    if now.data_time {
        out.push_str(&format!(
            "engine clock: data time {} (the last session replayed files; windows end there)\n",
            now.engine_time
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        ));
    }
    match &body["account"] {
        serde_json::Value::Null => out.push_str("account: nothing stored yet\n"),
        a => {
            for key in [
                "equity",
                "cash",
                "realized_pnl",
                "daily_pnl",
                "drawdown",
                "open_positions",
                "capital_preservation_level",
                "kill_switch_stored",
                "last_event_at",
            ] {
                out.push_str(&format!("  {key:<28}{}\n", plain(&a[key])));
            }
        }
    }
    if !pending.is_empty() {
        out.push_str(&format!(
            "operator requests queued, not applied yet: {}\n",
            pending
                .iter()
                .map(|r| format!("{} ({})", r["id"], plain(&r["requested_at"])))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(book) = &risk_book {
        out.push_str(&crate::report::render_risk_book(book));
    }
    out.push_str(&report.to_string());
    Ok(out)
}

fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// `report daily [--date D]`: builds, stores and writes the daily report; returns its path.
pub async fn report_daily(
    env: &OperatorEnv,
    date: Option<NaiveDate>,
) -> Result<String, RuntimeError> {
    let cfg = env.loaded()?;
    let store = env.store().await?;
    // Generated at the account's clock: a replayed day is final once data time has left it.
    let now = reference_time(store.as_ref()).await?;
    let date = date.unwrap_or_else(|| now.date_naive());
    let feed = store
        .last_heartbeat(gather::INSTANCE)
        .await?
        .and_then(|h| h.detail["feed"].as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".into());
    let report = daily::build(
        store.as_ref(),
        date,
        env.mode.as_str(),
        &feed,
        &cfg.shadow,
        now,
    )
    .await?;
    let path = daily::publish(store.as_ref(), &env.data_dir, &report).await?;
    Ok(format!(
        "daily report {date}: {} -> {}\n",
        report.overall_health,
        path.display()
    ))
}

/// `export-metrics --window W --out FILE`: counts over the window and current figures, as JSON.
pub async fn export_metrics(
    env: &OperatorEnv,
    window: Duration,
    out: &Path,
) -> Result<String, RuntimeError> {
    let store = env.store().await?;
    let to = reference_time(store.as_ref()).await?;
    let from = to - window;
    let records = store
        .events_between(from, to + Duration::nanoseconds(1))
        .await?;
    let tally = daily::Tally::of(&records)?;
    let mut reasons = tally.rejections.clone();
    for (code, n) in &tally.blocks {
        *reasons.entry(code).or_insert(0) += n;
    }
    let state = gather::stored_state(store.as_ref()).await?;
    let body = json!({
        "window": {"from": from, "to": to, "seconds": window.num_seconds()},
        "audit_events": records.len(),
        "events_by_type": tally.by_type,
        "signals_by_tier": tally.tiers,
        "decisions_by_reason": reasons,
        "alerts_by_severity": tally.alerts,
        "current": state.map(|s| {
            let snap = s.portfolio.snapshot();
            json!({
                "equity": snap.equity.value().round_dp(2).to_string(),
                "drawdown": snap.drawdown.fraction().round_dp(6).to_string(),
                "capital_preservation_level": s.preservation.level().as_str(),
                "kill_switch_stored": s.kill_switch.stored().is_some(),
            })
        }),
    });
    let text = serde_json::to_string_pretty(&body).unwrap_or_default();
    write_atomically(out, text.as_bytes())
        .map_err(RuntimeError::io(format!("cannot write {}", out.display())))?;
    Ok(format!(
        "{} audit events from {from} to {to} -> {}\n",
        records.len(),
        out.display()
    ))
}

/// `dump-signals --since W`: the signals of the window as JSON lines on `out`.
pub async fn dump_signals(
    env: &OperatorEnv,
    since: Duration,
    out: &mut dyn Write,
) -> Result<usize, RuntimeError> {
    let store = env.store().await?;
    let to = reference_time(store.as_ref()).await?;
    let signals = store.signals_since(to - since).await?;
    for s in &signals {
        let line = serde_json::to_string(s).unwrap_or_default();
        writeln!(out, "{line}").map_err(RuntimeError::io("cannot write to stdout"))?;
    }
    Ok(signals.len())
}

/// `audit verify`: recomputes the chain. Ok(text) when intact; Err names the first broken link.
pub async fn audit_verify(env: &OperatorEnv) -> Result<String, RuntimeError> {
    let store = env.store().await?;
    let v = store.verify_audit().await?;
    match &v.broken {
        None => Ok(format!(
            "audit trail intact: {} records verified, head seq {} hash {}\n",
            v.checked, v.last_seq, v.last_hash
        )),
        Some(link) => Err(RuntimeError::AuditBroken(format!(
            "audit trail BROKEN after {} verified records: {link}",
            v.checked
        ))),
    }
}

/// `audit export --out FILE`: every record as JSON lines (seq, event id, hashes, event), written atomically.
pub async fn audit_export(env: &OperatorEnv, out: &Path) -> Result<String, RuntimeError> {
    let store = env.store().await?;
    let tmp = out.with_extension("jsonl.tmp");
    let mut n = 0u64;
    {
        let file = std::fs::File::create(&tmp)
            .map_err(RuntimeError::io(format!("cannot create {}", tmp.display())))?;
        let mut w = std::io::BufWriter::new(file);
        let mut after = 0;
        loop {
            let page = store.audit_events(after, 5_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for r in &page {
                writeln!(w, "{}", r.to_json_line())
                    .map_err(RuntimeError::io(format!("cannot write {}", tmp.display())))?;
                n += 1;
            }
        }
        let file = w.into_inner().map_err(|e| {
            RuntimeError::io(format!("cannot write {}", tmp.display()))(e.into_error())
        })?;
        file.sync_all()
            .map_err(RuntimeError::io(format!("cannot sync {}", tmp.display())))?;
    }
    std::fs::rename(&tmp, out)
        .map_err(RuntimeError::io(format!("cannot write {}", out.display())))?;
    Ok(format!("{n} audit records -> {}\n", out.display()))
}

/// `report observation`: the dry-run period against the backtest baseline.
pub async fn report_observation(
    env: &OperatorEnv,
    baseline: &Path,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> Result<String, RuntimeError> {
    let cfg = env.loaded()?;
    let stores = crate::session::open_stores(
        env.database_url.as_deref(),
        &env.data_dir,
        sqlite::Durability::Full,
    )
    .await?;
    let store = stores.store.as_ref();
    let to = match to {
        Some(t) => t,
        None => reference_time(store).await? + Duration::seconds(1),
    };
    let from = match from {
        Some(f) => f,
        // The earliest batch time among the first records (a replay's session start is
        // stamped with the wall clock, after the data it replays).
        None => match store
            .audit_events(0, 1_000)
            .await?
            .iter()
            .map(|r| r.at)
            .min()
        {
            Some(at) => at,
            None => {
                return Err(RuntimeError::BadInput(
                    "the store holds no audit events: run the runtime first".into(),
                ));
            }
        },
    };
    if from >= to {
        return Err(RuntimeError::BadInput(format!(
            "--from {from} must be before --to {to}"
        )));
    }
    let outbox = cfg.telegram.enabled.then_some(stores.outbox.as_ref());
    let report = crate::observation::build(store, outbox, baseline, from, to).await?;
    let dir = env.data_dir.join("reports");
    std::fs::create_dir_all(&dir)
        .map_err(RuntimeError::io(format!("cannot create {}", dir.display())))?;
    let path = dir.join(format!("observation_{}.json", to.date_naive()));
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    crate::instance::write_atomically(&path, text.as_bytes())
        .map_err(RuntimeError::io(format!("cannot write {}", path.display())))?;
    Ok(format!(
        "{text}\nobservation report -> {}\n",
        path.display()
    ))
}

/// `signoff --by NAME --note TEXT`: records a human sign-off of the promotion evidence.
pub async fn signoff(env: &OperatorEnv, by: &str, note: &str) -> Result<String, RuntimeError> {
    let by = by.trim();
    if by.is_empty() {
        return Err(RuntimeError::BadInput("--by: a name is required".into()));
    }
    if note.trim().is_empty() {
        return Err(RuntimeError::BadInput(
            "--note: say what was reviewed".into(),
        ));
    }
    check_text("--by", by, 100)?;
    check_text("--note", note, 2 * MAX_REASON_CHARS)?;
    let store = env.store().await?;
    let at = SystemClock.now();
    let signoff = domain::Signoff {
        by: by.to_string(),
        note: note.to_string(),
        at,
    };
    let batch = domain::ports::EventBatch {
        event_id: format!("signoff:{}", at.timestamp_micros()),
        at,
        events: vec![domain::AuditEvent::PromotionSignedOff { signoff }],
        state: serde_json::Value::Null,
        orders: Vec::new(),
    };
    store.append(&batch).await?;
    Ok(format!("sign-off by {by} recorded at {at}\n"))
}

/// `report weekly [--week N] [--year Y] [--docs-dir DIR]`.
pub async fn report_weekly(
    env: &OperatorEnv,
    year: Option<i32>,
    week: Option<u32>,
    docs_dir: &Path,
) -> Result<String, RuntimeError> {
    use shadow_collector::weekly::ReportWeek;
    let cfg = env.loaded()?;
    let store = env.store().await?;
    let now = reference_time(store.as_ref()).await?;
    let current = ReportWeek::containing(now)
        .ok_or_else(|| RuntimeError::BadInput(format!("no ISO week contains {now}")))?;
    let week = match (year, week) {
        (None, None) => current.previous().unwrap_or(current),
        (y, Some(n)) => {
            let y = y.unwrap_or(current.year());
            ReportWeek::new(y, n).ok_or_else(|| {
                RuntimeError::BadInput(format!("--week {n}: {y} has no ISO week {n}"))
            })?
        }
        (Some(_), None) => {
            return Err(RuntimeError::BadInput("--year needs --week".into()));
        }
    };
    let weekly = crate::weekly::build(store.as_ref(), &cfg, week, SystemClock.now()).await?;
    let paths = crate::weekly::publish(
        store.as_ref(),
        &env.data_dir,
        docs_dir,
        &weekly,
        &cfg.shadow.primary_advisor,
    )
    .await?;
    let e = &weekly.evidence;
    let mut out = format!(
        "weekly shadow report {week}: {} decisions ({} resolved), edge positive: {}\n",
        e.data_collection.total_decisions,
        e.data_collection.resolved,
        e.summary.overall_edge_positive
    );
    for p in paths {
        out.push_str(&format!("  -> {}\n", p.display()));
    }
    Ok(out)
}

/// `report gates [--json]`.
pub async fn report_gates(env: &OperatorEnv, json: bool) -> Result<String, RuntimeError> {
    let store = env.store().await?;
    let verdict = crate::weekly::gates(store.as_ref()).await?;
    if json {
        Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&verdict).unwrap_or_default()
        ))
    } else {
        Ok(crate::weekly::render_gates(&verdict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_with_units_and_refuse_nonsense() {
        assert_eq!(parse_window("24h").unwrap(), Duration::hours(24));
        assert_eq!(parse_window("7d").unwrap(), Duration::days(7));
        assert_eq!(parse_window("30m").unwrap(), Duration::minutes(30));
        assert_eq!(parse_window("90s").unwrap(), Duration::seconds(90));
        for bad in ["", "h", "0h", "-1h", "24", "24x", "1.5h"] {
            let e = parse_window(bad).unwrap_err().to_string();
            assert!(e.contains("window"), "{bad}: {e}");
        }
    }

    #[test]
    fn operator_text_is_bounded_and_on_one_plain_line() {
        assert!(check_text("--reason", "drill: fills look wrong", 500).is_ok());
        assert!(check_text("--reason", &"é".repeat(500), 500).is_ok());
        let long = check_text("--reason", &"x".repeat(501), 500).unwrap_err();
        assert!(long.to_string().contains("501 characters"), "{long}");
        assert_eq!(long.exit_code(), 2);
        for bad in ["two\nlines", "bell\u{7}", "esc \u{1b}[31mred", "tab\there"] {
            let e = check_text("--reason", bad, 500).unwrap_err();
            assert!(e.to_string().contains("control character"), "{bad:?}: {e}");
        }
    }
}
