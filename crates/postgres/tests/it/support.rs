//! The PostgreSQL harness: server discovery, one schema per store, tampering.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use domain::ports::OutboxEntry;
use postgres::{PostgresOptions, PostgresStore};
use store_conformance::{Harness, OutboxHarness, Tamper};

/// The server used when `DATABASE_URL` is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// `DATABASE_URL` or the default.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_URL.to_string())
}

/// A schema name unique to this process and call.
pub fn unique_schema(tag: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("rampart_t_{tag}_{}_{n}", std::process::id())
}

/// Options for a test store in `schema`.
pub fn options(schema: &str) -> PostgresOptions {
    PostgresOptions {
        schema: Some(schema.to_string()),
        max_connections: 3,
        connect_timeout: Duration::from_secs(3),
    }
}

/// A harness when the server answers; `None` (with a notice, once per process) when it
/// does not, or a panic when `REQUIRE_POSTGRES=1`.
pub async fn harness() -> Option<PgHarness> {
    static REACHABLE: OnceLock<Result<(), String>> = OnceLock::new();
    let url = database_url();
    let reachable = match REACHABLE.get() {
        Some(known) => known.clone(),
        None => {
            let probe = PostgresStore::connect_with(&url, options(&unique_schema("probe"))).await;
            let result = match probe {
                Ok(store) => store.drop_schema().await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = &result
                && REACHABLE.set(result.clone()).is_ok()
                && !require_postgres()
            {
                // Straight to stderr: libtest would swallow eprintln! of a passing test.
                let _ = writeln!(
                    std::io::stderr(),
                    "NOTICE: PostgreSQL tests SKIPPED: {e}. Set DATABASE_URL, or REQUIRE_POSTGRES=1 to fail instead."
                );
            }
            result
        }
    };
    match reachable {
        Ok(()) => Some(PgHarness { url }),
        Err(e) if require_postgres() => {
            panic!("REQUIRE_POSTGRES=1 but PostgreSQL is not usable: {e}")
        }
        Err(_) => None,
    }
}

fn require_postgres() -> bool {
    std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v.trim() == "1")
}

/// Each fresh store lives in a new schema of the test database.
#[derive(Debug)]
pub struct PgHarness {
    pub url: String,
}

impl Harness for PgHarness {
    type Store = PostgresStore;

    async fn fresh(&self) -> PostgresStore {
        PostgresStore::connect_with(&self.url, options(&unique_schema("c")))
            .await
            .expect("a new schema opens")
    }

    async fn reopen(&self, store: PostgresStore) -> Option<PostgresStore> {
        let schema = store
            .schema()
            .expect("test stores have a schema")
            .to_string();
        store.close().await;
        drop(store);
        Some(
            PostgresStore::connect_with(&self.url, options(&schema))
                .await
                .expect("our schema reopens"),
        )
    }

    async fn tamper(&self, store: &PostgresStore, tamper: Tamper) -> bool {
        tamper_with(store, tamper).await;
        true
    }

    async fn dispose(&self, store: PostgresStore) {
        store.drop_schema().await.expect("drop schema");
    }
}

impl OutboxHarness for PgHarness {
    type Outbox = PostgresStore;

    async fn fresh_outbox(&self) -> PostgresStore {
        self.fresh().await
    }

    async fn reopen_outbox(&self, store: PostgresStore) -> Option<PostgresStore> {
        self.reopen(store).await
    }

    async fn entry(&self, store: &PostgresStore, id: u64) -> Option<OutboxEntry> {
        store.outbox_entry(id).await.expect("read outbox entry")
    }

    async fn dispose_outbox(&self, store: PostgresStore) {
        self.dispose(store).await;
    }
}

/// Alters the trail the way a database superuser could: disable the append-only
/// triggers, then edit rows.
pub async fn tamper_with(store: &PostgresStore, tamper: Tamper) {
    let mut tx = store.pool().begin().await.expect("begin");
    for sql in [
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate",
    ] {
        sqlx::query(sql)
            .execute(&mut *tx)
            .await
            .expect("disable trigger");
    }
    match tamper {
        Tamper::FlipEventBit { seq, byte } => {
            let event: String = sqlx::query_scalar("SELECT event FROM audit_events WHERE seq = $1")
                .bind(i64::try_from(seq).expect("small seq"))
                .fetch_one(&mut *tx)
                .await
                .expect("record exists");
            let flipped = store_conformance::property::flip_bit(event.as_bytes(), byte, true);
            let flipped = String::from_utf8(flipped).expect("flip_bit keeps UTF-8 when asked");
            sqlx::query("UPDATE audit_events SET event = $1 WHERE seq = $2")
                .bind(flipped)
                .bind(i64::try_from(seq).expect("small seq"))
                .execute(&mut *tx)
                .await
                .expect("update");
        }
        Tamper::ZeroHash { seq } => {
            sqlx::query("UPDATE audit_events SET hash = $1 WHERE seq = $2")
                .bind("0".repeat(64))
                .bind(i64::try_from(seq).expect("small seq"))
                .execute(&mut *tx)
                .await
                .expect("update");
        }
        Tamper::Delete { seq } => {
            for table in [
                "signals",
                "alerts",
                "fills",
                "job_runs",
                "kill_switch_events",
                "capital_preservation_state",
                "decision_reasons",
                "decisions",
                "account_breaches",
                "risk_book_snapshots",
                "shadow_decisions",
                "weekly_reports",
                "signoffs",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE audit_seq = $1"))
                    .bind(i64::try_from(seq).expect("small seq"))
                    .execute(&mut *tx)
                    .await
                    .expect("delete projection");
            }
            sqlx::query(
                "UPDATE shadow_decisions SET resolved_seq = NULL, resolved_at = NULL, \
                 resolution_json = NULL WHERE resolved_seq = $1",
            )
            .bind(i64::try_from(seq).expect("small seq"))
            .execute(&mut *tx)
            .await
            .expect("unresolve");
            sqlx::query("DELETE FROM audit_events WHERE seq = $1")
                .bind(i64::try_from(seq).expect("small seq"))
                .execute(&mut *tx)
                .await
                .expect("delete");
        }
    }
    tx.commit().await.expect("commit");
}
