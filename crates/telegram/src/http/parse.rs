//! The only place wire structs become adapter types.

use chrono::DateTime;
use domain::Timestamp;

use super::models::Update;

/// What kind of chat a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatKind {
    /// One-to-one with a user (chat id = user id).
    Private,
    /// A basic group.
    Group,
    /// A supergroup (id `-100...`).
    Supergroup,
    /// A broadcast channel.
    Channel,
    /// Anything Telegram adds later.
    Other,
}

impl ChatKind {
    fn parse(kind: &str) -> Self {
        match kind {
            "private" => ChatKind::Private,
            "group" => ChatKind::Group,
            "supergroup" => ChatKind::Supergroup,
            "channel" => ChatKind::Channel,
            _ => ChatKind::Other,
        }
    }
}

/// One received update, reduced to what command handling needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// The update id (the offset to acknowledge is `update_id + 1`).
    pub update_id: i64,
    /// The message id within its chat (replies quote it).
    pub message_id: Option<i64>,
    /// Chat it was sent in.
    pub chat_id: i64,
    /// Private, group, supergroup, ...
    pub chat_kind: ChatKind,
    /// Sender's user id, when there is a sender.
    pub user_id: Option<i64>,
    /// Sender's username (informative only).
    pub username: Option<String>,
    /// Whether the sender is a bot.
    pub from_bot: bool,
    /// The text, when the message has one.
    pub text: Option<String>,
    /// Telegram's send time, when valid.
    pub sent_at: Option<Timestamp>,
}

pub(crate) fn inbound(update: Update) -> InboundMessage {
    match update.message {
        Some(m) => InboundMessage {
            update_id: update.update_id,
            message_id: Some(m.message_id),
            chat_id: m.chat.id,
            chat_kind: ChatKind::parse(&m.chat.kind),
            user_id: m.from.as_ref().map(|u| u.id),
            username: m.from.as_ref().and_then(|u| u.username.clone()),
            from_bot: m.from.as_ref().is_some_and(|u| u.is_bot),
            text: m.text,
            sent_at: DateTime::from_timestamp(m.date, 0),
        },
        // An update kind we did not ask for: acknowledged, never acted on.
        None => InboundMessage {
            update_id: update.update_id,
            message_id: None,
            chat_id: 0,
            chat_kind: ChatKind::Other,
            user_id: None,
            username: None,
            from_bot: false,
            text: None,
            sent_at: None,
        },
    }
}
