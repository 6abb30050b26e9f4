//! A submission whose outcome is unknown (timeout after the venue accepted it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use domain::ports::{ExecutionVenue, SubmitOutcome, VenueError};
use domain::{
    Approved, ClientOrderId, Fill, InstrumentFilters, MarketEvent, Order, OrderIntent, SimClock,
    Symbol, TradingMode,
};
use engine::{Guardrails, Sizing};
use paper::PaperVenue;

use crate::support::*;

/// The paper venue, except that the first submission's answer is lost in transit:
/// the order is placed, but the caller is told "unknown".
struct LossyVenue {
    inner: PaperVenue,
    lose_next: AtomicBool,
}

#[async_trait]
impl ExecutionVenue for LossyVenue {
    async fn submit(&self, order: Approved<OrderIntent>) -> SubmitOutcome {
        let outcome = self.inner.submit(order).await;
        if self.lose_next.swap(false, Ordering::SeqCst) {
            return SubmitOutcome::Unknown {
                detail: "timeout after 10s".into(),
            };
        }
        outcome
    }
    async fn query(&self, id: &ClientOrderId) -> Result<Option<Order>, VenueError> {
        self.inner.query(id).await
    }
    async fn cancel(&self, id: &ClientOrderId) -> Result<Order, VenueError> {
        self.inner.cancel(id).await
    }
    async fn open_orders(&self) -> Result<Vec<Order>, VenueError> {
        self.inner.open_orders().await
    }
    async fn fills(&self, id: &ClientOrderId) -> Result<Vec<Fill>, VenueError> {
        self.inner.fills(id).await
    }
    async fn filters(&self, symbol: &Symbol) -> Result<InstrumentFilters, VenueError> {
        self.inner.filters(symbol).await
    }
    fn observe_market(&self, event: &MarketEvent) -> Vec<Fill> {
        self.inner.observe_market(event)
    }
}

#[test]
fn an_unknown_outcome_is_queried_not_resubmitted_and_its_fills_are_applied_once() {
    let clock = Arc::new(SimClock::new(data_start()));
    let venue = Arc::new(LossyVenue {
        inner: PaperVenue::new(paper::PaperConfig {
            fill: paper::FillPolicy::Close,
            ..paper::PaperConfig::default()
        })
        .unwrap(),
        lose_next: AtomicBool::new(true),
    });
    let mut s = settings(TradingMode::Backtest);
    s.guardrails = Guardrails::Off;
    s.sizing = Sizing::AllIn;
    let mut engine = engine_with(s, sma_cross(10, 30), venue.clone(), clock.clone());
    replay_btc_1h(&mut engine, clock, 1500);
    let summary = engine.summary();
    assert_eq!(summary.orders_unknown, 1, "{summary:?}");
    // The lost order was found at the venue and its fill applied exactly once: every
    // fill the venue reports is in the portfolio's books, none twice.
    let venue_orders: usize = summary.orders_submitted as usize;
    assert!(venue_orders >= 2);
    assert_eq!(
        summary.fills, summary.orders_submitted,
        "each all-in market order fills once: {summary:?}"
    );
    let first: Vec<ClientOrderId> = engine
        .store()
        .batches()
        .iter()
        .flat_map(|b| b.events.iter())
        .filter_map(|e| match e {
            domain::AuditEvent::OrderFailed {
                client_order_id, ..
            } => Some(client_order_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(first.len(), 1);
    let stored = futures::executor::block_on(domain::ports::Store::order(
        engine.store().as_ref(),
        &first[0],
    ))
    .unwrap()
    .unwrap();
    assert_eq!(stored.status, domain::OrderStatus::Filled, "{stored:?}");
}
