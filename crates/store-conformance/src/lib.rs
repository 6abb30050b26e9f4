//! The conformance suite of the `Store` port: one test per contract sentence.
//!
//! Each adapter (SQLite, PostgreSQL, the in-memory store) implements [`Harness`] to say how
//! to make a fresh store, reopen it, and (if it can) tamper with its stored audit trail,
//! then calls [`store_conformance_tests!`] once in its `tests/`. The macro expands to one
//! `#[tokio::test]` per function of [`contract`] plus the property tests of [`property`],
//! so a failure names the sentence that broke.
//!
//! ```text
//! // crates/sqlite/tests/it/conformance.rs
//! store_conformance::store_conformance_tests!(async { Some(SqliteHarness::default()) });
//! ```
//!
//! The caller needs `tokio` (features `macros`, `rt-multi-thread`) as a dev-dependency.
//!
//! Map:
//! - [`harness`] — [`Harness`], [`Tamper`]
//! - [`fixtures`] — valid domain values to build batches from
//! - [`contract`] — the tests, one async function per sentence
//! - [`property`] — random batch sequences: the chain verifies, any flipped byte is caught
//! - [`outbox`] — [`OutboxHarness`] and the tests of the `AlertOutbox` port, one per
//!   sentence ([`outbox_conformance_tests!`])

pub mod contract;
pub mod fixtures;
pub mod harness;
pub mod outbox;
pub mod property;

pub use harness::{Harness, Tamper};
pub use outbox::OutboxHarness;

/// Expands to one test per contract sentence for the harness that `$make` (a future
/// yielding `Option<impl Harness>`; `None` skips) produces.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::__store_conformance_tests!($make;
            append_returns_true_for_a_new_batch,
            append_of_a_known_event_id_is_a_noop_returning_false,
            append_is_all_or_nothing,
            append_refuses_a_fill_repeated_within_a_batch,
            latest_state_is_none_when_nothing_was_appended,
            latest_state_returns_the_last_snapshot,
            put_order_replaces_an_order_with_the_same_symbol_and_side,
            put_order_conflicts_on_a_different_symbol_or_side,
            append_stores_the_batch_orders_with_its_events,
            append_with_a_conflicting_order_writes_nothing,
            append_of_a_known_event_id_writes_none_of_its_orders,
            unbooked_orders_returns_terminal_orders_whose_fills_do_not_cover_them,
            order_of_an_unknown_id_is_none,
            open_orders_excludes_terminal_orders,
            fills_of_returns_the_fills_of_one_order_in_append_order,
            fills_of_an_order_without_fills_is_empty,
            audit_records_are_numbered_and_chained_from_genesis,
            audit_events_pages_by_seq,
            audit_tail_is_the_last_record,
            batch_without_events_adds_no_audit_record,
            audit_chain_verifies_after_many_appends,
            concurrent_appends_keep_the_chain_valid,
            altered_event_is_detected_at_its_seq,
            altered_hash_is_detected_at_its_seq,
            deleted_record_is_detected,
            deleted_tail_is_detected,
            signals_since_returns_signals_from_that_time_in_order,
            recent_alerts_returns_alerts_from_that_time_in_order,
            heartbeat_keeps_the_latest_per_instance,
            state_orders_and_chain_survive_reopen,
            event_ids_stay_known_after_reopen,
            enqueue_request_assigns_ids_in_order_and_request_reads_them_back,
            pending_requests_exclude_applied_requests_in_id_order,
            operator_requests_survive_reopen,
            put_daily_report_replaces_the_report_of_the_same_date,
            daily_reports_returns_the_latest_dates_newest_first,
            events_between_returns_batch_times_in_the_half_open_interval,
            loss_simulated_round_trips_through_the_audit_trail,
            latest_risk_book_is_none_without_a_snapshot,
            latest_risk_book_is_the_snapshot_with_the_latest_time,
            latest_risk_book_among_equal_times_is_the_later_appended,
            risk_book_round_trips_exactly,
            account_rule_breached_round_trips_through_the_audit_trail,
            shadow_records_returns_the_decisions_in_range_in_order_with_their_resolutions,
            shadow_counts_counts_the_range_the_pending_and_the_total,
            latest_state_part_returns_the_latest_state_that_has_the_key,
            append_refuses_a_shadow_decision_recorded_twice,
            append_refuses_a_resolution_of_an_unknown_or_resolved_decision,
            signoffs_returns_every_signoff_in_append_order,
            put_weekly_report_replaces_the_report_of_the_same_week,
            weekly_reports_returns_the_latest_weeks_newest_first
        );

        #[test]
        fn prop_audit_chain_verifies_and_any_flipped_event_byte_is_detected() {
            let rt = $crate::property::runtime();
            let Some(harness) = rt.block_on($make) else {
                return;
            };
            $crate::property::chain_verifies_and_flips_are_detected(&rt, &harness);
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __store_conformance_tests {
    ($make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(harness) = $make.await else {
                    return;
                };
                $crate::contract::$name(&harness).await;
            }
        )*
    };
}

/// Expands to one test per sentence of the `AlertOutbox` contract for the
/// [`OutboxHarness`] that `$make` (a future yielding `Option<impl OutboxHarness>`; `None`
/// skips) produces. Invoke it in a module of its own next to `store_conformance_tests!`.
#[macro_export]
macro_rules! outbox_conformance_tests {
    ($make:expr) => {
        $crate::__outbox_conformance_tests!($make;
            enqueue_returns_increasing_ids_and_a_new_pending_entry,
            concurrent_enqueues_get_distinct_ids,
            pending_returns_at_most_limit_oldest_first,
            pending_excludes_sent_and_permanently_failed_entries,
            mark_sent_makes_the_entry_sent,
            mark_sent_again_keeps_the_first_confirmation,
            mark_sent_wins_over_failed,
            mark_failed_records_the_attempt_and_keeps_the_entry_pending,
            mark_failed_permanent_makes_the_entry_failed,
            mark_failed_on_a_sent_entry_is_a_noop,
            marking_an_unknown_id_is_a_conflict,
            delivery_counts_counts_every_entry_once_by_status,
            get_offset_is_none_before_the_first_put,
            put_offset_never_moves_the_offset_back,
            offsets_of_channels_are_independent,
            ignored_commands_returns_the_latest_newest_first,
            outbox_survives_a_restart_and_ids_keep_increasing
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __outbox_conformance_tests {
    ($make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(harness) = $make.await else {
                    return;
                };
                $crate::outbox::$name(&harness).await;
            }
        )*
    };
}
