//! How long one `TradeGate::evaluate` takes on the approve path with every check enabled.
//!
//! A typical BTC-USD limit entry in dry-run: allowlist, known filters (the
//! price and quantity both need rounding, so the adjustment path runs), an
//! account-rules implementation (a daily-headroom rule that shrinks the order),
//! capital preservation at CAUTION, and the order-rate check at its default
//! limit, fed one order every 7 seconds so that it prunes and counts a window of
//! 8-9 approvals on every call without saturating.
//! Target: median under 1 µs.

#![allow(missing_docs)] // criterion macros generate undocumented items
#![allow(clippy::unwrap_used)] // fixed, known-valid fixtures

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use domain::ports::{AccountContext, AccountRules, RuleVerdict};
use domain::{
    ClientOrderId, Confidence, InstrumentFilters, IntentKind, Money, OrderIntent, OrderType,
    PortfolioSnapshot, PreservationLevel, Price, Qty, Ratio, Readiness, Side, StrategyId, Symbol,
    Tier, TradingMode,
};
use risk_gate::{
    KillSwitch, KillSwitchInputs, PreservationView, RiskConfig, RiskContext, TierSet, TradeGate,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// A prop-firm style rule: today's loss including this trade's stop may not exceed a share of day-start equity.
struct DailyHeadroom {
    limit: Ratio,
}

impl AccountRules for DailyHeadroom {
    fn name(&self) -> &str {
        "bench_daily_headroom"
    }

    fn evaluate(&self, intent: &OrderIntent, ctx: &AccountContext<'_>) -> RuleVerdict {
        let limit = ctx.portfolio.day_start_equity * self.limit;
        let headroom =
            limit.value() + ctx.portfolio.daily_pnl.value() - ctx.estimated_costs.value();
        if headroom <= Decimal::ZERO {
            return RuleVerdict::Reject {
                rule: "bench_daily_headroom".into(),
                detail: "no daily headroom left".into(),
            };
        }
        let per_unit = intent.stop_distance.value();
        let max_qty = (headroom / per_unit).max(Decimal::ZERO);
        if max_qty >= intent.qty.value() {
            RuleVerdict::Allow
        } else {
            RuleVerdict::Shrink {
                max_qty: Qty::new(max_qty).unwrap_or(Qty::ZERO),
                rule: "bench_daily_headroom".into(),
                detail: String::new(),
            }
        }
    }
}

fn bench_evaluate(c: &mut Criterion) {
    let start = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap();
    let intent = OrderIntent {
        client_order_id: ClientOrderId::new("rp-bench-BTCUSD-1714564800-1").unwrap(),
        symbol: Symbol::new("BTC-USD").unwrap(),
        side: Side::Buy,
        kind: IntentKind::Entry,
        order_type: OrderType::Limit {
            price: Price::new(dec!(50000.123)).unwrap(),
        },
        qty: Qty::new(dec!(0.0512345)).unwrap(),
        reference_price: Price::new(dec!(50000)).unwrap(),
        stop_distance: Price::new(dec!(750)).unwrap(),
        confidence: Confidence::new(dec!(0.72)).unwrap(),
        tier: Tier::Medium,
        strategy: StrategyId::new("sma_cross").unwrap(),
        created_at: start,
        quote_budget: None,
    };
    let portfolio = PortfolioSnapshot {
        cash: Money::new(dec!(9000)),
        equity: Money::new(dec!(10050)),
        peak_equity: Money::new(dec!(10400)),
        drawdown: Ratio::from_fraction(dec!(0.0336)),
        realized_pnl: Money::new(dec!(-120)),
        unrealized_pnl: Money::new(dec!(30)),
        daily_pnl: Money::new(dec!(-60)),
        day_start_equity: Money::new(dec!(10110)),
        open_positions: 1,
        consecutive_losses: 1,
        last_loss_at: Some(start - Duration::hours(3)),
    };
    let filters = InstrumentFilters::new(
        Price::new(dec!(0.01)).unwrap(),
        Qty::new(dec!(0.00001)).unwrap(),
        Qty::new(dec!(0.00001)).unwrap(),
        Qty::new(dec!(9000)).unwrap(),
        Money::new(dec!(5)),
        Some(Money::new(dec!(9000000))),
    )
    .unwrap();
    let rules = DailyHeadroom {
        limit: Ratio::from_pct(dec!(1)),
    };
    let kill_switch = KillSwitch::new();
    let inputs = KillSwitchInputs::NONE;
    let preservation = PreservationView::new(PreservationLevel::Caution, TierSet::ALL);
    let ctx_at = |now| RiskContext {
        now,
        mode: TradingMode::DryRun,
        readiness: Readiness::Conditional,
        kill_switch: &kill_switch,
        kill_switch_inputs: &inputs,
        portfolio: &portfolio,
        position: None,
        last_market_data_at: Some(now),
        preservation,
        filters: Some(&filters),
        account_rules: Some(&rules),
    };
    // Default limit of 10 orders per minute, one approval every 7 seconds: the window
    // always holds 8-9 approvals, is pruned on every call and never saturates.
    let step = Duration::seconds(7);
    let mut gate = TradeGate::new(RiskConfig::default()).unwrap();
    let mut now = start;
    for _ in 0..100 {
        now += step;
        let decision = gate.evaluate(intent.clone(), &ctx_at(now));
        assert!(decision.is_approved(), "{:?}", decision.reasons());
        assert_eq!(decision.approved().map(|a| a.adjustments().len()), Some(3));
    }
    assert_eq!(gate.orders_in_window(now), 9);

    c.bench_function("trade_gate_evaluate_approve_all_checks", |b| {
        b.iter_batched(
            || {
                now += step;
                (intent.clone(), now)
            },
            |(intent, now)| black_box(gate.evaluate(black_box(intent), &ctx_at(black_box(now)))),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, bench_evaluate);
criterion_main!(benches);
