//! The strategies over real candles: Binance BTC/USDT 1h, 2017-08 to 2025-10
//! (71,318 bars; `../shared/data/binance-BTCUSDT-1h.csv`, see its PROVENANCE.md).
//!
//! The shared directory is `$RAMPART_SHARED`, or `../../../shared` relative to
//! this crate. When the file is absent the test says so and passes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use domain::ports::Strategy;
use domain::{Candle, CandleFields, Side, Signal, Symbol, Tier, TierThresholds};
use rust_decimal::Decimal;

use crate::support::run;

fn shared_dir() -> PathBuf {
    std::env::var("RAMPART_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
}

/// Parses `ts,open,high,low,close,volume` (ts = open time, RFC3339) into 1-hour candles.
fn load_1h(file: &str) -> Option<Vec<Candle>> {
    let path = shared_dir().join("data").join(file);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipping: {} not found (set RAMPART_SHARED)",
            path.display()
        );
        return None;
    };
    let symbol = Symbol::new("BTC-USDT").unwrap();
    let candles = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, line)| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 6, "line {}: {line}", n + 2);
            let open_time: DateTime<Utc> = DateTime::parse_from_rfc3339(f[0])
                .unwrap_or_else(|e| panic!("line {}: {e}", n + 2))
                .with_timezone(&Utc);
            let d = |s: &str| {
                s.parse::<Decimal>()
                    .unwrap_or_else(|e| panic!("line {}: {e}", n + 2))
            };
            Candle::new(CandleFields {
                symbol: symbol.clone(),
                open_time,
                close_time: open_time + Duration::hours(1),
                open: d(f[1]),
                high: d(f[2]),
                low: d(f[3]),
                close: d(f[4]),
                volume: d(f[5]),
            })
            .unwrap_or_else(|e| panic!("line {}: {e}", n + 2))
        })
        .collect();
    Some(candles)
}

fn summary(name: &str, signals: &[(usize, Signal)]) {
    let mut tiers: BTreeMap<Tier, usize> = BTreeMap::new();
    for (_, s) in signals.iter().filter(|(_, s)| !s.is_exit) {
        *tiers.entry(s.tier).or_default() += 1;
    }
    eprintln!(
        "{name}: {} signals ({} entries), entry tiers {tiers:?}",
        signals.len(),
        signals.iter().filter(|(_, s)| !s.is_exit).count()
    );
}

fn assert_sane(signals: &[(usize, Signal)], candles: &[Candle]) {
    let t = TierThresholds::default();
    for (k, (i, s)) in signals.iter().enumerate() {
        assert!((Decimal::ZERO..=Decimal::ONE).contains(&s.confidence.value()));
        assert_eq!(s.tier, t.classify(s.confidence));
        assert_eq!(s.ts, candles[*i].close_time());
        assert_eq!(s.side == Side::Sell, s.is_exit, "long-only by default");
        assert_eq!(s.stop_distance.is_some(), !s.is_exit);
        if k > 0 {
            assert_ne!(signals[k - 1].1.is_exit, s.is_exit);
        }
    }
}

/// Independent check of the crosses: exact i128 arithmetic on the prices scaled to 8 decimals.
fn reference_cross_bars(candles: &[Candle], fast: usize, slow: usize) -> Vec<usize> {
    let scaled: Vec<i128> = candles
        .iter()
        .map(|c| {
            let mut v = c.close().value();
            v.rescale(8);
            v.mantissa()
        })
        .collect();
    let mut last = 0i128;
    let mut out = Vec::new();
    for t in (slow - 1)..scaled.len() {
        let fs: i128 = scaled[t + 1 - fast..=t].iter().sum();
        let ss: i128 = scaled[t + 1 - slow..=t].iter().sum();
        let sign = (fs * slow as i128 - ss * fast as i128).signum();
        if sign != 0 {
            if last != 0 && sign != last {
                out.push(t);
            }
            last = sign;
        }
    }
    out
}

#[test]
fn strategies_run_over_eight_years_of_btc_hourly_candles() {
    let Some(candles) = load_1h("binance-BTCUSDT-1h.csv") else {
        return;
    };
    assert!(candles.len() > 70_000);

    let mut sma = strategies::build(
        "sma_cross",
        [("fast", "10"), ("slow", "30")],
        TierThresholds::default(),
    )
    .unwrap();
    let sma_signals = run(sma.as_mut(), &candles);
    summary("sma_cross 10/30", &sma_signals);
    // 10/30 crosses on hourly BTC: a few thousand over eight years.
    assert!(
        (1_000..=8_000).contains(&sma_signals.len()),
        "{}",
        sma_signals.len()
    );
    assert_sane(&sma_signals, &candles[..]);
    let bars: Vec<usize> = sma_signals.iter().map(|(i, _)| *i).collect();
    assert_eq!(bars, reference_cross_bars(&candles, 10, 30));

    let mut strategies: Vec<(&str, Box<dyn Strategy>)> = Vec::new();
    for name in ["rsi_reversion", "breakout"] {
        strategies.push((
            name,
            strategies::build(name, [("", ""); 0], TierThresholds::default()).unwrap(),
        ));
    }
    for (name, strategy) in &mut strategies {
        let signals = run(strategy.as_mut(), &candles);
        summary(name, &signals);
        assert!(
            (100..=20_000).contains(&signals.len()),
            "{name}: {}",
            signals.len()
        );
        assert_sane(&signals, &candles);
        assert!(!signals[0].1.is_exit, "{name} starts with an entry");
    }
}
