//! Delivery and command counters, exported by the runtime on `/metrics`.
//!
//! The adapter does not depend on a metrics library: it counts in atomics and hands out
//! a [`TelegramCounters`] snapshot with Prometheus names (`rampart_telegram_*`); the
//! runtime copies them into its exporter. Outbox gauges (pending/sent/failed) come from
//! [`domain::ports::AlertOutbox::delivery_counts`], so they survive restarts.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters of one process (reset on restart; totals are in the outbox).
#[derive(Debug, Default)]
pub struct DeliveryMetrics {
    enqueued: AtomicU64,
    sent: AtomicU64,
    failed_permanent: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    suppressed: AtomicU64,
    summaries: AtomicU64,
    commands_handled: AtomicU64,
    commands_ignored: AtomicU64,
}

/// A snapshot of [`DeliveryMetrics`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TelegramCounters {
    /// Messages stored in the outbox.
    pub enqueued: u64,
    /// Messages Telegram confirmed.
    pub sent: u64,
    /// Messages given up (permanent failure).
    pub failed_permanent: u64,
    /// Failed attempts that will be retried.
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Alerts folded into a storm summary instead of sent.
    pub suppressed: u64,
    /// Storm summaries enqueued.
    pub summaries: u64,
    /// Operator commands answered.
    pub commands_handled: u64,
    /// Updates ignored (not authorised, unknown command).
    pub commands_ignored: u64,
}

impl TelegramCounters {
    /// `(metric name, value)` pairs, all counters (`_total`).
    pub fn samples(&self) -> [(&'static str, u64); 9] {
        [
            ("rampart_telegram_messages_enqueued_total", self.enqueued),
            ("rampart_telegram_messages_sent_total", self.sent),
            (
                "rampart_telegram_messages_failed_total",
                self.failed_permanent,
            ),
            ("rampart_telegram_send_retries_total", self.retries),
            ("rampart_telegram_rate_limited_total", self.rate_limited),
            ("rampart_telegram_alerts_suppressed_total", self.suppressed),
            ("rampart_telegram_storm_summaries_total", self.summaries),
            (
                "rampart_telegram_commands_handled_total",
                self.commands_handled,
            ),
            (
                "rampart_telegram_commands_ignored_total",
                self.commands_ignored,
            ),
        ]
    }
}

/// Which counter to bump.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter {
    Enqueued,
    Sent,
    FailedPermanent,
    Retry,
    RateLimited,
    Suppressed,
    Summary,
    CommandHandled,
    CommandIgnored,
}

impl DeliveryMetrics {
    pub(crate) fn add(&self, counter: Counter) {
        let c = match counter {
            Counter::Enqueued => &self.enqueued,
            Counter::Sent => &self.sent,
            Counter::FailedPermanent => &self.failed_permanent,
            Counter::Retry => &self.retries,
            Counter::RateLimited => &self.rate_limited,
            Counter::Suppressed => &self.suppressed,
            Counter::Summary => &self.summaries,
            Counter::CommandHandled => &self.commands_handled,
            Counter::CommandIgnored => &self.commands_ignored,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The current values.
    pub fn snapshot(&self) -> TelegramCounters {
        let r = |c: &AtomicU64| c.load(Ordering::Relaxed);
        TelegramCounters {
            enqueued: r(&self.enqueued),
            sent: r(&self.sent),
            failed_permanent: r(&self.failed_permanent),
            retries: r(&self.retries),
            rate_limited: r(&self.rate_limited),
            suppressed: r(&self.suppressed),
            summaries: r(&self.summaries),
            commands_handled: r(&self.commands_handled),
            commands_ignored: r(&self.commands_ignored),
        }
    }
}
