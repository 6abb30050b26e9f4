//! Command answer latency against a local fake Bot API: one `poll_once` = `getUpdates`
//! returning a `/check` from an allowed operator, the handler's answer, and the
//! `sendMessage` reply accepted. Target: well under 1 s (issue 8).

#![allow(missing_docs)]

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use telegram::{
    Access, BotClient, BotToken, ClientConfig, CommandContext, CommandHandler, CommandPoller,
    MemoryOutbox, PollerConfig,
};

const ALICE: i64 = 100_000_001;

struct Answers;

#[async_trait]
impl CommandHandler for Answers {
    async fn check(&self, _: &CommandContext) -> String {
        "readiness GO".into()
    }
    async fn status(&self, _: &CommandContext) -> String {
        String::new()
    }
    async fn stats(&self, _: &CommandContext) -> String {
        String::new()
    }
    async fn positions(&self, _: &CommandContext) -> String {
        String::new()
    }
    async fn risk(&self, _: &CommandContext) -> String {
        String::new()
    }
    async fn signals(&self, _: &CommandContext, _: u32) -> String {
        String::new()
    }
    async fn kill(&self, _: &CommandContext, _: &str) -> String {
        String::new()
    }
    async fn can_resume(&self, _: &CommandContext) -> Result<(), String> {
        Ok(())
    }
    async fn resume(&self, _: &CommandContext, _: &str) -> String {
        String::new()
    }
}

async fn api(
    State(next): State<Arc<AtomicI64>>,
    Path((_, method)): Path<(String, String)>,
) -> Json<Value> {
    let id = next.fetch_add(1, Ordering::Relaxed);
    let chat = json!({"id": ALICE, "first_name": "Alice", "type": "private"});
    Json(match method.as_str() {
        "getUpdates" => json!({"ok": true, "result": [{"update_id": id, "message": {
            "message_id": id, "from": {"id": ALICE, "is_bot": false, "first_name": "Alice"},
            "chat": chat, "date": 1732312800, "text": "/check",
            "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]}}]}),
        _ => {
            json!({"ok": true, "result": {"message_id": id, "chat": chat, "date": 1732312811, "text": "x"}})
        }
    })
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let base = rt.block_on(async {
        let app = Router::new()
            .route("/{token}/{method}", post(api))
            .with_state(Arc::new(AtomicI64::new(1)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        format!("http://{addr}")
    });
    let client = BotClient::new(
        &ClientConfig {
            base_url: base,
            ..ClientConfig::default()
        },
        BotToken::new("1:bench").expect("token"),
    )
    .expect("client");
    let poller = CommandPoller::new(
        client,
        Arc::new(MemoryOutbox::new()),
        Arc::new(Answers),
        Arc::new(domain::SystemClock),
        PollerConfig {
            access: Access {
                allowed_user_ids: HashSet::from([ALICE]),
                allowed_chat_ids: HashSet::from([ALICE]),
            },
            long_poll_secs: 0,
            ..PollerConfig::default()
        },
    );
    c.bench_function("telegram_command_check_roundtrip", |b| {
        b.iter(|| rt.block_on(poller.poll_once()).expect("poll"));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
