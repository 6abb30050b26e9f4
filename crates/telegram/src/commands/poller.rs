//! `CommandPoller`: long-polls `getUpdates`, authorises, answers.
//!
//! Offsets: before an update is acted on, `update_id + 1` is stored through the
//! outbox port, so a restart never replays a command (a crash in the middle of one
//! loses that command instead; the operator sees no reply and sends it again).
//!
//! Authorisation: a command is obeyed only when its sender is an allow-listed user
//! *and* its chat is an allow-listed chat. Everything else gets no reply (a stranger
//! learns nothing) and is recorded with `record_ignored` and logged at WARN.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use domain::Clock;
use domain::ports::{AlertOutbox, IgnoreReason, IgnoredCommand};

use super::confirm::{CodeSource, ConfirmError, Confirmations, OsRandomCodes};
use super::handler::{CommandContext, CommandHandler};
use super::parse::{Command, HELP, Parsed, parse_command};
use crate::error::TelegramError;
use crate::format::{format_reply, truncate_chars};
use crate::http::{BotClient, InboundMessage};
use crate::metrics::{Counter, DeliveryMetrics};
use crate::notifier::CHANNEL;
use crate::retry::Backoff;

/// Who may command the bot. Both lists must contain the sender and the chat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// Telegram user ids allowed to command.
    pub allowed_user_ids: HashSet<i64>,
    /// Chats commands are taken from (a private chat's id is the user's id).
    pub allowed_chat_ids: HashSet<i64>,
}

impl Access {
    /// Why `message` may not command, or `None` when it may.
    pub fn refusal(&self, message: &InboundMessage) -> Option<IgnoreReason> {
        let Some(user) = message.user_id else {
            return Some(IgnoreReason::NoSender);
        };
        if !self.allowed_user_ids.contains(&user) {
            return Some(IgnoreReason::UserNotAllowed);
        }
        if !self.allowed_chat_ids.contains(&message.chat_id) {
            return Some(IgnoreReason::ChatNotAllowed);
        }
        None
    }
}

/// How the poller polls and answers.
#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// Who may command.
    pub access: Access,
    /// The bot's username without `@` (`/cmd@otherbot` is then not ours).
    pub bot_username: Option<String>,
    /// Long-poll wait on the server, in seconds.
    pub long_poll_secs: u64,
    /// Lifetime of a `/resume` confirmation code.
    pub confirm_ttl: chrono::Duration,
    /// Backoff after network and server errors.
    pub backoff: Backoff,
    /// Wait after a 409 (another instance polls the same bot).
    pub conflict_wait: Duration,
}

impl Default for PollerConfig {
    fn default() -> Self {
        Self {
            access: Access::default(),
            bot_username: None,
            long_poll_secs: 30,
            confirm_ttl: chrono::Duration::seconds(60),
            backoff: Backoff::default(),
            conflict_wait: Duration::from_secs(10),
        }
    }
}

/// What became of one update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandleOutcome {
    /// Not for us or not a command: acknowledged, nothing done.
    Skipped,
    /// Refused and recorded (no reply).
    Ignored(IgnoreReason),
    /// Answered (the reply may still have failed to send: see the log).
    Answered {
        /// The command's name (`unknown` / `invalid` for bad input from an allowed user).
        command: &'static str,
    },
}

/// What one `getUpdates` round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// One outcome per update, in order.
    pub outcomes: Vec<HandleOutcome>,
}

/// The pause after a `getUpdates` that returned nothing (negligible behind a 30 s long poll,
/// a busy-loop guard when the server answers at once).
pub const EMPTY_POLL_PAUSE: Duration = Duration::from_millis(200);

/// The operator command source.
pub struct CommandPoller {
    client: BotClient,
    outbox: Arc<dyn AlertOutbox>,
    handler: Arc<dyn CommandHandler>,
    clock: Arc<dyn Clock>,
    config: PollerConfig,
    confirmations: Confirmations,
    metrics: Arc<DeliveryMetrics>,
}

impl std::fmt::Debug for CommandPoller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandPoller")
            .field("client", &self.client)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Longest text kept in an ignored-command record.
const IGNORED_TEXT_CHARS: usize = 200;

impl CommandPoller {
    /// A poller with six-digit OS-random confirmation codes.
    pub fn new(
        client: BotClient,
        outbox: Arc<dyn AlertOutbox>,
        handler: Arc<dyn CommandHandler>,
        clock: Arc<dyn Clock>,
        config: PollerConfig,
    ) -> Self {
        Self::with_codes(
            client,
            outbox,
            handler,
            clock,
            config,
            Box::new(OsRandomCodes),
        )
    }

    /// A poller drawing confirmation codes from `codes` (tests use a fixed sequence).
    pub fn with_codes(
        client: BotClient,
        outbox: Arc<dyn AlertOutbox>,
        handler: Arc<dyn CommandHandler>,
        clock: Arc<dyn Clock>,
        config: PollerConfig,
        codes: Box<dyn CodeSource>,
    ) -> Self {
        Self {
            confirmations: Confirmations::new(config.confirm_ttl, codes),
            client,
            outbox,
            handler,
            clock,
            config,
            metrics: Arc::default(),
        }
    }

    /// Counts into shared `metrics` (e.g. the notifier's) instead of its own.
    pub fn with_metrics(mut self, metrics: Arc<DeliveryMetrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// The counters this poller counts into.
    pub fn metrics(&self) -> Arc<DeliveryMetrics> {
        Arc::clone(&self.metrics)
    }

    /// One `getUpdates` from the stored offset; each update is acknowledged (offset
    /// stored) before it is handled.
    pub async fn poll_once(&self) -> Result<PollReport, TelegramError> {
        let offset = self.outbox.get_offset(CHANNEL).await?;
        let updates = self
            .client
            .get_updates(offset, self.config.long_poll_secs, 100)
            .await?;
        let mut report = PollReport::default();
        for update in updates {
            self.outbox
                .put_offset(CHANNEL, update.update_id.saturating_add(1))
                .await?;
            report.outcomes.push(self.handle(&update).await);
        }
        Ok(report)
    }

    /// Polls until `shutdown` resolves. Returns `Err` only for a configuration error
    /// (401: the token was refused), which no retry can fix.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), TelegramError> {
        tokio::pin!(shutdown);
        let mut failures: u32 = 0;
        loop {
            let wait = tokio::select! {
                () = &mut shutdown => return Ok(()),
                polled = self.poll_once() => match polled {
                    Ok(report) => {
                        failures = 0;
                        // An empty answer that came back at once (short polling, or a server
                        // that does not hold the request) must not turn into a busy loop.
                        if report.outcomes.is_empty() { EMPTY_POLL_PAUSE } else { Duration::ZERO }
                    }
                    Err(e) if e.is_config_error() => {
                        tracing::error!(error = %e, "telegram command polling stopped: fix the bot token");
                        return Err(e);
                    }
                    Err(e) => {
                        failures = failures.saturating_add(1);
                        let wait = match &e {
                            TelegramError::Conflict { .. } => self.config.conflict_wait,
                            _ => e.retry_after().unwrap_or_else(|| self.config.backoff.delay(failures)),
                        };
                        tracing::warn!(error = %e, reason = e.label(), failures, wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), "telegram getUpdates failed");
                        wait
                    }
                },
            };
            if !wait.is_zero() {
                tokio::select! {
                    () = &mut shutdown => return Ok(()),
                    () = tokio::time::sleep(wait) => {}
                }
            }
        }
    }

    /// Authorises and answers one update (offset handling is the caller's).
    pub async fn handle(&self, message: &InboundMessage) -> HandleOutcome {
        let Some(text) = message.text.as_deref() else {
            return HandleOutcome::Skipped;
        };
        let parsed = parse_command(text, self.config.bot_username.as_deref());
        if matches!(parsed, Parsed::NotACommand | Parsed::OtherBot) || message.from_bot {
            return HandleOutcome::Skipped;
        }
        if let Some(reason) = self.config.access.refusal(message) {
            self.ignore(message, text, reason).await;
            return HandleOutcome::Ignored(reason);
        }
        let Some(user_id) = message.user_id else {
            return HandleOutcome::Ignored(IgnoreReason::NoSender);
        };
        let ctx = CommandContext {
            update_id: message.update_id,
            chat_id: message.chat_id,
            user_id,
            username: message.username.clone(),
            received_at: self.clock.now(),
        };
        let (name, reply) = match parsed {
            Parsed::Command(command) => (command.name(), self.execute(command, &ctx).await),
            Parsed::Unknown { .. } => {
                self.ignore(message, text, IgnoreReason::UnknownCommand)
                    .await;
                (
                    "unknown",
                    "Unknown command. /help lists what I understand.".to_string(),
                )
            }
            Parsed::Invalid { usage, .. } => ("invalid", format!("Usage: {usage}")),
            Parsed::NotACommand | Parsed::OtherBot => return HandleOutcome::Skipped,
        };
        self.metrics.add(Counter::CommandHandled);
        tracing::info!(
            command = name,
            user_id,
            chat_id = message.chat_id,
            update_id = message.update_id,
            "telegram command answered"
        );
        self.reply(message.chat_id, &reply).await;
        HandleOutcome::Answered { command: name }
    }

    async fn execute(&self, command: Command, ctx: &CommandContext) -> String {
        let h = &self.handler;
        match command {
            Command::Help => HELP.to_string(),
            Command::Check => h.check(ctx).await,
            Command::Status => h.status(ctx).await,
            Command::Stats => h.stats(ctx).await,
            Command::Positions => h.positions(ctx).await,
            Command::Risk => h.risk(ctx).await,
            Command::Signals { last } => h.signals(ctx, last).await,
            Command::Kill { reason } => h.kill(ctx, &reason).await,
            Command::Resume { reason } => {
                if let Err(why) = h.can_resume(ctx).await {
                    return format!("Resume refused: {why}");
                }
                match self
                    .confirmations
                    .issue(ctx.user_id, ctx.chat_id, &reason, ctx.received_at)
                {
                    Ok((code, _)) => format!(
                        "To resume trading (reason: {reason}) send /confirm {code} within {} s. \
                         The code works once, for you, in this chat.",
                        self.config.confirm_ttl.num_seconds()
                    ),
                    Err(e) => format!("Resume refused: {e}"),
                }
            }
            Command::Confirm { code } => {
                match self
                    .confirmations
                    .confirm(&code, ctx.user_id, ctx.chat_id, ctx.received_at)
                {
                    Ok(reason) => match h.can_resume(ctx).await {
                        Ok(()) => h.resume(ctx, &reason).await,
                        Err(why) => format!("Resume refused: {why}"),
                    },
                    Err(ConfirmError::Expired) => {
                        "Code expired: send /resume <reason> again.".to_string()
                    }
                    Err(e) => format!("Confirmation refused: {e}."),
                }
            }
        }
    }

    async fn ignore(&self, message: &InboundMessage, text: &str, reason: IgnoreReason) {
        self.metrics.add(Counter::CommandIgnored);
        tracing::warn!(
            ?reason,
            user_id = message.user_id,
            chat_id = message.chat_id,
            update_id = message.update_id,
            "telegram command ignored"
        );
        let record = IgnoredCommand {
            channel: CHANNEL.to_string(),
            update_id: message.update_id,
            chat_id: message.chat_id,
            user_id: message.user_id,
            username: message.username.clone(),
            text: truncate_chars(text, IGNORED_TEXT_CHARS),
            reason,
            at: self.clock.now(),
        };
        if let Err(e) = self.outbox.record_ignored(&record).await {
            tracing::warn!(error = %e, "could not record an ignored telegram command");
        }
    }

    /// Sends a reply now (not through the outbox: a reply is only useful while the
    /// operator waits); one retry after a short 429 or a transient error.
    async fn reply(&self, chat_id: i64, text: &str) {
        let html = format_reply(text);
        for attempt in 1..=2u32 {
            match self.client.send_message(chat_id, &html).await {
                Ok(_) => return,
                Err(e) => {
                    let wait = e
                        .retry_after()
                        .unwrap_or_else(|| self.config.backoff.delay(attempt));
                    let retry = attempt == 1 && !e.is_permanent() && wait <= Duration::from_secs(5);
                    tracing::warn!(error = %e, reason = e.label(), chat_id, retry, "telegram reply failed");
                    if !retry {
                        return;
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}
