//! Orders, state, heartbeats, and the projections the port reads (signals, alerts, risk books).

use domain::ports::{Heartbeat, StoreError, fills_fall_short};
use domain::{Alert, AuditEvent, ClientOrderId, Fill, Order, RiskBook, Signal, Timestamp};
use sqlx::{Row, SqliteConnection, SqlitePool};

use crate::codec::{db_error, json, name, parse_ts, to_json, ts};

pub(crate) async fn latest_state(
    pool: &SqlitePool,
) -> Result<Option<serde_json::Value>, StoreError> {
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
    pool: &SqlitePool,
    key: &str,
) -> Result<Option<serde_json::Value>, StoreError> {
    let row = sqlx::query(
        "SELECT state -> ('$.' || json_quote(?)) AS part FROM event_batches \
         WHERE state IS NOT NULL AND json_type(state, '$.' || json_quote(?)) IS NOT NULL \
         ORDER BY batch_id DESC LIMIT 1",
    )
    .bind(key)
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
pub(crate) async fn put_order(
    conn: &mut SqliteConnection,
    order: &Order,
) -> Result<(), StoreError> {
    let doing = format!("put order {}", order.client_order_id);
    let body = to_json(order, "order")?;
    let done = sqlx::query(
        "INSERT INTO orders (client_order_id, venue_order_id, symbol, side, status, terminal, created_at, updated_at, body) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (client_order_id) DO UPDATE SET \
             venue_order_id = excluded.venue_order_id, status = excluded.status, \
             terminal = excluded.terminal, created_at = excluded.created_at, \
             updated_at = excluded.updated_at, body = excluded.body \
         WHERE orders.symbol = excluded.symbol AND orders.side = excluded.side",
    )
    .bind(order.client_order_id.as_str())
    .bind(order.venue_order_id.as_deref())
    .bind(order.symbol.as_str())
    .bind(order.side.as_str())
    .bind(name(&order.status))
    .bind(order.status.is_terminal())
    .bind(ts(&order.created_at))
    .bind(ts(&order.updated_at))
    .bind(body)
    .execute(&mut *conn)
    .await
    .map_err(db_error(&doing))?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let existing = sqlx::query("SELECT symbol, side FROM orders WHERE client_order_id = ?")
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

pub(crate) async fn order(
    pool: &SqlitePool,
    id: &ClientOrderId,
) -> Result<Option<Order>, StoreError> {
    let row = sqlx::query("SELECT body FROM orders WHERE client_order_id = ?")
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

pub(crate) async fn open_orders(pool: &SqlitePool) -> Result<Vec<Order>, StoreError> {
    sqlx::query("SELECT body FROM orders WHERE terminal = 0 ORDER BY created_at, client_order_id")
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

/// `PRAGMA quick_check`: every page of the file is read and its b-tree structure checked
/// (not index contents; `integrity_check` does that, in O(N log N)).
pub(crate) async fn quick_check(
    pool: &SqlitePool,
    path: &std::path::Path,
) -> Result<(), StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as("PRAGMA quick_check(5)")
        .fetch_all(pool)
        .await
        .map_err(|e| {
            StoreError::Corrupt(format!(
                "{}: the integrity check could not read the file: {e}",
                path.display()
            ))
        })?;
    let problems: Vec<String> = rows
        .into_iter()
        .flat_map(|(r,)| {
            r.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("***"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    if problems.len() == 1 && problems[0] == "ok" {
        return Ok(());
    }
    Err(StoreError::Corrupt(format!(
        "{}: the integrity check found damaged pages: {}",
        path.display(),
        problems.join("; ")
    )))
}

/// Terminal orders whose `filled_qty` is more than their stored fills add up to.
pub(crate) async fn unbooked_orders(pool: &SqlitePool) -> Result<Vec<Order>, StoreError> {
    let doing = "read terminal orders and their fills";
    let rows = sqlx::query(
        "SELECT o.client_order_id, o.body, \
                (SELECT json_group_array(json_extract(a.event, '$.fill.qty')) \
                 FROM fills f JOIN audit_events a ON a.seq = f.audit_seq \
                 WHERE f.client_order_id = o.client_order_id) AS qtys \
         FROM orders o WHERE o.terminal = 1 ORDER BY o.client_order_id",
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
        let qtys: Option<String> = row.try_get("qtys").map_err(db_error(doing))?;
        let qtys: Vec<serde_json::Value> = match qtys {
            Some(text) => json(&text, "fill quantities")?,
            None => Vec::new(),
        };
        let texts = qtys.into_iter().map(|qty| match qty {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        });
        if fills_fall_short(&order, texts)? {
            out.push(order);
        }
    }
    Ok(out)
}

/// Keeps the newest beat per instance: an older `at` does not replace a newer one.
pub(crate) async fn put_heartbeat(
    conn: &mut SqliteConnection,
    beat: &Heartbeat,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO heartbeats (instance, at, detail) VALUES (?, ?, ?) \
         ON CONFLICT (instance) DO UPDATE SET at = excluded.at, detail = excluded.detail \
         WHERE excluded.at >= heartbeats.at",
    )
    .bind(&beat.instance)
    .bind(ts(&beat.at))
    .bind(to_json(&beat.detail, "heartbeat detail")?)
    .execute(conn)
    .await
    .map_err(db_error("put heartbeat"))?;
    Ok(())
}

pub(crate) async fn last_heartbeat(
    pool: &SqlitePool,
    instance: &str,
) -> Result<Option<Heartbeat>, StoreError> {
    let err = || db_error("read heartbeat");
    let row = sqlx::query("SELECT at, detail FROM heartbeats WHERE instance = ?")
        .bind(instance)
        .fetch_optional(pool)
        .await
        .map_err(err())?;
    let Some(row) = row else { return Ok(None) };
    let at: String = row.try_get("at").map_err(err())?;
    let detail: String = row.try_get("detail").map_err(err())?;
    Ok(Some(Heartbeat {
        instance: instance.to_string(),
        at: parse_ts(&at, "heartbeats.at")?,
        detail: json(&detail, "heartbeat detail")?,
    }))
}

/// The audit events of a projection table from `since` on, parsed.
async fn projected(
    pool: &SqlitePool,
    table: &str,
    time_column: &str,
    since: Timestamp,
) -> Result<Vec<AuditEvent>, StoreError> {
    let doing = format!("read {table}");
    sqlx::query(&format!(
        "SELECT a.seq, a.event FROM {table} p JOIN audit_events a ON a.seq = p.audit_seq \
         WHERE p.{time_column} >= ? ORDER BY p.{time_column}, p.audit_seq"
    ))
    .bind(ts(&since))
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
    pool: &SqlitePool,
    since: Timestamp,
) -> Result<Vec<Signal>, StoreError> {
    Ok(projected(pool, "signals", "ts", since)
        .await?
        .into_iter()
        .filter_map(|e| match e {
            AuditEvent::SignalGenerated { signal } => Some(signal),
            _ => None,
        })
        .collect())
}

pub(crate) async fn recent_alerts(
    pool: &SqlitePool,
    since: Timestamp,
) -> Result<Vec<Alert>, StoreError> {
    Ok(projected(pool, "alerts", "at", since)
        .await?
        .into_iter()
        .filter_map(|e| match e {
            AuditEvent::AlertRaised { alert } => Some(alert),
            _ => None,
        })
        .collect())
}

/// The book of the snapshot with the latest `at`, the later appended among equal times
/// (index `risk_book_snapshots (at, audit_seq)`; `at` is nanosecond text, so text order is
/// time order).
pub(crate) async fn latest_risk_book(pool: &SqlitePool) -> Result<Option<RiskBook>, StoreError> {
    let err = || db_error("read latest risk book");
    let row = sqlx::query(
        "SELECT audit_seq, book FROM risk_book_snapshots ORDER BY at DESC, audit_seq DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await
    .map_err(err())?;
    let Some(row) = row else { return Ok(None) };
    let audit_seq: i64 = row.try_get("audit_seq").map_err(err())?;
    let book: String = row.try_get("book").map_err(err())?;
    serde_json::from_str(&book).map(Some).map_err(|e| {
        StoreError::Corrupt(format!(
            "risk book snapshot of audit record {audit_seq} does not parse: {e}"
        ))
    })
}

/// The fills of one order from the `fills` projection, in append order.
pub(crate) async fn fills_of(
    pool: &SqlitePool,
    id: &ClientOrderId,
) -> Result<Vec<Fill>, StoreError> {
    let doing = format!("read fills of {id}");
    let mut fills = Vec::new();
    for row in sqlx::query(
        "SELECT a.event FROM fills p JOIN audit_events a ON a.seq = p.audit_seq \
         WHERE p.client_order_id = ? ORDER BY p.audit_seq",
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
