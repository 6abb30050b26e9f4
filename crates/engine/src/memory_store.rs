//! The in-memory `Store`, used when persistence is off (backtests, benchmarks, tests).
//!
//! It keeps the latest `capacity` event batches (older ones are dropped, so a
//! ten-million-bar backtest does not grow without bound), every order, and the
//! latest state. It keeps the port's contract: idempotent by event id (within
//! the retained window), conflicting order ids are refused.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Mutex;

use async_trait::async_trait;
use domain::ports::{EventBatch, Store, StoreError};
use domain::{ClientOrderId, Order};

#[derive(Debug, Default)]
struct Inner {
    batches: VecDeque<EventBatch>,
    ids: HashSet<String>,
    orders: BTreeMap<ClientOrderId, Order>,
    state: Option<serde_json::Value>,
    appended: u64,
}

/// A bounded, in-process store.
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    capacity: usize,
}

impl MemoryStore {
    /// A store keeping at most `capacity` recent batches.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
        }
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
        if inner.ids.contains(&batch.event_id) {
            return Ok(false);
        }
        inner.ids.insert(batch.event_id.clone());
        if !batch.state.is_null() {
            inner.state = Some(batch.state.clone());
        }
        inner.batches.push_back(batch.clone());
        inner.appended += 1;
        while inner.batches.len() > self.capacity {
            if let Some(old) = inner.batches.pop_front() {
                inner.ids.remove(&old.event_id);
            }
        }
        Ok(true)
    }

    async fn latest_state(&self) -> Result<Option<serde_json::Value>, StoreError> {
        Ok(self.lock().state.clone())
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
}
