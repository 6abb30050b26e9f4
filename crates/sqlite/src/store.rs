//! [`SqliteStore`]: the `Store` port on one SQLite file.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use domain::ports::{
    AuditRecord, AuditVerification, ChainHead, DailyReport, EventBatch, Heartbeat, OperatorCommand,
    OperatorRequest, OutboxEntry, Store, StoreError,
};
use domain::{
    Actor, Alert, ClientOrderId, Fill, Order, RiskBook, ShadowCounts, ShadowRecord, Signal,
    Signoff, Timestamp, WeeklyReport,
};
use sqlx::{Connection, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, MutexGuard};

use crate::open::{SqliteOptions, open_pool};
use crate::{append, audit, outbox, queries, requests, shadow};

/// The embedded system of record.
#[derive(Debug)]
pub struct SqliteStore {
    /// Readers.
    pub(crate) pool: SqlitePool,
    /// The one connection this process writes through: serialises its writes (other
    /// processes wait on SQLite's lock) and saves a pool checkout per write. `None` once closed.
    writer: Mutex<Option<Writer>>,
    path: PathBuf,
    /// The database and WAL files opened (see `files`).
    pub(crate) files: std::sync::Mutex<crate::files::OpenedFiles>,
}

impl SqliteStore {
    /// Opens the database at `path` with the default options (durable commits),
    /// creating it and its directory if missing; refuses a file that is not Rampart's.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// Opens the database at `path` with explicit options.
    pub async fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let (pool, writer) = open_pool(&path, &options).await?;
        let files = crate::files::OpenedFiles {
            database: crate::files::FileId::of(&path),
            wal: crate::files::FileId::of(&crate::files::wal_path(&path)),
        };
        Ok(Self {
            files: std::sync::Mutex::new(files),
            pool,
            writer: Mutex::new(Some(Writer {
                conn: writer,
                head: None,
                in_doubt: false,
            })),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checkpoints the WAL into the database file (so the file alone is a complete copy)
    /// and closes every connection; the store is unusable afterwards.
    pub async fn close(&self) {
        let writer = self.writer.lock().await.take();
        self.pool.close().await;
        if let Some(mut writer) = writer {
            writer.recover().await;
            // Best effort: a reader of another process may hold the WAL; nothing is lost then.
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut writer.conn)
                .await;
            let _ = writer.conn.close().await;
        }
    }

    /// The writer, exclusively, cleaned up if an earlier write was interrupted.
    pub(crate) async fn writer(&self) -> Result<WriterGuard<'_>, StoreError> {
        let mut guard = self.writer.lock().await;
        match guard.as_mut() {
            None => Err(StoreError::Unavailable(format!(
                "SQLite store {} is closed",
                self.path.display()
            ))),
            Some(writer) => {
                writer.recover().await;
                Ok(WriterGuard(guard))
            }
        }
    }

    /// The connection pool, for adapter-level tests and maintenance tools.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// One outbox entry in any delivery state (`AlertOutbox::pending` returns only the
    /// pending ones), for tests and status pages; `None` for an id never enqueued.
    pub async fn outbox_entry(&self, id: u64) -> Result<Option<OutboxEntry>, StoreError> {
        outbox::one(&self.pool, id).await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn close(&self) {
        SqliteStore::close(self).await;
    }

    async fn append(&self, batch: &EventBatch) -> Result<bool, StoreError> {
        append::append(self, batch).await
    }

    async fn latest_state(&self) -> Result<Option<serde_json::Value>, StoreError> {
        queries::latest_state(&self.pool).await
    }

    async fn latest_state_part(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        queries::latest_state_part(&self.pool, key).await
    }

    async fn put_order(&self, order: &Order) -> Result<(), StoreError> {
        let mut writer = self.writer().await?;
        queries::put_order(&mut writer.get().conn, order).await
    }

    async fn order(&self, id: &ClientOrderId) -> Result<Option<Order>, StoreError> {
        queries::order(&self.pool, id).await
    }

    async fn open_orders(&self) -> Result<Vec<Order>, StoreError> {
        queries::open_orders(&self.pool).await
    }

    async fn unbooked_orders(&self) -> Result<Vec<Order>, StoreError> {
        queries::unbooked_orders(&self.pool).await
    }

    async fn check_storage(&self) -> Result<(), StoreError> {
        self.check_files().await
    }

    async fn check_integrity(&self) -> Result<(), StoreError> {
        queries::quick_check(&self.pool, &self.path).await
    }

    async fn audit_tail(&self) -> Result<Option<AuditRecord>, StoreError> {
        audit::tail(&self.pool).await
    }

    async fn audit_events(
        &self,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        audit::events(&self.pool, after_seq, limit).await
    }

    async fn verify_audit(&self) -> Result<AuditVerification, StoreError> {
        audit::verify(&self.pool).await
    }

    async fn put_heartbeat(&self, heartbeat: &Heartbeat) -> Result<(), StoreError> {
        let mut writer = self.writer().await?;
        queries::put_heartbeat(&mut writer.get().conn, heartbeat).await
    }

    async fn last_heartbeat(&self, instance: &str) -> Result<Option<Heartbeat>, StoreError> {
        queries::last_heartbeat(&self.pool, instance).await
    }

    async fn enqueue_request(
        &self,
        command: &OperatorCommand,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<u64, StoreError> {
        let mut writer = self.writer().await?;
        requests::enqueue(&mut writer.get().conn, command, actor, at).await
    }

    async fn pending_requests(&self) -> Result<Vec<OperatorRequest>, StoreError> {
        requests::pending(&self.pool).await
    }

    async fn request(&self, id: u64) -> Result<Option<(OperatorRequest, bool)>, StoreError> {
        requests::one(&self.pool, id).await
    }

    async fn put_daily_report(&self, report: &DailyReport) -> Result<(), StoreError> {
        let mut writer = self.writer().await?;
        requests::put_daily_report(&mut writer.get().conn, report).await
    }

    async fn daily_reports(&self, limit: u32) -> Result<Vec<DailyReport>, StoreError> {
        requests::daily_reports(&self.pool, limit).await
    }

    async fn events_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        audit::between(&self.pool, from, to).await
    }

    async fn signals_since(&self, since: Timestamp) -> Result<Vec<Signal>, StoreError> {
        queries::signals_since(&self.pool, since).await
    }

    async fn recent_alerts(&self, since: Timestamp) -> Result<Vec<Alert>, StoreError> {
        queries::recent_alerts(&self.pool, since).await
    }

    async fn fills_of(&self, id: &ClientOrderId) -> Result<Vec<Fill>, StoreError> {
        queries::fills_of(&self.pool, id).await
    }

    async fn latest_risk_book(&self) -> Result<Option<RiskBook>, StoreError> {
        queries::latest_risk_book(&self.pool).await
    }

    async fn shadow_records(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ShadowRecord>, StoreError> {
        shadow::records(&self.pool, from, to).await
    }

    async fn shadow_counts(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ShadowCounts, StoreError> {
        shadow::counts(&self.pool, from, to).await
    }

    async fn pending_shadow_decisions(&self) -> Result<Vec<domain::ShadowDecision>, StoreError> {
        shadow::pending(&self.pool).await
    }

    async fn signoffs(&self) -> Result<Vec<Signoff>, StoreError> {
        shadow::signoffs(&self.pool).await
    }

    async fn weekly_reports(&self, limit: u32) -> Result<Vec<WeeklyReport>, StoreError> {
        shadow::weekly_reports(&self.pool, limit).await
    }
}

/// The write side of the store: one connection and what it knows about the chain.
#[derive(Debug)]
pub(crate) struct Writer {
    pub(crate) conn: SqliteConnection,
    /// The chain head as of this writer's last commit; `None` when unknown (start, after a
    /// failure, or when another process appended meanwhile). The database refuses records
    /// that do not link to the real head, so a stale value costs a retry, never a fork.
    pub(crate) head: Option<ChainHead>,
    /// A write was sent and its outcome not seen (the future was dropped): the connection
    /// may sit inside an open transaction.
    pub(crate) in_doubt: bool,
}

impl Writer {
    /// Rolls back a transaction left open by a failed or interrupted write, and forgets
    /// the head.
    pub(crate) async fn recover(&mut self) {
        if self.in_doubt {
            // Errors "no transaction is active" when nothing was open: harmless.
            let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
            self.head = None;
            self.in_doubt = false;
        }
    }
}

/// Exclusive access to the open writer.
pub(crate) struct WriterGuard<'a>(MutexGuard<'a, Option<Writer>>);

impl WriterGuard<'_> {
    /// The writer (checked open when the guard was made).
    pub(crate) fn get(&mut self) -> &mut Writer {
        self.0
            .as_mut()
            .expect("WriterGuard is only made while the writer is open")
    }
}
