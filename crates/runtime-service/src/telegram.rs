//! Telegram in the runtime (docs/telegram.md): the notifier that carries the engine's alerts
//! to the operators' chats through the store's outbox, the command poller, and the answers to
//! operator commands, read from the status board and the store. Kill and resume go through
//! the operator request queue like every other operator action, so they are audited and
//! survive restarts.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Duration as Span;
use domain::ports::{AlertOutbox, OperatorCommand};
use domain::{Clock, SystemClock};
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
        let now = SystemClock.now();
        let today = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
        let mut out = String::new();
        for (label, from) in [("today", today), ("7 days", now - Span::days(7))] {
            match self.rt.store.events_between(from, now).await {
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
        let since = SystemClock.now() - Span::days(1);
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
