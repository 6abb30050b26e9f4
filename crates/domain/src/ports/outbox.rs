//! The `AlertOutbox` port: what an operator channel (Telegram) must remember across restarts.
//!
//! An alert is written to the outbox *before* it is sent, and marked sent only when the
//! channel confirmed it; a restart therefore resends exactly what was never confirmed.
//! The same port keeps the command channel's read position (`getUpdates` offset), so a
//! restart does not replay operator commands, and a record of every command that was
//! ignored (foreign user, foreign chat, unknown command), so refusals are audited.
//!
//! Delivery guarantee this port makes possible ("at most once after confirmation"):
//! a message whose delivery was confirmed and recorded with `mark_sent` is never
//! returned by `pending` again, so it is never sent again. A crash *between* the
//! channel accepting a message and `mark_sent` being stored leaves it pending, and it is
//! sent again after the restart: before confirmation the guarantee is at least once.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::events::{AlertKind, Severity};
use crate::market::Timestamp;
use crate::ports::StoreError;

/// A message to deliver, as handed to [`AlertOutbox::enqueue`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// The channel that delivers it (`telegram`); bounded, usable as a metric label.
    pub channel: String,
    /// Destination within the channel (a Telegram chat id).
    pub chat_id: i64,
    /// The text exactly as it will be sent (already formatted and escaped).
    pub text: String,
    /// Urgency of the alert it carries.
    pub severity: Severity,
    /// Category of the alert it carries (`None` for command replies and tests).
    pub kind: Option<AlertKind>,
    /// When it was enqueued (the enqueuer's clock).
    pub created_at: Timestamp,
}

/// A stored message and its delivery state, as returned by [`AlertOutbox::pending`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Assigned by `enqueue`: increasing in enqueue order.
    pub id: u64,
    /// What to send.
    pub message: OutboxMessage,
    /// Failed attempts so far (as last reported to `mark_failed`; 0 when never tried).
    pub attempts: u32,
    /// When the last failed attempt happened.
    pub last_attempt_at: Option<Timestamp>,
    /// The last failure, for operators.
    pub last_error: Option<String>,
    /// Where it stands.
    pub status: DeliveryStatus,
}

/// Delivery state of one outbox entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not confirmed yet (never tried, or failed transiently): will be (re)sent.
    Pending,
    /// The channel confirmed delivery.
    Sent {
        /// When it was confirmed.
        at: Timestamp,
        /// The channel's id of the delivered message.
        channel_message_id: i64,
    },
    /// Will not be sent: the channel refused it for good (blocked bot, unknown chat, bad token).
    Failed {
        /// When it was given up.
        at: Timestamp,
    },
}

/// How many outbox entries are in each delivery state (for `/metrics` and status pages).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryCounts {
    /// Not confirmed yet.
    pub pending: u64,
    /// Confirmed.
    pub sent: u64,
    /// Given up (permanent failure).
    pub failed: u64,
}

/// Why an inbound command was not obeyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IgnoreReason {
    /// The sender is not an allow-listed user.
    UserNotAllowed,
    /// The chat is not an allow-listed chat (even if the user is allowed).
    ChatNotAllowed,
    /// The update has no sender (channel post, anonymous admin).
    NoSender,
    /// An allowed user sent a command the bot does not know.
    UnknownCommand,
    /// The command is addressed to another bot (`/cmd@otherbot`).
    OtherBot,
}

/// An inbound update that was ignored, kept for the audit of refusals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoredCommand {
    /// The channel it came from (`telegram`).
    pub channel: String,
    /// The channel's update id.
    pub update_id: i64,
    /// Chat it was sent in.
    pub chat_id: i64,
    /// Sender, when the update has one.
    pub user_id: Option<i64>,
    /// Sender's username, when known (informative only: never used to authorise).
    pub username: Option<String>,
    /// The text, truncated by the adapter to a bounded length.
    pub text: String,
    /// Why it was ignored.
    pub reason: IgnoreReason,
    /// When it was received (the receiver's clock).
    pub at: Timestamp,
}

/// Durable state of an operator channel: the alert outbox, the command offset and the
/// record of ignored commands.
///
/// Contract:
/// - `enqueue` MUST store the message durably before returning, and return an id
///   strictly greater than every id it returned before (ids increase in enqueue order,
///   also across restarts; they need not be contiguous). A new entry is `Pending` with
///   `attempts == 0`.
/// - `pending(limit)` MUST return, oldest id first, at most `limit` entries whose status
///   is `Pending` (never tried or failed transiently). An entry marked sent or failed
///   permanently MUST NOT be returned.
/// - `mark_sent(id, at, channel_message_id)` MUST make the entry `Sent` for good. It is
///   idempotent: marking an entry that is already `Sent` again MUST succeed and keep the
///   first `at` and message id. It wins over `Failed` (a late confirmation of a message
///   that was given up records that it did arrive).
/// - `mark_failed(id, at, error, attempts, permanent)` MUST record `attempts`,
///   `last_attempt_at = at` and `last_error = error`; with `permanent` the entry becomes
///   `Failed`, otherwise it stays `Pending`. On an entry already `Sent` it MUST be a
///   no-op returning `Ok` (a confirmed message never becomes failed).
/// - `mark_sent` and `mark_failed` of an id that was never enqueued MUST return
///   `StoreError::Conflict`.
/// - `delivery_counts` MUST count every stored entry exactly once by its status.
/// - `get_offset(channel)` MUST return the greatest offset put for that channel (`None`
///   before the first `put_offset`); `put_offset` of an offset lower than the stored one
///   MUST leave the stored one (offsets never go back, so a stale poller cannot cause a
///   replay). Channels are independent.
/// - `record_ignored` MUST store the record; `ignored_commands(limit)` MUST return the
///   `limit` most recently recorded ones, newest first.
/// - A bounded implementation MAY forget entries that are `Sent` or `Failed`; it MUST
///   NOT forget `Pending` entries or offsets.
#[async_trait]
pub trait AlertOutbox: Send + Sync {
    /// Stores a message to send (before any attempt); returns its id.
    async fn enqueue(&self, message: &OutboxMessage) -> Result<u64, StoreError>;

    /// Up to `limit` unconfirmed entries, oldest first.
    async fn pending(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Records the channel's confirmation of entry `id`.
    async fn mark_sent(
        &self,
        id: u64,
        at: Timestamp,
        channel_message_id: i64,
    ) -> Result<(), StoreError>;

    /// Records a failed attempt at entry `id`; `permanent` gives it up.
    async fn mark_failed(
        &self,
        id: u64,
        at: Timestamp,
        error: &str,
        attempts: u32,
        permanent: bool,
    ) -> Result<(), StoreError>;

    /// Entries per delivery state.
    async fn delivery_counts(&self) -> Result<DeliveryCounts, StoreError>;

    /// The stored read position of an inbound channel (next update id to fetch).
    async fn get_offset(&self, channel: &str) -> Result<Option<i64>, StoreError>;

    /// Moves the read position of an inbound channel forward.
    async fn put_offset(&self, channel: &str, offset: i64) -> Result<(), StoreError>;

    /// Records an ignored inbound command.
    async fn record_ignored(&self, record: &IgnoredCommand) -> Result<(), StoreError>;

    /// The `limit` most recent ignored commands, newest first.
    async fn ignored_commands(&self, limit: u32) -> Result<Vec<IgnoredCommand>, StoreError>;
}
