//! Account rules in the pipeline (e.g. FTMO): every mark is shown to the rules; a breach
//! trips the kill switch with the rule named, raises a CRITICAL alert, records the breach
//! and (if configured) flattens open positions through protective exits; the risk book is
//! recorded every 5 minutes and after every fill.

use domain::account::{AccountBreach, AccountMark};
use domain::ports::{ExecutionVenue, Store};
use domain::{
    AlertKind, AuditEvent, ClientOrderId, Clock, Confidence, IntentKind, KillSwitchTrigger,
    OrderIntent, OrderType, Severity, StrategyId, Tier, Timestamp,
};
use risk_gate::{Decision, PreservationView, RiskContext};

use super::Engine;
use crate::error::EngineError;

/// The scheduler's name of the periodic risk-book job.
pub(super) const RISK_BOOK_JOB: &str = "risk_book_snapshot";

/// Strategy id recorded on the exits the engine sends when an account rule is breached.
const FLATTEN_STRATEGY: &str = "account_rule_flatten";

impl<V: ExecutionVenue + ?Sized, S: Store + ?Sized, C: Clock + ?Sized> Engine<V, S, C> {
    /// Shows the account rules the current mark; handles a new breach. Returns the breach.
    pub(super) fn observe_account(&mut self, now: Timestamp) -> Option<AccountBreach> {
        let rules = self.account_rules.clone()?;
        let snapshot = self.portfolio.snapshot();
        let breach = rules.observe(&AccountMark::from_snapshot(now, &snapshot))?;
        let detail = format!("{} {breach}", rules.name());
        self.events.push(AuditEvent::AccountRuleBreached {
            rules: rules.name().to_string(),
            breach,
        });
        if let Some(event) =
            self.kill_switch
                .trigger(KillSwitchTrigger::AccountRuleBreach, detail.clone(), now)
        {
            self.events.push(event);
        }
        self.raise(
            Severity::Critical,
            AlertKind::AccountRule,
            None,
            format!("account rule breached, new entries blocked: {detail}"),
            now,
        );
        // The book after a breach is evidence: record it now, not at the next 5-minute mark.
        self.book_due = true;
        Some(breach)
    }

    /// Records the risk book when a fill or the 5-minute job asked for it.
    pub(super) fn record_risk_book(&mut self, now: Timestamp) {
        if !std::mem::take(&mut self.book_due) {
            return;
        }
        if let Some(book) = self.account_rules.as_ref().and_then(|r| r.risk_book(now)) {
            self.events.push(AuditEvent::RiskBookSnapshot { book });
        }
    }

    /// Sends a protective exit for every open position (kill switch or not), when the
    /// settings ask for it after an account-rule breach.
    pub(super) async fn flatten_after_breach(&mut self, now: Timestamp) -> Result<(), EngineError> {
        if !self.settings.flatten_on_account_breach {
            return Ok(());
        }
        let positions: Vec<_> = self
            .portfolio
            .positions()
            .values()
            .filter(|p| !self.working.values().any(|o| o.symbol == p.symbol))
            .cloned()
            .collect();
        let strategy = StrategyId::new(FLATTEN_STRATEGY)
            .map_err(|e| EngineError::AccountRules(format!("flatten strategy id: {e}")))?;
        for position in positions {
            let Some(price) = self.portfolio.mark_of(&position.symbol) else {
                continue;
            };
            let Some(stop) = domain::Price::new(
                price.value() * self.settings.default_stop_pct / rust_decimal::Decimal::ONE_HUNDRED,
            )
            .ok() else {
                continue;
            };
            self.seq += 1;
            let intent = OrderIntent {
                client_order_id: ClientOrderId::derive(
                    &self.settings.run_tag,
                    &position.symbol,
                    now,
                    self.seq,
                ),
                symbol: position.symbol.clone(),
                side: position.closing_side(),
                kind: IntentKind::Exit,
                order_type: OrderType::Market,
                qty: position.qty(),
                reference_price: price,
                stop_distance: stop,
                confidence: Confidence::ONE,
                tier: Tier::High,
                strategy: strategy.clone(),
                created_at: now,
                quote_budget: None,
            };
            let snapshot = self.portfolio.snapshot();
            let ctx = RiskContext {
                now,
                mode: self.settings.mode,
                readiness: self.readiness,
                kill_switch: &self.kill_switch,
                kill_switch_inputs: &self.kill_inputs,
                portfolio: &snapshot,
                position: Some(&position),
                last_market_data_at: self.last_data.get(&position.symbol).copied(),
                preservation: PreservationView::UNRESTRICTED,
                filters: self.filters.get(&position.symbol),
                account_rules: None,
            };
            match self.gate.approve_protective_exit(intent, &ctx) {
                Ok(Decision::Approved(approved)) => {
                    self.summary.approvals += 1;
                    self.events.push(AuditEvent::TradeApproved {
                        intent: approved.inner().clone(),
                        adjustments: approved.adjustments().to_vec(),
                    });
                    // A refusal is recorded and alerted by `submit`.
                    let _refused = self.submit(approved, now).await?;
                }
                Ok(Decision::Rejected { intent, reasons }) => {
                    self.record_rejection(intent, reasons);
                }
                Err(e) => {
                    self.raise(
                        Severity::Critical,
                        AlertKind::AccountRule,
                        Some(position.symbol.clone()),
                        format!(
                            "could not flatten {} after the breach: {e}",
                            position.symbol
                        ),
                        now,
                    );
                }
            }
        }
        Ok(())
    }
}
