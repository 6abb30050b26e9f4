//! What the trade gate reads besides the intent: a borrowed snapshot of the
//! engine's state at the moment of the decision.
//!
//! The engine fills a [`RiskContext`] on every event from state it already
//! holds (portfolio snapshot, the position in the intent's symbol, the latest
//! market-data time, the capital-preservation level, the venue's filters), so
//! building one costs a few pointer copies and no allocation. Capital
//! preservation is passed as plain domain values in a [`PreservationView`]: the
//! gate does not depend on the crate that computes them.

use std::fmt;

use domain::ports::AccountRules;
use domain::{
    InstrumentFilters, IntentKind, OrderIntent, PortfolioSnapshot, Position, PreservationLevel,
    Readiness, Tier, Timestamp, TradingMode,
};

use crate::kill_switch::{KillSwitch, KillSwitchInputs};

/// A set of signal tiers, stored as a bitset so that it is `Copy` and allocation-free.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TierSet(u8);

const fn bit(tier: Tier) -> u8 {
    match tier {
        Tier::Low => 1,
        Tier::Medium => 2,
        Tier::High => 4,
    }
}

impl TierSet {
    /// No tier.
    pub const NONE: TierSet = TierSet(0);
    /// Every tier.
    pub const ALL: TierSet = TierSet(7);

    /// The set holding exactly `tiers`.
    pub const fn of(tiers: &[Tier]) -> TierSet {
        let mut bits = 0;
        let mut i = 0;
        while i < tiers.len() {
            bits |= bit(tiers[i]);
            i += 1;
        }
        TierSet(bits)
    }

    /// This set plus `tier`.
    pub const fn with(self, tier: Tier) -> TierSet {
        TierSet(self.0 | bit(tier))
    }

    /// True when `tier` is in the set.
    pub const fn contains(self, tier: Tier) -> bool {
        self.0 & bit(tier) != 0
    }

    /// The tiers in the set, lowest first.
    pub fn iter(self) -> impl Iterator<Item = Tier> {
        Tier::ALL.into_iter().filter(move |t| self.contains(*t))
    }
}

impl FromIterator<Tier> for TierSet {
    fn from_iter<I: IntoIterator<Item = Tier>>(iter: I) -> Self {
        iter.into_iter().fold(TierSet::NONE, TierSet::with)
    }
}

impl fmt::Debug for TierSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// The capital-preservation state the gate enforces: level, allowed tiers, entry veto.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreservationView {
    /// Current level (reported in rejections).
    pub level: PreservationLevel,
    /// Tiers an entry may have at this level.
    pub allowed_tiers: TierSet,
    /// True when the level vetoes every new entry.
    pub blocks_entries: bool,
}

impl PreservationView {
    /// No restriction: NORMAL, every tier allowed.
    pub const UNRESTRICTED: PreservationView = PreservationView {
        level: PreservationLevel::Normal,
        allowed_tiers: TierSet::ALL,
        blocks_entries: false,
    };

    /// A view at `level` allowing `allowed_tiers`; the veto follows `level.blocks_entries()`.
    pub fn new(level: PreservationLevel, allowed_tiers: TierSet) -> Self {
        Self {
            level,
            allowed_tiers,
            blocks_entries: level.blocks_entries(),
        }
    }
}

/// Everything `TradeGate::evaluate` reads besides the intent, borrowed from the engine.
#[derive(Clone, Copy)]
pub struct RiskContext<'a> {
    /// The event time; the gate never reads a clock.
    pub now: Timestamp,
    /// Where orders go.
    pub mode: TradingMode,
    /// Latest readiness verdict (checked in live mode).
    pub readiness: Readiness,
    /// The stored kill-switch flag.
    pub kill_switch: &'a KillSwitch,
    /// The file and environment kill-switch sources as the runtime saw them for this event.
    pub kill_switch_inputs: &'a KillSwitchInputs,
    /// Portfolio figures now (equity, daily P&L, open positions, last loss).
    pub portfolio: &'a PortfolioSnapshot,
    /// The open position in the intent's symbol, if any. An `Exit` counts as an exit only
    /// when it reduces this position; otherwise it is judged as the entry it would be.
    pub position: Option<&'a Position>,
    /// Time of the latest market data for the intent's symbol, if any was seen.
    pub last_market_data_at: Option<Timestamp>,
    /// Capital-preservation level and what it allows.
    pub preservation: PreservationView,
    /// The venue's filters for the intent's symbol, if known.
    pub filters: Option<&'a InstrumentFilters>,
    /// Account-level rules (e.g. FTMO), if the account has any.
    pub account_rules: Option<&'a dyn AccountRules>,
}

impl fmt::Debug for RiskContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RiskContext")
            .field("now", &self.now)
            .field("mode", &self.mode)
            .field("readiness", &self.readiness)
            .field("kill_switch", &self.kill_switch)
            .field("kill_switch_inputs", &self.kill_switch_inputs)
            .field("portfolio", &self.portfolio)
            .field("position", &self.position)
            .field("last_market_data_at", &self.last_market_data_at)
            .field("preservation", &self.preservation)
            .field("filters", &self.filters)
            .field("account_rules", &self.account_rules.map(|r| r.name()))
            .finish()
    }
}

/// True when `intent` is on the closing side of `position` and no larger than it.
///
/// This is the one definition of "reduce-only" shared by `evaluate` (to decide
/// whether an `Exit` really is one) and by `approve_protective_exit`.
pub(crate) fn reduces_position(intent: &OrderIntent, position: Option<&Position>) -> bool {
    position.is_some_and(|p| {
        intent.side == p.closing_side() && !intent.qty.is_zero() && intent.qty <= p.qty()
    })
}

/// True when the entry checks apply: an `Entry`, or an `Exit` that would not
/// reduce a held position (it opens or flips exposure, so it is judged as the
/// entry it really is, whatever its label).
pub(crate) fn is_entry(intent: &OrderIntent, position: Option<&Position>) -> bool {
    match intent.kind {
        IntentKind::Entry => true,
        IntentKind::Exit => !reduces_position(intent, position),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_set_holds_what_it_was_built_from() {
        let high_only = TierSet::of(&[Tier::High]);
        assert!(high_only.contains(Tier::High));
        assert!(!high_only.contains(Tier::Medium));
        assert_eq!(
            [Tier::Medium, Tier::High].into_iter().collect::<TierSet>(),
            high_only.with(Tier::Medium)
        );
        assert_eq!(TierSet::ALL.iter().collect::<Vec<_>>(), Tier::ALL);
        assert_eq!(format!("{:?}", high_only), "{High}");
    }

    #[test]
    fn preservation_view_vetoes_entries_from_lockdown_up() {
        for level in PreservationLevel::ALL {
            let view = PreservationView::new(level, TierSet::ALL);
            assert_eq!(view.blocks_entries, level >= PreservationLevel::Lockdown);
        }
    }
}
