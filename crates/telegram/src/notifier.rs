//! `TelegramNotifier`: the `Notifier` port over the outbox and the Bot API.
//!
//! `notify` formats the alert, passes it through storm control and *stores* it in the
//! outbox for every alert chat; it returns once stored, never waiting for Telegram.
//! [`TelegramNotifier::run_delivery`] (a task the runtime spawns) sends what is pending,
//! oldest first, and marks each entry sent only after Telegram confirmed it. After a
//! restart the loop finds the unconfirmed entries and sends them: at most once after
//! confirmation, at least once before it (see `domain::ports::AlertOutbox`).
//!
//! Failures: a 429 pauses the whole channel for `retry_after`; a network or server error
//! pauses it with exponential backoff (later entries wait too, so order is kept); a
//! permanent refusal (403, chat not found, 401, bad request) gives that entry up and
//! goes on; a migrated group is resent to its new id at once.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use domain::ports::{AlertOutbox, Notifier, NotifyError, OutboxEntry, OutboxMessage, StoreError};
use domain::{Alert, Clock, Severity};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::TelegramError;
use crate::format::{format_alert, format_storm_summary};
use crate::http::BotClient;
use crate::metrics::{Counter, DeliveryMetrics, TelegramCounters};
use crate::retry::Backoff;
use crate::storm::{Admission, StormConfig, StormFilter};

/// The outbox channel name (and offset key) of this adapter.
pub const CHANNEL: &str = "telegram";

/// How the notifier delivers.
#[derive(Debug, Clone)]
pub struct NotifierConfig {
    /// Chats every alert goes to (private chat = user id, groups negative).
    pub alert_chat_ids: Vec<i64>,
    /// Storm control.
    pub storm: StormConfig,
    /// Backoff after network and server errors.
    pub backoff: Backoff,
    /// Minimum spacing between two messages to one chat (Telegram: about 1 per second).
    pub per_chat_interval: Duration,
    /// Give an entry up after this many failed attempts; `None` retries transient
    /// failures until they succeed (nothing is lost).
    pub max_attempts: Option<u32>,
    /// Pending entries read per delivery round.
    pub batch: u32,
    /// How often the delivery loop wakes without being notified (storm summaries, retries).
    pub idle_tick: Duration,
}

impl Default for NotifierConfig {
    fn default() -> Self {
        Self {
            alert_chat_ids: Vec::new(),
            storm: StormConfig::default(),
            backoff: Backoff::default(),
            per_chat_interval: Duration::from_secs(1),
            max_attempts: None,
            batch: 50,
            idle_tick: Duration::from_secs(1),
        }
    }
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryRound {
    /// Entries Telegram confirmed.
    pub sent: u32,
    /// Entries given up for good.
    pub failed: u32,
    /// Entries that failed transiently (will be retried).
    pub retried: u32,
    /// The channel is paused (429 or backoff) for this long.
    pub paused_for: Option<Duration>,
    /// The round stopped at the batch size: more may be pending.
    pub more: bool,
}

#[derive(Debug, Default)]
struct Schedule {
    paused_until: Option<Instant>,
    last_sent: HashMap<i64, Instant>,
}

struct Inner {
    client: BotClient,
    outbox: Arc<dyn AlertOutbox>,
    clock: Arc<dyn Clock>,
    config: NotifierConfig,
    storm: Mutex<StormFilter>,
    schedule: Mutex<Schedule>,
    migrated: Mutex<HashMap<i64, i64>>,
    wake: Notify,
    round: tokio::sync::Mutex<()>,
    metrics: Arc<DeliveryMetrics>,
}

/// The `Notifier` port on Telegram, with an outbox and a delivery loop. Cheap to clone.
#[derive(Clone)]
pub struct TelegramNotifier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TelegramNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramNotifier")
            .field("client", &self.inner.client)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TelegramNotifier {
    /// A notifier storing into `outbox` and sending with `client`; time from `clock`.
    pub fn new(
        client: BotClient,
        outbox: Arc<dyn AlertOutbox>,
        clock: Arc<dyn Clock>,
        config: NotifierConfig,
    ) -> Self {
        Self::with_metrics(client, outbox, clock, config, Arc::default())
    }

    /// Like [`TelegramNotifier::new`], counting into shared `metrics` (e.g. the poller's).
    pub fn with_metrics(
        client: BotClient,
        outbox: Arc<dyn AlertOutbox>,
        clock: Arc<dyn Clock>,
        config: NotifierConfig,
        metrics: Arc<DeliveryMetrics>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                outbox,
                clock,
                storm: Mutex::new(StormFilter::new(config.storm)),
                config,
                schedule: Mutex::default(),
                migrated: Mutex::default(),
                wake: Notify::new(),
                round: tokio::sync::Mutex::new(()),
                metrics,
            }),
        }
    }

    /// Stores an already formatted HTML message (daily summary, heartbeat, `telegram test`)
    /// for every alert chat, bypassing storm control; returns the outbox ids.
    pub async fn enqueue_html(
        &self,
        html: &str,
        severity: Severity,
    ) -> Result<Vec<u64>, StoreError> {
        let ids = self.store(html, severity, None).await?;
        self.inner.wake.notify_one();
        Ok(ids)
    }

    /// Process counters (sent, retries, suppressed, ...), for `/metrics`.
    pub fn counters(&self) -> TelegramCounters {
        self.inner.metrics.snapshot()
    }

    /// The shared counters (hand them to the poller so both count into one set).
    pub fn metrics(&self) -> Arc<DeliveryMetrics> {
        Arc::clone(&self.inner.metrics)
    }

    /// The chat a group migrated to, if Telegram said so during this process's life.
    /// The runtime should log it so the operator updates the configuration.
    pub fn migrated_chat(&self, chat_id: i64) -> Option<i64> {
        lock(&self.inner.migrated).get(&chat_id).copied()
    }

    async fn store(
        &self,
        text: &str,
        severity: Severity,
        kind: Option<domain::AlertKind>,
    ) -> Result<Vec<u64>, StoreError> {
        let mut ids = Vec::with_capacity(self.inner.config.alert_chat_ids.len());
        for &chat_id in &self.inner.config.alert_chat_ids {
            let message = OutboxMessage {
                channel: CHANNEL.to_string(),
                chat_id,
                text: text.to_string(),
                severity,
                kind,
                created_at: self.inner.clock.now(),
            };
            ids.push(self.inner.outbox.enqueue(&message).await?);
            self.inner.metrics.add(Counter::Enqueued);
        }
        Ok(ids)
    }

    async fn store_summaries(
        &self,
        summaries: Vec<crate::storm::Summary>,
    ) -> Result<(), StoreError> {
        let window = lock(&self.inner.storm).window_secs();
        for summary in summaries {
            let text = format_storm_summary(&summary.last, summary.total, window);
            self.store(&text, summary.last.severity, Some(summary.last.kind))
                .await?;
            self.inner.metrics.add(Counter::Summary);
        }
        Ok(())
    }

    /// Sends what is pending and due, oldest first (one round at a time).
    pub async fn deliver_pending(&self) -> Result<DeliveryRound, StoreError> {
        let _one_round = self.inner.round.lock().await;
        let summaries = lock(&self.inner.storm).flush(self.inner.clock.now());
        self.store_summaries(summaries).await?;

        let mut round = DeliveryRound::default();
        if let Some(wait) = self.paused_for() {
            round.paused_for = Some(wait);
            return Ok(round);
        }
        let entries = self.inner.outbox.pending(self.inner.config.batch).await?;
        round.more =
            entries.len() >= usize::try_from(self.inner.config.batch).unwrap_or(usize::MAX);
        for entry in entries {
            match self.deliver(&entry).await? {
                Delivered::Sent => round.sent += 1,
                Delivered::GaveUp => round.failed += 1,
                Delivered::Paused(wait) => {
                    round.retried += 1;
                    round.paused_for = Some(wait);
                    round.more = false;
                    break;
                }
            }
        }
        Ok(round)
    }

    fn paused_for(&self) -> Option<Duration> {
        let schedule = lock(&self.inner.schedule);
        let until = schedule.paused_until?;
        let now = Instant::now();
        (until > now).then(|| until - now)
    }

    fn pause(&self, wait: Duration) {
        lock(&self.inner.schedule).paused_until = Some(Instant::now() + wait);
    }

    async fn space_out(&self, chat_id: i64) {
        let interval = self.inner.config.per_chat_interval;
        if interval.is_zero() {
            return;
        }
        let last = lock(&self.inner.schedule).last_sent.get(&chat_id).copied();
        if let Some(last) = last {
            tokio::time::sleep_until(last + interval).await;
        }
    }

    async fn deliver(&self, entry: &OutboxEntry) -> Result<Delivered, StoreError> {
        let original = entry.message.chat_id;
        let mut chat_id = self.migrated_chat(original).unwrap_or(original);
        let mut migrations = 0;
        loop {
            self.space_out(chat_id).await;
            let result = self
                .inner
                .client
                .send_message(chat_id, &entry.message.text)
                .await;
            lock(&self.inner.schedule)
                .last_sent
                .insert(chat_id, Instant::now());
            let error = match result {
                Ok(sent) => {
                    self.inner
                        .outbox
                        .mark_sent(entry.id, self.inner.clock.now(), sent.message_id)
                        .await?;
                    self.inner.metrics.add(Counter::Sent);
                    return Ok(Delivered::Sent);
                }
                Err(TelegramError::ChatMigrated {
                    migrate_to_chat_id, ..
                }) if migrations == 0 => {
                    tracing::warn!(
                        chat_id = original,
                        migrate_to_chat_id,
                        "telegram group became a supergroup: alerts now go to the new id; update allowed/alert chat ids in the config"
                    );
                    lock(&self.inner.migrated).insert(original, migrate_to_chat_id);
                    chat_id = migrate_to_chat_id;
                    migrations += 1;
                    continue;
                }
                Err(e) => e,
            };
            return self.failed(entry, chat_id, error).await;
        }
    }

    async fn failed(
        &self,
        entry: &OutboxEntry,
        chat_id: i64,
        error: TelegramError,
    ) -> Result<Delivered, StoreError> {
        let attempts = entry.attempts.saturating_add(1);
        let exhausted = self
            .inner
            .config
            .max_attempts
            .is_some_and(|max| attempts >= max);
        let permanent = error.is_permanent() || exhausted;
        let now = self.inner.clock.now();
        self.inner
            .outbox
            .mark_failed(entry.id, now, &error.to_string(), attempts, permanent)
            .await?;
        if permanent {
            self.inner.metrics.add(Counter::FailedPermanent);
            tracing::error!(
                outbox_id = entry.id,
                chat_id,
                attempts,
                error = %error,
                reason = error.label(),
                "telegram message given up"
            );
            return Ok(Delivered::GaveUp);
        }
        self.inner.metrics.add(Counter::Retry);
        let wait = match error.retry_after() {
            Some(wait) => {
                self.inner.metrics.add(Counter::RateLimited);
                wait
            }
            None => self.inner.config.backoff.delay(attempts),
        };
        tracing::warn!(
            outbox_id = entry.id,
            chat_id,
            attempts,
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            error = %error,
            reason = error.label(),
            "telegram send failed, will retry"
        );
        self.pause(wait);
        Ok(Delivered::Paused(wait))
    }

    /// The delivery loop: delivers until `shutdown` resolves, waking on every `notify`,
    /// after a pause and every `idle_tick`. Store failures are logged and retried.
    pub async fn run_delivery(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let idle = self.inner.config.idle_tick;
        loop {
            let wait = match self.deliver_pending().await {
                Ok(round) if round.more => Duration::ZERO,
                Ok(round) => round.paused_for.unwrap_or(idle),
                Err(e) => {
                    tracing::warn!(error = %e, "telegram outbox unavailable; retrying");
                    idle
                }
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}

enum Delivered {
    Sent,
    GaveUp,
    Paused(Duration),
}

#[async_trait]
impl Notifier for TelegramNotifier {
    /// Stores the alert (or counts it into a storm summary); delivery is the loop's job.
    async fn notify(&self, alert: &Alert) -> Result<(), NotifyError> {
        let (admission, summaries) = lock(&self.inner.storm).admit(alert, self.inner.clock.now());
        let stored = async {
            self.store_summaries(summaries).await?;
            match admission {
                Admission::Send => {
                    self.store(&format_alert(alert), alert.severity, Some(alert.kind))
                        .await?;
                }
                Admission::Suppressed => self.inner.metrics.add(Counter::Suppressed),
            }
            Ok::<(), StoreError>(())
        }
        .await;
        self.inner.wake.notify_one();
        stored.map_err(|e| NotifyError::Retryable {
            detail: format!("telegram outbox: {e}"),
            retry_after_secs: None,
        })
    }
}
