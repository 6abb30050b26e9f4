//! Operator requests and daily reports: what operators ask for, and what the runtime reports.
//!
//! A request has no "applied" column: it is applied exactly when the batch with its event id
//! ([`domain::ports::request_event_id`], `operator_request:<id>`) is in `event_batches`, so
//! the runtime applies and marks it in one `append`.

use domain::ports::{DailyReport, OperatorCommand, OperatorRequest, StoreError};
use domain::{Actor, Timestamp};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use crate::codec::{db_error, json, seq, seq_param, to_json};

/// Whether the request of the row (`r.id`) was applied; must match `request_event_id`.
const APPLIED: &str =
    "EXISTS (SELECT 1 FROM event_batches b WHERE b.event_id = 'operator_request:' || r.id)";

/// Inserts a request as max(id) + 1 under a self-conflicting table lock held to commit, so
/// ids are 1, 2, 3, ... without gaps and become visible in id order (migrations/postgres).
pub(crate) async fn enqueue(
    pool: &PgPool,
    command: &OperatorCommand,
    actor: &Actor,
    at: Timestamp,
) -> Result<u64, StoreError> {
    let err = || db_error("enqueue operator request");
    let command = to_json(command, "operator command")?;
    let actor = to_json(actor, "actor")?;
    let mut tx = pool.begin().await.map_err(err())?;
    // SHARE ROW EXCLUSIVE conflicts with itself and with writers, not with readers.
    sqlx::query("LOCK TABLE operator_requests IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await
        .map_err(err())?;
    let id: i64 = sqlx::query(
        "INSERT INTO operator_requests (id, command, actor, requested_at) \
         SELECT COALESCE(MAX(id), 0) + 1, $1, $2, $3 FROM operator_requests RETURNING id",
    )
    .bind(command)
    .bind(actor)
    .bind(at)
    .fetch_one(&mut *tx)
    .await
    .map_err(err())?
    .try_get("id")
    .map_err(err())?;
    tx.commit().await.map_err(err())?;
    seq(id)
}

fn request(row: &PgRow) -> Result<(OperatorRequest, bool), StoreError> {
    let err = || db_error("read operator request");
    let command: String = row.try_get("command").map_err(err())?;
    let actor: String = row.try_get("actor").map_err(err())?;
    let request = OperatorRequest {
        id: seq(row.try_get("id").map_err(err())?)?,
        command: json(&command, "operator command")?,
        actor: json(&actor, "operator request actor")?,
        requested_at: row.try_get("requested_at").map_err(err())?,
    };
    Ok((request, row.try_get("applied").map_err(err())?))
}

pub(crate) async fn pending(pool: &PgPool) -> Result<Vec<OperatorRequest>, StoreError> {
    sqlx::query(&format!(
        "SELECT r.id, r.command, r.actor, r.requested_at, FALSE AS applied \
         FROM operator_requests r WHERE NOT {APPLIED} ORDER BY r.id"
    ))
    .fetch_all(pool)
    .await
    .map_err(db_error("read pending operator requests"))?
    .iter()
    .map(|row| request(row).map(|(r, _)| r))
    .collect()
}

pub(crate) async fn one(
    pool: &PgPool,
    id: u64,
) -> Result<Option<(OperatorRequest, bool)>, StoreError> {
    sqlx::query(&format!(
        "SELECT r.id, r.command, r.actor, r.requested_at, {APPLIED} AS applied \
         FROM operator_requests r WHERE r.id = $1"
    ))
    .bind(seq_param(id))
    .fetch_optional(pool)
    .await
    .map_err(db_error("read operator request"))?
    .as_ref()
    .map(request)
    .transpose()
}

/// Insert, or replace the report of the same date.
pub(crate) async fn put_daily_report(
    pool: &PgPool,
    report: &DailyReport,
) -> Result<(), StoreError> {
    let doing = format!("put daily report {}", report.date);
    sqlx::query(
        "INSERT INTO daily_reports (date, generated_at, mode, overall_health, body) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (date) DO UPDATE SET generated_at = excluded.generated_at, \
             mode = excluded.mode, overall_health = excluded.overall_health, body = excluded.body",
    )
    .bind(report.date)
    .bind(report.generated_at)
    // TEXT cannot hold NUL; JSON text escapes it, plain columns replace it.
    .bind(report.mode.replace('\0', "\u{fffd}"))
    .bind(report.overall_health.replace('\0', "\u{fffd}"))
    .bind(to_json(&report.body, "daily report")?)
    .execute(pool)
    .await
    .map_err(db_error(&doing))?;
    Ok(())
}

pub(crate) async fn daily_reports(
    pool: &PgPool,
    limit: u32,
) -> Result<Vec<DailyReport>, StoreError> {
    let err = || db_error("read daily reports");
    sqlx::query(
        "SELECT date, generated_at, mode, overall_health, body FROM daily_reports \
         ORDER BY date DESC LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(err())?
    .iter()
    .map(|row| {
        let body: String = row.try_get("body").map_err(err())?;
        Ok(DailyReport {
            date: row.try_get("date").map_err(err())?,
            generated_at: row.try_get("generated_at").map_err(err())?,
            mode: row.try_get("mode").map_err(err())?,
            overall_health: row.try_get("overall_health").map_err(err())?,
            body: json(&body, "daily report")?,
        })
    })
    .collect()
}
