//! Builders shared by the unit and property tests.
//!
//! A [`Case`] is what [`crate::evaluate_with_venue`] judges: the store's figures and the
//! exchange venue's health. It derefs to its [`ReadinessInputs`] so tests edit figures as
//! `case.kill_switch_active = Some(true)`.

use std::ops::{Deref, DerefMut};

use chrono::{Duration, TimeZone, Utc};
use domain::{
    AccountBreach, AccountRule, BreachLine, Money, PreservationLevel, Ratio, Timestamp, TradingMode,
};
use rust_decimal_macros::dec;

use crate::config::ReadinessConfig;
use crate::criterion::Criterion;
use crate::inputs::{
    AccountRulesInput, BlockRateInput, ReadinessInputs, ShadowHealth, VenueHealthInput,
};
use crate::report::{ReadinessReport, evaluate_with_venue};

/// The inputs of one evaluation: figures and venue health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Case {
    pub(crate) inputs: ReadinessInputs,
    pub(crate) venue: Option<VenueHealthInput>,
}

impl Deref for Case {
    type Target = ReadinessInputs;
    fn deref(&self) -> &ReadinessInputs {
        &self.inputs
    }
}

impl DerefMut for Case {
    fn deref_mut(&mut self) -> &mut ReadinessInputs {
        &mut self.inputs
    }
}

impl From<ReadinessInputs> for Case {
    fn from(inputs: ReadinessInputs) -> Self {
        Self {
            inputs,
            venue: None,
        }
    }
}

/// Evaluates a case (figures and venue health).
pub(crate) fn evaluate(case: &Case, config: &ReadinessConfig) -> ReadinessReport {
    evaluate_with_venue(&case.inputs, case.venue.as_ref(), config)
}

/// A venue with a small clock offset, trading enabled and withdrawals disabled.
pub(crate) fn healthy_venue() -> VenueHealthInput {
    VenueHealthInput {
        name: "binance".into(),
        checked_at: t0() - Duration::minutes(2),
        clock_offset_ms: Some(-120),
        max_clock_offset_ms: 1000,
        can_trade: Some(true),
        can_withdraw: Some(false),
    }
}

/// The rule set name used in tests.
pub(crate) const RULES: &str = "ftmo-2step-challenge";

/// A breach of `rule` on `line` at 2024-01-15 10:00 UTC: equity 95,400 against a
/// firm floor of 95,000 and a guard floor of 95,500 (below the firm floor, equity
/// 94,900, for a firm breach).
pub(crate) fn breach(rule: AccountRule, line: BreachLine) -> AccountBreach {
    let equity = match line {
        BreachLine::Buffered => dec!(95400),
        BreachLine::Firm => dec!(94900),
    };
    AccountBreach {
        rule,
        line,
        at: Utc
            .with_ymd_and_hms(2024, 1, 15, 10, 0, 0)
            .single()
            .expect("2024-01-15 10:00 UTC is a valid, unambiguous time"),
        equity: Money::new(equity),
        balance: Money::new(dec!(100000)),
        firm_floor: Money::new(dec!(95000)),
        guard_floor: Money::new(dec!(95500)),
    }
}

/// Account rules with no breach and the given utilisations.
pub(crate) fn account_rules(
    daily_pct: Option<rust_decimal::Decimal>,
    total_pct: Option<rust_decimal::Decimal>,
) -> AccountRulesInput {
    AccountRulesInput {
        rules: RULES.into(),
        breach: None,
        daily_utilisation_pct: daily_pct,
        total_utilisation_pct: total_pct,
    }
}

/// A fixed evaluation time.
pub(crate) fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
        .single()
        .expect("2026-03-01 12:00 UTC is a valid, unambiguous time")
}

/// Inputs on which every criterion is met, in `mode`.
pub(crate) fn healthy_in(mode: TradingMode) -> Case {
    let now = t0();
    let inputs = ReadinessInputs {
        now,
        mode,
        kill_switch_active: Some(false),
        preservation_level: Some(PreservationLevel::Normal),
        shadow_health: Some(ShadowHealth::Healthy),
        symbol_allowlist_len: Some(2),
        last_daily_health_report_at: Some(now - Duration::hours(6)),
        paper_streak_days: Some(20),
        weeks_counted: Some(3),
        last_heartbeat_at: Some(now - Duration::minutes(1)),
        turnover_block_rate: Some(BlockRateInput::Measured(Ratio::from_pct(dec!(30)))),
        slippage_recent_bps: Some(dec!(3)),
        slippage_prior_bps: Some(dec!(3)),
        critical_alerts_in_window: Some(0),
        critical_alert_kinds: Default::default(),
        account_rules: Some(account_rules(Some(dec!(12.5)), Some(dec!(40)))),
    };
    Case {
        inputs,
        venue: Some(healthy_venue()),
    }
}

/// Healthy inputs in live mode (every criterion applies).
pub(crate) fn healthy() -> Case {
    healthy_in(TradingMode::Live)
}

/// Sets the input of `criterion` to a value that fails it under the default config
/// (`variant` picks among several failing values).
pub(crate) fn break_criterion(case: &mut Case, criterion: Criterion, variant: u8) {
    let now = case.now;
    let venue = &mut case.venue;
    let inputs = &mut case.inputs;
    match criterion {
        Criterion::KillSwitch => inputs.kill_switch_active = Some(true),
        Criterion::AccountRules => {
            let rule = if variant.is_multiple_of(2) {
                AccountRule::DailyLoss
            } else {
                AccountRule::MaxLoss
            };
            let line = if (variant / 2).is_multiple_of(2) {
                BreachLine::Buffered
            } else {
                BreachLine::Firm
            };
            inputs
                .account_rules
                .get_or_insert_with(|| account_rules(None, None))
                .breach = Some(breach(rule, line));
        }
        Criterion::CapitalPreservation => {
            inputs.preservation_level = Some(if variant.is_multiple_of(2) {
                PreservationLevel::Lockdown
            } else {
                PreservationLevel::Crisis
            });
        }
        Criterion::ShadowHealth => inputs.shadow_health = Some(ShadowHealth::Critical),
        Criterion::SymbolAllowlist => inputs.symbol_allowlist_len = Some(0),
        Criterion::DailyHealthReport => {
            inputs.last_daily_health_report_at =
                Some(now - Duration::hours(25 + i64::from(variant)));
        }
        Criterion::VenueClock => {
            let v = venue.get_or_insert_with(healthy_venue);
            let beyond = i64::try_from(v.max_clock_offset_ms).unwrap_or(i64::MAX - 100)
                + 1
                + i64::from(variant);
            v.clock_offset_ms = Some(if variant.is_multiple_of(2) {
                beyond
            } else {
                -beyond
            });
        }
        Criterion::VenueWithdrawals => {
            venue.get_or_insert_with(healthy_venue).can_withdraw = Some(true);
        }
        Criterion::VenueTrading => venue.get_or_insert_with(healthy_venue).can_trade = Some(false),
        Criterion::PaperStreak => inputs.paper_streak_days = Some(u32::from(variant % 14)),
        Criterion::WeeksCounted => inputs.weeks_counted = Some(u32::from(variant % 2)),
        Criterion::Heartbeat => {
            inputs.last_heartbeat_at = Some(now - Duration::minutes(121 + i64::from(variant)));
        }
        Criterion::TurnoverBlockRate => {
            let pct = if variant.is_multiple_of(2) {
                dec!(4.99)
            } else {
                dec!(70.01)
            };
            inputs.turnover_block_rate = Some(BlockRateInput::Measured(Ratio::from_pct(pct)));
        }
        Criterion::ExecutionRealism => {
            inputs.slippage_prior_bps = Some(dec!(4));
            inputs.slippage_recent_bps = Some(dec!(6.01) + rust_decimal::Decimal::from(variant));
        }
        Criterion::CriticalAlerts => {
            inputs.critical_alerts_in_window = Some(1 + u32::from(variant));
        }
    }
}

/// Removes the input(s) of `criterion`. Account rules have no "missing" state
/// (`None` means none configured), so for them this removes the utilisation
/// figures and keeps the rule set and any breach.
/// For the venue criteria it removes that figure from the recorded venue health (nothing
/// when none is recorded).
pub(crate) fn clear_input(case: &mut Case, criterion: Criterion) {
    let venue = &mut case.venue;
    let inputs = &mut case.inputs;
    match criterion {
        Criterion::KillSwitch => inputs.kill_switch_active = None,
        Criterion::AccountRules => {
            if let Some(rules) = inputs.account_rules.as_mut() {
                rules.daily_utilisation_pct = None;
                rules.total_utilisation_pct = None;
            }
        }
        Criterion::CapitalPreservation => inputs.preservation_level = None,
        Criterion::ShadowHealth => inputs.shadow_health = None,
        Criterion::SymbolAllowlist => inputs.symbol_allowlist_len = None,
        Criterion::DailyHealthReport => inputs.last_daily_health_report_at = None,
        Criterion::VenueClock => {
            if let Some(v) = venue.as_mut() {
                v.clock_offset_ms = None;
            }
        }
        Criterion::VenueWithdrawals => {
            if let Some(v) = venue.as_mut() {
                v.can_withdraw = None;
            }
        }
        Criterion::VenueTrading => {
            if let Some(v) = venue.as_mut() {
                v.can_trade = None;
            }
        }
        Criterion::PaperStreak => inputs.paper_streak_days = None,
        Criterion::WeeksCounted => inputs.weeks_counted = None,
        Criterion::Heartbeat => inputs.last_heartbeat_at = None,
        Criterion::TurnoverBlockRate => inputs.turnover_block_rate = None,
        Criterion::ExecutionRealism => inputs.slippage_recent_bps = None,
        Criterion::CriticalAlerts => inputs.critical_alerts_in_window = None,
    }
}
