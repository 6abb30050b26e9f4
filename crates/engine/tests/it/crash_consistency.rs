//! Issue 22: what a crash between two writes can leave behind. An order's status changes
//! in the batch that holds its fills, the position and the state; a dry-run restarted
//! between an order and its fill (the simulated venue died with the process) fills it
//! exactly as the uninterrupted run does.

use std::collections::BTreeMap;
use std::sync::Arc;

use domain::ports::{EventBatch, Store};
use domain::{AuditEvent, ClientOrderId, Fill, MarketEvent, OrderStatus, SimClock, TradingMode};
use engine::{Engine, EngineState, MemoryStore};
use futures::executor::block_on;
use replay::{ClockedReplay, MergedCandles, SymbolFile, TimeRange};
use rust_decimal::Decimal;

use crate::support::*;

type DryRun = Engine<paper::PaperVenue, MemoryStore, SimClock>;

fn dry_run(store: Arc<MemoryStore>, clock: Arc<SimClock>) -> DryRun {
    let mut s = settings(TradingMode::DryRun);
    s.persist_state = true;
    let mut strategies = BTreeMap::new();
    strategies.insert(btc(), vec![sma_cross(5, 20)]);
    let mut engine = Engine::new(s, strategies, paper_venue(), store, clock).unwrap();
    engine.set_filters(btc(), paper::default_filters()[&btc()].clone());
    engine
}

/// The first `rows` hourly BTC candles of the shared data, each with the clock set to it.
fn candles(rows: usize) -> Vec<MarketEvent> {
    let file = SymbolFile::new(btc(), shared().join("data/binance-BTCUSDT-1h.csv"));
    let merged = MergedCandles::open([file], TimeRange::ALL).unwrap();
    let clock = Arc::new(SimClock::new(data_start()));
    ClockedReplay::new(merged, clock)
        .take(rows)
        .map(Result::unwrap)
        .collect()
}

fn fills(store: &MemoryStore) -> Vec<Fill> {
    store
        .batches()
        .iter()
        .flat_map(|b| b.events.iter())
        .filter_map(|e| match e {
            AuditEvent::OrderFilled { fill } => Some(fill.clone()),
            _ => None,
        })
        .collect()
}

fn fresh() -> (Arc<MemoryStore>, Arc<SimClock>) {
    (
        Arc::new(MemoryStore::new(1_000_000)),
        Arc::new(SimClock::new(data_start())),
    )
}

#[test]
fn an_orders_terminal_status_is_stored_in_the_batch_of_its_fills() {
    let (store, clock) = fresh();
    let mut engine = dry_run(store.clone(), clock.clone());
    for event in candles(600) {
        clock.advance_to(event.event_time()).unwrap();
        block_on(engine.on_event(event)).unwrap();
    }
    let batches: Vec<EventBatch> = store.batches();
    let mut booked: BTreeMap<ClientOrderId, Decimal> = BTreeMap::new();
    let mut filled_orders = 0;
    for batch in &batches {
        for event in &batch.events {
            if let AuditEvent::OrderFilled { fill } = event {
                *booked.entry(fill.client_order_id.clone()).or_default() += fill.qty.value();
                assert!(
                    batch
                        .orders
                        .iter()
                        .any(|o| o.client_order_id == fill.client_order_id),
                    "batch {} books a fill of {} without the order's new state",
                    batch.event_id,
                    fill.client_order_id
                );
            }
        }
        for order in &batch.orders {
            let in_trail = booked
                .get(&order.client_order_id)
                .copied()
                .unwrap_or_default();
            assert_eq!(
                order.filled_qty.value(),
                in_trail,
                "batch {} stores order {} as {:?} with {} filled, its fills so far add up to {in_trail}",
                batch.event_id,
                order.client_order_id,
                order.status,
                order.filled_qty.value()
            );
            if order.status == OrderStatus::Filled {
                filled_orders += 1;
            }
        }
    }
    assert!(filled_orders >= 4, "the replay traded: {filled_orders}");
}

#[test]
fn a_dry_run_restarted_between_an_order_and_its_fill_fills_it_as_if_it_never_stopped() {
    let events = candles(600);
    // Uninterrupted.
    let (store, clock) = fresh();
    let mut engine = dry_run(store.clone(), clock.clone());
    for event in events.iter().cloned() {
        clock.advance_to(event.event_time()).unwrap();
        block_on(engine.on_event(event)).unwrap();
    }
    let expected = fills(&store);
    let expected_equity = engine.portfolio().equity();
    assert!(expected.len() >= 4, "the replay traded: {}", expected.len());

    // Stopped right after the first event that leaves an order working at the venue.
    let (store, clock) = fresh();
    let mut first = dry_run(store.clone(), clock.clone());
    let mut stop_after = None;
    for (i, event) in events.iter().cloned().enumerate() {
        clock.advance_to(event.event_time()).unwrap();
        block_on(first.on_event(event)).unwrap();
        if first.working_orders().count() > 0 {
            stop_after = Some(i);
            break;
        }
    }
    let stop_after = stop_after.expect("an order was working at some point");
    drop(first);

    // A new process: a fresh simulated venue, the state read back from the store.
    let state: EngineState =
        serde_json::from_value(block_on(store.latest_state()).unwrap().unwrap()).unwrap();
    let mut second = dry_run(store.clone(), clock.clone());
    second.restore(state).unwrap();
    let report = block_on(second.reconcile()).unwrap();
    assert_eq!(
        (report.checked, report.confirmed, report.not_found),
        (1, 1, 0),
        "the working order is known to the restored venue: {report}"
    );
    for event in &events[..=stop_after] {
        second.warm_up(event);
    }
    for event in events[stop_after + 1..].iter().cloned() {
        clock.advance_to(event.event_time()).unwrap();
        block_on(second.on_event(event)).unwrap();
    }
    assert_eq!(fills(&store), expected);
    assert_eq!(second.portfolio().equity(), expected_equity);
}

/// Never says anything.
struct Silent(domain::StrategyId);

impl domain::ports::Strategy for Silent {
    fn id(&self) -> &domain::StrategyId {
        &self.0
    }
    fn on_candle(&mut self, _candle: &domain::Candle) -> Option<domain::Signal> {
        None
    }
}

/// Finding 10: a stretch where nothing happens still moves the resume point, at least every
/// five minutes of engine time, so a crash loop cannot replay the same quiet hours forever.
#[test]
fn a_quiet_stretch_still_saves_progress_every_few_minutes_of_engine_time() {
    let (store, clock) = fresh();
    let mut s = settings(TradingMode::DryRun);
    s.persist_state = true;
    let mut strategies: BTreeMap<domain::Symbol, Vec<Box<dyn domain::ports::Strategy>>> =
        BTreeMap::new();
    strategies.insert(
        btc(),
        vec![Box::new(Silent(domain::StrategyId::new("silent").unwrap()))],
    );
    let mut engine =
        Engine::new(s, strategies, paper_venue(), store.clone(), clock.clone()).unwrap();
    let start = data_start();
    let mut last = start;
    for i in 0..120 {
        // One-minute candles for two hours.
        let open_time = start + chrono::Duration::minutes(i);
        let close_time = open_time + chrono::Duration::minutes(1);
        clock.advance_to(close_time).unwrap();
        let candle = domain::Candle::new(domain::CandleFields {
            symbol: btc(),
            open_time,
            close_time,
            open: Decimal::from(100),
            high: Decimal::from(101),
            low: Decimal::from(99),
            close: Decimal::from(100),
            volume: Decimal::from(10),
        })
        .unwrap();
        block_on(engine.on_event(MarketEvent::Candle(candle))).unwrap();
        last = close_time;
    }
    let state: EngineState =
        serde_json::from_value(block_on(store.latest_state()).unwrap().unwrap()).unwrap();
    let saved = state.last_event_at.unwrap();
    assert!(
        last - saved < chrono::Duration::minutes(5),
        "resume point {saved} lags the last event {last}"
    );
    let snapshots = store
        .batches()
        .iter()
        .filter(|b| !b.state.is_null())
        .count();
    assert!(
        (20..=30).contains(&snapshots),
        "about one snapshot per five minutes of two quiet hours, not one per candle: {snapshots}"
    );
}

/// Two symbols share an event time: a state saved after the first of them was processed
/// must replay the second, not skip it.
#[test]
fn the_resume_point_is_per_symbol() {
    use engine::ResumePoint;
    let t = data_start();
    let eth = domain::Symbol::new("ETH-USD").unwrap();
    let sol = domain::Symbol::new("SOL-USD").unwrap();
    let mut per_symbol = BTreeMap::new();
    per_symbol.insert(btc(), t);
    per_symbol.insert(eth.clone(), t - chrono::Duration::minutes(1));
    let point = ResumePoint {
        last_event_at: Some(t),
        per_symbol,
    };
    assert!(point.processed(&btc(), t));
    assert!(!point.processed(&eth, t), "ETH at t was not processed yet");
    assert!(point.processed(&eth, t - chrono::Duration::minutes(1)));
    // A symbol the state never saw: nothing from the last event time on was processed.
    assert!(!point.processed(&sol, t));
    assert!(point.processed(&sol, t - chrono::Duration::minutes(1)));
    // States saved before per-symbol times: everything up to the last event time.
    let legacy = ResumePoint {
        last_event_at: Some(t),
        per_symbol: BTreeMap::new(),
    };
    assert!(legacy.processed(&eth, t));
    assert!(!legacy.processed(&eth, t + chrono::Duration::minutes(1)));
    assert!(!ResumePoint::default().processed(&btc(), t));
}

/// A venue that acknowledges market orders as working and fills them at the next bar,
/// reporting the fill only when asked (as a real exchange does), never via `observe_market`.
#[derive(Default)]
struct AskToLearn {
    orders: std::sync::Mutex<Vec<(domain::Order, Vec<Fill>)>>,
}

#[async_trait::async_trait]
impl domain::ports::ExecutionVenue for AskToLearn {
    async fn submit(
        &self,
        order: domain::Approved<domain::OrderIntent>,
    ) -> domain::ports::SubmitOutcome {
        let intent = order.into_inner();
        let acked = domain::Order {
            client_order_id: intent.client_order_id.clone(),
            venue_order_id: Some("x-1".into()),
            symbol: intent.symbol.clone(),
            side: intent.side,
            order_type: intent.order_type,
            qty: intent.qty,
            filled_qty: domain::Qty::ZERO,
            avg_fill_price: None,
            status: OrderStatus::Open,
            created_at: intent.created_at,
            updated_at: intent.created_at,
        };
        self.orders
            .lock()
            .unwrap()
            .push((acked.clone(), Vec::new()));
        domain::ports::SubmitOutcome::Confirmed {
            order: acked,
            fills: Vec::new(),
        }
    }
    async fn query(
        &self,
        id: &ClientOrderId,
    ) -> Result<Option<domain::Order>, domain::ports::VenueError> {
        Ok(self
            .orders
            .lock()
            .unwrap()
            .iter()
            .find(|(o, _)| &o.client_order_id == id)
            .map(|(o, _)| o.clone()))
    }
    async fn cancel(
        &self,
        _id: &ClientOrderId,
    ) -> Result<domain::Order, domain::ports::VenueError> {
        Err(domain::ports::VenueError::Unavailable(
            "no cancels here".into(),
        ))
    }
    async fn open_orders(&self) -> Result<Vec<domain::Order>, domain::ports::VenueError> {
        Ok(Vec::new())
    }
    async fn fills(&self, id: &ClientOrderId) -> Result<Vec<Fill>, domain::ports::VenueError> {
        Ok(self
            .orders
            .lock()
            .unwrap()
            .iter()
            .find(|(o, _)| &o.client_order_id == id)
            .map(|(_, f)| f.clone())
            .unwrap_or_default())
    }
    async fn filters(
        &self,
        symbol: &domain::Symbol,
    ) -> Result<domain::InstrumentFilters, domain::ports::VenueError> {
        paper::default_filters()
            .get(symbol)
            .cloned()
            .ok_or_else(|| domain::ports::VenueError::UnknownSymbol(symbol.clone()))
    }
    fn observe_market(&self, event: &MarketEvent) -> Vec<Fill> {
        // The exchange fills working orders at this bar's open; the engine finds out by asking.
        for (order, fills) in self.orders.lock().unwrap().iter_mut() {
            if order.status == OrderStatus::Open {
                let price = domain::Price::new(event.last_price().value()).unwrap();
                fills.push(Fill {
                    client_order_id: order.client_order_id.clone(),
                    trade_id: format!("{}-t1", order.client_order_id),
                    symbol: order.symbol.clone(),
                    side: order.side,
                    qty: order.qty,
                    price,
                    fee: domain::Money::ZERO,
                    ts: event.event_time(),
                });
                order.filled_qty = order.qty;
                order.avg_fill_price = Some(price);
                order.status = OrderStatus::Filled;
            }
        }
        Vec::new()
    }
}

/// The Binance-like path: a market order acknowledged as working and filled at the venue is
/// booked from the venue's fills, with its filled status in the same batch as the fill.
#[test]
fn a_working_order_filled_at_the_venue_is_booked_with_its_status_in_one_batch() {
    let venue = Arc::new(AskToLearn::default());
    let clock = Arc::new(SimClock::new(start()));
    let mut s = settings(TradingMode::Backtest);
    s.guardrails = engine::Guardrails::Off;
    s.sizing = engine::Sizing::AllIn;
    let mut engine = engine_with(s, sma_cross(2, 3), venue.clone(), clock.clone());
    let mut price = Decimal::from(100);
    for i in 0..40 {
        // Down, then up: the fast average crosses above the slow one.
        price += if i < 10 {
            Decimal::from(-1)
        } else {
            Decimal::from(2)
        };
        block_on(engine.on_event(candle(&clock, i, price, price))).unwrap();
        if engine.portfolio().position(&btc()).is_some() {
            break;
        }
    }
    assert!(
        engine.portfolio().position(&btc()).is_some(),
        "the venue's fill was booked"
    );
    let batches = engine.store().batches();
    let booked = batches
        .iter()
        .find(|b| {
            b.events
                .iter()
                .any(|e| matches!(e, AuditEvent::OrderFilled { .. }))
        })
        .expect("a batch with the fill");
    assert!(
        booked
            .orders
            .iter()
            .any(|o| o.status == OrderStatus::Filled && !o.filled_qty.is_zero()),
        "the filled status is stored with the fill: {:?}",
        booked.orders
    );
}
