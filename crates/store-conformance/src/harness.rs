//! What an adapter provides to run the suite: fresh stores, reopening, tampering.

use std::future::Future;

use domain::ports::Store;

/// A way to alter the stored audit trail behind the store's back, as someone with
/// access to the file or database could.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// Flip the lowest bit of byte `byte` (modulo the length) of record `seq`'s stored event.
    FlipEventBit {
        /// Record to alter.
        seq: u64,
        /// Byte index into the stored event JSON.
        byte: usize,
    },
    /// Replace record `seq`'s stored hash by 64 zeros.
    ZeroHash {
        /// Record to alter.
        seq: u64,
    },
    /// Delete record `seq` (leaving the stored head as it was).
    Delete {
        /// Record to delete.
        seq: u64,
    },
}

/// How the suite makes and handles stores of one adapter.
pub trait Harness: Send + Sync {
    /// The store under test.
    type Store: Store + 'static;

    /// A new, empty store (a new file, a new schema).
    fn fresh(&self) -> impl Future<Output = Self::Store> + Send;

    /// Closes `store` and opens the same data again; `None` when the store keeps
    /// nothing across instances (in-memory), which skips the durability tests.
    fn reopen(&self, store: Self::Store) -> impl Future<Output = Option<Self::Store>> + Send;

    /// Alters the stored trail; returns false when this store cannot be altered from
    /// outside (in-memory), which skips the tampering tests.
    fn tamper(&self, store: &Self::Store, tamper: Tamper) -> impl Future<Output = bool> + Send;

    /// Releases what `fresh` created (files, schemas). Called at the end of each test.
    fn dispose(&self, store: Self::Store) -> impl Future<Output = ()> + Send {
        drop(store);
        async {}
    }
}
