//! The Bot API over HTTPS: wire structs, their parsing into adapter types, the client.

mod client;
mod models;
mod parse;

pub use client::{BotClient, ClientConfig, DEFAULT_BASE_URL, SentMessage};
pub use parse::{ChatKind, InboundMessage};
