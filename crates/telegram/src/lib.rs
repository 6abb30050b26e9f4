//! Rampart's Telegram adapter: alerts out (the `Notifier` port) and operator commands
//! in, over the Bot API.
//!
//! Map:
//! - [`credential`] — `BotToken`: from the environment, redacted everywhere
//! - [`error`] — `TelegramError`: Bot API failures classified (retry, wait, give up)
//! - [`http`] — `BotClient`: `sendMessage`, `getUpdates`; wire structs stay inside
//! - [`format`] — HTML escaping and alert layout
//! - [`storm`] — storm control: similar alerts in a window become one summary
//! - [`retry`] — `Backoff`
//! - [`notifier`] — `TelegramNotifier`: outbox first, then the delivery loop
//! - [`commands`] — `CommandPoller`, `CommandHandler`, two-step `/resume`
//! - [`outbox`] — `MemoryOutbox`: the `AlertOutbox` port in memory
//! - [`metrics`] — counters for `/metrics`
//!
//! The adapter does no wiring of its own: the runtime builds a [`BotClient`], hands a
//! [`TelegramNotifier`] to the engine as its `Notifier`, spawns
//! [`TelegramNotifier::run_delivery`] and [`CommandPoller::run`], and implements
//! [`CommandHandler`]. See `docs/telegram.md`.

pub mod commands;
pub mod credential;
pub mod error;
pub mod format;
pub mod http;
pub mod metrics;
pub mod notifier;
pub mod outbox;
pub mod retry;
pub mod storm;

pub use commands::{
    Access, CodeSource, Command, CommandContext, CommandHandler, CommandPoller, HandleOutcome,
    OsRandomCodes, PollReport, PollerConfig,
};
pub use credential::{BotToken, TOKEN_ENV_VAR};
pub use error::TelegramError;
pub use http::{BotClient, ChatKind, ClientConfig, DEFAULT_BASE_URL, InboundMessage, SentMessage};
pub use metrics::{DeliveryMetrics, TelegramCounters};
pub use notifier::{CHANNEL, DeliveryRound, NotifierConfig, TelegramNotifier};
pub use outbox::MemoryOutbox;
pub use retry::Backoff;
pub use storm::StormConfig;
