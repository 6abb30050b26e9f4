//! Builders shared by the tests.

use chrono::{TimeZone, Utc};
use domain::{
    AccountMark, ClientOrderId, Confidence, IntentKind, Money, OrderIntent, OrderType, Price, Qty,
    Side, StrategyId, Symbol, Tier, Timestamp,
};
use ftmo::{Currency, FtmoAccount, FtmoConfig, Product};
use rust_decimal::Decimal;

pub fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

pub fn m(v: Decimal) -> Money {
    Money::new(v)
}

pub fn config(product: Product, capital: Decimal, buffer_pct: Decimal) -> FtmoConfig {
    FtmoConfig::new(product, m(capital), Currency::new("USD").unwrap())
        .unwrap()
        .with_buffer_pct(buffer_pct)
        .unwrap()
}

/// An account with no buffer: its lines are exactly the firm's.
pub fn firm_account(product: Product, capital: Decimal, start: Timestamp) -> FtmoAccount {
    FtmoAccount::new(config(product, capital, Decimal::ZERO), start)
}

pub fn mark(
    at: Timestamp,
    equity: Decimal,
    balance: Decimal,
    open_positions: usize,
) -> AccountMark {
    AccountMark {
        at,
        equity: m(equity),
        balance: m(balance),
        open_positions,
    }
}

/// A flat mark: equity = balance.
pub fn flat(at: Timestamp, balance: Decimal) -> AccountMark {
    mark(at, balance, balance, 0)
}

pub fn intent(qty: Decimal, price: Decimal, stop: Decimal, at: Timestamp) -> OrderIntent {
    OrderIntent {
        client_order_id: ClientOrderId::new("rp-test-EURUSD-1").unwrap(),
        symbol: Symbol::new("EUR-USD").unwrap(),
        side: Side::Buy,
        kind: IntentKind::Entry,
        order_type: OrderType::Market,
        qty: Qty::new(qty).unwrap(),
        reference_price: Price::new(price).unwrap(),
        stop_distance: Price::new(stop).unwrap(),
        confidence: Confidence::new(Decimal::new(7, 1)).unwrap(),
        tier: Tier::Medium,
        strategy: StrategyId::new("sma_cross").unwrap(),
        created_at: at,
        quote_budget: None,
    }
}
