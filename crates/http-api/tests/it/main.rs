//! Integration tests of the HTTP surface through its public API: a real server on
//! 127.0.0.1:0 queried over TCP, plus `oneshot` calls where a socket adds nothing.

mod api;
mod health;
mod limits;
mod metrics;
mod server;
mod support;
