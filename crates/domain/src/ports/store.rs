//! The `Store` port: persistence of every event and of the state needed to resume.
//!
//! Besides the trait this module defines the audit trail's hash chain, because
//! every adapter must compute and check it the same way (docs/storage.md):
//!
//! ```text
//! hash(n) = lower_hex(SHA-256(prev_hash(n) || event_json(n)))
//! prev_hash(1) = GENESIS_HASH (64 zeros), prev_hash(n) = hash(n - 1)
//! ```
//!
//! `prev_hash` enters as its 64 ASCII hex characters, `event_json` as the UTF-8
//! bytes of [`AuditEvent::canonical_json`], nothing in between. The domain has no
//! crypto dependency, so adapters pass their SHA-256 in as a [`Sha256`] function.

use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::account::RiskBook;
use crate::events::{Alert, AuditEvent};
use crate::market::Timestamp;
use crate::money::Money;
use crate::order::{ClientOrderId, Fill, Order};
use crate::reasons::Actor;
use crate::shadow::{
    ShadowCounts, ShadowDecision, ShadowRecord, ShadowResolution, Signoff, WeeklyReport,
};
use crate::signal::Signal;
use crate::symbol::Symbol;

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// A unique key already exists (e.g. a client order id or an event id).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The backend cannot be reached.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data failed validation (e.g. a broken audit chain).
    #[error("store corrupt: {0}")]
    Corrupt(String),
    /// The file or database is not one of Rampart's (or is from a newer version):
    /// refused, and left exactly as it was.
    #[error("refused: {0}")]
    Foreign(String),
    /// The backend failed the operation (I/O error, disk full, unexpected SQL error);
    /// nothing of the operation was written.
    #[error("store failed: {0}")]
    Backend(String),
}

/// Everything one market event produced, persisted atomically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventBatch {
    /// Idempotency key of the market event (e.g. `BTC-USD:candle:1700000000`).
    pub event_id: String,
    /// Event time.
    pub at: Timestamp,
    /// Audit events in the order they happened.
    pub events: Vec<AuditEvent>,
    /// Serialised runtime state after the event (portfolio, levels, counters);
    /// `Null` when this batch carries no snapshot.
    pub state: serde_json::Value,
    /// Orders whose stored status changes with this batch (acknowledged, filled,
    /// rejected ...), upserted in the same transaction as the events and the state, so
    /// that an order is never terminal in the store without the fills and the position
    /// of the batch that made it so. In the order the engine changed them: the last
    /// snapshot of an id wins. Only the write-ahead record of a new order, before it is
    /// sent, is stored on its own (`put_order`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<Order>,
}

impl EventBatch {
    /// A batch of `events` at `at` with `state` and no order changes.
    pub fn new(
        event_id: impl Into<String>,
        at: Timestamp,
        events: Vec<AuditEvent>,
        state: serde_json::Value,
    ) -> Self {
        Self {
            event_id: event_id.into(),
            at,
            events,
            state,
            orders: Vec::new(),
        }
    }
}

/// What [`Store::unbooked_orders`] asks of a terminal order: whether its filled quantity
/// exceeds what its stored fills add up to, given as the fills' decimal quantity texts (as an
/// adapter reads them from the events' JSON). A text that is not a quantity is
/// `StoreError::Corrupt`, naming the order.
pub fn fills_fall_short<Q: AsRef<str>>(
    order: &Order,
    stored_fill_qtys: impl IntoIterator<Item = Q>,
) -> Result<bool, StoreError> {
    let mut booked = rust_decimal::Decimal::ZERO;
    for qty in stored_fill_qtys {
        let qty = qty.as_ref();
        booked += qty.parse::<rust_decimal::Decimal>().map_err(|e| {
            StoreError::Corrupt(format!(
                "a fill of order {} has quantity {qty:?}: {e}",
                order.client_order_id
            ))
        })?;
    }
    Ok(order.filled_qty.value() > booked)
}

/// One stored audit event and its link in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the trail: 1, 2, 3, ... without gaps, in append order.
    pub seq: u64,
    /// The event id of the batch the event was appended with.
    pub event_id: String,
    /// The batch's event time.
    pub at: Timestamp,
    /// The event as [`AuditEvent::canonical_json`]: exactly the bytes that were hashed.
    pub event_json: String,
    /// Hash of the previous record ([`GENESIS_HASH`] for seq 1).
    pub prev_hash: String,
    /// `link_hash(prev_hash, event_json)`.
    pub hash: String,
}

impl AuditRecord {
    /// Builds the records of `batch`, chained after `head`.
    pub fn chain(
        sha256: Sha256,
        head: &ChainHead,
        batch: &EventBatch,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut prev = head.hash.clone();
        let mut records = Vec::with_capacity(batch.events.len());
        for (i, event) in batch.events.iter().enumerate() {
            let event_json = event.canonical_json().map_err(|e| {
                StoreError::Backend(format!(
                    "event {} of batch {} does not serialise: {e}",
                    i + 1,
                    batch.event_id
                ))
            })?;
            let hash = link_hash(sha256, &prev, event_json.as_bytes());
            records.push(AuditRecord {
                seq: head.seq + 1 + i as u64,
                event_id: batch.event_id.clone(),
                at: batch.at,
                event_json,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
            });
        }
        Ok(records)
    }

    /// The stored event.
    pub fn event(&self) -> Result<AuditEvent, serde_json::Error> {
        serde_json::from_str(&self.event_json)
    }

    /// The record as one line of the JSONL export (no trailing newline):
    /// `{"seq":..,"event_id":..,"at":..,"prev_hash":..,"hash":..,"event":<event_json>}`.
    ///
    /// The event is embedded verbatim, so `hash` can be recomputed from the line's
    /// raw `event` text.
    pub fn to_json_line(&self) -> String {
        let text = |s: &str| serde_json::Value::from(s).to_string();
        format!(
            "{{\"seq\":{},\"event_id\":{},\"at\":{},\"prev_hash\":{},\"hash\":{},\"event\":{}}}",
            self.seq,
            text(&self.event_id),
            text(&self.at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            text(&self.prev_hash),
            text(&self.hash),
            self.event_json
        )
    }

    /// This record as a link to check.
    pub fn link(&self) -> Link<'_> {
        Link {
            seq: self.seq,
            prev_hash: &self.prev_hash,
            hash: &self.hash,
            event: self.event_json.as_bytes(),
        }
    }
}

/// SHA-256 over the concatenation of `parts`, supplied by the adapter.
pub type Sha256 = fn(parts: &[&[u8]]) -> [u8; 32];

/// `prev_hash` of the first record: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of a link: lower-case hex of SHA-256(`prev_hash` || `event_json`).
pub fn link_hash(sha256: Sha256, prev_hash: &str, event_json: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = sha256(&[prev_hash.as_bytes(), event_json]);
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0x0f)];
    }
    // Only ASCII hex digits were written.
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

/// The last link of the chain: what the next appended event links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// Seq of the last record (0 when the trail is empty).
    pub seq: u64,
    /// Hash of the last record ([`GENESIS_HASH`] when the trail is empty).
    pub hash: String,
}

impl ChainHead {
    /// The head of an empty trail.
    pub fn genesis() -> Self {
        Self {
            seq: 0,
            hash: GENESIS_HASH.to_string(),
        }
    }
}

/// A stored link as read back for verification (the event as raw stored bytes).
#[derive(Debug, Clone, Copy)]
pub struct Link<'a> {
    /// Stored seq.
    pub seq: u64,
    /// Stored previous hash.
    pub prev_hash: &'a str,
    /// Stored hash.
    pub hash: &'a str,
    /// Stored event bytes.
    pub event: &'a [u8],
}

/// What is wrong with the first broken link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum LinkProblem {
    /// The record does not carry the next seq: records were deleted or inserted.
    SeqGap {
        /// The seq that should have come next.
        expected: u64,
    },
    /// `prev_hash` is not the previous record's hash: a record was replaced or relinked.
    PrevHashMismatch {
        /// The previous record's hash.
        expected: String,
        /// What the record stores.
        stored: String,
    },
    /// `hash` is not SHA-256 over `prev_hash` and the stored event: the event (or hash) was altered.
    HashMismatch {
        /// Recomputed from the stored bytes.
        computed: String,
        /// What the record stores.
        stored: String,
    },
    /// The stored chain head names a later record than the last one stored: the tail was deleted.
    MissingTail {
        /// Seq of the last record found.
        last_seq: u64,
        /// Hash of the last record found.
        last_hash: String,
        /// Hash the head records for `BrokenLink::seq`.
        head_hash: String,
    },
}

/// The first link that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    /// Seq of the broken record (for `MissingTail`: the seq the head names).
    pub seq: u64,
    /// What mismatched.
    #[serde(flatten)]
    pub problem: LinkProblem,
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seq = self.seq;
        match &self.problem {
            LinkProblem::SeqGap { expected } => write!(
                f,
                "audit record {seq}: expected seq {expected} (records deleted or inserted)"
            ),
            LinkProblem::PrevHashMismatch { expected, stored } => write!(
                f,
                "audit record {seq}: prev_hash {stored} is not the previous record's hash {expected}"
            ),
            LinkProblem::HashMismatch { computed, stored } => write!(
                f,
                "audit record {seq}: stored hash {stored} but the stored event hashes to {computed} (event or hash altered)"
            ),
            LinkProblem::MissingTail {
                last_seq,
                last_hash,
                head_hash,
            } => write!(
                f,
                "audit record {seq} (head hash {head_hash}) is missing: the trail ends at {last_seq} ({last_hash}), records were deleted from the end"
            ),
        }
    }
}

/// Result of recomputing the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    /// Records whose link verified.
    pub checked: u64,
    /// The last verified link (genesis when nothing verified).
    pub last_seq: u64,
    /// Hash of the last verified link.
    pub last_hash: String,
    /// The first broken link, if any.
    pub broken: Option<BrokenLink>,
}

impl AuditVerification {
    /// True when every stored link verified.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Recomputes a chain link by link and stops at the first broken one.
///
/// Feed it the stored links in seq order (in pages if the trail is long), then
/// call [`ChainVerifier::finish`] with the stored head.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    sha256: Sha256,
    last: ChainHead,
    checked: u64,
    broken: Option<BrokenLink>,
}

impl ChainVerifier {
    /// Expects the trail to start at seq 1 with [`GENESIS_HASH`].
    pub fn from_genesis(sha256: Sha256) -> Self {
        Self::after(sha256, ChainHead::genesis())
    }

    /// Expects the first link to follow `head` (a store that keeps a window of the trail).
    pub fn after(sha256: Sha256, head: ChainHead) -> Self {
        Self {
            sha256,
            last: head,
            checked: 0,
            broken: None,
        }
    }

    /// Checks the next stored link; returns false once a link is broken (stop feeding).
    pub fn check(&mut self, link: Link<'_>) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let expected = self.last.seq + 1;
        let problem = if link.seq != expected {
            Some(LinkProblem::SeqGap { expected })
        } else if link.prev_hash != self.last.hash {
            Some(LinkProblem::PrevHashMismatch {
                expected: self.last.hash.clone(),
                stored: link.prev_hash.to_string(),
            })
        } else {
            let computed = link_hash(self.sha256, link.prev_hash, link.event);
            (computed != link.hash).then(|| LinkProblem::HashMismatch {
                computed,
                stored: link.hash.to_string(),
            })
        };
        match problem {
            Some(problem) => {
                self.broken = Some(BrokenLink {
                    seq: link.seq,
                    problem,
                });
                false
            }
            None => {
                self.checked += 1;
                self.last = ChainHead {
                    seq: link.seq,
                    hash: link.hash.to_string(),
                };
                true
            }
        }
    }

    /// The verdict, given the head the store recorded with its last append
    /// (`None` when the store keeps no separate head).
    pub fn finish(mut self, head: Option<&ChainHead>) -> AuditVerification {
        if self.broken.is_none()
            && let Some(head) = head
        {
            if head.seq > self.last.seq {
                self.broken = Some(BrokenLink {
                    seq: head.seq,
                    problem: LinkProblem::MissingTail {
                        last_seq: self.last.seq,
                        last_hash: self.last.hash.clone(),
                        head_hash: head.hash.clone(),
                    },
                });
            } else if head.seq == self.last.seq && head.hash != self.last.hash {
                self.broken = Some(BrokenLink {
                    seq: head.seq,
                    problem: LinkProblem::HashMismatch {
                        computed: self.last.hash.clone(),
                        stored: head.hash.clone(),
                    },
                });
            }
        }
        AuditVerification {
            checked: self.checked,
            last_seq: self.last.seq,
            last_hash: self.last.hash,
            broken: self.broken,
        }
    }
}

/// The latest sign of life of one runtime instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// Which runtime instance (a configured name, or host and process id).
    pub instance: String,
    /// When it beat, on the wall clock (a replay's data time is in the runtime's `detail`).
    pub at: Timestamp,
    /// Free-form status for operators (mode, equity, level, ...).
    pub detail: serde_json::Value,
}

/// What an operator asks a runtime to do (CLI, HTTP, Telegram): queued in the store
/// with [`Store::enqueue_request`] and applied by the runtime that owns the account,
/// through the same engine code as everything else, so it is audited like any event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum OperatorCommand {
    /// Set the stored kill-switch flag.
    KillSwitchOn {
        /// Why (required, non-empty).
        reason: String,
    },
    /// Clear the stored kill-switch flag.
    KillSwitchOff {
        /// Why (required, non-empty).
        reason: String,
    },
    /// Book a realised loss through the pipeline (guardrail drill).
    SimulateLoss {
        /// The loss, > 0, in the account currency.
        amount: Money,
        /// The symbol it is booked against.
        symbol: Symbol,
    },
}

/// A queued [`OperatorCommand`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorRequest {
    /// Assigned by the store: 1, 2, 3, ...
    pub id: u64,
    /// What to do.
    pub command: OperatorCommand,
    /// Who asked.
    pub actor: Actor,
    /// When it was asked.
    pub requested_at: Timestamp,
}

impl OperatorRequest {
    /// The event id of the batch that applies this request. A request is applied
    /// exactly when a batch with this id is stored (so applying and marking as
    /// applied are one transaction, and re-applying is a no-op).
    pub fn event_id(&self) -> String {
        request_event_id(self.id)
    }
}

/// What every [`request_event_id`] starts with.
pub const REQUEST_EVENT_ID_PREFIX: &str = "operator_request:";

/// The event id of the batch that applies request `id` (`operator_request:<id>`).
pub fn request_event_id(id: u64) -> String {
    format!("{REQUEST_EVENT_ID_PREFIX}{id}")
}

/// A stored daily report (the daily health report of the shadow collector, or the
/// runtime's daily summary until that exists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyReport {
    /// The trading day it covers (UTC date of the runtime's clock).
    pub date: chrono::NaiveDate,
    /// When it was generated (wall clock of the generating process).
    pub generated_at: Timestamp,
    /// The mode the runtime ran in (`dry-run`, `paper`, `live`).
    pub mode: String,
    /// `HEALTHY`, `WARNING` or `CRITICAL`.
    pub overall_health: String,
    /// The whole report.
    pub body: serde_json::Value,
}

/// How many records [`Store::signals_since`], [`Store::recent_alerts`] and [`Store::fills_of`] read per page
/// in their default implementations.
const SCAN_PAGE: u32 = 1_000;

/// The system of record.
///
/// Contract:
/// - `append` MUST write the whole batch or nothing (one transaction): its audit
///   records, their projections (signals, decisions, fills, alerts, ...) and its state.
/// - `append` of an `event_id` already stored MUST be a no-op returning `Ok(false)`
///   (idempotent by event id); a new batch returns `Ok(true)`.
/// - `append` MUST return `StoreError::Conflict`, writing nothing, for a batch with an
///   `OrderFilled` whose (client order id, trade id) is already stored or repeated in the
///   batch: a fill counted twice is a bug upstream.
/// - `append` MUST return `StoreError::Conflict`, writing nothing, for a batch with a
///   `ShadowDecisionRecorded` whose decision id is already stored or repeated in the batch
///   (the engine's ids are deterministic: a decision recorded twice is a bug upstream), and
///   for a batch with a `ShadowDecisionResolved` whose id names no decision stored or
///   recorded earlier in the batch, or one already resolved (in the store or earlier in the
///   batch): a resolution must find exactly one pending decision.
/// - `append` MUST give each event of the batch the next audit seq (1, 2, 3, ... without
///   gaps, in batch order), with `event_json` = [`AuditEvent::canonical_json`],
///   `prev_hash` = the previous record's hash ([`GENESIS_HASH`] for seq 1) and
///   `hash` = [`link_hash`]`(prev_hash, event_json)`, also under concurrent appends.
/// - `latest_state_part(key)` MUST return the value of the top-level `key` of the most
///   recently appended state that is an object containing `key`, `None` without one.
/// - `put_order` MUST return `StoreError::Conflict` when inserting a client order id
///   that exists with a different symbol or side.
/// - `put_order` of an existing id (same symbol and side) MUST replace the stored order.
/// - `open_orders` MUST return exactly the stored orders whose status is not terminal.
/// - `unbooked_orders` MUST return exactly the stored orders whose status is terminal and
///   whose `filled_qty` exceeds the sum of the quantities of their stored fills (a fill
///   the venue reported that never reached the trail), in client order id order.
/// - `fills_of(id)` MUST return exactly the fills (`OrderFilled` events) stored for
///   client order id `id`, in append order (empty for an id without fills).
/// - `latest_state` MUST return the state of the most recent successful `append` whose
///   state is not `Null` (a `Null` state means "no snapshot in this batch").
/// - `audit_events(after_seq, limit)` MUST return the records with seq > `after_seq`,
///   in seq order, at most `limit` of them; `audit_tail` MUST return the last record.
/// - `verify_audit` MUST recompute every stored link and report the first broken one
///   (seq and what mismatched, including records deleted from the end); a broken chain
///   is `Ok` with `broken` set, `Err` is for failing to read.
/// - `signals_since(t)` / `recent_alerts(t)` MUST return the signals (alerts) appended
///   with `ts >= t` (`at >= t`), ordered by that time, then by append order.
/// - `last_heartbeat(instance)` MUST return the heartbeat with the latest `at` put for
///   that instance: an older heartbeat put later does not replace it.
/// - `enqueue_request` MUST assign ids 1, 2, 3, ... in enqueue order; `pending_requests`
///   MUST return, in id order, the requests for which no batch with
///   [`OperatorRequest::event_id`] is stored; `request(id)` returns the request and
///   whether it was applied.
/// - `put_daily_report` of a date already stored MUST replace it; `daily_reports(limit)`
///   MUST return the `limit` latest dates, newest first.
/// - `latest_risk_book()` MUST return the book of the `RiskBookSnapshot` event with the
///   latest `book.at` (the later appended among equal times), `None` without any.
/// - `events_between(from, to)` MUST return the audit records whose batch time `at`
///   is in `[from, to)`, in seq order.
/// - `shadow_records(from, to)` MUST return exactly the recorded shadow decisions whose
///   `decision.at` is in `[from, to)`, ordered by `decision.at`, then by append order, each
///   with the resolution stored for its id (`None` while pending).
/// - `shadow_counts(from, to)` MUST return the number of recorded decisions with
///   `decision.at` in `[from, to)` (`in_range`), of those not resolved whatever their time
///   (`pending`), of those in range not resolved (`pending_in_range`), and of all of them
///   (`total`).
/// - `pending_shadow_decisions()` MUST return exactly the recorded decisions without a
///   stored resolution, ordered by `decision.at`, then by append order.
/// - `signoffs()` MUST return the sign-off of every `PromotionSignedOff` event, in append order.
/// - `put_weekly_report` of a week (`year`, `week`) already stored MUST replace it, and so
///   MUST an appended `WeeklyReportStored` (the later appended wins); `weekly_reports(limit)`
///   MUST return the report of each of the `limit` latest weeks, newest (`year`, `week`) first.
/// - A bounded store (`MemoryStore`) MAY forget old batches; the sentences above then
///   hold for what it retains, and `verify_audit` checks the retained window.
#[async_trait]
pub trait Store: Send + Sync {
    /// Persists one event's batch atomically.
    async fn append(&self, batch: &EventBatch) -> Result<bool, StoreError>;
    /// The state saved by the latest `append` with a snapshot, if any.
    async fn latest_state(&self) -> Result<Option<serde_json::Value>, StoreError>;
    /// The value of the top-level `key` in the most recent appended state that has it
    /// (the engine saves some parts, such as the shadow collector's, only in the batches
    /// that change them); `None` when no stored state has it.
    async fn latest_state_part(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError>;
    /// Inserts or updates an order (write-ahead before sending).
    async fn put_order(&self, order: &Order) -> Result<(), StoreError>;
    /// Looks an order up by client order id.
    async fn order(&self, id: &ClientOrderId) -> Result<Option<Order>, StoreError>;
    /// Orders not yet in a terminal state (to reconcile at start-up).
    async fn open_orders(&self) -> Result<Vec<Order>, StoreError>;

    /// Terminal orders whose filled quantity is not covered by their stored fills (to
    /// reconcile at start-up: a store written before fills and orders shared a batch).
    async fn unbooked_orders(&self) -> Result<Vec<Order>, StoreError>;

    /// The stored fills of one order, in append order (to reconcile at start-up).
    ///
    /// The default scans the whole audit trail through `audit_events`; database
    /// adapters answer from the `fills` projection instead.
    async fn fills_of(&self, id: &ClientOrderId) -> Result<Vec<Fill>, StoreError> {
        let mut out = Vec::new();
        scan_events(self, |_, event| {
            if let AuditEvent::OrderFilled { fill } = event
                && &fill.client_order_id == id
            {
                out.push(fill);
            }
        })
        .await?;
        Ok(out)
    }

    /// Checks that the storage under the store is still the storage it opened (an embedded
    /// database: its file and write-ahead log); the runtime calls it at every heartbeat.
    /// When something vanished, an implementation saves what it still can first, then
    /// returns `StoreError::Unavailable` saying what vanished and what was saved: the
    /// caller stops trading. Stores without such files keep the default (`Ok`).
    async fn check_storage(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// A quick integrity check of the stored pages (the readiness gate runs it before it
    /// trusts what it reads): `StoreError::Corrupt` naming what is damaged. Stores whose
    /// server checks its own pages keep the default (`Ok`).
    async fn check_integrity(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// The last audit record, if any.
    async fn audit_tail(&self) -> Result<Option<AuditRecord>, StoreError>;

    /// Up to `limit` audit records with seq > `after_seq`, in seq order (for export and paging).
    async fn audit_events(
        &self,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError>;

    /// Recomputes the audit chain and names the first broken link.
    async fn verify_audit(&self) -> Result<AuditVerification, StoreError>;

    /// Records a heartbeat of a runtime instance.
    async fn put_heartbeat(&self, heartbeat: &Heartbeat) -> Result<(), StoreError>;

    /// The latest heartbeat of `instance`, if any.
    async fn last_heartbeat(&self, instance: &str) -> Result<Option<Heartbeat>, StoreError>;

    /// Queues an operator request; returns its id.
    async fn enqueue_request(
        &self,
        command: &OperatorCommand,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<u64, StoreError>;

    /// Requests not yet applied, oldest first.
    async fn pending_requests(&self) -> Result<Vec<OperatorRequest>, StoreError>;

    /// One request and whether it has been applied.
    async fn request(&self, id: u64) -> Result<Option<(OperatorRequest, bool)>, StoreError>;

    /// Stores (or replaces) the daily report of `report.date`.
    async fn put_daily_report(&self, report: &DailyReport) -> Result<(), StoreError>;

    /// The `limit` most recent daily reports, newest date first.
    async fn daily_reports(&self, limit: u32) -> Result<Vec<DailyReport>, StoreError>;

    /// Audit records of batches with `from <= at < to`, in seq order.
    async fn events_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<AuditRecord>, StoreError>;

    /// Signals with `ts >= since`, oldest first.
    ///
    /// The default scans the whole audit trail through `audit_events`; database
    /// adapters answer from an index instead.
    async fn signals_since(&self, since: Timestamp) -> Result<Vec<Signal>, StoreError> {
        let mut out: Vec<(Timestamp, u64, Signal)> = Vec::new();
        scan_events(self, |seq, event| {
            if let AuditEvent::SignalGenerated { signal } = event
                && signal.ts >= since
            {
                out.push((signal.ts, seq, signal));
            }
        })
        .await?;
        out.sort_by_key(|(ts, seq, _)| (*ts, *seq));
        Ok(out.into_iter().map(|(_, _, s)| s).collect())
    }

    /// The latest stored risk book (`RiskBookSnapshot` event), by its time `at`.
    ///
    /// The default scans the whole audit trail through `audit_events`; database
    /// adapters answer from the `risk_book_snapshots` projection instead.
    async fn latest_risk_book(&self) -> Result<Option<RiskBook>, StoreError> {
        let mut latest: Option<RiskBook> = None;
        scan_events(self, |_, event| {
            if let AuditEvent::RiskBookSnapshot { book } = event
                && latest.as_ref().is_none_or(|l| book.at >= l.at)
            {
                latest = Some(book);
            }
        })
        .await?;
        Ok(latest)
    }

    /// A clean shutdown: flushes what the adapter buffers (e.g. SQLite checkpoints its WAL)
    /// and releases its connections; the store is unusable afterwards. The default does
    /// nothing. Not calling it loses nothing that `append` acknowledged.
    async fn close(&self) {}

    /// Alerts with `at >= since`, oldest first.
    ///
    /// The default scans the whole audit trail through `audit_events`; database
    /// adapters answer from an index instead.
    async fn recent_alerts(&self, since: Timestamp) -> Result<Vec<Alert>, StoreError> {
        let mut out: Vec<(Timestamp, u64, Alert)> = Vec::new();
        scan_events(self, |seq, event| {
            if let AuditEvent::AlertRaised { alert } = event
                && alert.at >= since
            {
                out.push((alert.at, seq, alert));
            }
        })
        .await?;
        out.sort_by_key(|(at, seq, _)| (*at, *seq));
        Ok(out.into_iter().map(|(_, _, a)| a).collect())
    }

    /// Shadow records whose decision time is in `[from, to)`, ordered by decision time,
    /// then by append order, each with its resolution when one is stored.
    ///
    /// The default scans the whole audit trail through `audit_events`; database
    /// adapters answer from the `shadow_decisions` projection (index on `at`) instead.
    async fn shadow_records(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ShadowRecord>, StoreError> {
        let mut decisions: Vec<(Timestamp, u64, ShadowDecision)> = Vec::new();
        let mut resolutions: std::collections::HashMap<String, ShadowResolution> =
            std::collections::HashMap::new();
        scan_events(self, |seq, event| match event {
            AuditEvent::ShadowDecisionRecorded { decision }
                if decision.at >= from && decision.at < to =>
            {
                decisions.push((decision.at, seq, decision));
            }
            AuditEvent::ShadowDecisionResolved { resolution } => {
                resolutions.insert(resolution.id.clone(), resolution);
            }
            _ => {}
        })
        .await?;
        decisions.sort_by_key(|(at, seq, _)| (*at, *seq));
        Ok(decisions
            .into_iter()
            .map(|(_, _, decision)| {
                let resolution = resolutions.remove(&decision.id);
                ShadowRecord {
                    decision,
                    resolution,
                }
            })
            .collect())
    }

    /// How many shadow decisions were recorded in `[from, to)`, are pending (all
    /// time), and were recorded in total.
    ///
    /// The default scans the whole audit trail; database adapters count in the
    /// `shadow_decisions` projection instead (index on `at`, partial index of the pending).
    async fn shadow_counts(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ShadowCounts, StoreError> {
        let mut counts = ShadowCounts::default();
        let mut in_range: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut resolved = 0u64;
        let mut resolved_in_range = 0u64;
        scan_events(self, |_, event| match event {
            AuditEvent::ShadowDecisionRecorded { decision } => {
                counts.total += 1;
                if decision.at >= from && decision.at < to {
                    counts.in_range += 1;
                    in_range.insert(decision.id);
                }
            }
            AuditEvent::ShadowDecisionResolved { resolution } => {
                resolved += 1;
                if in_range.contains(&resolution.id) {
                    resolved_in_range += 1;
                }
            }
            _ => {}
        })
        .await?;
        counts.pending = counts.total.saturating_sub(resolved);
        counts.pending_in_range = counts.in_range.saturating_sub(resolved_in_range);
        Ok(counts)
    }

    /// The shadow decisions not yet resolved, by decision time then append order (the
    /// shadow collector's pending records, read back at start-up).
    ///
    /// The default scans the whole audit trail; database adapters answer from the
    /// `shadow_decisions` projection instead.
    async fn pending_shadow_decisions(&self) -> Result<Vec<ShadowDecision>, StoreError> {
        let mut decisions: Vec<(Timestamp, u64, ShadowDecision)> = Vec::new();
        let mut resolved: std::collections::HashSet<String> = std::collections::HashSet::new();
        scan_events(self, |seq, event| match event {
            AuditEvent::ShadowDecisionRecorded { decision } => {
                decisions.push((decision.at, seq, decision));
            }
            AuditEvent::ShadowDecisionResolved { resolution } => {
                resolved.insert(resolution.id);
            }
            _ => {}
        })
        .await?;
        decisions.retain(|(_, _, d)| !resolved.contains(&d.id));
        decisions.sort_by_key(|(at, seq, _)| (*at, *seq));
        Ok(decisions.into_iter().map(|(_, _, d)| d).collect())
    }

    /// Every promotion sign-off, in append order.
    ///
    /// The default scans the whole audit trail; database adapters read the `signoffs`
    /// projection instead.
    async fn signoffs(&self) -> Result<Vec<Signoff>, StoreError> {
        let mut out = Vec::new();
        scan_events(self, |_, event| {
            if let AuditEvent::PromotionSignedOff { signoff } = event {
                out.push(signoff);
            }
        })
        .await?;
        Ok(out)
    }

    /// Stores a weekly evidence report; a report of a week already stored replaces it.
    ///
    /// The default appends it to the audit trail (`weekly_report_stored`), in a batch whose
    /// event id is the week and `generated_at` (microseconds): putting a report again with
    /// the same `generated_at` is the idempotent no-op and keeps the first one.
    async fn put_weekly_report(&self, report: &WeeklyReport) -> Result<(), StoreError> {
        let batch = EventBatch {
            event_id: format!(
                "weekly_report:{}-W{:02}:{}",
                report.year,
                report.week,
                report.generated_at.timestamp_micros()
            ),
            at: report.generated_at,
            events: vec![AuditEvent::WeeklyReportStored {
                report: report.clone(),
            }],
            state: serde_json::Value::Null,
            orders: Vec::new(),
        };
        self.append(&batch).await.map(|_| ())
    }

    /// The latest report of each week, newest week first, at most `limit` weeks.
    ///
    /// The default scans the whole audit trail; database adapters read the `weekly_reports`
    /// projection (one row per week) instead.
    async fn weekly_reports(&self, limit: u32) -> Result<Vec<WeeklyReport>, StoreError> {
        let mut by_week: std::collections::BTreeMap<(i32, u32), WeeklyReport> =
            std::collections::BTreeMap::new();
        scan_events(self, |_, event| {
            if let AuditEvent::WeeklyReportStored { report } = event {
                by_week.insert((report.year, report.week), report);
            }
        })
        .await?;
        Ok(by_week.into_values().rev().take(limit as usize).collect())
    }
}

/// Feeds every retained audit event, parsed, to `visit`.
async fn scan_events<S: Store + ?Sized>(
    store: &S,
    mut visit: impl FnMut(u64, AuditEvent) + Send,
) -> Result<(), StoreError> {
    let mut after = 0;
    loop {
        let page = store.audit_events(after, SCAN_PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.seq;
        for record in page {
            let event = record.event().map_err(|e| {
                StoreError::Corrupt(format!("audit record {} does not parse: {e}", record.seq))
            })?;
            visit(record.seq, event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Not SHA-256: a stand-in that is enough to test the chain's bookkeeping.
    fn fake_sha(parts: &[&[u8]]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut i = 0usize;
        for part in parts {
            for b in *part {
                out[i % 32] = out[i % 32].wrapping_mul(31).wrapping_add(*b);
                i += 1;
            }
        }
        out
    }

    fn links(n: u64) -> Vec<(u64, String, String, Vec<u8>)> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let event = format!("{{\"n\":{seq}}}").into_bytes();
                let hash = link_hash(fake_sha, &prev, &event);
                let row = (seq, prev.clone(), hash.clone(), event);
                prev = hash;
                row
            })
            .collect()
    }

    fn verify(rows: &[(u64, String, String, Vec<u8>)], head: &ChainHead) -> AuditVerification {
        let mut v = ChainVerifier::from_genesis(fake_sha);
        for (seq, prev, hash, event) in rows {
            if !v.check(Link {
                seq: *seq,
                prev_hash: prev,
                hash,
                event,
            }) {
                break;
            }
        }
        v.finish(Some(head))
    }

    fn head_of(rows: &[(u64, String, String, Vec<u8>)]) -> ChainHead {
        rows.last().map_or_else(ChainHead::genesis, |r| ChainHead {
            seq: r.0,
            hash: r.2.clone(),
        })
    }

    #[test]
    fn link_hash_is_64_lower_hex() {
        let h = link_hash(fake_sha, GENESIS_HASH, b"{}");
        assert_eq!(h.len(), 64);
        assert!(
            h.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn intact_chain_verifies() {
        let rows = links(5);
        let v = verify(&rows, &head_of(&rows));
        assert!(v.is_intact(), "{v:?}");
        assert_eq!((v.checked, v.last_seq), (5, 5));
    }

    #[test]
    fn altered_event_is_named() {
        let mut rows = links(5);
        let head = head_of(&rows);
        rows[2].3[1] ^= 1;
        let broken = verify(&rows, &head).broken.expect("broken");
        assert_eq!(broken.seq, 3);
        assert!(matches!(broken.problem, LinkProblem::HashMismatch { .. }));
    }

    #[test]
    fn deleted_record_and_deleted_tail_are_named() {
        let rows = links(5);
        let head = head_of(&rows);
        let mut gap = rows.clone();
        gap.remove(1);
        let broken = verify(&gap, &head).broken.expect("broken");
        assert_eq!(broken.seq, 3);
        assert_eq!(broken.problem, LinkProblem::SeqGap { expected: 2 });

        let broken = verify(&rows[..3], &head).broken.expect("broken");
        assert_eq!(broken.seq, 5);
        assert!(matches!(
            broken.problem,
            LinkProblem::MissingTail { last_seq: 3, .. }
        ));
    }

    #[test]
    fn json_line_embeds_the_event_verbatim() {
        let record = AuditRecord {
            seq: 7,
            event_id: "BTC-USD:candle:1".into(),
            at: chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("valid"),
            event_json: "{\"type\":\"x\",\"b\":1,\"a\":2}".into(),
            prev_hash: GENESIS_HASH.into(),
            hash: "ab".into(),
        };
        let line = record.to_json_line();
        assert!(
            line.ends_with(",\"event\":{\"type\":\"x\",\"b\":1,\"a\":2}}"),
            "{line}"
        );
        let v: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["at"], "2023-11-14T22:13:20Z");
    }
}
