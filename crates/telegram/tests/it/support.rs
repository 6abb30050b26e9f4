//! An in-process fake Bot API (axum on 127.0.0.1:0) answering with the real response
//! shapes from `shared/fixtures/telegram`, plus a recording `CommandHandler`.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use chrono::TimeZone;
use serde_json::{Value, json};
use telegram::{BotClient, BotToken, ClientConfig, CommandContext, CommandHandler};

/// A token shaped like BotFather's; tests assert it never leaks.
pub const TOKEN: &str = "7000000001:AAHsecretTOKENpart_never-printed";

/// The fixtures folder: `$RAMPART_SHARED/fixtures/telegram`, by default `../shared` next to the repo.
pub fn fixture(name: &str) -> Value {
    let shared = std::env::var_os("RAMPART_SHARED").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
        PathBuf::from,
    );
    let path = shared.join("fixtures/telegram").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "fixture {} unreadable ({e}); set RAMPART_SHARED",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// `sendMessage_ok.json` for `chat_id` with `message_id`.
pub fn send_ok(chat_id: i64, message_id: i64, text: &str) -> Value {
    let mut v = fixture("sendMessage_ok.json");
    v["result"]["message_id"] = json!(message_id);
    v["result"]["chat"]["id"] = json!(chat_id);
    v["result"]["text"] = json!(text);
    v
}

/// One canned answer: HTTP status and body.
pub type Answer = (u16, Value);

/// What the fake received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub token_path: String,
    pub body: Value,
    pub at: Instant,
}

#[derive(Default)]
struct ServerState {
    send_script: VecDeque<Answer>,
    updates_script: VecDeque<Answer>,
    received: Vec<Received>,
    next_message_id: i64,
}

/// The fake Bot API.
#[derive(Clone)]
pub struct FakeBotApi {
    pub base_url: String,
    state: Arc<Mutex<ServerState>>,
}

async fn method(
    State(state): State<Arc<Mutex<ServerState>>>,
    Path((token_path, method)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut s = state.lock().unwrap();
    s.received.push(Received {
        method: method.clone(),
        token_path,
        body: body.clone(),
        at: Instant::now(),
    });
    let scripted = match method.as_str() {
        "sendMessage" => s.send_script.pop_front(),
        "getUpdates" => s.updates_script.pop_front(),
        _ => Some((
            404,
            json!({"ok": false, "error_code": 404, "description": "Not Found"}),
        )),
    };
    let (status, body) = scripted.unwrap_or_else(|| match method.as_str() {
        "sendMessage" => {
            s.next_message_id += 1;
            let chat = body["chat_id"].as_i64().unwrap_or(0);
            let text = body["text"].as_str().unwrap_or("").to_string();
            (200, send_ok(chat, 1000 + s.next_message_id, &text))
        }
        _ => (200, fixture("getUpdates_empty.json")),
    });
    (StatusCode::from_u16(status).unwrap(), Json(body))
}

impl FakeBotApi {
    /// Starts on 127.0.0.1:0.
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap()).await
    }

    /// Starts on `addr` (to come up on a port a client already tried).
    pub async fn start_on(addr: SocketAddr) -> Self {
        let state = Arc::new(Mutex::new(ServerState::default()));
        let app = Router::new()
            .route("/{token_path}/{method}", post(method))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base_url: format!("http://{addr}"),
            state,
        }
    }

    /// Queues answers for the next `sendMessage` calls (then: ok).
    pub fn script_send(&self, answers: impl IntoIterator<Item = Answer>) {
        self.state.lock().unwrap().send_script.extend(answers);
    }

    /// Queues answers for the next `getUpdates` calls (then: empty).
    pub fn script_updates(&self, answers: impl IntoIterator<Item = Answer>) {
        self.state.lock().unwrap().updates_script.extend(answers);
    }

    /// Everything received, in order.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// `sendMessage` bodies received.
    pub fn sends(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.method == "sendMessage")
            .collect()
    }

    /// A client for this server.
    pub fn client(&self) -> BotClient {
        client_for(&self.base_url)
    }
}

/// A client for `base_url` with a short timeout.
pub fn client_for(base_url: &str) -> BotClient {
    BotClient::new(
        &ClientConfig {
            base_url: base_url.to_string(),
            request_timeout: std::time::Duration::from_secs(5),
        },
        BotToken::new(TOKEN).unwrap(),
    )
    .unwrap()
}

/// 2024-11-22 22:00 UTC.
pub fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc
        .with_ymd_and_hms(2024, 11, 22, 22, 0, 0)
        .unwrap()
}

/// A `CommandHandler` that records calls and answers with fixed text.
#[derive(Default)]
pub struct RecordingHandler {
    pub calls: Mutex<Vec<String>>,
    pub resume_forbidden: Mutex<Option<String>>,
}

impl RecordingHandler {
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
    fn call(&self, what: String) {
        self.calls.lock().unwrap().push(what);
    }
}

#[async_trait]
impl CommandHandler for RecordingHandler {
    async fn check(&self, ctx: &CommandContext) -> String {
        self.call(format!("check by {}", ctx.user_id));
        "readiness GO; feed healthy; 0 < 1 & ok".into()
    }
    async fn status(&self, ctx: &CommandContext) -> String {
        self.call(format!("status by {}", ctx.user_id));
        "mode=paper equity=10012.55 USDT daily_dd=0.42% gate=OPEN".into()
    }
    async fn stats(&self, _: &CommandContext) -> String {
        self.call("stats".into());
        "today: 3 trades".into()
    }
    async fn positions(&self, _: &CommandContext) -> String {
        self.call("positions".into());
        "no open positions".into()
    }
    async fn risk(&self, _: &CommandContext) -> String {
        self.call("risk".into());
        "daily loss 0.4% of 5%".into()
    }
    async fn signals(&self, _: &CommandContext, last: u32) -> String {
        self.call(format!("signals {last}"));
        "none".into()
    }
    async fn kill(&self, ctx: &CommandContext, reason: &str) -> String {
        self.call(format!("kill {reason} by {}", ctx.user_id));
        "kill switch ON".into()
    }
    async fn can_resume(&self, _: &CommandContext) -> Result<(), String> {
        match self.resume_forbidden.lock().unwrap().clone() {
            Some(why) => Err(why),
            None => Ok(()),
        }
    }
    async fn resume(&self, ctx: &CommandContext, reason: &str) -> String {
        self.call(format!("resume {reason} by {}", ctx.user_id));
        "kill switch OFF".into()
    }
}
