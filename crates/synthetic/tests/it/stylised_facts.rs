//! The presets show the stylised facts of real minute data on 100,000 bars: fat tails,
//! volatility clustering, intraday volume seasonality, volume rising with the move; and the
//! same measurements on the model with those features switched off show none of them, so
//! the thresholds are really testing the features.

use synthetic::{
    CandleGenerator, GeneratorConfig, IntradayProfile, PairConfig, PairGenerator, StylisedFacts,
};

const BARS: usize = 100_000;

fn facts(config: &GeneratorConfig) -> StylisedFacts {
    StylisedFacts::measure(CandleGenerator::new(config).unwrap()).unwrap()
}

fn btc(seed: u64) -> GeneratorConfig {
    GeneratorConfig {
        bars: BARS,
        ..GeneratorConfig::btc_usd(seed)
    }
}

#[test]
fn returns_are_fat_tailed() {
    for seed in [1, 2, 3] {
        let f = facts(&btc(seed));
        assert!(f.kurtosis > 6.0, "seed {seed}: kurtosis {}", f.kurtosis);
        assert!(
            f.max_abs_return_bp > 8.0 * f.return_sd_bp,
            "seed {seed}: {f}"
        );
    }
}

#[test]
fn volatility_clusters() {
    for seed in [1, 2, 3] {
        let f = facts(&btc(seed));
        assert!(
            f.abs_return_acf_lag1 > 0.15,
            "seed {seed}: acf {}",
            f.abs_return_acf_lag1
        );
    }
}

#[test]
fn volume_follows_the_hour_of_day_and_the_size_of_the_move() {
    let f = facts(&btc(4));
    let ratio = f.hourly_volume_ratio.unwrap();
    assert!(ratio > 1.5, "busiest/quietest hour {ratio}");
    // The US session (15:00-16:00 UTC) is busier than the early European morning (05:00).
    assert!(
        f.volume_by_hour[15] > 1.5 * f.volume_by_hour[5],
        "{:?}",
        f.volume_by_hour
    );
    assert!(
        f.volume_abs_return_corr > 0.3,
        "corr {}",
        f.volume_abs_return_corr
    );
}

#[test]
fn scale_looks_like_real_bitcoin_minutes() {
    // Binance BTCUSDT, Dec 2024: sd 7.6 bp, mean |r| 5.0 bp, daily vol 2.3-2.9 %.
    let f = facts(&btc(5));
    assert!((4.0..12.0).contains(&f.return_sd_bp), "{f}");
    assert!((2.0..8.0).contains(&f.mean_abs_return_bp), "{f}");
    let daily = f.daily_vol.unwrap();
    assert!((0.015..0.045).contains(&daily), "daily vol {daily}");
    assert!(f.mean_range_bp > f.mean_abs_return_bp, "{f}");
}

#[test]
fn eth_is_more_volatile_than_btc_and_moves_with_it() {
    let config = PairConfig::btc_eth(6, 7).with_bars(BARS);
    let (btc, eth): (Vec<_>, Vec<_>) = PairGenerator::new(&config).unwrap().unzip();
    let (b, e) = (
        StylisedFacts::measure(&btc).unwrap(),
        StylisedFacts::measure(&eth).unwrap(),
    );
    assert!(e.return_sd_bp > 1.15 * b.return_sd_bp, "ETH {e}\nBTC {b}");
    assert!(e.kurtosis > 6.0 && e.abs_return_acf_lag1 > 0.15, "ETH {e}");
}

#[test]
fn without_the_features_the_same_measures_see_a_plain_random_walk() {
    let mut config = btc(8);
    config.returns.tail_dof = 1e6;
    for regime in [
        &mut config.market.regimes.calm,
        &mut config.market.regimes.normal,
        &mut config.market.regimes.turbulent,
    ] {
        regime.vol_multiplier = 1.0;
        regime.volume_multiplier = 1.0;
    }
    config.market.stochastic_vol.sd = 0.0;
    config.market.intraday = IntradayProfile {
        floor: 1.0,
        sessions: Vec::new(),
    };
    config.volume.return_coupling = 0.0;
    let f = facts(&config);
    assert!((f.kurtosis - 3.0).abs() < 0.2, "kurtosis {}", f.kurtosis);
    assert!(
        f.abs_return_acf_lag1.abs() < 0.02,
        "acf {}",
        f.abs_return_acf_lag1
    );
    assert!(f.hourly_volume_ratio.unwrap() < 1.1, "{f}");
    assert!(f.volume_abs_return_corr.abs() < 0.03, "{f}");
}
