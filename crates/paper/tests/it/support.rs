//! Fixtures: approvals through the real trade gate, candles, and venues.
//!
//! The gate is configured to let everything through and is shown loose
//! filters (tick and step 1e-8, no minimum notional), so an intent reaches the
//! venue exactly as written; the venue's own, stricter filters are what the
//! rejection tests exercise.

use std::future::Future;

use chrono::{Duration, TimeZone, Utc};
use domain::ports::{ExecutionVenue, SubmitOutcome};
use domain::{
    Approved, Candle, CandleFields, ClientOrderId, Confidence, Fill, InstrumentFilters, IntentKind,
    MarketEvent, Money, Order, OrderIntent, OrderType, PortfolioSnapshot, Price, Qty, Ratio,
    Readiness, Side, StrategyId, Symbol, Tier, Timestamp, TradingMode,
};
use paper::{PaperConfig, PaperVenue};
use risk_gate::{
    Decision, KillSwitch, KillSwitchInputs, PreservationView, RiskConfig, RiskContext, TradeGate,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// `2024-06-03 00:00 UTC` plus `minutes`.
pub fn t(minutes: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 6, 3, 0, 0, 0).unwrap() + Duration::minutes(minutes)
}

pub fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

pub fn btc() -> Symbol {
    sym("BTC-USD")
}

pub fn price(d: Decimal) -> Price {
    Price::new(d).unwrap()
}

pub fn qty(d: Decimal) -> Qty {
    Qty::new(d).unwrap()
}

pub fn id(s: &str) -> ClientOrderId {
    ClientOrderId::new(s).unwrap()
}

/// A one-minute candle of `symbol` opening at minute `minute`.
pub fn candle_of(
    symbol: &Symbol,
    minute: i64,
    [open, high, low, close, volume]: [Decimal; 5],
) -> MarketEvent {
    MarketEvent::Candle(
        Candle::new(CandleFields {
            symbol: symbol.clone(),
            open_time: t(minute),
            close_time: t(minute + 1),
            open,
            high,
            low,
            close,
            volume,
        })
        .unwrap(),
    )
}

/// A one-minute BTC-USD candle opening at minute `minute`: `[open, high, low, close, volume]`.
pub fn bar(minute: i64, ohlcv: [Decimal; 5]) -> MarketEvent {
    candle_of(&btc(), minute, ohlcv)
}

/// A flat BTC-USD candle at `p` with plenty of volume.
pub fn flat(minute: i64, p: Decimal) -> MarketEvent {
    bar(minute, [p, p, p, p, dec!(1000)])
}

/// An intent for `symbol` as the pipeline would size it (entry, high confidence).
pub fn intent_for(
    symbol: &Symbol,
    client_id: &str,
    side: Side,
    order_type: OrderType,
    q: Decimal,
    reference: Decimal,
    at: Timestamp,
) -> OrderIntent {
    OrderIntent {
        client_order_id: id(client_id),
        symbol: symbol.clone(),
        side,
        kind: IntentKind::Entry,
        order_type,
        qty: qty(q),
        reference_price: price(reference),
        stop_distance: price(reference / dec!(100)),
        confidence: Confidence::new(dec!(0.9)).unwrap(),
        tier: Tier::High,
        strategy: StrategyId::new("sma_cross").unwrap(),
        created_at: at,
        quote_budget: None,
    }
}

/// A BTC-USD market order with reference price 50,000, created at minute `minute + 1`
/// (the close of the bar opening at `minute`).
pub fn market(client_id: &str, side: Side, q: Decimal, minute: i64) -> OrderIntent {
    intent_for(
        &btc(),
        client_id,
        side,
        OrderType::Market,
        q,
        dec!(50000),
        t(minute + 1),
    )
}

/// A BTC-USD limit order created at minute `minute + 1`.
pub fn limit(client_id: &str, side: Side, q: Decimal, limit: Decimal, minute: i64) -> OrderIntent {
    let order_type = OrderType::Limit {
        price: price(limit),
    };
    intent_for(&btc(), client_id, side, order_type, q, limit, t(minute + 1))
}

/// Filters so loose that the gate changes nothing and refuses nothing.
fn loose_filters() -> InstrumentFilters {
    InstrumentFilters::new(
        price(dec!(0.00000001)),
        qty(dec!(0.00000001)),
        qty(dec!(0.00000001)),
        qty(dec!(1000000000)),
        Money::ZERO,
        None,
    )
    .unwrap()
}

fn permissive() -> RiskConfig {
    RiskConfig {
        max_loss_per_trade_pct: dec!(100),
        max_daily_loss_pct: dec!(100),
        max_open_positions: 1000,
        cool_down_after_loss_minutes: 0,
        min_confidence: Decimal::ZERO,
        max_orders_per_minute: 1000,
        max_market_data_age_secs: 86_400,
        symbol_allowlist: ["BTC-USD", "ETH-USD", "SOL-USD"].map(sym).to_vec(),
        live_trading_enabled: false,
        fee_bps: Decimal::ZERO,
        slippage_bps: Decimal::ZERO,
    }
}

fn rich_portfolio() -> PortfolioSnapshot {
    let equity = Money::new(dec!(1000000000000));
    PortfolioSnapshot {
        cash: equity,
        equity,
        peak_equity: equity,
        drawdown: Ratio::ZERO,
        realized_pnl: Money::ZERO,
        unrealized_pnl: Money::ZERO,
        daily_pnl: Money::ZERO,
        day_start_equity: equity,
        open_positions: 0,
        consecutive_losses: 0,
        last_loss_at: None,
    }
}

/// Runs `intent` through a real, permissive trade gate and returns its approval.
pub fn approve(intent: OrderIntent) -> Approved<OrderIntent> {
    let mut gate = TradeGate::new(permissive()).unwrap();
    let kill_switch = KillSwitch::new();
    let inputs = KillSwitchInputs::NONE;
    let portfolio = rich_portfolio();
    let filters = loose_filters();
    let ctx = RiskContext {
        now: intent.created_at,
        mode: TradingMode::Backtest,
        readiness: Readiness::NoGo,
        kill_switch: &kill_switch,
        kill_switch_inputs: &inputs,
        portfolio: &portfolio,
        position: None,
        last_market_data_at: Some(intent.created_at),
        preservation: PreservationView::UNRESTRICTED,
        filters: Some(&filters),
        account_rules: None,
    };
    let expected = intent.clone();
    match gate.evaluate(intent, &ctx) {
        Decision::Approved(approved) => {
            assert_eq!(
                approved.inner(),
                &expected,
                "the gate must not change test intents"
            );
            approved
        }
        Decision::Rejected { reasons, .. } => {
            panic!("the test gate rejected an intent: {reasons:?}")
        }
    }
}

/// A venue with the default config changed by `tweak`.
pub fn venue_with(tweak: impl FnOnce(&mut PaperConfig)) -> PaperVenue {
    let mut config = PaperConfig::default();
    tweak(&mut config);
    PaperVenue::new(config).unwrap()
}

/// Submits through the gate; the order and immediate fills of a confirmation.
pub async fn submit(venue: &PaperVenue, intent: OrderIntent) -> (Order, Vec<Fill>) {
    match venue.submit(approve(intent)).await {
        SubmitOutcome::Confirmed { order, fills } => (order, fills),
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

/// Submits through the gate and returns the raw outcome.
pub async fn submit_outcome(venue: &PaperVenue, intent: OrderIntent) -> SubmitOutcome {
    venue.submit(approve(intent)).await
}

/// Drives a future of the paper venue to completion: they never wait on anything.
pub fn ready<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}
