//! The append transaction: one batch, its chained audit records and their projections.
//!
//! The chain head row is locked `FOR UPDATE` first, which serialises appends of every
//! process sharing the database; the idempotency check runs after the lock, so two
//! instances racing on one event id store it once. Any failure rolls everything back.

use domain::ports::{AuditRecord, ChainHead, EventBatch, StoreError};
use domain::{AuditEvent, KillSwitchSource, ShadowResolution, Timestamp};
use sqlx::{PgPool, Postgres, Row, Transaction};

use crate::codec::{db_error, name, seq, seq_param, sha256, to_json};

pub(crate) async fn append(pool: &PgPool, batch: &EventBatch) -> Result<bool, StoreError> {
    let doing = format!("append {}", batch.event_id);
    let err = |e| db_error(&doing)(e);
    let state = if batch.state.is_null() {
        None
    } else {
        Some(to_json(&batch.state, "state")?)
    };

    let mut tx = pool.begin().await.map_err(err)?;
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
    let head = ChainHead {
        seq: seq(row.try_get("seq").map_err(err)?)?,
        hash: row.try_get("hash").map_err(err)?,
    };
    // A separate statement, so it sees what committed while we waited for the lock.
    let exists = sqlx::query("SELECT 1 FROM event_batches WHERE event_id = $1")
        .bind(&batch.event_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
    if exists.is_some() {
        return Ok(false); // dropping `tx` rolls back (nothing was written)
    }
    let records = AuditRecord::chain(sha256, &head, batch)?;

    let batch_id: i64 = sqlx::query(
        "INSERT INTO event_batches (event_id, at, event_count, state) VALUES ($1, $2, $3, $4) RETURNING batch_id",
    )
    .bind(&batch.event_id)
    .bind(batch.at)
    .bind(i32::try_from(batch.events.len()).unwrap_or(i32::MAX))
    .bind(state)
    .fetch_one(&mut *tx)
    .await
    .map_err(err)?
    .try_get(0)
    .map_err(err)?;

    if !records.is_empty() {
        // All records in one round trip.
        let seqs: Vec<i64> = records.iter().map(|r| seq_param(r.seq)).collect();
        let types: Vec<&str> = batch.events.iter().map(AuditEvent::type_name).collect();
        let events: Vec<&str> = records.iter().map(|r| r.event_json.as_str()).collect();
        let prevs: Vec<&str> = records.iter().map(|r| r.prev_hash.as_str()).collect();
        let hashes: Vec<&str> = records.iter().map(|r| r.hash.as_str()).collect();
        sqlx::query(
            "INSERT INTO audit_events (seq, batch_id, event_id, at, event_type, event, prev_hash, hash) \
             SELECT s, $2, $3, $4, t, e, p, h FROM UNNEST($1::bigint[], $5::text[], $6::text[], $7::text[], $8::text[]) AS r(s, t, e, p, h)",
        )
        .bind(&seqs)
        .bind(batch_id)
        .bind(&batch.event_id)
        .bind(batch.at)
        .bind(&types)
        .bind(&events)
        .bind(&prevs)
        .bind(&hashes)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
    }
    for (record, event) in records.iter().zip(&batch.events) {
        project(&mut tx, seq_param(record.seq), event)
            .await
            .map_err(|e| projection_error(&doing, record.seq, event, e))?;
    }
    for order in &batch.orders {
        crate::queries::upsert_order(&mut tx, order)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(why) => {
                    StoreError::Conflict(format!("{doing}: {why}; nothing written"))
                }
                other => other,
            })?;
    }
    // The head row follows by trigger (migrations/postgres), which also refuses any record
    // that does not link to it.
    tx.commit().await.map_err(err)?;
    Ok(true)
}

/// Why a projection was not written.
enum ProjectError {
    /// The database refused or failed the statement.
    Sql(sqlx::Error),
    /// The event contradicts what is stored (e.g. it resolves an unknown shadow decision).
    Conflict(String),
    /// A value does not fit its column.
    Invalid(String),
}

impl From<sqlx::Error> for ProjectError {
    fn from(e: sqlx::Error) -> Self {
        ProjectError::Sql(e)
    }
}

fn projection_error(doing: &str, seq: u64, event: &AuditEvent, e: ProjectError) -> StoreError {
    let e = match e {
        ProjectError::Conflict(why) => {
            return StoreError::Conflict(format!("{doing}: {why}; nothing written"));
        }
        ProjectError::Invalid(why) => {
            return StoreError::Backend(format!(
                "{doing}: projecting event {seq} ({}): {why}; nothing written",
                event.type_name()
            ));
        }
        ProjectError::Sql(e) => e,
    };
    match (event, &e) {
        (AuditEvent::OrderFilled { fill }, sqlx::Error::Database(db))
            if db.is_unique_violation() =>
        {
            StoreError::Conflict(format!(
                "{doing}: fill {} of order {} is already stored (a fill counted twice); nothing written",
                fill.trade_id, fill.client_order_id
            ))
        }
        (AuditEvent::ShadowDecisionRecorded { decision }, sqlx::Error::Database(db))
            if db.is_unique_violation() =>
        {
            StoreError::Conflict(format!(
                "{doing}: shadow decision {} is already stored (a decision recorded twice); nothing written",
                decision.id
            ))
        }
        _ => db_error(&format!(
            "{doing}: projecting event {seq} ({})",
            event.type_name()
        ))(e),
    }
}

/// Writes the queryable columns of one audit event to its projection table.
async fn project(
    tx: &mut Transaction<'static, Postgres>,
    seq: i64,
    event: &AuditEvent,
) -> Result<(), ProjectError> {
    match event {
        AuditEvent::SignalGenerated { signal } => {
            sqlx::query(
                "INSERT INTO signals (audit_seq, symbol, side, strategy, tier, confidence, ts) \
                 VALUES ($1, $2, $3, $4, $5, $6::numeric, $7)",
            )
            .bind(seq)
            .bind(signal.symbol.as_str())
            .bind(signal.side.as_str())
            .bind(signal.strategy.as_str())
            .bind(signal.tier.as_str())
            .bind(signal.confidence.to_string())
            .bind(signal.ts)
            .execute(&mut **tx)
            .await?;
        }
        AuditEvent::TradeApproved { intent, .. } => {
            let row = Decision {
                verdict: "approved",
                symbol: intent.symbol.as_str(),
                side: intent.side.as_str(),
                strategy: intent.strategy.as_str(),
                client_order_id: Some(intent.client_order_id.as_str()),
                at: intent.created_at,
            };
            decision(tx, seq, &row, std::iter::empty()).await?;
        }
        AuditEvent::TradeRejected { intent, reasons } => {
            let row = Decision {
                verdict: "rejected",
                symbol: intent.symbol.as_str(),
                side: intent.side.as_str(),
                strategy: intent.strategy.as_str(),
                client_order_id: Some(intent.client_order_id.as_str()),
                at: intent.created_at,
            };
            decision(tx, seq, &row, reasons.iter().map(|r| r.code())).await?;
        }
        AuditEvent::TurnoverBlocked {
            symbol,
            signal,
            reasons,
        } => {
            let row = Decision {
                verdict: "turnover_blocked",
                symbol: symbol.as_str(),
                side: signal.side.as_str(),
                strategy: signal.strategy.as_str(),
                client_order_id: None,
                at: signal.ts,
            };
            decision(tx, seq, &row, reasons.iter().map(|r| r.code())).await?;
        }
        AuditEvent::OrderFilled { fill } => {
            sqlx::query(
                "INSERT INTO fills (audit_seq, client_order_id, trade_id, symbol, side, ts) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(seq)
            .bind(fill.client_order_id.as_str())
            .bind(&fill.trade_id)
            .bind(fill.symbol.as_str())
            .bind(fill.side.as_str())
            .bind(fill.ts)
            .execute(&mut **tx)
            .await?;
        }
        AuditEvent::LevelChanged { change } => {
            sqlx::query(
                "INSERT INTO capital_preservation_state (audit_seq, from_level, to_level, cause, consecutive_losses, at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(seq)
            .bind(change.from.as_str())
            .bind(change.to.as_str())
            .bind(cause_code(&change.cause))
            .bind(i32::try_from(change.consecutive_losses).unwrap_or(i32::MAX))
            .bind(change.at)
            .execute(&mut **tx)
            .await?;
        }
        AuditEvent::KillSwitchActivated { source, at, .. } => {
            kill_switch(tx, seq, true, Some(source_name(source)), *at).await?;
        }
        AuditEvent::KillSwitchDeactivated { at, .. } => {
            kill_switch(tx, seq, false, None, *at).await?;
        }
        AuditEvent::AlertRaised { alert } => {
            sqlx::query("INSERT INTO alerts (audit_seq, severity, kind, symbol, at) VALUES ($1, $2, $3, $4, $5)")
                .bind(seq)
                .bind(name(&alert.severity))
                .bind(name(&alert.kind))
                .bind(alert.symbol.as_ref().map(|s| s.as_str()))
                .bind(alert.at)
                .execute(&mut **tx)
                .await?;
        }
        AuditEvent::JobRan {
            job,
            scheduled_for,
            started_at,
            finished_at,
            outcome,
        } => {
            sqlx::query(
                "INSERT INTO job_runs (audit_seq, job, status, scheduled_for, started_at, finished_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(seq)
            .bind(job.replace('\0', "\u{fffd}"))
            .bind(outcome_name(outcome))
            .bind(scheduled_for)
            .bind(started_at)
            .bind(finished_at)
            .execute(&mut **tx)
            .await?;
        }
        AuditEvent::AccountRuleBreached { rules, breach } => {
            sqlx::query(
                "INSERT INTO account_breaches (audit_seq, at, rules, rule, line, equity, floor, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric, $8)",
            )
            .bind(seq)
            .bind(breach.at)
            .bind(rules.replace('\0', "\u{fffd}"))
            .bind(breach.rule.as_str())
            .bind(breach.line.as_str())
            .bind(breach.equity.to_string())
            .bind(breach.floor().to_string())
            .bind(json_text(breach)?)
            .execute(&mut **tx)
            .await?;
        }
        AuditEvent::RiskBookSnapshot { book } => {
            sqlx::query(
                "INSERT INTO risk_book_snapshots (audit_seq, at, phase, equity, balance, daily_floor, \
                 max_loss_floor, daily_utilisation_pct, total_utilisation_pct, trading_days, status, book) \
                 VALUES ($1, $2, $3, $4::numeric, $5::numeric, $6::numeric, $7::numeric, $8::numeric, \
                 $9::numeric, $10, $11, $12)",
            )
            .bind(seq)
            .bind(book.at)
            .bind(book.phase.replace('\0', "\u{fffd}"))
            .bind(book.equity.to_string())
            .bind(book.balance.to_string())
            .bind(book.daily_floor.to_string())
            .bind(book.max_loss_floor.to_string())
            .bind(book.daily_utilisation_pct.to_string())
            .bind(book.total_utilisation_pct.to_string())
            .bind(i64::from(book.trading_days))
            .bind(name(&book.status))
            .bind(json_text(book)?)
            .execute(&mut **tx)
            .await?;
        }
        // A second record of an id fails on the primary key (a conflict, see `projection_error`).
        AuditEvent::ShadowDecisionRecorded { decision } => {
            sqlx::query(
                "INSERT INTO shadow_decisions (id, audit_seq, at, symbol, strategy, outcome, decision_json) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(decision.id.replace('\0', "\u{fffd}"))
            .bind(seq)
            .bind(decision.at)
            .bind(decision.symbol.as_str())
            .bind(decision.strategy.as_str())
            .bind(decision.outcome.as_str())
            .bind(json_text(decision)?)
            .execute(&mut **tx)
            .await?;
        }
        AuditEvent::ShadowDecisionResolved { resolution } => {
            resolve(tx, seq, resolution).await?;
        }
        AuditEvent::WeeklyReportStored { report } => {
            let week = i32::try_from(report.week).map_err(|_| {
                ProjectError::Invalid(format!(
                    "week {} of the weekly report of {} is out of range",
                    report.week, report.year
                ))
            })?;
            sqlx::query(
                "INSERT INTO weekly_reports (year, week, audit_seq, week_ending, generated_at, body) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (year, week) DO UPDATE SET audit_seq = excluded.audit_seq, \
                     week_ending = excluded.week_ending, generated_at = excluded.generated_at, \
                     body = excluded.body",
            )
            .bind(report.year)
            .bind(week)
            .bind(seq)
            .bind(report.week_ending)
            .bind(report.generated_at)
            .bind(json_text(&report.body)?)
            .execute(&mut **tx)
            .await?;
        }
        AuditEvent::PromotionSignedOff { signoff } => {
            sqlx::query(
                "INSERT INTO signoffs (audit_seq, by_name, note, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(seq)
            .bind(signoff.by.replace('\0', "\u{fffd}"))
            .bind(signoff.note.replace('\0', "\u{fffd}"))
            .bind(signoff.at)
            .execute(&mut **tx)
            .await?;
        }
        // Orders are stored with the batch (`EventBatch::orders`) or by `put_order`
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

/// Fills in the resolution of a pending decision; a decision that is not stored, or is
/// resolved already, is a conflict (the caller rolls the whole append back).
async fn resolve(
    tx: &mut Transaction<'static, Postgres>,
    seq: i64,
    resolution: &ShadowResolution,
) -> Result<(), ProjectError> {
    let id = resolution.id.replace('\0', "\u{fffd}");
    let done = sqlx::query(
        "UPDATE shadow_decisions SET resolved_seq = $1, resolved_at = $2, resolution_json = $3 \
         WHERE id = $4 AND resolved_at IS NULL",
    )
    .bind(seq)
    .bind(resolution.resolved_at)
    .bind(json_text(resolution)?)
    .bind(&id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let resolved_by: Option<Option<i64>> =
        sqlx::query_scalar("SELECT resolved_seq FROM shadow_decisions WHERE id = $1")
            .bind(&id)
            .fetch_optional(&mut **tx)
            .await?;
    Err(ProjectError::Conflict(match resolved_by {
        None => format!(
            "resolution of unknown shadow decision {}: no such shadow decision is stored",
            resolution.id
        ),
        Some(by) => format!(
            "shadow decision {} is already resolved (by audit record {}): a decision resolved twice",
            resolution.id,
            by.map_or_else(|| "?".to_string(), |s| s.to_string())
        ),
    }))
}

/// A projected value as JSON text (serde escapes NUL as `\u0000`, which TEXT holds).
fn json_text<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// The columns of one decision row.
struct Decision<'a> {
    verdict: &'static str,
    symbol: &'a str,
    side: &'static str,
    strategy: &'a str,
    client_order_id: Option<&'a str>,
    at: Timestamp,
}

async fn decision(
    tx: &mut Transaction<'static, Postgres>,
    seq: i64,
    row: &Decision<'_>,
    codes: impl Iterator<Item = &'static str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO decisions (audit_seq, verdict, symbol, side, strategy, client_order_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(seq)
    .bind(row.verdict)
    .bind(row.symbol)
    .bind(row.side)
    .bind(row.strategy)
    .bind(row.client_order_id)
    .bind(row.at)
    .execute(&mut **tx)
    .await?;
    let codes: Vec<&str> = codes.collect();
    if !codes.is_empty() {
        sqlx::query(
            "INSERT INTO decision_reasons (audit_seq, position, code) \
             SELECT $1, (r.n - 1)::int, r.code FROM UNNEST($2::text[]) WITH ORDINALITY AS r(code, n)",
        )
        .bind(seq)
        .bind(&codes)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn kill_switch(
    tx: &mut Transaction<'static, Postgres>,
    seq: i64,
    active: bool,
    source: Option<&str>,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO kill_switch_events (audit_seq, active, source, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(seq)
    .bind(active)
    .bind(source)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
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
