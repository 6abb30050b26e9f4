//! [`PostgresStore`]: the `Store` port on a PostgreSQL database (or one schema of it).

use async_trait::async_trait;
use domain::ports::{
    AuditRecord, AuditVerification, DailyReport, EventBatch, Heartbeat, OperatorCommand,
    OperatorRequest, OutboxEntry, Store, StoreError,
};
use domain::{
    Actor, Alert, ClientOrderId, Fill, Order, RiskBook, ShadowCounts, ShadowRecord, Signal,
    Signoff, Timestamp, WeeklyReport,
};
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::{Connection, Executor};

use crate::connect::{PostgresOptions, Shown, first_contact, open_pool};
use crate::{append, audit, outbox, queries, requests, shadow};

/// The shared system of record.
#[derive(Debug)]
pub struct PostgresStore {
    pub(crate) pool: PgPool,
    connect: PgConnectOptions,
    options: PostgresOptions,
    shown: Shown,
}

impl PostgresStore {
    /// Connects to `url` (e.g. `postgres://rampart@127.0.0.1:5432/rampart`) and applies
    /// the migrations. Errors name the URL with its password redacted.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PostgresOptions::default()).await
    }

    /// Connects with explicit options (a schema of its own, pool size, timeout).
    pub async fn connect_with(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let (pool, connect, shown) = open_pool(url, &options).await?;
        Ok(Self {
            pool,
            connect,
            options,
            shown,
        })
    }

    /// The URL, password redacted.
    pub fn url(&self) -> &str {
        &self.shown.url
    }

    pub(crate) fn connect_options(&self) -> &PgConnectOptions {
        &self.connect
    }

    pub(crate) fn options(&self) -> &PostgresOptions {
        &self.options
    }

    pub(crate) fn shown(&self) -> &Shown {
        &self.shown
    }

    /// The schema option this store was opened with.
    pub fn schema(&self) -> Option<&str> {
        self.options.schema.as_deref()
    }

    /// The connection pool, for adapter-level tests and maintenance tools.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// One outbox entry in any delivery state (`AlertOutbox::pending` returns only the
    /// pending ones), for tests and status pages; `None` for an id never enqueued.
    pub async fn outbox_entry(&self, id: u64) -> Result<Option<OutboxEntry>, StoreError> {
        outbox::one(&self.pool, id).await
    }

    /// Closes every connection; the store is unusable afterwards.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Closes the store and drops its schema with everything in it (test cleanup).
    /// Does nothing to the database when no schema option was set.
    pub async fn drop_schema(self) -> Result<(), StoreError> {
        self.pool.close().await;
        let Some(schema) = &self.options.schema else {
            return Ok(());
        };
        let mut conn = first_contact(&self.connect, &self.options, &self.shown).await?;
        let dropped = conn
            .execute(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE").as_str())
            .await;
        let _ = conn.close().await;
        dropped.map(|_| ()).map_err(|e| {
            StoreError::Backend(format!(
                "cannot drop schema {schema} in {}: {}",
                self.shown.url,
                self.shown.scrub(e)
            ))
        })
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn close(&self) {
        PostgresStore::close(self).await;
    }

    async fn append(&self, batch: &EventBatch) -> Result<bool, StoreError> {
        append::append(&self.pool, batch).await
    }

    async fn latest_state(&self) -> Result<Option<serde_json::Value>, StoreError> {
        queries::latest_state(&self.pool).await
    }

    async fn latest_state_part(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        queries::latest_state_part(&self.pool, key).await
    }

    async fn put_order(&self, order: &Order) -> Result<(), StoreError> {
        queries::put_order(&self.pool, order).await
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
        queries::put_heartbeat(&self.pool, heartbeat).await
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
        requests::enqueue(&self.pool, command, actor, at).await
    }

    async fn pending_requests(&self) -> Result<Vec<OperatorRequest>, StoreError> {
        requests::pending(&self.pool).await
    }

    async fn request(&self, id: u64) -> Result<Option<(OperatorRequest, bool)>, StoreError> {
        requests::one(&self.pool, id).await
    }

    async fn put_daily_report(&self, report: &DailyReport) -> Result<(), StoreError> {
        requests::put_daily_report(&self.pool, report).await
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
