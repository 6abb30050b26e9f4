//! Property tests: for random sequences of batches the chain verifies, and flipping any
//! stored byte of any event is reported at exactly that record.

use domain::ports::{EventBatch, LinkProblem, Store};
use domain::{Actor, AuditEvent, JobOutcome};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tokio::runtime::Runtime;

use crate::fixtures::{alert_event, at, fill_event, signal_event};
use crate::harness::{Harness, Tamper};

/// Cases per run; `PROPTEST_CASES` overrides.
const DEFAULT_CASES: u32 = 24;

/// A multi-threaded runtime for the property tests (which drive async stores from a sync test).
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime can be built")
}

/// One generated event: which kind, a free text, a time offset.
#[derive(Debug, Clone)]
struct Spec {
    kind: u8,
    text: String,
    secs: i64,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0u8..5,
        proptest::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter),
        0i64..1_000_000,
    )
        .prop_map(|(kind, text, secs)| Spec { kind, text, secs })
}

fn batches() -> impl Strategy<Value = Vec<(Vec<Spec>, bool)>> {
    proptest::collection::vec(
        (proptest::collection::vec(spec(), 0..4), any::<bool>()),
        1..8,
    )
}

fn materialise(specs: &[(Vec<Spec>, bool)]) -> Vec<EventBatch> {
    const SYMBOLS: [&str; 3] = ["BTC-USD", "ETH-USD", "SOL-USDT"];
    specs
        .iter()
        .enumerate()
        .map(|(b, (events, with_state))| {
            let events = events
                .iter()
                .enumerate()
                .map(|(i, s)| match s.kind {
                    0 => signal_event(SYMBOLS[usize::try_from(s.secs).unwrap_or(0) % 3], s.secs),
                    1 => alert_event(&s.text, s.secs),
                    2 => fill_event(&format!("rp-p-{b}-{i}"), &format!("t-{}", s.secs), s.secs),
                    3 => AuditEvent::KillSwitchDeactivated {
                        actor: Actor::Operator {
                            name: s.text.clone(),
                        },
                        reason: s.text.clone(),
                        at: at(s.secs),
                        requested_at: None,
                    },
                    _ => AuditEvent::JobRan {
                        // Job names are identifiers (a projected column), not free text.
                        job: format!("job_{}", s.secs % 7),
                        scheduled_for: at(s.secs),
                        started_at: at(s.secs),
                        finished_at: at(s.secs + 1),
                        outcome: JobOutcome::Failed {
                            error: s.text.clone(),
                        },
                    },
                })
                .collect();
            EventBatch {
                event_id: format!("prop:{b}"),
                at: at(i64::try_from(b).unwrap_or(0) * 60),
                events,
                state: if *with_state {
                    serde_json::json!({ "batch": b })
                } else {
                    serde_json::Value::Null
                },
                orders: Vec::new(),
            }
        })
        .collect()
}

/// Runs the property against fresh stores of `harness`.
pub fn chain_verifies_and_flips_are_detected<H: Harness>(rt: &Runtime, harness: &H) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(
        &(batches(), any::<Index>(), any::<Index>()),
        |(specs, which, byte)| rt.block_on(check(harness, &materialise(&specs), which, byte)),
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn check<H: Harness>(
    harness: &H,
    batches: &[EventBatch],
    which: Index,
    byte: Index,
) -> Result<(), TestCaseError> {
    let store = harness.fresh().await;
    let outcome = check_store(harness, &store, batches, which, byte).await;
    harness.dispose(store).await;
    outcome
}

async fn check_store<H: Harness>(
    harness: &H,
    store: &H::Store,
    batches: &[EventBatch],
    which: Index,
    byte: Index,
) -> Result<(), TestCaseError> {
    for batch in batches {
        prop_assert_eq!(store.append(batch).await, Ok(true));
    }
    let total: usize = batches.iter().map(|b| b.events.len()).sum();
    let v = store
        .verify_audit()
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(v.is_intact(), "{:?}", v);
    prop_assert_eq!(v.checked, total as u64);
    if total == 0 {
        return Ok(());
    }
    let records = store
        .audit_events(0, u32::try_from(total).unwrap_or(u32::MAX))
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(records.len(), total);
    let target = &records[which.index(total)];
    let tamper = Tamper::FlipEventBit {
        seq: target.seq,
        byte: byte.index(target.event_json.len()),
    };
    if !harness.tamper(store, tamper).await {
        return Ok(());
    }
    let v = store
        .verify_audit()
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let broken = v
        .broken
        .ok_or_else(|| TestCaseError::fail(format!("{tamper:?} not detected")))?;
    prop_assert_eq!(broken.seq, target.seq, "{}", broken);
    prop_assert!(
        matches!(broken.problem, LinkProblem::HashMismatch { .. }),
        "{}",
        broken
    );
    Ok(())
}

/// Flips the lowest bit of byte `byte % len` of `text`; when the result is not UTF-8,
/// flips the nearest ASCII byte instead (for stores whose text column must stay UTF-8).
pub fn flip_bit(text: &[u8], byte: usize, must_stay_utf8: bool) -> Vec<u8> {
    let mut out = text.to_vec();
    if out.is_empty() {
        return out;
    }
    let i = byte % out.len();
    out[i] ^= 1;
    if !must_stay_utf8 || std::str::from_utf8(&out).is_ok() {
        return out;
    }
    out[i] ^= 1;
    let nearest = (0..out.len())
        .filter(|j| out[*j].is_ascii())
        .min_by_key(|j| j.abs_diff(i))
        .unwrap_or(i);
    out[nearest] ^= 1;
    out
}
