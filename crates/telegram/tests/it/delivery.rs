//! Alerts out: outbox first, then delivery, with the Bot API's failures.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::ports::{
    AlertOutbox, DeliveryCounts, DeliveryStatus, IgnoredCommand, Notifier, NotifyError,
    OutboxEntry, OutboxMessage, StoreError,
};
use domain::{Alert, AlertKind, Clock, Severity, SimClock, Symbol, Timestamp};
use serde_json::json;
use telegram::{
    Backoff, MemoryOutbox, NotifierConfig, StormConfig, TelegramError, TelegramNotifier,
};

use crate::support::{FakeBotApi, TOKEN, client_for, fixture, t0};

const ALICE: i64 = 100_000_001;

fn config() -> NotifierConfig {
    NotifierConfig {
        alert_chat_ids: vec![ALICE],
        per_chat_interval: Duration::ZERO,
        backoff: Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(200),
        },
        idle_tick: Duration::from_millis(25),
        ..NotifierConfig::default()
    }
}

fn notifier(
    api_base: &str,
    outbox: Arc<dyn AlertOutbox>,
    config: NotifierConfig,
) -> TelegramNotifier {
    let clock: Arc<dyn Clock> = Arc::new(SimClock::new(t0()));
    TelegramNotifier::new(client_for(api_base), outbox, clock, config)
}

fn alert(severity: Severity, kind: AlertKind, message: &str) -> Alert {
    Alert {
        severity,
        kind,
        message: message.into(),
        symbol: Some(Symbol::new("BTC-USD").unwrap()),
        at: t0(),
    }
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn an_alert_is_stored_then_sent_as_escaped_html_and_marked_sent() {
    let api = FakeBotApi::start().await;
    let outbox = Arc::new(MemoryOutbox::new());
    let n = notifier(&api.base_url, outbox.clone(), config());

    n.notify(&alert(
        Severity::Critical,
        AlertKind::KillSwitch,
        "daily loss 5.2% > 5% <limit> & \"kill\"",
    ))
    .await
    .unwrap();
    // Stored before any attempt.
    assert_eq!(outbox.pending(10).await.unwrap().len(), 1);
    assert!(api.sends().is_empty());

    let round = n.deliver_pending().await.unwrap();
    assert_eq!(round.sent, 1);
    let sends = api.sends();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].body["chat_id"], ALICE);
    assert_eq!(sends[0].body["parse_mode"], "HTML");
    assert_eq!(
        sends[0].body["text"],
        "🚨 <b>CRITICAL</b> · kill_switch · <code>BTC-USD</code>\n\
         daily loss 5.2% &gt; 5% &lt;limit&gt; &amp; &quot;kill&quot;"
    );
    assert_eq!(
        outbox.delivery_counts().await.unwrap(),
        DeliveryCounts {
            pending: 0,
            sent: 1,
            failed: 0
        }
    );
    assert!(matches!(
        outbox.entries()[0].status,
        DeliveryStatus::Sent {
            channel_message_id: 1001,
            ..
        }
    ));
    // Nothing is sent twice.
    assert_eq!(n.deliver_pending().await.unwrap().sent, 0);
    assert_eq!(api.sends().len(), 1);
    assert_eq!(n.counters().sent, 1);
}

#[tokio::test]
async fn a_429_pauses_delivery_for_retry_after_then_sends() {
    let api = FakeBotApi::start().await;
    let mut limited = fixture("error_429_retry_after.json");
    limited["parameters"]["retry_after"] = json!(1);
    limited["description"] = json!("Too Many Requests: retry after 1");
    api.script_send([(429, limited)]);
    let outbox = Arc::new(MemoryOutbox::new());
    let n = notifier(&api.base_url, outbox.clone(), config());
    n.notify(&alert(Severity::Warning, AlertKind::Execution, "a"))
        .await
        .unwrap();
    n.notify(&alert(Severity::Warning, AlertKind::MarketData, "b"))
        .await
        .unwrap();

    let round = n.deliver_pending().await.unwrap();
    assert_eq!((round.sent, round.retried), (0, 1));
    assert_eq!(round.paused_for.map(|d| d.as_millis() > 900), Some(true));
    // While paused nothing goes out, however often the loop is woken.
    assert_eq!(n.deliver_pending().await.unwrap().sent, 0);
    assert_eq!(api.sends().len(), 1);

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let looped = n.clone();
    let task = tokio::spawn(async move {
        looped
            .run_delivery(async {
                stopped.await.ok();
            })
            .await;
    });
    let api2 = api.clone();
    wait_until("both alerts sent", move || api2.sends().len() == 3).await;
    stop.send(()).unwrap();
    task.await.unwrap();

    let sends = api.sends();
    let waited = sends[1].at.duration_since(sends[0].at);
    assert!(
        waited >= Duration::from_millis(950),
        "retried after {waited:?}"
    );
    // Order kept: the rate-limited alert goes first.
    assert!(sends[1].body["text"].as_str().unwrap().ends_with("\na"));
    assert_eq!(outbox.delivery_counts().await.unwrap().sent, 2);
    assert_eq!(n.counters().rate_limited, 1);
}

#[tokio::test]
async fn a_blocked_bot_is_a_permanent_failure_and_the_next_alert_still_goes() {
    let api = FakeBotApi::start().await;
    api.script_send([(403, fixture("error_403_bot_blocked.json"))]);
    let outbox = Arc::new(MemoryOutbox::new());
    let n = notifier(&api.base_url, outbox.clone(), config());
    n.notify(&alert(Severity::Info, AlertKind::System, "first"))
        .await
        .unwrap();
    n.notify(&alert(Severity::Info, AlertKind::LevelChanged, "second"))
        .await
        .unwrap();

    let round = n.deliver_pending().await.unwrap();
    assert_eq!((round.sent, round.failed), (1, 1));
    for _ in 0..3 {
        n.deliver_pending().await.unwrap();
    }
    assert_eq!(api.sends().len(), 2, "the blocked message is not retried");
    let entries = outbox.entries();
    assert!(matches!(entries[0].status, DeliveryStatus::Failed { .. }));
    assert!(
        entries[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("blocked by the user")
    );
    assert_eq!(
        outbox.delivery_counts().await.unwrap(),
        DeliveryCounts {
            pending: 0,
            sent: 1,
            failed: 1
        }
    );
}

#[tokio::test]
async fn chat_not_found_and_unauthorized_give_up_and_a_migrated_group_is_followed() {
    let api = FakeBotApi::start().await;
    api.script_send([
        (400, fixture("error_400_chat_not_found.json")),
        (401, fixture("error_401_unauthorized.json")),
        (400, fixture("error_400_group_migrated.json")),
    ]);
    let outbox = Arc::new(MemoryOutbox::new());
    let n = notifier(
        &api.base_url,
        outbox.clone(),
        NotifierConfig {
            alert_chat_ids: vec![-4_000_000_001],
            ..config()
        },
    );
    for (kind, m) in [
        (AlertKind::System, "a"),
        (AlertKind::MarketData, "b"),
        (AlertKind::AccountRule, "c"),
    ] {
        n.notify(&alert(Severity::Info, kind, m)).await.unwrap();
    }
    let round = n.deliver_pending().await.unwrap();
    assert_eq!((round.sent, round.failed), (1, 2));
    let sends = api.sends();
    assert_eq!(sends.len(), 4);
    assert_eq!(sends[2].body["chat_id"], -4_000_000_001_i64);
    assert_eq!(sends[3].body["chat_id"], -1_001_000_000_001_i64);
    assert_eq!(n.migrated_chat(-4_000_000_001), Some(-1_001_000_000_001));
    // Later alerts go straight to the supergroup.
    n.notify(&alert(Severity::Info, AlertKind::Execution, "d"))
        .await
        .unwrap();
    n.deliver_pending().await.unwrap();
    assert_eq!(api.sends()[4].body["chat_id"], -1_001_000_000_001_i64);
}

#[tokio::test]
async fn network_errors_back_off_and_delivery_recovers_when_telegram_is_back() {
    // A port nobody listens on yet.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let outbox = Arc::new(MemoryOutbox::new());
    let n = notifier(&format!("http://{addr}"), outbox.clone(), config());
    n.notify(&alert(
        Severity::Critical,
        AlertKind::KillSwitch,
        "kill switch ON",
    ))
    .await
    .unwrap();

    let round = n.deliver_pending().await.unwrap();
    assert_eq!(round.retried, 1);
    let entry = &outbox.pending(1).await.unwrap()[0];
    assert_eq!(entry.attempts, 1);
    let error = entry.last_error.clone().unwrap();
    assert!(error.contains("network error"), "{error}");
    assert!(
        !error.contains(TOKEN) && !error.contains("AAHsecret"),
        "token leaked: {error}"
    );

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let looped = n.clone();
    let task = tokio::spawn(async move {
        looped
            .run_delivery(async {
                stopped.await.ok();
            })
            .await;
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(n.counters().retries >= 2, "retried with backoff while down");
    let api = FakeBotApi::start_on(addr).await;
    let api2 = api.clone();
    wait_until("delivery after recovery", move || api2.sends().len() == 1).await;
    stop.send(()).unwrap();
    task.await.unwrap();
    assert_eq!(outbox.delivery_counts().await.unwrap().sent, 1);
}

/// An outbox whose next `mark_sent` fails: the process "crashes" after Telegram
/// accepted the message and before the confirmation was stored.
struct CrashBeforeConfirm {
    inner: Arc<MemoryOutbox>,
    crash: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl AlertOutbox for CrashBeforeConfirm {
    async fn enqueue(&self, m: &OutboxMessage) -> Result<u64, StoreError> {
        self.inner.enqueue(m).await
    }
    async fn pending(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        self.inner.pending(limit).await
    }
    async fn mark_sent(&self, id: u64, at: Timestamp, mid: i64) -> Result<(), StoreError> {
        if self.crash.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Err(StoreError::Unavailable("process killed".into()));
        }
        self.inner.mark_sent(id, at, mid).await
    }
    async fn mark_failed(
        &self,
        id: u64,
        at: Timestamp,
        e: &str,
        n: u32,
        p: bool,
    ) -> Result<(), StoreError> {
        self.inner.mark_failed(id, at, e, n, p).await
    }
    async fn delivery_counts(&self) -> Result<DeliveryCounts, StoreError> {
        self.inner.delivery_counts().await
    }
    async fn get_offset(&self, c: &str) -> Result<Option<i64>, StoreError> {
        self.inner.get_offset(c).await
    }
    async fn put_offset(&self, c: &str, o: i64) -> Result<(), StoreError> {
        self.inner.put_offset(c, o).await
    }
    async fn record_ignored(&self, r: &IgnoredCommand) -> Result<(), StoreError> {
        self.inner.record_ignored(r).await
    }
    async fn ignored_commands(&self, l: u32) -> Result<Vec<IgnoredCommand>, StoreError> {
        self.inner.ignored_commands(l).await
    }
}

#[tokio::test]
async fn a_restart_resends_what_was_not_confirmed_and_never_what_was() {
    let api = FakeBotApi::start().await;
    let durable = Arc::new(MemoryOutbox::new());
    let crashing = Arc::new(CrashBeforeConfirm {
        inner: durable.clone(),
        crash: std::sync::atomic::AtomicBool::new(false),
    });
    let before = notifier(&api.base_url, crashing.clone(), config());
    before
        .notify(&alert(Severity::Info, AlertKind::System, "confirmed"))
        .await
        .unwrap();
    assert_eq!(before.deliver_pending().await.unwrap().sent, 1);
    before
        .notify(&alert(Severity::Info, AlertKind::Execution, "in flight"))
        .await
        .unwrap();
    before
        .notify(&alert(Severity::Info, AlertKind::MarketData, "never tried"))
        .await
        .unwrap();
    crashing
        .crash
        .store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(
        before.deliver_pending().await.is_err(),
        "crash between send and confirm"
    );
    drop(before);
    assert_eq!(api.sends().len(), 2);

    // Restart: a new notifier over the same durable outbox.
    let after = notifier(&api.base_url, durable.clone(), config());
    assert_eq!(after.deliver_pending().await.unwrap().sent, 2);
    assert_eq!(after.deliver_pending().await.unwrap().sent, 0);
    let texts: Vec<String> = api
        .sends()
        .iter()
        .map(|s| {
            s.body["text"]
                .as_str()
                .unwrap()
                .rsplit('\n')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    // The confirmed one went once; the unconfirmed in-flight one went again (at least
    // once before confirmation); the untried one once.
    assert_eq!(
        texts,
        ["confirmed", "in flight", "in flight", "never tried"]
    );
    assert_eq!(
        durable.delivery_counts().await.unwrap(),
        DeliveryCounts {
            pending: 0,
            sent: 3,
            failed: 0
        }
    );
}

#[tokio::test]
async fn a_storm_of_similar_alerts_becomes_one_summary() {
    let api = FakeBotApi::start().await;
    let outbox = Arc::new(MemoryOutbox::new());
    let clock = Arc::new(SimClock::new(t0()));
    let n = TelegramNotifier::new(
        api.client(),
        outbox.clone(),
        clock.clone(),
        NotifierConfig {
            storm: StormConfig {
                window_secs: 60,
                burst: 1,
            },
            ..config()
        },
    );
    for i in 0..25 {
        clock.advance(chrono::Duration::seconds(1));
        n.notify(&alert(
            Severity::Warning,
            AlertKind::RejectionBurst,
            &format!("rejected #{i}: max open positions"),
        ))
        .await
        .unwrap();
    }
    n.notify(&alert(
        Severity::Critical,
        AlertKind::KillSwitch,
        "other kind",
    ))
    .await
    .unwrap();
    n.deliver_pending().await.unwrap();
    assert_eq!(
        api.sends().len(),
        2,
        "first of the storm and the other kind"
    );
    clock.advance(chrono::Duration::seconds(60));
    n.deliver_pending().await.unwrap();
    let sends = api.sends();
    assert_eq!(sends.len(), 3);
    let summary = sends[2].body["text"].as_str().unwrap();
    assert!(
        summary.contains("<b>25 similar alerts</b> in the last 60 s"),
        "{summary}"
    );
    assert!(summary.contains("rejected #24"), "{summary}");
    let c = n.counters();
    assert_eq!((c.suppressed, c.summaries), (24, 1));
}

#[tokio::test]
async fn the_token_never_appears_in_debug_output_or_errors() {
    let api = FakeBotApi::start().await;
    api.script_send([(401, fixture("error_401_unauthorized.json"))]);
    let client = api.client();
    assert!(!format!("{client:?}").contains("AAHsecret"));
    let outbox: Arc<dyn AlertOutbox> = Arc::new(MemoryOutbox::new());
    let n = notifier(&api.base_url, outbox, config());
    assert!(!format!("{n:?}").contains("AAHsecret"));

    let err = client.send_message(ALICE, "x").await.unwrap_err();
    assert!(matches!(err, TelegramError::Unauthorized { .. }));
    assert!(err.is_config_error());
    let down = client_for("http://127.0.0.1:9")
        .send_message(ALICE, "x")
        .await
        .unwrap_err();
    for text in [
        err.to_string(),
        format!("{err:?}"),
        down.to_string(),
        format!("{down:?}"),
    ] {
        assert!(!text.contains("AAHsecret"), "token leaked: {text}");
    }
    let as_notify: NotifyError = err.into();
    assert!(matches!(as_notify, NotifyError::Permanent(_)));
    // The token is only ever in the request path.
    assert_eq!(api.received()[0].token_path, format!("bot{TOKEN}"));
}
