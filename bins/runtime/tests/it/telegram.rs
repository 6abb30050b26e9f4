//! The runtime with Telegram configured, against a local fake Bot API that answers with
//! the real response shapes (../shared/fixtures/telegram): alerts and the "started"
//! message reach the alert chat, an allow-listed `/status` is answered, `runtime telegram
//! test` reports Telegram's answer, and the token never appears in output or logs.

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::routing::post;

use crate::support::*;

const TOKEN: &str = "7000000001:AAHfake-test-token_do-not-print";
const CHAT: &str = "100000001";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(shared().join("fixtures/telegram").join(name)).unwrap()
}

#[derive(Clone, Default)]
struct Fake {
    /// (method, body) of every call.
    calls: Arc<Mutex<Vec<(String, String)>>>,
    /// Whether the command updates were served (once the session is processing events,
    /// i.e. after the first alert arrived: its status is published by then).
    served_updates: Arc<Mutex<bool>>,
}

async fn bot_api(
    State(fake): State<Fake>,
    UrlPath((token, method)): UrlPath<(String, String)>,
    body: String,
) -> String {
    assert_eq!(token, format!("bot{TOKEN}"));
    fake.calls.lock().unwrap().push((method.clone(), body));
    match method.as_str() {
        "sendMessage" => fixture("sendMessage_ok.json"),
        "getUpdates" => {
            let running = fake
                .calls
                .lock()
                .unwrap()
                .iter()
                .any(|(m, b)| m == "sendMessage" && b.contains("high-tier"));
            let mut served = fake.served_updates.lock().unwrap();
            if running && !*served {
                *served = true;
                fixture("getUpdates_status_command.json")
            } else {
                fixture("getUpdates_empty.json")
            }
        }
        _ => r#"{"ok":false,"error_code":404,"description":"Not Found"}"#.into(),
    }
}

/// Serves the fake Bot API from a background thread; returns its base URL.
fn fake_bot_api(fake: Fake) -> String {
    let listener = loopback_listener();
    let addr = listener.local_addr().unwrap();
    serve_in_background(async move {
        let app = Router::new()
            .route("/{token}/{method}", post(bot_api))
            .with_state(fake);
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}")
}

fn with_telegram(dir: &Path, base: &str, args: &[&str]) -> std::process::Output {
    let mut cmd = runtime(dir, args);
    cmd.env("RAMPART__TELEGRAM__ENABLED", "true")
        .env("RAMPART__TELEGRAM__BASE_URL", base)
        .env("RAMPART__TELEGRAM__ALERT_CHAT_IDS", format!("[{CHAT}]"))
        .env("RAMPART__TELEGRAM__ALLOWED_USER_IDS", format!("[{CHAT}]"))
        .env("RAMPART__TELEGRAM__ALLOWED_CHAT_IDS", format!("[{CHAT}]"))
        .env("RAMPART__TELEGRAM__PER_CHAT_INTERVAL_MS", "0")
        .env("RAMPART__TELEGRAM__LONG_POLL_SECS", "0")
        .env("RAMPART_TELEGRAM_TOKEN", TOKEN);
    cmd.output().unwrap()
}

#[test]
fn alerts_and_command_replies_reach_the_chat_and_the_token_never_prints() {
    let fake = Fake::default();
    let base = fake_bot_api(fake.clone());
    let dir = tempfile::tempdir().unwrap();
    // Paced so that the poller and the delivery loop get their turns during the run.
    let out = with_telegram(
        dir.path(),
        &base,
        &["--iterations", "3000", "--speed", "90000"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = fake.calls.lock().unwrap().clone();
    let sent: Vec<&String> = calls
        .iter()
        .filter(|(m, _)| m == "sendMessage")
        .map(|(_, b)| b)
        .collect();
    assert!(
        sent.iter().any(|b| b.contains("Rampart")),
        "a started/alive message: {calls:?}"
    );
    assert!(
        sent.iter().any(|b| b.contains("high-tier")),
        "high-tier signal alerts are delivered: {calls:?}"
    );
    assert!(sent.iter().all(|b| b.contains(CHAT)), "{calls:?}");
    // The allow-listed /status was answered (the fixture's plain text was not).
    assert!(calls.iter().any(|(m, _)| m == "getUpdates"), "{calls:?}");
    assert!(
        sent.iter()
            .any(|b| b.contains("mode") && b.contains("equity")),
        "a /status reply: {calls:?}"
    );

    // The token is in no output and no log file.
    let mut seen = stdout(&out) + &stderr(&out);
    for entry in std::fs::read_dir(dir.path().join("logs")).unwrap() {
        seen.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default());
    }
    assert!(!seen.contains("AAHfake"), "token leaked");
}

#[test]
fn telegram_test_sends_one_message_and_says_so() {
    let fake = Fake::default();
    let base = fake_bot_api(fake.clone());
    let dir = tempfile::tempdir().unwrap();
    let out = with_telegram(dir.path(), &base, &["telegram", "test"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("sent to chat {CHAT} (message 226)")),
        "{}",
        stdout(&out)
    );
    assert_eq!(fake.calls.lock().unwrap().len(), 1);

    // Without the token: a clear error naming the variable, exit 2.
    let mut cmd = runtime(dir.path(), &["telegram", "test"]);
    cmd.env("RAMPART__TELEGRAM__ENABLED", "true")
        .env("RAMPART__TELEGRAM__BASE_URL", &base)
        .env("RAMPART__TELEGRAM__ALERT_CHAT_IDS", format!("[{CHAT}]"))
        .env("RAMPART__TELEGRAM__ALLOWED_USER_IDS", format!("[{CHAT}]"))
        .env("RAMPART__TELEGRAM__ALLOWED_CHAT_IDS", format!("[{CHAT}]"));
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("RAMPART_TELEGRAM_TOKEN"),
        "{}",
        stderr(&out)
    );
}
