//! Invariants of the accumulator over random equity curves and trades, and the
//! streaming statistics checked against straightforward batch computations.

use std::collections::BTreeMap;

use domain::{Money, Ratio};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::MetricsBuilder;
use crate::test_support::{at_hour, trade};

/// Equity in cents, 0 to 20,000.00, with a few exact zeros.
fn equity() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        20 => (0i64..=2_000_000).prop_map(|c| Decimal::new(c, 2)),
        1 => Just(Decimal::ZERO),
    ]
}

/// A curve as (hours since the previous bar, equity, in market).
fn curve() -> impl Strategy<Value = Vec<(i64, Decimal, bool)>> {
    prop::collection::vec((0i64..=30, equity(), any::<bool>()), 1..300)
}

fn run(initial: Decimal, curve: &[(i64, Decimal, bool)]) -> MetricsBuilder {
    let mut b = MetricsBuilder::new(Money::new(initial)).unwrap();
    let mut hour = 0;
    for (step, eq, in_market) in curve {
        hour += step;
        b.observe_equity(at_hour(hour), Money::new(*eq), *in_market)
            .unwrap();
    }
    b
}

fn in_unit_interval(r: Ratio) -> bool {
    (Decimal::ZERO..=Decimal::ONE).contains(&r.fraction())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prop_max_drawdown_is_a_fraction_when_equity_is_not_negative(c in curve()) {
        let m = run(Decimal::from(10_000), &c).finish(0);
        prop_assert!(in_unit_interval(m.max_drawdown), "{}", m.max_drawdown);
    }

    #[test]
    fn prop_max_drawdown_matches_the_worst_peak_to_later_trough(c in curve()) {
        let initial = Decimal::from(10_000);
        let m = run(initial, &c).finish(0);
        let points: Vec<Decimal> =
            std::iter::once(initial).chain(c.iter().map(|x| x.1)).collect();
        let mut worst = Decimal::ZERO;
        for (i, peak) in points.iter().enumerate() {
            for later in &points[i..] {
                if *peak > Decimal::ZERO {
                    worst = worst.max((peak - later) / peak);
                }
            }
        }
        prop_assert_eq!(m.max_drawdown.fraction(), worst);
    }

    #[test]
    fn prop_exposure_is_the_share_of_bars_in_market(c in curve()) {
        let m = run(Decimal::from(10_000), &c).finish(0);
        let exposure = m.exposure.unwrap();
        prop_assert!(in_unit_interval(exposure));
        let in_market = c.iter().filter(|x| x.2).count();
        prop_assert_eq!(
            exposure.fraction(),
            (Decimal::from(in_market) / Decimal::from(c.len())).normalize()
        );
    }

    #[test]
    fn prop_win_rate_is_a_fraction_and_counts_add_up(
        pnls in prop::collection::vec((-5_000i64..=5_000).prop_map(|c| Decimal::new(c, 2)), 0..100)
    ) {
        let mut b = MetricsBuilder::new(Money::new(Decimal::from(10_000))).unwrap();
        for p in &pnls {
            b.record_trade(&trade(*p));
        }
        let m = b.finish(0);
        prop_assert_eq!(m.trades, pnls.len() as u64);
        prop_assert!(m.winning_trades + m.losing_trades <= m.trades);
        match m.win_rate {
            Some(w) => prop_assert!(in_unit_interval(w)),
            None => prop_assert!(pnls.is_empty()),
        }
        if let Some(pf) = m.profit_factor {
            prop_assert!(pf >= Decimal::ZERO);
        }
        let net: Decimal = pnls.iter().sum();
        prop_assert_eq!(m.gross_profit.value() - m.gross_loss.value(), net);
    }

    #[test]
    fn prop_streaming_sharpe_and_sortino_match_a_two_pass_computation(
        c in prop::collection::vec((0i64..=30, (500_000i64..=1_500_000).prop_map(|x| Decimal::new(x, 2)), any::<bool>()), 1..300)
    ) {
        let initial = Decimal::from(10_000);
        let m = run(initial, &c).finish(0);
        // Batch: last equity of each UTC day, returns from the initial capital on.
        let mut closes = BTreeMap::new();
        let mut hour = 0;
        for (step, eq, _) in &c {
            hour += step;
            closes.insert(at_hour(hour).date_naive(), *eq);
        }
        let mut prev = initial;
        let returns: Vec<f64> = closes
            .values()
            .map(|close| {
                let r = (close / prev - Decimal::ONE).to_f64().unwrap();
                prev = *close;
                r
            })
            .collect();
        prop_assert_eq!(m.days, returns.len() as u64);
        let n = returns.len() as f64;
        let mean = returns.iter().sum::<f64>() / n;
        let sd = (returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let dd = (returns.iter().map(|r| r.min(0.0).powi(2)).sum::<f64>() / n).sqrt();
        let close = |streamed: Option<f64>, batch: f64| match streamed {
            Some(s) => (s - batch).abs() <= 1e-6 * batch.abs().max(1.0),
            None => !batch.is_finite() || returns.len() < 2,
        };
        let annual = 365f64.sqrt();
        prop_assert!(close(m.sharpe, mean / sd * annual), "{:?} vs {}", m.sharpe, mean / sd * annual);
        prop_assert!(close(m.sortino, mean / dd * annual), "{:?} vs {}", m.sortino, mean / dd * annual);
    }
}
