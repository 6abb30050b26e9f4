//! One test per sentence of the `Store` contract (see `domain::ports::Store`).
//!
//! Each function takes a [`Harness`], makes its own fresh store and disposes of it.

use std::sync::Arc;

use domain::ports::{
    AuditRecord, EventBatch, GENESIS_HASH, Heartbeat, LinkProblem, OperatorRequest, Store,
    StoreError, link_hash,
};
use domain::{Actor, AuditEvent, Order, OrderStatus, Side};
use serde_json::json;

use crate::fixtures::{self, alert_event, at, batch, fill_event, nth_batch, order, signal_event};
use crate::harness::{Harness, Tamper};

/// SHA-256 for checking stored hashes independently of the adapter.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

async fn all_records<S: Store + ?Sized>(store: &S) -> Vec<AuditRecord> {
    let mut out = Vec::new();
    loop {
        let after = out.last().map_or(0, |r: &AuditRecord| r.seq);
        let page = store.audit_events(after, 100).await.expect("audit_events");
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

async fn append_ok<S: Store + ?Sized>(store: &S, batch: &EventBatch) {
    let stored = store.append(batch).await.expect("append");
    assert!(stored, "batch {} should be new", batch.event_id);
}

async fn append_n<S: Store + ?Sized>(store: &S, prefix: &str, n: u64) {
    for i in 1..=n {
        append_ok(store, &nth_batch(prefix, i)).await;
    }
}

fn skip(test: &str, why: &str) {
    eprintln!("store-conformance: {test} skipped: {why}");
}

/// `append` of a new batch returns `Ok(true)`.
pub async fn append_returns_true_for_a_new_batch<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let b = batch(
        "BTC-USD:candle:60",
        60,
        vec![signal_event("BTC-USD", 60)],
        json!({"n": 1}),
    );
    assert_eq!(store.append(&b).await, Ok(true));
    h.dispose(store).await;
}

/// `append` of a stored event id is a no-op returning `Ok(false)`, even with other content.
pub async fn append_of_a_known_event_id_is_a_noop_returning_false<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let first = batch(
        "BTC-USD:candle:60",
        60,
        vec![signal_event("BTC-USD", 60)],
        json!({"n": 1}),
    );
    append_ok(&store, &first).await;
    let tail = store.audit_tail().await.expect("audit_tail");

    let again = batch(
        "BTC-USD:candle:60",
        120,
        vec![alert_event("different", 120), signal_event("ETH-USD", 120)],
        json!({"n": 2}),
    );
    assert_eq!(store.append(&again).await, Ok(false));
    assert_eq!(store.append(&first).await, Ok(false));
    assert_eq!(
        store.audit_tail().await.expect("audit_tail"),
        tail,
        "no audit record added"
    );
    assert_eq!(
        store.latest_state().await,
        Ok(Some(json!({"n": 1}))),
        "state unchanged"
    );
    assert!(store.recent_alerts(at(0)).await.expect("alerts").is_empty());
    h.dispose(store).await;
}

/// A batch whose projection fails mid-way (a fill counted twice, after a signal and an
/// alert that would have been fine) leaves nothing written, and its event id unused.
pub async fn append_is_all_or_nothing<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let first = batch(
        "BTC-USD:candle:60",
        60,
        vec![fill_event("rp-a-1", "t-1", 60)],
        json!({"n": 1}),
    );
    append_ok(&store, &first).await;
    let tail = store.audit_tail().await.expect("audit_tail");

    let bad = batch(
        "BTC-USD:candle:120",
        120,
        vec![
            signal_event("BTC-USD", 120),
            alert_event("half-written?", 120),
            fill_event("rp-a-1", "t-1", 120),
        ],
        json!({"n": 2}),
    );
    match store.append(&bad).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("a fill counted twice must be a Conflict, got {other:?}"),
    }
    assert_eq!(
        store.audit_tail().await.expect("audit_tail"),
        tail,
        "no audit record written"
    );
    assert_eq!(
        store.latest_state().await,
        Ok(Some(json!({"n": 1}))),
        "state not written"
    );
    assert!(
        store
            .signals_since(at(0))
            .await
            .expect("signals")
            .is_empty(),
        "signal not projected"
    );
    assert!(
        store.recent_alerts(at(0)).await.expect("alerts").is_empty(),
        "alert not projected"
    );
    assert!(store.verify_audit().await.expect("verify").is_intact());

    // The event id was not consumed: the corrected batch goes in.
    let fixed = batch(
        "BTC-USD:candle:120",
        120,
        vec![signal_event("BTC-USD", 120), alert_event("whole", 120)],
        json!({"n": 2}),
    );
    assert_eq!(store.append(&fixed).await, Ok(true));
    assert_eq!(store.latest_state().await, Ok(Some(json!({"n": 2}))));
    let records = all_records(&store).await;
    assert_eq!(
        records.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(store.verify_audit().await.expect("verify").is_intact());
    h.dispose(store).await;
}

/// A batch that repeats one fill is refused whole.
pub async fn append_refuses_a_fill_repeated_within_a_batch<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let bad = batch(
        "BTC-USD:candle:60",
        60,
        vec![
            fill_event("rp-b-1", "t-1", 60),
            fill_event("rp-b-1", "t-1", 60),
        ],
        json!({"n": 1}),
    );
    assert!(matches!(
        store.append(&bad).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.audit_tail().await, Ok(None));
    assert_eq!(store.latest_state().await, Ok(None));
    // Same trade id on another order is a different fill.
    let ok = batch(
        "BTC-USD:candle:60",
        60,
        vec![
            fill_event("rp-b-1", "t-1", 60),
            fill_event("rp-b-2", "t-1", 60),
        ],
        json!({"n": 1}),
    );
    assert_eq!(store.append(&ok).await, Ok(true));
    h.dispose(store).await;
}

/// `latest_state_part(key)` returns `key` of the latest state that has it: a later state
/// without the key, or a `Null` state, does not hide it; a later state with it replaces it.
pub async fn latest_state_part_returns_the_latest_state_that_has_the_key<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(store.latest_state_part("shadow").await, Ok(None));
    let states = [
        json!({"seq": 1, "shadow": {"day": "2024-01-01", "hits": [true]}}),
        json!({"seq": 2}),
        serde_json::Value::Null,
        json!({"seq": 3, "other": {"a": "b"}}),
    ];
    for (i, state) in states.iter().enumerate() {
        let secs = 60 * (i as i64 + 1);
        append_ok(
            &store,
            &batch(
                &format!("p{i}"),
                secs,
                vec![signal_event("BTC-USD", secs)],
                state.clone(),
            ),
        )
        .await;
    }
    assert_eq!(
        store.latest_state_part("shadow").await,
        Ok(Some(json!({"day": "2024-01-01", "hits": [true]})))
    );
    assert_eq!(store.latest_state_part("seq").await, Ok(Some(json!(3))));
    assert_eq!(
        store.latest_state_part("other").await,
        Ok(Some(json!({"a": "b"})))
    );
    assert_eq!(store.latest_state_part("missing").await, Ok(None));
    // A key that would be a JSON path elsewhere is just a name.
    assert_eq!(store.latest_state_part("shadow.day").await, Ok(None));
    append_ok(
        &store,
        &batch(
            "p9",
            600,
            vec![signal_event("BTC-USD", 600)],
            json!({"seq": 4, "shadow": {"day": "2024-01-02"}}),
        ),
    )
    .await;
    assert_eq!(
        store.latest_state_part("shadow").await,
        Ok(Some(json!({"day": "2024-01-02"})))
    );
    h.dispose(store).await;
}

/// `latest_state` of an empty store is `None`.
pub async fn latest_state_is_none_when_nothing_was_appended<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(store.latest_state().await, Ok(None));
    h.dispose(store).await;
}

/// `latest_state` returns the state of the last append with a snapshot; `Null` does not replace it.
pub async fn latest_state_returns_the_last_snapshot<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let state = json!({"portfolio": {"cash": "10000.50", "positions": []}, "seq": 7, "ok": true});
    append_ok(
        &store,
        &batch("e1", 60, vec![signal_event("BTC-USD", 60)], json!({"n": 1})),
    )
    .await;
    append_ok(
        &store,
        &batch("e2", 120, vec![signal_event("BTC-USD", 120)], state.clone()),
    )
    .await;
    assert_eq!(store.latest_state().await, Ok(Some(state.clone())));
    append_ok(
        &store,
        &batch(
            "e3",
            180,
            vec![signal_event("BTC-USD", 180)],
            serde_json::Value::Null,
        ),
    )
    .await;
    assert_eq!(
        store.latest_state().await,
        Ok(Some(state)),
        "a Null state is no snapshot"
    );
    h.dispose(store).await;
}

/// `put_order` of an existing id with the same symbol and side replaces the order.
pub async fn put_order_replaces_an_order_with_the_same_symbol_and_side<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let mut o = order(
        "rp-o-1",
        "BTC-USD",
        Side::Buy,
        OrderStatus::PendingSubmit,
        60,
    );
    store.put_order(&o).await.expect("insert");
    assert_eq!(store.order(&o.client_order_id).await, Ok(Some(o.clone())));
    o.status = OrderStatus::Open;
    o.venue_order_id = Some("v-123".into());
    o.updated_at = at(61);
    store.put_order(&o).await.expect("update");
    assert_eq!(store.order(&o.client_order_id).await, Ok(Some(o)));
    h.dispose(store).await;
}

/// `put_order` of an existing id with another symbol or side is a `Conflict` and changes nothing.
pub async fn put_order_conflicts_on_a_different_symbol_or_side<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let o = order("rp-o-2", "BTC-USD", Side::Buy, OrderStatus::Open, 60);
    store.put_order(&o).await.expect("insert");
    let other_side = order("rp-o-2", "BTC-USD", Side::Sell, OrderStatus::Filled, 61);
    let other_symbol = order("rp-o-2", "ETH-USD", Side::Buy, OrderStatus::Filled, 61);
    assert!(matches!(
        store.put_order(&other_side).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.put_order(&other_symbol).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.order(&o.client_order_id).await, Ok(Some(o)));
    h.dispose(store).await;
}

/// `append` upserts the batch's orders in its transaction, the last snapshot of an id
/// winning; an order filled by the batch is not unbooked.
pub async fn append_stores_the_batch_orders_with_its_events<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let ahead = order(
        "rp-b-1",
        "BTC-USD",
        Side::Buy,
        OrderStatus::PendingSubmit,
        60,
    );
    store.put_order(&ahead).await.expect("write-ahead");
    let open = Order {
        venue_order_id: Some("v-1".into()),
        ..order("rp-b-1", "BTC-USD", Side::Buy, OrderStatus::Open, 60)
    };
    let filled = Order {
        filled_qty: open.qty,
        avg_fill_price: Some(fixtures::price(4_200_000)),
        status: OrderStatus::Filled,
        updated_at: at(120),
        ..open.clone()
    };
    let other = order("rp-b-2", "ETH-USD", Side::Sell, OrderStatus::Open, 120);
    let b = EventBatch {
        orders: vec![open, filled.clone(), other.clone()],
        ..batch(
            "BTC-USD:candle:120",
            120,
            vec![fill_event("rp-b-1", "t1", 120)],
            json!({"n": 1}),
        )
    };
    append_ok(&store, &b).await;
    assert_eq!(store.order(&filled.client_order_id).await, Ok(Some(filled)));
    assert_eq!(
        store.order(&other.client_order_id).await,
        Ok(Some(other.clone()))
    );
    assert_eq!(store.open_orders().await, Ok(vec![other]));
    assert_eq!(store.unbooked_orders().await, Ok(Vec::new()));
    h.dispose(store).await;
}

/// `append` whose order conflicts with a stored one (another symbol or side) is a
/// conflict and writes nothing: no record, no state, no order.
pub async fn append_with_a_conflicting_order_writes_nothing<H: Harness>(h: &H) {
    let store = h.fresh().await;
    append_ok(
        &store,
        &batch("b0", 60, vec![signal_event("BTC-USD", 60)], json!({"n": 0})),
    )
    .await;
    let stored = order("rp-c-1", "BTC-USD", Side::Buy, OrderStatus::Open, 60);
    store.put_order(&stored).await.expect("insert");
    let tail = store.audit_tail().await.expect("audit_tail");
    let fresh = order("rp-c-2", "BTC-USD", Side::Buy, OrderStatus::Open, 120);
    for wrong in [
        order("rp-c-1", "ETH-USD", Side::Buy, OrderStatus::Filled, 120),
        order("rp-c-1", "BTC-USD", Side::Sell, OrderStatus::Filled, 120),
    ] {
        let b = EventBatch {
            orders: vec![fresh.clone(), wrong],
            ..batch(
                "b1",
                120,
                vec![fill_event("rp-c-1", "t1", 120)],
                json!({"n": 1}),
            )
        };
        assert!(
            matches!(store.append(&b).await, Err(StoreError::Conflict(_))),
            "a client order id keeps its symbol and side"
        );
    }
    assert_eq!(store.audit_tail().await.expect("audit_tail"), tail);
    assert_eq!(store.latest_state().await, Ok(Some(json!({"n": 0}))));
    assert_eq!(store.order(&stored.client_order_id).await, Ok(Some(stored)));
    assert_eq!(store.order(&fresh.client_order_id).await, Ok(None));
    assert_eq!(
        store.fills_of(&fixtures::order_id("rp-c-1")).await,
        Ok(Vec::new())
    );
    h.dispose(store).await;
}

/// `append` of a known event id writes none of its orders.
pub async fn append_of_a_known_event_id_writes_none_of_its_orders<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let first = batch("b1", 60, vec![signal_event("BTC-USD", 60)], json!(null));
    append_ok(&store, &first).await;
    let again = EventBatch {
        orders: vec![order("rp-k-1", "BTC-USD", Side::Buy, OrderStatus::Open, 60)],
        ..first
    };
    assert_eq!(store.append(&again).await, Ok(false));
    assert_eq!(store.order(&fixtures::order_id("rp-k-1")).await, Ok(None));
    h.dispose(store).await;
}

/// `unbooked_orders` returns exactly the terminal orders whose stored fills add up to less
/// than their filled quantity, in client order id order.
pub async fn unbooked_orders_returns_terminal_orders_whose_fills_do_not_cover_them<H: Harness>(
    h: &H,
) {
    let store = h.fresh().await;
    let fifteen = fixtures::qty(15);
    let thirty = fixtures::qty(30);
    let with = |id: &str, status: OrderStatus, filled: domain::Qty| Order {
        filled_qty: filled,
        qty: thirty,
        ..order(id, "BTC-USD", Side::Buy, status, 60)
    };
    // Filled, no fill stored: unbooked.
    let lost = with("rp-u-1", OrderStatus::Filled, thirty);
    // Filled 30, one fill of 15 stored: unbooked.
    let half = with("rp-u-2", OrderStatus::Filled, thirty);
    // Cancelled after 15, its fill of 15 stored: booked.
    let booked = with("rp-u-3", OrderStatus::Cancelled, fifteen);
    // Working with a fill not stored yet (reconciled as open, not here).
    let working = with("rp-u-4", OrderStatus::PartiallyFilled, fifteen);
    // Rejected, nothing filled.
    let nothing = with("rp-u-5", OrderStatus::Rejected, domain::Qty::ZERO);
    for o in [&lost, &half, &booked, &working, &nothing] {
        store.put_order(o).await.expect("put_order");
    }
    append_ok(
        &store,
        &batch(
            "fills",
            90,
            vec![
                fill_event("rp-u-2", "t1", 90),
                fill_event("rp-u-3", "t1", 90),
            ],
            json!(null),
        ),
    )
    .await;
    assert_eq!(store.unbooked_orders().await, Ok(vec![lost, half]));
    h.dispose(store).await;
}

/// `order` of an id never stored is `None`.
pub async fn order_of_an_unknown_id_is_none<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(store.order(&fixtures::order_id("rp-none")).await, Ok(None));
    h.dispose(store).await;
}

/// `open_orders` returns exactly the orders whose status is not terminal.
pub async fn open_orders_excludes_terminal_orders<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let statuses = [
        OrderStatus::PendingSubmit,
        OrderStatus::Open,
        OrderStatus::PartiallyFilled,
        OrderStatus::Filled,
        OrderStatus::Cancelled,
        OrderStatus::Rejected,
        OrderStatus::Expired,
        OrderStatus::Unknown,
    ];
    for (i, status) in statuses.iter().enumerate() {
        let secs = 60 + i64::try_from(i).unwrap_or(0);
        store
            .put_order(&order(
                &format!("rp-s-{i}"),
                "BTC-USD",
                Side::Buy,
                *status,
                secs,
            ))
            .await
            .expect("put_order");
    }
    // An order that became terminal leaves the open set.
    let mut moved = order("rp-s-9", "ETH-USD", Side::Sell, OrderStatus::Open, 90);
    store.put_order(&moved).await.expect("put_order");
    moved.status = OrderStatus::Filled;
    store.put_order(&moved).await.expect("put_order");

    let mut open: Vec<_> = store
        .open_orders()
        .await
        .expect("open_orders")
        .into_iter()
        .map(|o| (o.client_order_id.to_string(), o.status))
        .collect();
    open.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        open,
        vec![
            ("rp-s-0".to_string(), OrderStatus::PendingSubmit),
            ("rp-s-1".to_string(), OrderStatus::Open),
            ("rp-s-2".to_string(), OrderStatus::PartiallyFilled),
            ("rp-s-7".to_string(), OrderStatus::Unknown),
        ]
    );
    h.dispose(store).await;
}

/// `fills_of(id)` returns exactly the fills stored for `id`, in append order, whole.
pub async fn fills_of_returns_the_fills_of_one_order_in_append_order<H: Harness>(h: &H) {
    let store = h.fresh().await;
    append_ok(
        &store,
        &batch(
            "BTC-USD:candle:60",
            60,
            vec![
                fill_event("rp-f-1", "t-2", 60),
                fill_event("rp-f-2", "t-1", 60),
                signal_event("BTC-USD", 60),
            ],
            json!({"n": 1}),
        ),
    )
    .await;
    append_ok(
        &store,
        &batch(
            "BTC-USD:candle:120",
            120,
            vec![
                // Earlier fill time, later append: append order wins.
                fill_event("rp-f-1", "t-1", 30),
                fill_event("rp-f-3", "t-9", 120),
            ],
            json!({"n": 2}),
        ),
    )
    .await;
    let fills = store
        .fills_of(&fixtures::order_id("rp-f-1"))
        .await
        .expect("fills_of");
    assert_eq!(
        fills,
        vec![
            fixtures::fill("rp-f-1", "t-2", 60),
            fixtures::fill("rp-f-1", "t-1", 30)
        ]
    );
    let fills = store
        .fills_of(&fixtures::order_id("rp-f-2"))
        .await
        .expect("fills_of");
    assert_eq!(fills, vec![fixtures::fill("rp-f-2", "t-1", 60)]);
    h.dispose(store).await;
}

/// `fills_of` of an order without stored fills (known or not) is empty.
pub async fn fills_of_an_order_without_fills_is_empty<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let id = "rp-f-none";
    store
        .put_order(&order(id, "BTC-USD", Side::Buy, OrderStatus::Open, 60))
        .await
        .expect("put_order");
    append_ok(
        &store,
        &batch(
            "BTC-USD:candle:60",
            60,
            vec![fill_event("rp-f-other", "t-1", 60)],
            json!({"n": 1}),
        ),
    )
    .await;
    assert_eq!(store.fills_of(&fixtures::order_id(id)).await, Ok(vec![]));
    assert_eq!(
        store.fills_of(&fixtures::order_id("rp-f-unknown")).await,
        Ok(vec![])
    );
    h.dispose(store).await;
}

/// Records get seq 1, 2, 3, ... in batch order, the canonical JSON, and the defined links.
pub async fn audit_records_are_numbered_and_chained_from_genesis<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let b1 = batch("e1", 60, fixtures::every_kind(1, 60), json!({"n": 1}));
    let b2 = batch(
        "e2",
        120,
        vec![signal_event("ETH-USD", 120)],
        json!({"n": 2}),
    );
    append_ok(&store, &b1).await;
    append_ok(&store, &b2).await;
    let records = all_records(&store).await;
    let events: Vec<_> = b1.events.iter().chain(&b2.events).collect();
    assert_eq!(records.len(), events.len());
    let mut prev = GENESIS_HASH.to_string();
    for (i, (record, event)) in records.iter().zip(&events).enumerate() {
        assert_eq!(record.seq, i as u64 + 1);
        let expected_batch = if i < b1.events.len() { &b1 } else { &b2 };
        assert_eq!(record.event_id, expected_batch.event_id);
        assert_eq!(record.at, expected_batch.at);
        assert_eq!(
            record.event_json,
            event.canonical_json().expect("serialises")
        );
        assert_eq!(&record.event().expect("parses"), *event);
        assert_eq!(record.prev_hash, prev);
        assert_eq!(
            record.hash,
            link_hash(sha256, &prev, record.event_json.as_bytes())
        );
        prev = record.hash.clone();
    }
    h.dispose(store).await;
}

/// `audit_events(after, limit)` returns seq > after, in order, at most `limit`.
pub async fn audit_events_pages_by_seq<H: Harness>(h: &H) {
    let store = h.fresh().await;
    append_n(&store, "p", 10).await;
    let all = store.audit_events(0, 1_000).await.expect("audit_events");
    let page = store.audit_events(3, 4).await.expect("audit_events");
    assert_eq!(
        page.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![4, 5, 6, 7]
    );
    assert_eq!(page[..], all[3..7]);
    let last = all.last().expect("records").seq;
    assert!(
        store
            .audit_events(last, 10)
            .await
            .expect("audit_events")
            .is_empty()
    );
    assert!(
        store
            .audit_events(0, 0)
            .await
            .expect("audit_events")
            .is_empty()
    );
    h.dispose(store).await;
}

/// `audit_tail` is `None` on an empty trail, then the last record.
pub async fn audit_tail_is_the_last_record<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(store.audit_tail().await, Ok(None));
    append_n(&store, "tail", 4).await;
    let all = all_records(&store).await;
    assert_eq!(store.audit_tail().await, Ok(all.last().cloned()));
    h.dispose(store).await;
}

/// A batch without events stores its state and adds no audit record.
pub async fn batch_without_events_adds_no_audit_record<H: Harness>(h: &H) {
    let store = h.fresh().await;
    append_ok(
        &store,
        &batch("e1", 60, vec![signal_event("BTC-USD", 60)], json!({"n": 1})),
    )
    .await;
    append_ok(&store, &batch("e2", 120, vec![], json!({"n": 2}))).await;
    assert_eq!(store.latest_state().await, Ok(Some(json!({"n": 2}))));
    assert_eq!(all_records(&store).await.len(), 1);
    assert_eq!(
        store
            .append(&batch("e2", 120, vec![], json!({"n": 3})))
            .await,
        Ok(false)
    );
    append_ok(
        &store,
        &batch(
            "e3",
            180,
            vec![signal_event("BTC-USD", 180)],
            json!({"n": 3}),
        ),
    )
    .await;
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.checked, 2);
    h.dispose(store).await;
}

/// `verify_audit` of an intact trail after many appends: intact, every record checked.
pub async fn audit_chain_verifies_after_many_appends<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(
        store.verify_audit().await.expect("verify"),
        domain::ports::AuditVerification {
            checked: 0,
            last_seq: 0,
            last_hash: GENESIS_HASH.to_string(),
            broken: None,
        },
        "an empty trail verifies"
    );
    append_n(&store, "many", 120).await;
    let tail = store
        .audit_tail()
        .await
        .expect("audit_tail")
        .expect("records");
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(
        (v.checked, v.last_seq, &v.last_hash),
        (tail.seq, tail.seq, &tail.hash)
    );
    h.dispose(store).await;
}

/// Appends from two tasks at once still give one gapless, valid chain.
pub async fn concurrent_appends_keep_the_chain_valid<H: Harness>(h: &H) {
    let store = Arc::new(h.fresh().await);
    let tasks: Vec<_> = ["left", "right"]
        .into_iter()
        .map(|prefix| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                for n in 1..=40 {
                    let b = nth_batch(prefix, n);
                    assert_eq!(store.append(&b).await, Ok(true), "{}", b.event_id);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("appending task panicked");
    }
    // Both tasks racing on one event id: exactly one wins.
    let same = nth_batch("same", 1);
    let (a, b) = tokio::join!(store.append(&same), store.append(&same));
    assert_eq!(
        [a, b].iter().filter(|r| **r == Ok(true)).count(),
        1,
        "exactly one append wins"
    );

    let records = all_records(&*store).await;
    let expected: u64 = (1..=40u64)
        .map(|n| nth_batch("x", n).events.len() as u64)
        .sum::<u64>()
        * 2
        + nth_batch("same", 1).events.len() as u64;
    assert_eq!(records.len() as u64, expected);
    assert!(
        records
            .iter()
            .enumerate()
            .all(|(i, r)| r.seq == i as u64 + 1),
        "gapless"
    );
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    let Ok(store) = Arc::try_unwrap(store) else {
        panic!("tasks finished, store has one owner");
    };
    h.dispose(store).await;
}

async fn tampered<H: Harness>(
    h: &H,
    test: &str,
    how: impl Fn(&[AuditRecord]) -> Tamper,
) -> Option<(domain::ports::AuditVerification, Vec<AuditRecord>, Tamper)> {
    let store = h.fresh().await;
    append_n(&store, "tamper", 12).await;
    let records = all_records(&store).await;
    let tamper = how(&records);
    if !h.tamper(&store, tamper).await {
        skip(test, "this store cannot be altered from outside");
        h.dispose(store).await;
        return None;
    }
    let v = store
        .verify_audit()
        .await
        .expect("verify reads a tampered trail");
    h.dispose(store).await;
    Some((v, records, tamper))
}

/// Altering one byte of a stored event is reported at that record as a hash mismatch.
pub async fn altered_event_is_detected_at_its_seq<H: Harness>(h: &H) {
    let Some((v, _, _)) = tampered(h, "altered_event_is_detected_at_its_seq", |records| {
        Tamper::FlipEventBit {
            seq: records[records.len() / 2].seq,
            byte: 17,
        }
    })
    .await
    else {
        return;
    };
    let broken = v.broken.expect("an altered event must break the chain");
    assert!(
        matches!(broken.problem, LinkProblem::HashMismatch { .. }),
        "{broken}"
    );
    assert_eq!(
        v.checked + 1,
        broken.seq,
        "everything before the broken link verified"
    );
}

/// Altering a stored hash is reported at that record.
pub async fn altered_hash_is_detected_at_its_seq<H: Harness>(h: &H) {
    let Some((v, records, Tamper::ZeroHash { seq })) =
        tampered(h, "altered_hash_is_detected_at_its_seq", |records| {
            Tamper::ZeroHash {
                seq: records[3].seq,
            }
        })
        .await
    else {
        return;
    };
    let broken = v.broken.expect("an altered hash must break the chain");
    assert_eq!(broken.seq, seq, "{broken}");
    assert!(
        matches!(broken.problem, LinkProblem::HashMismatch { .. }),
        "{broken}"
    );
    assert!(records.len() > 4);
}

/// Deleting a record in the middle is reported where the gap starts.
pub async fn deleted_record_is_detected<H: Harness>(h: &H) {
    let Some((v, _, Tamper::Delete { seq })) =
        tampered(h, "deleted_record_is_detected", |records| Tamper::Delete {
            seq: records[4].seq,
        })
        .await
    else {
        return;
    };
    let broken = v.broken.expect("a deleted record must break the chain");
    assert_eq!(broken.seq, seq + 1, "{broken}");
    assert_eq!(broken.problem, LinkProblem::SeqGap { expected: seq });
}

/// Deleting the last record is reported against the stored head.
pub async fn deleted_tail_is_detected<H: Harness>(h: &H) {
    let Some((v, records, _)) = tampered(h, "deleted_tail_is_detected", |records| Tamper::Delete {
        seq: records.last().expect("records").seq,
    })
    .await
    else {
        return;
    };
    let last = records.last().expect("records");
    let broken = v.broken.expect("a deleted tail must break the chain");
    assert_eq!(broken.seq, last.seq, "{broken}");
    assert!(
        matches!(broken.problem, LinkProblem::MissingTail { .. }),
        "{broken}"
    );
}

/// `signals_since(t)` returns signals with `ts >= t`, by time then append order.
pub async fn signals_since_returns_signals_from_that_time_in_order<H: Harness>(h: &H) {
    let store = h.fresh().await;
    // Appended out of time order on purpose: the answer is in time order.
    append_ok(
        &store,
        &batch(
            "e1",
            300,
            vec![signal_event("BTC-USD", 300), alert_event("a", 300)],
            json!(null),
        ),
    )
    .await;
    append_ok(
        &store,
        &batch("e2", 100, vec![signal_event("ETH-USD", 100)], json!(null)),
    )
    .await;
    append_ok(
        &store,
        &batch(
            "e3",
            200,
            vec![signal_event("SOL-USD", 200), signal_event("ADA-USD", 200)],
            json!(null),
        ),
    )
    .await;
    let names = |signals: Vec<domain::Signal>| {
        signals
            .into_iter()
            .map(|s| s.symbol.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(store.signals_since(at(0)).await.expect("signals")),
        vec!["ETH-USD", "SOL-USD", "ADA-USD", "BTC-USD"]
    );
    assert_eq!(
        names(store.signals_since(at(200)).await.expect("signals")),
        vec!["SOL-USD", "ADA-USD", "BTC-USD"]
    );
    assert!(
        store
            .signals_since(at(301))
            .await
            .expect("signals")
            .is_empty()
    );
    let full = store.signals_since(at(300)).await.expect("signals");
    assert_eq!(
        full,
        vec![fixtures::signal("BTC-USD", 300)],
        "signals come back whole"
    );
    h.dispose(store).await;
}

/// `recent_alerts(t)` returns alerts with `at >= t`, by time then append order.
pub async fn recent_alerts_returns_alerts_from_that_time_in_order<H: Harness>(h: &H) {
    let store = h.fresh().await;
    append_ok(
        &store,
        &batch(
            "e1",
            300,
            vec![alert_event("late", 300), signal_event("BTC-USD", 300)],
            json!(null),
        ),
    )
    .await;
    append_ok(
        &store,
        &batch(
            "e2",
            100,
            vec![alert_event("early", 100), alert_event("early too", 100)],
            json!(null),
        ),
    )
    .await;
    let messages =
        |alerts: Vec<domain::Alert>| alerts.into_iter().map(|a| a.message).collect::<Vec<_>>();
    assert_eq!(
        messages(store.recent_alerts(at(0)).await.expect("alerts")),
        vec!["early", "early too", "late"]
    );
    assert_eq!(
        messages(store.recent_alerts(at(101)).await.expect("alerts")),
        vec!["late"]
    );
    assert_eq!(
        store.recent_alerts(at(300)).await.expect("alerts"),
        vec![fixtures::alert("late", 300)]
    );
    h.dispose(store).await;
}

/// `last_heartbeat` returns the newest beat per instance; an older beat put later does not replace it.
pub async fn heartbeat_keeps_the_latest_per_instance<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(store.last_heartbeat("a").await, Ok(None));
    let beat = |instance: &str, secs, n| Heartbeat {
        instance: instance.to_string(),
        at: at(secs),
        detail: json!({"n": n, "mode": "dry-run"}),
    };
    store.put_heartbeat(&beat("a", 60, 1)).await.expect("put");
    store.put_heartbeat(&beat("b", 60, 10)).await.expect("put");
    store.put_heartbeat(&beat("a", 120, 2)).await.expect("put");
    store.put_heartbeat(&beat("a", 90, 3)).await.expect("put");
    assert_eq!(store.last_heartbeat("a").await, Ok(Some(beat("a", 120, 2))));
    assert_eq!(store.last_heartbeat("b").await, Ok(Some(beat("b", 60, 10))));
    h.dispose(store).await;
}

/// Closing and reopening keeps state, orders and a verifying chain; appends continue the chain.
pub async fn state_orders_and_chain_survive_reopen<H: Harness>(h: &H) {
    let store = h.fresh().await;
    append_n(&store, "durable", 9).await;
    let o = order("rp-d-1", "BTC-USD", Side::Buy, OrderStatus::Unknown, 60);
    store.put_order(&o).await.expect("put_order");
    let tail = store.audit_tail().await.expect("audit_tail");
    let Some(store) = h.reopen(store).await else {
        skip(
            "state_orders_and_chain_survive_reopen",
            "this store keeps nothing across instances",
        );
        return;
    };
    assert_eq!(store.latest_state().await, Ok(Some(json!({"n": 9}))));
    assert_eq!(store.audit_tail().await.expect("audit_tail"), tail);
    assert_eq!(store.open_orders().await, Ok(vec![o]));
    assert!(store.verify_audit().await.expect("verify").is_intact());
    append_ok(&store, &nth_batch("durable", 10)).await;
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(store.latest_state().await, Ok(Some(json!({"n": 10}))));
    h.dispose(store).await;
}

/// After reopening, an already stored event id is still a no-op.
pub async fn event_ids_stay_known_after_reopen<H: Harness>(h: &H) {
    let store = h.fresh().await;
    append_n(&store, "known", 3).await;
    let Some(store) = h.reopen(store).await else {
        skip(
            "event_ids_stay_known_after_reopen",
            "this store keeps nothing across instances",
        );
        return;
    };
    assert_eq!(store.append(&nth_batch("known", 2)).await, Ok(false));
    assert_eq!(store.latest_state().await, Ok(Some(json!({"n": 3}))));
    h.dispose(store).await;
}

/// Enqueues `n` requests of mixed commands and actors, at `t0 + 10 i` seconds.
async fn enqueue_n<S: Store + ?Sized>(store: &S, n: u64) -> Vec<OperatorRequest> {
    let mut out = Vec::new();
    for i in 1..=n {
        let actor = match i % 2 {
            0 => Actor::Telegram { chat_id: -100_123 },
            _ => fixtures::operator("ana"),
        };
        let command = fixtures::command(i);
        let requested_at = at(10 * i64::try_from(i).unwrap_or(0));
        let id = store
            .enqueue_request(&command, &actor, requested_at)
            .await
            .expect("enqueue_request");
        out.push(OperatorRequest {
            id,
            command,
            actor,
            requested_at,
        });
    }
    out
}

/// The batch that applies `request`: its event id, and the event it produced.
fn applying(request: &OperatorRequest, events: Vec<AuditEvent>) -> EventBatch {
    batch(&request.event_id(), 500, events, json!(null))
}

fn ids(requests: &[OperatorRequest]) -> Vec<u64> {
    requests.iter().map(|r| r.id).collect()
}

/// `enqueue_request` assigns ids 1, 2, 3, ... in enqueue order; `request(id)` reads each back
/// whole, not applied; an unknown id is `None`.
pub async fn enqueue_request_assigns_ids_in_order_and_request_reads_them_back<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(store.pending_requests().await, Ok(vec![]));
    assert_eq!(store.request(1).await, Ok(None));
    let queued = enqueue_n(&store, 4).await;
    assert_eq!(ids(&queued), vec![1, 2, 3, 4]);
    for request in &queued {
        assert_eq!(
            store.request(request.id).await,
            Ok(Some((request.clone(), false))),
            "request {} comes back whole, not applied",
            request.id
        );
    }
    assert_eq!(store.request(0).await, Ok(None));
    assert_eq!(store.request(5).await, Ok(None));
    assert_eq!(store.pending_requests().await, Ok(queued));
    h.dispose(store).await;
}

/// `pending_requests` returns, in id order, exactly the requests whose batch is not stored;
/// `request(id)` says which were applied. Only the exact event id counts.
pub async fn pending_requests_exclude_applied_requests_in_id_order<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let queued = enqueue_n(&store, 5).await;
    // Batches that look alike but are not the applying batch change nothing.
    for lookalike in [
        "x:operator_request:2",
        "operator_request:20",
        "operator_request:2 ",
    ] {
        append_ok(
            &store,
            &batch(lookalike, 400, vec![alert_event("x", 400)], json!(null)),
        )
        .await;
    }
    assert_eq!(store.pending_requests().await, Ok(queued.clone()));

    // Applied out of id order; one of them produced no audit event at all.
    append_ok(
        &store,
        &applying(
            &queued[3],
            vec![fixtures::loss_simulated_event("ETH-USD", 500)],
        ),
    )
    .await;
    append_ok(&store, &applying(&queued[1], vec![])).await;
    let pending = store.pending_requests().await.expect("pending_requests");
    assert_eq!(ids(&pending), vec![1, 3, 5]);
    assert_eq!(pending[1], queued[2], "pending requests come back whole");
    assert_eq!(store.request(4).await, Ok(Some((queued[3].clone(), true))));
    assert_eq!(store.request(2).await, Ok(Some((queued[1].clone(), true))));
    assert_eq!(store.request(3).await, Ok(Some((queued[2].clone(), false))));

    // Applying again is the idempotent no-op; a request enqueued later is pending.
    assert_eq!(store.append(&applying(&queued[3], vec![])).await, Ok(false));
    let later = enqueue_n(&store, 1).await;
    assert_eq!(ids(&later), vec![6]);
    assert_eq!(
        ids(&store.pending_requests().await.expect("pending_requests")),
        vec![1, 3, 5, 6]
    );
    h.dispose(store).await;
}

/// Requests, whether they were applied, and the id sequence survive reopening.
pub async fn operator_requests_survive_reopen<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let queued = enqueue_n(&store, 3).await;
    append_ok(&store, &applying(&queued[0], vec![])).await;
    let Some(store) = h.reopen(store).await else {
        skip(
            "operator_requests_survive_reopen",
            "this store keeps nothing across instances",
        );
        return;
    };
    assert_eq!(store.pending_requests().await, Ok(queued[1..].to_vec()));
    assert_eq!(store.request(1).await, Ok(Some((queued[0].clone(), true))));
    let id = store
        .enqueue_request(&fixtures::command(4), &fixtures::operator("bo"), at(90))
        .await
        .expect("enqueue_request");
    assert_eq!(id, 4, "ids continue after reopening");
    h.dispose(store).await;
}

/// `put_daily_report` of a stored date replaces that report (and only that one).
pub async fn put_daily_report_replaces_the_report_of_the_same_date<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(store.daily_reports(10).await, Ok(vec![]));
    let other = fixtures::daily_report(1, 86_400, "HEALTHY");
    store.put_daily_report(&other).await.expect("put");
    store
        .put_daily_report(&fixtures::daily_report(2, 2 * 86_400, "WARNING"))
        .await
        .expect("put");
    let mut again = fixtures::daily_report(2, 2 * 86_400 + 60, "CRITICAL");
    again.mode = "live".into();
    again.body = json!({"rerun": true, "notes": ["kill switch tripped"]});
    store.put_daily_report(&again).await.expect("put again");
    assert_eq!(store.daily_reports(10).await, Ok(vec![again, other]));
    h.dispose(store).await;
}

/// `daily_reports(limit)` returns the `limit` latest dates, newest first, whatever the put order.
pub async fn daily_reports_returns_the_latest_dates_newest_first<H: Harness>(h: &H) {
    let store = h.fresh().await;
    for day in [3, 1, 5, 2, 4] {
        let report = fixtures::daily_report(day, i64::from(day) * 86_400, "HEALTHY");
        store.put_daily_report(&report).await.expect("put");
    }
    let dates = |reports: Vec<domain::ports::DailyReport>| {
        reports.into_iter().map(|r| r.date).collect::<Vec<_>>()
    };
    assert_eq!(
        dates(store.daily_reports(2).await.expect("daily_reports")),
        vec![fixtures::date(5), fixtures::date(4)]
    );
    assert_eq!(
        dates(store.daily_reports(100).await.expect("daily_reports")),
        [5, 4, 3, 2, 1].map(fixtures::date).to_vec()
    );
    assert_eq!(store.daily_reports(0).await, Ok(vec![]));
    assert_eq!(
        store.daily_reports(1).await,
        Ok(vec![fixtures::daily_report(5, 5 * 86_400, "HEALTHY")]),
        "reports come back whole"
    );
    h.dispose(store).await;
}

/// `events_between(from, to)` returns the records whose batch time is in `[from, to)`, in seq
/// order: `from` included, `to` excluded, the events' own times irrelevant.
pub async fn events_between_returns_batch_times_in_the_half_open_interval<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let just_before = |secs| at(secs) - chrono::Duration::milliseconds(1);
    let batches = [
        batch("b100", 100, vec![signal_event("BTC-USD", 100)], json!(null)),
        // Event times outside the interval; the batch time inside decides.
        batch(
            "b200",
            200,
            vec![alert_event("old news", 50), signal_event("ETH-USD", 900)],
            json!(null),
        ),
        batch("b300", 300, vec![signal_event("SOL-USD", 300)], json!(null)),
        // Appended later but earlier in time: still returned in seq order.
        batch("b150", 150, vec![signal_event("ADA-USD", 150)], json!(null)),
        EventBatch {
            at: just_before(300),
            ..batch("b299", 0, vec![alert_event("edge", 299)], json!(null))
        },
        EventBatch {
            at: just_before(150),
            ..batch("b149", 0, vec![alert_event("edge", 149)], json!(null))
        },
    ];
    for b in &batches {
        append_ok(&store, b).await;
    }
    let all = all_records(&store).await;
    let of = |event_ids: &[&str]| {
        all.iter()
            .filter(|r| event_ids.contains(&r.event_id.as_str()))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        store.events_between(at(150), at(300)).await,
        Ok(of(&["b200", "b150", "b299"]))
    );
    assert_eq!(
        store.events_between(at(0), at(1_000)).await,
        Ok(all.clone())
    );
    assert_eq!(
        store.events_between(at(300), at(301)).await,
        Ok(of(&["b300"]))
    );
    assert_eq!(store.events_between(at(150), at(150)).await, Ok(vec![]));
    assert_eq!(store.events_between(at(301), at(1_000)).await, Ok(vec![]));
    h.dispose(store).await;
}

/// A batch with `LossSimulated` is stored, read back as the same event, and verifies.
pub async fn loss_simulated_round_trips_through_the_audit_trail<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let loss = fixtures::loss_simulated_event("BTC-USD", 60);
    let b = batch(
        "operator_request:1",
        60,
        vec![loss.clone(), alert_event("simulated loss booked", 60)],
        json!({"n": 1}),
    );
    append_ok(&store, &b).await;
    let records = all_records(&store).await;
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].event().expect("parses"), loss);
    assert_eq!(
        records[0].event_json,
        loss.canonical_json().expect("serialises")
    );
    assert_eq!(
        records[0].hash,
        link_hash(sha256, GENESIS_HASH, records[0].event_json.as_bytes())
    );
    assert_eq!(store.events_between(at(60), at(61)).await, Ok(records));
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.checked, 2);
    h.dispose(store).await;
}

/// A batch `event_id` at `t0 + secs` holding one `RiskBookSnapshot` of each book, in order.
fn books_batch(event_id: &str, secs: i64, books: &[domain::RiskBook]) -> EventBatch {
    batch(
        event_id,
        secs,
        books
            .iter()
            .cloned()
            .map(fixtures::risk_book_event)
            .collect(),
        json!(null),
    )
}

/// `latest_risk_book` is `None` without any `RiskBookSnapshot`, whatever else is stored
/// (a breach is not a snapshot).
pub async fn latest_risk_book_is_none_without_a_snapshot<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(store.latest_risk_book().await, Ok(None));
    append_n(&store, "rb", 3).await;
    append_ok(
        &store,
        &batch(
            "breach",
            600,
            vec![fixtures::account_breach_event(600)],
            json!({"n": 4}),
        ),
    )
    .await;
    assert_eq!(store.latest_risk_book().await, Ok(None));
    h.dispose(store).await;
}

/// `latest_risk_book` returns the snapshot with the latest `book.at`, not the last appended,
/// and not by batch time; down to the nanosecond.
pub async fn latest_risk_book_is_the_snapshot_with_the_latest_time<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let latest = fixtures::risk_book(300, 10_010_000);
    append_ok(
        &store,
        &books_batch("b1", 100, std::slice::from_ref(&latest)),
    )
    .await;
    assert_eq!(store.latest_risk_book().await, Ok(Some(latest.clone())));
    // Appended later, in a later batch, but an earlier book time: not the latest.
    append_ok(
        &store,
        &books_batch("b2", 900, &[fixtures::risk_book(200, 10_020_000)]),
    )
    .await;
    assert_eq!(store.latest_risk_book().await, Ok(Some(latest)));
    // One nanosecond apart (one microsecond on PostgreSQL's clock), the later appended first.
    let nanos = |secs, n| at(secs) + chrono::Duration::nanoseconds(n);
    let newest = domain::RiskBook {
        at: nanos(400, 2),
        ..fixtures::risk_book(0, 10_030_000)
    };
    let just_before = domain::RiskBook {
        at: nanos(400, 1),
        ..fixtures::risk_book(0, 10_040_000)
    };
    append_ok(
        &store,
        &books_batch("b3", 950, std::slice::from_ref(&newest)),
    )
    .await;
    append_ok(
        &store,
        &books_batch("b4", 1_000, std::slice::from_ref(&just_before)),
    )
    .await;
    assert_eq!(store.latest_risk_book().await, Ok(Some(newest)));
    h.dispose(store).await;
}

/// Among snapshots with equal `book.at`, `latest_risk_book` returns the later appended, across
/// batches and within one.
pub async fn latest_risk_book_among_equal_times_is_the_later_appended<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let first = fixtures::risk_book(300, 10_010_000);
    let second = fixtures::risk_book(300, 10_020_000);
    append_ok(
        &store,
        &books_batch("b1", 300, std::slice::from_ref(&first)),
    )
    .await;
    append_ok(
        &store,
        &books_batch("b2", 300, std::slice::from_ref(&second)),
    )
    .await;
    assert_eq!(store.latest_risk_book().await, Ok(Some(second)));
    let third = fixtures::risk_book(300, 10_030_000);
    let fourth = fixtures::breached_risk_book(300);
    append_ok(&store, &books_batch("b3", 300, &[third, fourth.clone()])).await;
    assert_eq!(store.latest_risk_book().await, Ok(Some(fourth)));
    h.dispose(store).await;
}

/// A stored risk book comes back exactly: every field, decimals with their scale, the
/// optional values and the breach (also after reopening).
pub async fn risk_book_round_trips_exactly<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let book = domain::RiskBook {
        at: at(600) + chrono::Duration::nanoseconds(123_456_789),
        ..fixtures::breached_risk_book(600)
    };
    append_ok(
        &store,
        &batch(
            "book",
            600,
            vec![
                fixtures::account_breach_event(600),
                fixtures::risk_book_event(book.clone()),
            ],
            json!({"n": 1}),
        ),
    )
    .await;
    let exactly = |got: Option<domain::RiskBook>| {
        let got = got.expect("a risk book is stored");
        assert_eq!(got, book);
        assert_eq!(
            serde_json::to_string(&got).expect("serialises"),
            serde_json::to_string(&book).expect("serialises"),
            "same decimals, same scales, same time"
        );
    };
    exactly(store.latest_risk_book().await.expect("latest_risk_book"));
    let Some(store) = h.reopen(store).await else {
        skip(
            "risk_book_round_trips_exactly (after reopen)",
            "this store keeps nothing across instances",
        );
        return;
    };
    exactly(store.latest_risk_book().await.expect("latest_risk_book"));
    h.dispose(store).await;
}

/// A batch with `AccountRuleBreached` is stored, read back as the same event, exported, and
/// verifies.
pub async fn account_rule_breached_round_trips_through_the_audit_trail<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let breached = fixtures::account_breach_event(60);
    let b = batch(
        "BTC-USD:candle:60",
        60,
        vec![
            signal_event("BTC-USD", 60),
            breached.clone(),
            alert_event("daily loss guard line breached", 60),
        ],
        json!({"n": 1}),
    );
    append_ok(&store, &b).await;
    let records = all_records(&store).await;
    assert_eq!(records.len(), 3);
    let record = &records[1];
    assert_eq!(record.seq, 2);
    assert_eq!(record.event().expect("parses"), breached);
    assert_eq!(
        record.event_json,
        breached.canonical_json().expect("serialises")
    );
    assert_eq!(
        record.hash,
        link_hash(sha256, &records[0].hash, record.event_json.as_bytes())
    );
    let line: serde_json::Value =
        serde_json::from_str(&record.to_json_line()).expect("an export line is JSON");
    assert_eq!(line["seq"], 2);
    assert_eq!(line["event"]["type"], "account_rule_breached");
    assert_eq!(line["event"]["rules"], fixtures::RULES);
    assert_eq!(line["event"]["breach"]["rule"], "daily_loss");
    assert_eq!(line["event"]["breach"]["line"], "buffered");
    assert_eq!(line["event"]["breach"]["equity"], "95399.12");
    assert_eq!(store.events_between(at(60), at(61)).await, Ok(records));
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.checked, 3);
    h.dispose(store).await;
}

/// A batch `event_id` at `t0 + secs` with `events` and no state.
fn events_batch(event_id: &str, secs: i64, events: Vec<AuditEvent>) -> EventBatch {
    batch(event_id, secs, events, json!(null))
}

/// The decision ids of `records`, in order, with whether each is resolved.
fn shadow_ids(records: &[domain::ShadowRecord]) -> Vec<(String, bool)> {
    records
        .iter()
        .map(|r| (r.decision.id.clone(), r.resolution.is_some()))
        .collect()
}

/// `shadow_records(from, to)` returns exactly the decisions with `decision.at` in
/// `[from, to)` (to the nanosecond), by decision time then append order, whatever the batch
/// time or append order, each with its stored resolution or `None` while pending; they
/// come back whole, also after reopening.
pub async fn shadow_records_returns_the_decisions_in_range_in_order_with_their_resolutions<
    H: Harness,
>(
    h: &H,
) {
    let store = h.fresh().await;
    assert_eq!(store.shadow_records(at(0), at(10_000)).await, Ok(vec![]));
    let ns = |secs, n| at(secs) + chrono::Duration::nanoseconds(n);
    let d = |sym: &str, t| fixtures::shadow_decision_at(sym, t, domain::ActualOutcome::Taken);
    let d100 = d("BTC-USD", at(100));
    let d200_eth = fixtures::shadow_decision_at("ETH-USD", at(200), domain::ActualOutcome::Blocked);
    let d200_btc = d("BTC-USD", at(200));
    // One nanosecond apart (one microsecond on PostgreSQL's clock), the later appended first.
    let d300_late = domain::ShadowDecision {
        id: "BTC-USD:sma_cross:300-late".into(),
        ..d("BTC-USD", ns(300, 2))
    };
    let d300_early = domain::ShadowDecision {
        id: "BTC-USD:sma_cross:300-early".into(),
        ..d("BTC-USD", ns(300, 1))
    };
    let d400 = d("SOL-USD", at(400));
    let r100 = fixtures::shadow_resolution(&d100, 3_700);
    let r200_btc = fixtures::shadow_resolution(&d200_btc, 3_800);
    let batches = [
        // Batch times are not decision times; the decision time decides.
        events_batch(
            "b1",
            900,
            vec![
                fixtures::shadow_recorded(&d200_eth),
                signal_event("BTC-USD", 900),
                fixtures::shadow_recorded(&d400),
            ],
        ),
        events_batch("b2", 950, vec![fixtures::shadow_recorded(&d100)]),
        // Recorded and resolved in one batch.
        events_batch(
            "b3",
            3_800,
            vec![
                fixtures::shadow_recorded(&d200_btc),
                fixtures::shadow_resolved(&r200_btc),
            ],
        ),
        events_batch("b4", 3_810, vec![fixtures::shadow_recorded(&d300_late)]),
        events_batch("b5", 3_820, vec![fixtures::shadow_recorded(&d300_early)]),
        events_batch("b6", 3_830, vec![fixtures::shadow_resolved(&r100)]),
    ];
    for b in &batches {
        append_ok(&store, b).await;
    }
    let expected = vec![
        domain::ShadowRecord {
            decision: d100.clone(),
            resolution: Some(r100.clone()),
        },
        domain::ShadowRecord {
            decision: d200_eth.clone(),
            resolution: None,
        },
        domain::ShadowRecord {
            decision: d200_btc.clone(),
            resolution: Some(r200_btc.clone()),
        },
        domain::ShadowRecord {
            decision: d300_early.clone(),
            resolution: None,
        },
        domain::ShadowRecord {
            decision: d300_late.clone(),
            resolution: None,
        },
        domain::ShadowRecord {
            decision: d400.clone(),
            resolution: None,
        },
    ];
    check_shadow_records(&store, &expected).await;
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.checked, 9, "every shadow event stays in the audit trail");
    let Some(store) = h.reopen(store).await else {
        skip(
            "shadow_records_returns_the_decisions_in_range_in_order_with_their_resolutions (after reopen)",
            "this store keeps nothing across instances",
        );
        return;
    };
    check_shadow_records(&store, &expected).await;
    h.dispose(store).await;
}

/// The checks of [`shadow_records_returns_the_decisions_in_range_in_order_with_their_resolutions`]
/// on its six records (`expected`, in time order).
async fn check_shadow_records<S: Store + ?Sized>(store: &S, expected: &[domain::ShadowRecord]) {
    let ns = |secs, n| at(secs) + chrono::Duration::nanoseconds(n);
    let all = store
        .shadow_records(at(0), at(10_000))
        .await
        .expect("shadow_records");
    assert_eq!(all, expected, "every record, whole, in time order");
    let ids = shadow_ids(expected);
    let range = |from, to| async move {
        shadow_ids(
            &store
                .shadow_records(from, to)
                .await
                .expect("shadow_records"),
        )
    };
    // `from` included, `to` excluded.
    assert_eq!(range(at(100), at(300)).await, ids[0..3].to_vec());
    // The nanoseconds count: [300 s + 1 ns, 300 s + 2 ns) holds only the earlier one.
    assert_eq!(range(ns(300, 1), ns(300, 2)).await, ids[3..4].to_vec());
    assert_eq!(range(ns(300, 2), at(400)).await, ids[4..5].to_vec());
    assert_eq!(range(at(300), at(300)).await, vec![]);
    assert_eq!(range(ns(400, 1), at(10_000)).await, vec![]);
}

/// `shadow_counts(from, to)` counts the decisions with `decision.at` in `[from, to)` (to the
/// nanosecond), the pending ones whatever their time, and all of them.
pub async fn shadow_counts_counts_the_range_the_pending_and_the_total<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(
        store.shadow_counts(at(0), at(1_000)).await,
        Ok(domain::ShadowCounts::default())
    );
    let ns = |secs, n| at(secs) + chrono::Duration::nanoseconds(n);
    let d = |sym: &str, t| fixtures::shadow_decision_at(sym, t, domain::ActualOutcome::Rejected);
    let before = d("BTC-USD", ns(100, -1)); // just before `from`
    let first = d("ETH-USD", at(100)); // at `from`
    let inside = d("SOL-USD", ns(100, 1));
    let last = d("ADA-USD", ns(200, -1)); // just before `to`
    let after = d("XRP-USD", at(200)); // at `to`
    let later = d("DOT-USD", ns(200, 1));
    let all = [&before, &first, &inside, &last, &after, &later];
    append_ok(
        &store,
        &events_batch(
            "b1",
            300,
            all.iter().map(|d| fixtures::shadow_recorded(d)).collect(),
        ),
    )
    .await;
    let expect = |in_range, pending, total, pending_in_range| domain::ShadowCounts {
        in_range,
        pending,
        total,
        pending_in_range,
    };
    assert_eq!(
        store.shadow_counts(at(100), at(200)).await,
        Ok(expect(3, 6, 6, 3))
    );
    // Resolving (in-range and out-of-range decisions) lowers only the pending count.
    append_ok(
        &store,
        &events_batch(
            "b2",
            4_000,
            vec![
                fixtures::shadow_resolved(&fixtures::shadow_resolution(&inside, 3_900)),
                fixtures::shadow_resolved(&fixtures::shadow_resolution(&later, 3_900)),
            ],
        ),
    )
    .await;
    assert_eq!(
        store.shadow_counts(at(100), at(200)).await,
        Ok(expect(3, 4, 6, 2))
    );
    assert_eq!(
        store.shadow_counts(ns(100, 1), ns(200, 1)).await,
        Ok(expect(3, 4, 6, 2))
    );
    assert_eq!(
        store.shadow_counts(at(0), at(1_000)).await,
        Ok(expect(6, 4, 6, 4))
    );
    assert_eq!(
        store.shadow_counts(at(150), at(150)).await,
        Ok(expect(0, 4, 6, 0))
    );
    assert_eq!(
        store.shadow_counts(at(5_000), at(6_000)).await,
        Ok(expect(0, 4, 6, 0))
    );
    // The pending decisions themselves, by decision time.
    let pending: Vec<String> = store
        .pending_shadow_decisions()
        .await
        .expect("pending_shadow_decisions")
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(
        pending,
        [&before, &first, &last, &after]
            .iter()
            .map(|d| d.id.clone())
            .collect::<Vec<_>>()
    );
    h.dispose(store).await;
}

/// A decision recorded twice, in another batch or within one, is refused as a conflict, and
/// nothing of the batch is written (its event id stays unused).
pub async fn append_refuses_a_shadow_decision_recorded_twice<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let first = fixtures::shadow_decision("BTC-USD", 60);
    append_ok(
        &store,
        &batch(
            "b1",
            60,
            vec![fixtures::shadow_recorded(&first)],
            json!({"n": 1}),
        ),
    )
    .await;
    let tail = store.audit_tail().await.expect("audit_tail");
    let other = fixtures::shadow_decision("ETH-USD", 60);
    let again = domain::ShadowDecision {
        at: at(120), // the id decides, not the content
        ..first.clone()
    };
    for bad in [
        batch(
            "b2",
            120,
            vec![
                signal_event("BTC-USD", 120),
                fixtures::shadow_recorded(&other),
                alert_event("half-written?", 120),
                fixtures::shadow_recorded(&again),
            ],
            json!({"n": 2}),
        ),
        batch(
            "b2",
            120,
            vec![
                fixtures::shadow_recorded(&other),
                fixtures::shadow_recorded(&other),
            ],
            json!({"n": 2}),
        ),
    ] {
        match store.append(&bad).await {
            Err(StoreError::Conflict(_)) => {}
            other => panic!("a shadow decision recorded twice must be a Conflict, got {other:?}"),
        }
        assert_eq!(
            store.audit_tail().await.expect("audit_tail"),
            tail,
            "no audit record written"
        );
        assert_eq!(store.latest_state().await, Ok(Some(json!({"n": 1}))));
        assert!(
            store
                .signals_since(at(0))
                .await
                .expect("signals")
                .is_empty(),
            "signal not projected"
        );
        assert_eq!(
            shadow_ids(
                &store
                    .shadow_records(at(0), at(1_000))
                    .await
                    .expect("shadow_records")
            ),
            vec![(first.id.clone(), false)]
        );
        assert_eq!(
            store.shadow_counts(at(0), at(1_000)).await,
            Ok(domain::ShadowCounts {
                in_range: 1,
                pending: 1,
                total: 1,
                pending_in_range: 1,
            })
        );
    }
    // The event id was not consumed.
    let fixed = batch(
        "b2",
        120,
        vec![fixtures::shadow_recorded(&other)],
        json!({"n": 2}),
    );
    assert_eq!(store.append(&fixed).await, Ok(true));
    assert!(store.verify_audit().await.expect("verify").is_intact());
    h.dispose(store).await;
}

/// A resolution of a decision that is not stored, or is already resolved (in the store or
/// earlier in the batch), is refused as a conflict, and nothing of the batch is written.
pub async fn append_refuses_a_resolution_of_an_unknown_or_resolved_decision<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let known = fixtures::shadow_decision("BTC-USD", 60);
    let pending = fixtures::shadow_decision("ETH-USD", 60);
    let unknown = fixtures::shadow_decision("SOL-USD", 60);
    append_ok(
        &store,
        &batch(
            "b1",
            60,
            vec![
                fixtures::shadow_recorded(&known),
                fixtures::shadow_recorded(&pending),
            ],
            json!({"n": 1}),
        ),
    )
    .await;
    append_ok(
        &store,
        &batch(
            "b2",
            3_700,
            vec![fixtures::shadow_resolved(&fixtures::shadow_resolution(
                &known, 3_700,
            ))],
            json!({"n": 2}),
        ),
    )
    .await;
    let tail = store.audit_tail().await.expect("audit_tail");
    let records = store
        .shadow_records(at(0), at(1_000))
        .await
        .expect("shadow_records");
    let resolve = |d: &domain::ShadowDecision, secs| {
        fixtures::shadow_resolved(&fixtures::shadow_resolution(d, secs))
    };
    let bad_batches = [
        // Never recorded.
        vec![signal_event("BTC-USD", 3_800), resolve(&unknown, 3_800)],
        // Resolved already, by an earlier batch.
        vec![resolve(&pending, 3_800), resolve(&known, 3_800)],
        // Resolved twice within the batch.
        vec![resolve(&pending, 3_800), resolve(&pending, 3_801)],
        // Recorded after its resolution within the batch: the resolution came first.
        vec![
            resolve(&unknown, 3_800),
            fixtures::shadow_recorded(&unknown),
        ],
    ];
    for events in bad_batches {
        let bad = batch("b3", 3_800, events, json!({"n": 3}));
        match store.append(&bad).await {
            Err(StoreError::Conflict(_)) => {}
            other => panic!(
                "a resolution of an unknown or resolved decision must be a Conflict, got {other:?}"
            ),
        }
        assert_eq!(
            store.audit_tail().await.expect("audit_tail"),
            tail,
            "no audit record written"
        );
        assert_eq!(store.latest_state().await, Ok(Some(json!({"n": 2}))));
        assert!(
            store
                .signals_since(at(0))
                .await
                .expect("signals")
                .is_empty()
        );
        assert_eq!(
            store.shadow_records(at(0), at(1_000)).await.as_ref(),
            Ok(&records),
            "no decision recorded or resolved"
        );
    }
    // The event id was not consumed: the pending decision resolves once.
    append_ok(
        &store,
        &batch("b3", 3_800, vec![resolve(&pending, 3_800)], json!({"n": 3})),
    )
    .await;
    assert_eq!(
        store.shadow_counts(at(0), at(1_000)).await,
        Ok(domain::ShadowCounts {
            in_range: 2,
            pending: 0,
            total: 2,
            pending_in_range: 0,
        })
    );
    assert!(store.verify_audit().await.expect("verify").is_intact());
    h.dispose(store).await;
}

/// `signoffs()` returns every sign-off, whole, in append order (not by time), also after
/// reopening.
pub async fn signoffs_returns_every_signoff_in_append_order<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(store.signoffs().await, Ok(vec![]));
    let ana = fixtures::signoff("ana", "weekly evidence reviewed: promote bandit", 500);
    let bo = fixtures::signoff("bø", "agreed — see ticket #42\nsecond line", 400);
    let ana_again = domain::Signoff {
        at: at(600) + chrono::Duration::nanoseconds(123_456_789),
        ..fixtures::signoff("ana", "re-signed after the a\u{0}b fix", 0)
    };
    append_ok(
        &store,
        &events_batch(
            "s1",
            500,
            vec![fixtures::signoff_event(&ana), signal_event("BTC-USD", 500)],
        ),
    )
    .await;
    append_ok(
        &store,
        &events_batch(
            "s2",
            400,
            vec![
                fixtures::signoff_event(&bo),
                fixtures::signoff_event(&ana_again),
            ],
        ),
    )
    .await;
    let expected = vec![ana, bo, ana_again];
    assert_eq!(store.signoffs().await.as_ref(), Ok(&expected));
    let Some(store) = h.reopen(store).await else {
        skip(
            "signoffs_returns_every_signoff_in_append_order (after reopen)",
            "this store keeps nothing across instances",
        );
        return;
    };
    assert_eq!(store.signoffs().await, Ok(expected));
    h.dispose(store).await;
}

/// `put_weekly_report` of a stored week replaces it (also an appended `WeeklyReportStored`),
/// and the replacement survives reopening.
pub async fn put_weekly_report_replaces_the_report_of_the_same_week<H: Harness>(h: &H) {
    let store = h.fresh().await;
    assert_eq!(store.weekly_reports(10).await, Ok(vec![]));
    let first = fixtures::weekly_report(2024, 2, 14 * 86_400, "insufficient evidence");
    let second = fixtures::weekly_report(2024, 2, 14 * 86_400 + 60, "promote bandit");
    let other_week = fixtures::weekly_report(2024, 1, 7 * 86_400, "insufficient evidence");
    store.put_weekly_report(&first).await.expect("put");
    store.put_weekly_report(&other_week).await.expect("put");
    store.put_weekly_report(&second).await.expect("put again");
    assert_eq!(
        store.weekly_reports(10).await.as_ref(),
        Ok(&vec![second.clone(), other_week.clone()])
    );
    // Stored by an appended event, alongside others.
    let third = domain::WeeklyReport {
        generated_at: at(15 * 86_400) + chrono::Duration::nanoseconds(1),
        ..fixtures::weekly_report(2024, 2, 0, "hold")
    };
    append_ok(
        &store,
        &events_batch(
            "weekly",
            15 * 86_400,
            vec![
                alert_event("weekly report", 15 * 86_400),
                AuditEvent::WeeklyReportStored {
                    report: third.clone(),
                },
            ],
        ),
    )
    .await;
    let expected = vec![third, other_week];
    assert_eq!(store.weekly_reports(10).await.as_ref(), Ok(&expected));
    let Some(store) = h.reopen(store).await else {
        skip(
            "put_weekly_report_replaces_the_report_of_the_same_week (after reopen)",
            "this store keeps nothing across instances",
        );
        return;
    };
    assert_eq!(store.weekly_reports(10).await, Ok(expected));
    h.dispose(store).await;
}

/// `weekly_reports(limit)` returns the `limit` latest weeks, newest (year, week) first,
/// across a year boundary and whatever the put order.
pub async fn weekly_reports_returns_the_latest_weeks_newest_first<H: Harness>(h: &H) {
    let store = h.fresh().await;
    let weeks = [(2024, 2), (2023, 52), (2024, 10), (2024, 1), (2023, 9)];
    for (i, (year, week)) in (0_i64..).zip(weeks) {
        let report = fixtures::weekly_report(year, week, 86_400 * i, "hold");
        store.put_weekly_report(&report).await.expect("put");
    }
    let keys = |reports: Vec<domain::WeeklyReport>| {
        reports
            .into_iter()
            .map(|r| (r.year, r.week))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(store.weekly_reports(2).await.expect("weekly_reports")),
        vec![(2024, 10), (2024, 2)]
    );
    assert_eq!(
        keys(store.weekly_reports(100).await.expect("weekly_reports")),
        vec![(2024, 10), (2024, 2), (2024, 1), (2023, 52), (2023, 9)]
    );
    assert_eq!(store.weekly_reports(0).await, Ok(vec![]));
    assert_eq!(
        store.weekly_reports(1).await,
        Ok(vec![fixtures::weekly_report(2024, 10, 2 * 86_400, "hold")]),
        "reports come back whole"
    );
    h.dispose(store).await;
}
