//! Invariants over random candle sequences: no panic, confidence in `[0, 1]`,
//! tier consistent with the thresholds, entries and exits alternate, same input
//! same output, and `sma_cross` agrees with an independent integer reference.

use domain::ports::Strategy as DomainStrategy;
use domain::{Candle, Confidence, Side, Signal, StrategyId, TierThresholds};
use proptest::prelude::*;
use rust_decimal::Decimal;
use strategies::{
    Breakout, BreakoutParams, RsiReversion, RsiReversionParams, SmaCross, SmaCrossParams,
};

use crate::support::{candle, candle_cents, run};

/// One bar of a random walk in cents: close change, upper wick, lower wick, volume.
type Step = (i64, i64, i64, i64);

fn step() -> impl Strategy<Value = Step> {
    let delta = prop_oneof![
        2 => Just(0i64),
        3 => -3i64..=3,
        5 => -300i64..=300,
    ];
    (delta, 0i64..200, 0i64..200, 0i64..1_000_000)
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(step(), 0..400)
}

/// Candles of a random walk starting at 100.00, prices kept strictly positive.
fn walk(steps: &[Step]) -> (Vec<Candle>, Vec<i64>) {
    let mut close = 10_000i64;
    let mut candles = Vec::with_capacity(steps.len());
    let mut closes = Vec::with_capacity(steps.len());
    for (i, &(delta, up, down, volume)) in steps.iter().enumerate() {
        let open = close;
        close = (close + delta).max(1);
        let high = open.max(close) + up;
        let low = (open.min(close) - down).max(1);
        candles.push(candle_cents(i, open, high, low, close, volume));
        closes.push(close);
    }
    (candles, closes)
}

fn thresholds() -> impl Strategy<Value = TierThresholds> {
    (0u32..=100, 0u32..=100).prop_map(|(a, b)| {
        let (hi, lo) = (a.max(b), a.min(b));
        let c = |v: u32| Confidence::new(Decimal::new(i64::from(v), 2)).unwrap();
        TierThresholds::new(c(hi), c(lo)).unwrap()
    })
}

fn id(name: &str) -> StrategyId {
    StrategyId::new(name).unwrap()
}

/// Confidence in range, tier from the thresholds, stop only on entries, price and time of the candle.
fn check_common(signals: &[(usize, Signal)], candles: &[Candle], t: &TierThresholds) {
    for (i, s) in signals {
        let c = s.confidence.value();
        assert!(
            (Decimal::ZERO..=Decimal::ONE).contains(&c),
            "confidence {c}"
        );
        assert_eq!(s.tier, t.classify(s.confidence));
        assert_eq!(s.price, candles[*i].close());
        assert_eq!(s.ts, candles[*i].close_time());
        assert!(s.expected_edge.fraction() >= Decimal::ZERO);
        if s.is_exit {
            assert!(s.stop_distance.is_none());
        }
        for key in s.features.keys() {
            assert!(!key.is_empty());
        }
    }
}

/// Long-only: entries are buys, exits are sells, and they alternate.
fn check_long_only_alternation(signals: &[(usize, Signal)], starts_with_entry: bool) {
    for (k, (_, s)) in signals.iter().enumerate() {
        match s.side {
            Side::Buy => assert!(!s.is_exit, "long-only buy must be an entry"),
            Side::Sell => assert!(s.is_exit, "long-only sell must be an exit"),
        }
        if k > 0 {
            assert_ne!(
                signals[k - 1].1.is_exit,
                s.is_exit,
                "entries and exits alternate"
            );
        }
    }
    if starts_with_entry && let Some((_, first)) = signals.first() {
        assert!(!first.is_exit, "the first signal is an entry");
    }
}

/// Independent reference for `sma_cross` on integer cents: sums recomputed from
/// scratch each bar, compared as `fast_sum * slow` vs `slow_sum * fast` in i128.
fn reference_crosses(closes: &[i64], fast: usize, slow: usize) -> Vec<(usize, Side)> {
    let mut last: Option<i8> = None;
    let mut out = Vec::new();
    for t in (slow - 1)..closes.len() {
        let fs: i128 = closes[t + 1 - fast..=t]
            .iter()
            .map(|&c| i128::from(c))
            .sum();
        let ss: i128 = closes[t + 1 - slow..=t]
            .iter()
            .map(|&c| i128::from(c))
            .sum();
        let d = fs * slow as i128 - ss * fast as i128;
        let sign = d.signum() as i8;
        if sign == 0 {
            continue;
        }
        if let Some(prev) = last
            && prev != sign
        {
            out.push((t, if sign > 0 { Side::Buy } else { Side::Sell }));
        }
        last = Some(sign);
    }
    out
}

fn sma_cross(fast: usize, slow: usize, allow_short: bool, t: TierThresholds) -> SmaCross {
    let params = SmaCrossParams {
        fast,
        slow,
        allow_short,
        ..SmaCrossParams::default()
    };
    SmaCross::new(params, id("sma_cross"), t).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn prop_sma_cross_matches_the_reference_and_alternates(
        steps in steps(),
        fast in 1usize..8,
        extra in 1usize..12,
        t in thresholds(),
    ) {
        let slow = fast + extra;
        let (candles, closes) = walk(&steps);
        let signals = run(&mut sma_cross(fast, slow, false, t), &candles);
        check_common(&signals, &candles, &t);
        check_long_only_alternation(&signals, false);
        let got: Vec<(usize, Side)> = signals.iter().map(|(i, s)| (*i, s.side)).collect();
        prop_assert_eq!(got, reference_crosses(&closes, fast, slow));
    }

    #[test]
    fn prop_sma_cross_allow_short_only_emits_entries(steps in steps(), t in thresholds()) {
        let (candles, _) = walk(&steps);
        let signals = run(&mut sma_cross(3, 7, true, t), &candles);
        check_common(&signals, &candles, &t);
        prop_assert!(signals.iter().all(|(_, s)| !s.is_exit && s.stop_distance.is_some()));
        for pair in signals.windows(2) {
            prop_assert_ne!(pair[0].1.side, pair[1].1.side);
        }
    }

    #[test]
    fn prop_rsi_reversion_in_range_and_alternates(steps in steps(), t in thresholds()) {
        let (candles, _) = walk(&steps);
        let params = RsiReversionParams {
            period: 5,
            bollinger_period: 8,
            atr_period: 5,
            ..RsiReversionParams::default()
        };
        let signals = run(&mut RsiReversion::new(params, id("rsi_reversion"), t).unwrap(), &candles);
        check_common(&signals, &candles, &t);
        check_long_only_alternation(&signals, true);
    }

    #[test]
    fn prop_breakout_in_range_and_alternates(steps in steps(), t in thresholds()) {
        let (candles, _) = walk(&steps);
        let params = BreakoutParams {
            entry_period: 6,
            exit_period: 3,
            atr_period: 4,
            volume_period: 5,
            ..BreakoutParams::default()
        };
        let signals = run(&mut Breakout::new(params, id("breakout"), t).unwrap(), &candles);
        check_common(&signals, &candles, &t);
        check_long_only_alternation(&signals, true);
        for (i, s) in &signals {
            if !s.is_exit {
                prop_assert!(s.stop_distance.is_some() || s.features["atr"].is_zero(), "bar {}", i);
            }
        }
    }

    #[test]
    fn prop_short_enabled_strategies_never_panic(steps in steps(), t in thresholds()) {
        let (candles, _) = walk(&steps);
        let mut rsi = RsiReversion::new(
            RsiReversionParams { period: 4, bollinger_period: 5, atr_period: 3, allow_short: true, ..Default::default() },
            id("rsi_reversion"),
            t,
        ).unwrap();
        let mut brk = Breakout::new(
            BreakoutParams { entry_period: 4, exit_period: 2, atr_period: 3, volume_period: 3, allow_short: true, ..Default::default() },
            id("breakout"),
            t,
        ).unwrap();
        check_common(&run(&mut rsi, &candles), &candles, &t);
        check_common(&run(&mut brk, &candles), &candles, &t);
    }

    #[test]
    fn prop_extreme_prices_never_panic(
        prices in prop::collection::vec((1u64..=u64::MAX, 0u32..=28, 0u64..=u64::MAX), 0..120),
    ) {
        // Any positive Decimal a candle can hold: from 10^-28 to 1.8 * 10^19, tiny and
        // huge volumes. Prices above 10^12 are outside the indicators' domain and ignored.
        let candles: Vec<Candle> = prices
            .iter()
            .enumerate()
            .map(|(i, &(m, scale, v))| {
                let p = Decimal::from_i128_with_scale(i128::from(m), scale);
                let wick = p / Decimal::from(7);
                let low = if (p - wick).is_sign_positive() && !(p - wick).is_zero() { p - wick } else { p };
                candle(i, p, p + wick, low, p, Decimal::from_i128_with_scale(i128::from(v), scale))
            })
            .collect();
        let t = TierThresholds::default();
        let short = |allow_short| (
            SmaCross::new(SmaCrossParams { fast: 2, slow: 3, allow_short, ..Default::default() }, id("a"), t).unwrap(),
            RsiReversion::new(RsiReversionParams { period: 2, bollinger_period: 3, atr_period: 2, bollinger_k: Decimal::new(1, 28), allow_short, ..Default::default() }, id("b"), t).unwrap(),
            Breakout::new(BreakoutParams { entry_period: 2, exit_period: 1, atr_period: 2, volume_period: 2, allow_short, ..Default::default() }, id("c"), t).unwrap(),
        );
        for allow_short in [false, true] {
            let (mut a, mut b, mut c) = short(allow_short);
            check_common(&run(&mut a, &candles), &candles, &t);
            check_common(&run(&mut b, &candles), &candles, &t);
            check_common(&run(&mut c, &candles), &candles, &t);
        }
    }

    #[test]
    fn prop_same_input_twice_gives_the_same_signals(steps in steps()) {
        let (candles, _) = walk(&steps);
        let t = TierThresholds::default();
        let build = || -> Vec<Box<dyn DomainStrategy>> {
            vec![
                Box::new(sma_cross(4, 9, false, t)),
                Box::new(RsiReversion::new(
                    RsiReversionParams { period: 5, bollinger_period: 6, atr_period: 5, ..Default::default() },
                    id("rsi_reversion"),
                    t,
                ).unwrap()),
                Box::new(Breakout::new(
                    BreakoutParams { entry_period: 5, exit_period: 3, atr_period: 5, volume_period: 5, ..Default::default() },
                    id("breakout"),
                    t,
                ).unwrap()),
            ]
        };
        let (mut first, mut second) = (build(), build());
        for (a, b) in first.iter_mut().zip(second.iter_mut()) {
            prop_assert_eq!(run(a.as_mut(), &candles), run(b.as_mut(), &candles));
        }
    }
}
