//! One runtime session: config -> store -> venue -> engine -> feed loop -> summary.
//!
//! The default session is a dry-run replay of the bundled demo candles (embedded in the
//! binary, `demo-candles`) on a simulated clock: the same engine, guardrails and store as live, so a newcomer
//! sees the whole guarded pipeline work on a machine with no network.
//!
//! The venue follows the mode: the paper venue (simulated fills) in dry-run, Binance
//! in paper (spot testnet) and live (mainnet) modes, which need `--feed binance` and the
//! API key pair ([`crate::exchange`]). Stored orders that were working or in doubt are
//! reconciled with the venue at start-up and again after every feed reconnect, before
//! the next event.
//!
//! The engine's clock is data time in a replay (a year of candles in seconds) and the
//! wall clock on a live feed (never going backwards), as ARCHITECTURE.md's mode table says.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Duration, NaiveDate};
use domain::ports::{ExecutionVenue, Store, Strategy};
use domain::{
    Actor, AuditEvent, Clock, KillSwitchTrigger, MarketEvent, Readiness, Severity, SimClock,
    Symbol, SystemClock, Timestamp, TradingMode,
};
use engine::{Engine, EngineSettings, RequestOutcome, ResumePoint, SessionSummary};
use paper::{PaperConfig, PaperVenue};
use replay::{MergedCandles, SymbolFile, TimeRange};
use risk_gate::KillSwitchInputs;

use crate::error::RuntimeError;
use crate::exchange::{self, BinanceSession, ExchangeWatch};
use crate::instance::{Heartbeat, write_heartbeat};
use crate::status::{StatusBoard, StatusSnapshot};
use crate::{daily, gather};

impl FeedKind {
    /// Stable name (`replay`, `binance`, `coinbase`).
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Replay => "replay",
            FeedKind::Binance => "binance",
            FeedKind::Coinbase => "coinbase",
        }
    }
}

/// Where market data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// CSV files (the demo data embedded in the binary by default).
    Replay,
    /// Binance public streams (arrives with the Binance adapter).
    Binance,
    /// Coinbase public streams (arrives with the Coinbase adapter).
    Coinbase,
}

/// Everything a session is started with (from flags).
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// dry-run, paper or live.
    pub mode: TradingMode,
    /// `--config FILE`; the embedded default when absent.
    pub config: Option<PathBuf>,
    /// Market-data source.
    pub feed: FeedKind,
    /// `--data FILE|DIR` for replays; the demo data embedded in the binary when absent.
    pub data: Option<PathBuf>,
    /// `--speed X`: replay X times faster than real time; as fast as possible when absent.
    pub speed: Option<f64>,
    /// `--iterations N`: stop after N market events; -1 = until the feed ends (a live feed never does).
    pub iterations: i64,
    /// Directory for the database, PID file, heartbeat and kill-switch file.
    pub data_dir: PathBuf,
    /// The run id (a new one from the wall clock and mode when absent).
    pub run_id: Option<String>,
}

/// What a finished session reports.
#[derive(Debug, Clone)]
pub struct SessionReport {
    /// This session's run id.
    pub run_id: String,
    /// Mode.
    pub mode: TradingMode,
    /// Events skipped because a previous session already processed them.
    pub resumed_past: u64,
    /// Counters.
    pub summary: SessionSummary,
    /// True when a shutdown signal ended the session early.
    pub interrupted: bool,
    /// Notices from loading the configuration (overrides applied or ignored).
    pub notices: Vec<String>,
    /// Reconciliations with the venue after a feed reconnect (live feeds only).
    pub reconnect_reconciliations: u64,
    /// Live candles skipped because the start-up warm-up had already fed them.
    pub warm_up_duplicates: u64,
    /// Exchange-filter changes seen by the refresh (paper and live).
    pub filter_changes: u64,
}

/// The engine as the runtime composes it: any venue, any store, any clock.
pub type RuntimeEngine = Engine<dyn ExecutionVenue, dyn Store, dyn Clock>;

/// The simulated venue of dry-run sessions and of operator commands run without a runtime.
pub fn paper_venue() -> Result<Arc<dyn ExecutionVenue>, RuntimeError> {
    Ok(Arc::new(
        PaperVenue::new(PaperConfig::default()).map_err(|e| RuntimeError::Venue(e.to_string()))?,
    ))
}

/// Builds the engine of a runtime (the session's, or an operator command's when
/// no runtime is running) on `venue` and restores the stored state, if any.
///
/// Returns the engine and which market events the stored state had processed (a
/// resumed session skips them).
pub async fn build_engine(
    mode: TradingMode,
    cfg: &config::RampartConfig,
    run_id: &str,
    symbols: &[Symbol],
    venue: Arc<dyn ExecutionVenue>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> Result<(RuntimeEngine, ResumePoint), RuntimeError> {
    let mut strategies: BTreeMap<Symbol, Vec<Box<dyn Strategy>>> = BTreeMap::new();
    for symbol in symbols {
        // The demo strategy with its default parameters (sma_cross 15/45, docs/strategies.md).
        let s = strategies::build(
            "sma_cross",
            std::iter::empty::<(&str, &str)>(),
            cfg.tiers.thresholds(),
        )
        .map_err(|e| RuntimeError::BadInput(e.to_string()))?;
        strategies.insert(symbol.clone(), vec![s]);
    }
    let mut settings = EngineSettings::new(mode, run_id);
    settings.initial_capital = cfg.portfolio.initial_capital();
    settings.day_boundary = cfg.portfolio.day_boundary();
    settings.tiers = cfg.tiers.thresholds();
    settings.risk = cfg.risk.clone();
    settings.preservation = cfg.capital_preservation.clone();
    settings.turnover = cfg.turnover.clone();
    settings.persist_state = true;
    settings.flatten_on_account_breach = cfg.account.flatten_on_breach;
    let start = clock.now();
    let mut strategy_ids: Vec<domain::StrategyId> = strategies
        .values()
        .flatten()
        .map(|s| s.id().clone())
        .collect();
    strategy_ids.sort();
    strategy_ids.dedup();
    let mut engine: RuntimeEngine = Engine::new(settings, strategies, venue, store.clone(), clock)?;
    if let Some(collector) = crate::shadow::collector(cfg, strategy_ids)? {
        engine = engine.with_shadow(collector);
    }
    if let Some(account) = ftmo::SharedFtmoAccount::from_settings(cfg, start)
        .map_err(|e| RuntimeError::BadInput(format!("[account]: {e}")))?
    {
        engine = engine.with_account_rules(Arc::new(account))?;
    }
    engine
        .load_filters()
        .await
        .map_err(|e| RuntimeError::Venue(e.to_string()))?;
    let mut resume = ResumePoint::default();
    if let Some(state) = gather::stored_state(store.as_ref()).await? {
        resume = ResumePoint::of(&state);
        engine.restore(state)?;
    }
    if engine.shadow().is_some() {
        if let Some(saved) = store.latest_state_part("shadow").await? {
            engine.restore_shadow_state(&saved);
        }
        engine.restore_shadow_pending(store.pending_shadow_decisions().await?);
    }
    Ok((engine, resume))
}

/// Applies every pending operator request, oldest first; returns what became of each.
pub async fn apply_pending_requests(
    engine: &mut RuntimeEngine,
    store: &dyn Store,
) -> Result<Vec<(u64, RequestOutcome)>, RuntimeError> {
    let mut done = Vec::new();
    if engine.clock_now() == Timestamp::MIN_UTC {
        // A replay's clock before its first event: a request applied now would be stamped
        // with the clock's starting point. It waits for the first event to set the clock.
        tracing::debug!("operator requests wait for the engine clock to be set");
        return Ok(done);
    }
    for request in store.pending_requests().await? {
        let outcome = engine.apply_request(&request).await?;
        match &outcome {
            RequestOutcome::Applied(what) => {
                tracing::warn!(request = request.id, actor = ?request.actor, command = ?request.command, "operator request applied: {what}");
            }
            RequestOutcome::Refused(why) => {
                tracing::warn!(request = request.id, actor = ?request.actor, command = ?request.command, "operator request refused: {why}");
            }
        }
        done.push((request.id, outcome));
    }
    Ok(done)
}

/// Live-mode start-up safety (ARCHITECTURE.md section 3): with readiness other
/// than GO, log CRITICAL, activate the kill switch and keep running with trading
/// blocked. Returns true when it blocked trading.
pub async fn live_startup_guard(
    engine: &mut RuntimeEngine,
    report: &readiness::ReadinessReport,
) -> Result<bool, RuntimeError> {
    let verdict = report.live_rollout_readiness();
    engine.set_readiness(verdict);
    if verdict == Readiness::Go {
        return Ok(false);
    }
    let reasons: Vec<String> = report.reasons().iter().map(|r| r.message()).collect();
    let reason = format!(
        "live start-up with readiness {verdict:?}: {}",
        reasons.join("; ")
    );
    tracing::error!(
        severity = "CRITICAL",
        "{reason}; kill switch activated, trading blocked"
    );
    engine
        .kill_switch_on(
            Actor::Automatic {
                trigger: KillSwitchTrigger::LiveNotReady,
            },
            &reason,
        )
        .await?;
    Ok(true)
}

/// Runs a session until the feed ends, `iterations` events were processed, or
/// `stop` is set (SIGINT/SIGTERM: the current event is finished and flushed first).
pub async fn run_session(
    opts: &SessionOptions,
    loaded: config::Loaded,
    store: Arc<dyn Store>,
    board: Arc<StatusBoard>,
    stop: Arc<AtomicBool>,
) -> Result<SessionReport, RuntimeError> {
    run_session_with(opts, loaded, store, board, stop, None, None).await
}

/// [`run_session`] whose engine also hands every alert to `notifier` (e.g. Telegram),
/// after the alert is in the audit trail, and which checks at every heartbeat that it
/// still holds the account's trading lock `owner`.
pub async fn run_session_with(
    opts: &SessionOptions,
    loaded: config::Loaded,
    store: Arc<dyn Store>,
    board: Arc<StatusBoard>,
    stop: Arc<AtomicBool>,
    notifier: Option<Arc<dyn domain::ports::Notifier>>,
    owner: Option<&crate::ownership::StoreOwner>,
) -> Result<SessionReport, RuntimeError> {
    check_options(opts)?;
    let cfg = loaded.config;
    let (mut source, symbols, binance) = open_source(opts, &cfg)?;
    let feed = opts.feed.as_str();
    let venue: Arc<dyn ExecutionVenue> = match binance.as_ref().and_then(|b| b.venue.clone()) {
        Some(venue) => venue,
        None => paper_venue()?,
    };
    let mut watch = binance
        .as_ref()
        .map_or_else(ExchangeWatch::none, ExchangeWatch::binance);

    let wall = SystemClock;
    let run_id = opts
        .run_id
        .clone()
        .unwrap_or_else(|| new_run_id(opts.mode, &wall));
    let sim = Arc::new(SimClock::new(Timestamp::MIN_UTC));
    let (engine, resume) = build_engine(
        opts.mode,
        &cfg,
        &run_id,
        &symbols,
        venue,
        store.clone(),
        sim.clone(),
    )
    .await?;
    let mut engine = match notifier {
        Some(n) => engine.with_notifier(n),
        None => engine,
    };
    let resume_after = resume.last_event_at;
    if let Some(t) = resume_after {
        // Operator requests applied while no runtime ran were stamped at this time.
        sim.advance_to(t)
            .map_err(|e| RuntimeError::BadInput(format!("stored state is from the future: {e}")))?;
    }
    let live_feed = matches!(source, Source::Live(_));
    if !live_feed {
        // A replay runs a quiet half hour of data in about a millisecond: re-running one
        // after a crash costs nothing, while a snapshot every 5 data minutes would more
        // than double its commits (docs/performance.md). A live feed keeps 5 minutes.
        engine.set_progress_interval(REPLAY_PROGRESS_INTERVAL);
    }
    // The first event of a replay, read ahead: what happens before it (reconciliation,
    // operator requests queued while no runtime ran) is stamped with its time on a fresh
    // store, never with the clock's starting point.
    let mut read_ahead: Option<Next> = None;
    if live_feed {
        // What happens before the first event (reconciliation, the live start-up guard) is
        // stamped with the wall clock, not the clock's starting point.
        step_clock(&sim, true, wall.now(), wall.now())?;
    } else if resume_after.is_none() {
        let next = source.next().await?;
        if let Next::Event(event) = &next {
            step_clock(&sim, false, event.event_time(), wall.now())?;
        }
        read_ahead = Some(next);
    }
    // Orders that were working or in doubt when the last session stopped: checked
    // against the venue before any event (and before new orders are allowed).
    let reconciled = engine.reconcile().await?;
    if reconciled.needs_attention() {
        tracing::warn!(
            checked = reconciled.checked,
            not_found = reconciled.not_found,
            unresolved = reconciled.unresolved,
            "start-up reconciliation: {reconciled}"
        );
    } else {
        tracing::info!(
            checked = reconciled.checked,
            "start-up reconciliation: {reconciled}"
        );
    }
    tracing::info!(
        symbols = ?symbols.iter().map(Symbol::as_str).collect::<Vec<_>>(),
        data = (opts.feed == FeedKind::Replay).then(|| replay_description(opts.data.as_deref())),
        resume_after = ?resume_after,
        "session started"
    );

    // The exchange's clock and the API key's permissions, for readiness (paper and live).
    if let Some(health) = watch.check_venue(wall.now()).await {
        tracing::info!(
            venue = %health.name,
            clock_offset_ms = ?health.clock_offset_ms,
            max_clock_offset_ms = health.max_clock_offset_ms,
            can_trade = ?health.can_trade,
            can_withdraw = ?health.can_withdraw,
            "venue health checked"
        );
    }

    // A live feed's strategies start from the latest closed candles instead of cold, and
    // the exchange filters the gate checks against are Binance's (paper and live).
    let warmed = match &binance {
        Some(b) => exchange::warm_up(&mut engine, &b.rest, &symbols, wall.now()).await?,
        None => BTreeMap::new(),
    };
    let mut already_seen = 0u64;
    watch
        .refresh_filters_if_due(&mut engine, &symbols, wall.now())
        .await?;

    let kill_file = kill_file(&cfg, &opts.data_dir);
    if KillSwitchEnv::of(&cfg.kill_switch.env_var) == KillSwitchEnv::Unrecognised {
        let warning = format!(
            "{} is set to a value that is neither on (1, true, yes, on) nor off (0, false, no, off): the kill switch is engaged until it is one of those",
            cfg.kill_switch.env_var
        );
        tracing::warn!("{warning}");
        eprintln!("warning: {warning}");
    }
    engine.set_kill_switch_inputs(kill_switch_inputs(&kill_file, &cfg.kill_switch.env_var));
    if opts.mode == TradingMode::Live {
        // Live mode runs on a live feed, whose engine clock is the wall clock.
        let report = gather::evaluate_with_venue(
            store.as_ref(),
            &cfg,
            opts.mode,
            crate::engine_time::EngineNow::wall(wall.now()),
            engine.kill_switch_inputs(),
            watch.health().as_ref(),
        )
        .await?;
        live_startup_guard(&mut engine, &report).await?;
    }
    let started_at = wall.now();
    engine
        .record_session_event(
            &format!("session_started:{run_id}:{}", started_at.timestamp_micros()),
            AuditEvent::SessionStarted {
                run_id: run_id.clone(),
                mode: opts.mode.as_str().to_string(),
                feed: feed.to_string(),
                at: started_at,
            },
            started_at,
        )
        .await?;
    apply_pending_requests(&mut engine, store.as_ref()).await?;
    let surfaces = Surfaces {
        store: store.as_ref(),
        board: &board,
        opts,
        run_id: &run_id,
        feed,
        owner,
        file_failures: std::cell::Cell::new(0),
    };
    // Status, heartbeat and operator surfaces have something to show from the start.
    beat(&mut engine, &surfaces, &watch, wall.now()).await?;

    let mut processed: i64 = 0;
    let mut resumed_past = 0u64;
    let mut last_beat: Option<Timestamp> = None;
    let mut first_event: Option<(Timestamp, Timestamp)> = None;
    let mut interrupted = false;
    let mut report_day: Option<NaiveDate> = None;
    let mut weekly_due: Option<shadow_collector::weekly::ReportWeek> = None;
    let mut reports_written = 0u32;
    let mut feed_ended = false;

    loop {
        if stop.load(Ordering::SeqCst) {
            interrupted = true;
            break;
        }
        if opts.iterations >= 0 && processed >= opts.iterations {
            break;
        }
        let next = match read_ahead.take() {
            Some(next) => next,
            None => source.next().await?,
        };
        // The feed reconnected: what was working or in doubt at the venue is reconciled
        // before the next event can place an order.
        watch.after_reconnect(&mut engine, wall.now()).await?;
        let event = match next {
            Next::Event(event) => event,
            Next::End => {
                feed_ended = true;
                break;
            }
            Next::Idle => {
                // A live feed between candles: requests, heartbeat and status go on.
                let now = wall.now();
                watch.upkeep(&mut engine, &symbols, now).await?;
                beat(&mut engine, &surfaces, &watch, now).await?;
                last_beat = Some(now);
                continue;
            }
        };
        let at = event.event_time();
        // A candle the warm-up already fed to the strategies (it closed between the REST
        // read and the stream's first frame).
        if let MarketEvent::Candle(c) = &event
            && warmed.get(c.symbol()).is_some_and(|&t| c.close_time() <= t)
        {
            already_seen += 1;
            tracing::debug!(symbol = %c.symbol(), at = %c.close_time(), "candle already seen by the warm-up: skipped");
            continue;
        }
        if resume.processed(event.symbol(), at) {
            engine.warm_up(&event);
            resumed_past += 1;
            continue;
        }
        if let Some(speed) = opts.speed {
            pace(&mut first_event, at, speed, &wall).await;
        }
        // The first event of the session, or a new UTC day on the engine clock: the daily
        // reports due (days the store has events for and no final report of, the one that
        // just ended included) are written, and so is every weekly report due but the
        // latest, which waits for its records to resolve (below, after the event). Derived
        // from the store, so a stop or crash in between loses none and writes none twice.
        let day = at.date_naive();
        if report_day.is_none_or(|prev| day > prev) {
            // Generated at the time the engine clock is about to step to (data time in a
            // replay), so a replay's report ages, and is final, on the replay's clock.
            let generated_at = if live_feed { wall.now() } else { at };
            reports_written += write_due_daily(
                &mut engine,
                store.as_ref(),
                &cfg,
                opts,
                feed,
                day,
                generated_at,
            )
            .await?;
            if cfg.shadow.enabled {
                for week in due_weeks(store.as_ref(), day).await? {
                    match weekly_due {
                        Some(w) if w == week => {}
                        Some(w) if w.end() > week.end() => {
                            write_weekly(&mut engine, store.as_ref(), &cfg, opts, week, wall.now())
                                .await?;
                        }
                        Some(earlier) => {
                            write_weekly(
                                &mut engine,
                                store.as_ref(),
                                &cfg,
                                opts,
                                earlier,
                                wall.now(),
                            )
                            .await?;
                            weekly_due = Some(week);
                        }
                        None => weekly_due = Some(week),
                    }
                }
            }
        }
        report_day = Some(day);
        step_clock(&sim, live_feed, at, wall.now())?;
        engine.set_kill_switch_inputs(kill_switch_inputs(&kill_file, &cfg.kill_switch.env_var));
        let submitted = engine.orders_submitted();
        let started = stopwatch();
        engine.on_event(event).await?;
        // The due weekly report, once every record of its week has resolved (or twice the
        // horizon after the week, for a symbol whose prices stopped).
        if let Some(week) = weekly_due {
            let horizon = Duration::minutes(i64::from(cfg.shadow.horizon_minutes));
            let settled = engine
                .shadow()
                .is_none_or(|c| c.pending().iter().all(|d| d.at >= week.end()));
            if settled || at >= week.end() + horizon * 2 {
                write_weekly(&mut engine, store.as_ref(), &cfg, opts, week, wall.now()).await?;
                weekly_due = None;
            }
        }
        if engine.orders_submitted() > submitted {
            // Decision to venue acknowledgement: the event that produced the order.
            http_api::record_order_latency(started.elapsed().as_secs_f64());
        }
        if !engine.last_events().is_empty() {
            log_events(&engine);
        }
        processed += 1;
        let now = wall.now();
        if last_beat.is_none_or(|t| now - t >= Duration::seconds(1)) {
            watch.upkeep(&mut engine, &symbols, now).await?;
            beat(&mut engine, &surfaces, &watch, now).await?;
            last_beat = Some(now);
        }
    }
    let now = wall.now();
    beat(&mut engine, &surfaces, &watch, now).await?;
    // The feed ended: a weekly report still due is written with what resolved. A session
    // stopped before (signal, `--iterations`) leaves it to the next one, which derives it
    // from the store and waits for its records.
    if feed_ended && let Some(week) = weekly_due {
        write_weekly(&mut engine, store.as_ref(), &cfg, opts, week, wall.now()).await?;
    }
    let summary = engine.summary();
    let ended_at = wall.now();
    engine
        .record_session_event(
            &format!("session_ended:{run_id}:{}", ended_at.timestamp_micros()),
            AuditEvent::SessionEnded {
                run_id: run_id.clone(),
                events: summary.events,
                interrupted,
                at: ended_at,
            },
            ended_at,
        )
        .await?;
    tracing::info!(
        events = summary.events,
        reports_written,
        interrupted,
        "session ended"
    );
    Ok(SessionReport {
        run_id,
        mode: opts.mode,
        resumed_past,
        summary,
        interrupted,
        notices: loaded.notices,
        reconnect_reconciliations: watch.reconciliations(),
        warm_up_duplicates: already_seen,
        filter_changes: watch.filter_changes(),
    })
}

/// The longest stretch of engine time a replay goes without a state snapshot.
const REPLAY_PROGRESS_INTERVAL: Duration = Duration::minutes(30);

/// How many days back the runtime looks for daily reports it owes (a runtime stopped for
/// longer writes the recent ones; `runtime report daily --date D` writes any other).
const DAILY_LOOK_BACK_DAYS: i64 = 7;
/// How many ISO weeks back the runtime looks for weekly reports it owes.
const WEEKLY_LOOK_BACK: u32 = 4;

/// Writes the daily report of every day before `today` (at most a week back) that the
/// store has events for and no final report of (one generated after the day ended, on the
/// engine clock), oldest first, stamped `generated_at`; returns how many were written. A
/// failed report is recorded and alerted; the session goes on.
async fn write_due_daily(
    engine: &mut RuntimeEngine,
    store: &dyn Store,
    cfg: &config::RampartConfig,
    opts: &SessionOptions,
    feed: &str,
    today: NaiveDate,
    generated_at: Timestamp,
) -> Result<u32, RuntimeError> {
    let stored = store
        .daily_reports(u32::try_from(DAILY_LOOK_BACK_DAYS).unwrap_or(7) + 1)
        .await?;
    let midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let is_final = |d: NaiveDate| {
        stored
            .iter()
            .any(|r| r.date == d && r.generated_at >= midnight(d) + Duration::days(1))
    };
    let latest_final = stored
        .iter()
        .filter(|r| r.generated_at >= midnight(r.date) + Duration::days(1))
        .map(|r| r.date)
        .max();
    let mut day = today - Duration::days(DAILY_LOOK_BACK_DAYS);
    if let Some(latest) = latest_final
        && latest >= day
    {
        day = latest + Duration::days(1);
    }
    let mut written = 0;
    while day < today {
        let (from, to) = (midnight(day), midnight(day) + Duration::days(1));
        if !is_final(day) && !store.events_between(from, to).await?.is_empty() {
            let report = daily::build(
                store,
                day,
                opts.mode.as_str(),
                feed,
                &cfg.shadow,
                generated_at,
            )
            .await;
            let published = match report {
                Ok(report) => daily::publish(store, &opts.data_dir, &report)
                    .await
                    .map(|path| (report, path)),
                Err(e) => Err(e.into()),
            };
            match published {
                Ok((report, path)) => {
                    written += 1;
                    tracing::info!(date = %day, health = %report.overall_health, path = %path.display(), "daily report written");
                }
                Err(e) => {
                    tracing::error!(date = %day, "daily report failed: {e}");
                    engine
                        .record_job_failure("daily_report", to, &e.to_string())
                        .await?;
                }
            }
        }
        day += Duration::days(1);
    }
    Ok(written)
}

/// The ISO weeks before the week of `today` (at most [`WEEKLY_LOOK_BACK`] back) with shadow
/// decisions and no stored weekly report, oldest first.
async fn due_weeks(
    store: &dyn Store,
    today: NaiveDate,
) -> Result<Vec<shadow_collector::weekly::ReportWeek>, RuntimeError> {
    let Some(current) = shadow_collector::weekly::ReportWeek::containing(
        today.and_time(chrono::NaiveTime::MIN).and_utc(),
    ) else {
        return Ok(Vec::new());
    };
    let stored = store.weekly_reports(WEEKLY_LOOK_BACK + 1).await?;
    let mut due = Vec::new();
    let mut week = current;
    for _ in 0..WEEKLY_LOOK_BACK {
        let Some(previous) = week.previous() else {
            break;
        };
        week = previous;
        let reported = stored
            .iter()
            .any(|r| r.year == week.year() && r.week == week.week());
        if !reported
            && store
                .shadow_counts(week.start(), week.end())
                .await?
                .in_range
                > 0
        {
            due.push(week);
        }
    }
    due.reverse();
    Ok(due)
}

/// Writes the weekly shadow report of `week` (stored, JSON, Markdown and chart under
/// `<data_dir>/reports/`). A failure is recorded and alerted; the session goes on.
async fn write_weekly(
    engine: &mut RuntimeEngine,
    store: &dyn domain::ports::Store,
    cfg: &config::RampartConfig,
    opts: &SessionOptions,
    week: shadow_collector::weekly::ReportWeek,
    now: Timestamp,
) -> Result<(), RuntimeError> {
    let reports = opts.data_dir.join("reports");
    let written = match crate::weekly::build(store, cfg, week, now).await {
        Ok(weekly) => crate::weekly::publish(
            store,
            &opts.data_dir,
            &reports,
            &weekly,
            &cfg.shadow.primary_advisor,
        )
        .await
        .map(|_| weekly.evidence.summary.overall_edge_positive),
        Err(e) => Err(e),
    };
    match written {
        Ok(edge) => {
            tracing::info!(week = %week, edge_positive = edge, "weekly shadow report written");
        }
        Err(e) => {
            tracing::error!(week = %week, "weekly shadow report failed: {e}");
            engine
                .record_job_failure("weekly_shadow_report", week.end(), &e.to_string())
                .await?;
        }
    }
    Ok(())
}

/// Where a session's market events come from.
pub enum Source {
    /// Candle files merged in time order, read as fast as the loop asks.
    Replay(MergedCandles),
    /// A live feed running in its own task (reconnects and backfill are its business),
    /// handing events over a channel so that waiting for one can be interrupted.
    Live(tokio::sync::mpsc::Receiver<Result<MarketEvent, domain::ports::FeedError>>),
}

/// What [`Source::next`] found.
pub enum Next {
    /// The next market event.
    Event(MarketEvent),
    /// Nothing for a second (live feeds only).
    Idle,
    /// The source is exhausted (replays only).
    End,
}

impl Source {
    /// The next event; a live feed answers [`Next::Idle`] after a second without one.
    /// A live feed's transport or parse error is logged and the session goes on (the feed
    /// recovers by itself); a replay's bad row stops the session with `file:line`.
    pub async fn next(&mut self) -> Result<Next, RuntimeError> {
        match self {
            Source::Replay(candles) => match candles.next() {
                Some(candle) => Ok(Next::Event(MarketEvent::Candle(candle?))),
                None => Ok(Next::End),
            },
            Source::Live(rx) => {
                let idle = tokio::time::sleep(std::time::Duration::from_secs(1));
                tokio::select! {
                    received = rx.recv() => match received {
                        Some(Ok(event)) => Ok(Next::Event(event)),
                        Some(Err(e)) => {
                            tracing::warn!("market-data feed: {e}");
                            Ok(Next::Idle)
                        }
                        None => Ok(Next::End),
                    },
                    () = idle => Ok(Next::Idle),
                }
            }
        }
    }

    /// Runs `feed` in its own task and reads it through a channel.
    pub fn live(mut feed: Box<dyn domain::ports::MarketDataFeed>) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                let item = match feed.next_event().await {
                    Ok(Some(event)) => Ok(event),
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                if tx.send(item).await.is_err() {
                    break; // the session ended
                }
            }
        });
        Source::Live(rx)
    }
}

/// The session's source, the symbols it trades, and its Binance connection (feed
/// counters, and the order venue in paper and live modes).
fn open_source(
    opts: &SessionOptions,
    cfg: &config::RampartConfig,
) -> Result<(Source, Vec<Symbol>, Option<BinanceSession>), RuntimeError> {
    match opts.feed {
        FeedKind::Replay => {
            let files = replay_sources(opts.data.as_deref())?;
            let symbols: Vec<Symbol> = files.iter().map(|f| f.symbol.clone()).collect();
            Ok((
                Source::Replay(MergedCandles::open(files, TimeRange::ALL)?),
                symbols,
                None,
            ))
        }
        FeedKind::Binance => {
            let symbols = cfg.risk.symbol_allowlist.clone();
            let (feed, session) = exchange::open_binance(cfg, opts.mode, &symbols)?;
            Ok((Source::live(Box::new(feed)), symbols, Some(session)))
        }
        FeedKind::Coinbase => Err(RuntimeError::BadInput(
            "--feed coinbase is not available yet: it arrives with its exchange adapter; use --feed replay or binance"
                .into(),
        )),
    }
}

/// What a heartbeat writes to and checks, the same for every beat of a session.
struct Surfaces<'a> {
    store: &'a dyn Store,
    board: &'a StatusBoard,
    opts: &'a SessionOptions,
    run_id: &'a str,
    feed: &'a str,
    owner: Option<&'a crate::ownership::StoreOwner>,
    /// Heartbeat-file writes that failed in a row (logged, never fatal).
    file_failures: std::cell::Cell<u32>,
}

/// Once a second: the store's files and the account's lock (a failure stops trading, with
/// a CRITICAL alert), operator requests, heartbeat (file and store, with the venue's
/// health), status board.
async fn beat(
    engine: &mut RuntimeEngine,
    surfaces: &Surfaces<'_>,
    watch: &ExchangeWatch,
    now: Timestamp,
) -> Result<(), RuntimeError> {
    let &Surfaces {
        store,
        board,
        opts,
        run_id,
        feed,
        owner,
        ..
    } = surfaces;
    let storage = match store.check_storage().await {
        Ok(()) => match owner {
            Some(owner) => owner.check().await,
            None => Ok(()),
        },
        Err(e) => Err(e.into()),
    };
    if let Err(e) = storage {
        let message = format!("trading stopped: {e}");
        tracing::error!(severity = "CRITICAL", "{message}");
        // Best effort: the store may be the thing that failed.
        let _ = engine
            .record_alert(
                Severity::Critical,
                domain::AlertKind::System,
                message,
                &format!("storage_fault:{}", now.timestamp_micros()),
            )
            .await;
        return Err(e);
    }
    apply_pending_requests(engine, store).await?;
    let mut hb = heartbeat(engine, run_id, opts.mode, feed, now);
    hb.venue = watch.health();
    hb.feed_reconnects = watch.feed_reconnects();
    if hb.feed_reconnects.is_some() {
        hb.reconnect_reconciliations = Some(watch.reconciliations());
    }
    // The heartbeat file is for operators' eyes; failing to write it (disk full, no file
    // descriptor left) must not stop the guardrails. The store's heartbeat below is the
    // one readiness reads.
    match write_heartbeat(&opts.data_dir, &hb) {
        Ok(()) => surfaces.file_failures.set(0),
        Err(e) => {
            let n = surfaces.file_failures.get() + 1;
            surfaces.file_failures.set(n);
            if n == 1 || n.is_power_of_two() {
                tracing::warn!(failures = n, "heartbeat file not written: {e}");
            }
        }
    }
    store
        .put_heartbeat(&domain::ports::Heartbeat {
            instance: gather::INSTANCE.to_string(),
            at: now,
            detail: serde_json::to_value(&hb).unwrap_or(serde_json::Value::Null),
        })
        .await?;
    board.publish(
        StatusSnapshot::of(engine, run_id, opts.mode, feed, now).with_venue(watch.metrics()),
    );
    Ok(())
}

/// Logs what an event produced that operators care about: alerts at their
/// severity, decisions at debug.
fn log_events(engine: &RuntimeEngine) {
    for event in engine.last_events() {
        match event {
            AuditEvent::AlertRaised { alert } => {
                let symbol = alert.symbol.as_ref().map_or("-", Symbol::as_str);
                match alert.severity {
                    Severity::Critical => {
                        tracing::error!(symbol, kind = ?alert.kind, severity = "CRITICAL", "{}", alert.message)
                    }
                    Severity::Warning => {
                        tracing::warn!(symbol, kind = ?alert.kind, "{}", alert.message)
                    }
                    Severity::Info => {
                        tracing::info!(symbol, kind = ?alert.kind, "{}", alert.message)
                    }
                }
            }
            AuditEvent::OrderSubmitted { order } => {
                tracing::info!(symbol = order.symbol.as_str(), side = order.side.as_str(), qty = %order.qty.value(), id = %order.client_order_id, "order submitted");
            }
            AuditEvent::TradeRejected { intent, reasons } => {
                let codes: Vec<&str> = reasons.iter().map(|r| r.code()).collect();
                tracing::debug!(symbol = intent.symbol.as_str(), reasons = ?codes, "trade rejected");
            }
            _ => {}
        }
    }
}

/// Moves the engine's clock for the next step. A replay runs on data time (`at`; going
/// back is an error naming the data). A live feed runs on the wall clock, never backwards:
/// its candles arrive after they close, and those of several symbols (or backfilled after
/// a reconnect) interleave out of time order.
fn step_clock(
    sim: &SimClock,
    live_feed: bool,
    at: Timestamp,
    wall: Timestamp,
) -> Result<(), RuntimeError> {
    if live_feed {
        let to = wall.max(sim.now());
        return sim
            .advance_to(to)
            .map_err(|e| RuntimeError::BadInput(format!("engine clock: {e}")));
    }
    sim.advance_to(at)
        .map_err(|e| RuntimeError::BadInput(format!("replay went back in time: {e}")))
}

/// A monotonic stopwatch for latency metrics (never a domain time).
#[allow(clippy::disallowed_methods)]
fn stopwatch() -> std::time::Instant {
    std::time::Instant::now()
}

/// A new run id: wall-clock start time and mode (`20261125T101500Z-dry-run`).
pub fn new_run_id(mode: TradingMode, wall: &SystemClock) -> String {
    format!("{}-{}", wall.now().format("%Y%m%dT%H%M%SZ"), mode.as_str())
}

/// The kill-switch file: `kill_switch.file`, relative paths under the data directory.
pub fn kill_file(cfg: &config::RampartConfig, data_dir: &Path) -> PathBuf {
    let configured = Path::new(&cfg.kill_switch.file);
    if configured.is_absolute() {
        return configured.to_path_buf();
    }
    data_dir.join(
        configured
            .file_name()
            .unwrap_or_else(|| std::ffi::OsStr::new("kill_switch")),
    )
}

/// Loads and validates the configuration (file, `RAMPART__` environment, paper overrides).
pub fn load_config(opts: &SessionOptions) -> Result<config::Loaded, RuntimeError> {
    Ok(config::load_from_process_env(
        opts.config.as_deref(),
        opts.mode,
    )?)
}

/// Validates flags that need no I/O, before anything is written.
pub fn check_options(opts: &SessionOptions) -> Result<(), RuntimeError> {
    match (opts.feed, opts.mode) {
        (FeedKind::Replay, TradingMode::DryRun | TradingMode::Backtest) => {}
        (FeedKind::Replay, mode) => {
            return Err(RuntimeError::BadInput(format!(
                "--mode {} needs a live feed and an exchange adapter; replays run in dry-run mode",
                mode.as_str()
            )));
        }
        (
            FeedKind::Binance,
            mode @ (TradingMode::DryRun | TradingMode::Paper | TradingMode::Live),
        ) => {
            if opts.speed.is_some() || opts.data.is_some() {
                return Err(RuntimeError::BadInput(
                    "--speed and --data apply to replays; --feed binance streams live candles"
                        .into(),
                ));
            }
            if exchange::trades_at_exchange(mode) {
                // The key pair is checked before anything is written.
                exchange::binance_credentials(mode)?;
            }
        }
        (FeedKind::Binance, mode) => {
            return Err(RuntimeError::BadInput(format!(
                "--mode {} does not run on --feed binance; use dry-run, paper or live",
                mode.as_str()
            )));
        }
        (FeedKind::Coinbase, _) => {
            return Err(RuntimeError::BadInput(
                "--feed coinbase is not available yet: it arrives with its exchange adapter; use --feed replay or binance"
                    .into(),
            ));
        }
    }
    if let Some(speed) = opts.speed
        && !(speed.is_finite() && speed > 0.0)
    {
        return Err(RuntimeError::BadInput(format!(
            "--speed must be a positive number, got {speed}"
        )));
    }
    if opts.iterations < -1 {
        return Err(RuntimeError::BadInput(format!(
            "--iterations must be -1 (until the feed ends) or a number of events >= 0, got {}",
            opts.iterations
        )));
    }

    Ok(())
}

/// Reads every candle of a replay before anything is written: a bad row (`file:line`), an
/// unreadable file, a file name without a symbol, or data without a single candle is
/// refused (exit 2) before the lock, the database or a trade exists. Returns the number
/// of candles.
pub fn check_replay(opts: &SessionOptions) -> Result<u64, RuntimeError> {
    if opts.feed != FeedKind::Replay {
        return Ok(0);
    }
    let files = replay_sources(opts.data.as_deref())?;
    let names: Vec<String> = files.iter().map(SymbolFile::source_name).collect();
    let mut candles = 0u64;
    for candle in MergedCandles::open(files, TimeRange::ALL)? {
        candle?;
        candles += 1;
    }
    if candles == 0 {
        return Err(RuntimeError::BadInput(format!(
            "no candles in {}: nothing to replay (a header-only or empty file?)",
            names.join(", ")
        )));
    }
    Ok(candles)
}

/// Sleeps so that data time advances `speed` times faster than wall time.
async fn pace(
    first: &mut Option<(Timestamp, Timestamp)>,
    at: Timestamp,
    speed: f64,
    wall: &SystemClock,
) {
    let now = wall.now();
    let (data0, wall0) = *first.get_or_insert((at, now));
    let data_elapsed = (at - data0).num_milliseconds() as f64;
    let due = wall0 + Duration::milliseconds((data_elapsed / speed) as i64);
    if let Ok(wait) = (due - now).to_std() {
        tokio::time::sleep(wait).await;
    }
}

/// What the kill-switch environment variable says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillSwitchEnv {
    /// Unset, empty, `0`, `false`, `no` or `off`.
    Off,
    /// `1`, `true`, `yes` or `on`.
    On,
    /// Anything else (`2`, `maybe`, a typo): the switch is engaged (fail closed).
    Unrecognised,
}

impl KillSwitchEnv {
    /// Reads a value (case and surrounding blanks ignored).
    pub fn parse(value: Option<&str>) -> Self {
        let Some(value) = value else {
            return KillSwitchEnv::Off;
        };
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "0" | "false" | "no" | "off" => KillSwitchEnv::Off,
            "1" | "true" | "yes" | "on" => KillSwitchEnv::On,
            _ => KillSwitchEnv::Unrecognised,
        }
    }

    /// The variable's state in the process environment.
    pub fn of(env_var: &str) -> Self {
        let value = std::env::var_os(env_var).map(|v| v.to_string_lossy().into_owned());
        Self::parse(value.as_deref())
    }
}

/// The file and environment kill-switch sources, read on every event. An environment
/// value that is neither on nor off engages the switch (fail closed), named as such.
pub fn kill_switch_inputs(file: &Path, env_var: &str) -> KillSwitchInputs {
    let env = match KillSwitchEnv::of(env_var) {
        KillSwitchEnv::Off => None,
        KillSwitchEnv::On => Some(env_var.to_string()),
        KillSwitchEnv::Unrecognised => Some(format!(
            "{env_var} (unrecognised value, treated as on; set it to 1 or 0)"
        )),
    };
    KillSwitchInputs {
        file: file.exists().then(|| file.display().to_string()),
        env,
    }
}

fn heartbeat(
    engine: &RuntimeEngine,
    run_id: &str,
    mode: TradingMode,
    feed: &str,
    now: Timestamp,
) -> Heartbeat {
    Heartbeat {
        pid: std::process::id(),
        run_id: run_id.to_string(),
        mode: mode.as_str().to_string(),
        feed: feed.to_string(),
        timestamp: now,
        event_time: engine.last_event_at(),
        events: engine.events_processed(),
        equity: engine.portfolio().equity().value().round_dp(2).to_string(),
        level: engine.preservation().level().as_str().to_string(),
        kill_switch_active: engine.kill_switch_active(),
        venue: None,
        feed_reconnects: None,
        reconnect_reconciliations: None,
    }
}

/// The candles to replay: `--data` (see [`replay_files`]), or the demo data embedded in the
/// binary when it is absent, so a copied or installed binary replays with no source tree.
pub fn replay_sources(data: Option<&Path>) -> Result<Vec<SymbolFile>, RuntimeError> {
    match data {
        Some(data) => replay_files(data),
        None => Ok(demo_candles::symbol_files()),
    }
}

/// What a session replays, for its log: the `--data` path or the embedded demo data.
fn replay_description(data: Option<&Path>) -> String {
    data.map_or_else(
        || demo_candles::DESCRIPTION.to_string(),
        |p| p.display().to_string(),
    )
}

/// The CSV files to replay: one file, or every `SYMBOL*.csv[.gz]` in a directory.
pub fn replay_files(data: &Path) -> Result<Vec<SymbolFile>, RuntimeError> {
    if !data.exists() {
        return Err(RuntimeError::BadInput(format!(
            "--data {}: no such file or directory",
            data.display()
        )));
    }
    if data.is_file() {
        return Ok(vec![SymbolFile::from_path(data)?]);
    }
    let entries = std::fs::read_dir(data).map_err(RuntimeError::io(format!(
        "cannot read data directory {}",
        data.display()
    )))?;
    let mut files: Vec<SymbolFile> = Vec::new();
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".csv") || name.ends_with(".csv.gz")
        })
        .collect();
    paths.sort();
    for p in paths {
        files.push(SymbolFile::from_path(&p)?);
    }
    if files.is_empty() {
        return Err(RuntimeError::BadInput(format!(
            "no candle files (*.csv, *.csv.gz) in {}",
            data.display()
        )));
    }
    Ok(files)
}

/// Opens the store: PostgreSQL for `postgres://` / `postgresql://` URLs,
/// SQLite for `sqlite:` URLs, otherwise SQLite at `<data_dir>/rampart.db`.
/// Errors name the URL without its password.
pub async fn open_store(
    database_url: Option<&str>,
    data_dir: &Path,
) -> Result<Arc<dyn Store>, RuntimeError> {
    Ok(
        open_stores(database_url, data_dir, sqlite::Durability::Full)
            .await?
            .store,
    )
}

/// The SQLite commit durability of a session: `NORMAL` for a dry-run replay (rerunnable; a
/// `kill -9` loses nothing, a power cut may lose its last commits, never corrupts the file),
/// `FULL` for everything else (a live feed's or an order's record must survive a power cut).
pub fn session_durability(mode: TradingMode, feed: FeedKind) -> sqlite::Durability {
    if mode == TradingMode::DryRun && feed == FeedKind::Replay {
        sqlite::Durability::Normal
    } else {
        sqlite::Durability::Full
    }
}

/// One database seen through the two ports the runtime writes: the system of record and
/// the alert outbox (same connection pool, same writer).
#[derive(Clone)]
pub struct Stores {
    /// The system of record.
    pub store: Arc<dyn Store>,
    /// Alerts waiting for delivery, command offsets.
    pub outbox: Arc<dyn domain::ports::AlertOutbox>,
    backend: crate::ownership::Backend,
}

impl Stores {
    /// Takes the account's trading lock (one trading runtime per database or account),
    /// or fails with [`RuntimeError::StoreInUse`] naming the runtime that holds it.
    pub async fn take_ownership(&self) -> Result<crate::ownership::StoreOwner, RuntimeError> {
        self.backend.take_ownership(self.store.as_ref()).await
    }
}

/// Opens the database of `database_url` (default: SQLite under `data_dir`) as [`Stores`].
pub async fn open_stores(
    database_url: Option<&str>,
    data_dir: &Path,
    durability: sqlite::Durability,
) -> Result<Stores, RuntimeError> {
    fn sqlite_stores(db: sqlite::SqliteStore) -> Stores {
        let db = Arc::new(db);
        Stores {
            store: db.clone(),
            outbox: db.clone(),
            backend: crate::ownership::Backend::Sqlite(db),
        }
    }
    fn postgres_stores(db: postgres::PostgresStore) -> Stores {
        let db = Arc::new(db);
        Stores {
            store: db.clone(),
            outbox: db.clone(),
            backend: crate::ownership::Backend::Postgres(db),
        }
    }
    let sqlite_options = sqlite::SqliteOptions {
        durability,
        ..sqlite::SqliteOptions::default()
    };
    match database_url {
        Some(url) if url.starts_with("sqlite:") => {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            Ok(sqlite_stores(
                sqlite::SqliteStore::open_with(path, sqlite_options).await?,
            ))
        }
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Ok(
            postgres_stores(postgres::PostgresStore::connect(url).await?),
        ),
        Some(url) => Err(RuntimeError::BadInput(format!(
            "--database-url {}: expected postgres://..., postgresql://... or sqlite:PATH",
            postgres::redact_url(url)
        ))),
        None => Ok(sqlite_stores(
            sqlite::SqliteStore::open_with(data_dir.join("rampart.db"), sqlite_options).await?,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kill_switch_value_that_is_neither_on_nor_off_engages_it() {
        assert_eq!(KillSwitchEnv::parse(None), KillSwitchEnv::Off);
        for off in ["", " 0 ", "false", "No", "OFF"] {
            assert_eq!(
                KillSwitchEnv::parse(Some(off)),
                KillSwitchEnv::Off,
                "{off:?}"
            );
        }
        for on in ["1", "TRUE", " yes", "on"] {
            assert_eq!(KillSwitchEnv::parse(Some(on)), KillSwitchEnv::On, "{on:?}");
        }
        for odd in ["2", "maybe", "of", "-1", "enabled"] {
            assert_eq!(
                KillSwitchEnv::parse(Some(odd)),
                KillSwitchEnv::Unrecognised,
                "{odd:?}"
            );
        }
    }
}
