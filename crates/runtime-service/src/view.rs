//! What the HTTP surface sees of a running runtime: the status board for
//! `/api/status` and `/metrics`, the store for `/health/readiness`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use domain::ports::Store;
use domain::{Clock, SystemClock, Tier, TradingMode};
use http_api::{Decision, MetricsSnapshot, RuntimeView};
use readiness::ReadinessReport;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::gather;
use crate::session::kill_switch_inputs;
use crate::status::{StatusBoard, StatusSnapshot};

/// The runtime as the HTTP surface sees it.
pub struct LiveView {
    board: Arc<StatusBoard>,
    store: Arc<dyn Store>,
    cfg: config::RampartConfig,
    mode: TradingMode,
    kill_file: PathBuf,
}

impl LiveView {
    /// A view over `board` and `store`.
    pub fn new(
        board: Arc<StatusBoard>,
        store: Arc<dyn Store>,
        cfg: config::RampartConfig,
        mode: TradingMode,
        kill_file: PathBuf,
    ) -> Self {
        Self {
            board,
            store,
            cfg,
            mode,
            kill_file,
        }
    }
}

/// An exported metric value (never used for money computation).
fn num(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// The `/metrics` figures of a status snapshot at wall-clock `now`.
pub fn metrics_of(s: &StatusSnapshot, now: domain::Timestamp) -> MetricsSnapshot {
    let mut signals = BTreeMap::new();
    for tier in [Tier::High, Tier::Medium, Tier::Low] {
        let n = s
            .session
            .signals_by_tier
            .get(tier.as_str())
            .copied()
            .unwrap_or(0);
        signals.insert(tier, n);
    }
    let mut decisions = BTreeMap::new();
    decisions.insert(Decision::Approved, s.session.approvals);
    for (reason, n) in &s.session.rejections_by_reason {
        decisions.insert(Decision::Rejected { reason }, *n);
    }
    for (reason, n) in &s.session.blocks_by_reason {
        decisions.insert(Decision::TurnoverBlocked { reason }, *n);
    }
    MetricsSnapshot {
        events_total: s.session.events,
        signals_total: signals,
        decisions_total: decisions,
        equity: num(s.equity),
        drawdown_ratio: num(s.drawdown),
        capital_preservation_level: s.capital_preservation_level,
        kill_switch_active: s.kill_switch_active,
        turnover_block_rate: s.turnover_block_rate.map(num),
        heartbeat_age_seconds: Some(
            ((now - s.updated_at).num_milliseconds().max(0) as f64) / 1000.0,
        ),
        extra_gauges: Vec::new(),
    }
}

#[async_trait::async_trait]
impl RuntimeView for LiveView {
    fn status(&self) -> serde_json::Value {
        match self.board.latest() {
            Some(s) => serde_json::to_value(s).unwrap_or(serde_json::Value::Null),
            None => serde_json::json!({"status": "starting"}),
        }
    }

    fn metrics(&self) -> MetricsSnapshot {
        match self.board.latest() {
            Some(s) => metrics_of(&s, SystemClock.now()),
            None => MetricsSnapshot::default(),
        }
    }

    async fn readiness(&self) -> Result<ReadinessReport, String> {
        let kill = kill_switch_inputs(&self.kill_file, &self.cfg.kill_switch.env_var);
        gather::evaluate(
            self.store.as_ref(),
            &self.cfg,
            self.mode,
            SystemClock.now(),
            &kill,
        )
        .await
        .map_err(|e| e.to_string())
    }
}
