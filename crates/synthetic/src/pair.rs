//! Two symbols in one market: `PairGenerator` makes a lead (e.g. BTC-USD) and a follower
//! (e.g. ETH-USD) bar by bar from one shared market state, so they switch regime together,
//! share the intraday rhythm and the slow volatility factor, and their returns are
//! correlated through a common factor:
//!
//! `ε_follower = ρ ε_lead + √(1 − ρ²) ε_own`, with `ε_lead`, `ε_own` independent unit-variance
//! Student-t shocks, so `ε_follower` has unit variance and correlation `ρ` with `ε_lead`.
//!
//! The lead draws from stream 0 of its seed exactly as a lone [`CandleGenerator`] would, so
//! the lead of a pair is the same series as the lead generated alone. The follower's own
//! draws come from stream 1 of the follower's seed.
//!
//! [`CandleGenerator`]: crate::CandleGenerator

use domain::{Candle, ConfigViolation, Violations};
use serde::{Deserialize, Serialize};

use crate::config::GeneratorConfig;
use crate::error::SyntheticError;
use crate::generator::LEAD_STREAM;
use crate::instrument::Instrument;
use crate::market::Market;
use crate::rng::ModelRng;

/// Random stream of the follower's own shocks, wicks and volume noise.
const FOLLOWER_STREAM: u64 = 1;

/// Two symbols sharing one market and a return factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairConfig {
    /// The symbol whose config drives the shared market (its `market` and `seed`).
    pub lead: GeneratorConfig,
    /// The second symbol; it MUST have the lead's `start`, `bars`, `interval_secs` and `market`.
    pub follower: GeneratorConfig,
    /// Correlation `ρ` in `[-1, 1]` of the two symbols' unit shocks.
    pub correlation: f64,
}

impl PairConfig {
    /// BTC-USD leading ETH-USD with a shock correlation of 0.8, as in the bundled demo data.
    pub fn btc_eth(btc_seed: u64, eth_seed: u64) -> Self {
        Self {
            lead: GeneratorConfig::btc_usd(btc_seed),
            follower: GeneratorConfig::eth_usd(eth_seed),
            correlation: crate::demo::DEMO_CORRELATION,
        }
    }

    /// Sets the number of bars of both symbols.
    pub fn with_bars(mut self, bars: usize) -> Self {
        self.lead.bars = bars;
        self.follower.bars = bars;
        self
    }

    /// Checks both configs and their agreement, reporting every violation together.
    pub fn validate(&self) -> Result<(), SyntheticError> {
        let mut violations = prefixed("lead", self.lead.violations());
        violations.extend(prefixed("follower", self.follower.violations()));
        let (lead, follower) = (&self.lead, &self.follower);
        let mut v = Violations::new("follower");
        v.check(
            follower.start == lead.start,
            "start",
            "the lead's start",
            follower.start,
        );
        v.check(
            follower.bars == lead.bars,
            "bars",
            "the lead's bars",
            follower.bars,
        );
        v.check(
            follower.interval_secs == lead.interval_secs,
            "interval_secs",
            "the lead's interval_secs",
            follower.interval_secs,
        );
        v.check(
            follower.market == lead.market,
            "market",
            "the lead's market (one market drives both)",
            "a different market model",
        );
        violations.extend(v.into_vec());
        let mut v = Violations::new("");
        v.check(
            self.correlation.is_finite() && (-1.0..=1.0).contains(&self.correlation),
            "correlation",
            "in [-1, 1]",
            self.correlation,
        );
        violations.extend(v.into_vec());
        if violations.is_empty() {
            Ok(())
        } else {
            Err(SyntheticError::InvalidConfig { violations })
        }
    }
}

fn prefixed(prefix: &str, violations: Vec<ConfigViolation>) -> Vec<ConfigViolation> {
    violations
        .into_iter()
        .map(|mut v| {
            v.key = format!("{prefix}.{}", v.key);
            v
        })
        .collect()
}

/// Streams `(lead, follower)` candles with equal open times; constant memory.
#[derive(Debug, Clone)]
pub struct PairGenerator {
    market: Market,
    lead: Instrument,
    follower: Instrument,
    follower_rng: ModelRng,
    correlation: f64,
    idiosyncratic: f64,
    remaining: usize,
}

impl PairGenerator {
    /// Validates `config` (reporting every violation) and prepares the stream.
    pub fn new(config: &PairConfig) -> Result<Self, SyntheticError> {
        config.validate()?;
        let rho = config.correlation;
        Ok(Self {
            market: Market::new(&config.lead, LEAD_STREAM),
            lead: Instrument::new(&config.lead),
            follower: Instrument::new(&config.follower),
            follower_rng: ModelRng::new(config.follower.seed, FOLLOWER_STREAM),
            correlation: rho,
            idiosyncratic: libm::sqrt((1.0 - rho * rho).max(0.0)),
            remaining: config.lead.bars,
        })
    }

    /// Only the lead's candles (the same series a lone generator of the lead config makes).
    pub fn leads(self) -> impl Iterator<Item = Candle> {
        self.map(|(lead, _)| lead)
    }

    /// Only the follower's candles.
    pub fn followers(self) -> impl Iterator<Item = Candle> {
        self.map(|(_, follower)| follower)
    }
}

impl Iterator for PairGenerator {
    type Item = (Candle, Candle);

    fn next(&mut self) -> Option<(Candle, Candle)> {
        self.remaining = self.remaining.checked_sub(1)?;
        let ctx = self.market.step();
        let lead_shock = self.lead.shock(self.market.rng());
        let lead = self.lead.candle(&ctx, lead_shock, self.market.rng());
        let own_shock = self.follower.shock(&mut self.follower_rng);
        let shock = self.correlation * lead_shock + self.idiosyncratic * own_shock;
        let follower = self.follower.candle(&ctx, shock, &mut self.follower_rng);
        Some((lead, follower))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for PairGenerator {}

impl std::iter::FusedIterator for PairGenerator {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CandleGenerator;

    fn log_returns(candles: &[Candle]) -> Vec<f64> {
        candles
            .iter()
            .map(|c| (c.close().to_f64_lossy() / c.open().to_f64_lossy()).ln())
            .collect()
    }

    fn correlation(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma) * (x - ma)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb) * (y - mb)).sum();
        cov / (va * vb).sqrt()
    }

    #[test]
    fn lead_of_a_pair_is_the_lone_lead_series() {
        let config = PairConfig::btc_eth(5, 6).with_bars(3_000);
        let alone: Vec<_> = CandleGenerator::new(&config.lead).unwrap().collect();
        let paired: Vec<_> = PairGenerator::new(&config).unwrap().leads().collect();
        assert_eq!(alone, paired);
    }

    #[test]
    fn pair_bars_share_open_times_and_returns_are_correlated() {
        let config = PairConfig::btc_eth(1, 2).with_bars(50_000);
        let (btc, eth): (Vec<_>, Vec<_>) = PairGenerator::new(&config).unwrap().unzip();
        assert!(
            btc.iter()
                .zip(&eth)
                .all(|(b, e)| b.open_time() == e.open_time())
        );
        assert!(eth.iter().all(|c| c.symbol().as_str() == "ETH-USD"));
        let rho = correlation(&log_returns(&btc), &log_returns(&eth));
        assert!(rho > 0.7 && rho < 0.9, "return correlation {rho}");
    }

    #[test]
    fn zero_correlation_gives_unrelated_returns() {
        let mut config = PairConfig::btc_eth(1, 2).with_bars(50_000);
        config.correlation = 0.0;
        let (btc, eth): (Vec<_>, Vec<_>) = PairGenerator::new(&config).unwrap().unzip();
        let rho = correlation(&log_returns(&btc), &log_returns(&eth));
        assert!(rho.abs() < 0.03, "return correlation {rho}");
    }

    #[test]
    fn follower_seed_changes_only_the_follower() {
        let a: Vec<_> = PairGenerator::new(&PairConfig::btc_eth(1, 2).with_bars(500))
            .unwrap()
            .collect();
        let b: Vec<_> = PairGenerator::new(&PairConfig::btc_eth(1, 3).with_bars(500))
            .unwrap()
            .collect();
        assert!(a.iter().zip(&b).all(|(x, y)| x.0 == y.0));
        assert!(a.iter().zip(&b).any(|(x, y)| x.1 != y.1));
    }

    #[test]
    fn rejects_followers_that_do_not_share_the_market_or_the_span() {
        let mut config = PairConfig::btc_eth(1, 2);
        config.follower.bars += 1;
        config.follower.interval_secs = 300;
        config.follower.market.stochastic_vol.sd += 0.1;
        config.follower.returns.tail_dof = 1.0;
        config.correlation = 1.5;
        let err = PairGenerator::new(&config).unwrap_err();
        let keys: Vec<_> = err.violations().iter().map(|v| v.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "follower.returns.tail_dof",
                "follower.bars",
                "follower.interval_secs",
                "follower.market",
                "correlation",
            ]
        );
    }
}
