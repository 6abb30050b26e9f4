//! Schema version 5: the shadow evidence projections (`shadow_decisions`, `weekly_reports`,
//! `signoffs`), the queries reading them through their indexes, conflicts that name the
//! decision, and upgrading a version-4 file in place.

use domain::ports::{Store, StoreError};
use domain::{ActualOutcome, AuditEvent, ShadowCounts};
use serde_json::json;
use sqlite::SqliteStore;
use sqlx::Row;
use store_conformance::fixtures::{self, at, batch};

const V5: i64 = 20250101000005;
/// Orders stored with their batch (issue 22).
const V6: i64 = 20250101000006;

async fn fresh(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(dir.path().join("rampart.db"))
        .await
        .expect("opens")
}

async fn versions(store: &SqliteStore) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(store.pool())
        .await
        .expect("migrations table")
}

#[tokio::test]
async fn a_new_database_has_every_version_up_to_6() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    assert_eq!(
        versions(&store).await,
        vec![
            20250101000001,
            20250101000002,
            20250101000003,
            20250101000004,
            V5,
            V6
        ]
    );
    store.close().await;
}

#[tokio::test]
async fn shadow_evidence_is_projected_in_the_append() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    let decision = fixtures::shadow_decision_at("BTC-USD", at(600), ActualOutcome::NoIntent);
    let pending = fixtures::shadow_decision("ETH-USD", 660);
    let resolution = fixtures::shadow_resolution(&decision, 4_200);
    let signoff = fixtures::signoff("ana", "promote", 4_300);
    let report = fixtures::weekly_report(2024, 1, 4_400, "hold");
    store
        .append(&batch(
            "e1",
            600,
            vec![
                fixtures::shadow_recorded(&decision),
                fixtures::shadow_recorded(&pending),
            ],
            json!(null),
        ))
        .await
        .expect("append");
    store
        .append(&batch(
            "e2",
            4_400,
            vec![
                fixtures::shadow_resolved(&resolution),
                fixtures::signoff_event(&signoff),
                AuditEvent::WeeklyReportStored {
                    report: report.clone(),
                },
            ],
            json!(null),
        ))
        .await
        .expect("append");

    let row = sqlx::query(
        "SELECT id, audit_seq, at, symbol, strategy, outcome, decision_json, resolved_seq, \
         resolved_at, resolution_json FROM shadow_decisions WHERE audit_seq = 1",
    )
    .fetch_one(store.pool())
    .await
    .expect("the decision's row");
    let text = |c: &str| row.try_get::<String, _>(c).expect(c);
    assert_eq!(text("id"), decision.id);
    assert_eq!(text("at"), "2024-01-01T00:10:00.000000000Z");
    assert_eq!(
        (text("symbol"), text("strategy"), text("outcome")),
        ("BTC-USD".into(), "sma_cross".into(), "no_intent".into())
    );
    assert_eq!(
        serde_json::from_str::<domain::ShadowDecision>(&text("decision_json")).expect("parses"),
        decision
    );
    assert_eq!(row.try_get::<i64, _>("resolved_seq").expect("seq"), 3);
    assert_eq!(text("resolved_at"), "2024-01-01T01:10:00.000000000Z");
    assert_eq!(
        serde_json::from_str::<domain::ShadowResolution>(&text("resolution_json")).expect("parses"),
        resolution
    );
    let unresolved: Vec<String> =
        sqlx::query_scalar("SELECT id FROM shadow_decisions WHERE resolved_at IS NULL")
            .fetch_all(store.pool())
            .await
            .expect("pending rows");
    assert_eq!(unresolved, vec![pending.id.clone()]);

    let row = sqlx::query("SELECT audit_seq, by_name, note, at FROM signoffs")
        .fetch_one(store.pool())
        .await
        .expect("one signoff row");
    assert_eq!(row.try_get::<i64, _>("audit_seq").expect("seq"), 4);
    assert_eq!(row.try_get::<String, _>("by_name").expect("by"), "ana");

    let row = sqlx::query(
        "SELECT year, week, audit_seq, week_ending, generated_at, body FROM weekly_reports",
    )
    .fetch_one(store.pool())
    .await
    .expect("one weekly row");
    assert_eq!(
        (
            row.try_get::<i64, _>("year").expect("year"),
            row.try_get::<i64, _>("week").expect("week"),
            row.try_get::<i64, _>("audit_seq").expect("seq"),
        ),
        (2024, 1, 5)
    );
    assert_eq!(
        row.try_get::<String, _>("week_ending")
            .expect("week_ending"),
        "2024-01-07"
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&row.try_get::<String, _>("body").expect("body"))
            .expect("parses"),
        report.body
    );
    assert_eq!(
        store.shadow_counts(at(0), at(630)).await,
        Ok(ShadowCounts {
            in_range: 1,
            pending: 1,
            total: 2,
            pending_in_range: 0,
        })
    );
    store.close().await;
}

/// The queries use the version-5 indexes: no scan of `shadow_decisions` for a time range or
/// the pending rows, the primary key for the newest weeks.
#[tokio::test]
async fn shadow_queries_use_their_indexes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    let plan = |sql: &'static str| {
        let pool = store.pool().clone();
        async move {
            sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
                .fetch_all(&pool)
                .await
                .expect("explain")
                .iter()
                .map(|row| row.try_get::<String, _>("detail").expect("detail"))
                .collect::<Vec<_>>()
                .join("; ")
        }
    };
    let range = plan(
        "SELECT id FROM shadow_decisions WHERE at >= '2024' AND at < '2025' ORDER BY at, audit_seq",
    )
    .await;
    assert!(range.contains("USING INDEX shadow_decisions_at"), "{range}");
    assert!(!range.contains("TEMP B-TREE"), "{range}");
    let pending = plan("SELECT count(*) FROM shadow_decisions WHERE resolved_at IS NULL").await;
    assert!(pending.contains("shadow_decisions_pending"), "{pending}");
    let weeks =
        plan("SELECT audit_seq FROM weekly_reports ORDER BY year DESC, week DESC LIMIT 3").await;
    assert!(!weeks.contains("TEMP B-TREE"), "{weeks}");
    store.close().await;
}

#[tokio::test]
async fn conflicts_name_the_decision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    let decision = fixtures::shadow_decision("BTC-USD", 60);
    let unknown = fixtures::shadow_decision("SOL-USD", 60);
    store
        .append(&batch(
            "e1",
            60,
            vec![fixtures::shadow_recorded(&decision)],
            json!(null),
        ))
        .await
        .expect("append");
    let conflict = |events| {
        let store = &store;
        async move {
            match store.append(&batch("e2", 120, events, json!(null))).await {
                Err(StoreError::Conflict(m)) => m,
                other => panic!("expected a Conflict, got {other:?}"),
            }
        }
    };
    let m = conflict(vec![fixtures::shadow_recorded(&decision)]).await;
    assert!(
        m.contains("recorded twice") && m.contains(&decision.id),
        "{m}"
    );
    let m = conflict(vec![fixtures::shadow_resolved(
        &fixtures::shadow_resolution(&unknown, 120),
    )])
    .await;
    assert!(
        m.contains("no such shadow decision") && m.contains(&unknown.id),
        "{m}"
    );
    let resolve = fixtures::shadow_resolved(&fixtures::shadow_resolution(&decision, 120));
    let m = conflict(vec![resolve.clone(), resolve]).await;
    assert!(
        m.contains("already resolved") && m.contains(&decision.id),
        "{m}"
    );
    store.close().await;
}

#[tokio::test]
async fn a_stored_decision_that_does_not_parse_is_corrupt_naming_its_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    let decision = fixtures::shadow_decision("BTC-USD", 60);
    store
        .append(&batch(
            "e1",
            60,
            vec![
                fixtures::shadow_recorded(&decision),
                fixtures::shadow_resolved(&fixtures::shadow_resolution(&decision, 120)),
            ],
            json!(null),
        ))
        .await
        .expect("append");
    // The projection is not append-only: someone with the file edits it.
    for (column, what) in [
        ("resolution_json", "stored resolution of shadow decision"),
        ("decision_json", "stored shadow decision"),
    ] {
        sqlx::query(&format!(
            "UPDATE shadow_decisions SET {column} = '{{\"at\": 1}}'"
        ))
        .execute(store.pool())
        .await
        .expect("update");
        match store.shadow_records(at(0), at(1_000)).await {
            Err(StoreError::Corrupt(m)) => {
                assert!(m.contains(&format!("{what} {} ", decision.id)), "{m}")
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
    store.close().await;
}

#[tokio::test]
async fn a_version_4_database_is_upgraded_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    for n in 1..=3 {
        store
            .append(&fixtures::nth_batch("v4", n))
            .await
            .expect("append");
    }
    // Back to what version 4 left: no objects of version 5, no record of it.
    for sql in [
        "DROP VIEW shadow_resolutions",
        "DROP TABLE shadow_decisions",
        "DROP TABLE weekly_reports",
        "DROP TABLE signoffs",
        "DELETE FROM _sqlx_migrations WHERE version = 20250101000005",
    ] {
        sqlx::query(sql)
            .execute(store.pool())
            .await
            .expect("downgrade");
    }
    let path = store.path().to_path_buf();
    store.close().await;
    drop(store);

    let store = SqliteStore::open(&path)
        .await
        .expect("a version-4 file opens");
    assert_eq!(versions(&store).await.last(), Some(&V6));
    assert_eq!(
        store.shadow_counts(at(0), at(1_000)).await,
        Ok(ShadowCounts::default())
    );
    let decision = fixtures::shadow_decision("BTC-USD", 600);
    store
        .append(&batch(
            "shadow",
            600,
            vec![fixtures::shadow_recorded(&decision)],
            json!({"n": 4}),
        ))
        .await
        .expect("append");
    assert_eq!(
        store.shadow_counts(at(0), at(1_000)).await,
        Ok(ShadowCounts {
            in_range: 1,
            pending: 1,
            total: 1,
            pending_in_range: 1,
        })
    );
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    store.close().await;
}
