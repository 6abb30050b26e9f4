//! The running runtime's status: a snapshot the session publishes about once a
//! second (and after every operator request), read by `/api/status`, `/metrics`
//! and the operator page without touching the engine.

use std::sync::RwLock;

use domain::ports::{ExecutionVenue, Store};
use domain::{Clock, PreservationLevel, Timestamp, TradingMode};
use engine::{Engine, SessionSummary};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::engine_time::EngineNow;

/// One open position as operators read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PositionView {
    /// Symbol.
    pub symbol: String,
    /// `long` or `short`.
    pub side: String,
    /// Quantity held.
    pub qty: String,
    /// Average entry price.
    pub avg_price: String,
    /// Latest mark.
    pub mark: Option<String>,
}

/// Everything `/api/status` shows.
#[derive(Debug, Clone, Serialize)]
pub struct StatusSnapshot {
    /// This session's run id.
    pub run_id: String,
    /// dry-run, paper or live.
    pub mode: String,
    /// Market-data source.
    pub feed: String,
    /// Process id.
    pub pid: u32,
    /// Wall-clock time of this snapshot.
    pub updated_at: Timestamp,
    /// The engine clock (data time in replays).
    pub engine_time: Option<Timestamp>,
    /// Equity (account currency, 2 dp).
    pub equity: Decimal,
    /// Cash.
    pub cash: Decimal,
    /// Realised P&L net of fees since the account started.
    pub realized_pnl: Decimal,
    /// Unrealised P&L of open positions.
    pub unrealized_pnl: Decimal,
    /// Today's P&L.
    pub daily_pnl: Decimal,
    /// Drawdown from peak equity, 0..1.
    pub drawdown: Decimal,
    /// Capital-preservation level.
    pub capital_preservation_level: PreservationLevel,
    /// Whether any kill-switch source is active.
    pub kill_switch_active: bool,
    /// Every active kill-switch source (`file`, `environment`, `stored`).
    pub kill_switch_sources: Vec<String>,
    /// Open positions.
    pub positions: Vec<PositionView>,
    /// Orders still working.
    pub working_orders: usize,
    /// Turnover block rate over its window, 0..1 (absent without evaluations).
    pub turnover_block_rate: Option<Decimal>,
    /// The account rules' limits and progress (absent without account rules).
    pub risk_book: Option<domain::account::RiskBook>,
    /// Session counters.
    pub session: SessionSummary,
    /// The exchange adapter's health (feed counters, clock offset, request weight), when
    /// the session streams from an exchange.
    pub venue: Option<binance::VenueMetrics>,
}

impl StatusSnapshot {
    /// Reads the engine.
    pub fn of<V, S, C>(
        engine: &Engine<V, S, C>,
        run_id: &str,
        mode: TradingMode,
        feed: &str,
        now: Timestamp,
    ) -> Self
    where
        V: ExecutionVenue + ?Sized,
        S: Store + ?Sized,
        C: Clock + ?Sized,
    {
        let p = engine.portfolio();
        let snap = p.snapshot();
        let inputs = engine.kill_switch_inputs();
        let engine_time = engine.last_event_at();
        Self {
            run_id: run_id.to_string(),
            mode: mode.as_str().to_string(),
            feed: feed.to_string(),
            pid: std::process::id(),
            updated_at: now,
            engine_time,
            equity: snap.equity.value().round_dp(2),
            cash: p.cash().value().round_dp(2),
            realized_pnl: snap.realized_pnl.value().round_dp(2),
            unrealized_pnl: snap.unrealized_pnl.value().round_dp(2),
            daily_pnl: snap.daily_pnl.value().round_dp(2),
            drawdown: snap.drawdown.fraction().round_dp(6),
            capital_preservation_level: engine.preservation().level(),
            kill_switch_active: engine.kill_switch_active(),
            kill_switch_sources: engine
                .kill_switch()
                .active_sources(inputs)
                .iter()
                .map(|s| match s {
                    domain::KillSwitchSource::File { path } => format!("file {path}"),
                    domain::KillSwitchSource::Environment { var } => format!("environment {var}"),
                    domain::KillSwitchSource::Stored { reason, .. } => format!("stored: {reason}"),
                })
                .collect(),
            positions: p
                .positions()
                .values()
                .map(|pos| PositionView {
                    symbol: pos.symbol.to_string(),
                    side: format!("{:?}", pos.side()).to_lowercase(),
                    qty: pos.qty().value().to_string(),
                    avg_price: pos.avg_price.value().to_string(),
                    mark: p.mark_of(&pos.symbol).map(|m| m.value().to_string()),
                })
                .collect(),
            working_orders: engine.working_orders().count(),
            turnover_block_rate: engine_time
                .and_then(|t| engine.governor().block_rate(t))
                .map(|r| r.fraction().round_dp(4)),
            risk_book: engine.risk_book(),
            session: engine.summary(),
            venue: None,
        }
    }

    /// The snapshot with the exchange adapter's metrics.
    pub fn with_venue(mut self, venue: Option<binance::VenueMetrics>) -> Self {
        self.venue = venue;
        self
    }
}

/// The latest snapshot, shared between the session and the HTTP surface.
#[derive(Debug, Default)]
pub struct StatusBoard {
    latest: RwLock<Option<StatusSnapshot>>,
}

impl StatusBoard {
    /// An empty board (nothing published yet).
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the snapshot.
    pub fn publish(&self, snapshot: StatusSnapshot) {
        if let Ok(mut slot) = self.latest.write() {
            *slot = Some(snapshot);
        }
    }

    /// The latest snapshot, if any.
    pub fn latest(&self) -> Option<StatusSnapshot> {
        self.latest.read().ok().and_then(|s| s.clone())
    }
}

/// What the surfaces of a running runtime (HTTP, Telegram) read: the status board the
/// session publishes, the store, the configuration, the mode and the kill-switch file.
#[derive(Clone)]
pub struct LiveRuntime {
    /// The session's latest status.
    pub board: std::sync::Arc<StatusBoard>,
    /// The store.
    pub store: std::sync::Arc<dyn Store>,
    /// The loaded configuration.
    pub cfg: config::RampartConfig,
    /// The mode readiness is judged for.
    pub mode: TradingMode,
    /// The kill-switch file source.
    pub kill_file: std::path::PathBuf,
}

impl LiveRuntime {
    /// The running engine's now: its clock as the session last published it (data time
    /// in a replay, the wall clock live), else as the store last recorded it.
    pub async fn engine_now(&self) -> Result<EngineNow, domain::ports::StoreError> {
        let wall = domain::SystemClock.now();
        match self
            .board
            .latest()
            .and_then(|s| EngineNow::of_status(&s, wall))
        {
            Some(now) => Ok(now),
            None => crate::engine_time::engine_now(self.store.as_ref(), wall).await,
        }
    }

    /// Readiness now (on the engine's clock), from the store and the kill-switch sources.
    pub async fn readiness(&self) -> Result<readiness::ReadinessReport, domain::ports::StoreError> {
        let kill =
            crate::session::kill_switch_inputs(&self.kill_file, &self.cfg.kill_switch.env_var);
        let now = self.engine_now().await?;
        crate::gather::evaluate(self.store.as_ref(), &self.cfg, self.mode, now, &kill).await
    }
}
