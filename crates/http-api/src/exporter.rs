//! The Prometheus side of `/metrics`: a recorder behind the `metrics` facade, the
//! metric names and HELP texts, and the one metric recorded as it happens (order
//! latency).
//!
//! Why snapshot-driven: the runtime already counts events, signals and decisions
//! for its session summary; exporting those totals at scrape time
//! (`Counter::absolute`) keeps one source of truth and keeps the engine free of
//! metrics calls. Only latency is a distribution, so it is recorded per order.
//!
//! Why every recorder is used through a local scope: [`Metrics::render`] runs its
//! `counter!`/`gauge!` calls inside `metrics::with_local_recorder` on *its own*
//! recorder, so a [`Metrics::local`] in a test never touches the process-global
//! recorder and tests run in parallel without seeing each other's figures.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use metrics::{Label, counter, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use metrics_util::MetricKindMask;

use crate::error::HttpError;
use crate::snapshot::{Decision, MetricsSnapshot, level_value};

/// Metric names exported on `/metrics`.
pub mod names {
    /// Counter: market events processed.
    pub const EVENTS_TOTAL: &str = "rampart_events_total";
    /// Counter, label `tier` (`high`, `medium`, `low`): signals generated.
    pub const SIGNALS_TOTAL: &str = "rampart_signals_total";
    /// Counter, labels `outcome` (`approved`, `rejected`, `turnover_blocked`) and
    /// `reason` (the reason code, `none` for approvals): trade decisions.
    pub const DECISIONS_TOTAL: &str = "rampart_decisions_total";
    /// Histogram: seconds from decision to venue acknowledgement, per order.
    pub const ORDER_LATENCY_SECONDS: &str = "rampart_order_latency_seconds";
    /// Gauge: account equity in the account currency.
    pub const EQUITY: &str = "rampart_equity";
    /// Gauge: drawdown from the equity peak, 0..1.
    pub const DRAWDOWN_RATIO: &str = "rampart_drawdown_ratio";
    /// Gauge: capital-preservation level, 0 NORMAL, 1 CAUTION, 2 DEFENSIVE, 3 LOCKDOWN, 4 CRISIS.
    pub const CAPITAL_PRESERVATION_LEVEL: &str = "rampart_capital_preservation_level";
    /// Gauge: 1 when any kill-switch source is active, else 0.
    pub const KILL_SWITCH_ACTIVE: &str = "rampart_kill_switch_active";
    /// Gauge: turnover governor block rate over its window, 0..1 (absent when unknown).
    pub const TURNOVER_BLOCK_RATE: &str = "rampart_turnover_block_rate";
    /// Gauge: seconds since the runtime last wrote its heartbeat.
    pub const HEARTBEAT_AGE_SECONDS: &str = "rampart_heartbeat_age_seconds";

    /// Every built-in name, for checks that an extra gauge does not reuse one.
    pub const ALL: [&str; 10] = [
        EVENTS_TOTAL,
        SIGNALS_TOTAL,
        DECISIONS_TOTAL,
        ORDER_LATENCY_SECONDS,
        EQUITY,
        DRAWDOWN_RATIO,
        CAPITAL_PRESERVATION_LEVEL,
        KILL_SWITCH_ACTIVE,
        TURNOVER_BLOCK_RATE,
        HEARTBEAT_AGE_SECONDS,
    ];
}

/// Upper bounds (seconds) of the order-latency histogram buckets, 1 ms to 10 s.
pub const LATENCY_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often [`Metrics::run_upkeep`] runs while the server serves (folds recorded
/// latencies into the histogram so memory stays bounded between scrapes).
pub(crate) const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The one process-wide installation, so a second [`Metrics::install`] returns it.
static INSTALLED: Mutex<Option<Metrics>> = Mutex::new(None);

/// Records one order's decision-to-acknowledgement latency in
/// `rampart_order_latency_seconds` (the runtime calls this per order).
///
/// Goes to the recorder in scope: the global one after [`Metrics::install`], or
/// the one of [`Metrics::in_scope`]. A negative or non-finite value is ignored.
pub fn record_order_latency(seconds: f64) {
    if seconds.is_finite() && seconds >= 0.0 {
        metrics::histogram!(names::ORDER_LATENCY_SECONDS).record(seconds);
    }
}

/// A Prometheus recorder and its render handle. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
    /// Serialises "set from snapshot, then render": gauges not set by the latest
    /// snapshot are dropped at render time, so two scrapes must not interleave.
    render_lock: Mutex<()>,
}

impl Metrics {
    /// Installs the process-global Prometheus recorder (once; a later call returns
    /// the same handle).
    ///
    /// # Errors
    /// [`HttpError::RecorderAlreadyInstalled`] when some other recorder was
    /// installed process-wide first.
    pub fn install() -> Result<Metrics, HttpError> {
        let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(metrics) = installed.as_ref() {
            return Ok(metrics.clone());
        }
        let metrics = Metrics::local();
        metrics::set_global_recorder(Arc::clone(&metrics.inner.recorder))
            .map_err(|_| HttpError::RecorderAlreadyInstalled)?;
        *installed = Some(metrics.clone());
        Ok(metrics)
    }

    /// A recorder NOT installed globally, for tests: [`render`](Metrics::render)
    /// works, and [`in_scope`](Metrics::in_scope) (or `metrics::with_local_recorder`)
    /// records into it. Independent instances, so tests can run in parallel.
    pub fn local() -> Metrics {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(names::ORDER_LATENCY_SECONDS.to_string()),
                &LATENCY_BUCKETS,
            )
            .expect("LATENCY_BUCKETS is a non-empty constant, the only thing set_buckets_for_metric rejects")
            // Gauges mirror the latest snapshot: drop any the snapshot stopped setting.
            .idle_timeout(MetricKindMask::GAUGE, Some(Duration::ZERO))
            .build_recorder();
        let metrics = Metrics {
            inner: Arc::new(Inner {
                handle: recorder.handle(),
                recorder: Arc::new(recorder),
                render_lock: Mutex::new(()),
            }),
        };
        metrics.in_scope(|| {
            describe();
            // Register the histogram so it is exported (with zero counts) before the first order.
            let _ = metrics::histogram!(names::ORDER_LATENCY_SECONDS);
        });
        metrics
    }

    /// Runs `f` with this recorder as the current thread's recorder, so the
    /// `metrics` macros and [`record_order_latency`] inside it record here.
    pub fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&*self.inner.recorder, f)
    }

    /// Sets the counters (absolute) and gauges from `snapshot`, then renders the
    /// Prometheus text exposition of everything this recorder holds.
    pub fn render(&self, snapshot: &MetricsSnapshot) -> String {
        let _serialised = self
            .inner
            .render_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.in_scope(|| apply(snapshot));
        self.inner.handle.render()
    }

    /// Folds latencies recorded since the last render into the histogram. The
    /// server runs it every few seconds; call it yourself only without the server.
    pub fn run_upkeep(&self) {
        self.inner.handle.run_upkeep();
    }
}

/// HELP texts of the built-in metrics (kept only on the first call per recorder).
fn describe() {
    describe_counter!(names::EVENTS_TOTAL, "Market events processed.");
    describe_counter!(
        names::SIGNALS_TOTAL,
        "Signals generated, by tier (high, medium, low)."
    );
    describe_counter!(
        names::DECISIONS_TOTAL,
        "Trade decisions, by outcome (approved, rejected, turnover_blocked) and reason code (none for approvals)."
    );
    describe_histogram!(
        names::ORDER_LATENCY_SECONDS,
        "Seconds from trade decision to venue acknowledgement, per order."
    );
    describe_gauge!(names::EQUITY, "Account equity, in the account currency.");
    describe_gauge!(
        names::DRAWDOWN_RATIO,
        "Drawdown from the equity peak, as a ratio (0..1)."
    );
    describe_gauge!(
        names::CAPITAL_PRESERVATION_LEVEL,
        "Capital-preservation level: 0 NORMAL, 1 CAUTION, 2 DEFENSIVE, 3 LOCKDOWN, 4 CRISIS."
    );
    describe_gauge!(
        names::KILL_SWITCH_ACTIVE,
        "1 when any kill-switch source is active, else 0."
    );
    describe_gauge!(
        names::TURNOVER_BLOCK_RATE,
        "Turnover governor block rate over its window (0..1); absent while too few evaluations."
    );
    describe_gauge!(
        names::HEARTBEAT_AGE_SECONDS,
        "Seconds since the runtime last wrote its heartbeat."
    );
}

/// Sets every counter and gauge of `s` on the recorder in scope.
fn apply(s: &MetricsSnapshot) {
    counter!(names::EVENTS_TOTAL).absolute(s.events_total);
    for tier in domain::Tier::ALL {
        let count = s.signals_total.get(&tier).copied().unwrap_or(0);
        counter!(names::SIGNALS_TOTAL, "tier" => tier.as_str()).absolute(count);
    }
    if !s.decisions_total.contains_key(&Decision::Approved) {
        set_decisions(Decision::Approved, 0);
    }
    for (decision, count) in &s.decisions_total {
        set_decisions(*decision, *count);
    }

    set_gauge(names::EQUITY, s.equity);
    set_gauge(names::DRAWDOWN_RATIO, s.drawdown_ratio);
    set_gauge(
        names::CAPITAL_PRESERVATION_LEVEL,
        level_value(s.capital_preservation_level),
    );
    set_gauge(
        names::KILL_SWITCH_ACTIVE,
        if s.kill_switch_active { 1.0 } else { 0.0 },
    );
    if let Some(rate) = s.turnover_block_rate {
        set_gauge(names::TURNOVER_BLOCK_RATE, rate);
    }
    if let Some(age) = s.heartbeat_age_seconds {
        set_gauge(names::HEARTBEAT_AGE_SECONDS, age);
    }

    for extra in &s.extra_gauges {
        if names::ALL.contains(&extra.name.as_str()) || !extra.value.is_finite() {
            continue;
        }
        describe_gauge!(extra.name.clone(), extra.help.clone());
        let labels: Vec<Label> = extra
            .labels
            .iter()
            .map(|(k, v)| Label::new(k.clone(), v.clone()))
            .collect();
        gauge!(extra.name.clone(), labels).set(extra.value);
    }
}

fn set_decisions(decision: Decision, count: u64) {
    counter!(
        names::DECISIONS_TOTAL,
        "outcome" => decision.outcome(),
        "reason" => decision.reason()
    )
    .absolute(count);
}

/// Sets a label-free gauge; a non-finite value is left out (it would break the exposition).
fn set_gauge(name: &'static str, value: f64) {
    if value.is_finite() {
        gauge!(name).set(value);
    }
}
