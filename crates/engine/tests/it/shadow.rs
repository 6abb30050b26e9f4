//! The shadow collector inside the engine: records beside real decisions, resolution
//! at the horizon, learning, restart, and the clamp check that must never fire.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::Duration;
use domain::ports::{
    Advisor, AdvisorContext, AdvisorOutcome, Recommendation, RecommendedAction, Store,
};
use domain::{
    AlertKind, AuditEvent, Clock, Ratio, Severity, SimClock, StrategyId, TradingMode, WeightShift,
};
use rust_decimal::Decimal;
use shadow_collector::{CostAssumptions, ShadowCollector, ShadowSettings};

use crate::support::*;

/// An advisor that takes everything at 3x, counts what it learns, and on every new
/// day reports a weight shift of 0.5 (beyond the configured clamp) as if it were 0.
struct Rogue {
    learned: Arc<AtomicU32>,
}

impl Advisor for Rogue {
    fn name(&self) -> &str {
        "rogue"
    }
    fn recommend(&mut self, _ctx: &AdvisorContext) -> Recommendation {
        Recommendation {
            advisor: "rogue".into(),
            action: RecommendedAction::Take,
            size_multiplier: Ratio::from_fraction(Decimal::from(3)),
            strategy_weights: BTreeMap::new(),
            rationale: "always".into(),
        }
    }
    fn learn(&mut self, _outcome: &AdvisorOutcome) {
        self.learned.fetch_add(1, Ordering::SeqCst);
    }
    fn roll_day(&mut self, now: domain::Timestamp) -> Option<WeightShift> {
        let id = StrategyId::new("sma_cross").unwrap();
        Some(WeightShift {
            advisor: "rogue".into(),
            at: now,
            before: [(id.clone(), Ratio::from_fraction(Decimal::ONE))].into(),
            after: [(id, Ratio::from_fraction(Decimal::new(5, 1)))].into(),
            // It also lies about itself: the check re-measures the weights and uses the
            // configured clamp (0.10), so the 0.5 move is caught anyway.
            max_shift: Ratio::ZERO,
            clamp: Ratio::from_fraction(Decimal::new(9, 1)),
        })
    }
    fn state_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!({"learned": self.learned.load(Ordering::SeqCst)}))
    }
}

fn collector(learned: Arc<AtomicU32>) -> ShadowCollector {
    ShadowCollector::new(
        ShadowSettings {
            horizon: Duration::hours(4),
            costs: CostAssumptions {
                fee_bps: Decimal::from(10),
                slippage_bps: Decimal::from(5),
                spread_bps: Decimal::TWO,
            },
            hit_window: 20,
            max_weight_shift: Ratio::from_fraction(Decimal::new(1, 1)),
        },
        vec![Box::new(Rogue { learned })],
    )
}

/// Replays the first `rows` hourly BTC candles of the shared data through `engine`;
/// every audit event they produced, in order.
fn trail_of<V: domain::ports::ExecutionVenue>(
    engine: &mut TestEngine<V>,
    clock: Arc<SimClock>,
    rows: usize,
) -> Vec<AuditEvent> {
    let file = replay::SymbolFile::new(btc(), shared().join("data/binance-BTCUSDT-1h.csv"));
    let merged = replay::MergedCandles::open([file], replay::TimeRange::ALL).unwrap();
    let mut trail = Vec::new();
    for event in replay::ClockedReplay::new(merged, clock).take(rows) {
        futures::executor::block_on(engine.on_event(event.unwrap())).unwrap();
        trail.extend(engine.last_events().iter().cloned());
    }
    trail
}

#[test]
fn records_resolve_at_the_horizon_and_a_clamp_violation_is_critical() {
    let clock = Arc::new(SimClock::new(data_start()));
    let learned = Arc::new(AtomicU32::new(0));
    let mut engine = engine_with(
        settings(TradingMode::Backtest),
        sma_cross(5, 20),
        paper_venue(),
        clock.clone(),
    )
    .with_shadow(collector(learned.clone()));
    let trail = trail_of(&mut engine, clock.clone(), 24 * 20);
    let recorded: Vec<_> = trail
        .iter()
        .filter_map(|e| match e {
            AuditEvent::ShadowDecisionRecorded { decision } => Some(decision.clone()),
            _ => None,
        })
        .collect();
    let entries = trail
        .iter()
        .filter(|e| matches!(e, AuditEvent::SignalGenerated { signal } if !signal.is_exit))
        .count();
    assert!(entries > 5, "{entries}");
    assert_eq!(recorded.len(), entries, "one record per entry signal");
    let resolved: Vec<_> = trail
        .iter()
        .filter_map(|e| match e {
            AuditEvent::ShadowDecisionResolved { resolution } => Some(resolution.clone()),
            _ => None,
        })
        .collect();
    // Hourly bars, 4 h horizon: every record but the last few resolves, exactly once,
    // at the first bar at or after its horizon.
    assert!(
        resolved.len() + 5 >= recorded.len(),
        "{} of {}",
        resolved.len(),
        recorded.len()
    );
    for r in &resolved {
        let d = recorded.iter().find(|d| d.id == r.id).unwrap();
        assert!(r.resolved_at >= d.horizon_end);
        assert!(r.resolved_at < d.horizon_end + Duration::hours(1));
        // The rogue takes at 3x the pipeline's size, whatever the pipeline did.
        assert_eq!(
            r.advisors["rogue"].notional.value(),
            (d.notional.value() * Decimal::from(3)).round_dp(8)
        );
        assert_eq!(
            r.actual.is_taken(),
            d.outcome == domain::ActualOutcome::Taken
        );
    }
    assert_eq!(learned.load(Ordering::SeqCst) as usize, resolved.len());

    // Every day rolled reports the rogue's shift; each is flagged and alerted CRITICAL.
    let violations = trail
        .iter()
        .filter(|e| matches!(e, AuditEvent::WeightClampViolated { .. }))
        .count();
    assert!(violations >= 19, "{violations}");
    let recorded_shift = trail
        .iter()
        .find_map(|e| match e {
            AuditEvent::WeightClampViolated { shift } => Some(shift.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        recorded_shift.clamp.fraction(),
        Decimal::new(1, 1),
        "the configured clamp"
    );
    assert_eq!(
        recorded_shift.max_shift.fraction(),
        Decimal::new(5, 1),
        "re-measured"
    );
    let critical = trail
        .iter()
        .filter(|e| matches!(e, AuditEvent::AlertRaised { alert } if alert.severity == Severity::Critical && alert.kind == AlertKind::InvariantViolation))
        .count();
    assert_eq!(critical, violations);

    // The advisor changed nothing: the same run without a collector approves the same trades.
    let clock2 = Arc::new(SimClock::new(data_start()));
    let mut plain = engine_with(
        settings(TradingMode::Backtest),
        sma_cross(5, 20),
        paper_venue(),
        clock2.clone(),
    );
    let plain_trail = trail_of(&mut plain, clock2.clone(), 24 * 20);
    let orders = |t: &[AuditEvent]| -> Vec<String> {
        t.iter()
            .filter(|e| {
                matches!(
                    e,
                    AuditEvent::TradeApproved { .. }
                        | AuditEvent::OrderFilled { .. }
                        | AuditEvent::TradeRejected { .. }
                        | AuditEvent::TurnoverBlocked { .. }
                )
            })
            .map(|e| serde_json::to_string(e).unwrap())
            .collect()
    };
    assert_eq!(orders(&trail), orders(&plain_trail));

    // The advisor's state survives a restart in the engine state; the pending records
    // in the store, written with their batches.
    let state = engine.state();
    let saved = state.shadow.clone().unwrap();
    assert_eq!(
        saved["advisors"]["rogue"]["learned"],
        learned.load(Ordering::SeqCst)
    );
    assert!(
        saved.get("pending").is_none(),
        "pending records are not in the state"
    );
    let pending = futures::executor::block_on(engine.store().pending_shadow_decisions()).unwrap();
    assert_eq!(pending.len(), recorded.len() - resolved.len());
    assert_eq!(
        pending.iter().map(|d| &d.id).collect::<Vec<_>>(),
        engine
            .shadow()
            .unwrap()
            .pending()
            .iter()
            .map(|d| &d.id)
            .collect::<Vec<_>>()
    );
    let mut restarted = engine_with(
        settings(TradingMode::Backtest),
        sma_cross(5, 20),
        paper_venue(),
        Arc::new(SimClock::new(clock.now())),
    )
    .with_shadow(collector(Arc::new(AtomicU32::new(0))));
    restarted.restore(state).unwrap();
    restarted.restore_shadow_pending(pending.clone());
    assert_eq!(restarted.shadow().unwrap().pending(), pending.as_slice());
    // (The rogue does not restore its counter; the collector's own parts come back.)
    let again = restarted.state().shadow.unwrap();
    assert_eq!(again["hits"], saved["hits"]);
    assert_eq!(again["day"], saved["day"]);

    // An engine without a collector (an operator command's) keeps the stored shadow
    // state as it is, so applying a command never drops pending records.
    let mut operator_engine = engine_with(
        settings(TradingMode::Backtest),
        sma_cross(5, 20),
        paper_venue(),
        Arc::new(SimClock::new(clock.now())),
    );
    operator_engine.restore(engine.state()).unwrap();
    assert_eq!(operator_engine.state().shadow, Some(saved));

    // A saved state that does not parse never stops the engine: the collector starts
    // fresh and the next event raises a WARNING naming the shadow collector.
    let mut bad = engine.state();
    bad.shadow = Some(serde_json::json!({"pending": "nope"}));
    let clock3 = Arc::new(SimClock::new(clock.now()));
    let mut fresh = engine_with(
        settings(TradingMode::Backtest),
        sma_cross(5, 20),
        paper_venue(),
        clock3.clone(),
    )
    .with_shadow(collector(Arc::new(AtomicU32::new(0))));
    fresh.restore(bad).unwrap();
    let next = candle(&clock3, 24 * 400, Decimal::from(100), Decimal::from(101));
    futures::executor::block_on(fresh.on_event(next)).unwrap();
    let warned = fresh.last_events().iter().any(|e| {
        matches!(e, AuditEvent::AlertRaised { alert }
            if alert.severity == Severity::Warning && alert.message.contains("shadow"))
    });
    assert!(warned, "{:?}", fresh.last_events());
}
