//! The in-memory `Store`, used when persistence is off (backtests, benchmarks, tests).
//!
//! It keeps the latest `capacity` event batches (older ones are dropped, so a
//! ten-million-bar backtest does not grow without bound) with their hash-chained
//! audit records, every order, the latest state and the latest heartbeat per
//! instance. It keeps the port's contract within the retained window: idempotent
//! by event id, fills counted twice, shadow decisions recorded twice or resolved
//! twice (or never recorded) and conflicting order ids are refused, and
//! `verify_audit` recomputes the retained part of the chain.
//!
//! The ids of pending shadow decisions are kept until they are resolved, even when
//! the recording batch has left the window, so a resolution arriving after a long
//! horizon is still accepted. The shadow queries (`shadow_records`, `shadow_counts`,
//! `signoffs`, `weekly_reports`) are the trait's defaults: scans of the retained
//! audit records.
//!
//! Operator requests, the ids of the applied ones and daily reports are never
//! dropped (they are few): a request whose applying batch fell out of the window
//! stays applied, so it is not applied a second time.
//!
//! [`MemoryStore::new`] hash-chains every appended event exactly as the persistent
//! stores do (SHA-256 over the event's canonical JSON). [`MemoryStore::unchained`] is
//! the store of runs that persist nothing and export their trail themselves
//! (`backtest` writes `audit.jsonl` from the engine's events; `backtest bench` keeps
//! nothing): a tamper-evident chain that dies with the process protects nothing, so it
//! does not compute one. Everything else is enforced the same way (idempotency, fills,
//! shadow decisions, order ids); its audit records are built when read, with empty
//! `prev_hash` and `hash`, and `verify_audit` refuses with an error saying there is
//! no chain to verify.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Mutex;

use async_trait::async_trait;
use domain::ports::{
    AuditRecord, AuditVerification, ChainHead, ChainVerifier, DailyReport, EventBatch, Heartbeat,
    OperatorCommand, OperatorRequest, REQUEST_EVENT_ID_PREFIX, Store, StoreError, request_event_id,
};
use domain::{Actor, AuditEvent, ClientOrderId, Order, Timestamp};
use sha2::Digest;

/// The store's hash sets: keys are ids the engine makes (event ids, fill keys,
/// decision ids), looked up on every append; foldhash instead of SipHash.
type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

/// SHA-256 for the audit chain (the domain defines the chain, the store supplies the hash).
fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = sha2::Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// The (order, trade) keys of the fills a batch records.
fn fill_keys(batch: &EventBatch) -> Vec<(ClientOrderId, String)> {
    batch
        .events
        .iter()
        .filter_map(|e| match e {
            AuditEvent::OrderFilled { fill } => {
                Some((fill.client_order_id.clone(), fill.trade_id.clone()))
            }
            _ => None,
        })
        .collect()
}

/// The ids of the shadow decisions a batch records.
fn recorded_decisions(batch: &EventBatch) -> impl Iterator<Item = &str> {
    batch.events.iter().filter_map(|e| match e {
        AuditEvent::ShadowDecisionRecorded { decision } => Some(decision.id.as_str()),
        _ => None,
    })
}

/// The operator request a batch applies, if its event id is one of
/// [`request_event_id`]'s (`operator_request:<id>`).
fn applied_request(event_id: &str) -> Option<u64> {
    // A market event's batch (most of them) is told apart without formatting an id.
    let digits = event_id.strip_prefix(REQUEST_EVENT_ID_PREFIX)?;
    let id = digits.parse().ok()?;
    (request_event_id(id) == event_id).then_some(id)
}

#[derive(Debug)]
struct Inner {
    batches: VecDeque<EventBatch>,
    ids: HashSet<String>,
    fills: HashSet<(ClientOrderId, String)>,
    /// Ids of the shadow decisions recorded by the retained batches.
    decisions: HashSet<String>,
    /// Ids of the shadow decisions recorded and not resolved (kept beyond the window).
    pending: HashSet<String>,
    records: VecDeque<AuditRecord>,
    /// The link before the first retained record (genesis until something is dropped).
    window_start: ChainHead,
    head: ChainHead,
    orders: BTreeMap<ClientOrderId, Order>,
    state: Option<serde_json::Value>,
    /// The latest value of every top-level key of the appended states.
    state_parts: BTreeMap<String, serde_json::Value>,
    heartbeats: BTreeMap<String, Heartbeat>,
    appended: u64,
    /// Every request ever queued; request `id` is at index `id - 1`.
    requests: Vec<OperatorRequest>,
    /// Ids of the requests whose batch was appended (kept when the batch is dropped).
    applied: BTreeSet<u64>,
    reports: BTreeMap<chrono::NaiveDate, DailyReport>,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            batches: VecDeque::new(),
            ids: HashSet::default(),
            fills: HashSet::default(),
            decisions: HashSet::default(),
            pending: HashSet::default(),
            records: VecDeque::new(),
            window_start: ChainHead::genesis(),
            head: ChainHead::genesis(),
            orders: BTreeMap::new(),
            state: None,
            state_parts: BTreeMap::new(),
            heartbeats: BTreeMap::new(),
            appended: 0,
            requests: Vec::new(),
            applied: BTreeSet::new(),
            reports: BTreeMap::new(),
        }
    }
}

impl Inner {
    /// The retained events as audit records without a chain (see
    /// [`MemoryStore::unchained`]): seq from the window start, canonical JSON built now.
    fn unchained_records(
        &self,
        mut keep: impl FnMut(u64, &EventBatch) -> bool,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut out = Vec::new();
        let mut seq = self.window_start.seq;
        for batch in &self.batches {
            for (i, event) in batch.events.iter().enumerate() {
                seq += 1;
                if !keep(seq, batch) {
                    continue;
                }
                let event_json = event.canonical_json().map_err(|e| {
                    StoreError::Backend(format!(
                        "event {} of batch {} does not serialise: {e}",
                        i + 1,
                        batch.event_id
                    ))
                })?;
                out.push(AuditRecord {
                    seq,
                    event_id: batch.event_id.clone(),
                    at: batch.at,
                    event_json,
                    prev_hash: String::new(),
                    hash: String::new(),
                });
            }
        }
        Ok(out)
    }

    /// Drops the oldest batch with its audit records and fill keys.
    fn drop_oldest(&mut self) {
        let Some(old) = self.batches.pop_front() else {
            return;
        };
        self.ids.remove(&old.event_id);
        for key in fill_keys(&old) {
            self.fills.remove(&key);
        }
        for id in recorded_decisions(&old) {
            self.decisions.remove(id);
        }
        for _ in 0..old.events.len() {
            match self.records.pop_front() {
                Some(record) => {
                    self.window_start = ChainHead {
                        seq: record.seq,
                        hash: record.hash,
                    };
                }
                // An unchained store: only the position moves.
                None => self.window_start.seq += 1,
            }
        }
    }

    /// Checks the batch's shadow events against what is stored and against each other,
    /// in batch order: a decision may be recorded once, and resolved once after it was
    /// recorded. Returns the ids the batch records and the ids it resolves.
    fn check_shadow<'b>(
        &self,
        batch: &'b EventBatch,
    ) -> Result<(HashSet<&'b str>, HashSet<&'b str>), StoreError> {
        let mut recorded = HashSet::default();
        let mut resolved = HashSet::default();
        for event in &batch.events {
            match event {
                AuditEvent::ShadowDecisionRecorded { decision } => {
                    let id = decision.id.as_str();
                    if self.decisions.contains(id)
                        || self.pending.contains(id)
                        || !recorded.insert(id)
                    {
                        return Err(StoreError::Conflict(format!(
                            "append {}: shadow decision {id} is already stored (a decision recorded twice); nothing written",
                            batch.event_id
                        )));
                    }
                }
                AuditEvent::ShadowDecisionResolved { resolution } => {
                    let id = resolution.id.as_str();
                    let known = self.pending.contains(id) || recorded.contains(id);
                    if !known || !resolved.insert(id) {
                        let why = if known || self.decisions.contains(id) {
                            format!(
                                "shadow decision {id} is already resolved: a decision resolved twice"
                            )
                        } else {
                            format!(
                                "resolution of unknown shadow decision {id}: no such shadow decision is stored"
                            )
                        };
                        return Err(StoreError::Conflict(format!(
                            "append {}: {why}; nothing written",
                            batch.event_id
                        )));
                    }
                }
                _ => {}
            }
        }
        Ok((recorded, resolved))
    }
}

/// A bounded, in-process store.
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    capacity: usize,
    /// Whether appended events are hash-chained (see the module docs).
    chained: bool,
}

impl MemoryStore {
    /// A store keeping at most `capacity` recent batches, hash-chaining every event.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
            chained: true,
        }
    }

    /// A store keeping at most `capacity` recent batches without an audit chain: for
    /// runs that persist nothing (see the module docs).
    pub fn unchained(capacity: usize) -> Self {
        Self {
            chained: false,
            ..Self::new(capacity)
        }
    }

    /// Whether this store hash-chains its audit records.
    pub fn is_chained(&self) -> bool {
        self.chained
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The retained batches, oldest first.
    pub fn batches(&self) -> Vec<EventBatch> {
        self.lock().batches.iter().cloned().collect()
    }

    /// How many batches were appended in total (including dropped ones).
    pub fn appended(&self) -> u64 {
        self.lock().appended
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new(10_000)
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn append(&self, batch: &EventBatch) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let request = applied_request(&batch.event_id);
        if inner.ids.contains(&batch.event_id)
            || request.is_some_and(|id| inner.applied.contains(&id))
        {
            return Ok(false);
        }
        // Check everything before changing anything: the batch goes in whole or not at all.
        let fills = fill_keys(batch);
        let mut seen = HashSet::default();
        for key in &fills {
            if inner.fills.contains(key) || !seen.insert(key) {
                return Err(StoreError::Conflict(format!(
                    "append {}: fill {} of order {} is already stored (a fill counted twice); nothing written",
                    batch.event_id, key.1, key.0
                )));
            }
        }
        let (recorded, resolved) = inner.check_shadow(batch)?;
        for order in &batch.orders {
            let known = inner.orders.get(&order.client_order_id).or_else(|| {
                batch
                    .orders
                    .iter()
                    .find(|o| o.client_order_id == order.client_order_id)
            });
            if let Some(existing) = known
                && (existing.symbol != order.symbol || existing.side != order.side)
            {
                return Err(StoreError::Conflict(format!(
                    "append {}: client order id {} exists for {} {}, not {} {}; nothing written",
                    batch.event_id,
                    order.client_order_id,
                    existing.symbol,
                    existing.side.as_str(),
                    order.symbol,
                    order.side.as_str()
                )));
            }
        }
        if self.chained {
            let records = AuditRecord::chain(sha256, &inner.head, batch)?;
            if let Some(last) = records.last() {
                inner.head = ChainHead {
                    seq: last.seq,
                    hash: last.hash.clone(),
                };
            }
            inner.records.extend(records);
        } else {
            inner.head.seq += batch.events.len() as u64;
        }
        inner.fills.extend(fills);
        for order in &batch.orders {
            inner
                .orders
                .insert(order.client_order_id.clone(), order.clone());
        }
        for id in recorded {
            inner.decisions.insert(id.to_string());
            inner.pending.insert(id.to_string());
        }
        for id in resolved {
            inner.pending.remove(id);
        }
        inner.ids.insert(batch.event_id.clone());
        inner.applied.extend(request);
        if !batch.state.is_null() {
            if let Some(parts) = batch.state.as_object() {
                for (k, v) in parts {
                    inner.state_parts.insert(k.clone(), v.clone());
                }
            }
            inner.state = Some(batch.state.clone());
        }
        inner.batches.push_back(batch.clone());
        inner.appended += 1;
        while inner.batches.len() > self.capacity {
            inner.drop_oldest();
        }
        Ok(true)
    }

    async fn latest_state(&self) -> Result<Option<serde_json::Value>, StoreError> {
        Ok(self.lock().state.clone())
    }

    async fn latest_state_part(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        Ok(self.lock().state_parts.get(key).cloned())
    }

    async fn put_order(&self, order: &Order) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if let Some(existing) = inner.orders.get(&order.client_order_id)
            && (existing.symbol != order.symbol || existing.side != order.side)
        {
            return Err(StoreError::Conflict(format!(
                "client order id {} exists for {} {}",
                order.client_order_id,
                existing.symbol,
                existing.side.as_str()
            )));
        }
        inner
            .orders
            .insert(order.client_order_id.clone(), order.clone());
        Ok(())
    }

    async fn order(&self, id: &ClientOrderId) -> Result<Option<Order>, StoreError> {
        Ok(self.lock().orders.get(id).cloned())
    }

    async fn open_orders(&self) -> Result<Vec<Order>, StoreError> {
        Ok(self
            .lock()
            .orders
            .values()
            .filter(|o| !o.status.is_terminal())
            .cloned()
            .collect())
    }

    async fn unbooked_orders(&self) -> Result<Vec<Order>, StoreError> {
        let inner = self.lock();
        let mut booked: BTreeMap<&ClientOrderId, rust_decimal::Decimal> = BTreeMap::new();
        for batch in &inner.batches {
            for event in &batch.events {
                if let AuditEvent::OrderFilled { fill } = event {
                    *booked.entry(&fill.client_order_id).or_default() += fill.qty.value();
                }
            }
        }
        Ok(inner
            .orders
            .values()
            .filter(|o| {
                o.status.is_terminal()
                    && o.filled_qty.value()
                        > booked.get(&o.client_order_id).copied().unwrap_or_default()
            })
            .cloned()
            .collect())
    }

    async fn audit_tail(&self) -> Result<Option<AuditRecord>, StoreError> {
        let inner = self.lock();
        if self.chained {
            return Ok(inner.records.back().cloned());
        }
        let last = inner.head.seq;
        Ok(inner.unchained_records(|seq, _| seq == last)?.pop())
    }

    async fn audit_events(
        &self,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let inner = self.lock();
        if !self.chained {
            let last = after_seq.saturating_add(u64::from(limit));
            return inner.unchained_records(|seq, _| after_seq < seq && seq <= last);
        }
        let start = inner.records.partition_point(|r| r.seq <= after_seq);
        Ok(inner
            .records
            .iter()
            .skip(start)
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }

    async fn verify_audit(&self) -> Result<AuditVerification, StoreError> {
        if !self.chained {
            return Err(StoreError::Backend(
                "verify the audit trail: this in-memory store keeps no hash chain (persistence off); nothing to verify"
                    .to_string(),
            ));
        }
        let inner = self.lock();
        let mut verifier = ChainVerifier::after(sha256, inner.window_start.clone());
        for record in &inner.records {
            if !verifier.check(record.link()) {
                break;
            }
        }
        Ok(verifier.finish(Some(&inner.head)))
    }

    async fn put_heartbeat(&self, heartbeat: &Heartbeat) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let newer = inner
            .heartbeats
            .get(&heartbeat.instance)
            .is_none_or(|old| heartbeat.at >= old.at);
        if newer {
            inner
                .heartbeats
                .insert(heartbeat.instance.clone(), heartbeat.clone());
        }
        Ok(())
    }

    async fn last_heartbeat(&self, instance: &str) -> Result<Option<Heartbeat>, StoreError> {
        Ok(self.lock().heartbeats.get(instance).cloned())
    }

    async fn enqueue_request(
        &self,
        command: &OperatorCommand,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let id = inner.requests.len() as u64 + 1;
        inner.requests.push(OperatorRequest {
            id,
            command: command.clone(),
            actor: actor.clone(),
            requested_at: at,
        });
        Ok(id)
    }

    async fn pending_requests(&self) -> Result<Vec<OperatorRequest>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .requests
            .iter()
            .filter(|r| !inner.applied.contains(&r.id))
            .cloned()
            .collect())
    }

    async fn request(&self, id: u64) -> Result<Option<(OperatorRequest, bool)>, StoreError> {
        let inner = self.lock();
        let Some(index) = id.checked_sub(1).and_then(|i| usize::try_from(i).ok()) else {
            return Ok(None);
        };
        Ok(inner
            .requests
            .get(index)
            .map(|r| (r.clone(), inner.applied.contains(&id))))
    }

    async fn put_daily_report(&self, report: &DailyReport) -> Result<(), StoreError> {
        self.lock().reports.insert(report.date, report.clone());
        Ok(())
    }

    async fn daily_reports(&self, limit: u32) -> Result<Vec<DailyReport>, StoreError> {
        Ok(self
            .lock()
            .reports
            .values()
            .rev()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }

    async fn events_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let inner = self.lock();
        if !self.chained {
            return inner.unchained_records(|_, batch| from <= batch.at && batch.at < to);
        }
        Ok(inner
            .records
            .iter()
            .filter(|r| from <= r.at && r.at < to)
            .cloned()
            .collect())
    }

    // `signals_since`, `recent_alerts`, `fills_of`, `latest_risk_book` and the shadow
    // queries: the trait's defaults (a scan of the retained audit records through
    // `audit_events`) are right for a bounded in-memory store.
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn batch(n: u32) -> EventBatch {
        let at = Utc
            .with_ymd_and_hms(2024, 1, 1, 0, n, 0)
            .single()
            .expect("valid time");
        EventBatch {
            event_id: format!("e{n}"),
            at,
            events: vec![AuditEvent::KillSwitchDeactivated {
                actor: domain::Actor::Operator { name: "ana".into() },
                reason: format!("r{n}"),
                at,
                requested_at: None,
            }],
            state: serde_json::json!({ "n": n }),
            orders: Vec::new(),
        }
    }

    #[test]
    fn a_bounded_store_verifies_the_window_it_keeps() {
        futures::executor::block_on(bounded_window());
    }

    async fn bounded_window() {
        let store = MemoryStore::new(3);
        for n in 1..=10 {
            assert_eq!(store.append(&batch(n)).await, Ok(true));
        }
        let records = store.audit_events(0, 100).await.expect("records");
        assert_eq!(
            records.iter().map(|r| r.seq).collect::<Vec<_>>(),
            vec![8, 9, 10]
        );
        let v = store.verify_audit().await.expect("verify");
        assert!(v.is_intact(), "{v:?}");
        assert_eq!((v.checked, v.last_seq), (3, 10));
        // A dropped event id is forgotten (the documented limit of the window).
        assert_eq!(store.append(&batch(1)).await, Ok(true));
    }

    #[test]
    fn an_unchained_store_keeps_the_same_trail_without_hashes() {
        futures::executor::block_on(unchained_trail());
    }

    async fn unchained_trail() {
        let chained = MemoryStore::new(3);
        let unchained = MemoryStore::unchained(3);
        assert!(chained.is_chained() && !unchained.is_chained());
        // Two events in batch 11, so seqs and batches do not coincide.
        let mut two = batch(11);
        two.events.push(two.events[0].clone());
        let batches: Vec<EventBatch> = (1..=10).map(batch).chain([two]).collect();
        for b in &batches {
            assert_eq!(chained.append(b).await, Ok(true));
            assert_eq!(unchained.append(b).await, Ok(true));
        }
        // The same events at the same positions, only without the chain.
        let strip = |records: Vec<AuditRecord>| {
            records
                .into_iter()
                .map(|r| (r.seq, r.event_id, r.at, r.event_json))
                .collect::<Vec<_>>()
        };
        let all = unchained.audit_events(0, 100).await.expect("records");
        assert!(
            all.iter()
                .all(|r| r.hash.is_empty() && r.prev_hash.is_empty())
        );
        assert_eq!(
            all.iter().map(|r| r.seq).collect::<Vec<_>>(),
            vec![9, 10, 11, 12]
        );
        assert_eq!(
            strip(all),
            strip(chained.audit_events(0, 100).await.expect("chained"))
        );
        assert_eq!(
            strip(unchained.audit_events(9, 2).await.expect("page")),
            strip(chained.audit_events(9, 2).await.expect("chained page"))
        );
        let tail = unchained.audit_tail().await.expect("tail").expect("some");
        assert_eq!((tail.seq, tail.event_id.as_str()), (12, "e11"));
        let from = batches[9].at;
        assert_eq!(
            strip(
                unchained
                    .events_between(from, batches[10].at)
                    .await
                    .expect("between")
            ),
            strip(
                chained
                    .events_between(from, batches[10].at)
                    .await
                    .expect("chained")
            )
        );
        // Nothing to verify, and it says so instead of calling the trail intact.
        let err = unchained.verify_audit().await.expect_err("no chain");
        assert!(err.to_string().contains("no hash chain"), "{err}");
        // The port's other rules hold: a retained event id is not appended twice.
        assert_eq!(unchained.append(&batches[10]).await, Ok(false));
    }

    #[test]
    fn an_applied_request_stays_applied_after_its_batch_is_dropped() {
        futures::executor::block_on(applied_request_outlives_window());
    }

    async fn applied_request_outlives_window() {
        let store = MemoryStore::new(2);
        let actor = domain::Actor::Operator { name: "ana".into() };
        let command = OperatorCommand::KillSwitchOn {
            reason: "drill".into(),
        };
        let at = batch(0).at;
        let id = store
            .enqueue_request(&command, &actor, at)
            .await
            .expect("enqueue");
        let applying = EventBatch {
            event_id: request_event_id(id),
            ..batch(0)
        };
        assert_eq!(store.append(&applying).await, Ok(true));
        for n in 1..=5 {
            assert_eq!(store.append(&batch(n)).await, Ok(true));
        }
        assert!(store.pending_requests().await.expect("pending").is_empty());
        let (_, applied) = store.request(id).await.expect("read").expect("queued");
        assert!(applied);
        // Re-applying after the window moved on is still a no-op.
        assert_eq!(store.append(&applying).await, Ok(false));
    }

    #[test]
    fn a_pending_decision_resolves_after_its_batch_is_dropped() {
        futures::executor::block_on(pending_decision_outlives_window());
    }

    fn shadow_batch(event_id: &str, event: AuditEvent) -> EventBatch {
        EventBatch {
            event_id: event_id.into(),
            events: vec![event],
            state: serde_json::Value::Null,
            ..batch(0)
        }
    }

    async fn pending_decision_outlives_window() {
        let store = MemoryStore::new(2);
        let decision: domain::ShadowDecision = serde_json::from_value(serde_json::json!({
            "id": "BTC-USD:sma_cross:1704067200000000",
            "at": "2024-01-01T00:00:00Z",
            "symbol": "BTC-USD",
            "strategy": "sma_cross",
            "side": "buy",
            "confidence": "0.72",
            "tier": "medium",
            "entry_price": "42000.50",
            "notional": "10000",
            "outcome": "taken",
            "reasons": [],
            "regime": "bull",
            "features": {},
            "recommendations": [],
            "horizon_end": "2024-01-01T01:00:00Z"
        }))
        .expect("a valid decision");
        let recorded = AuditEvent::ShadowDecisionRecorded {
            decision: decision.clone(),
        };
        let resolution: domain::ShadowResolution = serde_json::from_value(serde_json::json!({
            "id": decision.id,
            "symbol": "BTC-USD",
            "resolved_at": "2024-01-01T01:00:00Z",
            "exit_price": "42100",
            "forward_return": "0.0024",
            "cost": "0.0015",
            "actual": {"notional": "10000", "gross": "24", "fees": "10", "slippage": "3", "spread": "2", "net": "9"},
            "advisors": {}
        }))
        .expect("a valid resolution");
        let resolved = AuditEvent::ShadowDecisionResolved { resolution };
        assert_eq!(
            store.append(&shadow_batch("s1", recorded.clone())).await,
            Ok(true)
        );
        // Within the window, recording the id again is refused.
        assert!(matches!(
            store.append(&shadow_batch("s2", recorded.clone())).await,
            Err(StoreError::Conflict(_))
        ));
        for n in 1..=3 {
            assert_eq!(store.append(&batch(n)).await, Ok(true));
        }
        // The recording batch is gone; the decision is still pending, so it resolves once,
        // and cannot be recorded again meanwhile.
        assert!(matches!(
            store.append(&shadow_batch("s2", recorded)).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            store.append(&shadow_batch("s3", resolved.clone())).await,
            Ok(true)
        );
        assert!(matches!(
            store.append(&shadow_batch("s4", resolved)).await,
            Err(StoreError::Conflict(_))
        ));
    }

    #[test]
    fn only_exact_request_event_ids_count_as_applied() {
        assert_eq!(applied_request("operator_request:7"), Some(7));
        assert_eq!(applied_request("operator_request:07"), None);
        assert_eq!(applied_request("BTC-USD:candle:7"), None);
        assert_eq!(applied_request("operator_request:x"), None);
    }
}
