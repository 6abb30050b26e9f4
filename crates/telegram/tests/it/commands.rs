//! Operator commands in: authorisation, offsets, two-step `/resume`, latency.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use domain::SimClock;
use domain::ports::{AlertOutbox, IgnoreReason};
use serde_json::{Value, json};
use telegram::{
    Access, CodeSource, CommandPoller, HandleOutcome, MemoryOutbox, PollerConfig, TelegramError,
};

use crate::support::{FakeBotApi, RecordingHandler, fixture, t0};

const ALICE: i64 = 100_000_001;
const BOB: i64 = 100_000_002;
const OPS_GROUP: i64 = -1_001_000_000_001;

struct Codes(AtomicU32);
impl CodeSource for Codes {
    fn next_code(&self) -> Option<String> {
        Some(format!(
            "{:06}",
            424_242 + self.0.fetch_add(1, Ordering::Relaxed)
        ))
    }
}

fn config(users: &[i64], chats: &[i64]) -> PollerConfig {
    PollerConfig {
        access: Access {
            allowed_user_ids: users.iter().copied().collect::<HashSet<_>>(),
            allowed_chat_ids: chats.iter().copied().collect::<HashSet<_>>(),
        },
        bot_username: Some("guardrail_bot".into()),
        long_poll_secs: 0,
        ..PollerConfig::default()
    }
}

struct Setup {
    api: FakeBotApi,
    outbox: Arc<MemoryOutbox>,
    handler: Arc<RecordingHandler>,
    clock: Arc<SimClock>,
}

impl Setup {
    async fn new() -> Self {
        Self {
            api: FakeBotApi::start().await,
            outbox: Arc::new(MemoryOutbox::new()),
            handler: Arc::new(RecordingHandler::default()),
            clock: Arc::new(SimClock::new(t0())),
        }
    }

    fn poller(&self, config: PollerConfig) -> CommandPoller {
        CommandPoller::with_codes(
            self.api.client(),
            self.outbox.clone(),
            self.handler.clone(),
            self.clock.clone(),
            config,
            Box::new(Codes(AtomicU32::new(0))),
        )
    }

    fn replies(&self) -> Vec<(i64, String)> {
        self.api
            .sends()
            .iter()
            .map(|s| {
                (
                    s.body["chat_id"].as_i64().unwrap(),
                    s.body["text"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

/// One update in the fixture's shape: `text` from `user` in `chat`.
fn update(update_id: i64, user: i64, chat: i64, text: &str) -> Value {
    let mut u = fixture("getUpdates_status_command.json")["result"][0].clone();
    u["update_id"] = json!(update_id);
    u["message"]["from"]["id"] = json!(user);
    u["message"]["chat"]["id"] = json!(chat);
    if chat < 0 {
        u["message"]["chat"] = json!({"id": chat, "title": "Guardrail Ops", "type": "supergroup"});
    }
    u["message"]["text"] = json!(text);
    u
}

fn updates(list: Vec<Value>) -> (u16, Value) {
    (200, json!({"ok": true, "result": list}))
}

#[tokio::test]
async fn allowed_user_in_allowed_private_chat_is_answered_per_the_fixture() {
    let s = Setup::new().await;
    s.api
        .script_updates([(200, fixture("getUpdates_status_command.json"))]);
    let poller = s.poller(config(&[ALICE], &[ALICE]));
    let report = poller.poll_once().await.unwrap();
    assert_eq!(
        report.outcomes,
        [
            HandleOutcome::Answered { command: "status" },
            HandleOutcome::Answered { command: "status" },
            HandleOutcome::Skipped,
        ]
    );
    assert_eq!(
        s.handler.calls(),
        ["status by 100000001", "status by 100000001"]
    );
    let replies = s.replies();
    assert_eq!(replies.len(), 2);
    assert_eq!(
        replies[0],
        (
            ALICE,
            "mode=paper equity=10012.55 USDT daily_dd=0.42% gate=OPEN".into()
        )
    );
    assert_eq!(
        s.outbox.get_offset("telegram").await.unwrap(),
        Some(815_196_410)
    );
}

#[tokio::test]
async fn foreign_users_and_foreign_chats_are_ignored_recorded_and_not_answered() {
    let s = Setup::new().await;
    s.api.script_updates([
        (200, fixture("getUpdates_group_command.json")),
        updates(vec![
            update(1, BOB, OPS_GROUP, "/kill@guardrail_bot now"),
            update(2, ALICE, 555, "/kill stop"),
            update(3, 999, 999, "/status"),
            update(4, BOB, OPS_GROUP, "just chatting in the group"),
            update(5, ALICE, OPS_GROUP, "/status@other_bot"),
        ]),
    ]);
    // Alice is allowed in the ops group; Bob is in the group but not allowed.
    let poller = s.poller(config(&[ALICE], &[ALICE, OPS_GROUP]));
    let first = poller.poll_once().await.unwrap();
    assert_eq!(
        first.outcomes,
        [HandleOutcome::Ignored(IgnoreReason::UserNotAllowed)]
    );
    let second = poller.poll_once().await.unwrap();
    assert_eq!(
        second.outcomes,
        [
            HandleOutcome::Ignored(IgnoreReason::UserNotAllowed),
            HandleOutcome::Ignored(IgnoreReason::ChatNotAllowed),
            HandleOutcome::Ignored(IgnoreReason::UserNotAllowed),
            HandleOutcome::Skipped,
            HandleOutcome::Skipped,
        ]
    );
    assert!(s.handler.calls().is_empty(), "nothing executed");
    assert!(s.replies().is_empty(), "strangers get no reply");
    let ignored = s.outbox.ignored_commands(10).await.unwrap();
    assert_eq!(ignored.len(), 4);
    assert_eq!(ignored[3].text, "/halt@guardrail_bot");
    assert_eq!(ignored[3].user_id, Some(BOB));
    assert_eq!(ignored[2].reason, IgnoreReason::UserNotAllowed);
    assert_eq!(ignored[1].reason, IgnoreReason::ChatNotAllowed);
    assert_eq!(poller.metrics().snapshot().commands_ignored, 4);

    // The same group command from an allowed user is obeyed (and unknown ones answered).
    s.api.script_updates([updates(vec![
        update(
            6,
            ALICE,
            OPS_GROUP,
            "/kill@guardrail_bot feed <stale> & odd",
        ),
        update(7, ALICE, OPS_GROUP, "/halt@guardrail_bot"),
    ])]);
    poller.poll_once().await.unwrap();
    assert_eq!(s.handler.calls(), ["kill feed <stale> & odd by 100000001"]);
    let replies = s.replies();
    assert_eq!(replies[0], (OPS_GROUP, "kill switch ON".into()));
    assert!(replies[1].1.starts_with("Unknown command"));
}

#[tokio::test]
async fn offsets_survive_a_restart_so_commands_are_not_replayed() {
    let s = Setup::new().await;
    s.api.script_updates([updates(vec![
        update(500, ALICE, ALICE, "/kill drill"),
        update(501, ALICE, ALICE, "/check"),
    ])]);
    let before = s.poller(config(&[ALICE], &[ALICE]));
    before.poll_once().await.unwrap();
    drop(before);

    let after = s.poller(config(&[ALICE], &[ALICE]));
    after.poll_once().await.unwrap();
    let polls: Vec<Value> = s
        .api
        .received()
        .into_iter()
        .filter(|r| r.method == "getUpdates")
        .map(|r| r.body)
        .collect();
    assert!(
        polls[0].get("offset").is_none(),
        "first start: no offset yet"
    );
    assert_eq!(
        polls[1]["offset"], 502,
        "restart resumes after the last handled update"
    );
    assert_eq!(polls[1]["allowed_updates"], json!(["message"]));
    assert_eq!(
        s.handler.calls(),
        ["kill drill by 100000001", "check by 100000001"]
    );
}

#[tokio::test]
async fn resume_needs_the_same_users_code_within_60_seconds() {
    let s = Setup::new().await;
    let poller = s.poller(config(&[ALICE, BOB], &[ALICE, OPS_GROUP]));
    let say = |id: i64, user: i64, text: &str| {
        s.api
            .script_updates([updates(vec![update(id, user, OPS_GROUP, text)])]);
    };

    say(1, ALICE, "/resume reviewed the breach");
    poller.poll_once().await.unwrap();
    assert!(
        s.replies()[0]
            .1
            .contains("send /confirm 424242 within 60 s"),
        "{:?}",
        s.replies()
    );
    assert!(s.handler.calls().is_empty(), "nothing resumed yet");

    say(2, BOB, "/confirm 424242");
    poller.poll_once().await.unwrap();
    assert!(s.replies()[1].1.contains("issued to someone else"));

    s.clock.advance(chrono::Duration::seconds(59));
    say(3, ALICE, "/confirm 424242");
    poller.poll_once().await.unwrap();
    assert_eq!(
        s.handler.calls(),
        ["resume reviewed the breach by 100000001"]
    );
    assert_eq!(s.replies()[2].1, "kill switch OFF");

    // One time only.
    say(4, ALICE, "/confirm 424242");
    poller.poll_once().await.unwrap();
    assert!(s.replies()[3].1.contains("unknown or already used"));

    // Expired after 60 s.
    say(5, ALICE, "/resume again");
    poller.poll_once().await.unwrap();
    assert!(s.replies()[4].1.contains("/confirm 424243"));
    s.clock.advance(chrono::Duration::seconds(60));
    say(6, ALICE, "/confirm 424243");
    poller.poll_once().await.unwrap();
    assert!(s.replies()[5].1.starts_with("Code expired"));
    assert_eq!(s.handler.calls().len(), 1);

    // Refused while the runtime forbids it (readiness), before any code is issued.
    *s.handler.resume_forbidden.lock().unwrap() = Some("readiness is NO_GO".into());
    say(7, ALICE, "/resume now");
    poller.poll_once().await.unwrap();
    assert_eq!(s.replies()[6].1, "Resume refused: readiness is NO_GO");
}

#[tokio::test]
async fn replies_escape_html_specials() {
    let s = Setup::new().await;
    s.api
        .script_updates([updates(vec![update(1, ALICE, ALICE, "/check")])]);
    s.poller(config(&[ALICE], &[ALICE]))
        .poll_once()
        .await
        .unwrap();
    let sends = s.api.sends();
    assert_eq!(
        sends[0].body["text"],
        "readiness GO; feed healthy; 0 &lt; 1 &amp; ok"
    );
    assert_eq!(sends[0].body["parse_mode"], "HTML");
}

#[tokio::test]
async fn polling_stops_on_a_refused_token_and_backs_off_on_conflict() {
    let s = Setup::new().await;
    s.api.script_updates([
        (409, fixture("error_409_conflict_getupdates.json")),
        (401, fixture("error_401_unauthorized.json")),
    ]);
    let poller = s.poller(PollerConfig {
        conflict_wait: Duration::from_millis(200),
        ..config(&[ALICE], &[ALICE])
    });
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(5), poller.run(std::future::pending()))
        .await
        .expect("run returns on 401");
    assert!(matches!(result, Err(TelegramError::Unauthorized { .. })));
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "waited after 409"
    );
    assert!(!format!("{result:?}").contains("AAHsecret"));
}
