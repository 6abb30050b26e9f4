//! The SQLite harness for the conformance suite.

use std::sync::Mutex;

use domain::ports::OutboxEntry;
use sqlite::SqliteStore;
use store_conformance::{Harness, OutboxHarness, Tamper};
use tempfile::TempDir;

/// Each fresh store is a new file in its own temporary directory (removed with the harness).
#[derive(Debug, Default)]
pub struct SqliteHarness {
    dirs: Mutex<Vec<TempDir>>,
}

impl Harness for SqliteHarness {
    type Store = SqliteStore;

    async fn fresh(&self) -> SqliteStore {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("data").join("rampart.db");
        self.dirs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(dir);
        SqliteStore::open(&path)
            .await
            .expect("a new database opens")
    }

    async fn reopen(&self, store: SqliteStore) -> Option<SqliteStore> {
        let path = store.path().to_path_buf();
        store.close().await;
        drop(store);
        Some(
            SqliteStore::open(&path)
                .await
                .expect("our database reopens"),
        )
    }

    async fn tamper(&self, store: &SqliteStore, tamper: Tamper) -> bool {
        tamper_with(store, tamper).await;
        true
    }
}

/// Alters the file's audit trail the way someone with write access to it could:
/// drop the append-only triggers, then edit rows.
pub async fn tamper_with(store: &SqliteStore, tamper: Tamper) {
    let pool = store.pool();
    for trigger in ["audit_events_no_update", "audit_events_no_delete"] {
        sqlx::query(&format!("DROP TRIGGER IF EXISTS {trigger}"))
            .execute(pool)
            .await
            .expect("drop trigger");
    }
    match tamper {
        Tamper::FlipEventBit { seq, byte } => {
            let event: Vec<u8> =
                sqlx::query_scalar("SELECT CAST(event AS BLOB) FROM audit_events WHERE seq = ?")
                    .bind(i64::try_from(seq).expect("small seq"))
                    .fetch_one(pool)
                    .await
                    .expect("record exists");
            let flipped = store_conformance::property::flip_bit(&event, byte, false);
            sqlx::query("UPDATE audit_events SET event = CAST(? AS TEXT) WHERE seq = ?")
                .bind(flipped)
                .bind(i64::try_from(seq).expect("small seq"))
                .execute(pool)
                .await
                .expect("update");
        }
        Tamper::ZeroHash { seq } => {
            sqlx::query("UPDATE audit_events SET hash = ? WHERE seq = ?")
                .bind("0".repeat(64))
                .bind(i64::try_from(seq).expect("small seq"))
                .execute(pool)
                .await
                .expect("update");
        }
        Tamper::Delete { seq } => {
            // Projections point at the record; an attacker removes them too.
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
                sqlx::query(&format!("DELETE FROM {table} WHERE audit_seq = ?"))
                    .bind(i64::try_from(seq).expect("small seq"))
                    .execute(pool)
                    .await
                    .expect("delete projection");
            }
            sqlx::query(
                "UPDATE shadow_decisions SET resolved_seq = NULL, resolved_at = NULL, \
                 resolution_json = NULL WHERE resolved_seq = ?",
            )
            .bind(i64::try_from(seq).expect("small seq"))
            .execute(pool)
            .await
            .expect("unresolve");
            sqlx::query("DELETE FROM audit_events WHERE seq = ?")
                .bind(i64::try_from(seq).expect("small seq"))
                .execute(pool)
                .await
                .expect("delete");
        }
    }
}

impl OutboxHarness for SqliteHarness {
    type Outbox = SqliteStore;

    async fn fresh_outbox(&self) -> SqliteStore {
        self.fresh().await
    }

    async fn reopen_outbox(&self, store: SqliteStore) -> Option<SqliteStore> {
        self.reopen(store).await
    }

    async fn entry(&self, store: &SqliteStore, id: u64) -> Option<OutboxEntry> {
        store.outbox_entry(id).await.expect("read outbox entry")
    }
}
