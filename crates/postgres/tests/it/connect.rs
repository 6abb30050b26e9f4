//! Connecting: unreachable servers, redacted passwords, schemas that are not ours.

use domain::ports::{Store, StoreError};
use postgres::PostgresStore;

use crate::support::{harness, options, unique_schema};

#[tokio::test]
async fn an_unreachable_server_is_named_without_its_password() {
    // Port 1 on loopback: nothing listens there.
    let url = "postgres://rampart:s3cret-pw@127.0.0.1:1/rampart";
    let e = PostgresStore::connect_with(url, options(&unique_schema("unreach")))
        .await
        .expect_err("nothing listens on port 1");
    let text = e.to_string();
    assert!(matches!(e, StoreError::Unavailable(_)), "{text}");
    assert!(
        text.contains("postgres://rampart:***@127.0.0.1:1/rampart"),
        "{text}"
    );
    assert!(!text.contains("s3cret-pw"), "{text}");
}

#[tokio::test]
async fn a_malformed_url_is_named_without_its_password() {
    let e = PostgresStore::connect("postgres://u:pw-123@host:notaport/db")
        .await
        .expect_err("bad port");
    let text = e.to_string();
    assert!(text.contains("postgres://u:***@host:notaport/db"), "{text}");
    assert!(!text.contains("pw-123"), "{text}");
}

#[tokio::test]
async fn refuses_a_schema_holding_another_applications_tables() {
    let Some(h) = harness().await else { return };
    let schema = unique_schema("foreign");
    // Make the schema with someone else's table in it.
    let admin = PostgresStore::connect_with(&h.url, options(&unique_schema("admin")))
        .await
        .expect("admin");
    for sql in [
        format!("CREATE SCHEMA {schema}"),
        format!("CREATE TABLE {schema}.customers (id int primary key, name text)"),
        format!("INSERT INTO {schema}.customers VALUES (1, 'ana')"),
    ] {
        sqlx::query(&sql)
            .execute(admin.pool())
            .await
            .expect("setup");
    }
    let e = PostgresStore::connect_with(&h.url, options(&schema))
        .await
        .expect_err("foreign schema");
    assert!(
        matches!(&e, StoreError::Foreign(m) if m.contains("customers") && m.contains(&schema)),
        "{e}"
    );
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
    )
    .bind(&schema)
    .fetch_all(admin.pool())
    .await
    .expect("list");
    assert_eq!(
        tables,
        vec!["customers".to_string()],
        "nothing was created next to it"
    );
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(admin.pool())
        .await
        .expect("cleanup");
    admin.drop_schema().await.expect("cleanup");
}

#[tokio::test]
async fn refuses_a_schema_migrated_by_a_newer_rampart() {
    let Some(h) = harness().await else { return };
    let schema = unique_schema("newer");
    let store = PostgresStore::connect_with(&h.url, options(&schema))
        .await
        .expect("opens");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from the future', true, '\\x00', 0)",
    )
    .execute(store.pool())
    .await
    .expect("insert");
    store.close().await;
    let e = PostgresStore::connect_with(&h.url, options(&schema))
        .await
        .expect_err("newer");
    assert!(
        matches!(&e, StoreError::Foreign(m) if m.contains("99990101000000")),
        "{e}"
    );
    // Clean up through a store that can open: remove the future row first.
    let admin = PostgresStore::connect_with(&h.url, options(&unique_schema("admin")))
        .await
        .expect("admin");
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(admin.pool())
        .await
        .expect("cleanup");
    admin.drop_schema().await.expect("cleanup");
}

#[tokio::test]
async fn the_audit_trail_refuses_updates_deletes_and_truncation() {
    let Some(h) = harness().await else { return };
    let store = PostgresStore::connect_with(&h.url, options(&unique_schema("ro")))
        .await
        .expect("opens");
    store
        .append(&store_conformance::fixtures::nth_batch("x", 1))
        .await
        .expect("append");
    for sql in [
        "UPDATE audit_events SET event = '{}' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 1",
        "TRUNCATE audit_events CASCADE",
    ] {
        let e = sqlx::query(sql)
            .execute(store.pool())
            .await
            .expect_err("append-only");
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    store.drop_schema().await.expect("cleanup");
}
