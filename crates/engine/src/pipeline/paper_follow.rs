//! The entries capital preservation vetoes, followed on paper (docs/guardrails.md,
//! "Leaving a level").
//!
//! While a level vetoes entries (LOCKDOWN and CRISIS, or DEFENSIVE's lower tiers) a flat
//! account cannot move its drawdown, so the account alone could never earn its way out.
//! Each vetoed entry is followed on paper instead: opened at the signal's price plus
//! slippage, sized as the pipeline sized it, closed by its strategy's next exit signal on
//! the symbol (or after `capital_preservation.paper_horizon_minutes`) at that price less
//! slippage, with the commission of both fills. The result goes to the capital-preservation
//! machine, whose recovery rule counts the paper trades closed in the current level.
//! Nothing here reaches a venue or the portfolio: paper trades are evidence, not trades.
//!
//! At most one paper trade per symbol; the book is part of the engine state, so a resumed
//! session follows the same paper trades.

use std::collections::BTreeMap;

use domain::ports::{ExecutionVenue, Store};
use domain::{
    Clock, IntentKind, OrderIntent, Price, Qty, RejectReason, Side, Signal, StrategyId, Symbol,
    Timestamp,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Engine;

/// One vetoed entry, followed on paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperTrade {
    /// The entry's side.
    pub side: Side,
    /// The strategy whose exit closes it.
    pub strategy: StrategyId,
    /// The quantity the pipeline sized.
    pub qty: Qty,
    /// Entry price, slippage included.
    pub entry: Price,
    /// When it was opened.
    pub opened_at: Timestamp,
}

/// The open paper trades, one per symbol at most.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PaperBook {
    open: BTreeMap<Symbol, PaperTrade>,
}

impl PaperBook {
    /// True when nothing is followed.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// The open paper trades.
    pub fn open(&self) -> impl Iterator<Item = (&Symbol, &PaperTrade)> {
        self.open.iter()
    }
}

/// Whether a gate rejection was capital preservation's veto of an entry.
fn vetoed_by_preservation(reasons: &[RejectReason]) -> bool {
    reasons.iter().any(|r| {
        matches!(
            r,
            RejectReason::CapitalPreservationVeto { .. } | RejectReason::TierNotAllowed { .. }
        )
    })
}

impl<V: ExecutionVenue + ?Sized, S: Store + ?Sized, C: Clock + ?Sized> Engine<V, S, C> {
    /// Follows `intent` on paper when capital preservation vetoed it (an entry, on a symbol
    /// with no paper trade open).
    pub(super) fn paper_follow(&mut self, intent: &OrderIntent, reasons: &[RejectReason]) {
        if intent.kind != IntentKind::Entry
            || !vetoed_by_preservation(reasons)
            || self.paper.open.contains_key(&intent.symbol)
            || intent.qty.is_zero()
        {
            return;
        }
        let slip = self.gate.config().cost_model().slippage_bps / Decimal::from(10_000);
        let entry = intent.reference_price.value() * (Decimal::ONE + slip * intent.side.sign());
        let Ok(entry) = Price::new(entry) else {
            return;
        };
        self.paper.open.insert(
            intent.symbol.clone(),
            PaperTrade {
                side: intent.side,
                strategy: intent.strategy.clone(),
                qty: intent.qty,
                entry,
                opened_at: intent.created_at,
            },
        );
    }

    /// Closes the paper trade of `signal`'s symbol when `signal` is its strategy's exit.
    pub(super) fn paper_exit(&mut self, signal: &Signal) {
        let closes = self.paper.open.get(&signal.symbol).is_some_and(|t| {
            signal.is_exit && t.strategy == signal.strategy && t.side != signal.side
        });
        if closes {
            self.paper_close(&signal.symbol, signal.price);
        }
    }

    /// Closes the paper trade of `symbol` at `price` once it is older than the horizon.
    pub(super) fn paper_expire(&mut self, symbol: &Symbol, price: Price, now: Timestamp) {
        let horizon =
            chrono::Duration::minutes(i64::from(self.settings.preservation.paper_horizon_minutes));
        if self
            .paper
            .open
            .get(symbol)
            .is_some_and(|t| now - t.opened_at >= horizon)
        {
            self.paper_close(symbol, price);
        }
    }

    fn paper_close(&mut self, symbol: &Symbol, price: Price) {
        let Some(trade) = self.paper.open.remove(symbol) else {
            return;
        };
        let costs = self.gate.config().cost_model();
        let bps = Decimal::from(10_000);
        let exit = price.value() * (Decimal::ONE - costs.slippage_bps / bps * trade.side.sign());
        let qty = trade.qty.value();
        let gross = (exit - trade.entry.value()) * qty * trade.side.sign();
        let fees = (trade.entry.value() + exit) * qty * costs.fee_bps / bps;
        self.preservation
            .record_paper(domain::Money::new(gross - fees));
        // The paper record is one of recovery's inputs: the shortcuts that skip an update
        // whose figures did not move must not skip the next one.
        self.settled = None;
        self.preservation_unchanged = None;
    }
}
