//! Matching one order against one bar: whether it trades, at which price, how
//! much, and the fill that results.
//!
//! Rules (the venue's whole execution model):
//! - market orders execute at the bar's open (`next-open`) or close (`close`),
//!   moved against the trader by the slippage and rounded to the tick against
//!   the trader;
//! - a buy limit executes when the bar's low reaches the limit, at
//!   `min(open, limit)`; a sell limit when the high reaches it, at
//!   `max(open, limit)`; no slippage;
//! - with a volume cap, the bar's budget is shared by the symbol's orders in
//!   submission order, each fill rounded down to the step; a fill that would be
//!   smaller than the minimum quantity waits unless it completes the order;
//! - an order only trades on bars that start at or after the last event the
//!   venue had seen when it accepted the order (no look-ahead).

use domain::{
    ClientOrderId, Fill, InstrumentFilters, MarketEvent, Money, Order, OrderStatus, OrderType,
    Price, Qty, Side, Timestamp,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::book::LastSeen;
use crate::config::FillPolicy;
use crate::pricing::{Costs, floor_to, round_against};

/// One market event seen as a bar (a trade is a bar of one price).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bar {
    pub(crate) open_time: Timestamp,
    pub(crate) close_time: Timestamp,
    pub(crate) open: Price,
    pub(crate) high: Price,
    pub(crate) low: Price,
    pub(crate) close: Price,
    pub(crate) volume: Qty,
    /// A closed candle (feeds the ATR) rather than a trade print.
    pub(crate) is_candle: bool,
}

impl Bar {
    /// The bar an event offers.
    pub(crate) fn of(event: &MarketEvent) -> Self {
        match event {
            MarketEvent::Candle(c) => Self {
                open_time: c.open_time(),
                close_time: c.close_time(),
                open: c.open(),
                high: c.high(),
                low: c.low(),
                close: c.close(),
                volume: c.volume(),
                is_candle: true,
            },
            MarketEvent::Trade(t) => Self {
                open_time: t.ts,
                close_time: t.ts,
                open: t.price,
                high: t.price,
                low: t.price,
                close: t.price,
                volume: t.qty,
                is_candle: false,
            },
        }
    }

    /// The last observed price as a bar, for immediate fills under `close`.
    pub(crate) fn at_last(last: LastSeen) -> Self {
        Self {
            open_time: last.at,
            close_time: last.at,
            open: last.price,
            high: last.price,
            low: last.price,
            close: last.price,
            volume: Qty::ZERO,
            is_candle: false,
        }
    }

    /// True when an order accepted after the event at `after` may trade on this bar.
    pub(crate) fn reaches(&self, after: Option<Timestamp>) -> bool {
        match after {
            None => true,
            Some(after) if self.is_candle => self.open_time >= after,
            Some(after) => self.open_time > after,
        }
    }

    fn range(&self) -> Decimal {
        self.high.value() - self.low.value()
    }
}

/// An order at the venue with its fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrderRecord {
    /// The order as the venue reports it.
    pub(crate) order: Order,
    /// Its fills, oldest first.
    pub(crate) fills: Vec<Fill>,
    /// Sum of price x qty over the fills (for the average price).
    pub(crate) filled_notional: Decimal,
    /// Time of the symbol's last event when the order was accepted.
    pub(crate) after: Option<Timestamp>,
    /// Quote currency a market order may spend, commission included (sized at fill time).
    #[serde(default)]
    pub(crate) quote_budget: Option<Decimal>,
}

impl OrderRecord {
    fn remaining(&self) -> Qty {
        self.order.qty.saturating_sub(self.order.filled_qty)
    }

    /// Books a fill; `filled_notional` is the new total over every fill.
    fn record_fill(
        &mut self,
        price: Price,
        qty: Qty,
        filled_notional: Decimal,
        fee: Money,
        ts: Timestamp,
    ) -> Fill {
        let order = &mut self.order;
        let filled = order.filled_qty + qty;
        self.filled_notional = filled_notional;
        order.avg_fill_price = self
            .filled_notional
            .checked_div(filled.value())
            .and_then(|avg| Price::new(avg.normalize()).ok())
            .or(order.avg_fill_price);
        order.filled_qty = Qty::new(filled.value().normalize()).unwrap_or(filled);
        order.status = if order.filled_qty >= order.qty {
            OrderStatus::Filled
        } else {
            OrderStatus::PartiallyFilled
        };
        order.updated_at = order.updated_at.max(ts);
        let fill = Fill {
            client_order_id: order.client_order_id.clone(),
            trade_id: trade_id(&order.client_order_id, self.fills.len() + 1),
            symbol: order.symbol.clone(),
            side: order.side,
            qty,
            price,
            fee,
            ts,
        };
        self.fills.push(fill.clone());
        fill
    }
}

/// Deterministic trade id: `<client_order_id>-<n>`, `n` counting the order's fills from 1.
fn trade_id(id: &ClientOrderId, n: usize) -> String {
    format!("{id}-{n}")
}

/// How the venue executes, for one symbol.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Terms<'a> {
    pub(crate) policy: FillPolicy,
    pub(crate) costs: &'a Costs,
    pub(crate) filters: &'a InstrumentFilters,
    /// The symbol's ATR estimate before this bar.
    pub(crate) atr: Option<Decimal>,
}

/// Executes as much of `record` as `bar` allows, drawing on `volume_left`
/// (`None`: no cap). Returns the fill, if any.
pub(crate) fn execute(
    record: &mut OrderRecord,
    bar: &Bar,
    terms: &Terms<'_>,
    volume_left: &mut Option<Decimal>,
) -> Option<Fill> {
    let order = &record.order;
    let remaining = record.remaining();
    if order.status.is_terminal() || remaining.is_zero() {
        return None;
    }
    let tick = terms.filters.tick_size;
    let (price, ts) = match order.order_type {
        OrderType::Market => {
            let (base, ts) = match terms.policy {
                FillPolicy::NextOpen => (bar.open, bar.open_time),
                FillPolicy::Close => (bar.close, bar.close_time),
            };
            let price = terms
                .costs
                .market_price(base, order.side, tick, terms.atr, bar.range())?;
            (price, ts)
        }
        OrderType::Limit { price: limit } => limit_execution(order.side, limit, bar, tick)?,
    };
    if let (Some(budget), OrderType::Market, true) = (
        record.quote_budget,
        order.order_type,
        order.filled_qty.is_zero(),
    ) {
        // Like Binance's quoteOrderQty: the quantity is what the budget buys at the
        // fill price including commission, rounded down to the step.
        let unit = price
            .value()
            .checked_mul(Decimal::ONE + terms.costs.fee_rate)?;
        let sized = terms
            .filters
            .round_qty(Qty::new(budget.checked_div(unit)?).ok()?);
        if sized.is_zero() || !terms.filters.check(price, sized).is_empty() {
            record.order.status = OrderStatus::Expired;
            return None;
        }
        record.order.qty = sized;
        record.quote_budget = None;
    }
    let remaining = record.remaining();
    let qty = fillable(remaining, *volume_left, terms.filters)?;
    let (notional, fee) = terms.costs.notional_and_fee(price, qty)?;
    let filled_notional = record.filled_notional.checked_add(notional)?;
    if let Some(left) = volume_left.as_mut() {
        *left -= qty.value();
    }
    Some(record.record_fill(price, qty, filled_notional, fee, ts))
}

/// Price and time at which a limit order trades on `bar`, if the bar reaches the limit.
fn limit_execution(side: Side, limit: Price, bar: &Bar, tick: Price) -> Option<(Price, Timestamp)> {
    let (crossed, at_open) = match side {
        Side::Buy => (bar.low <= limit, bar.open <= limit),
        Side::Sell => (bar.high >= limit, bar.open >= limit),
    };
    if !crossed {
        return None;
    }
    let (base, ts) = if at_open {
        (bar.open, bar.open_time)
    } else {
        (limit, bar.close_time)
    };
    let rounded = round_against(base.value(), side, tick)?;
    // Never worse than the limit, whatever the bar's precision.
    let price = match side {
        Side::Buy => rounded.min(limit),
        Side::Sell => rounded.max(limit),
    };
    Some((price, ts))
}

/// How much of `remaining` may fill given the volume left on the bar.
fn fillable(
    remaining: Qty,
    volume_left: Option<Decimal>,
    filters: &InstrumentFilters,
) -> Option<Qty> {
    let qty = match volume_left {
        None => remaining.value(),
        Some(left) => {
            let allowed = floor_to(left.max(Decimal::ZERO), filters.step_size.value())?;
            remaining.value().min(allowed)
        }
    };
    let completes = qty >= remaining.value();
    if qty <= Decimal::ZERO || (!completes && qty < filters.min_qty.value()) {
        return None;
    }
    Qty::new(qty.normalize()).ok()
}
