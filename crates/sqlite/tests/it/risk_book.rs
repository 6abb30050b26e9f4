//! Schema version 3: the `risk_book_snapshots` and `account_breaches` projections, reading the
//! latest book from them, and upgrading a version-2 file in place.

use domain::ports::{Store, StoreError};
use serde_json::json;
use sqlite::SqliteStore;
use sqlx::Row;
use store_conformance::fixtures::{self, batch};

const V3: i64 = 20250101000003;

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
async fn a_new_database_has_version_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    // The full list of versions is pinned in outbox.rs (the latest migration).
    assert!(versions(&store).await.contains(&V3));
    store.close().await;
}

#[tokio::test]
async fn snapshots_and_breaches_are_projected_in_the_append() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    let book = fixtures::breached_risk_book(600);
    store
        .append(&batch(
            "e1",
            600,
            vec![
                fixtures::signal_event("BTC-USD", 600),
                fixtures::account_breach_event(600),
                fixtures::risk_book_event(book.clone()),
            ],
            json!(null),
        ))
        .await
        .expect("append");

    let row = sqlx::query(
        "SELECT audit_seq, at, phase, equity, balance, daily_floor, max_loss_floor, \
         daily_utilisation_pct, total_utilisation_pct, trading_days, status, book \
         FROM risk_book_snapshots",
    )
    .fetch_one(store.pool())
    .await
    .expect("one snapshot row");
    let text = |c: &str| row.try_get::<String, _>(c).expect(c);
    assert_eq!(row.try_get::<i64, _>("audit_seq").expect("seq"), 3);
    assert_eq!(text("at"), "2024-01-01T00:10:00.000000000Z");
    assert_eq!(text("phase"), "ftmo-2step-challenge");
    assert_eq!(text("equity"), "95399.12");
    assert_eq!(text("balance"), "100000.00");
    assert_eq!(text("daily_floor"), "95250.50");
    assert_eq!(text("max_loss_floor"), "90000");
    assert_eq!(text("daily_utilisation_pct"), "109.2017600");
    assert_eq!(text("total_utilisation_pct"), "-12.500");
    assert_eq!(row.try_get::<i64, _>("trading_days").expect("days"), 5);
    assert_eq!(text("status"), "halted");
    assert_eq!(
        serde_json::from_str::<domain::RiskBook>(&text("book")).expect("book parses"),
        book
    );

    let row = sqlx::query(
        "SELECT audit_seq, at, rules, rule, line, equity, floor, detail FROM account_breaches",
    )
    .fetch_one(store.pool())
    .await
    .expect("one breach row");
    let text = |c: &str| row.try_get::<String, _>(c).expect(c);
    assert_eq!(row.try_get::<i64, _>("audit_seq").expect("seq"), 2);
    assert_eq!(text("at"), "2024-01-01T00:10:00.000000000Z");
    assert_eq!(text("rules"), fixtures::RULES);
    assert_eq!(
        (text("rule"), text("line")),
        ("daily_loss".into(), "buffered".into())
    );
    assert_eq!(
        (text("equity"), text("floor")),
        ("95399.12".into(), "95500.00".into())
    );
    assert_eq!(
        serde_json::from_str::<domain::AccountBreach>(&text("detail")).expect("detail parses"),
        fixtures::account_breach(600)
    );
    store.close().await;
}

#[tokio::test]
async fn a_stored_book_that_does_not_parse_is_corrupt_naming_its_seq() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    store
        .append(&fixtures::nth_batch("x", 1))
        .await
        .expect("append");
    store
        .append(&batch(
            "book",
            600,
            vec![fixtures::risk_book_event(fixtures::risk_book(
                600, 10_000_000,
            ))],
            json!(null),
        ))
        .await
        .expect("append");
    // The projection is not append-only: someone with the file edits it.
    sqlx::query("UPDATE risk_book_snapshots SET book = '{\"at\": 1}' WHERE audit_seq = 2")
        .execute(store.pool())
        .await
        .expect("update");
    match store.latest_risk_book().await {
        Err(StoreError::Corrupt(m)) => assert!(m.contains("audit record 2 "), "{m}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    store.close().await;
}

#[tokio::test]
async fn a_version_2_database_is_upgraded_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(&dir).await;
    for n in 1..=3 {
        store
            .append(&fixtures::nth_batch("v2", n))
            .await
            .expect("append");
    }
    // Back to what version 2 left: no tables of versions 3 to 5, no record of them.
    for sql in [
        "DROP VIEW shadow_resolutions",
        "DROP TABLE shadow_decisions",
        "DROP TABLE weekly_reports",
        "DROP TABLE signoffs",
        "DELETE FROM _sqlx_migrations WHERE version = 20250101000005",
        "DROP TABLE outbox_entries",
        "DROP TABLE command_offsets",
        "DROP TABLE ignored_commands",
        "DELETE FROM _sqlx_migrations WHERE version = 20250101000004",
        "DROP TABLE risk_book_snapshots",
        "DROP TABLE account_breaches",
        "DELETE FROM _sqlx_migrations WHERE version = 20250101000003",
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
        .expect("a version-2 file opens");
    assert!(versions(&store).await.contains(&V3));
    assert_eq!(versions(&store).await.last(), Some(&20250101000006));
    assert_eq!(store.latest_risk_book().await, Ok(None));
    let book = fixtures::risk_book(600, 10_000_000);
    store
        .append(&batch(
            "book",
            600,
            vec![fixtures::risk_book_event(book.clone())],
            json!({"n": 4}),
        ))
        .await
        .expect("append");
    assert_eq!(store.latest_risk_book().await, Ok(Some(book)));
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    store.close().await;
}
