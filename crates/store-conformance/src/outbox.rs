//! One test per sentence of the `AlertOutbox` contract (see `domain::ports::AlertOutbox`).
//!
//! An adapter implements [`OutboxHarness`] (fresh outboxes, reopening, reading one entry in
//! any state) and calls [`outbox_conformance_tests!`](crate::outbox_conformance_tests) once in
//! its `tests/`. Each function makes its own fresh outbox and disposes of it.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use domain::ports::{
    AlertOutbox, DeliveryCounts, DeliveryStatus, IgnoreReason, IgnoredCommand, OutboxEntry,
    OutboxMessage, StoreError,
};
use domain::{AlertKind, Severity};

use crate::fixtures::at;

/// How the suite makes and handles outboxes of one adapter.
pub trait OutboxHarness: Send + Sync {
    /// The outbox under test.
    type Outbox: AlertOutbox + 'static;

    /// A new, empty outbox (a new file, a new schema).
    fn fresh_outbox(&self) -> impl Future<Output = Self::Outbox> + Send;

    /// Closes `outbox` and opens the same data again (a restart); `None` when the outbox
    /// keeps nothing across instances (in-memory), which skips the restart test.
    fn reopen_outbox(
        &self,
        outbox: Self::Outbox,
    ) -> impl Future<Output = Option<Self::Outbox>> + Send;

    /// Entry `id` in any delivery state (the port's `pending` shows only pending ones), read
    /// through the adapter's own inspection API.
    fn entry(
        &self,
        outbox: &Self::Outbox,
        id: u64,
    ) -> impl Future<Output = Option<OutboxEntry>> + Send;

    /// Releases what `fresh_outbox` created (files, schemas). Called at the end of each test.
    fn dispose_outbox(&self, outbox: Self::Outbox) -> impl Future<Output = ()> + Send {
        drop(outbox);
        async {}
    }
}

/// A message with fixed content, enqueued at `t0 + secs`.
pub fn message(text: &str, secs: i64) -> OutboxMessage {
    OutboxMessage {
        channel: "telegram".into(),
        chat_id: -1_001_234_567_890,
        text: text.into(),
        severity: Severity::Critical,
        kind: Some(AlertKind::KillSwitch),
        created_at: at(secs),
    }
}

/// An ignored command with fixed content, received at `t0 + secs`.
pub fn ignored(update_id: i64, secs: i64) -> IgnoredCommand {
    IgnoredCommand {
        channel: "telegram".into(),
        update_id,
        chat_id: 42,
        user_id: Some(7),
        username: Some("mallory".into()),
        text: format!("/resume {update_id}"),
        reason: IgnoreReason::UserNotAllowed,
        at: at(secs),
    }
}

async fn enqueue_n<O: AlertOutbox + ?Sized>(outbox: &O, n: i64) -> Vec<u64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            outbox
                .enqueue(&message(&format!("<b>alert {i}</b> é €"), i))
                .await
                .expect("enqueue"),
        );
    }
    ids
}

fn ids_of(entries: &[OutboxEntry]) -> Vec<u64> {
    entries.iter().map(|e| e.id).collect()
}

async fn status<H: OutboxHarness>(h: &H, outbox: &H::Outbox, id: u64) -> DeliveryStatus {
    h.entry(outbox, id)
        .await
        .unwrap_or_else(|| panic!("entry {id} is stored"))
        .status
}

/// `enqueue` returns ids strictly greater than every id it returned before, and stores a
/// `Pending` entry with `attempts == 0` holding the message as given.
pub async fn enqueue_returns_increasing_ids_and_a_new_pending_entry<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    let ids = enqueue_n(&outbox, 5).await;
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let reply = OutboxMessage {
        kind: None,
        severity: Severity::Info,
        ..message("reply", 9)
    };
    let id = outbox.enqueue(&reply).await.expect("enqueue");
    assert!(id > ids[4]);
    let entry = h.entry(&outbox, id).await.expect("stored");
    assert_eq!(
        entry,
        OutboxEntry {
            id,
            message: reply,
            attempts: 0,
            last_attempt_at: None,
            last_error: None,
            status: DeliveryStatus::Pending,
        }
    );
    assert_eq!(h.entry(&outbox, ids[0]).await.expect("stored").message, {
        message("<b>alert 0</b> é €", 0)
    });
    h.dispose_outbox(outbox).await;
}

/// Concurrent `enqueue`s get distinct ids, and every entry is stored.
pub async fn concurrent_enqueues_get_distinct_ids<H: OutboxHarness>(h: &H) {
    let outbox = Arc::new(h.fresh_outbox().await);
    let mut tasks = Vec::new();
    for t in 0..4 {
        let outbox = Arc::clone(&outbox);
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..10 {
                ids.push(
                    outbox
                        .enqueue(&message(&format!("t{t} m{i}"), i))
                        .await
                        .expect("enqueue"),
                );
            }
            ids
        }));
    }
    let mut all = HashSet::new();
    for task in tasks {
        let ids = task.await.expect("task");
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        all.extend(ids);
    }
    assert_eq!(all.len(), 40);
    assert_eq!(outbox.pending(100).await.expect("pending").len(), 40);
    let outbox = Arc::try_unwrap(outbox).unwrap_or_else(|_| panic!("tasks are done"));
    h.dispose_outbox(outbox).await;
}

/// `pending(limit)` returns at most `limit` pending entries, oldest id first.
pub async fn pending_returns_at_most_limit_oldest_first<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    assert_eq!(outbox.pending(10).await, Ok(vec![]));
    let ids = enqueue_n(&outbox, 5).await;
    assert_eq!(ids_of(&outbox.pending(10).await.expect("pending")), ids);
    assert_eq!(ids_of(&outbox.pending(3).await.expect("pending")), ids[..3]);
    assert_eq!(outbox.pending(0).await, Ok(vec![]));
    h.dispose_outbox(outbox).await;
}

/// `pending` includes entries that failed transiently and never returns entries marked sent
/// or failed permanently.
pub async fn pending_excludes_sent_and_permanently_failed_entries<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    let ids = enqueue_n(&outbox, 5).await;
    outbox.mark_sent(ids[0], at(100), 1).await.expect("sent");
    outbox
        .mark_failed(ids[1], at(100), "timeout", 1, false)
        .await
        .expect("transient");
    outbox
        .mark_failed(ids[2], at(100), "blocked", 1, true)
        .await
        .expect("permanent");
    outbox.mark_sent(ids[4], at(100), 2).await.expect("sent");
    let pending = outbox.pending(10).await.expect("pending");
    assert_eq!(ids_of(&pending), [ids[1], ids[3]]);
    // The limit counts pending entries only.
    assert_eq!(ids_of(&outbox.pending(1).await.expect("pending")), [ids[1]]);
    h.dispose_outbox(outbox).await;
}

/// `mark_sent` makes the entry `Sent` with the given time and message id, for good.
pub async fn mark_sent_makes_the_entry_sent<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    let ids = enqueue_n(&outbox, 2).await;
    outbox.mark_sent(ids[0], at(100), 555).await.expect("sent");
    assert_eq!(
        status(h, &outbox, ids[0]).await,
        DeliveryStatus::Sent {
            at: at(100),
            channel_message_id: 555
        }
    );
    assert_eq!(
        ids_of(&outbox.pending(10).await.expect("pending")),
        [ids[1]]
    );
    h.dispose_outbox(outbox).await;
}

/// `mark_sent` of an entry already `Sent` succeeds and keeps the first time and message id.
pub async fn mark_sent_again_keeps_the_first_confirmation<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    let id = enqueue_n(&outbox, 1).await[0];
    outbox.mark_sent(id, at(100), 555).await.expect("sent");
    assert_eq!(outbox.mark_sent(id, at(200), 666).await, Ok(()));
    assert_eq!(
        status(h, &outbox, id).await,
        DeliveryStatus::Sent {
            at: at(100),
            channel_message_id: 555
        }
    );
    h.dispose_outbox(outbox).await;
}

/// `mark_sent` wins over `Failed`: a late confirmation of a given-up entry makes it `Sent`.
pub async fn mark_sent_wins_over_failed<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    let id = enqueue_n(&outbox, 1).await[0];
    outbox
        .mark_failed(id, at(100), "chat not found", 2, true)
        .await
        .expect("failed");
    assert_eq!(
        status(h, &outbox, id).await,
        DeliveryStatus::Failed { at: at(100) }
    );
    outbox.mark_sent(id, at(150), 777).await.expect("sent");
    assert_eq!(
        status(h, &outbox, id).await,
        DeliveryStatus::Sent {
            at: at(150),
            channel_message_id: 777
        }
    );
    assert_eq!(
        outbox.delivery_counts().await,
        Ok(DeliveryCounts {
            pending: 0,
            sent: 1,
            failed: 0
        })
    );
    h.dispose_outbox(outbox).await;
}

/// `mark_failed` without `permanent` records attempts, time and error; the entry stays
/// `Pending` (and is returned by `pending` with them).
pub async fn mark_failed_records_the_attempt_and_keeps_the_entry_pending<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    let id = enqueue_n(&outbox, 1).await[0];
    outbox
        .mark_failed(id, at(100), "timeout", 1, false)
        .await
        .expect("failed");
    outbox
        .mark_failed(id, at(130), "429 retry after 30 s", 2, false)
        .await
        .expect("failed");
    let pending = outbox.pending(10).await.expect("pending");
    assert_eq!(ids_of(&pending), [id]);
    let entry = &pending[0];
    assert_eq!(entry.attempts, 2);
    assert_eq!(entry.last_attempt_at, Some(at(130)));
    assert_eq!(entry.last_error.as_deref(), Some("429 retry after 30 s"));
    assert_eq!(entry.status, DeliveryStatus::Pending);
    assert_eq!(entry.message, message("<b>alert 0</b> é €", 0));
    h.dispose_outbox(outbox).await;
}

/// `mark_failed` with `permanent` records the attempt and makes the entry `Failed` at `at`.
pub async fn mark_failed_permanent_makes_the_entry_failed<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    let id = enqueue_n(&outbox, 1).await[0];
    outbox
        .mark_failed(id, at(100), "timeout", 1, false)
        .await
        .expect("failed");
    outbox
        .mark_failed(id, at(160), "403 bot was blocked", 2, true)
        .await
        .expect("failed");
    let entry = h.entry(&outbox, id).await.expect("stored");
    assert_eq!(entry.status, DeliveryStatus::Failed { at: at(160) });
    assert_eq!(entry.attempts, 2);
    assert_eq!(entry.last_attempt_at, Some(at(160)));
    assert_eq!(entry.last_error.as_deref(), Some("403 bot was blocked"));
    assert_eq!(outbox.pending(10).await, Ok(vec![]));
    h.dispose_outbox(outbox).await;
}

/// `mark_failed` of an entry already `Sent` is a no-op returning `Ok`.
pub async fn mark_failed_on_a_sent_entry_is_a_noop<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    let id = enqueue_n(&outbox, 1).await[0];
    outbox.mark_sent(id, at(100), 555).await.expect("sent");
    let before = h.entry(&outbox, id).await.expect("stored");
    assert_eq!(
        outbox.mark_failed(id, at(200), "late", 3, true).await,
        Ok(())
    );
    assert_eq!(
        outbox.mark_failed(id, at(210), "late", 4, false).await,
        Ok(())
    );
    assert_eq!(h.entry(&outbox, id).await.expect("stored"), before);
    assert_eq!(before.attempts, 0);
    assert_eq!(before.last_error, None);
    h.dispose_outbox(outbox).await;
}

/// `mark_sent` and `mark_failed` of an id never enqueued return `StoreError::Conflict`.
pub async fn marking_an_unknown_id_is_a_conflict<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    let unknown = |r: Result<(), StoreError>| matches!(r, Err(StoreError::Conflict(_)));
    assert!(unknown(outbox.mark_sent(1, at(100), 1).await));
    assert!(unknown(outbox.mark_failed(1, at(100), "x", 1, true).await));
    let id = enqueue_n(&outbox, 1).await[0];
    assert!(unknown(outbox.mark_sent(id + 1000, at(100), 1).await));
    assert!(unknown(
        outbox.mark_failed(id + 1000, at(100), "x", 1, false).await
    ));
    assert!(unknown(outbox.mark_sent(u64::MAX, at(100), 1).await));
    // Nothing was created or changed.
    assert_eq!(ids_of(&outbox.pending(10).await.expect("pending")), [id]);
    assert_eq!(
        outbox.delivery_counts().await,
        Ok(DeliveryCounts {
            pending: 1,
            sent: 0,
            failed: 0
        })
    );
    h.dispose_outbox(outbox).await;
}

/// `delivery_counts` counts every stored entry exactly once by its status.
pub async fn delivery_counts_counts_every_entry_once_by_status<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    assert_eq!(
        outbox.delivery_counts().await,
        Ok(DeliveryCounts::default())
    );
    let ids = enqueue_n(&outbox, 7).await;
    outbox.mark_sent(ids[0], at(100), 1).await.expect("sent");
    outbox.mark_sent(ids[0], at(101), 2).await.expect("again");
    outbox.mark_sent(ids[1], at(100), 3).await.expect("sent");
    outbox
        .mark_failed(ids[2], at(100), "blocked", 1, true)
        .await
        .expect("failed");
    outbox
        .mark_failed(ids[3], at(100), "timeout", 1, false)
        .await
        .expect("transient");
    outbox
        .mark_failed(ids[1], at(100), "late", 1, true)
        .await
        .expect("no-op");
    assert_eq!(
        outbox.delivery_counts().await,
        Ok(DeliveryCounts {
            pending: 4,
            sent: 2,
            failed: 1
        })
    );
    h.dispose_outbox(outbox).await;
}

/// `get_offset` is `None` before the first `put_offset` of that channel.
pub async fn get_offset_is_none_before_the_first_put<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    assert_eq!(outbox.get_offset("telegram").await, Ok(None));
    outbox.put_offset("telegram", 0).await.expect("put");
    assert_eq!(outbox.get_offset("telegram").await, Ok(Some(0)));
    h.dispose_outbox(outbox).await;
}

/// `get_offset` returns the greatest offset put; a lower `put_offset` leaves the stored one.
pub async fn put_offset_never_moves_the_offset_back<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    outbox.put_offset("telegram", 10).await.expect("put");
    outbox.put_offset("telegram", 5).await.expect("lower put");
    assert_eq!(outbox.get_offset("telegram").await, Ok(Some(10)));
    outbox.put_offset("telegram", 10).await.expect("same put");
    assert_eq!(outbox.get_offset("telegram").await, Ok(Some(10)));
    outbox
        .put_offset("telegram", 900_000_001)
        .await
        .expect("put");
    outbox.put_offset("telegram", -1).await.expect("lower put");
    assert_eq!(outbox.get_offset("telegram").await, Ok(Some(900_000_001)));
    h.dispose_outbox(outbox).await;
}

/// Offsets of different channels are independent.
pub async fn offsets_of_channels_are_independent<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    outbox.put_offset("telegram", 100).await.expect("put");
    outbox.put_offset("other", 7).await.expect("put");
    assert_eq!(outbox.get_offset("telegram").await, Ok(Some(100)));
    assert_eq!(outbox.get_offset("other").await, Ok(Some(7)));
    assert_eq!(outbox.get_offset("third").await, Ok(None));
    h.dispose_outbox(outbox).await;
}

/// `record_ignored` stores the record as given; `ignored_commands(limit)` returns the
/// `limit` most recently recorded, newest first.
pub async fn ignored_commands_returns_the_latest_newest_first<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    assert_eq!(outbox.ignored_commands(10).await, Ok(vec![]));
    let anonymous = IgnoredCommand {
        user_id: None,
        username: None,
        reason: IgnoreReason::NoSender,
        ..ignored(3, 30)
    };
    // Recording order, not time or update id, decides what is newest.
    let records = [
        ignored(1, 50),
        IgnoredCommand {
            reason: IgnoreReason::ChatNotAllowed,
            ..ignored(2, 10)
        },
        anonymous,
        IgnoredCommand {
            reason: IgnoreReason::UnknownCommand,
            text: "/frobnicate ünïcode".into(),
            ..ignored(0, 40)
        },
        IgnoredCommand {
            reason: IgnoreReason::OtherBot,
            ..ignored(5, 40)
        },
    ];
    for record in &records {
        outbox.record_ignored(record).await.expect("record");
    }
    let newest_first: Vec<_> = records.iter().rev().cloned().collect();
    assert_eq!(outbox.ignored_commands(10).await, Ok(newest_first.clone()));
    assert_eq!(
        outbox.ignored_commands(2).await,
        Ok(newest_first[..2].to_vec())
    );
    assert_eq!(outbox.ignored_commands(0).await, Ok(vec![]));
    h.dispose_outbox(outbox).await;
}

/// After a restart, pending entries (with their attempts), sent and failed states, offsets and
/// ignored commands are still there, and new ids are greater than every id returned before.
pub async fn outbox_survives_a_restart_and_ids_keep_increasing<H: OutboxHarness>(h: &H) {
    let outbox = h.fresh_outbox().await;
    let ids = enqueue_n(&outbox, 4).await;
    outbox.mark_sent(ids[0], at(100), 11).await.expect("sent");
    outbox
        .mark_failed(ids[1], at(100), "timeout", 1, false)
        .await
        .expect("transient");
    outbox
        .mark_failed(ids[2], at(100), "blocked", 1, true)
        .await
        .expect("permanent");
    outbox.put_offset("telegram", 4242).await.expect("put");
    outbox
        .record_ignored(&ignored(9, 90))
        .await
        .expect("record");
    let pending_before = outbox.pending(10).await.expect("pending");
    let counts_before = outbox.delivery_counts().await.expect("counts");

    let Some(outbox) = h.reopen_outbox(outbox).await else {
        eprintln!(
            "store-conformance: outbox_survives_a_restart_and_ids_keep_increasing skipped: \
             the outbox keeps nothing across instances"
        );
        return;
    };
    assert_eq!(outbox.pending(10).await, Ok(pending_before));
    assert_eq!(
        ids_of(&outbox.pending(10).await.expect("pending")),
        [ids[1], ids[3]]
    );
    assert_eq!(outbox.delivery_counts().await, Ok(counts_before));
    assert_eq!(
        status(h, &outbox, ids[0]).await,
        DeliveryStatus::Sent {
            at: at(100),
            channel_message_id: 11
        }
    );
    assert_eq!(outbox.get_offset("telegram").await, Ok(Some(4242)));
    outbox
        .put_offset("telegram", 4000)
        .await
        .expect("lower put");
    assert_eq!(outbox.get_offset("telegram").await, Ok(Some(4242)));
    assert_eq!(outbox.ignored_commands(10).await, Ok(vec![ignored(9, 90)]));

    let next = outbox
        .enqueue(&message("after restart", 200))
        .await
        .expect("enqueue");
    assert!(next > ids[3], "{next} after {ids:?}");
    assert_eq!(
        ids_of(&outbox.pending(10).await.expect("pending")),
        [ids[1], ids[3], next]
    );
    // And once more: the id after a second restart is greater still.
    let Some(outbox) = h.reopen_outbox(outbox).await else {
        panic!("an outbox that reopened once reopens again");
    };
    let last = outbox
        .enqueue(&message("again", 300))
        .await
        .expect("enqueue");
    assert!(last > next);
    h.dispose_outbox(outbox).await;
}
