//! The append transaction: one batch, its chained audit records and their projections.
//!
//! Each round trip to sqlx's SQLite worker thread costs tens of microseconds, far more
//! than the writes themselves, so a whole append is one multi-statement script:
//! `BEGIN IMMEDIATE` (SQLite's write lock, across processes too), the batch row, each
//! audit record and its projection, `COMMIT`. The hashes are computed beforehand from the
//! chain head this writer last committed; the database refuses a record that does not
//! link to the stored head (trigger), in which case the head is re-read and the append
//! retried once. A failure anywhere rolls the whole script back; a duplicate event id
//! fails on the first insert and is the idempotent `Ok(false)`.

use domain::ports::{AuditRecord, ChainHead, EventBatch, StoreError};
use domain::{AuditEvent, KillSwitchSource};
use sqlx::{Row, SqliteConnection};

use crate::SqliteStore;
use crate::codec::{db_error, name, seq_param, sha256, to_json, ts};

/// A value bound to the write script.
enum Arg {
    Text(String),
    Int(i64),
    Null,
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Arg::Null, Arg::from)
    }
}

/// The statements of one append, with their arguments in order (`?` numbering runs on
/// across statements of one sqlx query).
#[derive(Default)]
struct Script {
    sql: String,
    args: Vec<Arg>,
}

impl Script {
    fn push<const N: usize>(&mut self, sql: &str, args: [Arg; N]) {
        self.sql.push_str(sql);
        self.sql.push_str(";\n");
        self.args.extend(args);
    }

    async fn run(self, conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        let mut query = sqlx::query(&self.sql);
        for arg in self.args {
            query = match arg {
                Arg::Text(v) => query.bind(v),
                Arg::Int(v) => query.bind(v),
                Arg::Null => query.bind(None::<String>),
            };
        }
        query.execute(conn).await.map(|_| ())
    }
}

pub(crate) async fn append(store: &SqliteStore, batch: &EventBatch) -> Result<bool, StoreError> {
    let doing = format!("append {}", batch.event_id);
    let state = match batch.state.is_null() {
        true => Arg::Null,
        false => Arg::Text(to_json(&batch.state, "state")?),
    };
    let mut guard = store.writer().await?;
    let writer = guard.get();
    // Optimistic: one round trip, linking to the head this writer last committed. If another
    // process appended since, the database refuses the first record; then the careful way:
    // take the write lock first, read the head under it, and write.
    let mut locked = false;
    loop {
        if locked {
            writer.in_doubt = true;
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut writer.conn)
                .await
                .map_err(db_error(&doing))?;
            writer.head = None;
        }
        let head = match writer.head.take() {
            Some(head) => head,
            None => match read_head(&mut writer.conn).await {
                Ok(head) => head,
                Err(e) => {
                    writer.recover().await;
                    return Err(db_error(&doing)(e));
                }
            },
        };
        let records = match AuditRecord::chain(sha256, &head, batch) {
            Ok(records) => records,
            Err(e) => {
                writer.recover().await;
                return Err(e);
            }
        };
        let script = match write_script(batch, &records, state_arg(&state), !locked) {
            Ok(script) => script,
            Err(e) => {
                writer.recover().await;
                return Err(e);
            }
        };
        writer.in_doubt = true;
        match script.run(&mut writer.conn).await {
            Ok(()) => {
                writer.in_doubt = false;
                writer.head = Some(records.last().map_or(head, |r| ChainHead {
                    seq: r.seq,
                    hash: r.hash.clone(),
                }));
                return Ok(true);
            }
            Err(e) => {
                // The script stops at the failing statement, inside its transaction.
                writer.recover().await;
                match failure(&e) {
                    Failure::KnownEventId => return Ok(false),
                    Failure::StaleHead if !locked => locked = true,
                    _ => return Err(write_error(&doing, batch, e)),
                }
            }
        }
    }
}

fn state_arg(state: &Arg) -> Arg {
    match state {
        Arg::Text(v) => Arg::Text(v.clone()),
        Arg::Int(v) => Arg::Int(*v),
        Arg::Null => Arg::Null,
    }
}

async fn read_head(conn: &mut SqliteConnection) -> Result<ChainHead, sqlx::Error> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(conn)
        .await?;
    let stored: i64 = row.try_get("seq")?;
    Ok(ChainHead {
        seq: u64::try_from(stored).unwrap_or(0),
        hash: row.try_get("hash")?,
    })
}

/// Why a write script failed, where it matters for what happens next.
enum Failure {
    /// The batch's event id is stored already (idempotent no-op).
    KnownEventId,
    /// The first record did not link to the stored head (another process appended).
    StaleHead,
    Other,
}

fn failure(e: &sqlx::Error) -> Failure {
    match e {
        sqlx::Error::Database(db)
            if db.is_unique_violation() && db.message().contains("event_batches.event_id") =>
        {
            Failure::KnownEventId
        }
        sqlx::Error::Database(db) if db.message().contains("audit chain: record does not link") => {
            Failure::StaleHead
        }
        _ => Failure::Other,
    }
}

/// The whole append as one script: `BEGIN IMMEDIATE` (unless already begun), the batch row,
/// each record and its projection, `COMMIT`. The head row follows by trigger
/// (migrations/sqlite), which also refuses a record that does not link to it.
fn write_script(
    batch: &EventBatch,
    records: &[AuditRecord],
    state: Arg,
    begin: bool,
) -> Result<Script, StoreError> {
    let at = ts(&batch.at);
    let mut script = Script::default();
    if begin {
        script.push("BEGIN IMMEDIATE", []);
    }
    script.push(
        "INSERT INTO event_batches (event_id, at, event_count, state) VALUES (?, ?, ?, ?)",
        [
            batch.event_id.as_str().into(),
            at.clone().into(),
            i64::try_from(batch.events.len()).unwrap_or(i64::MAX).into(),
            state,
        ],
    );
    for (record, event) in records.iter().zip(&batch.events) {
        script.push(
            "INSERT INTO audit_events (seq, batch_id, event_id, at, event_type, event, prev_hash, hash) \
             VALUES (?, (SELECT batch_id FROM event_batches WHERE event_id = ?), ?, ?, ?, ?, ?, ?)",
            [
                seq_param(record.seq).into(),
                record.event_id.as_str().into(),
                record.event_id.as_str().into(),
                at.clone().into(),
                event.type_name().into(),
                record.event_json.as_str().into(),
                record.prev_hash.as_str().into(),
                record.hash.as_str().into(),
            ],
        );
        project(&mut script, seq_param(record.seq), event)?;
    }
    for order in &batch.orders {
        // Setting symbol and side lets the `orders_keep_identity` trigger refuse another
        // symbol or side for a stored id (migrations/sqlite, version 6).
        script.push(
            "INSERT INTO orders (client_order_id, venue_order_id, symbol, side, status, terminal, created_at, updated_at, body) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (client_order_id) DO UPDATE SET \
                 symbol = excluded.symbol, side = excluded.side, \
                 venue_order_id = excluded.venue_order_id, status = excluded.status, \
                 terminal = excluded.terminal, created_at = excluded.created_at, \
                 updated_at = excluded.updated_at, body = excluded.body",
            [
                order.client_order_id.as_str().into(),
                order.venue_order_id.as_deref().into(),
                order.symbol.as_str().into(),
                order.side.as_str().into(),
                name(&order.status).into(),
                i64::from(order.status.is_terminal()).into(),
                ts(&order.created_at).into(),
                ts(&order.updated_at).into(),
                to_json(order, "order")?.into(),
            ],
        );
    }
    script.push("COMMIT", []);
    Ok(script)
}

/// A unique violation on `fills` is a fill counted twice, one on `shadow_decisions` a
/// decision recorded twice, and a refusal of the `shadow_resolutions` trigger a resolution
/// of an unknown or already resolved decision: conflicts, named.
fn write_error(doing: &str, batch: &EventBatch, e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
        && db.message().contains("shadow_decisions.")
    {
        let ids = batch.events.iter().filter_map(|e| match e {
            AuditEvent::ShadowDecisionRecorded { decision } => Some(decision.id.as_str()),
            _ => None,
        });
        return StoreError::Conflict(format!(
            "{doing}: a shadow decision is already stored (a decision recorded twice; decisions in this batch: {}); nothing written",
            ids.collect::<Vec<_>>().join(", ")
        ));
    }
    if let sqlx::Error::Database(db) = &e
        && db.message().starts_with("shadow resolution: ")
    {
        let ids = batch.events.iter().filter_map(|e| match e {
            AuditEvent::ShadowDecisionResolved { resolution } => Some(resolution.id.as_str()),
            _ => None,
        });
        return StoreError::Conflict(format!(
            "{doing}: {} (resolutions in this batch: {}); nothing written",
            db.message(),
            ids.collect::<Vec<_>>().join(", ")
        ));
    }
    if let sqlx::Error::Database(db) = &e
        && db.message().starts_with("order identity: ")
    {
        let orders: Vec<String> = batch
            .orders
            .iter()
            .map(|o| format!("{} {} {}", o.client_order_id, o.symbol, o.side.as_str()))
            .collect();
        return StoreError::Conflict(format!(
            "{doing}: {} (orders in this batch: {}); nothing written",
            db.message(),
            orders.join(", ")
        ));
    }
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
        && db.message().contains("fills.")
    {
        let fills: Vec<String> = batch
            .events
            .iter()
            .filter_map(|e| match e {
                AuditEvent::OrderFilled { fill } => Some(format!(
                    "{} of order {}",
                    fill.trade_id, fill.client_order_id
                )),
                _ => None,
            })
            .collect();
        return StoreError::Conflict(format!(
            "{doing}: a fill is already stored (a fill counted twice; fills in this batch: {}); nothing written",
            fills.join(", ")
        ));
    }
    db_error(doing)(e)
}

/// Adds the queryable columns of one audit event to its projection table.
fn project(script: &mut Script, seq: i64, event: &AuditEvent) -> Result<(), StoreError> {
    match event {
        AuditEvent::SignalGenerated { signal } => script.push(
            "INSERT INTO signals (audit_seq, symbol, side, strategy, tier, confidence, ts) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                seq.into(),
                signal.symbol.as_str().into(),
                signal.side.as_str().into(),
                signal.strategy.as_str().into(),
                signal.tier.as_str().into(),
                signal.confidence.to_string().into(),
                ts(&signal.ts).into(),
            ],
        ),
        AuditEvent::TradeApproved { intent, .. } => decision(
            script,
            seq,
            [
                "approved".into(),
                intent.symbol.as_str().into(),
                intent.side.as_str().into(),
                intent.strategy.as_str().into(),
                intent.client_order_id.as_str().into(),
                ts(&intent.created_at).into(),
            ],
            std::iter::empty(),
        ),
        AuditEvent::TradeRejected { intent, reasons } => decision(
            script,
            seq,
            [
                "rejected".into(),
                intent.symbol.as_str().into(),
                intent.side.as_str().into(),
                intent.strategy.as_str().into(),
                intent.client_order_id.as_str().into(),
                ts(&intent.created_at).into(),
            ],
            reasons.iter().map(|r| r.code()),
        ),
        AuditEvent::TurnoverBlocked {
            symbol,
            signal,
            reasons,
        } => decision(
            script,
            seq,
            [
                "turnover_blocked".into(),
                symbol.as_str().into(),
                signal.side.as_str().into(),
                signal.strategy.as_str().into(),
                Arg::Null,
                ts(&signal.ts).into(),
            ],
            reasons.iter().map(|r| r.code()),
        ),
        AuditEvent::OrderFilled { fill } => script.push(
            "INSERT INTO fills (audit_seq, client_order_id, trade_id, symbol, side, ts) \
             VALUES (?, ?, ?, ?, ?, ?)",
            [
                seq.into(),
                fill.client_order_id.as_str().into(),
                fill.trade_id.as_str().into(),
                fill.symbol.as_str().into(),
                fill.side.as_str().into(),
                ts(&fill.ts).into(),
            ],
        ),
        AuditEvent::LevelChanged { change } => script.push(
            "INSERT INTO capital_preservation_state \
             (audit_seq, from_level, to_level, cause, consecutive_losses, at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                seq.into(),
                change.from.as_str().into(),
                change.to.as_str().into(),
                cause_code(&change.cause).into(),
                i64::from(change.consecutive_losses).into(),
                ts(&change.at).into(),
            ],
        ),
        AuditEvent::KillSwitchActivated { source, at, .. } => script.push(
            "INSERT INTO kill_switch_events (audit_seq, active, source, at) VALUES (?, 1, ?, ?)",
            [seq.into(), source_name(source).into(), ts(at).into()],
        ),
        AuditEvent::KillSwitchDeactivated { at, .. } => script.push(
            "INSERT INTO kill_switch_events (audit_seq, active, source, at) VALUES (?, 0, NULL, ?)",
            [seq.into(), ts(at).into()],
        ),
        AuditEvent::AlertRaised { alert } => script.push(
            "INSERT INTO alerts (audit_seq, severity, kind, symbol, at) VALUES (?, ?, ?, ?, ?)",
            [
                seq.into(),
                name(&alert.severity).into(),
                name(&alert.kind).into(),
                alert.symbol.as_ref().map(|s| s.as_str()).into(),
                ts(&alert.at).into(),
            ],
        ),
        AuditEvent::JobRan {
            job,
            scheduled_for,
            started_at,
            finished_at,
            outcome,
        } => script.push(
            "INSERT INTO job_runs (audit_seq, job, status, scheduled_for, started_at, finished_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
            [
                seq.into(),
                job.as_str().into(),
                outcome_name(outcome).into(),
                ts(scheduled_for).into(),
                ts(started_at).into(),
                ts(finished_at).into(),
            ],
        ),
        AuditEvent::AccountRuleBreached { rules, breach } => script.push(
            "INSERT INTO account_breaches (audit_seq, at, rules, rule, line, equity, floor, detail) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                seq.into(),
                ts(&breach.at).into(),
                rules.as_str().into(),
                breach.rule.as_str().into(),
                breach.line.as_str().into(),
                breach.equity.to_string().into(),
                breach.floor().to_string().into(),
                to_json(breach, "account breach")?.into(),
            ],
        ),
        AuditEvent::RiskBookSnapshot { book } => script.push(
            "INSERT INTO risk_book_snapshots (audit_seq, at, phase, equity, balance, daily_floor, \
             max_loss_floor, daily_utilisation_pct, total_utilisation_pct, trading_days, status, book) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                seq.into(),
                ts(&book.at).into(),
                book.phase.as_str().into(),
                book.equity.to_string().into(),
                book.balance.to_string().into(),
                book.daily_floor.to_string().into(),
                book.max_loss_floor.to_string().into(),
                book.daily_utilisation_pct.to_string().into(),
                book.total_utilisation_pct.to_string().into(),
                i64::from(book.trading_days).into(),
                name(&book.status).into(),
                to_json(book, "risk book")?.into(),
            ],
        ),
        // A second record of an id fails on the primary key (a conflict, see `write_error`).
        AuditEvent::ShadowDecisionRecorded { decision } => script.push(
            "INSERT INTO shadow_decisions \
             (id, audit_seq, at, symbol, strategy, outcome, decision_json) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                decision.id.as_str().into(),
                seq.into(),
                ts(&decision.at).into(),
                decision.symbol.as_str().into(),
                decision.strategy.as_str().into(),
                decision.outcome.as_str().into(),
                to_json(decision, "shadow decision")?.into(),
            ],
        ),
        // Through the view's trigger, which refuses an unknown or already resolved decision
        // (migrations/sqlite, version 5).
        AuditEvent::ShadowDecisionResolved { resolution } => script.push(
            "INSERT INTO shadow_resolutions (id, audit_seq, resolved_at, resolution_json) \
             VALUES (?, ?, ?, ?)",
            [
                resolution.id.as_str().into(),
                seq.into(),
                ts(&resolution.resolved_at).into(),
                to_json(resolution, "shadow resolution")?.into(),
            ],
        ),
        AuditEvent::WeeklyReportStored { report } => script.push(
            "INSERT INTO weekly_reports (year, week, audit_seq, week_ending, generated_at, body) \
             VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (year, week) DO UPDATE SET audit_seq = excluded.audit_seq, \
                 week_ending = excluded.week_ending, generated_at = excluded.generated_at, \
                 body = excluded.body",
            [
                i64::from(report.year).into(),
                i64::from(report.week).into(),
                seq.into(),
                report.week_ending.format("%Y-%m-%d").to_string().into(),
                ts(&report.generated_at).into(),
                to_json(&report.body, "weekly report")?.into(),
            ],
        ),
        AuditEvent::PromotionSignedOff { signoff } => script.push(
            "INSERT INTO signoffs (audit_seq, by_name, note, at) VALUES (?, ?, ?, ?)",
            [
                seq.into(),
                signoff.by.as_str().into(),
                signoff.note.as_str().into(),
                ts(&signoff.at).into(),
            ],
        ),
        // Orders are stored with the batch (`EventBatch::orders`, above) or by `put_order`
        // (write-ahead); failures, simulated losses and
        // weight shifts and session starts/ends live in the audit trail only (`events_between` finds them by batch
        // time).
        AuditEvent::OrderSubmitted { .. }
        | AuditEvent::OrderFailed { .. }
        | AuditEvent::LossSimulated { .. }
        | AuditEvent::StrategyWeightsShifted { .. }
        | AuditEvent::WeightClampViolated { .. }
        | AuditEvent::SessionStarted { .. }
        | AuditEvent::SessionEnded { .. } => {}
    }
    Ok(())
}

/// A decision row (verdict, symbol, side, strategy, client order id, at) and its reason codes.
fn decision(
    script: &mut Script,
    seq: i64,
    columns: [Arg; 6],
    codes: impl Iterator<Item = &'static str>,
) {
    let [verdict, symbol, side, strategy, client_order_id, at] = columns;
    script.push(
        "INSERT INTO decisions (audit_seq, verdict, symbol, side, strategy, client_order_id, at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            seq.into(),
            verdict,
            symbol,
            side,
            strategy,
            client_order_id,
            at,
        ],
    );
    for (position, code) in codes.enumerate() {
        script.push(
            "INSERT INTO decision_reasons (audit_seq, position, code) VALUES (?, ?, ?)",
            [
                seq.into(),
                i64::try_from(position).unwrap_or(i64::MAX).into(),
                code.into(),
            ],
        );
    }
}

fn source_name(source: &KillSwitchSource) -> &'static str {
    match source {
        KillSwitchSource::File { .. } => "file",
        KillSwitchSource::Environment { .. } => "environment",
        KillSwitchSource::Stored { .. } => "stored",
    }
}

fn cause_code(cause: &domain::LevelChangeCause) -> String {
    serde_json::to_value(cause)
        .ok()
        .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_string))
        .unwrap_or_default()
}

fn outcome_name(outcome: &domain::JobOutcome) -> &'static str {
    match outcome {
        domain::JobOutcome::Succeeded => "succeeded",
        domain::JobOutcome::Failed { .. } => "failed",
        domain::JobOutcome::Coalesced { .. } => "coalesced",
    }
}
