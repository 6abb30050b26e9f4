//! Per-symbol state: the symbol's filters, what the venue last saw of its
//! market, and the orders working on it (in submission order).

use domain::{InstrumentFilters, Price, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::atr::WilderAtr;
use crate::matching::Bar;

/// The last price of a symbol and when it was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LastSeen {
    /// Close of the last bar (or the last trade's price).
    pub(crate) price: Price,
    /// Close time of the last bar (or the last trade's time).
    pub(crate) at: Timestamp,
}

/// What the venue remembers of a symbol's market between events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MarketState {
    /// The last observation, once there is one.
    pub(crate) last: Option<LastSeen>,
    /// Base volume of the last bar still fillable (volume cap only).
    pub(crate) volume_left: Option<Decimal>,
    /// ATR for ATR-proportional slippage (that model only).
    pub(crate) atr: Option<WilderAtr>,
}

impl MarketState {
    /// True when `bar` is older than what was already seen: a replayed or
    /// out-of-order event, which neither fills nor moves the state.
    pub(crate) fn is_stale(&self, bar: &Bar) -> bool {
        self.last.is_some_and(|last| bar.close_time < last.at)
    }

    /// Remembers `bar` after the working orders were matched against it.
    pub(crate) fn observe(&mut self, bar: &Bar, volume_left: Option<Decimal>) {
        self.last = Some(LastSeen {
            price: bar.close,
            at: bar.close_time,
        });
        self.volume_left = volume_left;
        if bar.is_candle
            && let Some(atr) = self.atr.as_mut()
        {
            atr.update(bar.high.value(), bar.low.value(), bar.close.value());
        }
    }

    /// The ATR estimate, when the slippage model uses one.
    pub(crate) fn atr(&self) -> Option<Decimal> {
        self.atr.as_ref().and_then(WilderAtr::estimate)
    }
}

/// One symbol at the venue.
#[derive(Debug, Clone)]
pub(crate) struct Book {
    /// Trading rules enforced at submission.
    pub(crate) filters: InstrumentFilters,
    /// Last price, volume left, ATR.
    pub(crate) market: MarketState,
    /// Indexes (into the venue's order list) of the non-terminal orders, oldest first.
    pub(crate) working: Vec<usize>,
}

impl Book {
    /// An empty book; `atr_period` when the slippage model needs an ATR.
    pub(crate) fn new(filters: InstrumentFilters, atr_period: Option<usize>) -> Self {
        Self {
            filters,
            market: MarketState {
                atr: atr_period.map(WilderAtr::new),
                ..MarketState::default()
            },
            working: Vec::new(),
        }
    }
}
