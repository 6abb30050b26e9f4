//! REST: the client (signing, time offset, limits), wire models and their parsing.

pub mod client;
pub(crate) mod limits;
pub(crate) mod models;
pub(crate) mod parse;
