//! Rampart's shared `Store`: PostgreSQL through sqlx, for production and several instances.
//!
//! [`PostgresStore::connect`] applies `migrations/postgres` on start; connection errors name
//! the URL with its password redacted. [`PostgresOptions::schema`] puts every table in a
//! schema of its own (created if missing, `search_path` set on each pooled connection), which
//! is how each test gets an isolated database; [`PostgresStore::drop_schema`] removes it.
//! Every `append` is one transaction that locks the chain head row (`FOR UPDATE`), so appends
//! from any number of processes form one gapless chain.
//!
//! Map:
//! - [`connect`] — [`PostgresOptions`], URL redaction, schema, the foreign-schema check, migrations
//! - `append` — the append transaction: chain, audit rows, projections
//! - `audit` — reading the trail back and verifying the chain
//! - `queries` — orders, state, signals, alerts, heartbeats
//! - `requests` — the operator request queue and daily reports
//! - `shadow` — shadow decisions and their counts, sign-offs, weekly reports
//! - `outbox` — the `AlertOutbox` port: alert outbox, command offsets, ignored commands
//! - `lock` — [`AccountLock`]: one trading runtime per account (an advisory lock)
//! - `codec` — enum names as stored, SHA-256, error mapping

mod append;
mod audit;
mod codec;
pub mod connect;
mod lock;
mod outbox;
mod queries;
mod requests;
mod shadow;
mod store;

pub use connect::{PostgresOptions, redact_url};
pub use lock::AccountLock;
pub use store::PostgresStore;
