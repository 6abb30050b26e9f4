//! Rampart's embedded `Store`: SQLite through sqlx, in WAL mode, zero setup.
//!
//! The default system of record (`data/rampart.db`). [`SqliteStore::open`] creates
//! the file if it is missing, refuses a file that is not Rampart's (never writing to
//! it), and applies `migrations/sqlite` before anything else. Every `append` is one
//! `BEGIN IMMEDIATE` transaction holding the batch, its hash-chained audit records and
//! their projections, so a `kill -9` leaves either all of it or none of it.
//!
//! Map:
//! - [`open`] — [`SqliteOptions`], [`Durability`], the foreign-file probe, migrations
//! - `append` — the append transaction: chain, audit rows, projections
//! - `audit` — reading the trail back and verifying the chain
//! - `queries` — orders, state, signals, alerts, heartbeats
//! - `requests` — the operator request queue and daily reports
//! - `shadow` — shadow decisions and their counts, sign-offs, weekly reports
//! - `outbox` — the `AlertOutbox` port: alert outbox, command offsets, ignored commands
//! - `files` — the trading instance's lock on the database file ([`OwnerLock`]) and the
//!   check that the database and its WAL are still the files opened
//! - `codec` — timestamps and enum names as stored, SHA-256, error mapping

mod append;
mod audit;
mod codec;
mod files;
pub mod open;
mod outbox;
mod queries;
mod requests;
mod shadow;
mod store;

pub use files::OwnerLock;
pub use open::{Durability, SqliteOptions};
pub use store::SqliteStore;
