//! Invariants of the governor over random request sequences spanning several days.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::config::TurnoverConfig;
use crate::governor::TurnoverGovernor;
use crate::test_support::{btc, eth, request, t0};
use domain::{Symbol, TradingMode};

/// One event: minutes since the previous one, which symbol, confidence in
/// hundredths, edge in bps, and an optional trade outcome (true = loss).
fn event() -> impl Strategy<Value = (i64, bool, i64, i64, Option<bool>)> {
    (
        0i64..=240,
        any::<bool>(),
        40i64..=100,
        0i64..=120,
        prop::option::of(any::<bool>()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prop_allowed_decisions_never_exceed_the_daily_cap(
        events in prop::collection::vec(event(), 1..300),
        eth_cap in 1u32..=6,
        eth_interval in 0u32..=90,
        paper_cap in prop::option::of(1u32..=10),
    ) {
        let mut config = TurnoverConfig::default();
        config.default.max_decisions_per_day = Some(eth_cap);
        config.default.min_interval_minutes = eth_interval;
        let (config, _) = config.with_paper_overrides(TradingMode::Paper, None, paper_cap);
        let caps: BTreeMap<Symbol, u32> = [btc(), eth()]
            .into_iter()
            .map(|s| {
                let cap = config.rule_for(&s).max_decisions_per_day.unwrap_or(u32::MAX);
                (s, cap)
            })
            .collect();
        let mut g = TurnoverGovernor::new(config);
        let mut taken: BTreeMap<(Symbol, NaiveDate), u32> = BTreeMap::new();
        let mut now = t0();
        for (dt, is_btc, confidence, edge, outcome) in events {
            now += Duration::minutes(dt);
            let symbol = if is_btc { btc() } else { eth() };
            let minutes = now.signed_duration_since(t0()).num_minutes();
            let req = request(symbol.clone(), Decimal::new(confidence, 2), Decimal::from(edge), minutes);
            if g.evaluate(&req).is_allowed() {
                g.record_decision(&symbol, now);
                let count = taken.entry((symbol.clone(), now.date_naive())).or_default();
                *count += 1;
                prop_assert!(*count <= caps[&symbol], "{} took {} on {}", symbol, count, now.date_naive());
            }
            if let Some(is_loss) = outcome {
                g.record_trade_outcome(&symbol, is_loss, now);
            }
        }
    }
}
