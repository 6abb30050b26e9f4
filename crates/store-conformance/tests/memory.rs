//! The conformance suite on the in-memory store (engine's `MemoryStore`).
//!
//! It keeps nothing across instances and cannot be altered from outside, so the reopen
//! and tampering tests report themselves skipped; every other sentence must hold.

use engine::MemoryStore;
use store_conformance::{Harness, Tamper};

/// Fresh in-memory stores, large enough that nothing is dropped during a test.
struct MemoryHarness;

impl Harness for MemoryHarness {
    type Store = MemoryStore;

    async fn fresh(&self) -> MemoryStore {
        MemoryStore::new(100_000)
    }

    async fn reopen(&self, _store: MemoryStore) -> Option<MemoryStore> {
        None
    }

    async fn tamper(&self, _store: &MemoryStore, _tamper: Tamper) -> bool {
        false
    }
}

store_conformance::store_conformance_tests!(async { Some(MemoryHarness) });
