//! Property tests: whatever the seed and the (valid) parameters, every candle is valid,
//! on the tick grid, contiguous in time and price, and the same config repeats exactly.

use chrono::TimeDelta;
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::{CandleGenerator, GeneratorConfig, PairConfig, PairGenerator};

fn config() -> impl Strategy<Value = GeneratorConfig> {
    (
        (
            any::<u64>(),
            1usize..300,
            prop::sample::select(vec![1u32, 60, 300, 3_600, 86_400]),
        ),
        (
            1i64..1_000_000_000,
            prop::sample::select(vec![(1i64, 4u32), (1, 2), (5, 1), (1, 0)]),
        ),
        (0.001f64..1.5, -0.05f64..0.05, 2.05f64..60.0, 0.0f64..3.0),
        (0.0f64..1.5, 1.0f64..10_000.0, 0.0f64..2.0),
    )
        .prop_map(
            |((seed, bars, interval), (ticks, (tick_num, tick_scale)), r, m)| {
                let mut c = GeneratorConfig::btc_usd(seed);
                c.bars = bars;
                c.interval_secs = interval;
                c.tick_size = Decimal::new(tick_num, tick_scale);
                c.start_price = Decimal::from(ticks) * c.tick_size;
                c.returns.daily_vol = r.0;
                c.returns.daily_drift = r.1;
                c.returns.tail_dof = r.2;
                c.returns.wick_scale = r.3;
                c.market.stochastic_vol.sd = m.0;
                c.market.stochastic_vol.half_life_mins = m.1;
                c.volume.noise_sd = m.2;
                c
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_every_candle_is_valid_contiguous_and_on_the_grid(config in config()) {
        let candles: Vec<_> = CandleGenerator::new(&config).unwrap().collect();
        prop_assert_eq!(candles.len(), config.bars);
        let bar = TimeDelta::seconds(i64::from(config.interval_secs));
        prop_assert_eq!(candles[0].open_time(), config.start);
        for c in &candles {
            prop_assert_eq!(c.close_time() - c.open_time(), bar);
            prop_assert!(c.low() <= c.open().min(c.close()) && c.high() >= c.open().max(c.close()));
            for p in [c.open(), c.high(), c.low(), c.close()] {
                prop_assert!(p.value() >= config.tick_size);
                prop_assert!((p.value() / config.tick_size).fract().is_zero(), "{} off the grid", p);
            }
            prop_assert!((c.volume().value() / config.volume_step).fract().is_zero());
        }
        for w in candles.windows(2) {
            prop_assert_eq!(w[1].open(), w[0].close());
            prop_assert_eq!(w[1].open_time(), w[0].close_time());
        }
    }

    #[test]
    fn prop_same_config_same_candles(config in config()) {
        let a: Vec<_> = CandleGenerator::new(&config).unwrap().collect();
        let b: Vec<_> = CandleGenerator::new(&config).unwrap().collect();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn prop_lead_of_a_pair_is_the_lone_series(
        btc_seed in any::<u64>(),
        eth_seed in any::<u64>(),
        bars in 1usize..500,
        rho in -1.0f64..=1.0,
    ) {
        let mut config = PairConfig::btc_eth(btc_seed, eth_seed).with_bars(bars);
        config.correlation = rho;
        let alone: Vec<_> = CandleGenerator::new(&config.lead).unwrap().collect();
        let (lead, follower): (Vec<_>, Vec<_>) = PairGenerator::new(&config).unwrap().unzip();
        prop_assert_eq!(&alone, &lead);
        prop_assert!(lead.iter().zip(&follower).all(|(l, f)| l.open_time() == f.open_time()));
    }
}
