//! Orders from intent to fill, and the approval type only the trade gate issues.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::market::{Side, Timestamp};
use crate::money::{Money, Price, Qty};
use crate::signal::{Confidence, StrategyId, Tier};
use crate::symbol::Symbol;

/// A deterministic, venue-safe client order id (1-36 chars of `[A-Za-z0-9._:/-]`,
/// the intersection of what Binance and Coinbase accept).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientOrderId(String);

impl ClientOrderId {
    /// Validates an id received from outside (a store row, a venue response).
    pub fn new(text: &str) -> Result<Self, DomainError> {
        let ok = !text.is_empty()
            && text.len() <= 36
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '-'));
        if ok {
            Ok(Self(text.to_string()))
        } else {
            Err(DomainError::Malformed {
                field: "client_order_id",
                reason: "1-36 characters of [A-Za-z0-9._:/-]",
                value: text.to_string(),
            })
        }
    }

    /// Derives the id of the `seq`-th order of a run for a symbol at a given time.
    ///
    /// The same inputs always give the same id, which is what makes a resubmission
    /// after a crash idempotent at the venue. Format: `rp-<run>-<BASEQUOTE>-<epoch_s>-<seq>`,
    /// with the run tag truncated so that the whole id fits in 36 characters.
    pub fn derive(run_tag: &str, symbol: &Symbol, ts: Timestamp, seq: u64) -> Self {
        let sym: String = symbol.as_str().chars().filter(|c| *c != '-').collect();
        let tail = format!("{sym}-{}-{seq}", ts.timestamp());
        let run: String = run_tag
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(36usize.saturating_sub(tail.len() + 5))
            .collect();
        let mut id = format!("rp-{run}-{tail}");
        id.truncate(36);
        Self(id)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientOrderId {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<ClientOrderId> for String {
    fn from(value: ClientOrderId) -> Self {
        value.0
    }
}

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How the order is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrderType {
    /// Execute at the best available price.
    Market,
    /// Execute at `price` or better.
    Limit {
        /// Limit price.
        price: Price,
    },
}

/// Whether an intent opens/increases exposure or reduces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentKind {
    /// Opens or increases a position.
    Entry,
    /// Closes or reduces a position.
    Exit,
}

/// A sized order the pipeline would like to send, before the trade gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderIntent {
    /// Deterministic id, stored before sending (write-ahead).
    pub client_order_id: ClientOrderId,
    /// Instrument.
    pub symbol: Symbol,
    /// Direction.
    pub side: Side,
    /// Entry or exit.
    pub kind: IntentKind,
    /// Market or limit.
    pub order_type: OrderType,
    /// Requested quantity.
    pub qty: Qty,
    /// Price used for notional and risk figures (last close for market orders).
    pub reference_price: Price,
    /// Distance from entry to the protective stop, in price units.
    pub stop_distance: Price,
    /// Confidence of the originating signal.
    pub confidence: Confidence,
    /// Tier of the originating signal.
    pub tier: Tier,
    /// Originating strategy.
    pub strategy: StrategyId,
    /// When the intent was created.
    pub created_at: Timestamp,
    /// For market buys: spend at most this much quote currency, commission included,
    /// and let the venue size the quantity at the fill price (Binance `quoteOrderQty`).
    /// `qty` is then the estimate at `reference_price` used by the risk checks.
    #[serde(default)]
    pub quote_budget: Option<Money>,
}

impl OrderIntent {
    /// The price the order is expected to execute at: the limit price, or the reference price.
    pub fn working_price(&self) -> Price {
        match self.order_type {
            OrderType::Market => self.reference_price,
            OrderType::Limit { price } => price,
        }
    }

    /// Notional value at the working price.
    pub fn notional(&self) -> Money {
        self.working_price() * self.qty
    }

    /// Loss if the stop is hit, before costs: `stop_distance x qty`.
    pub fn stop_loss_amount(&self) -> Money {
        self.stop_distance * self.qty
    }
}

/// A change the trade gate made to an intent before approving it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "adjustment", rename_all = "snake_case")]
pub enum Adjustment {
    /// Price rounded to the tick size.
    PriceRoundedToTick {
        /// Requested price.
        from: Price,
        /// Rounded price.
        to: Price,
    },
    /// Quantity rounded down to the step size.
    QtyRoundedToStep {
        /// Requested quantity.
        from: Qty,
        /// Rounded quantity.
        to: Qty,
    },
    /// Quantity reduced so the worst-case loss fits the account rules' headroom.
    QtyReducedForHeadroom {
        /// Requested quantity.
        from: Qty,
        /// Allowed quantity.
        to: Qty,
        /// Which rule constrained it.
        rule: String,
        /// The figures behind it (worst-case loss, headroom, equity, floor).
        #[serde(default)]
        detail: String,
    },
}

/// An order intent that passed every check of the trade gate.
///
/// This is the only thing an [`ExecutionVenue`](crate::ports::ExecutionVenue) accepts.
/// Only the trade gate (crate `risk-gate`) constructs it; `make lint` fails if
/// [`Approved::issued_by_trade_gate`] is called anywhere else outside tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approved<T> {
    inner: T,
    adjustments: Vec<Adjustment>,
}

impl<T> Approved<T> {
    /// Issues an approval. Reserved for the trade gate (checked by `make lint`).
    #[doc(hidden)]
    pub fn issued_by_trade_gate(inner: T, adjustments: Vec<Adjustment>) -> Self {
        Self { inner, adjustments }
    }

    /// The approved value.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// What the gate changed on the way (rounding, headroom sizing).
    pub fn adjustments(&self) -> &[Adjustment] {
        &self.adjustments
    }

    /// Consumes the approval, returning the approved value.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// Lifecycle state of an order at the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Stored (write-ahead) but not yet acknowledged by the venue.
    PendingSubmit,
    /// Accepted and working.
    Open,
    /// Partly executed, still working.
    PartiallyFilled,
    /// Fully executed.
    Filled,
    /// Cancelled (possibly after partial fills).
    Cancelled,
    /// Refused by the venue.
    Rejected,
    /// Expired by the venue.
    Expired,
    /// Sent, outcome not known (timeout, disconnect, 5xx): must be queried before resubmission.
    Unknown,
}

impl OrderStatus {
    /// True when the order can no longer change.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderStatus::Filled
                | OrderStatus::Cancelled
                | OrderStatus::Rejected
                | OrderStatus::Expired
        )
    }
}

/// An order as known to Rampart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Our id.
    pub client_order_id: ClientOrderId,
    /// The venue's id, once acknowledged.
    pub venue_order_id: Option<String>,
    /// Instrument.
    pub symbol: Symbol,
    /// Direction.
    pub side: Side,
    /// Market or limit.
    pub order_type: OrderType,
    /// Ordered quantity.
    pub qty: Qty,
    /// Executed quantity so far.
    pub filled_qty: Qty,
    /// Volume-weighted fill price, once anything filled.
    pub avg_fill_price: Option<Price>,
    /// Current state.
    pub status: OrderStatus,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// One execution of (part of) an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// The order this fill belongs to.
    pub client_order_id: ClientOrderId,
    /// Venue's trade id, unique per venue and symbol.
    pub trade_id: String,
    /// Instrument.
    pub symbol: Symbol,
    /// Direction.
    pub side: Side,
    /// Executed quantity (> 0).
    pub qty: Qty,
    /// Execution price.
    pub price: Price,
    /// Commission in quote currency (>= 0).
    pub fee: Money,
    /// Execution time.
    pub ts: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn derived_ids_are_deterministic_and_valid() {
        let sym = Symbol::new("BTC-USD").unwrap();
        let ts = Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap();
        let a = ClientOrderId::derive("run-2024-abcdef123456", &sym, ts, 42);
        let b = ClientOrderId::derive("run-2024-abcdef123456", &sym, ts, 42);
        assert_eq!(a, b);
        assert!(a.as_str().len() <= 36, "{a}");
        assert!(ClientOrderId::new(a.as_str()).is_ok());
        assert_ne!(
            a,
            ClientOrderId::derive("run-2024-abcdef123456", &sym, ts, 43)
        );
    }

    #[test]
    fn rejects_ids_venues_would_refuse() {
        assert!(ClientOrderId::new("").is_err());
        assert!(ClientOrderId::new("has space").is_err());
        assert!(ClientOrderId::new(&"x".repeat(37)).is_err());
    }

    #[test]
    fn terminal_statuses() {
        assert!(OrderStatus::Filled.is_terminal());
        assert!(!OrderStatus::Unknown.is_terminal());
        assert!(!OrderStatus::PendingSubmit.is_terminal());
    }
}
