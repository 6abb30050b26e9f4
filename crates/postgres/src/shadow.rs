//! Shadow evidence read back from its projections (migration 5): decisions with their
//! resolutions, their counts, promotion sign-offs and weekly reports.
//!
//! The projections are written by `append` in the batch's transaction; these reads never
//! scan the audit trail. TIMESTAMPTZ keeps microseconds: sqlx cuts the stored times and the
//! bounds the same way (an order-preserving cut), so SQL settles every row whose microsecond
//! differs from both bounds', and the rows of a bound's microsecond are compared on the
//! decisions' own (nanosecond) times from their JSON copies.

use domain::ports::StoreError;
use domain::{
    AuditEvent, ShadowCounts, ShadowDecision, ShadowRecord, ShadowResolution, Signoff, Timestamp,
    WeeklyReport,
};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use crate::codec::{db_error, seq};

/// The decisions with `from <= at < to`, by time then append order (index
/// `shadow_decisions (at, audit_seq)`), each with its resolution if stored.
pub(crate) async fn records(
    pool: &PgPool,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ShadowRecord>, StoreError> {
    let doing = "read shadow decisions";
    // Both bounds' microseconds included; the exact bounds are applied below.
    let rows = sqlx::query(
        "SELECT id, decision_json, resolution_json FROM shadow_decisions \
         WHERE at >= $1 AND at <= $2 ORDER BY at, audit_seq",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .map_err(db_error(doing))?;
    let mut records = Vec::with_capacity(rows.len());
    for row in &rows {
        let record = record(row, doing)?;
        if record.decision.at >= from && record.decision.at < to {
            records.push(record);
        }
    }
    // Stable: append order within one instant, exact order within one microsecond.
    records.sort_by_key(|r| r.decision.at);
    Ok(records)
}

/// The decisions without a resolution, by decision time then append order.
pub(crate) async fn pending(pool: &PgPool) -> Result<Vec<ShadowDecision>, StoreError> {
    let doing = "read pending shadow decisions";
    let rows = sqlx::query(
        "SELECT id, decision_json, resolution_json FROM shadow_decisions \
         WHERE resolved_at IS NULL ORDER BY at, audit_seq",
    )
    .fetch_all(pool)
    .await
    .map_err(db_error(doing))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(record(row, doing)?.decision);
    }
    // Stable: append order within one instant, exact order within one stored tick.
    out.sort_by_key(|d| d.at);
    Ok(out)
}

/// One row of `shadow_decisions` as a record; a JSON copy that does not parse is corrupt,
/// named by the decision's id.
fn record(row: &PgRow, doing: &str) -> Result<ShadowRecord, StoreError> {
    let id: String = row.try_get("id").map_err(db_error(doing))?;
    let decision: String = row.try_get("decision_json").map_err(db_error(doing))?;
    let resolution: Option<String> = row.try_get("resolution_json").map_err(db_error(doing))?;
    let decision: ShadowDecision = serde_json::from_str(&decision).map_err(|e| {
        StoreError::Corrupt(format!("stored shadow decision {id} does not parse: {e}"))
    })?;
    let resolution = resolution
        .map(|text| serde_json::from_str::<ShadowResolution>(&text))
        .transpose()
        .map_err(|e| {
            StoreError::Corrupt(format!(
                "stored resolution of shadow decision {id} does not parse: {e}"
            ))
        })?;
    Ok(ShadowRecord {
        decision,
        resolution,
    })
}

/// Three counts: by time through `shadow_decisions (at, audit_seq)`, pending through the
/// partial index of unresolved rows, and the total. The in-range count takes the rows
/// strictly between the bounds' microseconds from SQL and checks the rows of the bounds'
/// own microseconds on their exact times.
pub(crate) async fn counts(
    pool: &PgPool,
    from: Timestamp,
    to: Timestamp,
) -> Result<ShadowCounts, StoreError> {
    let doing = "count shadow decisions";
    let err = || db_error(doing);
    let row = sqlx::query(
        "SELECT \
           (SELECT count(*) FROM shadow_decisions WHERE at > $1 AND at < $2) AS inside, \
           (SELECT count(*) FROM shadow_decisions WHERE resolved_at IS NULL) AS pending, \
           (SELECT count(*) FROM shadow_decisions) AS total, \
           (SELECT count(*) FROM shadow_decisions \
              WHERE resolved_at IS NULL AND at > $1 AND at < $2) AS pending_inside",
    )
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await
    .map_err(err())?;
    let count = |column: &str| -> Result<u64, StoreError> {
        let n: i64 = row.try_get(column).map_err(err())?;
        u64::try_from(n)
            .map_err(|_| StoreError::Corrupt(format!("shadow decision count {column} is {n}")))
    };
    let mut in_range = count("inside")?;
    let mut pending_in_range = count("pending_inside")?;
    for row in sqlx::query(
        "SELECT id, decision_json, resolution_json FROM shadow_decisions WHERE at = $1 OR at = $2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .map_err(err())?
    {
        let r = record(&row, doing)?;
        let at = r.decision.at;
        if at >= from && at < to {
            in_range += 1;
            if r.resolution.is_none() {
                pending_in_range += 1;
            }
        }
    }
    Ok(ShadowCounts {
        in_range,
        pending: count("pending")?,
        total: count("total")?,
        pending_in_range,
    })
}

/// The events of the audit records a projection points at, in the order `sql` reads them
/// (`sql` selects `a.seq` and `a.event`, and takes the limit as its one parameter when
/// there is one); a record that does not parse is corrupt, named.
async fn events(
    pool: &PgPool,
    sql: &str,
    limit: Option<u32>,
) -> Result<Vec<(u64, AuditEvent)>, StoreError> {
    let doing = "read projected audit records";
    let mut query = sqlx::query(sql);
    if let Some(limit) = limit {
        query = query.bind(i64::from(limit));
    }
    query
        .fetch_all(pool)
        .await
        .map_err(db_error(doing))?
        .iter()
        .map(|row| {
            let n = seq(row.try_get("seq").map_err(db_error(doing))?)?;
            let event: String = row.try_get("event").map_err(db_error(doing))?;
            let event = serde_json::from_str(&event).map_err(|e| {
                StoreError::Corrupt(format!("audit record {n} does not parse: {e}"))
            })?;
            Ok((n, event))
        })
        .collect()
}

/// Every sign-off, in append order, read from its audit record (exact text and time).
pub(crate) async fn signoffs(pool: &PgPool) -> Result<Vec<Signoff>, StoreError> {
    events(
        pool,
        "SELECT a.seq, a.event FROM signoffs s JOIN audit_events a ON a.seq = s.audit_seq \
         ORDER BY s.audit_seq",
        None,
    )
    .await?
    .into_iter()
    .map(|(n, event)| match event {
        AuditEvent::PromotionSignedOff { signoff } => Ok(signoff),
        other => Err(not_projected(n, &other, "signoffs")),
    })
    .collect()
}

/// The `limit` newest weeks, newest first (primary key `(year, week)`), each read from the
/// audit record stored last for it (exact times).
pub(crate) async fn weekly_reports(
    pool: &PgPool,
    limit: u32,
) -> Result<Vec<WeeklyReport>, StoreError> {
    events(
        pool,
        "SELECT a.seq, a.event FROM weekly_reports w JOIN audit_events a ON a.seq = w.audit_seq \
         ORDER BY w.year DESC, w.week DESC LIMIT $1",
        Some(limit),
    )
    .await?
    .into_iter()
    .map(|(n, event)| match event {
        AuditEvent::WeeklyReportStored { report } => Ok(report),
        other => Err(not_projected(n, &other, "weekly_reports")),
    })
    .collect()
}

/// A projection row that points at an audit record of another kind.
fn not_projected(seq: u64, event: &AuditEvent, table: &str) -> StoreError {
    StoreError::Corrupt(format!(
        "{table} points at audit record {seq}, a {} event",
        event.type_name()
    ))
}
