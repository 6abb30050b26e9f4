//! Shared helpers: fixture paths, approvals through the real trade gate, clients and venues
//! pointed at a fake server.

use std::path::PathBuf;
use std::sync::Arc;

use binance::{BinanceConfig, BinanceVenue, Credentials, RestClient};
use domain::{
    Approved, ClientOrderId, Clock, Confidence, InstrumentFilters, IntentKind, Money, OrderIntent,
    OrderType, PortfolioSnapshot, Price, Qty, Ratio, Readiness, Side, StrategyId, Symbol,
    SystemClock, Tier, TradingMode,
};
use risk_gate::{
    Decision, KillSwitch, KillSwitchInputs, PreservationView, RiskConfig, RiskContext, TradeGate,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// `../shared` (override with `RAMPART_SHARED`).
pub fn shared_dir() -> PathBuf {
    std::env::var_os("RAMPART_SHARED").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
        PathBuf::from,
    )
}

/// The text of `fixtures/binance/<name>`.
pub fn fixture(name: &str) -> String {
    let path = shared_dir().join("fixtures/binance").join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

/// A fixture parsed as JSON.
pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// The official signing example's key pair.
pub fn doc_keys() -> (String, String) {
    let v = fixture_json("hmac_signing_example.json");
    (
        v["apiKey"].as_str().unwrap().to_string(),
        v["secretKey"].as_str().unwrap().to_string(),
    )
}

pub fn btc() -> Symbol {
    Symbol::new("BTC-USD").unwrap()
}

/// A config pointing at `base_url` with short timeouts.
pub fn config(base_url: &str) -> BinanceConfig {
    BinanceConfig {
        rest_base_url: base_url.to_string(),
        ws_base_url: "ws://127.0.0.1:9".to_string(),
        request_timeout_ms: 2_000,
        ..BinanceConfig::default()
    }
}

/// A public (no key) client.
pub fn public_client(config: BinanceConfig) -> Arc<RestClient> {
    Arc::new(RestClient::new(config, None, Arc::new(SystemClock)).unwrap())
}

/// A signed client with the documentation's key pair.
pub fn signed_client(config: BinanceConfig) -> Arc<RestClient> {
    let (key, secret) = doc_keys();
    let creds = Credentials::new(key, secret).unwrap();
    Arc::new(RestClient::new(config, Some(creds), Arc::new(SystemClock)).unwrap())
}

/// A venue trading BTC-USD and ETH-USD.
pub fn venue(config: BinanceConfig) -> BinanceVenue {
    BinanceVenue::new(
        signed_client(config),
        vec![btc(), Symbol::new("ETH-USD").unwrap()],
    )
    .unwrap()
}

pub fn id(s: &str) -> ClientOrderId {
    ClientOrderId::new(s).unwrap()
}

/// A BTC-USD intent as the pipeline would size it.
pub fn intent(client_id: &str, side: Side, order_type: OrderType, q: Decimal) -> OrderIntent {
    OrderIntent {
        client_order_id: id(client_id),
        symbol: btc(),
        side,
        kind: IntentKind::Entry,
        order_type,
        qty: Qty::new(q).unwrap(),
        reference_price: Price::new(dec!(50000)).unwrap(),
        stop_distance: Price::new(dec!(500)).unwrap(),
        confidence: Confidence::new(dec!(0.9)).unwrap(),
        tier: Tier::High,
        strategy: StrategyId::new("sma_cross").unwrap(),
        created_at: SystemClock.now(),
        quote_budget: None,
    }
}

/// A BTC-USD market buy.
pub fn market_buy(client_id: &str, q: Decimal) -> OrderIntent {
    intent(client_id, Side::Buy, OrderType::Market, q)
}

fn loose_filters() -> InstrumentFilters {
    InstrumentFilters::new(
        Price::new(dec!(0.00000001)).unwrap(),
        Qty::new(dec!(0.00000001)).unwrap(),
        Qty::new(dec!(0.00000001)).unwrap(),
        Qty::new(dec!(1000000000)).unwrap(),
        Money::ZERO,
        None,
    )
    .unwrap()
}

/// Runs `intent` through a real, permissive trade gate (only the gate issues approvals).
pub fn approve(intent: OrderIntent) -> Approved<OrderIntent> {
    let config = RiskConfig {
        max_loss_per_trade_pct: dec!(100),
        max_daily_loss_pct: dec!(100),
        max_open_positions: 1000,
        cool_down_after_loss_minutes: 0,
        min_confidence: Decimal::ZERO,
        max_orders_per_minute: 1000,
        max_market_data_age_secs: 86_400,
        symbol_allowlist: vec![btc()],
        live_trading_enabled: false,
        fee_bps: Decimal::ZERO,
        slippage_bps: Decimal::ZERO,
    };
    let mut gate = TradeGate::new(config).unwrap();
    let kill_switch = KillSwitch::new();
    let inputs = KillSwitchInputs::NONE;
    let equity = Money::new(dec!(1000000000000));
    let portfolio = PortfolioSnapshot {
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
    };
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
    match gate.evaluate(intent, &ctx) {
        Decision::Approved(approved) => approved,
        Decision::Rejected { reasons, .. } => panic!("the test gate rejected: {reasons:?}"),
    }
}
