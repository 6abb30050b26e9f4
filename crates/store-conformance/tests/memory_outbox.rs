//! The `AlertOutbox` conformance suite on the in-memory outbox (telegram's `MemoryOutbox`).
//!
//! It keeps nothing across instances, so the restart test reports itself skipped; every
//! other sentence must hold.

use domain::ports::OutboxEntry;
use store_conformance::OutboxHarness;
use telegram::MemoryOutbox;

struct MemoryOutboxHarness;

impl OutboxHarness for MemoryOutboxHarness {
    type Outbox = MemoryOutbox;

    async fn fresh_outbox(&self) -> MemoryOutbox {
        MemoryOutbox::new()
    }

    async fn reopen_outbox(&self, _outbox: MemoryOutbox) -> Option<MemoryOutbox> {
        None
    }

    async fn entry(&self, outbox: &MemoryOutbox, id: u64) -> Option<OutboxEntry> {
        outbox.entries().into_iter().find(|e| e.id == id)
    }
}

store_conformance::outbox_conformance_tests!(async { Some(MemoryOutboxHarness) });
