//! Test fixtures: a healthy scenario every check passes, to be spoiled one field at a time.

use std::sync::Mutex;

use chrono::{Duration, TimeZone, Utc};
use domain::ports::{AccountContext, AccountRules, RuleVerdict};
use domain::{
    ClientOrderId, Confidence, InstrumentFilters, IntentKind, Money, OrderIntent, OrderType,
    PortfolioSnapshot, Position, Price, Qty, Ratio, Readiness, RejectReason, Side, StrategyId,
    Symbol, Tier, Timestamp, TradingMode,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::{
    Decision, KillSwitch, KillSwitchInputs, PreservationView, RiskConfig, RiskContext, TradeGate,
};

pub(crate) fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap()
}

pub(crate) fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

pub(crate) fn price(d: Decimal) -> Price {
    Price::new(d).unwrap()
}

pub(crate) fn qty(d: Decimal) -> Qty {
    Qty::new(d).unwrap()
}

/// BTC-USD buy entry: 0.01 @ 50,000 limit, stop 500 away, confidence 0.70, medium tier.
/// Worst case = 500 x 0.01 + 500 x 25 bps = 5 + 1.25 = 6.25 (limit 200 on 10,000 equity).
pub(crate) fn entry() -> OrderIntent {
    OrderIntent {
        client_order_id: ClientOrderId::new("rp-test-BTCUSD-1").unwrap(),
        symbol: sym("BTC-USD"),
        side: Side::Buy,
        kind: IntentKind::Entry,
        order_type: OrderType::Limit {
            price: price(dec!(50000)),
        },
        qty: qty(dec!(0.01)),
        reference_price: price(dec!(50000)),
        stop_distance: price(dec!(500)),
        confidence: Confidence::new(dec!(0.70)).unwrap(),
        tier: Tier::Medium,
        strategy: StrategyId::new("sma_cross").unwrap(),
        created_at: t0(),
        quote_budget: None,
    }
}

/// A market sell that closes `held` of a long BTC-USD position.
pub(crate) fn exit(held: Decimal) -> OrderIntent {
    OrderIntent {
        side: Side::Sell,
        kind: IntentKind::Exit,
        order_type: OrderType::Market,
        qty: qty(held),
        confidence: Confidence::ZERO,
        tier: Tier::Low,
        ..entry()
    }
}

/// A long BTC-USD position of `held` bought at 48,000.
pub(crate) fn long(held: Decimal) -> Position {
    Position {
        symbol: sym("BTC-USD"),
        signed_qty: held,
        avg_price: price(dec!(48000)),
        open_fees: Money::ZERO,
        opened_at: t0() - Duration::hours(3),
    }
}

/// Binance-like BTC filters: tick 0.01, step 0.00001, min notional 5.
pub(crate) fn btc_filters() -> InstrumentFilters {
    InstrumentFilters::new(
        price(dec!(0.01)),
        qty(dec!(0.00001)),
        qty(dec!(0.00001)),
        qty(dec!(9000)),
        Money::new(dec!(5)),
        None,
    )
    .unwrap()
}

/// A flat 10,000 portfolio with no loss today.
pub(crate) fn flat_portfolio() -> PortfolioSnapshot {
    PortfolioSnapshot {
        cash: Money::new(dec!(10000)),
        equity: Money::new(dec!(10000)),
        peak_equity: Money::new(dec!(10000)),
        drawdown: Ratio::ZERO,
        realized_pnl: Money::ZERO,
        unrealized_pnl: Money::ZERO,
        daily_pnl: Money::ZERO,
        day_start_equity: Money::new(dec!(10000)),
        open_positions: 0,
        consecutive_losses: 0,
        last_loss_at: None,
    }
}

/// An account rule that always answers the same verdict and remembers what it was shown.
pub(crate) struct FixedRule {
    pub(crate) verdict: RuleVerdict,
    pub(crate) seen_costs: Mutex<Option<Money>>,
}

impl FixedRule {
    pub(crate) fn new(verdict: RuleVerdict) -> Self {
        Self {
            verdict,
            seen_costs: Mutex::new(None),
        }
    }
}

impl AccountRules for FixedRule {
    fn name(&self) -> &str {
        "fixed"
    }
    fn evaluate(&self, _intent: &OrderIntent, ctx: &AccountContext<'_>) -> RuleVerdict {
        *self.seen_costs.lock().unwrap() = Some(ctx.estimated_costs);
        self.verdict.clone()
    }
}

/// Owned state from which a `RiskContext` is borrowed; healthy by default.
pub(crate) struct Scenario {
    pub(crate) now: Timestamp,
    pub(crate) mode: TradingMode,
    pub(crate) readiness: Readiness,
    pub(crate) kill_switch: KillSwitch,
    pub(crate) inputs: KillSwitchInputs,
    pub(crate) portfolio: PortfolioSnapshot,
    pub(crate) position: Option<Position>,
    pub(crate) last_data: Option<Timestamp>,
    pub(crate) preservation: PreservationView,
    pub(crate) filters: Option<InstrumentFilters>,
    pub(crate) rules: Option<Box<dyn AccountRules>>,
}

impl Scenario {
    pub(crate) fn healthy() -> Self {
        Self {
            now: t0(),
            mode: TradingMode::DryRun,
            readiness: Readiness::NoGo,
            kill_switch: KillSwitch::new(),
            inputs: KillSwitchInputs::NONE,
            portfolio: flat_portfolio(),
            position: None,
            last_data: Some(t0() - Duration::seconds(30)),
            preservation: PreservationView::UNRESTRICTED,
            filters: Some(btc_filters()),
            rules: None,
        }
    }

    /// Healthy, holding a long BTC-USD position of `held`.
    pub(crate) fn holding(held: Decimal) -> Self {
        let mut s = Self::healthy();
        s.position = Some(long(held));
        s.portfolio.open_positions = 1;
        s
    }

    pub(crate) fn ctx(&self) -> RiskContext<'_> {
        RiskContext {
            now: self.now,
            mode: self.mode,
            readiness: self.readiness,
            kill_switch: &self.kill_switch,
            kill_switch_inputs: &self.inputs,
            portfolio: &self.portfolio,
            position: self.position.as_ref(),
            last_market_data_at: self.last_data,
            preservation: self.preservation,
            filters: self.filters.as_ref(),
            account_rules: self.rules.as_deref(),
        }
    }

    /// Evaluates `intent` with a fresh default gate.
    pub(crate) fn evaluate(&self, intent: OrderIntent) -> Decision {
        gate().evaluate(intent, &self.ctx())
    }
}

pub(crate) fn gate() -> TradeGate {
    gate_with(RiskConfig::default())
}

pub(crate) fn gate_with(config: RiskConfig) -> TradeGate {
    TradeGate::new(config).unwrap()
}

/// The stable codes of a decision's reasons, in order.
pub(crate) fn codes(decision: &Decision) -> Vec<&'static str> {
    decision.reasons().iter().map(RejectReason::code).collect()
}

/// The single reason of a rejection, failing the test otherwise.
pub(crate) fn only_reason(decision: &Decision) -> &RejectReason {
    match decision.reasons() {
        [one] => one,
        other => panic!("expected exactly one reason, got {other:?}"),
    }
}
