//! Integration tests of the Telegram adapter against an in-process fake Bot API.

// Test helpers unwrap the fake server's own data; the fake stamps wall time on what it
// receives because retry_after and backoff are real waits.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod commands;
mod delivery;
mod support;
