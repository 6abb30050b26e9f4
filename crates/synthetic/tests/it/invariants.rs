//! 100,000 bars of each preset: every candle valid and finite, time strictly increasing by
//! one bar, prices positive, each bar opening at the previous close.

use chrono::TimeDelta;
use domain::Candle;
use rust_decimal::Decimal;
use synthetic::{CandleGenerator, GeneratorConfig, PairConfig, PairGenerator};

const BARS: usize = 100_000;

fn check_series(candles: &[Candle], config: &GeneratorConfig) {
    assert_eq!(candles.len(), BARS);
    assert_eq!(candles[0].open_time(), config.start);
    assert_eq!(candles[0].open().value(), config.start_price);
    for c in candles {
        assert_eq!(c.symbol(), &config.symbol);
        assert_eq!(c.close_time() - c.open_time(), TimeDelta::seconds(60));
        assert!(
            c.low().value() > Decimal::ZERO,
            "non-positive price at {}",
            c.open_time()
        );
        assert!(c.low() <= c.open().min(c.close()) && c.high() >= c.open().max(c.close()));
        for p in [c.open(), c.high(), c.low(), c.close()] {
            assert!(p.to_f64_lossy().is_finite());
        }
        assert!(c.volume().value() >= Decimal::ZERO);
    }
    for w in candles.windows(2) {
        assert_eq!(w[1].open_time() - w[0].open_time(), TimeDelta::seconds(60));
        assert_eq!(
            w[1].open(),
            w[0].close(),
            "gap in price at {}",
            w[1].open_time()
        );
    }
}

#[test]
fn btc_preset_makes_100k_valid_contiguous_minutes() {
    let config = GeneratorConfig {
        bars: BARS,
        ..GeneratorConfig::btc_usd(1)
    };
    let candles: Vec<_> = CandleGenerator::new(&config).unwrap().collect();
    check_series(&candles, &config);
}

#[test]
fn eth_preset_makes_100k_valid_contiguous_minutes() {
    let config = GeneratorConfig {
        bars: BARS,
        ..GeneratorConfig::eth_usd(2)
    };
    let candles: Vec<_> = CandleGenerator::new(&config).unwrap().collect();
    check_series(&candles, &config);
}

#[test]
fn both_legs_of_a_pair_are_valid_series() {
    let config = PairConfig::btc_eth(3, 4).with_bars(BARS);
    let (btc, eth): (Vec<_>, Vec<_>) = PairGenerator::new(&config).unwrap().unzip();
    check_series(&btc, &config.lead);
    check_series(&eth, &config.follower);
}
