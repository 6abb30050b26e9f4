//! `MemoryOutbox`: the [`AlertOutbox`] port in memory, for tests and for a runtime
//! without a database. It forgets everything at exit; SQLite/PostgreSQL adapters keep
//! the same contract durably.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use async_trait::async_trait;
use domain::Timestamp;
use domain::ports::{
    AlertOutbox, DeliveryCounts, DeliveryStatus, IgnoredCommand, OutboxEntry, OutboxMessage,
    StoreError,
};

/// How many ignored commands the memory outbox keeps (the oldest go first).
const IGNORED_KEPT: usize = 1_000;

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    entries: BTreeMap<u64, OutboxEntry>,
    offsets: HashMap<String, i64>,
    ignored: VecDeque<IgnoredCommand>,
}

/// An in-memory [`AlertOutbox`]. Share it (in an `Arc`) between a notifier and a poller,
/// and between a "crashed" and a "restarted" one in tests.
#[derive(Debug, Default)]
pub struct MemoryOutbox {
    state: Mutex<State>,
}

impl MemoryOutbox {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stored entry, by id (for tests and status pages).
    pub fn entries(&self) -> Vec<OutboxEntry> {
        self.lock().entries.values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn unknown(id: u64) -> StoreError {
    StoreError::Conflict(format!("no outbox entry with id {id}"))
}

#[async_trait]
impl AlertOutbox for MemoryOutbox {
    async fn enqueue(&self, message: &OutboxMessage) -> Result<u64, StoreError> {
        let mut state = self.lock();
        state.next_id += 1;
        let id = state.next_id;
        state.entries.insert(
            id,
            OutboxEntry {
                id,
                message: message.clone(),
                attempts: 0,
                last_attempt_at: None,
                last_error: None,
                status: DeliveryStatus::Pending,
            },
        );
        Ok(id)
    }

    async fn pending(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(self
            .lock()
            .entries
            .values()
            .filter(|e| e.status == DeliveryStatus::Pending)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn mark_sent(
        &self,
        id: u64,
        at: Timestamp,
        channel_message_id: i64,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let entry = state.entries.get_mut(&id).ok_or_else(|| unknown(id))?;
        if !matches!(entry.status, DeliveryStatus::Sent { .. }) {
            entry.status = DeliveryStatus::Sent {
                at,
                channel_message_id,
            };
        }
        Ok(())
    }

    async fn mark_failed(
        &self,
        id: u64,
        at: Timestamp,
        error: &str,
        attempts: u32,
        permanent: bool,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let entry = state.entries.get_mut(&id).ok_or_else(|| unknown(id))?;
        if matches!(entry.status, DeliveryStatus::Sent { .. }) {
            return Ok(());
        }
        entry.attempts = attempts;
        entry.last_attempt_at = Some(at);
        entry.last_error = Some(error.to_string());
        if permanent {
            entry.status = DeliveryStatus::Failed { at };
        }
        Ok(())
    }

    async fn delivery_counts(&self) -> Result<DeliveryCounts, StoreError> {
        let mut counts = DeliveryCounts::default();
        for entry in self.lock().entries.values() {
            match entry.status {
                DeliveryStatus::Pending => counts.pending += 1,
                DeliveryStatus::Sent { .. } => counts.sent += 1,
                DeliveryStatus::Failed { .. } => counts.failed += 1,
            }
        }
        Ok(counts)
    }

    async fn get_offset(&self, channel: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.lock().offsets.get(channel).copied())
    }

    async fn put_offset(&self, channel: &str, offset: i64) -> Result<(), StoreError> {
        let mut state = self.lock();
        let stored = state.offsets.entry(channel.to_string()).or_insert(offset);
        *stored = (*stored).max(offset);
        Ok(())
    }

    async fn record_ignored(&self, record: &IgnoredCommand) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.ignored.len() >= IGNORED_KEPT {
            state.ignored.pop_front();
        }
        state.ignored.push_back(record.clone());
        Ok(())
    }

    async fn ignored_commands(&self, limit: u32) -> Result<Vec<IgnoredCommand>, StoreError> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(self
            .lock()
            .ignored
            .iter()
            .rev()
            .take(limit)
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use domain::Severity;

    fn message(text: &str) -> OutboxMessage {
        OutboxMessage {
            channel: "telegram".into(),
            chat_id: 1,
            text: text.into(),
            severity: Severity::Info,
            kind: None,
            created_at: chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn keeps_the_port_contract() {
        run(async {
            let o = MemoryOutbox::new();
            let at = chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 1).unwrap();
            let a = o.enqueue(&message("a")).await.unwrap();
            let b = o.enqueue(&message("b")).await.unwrap();
            let c = o.enqueue(&message("c")).await.unwrap();
            assert!(a < b && b < c);
            let ids = |v: Vec<OutboxEntry>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
            assert_eq!(ids(o.pending(10).await.unwrap()), [a, b, c]);
            assert_eq!(ids(o.pending(2).await.unwrap()), [a, b]);

            o.mark_sent(a, at, 7).await.unwrap();
            o.mark_sent(a, at + chrono::Duration::seconds(9), 8)
                .await
                .unwrap();
            o.mark_failed(a, at, "late", 3, true).await.unwrap();
            o.mark_failed(b, at, "timeout", 1, false).await.unwrap();
            o.mark_failed(c, at, "blocked", 1, true).await.unwrap();
            let pending = o.pending(10).await.unwrap();
            assert_eq!(ids(pending.clone()), [b]);
            assert_eq!(pending[0].attempts, 1);
            assert_eq!(pending[0].last_error.as_deref(), Some("timeout"));
            assert_eq!(
                o.entries()[0].status,
                DeliveryStatus::Sent {
                    at,
                    channel_message_id: 7
                }
            );
            assert_eq!(
                o.delivery_counts().await.unwrap(),
                DeliveryCounts {
                    pending: 1,
                    sent: 1,
                    failed: 1
                }
            );
            assert!(matches!(
                o.mark_sent(99, at, 1).await,
                Err(StoreError::Conflict(_))
            ));
            assert!(matches!(
                o.mark_failed(99, at, "x", 1, true).await,
                Err(StoreError::Conflict(_))
            ));

            assert_eq!(o.get_offset("telegram").await.unwrap(), None);
            o.put_offset("telegram", 10).await.unwrap();
            o.put_offset("telegram", 5).await.unwrap();
            assert_eq!(o.get_offset("telegram").await.unwrap(), Some(10));
            assert_eq!(o.get_offset("other").await.unwrap(), None);
        });
    }
}
