//! The `AlertOutbox` port: the alert outbox, command offsets and ignored commands
//! (migration 4). Writes go through the store's single writer connection, like every
//! `Store` write, so they never race with appends; reads use the pool.

use async_trait::async_trait;
use domain::Timestamp;
use domain::ports::{
    AlertOutbox, DeliveryCounts, DeliveryStatus, IgnoredCommand, OutboxEntry, OutboxMessage,
    StoreError,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};

use crate::SqliteStore;
use crate::codec::{db_error, from_name, name, parse_ts, seq, seq_param, ts};

const ENTRY_COLUMNS: &str = "id, channel, chat_id, text, severity, kind, created_at, status, \
     attempts, last_attempt_at, last_error, sent_at, channel_message_id, failed_at";

fn unknown(id: u64) -> StoreError {
    StoreError::Conflict(format!("no outbox entry with id {id}"))
}

fn opt_ts(row: &SqliteRow, column: &str) -> Result<Option<Timestamp>, StoreError> {
    let text: Option<String> = row.try_get(column).map_err(db_error("read outbox entry"))?;
    text.map(|t| parse_ts(&t, &format!("outbox_entries.{column}")))
        .transpose()
}

fn entry(row: &SqliteRow) -> Result<OutboxEntry, StoreError> {
    let err = || db_error("read outbox entry");
    let id = seq(row.try_get("id").map_err(err())?)?;
    let severity: String = row.try_get("severity").map_err(err())?;
    let kind: Option<String> = row.try_get("kind").map_err(err())?;
    let created_at: String = row.try_get("created_at").map_err(err())?;
    let status: String = row.try_get("status").map_err(err())?;
    let attempts: i64 = row.try_get("attempts").map_err(err())?;
    let status = match status.as_str() {
        "pending" => DeliveryStatus::Pending,
        "sent" => DeliveryStatus::Sent {
            at: opt_ts(row, "sent_at")?.ok_or_else(|| {
                StoreError::Corrupt(format!("outbox entry {id} is sent without sent_at"))
            })?,
            channel_message_id: row
                .try_get::<Option<i64>, _>("channel_message_id")
                .map_err(err())?
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("outbox entry {id} is sent without a message id"))
                })?,
        },
        "failed" => DeliveryStatus::Failed {
            at: opt_ts(row, "failed_at")?.ok_or_else(|| {
                StoreError::Corrupt(format!("outbox entry {id} is failed without failed_at"))
            })?,
        },
        other => {
            return Err(StoreError::Corrupt(format!(
                "outbox entry {id} has unknown status {other:?}"
            )));
        }
    };
    Ok(OutboxEntry {
        id,
        message: OutboxMessage {
            channel: row.try_get("channel").map_err(err())?,
            chat_id: row.try_get("chat_id").map_err(err())?,
            text: row.try_get("text").map_err(err())?,
            severity: from_name(&severity, "outbox_entries.severity")?,
            kind: kind
                .map(|k| from_name(&k, "outbox_entries.kind"))
                .transpose()?,
            created_at: parse_ts(&created_at, "outbox_entries.created_at")?,
        },
        attempts: u32::try_from(attempts).map_err(|_| {
            StoreError::Corrupt(format!("outbox entry {id} has {attempts} attempts"))
        })?,
        last_attempt_at: opt_ts(row, "last_attempt_at")?,
        last_error: row.try_get("last_error").map_err(err())?,
        status,
    })
}

/// One stored entry in any state (for tests and status pages).
pub(crate) async fn one(pool: &SqlitePool, id: u64) -> Result<Option<OutboxEntry>, StoreError> {
    sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM outbox_entries WHERE id = ?"
    ))
    .bind(seq_param(id))
    .fetch_optional(pool)
    .await
    .map_err(db_error("read outbox entry"))?
    .as_ref()
    .map(entry)
    .transpose()
}

/// Whether entry `id` exists (after an update that changed nothing).
async fn exists(conn: &mut SqliteConnection, id: u64, doing: &str) -> Result<bool, StoreError> {
    sqlx::query("SELECT 1 FROM outbox_entries WHERE id = ?")
        .bind(seq_param(id))
        .fetch_optional(conn)
        .await
        .map(|row| row.is_some())
        .map_err(db_error(doing))
}

#[async_trait]
impl AlertOutbox for SqliteStore {
    async fn enqueue(&self, message: &OutboxMessage) -> Result<u64, StoreError> {
        let mut writer = self.writer().await?;
        // AUTOINCREMENT under SQLite's write lock: ids increase in commit order and are never
        // reused. The insert is committed (synchronous=FULL by default) before we return.
        let done = sqlx::query(
            "INSERT INTO outbox_entries (channel, chat_id, text, severity, kind, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&message.channel)
        .bind(message.chat_id)
        .bind(&message.text)
        .bind(name(&message.severity))
        .bind(message.kind.as_ref().map(name))
        .bind(ts(&message.created_at))
        .execute(&mut writer.get().conn)
        .await
        .map_err(db_error("enqueue outbox message"))?;
        seq(done.last_insert_rowid())
    }

    async fn pending(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox_entries WHERE status = 'pending' \
             ORDER BY id LIMIT ?"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("read pending outbox entries"))?
        .iter()
        .map(entry)
        .collect()
    }

    async fn mark_sent(
        &self,
        id: u64,
        at: Timestamp,
        channel_message_id: i64,
    ) -> Result<(), StoreError> {
        let doing = format!("mark outbox entry {id} sent");
        let mut writer = self.writer().await?;
        let conn = &mut writer.get().conn;
        // Already sent: keep the first confirmation. Failed: a late confirmation wins.
        let done = sqlx::query(
            "UPDATE outbox_entries SET status = 'sent', sent_at = ?, channel_message_id = ? \
             WHERE id = ? AND status <> 'sent'",
        )
        .bind(ts(&at))
        .bind(channel_message_id)
        .bind(seq_param(id))
        .execute(&mut *conn)
        .await
        .map_err(db_error(&doing))?;
        if done.rows_affected() == 0 && !exists(conn, id, &doing).await? {
            return Err(unknown(id));
        }
        Ok(())
    }

    async fn mark_failed(
        &self,
        id: u64,
        at: Timestamp,
        error: &str,
        attempts: u32,
        permanent: bool,
    ) -> Result<(), StoreError> {
        let doing = format!("mark outbox entry {id} failed");
        let mut writer = self.writer().await?;
        let conn = &mut writer.get().conn;
        // A confirmed entry never becomes failed: the update skips it.
        let done = sqlx::query(
            "UPDATE outbox_entries SET attempts = ?, last_attempt_at = ?, last_error = ?, \
                 status = CASE WHEN ? THEN 'failed' ELSE status END, \
                 failed_at = CASE WHEN ? THEN ? ELSE failed_at END \
             WHERE id = ? AND status <> 'sent'",
        )
        .bind(i64::from(attempts))
        .bind(ts(&at))
        .bind(error)
        .bind(permanent)
        .bind(permanent)
        .bind(ts(&at))
        .bind(seq_param(id))
        .execute(&mut *conn)
        .await
        .map_err(db_error(&doing))?;
        if done.rows_affected() == 0 && !exists(conn, id, &doing).await? {
            return Err(unknown(id));
        }
        Ok(())
    }

    async fn delivery_counts(&self) -> Result<DeliveryCounts, StoreError> {
        let err = || db_error("count outbox entries");
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM outbox_entries GROUP BY status")
            .fetch_all(&self.pool)
            .await
            .map_err(err())?;
        let mut counts = DeliveryCounts::default();
        for row in rows {
            let status: String = row.try_get("status").map_err(err())?;
            let n = seq(row.try_get("n").map_err(err())?)?;
            match status.as_str() {
                "pending" => counts.pending = n,
                "sent" => counts.sent = n,
                "failed" => counts.failed = n,
                other => {
                    return Err(StoreError::Corrupt(format!(
                        "outbox_entries.status {other:?} is unknown"
                    )));
                }
            }
        }
        Ok(counts)
    }

    async fn get_offset(&self, channel: &str) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT read_offset FROM command_offsets WHERE channel = ?")
            .bind(channel)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error("read command offset"))
    }

    async fn put_offset(&self, channel: &str, offset: i64) -> Result<(), StoreError> {
        let mut writer = self.writer().await?;
        // Offsets never go back: a lower one leaves the stored one.
        sqlx::query(
            "INSERT INTO command_offsets (channel, read_offset) VALUES (?, ?) \
             ON CONFLICT (channel) DO UPDATE SET read_offset = excluded.read_offset \
             WHERE excluded.read_offset > command_offsets.read_offset",
        )
        .bind(channel)
        .bind(offset)
        .execute(&mut writer.get().conn)
        .await
        .map_err(db_error("put command offset"))?;
        Ok(())
    }

    async fn record_ignored(&self, record: &IgnoredCommand) -> Result<(), StoreError> {
        let mut writer = self.writer().await?;
        sqlx::query(
            "INSERT INTO ignored_commands \
                 (channel, update_id, chat_id, user_id, username, text, reason, at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&record.channel)
        .bind(record.update_id)
        .bind(record.chat_id)
        .bind(record.user_id)
        .bind(record.username.as_deref())
        .bind(&record.text)
        .bind(name(&record.reason))
        .bind(ts(&record.at))
        .execute(&mut writer.get().conn)
        .await
        .map_err(db_error("record ignored command"))?;
        Ok(())
    }

    async fn ignored_commands(&self, limit: u32) -> Result<Vec<IgnoredCommand>, StoreError> {
        let err = || db_error("read ignored commands");
        sqlx::query(
            "SELECT channel, update_id, chat_id, user_id, username, text, reason, at \
             FROM ignored_commands ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(err())?
        .iter()
        .map(|row| {
            let reason: String = row.try_get("reason").map_err(err())?;
            let at: String = row.try_get("at").map_err(err())?;
            Ok(IgnoredCommand {
                channel: row.try_get("channel").map_err(err())?,
                update_id: row.try_get("update_id").map_err(err())?,
                chat_id: row.try_get("chat_id").map_err(err())?,
                user_id: row.try_get("user_id").map_err(err())?,
                username: row.try_get("username").map_err(err())?,
                text: row.try_get("text").map_err(err())?,
                reason: from_name(&reason, "ignored_commands.reason")?,
                at: parse_ts(&at, "ignored_commands.at")?,
            })
        })
        .collect()
    }
}
