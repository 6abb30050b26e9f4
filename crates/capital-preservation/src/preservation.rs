//! The capital-preservation state machine (pipeline step 2), the final authority on
//! new entries.
//!
//! Levels, least restrictive first: NORMAL, CAUTION, DEFENSIVE, LOCKDOWN, CRISIS.
//! On each [`CapitalPreservation::update`]:
//! 1. the loss-streak trigger is checked as an *edge*: it fires when the streak
//!    reaches `lockdown_consecutive_losses` or grows while at or above it (a further
//!    loss, e.g. closing a losing position during LOCKDOWN, fires it again);
//! 2. if any trigger calls for a level above the current one, the machine jumps
//!    straight to the most restrictive level called for (several levels at once if
//!    need be) — see `escalation`;
//! 3. otherwise it may step down exactly one level — see `recovery` for the rules
//!    (minimum time in level, drawdown below threshold minus hysteresis, daily-loss
//!    breach cleared, streak trigger served by the minimum time).
//!
//! So one update returns at most one [`LevelChange`], and a recovery change is always
//! exactly one step. The only way to move the level by hand is
//! [`CapitalPreservation::escalate`], which can only raise it.

use std::collections::BTreeSet;

use domain::{LevelChange, LevelChangeCause, Money, PreservationLevel, Ratio, Tier, Timestamp};

use crate::config::PreservationConfig;
use crate::error::EscalationError;
use crate::escalation;
use crate::inputs::PreservationInputs;
use crate::policy::LevelPolicy;
use crate::recovery;
use crate::settled::{self, SettledBand};
use crate::state::PreservationState;

/// The capital-preservation level state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapitalPreservation {
    config: PreservationConfig,
    state: PreservationState,
    /// The configuration's thresholds as fractions, for [`CapitalPreservation::is_settled`].
    bounds: settled::Bounds,
}

impl CapitalPreservation {
    /// A machine in NORMAL since `now`. `config` should have passed `validate()`.
    pub fn new(config: PreservationConfig, now: Timestamp) -> Self {
        Self {
            bounds: settled::Bounds::of(&config),
            config,
            state: PreservationState::initial(now),
        }
    }

    /// A machine resuming from persisted `state` (after a restart).
    pub fn from_state(config: PreservationConfig, state: PreservationState) -> Self {
        Self {
            bounds: settled::Bounds::of(&config),
            config,
            state,
        }
    }

    /// The state to persist.
    pub fn state(&self) -> &PreservationState {
        &self.state
    }

    /// The configuration in force.
    pub fn config(&self) -> &PreservationConfig {
        &self.config
    }

    /// The current level.
    pub fn level(&self) -> PreservationLevel {
        self.state.level()
    }

    /// Whole minutes spent in the current level at `now` (negative if `now` is earlier).
    pub fn minutes_in_level(&self, now: Timestamp) -> i64 {
        now.signed_duration_since(self.state.entered_at())
            .num_minutes()
    }

    /// The portfolio equities for which an [`update`](Self::update) of the machine as
    /// it is now, at these peak and day-start equities, would change nothing; `None`
    /// when no such band can be stated. Check it with [`is_settled`](Self::is_settled).
    pub fn settled_band(&self, peak: Money, day_start: Money) -> Option<SettledBand> {
        self.bounds.band(&self.state, peak, day_start)
    }

    /// True when an [`update`](Self::update) at `now`, with the figures of a portfolio
    /// at `equity`, with peak equity `peak`, day-start equity `day_start` and a losing
    /// streak of `consecutive_losses`, would return `None` and change nothing, as
    /// `band` says without the divisions that computing the update's inputs takes
    /// (the pipeline asks on every bar while a position is open). `false` means "run
    /// the update", and is the answer whenever the machine, the peak, the day start or
    /// the streak is not the one `band` was made for.
    pub fn is_settled(
        &self,
        band: &SettledBand,
        equity: Money,
        peak: Money,
        day_start: Money,
        consecutive_losses: u32,
        now: Timestamp,
    ) -> bool {
        let figures = settled::Figures {
            equity,
            peak,
            day_start,
            consecutive_losses,
        };
        band.holds(&self.state, figures, now)
    }

    /// Feeds the latest figures; returns the transition, if one happened.
    ///
    /// Escalation may jump several levels; recovery is never more than one step.
    pub fn update(&mut self, inputs: &PreservationInputs) -> Option<LevelChange> {
        let current = self.state.level();
        let measured = PreservationInputs {
            drawdown: self.state.measure(inputs.drawdown),
            ..*inputs
        };
        let streak_fired = self.state.observe_streak(
            inputs.consecutive_losses,
            self.config.lockdown_consecutive_losses,
            inputs.now,
        );
        if let Some(e) = escalation::indicated(&self.config, &measured, streak_fired)
            && e.level > current
        {
            return Some(self.transition(e.level, e.cause, inputs));
        }
        let (to, cause, forgive) =
            recovery::step_down(&self.config, &self.state, &measured, inputs.drawdown)?;
        let change = self.transition(to, cause, inputs);
        self.state.recovered(inputs.consecutive_losses, forgive);
        Some(change)
    }

    /// Counts a paper trade that closed with `net_pnl` (after fees and slippage) toward
    /// the current level's paper record (see `recovery`: the latest
    /// `recovery_paper_trades` of them must add up to a profit); ignored at NORMAL. The
    /// engine follows on paper the entries the level vetoed.
    pub fn record_paper(&mut self, net_pnl: Money) {
        if self.state.level() != PreservationLevel::Normal {
            let keep = usize::try_from(self.config.recovery_paper_trades).unwrap_or(usize::MAX);
            self.state.record_paper(net_pnl, keep.max(1));
        }
    }

    /// The drawdown the guardrail measures now: the account's, less what paper recoveries
    /// forgave (see `recovery`).
    pub fn forgiven(&self) -> Ratio {
        self.state.forgiven()
    }

    /// Raises the level to `to` by hand or from an automatic trigger outside this
    /// crate, with a note saying why. Never lowers it: `to` must be above the
    /// current level. The time-in-level clock restarts.
    pub fn escalate(
        &mut self,
        to: PreservationLevel,
        note: &str,
        inputs: &PreservationInputs,
    ) -> Result<LevelChange, EscalationError> {
        let current = self.state.level();
        if to <= current {
            return Err(EscalationError::NotHigher {
                current,
                requested: to,
            });
        }
        let note = note.trim();
        if note.is_empty() {
            return Err(EscalationError::MissingNote);
        }
        let cause = LevelChangeCause::ManualEscalation {
            note: note.to_string(),
        };
        Ok(self.transition(to, cause, inputs))
    }

    /// The policy of the current level.
    pub fn policy(&self) -> LevelPolicy {
        self.config.policy(self.state.level())
    }

    /// Factor for the base position size: in `[0, 1]`, 0 when entries are blocked.
    pub fn size_multiplier(&self) -> Ratio {
        self.policy().size_multiplier
    }

    /// Tiers that may open positions at the current level (empty when entries are blocked).
    pub fn allowed_tiers(&self) -> BTreeSet<Tier> {
        self.policy().allowed_tiers
    }

    /// True when a signal of `tier` may open a position at the current level.
    pub fn allows_tier(&self, tier: Tier) -> bool {
        self.policy().allows_tier(tier)
    }

    /// True in LOCKDOWN and CRISIS: new entries are vetoed, exits stay allowed.
    pub fn blocks_entries(&self) -> bool {
        self.state.level().blocks_entries()
    }

    /// True in CRISIS when `flatten_on_crisis` is set: the engine should close everything.
    pub fn should_flatten(&self) -> bool {
        self.policy().flatten
    }

    fn transition(
        &mut self,
        to: PreservationLevel,
        cause: LevelChangeCause,
        inputs: &PreservationInputs,
    ) -> LevelChange {
        let change = LevelChange {
            from: self.state.level(),
            to,
            cause,
            equity: inputs.equity,
            drawdown: inputs.drawdown,
            consecutive_losses: inputs.consecutive_losses,
            at: inputs.now,
        };
        self.state.enter(&change);
        change
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults with three paper trades per recovery step, the figure these tests were
    /// written around (the shipped default is 5, docs/guardrails.md).
    fn recovery_config() -> PreservationConfig {
        PreservationConfig {
            recovery_paper_trades: 3,
            ..PreservationConfig::default()
        }
    }
    use crate::test_support::{at, inputs, t0};
    use PreservationLevel::{Caution, Crisis, Defensive, Lockdown, Normal};
    use domain::Money;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    fn machine() -> CapitalPreservation {
        CapitalPreservation::new(recovery_config(), t0())
    }

    /// Drives the machine to `level` by drawdown at minute 0.
    fn machine_at(dd: Decimal) -> CapitalPreservation {
        let mut m = machine();
        m.update(&inputs(dd, dec!(0), 0, 0));
        m
    }

    #[test]
    fn is_settled_only_clear_of_every_trigger_and_recovery() {
        let k = |x: i64| Money::new(Decimal::from(x));
        let settled = |m: &CapitalPreservation, equity, peak, day_start, losses, now| {
            let band = m.settled_band(k(peak), k(day_start)).unwrap();
            m.is_settled(&band, k(equity), k(peak), k(day_start), losses, now)
        };
        let m = machine();
        // NORMAL: 2.9% drawdown and 4.9% daily loss are short of 3% and 5%.
        assert!(settled(&m, 9_710, 10_000, 10_210, 0, at(1)));
        assert!(!settled(&m, 9_700, 10_000, 10_000, 0, at(1)));
        assert!(!settled(&m, 9_500, 9_500, 10_000, 0, at(1)));
        // A streak the machine has not seen yet: run the update.
        assert!(!settled(&m, 10_000, 10_000, 10_000, 1, at(1)));
        // Figures the band was not made for: run the update.
        let band = m.settled_band(k(10_000), k(10_000)).unwrap();
        assert!(!m.is_settled(&band, k(10_000), k(10_001), k(10_000), 0, at(1)));
        // CAUTION (3%): settled while it may not step down yet, or the drawdown is
        // still at or above 3% - 1% hysteresis; not once recovery is possible.
        let caution = machine_at(dec!(3));
        assert!(settled(&caution, 9_900, 10_000, 10_000, 0, at(1)));
        let later = at(24 * 60);
        assert!(settled(&caution, 9_750, 10_000, 10_000, 0, later));
        assert!(!settled(&caution, 9_900, 10_000, 10_000, 0, later));
        assert!(!settled(&caution, 9_500, 10_000, 10_000, 0, at(1)));
        // A band made for another state of the machine says nothing.
        let stale = caution.settled_band(k(10_000), k(10_000)).unwrap();
        assert!(!m.is_settled(&stale, k(9_900), k(10_000), k(10_000), 0, at(1)));
    }

    #[test]
    fn starts_in_normal_with_full_size() {
        let m = machine();
        assert_eq!(m.level(), Normal);
        assert_eq!(m.size_multiplier(), Ratio::ONE);
        assert!(!m.blocks_entries());
        assert!(m.state().last_change().is_none());
    }

    #[test]
    fn escalates_to_caution_at_three_percent_drawdown_with_figures() {
        let mut m = machine();
        assert_eq!(m.update(&inputs(dec!(2.9), dec!(0), 0, 1)), None);
        let change = m.update(&inputs(dec!(3), dec!(-1), 1, 2)).unwrap();
        assert_eq!(change.from, Normal);
        assert_eq!(change.to, Caution);
        assert_eq!(
            change.cause,
            LevelChangeCause::DrawdownThreshold {
                drawdown: Ratio::from_pct(dec!(3)),
                threshold: Ratio::from_pct(dec!(3)),
            }
        );
        assert_eq!(change.equity, Money::new(dec!(10000)));
        assert_eq!(change.drawdown, Ratio::from_pct(dec!(3)));
        assert_eq!(change.consecutive_losses, 1);
        assert_eq!(change.at, at(2));
        assert_eq!(m.size_multiplier(), Ratio::from_fraction(dec!(0.5)));
        assert_eq!(m.state().last_change(), Some(&change));
    }

    #[test]
    fn escalates_through_each_drawdown_threshold() {
        let mut m = machine();
        for (minute, dd, level) in [
            (1, dec!(3.5), Caution),
            (2, dec!(5), Defensive),
            (3, dec!(8.2), Lockdown),
            (4, dec!(12), Crisis),
        ] {
            let change = m.update(&inputs(dd, dec!(0), 0, minute)).unwrap();
            assert_eq!(change.to, level);
            assert!(matches!(
                change.cause,
                LevelChangeCause::DrawdownThreshold { .. }
            ));
        }
        assert!(m.blocks_entries());
    }

    #[test]
    fn jumps_several_levels_at_once() {
        let mut m = machine();
        let change = m.update(&inputs(dec!(9), dec!(-2), 0, 5)).unwrap();
        assert_eq!((change.from, change.to), (Normal, Lockdown));
        assert_eq!(
            change.cause,
            LevelChangeCause::DrawdownThreshold {
                drawdown: Ratio::from_pct(dec!(9)),
                threshold: Ratio::from_pct(dec!(8)),
            }
        );
        assert_eq!(m.size_multiplier(), Ratio::ZERO);
    }

    #[test]
    fn four_consecutive_losses_force_lockdown() {
        let mut m = machine();
        assert_eq!(m.update(&inputs(dec!(1), dec!(-1), 3, 1)), None);
        let change = m.update(&inputs(dec!(1.5), dec!(-1.5), 4, 2)).unwrap();
        assert_eq!(change.to, Lockdown);
        assert_eq!(
            change.cause,
            LevelChangeCause::ConsecutiveLosses {
                count: 4,
                threshold: 4
            }
        );
        assert!(m.blocks_entries());
        assert!(!m.allows_tier(Tier::High));
    }

    #[test]
    fn daily_loss_breach_forces_crisis() {
        let mut m = machine_at(dec!(3.5));
        assert_eq!(m.level(), Caution);
        let change = m.update(&inputs(dec!(5.5), dec!(-5), 2, 3)).unwrap();
        assert_eq!((change.from, change.to), (Caution, Crisis));
        assert_eq!(
            change.cause,
            LevelChangeCause::DailyLossBreach {
                daily_pnl: Ratio::from_pct(dec!(-5)),
                limit: Ratio::from_pct(dec!(5)),
            }
        );
        assert!(!m.should_flatten(), "flatten_on_crisis is off by default");
    }

    #[test]
    fn crisis_flattens_when_configured() {
        let config = PreservationConfig {
            flatten_on_crisis: true,
            ..recovery_config()
        };
        let mut m = CapitalPreservation::new(config, t0());
        m.update(&inputs(dec!(13), dec!(0), 0, 1));
        assert_eq!(m.level(), Crisis);
        assert!(m.should_flatten());
    }

    #[test]
    fn does_not_recover_before_the_minimum_time_in_level() {
        let mut m = machine_at(dec!(3.5));
        assert_eq!(m.update(&inputs(dec!(0), dec!(0), 0, 59)), None);
        assert_eq!(m.level(), Caution);
    }

    #[test]
    fn recovers_at_exactly_the_minimum_time_in_level() {
        let mut m = machine_at(dec!(3.5));
        let change = m.update(&inputs(dec!(1), dec!(0), 0, 60)).unwrap();
        assert_eq!((change.from, change.to), (Caution, Normal));
        assert_eq!(
            change.cause,
            LevelChangeCause::Recovery {
                drawdown: Ratio::from_pct(dec!(1)),
                below: Ratio::from_pct(dec!(2)),
                minutes_in_level: 60,
            }
        );
    }

    #[test]
    fn drawdown_exactly_at_threshold_minus_hysteresis_does_not_recover() {
        let mut m = machine_at(dec!(5.5));
        assert_eq!(m.level(), Defensive);
        // Defensive threshold 5% - 1 point hysteresis = 4%: 4% holds, 3.99% recovers.
        assert_eq!(m.update(&inputs(dec!(4), dec!(0), 0, 120)), None);
        let change = m.update(&inputs(dec!(3.99), dec!(0), 0, 121)).unwrap();
        assert_eq!((change.from, change.to), (Defensive, Caution));
    }

    #[test]
    fn recovery_steps_one_level_at_a_time_and_restarts_the_clock() {
        let mut m = machine_at(dec!(13));
        assert_eq!(m.level(), Crisis);
        let mut steps = Vec::new();
        // Drawdown fully recovered; poll every 10 minutes for 5 hours.
        for minute in (10..=300).step_by(10) {
            if let Some(change) = m.update(&inputs(dec!(0), dec!(0), 0, minute)) {
                steps.push((change.from, change.to, minute));
            }
        }
        assert_eq!(
            steps,
            vec![
                (Crisis, Lockdown, 60),
                (Lockdown, Defensive, 120),
                (Defensive, Caution, 180),
                (Caution, Normal, 240),
            ]
        );
    }

    #[test]
    fn recovery_stops_where_drawdown_still_calls_for_a_level() {
        let mut m = machine_at(dec!(9));
        assert_eq!(m.level(), Lockdown);
        // 4.5% is below 8 - 1, so LOCKDOWN steps down; it is not below 5 - 1, so DEFENSIVE holds.
        assert_eq!(
            m.update(&inputs(dec!(4.5), dec!(0), 0, 60)).map(|c| c.to),
            Some(Defensive)
        );
        assert_eq!(m.update(&inputs(dec!(4.5), dec!(0), 0, 500)), None);
        assert_eq!(m.level(), Defensive);
    }

    /// Three profitable paper trades: the evidence a vetoed level needs to step down.
    fn paper_wins(m: &mut CapitalPreservation) {
        for _ in 0..3 {
            m.record_paper(Money::new(dec!(12.5)));
        }
    }

    #[test]
    fn streak_triggered_lockdown_needs_the_strategy_to_show_it_works_not_just_time() {
        let mut m = machine();
        m.update(&inputs(dec!(2), dec!(-2), 4, 0));
        assert_eq!(m.level(), Lockdown);
        // The streak stays at 4 (no trades in LOCKDOWN): time alone proves nothing.
        assert_eq!(m.update(&inputs(dec!(2), dec!(0), 4, 60)), None);
        assert_eq!(m.update(&inputs(dec!(2), dec!(0), 4, 6_000)), None);
        // Two paper wins and a paper loss of more: not yet.
        m.record_paper(Money::new(dec!(10)));
        m.record_paper(Money::new(dec!(10)));
        m.record_paper(Money::new(dec!(-25)));
        assert_eq!(m.update(&inputs(dec!(2), dec!(0), 4, 6_001)), None);
        // The latest three (10, -25, 30) add up to a profit.
        m.record_paper(Money::new(dec!(30)));
        let change = m.update(&inputs(dec!(2), dec!(0), 4, 6_002)).unwrap();
        assert_eq!((change.from, change.to), (Lockdown, Defensive));
        // An unchanged streak does not fire again.
        assert_eq!(m.update(&inputs(dec!(2), dec!(0), 4, 6_003)), None);
    }

    #[test]
    fn a_win_that_breaks_the_streak_also_shows_it() {
        let mut m = machine();
        m.update(&inputs(dec!(2), dec!(0), 4, 0));
        // A position still open at entry closes at a profit: the streak is 0.
        assert_eq!(m.update(&inputs(dec!(1.5), dec!(0), 0, 30)), None);
        assert_eq!(
            m.update(&inputs(dec!(1.5), dec!(0), 0, 60)).map(|c| c.to),
            Some(Defensive)
        );
    }

    #[test]
    fn a_further_loss_in_lockdown_restarts_the_streak_wait() {
        let mut m = machine();
        m.update(&inputs(dec!(2), dec!(0), 4, 0));
        paper_wins(&mut m);
        // Closing a losing position at minute 30 makes it 5 in a row.
        assert_eq!(m.update(&inputs(dec!(2), dec!(0), 5, 30)), None);
        assert_eq!(m.update(&inputs(dec!(2), dec!(0), 5, 60)), None);
        assert_eq!(m.update(&inputs(dec!(2), dec!(0), 5, 89)), None);
        assert_eq!(
            m.update(&inputs(dec!(2), dec!(0), 5, 90)).map(|c| c.to),
            Some(Defensive)
        );
    }

    #[test]
    fn after_recovery_the_same_streak_does_not_lock_down_again_only_new_losses_do() {
        let mut m = machine();
        m.update(&inputs(dec!(2), dec!(0), 4, 0));
        paper_wins(&mut m);
        m.update(&inputs(dec!(2), dec!(0), 4, 60));
        assert_eq!(m.level(), Defensive);
        // One more loss continues the served streak: not a new trigger.
        assert_eq!(m.update(&inputs(dec!(2.2), dec!(0), 5, 70)), None);
        assert_eq!(m.update(&inputs(dec!(2.4), dec!(0), 7, 80)), None);
        assert_eq!(m.level(), Defensive);
        // Four losses after the served ones: the trigger fires.
        let change = m.update(&inputs(dec!(2.6), dec!(0), 8, 90)).unwrap();
        assert_eq!((change.from, change.to), (Defensive, Lockdown));
        // A win forgets what was served: four new losses fire it again.
        let mut m = machine();
        m.update(&inputs(dec!(2), dec!(0), 4, 0));
        paper_wins(&mut m);
        m.update(&inputs(dec!(2), dec!(0), 4, 60));
        m.update(&inputs(dec!(1.8), dec!(0), 0, 70));
        assert_eq!(m.update(&inputs(dec!(2), dec!(0), 3, 80)), None);
        assert_eq!(
            m.update(&inputs(dec!(2.2), dec!(0), 4, 90)).map(|c| c.to),
            Some(Lockdown)
        );
    }

    #[test]
    fn a_flat_account_in_lockdown_steps_down_on_paper_evidence_and_the_loss_is_forgiven_with_hysteresis()
     {
        let mut m = machine_at(dec!(9));
        assert_eq!(m.level(), Lockdown);
        // Flat at 9%: the account cannot move, and losing paper trades earn nothing.
        for _ in 0..5 {
            m.record_paper(Money::new(dec!(-3)));
        }
        assert_eq!(m.update(&inputs(dec!(9), dec!(0), 0, 600)), None);
        // A level's record starts with the level: profits now.
        let mut m = machine_at(dec!(9));
        paper_wins(&mut m);
        let change = m.update(&inputs(dec!(9), dec!(0), 0, 60)).unwrap();
        assert_eq!((change.from, change.to), (Lockdown, Defensive));
        assert!(
            matches!(
                change.cause,
                LevelChangeCause::PaperRecovery { paper_trades: 3, measured_drawdown, .. }
                    if measured_drawdown == Ratio::from_pct(dec!(7))
            ),
            "{:?}",
            change.cause
        );
        assert_eq!(m.forgiven(), Ratio::from_pct(dec!(2)));
        // The same drawdown does not escalate again; 1 point more (the hysteresis) does.
        assert_eq!(m.update(&inputs(dec!(9), dec!(0), 0, 61)), None);
        assert_eq!(m.update(&inputs(dec!(9.9), dec!(0), 0, 62)), None);
        assert_eq!(
            m.update(&inputs(dec!(10), dec!(0), 0, 63)).map(|c| c.to),
            Some(Lockdown)
        );
    }

    #[test]
    fn the_forgiven_drawdown_shrinks_as_the_account_recovers_and_is_gone_at_a_new_peak() {
        let mut m = machine_at(dec!(9));
        paper_wins(&mut m);
        m.update(&inputs(dec!(9), dec!(0), 0, 60));
        assert_eq!(m.forgiven(), Ratio::from_pct(dec!(2)));
        m.update(&inputs(dec!(1.5), dec!(0), 0, 61));
        assert_eq!(m.forgiven(), Ratio::from_pct(dec!(1.5)));
        m.update(&inputs(dec!(0), dec!(0), 0, 62));
        assert_eq!(m.forgiven(), Ratio::ZERO);
        // A full drawdown from the new peak counts in full.
        let level = m.level();
        m.update(&inputs(dec!(8), dec!(0), 0, 63));
        assert!(m.level() >= Lockdown, "from {level}: {}", m.level());
    }

    #[test]
    fn from_crisis_a_profitable_paper_record_walks_the_ladder_back_to_normal() {
        let mut m = machine_at(dec!(20));
        assert_eq!(m.level(), Crisis);
        let mut minute = 0;
        let mut path = vec![m.level()];
        while m.level() != Normal && minute < 10_000 {
            minute += 60;
            paper_wins(&mut m);
            if let Some(change) = m.update(&inputs(dec!(20), dec!(0), 0, minute)) {
                path.push(change.to);
            }
        }
        assert_eq!(path, vec![Crisis, Lockdown, Defensive, Caution, Normal]);
        assert_eq!(minute, 240, "one step per hour, each earned");
        // The whole loss is forgiven down to CAUTION's recovery line (2%).
        assert_eq!(m.forgiven(), Ratio::from_pct(dec!(18)));
    }

    #[test]
    fn daily_loss_crisis_holds_within_hysteresis_and_clears_after_the_day_rolls() {
        let mut m = machine();
        m.update(&inputs(dec!(6), dec!(-6), 0, 0));
        assert_eq!(m.level(), Crisis);
        // Still the same day: -4% is not above -(5 - 1)%.
        assert_eq!(m.update(&inputs(dec!(4), dec!(-4), 0, 120)), None);
        // 09:00 UTC + 15 h = 00:00 of the next UTC day; daily P&L restarts at 0.
        let change = m.update(&inputs(dec!(4), dec!(0), 0, 15 * 60)).unwrap();
        assert_eq!((change.from, change.to), (Crisis, Lockdown));
        assert!(matches!(change.cause, LevelChangeCause::Recovery { .. }));
    }

    #[test]
    fn daily_loss_just_above_the_cleared_band_allows_recovery() {
        let mut m = machine();
        m.update(&inputs(dec!(6), dec!(-5.2), 0, 0));
        let change = m.update(&inputs(dec!(4), dec!(-3.99), 0, 60)).unwrap();
        assert_eq!(change.to, Lockdown);
    }

    #[test]
    fn manual_escalation_only_raises_and_needs_a_note() {
        let mut m = machine_at(dec!(5.5));
        assert_eq!(m.level(), Defensive);
        let i = inputs(dec!(5.5), dec!(0), 0, 10);
        assert_eq!(
            m.escalate(Caution, "ops", &i),
            Err(EscalationError::NotHigher {
                current: Defensive,
                requested: Caution
            })
        );
        assert_eq!(
            m.escalate(Defensive, "ops", &i),
            Err(EscalationError::NotHigher {
                current: Defensive,
                requested: Defensive
            })
        );
        assert_eq!(
            m.escalate(Crisis, "  ", &i),
            Err(EscalationError::MissingNote)
        );
        let change = m.escalate(Crisis, "exchange incident", &i).unwrap();
        assert_eq!((change.from, change.to), (Defensive, Crisis));
        assert_eq!(
            change.cause,
            LevelChangeCause::ManualEscalation {
                note: "exchange incident".into()
            }
        );
        // The clock restarted at the escalation.
        assert_eq!(m.update(&inputs(dec!(0), dec!(0), 0, 69)), None);
        assert_eq!(
            m.update(&inputs(dec!(0), dec!(0), 0, 70)).map(|c| c.to),
            Some(Lockdown)
        );
    }

    #[test]
    fn a_clock_going_backwards_never_recovers() {
        let mut m = machine_at(dec!(3.5));
        assert_eq!(m.update(&inputs(dec!(0), dec!(0), 0, -600)), None);
        assert_eq!(m.minutes_in_level(at(-600)), -600);
        assert_eq!(m.level(), Caution);
    }

    #[test]
    fn state_round_trips_through_json_and_resumes() {
        let mut m = machine();
        m.update(&inputs(dec!(2), dec!(-1), 4, 0));
        m.update(&inputs(dec!(2), dec!(-1), 5, 20));
        let json = serde_json::to_string(m.state()).unwrap();
        let back: PreservationState = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, m.state());
        assert_eq!(back.level(), Lockdown);
        assert_eq!(back.last_consecutive_losses(), 5);
        assert_eq!(back.streak_triggered_at(), Some(at(20)));

        let mut resumed = CapitalPreservation::from_state(recovery_config(), back);
        assert_eq!(resumed.level(), Lockdown);
        paper_wins(&mut resumed);
        let json = serde_json::to_string(resumed.state()).unwrap();
        let back: PreservationState = serde_json::from_str(&json).unwrap();
        assert_eq!(
            &back,
            resumed.state(),
            "the paper record is part of the state"
        );
        assert_eq!(resumed.update(&inputs(dec!(2), dec!(0), 5, 79)), None);
        assert_eq!(
            resumed
                .update(&inputs(dec!(2), dec!(0), 5, 80))
                .map(|c| c.to),
            Some(Defensive)
        );
    }
}
