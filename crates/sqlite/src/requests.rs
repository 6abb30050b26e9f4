//! Operator requests and daily reports: what operators ask for, and what the runtime reports.
//!
//! A request has no "applied" column: it is applied exactly when the batch with its event id
//! ([`domain::ports::request_event_id`], `operator_request:<id>`) is in `event_batches`, so
//! the runtime applies and marks it in one `append`.

use domain::ports::{DailyReport, OperatorCommand, OperatorRequest, StoreError};
use domain::{Actor, Timestamp};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};

use crate::codec::{db_error, json, parse_ts, seq, seq_param, to_json, ts};

/// Whether the request of the row (`r.id`) was applied; must match `request_event_id`.
const APPLIED: &str =
    "EXISTS (SELECT 1 FROM event_batches b WHERE b.event_id = 'operator_request:' || r.id)";

/// Inserts a request; ids come from AUTOINCREMENT under SQLite's write lock, so they are
/// 1, 2, 3, ... in commit order.
pub(crate) async fn enqueue(
    conn: &mut SqliteConnection,
    command: &OperatorCommand,
    actor: &Actor,
    at: Timestamp,
) -> Result<u64, StoreError> {
    let doing = "enqueue operator request";
    let done = sqlx::query(
        "INSERT INTO operator_requests (command, actor, requested_at) VALUES (?, ?, ?)",
    )
    .bind(to_json(command, "operator command")?)
    .bind(to_json(actor, "actor")?)
    .bind(ts(&at))
    .execute(conn)
    .await
    .map_err(db_error(doing))?;
    seq(done.last_insert_rowid())
}

fn request(row: &SqliteRow) -> Result<(OperatorRequest, bool), StoreError> {
    let err = || db_error("read operator request");
    let command: String = row.try_get("command").map_err(err())?;
    let actor: String = row.try_get("actor").map_err(err())?;
    let at: String = row.try_get("requested_at").map_err(err())?;
    let request = OperatorRequest {
        id: seq(row.try_get("id").map_err(err())?)?,
        command: json(&command, "operator command")?,
        actor: json(&actor, "operator request actor")?,
        requested_at: parse_ts(&at, "operator_requests.requested_at")?,
    };
    Ok((request, row.try_get("applied").map_err(err())?))
}

pub(crate) async fn pending(pool: &SqlitePool) -> Result<Vec<OperatorRequest>, StoreError> {
    sqlx::query(&format!(
        "SELECT r.id, r.command, r.actor, r.requested_at, 0 AS applied \
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
    pool: &SqlitePool,
    id: u64,
) -> Result<Option<(OperatorRequest, bool)>, StoreError> {
    sqlx::query(&format!(
        "SELECT r.id, r.command, r.actor, r.requested_at, {APPLIED} AS applied \
         FROM operator_requests r WHERE r.id = ?"
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
    conn: &mut SqliteConnection,
    report: &DailyReport,
) -> Result<(), StoreError> {
    let doing = format!("put daily report {}", report.date);
    sqlx::query(
        "INSERT INTO daily_reports (date, generated_at, mode, overall_health, body) \
         VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (date) DO UPDATE SET generated_at = excluded.generated_at, \
             mode = excluded.mode, overall_health = excluded.overall_health, body = excluded.body",
    )
    .bind(report.date.format("%Y-%m-%d").to_string())
    .bind(ts(&report.generated_at))
    .bind(&report.mode)
    .bind(&report.overall_health)
    .bind(to_json(&report.body, "daily report")?)
    .execute(conn)
    .await
    .map_err(db_error(&doing))?;
    Ok(())
}

pub(crate) async fn daily_reports(
    pool: &SqlitePool,
    limit: u32,
) -> Result<Vec<DailyReport>, StoreError> {
    let err = || db_error("read daily reports");
    sqlx::query(
        "SELECT date, generated_at, mode, overall_health, body FROM daily_reports \
         ORDER BY date DESC LIMIT ?",
    )
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(err())?
    .iter()
    .map(|row| {
        let date: String = row.try_get("date").map_err(err())?;
        let generated_at: String = row.try_get("generated_at").map_err(err())?;
        let body: String = row.try_get("body").map_err(err())?;
        Ok(DailyReport {
            date: chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|e| {
                StoreError::Corrupt(format!("daily_reports.date {date:?} is not a date: {e}"))
            })?,
            generated_at: parse_ts(&generated_at, "daily_reports.generated_at")?,
            mode: row.try_get("mode").map_err(err())?,
            overall_health: row.try_get("overall_health").map_err(err())?,
            body: json(&body, "daily report")?,
        })
    })
    .collect()
}
