//! [`PaperVenue`]: the `ExecutionVenue` port implemented by simulation.
//!
//! Backtest and dry-run send their approved orders here instead of to an
//! exchange. The venue accepts or refuses an order the way an exchange would
//! (its own instrument filters, unknown symbols, no price yet), never creates a
//! second order for a client order id it already knows, and fills working
//! orders as the engine shows it the market through
//! [`ExecutionVenue::observe_market`]. Everything is deterministic: the same
//! orders and bars give the same ids, fills and fees, byte for byte.
//!
//! `observe_market` runs on every bar of a backtest. When the symbol has no
//! working order it does a map lookup and a few copies under an uncontended
//! lock, and allocates nothing.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use domain::ports::{ExecutionVenue, SubmitOutcome, VenueError};
use domain::{
    Approved, ClientOrderId, Fill, InstrumentFilters, MarketEvent, Order, OrderFailure,
    OrderIntent, OrderStatus, OrderType, Qty, Symbol,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::admission::admit;
use crate::book::{Book, MarketState};
use crate::config::{FillPolicy, PaperConfig, Slippage};
use crate::error::PaperError;
use crate::matching::{Bar, OrderRecord, Terms, execute};
use crate::pricing::Costs;

/// The simulated execution venue.
#[derive(Debug)]
pub struct PaperVenue {
    config: PaperConfig,
    costs: Costs,
    state: Mutex<State>,
}

/// Everything that changes: orders (in submission order) and per-symbol books.
#[derive(Debug, Default)]
struct State {
    orders: Vec<OrderRecord>,
    index: HashMap<ClientOrderId, usize>,
    books: BTreeMap<Symbol, Book>,
    /// Orders accepted so far, forgotten ones included (venue order ids count on).
    submitted: u64,
}

/// The venue's orders, fills and market memory, for saving and restoring a session.
///
/// The configuration is not part of it: restore it with the same (or an
/// updated) `[paper]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperSnapshot {
    orders: Vec<OrderRecord>,
    markets: BTreeMap<Symbol, MarketState>,
    /// Orders accepted before the snapshot, when `orders` holds only the working ones
    /// (the state saved with the engine's); absent: `orders` is every order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    submitted: Option<u64>,
}

impl PaperSnapshot {
    /// Every order the venue knows, in submission order.
    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.iter().map(|r| &r.order)
    }
}

impl PaperVenue {
    /// A venue with no orders, refusing an invalid configuration with every violation.
    pub fn new(config: PaperConfig) -> Result<Self, PaperError> {
        let violations = config.validate();
        if !violations.is_empty() {
            return Err(PaperError::InvalidConfig(violations));
        }
        let atr_period = match config.slippage {
            Slippage::AtrMultiple { period, .. } => Some(period),
            Slippage::Bps(_) => None,
        };
        let books = config
            .filters
            .iter()
            .map(|(symbol, filters)| (symbol.clone(), Book::new(filters.clone(), atr_period)))
            .collect();
        Ok(Self {
            costs: Costs::of(&config),
            config,
            state: Mutex::new(State {
                books,
                ..State::default()
            }),
        })
    }

    /// A venue continuing from `snapshot` under `config`.
    ///
    /// Fails when the snapshot refers to a symbol `config` has no filters for,
    /// or holds a client order id twice. An ATR saved with a different period
    /// than `config` asks for starts afresh.
    pub fn restore(config: PaperConfig, snapshot: PaperSnapshot) -> Result<Self, PaperError> {
        let venue = Self::new(config)?;
        {
            let mut guard = venue.lock();
            Self::continue_from(&mut guard, snapshot)?;
        }
        Ok(venue)
    }

    /// Loads `snapshot` into a fresh state (books with no working orders).
    fn continue_from(state: &mut State, snapshot: PaperSnapshot) -> Result<(), PaperError> {
        {
            let State {
                orders,
                index,
                books,
                submitted,
            } = state;
            for (symbol, market) in snapshot.markets {
                let Some(book) = books.get_mut(&symbol) else {
                    return Err(PaperError::SnapshotUnknownSymbol { symbol });
                };
                let atr = match (book.market.atr.take(), market.atr) {
                    (Some(fresh), Some(saved)) if saved.period() == fresh.period() => Some(saved),
                    (fresh, _) => fresh,
                };
                book.market = MarketState { atr, ..market };
            }
            for record in snapshot.orders {
                let i = orders.len();
                let Some(book) = books.get_mut(&record.order.symbol) else {
                    return Err(PaperError::SnapshotUnknownSymbol {
                        symbol: record.order.symbol,
                    });
                };
                let id = record.order.client_order_id.clone();
                if index.insert(id.clone(), i).is_some() {
                    return Err(PaperError::SnapshotDuplicateOrder(id));
                }
                if !record.order.status.is_terminal() {
                    book.working.push(i);
                }
                orders.push(record);
            }
            *submitted = snapshot
                .submitted
                .unwrap_or(0)
                .max(u64::try_from(orders.len()).unwrap_or(u64::MAX));
        }
        Ok(())
    }

    /// The working orders and the market memory: what a restarted dry-run needs to go on
    /// exactly as if it had not stopped (see [`ExecutionVenue::state_json`]).
    pub fn working_snapshot(&self) -> PaperSnapshot {
        let state = self.lock();
        PaperSnapshot {
            orders: state
                .orders
                .iter()
                .filter(|r| !r.order.status.is_terminal())
                .cloned()
                .collect(),
            markets: state
                .books
                .iter()
                .map(|(symbol, book)| (symbol.clone(), book.market.clone()))
                .collect(),
            submitted: Some(state.submitted),
        }
    }

    /// Replaces the orders and market memory with `snapshot`'s, keeping the configuration.
    pub fn reset_to(&self, snapshot: PaperSnapshot) -> Result<(), PaperError> {
        let fresh = Self::new(self.config.clone())?;
        let mut state = fresh
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        Self::continue_from(&mut state, snapshot)?;
        *self.lock() = state;
        Ok(())
    }

    /// The configuration in force.
    pub fn config(&self) -> &PaperConfig {
        &self.config
    }

    /// A copy of every order, fill and the per-symbol market memory.
    pub fn snapshot(&self) -> PaperSnapshot {
        let state = self.lock();
        PaperSnapshot {
            orders: state.orders.clone(),
            markets: state
                .books
                .iter()
                .map(|(symbol, book)| (symbol.clone(), book.market.clone()))
                .collect(),
            submitted: None,
        }
    }

    /// The lock never guards a half-made change (every mutation is completed
    /// before anything can panic), so a poisoned lock is still consistent.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn submit_now(&self, approved: Approved<OrderIntent>) -> SubmitOutcome {
        let intent = approved.into_inner();
        let mut guard = self.lock();
        let State {
            orders,
            index,
            books,
            submitted,
        } = &mut *guard;
        if let Some(existing) = index
            .get(&intent.client_order_id)
            .and_then(|&i| orders.get(i))
        {
            return SubmitOutcome::Confirmed {
                order: existing.order.clone(),
                fills: Vec::new(),
            };
        }
        let Some(book) = books.get_mut(&intent.symbol) else {
            return SubmitOutcome::Rejected(refused(format!(
                "unknown symbol {}: the paper venue has no filters for it",
                intent.symbol
            )));
        };
        let last = book.market.last;
        if let Err(failure) = admit(&book.filters, &intent, last.map(|l| l.price)) {
            return SubmitOutcome::Rejected(failure);
        }
        let immediate = self.config.fill == FillPolicy::Close;
        if immediate && intent.order_type == OrderType::Market && last.is_none() {
            return SubmitOutcome::Rejected(refused(format!(
                "no market price observed for {} yet: a market order cannot fill at the close",
                intent.symbol
            )));
        }

        let i = orders.len();
        let mut record = OrderRecord {
            order: Order {
                venue_order_id: Some(format!("paper-{}", *submitted + 1)),
                client_order_id: intent.client_order_id,
                symbol: intent.symbol,
                side: intent.side,
                order_type: intent.order_type,
                qty: intent.qty,
                filled_qty: Qty::ZERO,
                avg_fill_price: None,
                status: OrderStatus::Open,
                created_at: intent.created_at,
                updated_at: intent.created_at,
            },
            fills: Vec::new(),
            filled_notional: Decimal::ZERO,
            after: last.map(|l| l.at),
            quote_budget: match (intent.order_type, intent.side) {
                (OrderType::Market, domain::Side::Buy) => intent.quote_budget.map(|m| m.value()),
                _ => None,
            },
        };
        let mut fills = Vec::new();
        if immediate && let Some(last) = last {
            let terms = Terms {
                policy: self.config.fill,
                costs: &self.costs,
                filters: &book.filters,
                atr: book.market.atr(),
            };
            let mut volume_left = self
                .costs
                .volume_fraction
                .map(|_| book.market.volume_left.unwrap_or(Decimal::ZERO));
            if let Some(fill) = execute(&mut record, &Bar::at_last(last), &terms, &mut volume_left)
            {
                book.market.volume_left = volume_left;
                fills.push(fill);
            }
        }
        let order = record.order.clone();
        if !order.status.is_terminal() {
            book.working.push(i);
        }
        index.insert(order.client_order_id.clone(), i);
        orders.push(record);
        *submitted += 1;
        SubmitOutcome::Confirmed { order, fills }
    }

    fn observe_now(&self, event: &MarketEvent) -> Vec<Fill> {
        let mut guard = self.lock();
        let State { orders, books, .. } = &mut *guard;
        let Some(book) = books.get_mut(event.symbol()) else {
            return Vec::new();
        };
        let bar = Bar::of(event);
        if book.market.is_stale(&bar) {
            return Vec::new();
        }
        let mut volume_left = self.costs.budget(bar.volume);
        let mut fills = Vec::new();
        if !book.working.is_empty() {
            let terms = Terms {
                policy: self.config.fill,
                costs: &self.costs,
                filters: &book.filters,
                atr: book.market.atr(),
            };
            for &i in &book.working {
                if let Some(record) = orders.get_mut(i)
                    && bar.reaches(record.after)
                    && let Some(fill) = execute(record, &bar, &terms, &mut volume_left)
                {
                    fills.push(fill);
                }
            }
            book.working
                .retain(|&i| orders.get(i).is_some_and(|r| !r.order.status.is_terminal()));
        }
        book.market.observe(&bar, volume_left);
        fills
    }

    fn cancel_now(&self, id: &ClientOrderId) -> Result<Order, VenueError> {
        let mut guard = self.lock();
        let State {
            orders,
            index,
            books,
            ..
        } = &mut *guard;
        let Some((i, record)) = index
            .get(id)
            .and_then(|&i| orders.get_mut(i).map(|r| (i, r)))
        else {
            return Err(VenueError::Refused(refused(format!("unknown order {id}"))));
        };
        let order = &mut record.order;
        if order.status.is_terminal() {
            return Err(VenueError::Refused(refused(format!(
                "order {id} is {:?}: only a working order can be cancelled",
                order.status
            ))));
        }
        order.status = OrderStatus::Cancelled;
        if let Some(book) = books.get_mut(&order.symbol) {
            if let Some(last) = book.market.last {
                order.updated_at = order.updated_at.max(last.at);
            }
            book.working.retain(|&j| j != i);
        }
        Ok(order.clone())
    }
}

/// An explicit refusal that is not a filter failure.
fn refused(venue_message: String) -> OrderFailure {
    OrderFailure::Rejected {
        venue_code: None,
        venue_message,
    }
}

#[async_trait]
impl ExecutionVenue for PaperVenue {
    async fn submit(&self, order: Approved<OrderIntent>) -> SubmitOutcome {
        self.submit_now(order)
    }

    async fn query(&self, id: &ClientOrderId) -> Result<Option<Order>, VenueError> {
        let state = self.lock();
        Ok(state
            .index
            .get(id)
            .and_then(|&i| state.orders.get(i))
            .map(|r| r.order.clone()))
    }

    async fn cancel(&self, id: &ClientOrderId) -> Result<Order, VenueError> {
        self.cancel_now(id)
    }

    async fn open_orders(&self) -> Result<Vec<Order>, VenueError> {
        let state = self.lock();
        Ok(state
            .orders
            .iter()
            .filter(|r| !r.order.status.is_terminal())
            .map(|r| r.order.clone())
            .collect())
    }

    async fn fills(&self, id: &ClientOrderId) -> Result<Vec<Fill>, VenueError> {
        let state = self.lock();
        Ok(state
            .index
            .get(id)
            .and_then(|&i| state.orders.get(i))
            .map(|r| r.fills.clone())
            .unwrap_or_default())
    }

    async fn filters(&self, symbol: &Symbol) -> Result<InstrumentFilters, VenueError> {
        let state = self.lock();
        state
            .books
            .get(symbol)
            .map(|b| b.filters.clone())
            .ok_or_else(|| VenueError::UnknownSymbol(symbol.clone()))
    }

    fn observe_market(&self, event: &MarketEvent) -> Vec<Fill> {
        self.observe_now(event)
    }

    fn state_json(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self.working_snapshot()).ok()
    }

    fn restore_json(&self, state: &serde_json::Value) -> Result<(), VenueError> {
        let snapshot: PaperSnapshot = serde_json::from_value(state.clone()).map_err(|e| {
            VenueError::Unavailable(format!("the saved paper venue state does not parse: {e}"))
        })?;
        self.reset_to(snapshot)
            .map_err(|e| VenueError::Unavailable(format!("the saved paper venue state: {e}")))
    }
}
