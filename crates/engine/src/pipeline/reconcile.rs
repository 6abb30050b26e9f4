//! Start-up (and after-reconnect) reconciliation: the stored orders that were working or
//! in doubt when the engine stopped are checked against the venue before anything else.
//!
//! For every order the store lists as not terminal ([`Store::open_orders`]):
//! - the venue does not know it (`query` is `Ok(None)`): it never reached the venue (or a
//!   simulated venue restarted). It is stored as `Rejected` (`Cancelled` when the venue had
//!   acknowledged it before), with an `OrderFailed` event and a WARNING alert;
//! - the venue knows it: the venue's order is stored, every venue fill not stored yet is
//!   applied once through the normal fill path, and the order stays working if the venue
//!   still works it;
//! - the venue cannot answer: its symbol stays blocked for new exposure (like an order
//!   whose submission outcome was unknown) until a later query resolves it, with a WARNING.
//!
//! Then every stored terminal order whose filled quantity its stored fills do not cover
//! ([`Store::unbooked_orders`]: a store written by a version that stored an order's status
//! apart from its fills, before a crash between the two) is checked too: the venue's fills
//! not stored yet are applied once through the normal fill path; when the venue cannot
//! supply them (it does not know the order: a simulated venue restarted), the stored order
//! is brought back to what the trail books (filled quantity, status) with a CRITICAL
//! alert, so that the orders table never claims a fill the position does not hold.
//!
//! Everything is persisted as one batch `reconcile:<micros>:<n>`, only if something happened.

use domain::ports::{ExecutionVenue, Store};
use domain::{
    AlertKind, AuditEvent, ClientOrderId, Clock, Fill, Order, OrderFailure, OrderStatus, Severity,
    Timestamp,
};
use serde::{Deserialize, Serialize};

use super::Engine;
use crate::error::EngineError;

/// What [`Engine::reconcile`] found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileReport {
    /// Stored non-terminal orders checked against the venue.
    pub checked: u32,
    /// Orders the venue knows (their venue state was stored).
    pub confirmed: u32,
    /// Venue fills applied that were not stored yet.
    pub filled: u32,
    /// Orders the venue does not know: stored as failed.
    pub not_found: u32,
    /// Orders the venue could not be asked about: their symbols stay blocked.
    pub unresolved: u32,
    /// Terminal orders whose stored fills did not cover their filled quantity.
    pub unbooked: u32,
    /// Of those, orders whose missing fills the venue could not supply (stored as booked).
    pub unbooked_lost: u32,
}

impl ReconcileReport {
    /// True when an order was not found or could not be resolved (worth a warning).
    pub fn needs_attention(&self) -> bool {
        self.not_found > 0 || self.unresolved > 0 || self.unbooked > 0
    }
}

impl std::fmt::Display for ReconcileReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} open orders checked: {} confirmed by the venue, {} fills applied, {} not found, {} unresolved",
            self.checked, self.confirmed, self.filled, self.not_found, self.unresolved
        )?;
        if self.unbooked > 0 {
            write!(
                f,
                "; {} terminal orders with fills missing from the trail ({} could not be recovered from the venue)",
                self.unbooked, self.unbooked_lost
            )?;
        }
        Ok(())
    }
}

impl<V: ExecutionVenue + ?Sized, S: Store + ?Sized, C: Clock + ?Sized> Engine<V, S, C> {
    /// Reconciles every stored non-terminal order with the venue (see the module docs).
    /// Call it after [`Engine::restore`] and after every reconnect, before any event.
    pub async fn reconcile(&mut self) -> Result<ReconcileReport, EngineError> {
        let now = self.clock.now();
        self.events.clear();
        self.closed.clear();
        let mut report = ReconcileReport::default();
        let open = self.store.open_orders().await?;
        for stored in open {
            report.checked += 1;
            let id = stored.client_order_id.clone();
            // Fills already stored are already in the restored portfolio: never again.
            for fill in self.store.fills_of(&id).await? {
                self.applied_fills
                    .insert((fill.client_order_id, fill.trade_id));
            }
            match self.venue.query(&id).await {
                Ok(None) => {
                    report.not_found += 1;
                    self.not_at_venue(stored, now).await?;
                }
                Ok(Some(order)) => match self.venue.fills(&id).await {
                    Ok(fills) => {
                        report.confirmed += 1;
                        report.filled += self.adopt(&stored, order, fills, now).await?;
                    }
                    Err(e) => {
                        report.unresolved += 1;
                        self.still_unresolved(&stored, &format!("its fills: {e}"), now);
                    }
                },
                Err(e) => {
                    report.unresolved += 1;
                    self.still_unresolved(&stored, &e.to_string(), now);
                }
            }
        }
        for stored in self.store.unbooked_orders().await? {
            report.unbooked += 1;
            if !self.rebook(stored, &mut report, now).await? {
                report.unbooked_lost += 1;
            }
        }
        self.record_risk_book(now);
        if !self.events.is_empty() || !self.order_changes.is_empty() {
            self.reconciliations += 1;
            let id = format!(
                "reconcile:{}:{}",
                now.timestamp_micros(),
                self.reconciliations
            );
            self.persist(&id, now).await?;
        }
        Ok(report)
    }

    /// The venue positively does not know a stored order: it failed.
    async fn not_at_venue(&mut self, mut order: Order, now: Timestamp) -> Result<(), EngineError> {
        let id = order.client_order_id.clone();
        let acknowledged = !matches!(
            order.status,
            OrderStatus::PendingSubmit | OrderStatus::Unknown
        );
        let was = order.status;
        order.status = if acknowledged {
            OrderStatus::Cancelled
        } else {
            OrderStatus::Rejected
        };
        order.updated_at = now;
        self.record_order(order.clone());
        self.working.remove(&id);
        if self.unresolved.get(&order.symbol) == Some(&id) {
            self.unresolved.remove(&order.symbol);
        }
        let message = format!(
            "order {id} on {} ({was:?} when the engine stopped) is not known to the venue: it never reached it, or the venue (simulated) restarted; stored as {:?}",
            order.symbol, order.status
        );
        self.events.push(AuditEvent::OrderFailed {
            client_order_id: id,
            symbol: order.symbol.clone(),
            failure: OrderFailure::Rejected {
                venue_code: None,
                venue_message: message.clone(),
            },
        });
        self.raise(
            Severity::Warning,
            AlertKind::Execution,
            Some(order.symbol),
            message,
            now,
        );
        Ok(())
    }

    /// The venue knows the order: store its state and apply the fills not stored yet.
    /// Returns how many fills were applied.
    async fn adopt(
        &mut self,
        stored: &Order,
        order: Order,
        fills: Vec<Fill>,
        now: Timestamp,
    ) -> Result<u32, EngineError> {
        let id = order.client_order_id.clone();
        if self.unresolved.get(&order.symbol) == Some(&id) {
            self.unresolved.remove(&order.symbol);
        }
        if matches!(
            stored.status,
            OrderStatus::PendingSubmit | OrderStatus::Unknown
        ) {
            self.events.push(AuditEvent::OrderSubmitted {
                order: order.clone(),
            });
        }
        let applied = self.apply_venue_fills(order.clone(), fills, now).await?;
        if order.status.is_terminal() && order.status != OrderStatus::Filled {
            self.events.push(AuditEvent::OrderFailed {
                client_order_id: id,
                symbol: order.symbol.clone(),
                failure: OrderFailure::Rejected {
                    venue_code: None,
                    venue_message: format!(
                        "order ended {:?} at the venue while the engine was down",
                        order.status
                    ),
                },
            });
        }
        Ok(applied)
    }

    /// Applies the venue's fills of `order` not applied yet, then stores the venue's order
    /// and keeps it working if the venue still works it. The order is out of `working`
    /// while its fills are applied, so the venue's filled quantity is not counted twice.
    pub(super) async fn apply_venue_fills(
        &mut self,
        order: Order,
        fills: Vec<Fill>,
        now: Timestamp,
    ) -> Result<u32, EngineError> {
        let id = order.client_order_id.clone();
        self.working.remove(&id);
        let mut applied = 0;
        for fill in fills {
            if self.apply_fill(fill, now).await? {
                applied += 1;
            }
        }
        if !order.status.is_terminal() {
            self.working.insert(id.clone(), order.clone());
        }
        // Stored with the batch of the fills, when the venue's order says something new.
        if self.order_now(&id).await?.as_ref() != Some(&order) {
            self.record_order(order);
        }
        Ok(applied)
    }

    /// A terminal order whose stored fills do not cover its filled quantity: applies the
    /// venue's missing fills; returns false when the venue could not supply them all, after
    /// storing the order as the trail books it, with a CRITICAL alert.
    async fn rebook(
        &mut self,
        stored: Order,
        report: &mut ReconcileReport,
        now: Timestamp,
    ) -> Result<bool, EngineError> {
        let id = stored.client_order_id.clone();
        let mut booked = domain::Qty::ZERO;
        let mut notional = rust_decimal::Decimal::ZERO;
        for fill in self.store.fills_of(&id).await? {
            booked = booked + fill.qty;
            notional += fill.qty.value() * fill.price.value();
            self.applied_fills
                .insert((fill.client_order_id, fill.trade_id));
        }
        let venue = match self.venue.query(&id).await {
            Ok(Some(order)) => self.venue.fills(&id).await.ok().map(|fills| (order, fills)),
            _ => None,
        };
        if let Some((order, fills)) = venue {
            // The venue's fills, deduplicated against the stored ones, must cover what it
            // says was filled; otherwise fall through to booking what the trail holds.
            let mut venue_total = domain::Qty::ZERO;
            for fill in &fills {
                venue_total = venue_total + fill.qty;
            }
            if venue_total >= order.filled_qty {
                let applied = self.apply_venue_fills(order, fills, now).await?;
                report.filled += applied;
                self.raise(
                    Severity::Warning,
                    AlertKind::Execution,
                    Some(stored.symbol.clone()),
                    format!(
                        "order {id} on {} was stored as {:?} with {} filled but only {} of it in the audit trail; {applied} missing fills recovered from the venue and booked",
                        stored.symbol,
                        stored.status,
                        stored.filled_qty.value(),
                        booked.value()
                    ),
                    now,
                );
                return Ok(true);
            }
        }
        let mut order = stored.clone();
        order.filled_qty = booked;
        order.avg_fill_price = if booked.is_zero() {
            None
        } else {
            notional
                .checked_div(booked.value())
                .and_then(|p| domain::Price::new(p).ok())
        };
        if booked.is_zero() {
            order.status = OrderStatus::Rejected;
        } else if order.status == OrderStatus::Filled {
            order.status = OrderStatus::Cancelled;
        }
        order.updated_at = now;
        let message = format!(
            "order {id} on {} was stored as {:?} with {} filled, but the audit trail books {} and the venue cannot supply the rest; stored as {:?} with {} filled. The position follows the trail: check the venue's account for this order",
            stored.symbol,
            stored.status,
            stored.filled_qty.value(),
            booked.value(),
            order.status,
            booked.value()
        );
        self.events.push(AuditEvent::OrderFailed {
            client_order_id: id,
            symbol: stored.symbol.clone(),
            failure: OrderFailure::Rejected {
                venue_code: None,
                venue_message: message.clone(),
            },
        });
        self.raise(
            Severity::Critical,
            AlertKind::Execution,
            Some(stored.symbol),
            message,
            now,
        );
        self.record_order(order);
        Ok(false)
    }

    /// The venue could not be asked: block new exposure on the symbol until resolved.
    fn still_unresolved(&mut self, order: &Order, why: &str, now: Timestamp) {
        let id: ClientOrderId = order.client_order_id.clone();
        self.unresolved.insert(order.symbol.clone(), id.clone());
        self.raise(
            Severity::Warning,
            AlertKind::Execution,
            Some(order.symbol.clone()),
            format!(
                "order {id} on {} ({:?} when the engine stopped) could not be reconciled with the venue ({why}); new exposure on {} is blocked until it is resolved",
                order.symbol, order.status, order.symbol
            ),
            now,
        );
    }
}
