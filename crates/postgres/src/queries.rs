//! Orders, state, heartbeats, and the projections the port reads (signals, alerts, risk books).

use domain::ports::{Heartbeat, StoreError, fills_fall_short};
use domain::{Alert, AuditEvent, ClientOrderId, Fill, Order, RiskBook, Signal, Timestamp};
use sqlx::{PgPool, Row};

use crate::codec::{db_error, json, name, to_json};

pub(crate) async fn latest_state(pool: &PgPool) -> Result<Option<serde_json::Value>, StoreError> {
    let row = sqlx::query(
        "SELECT state FROM event_batches WHERE state IS NOT NULL ORDER BY batch_id DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await
    .map_err(db_error("read latest state"))?;
    match row {
        None => Ok(None),
        Some(row) => {
            let text: String = row
                .try_get("state")
                .map_err(db_error("read latest state"))?;
            json(&text, "state").map(Some)
        }
    }
}

/// The value of the top-level `key` in the latest state that has it.
pub(crate) async fn latest_state_part(
    pool: &PgPool,
    key: &str,
) -> Result<Option<serde_json::Value>, StoreError> {
    let row = sqlx::query(
        "SELECT (state::jsonb -> $1)::text AS part FROM event_batches \
         WHERE state IS NOT NULL AND state::jsonb ? $1 \
         ORDER BY batch_id DESC LIMIT 1",
    )
    .bind(key)
    .fetch_optional(pool)
    .await
    .map_err(db_error("read latest state part"))?;
    match row {
        None => Ok(None),
        Some(row) => {
            let text: Option<String> = row
                .try_get("part")
                .map_err(db_error("read latest state part"))?;
            match text {
                Some(text) => json(&text, "state").map(Some),
                None => Ok(None),
            }
        }
    }
}

/// Insert, or replace when symbol and side match; a mismatch is a conflict and writes nothing.
pub(crate) async fn put_order(pool: &PgPool, order: &Order) -> Result<(), StoreError> {
    let doing = format!("put order {}", order.client_order_id);
    let mut conn = pool.acquire().await.map_err(db_error(&doing))?;
    upsert_order(&mut conn, order).await
}

/// Insert, or replace when symbol and side match; a mismatch is a conflict and writes
/// nothing (inside a transaction, the caller's rollback undoes the rest).
pub(crate) async fn upsert_order(
    conn: &mut sqlx::PgConnection,
    order: &Order,
) -> Result<(), StoreError> {
    let doing = format!("put order {}", order.client_order_id);
    let body = to_json(order, "order")?;
    let done = sqlx::query(
        "INSERT INTO orders (client_order_id, venue_order_id, symbol, side, status, terminal, created_at, updated_at, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (client_order_id) DO UPDATE SET \
             venue_order_id = excluded.venue_order_id, status = excluded.status, \
             terminal = excluded.terminal, created_at = excluded.created_at, \
             updated_at = excluded.updated_at, body = excluded.body \
         WHERE orders.symbol = excluded.symbol AND orders.side = excluded.side",
    )
    .bind(order.client_order_id.as_str())
    .bind(order.venue_order_id.as_deref().map(|v| v.replace('\0', "\u{fffd}")))
    .bind(order.symbol.as_str())
    .bind(order.side.as_str())
    .bind(name(&order.status))
    .bind(order.status.is_terminal())
    .bind(order.created_at)
    .bind(order.updated_at)
    .bind(body)
    .execute(&mut *conn)
    .await
    .map_err(db_error(&doing))?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let existing = sqlx::query("SELECT symbol, side FROM orders WHERE client_order_id = $1")
        .bind(order.client_order_id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error(&doing))?;
    let (symbol, side): (String, String) = match existing {
        Some(row) => (
            row.try_get("symbol").map_err(db_error(&doing))?,
            row.try_get("side").map_err(db_error(&doing))?,
        ),
        None => (String::from("?"), String::from("?")),
    };
    Err(StoreError::Conflict(format!(
        "client order id {} exists for {symbol} {side}, not {} {}",
        order.client_order_id,
        order.symbol,
        order.side.as_str()
    )))
}

/// Terminal orders whose `filled_qty` is more than their stored fills add up to.
pub(crate) async fn unbooked_orders(pool: &PgPool) -> Result<Vec<Order>, StoreError> {
    let doing = "read terminal orders and their fills";
    let rows = sqlx::query(
        "SELECT o.body, \
                (SELECT array_agg(a.event::jsonb -> 'fill' ->> 'qty') \
                 FROM fills f JOIN audit_events a ON a.seq = f.audit_seq \
                 WHERE f.client_order_id = o.client_order_id) AS qtys \
         FROM orders o WHERE o.terminal ORDER BY o.client_order_id",
    )
    .fetch_all(pool)
    .await
    .map_err(db_error(doing))?;
    let mut out = Vec::new();
    for row in rows {
        let body: String = row.try_get("body").map_err(db_error(doing))?;
        let order: Order = json(&body, "order")?;
        if order.filled_qty.value().is_zero() {
            continue;
        }
        let qtys: Option<Vec<Option<String>>> = row.try_get("qtys").map_err(db_error(doing))?;
        if fills_fall_short(&order, qtys.unwrap_or_default().into_iter().flatten())? {
            out.push(order);
        }
    }
    Ok(out)
}

pub(crate) async fn order(pool: &PgPool, id: &ClientOrderId) -> Result<Option<Order>, StoreError> {
    let row = sqlx::query("SELECT body FROM orders WHERE client_order_id = $1")
        .bind(id.as_str())
        .fetch_optional(pool)
        .await
        .map_err(db_error("read order"))?;
    match row {
        None => Ok(None),
        Some(row) => {
            let body: String = row.try_get("body").map_err(db_error("read order"))?;
            json(&body, "order").map(Some)
        }
    }
}

pub(crate) async fn open_orders(pool: &PgPool) -> Result<Vec<Order>, StoreError> {
    sqlx::query("SELECT body FROM orders WHERE NOT terminal ORDER BY created_at, client_order_id")
        .fetch_all(pool)
        .await
        .map_err(db_error("read open orders"))?
        .iter()
        .map(|row| {
            let body: String = row.try_get("body").map_err(db_error("read open orders"))?;
            json(&body, "order")
        })
        .collect()
}

/// Keeps the newest beat per instance: an older `at` does not replace a newer one.
pub(crate) async fn put_heartbeat(pool: &PgPool, beat: &Heartbeat) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO heartbeats (instance, at, detail) VALUES ($1, $2, $3) \
         ON CONFLICT (instance) DO UPDATE SET at = excluded.at, detail = excluded.detail \
         WHERE excluded.at >= heartbeats.at",
    )
    .bind(beat.instance.replace('\0', "\u{fffd}"))
    .bind(beat.at)
    .bind(to_json(&beat.detail, "heartbeat detail")?)
    .execute(pool)
    .await
    .map_err(db_error("put heartbeat"))?;
    Ok(())
}

pub(crate) async fn last_heartbeat(
    pool: &PgPool,
    instance: &str,
) -> Result<Option<Heartbeat>, StoreError> {
    let err = || db_error("read heartbeat");
    let row = sqlx::query("SELECT at, detail FROM heartbeats WHERE instance = $1")
        .bind(instance.replace('\0', "\u{fffd}"))
        .fetch_optional(pool)
        .await
        .map_err(err())?;
    let Some(row) = row else { return Ok(None) };
    let detail: String = row.try_get("detail").map_err(err())?;
    Ok(Some(Heartbeat {
        instance: instance.to_string(),
        at: row.try_get("at").map_err(err())?,
        detail: json(&detail, "heartbeat detail")?,
    }))
}

/// The audit events of a projection table from `since` on, parsed.
///
/// TIMESTAMPTZ keeps microseconds, so the SQL filter is widened by one microsecond and
/// the exact comparison is made on the parsed event.
async fn projected(
    pool: &PgPool,
    table: &str,
    time_column: &str,
    since: Timestamp,
) -> Result<Vec<AuditEvent>, StoreError> {
    let doing = format!("read {table}");
    sqlx::query(&format!(
        "SELECT a.event FROM {table} p JOIN audit_events a ON a.seq = p.audit_seq \
         WHERE p.{time_column} >= $1 - interval '1 microsecond' ORDER BY p.{time_column}, p.audit_seq"
    ))
    .bind(since)
    .fetch_all(pool)
    .await
    .map_err(db_error(&doing))?
    .iter()
    .map(|row| {
        let event: String = row.try_get("event").map_err(db_error(&doing))?;
        json::<AuditEvent>(&event, "audit event")
    })
    .collect()
}

pub(crate) async fn signals_since(
    pool: &PgPool,
    since: Timestamp,
) -> Result<Vec<Signal>, StoreError> {
    let mut signals: Vec<Signal> = projected(pool, "signals", "ts", since)
        .await?
        .into_iter()
        .filter_map(|e| match e {
            AuditEvent::SignalGenerated { signal } if signal.ts >= since => Some(signal),
            _ => None,
        })
        .collect();
    signals.sort_by_key(|s| s.ts); // stable: append order within one instant
    Ok(signals)
}

pub(crate) async fn recent_alerts(
    pool: &PgPool,
    since: Timestamp,
) -> Result<Vec<Alert>, StoreError> {
    let mut alerts: Vec<Alert> = projected(pool, "alerts", "at", since)
        .await?
        .into_iter()
        .filter_map(|e| match e {
            AuditEvent::AlertRaised { alert } if alert.at >= since => Some(alert),
            _ => None,
        })
        .collect();
    alerts.sort_by_key(|a| a.at); // stable: append order within one instant
    Ok(alerts)
}

/// The book of the snapshot with the latest `at`, the later appended among equal times.
///
/// TIMESTAMPTZ keeps microseconds (cut, so order-preserving): every row of the latest
/// microsecond is read (index `risk_book_snapshots (at, audit_seq)`; one row but for ties)
/// and the exact comparison is made on the books' own times.
pub(crate) async fn latest_risk_book(pool: &PgPool) -> Result<Option<RiskBook>, StoreError> {
    let err = || db_error("read latest risk book");
    let rows = sqlx::query(
        "SELECT audit_seq, book FROM risk_book_snapshots \
         WHERE at = (SELECT max(at) FROM risk_book_snapshots) ORDER BY audit_seq",
    )
    .fetch_all(pool)
    .await
    .map_err(err())?;
    let mut latest: Option<RiskBook> = None;
    for row in rows {
        let audit_seq: i64 = row.try_get("audit_seq").map_err(err())?;
        let book: String = row.try_get("book").map_err(err())?;
        let book: RiskBook = serde_json::from_str(&book).map_err(|e| {
            StoreError::Corrupt(format!(
                "risk book snapshot of audit record {audit_seq} does not parse: {e}"
            ))
        })?;
        // In seq order: a later record with an equal time replaces an earlier one.
        if latest.as_ref().is_none_or(|l| book.at >= l.at) {
            latest = Some(book);
        }
    }
    Ok(latest)
}

/// The fills of one order from the `fills` projection, in append order.
pub(crate) async fn fills_of(pool: &PgPool, id: &ClientOrderId) -> Result<Vec<Fill>, StoreError> {
    let doing = format!("read fills of {id}");
    let mut fills = Vec::new();
    for row in sqlx::query(
        "SELECT a.event FROM fills p JOIN audit_events a ON a.seq = p.audit_seq \
         WHERE p.client_order_id = $1 ORDER BY p.audit_seq",
    )
    .bind(id.as_str())
    .fetch_all(pool)
    .await
    .map_err(db_error(&doing))?
    {
        let event: String = row.try_get("event").map_err(db_error(&doing))?;
        if let AuditEvent::OrderFilled { fill } = json::<AuditEvent>(&event, "audit event")? {
            fills.push(fill);
        }
    }
    Ok(fills)
}
