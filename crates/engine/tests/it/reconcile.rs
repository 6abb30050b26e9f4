//! Start-up reconciliation: stored orders that were working or in doubt when the engine
//! stopped are checked against the venue before any event.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use domain::ports::{EventBatch, ExecutionVenue, Store, Strategy, SubmitOutcome, VenueError};
use domain::{
    Approved, AuditEvent, Candle, ClientOrderId, Confidence, Features, Fill, InstrumentFilters,
    Money, Order, OrderFailure, OrderIntent, OrderStatus, OrderType, Price, Qty, Ratio, Severity,
    Side, Signal, SimClock, StrategyId, Symbol, Tier, TradingMode,
};
use engine::{Guardrails, ReconcileReport, Sizing};
use futures::executor::block_on;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::support::*;

/// A venue whose orders and fills the test sets, which can be "down", and which counts
/// the calls it gets.
#[derive(Default)]
struct FakeVenue {
    orders: Mutex<BTreeMap<ClientOrderId, Order>>,
    fills: Mutex<BTreeMap<ClientOrderId, Vec<Fill>>>,
    down: AtomicBool,
    queries: AtomicU32,
    submits: AtomicU32,
}

impl FakeVenue {
    fn knows(&self, order: Order, fills: Vec<Fill>) {
        let id = order.client_order_id.clone();
        self.orders.lock().unwrap().insert(id.clone(), order);
        self.fills.lock().unwrap().insert(id, fills);
    }
    fn unavailable<T>(&self) -> Result<T, VenueError> {
        Err(VenueError::Unavailable("connection reset".into()))
    }
}

#[async_trait]
impl ExecutionVenue for FakeVenue {
    async fn submit(&self, _order: Approved<OrderIntent>) -> SubmitOutcome {
        self.submits.fetch_add(1, Ordering::SeqCst);
        SubmitOutcome::Rejected(OrderFailure::Rejected {
            venue_code: None,
            venue_message: "test venue refuses everything".into(),
        })
    }
    async fn query(&self, id: &ClientOrderId) -> Result<Option<Order>, VenueError> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return self.unavailable();
        }
        Ok(self.orders.lock().unwrap().get(id).cloned())
    }
    async fn cancel(&self, _id: &ClientOrderId) -> Result<Order, VenueError> {
        self.unavailable()
    }
    async fn open_orders(&self) -> Result<Vec<Order>, VenueError> {
        Ok(self.orders.lock().unwrap().values().cloned().collect())
    }
    async fn fills(&self, id: &ClientOrderId) -> Result<Vec<Fill>, VenueError> {
        if self.down.load(Ordering::SeqCst) {
            return self.unavailable();
        }
        Ok(self
            .fills
            .lock()
            .unwrap()
            .get(id)
            .cloned()
            .unwrap_or_default())
    }
    async fn filters(&self, symbol: &Symbol) -> Result<InstrumentFilters, VenueError> {
        paper::default_filters()
            .get(symbol)
            .cloned()
            .ok_or_else(|| VenueError::UnknownSymbol(symbol.clone()))
    }
}

/// Wants to buy on every candle.
struct AlwaysBuy(StrategyId);

impl Strategy for AlwaysBuy {
    fn id(&self) -> &StrategyId {
        &self.0
    }
    fn on_candle(&mut self, candle: &Candle) -> Option<Signal> {
        Some(Signal {
            symbol: candle.symbol().clone(),
            side: Side::Buy,
            confidence: Confidence::new(dec!(0.9)).unwrap(),
            tier: Tier::High,
            expected_edge: Ratio::ZERO,
            price: candle.close(),
            stop_distance: None,
            is_exit: false,
            strategy: self.0.clone(),
            features: Features::default(),
            ts: candle.close_time(),
        })
    }
}

fn always_buy() -> Box<dyn Strategy> {
    Box::new(AlwaysBuy(StrategyId::new("always_buy").unwrap()))
}

fn id(text: &str) -> ClientOrderId {
    ClientOrderId::new(text).unwrap()
}

/// A buy market order of `qty` BTC, `filled` of it at 40 000, with `status`.
fn order(text: &str, qty: Decimal, filled: Decimal, status: OrderStatus) -> Order {
    Order {
        client_order_id: id(text),
        venue_order_id: (status != OrderStatus::PendingSubmit).then(|| format!("v-{text}")),
        symbol: btc(),
        side: Side::Buy,
        order_type: OrderType::Market,
        qty: Qty::new(qty).unwrap(),
        filled_qty: Qty::new(filled).unwrap(),
        avg_fill_price: (filled > Decimal::ZERO).then(|| Price::new(dec!(40000)).unwrap()),
        status,
        created_at: start(),
        updated_at: start(),
    }
}

fn fill(order: &str, trade: &str, qty: Decimal) -> Fill {
    Fill {
        client_order_id: id(order),
        trade_id: trade.to_string(),
        symbol: btc(),
        side: Side::Buy,
        qty: Qty::new(qty).unwrap(),
        price: Price::new(dec!(40000)).unwrap(),
        fee: Money::new(dec!(1)),
        ts: start(),
    }
}

fn engine_over(venue: Arc<FakeVenue>) -> (TestEngine<FakeVenue>, Arc<SimClock>) {
    let clock = Arc::new(SimClock::new(start()));
    let mut s = settings(TradingMode::Backtest);
    s.guardrails = Guardrails::Off;
    s.sizing = Sizing::AllIn;
    (engine_with(s, always_buy(), venue, clock.clone()), clock)
}

fn reconcile_batches(engine: &TestEngine<FakeVenue>) -> Vec<EventBatch> {
    engine
        .store()
        .batches()
        .into_iter()
        .filter(|b| b.event_id.starts_with("reconcile:"))
        .collect()
}

fn warnings(batch: &EventBatch) -> Vec<String> {
    batch
        .events
        .iter()
        .filter_map(|e| match e {
            AuditEvent::AlertRaised { alert } if alert.severity == Severity::Warning => {
                Some(alert.message.clone())
            }
            _ => None,
        })
        .collect()
}

fn position_qty(engine: &TestEngine<FakeVenue>) -> Option<Decimal> {
    engine.portfolio().position(&btc()).map(|p| p.qty().value())
}

#[test]
fn an_order_the_venue_does_not_know_is_marked_failed_with_an_alert_and_no_exposure() {
    let venue = Arc::new(FakeVenue::default());
    let (mut engine, _clock) = engine_over(venue.clone());
    let store = engine.store().clone();
    block_on(store.put_order(&order(
        "rp-lost-1",
        dec!(0.1),
        dec!(0),
        OrderStatus::PendingSubmit,
    )))
    .unwrap();

    let report = block_on(engine.reconcile()).unwrap();
    assert_eq!(
        report,
        ReconcileReport {
            checked: 1,
            not_found: 1,
            ..ReconcileReport::default()
        }
    );
    assert!(report.needs_attention());
    assert_eq!(venue.queries.load(Ordering::SeqCst), 1);
    let stored = block_on(store.order(&id("rp-lost-1"))).unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Rejected);
    assert!(block_on(store.open_orders()).unwrap().is_empty());
    assert_eq!(position_qty(&engine), None);
    assert_eq!(engine.working_orders().count(), 0);

    let batches = reconcile_batches(&engine);
    assert_eq!(batches.len(), 1);
    assert!(batches[0].events.iter().any(|e| matches!(
        e,
        AuditEvent::OrderFailed { client_order_id, .. } if *client_order_id == id("rp-lost-1")
    )));
    let warned = warnings(&batches[0]);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("not known to the venue"), "{warned:?}");

    // Nothing left to reconcile: no second batch.
    let again = block_on(engine.reconcile()).unwrap();
    assert_eq!(again, ReconcileReport::default());
    assert_eq!(reconcile_batches(&engine).len(), 1);
}

#[test]
fn an_order_filled_while_the_engine_was_down_is_applied_once() {
    let venue = Arc::new(FakeVenue::default());
    venue.knows(
        order("rp-done-1", dec!(0.1), dec!(0.1), OrderStatus::Filled),
        vec![fill("rp-done-1", "t-1", dec!(0.1))],
    );
    let (mut engine, _clock) = engine_over(venue.clone());
    let store = engine.store().clone();
    block_on(store.put_order(&order(
        "rp-done-1",
        dec!(0.1),
        dec!(0),
        OrderStatus::Unknown,
    )))
    .unwrap();

    let report = block_on(engine.reconcile()).unwrap();
    assert_eq!(
        report,
        ReconcileReport {
            checked: 1,
            confirmed: 1,
            filled: 1,
            ..ReconcileReport::default()
        }
    );
    assert!(!report.needs_attention());
    assert_eq!(position_qty(&engine), Some(dec!(0.1)));
    let stored = block_on(store.order(&id("rp-done-1"))).unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Filled);
    assert_eq!(engine.working_orders().count(), 0);
    assert_eq!(
        block_on(store.fills_of(&id("rp-done-1"))).unwrap(),
        vec![fill("rp-done-1", "t-1", dec!(0.1))]
    );
    assert!(block_on(store.open_orders()).unwrap().is_empty());

    // Reconciling again (e.g. after a reconnect) finds nothing to do.
    assert_eq!(
        block_on(engine.reconcile()).unwrap(),
        ReconcileReport::default()
    );
    assert_eq!(position_qty(&engine), Some(dec!(0.1)));
    assert_eq!(reconcile_batches(&engine).len(), 1);
    // The order is terminal and the position open: a new entry is not even an intent.
    assert_eq!(engine.summary().fills, 1);
}

#[test]
fn a_stored_fill_is_not_applied_twice_and_a_working_order_keeps_the_venue_quantity() {
    let venue = Arc::new(FakeVenue::default());
    venue.knows(
        order(
            "rp-part-1",
            dec!(0.2),
            dec!(0.1),
            OrderStatus::PartiallyFilled,
        ),
        vec![
            fill("rp-part-1", "t-1", dec!(0.05)),
            fill("rp-part-1", "t-2", dec!(0.05)),
        ],
    );
    let (mut engine, _clock) = engine_over(venue.clone());
    let store = engine.store().clone();
    // Before the stop: the order was acknowledged and its first fill stored (the restored
    // portfolio of a real restart holds it; this engine's fresh portfolio does not).
    block_on(store.put_order(&order(
        "rp-part-1",
        dec!(0.2),
        dec!(0.05),
        OrderStatus::PartiallyFilled,
    )))
    .unwrap();
    assert!(
        block_on(store.append(&EventBatch {
            event_id: "BTC-USD:candle:1".into(),
            at: start(),
            events: vec![AuditEvent::OrderFilled {
                fill: fill("rp-part-1", "t-1", dec!(0.05)),
            }],
            state: serde_json::Value::Null,
            orders: Vec::new(),
        }))
        .unwrap()
    );

    let report = block_on(engine.reconcile()).unwrap();
    assert_eq!(
        report,
        ReconcileReport {
            checked: 1,
            confirmed: 1,
            filled: 1,
            ..ReconcileReport::default()
        }
    );
    // Only t-2 was applied here (appending t-1 again would have been a store conflict).
    assert_eq!(position_qty(&engine), Some(dec!(0.05)));
    assert_eq!(
        block_on(store.fills_of(&id("rp-part-1"))).unwrap(),
        vec![
            fill("rp-part-1", "t-1", dec!(0.05)),
            fill("rp-part-1", "t-2", dec!(0.05))
        ]
    );
    // Still working, with the venue's filled quantity (not counted twice).
    let working: Vec<&Order> = engine.working_orders().collect();
    assert_eq!(working.len(), 1);
    assert_eq!(working[0].filled_qty.value(), dec!(0.1));
    assert_eq!(working[0].status, OrderStatus::PartiallyFilled);
    let stored = block_on(store.order(&id("rp-part-1"))).unwrap().unwrap();
    assert_eq!(stored.filled_qty.value(), dec!(0.1));
    assert_eq!(block_on(store.open_orders()).unwrap().len(), 1);

    // A reconnect later: the venue reports the same fills, nothing is applied again.
    let again = block_on(engine.reconcile()).unwrap();
    assert_eq!((again.checked, again.confirmed, again.filled), (1, 1, 0));
    assert_eq!(position_qty(&engine), Some(dec!(0.05)));
    assert_eq!(reconcile_batches(&engine).len(), 1, "nothing new happened");
}

#[test]
fn a_venue_error_blocks_new_exposure_on_the_symbol_until_resolved() {
    let venue = Arc::new(FakeVenue::default());
    venue.down.store(true, Ordering::SeqCst);
    let (mut engine, clock) = engine_over(venue.clone());
    let store = engine.store().clone();
    block_on(store.put_order(&order(
        "rp-doubt-1",
        dec!(0.1),
        dec!(0),
        OrderStatus::Unknown,
    )))
    .unwrap();

    let report = block_on(engine.reconcile()).unwrap();
    assert_eq!(
        report,
        ReconcileReport {
            checked: 1,
            unresolved: 1,
            ..ReconcileReport::default()
        }
    );
    let batches = reconcile_batches(&engine);
    assert_eq!(batches.len(), 1);
    let warned = warnings(&batches[0]);
    assert!(
        warned.len() == 1 && warned[0].contains("blocked"),
        "{warned:?}"
    );
    // Still in doubt at the store.
    assert_eq!(block_on(store.open_orders()).unwrap().len(), 1);

    // The venue is still down: the entry signal is withheld, nothing is sent.
    block_on(engine.on_event(candle(&clock, 1, dec!(40000), dec!(40100)))).unwrap();
    let rejected: Vec<&str> = engine
        .last_events()
        .iter()
        .filter_map(|e| match e {
            AuditEvent::TradeRejected { reasons, .. } => Some(reasons[0].code()),
            _ => None,
        })
        .collect();
    assert_eq!(rejected, vec!["unresolved_order"]);
    assert_eq!(venue.submits.load(Ordering::SeqCst), 0);
    assert_eq!(engine.summary().orders_submitted, 0);

    // The venue answers again and does not know the order: resolved, trading resumes.
    venue.down.store(false, Ordering::SeqCst);
    block_on(engine.on_event(candle(&clock, 2, dec!(40100), dec!(40200)))).unwrap();
    assert!(
        !engine
            .last_events()
            .iter()
            .any(|e| matches!(e, AuditEvent::TradeRejected { .. })),
        "{:?}",
        engine.last_events()
    );
    assert_eq!(venue.submits.load(Ordering::SeqCst), 1);
    let stored = block_on(store.order(&id("rp-doubt-1"))).unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Rejected);
}

/// An order the venue refuses is no trade: its shadow record says `rejected`
/// (`venue_rejected`), and the actual counterfactual commits nothing.
#[test]
fn a_venue_refusal_is_recorded_as_rejected_in_the_shadow_record() {
    let venue = Arc::new(FakeVenue::default());
    let (engine, clock) = engine_over(venue.clone());
    let collector = shadow_collector::ShadowCollector::new(
        shadow_collector::ShadowSettings {
            horizon: chrono::Duration::hours(4),
            costs: shadow_collector::CostAssumptions {
                fee_bps: dec!(10),
                slippage_bps: dec!(5),
                spread_bps: dec!(2),
            },
            hit_window: 20,
            max_weight_shift: Ratio::from_fraction(dec!(0.1)),
        },
        Vec::new(),
    );
    let mut engine = engine.with_shadow(collector);
    block_on(engine.on_event(candle(&clock, 0, dec!(100), dec!(101)))).unwrap();
    assert!(
        venue.submits.load(Ordering::SeqCst) >= 1,
        "the signal reached the venue"
    );
    let recorded: Vec<_> = engine
        .last_events()
        .iter()
        .filter_map(|e| match e {
            AuditEvent::ShadowDecisionRecorded { decision } => Some(decision.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(recorded.len(), 1, "{:?}", engine.last_events());
    assert_eq!(recorded[0].outcome, domain::ActualOutcome::Rejected);
    assert_eq!(recorded[0].reasons, vec!["venue_rejected".to_string()]);
}

/// Issue 22, finding 1: a store written before orders shared their fills' batch may hold a
/// filled order without its fill. Reconciliation finds it and books the venue's fill once.
#[test]
fn a_filled_order_whose_fill_never_reached_the_trail_gets_it_from_the_venue() {
    let venue = Arc::new(FakeVenue::default());
    venue.knows(
        order("rp-gap-1", dec!(0.1), dec!(0.1), OrderStatus::Filled),
        vec![fill("rp-gap-1", "t-1", dec!(0.1))],
    );
    let (mut engine, _clock) = engine_over(venue.clone());
    let store = engine.store().clone();
    block_on(store.put_order(&order(
        "rp-gap-1",
        dec!(0.1),
        dec!(0.1),
        OrderStatus::Filled,
    )))
    .unwrap();
    assert_eq!(block_on(store.unbooked_orders()).unwrap().len(), 1);

    let report = block_on(engine.reconcile()).unwrap();
    assert_eq!(
        report,
        ReconcileReport {
            filled: 1,
            unbooked: 1,
            ..ReconcileReport::default()
        }
    );
    assert!(report.needs_attention());
    assert_eq!(position_qty(&engine), Some(dec!(0.1)));
    assert_eq!(
        block_on(store.fills_of(&id("rp-gap-1"))).unwrap(),
        vec![fill("rp-gap-1", "t-1", dec!(0.1))]
    );
    assert!(block_on(store.unbooked_orders()).unwrap().is_empty());
    let batches = reconcile_batches(&engine);
    assert_eq!(batches.len(), 1);
    assert!(
        warnings(&batches[0])
            .iter()
            .any(|w| w.contains("missing fills recovered from the venue")),
        "{:?}",
        warnings(&batches[0])
    );
    // Nothing is left for the next reconciliation.
    assert_eq!(
        block_on(engine.reconcile()).unwrap(),
        ReconcileReport::default()
    );
}

/// The same gap when the venue cannot supply the fill (a simulated venue that restarted):
/// the order is stored as the trail books it, with a CRITICAL alert, and no position is
/// invented.
#[test]
fn a_filled_order_whose_fill_is_lost_everywhere_is_stored_as_booked_with_a_critical_alert() {
    let venue = Arc::new(FakeVenue::default());
    let (mut engine, _clock) = engine_over(venue.clone());
    let store = engine.store().clone();
    block_on(store.put_order(&order(
        "rp-gone-1",
        dec!(0.1),
        dec!(0.1),
        OrderStatus::Filled,
    )))
    .unwrap();

    let report = block_on(engine.reconcile()).unwrap();
    assert_eq!((report.unbooked, report.unbooked_lost), (1, 1));
    assert_eq!(position_qty(&engine), None);
    let stored = block_on(store.order(&id("rp-gone-1"))).unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Rejected);
    assert!(stored.filled_qty.is_zero());
    assert!(block_on(store.unbooked_orders()).unwrap().is_empty());
    let batches = reconcile_batches(&engine);
    let critical: Vec<String> = batches[0]
        .events
        .iter()
        .filter_map(|e| match e {
            AuditEvent::AlertRaised { alert } if alert.severity == Severity::Critical => {
                Some(alert.message.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(critical.len(), 1, "{critical:?}");
    assert!(
        critical[0].contains("the venue cannot supply the rest"),
        "{critical:?}"
    );
}
