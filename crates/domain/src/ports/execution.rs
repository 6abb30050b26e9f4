//! The `ExecutionVenue` port: where approved orders go.

use async_trait::async_trait;
use thiserror::Error;

use crate::events::OrderFailure;
use crate::filters::InstrumentFilters;
use crate::market::MarketEvent;
use crate::order::{Approved, ClientOrderId, Fill, Order, OrderIntent};
use crate::symbol::Symbol;

/// The three-valued outcome of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// The venue acknowledged the order; any immediate fills are included.
    Confirmed {
        /// The order as the venue knows it.
        order: Order,
        /// Fills reported with the acknowledgement.
        fills: Vec<Fill>,
    },
    /// The venue explicitly refused the order; it does not exist there.
    Rejected(OrderFailure),
    /// Timeout, disconnect or 5xx: the order may exist. Query before resubmitting.
    Unknown {
        /// What happened.
        detail: String,
    },
}

/// A query or cancel could not be completed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VenueError {
    /// The venue could not be reached or answered 5xx.
    #[error("venue unavailable: {0}")]
    Unavailable(String),
    /// The venue refused the request.
    #[error("venue refused: {0:?}")]
    Refused(OrderFailure),
    /// The symbol is not traded at this venue.
    #[error("unknown symbol {0}")]
    UnknownSymbol(Symbol),
}

/// A place that executes orders: the paper simulator, a testnet or an exchange.
///
/// Contract:
/// - `submit` accepts only `Approved<OrderIntent>`: nothing unchecked reaches a venue.
/// - Submitting the same `client_order_id` twice MUST NOT create a second order;
///   the second call returns the existing order's state.
/// - A timeout or 5xx MUST be reported as `SubmitOutcome::Unknown`, never as `Rejected`.
/// - `query` MUST return `Ok(None)` only when the venue positively does not know the id.
#[async_trait]
pub trait ExecutionVenue: Send + Sync {
    /// Sends an approved order.
    async fn submit(&self, order: Approved<OrderIntent>) -> SubmitOutcome;
    /// Looks an order up by our client order id.
    async fn query(&self, id: &ClientOrderId) -> Result<Option<Order>, VenueError>;
    /// Cancels a working order.
    async fn cancel(&self, id: &ClientOrderId) -> Result<Order, VenueError>;
    /// Every non-terminal order at the venue.
    async fn open_orders(&self) -> Result<Vec<Order>, VenueError>;
    /// Fills of one order.
    async fn fills(&self, id: &ClientOrderId) -> Result<Vec<Fill>, VenueError>;
    /// Current trading rules of a symbol.
    async fn filters(&self, symbol: &Symbol) -> Result<InstrumentFilters, VenueError>;

    /// Shows a simulated venue the market (so it can fill at the next open or
    /// when a limit is crossed) and returns the fills that caused. Real venues
    /// report fills through their own streams and keep this default (no fills).
    /// Synchronous and cheap when nothing is pending: it runs on every event.
    fn observe_market(&self, event: &MarketEvent) -> Vec<Fill> {
        let _ = event;
        Vec::new()
    }

    /// The venue's own state, saved with the engine's in every snapshot batch: a simulated
    /// venue's working orders and market memory, which would otherwise die with the
    /// process (a restarted dry-run would forget the order it was about to fill). Real
    /// venues keep their state themselves and return `None` (the default).
    fn state_json(&self) -> Option<serde_json::Value> {
        None
    }

    /// Continues from a state returned by [`ExecutionVenue::state_json`] (after a restart,
    /// before any order). The default ignores it.
    fn restore_json(&self, state: &serde_json::Value) -> Result<(), VenueError> {
        let _ = state;
        Ok(())
    }
}
