//! Counters of what the guardrails and strategies did during a run: signals per
//! tier, rejections and blocks per reason code, capital-preservation level
//! transitions per `from->to` pair.
//!
//! Keys are the stable snake_case codes of the domain enums, because reports and
//! dashboards key on them. Memory is bounded by the number of codes (a few dozen),
//! not by the length of the run.

use std::collections::BTreeMap;

use domain::{BlockReason, PreservationLevel, RejectReason, Tier};
use serde::{Deserialize, Serialize};

/// Signals produced per tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierDistribution {
    /// Low-tier signals.
    pub low: u64,
    /// Medium-tier signals.
    pub medium: u64,
    /// High-tier signals.
    pub high: u64,
}

impl TierDistribution {
    /// Counts one signal of `tier`.
    pub fn add(&mut self, tier: Tier) {
        let slot = match tier {
            Tier::Low => &mut self.low,
            Tier::Medium => &mut self.medium,
            Tier::High => &mut self.high,
        };
        *slot = slot.saturating_add(1);
    }

    /// Signals of every tier together.
    pub fn total(&self) -> u64 {
        self.low
            .saturating_add(self.medium)
            .saturating_add(self.high)
    }
}

/// Occurrences per stable reason code (`max_daily_loss`, `min_interval`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeCounts(BTreeMap<&'static str, u64>);

impl CodeCounts {
    fn add(&mut self, code: &'static str) {
        let count = self.0.entry(code).or_insert(0);
        *count = count.saturating_add(1);
    }

    /// Counts one occurrence of a trade-gate rejection reason.
    pub fn add_rejection(&mut self, reason: &RejectReason) {
        self.add(reason.code());
    }

    /// Counts one occurrence of a turnover-governor block reason.
    pub fn add_block(&mut self, reason: &BlockReason) {
        self.add(reason.code());
    }

    /// The count of `code` (0 when never seen).
    pub fn get(&self, code: &str) -> u64 {
        self.0.get(code).copied().unwrap_or(0)
    }

    /// The counts as an owned map, codes sorted; only codes seen at least once.
    pub fn to_map(&self) -> BTreeMap<String, u64> {
        self.0.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
    }
}

/// Capital-preservation level transitions per `(from, to)` pair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LevelTransitions(BTreeMap<(PreservationLevel, PreservationLevel), u64>);

impl LevelTransitions {
    /// Counts one transition from `from` to `to`.
    pub fn add(&mut self, from: PreservationLevel, to: PreservationLevel) {
        let count = self.0.entry((from, to)).or_insert(0);
        *count = count.saturating_add(1);
    }

    /// The count of transitions from `from` to `to`.
    pub fn get(&self, from: PreservationLevel, to: PreservationLevel) -> u64 {
        self.0.get(&(from, to)).copied().unwrap_or(0)
    }

    /// The counts keyed `"<from>-><to>"` (e.g. `normal->caution`); only pairs seen.
    pub fn to_map(&self) -> BTreeMap<String, u64> {
        self.0
            .iter()
            .map(|((from, to), n)| (transition_key(*from, *to), *n))
            .collect()
    }
}

/// The key of a level transition in reports, e.g. `normal->caution`.
pub fn transition_key(from: PreservationLevel, to: PreservationLevel) -> String {
    format!("{}->{}", from.as_str(), to.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_are_keyed_from_arrow_to() {
        let mut t = LevelTransitions::default();
        t.add(PreservationLevel::Normal, PreservationLevel::Caution);
        t.add(PreservationLevel::Caution, PreservationLevel::Normal);
        t.add(PreservationLevel::Normal, PreservationLevel::Caution);
        assert_eq!(
            t.get(PreservationLevel::Normal, PreservationLevel::Caution),
            2
        );
        let map = t.to_map();
        assert_eq!(map.get("normal->caution"), Some(&2));
        assert_eq!(map.get("caution->normal"), Some(&1));
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn counts_are_kept_per_code() {
        let mut c = CodeCounts::default();
        c.add_rejection(&RejectReason::MaxOpenPositions { open: 3, max: 3 });
        c.add_rejection(&RejectReason::MaxOpenPositions { open: 4, max: 3 });
        c.add_block(&BlockReason::DailyCap { count: 3, max: 3 });
        assert_eq!(c.get("max_open_positions"), 2);
        assert_eq!(c.get("daily_cap"), 1);
        assert_eq!(c.get("kill_switch_active"), 0);
        assert_eq!(c.to_map().len(), 2);
    }

    #[test]
    fn tiers_are_counted_separately() {
        let mut t = TierDistribution::default();
        t.add(Tier::High);
        t.add(Tier::High);
        t.add(Tier::Low);
        assert_eq!((t.low, t.medium, t.high, t.total()), (1, 0, 2, 3));
    }
}
