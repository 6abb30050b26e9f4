//! The volatility regime and the Markov chain that switches it, once per bar.
//!
//! Holding times are exponential in continuous time: a regime with mean duration `D`
//! minutes is left during a bar of `Δ` seconds with probability `1 - exp(-Δ / (60 D))`,
//! towards the other regimes in proportion to its `next` weights. So a preset keeps its
//! meaning at any bar length.

use serde::{Deserialize, Serialize};

use crate::config::RegimeModel;
use crate::rng::ModelRng;

/// The market's volatility state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// Quiet: low volatility and volume.
    Calm,
    /// Ordinary trading.
    Normal,
    /// Stress: high volatility and volume, short-lived.
    Turbulent,
}

impl Regime {
    /// The three regimes, in the order used for arrays indexed by regime.
    pub const ALL: [Regime; 3] = [Regime::Calm, Regime::Normal, Regime::Turbulent];

    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::Calm => "calm",
            Regime::Normal => "normal",
            Regime::Turbulent => "turbulent",
        }
    }

    /// Position in [`Regime::ALL`].
    pub fn index(self) -> usize {
        match self {
            Regime::Calm => 0,
            Regime::Normal => 1,
            Regime::Turbulent => 2,
        }
    }
}

/// The chain's state and its per-bar switching probabilities.
#[derive(Debug, Clone)]
pub(crate) struct RegimeChain {
    current: Regime,
    /// Per regime: probability of leaving during one bar.
    leave: [f64; 3],
    /// Per regime: cumulative destination probabilities over [`Regime::ALL`].
    destination_cdf: [[f64; 3]; 3],
}

impl RegimeChain {
    /// A chain for bars of `interval_secs`, starting in a regime drawn from its long-run law.
    pub(crate) fn new(model: &RegimeModel, interval_secs: u32, rng: &mut ModelRng) -> Self {
        let bar_mins = f64::from(interval_secs) / 60.0;
        let mut leave = [0.0; 3];
        let mut destination_cdf = [[0.0; 3]; 3];
        for from in Regime::ALL {
            let p = model.get(from);
            leave[from.index()] = -libm::expm1(-bar_mins / p.mean_duration_mins);
            let total = p.next.total();
            let mut acc = 0.0;
            for to in Regime::ALL {
                acc += p.next.get(to) / total;
                destination_cdf[from.index()][to.index()] = acc;
            }
        }
        let current = pick(&cumulative(model.stationary()), rng.unit());
        Self {
            current,
            leave,
            destination_cdf,
        }
    }

    /// The regime of the bar being made.
    pub(crate) fn current(&self) -> Regime {
        self.current
    }

    /// Moves one bar forward: leaves the current regime with its per-bar probability.
    pub(crate) fn step(&mut self, rng: &mut ModelRng) -> Regime {
        let i = self.current.index();
        if rng.unit() < self.leave[i] {
            self.current = pick(&self.destination_cdf[i], rng.unit());
        }
        self.current
    }
}

fn cumulative(p: [f64; 3]) -> [f64; 3] {
    [p[0], p[0] + p[1], p[0] + p[1] + p[2]]
}

/// The first regime whose cumulative probability exceeds `u`; the last one if rounding
/// leaves the total a hair under 1.
fn pick(cdf: &[f64; 3], u: f64) -> Regime {
    Regime::ALL
        .into_iter()
        .zip(cdf)
        .find(|(_, c)| u < **c)
        .map_or(Regime::Turbulent, |(r, _)| r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MarketModel;

    #[test]
    fn time_shares_match_the_stationary_law() {
        let model = MarketModel::crypto().regimes;
        let mut rng = ModelRng::new(17, 0);
        let mut chain = RegimeChain::new(&model, 60, &mut rng);
        let mut counts = [0usize; 3];
        let n = 3_000_000;
        for _ in 0..n {
            counts[chain.step(&mut rng).index()] += 1;
        }
        let pi = model.stationary();
        for r in Regime::ALL {
            let share = counts[r.index()] as f64 / n as f64;
            assert!(
                (share - pi[r.index()]).abs() < 0.03,
                "{}: simulated {share:.3} vs stationary {:.3}",
                r.as_str(),
                pi[r.index()]
            );
        }
    }

    #[test]
    fn mean_holding_time_matches_the_configured_duration() {
        let model = MarketModel::crypto().regimes;
        let mut rng = ModelRng::new(23, 0);
        let mut chain = RegimeChain::new(&model, 60, &mut rng);
        let (mut spells, mut bars_in_turbulent) = (0usize, 0usize);
        let mut previous = chain.current();
        for _ in 0..3_000_000 {
            let r = chain.step(&mut rng);
            if r == Regime::Turbulent {
                bars_in_turbulent += 1;
                if previous != Regime::Turbulent {
                    spells += 1;
                }
            }
            previous = r;
        }
        let mean = bars_in_turbulent as f64 / spells as f64;
        let expected = model.turbulent.mean_duration_mins;
        assert!((mean / expected - 1.0).abs() < 0.1, "mean spell {mean} min");
    }

    #[test]
    fn a_regime_is_never_followed_by_itself_on_a_switch() {
        let cdf = cumulative([0.0, 0.7, 0.3]);
        assert_eq!(pick(&cdf, 0.0), Regime::Normal);
        assert_eq!(pick(&cdf, 0.69), Regime::Normal);
        assert_eq!(pick(&cdf, 0.71), Regime::Turbulent);
        assert_eq!(pick(&[0.0, 0.7, 0.999_999], 0.999_999_9), Regime::Turbulent);
    }

    #[test]
    fn names_are_stable() {
        let names: Vec<_> = Regime::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, ["calm", "normal", "turbulent"]);
        assert_eq!(
            serde_json::to_string(&Regime::Turbulent).unwrap(),
            "\"turbulent\""
        );
    }
}
