//! How fast `PaperVenue::observe_market` runs through bars: the call a
//! backtest makes on every bar of every symbol. Reported as bars per second
//! over a 1,000-bar session on a fresh venue.
//!
//! - `idle`: no working order on the symbol (the common case): a lock, a map
//!   lookup and a few copies, no allocation. Target: millions of bars/s.
//! - `atr_idle`: the same with ATR slippage, so every bar also updates the ATR.
//! - `resting_limit`: one buy limit far below the market that never fills, so
//!   the matching loop runs on every bar and produces nothing.

#![allow(missing_docs)] // criterion macros generate undocumented items
#![allow(clippy::unwrap_used)] // fixed, known-valid fixtures

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use chrono::{Duration, TimeZone, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use domain::ports::ExecutionVenue;
use domain::{
    Candle, CandleFields, ClientOrderId, Confidence, InstrumentFilters, IntentKind, MarketEvent,
    Money, OrderIntent, OrderType, PortfolioSnapshot, Price, Qty, Ratio, Readiness, Side,
    StrategyId, Symbol, Tier, Timestamp, TradingMode,
};
use paper::{PaperConfig, PaperVenue, Slippage};
use risk_gate::{
    Decision, KillSwitch, KillSwitchInputs, PreservationView, RiskConfig, RiskContext, TradeGate,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const BARS: u64 = 1_000;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

/// One-minute BTC-USD bars zig-zagging around 50,000.
fn bars() -> Vec<MarketEvent> {
    let symbol = Symbol::new("BTC-USD").unwrap();
    (0..BARS as i64)
        .map(|i| {
            let open = dec!(50000) + Decimal::from(i % 17) * dec!(3);
            let close = open + dec!(5);
            MarketEvent::Candle(
                Candle::new(CandleFields {
                    symbol: symbol.clone(),
                    open_time: t0() + Duration::minutes(i),
                    close_time: t0() + Duration::minutes(i + 1),
                    open,
                    high: close + dec!(10),
                    low: open - dec!(10),
                    close,
                    volume: dec!(12.5),
                })
                .unwrap(),
            )
        })
        .collect()
}

/// The paper venue's futures never wait: poll once.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the paper venue never waits"),
    }
}

/// A venue holding one BTC-USD buy limit at 1,000 (approved by a permissive gate).
fn venue_with_resting_limit() -> PaperVenue {
    let venue = PaperVenue::new(PaperConfig::default()).unwrap();
    let intent = OrderIntent {
        client_order_id: ClientOrderId::new("bench-limit").unwrap(),
        symbol: Symbol::new("BTC-USD").unwrap(),
        side: Side::Buy,
        kind: IntentKind::Entry,
        order_type: OrderType::Limit {
            price: Price::new(dec!(1000)).unwrap(),
        },
        qty: Qty::new(dec!(0.01)).unwrap(),
        reference_price: Price::new(dec!(1000)).unwrap(),
        stop_distance: Price::new(dec!(10)).unwrap(),
        confidence: Confidence::new(dec!(0.9)).unwrap(),
        tier: Tier::High,
        strategy: StrategyId::new("bench").unwrap(),
        created_at: t0(),
        quote_budget: None,
    };
    let equity = Money::new(dec!(1000000));
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
    let filters: InstrumentFilters = PaperConfig::default().filters.into_values().next().unwrap();
    let kill_switch = KillSwitch::new();
    let ctx = RiskContext {
        now: t0(),
        mode: TradingMode::Backtest,
        readiness: Readiness::NoGo,
        kill_switch: &kill_switch,
        kill_switch_inputs: &KillSwitchInputs::NONE,
        portfolio: &portfolio,
        position: None,
        last_market_data_at: Some(t0()),
        preservation: PreservationView::UNRESTRICTED,
        filters: Some(&filters),
        account_rules: None,
    };
    let Decision::Approved(approved) = TradeGate::new(RiskConfig::default())
        .unwrap()
        .evaluate(intent, &ctx)
    else {
        panic!("the bench intent must pass the default gate");
    };
    ready(venue.submit(approved));
    venue
}

fn session(c: &mut Criterion, name: &str, make: impl Fn() -> PaperVenue) {
    let bars = bars();
    let mut group = c.benchmark_group("observe_market");
    group.throughput(Throughput::Elements(BARS));
    group.bench_function(name, |b| {
        b.iter_batched(
            &make,
            |venue| {
                for bar in &bars {
                    black_box(venue.observe_market(black_box(bar)));
                }
                venue
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

fn observe_market(c: &mut Criterion) {
    session(c, "idle", || {
        PaperVenue::new(PaperConfig::default()).unwrap()
    });
    session(c, "atr_idle", || {
        PaperVenue::new(PaperConfig {
            slippage: Slippage::AtrMultiple {
                k: dec!(0.5),
                period: 14,
            },
            ..PaperConfig::default()
        })
        .unwrap()
    });
    session(c, "resting_limit", venue_with_resting_limit);
}

criterion_group!(benches, observe_market);
criterion_main!(benches);
