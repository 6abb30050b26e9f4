//! The pipeline of ARCHITECTURE.md section 2, one code path for every mode.
//!
//! For each market event: venue-side fills (a simulated venue fills at the next
//! open), mark to market, capital preservation, strategies, sizing, turnover
//! governor, trade gate, write-ahead order, submit, fills; then due jobs; then
//! everything the event produced is appended to the store as one batch and
//! alerts go to the notifier. The engine never reads the wall clock (time comes
//! from the `Clock` port) and never touches a file or the network itself.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use capital_preservation::{CapitalPreservation, PreservationInputs, SettledBand};
use domain::ports::{
    EventBatch, ExecutionVenue, Notifier, OperatorCommand, OperatorRequest, Store, Strategy,
    SubmitOutcome,
};
use domain::{
    Actor, Alert, AlertKind, AuditEvent, ClientOrderId, Clock, ClosedTrade, Fill,
    InstrumentFilters, IntentKind, JobOutcome, KillSwitchTrigger, MarketEvent, Order, OrderFailure,
    OrderIntent, OrderStatus, OrderType, Portfolio, Price, Ratio, Readiness, RejectReason,
    Severity, Signal, Symbol, Tier, Timestamp,
};
use risk_gate::{
    Decision, KillSwitch, KillSwitchError, KillSwitchInputs, PreservationView, RiskConfig,
    RiskContext, TierSet, TradeGate,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use turnover_governor::{TurnoverGovernor, TurnoverRequest, TurnoverState};

use crate::error::EngineError;
use crate::scheduler::{DEFAULT_JOBS, DueJob, JobId, Scheduler};
use crate::settings::{EngineSettings, Guardrails};
use crate::summary::{SessionSummary, Transition};

mod account;
mod paper_follow;
mod reconcile;
mod shadow;

use shadow::Verdict;

pub use paper_follow::{PaperBook, PaperTrade};
pub use reconcile::ReconcileReport;

/// Consecutive venue refusals that trip the kill switch.
const MAX_CONSECUTIVE_EXECUTION_FAILURES: u32 = 5;

/// What became of an operator request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum RequestOutcome {
    /// Done; what changed.
    Applied(String),
    /// Not done (recorded as an alert); why.
    Refused(String),
}

/// Which market events a stored state has processed already (a resumed session skips
/// them, feeding them to the strategies only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResumePoint {
    /// The last event time of the state.
    pub last_event_at: Option<Timestamp>,
    /// The last event time per symbol (empty in states saved before it was recorded).
    pub per_symbol: BTreeMap<Symbol, Timestamp>,
}

impl ResumePoint {
    /// The resume point of `state`.
    pub fn of(state: &EngineState) -> Self {
        Self {
            last_event_at: state.last_event_at,
            per_symbol: state.last_data.clone(),
        }
    }

    /// True when the event of `symbol` at `at` was processed by the stored state: at or
    /// before its symbol's last event time. A symbol the state never saw had nothing
    /// processed at the state's last event time or later (events come in time order;
    /// earlier ones are counted as processed so that the clock never goes back), and a
    /// state without per-symbol times (saved by an older version) processed everything up
    /// to its last event time.
    pub fn processed(&self, symbol: &Symbol, at: Timestamp) -> bool {
        let Some(last) = self.last_event_at else {
            return false;
        };
        if self.per_symbol.is_empty() {
            return at <= last;
        }
        match self.per_symbol.get(symbol) {
            Some(t) => at <= *t,
            None => at < last,
        }
    }
}

/// Everything needed to resume after a restart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EngineState {
    /// Cash, positions, P&L, peaks, loss streak.
    pub portfolio: Portfolio,
    /// Capital-preservation level and its history.
    pub preservation: capital_preservation::PreservationState,
    /// Turnover counters and block-rate window.
    pub turnover: TurnoverState,
    /// Stored kill-switch flag.
    pub kill_switch: KillSwitch,
    /// Order sequence number (for deterministic client order ids).
    pub seq: u64,
    /// Time of the last market event processed when this state was saved.
    #[serde(default)]
    pub last_event_at: Option<Timestamp>,
    /// Time of the last market event processed, per symbol: several symbols share an
    /// event time, and a resume must replay those of that time not yet processed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub last_data: BTreeMap<Symbol, Timestamp>,
    /// The account rules' own state (e.g. FTMO anchors, trading days, breaches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<serde_json::Value>,
    /// Entries capital preservation vetoed, followed on paper (evidence for recovery).
    #[serde(default, skip_serializing_if = "PaperBook::is_empty")]
    pub paper: PaperBook,
    /// A simulated venue's working orders and market memory
    /// ([`ExecutionVenue::state_json`]); absent for real venues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<serde_json::Value>,
    /// The shadow collector's hit windows, day and advisor states (pending records are in
    /// the store). Saved only in the batches that change it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow: Option<serde_json::Value>,
}

/// The engine's own jobs in its scheduler, so that running one is an id comparison.
#[derive(Debug, Clone, Copy)]
struct Jobs {
    heartbeat: JobId,
    daily_summary: JobId,
    risk_book: Option<JobId>,
}

/// Registers the [`DEFAULT_JOBS`] entry called `name`.
fn register_default(
    scheduler: &mut Scheduler,
    name: &str,
    now: Timestamp,
) -> Result<JobId, EngineError> {
    let (name, expr) = DEFAULT_JOBS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| EngineError::Schedule {
            job: name.to_string(),
            expr: String::new(),
            message: "not one of the built-in jobs".into(),
        })?;
    scheduler.register(name, expr, now)
}

/// The pipeline, generic over the three ports it calls on every event.
pub struct Engine<V: ExecutionVenue + ?Sized, S: Store + ?Sized, C: Clock + ?Sized> {
    settings: EngineSettings,
    venue: Arc<V>,
    store: Arc<S>,
    clock: Arc<C>,
    notifier: Option<Arc<dyn Notifier>>,
    portfolio: Portfolio,
    preservation: CapitalPreservation,
    governor: TurnoverGovernor,
    gate: TradeGate,
    kill_switch: KillSwitch,
    kill_inputs: KillSwitchInputs,
    readiness: Readiness,
    account_rules: Option<Arc<dyn domain::ports::AccountRules>>,
    strategies: BTreeMap<Symbol, Vec<Box<dyn Strategy>>>,
    filters: BTreeMap<Symbol, InstrumentFilters>,
    last_data: BTreeMap<Symbol, Timestamp>,
    working: BTreeMap<ClientOrderId, Order>,
    unresolved: BTreeMap<Symbol, ClientOrderId>,
    applied_fills: HashSet<(ClientOrderId, String)>,
    execution_failures: u32,
    seq: u64,
    scheduler: Scheduler,
    jobs: Jobs,
    events: Vec<AuditEvent>,
    closed: Vec<ClosedTrade>,
    signals: Vec<Signal>,
    summary: SessionSummary,
    last_heartbeat: Option<Timestamp>,
    /// Inputs of the last capital-preservation update that changed nothing.
    preservation_unchanged: Option<(domain::Money, domain::Money, u32)>,
    /// Equities for which a capital-preservation update changes nothing (see `SettledBand`).
    settled: Option<SettledBand>,
    due: Vec<DueJob>,
    /// A fill, a breach or the 5-minute job asked for a risk-book snapshot.
    book_due: bool,
    /// Rolling count of gate rejections (one alert per burst).
    bursts: crate::bursts::RejectionBursts,
    /// Counters since the last daily summary.
    day: DayCounters,
    /// Reconciliations that persisted a batch (for their event ids).
    reconciliations: u64,
    /// Advisors and their evidence (advisory only).
    shadow: Option<shadow_collector::ShadowCollector>,
    /// A stored shadow state carried over by an engine without a collector.
    shadow_kept: Option<serde_json::Value>,
    /// A shadow restore problem, raised as a WARNING alert with the next event.
    shadow_notice: Option<String>,
    /// Orders changed since the last batch, stored with it (`EventBatch::orders`).
    order_changes: Vec<Order>,
    /// A venue restore problem, raised as a WARNING alert with the next event.
    venue_notice: Option<String>,
    /// Entries capital preservation vetoed, followed on paper.
    paper: PaperBook,
    /// Engine time of the last batch with a state snapshot (resume progress).
    last_snapshot_at: Option<Timestamp>,
}

/// What happened since the last daily summary (for its message).
#[derive(Debug, Default, Clone, Copy)]
struct DayCounters {
    events: u64,
    closed: u64,
    wins: u64,
}

impl<V: ExecutionVenue + ?Sized, S: Store + ?Sized, C: Clock + ?Sized> Engine<V, S, C> {
    /// Builds an engine; validates the settings and registers the built-in jobs.
    pub fn new(
        settings: EngineSettings,
        strategies: BTreeMap<Symbol, Vec<Box<dyn Strategy>>>,
        venue: Arc<V>,
        store: Arc<S>,
        clock: Arc<C>,
    ) -> Result<Self, EngineError> {
        let violations = settings.validate();
        if !violations.is_empty() {
            return Err(EngineError::Invalid(violations));
        }
        let now = clock.now();
        let risk = match settings.guardrails {
            Guardrails::On => settings.risk.clone(),
            Guardrails::Off => permissive_risk(&settings.risk, strategies.keys()),
        };
        let gate = TradeGate::new(risk).map_err(|e| {
            EngineError::Invalid(vec![domain::ConfigViolation::new("risk", "valid", e)])
        })?;
        let portfolio = Portfolio::new(settings.initial_capital, settings.day_boundary)?;
        let mut scheduler = Scheduler::new();
        let jobs = Jobs {
            heartbeat: register_default(&mut scheduler, "heartbeat", now)?,
            daily_summary: register_default(&mut scheduler, "daily_summary", now)?,
            risk_book: None,
        };
        let summary = SessionSummary {
            start_equity: settings.initial_capital,
            end_equity: settings.initial_capital,
            ..SessionSummary::default()
        };
        Ok(Self {
            preservation: CapitalPreservation::new(settings.preservation.clone(), now),
            governor: TurnoverGovernor::new(settings.turnover.clone()),
            gate,
            portfolio,
            settings,
            venue,
            store,
            clock,
            notifier: None,
            kill_switch: KillSwitch::default(),
            kill_inputs: KillSwitchInputs::NONE,
            readiness: Readiness::NoGo,
            account_rules: None,
            strategies,
            filters: BTreeMap::new(),
            last_data: BTreeMap::new(),
            working: BTreeMap::new(),
            unresolved: BTreeMap::new(),
            applied_fills: HashSet::new(),
            execution_failures: 0,
            seq: 0,
            scheduler,
            jobs,
            events: Vec::new(),
            closed: Vec::new(),
            signals: Vec::new(),
            summary,
            last_heartbeat: None,
            preservation_unchanged: None,
            settled: None,
            due: Vec::new(),
            book_due: false,
            bursts: crate::bursts::RejectionBursts::default(),
            day: DayCounters::default(),
            reconciliations: 0,
            shadow: None,
            shadow_kept: None,
            shadow_notice: None,
            order_changes: Vec::new(),
            venue_notice: None,
            paper: PaperBook::default(),
            last_snapshot_at: None,
        })
    }

    /// Sends alerts to `notifier` as well as to the audit trail.
    pub fn with_notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = Some(notifier);
        self
    }

    /// Checks intents against account rules (e.g. FTMO) as gate check 11, shows them
    /// every mark, and records their risk book every 5 minutes and after every fill.
    pub fn with_account_rules(
        mut self,
        rules: Arc<dyn domain::ports::AccountRules>,
    ) -> Result<Self, EngineError> {
        self.account_rules = Some(rules);
        self.jobs.risk_book = Some(register_default(
            &mut self.scheduler,
            account::RISK_BOOK_JOB,
            self.clock.now(),
        )?);
        Ok(self)
    }

    /// The account rules' risk book now, if account rules are configured.
    pub fn risk_book(&self) -> Option<domain::account::RiskBook> {
        self.account_rules
            .as_ref()
            .and_then(|r| r.risk_book(self.clock.now()))
    }

    /// The account rules' breach, if any.
    pub fn account_breach(&self) -> Option<domain::account::AccountBreach> {
        self.account_rules.as_ref().and_then(|r| r.breach())
    }

    /// Restores state saved by [`Engine::state`] (after a restart). Fails when the stored
    /// account state was made for other account rules (another product, size or currency).
    /// The shadow collector's part never fails a restore: an advisor whose saved state is
    /// refused starts fresh, with a WARNING alert at the next event.
    pub fn restore(&mut self, state: EngineState) -> Result<(), EngineError> {
        if let (Some(rules), Some(account)) = (&self.account_rules, &state.account) {
            rules
                .restore_json(account)
                .map_err(|e| EngineError::AccountRules(e.to_string()))?;
        }
        self.restore_shadow(state.shadow.as_ref());
        if let Some(venue) = &state.venue
            && let Err(e) = self.venue.restore_json(venue)
        {
            self.venue_notice = Some(format!(
                "the simulated venue's saved working orders and market memory were refused ({e}); it starts empty, and orders it no longer knows are reconciled as not at the venue"
            ));
        }
        self.portfolio = state.portfolio;
        self.preservation =
            CapitalPreservation::from_state(self.settings.preservation.clone(), state.preservation);
        self.governor =
            TurnoverGovernor::from_state(self.settings.turnover.clone(), state.turnover);
        self.kill_switch = state.kill_switch;
        self.seq = state.seq;
        self.last_data = state.last_data;
        self.paper = state.paper;
        // Saved again with the next snapshot even if no market event follows
        // (an operator request applied while no runtime runs).
        self.summary.last_event_at = state.last_event_at;
        self.summary.start_equity = self.portfolio.equity();
        self.summary.end_equity = self.summary.start_equity;
        Ok(())
    }

    /// The state needed to resume.
    pub fn state(&self) -> EngineState {
        self.state_with_shadow(true)
    }

    /// The state, with or without the shadow collector's part (`persist` leaves it out of
    /// the batches that do not change it, without building it first).
    fn state_with_shadow(&self, with_shadow: bool) -> EngineState {
        EngineState {
            portfolio: self.portfolio.clone(),
            preservation: self.preservation.state().clone(),
            turnover: self.governor.state().clone(),
            kill_switch: self.kill_switch.clone(),
            seq: self.seq,
            last_event_at: self.summary.last_event_at,
            last_data: self.last_data.clone(),
            account: self.account_rules.as_ref().and_then(|r| r.state_json()),
            paper: self.paper.clone(),
            venue: self.venue.state_json(),
            shadow: if with_shadow {
                self.shadow_state()
            } else {
                None
            },
        }
    }

    /// Asks the venue for the trading rules of every traded symbol.
    pub async fn load_filters(&mut self) -> Result<(), domain::ports::VenueError> {
        let symbols: Vec<Symbol> = self.strategies.keys().cloned().collect();
        for symbol in symbols {
            let f = self.venue.filters(&symbol).await?;
            self.filters.insert(symbol, f);
        }
        Ok(())
    }

    /// Sets the trading rules of one symbol (e.g. after a refresh).
    pub fn set_filters(&mut self, symbol: Symbol, filters: InstrumentFilters) {
        self.filters.insert(symbol, filters);
    }

    /// Applies exchange filters re-read on the venue's refresh schedule and records what
    /// changed. `trading` holds the current filters of every symbol open for trading; a
    /// configured symbol missing from it (halted, delisted) loses its filters, so the gate
    /// rejects its orders as `filters_unknown` until it trades again. Each of `changes`
    /// (an operator-readable sentence per changed rule, with whether it stops trading)
    /// becomes a `filter_changed` alert, WARNING or CRITICAL when it stops trading, in
    /// one batch. Nothing is written when `changes` is empty.
    pub async fn refresh_filters(
        &mut self,
        trading: BTreeMap<Symbol, InstrumentFilters>,
        changes: &[(Symbol, bool, String)],
    ) -> Result<(), EngineError> {
        for symbol in self.strategies.keys() {
            match trading.get(symbol) {
                Some(f) => {
                    self.filters.insert(symbol.clone(), f.clone());
                }
                None => {
                    self.filters.remove(symbol);
                }
            }
        }
        if changes.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        self.events.clear();
        for (symbol, stops_trading, message) in changes {
            let severity = if *stops_trading {
                Severity::Critical
            } else {
                Severity::Warning
            };
            self.raise(
                severity,
                AlertKind::FilterChanged,
                Some(symbol.clone()),
                format!("exchange filters changed: {message}"),
                now,
            );
        }
        self.persist(&format!("filters_changed:{}", now.timestamp_micros()), now)
            .await
    }

    /// The file and environment kill-switch sources, as read by the runtime.
    pub fn set_kill_switch_inputs(&mut self, inputs: KillSwitchInputs) {
        self.kill_inputs = inputs;
    }

    /// The current readiness verdict (gate check 2 in live mode).
    pub fn set_readiness(&mut self, readiness: Readiness) {
        self.readiness = readiness;
    }

    /// Sets the stored kill-switch flag and records it at once.
    pub async fn kill_switch_on(
        &mut self,
        actor: Actor,
        reason: &str,
    ) -> Result<bool, EngineError> {
        let now = self.clock.now();
        let who = describe_actor(&actor);
        match self.kill_switch.activate(actor, reason, now) {
            Ok(Some(event)) => {
                self.events.clear();
                self.events.push(event);
                self.raise(
                    Severity::Critical,
                    AlertKind::KillSwitch,
                    None,
                    format!("kill switch activated by {who}: {reason}"),
                    now,
                );
                self.persist(&format!("kill_switch_on:{}", now.timestamp_micros()), now)
                    .await?;
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(e) => Err(kill_switch_error(e)),
        }
    }

    /// Clears the stored kill-switch flag (reason required) and records it at once.
    pub async fn kill_switch_off(&mut self, actor: Actor, reason: &str) -> Result<(), EngineError> {
        let now = self.clock.now();
        let who = describe_actor(&actor);
        let event = self
            .kill_switch
            .deactivate(actor, reason, now)
            .map_err(kill_switch_error)?;
        self.events.clear();
        self.events.push(event);
        self.raise(
            Severity::Warning,
            AlertKind::KillSwitch,
            None,
            format!("kill switch deactivated by {who}: {reason}"),
            now,
        );
        self.persist(&format!("kill_switch_off:{}", now.timestamp_micros()), now)
            .await
    }

    /// Applies a queued operator request and persists the result under the
    /// request's event id, in one batch: applying and marking as applied are one
    /// transaction, and a request already applied (the batch exists) changes
    /// nothing when stored again. A request that cannot be honoured (clearing a
    /// switch that is not set, a blank reason) is recorded as a refusal alert.
    pub async fn apply_request(
        &mut self,
        request: &OperatorRequest,
    ) -> Result<RequestOutcome, EngineError> {
        let now = self.clock.now();
        self.events.clear();
        self.closed.clear();
        let actor = request.actor.clone();
        let who = describe_actor(&actor);
        let asked = request.requested_at;
        let when = applied_note(asked, now);
        let outcome = match &request.command {
            OperatorCommand::KillSwitchOn { reason } => {
                match self.kill_switch.activate(actor, reason.as_str(), now) {
                    Ok(Some(event)) => {
                        self.events.push(event.with_requested_at(asked));
                        self.raise(
                            Severity::Critical,
                            AlertKind::KillSwitch,
                            None,
                            format!("kill switch activated by {who}: {reason}{when}"),
                            now,
                        );
                        RequestOutcome::Applied("kill switch activated".into())
                    }
                    Ok(None) => RequestOutcome::Applied("kill switch was already active".into()),
                    Err(e) => RequestOutcome::Refused(e.to_string()),
                }
            }
            OperatorCommand::KillSwitchOff { reason } => {
                match self.kill_switch.deactivate(actor, reason.as_str(), now) {
                    Ok(event) => {
                        self.events.push(event.with_requested_at(asked));
                        self.raise(
                            Severity::Warning,
                            AlertKind::KillSwitch,
                            None,
                            format!("kill switch deactivated by {who}: {reason}{when}"),
                            now,
                        );
                        let mut note = "stored kill switch cleared".to_string();
                        if self.kill_inputs.any() {
                            note.push_str(
                                "; still active from the file or environment source, which only the operator can remove",
                            );
                        }
                        RequestOutcome::Applied(note)
                    }
                    Err(e) => RequestOutcome::Refused(e.to_string()),
                }
            }
            OperatorCommand::SimulateLoss { amount, symbol } => {
                match self.portfolio.book_loss(*amount, now) {
                    Ok(()) => {
                        self.events.push(AuditEvent::LossSimulated {
                            symbol: symbol.clone(),
                            amount: *amount,
                            actor,
                            at: now,
                            requested_at: Some(asked),
                        });
                        self.raise(
                            Severity::Warning,
                            AlertKind::System,
                            Some(symbol.clone()),
                            format!(
                                "guardrail drill: simulated realised loss of {} on {symbol}{when}",
                                amount.value().round_dp(2)
                            ),
                            now,
                        );
                        self.governor.record_trade_outcome(symbol, true, now);
                        self.after_pnl_change(now);
                        if self.observe_account(now).is_some() {
                            self.flatten_after_breach(now).await?;
                        }
                        self.record_risk_book(now);
                        let snap = self.portfolio.snapshot();
                        RequestOutcome::Applied(format!(
                            "booked a loss of {} on {symbol}: equity {}, daily P&L {}, level {}, kill switch {}",
                            amount.value().round_dp(2),
                            snap.equity.value().round_dp(2),
                            snap.daily_pnl.value().round_dp(2),
                            self.preservation.level(),
                            if self.kill_switch_active() {
                                "ON"
                            } else {
                                "off"
                            }
                        ))
                    }
                    Err(e) => RequestOutcome::Refused(e.to_string()),
                }
            }
        };
        if let RequestOutcome::Refused(why) = &outcome {
            self.raise(
                Severity::Warning,
                AlertKind::System,
                None,
                format!("operator request {} refused: {why}{when}", request.id),
                now,
            );
        }
        self.persist(&request.event_id(), now).await?;
        Ok(outcome)
    }

    /// Records that a job run outside the engine (e.g. the runtime's daily report) failed:
    /// a `job_ran` event with the error and a WARNING alert (which reaches the notifier),
    /// persisted as one batch. Trading goes on; the operator is told.
    pub async fn record_job_failure(
        &mut self,
        job: &str,
        scheduled_for: Timestamp,
        error: &str,
    ) -> Result<(), EngineError> {
        let now = self.clock.now();
        self.events.clear();
        self.closed.clear();
        self.events.push(AuditEvent::JobRan {
            job: job.to_string(),
            scheduled_for,
            started_at: now,
            finished_at: now,
            outcome: JobOutcome::Failed {
                error: error.to_string(),
            },
        });
        self.raise(
            Severity::Warning,
            AlertKind::System,
            None,
            format!("job {job} failed: {error}"),
            now,
        );
        self.persist(&format!("job_failed:{job}:{}", now.timestamp_micros()), now)
            .await
    }

    /// Raises an alert outside the market flow (e.g. the runtime found the store's files
    /// gone) and persists it at once as batch `event_id`, with the current state.
    pub async fn record_alert(
        &mut self,
        severity: Severity,
        kind: AlertKind,
        message: String,
        event_id: &str,
    ) -> Result<(), EngineError> {
        let now = self.clock.now();
        self.events.clear();
        self.closed.clear();
        self.raise(severity, kind, None, message, now);
        self.persist(event_id, now).await
    }

    /// Records a session start or end (or any other event outside the market flow)
    /// as its own batch at `at` (the caller's wall clock: a replay's simulated clock
    /// has not started yet), with the current state.
    pub async fn record_session_event(
        &mut self,
        event_id: &str,
        event: AuditEvent,
        at: Timestamp,
    ) -> Result<(), EngineError> {
        let now = at;
        self.events.clear();
        self.events.push(event);
        self.persist(event_id, now).await
    }

    /// Feeds a market event that a previous session already processed to the
    /// strategies only, so that their indicators are warm after a restart. Nothing
    /// is traded, recorded or counted.
    pub fn warm_up(&mut self, event: &MarketEvent) {
        if let MarketEvent::Candle(candle) = event {
            self.warm_candle(candle);
        }
    }

    /// One candle to the shadow collector's market context and to its symbol's
    /// strategies, whose signals are dropped; returns how many were dropped.
    fn warm_candle(&mut self, candle: &domain::Candle) -> u64 {
        if let Some(shadow) = &mut self.shadow {
            shadow.observe(candle);
        }
        let Some(list) = self.strategies.get_mut(candle.symbol()) else {
            return 0;
        };
        let mut discarded = 0;
        for strategy in list.iter_mut() {
            if strategy.on_candle(candle).is_some() {
                discarded += 1;
            }
        }
        discarded
    }

    /// Capital preservation and the automatic daily-loss kill switch, after P&L moved.
    fn after_pnl_change(&mut self, now: Timestamp) {
        if self.settings.guardrails != Guardrails::On {
            return;
        }
        // Nothing below changes the portfolio: value it once.
        let equity = self.portfolio.equity();
        // Same figures as last time at NORMAL: neither verdict can change.
        if self.update_preservation(equity, now) {
            self.check_daily_loss(equity, now);
        }
    }

    /// The daily-loss limit in money: `risk.max_daily_loss_pct` of the day's starting equity.
    fn daily_loss_limit(&self, day_start_equity: Decimal) -> Decimal {
        day_start_equity * self.gate.config().max_daily_loss_pct / Decimal::ONE_HUNDRED
    }

    /// Trips the kill switch (automatic source) when today's loss, at `equity`, reaches
    /// the configured maximum daily loss of the day's starting equity.
    fn check_daily_loss(&mut self, equity: domain::Money, now: Timestamp) {
        if self.kill_switch.stored().is_some() {
            return;
        }
        let daily = (equity - self.portfolio.day_start_equity()).value();
        if daily >= Decimal::ZERO {
            return;
        }
        let start = self.portfolio.day_start_equity().value();
        let limit = self.daily_loss_limit(start);
        if -daily < limit {
            return;
        }
        let detail = format!(
            "daily loss {} reached the limit {} ({}% of {})",
            (-daily).round_dp(2),
            limit.round_dp(2),
            self.gate.config().max_daily_loss_pct,
            start.round_dp(2)
        );
        if let Some(event) =
            self.kill_switch
                .trigger(KillSwitchTrigger::DailyLossBreach, detail.clone(), now)
        {
            self.events.push(event);
            self.raise(
                Severity::Critical,
                AlertKind::KillSwitch,
                None,
                format!("kill switch activated: {detail}"),
                now,
            );
        }
    }

    /// The portfolio.
    pub fn portfolio(&self) -> &Portfolio {
        &self.portfolio
    }
    /// The capital-preservation state machine.
    pub fn preservation(&self) -> &CapitalPreservation {
        &self.preservation
    }
    /// The turnover governor.
    pub fn governor(&self) -> &TurnoverGovernor {
        &self.governor
    }
    /// The stored kill-switch flag.
    pub fn kill_switch(&self) -> &KillSwitch {
        &self.kill_switch
    }
    /// The file and environment sources as last set.
    pub fn kill_switch_inputs(&self) -> &KillSwitchInputs {
        &self.kill_inputs
    }
    /// True when any kill-switch source is active.
    pub fn kill_switch_active(&self) -> bool {
        self.kill_switch.is_active(&self.kill_inputs)
    }
    /// Counters of this session.
    pub fn summary(&self) -> SessionSummary {
        let mut summary = self.summary.clone();
        summary.end_equity = self.portfolio.equity();
        summary.realized_pnl = self.portfolio.realized_pnl();
        summary.fees_paid = self.portfolio.fees_paid();
        summary.jobs_run = self
            .scheduler
            .runs()
            .map(|(name, runs)| (name.to_string(), runs))
            .collect();
        summary
    }
    /// Audit events produced by the last call to [`Engine::on_event`].
    pub fn last_events(&self) -> &[AuditEvent] {
        &self.events
    }
    /// Round trips closed by the last call to [`Engine::on_event`].
    pub fn last_closed_trades(&self) -> &[ClosedTrade] {
        &self.closed
    }
    /// Orders still working at the venue.
    pub fn working_orders(&self) -> impl Iterator<Item = &Order> {
        self.working.values()
    }
    /// Time of the last market event processed.
    pub fn last_event_at(&self) -> Option<Timestamp> {
        self.summary.last_event_at
    }
    /// Orders sent to the venue in this session.
    pub fn orders_submitted(&self) -> u64 {
        self.summary.orders_submitted
    }
    /// Market events processed in this session.
    pub fn events_processed(&self) -> u64 {
        self.summary.events
    }
    /// When the heartbeat job last ran.
    pub fn last_heartbeat(&self) -> Option<Timestamp> {
        self.last_heartbeat
    }
    /// How much engine time may pass without a state snapshot (see
    /// [`EngineSettings::progress_interval`]).
    pub fn set_progress_interval(&mut self, interval: chrono::Duration) {
        self.settings.progress_interval = interval;
    }
    /// The engine clock's time now.
    pub fn clock_now(&self) -> Timestamp {
        self.clock.now()
    }
    /// The store.
    pub fn store(&self) -> &Arc<S> {
        &self.store
    }
    /// The settings.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// Warms the strategies (and the shadow collector's market context) up on history,
    /// before the first live event: each candle of a configured symbol goes to that
    /// symbol's strategies, in the order given, and whatever they signal is discarded.
    /// Nothing else sees these candles: no marking, no guardrail, no order, no fill.
    ///
    /// A live feed starts with cold indicators (a 30-bar SMA needs 30 closed candles
    /// before its first opinion); the runtime fetches the latest closed candles over REST
    /// and passes them here. One INFO alert per warmed symbol records, in the audit
    /// trail, how many candles and which period its strategies saw, and how many
    /// signals were discarded. Returns the number of candles used.
    pub async fn warm_up_history(
        &mut self,
        candles: impl IntoIterator<Item = domain::Candle>,
    ) -> Result<u64, EngineError> {
        struct Seen {
            candles: u64,
            discarded: u64,
            first: Timestamp,
            last: Timestamp,
        }
        let mut seen: BTreeMap<Symbol, Seen> = BTreeMap::new();
        for candle in candles {
            if !self.strategies.contains_key(candle.symbol()) {
                continue;
            }
            let discarded = self.warm_candle(&candle);
            let at = candle.close_time();
            let entry = seen.entry(candle.symbol().clone()).or_insert(Seen {
                candles: 0,
                discarded: 0,
                first: at,
                last: at,
            });
            entry.candles += 1;
            entry.discarded += discarded;
            entry.last = at;
        }
        if seen.is_empty() {
            return Ok(0);
        }
        let now = self.clock.now();
        self.events.clear();
        let mut total = 0;
        for (symbol, s) in seen {
            total += s.candles;
            self.raise(
                Severity::Info,
                AlertKind::System,
                Some(symbol.clone()),
                format!(
                    "strategies for {symbol} warmed up on {} historical candles closed {} to {}; {} signals from the history were discarded",
                    s.candles,
                    s.first.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    s.last.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    s.discarded
                ),
                now,
            );
        }
        self.persist(&format!("warm_up:{}", now.timestamp_micros()), now)
            .await?;
        Ok(total)
    }

    /// Runs one market event through the whole pipeline and persists what it produced.
    pub async fn on_event(&mut self, event: MarketEvent) -> Result<(), EngineError> {
        let now = self.clock.now();
        self.events.clear();
        self.closed.clear();
        let symbol = event.symbol();
        self.summary.events += 1;
        self.day.events += 1;
        self.summary.first_event_at.get_or_insert(now);
        self.summary.last_event_at = Some(now);

        if let Some(id) = self.unresolved.get(symbol).cloned() {
            self.resolve_unknown(symbol, id, now).await?;
        }

        // Step 8 (fills of earlier orders): a simulated venue fills at this bar's open.
        let fills = self.venue.observe_market(&event);
        for fill in fills {
            self.apply_fill(fill, now).await?;
        }

        // A market order still working after the venue saw this bar may have expired
        // (e.g. a quote budget too small for the filters): ask the venue.
        if self
            .working
            .values()
            .any(|o| o.symbol == *symbol && o.order_type == OrderType::Market)
        {
            self.refresh_working_market_orders(symbol, now).await?;
        }

        // Step 1: mark to market (and close a paper trade past its horizon).
        self.portfolio.mark(symbol, event.last_price(), now);
        if !self.paper.is_empty() {
            self.paper_expire(symbol, event.last_price(), now);
        }
        match self.last_data.get_mut(symbol) {
            Some(t) => *t = now,
            None => {
                self.last_data.insert(symbol.clone(), now);
            }
        }

        // Step 4 (context): the shadow collector's market context and due resolutions.
        if let Some(message) = self.venue_notice.take() {
            self.raise(Severity::Warning, AlertKind::Execution, None, message, now);
        }
        self.shadow_market(&event, now);

        // Step 2: capital preservation (and the automatic daily-loss kill switch), then
        // the account rules (a breach trips the kill switch and may flatten).
        self.after_pnl_change(now);
        if self.account_rules.is_some() && self.observe_account(now).is_some() {
            self.flatten_after_breach(now).await?;
        }

        // Step 3: strategies.
        if let MarketEvent::Candle(candle) = &event
            && let Some(list) = self.strategies.get_mut(symbol)
        {
            for strategy in list.iter_mut() {
                if let Some(signal) = strategy.on_candle(candle) {
                    self.signals.push(signal);
                }
            }
        }
        if !self.signals.is_empty() {
            let signals = std::mem::take(&mut self.signals);
            for signal in &signals {
                self.handle_signal(signal, now).await?;
            }
            self.signals = signals;
            self.signals.clear();
        }

        self.run_due_jobs(now);
        self.record_risk_book(now);

        // A batch when the event produced something, changed an order, or when no state was
        // saved for `progress_interval` of engine time (so that a resume after a quiet
        // stretch does not replay it again).
        let progress_due = self.settings.persist_state
            && self
                .last_snapshot_at
                .is_none_or(|t| now - t >= self.settings.progress_interval);
        if !self.events.is_empty() || !self.order_changes.is_empty() || progress_due {
            // `<symbol>:<candle|trade>:<event time in µs>`, written without `format!`
            // (this runs for every event that produced audit events).
            let kind = match event {
                MarketEvent::Candle(_) => "candle",
                MarketEvent::Trade(_) => "trade",
            };
            let mut micros = itoa::Buffer::new();
            let micros = micros.format(event.event_time().timestamp_micros());
            let mut id =
                String::with_capacity(symbol.as_str().len() + kind.len() + 2 + micros.len());
            id.push_str(symbol.as_str());
            id.push(':');
            id.push_str(kind);
            id.push(':');
            id.push_str(micros);
            self.persist(&id, now).await?;
        }
        Ok(())
    }

    /// Capital preservation at the portfolio's current `equity`. Returns false when it
    /// skipped the update because nothing it reads changed.
    fn update_preservation(&mut self, equity: domain::Money, now: Timestamp) -> bool {
        // At NORMAL nothing can recover, so identical figures give an identical verdict:
        // skip the update while flat and nothing changed (most bars of a backtest).
        let key = (
            equity,
            self.portfolio.day_start_equity(),
            self.portfolio.consecutive_losses(),
        );
        if self.preservation.level() == domain::PreservationLevel::Normal
            && self.preservation_unchanged == Some(key)
        {
            return false;
        }
        // The figures moved (a position is open), but not enough to change the level:
        // check the band of equities that change nothing, made afresh when the peak, the
        // day start or the machine moved on.
        let (equity, day_start, losses) = key;
        let peak = self.portfolio.peak_equity();
        let holds = |engine: &Self| {
            engine.settled.as_ref().is_some_and(|band| {
                engine
                    .preservation
                    .is_settled(band, equity, peak, day_start, losses, now)
            })
        };
        let mut settled = holds(self);
        if !settled {
            self.settled = self.preservation.settled_band(peak, day_start);
            settled = holds(self);
        }
        if settled {
            self.preservation_unchanged = Some(key);
            return true;
        }
        let snapshot = self.portfolio.snapshot();
        let inputs = PreservationInputs::from_snapshot(&snapshot, now);
        let change = self.preservation.update(&inputs);
        self.preservation_unchanged = change.is_none().then_some(key);
        if let Some(change) = change {
            let severity = if change.to > change.from {
                if change.to.blocks_entries() {
                    Severity::Critical
                } else {
                    Severity::Warning
                }
            } else {
                Severity::Info
            };
            let message = format!(
                "capital preservation {} -> {} (drawdown {}, equity {})",
                change.from,
                change.to,
                change.drawdown,
                change.equity.value().round_dp(2)
            );
            self.summary.level_transitions.push(Transition {
                from: change.from,
                to: change.to,
                at: now,
            });
            self.events
                .push(capital_preservation::to_audit_event(&change));
            self.raise(severity, AlertKind::LevelChanged, None, message, now);
        }
        true
    }

    async fn handle_signal(&mut self, signal: &Signal, now: Timestamp) -> Result<(), EngineError> {
        SessionSummary::bump(&mut self.summary.signals_by_tier, signal.tier.as_str());
        self.events.push(AuditEvent::SignalGenerated {
            signal: signal.clone(),
        });
        if signal.tier == Tier::High {
            self.raise(
                Severity::Info,
                AlertKind::HighTierSignal,
                Some(signal.symbol.clone()),
                format!(
                    "high-tier {} {} signal from {} (confidence {})",
                    signal.symbol,
                    signal.side.as_str(),
                    signal.strategy,
                    signal.confidence
                ),
                now,
            );
        }

        if signal.is_exit {
            self.paper_exit(signal);
        }
        let advice = self.shadow_advice(signal, now);
        let verdict = self.decide(signal, now).await?;
        if let Some(advice) = advice {
            self.shadow_record(signal, advice, verdict, now);
        }
        Ok(())
    }

    /// Steps 5-8 for one signal: governor, sizing, gate, submit. Returns what was
    /// done, for the shadow record.
    async fn decide(&mut self, signal: &Signal, now: Timestamp) -> Result<Verdict, EngineError> {
        let Some(kind) = self.intent_kind(signal) else {
            self.summary.signals_without_intent += 1;
            return Ok(Verdict::no_intent());
        };

        // The governor looks only at the signal, so it runs before sizing.
        if kind == IntentKind::Entry && self.settings.guardrails == Guardrails::On {
            let request = TurnoverRequest {
                now,
                ..TurnoverRequest::from_signal(signal)
            };
            let decision = self.governor.evaluate(&request);
            if !decision.is_allowed() {
                for r in decision.reasons() {
                    SessionSummary::bump(&mut self.summary.blocks_by_reason, r.code());
                }
                self.summary.blocked_signals += 1;
                let codes = decision
                    .reasons()
                    .iter()
                    .map(|r| r.code().to_string())
                    .collect();
                self.events.push(AuditEvent::TurnoverBlocked {
                    symbol: signal.symbol.clone(),
                    signal: signal.clone(),
                    reasons: decision.reasons().to_vec(),
                });
                return Ok(Verdict {
                    outcome: domain::ActualOutcome::Blocked,
                    reasons: codes,
                    notional: None,
                });
            }
        }

        let Some(intent) = self.intent_for(signal, kind, now) else {
            self.summary.signals_without_intent += 1;
            return Ok(Verdict::no_intent());
        };
        let notional = Some(intent.notional());

        if let Some(pending) = self.unresolved.get(&intent.symbol) {
            let reasons = vec![RejectReason::UnresolvedOrder {
                client_order_id: pending.clone(),
            }];
            return Ok(self.reject(intent, reasons, notional));
        }

        let decision = self.evaluate(intent, now);
        match decision {
            Decision::Rejected { intent, reasons } => Ok(self.reject(intent, reasons, notional)),
            Decision::Approved(approved) => {
                self.summary.approvals += 1;
                let notional = Some(approved.inner().notional());
                self.events.push(AuditEvent::TradeApproved {
                    intent: approved.inner().clone(),
                    adjustments: approved.adjustments().to_vec(),
                });
                if approved.inner().kind == IntentKind::Entry
                    && self.settings.guardrails == Guardrails::On
                {
                    self.governor.record_decision(&approved.inner().symbol, now);
                }
                // A venue refusal means no trade: the shadow record says rejected.
                let refused = self.submit(approved, now).await?;
                Ok(Verdict {
                    outcome: if refused {
                        domain::ActualOutcome::Rejected
                    } else {
                        domain::ActualOutcome::Taken
                    },
                    reasons: if refused {
                        vec!["venue_rejected".to_string()]
                    } else {
                        Vec::new()
                    },
                    notional,
                })
            }
        }
    }

    /// Records a gate rejection; its verdict for the shadow record.
    fn reject(
        &mut self,
        intent: OrderIntent,
        reasons: Vec<RejectReason>,
        notional: Option<domain::Money>,
    ) -> Verdict {
        let codes = reasons.iter().map(|r| r.code().to_string()).collect();
        self.record_rejection(intent, reasons);
        Verdict {
            outcome: domain::ActualOutcome::Rejected,
            reasons: codes,
            notional,
        }
    }

    fn record_rejection(&mut self, intent: OrderIntent, reasons: Vec<RejectReason>) {
        self.paper_follow(&intent, &reasons);
        self.summary.rejected_intents += 1;
        for r in &reasons {
            SessionSummary::bump(&mut self.summary.rejections_by_reason, r.code());
        }
        let at = intent.created_at;
        let burst = self
            .bursts
            .record(at, reasons.iter().map(RejectReason::code).collect());
        let symbol = intent.symbol.clone();
        self.events
            .push(AuditEvent::TradeRejected { intent, reasons });
        if let Some(message) = burst {
            self.raise(
                Severity::Warning,
                AlertKind::RejectionBurst,
                Some(symbol),
                message,
                at,
            );
        }
    }

    fn evaluate(&mut self, intent: OrderIntent, now: Timestamp) -> Decision {
        let snapshot = self.portfolio.snapshot();
        let preservation = match self.settings.guardrails {
            Guardrails::On => PreservationView::new(
                self.preservation.level(),
                self.preservation
                    .allowed_tiers()
                    .into_iter()
                    .collect::<TierSet>(),
            ),
            Guardrails::Off => PreservationView::UNRESTRICTED,
        };
        let ctx = RiskContext {
            now,
            mode: self.settings.mode,
            readiness: self.readiness,
            kill_switch: &self.kill_switch,
            kill_switch_inputs: &self.kill_inputs,
            portfolio: &snapshot,
            position: self.portfolio.position(&intent.symbol),
            last_market_data_at: self.last_data.get(&intent.symbol).copied(),
            preservation,
            filters: self.filters.get(&intent.symbol),
            account_rules: self.account_rules.as_deref(),
        };
        self.gate.evaluate(intent, &ctx)
    }

    /// Whether a signal would become an entry, an exit, or nothing (exit while
    /// flat, entry while a position or an order on the symbol is already open).
    fn intent_kind(&self, signal: &Signal) -> Option<IntentKind> {
        let position = self.portfolio.position(&signal.symbol);
        let working_on_symbol = self.working.values().any(|o| o.symbol == signal.symbol);
        if working_on_symbol {
            return None;
        }
        if signal.is_exit {
            (position?.closing_side() == signal.side).then_some(IntentKind::Exit)
        } else {
            position.is_none().then_some(IntentKind::Entry)
        }
    }

    /// Step 5: sizes the intent for a signal already classified by [`Self::intent_kind`].
    fn intent_for(
        &mut self,
        signal: &Signal,
        kind: IntentKind,
        now: Timestamp,
    ) -> Option<OrderIntent> {
        let stop = self.stop_distance(signal)?;
        let qty = match kind {
            IntentKind::Exit => self.portfolio.position(&signal.symbol)?.qty(),
            IntentKind::Entry => self.entry_qty(signal, stop),
        };
        if qty.is_zero() {
            return None;
        }
        self.seq += 1;
        Some(OrderIntent {
            client_order_id: ClientOrderId::derive(
                &self.settings.run_tag,
                &signal.symbol,
                now,
                self.seq,
            ),
            symbol: signal.symbol.clone(),
            side: signal.side,
            kind,
            order_type: OrderType::Market,
            qty,
            reference_price: signal.price,
            stop_distance: stop,
            confidence: signal.confidence,
            tier: signal.tier,
            strategy: signal.strategy.clone(),
            created_at: now,
            // All-in buys spend the cash at the fill price (the next open), not at this close.
            quote_budget: (kind == IntentKind::Entry
                && signal.side == domain::Side::Buy
                && self.settings.sizing == crate::sizing::Sizing::AllIn)
                .then(|| self.portfolio.cash()),
        })
    }

    /// The size of an entry on `signal` with stop distance `stop`.
    fn entry_qty(&self, signal: &Signal, stop: Price) -> domain::Qty {
        let multiplier = match self.settings.guardrails {
            // A zero multiplier (LOCKDOWN/CRISIS) still sizes at full size so the
            // gate records the veto with its reason instead of a silent no-op.
            Guardrails::On if self.preservation.size_multiplier() > Ratio::ZERO => {
                self.preservation.size_multiplier()
            }
            _ => Ratio::ONE,
        };
        self.settings.sizing.entry_qty(
            self.portfolio.cash(),
            self.portfolio.equity(),
            signal.price,
            stop,
            &self.gate.config().cost_model(),
            multiplier,
        )
    }

    /// The notional the pipeline would size an entry on `signal` at (shadow records of
    /// signals that never became an intent).
    fn pipeline_notional(&self, signal: &Signal) -> domain::Money {
        match self.stop_distance(signal) {
            Some(stop) => signal.price * self.entry_qty(signal, stop),
            None => domain::Money::ZERO,
        }
    }

    fn stop_distance(&self, signal: &Signal) -> Option<Price> {
        signal.stop_distance.or_else(|| {
            Price::new(signal.price.value() * self.settings.default_stop_pct / Decimal::ONE_HUNDRED)
                .ok()
        })
    }

    /// Step 8: write-ahead, submit, and handle the three-valued outcome.
    /// Returns whether the venue refused the order outright (`Rejected`); a confirmed or
    /// unknown outcome is `false` (an unknown order may exist and is resolved later).
    async fn submit(
        &mut self,
        approved: domain::Approved<OrderIntent>,
        now: Timestamp,
    ) -> Result<bool, EngineError> {
        let intent = approved.inner();
        let mut order = Order {
            client_order_id: intent.client_order_id.clone(),
            venue_order_id: None,
            symbol: intent.symbol.clone(),
            side: intent.side,
            order_type: intent.order_type,
            qty: intent.qty,
            filled_qty: domain::Qty::ZERO,
            avg_fill_price: None,
            status: OrderStatus::PendingSubmit,
            created_at: now,
            updated_at: now,
        };
        self.store.put_order(&order).await?;
        self.summary.orders_submitted += 1;
        match self.venue.submit(approved).await {
            SubmitOutcome::Confirmed {
                order: acked,
                fills,
            } => {
                self.execution_failures = 0;
                self.record_order(acked.clone());
                self.events.push(AuditEvent::OrderSubmitted {
                    order: acked.clone(),
                });
                if !acked.status.is_terminal() {
                    self.working.insert(acked.client_order_id.clone(), acked);
                }
                for fill in fills {
                    self.apply_fill(fill, now).await?;
                }
            }
            SubmitOutcome::Rejected(failure) => {
                self.summary.orders_rejected += 1;
                order.status = OrderStatus::Rejected;
                order.updated_at = now;
                self.record_order(order.clone());
                self.execution_failed(&order, failure, now);
                return Ok(true);
            }
            SubmitOutcome::Unknown { detail } => {
                self.summary.orders_unknown += 1;
                order.status = OrderStatus::Unknown;
                order.updated_at = now;
                self.record_order(order.clone());
                self.unresolved
                    .insert(order.symbol.clone(), order.client_order_id.clone());
                self.execution_failed(&order, OrderFailure::Unknown { detail }, now);
            }
        }
        Ok(false)
    }

    fn execution_failed(&mut self, order: &Order, failure: OrderFailure, now: Timestamp) {
        self.execution_failures += 1;
        let message = format!(
            "order {} on {} failed: {:?}",
            order.client_order_id, order.symbol, failure
        );
        self.events.push(AuditEvent::OrderFailed {
            client_order_id: order.client_order_id.clone(),
            symbol: order.symbol.clone(),
            failure,
        });
        self.raise(
            Severity::Warning,
            AlertKind::Execution,
            Some(order.symbol.clone()),
            message,
            now,
        );
        if self.execution_failures >= MAX_CONSECUTIVE_EXECUTION_FAILURES
            && let Some(event) = self.kill_switch.trigger(
                KillSwitchTrigger::RepeatedExecutionFailures,
                format!("{} consecutive execution failures", self.execution_failures),
                now,
            )
        {
            self.events.push(event);
            self.raise(
                Severity::Critical,
                AlertKind::KillSwitch,
                None,
                "kill switch activated: repeated execution failures".into(),
                now,
            );
        }
    }

    /// Asks the venue what became of an order whose outcome was unknown.
    async fn resolve_unknown(
        &mut self,
        symbol: &Symbol,
        id: ClientOrderId,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        match self.venue.query(&id).await {
            Ok(Some(order)) => {
                self.unresolved.remove(symbol);
                let fills = self.venue.fills(&id).await.unwrap_or_default();
                self.apply_venue_fills(order, fills, now).await?;
            }
            Ok(None) => {
                // The venue positively does not know the order: it was never placed.
                self.unresolved.remove(symbol);
                if let Some(mut order) = self.order_now(&id).await? {
                    order.status = OrderStatus::Rejected;
                    order.updated_at = now;
                    self.record_order(order);
                }
            }
            Err(_) => {} // Still unknown: keep new exposure on this symbol blocked.
        }
        Ok(())
    }

    /// A market order still working after its venue saw a bar: asks the venue. A terminal
    /// one leaves `working` with the venue's fills not applied yet (a real venue reports them
    /// on request, not through `observe_market`), in the same batch as its new status; when
    /// the fills cannot be read it stays working and is asked about again next event.
    async fn refresh_working_market_orders(
        &mut self,
        symbol: &Symbol,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        let ids: Vec<ClientOrderId> = self
            .working
            .values()
            .filter(|o| &o.symbol == symbol && o.order_type == OrderType::Market)
            .map(|o| o.client_order_id.clone())
            .collect();
        for id in ids {
            let Ok(Some(order)) = self.venue.query(&id).await else {
                continue;
            };
            if !order.status.is_terminal() {
                continue;
            }
            let Ok(fills) = self.venue.fills(&id).await else {
                continue;
            };
            if order.status != OrderStatus::Filled {
                self.events.push(AuditEvent::OrderFailed {
                    client_order_id: id.clone(),
                    symbol: symbol.clone(),
                    failure: OrderFailure::Rejected {
                        venue_code: None,
                        venue_message: format!(
                            "order ended {:?} without a full fill",
                            order.status
                        ),
                    },
                });
            }
            self.apply_venue_fills(order, fills, now).await?;
        }
        Ok(())
    }

    /// Applies a fill once; returns false when it was already applied.
    async fn apply_fill(&mut self, fill: Fill, now: Timestamp) -> Result<bool, EngineError> {
        if !self
            .applied_fills
            .insert((fill.client_order_id.clone(), fill.trade_id.clone()))
        {
            return Ok(false); // already applied (e.g. reported again after a reconnect)
        }
        let was_flat = self.portfolio.position(&fill.symbol).is_none();
        let closed = self.portfolio.apply_fill(&fill)?;
        self.summary.fills += 1;
        if let Some(rules) = &self.account_rules {
            if was_flat && self.portfolio.position(&fill.symbol).is_some() {
                rules.position_opened(fill.ts);
            }
            self.book_due = true;
        }
        if let Some(order) = self.working.get_mut(&fill.client_order_id) {
            let filled = order.filled_qty + fill.qty;
            let prev_notional = order
                .avg_fill_price
                .map_or(Decimal::ZERO, |p| p.value() * order.filled_qty.value());
            let avg = (prev_notional + fill.price.value() * fill.qty.value())
                .checked_div(filled.value())
                .and_then(|a| Price::new(a).ok());
            order.filled_qty = filled;
            order.avg_fill_price = avg.or(order.avg_fill_price);
            order.updated_at = now;
            order.status = if filled >= order.qty {
                OrderStatus::Filled
            } else {
                OrderStatus::PartiallyFilled
            };
            let snapshot = order.clone();
            if snapshot.status.is_terminal() {
                self.working.remove(&fill.client_order_id);
            }
            // Stored with this batch, beside the fill and the position it books.
            self.record_order(snapshot);
        }
        if let Some(trade) = closed {
            self.summary.closed_trades += 1;
            self.day.closed += 1;
            if !trade.is_loss() {
                self.day.wins += 1;
            }
            if self.settings.guardrails == Guardrails::On {
                self.governor
                    .record_trade_outcome(&trade.symbol, trade.is_loss(), now);
            }
            self.closed.push(trade);
        }
        self.events.push(AuditEvent::OrderFilled { fill });
        Ok(true)
    }

    fn run_due_jobs(&mut self, now: Timestamp) {
        let mut due = std::mem::take(&mut self.due);
        self.scheduler.due_into(now, &mut due);
        for job in due.drain(..) {
            if job.id == self.jobs.heartbeat {
                self.last_heartbeat = Some(now);
            } else if Some(job.id) == self.jobs.risk_book {
                self.book_due = true;
            } else if job.id == self.jobs.daily_summary {
                self.daily_summary(job, now);
            }
            self.scheduler.finish(job.id);
        }
        self.due = due;
    }

    /// The daily summary: P&L, trades and win rate, positions vs the limit, daily loss used
    /// vs the limit, kill switch, level, events (feed health), the account rules if any.
    fn daily_summary(&mut self, job: DueJob, now: Timestamp) {
        let snap = self.portfolio.snapshot();
        let limit_pct = self.gate.config().max_daily_loss_pct;
        let limit = self.daily_loss_limit(snap.day_start_equity.value());
        let loss = (-snap.daily_pnl.value()).max(Decimal::ZERO);
        let used = if limit > Decimal::ZERO {
            (loss / limit * Decimal::ONE_HUNDRED).round_dp(1)
        } else {
            Decimal::ZERO
        };
        let win_rate = if self.day.closed > 0 {
            format!(
                "{}%",
                (Decimal::from(self.day.wins) / Decimal::from(self.day.closed)
                    * Decimal::ONE_HUNDRED)
                    .round_dp(1)
            )
        } else {
            "n/a".to_string()
        };
        let account = self
            .account_rules
            .as_ref()
            .and_then(|r| r.risk_book(now))
            .map(|b| {
                format!(
                    ", {} daily-loss utilisation {}%, max-loss utilisation {}%, trading days {}{}",
                    b.phase,
                    b.daily_utilisation_pct.round_dp(1),
                    b.total_utilisation_pct.round_dp(1),
                    b.trading_days,
                    if b.breach.is_some() { ", BREACHED" } else { "" }
                )
            })
            .unwrap_or_default();
        let message = format!(
            "daily summary: equity {}, daily P&L {}, trades closed {} (win rate {}), open positions {}/{}, daily loss used {}% of the {}% limit, drawdown {}, level {}, kill switch {}, market events {}{}",
            snap.equity.value().round_dp(2),
            snap.daily_pnl.value().round_dp(2),
            self.day.closed,
            win_rate,
            snap.open_positions,
            self.gate.config().max_open_positions,
            used,
            limit_pct,
            snap.drawdown,
            self.preservation.level(),
            if self.kill_switch_active() {
                "ON"
            } else {
                "off"
            },
            self.day.events,
            account
        );
        self.day = DayCounters::default();
        self.raise(Severity::Info, AlertKind::System, None, message, now);
        self.events.push(AuditEvent::JobRan {
            job: self.scheduler.name(job.id).to_string(),
            scheduled_for: job.scheduled_for(),
            started_at: now,
            finished_at: now,
            outcome: if job.missed > 0 {
                JobOutcome::Coalesced { missed: job.missed }
            } else {
                JobOutcome::Succeeded
            },
        });
    }

    fn raise(
        &mut self,
        severity: Severity,
        kind: AlertKind,
        symbol: Option<Symbol>,
        message: String,
        now: Timestamp,
    ) {
        self.summary.alerts += 1;
        self.events.push(AuditEvent::AlertRaised {
            alert: Alert {
                severity,
                kind,
                message,
                symbol,
                at: now,
            },
        });
    }

    /// Notes an order's new state, stored with the next batch (the last snapshot of an id
    /// wins), so that its status changes in the same transaction as its fills, the
    /// position and the engine state.
    fn record_order(&mut self, order: Order) {
        match self
            .order_changes
            .iter_mut()
            .find(|o| o.client_order_id == order.client_order_id)
        {
            Some(pending) => *pending = order,
            None => self.order_changes.push(order),
        }
    }

    /// An order as the next batch will store it: a change not stored yet, or the store's.
    pub(super) async fn order_now(&self, id: &ClientOrderId) -> Result<Option<Order>, EngineError> {
        if let Some(order) = self.order_changes.iter().find(|o| &o.client_order_id == id) {
            return Ok(Some(order.clone()));
        }
        Ok(self.store.order(id).await?)
    }

    /// Step 9 and 10: one batch per event to the store, then alerts to the notifier.
    async fn persist(&mut self, event_id: &str, now: Timestamp) -> Result<(), EngineError> {
        if now == Timestamp::MIN_UTC {
            // A trail stamped with the clock's starting point is unreadable by every window.
            self.events.clear();
            self.order_changes.clear();
            return Err(EngineError::ClockNotSet {
                event_id: event_id.to_string(),
            });
        }
        let state = if self.settings.persist_state {
            // The shadow collector's part changes only when a record resolves or a day
            // rolls: saved in those batches only (`Store::latest_state_part` finds it).
            let with_shadow = self.shadow.as_mut().is_none_or(|c| c.take_changed());
            serde_json::to_value(self.state_with_shadow(with_shadow))
                .unwrap_or(serde_json::Value::Null)
        } else {
            serde_json::Value::Null
        };
        let batch = EventBatch {
            event_id: event_id.to_string(),
            at: now,
            events: std::mem::take(&mut self.events),
            state,
            orders: std::mem::take(&mut self.order_changes),
        };
        let stored = self.store.append(&batch).await;
        self.events = batch.events; // kept for `last_events()`
        stored?;
        if self.settings.persist_state {
            self.last_snapshot_at = Some(now);
        }
        if let Some(notifier) = &self.notifier {
            for event in &self.events {
                if let AuditEvent::AlertRaised { alert } = event {
                    // Delivery failures must not stop trading decisions; the alert is in the audit trail.
                    let _ = notifier.notify(alert).await;
                }
            }
        }
        Ok(())
    }
}

/// Who changed the kill switch, for alert texts (`operator ana`, `telegram chat 42`).
/// How far apart the wall time an operator asked at and the engine time a request is
/// applied at may be before the alert names both (a live runtime applies a request
/// within about a second; a replay applies it at data time).
const APPLIED_NOTE_AFTER_SECS: i64 = 60;

/// ` (requested <wall time>, applied at engine time <engine time>)` when the two differ
/// by more than [`APPLIED_NOTE_AFTER_SECS`] (a replay, a request that waited for a
/// runtime), else nothing: a live runtime's alerts read as they always did.
fn applied_note(requested_at: Timestamp, applied_at: Timestamp) -> String {
    if (applied_at - requested_at).num_seconds().abs() <= APPLIED_NOTE_AFTER_SECS {
        return String::new();
    }
    format!(
        " (requested {}, applied at engine time {})",
        requested_at.format("%Y-%m-%dT%H:%M:%SZ"),
        applied_at.format("%Y-%m-%dT%H:%M:%SZ")
    )
}

fn describe_actor(actor: &Actor) -> String {
    match actor {
        Actor::Operator { name } => format!("operator {name}"),
        Actor::Telegram { chat_id } => format!("telegram chat {chat_id}"),
        Actor::Automatic { trigger } => format!("automatic trigger {}", trigger.as_str()),
    }
}

fn kill_switch_error(e: KillSwitchError) -> EngineError {
    EngineError::Invalid(vec![domain::ConfigViolation::new(
        "kill_switch.reason",
        "non-empty",
        e,
    )])
}

/// The gate configuration of a guardrails-off backtest: only the kill switch,
/// exchange filters and (a huge) rate limit remain meaningful.
fn permissive_risk<'a>(base: &RiskConfig, symbols: impl Iterator<Item = &'a Symbol>) -> RiskConfig {
    let allow: Vec<Symbol> = symbols.cloned().collect();
    RiskConfig {
        max_loss_per_trade_pct: Decimal::ONE_HUNDRED,
        max_daily_loss_pct: Decimal::ONE_HUNDRED,
        max_open_positions: usize::MAX / 2,
        cool_down_after_loss_minutes: 0,
        min_confidence: Decimal::ZERO,
        max_orders_per_minute: 1_000_000,
        max_market_data_age_secs: i64::from(u32::MAX),
        symbol_allowlist: if allow.is_empty() {
            base.symbol_allowlist.clone()
        } else {
            allow
        },
        live_trading_enabled: false,
        ..base.clone()
    }
}
