//! The runtime's side of the commands: the adapter asks, the runtime answers.

use async_trait::async_trait;
use domain::{Actor, Timestamp};

/// Who sent an authorised command, where, and when it was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandContext {
    /// The Telegram update id.
    pub update_id: i64,
    /// The chat it came from (allow-listed).
    pub chat_id: i64,
    /// The sender (allow-listed).
    pub user_id: i64,
    /// The sender's username, if any (for messages and audit text only).
    pub username: Option<String>,
    /// When the adapter received it (domain clock).
    pub received_at: Timestamp,
}

impl CommandContext {
    /// The audit actor for requests this command makes (`Actor::Telegram`).
    pub fn actor(&self) -> Actor {
        Actor::Telegram {
            chat_id: self.chat_id,
        }
    }

    /// `@username (id 123)` or `id 123`, for audit reasons and replies.
    pub fn who(&self) -> String {
        match &self.username {
            Some(name) => format!("@{name} (id {})", self.user_id),
            None => format!("id {}", self.user_id),
        }
    }
}

/// Answers operator commands. Implemented by the runtime (which owns the store, the
/// readiness evaluation and the kill switch); the adapter only calls it for commands
/// from allow-listed users in allow-listed chats.
///
/// Every method returns the reply as plain text (the adapter escapes and formats it).
/// Answers should take well under a second: the operator is waiting.
#[async_trait]
pub trait CommandHandler: Send + Sync {
    /// `/check`: health summary and readiness verdict.
    async fn check(&self, ctx: &CommandContext) -> String;
    /// `/status`: mode, equity, level, kill switch.
    async fn status(&self, ctx: &CommandContext) -> String;
    /// `/stats`: today and the last 7 days.
    async fn stats(&self, ctx: &CommandContext) -> String;
    /// `/positions`: open positions.
    async fn positions(&self, ctx: &CommandContext) -> String;
    /// `/risk`: limits and utilisation.
    async fn risk(&self, ctx: &CommandContext) -> String;
    /// `/signals N`: the last `last` signals.
    async fn signals(&self, ctx: &CommandContext, last: u32) -> String;
    /// `/kill <reason>`: activate the stored kill switch (queue an operator request),
    /// so it survives restarts like any other.
    async fn kill(&self, ctx: &CommandContext, reason: &str) -> String;
    /// Whether `/resume` may proceed now (e.g. readiness allows it); `Err` carries
    /// the refusal shown to the operator. Asked before a code is issued and again
    /// when it is confirmed.
    async fn can_resume(&self, ctx: &CommandContext) -> Result<(), String>;
    /// The confirmed `/resume <reason>`: clear the stored kill switch.
    async fn resume(&self, ctx: &CommandContext, reason: &str) -> String;
}
