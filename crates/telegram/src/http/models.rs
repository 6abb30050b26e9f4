//! Bot API wire structs (only the fields this adapter reads or sends).
//!
//! Shapes from `shared/fixtures/telegram`: every response is an envelope
//! `{ok, result}` or `{ok: false, error_code, description, parameters}`.

use serde::{Deserialize, Serialize};

/// The response envelope of every method.
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope<T> {
    pub ok: bool,
    pub result: Option<T>,
    pub error_code: Option<i64>,
    pub description: Option<String>,
    pub parameters: Option<ResponseParameters>,
}

/// `ResponseParameters`: why a request failed and what to do.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ResponseParameters {
    pub retry_after: Option<u64>,
    pub migrate_to_chat_id: Option<i64>,
}

/// One `Update` (we request only `message` updates).
#[derive(Debug, Deserialize)]
pub(crate) struct Update {
    pub update_id: i64,
    pub message: Option<Message>,
}

/// A `Message` (the fields commands need).
#[derive(Debug, Deserialize)]
pub(crate) struct Message {
    pub message_id: i64,
    pub from: Option<User>,
    pub chat: Chat,
    pub date: i64,
    pub text: Option<String>,
}

/// A `User`.
#[derive(Debug, Deserialize)]
pub(crate) struct User {
    pub id: i64,
    #[serde(default)]
    pub is_bot: bool,
    pub username: Option<String>,
}

/// A `Chat`.
#[derive(Debug, Deserialize)]
pub(crate) struct Chat {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
}

/// `sendMessage` parameters.
#[derive(Debug, Serialize)]
pub(crate) struct SendMessage<'a> {
    pub chat_id: i64,
    pub text: &'a str,
    pub parse_mode: &'static str,
    pub link_preview_options: LinkPreviewOptions,
}

/// Alerts never unfurl links.
#[derive(Debug, Serialize)]
pub(crate) struct LinkPreviewOptions {
    pub is_disabled: bool,
}

/// `getUpdates` parameters.
#[derive(Debug, Serialize)]
pub(crate) struct GetUpdates {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    pub timeout: u64,
    pub limit: u32,
    pub allowed_updates: [&'static str; 1],
}
