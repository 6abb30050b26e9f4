//! What each level allows: the size multiplier applied at sizing (pipeline step 5),
//! the tiers that may open positions, the entry veto the risk gate enforces
//! (step 7) and whether the engine should flatten.
//!
//! The policy is computed defensively: the multiplier is clamped into `[0, 1]`
//! even if an unvalidated configuration says otherwise, and the levels that veto
//! entries always report a multiplier of 0 and no allowed tier.

use std::collections::BTreeSet;

use domain::{PreservationLevel, Ratio, Tier};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::config::PreservationConfig;

/// The trading policy of one capital-preservation level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelPolicy {
    /// The level this policy belongs to.
    pub level: PreservationLevel,
    /// Factor applied to the base position size, in `[0, 1]`.
    pub size_multiplier: Ratio,
    /// Tiers that may open new positions.
    pub allowed_tiers: BTreeSet<Tier>,
    /// True when new entries are vetoed (exits stay allowed).
    pub blocks_entries: bool,
    /// True when the engine should close every open position.
    pub flatten: bool,
}

impl LevelPolicy {
    /// The policy of `level` under `config`.
    pub fn for_level(config: &PreservationConfig, level: PreservationLevel) -> Self {
        let blocks_entries = level.blocks_entries();
        let (multiplier, tiers) = match level {
            PreservationLevel::Normal => (Decimal::ONE, Tier::ALL.into_iter().collect()),
            PreservationLevel::Caution => (
                config.caution_size_multiplier,
                config.caution_allowed_tiers.clone(),
            ),
            PreservationLevel::Defensive => (
                config.defensive_size_multiplier,
                config.defensive_allowed_tiers.clone(),
            ),
            PreservationLevel::Lockdown | PreservationLevel::Crisis => {
                (Decimal::ZERO, BTreeSet::new())
            }
        };
        let multiplier = if blocks_entries {
            Decimal::ZERO
        } else {
            multiplier.clamp(Decimal::ZERO, Decimal::ONE)
        };
        Self {
            level,
            size_multiplier: Ratio::from_fraction(multiplier),
            allowed_tiers: tiers,
            blocks_entries,
            flatten: level == PreservationLevel::Crisis && config.flatten_on_crisis,
        }
    }

    /// True when a signal of `tier` may open a position at this level.
    pub fn allows_tier(&self, tier: Tier) -> bool {
        !self.blocks_entries && self.allowed_tiers.contains(&tier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn default_policies_follow_the_architecture_table() {
        let c = PreservationConfig::default();
        let normal = c.policy(PreservationLevel::Normal);
        assert_eq!(normal.size_multiplier, Ratio::ONE);
        assert!(Tier::ALL.iter().all(|t| normal.allows_tier(*t)));

        let caution = c.policy(PreservationLevel::Caution);
        assert_eq!(caution.size_multiplier, Ratio::from_fraction(dec!(0.5)));
        assert!(caution.allows_tier(Tier::Low));

        let defensive = c.policy(PreservationLevel::Defensive);
        assert_eq!(defensive.size_multiplier, Ratio::from_fraction(dec!(0.25)));
        assert!(defensive.allows_tier(Tier::High));
        assert!(!defensive.allows_tier(Tier::Medium));
        assert!(!defensive.blocks_entries);

        for level in [PreservationLevel::Lockdown, PreservationLevel::Crisis] {
            let p = c.policy(level);
            assert!(p.blocks_entries);
            assert_eq!(p.size_multiplier, Ratio::ZERO);
            assert!(!p.allows_tier(Tier::High));
            assert!(!p.flatten, "flatten_on_crisis defaults to false");
        }
    }

    #[test]
    fn only_crisis_flattens_and_only_when_configured() {
        let c = PreservationConfig {
            flatten_on_crisis: true,
            ..PreservationConfig::default()
        };
        assert!(c.policy(PreservationLevel::Crisis).flatten);
        assert!(!c.policy(PreservationLevel::Lockdown).flatten);
    }

    #[test]
    fn an_unvalidated_multiplier_is_clamped_into_the_unit_interval() {
        let c = PreservationConfig {
            caution_size_multiplier: dec!(3),
            defensive_size_multiplier: dec!(-1),
            ..PreservationConfig::default()
        };
        assert_eq!(
            c.policy(PreservationLevel::Caution).size_multiplier,
            Ratio::ONE
        );
        assert_eq!(
            c.policy(PreservationLevel::Defensive).size_multiplier,
            Ratio::ZERO
        );
    }
}
