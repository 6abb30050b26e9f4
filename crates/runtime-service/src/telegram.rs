//! Telegram in the runtime (docs/telegram.md): the notifier that carries the engine's alerts
//! to the operators' chats through the store's outbox, the command poller, and the answers to
//! operator commands, read from the status board and the store. Kill and resume go through
//! the operator request queue like every other operator action, so they are audited and
//! survive restarts. The ranges `/stats` and `/signals` read end at the engine's clock
//! (data time in a replay), so a signal an alert just announced is listed.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Duration as Span;
use domain::ports::{AlertOutbox, OperatorCommand};
use domain::{Clock, SystemClock, Timestamp};
use telegram::{
    Access, Backoff, BotClient, BotToken, ClientConfig, CommandContext, CommandHandler,
    CommandPoller, NotifierConfig, PollerConfig, StormConfig, TelegramNotifier,
};

use crate::error::RuntimeError;
use crate::status::{LiveRuntime, StatusBoard};

/// The notifier and poller of a configured bot.
pub struct TelegramParts {
    /// Alerts out (also the engine's `Notifier`).
    pub notifier: TelegramNotifier,
    /// Commands in.
    pub poller: CommandPoller,
}

/// Builds the bot from `[telegram]`; `Ok(None)` when it is not enabled. The token comes
/// from the variable `telegram.token_env` (environment or `.env`), never from the config.
pub fn build(
    cfg: &config::TelegramConfig,
    outbox: Arc<dyn AlertOutbox>,
    handler: Arc<dyn CommandHandler>,
    clock: Arc<dyn Clock>,
) -> Result<Option<TelegramParts>, RuntimeError> {
    if !cfg.enabled {
        return Ok(None);
    }
    let client = client(cfg)?;
    let backoff = Backoff::default();
    let notifier = TelegramNotifier::new(
        client.clone(),
        outbox.clone(),
        clock.clone(),
        NotifierConfig {
            alert_chat_ids: cfg.alert_chat_ids.clone(),
            storm: StormConfig {
                window_secs: cfg.storm_window_secs,
                burst: cfg.storm_burst,
            },
            backoff,
            per_chat_interval: Duration::from_millis(cfg.per_chat_interval_ms),
            max_attempts: (cfg.max_attempts > 0).then_some(cfg.max_attempts),
            ..NotifierConfig::default()
        },
    );
    let poller = CommandPoller::new(
        client,
        outbox,
        handler,
        clock,
        PollerConfig {
            access: Access {
                allowed_user_ids: cfg.allowed_user_ids.iter().copied().collect(),
                allowed_chat_ids: cfg.allowed_chat_ids.iter().copied().collect(),
            },
            bot_username: cfg.bot_username.clone(),
            long_poll_secs: cfg.long_poll_secs,
            backoff,
            ..PollerConfig::default()
        },
    );
    Ok(Some(TelegramParts { notifier, poller }))
}

fn client(cfg: &config::TelegramConfig) -> Result<BotClient, RuntimeError> {
    let token = BotToken::from_env(&cfg.token_env)
        .map_err(|e| RuntimeError::BadInput(format!("telegram.token_env: {e}")))?;
    BotClient::new(
        &ClientConfig {
            base_url: cfg.base_url.clone(),
            request_timeout: Duration::from_secs(cfg.request_timeout_secs),
        },
        token,
    )
    .map_err(|e| RuntimeError::BadInput(format!("[telegram]: {e}")))
}

/// `runtime telegram test`: sends one message to every alert chat, directly (not through
/// the outbox), and reports what Telegram answered.
pub async fn send_test(cfg: &config::TelegramConfig) -> Result<String, RuntimeError> {
    if !cfg.enabled {
        return Err(RuntimeError::BadInput(
            "telegram.enabled is false: set it (and the chats) in the configuration first".into(),
        ));
    }
    let client = client(cfg)?;
    let mut out = String::new();
    for chat in &cfg.alert_chat_ids {
        let sent = client
            .send_message(
                *chat,
                "✅ <b>Rampart</b>: test message. Alerts will arrive in this chat.",
            )
            .await
            .map_err(|e| RuntimeError::BadInput(format!("telegram test to chat {chat}: {e}")))?;
        out.push_str(&format!(
            "sent to chat {chat} (message {})\n",
            sent.message_id
        ));
    }
    Ok(out)
}

/// Answers operator commands from the status board and the store.
pub struct RuntimeCommands {
    rt: LiveRuntime,
}

impl RuntimeCommands {
    /// Commands answered for the running runtime.
    pub fn new(rt: LiveRuntime) -> Self {
        Self { rt }
    }

    async fn readiness(&self) -> Result<readiness::ReadinessReport, String> {
        self.rt
            .readiness()
            .await
            .map_err(|e| format!("could not evaluate readiness: {e}"))
    }

    async fn queue(&self, ctx: &CommandContext, command: OperatorCommand) -> String {
        match self
            .rt
            .store
            .enqueue_request(&command, &ctx.actor(), ctx.received_at)
            .await
        {
            Ok(id) => format!(
                "queued as operator request {id}; the runtime applies it within a second (audited as {})",
                ctx.who()
            ),
            Err(e) => format!("could not queue the request: {e}"),
        }
    }
}

#[async_trait]
impl CommandHandler for RuntimeCommands {
    async fn check(&self, _ctx: &CommandContext) -> String {
        let mut out = match self.readiness().await {
            Ok(report) => {
                let doc = report.to_document();
                let mut text = format!(
                    "readiness {} (overall {})\n",
                    doc.live_rollout_readiness.as_str(),
                    doc.overall_readiness.as_str()
                );
                for reason in &doc.live_rollout_reasons {
                    text.push_str(&format!("- {}\n", reason.message));
                }
                text
            }
            Err(e) => format!("{e}\n"),
        };
        match self.rt.board.latest() {
            Some(s) => out.push_str(&format!(
                "heartbeat {}s ago, {} events, level {}, kill switch {}",
                (SystemClock.now() - s.updated_at).num_seconds().max(0),
                s.session.events,
                s.capital_preservation_level,
                if s.kill_switch_active { "ON" } else { "off" }
            )),
            None => out.push_str("the runtime has not published a status yet"),
        }
        out
    }

    async fn status(&self, _ctx: &CommandContext) -> String {
        let Some(s) = self.rt.board.latest() else {
            return "the runtime has not published a status yet".into();
        };
        format!(
            "mode {} ({} feed), equity {}, daily P&L {}, drawdown {}%, level {}, kill switch {}{}, open positions {}, working orders {}",
            s.mode,
            s.feed,
            s.equity,
            s.daily_pnl,
            (s.drawdown * rust_decimal::Decimal::ONE_HUNDRED).round_dp(2),
            s.capital_preservation_level,
            if s.kill_switch_active { "ON" } else { "off" },
            if s.kill_switch_sources.is_empty() {
                String::new()
            } else {
                format!(" ({})", s.kill_switch_sources.join("; "))
            },
            s.positions.len(),
            s.working_orders
        )
    }

    async fn stats(&self, _ctx: &CommandContext) -> String {
        let now = match self.rt.engine_now().await {
            Ok(now) => now.engine_time,
            Err(e) => return format!("could not read the engine clock: {e}"),
        };
        let mut out = String::new();
        for (label, from, to) in stats_ranges(now) {
            match self.rt.store.events_between(from, to).await {
                Ok(records) => match crate::daily::Tally::of(&records) {
                    Ok(t) => out.push_str(&format!(
                        "{label}: {} signals, {} approved, {} rejected, {} blocked by turnover, {} fills, {} critical alerts\n",
                        t.tiers.values().sum::<u64>(),
                        t.approvals,
                        t.rejected,
                        t.blocked,
                        t.fills,
                        t.alerts.get("critical").copied().unwrap_or(0)
                    )),
                    Err(e) => out.push_str(&format!("{label}: {e}\n")),
                },
                Err(e) => out.push_str(&format!("{label}: {e}\n")),
            }
        }
        if let Some(s) = self.rt.board.latest() {
            out.push_str(&format!(
                "session: realised P&L {}, closed trades {}",
                s.realized_pnl, s.session.closed_trades
            ));
        }
        out
    }

    async fn positions(&self, _ctx: &CommandContext) -> String {
        let Some(s) = self.rt.board.latest() else {
            return "the runtime has not published a status yet".into();
        };
        if s.positions.is_empty() {
            return format!(
                "no open positions (max {})",
                self.rt.cfg.risk.max_open_positions
            );
        }
        let mut out = format!(
            "{} of max {} positions:\n",
            s.positions.len(),
            self.rt.cfg.risk.max_open_positions
        );
        for p in &s.positions {
            out.push_str(&format!(
                "{} {} {} @ {} (mark {})\n",
                p.symbol,
                p.side,
                p.qty,
                p.avg_price,
                p.mark.as_deref().unwrap_or("-")
            ));
        }
        out
    }

    async fn risk(&self, _ctx: &CommandContext) -> String {
        let risk = &self.rt.cfg.risk;
        let mut out = format!(
            "max daily loss {}%, max loss per trade {}%, max open positions {}\n",
            risk.max_daily_loss_pct, risk.max_loss_per_trade_pct, risk.max_open_positions
        );
        if let Some(s) = self.rt.board.latest() {
            out.push_str(&format!(
                "daily P&L {} of equity {}, drawdown {}%, level {}, turnover block rate {}\n",
                s.daily_pnl,
                s.equity,
                (s.drawdown * rust_decimal::Decimal::ONE_HUNDRED).round_dp(2),
                s.capital_preservation_level,
                s.turnover_block_rate
                    .map_or_else(|| "n/a".into(), |r| r.to_string())
            ));
            if let Some(book) = &s.risk_book {
                out.push_str(&crate::report::render_risk_book(book));
            }
        }
        out
    }

    async fn signals(&self, _ctx: &CommandContext, last: u32) -> String {
        let since = match self.rt.engine_now().await {
            Ok(now) => signals_since(now.engine_time),
            Err(e) => return format!("could not read the engine clock: {e}"),
        };
        match self.rt.store.signals_since(since).await {
            Ok(signals) if signals.is_empty() => "no signals in the last 24 h".into(),
            Ok(signals) => {
                let n = usize::try_from(last).unwrap_or(usize::MAX);
                let skip = signals.len().saturating_sub(n);
                signals[skip..]
                    .iter()
                    .map(|s| {
                        format!(
                            "{} {} {} {} conf {} ({})\n",
                            s.ts.format("%m-%d %H:%M"),
                            s.symbol,
                            s.side.as_str(),
                            s.tier.as_str(),
                            s.confidence,
                            s.strategy
                        )
                    })
                    .collect()
            }
            Err(e) => format!("could not read signals: {e}"),
        }
    }

    async fn kill(&self, ctx: &CommandContext, reason: &str) -> String {
        let reason = format!("{reason} (telegram {})", ctx.who());
        self.queue(ctx, OperatorCommand::KillSwitchOn { reason })
            .await
    }

    async fn can_resume(&self, _ctx: &CommandContext) -> Result<(), String> {
        let report = self.readiness().await?;
        // The kill switch itself is what /resume clears; anything else that forbids
        // trading (NO_GO) refuses it.
        let blocking: Vec<String> = report
            .reasons()
            .iter()
            .filter(|r| r.severity() == readiness::ReasonSeverity::NoGo)
            .filter(|r| r.code() != "kill_switch_active")
            .map(|r| r.message())
            .collect();
        if blocking.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "readiness forbids resuming: {}",
                blocking.join("; ")
            ))
        }
    }

    async fn resume(&self, ctx: &CommandContext, reason: &str) -> String {
        let reason = format!("{reason} (telegram {})", ctx.who());
        self.queue(ctx, OperatorCommand::KillSwitchOff { reason })
            .await
    }
}

/// The ranges `/stats` counts, `[from, to)`, ending at the engine clock's `now` (data time
/// in a replay, the wall clock live) with the batch at `now` included: the engine day so
/// far and the last 7 days.
pub fn stats_ranges(now: Timestamp) -> [(&'static str, Timestamp, Timestamp); 2] {
    let to = now + Span::nanoseconds(1);
    let today = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
    [("today", today, to), ("7 days", now - Span::days(7), to)]
}

/// Where `/signals` starts listing: 24 h before the engine clock's `now`.
pub fn signals_since(now: Timestamp) -> Timestamp {
    now - Span::days(1)
}

/// The "alive" message: once at start, then every 24 h of wall time, so that silence
/// itself is noticed. Ends when `shutdown` resolves.
pub async fn run_alive(
    notifier: TelegramNotifier,
    board: Arc<StatusBoard>,
    run_id: String,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut first = true;
    loop {
        let text = match board.latest() {
            Some(s) => format!(
                "💓 <b>Rampart alive</b> ({} {}, run {}): {} events, equity {}, level {}, kill switch {}",
                telegram::format::escape_html(&s.mode),
                telegram::format::escape_html(&s.feed),
                telegram::format::escape_html(&run_id),
                s.session.events,
                s.equity,
                s.capital_preservation_level,
                if s.kill_switch_active { "ON" } else { "off" }
            ),
            None => format!(
                "💓 <b>Rampart {}</b> (run {})",
                if first { "started" } else { "alive" },
                telegram::format::escape_html(&run_id)
            ),
        };
        first = false;
        if let Err(e) = notifier.enqueue_html(&text, domain::Severity::Info).await {
            tracing::warn!("telegram alive message not stored: {e}");
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(Duration::from_secs(24 * 3600)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use domain::TradingMode;
    use telegram::CommandHandler;

    use crate::session::{FeedKind, SessionOptions};

    #[test]
    fn stats_ranges_end_just_after_the_engine_clock_at_its_day_and_a_week_back() {
        let now = chrono::Utc.with_ymd_and_hms(2024, 1, 5, 10, 0, 0).unwrap();
        let [(today, from, to), (week, week_from, week_to)] = stats_ranges(now);
        assert_eq!((today, week), ("today", "7 days"));
        let midnight = chrono::Utc.with_ymd_and_hms(2024, 1, 5, 0, 0, 0).unwrap();
        assert_eq!(from, midnight);
        assert_eq!(week_from, now - Span::days(7));
        // The batch stamped exactly `now` (a replay's last event) is counted.
        assert!(to > now && to == week_to && to - now == Span::nanoseconds(1));
        assert_eq!(signals_since(now), now - Span::days(1));
    }

    /// A replay of the bundled data into a fresh store; the board it published.
    async fn replayed(dir: &std::path::Path) -> (LiveRuntime, Arc<StatusBoard>) {
        let store = crate::open_store(None, dir).await.unwrap();
        let opts = SessionOptions {
            mode: TradingMode::DryRun,
            config: None,
            feed: FeedKind::Replay,
            data: None,
            speed: None,
            iterations: 600,
            data_dir: dir.to_path_buf(),
            run_id: None,
        };
        let loaded = crate::load_config(&opts).unwrap();
        let cfg = loaded.config.clone();
        let board = Arc::new(StatusBoard::new());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        crate::run_session(&opts, loaded, store.clone(), board.clone(), stop)
            .await
            .unwrap();
        let rt = LiveRuntime {
            board: Arc::new(StatusBoard::new()),
            store,
            kill_file: crate::session::kill_file(&cfg, dir),
            cfg,
            mode: TradingMode::DryRun,
        };
        (rt, board)
    }

    fn ctx() -> CommandContext {
        CommandContext {
            update_id: 1,
            chat_id: 1,
            user_id: 1,
            username: None,
            received_at: SystemClock.now(),
        }
    }

    #[tokio::test]
    async fn signals_and_stats_after_a_replay_list_the_replays_latest_signals() {
        let dir = tempfile::tempdir().unwrap();
        let (stopped, board) = replayed(dir.path()).await;
        let store = stopped.store.clone();
        let latest = store
            .signals_since(chrono::DateTime::<chrono::Utc>::MIN_UTC)
            .await
            .unwrap();
        let last = latest.last().expect("the replay generated signals");
        // A stopped replay (the store's clock) and a running one (its status board).
        let running = LiveRuntime {
            board,
            ..stopped.clone()
        };
        for rt in [stopped, running] {
            let commands = RuntimeCommands::new(rt);
            let text = commands.signals(&ctx(), 2).await;
            assert_eq!(text.lines().count(), 2, "{text}");
            assert!(
                text.lines()
                    .last()
                    .is_some_and(|l| l.starts_with(&last.ts.format("%m-%d %H:%M").to_string())),
                "the newest signal is listed: {text}"
            );
            let stats = commands.stats(&ctx()).await;
            let today = stats.lines().next().unwrap_or_default();
            assert!(
                today.starts_with("today: ") && !today.starts_with("today: 0 signals"),
                "{stats}"
            );
        }
    }
}
