//! `CandleGenerator`: one symbol's synthetic candles as a lazy iterator.
//!
//! Each `next()` advances the market one bar (regime, slow volatility, intraday activity),
//! draws the symbol's Student-t shock and builds the candle. Memory is constant whatever the
//! number of bars, so the same type makes a 30-day demo file or ten million bars for a
//! benchmark. Randomness comes only from the config's seed.

use domain::Candle;

use crate::config::GeneratorConfig;
use crate::error::SyntheticError;
use crate::instrument::Instrument;
use crate::market::Market;
use crate::regime::Regime;

/// Random stream a single symbol (or the lead of a pair) draws from.
pub(crate) const LEAD_STREAM: u64 = 0;

/// Streams `config.bars` validated candles of `config.symbol`, one per `interval_secs`
/// from `config.start`, the first opening at `start_price`, each opening at the previous
/// close. Same config, same candles.
#[derive(Debug, Clone)]
pub struct CandleGenerator {
    market: Market,
    instrument: Instrument,
    remaining: usize,
}

impl CandleGenerator {
    /// Validates `config` (reporting every violation) and prepares the stream.
    pub fn new(config: &GeneratorConfig) -> Result<Self, SyntheticError> {
        config.validate()?;
        Ok(Self {
            market: Market::new(config, LEAD_STREAM),
            instrument: Instrument::new(config),
            remaining: config.bars,
        })
    }

    /// The volatility regime of the last candle handed out (before the first: the starting
    /// regime, drawn from the chain's long-run law).
    pub fn regime(&self) -> Regime {
        self.market.regime()
    }
}

impl Iterator for CandleGenerator {
    type Item = Candle;

    fn next(&mut self) -> Option<Candle> {
        self.remaining = self.remaining.checked_sub(1)?;
        let ctx = self.market.step();
        let shock = self.instrument.shock(self.market.rng());
        Some(self.instrument.candle(&ctx, shock, self.market.rng()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for CandleGenerator {}

impl std::iter::FusedIterator for CandleGenerator {}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;
    use rust_decimal::Decimal;

    fn btc(seed: u64, bars: usize) -> GeneratorConfig {
        GeneratorConfig {
            bars,
            ..GeneratorConfig::btc_usd(seed)
        }
    }

    #[test]
    fn makes_exactly_the_requested_number_of_bars() {
        let g = CandleGenerator::new(&btc(1, 1_000)).unwrap();
        assert_eq!(g.len(), 1_000);
        assert_eq!(g.count(), 1_000);
        assert_eq!(CandleGenerator::new(&btc(1, 0)).unwrap().next(), None);
    }

    #[test]
    fn first_bar_opens_at_the_start_price_and_time() {
        let config = btc(1, 3);
        let first = CandleGenerator::new(&config).unwrap().next().unwrap();
        assert_eq!(first.open().value(), config.start_price);
        assert_eq!(first.open_time(), config.start);
        assert_eq!(
            first.close_time() - first.open_time(),
            TimeDelta::minutes(1)
        );
        assert_eq!(first.symbol().as_str(), "BTC-USD");
    }

    #[test]
    fn each_bar_opens_at_the_previous_close() {
        let candles: Vec<_> = CandleGenerator::new(&btc(4, 5_000)).unwrap().collect();
        for w in candles.windows(2) {
            assert_eq!(w[1].open(), w[0].close());
            assert_eq!(w[1].open_time(), w[0].close_time());
        }
    }

    #[test]
    fn prices_are_whole_ticks_and_volumes_whole_steps() {
        for c in CandleGenerator::new(&btc(8, 2_000)).unwrap() {
            for p in [c.open(), c.high(), c.low(), c.close()] {
                assert!(p.value().scale() <= 2, "{p}");
            }
            assert!(c.volume().value().scale() <= 5, "{}", c.volume());
        }
    }

    #[test]
    fn refuses_an_invalid_config_before_making_anything() {
        let mut config = btc(1, 10);
        config.returns.daily_vol = -1.0;
        let err = CandleGenerator::new(&config).unwrap_err();
        assert_eq!(err.violations()[0].key, "returns.daily_vol");
    }

    #[test]
    fn other_bar_lengths_scale_time_and_volatility() {
        let config = GeneratorConfig {
            interval_secs: 3_600,
            bars: 24 * 200,
            ..GeneratorConfig::btc_usd(3)
        };
        let candles: Vec<_> = CandleGenerator::new(&config).unwrap().collect();
        assert_eq!(
            candles[1].open_time() - candles[0].open_time(),
            TimeDelta::hours(1)
        );
        let r: Vec<f64> = candles
            .iter()
            .map(|c| (c.close().to_f64_lossy() / c.open().to_f64_lossy()).ln())
            .collect();
        let sd = (r.iter().map(|x| x * x).sum::<f64>() / r.len() as f64).sqrt();
        // Hourly volatility is about daily / sqrt(24) ≈ 0.5 %, whatever the bar length.
        assert!(sd > 0.003 && sd < 0.009, "hourly sd {sd}");
    }

    #[test]
    fn a_price_of_one_tick_stays_positive() {
        let config = GeneratorConfig {
            start_price: Decimal::new(1, 2),
            bars: 5_000,
            ..GeneratorConfig::btc_usd(5)
        };
        for c in CandleGenerator::new(&config).unwrap() {
            assert!(c.low().value() >= Decimal::new(1, 2));
        }
    }
}
