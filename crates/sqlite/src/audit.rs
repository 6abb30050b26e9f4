//! Reading the audit trail back and recomputing its hash chain.

use domain::Timestamp;
use domain::ports::{AuditRecord, AuditVerification, ChainHead, ChainVerifier, Link, StoreError};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use crate::codec::{db_error, parse_ts, seq, seq_param, sha256, ts};

/// Records read per query while verifying.
const VERIFY_PAGE: i64 = 5_000;

const COLUMNS: &str = "seq, event_id, at, event, prev_hash, hash";

fn record(row: &SqliteRow) -> Result<AuditRecord, StoreError> {
    let err = db_error("read audit record");
    let at: String = row.try_get("at").map_err(err)?;
    Ok(AuditRecord {
        seq: seq(row.try_get("seq").map_err(db_error("read audit record"))?)?,
        event_id: row
            .try_get("event_id")
            .map_err(db_error("read audit record"))?,
        at: parse_ts(&at, "audit_events.at")?,
        event_json: row
            .try_get("event")
            .map_err(db_error("read audit record"))?,
        prev_hash: row
            .try_get("prev_hash")
            .map_err(db_error("read audit record"))?,
        hash: row.try_get("hash").map_err(db_error("read audit record"))?,
    })
}

pub(crate) async fn tail(pool: &SqlitePool) -> Result<Option<AuditRecord>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_events ORDER BY seq DESC LIMIT 1"
    ))
    .fetch_optional(pool)
    .await
    .map_err(db_error("read audit tail"))?;
    row.as_ref().map(record).transpose()
}

pub(crate) async fn events(
    pool: &SqlitePool,
    after_seq: u64,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?"
    ))
    .bind(seq_param(after_seq))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db_error("read audit records"))?
    .iter()
    .map(record)
    .collect()
}

/// Records of batches with `from <= at < to`, in seq order (index `audit_events_at`).
pub(crate) async fn between(
    pool: &SqlitePool,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<AuditRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_events WHERE at >= ? AND at < ? ORDER BY seq"
    ))
    .bind(ts(&from))
    .bind(ts(&to))
    .fetch_all(pool)
    .await
    .map_err(db_error("read audit records between two times"))?
    .iter()
    .map(record)
    .collect()
}

/// Walks the whole trail inside one read transaction (a consistent snapshot in WAL mode).
pub(crate) async fn verify(pool: &SqlitePool) -> Result<AuditVerification, StoreError> {
    let err = || db_error("verify audit chain");
    let mut tx = pool.begin().await.map_err(err())?;
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await
        .map_err(err())?;
    let head = ChainHead {
        seq: seq(row.try_get("seq").map_err(err())?)?,
        hash: row.try_get("hash").map_err(err())?,
    };
    let mut verifier = ChainVerifier::from_genesis(sha256);
    // Keyset pagination on the stored seq (not on the verifier's position), so a gap is
    // reported by the verifier rather than skipped.
    let mut after: i64 = 0;
    'pages: loop {
        let rows = sqlx::query(
            "SELECT seq, prev_hash, hash, CAST(event AS BLOB) AS event FROM audit_events \
             WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(VERIFY_PAGE)
        .fetch_all(&mut *tx)
        .await
        .map_err(err())?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let stored_seq: i64 = row.try_get("seq").map_err(err())?;
            let prev_hash: String = row.try_get("prev_hash").map_err(err())?;
            let hash: String = row.try_get("hash").map_err(err())?;
            let event: Vec<u8> = row.try_get("event").map_err(err())?;
            after = stored_seq;
            let ok = verifier.check(Link {
                seq: seq(stored_seq)?,
                prev_hash: &prev_hash,
                hash: &hash,
                event: &event,
            });
            if !ok {
                break 'pages;
            }
        }
    }
    tx.rollback().await.map_err(err())?;
    Ok(verifier.finish(Some(&head)))
}
