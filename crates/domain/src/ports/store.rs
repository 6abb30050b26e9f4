//! The `Store` port: persistence of every event and of the state needed to resume.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::events::AuditEvent;
use crate::market::Timestamp;
use crate::order::{ClientOrderId, Order};

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
    /// Serialised runtime state after the event (portfolio, levels, counters).
    pub state: serde_json::Value,
}

/// The system of record.
///
/// Contract:
/// - `append` MUST write the whole batch or nothing (one transaction).
/// - `append` of an `event_id` already stored MUST be a no-op returning `Ok(false)`
///   (idempotent by event id); a new batch returns `Ok(true)`.
/// - `put_order` MUST return `StoreError::Conflict` when inserting a client order id
///   that exists with a different symbol or side.
/// - `latest_state` MUST return the state of the most recent successful `append`.
#[async_trait]
pub trait Store: Send + Sync {
    /// Persists one event's batch atomically.
    async fn append(&self, batch: &EventBatch) -> Result<bool, StoreError>;
    /// The state saved by the latest `append`, if any.
    async fn latest_state(&self) -> Result<Option<serde_json::Value>, StoreError>;
    /// Inserts or updates an order (write-ahead before sending).
    async fn put_order(&self, order: &Order) -> Result<(), StoreError>;
    /// Looks an order up by client order id.
    async fn order(&self, id: &ClientOrderId) -> Result<Option<Order>, StoreError>;
    /// Orders not yet in a terminal state (to reconcile at start-up).
    async fn open_orders(&self) -> Result<Vec<Order>, StoreError>;
}
