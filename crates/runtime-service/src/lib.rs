//! Rampart's runtime service: everything `bins/runtime` composes, kept out of the
//! binary so it stays a thin composition root.
//!
//! Map:
//! - [`session`] — [`run_session`]: config -> store -> venue -> engine -> feed loop
//! - [`instance`] — [`InstanceLock`] (one runtime per data directory), heartbeat file
//! - [`report`] — the session summary text
//! - [`error`] — [`RuntimeError`] and its exit codes

pub mod error;
pub mod instance;
pub mod report;
pub mod session;

pub use error::RuntimeError;
pub use instance::{Heartbeat, InstanceLock, write_heartbeat};
pub use report::render;
pub use session::{
    BUNDLED_DATA_DIR, FeedKind, SessionOptions, SessionReport, check_options, load_config,
    open_store, replay_files, run_session,
};
