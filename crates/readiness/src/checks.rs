//! One small function per criterion: judge its input against the threshold and
//! return an [`Assessment`] (component status plus, when not met, the reason).
//!
//! Boundaries are inclusive on the healthy side: a heartbeat exactly
//! `max_heartbeat_age` old, a report exactly `max_daily_report_age` old, a block
//! rate exactly on a band edge, a streak exactly at the minimum are all met. A
//! timestamp later than `now` (clock skew between processes) counts as age zero.
//! An account-rules utilisation of exactly [`ACCOUNT_UTILISATION_WARNING_PCT`] is
//! already a caveat (it is a warning, never a reason).

use chrono::Duration;
use domain::{PreservationLevel, Ratio, Timestamp, TradingMode};
use rust_decimal::Decimal;

use crate::component::{ComponentState, ComponentStatus};
use crate::config::ReadinessConfig;
use crate::criterion::Criterion;
use crate::inputs::{
    AccountRulesInput, BlockRateInput, ReadinessInputs, ShadowHealth, VenueHealthInput,
};
use crate::reason::{MissingCause, ReadinessReason, fmt_bps, fmt_minutes, fmt_pct, fmt_time};

/// Account-rules utilisation (daily or total), in percent of the allowance, from
/// which the `account_rules` component is a `warning` (bound included). A caveat
/// only: it never changes a verdict, so it is a constant rather than a
/// `[readiness]` key.
pub(crate) const ACCOUNT_UTILISATION_WARNING_PCT: Decimal = Decimal::from_parts(80, 0, 0, false, 0);

/// The judgement of one criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assessment {
    pub(crate) criterion: Criterion,
    pub(crate) component: ComponentStatus,
    pub(crate) reason: Option<ReadinessReason>,
}

impl Assessment {
    fn met(criterion: Criterion, detail: String) -> Self {
        Self::met_as(criterion, ComponentState::Ok, detail)
    }

    /// Met, but worth a look (status `warning`, no reason).
    fn met_with_caveat(criterion: Criterion, detail: String) -> Self {
        Self::met_as(criterion, ComponentState::Warning, detail)
    }

    fn met_as(criterion: Criterion, status: ComponentState, detail: String) -> Self {
        Self {
            criterion,
            component: ComponentStatus { status, detail },
            reason: None,
        }
    }

    fn not_met(reason: ReadinessReason) -> Self {
        let status = match reason {
            ReadinessReason::InputMissing { .. } => ComponentState::Unknown,
            _ => ComponentState::of_failure(reason.severity()),
        };
        Self {
            criterion: reason.criterion(),
            component: ComponentStatus {
                status,
                detail: reason.message(),
            },
            reason: Some(reason),
        }
    }

    fn missing(criterion: Criterion) -> Self {
        Self::not_met(ReadinessReason::InputMissing {
            criterion,
            cause: MissingCause::NotRecorded,
        })
    }
}

/// Every criterion, in report order.
pub(crate) fn assess_all(
    inputs: &ReadinessInputs,
    venue: Option<&VenueHealthInput>,
    config: &ReadinessConfig,
) -> Vec<Assessment> {
    Criterion::ALL
        .iter()
        .map(|c| assess(*c, inputs, venue, config))
        .collect()
}

/// One criterion.
pub(crate) fn assess(
    criterion: Criterion,
    inputs: &ReadinessInputs,
    venue: Option<&VenueHealthInput>,
    config: &ReadinessConfig,
) -> Assessment {
    match criterion {
        Criterion::KillSwitch => kill_switch(inputs),
        Criterion::AccountRules => account_rules(inputs),
        Criterion::CapitalPreservation => capital_preservation(inputs),
        Criterion::ShadowHealth => shadow_health(inputs),
        Criterion::SymbolAllowlist => symbol_allowlist(inputs),
        Criterion::DailyHealthReport => daily_health_report(inputs, config),
        Criterion::VenueClock => venue_clock(inputs.mode, venue),
        Criterion::VenueWithdrawals => venue_withdrawals(inputs.mode, venue),
        Criterion::VenueTrading => venue_trading(inputs.mode, venue),
        Criterion::PaperStreak => paper_streak(inputs, config),
        Criterion::WeeksCounted => weeks_counted(inputs, config),
        Criterion::Heartbeat => heartbeat(inputs, config),
        Criterion::TurnoverBlockRate => turnover_block_rate(inputs, config),
        Criterion::ExecutionRealism => execution_realism(inputs, config),
        Criterion::CriticalAlerts => critical_alerts(inputs, config),
    }
}

/// Age of `at` at `now`, never negative.
fn age(now: Timestamp, at: Timestamp) -> Duration {
    now.signed_duration_since(at).max(Duration::zero())
}

fn kill_switch(inputs: &ReadinessInputs) -> Assessment {
    match inputs.kill_switch_active {
        None => Assessment::missing(Criterion::KillSwitch),
        Some(true) => Assessment::not_met(ReadinessReason::KillSwitchActive),
        Some(false) => Assessment::met(Criterion::KillSwitch, "inactive".into()),
    }
}

/// `None` is "no account rules configured": met, never "no data". Any breach, on
/// the buffered or the firm line, is NO_GO; utilisation at or above
/// [`ACCOUNT_UTILISATION_WARNING_PCT`] is a caveat.
fn account_rules(inputs: &ReadinessInputs) -> Assessment {
    let c = Criterion::AccountRules;
    let Some(AccountRulesInput {
        rules,
        breach,
        daily_utilisation_pct,
        total_utilisation_pct,
    }) = &inputs.account_rules
    else {
        return Assessment::met(c, "no account rules configured".into());
    };
    if let Some(breach) = breach {
        return Assessment::not_met(ReadinessReason::AccountRuleBreached {
            rules: rules.clone(),
            breach: *breach,
        });
    }
    let figures: Vec<String> = [
        ("daily loss", daily_utilisation_pct),
        ("max loss", total_utilisation_pct),
    ]
    .into_iter()
    .filter_map(|(name, pct)| {
        pct.map(|p| format!("{name} {} of allowance used", fmt_pct(Ratio::from_pct(p))))
    })
    .collect();
    if figures.is_empty() {
        return Assessment::met(
            c,
            format!("{rules}: no breach (no utilisation recorded yet)"),
        );
    }
    let figures = figures.join(", ");
    let near_limit = [daily_utilisation_pct, total_utilisation_pct]
        .into_iter()
        .flatten()
        .any(|p| *p >= ACCOUNT_UTILISATION_WARNING_PCT);
    if near_limit {
        Assessment::met_with_caveat(
            c,
            format!(
                "{rules}: {figures} (warning from {}): close to the limit, not blocking",
                fmt_pct(Ratio::from_pct(ACCOUNT_UTILISATION_WARNING_PCT))
            ),
        )
    } else {
        Assessment::met(c, format!("{rules}: no breach; {figures}"))
    }
}

fn capital_preservation(inputs: &ReadinessInputs) -> Assessment {
    let c = Criterion::CapitalPreservation;
    let Some(level) = inputs.preservation_level else {
        return Assessment::missing(c);
    };
    let name = level.as_str().to_ascii_uppercase();
    match level {
        PreservationLevel::Lockdown | PreservationLevel::Crisis => {
            Assessment::not_met(ReadinessReason::CapitalPreservationLockdown { level })
        }
        PreservationLevel::Normal => Assessment::met(c, format!("level {name}")),
        PreservationLevel::Caution | PreservationLevel::Defensive => {
            Assessment::met_with_caveat(c, format!("level {name}: reduced size, not blocking"))
        }
    }
}

fn shadow_health(inputs: &ReadinessInputs) -> Assessment {
    let c = Criterion::ShadowHealth;
    match inputs.shadow_health {
        None => Assessment::missing(c),
        Some(ShadowHealth::Critical) => Assessment::not_met(ReadinessReason::ShadowHealthCritical),
        Some(ShadowHealth::Warning) => {
            Assessment::met_with_caveat(c, "WARNING: investigate, not blocking".into())
        }
        Some(ShadowHealth::Healthy) => Assessment::met(c, "HEALTHY".into()),
    }
}

/// Judged only in live mode, as the runbook's criterion says ("live mode enabled
/// but symbol allowlist is empty"); the live start-up check re-evaluates in live mode.
fn symbol_allowlist(inputs: &ReadinessInputs) -> Assessment {
    let c = Criterion::SymbolAllowlist;
    if inputs.mode != TradingMode::Live {
        return Assessment::met(
            c,
            format!("checked in live mode only (mode {})", inputs.mode.as_str()),
        );
    }
    match inputs.symbol_allowlist_len {
        None => Assessment::missing(c),
        Some(0) => Assessment::not_met(ReadinessReason::EmptySymbolAllowlist),
        Some(n) => Assessment::met(c, format!("{n} symbol(s) allowed")),
    }
}

fn daily_health_report(inputs: &ReadinessInputs, config: &ReadinessConfig) -> Assessment {
    let c = Criterion::DailyHealthReport;
    let Some(last) = inputs.last_daily_health_report_at else {
        return Assessment::missing(c);
    };
    let age = age(inputs.now, last);
    if age > config.max_daily_report_age() {
        Assessment::not_met(ReadinessReason::DailyHealthReportMissing {
            last_report_at: last,
            age_hours: age.num_hours(),
            max_age_hours: config.max_daily_report_age_hours,
        })
    } else {
        Assessment::met(
            c,
            format!(
                "latest {} ({} ago)",
                fmt_time(last),
                fmt_minutes(age.num_minutes())
            ),
        )
    }
}

/// A venue criterion without venue health: not met (no data) in paper and live modes,
/// where orders go to an exchange; met in dry-run and backtest, where fills are simulated
/// and no exchange account is involved.
fn without_venue(c: Criterion, mode: TradingMode) -> Assessment {
    match mode {
        TradingMode::Paper | TradingMode::Live => Assessment::missing(c),
        mode => Assessment::met(
            c,
            format!(
                "no exchange venue in {} mode (simulated fills)",
                mode.as_str()
            ),
        ),
    }
}

/// |offset| at or below the limit is met.
fn venue_clock(mode: TradingMode, venue: Option<&VenueHealthInput>) -> Assessment {
    let c = Criterion::VenueClock;
    let Some(v) = venue else {
        return without_venue(c, mode);
    };
    let Some(offset_ms) = v.clock_offset_ms else {
        return Assessment::missing(c);
    };
    if offset_ms.unsigned_abs() > v.max_clock_offset_ms {
        Assessment::not_met(ReadinessReason::VenueClockOffsetExceeded {
            venue: v.name.clone(),
            offset_ms,
            max_offset_ms: v.max_clock_offset_ms,
        })
    } else {
        Assessment::met(
            c,
            format!(
                "{}: offset {offset_ms} ms (limit {} ms), checked {}",
                v.name,
                v.max_clock_offset_ms,
                fmt_time(v.checked_at)
            ),
        )
    }
}

fn venue_withdrawals(mode: TradingMode, venue: Option<&VenueHealthInput>) -> Assessment {
    let c = Criterion::VenueWithdrawals;
    let Some(v) = venue else {
        return without_venue(c, mode);
    };
    match v.can_withdraw {
        None => Assessment::missing(c),
        Some(true) => Assessment::not_met(ReadinessReason::VenueWithdrawalsEnabled {
            venue: v.name.clone(),
        }),
        Some(false) => Assessment::met(
            c,
            format!(
                "{}: withdrawals disabled on the API key, checked {}",
                v.name,
                fmt_time(v.checked_at)
            ),
        ),
    }
}

fn venue_trading(mode: TradingMode, venue: Option<&VenueHealthInput>) -> Assessment {
    let c = Criterion::VenueTrading;
    let Some(v) = venue else {
        return without_venue(c, mode);
    };
    match v.can_trade {
        None => Assessment::missing(c),
        Some(false) => Assessment::not_met(ReadinessReason::VenueTradingDisabled {
            venue: v.name.clone(),
        }),
        Some(true) => Assessment::met(
            c,
            format!(
                "{}: trading enabled, checked {}",
                v.name,
                fmt_time(v.checked_at)
            ),
        ),
    }
}

fn paper_streak(inputs: &ReadinessInputs, config: &ReadinessConfig) -> Assessment {
    let c = Criterion::PaperStreak;
    let min_days = config.min_paper_streak_days;
    match inputs.paper_streak_days {
        None => Assessment::missing(c),
        Some(days) if days < min_days => {
            Assessment::not_met(ReadinessReason::PaperStreakShort { days, min_days })
        }
        Some(days) => Assessment::met(c, format!("{days} days (minimum {min_days})")),
    }
}

fn weeks_counted(inputs: &ReadinessInputs, config: &ReadinessConfig) -> Assessment {
    let c = Criterion::WeeksCounted;
    let min_weeks = config.min_weeks_counted;
    match inputs.weeks_counted {
        None => Assessment::missing(c),
        Some(weeks) if weeks < min_weeks => {
            Assessment::not_met(ReadinessReason::InsufficientWeeks { weeks, min_weeks })
        }
        Some(weeks) => Assessment::met(c, format!("{weeks} weeks (minimum {min_weeks})")),
    }
}

fn heartbeat(inputs: &ReadinessInputs, config: &ReadinessConfig) -> Assessment {
    let c = Criterion::Heartbeat;
    let Some(last) = inputs.last_heartbeat_at else {
        return Assessment::missing(c);
    };
    let age = age(inputs.now, last);
    if age > config.max_heartbeat_age() {
        Assessment::not_met(ReadinessReason::HeartbeatStale {
            last_heartbeat_at: last,
            age_minutes: age.num_minutes(),
            max_age_minutes: config.max_heartbeat_age_minutes,
        })
    } else {
        Assessment::met(
            c,
            format!("last heartbeat {} ago", fmt_minutes(age.num_minutes())),
        )
    }
}

fn turnover_block_rate(inputs: &ReadinessInputs, config: &ReadinessConfig) -> Assessment {
    let c = Criterion::TurnoverBlockRate;
    let rate = match inputs.turnover_block_rate {
        None => return Assessment::missing(c),
        Some(BlockRateInput::InsufficientData) => {
            return Assessment::not_met(ReadinessReason::InputMissing {
                criterion: c,
                cause: MissingCause::InsufficientSample,
            });
        }
        Some(BlockRateInput::Measured(rate)) => rate,
    };
    let (min, max) = config.block_rate_band();
    if rate < min || rate > max {
        Assessment::not_met(ReadinessReason::TurnoverBlockRateOutOfBand { rate, min, max })
    } else {
        Assessment::met(
            c,
            format!(
                "{} (healthy band {}–{})",
                fmt_pct(rate),
                fmt_pct(min),
                fmt_pct(max)
            ),
        )
    }
}

/// Drift: the increase from prior to recent is strictly above both
/// `slippage_drift_min_increase_bps` and `|prior| x (multiple - 1)`. For a
/// non-negative prior that is `recent > prior x multiple && recent > prior + min`.
pub(crate) fn slippage_drifted(recent: Decimal, prior: Decimal, config: &ReadinessConfig) -> bool {
    let increase = recent.saturating_sub(prior);
    let relative = prior
        .abs()
        .saturating_mul(config.slippage_drift_multiple.saturating_sub(Decimal::ONE));
    increase > config.slippage_drift_min_increase_bps && increase > relative
}

fn execution_realism(inputs: &ReadinessInputs, config: &ReadinessConfig) -> Assessment {
    let c = Criterion::ExecutionRealism;
    let (Some(recent_bps), Some(prior_bps)) =
        (inputs.slippage_recent_bps, inputs.slippage_prior_bps)
    else {
        return Assessment::missing(c);
    };
    let window_days = config.slippage_window_days;
    if slippage_drifted(recent_bps, prior_bps, config) {
        Assessment::not_met(ReadinessReason::ExecutionRealismDrift {
            recent_bps,
            prior_bps,
            window_days,
        })
    } else {
        Assessment::met(
            c,
            format!(
                "average slippage {} over the last {window_days} days vs {} over the prior {window_days} days",
                fmt_bps(recent_bps),
                fmt_bps(prior_bps)
            ),
        )
    }
}

fn critical_alerts(inputs: &ReadinessInputs, config: &ReadinessConfig) -> Assessment {
    let c = Criterion::CriticalAlerts;
    let window_days = config.critical_alerts_window_days;
    match inputs.critical_alerts_in_window {
        None => Assessment::missing(c),
        Some(0) => Assessment::met(c, format!("none in last {window_days} days")),
        Some(count) => Assessment::not_met(ReadinessReason::RecentCriticalAlerts {
            count,
            window_days,
            by_kind: inputs.critical_alert_kinds.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criterion::ReasonSeverity;
    use crate::test_support::{
        Case, RULES, account_rules, breach, break_criterion, evaluate, healthy, healthy_in,
        healthy_venue, t0,
    };
    use domain::{AccountRule, BreachLine, Readiness};
    use rust_decimal_macros::dec;

    /// The reasons of `inputs` under the default config.
    fn reasons(inputs: &Case) -> Vec<ReadinessReason> {
        evaluate(inputs, &ReadinessConfig::default())
            .reasons()
            .to_vec()
    }

    /// The single reason of healthy inputs with `edit` applied.
    fn only_reason(edit: impl FnOnce(&mut Case)) -> ReadinessReason {
        let mut i = healthy();
        edit(&mut i);
        let mut r = reasons(&i);
        assert_eq!(r.len(), 1, "{r:#?}");
        r.remove(0)
    }

    #[test]
    fn kill_switch_active_is_no_go() {
        let r = only_reason(|i| i.kill_switch_active = Some(true));
        assert_eq!(r, ReadinessReason::KillSwitchActive);
        assert_eq!(r.code(), "kill_switch_active");
        assert_eq!(r.severity(), ReasonSeverity::NoGo);
        assert_eq!(r.message(), "Kill switch is active");
        assert!(r.next_action().contains("Investigate why it was activated"));
    }

    #[test]
    fn no_account_rules_configured_is_met_and_not_missing_data() {
        for mode in [TradingMode::DryRun, TradingMode::Paper, TradingMode::Live] {
            let mut i = healthy_in(mode);
            i.account_rules = None;
            let report = evaluate(&i, &ReadinessConfig::default());
            assert!(report.is_go(), "{mode:?}: {:?}", report.reasons());
            assert_eq!(report.overall(), Readiness::Go);
            let component = &report.components()["account_rules"];
            assert_eq!(component.status, ComponentState::Ok);
            assert_eq!(component.detail, "no account rules configured");
        }
    }

    #[test]
    fn a_buffered_breach_is_no_go_naming_the_rules_rule_line_figures_and_time() {
        let b = breach(AccountRule::DailyLoss, BreachLine::Buffered);
        let r = only_reason(|i| {
            i.account_rules = Some(AccountRulesInput {
                breach: Some(b),
                ..account_rules(Some(dec!(100)), Some(dec!(46)))
            });
        });
        assert_eq!(
            r,
            ReadinessReason::AccountRuleBreached {
                rules: RULES.into(),
                breach: b
            }
        );
        assert_eq!(r.code(), "account_rule_breached");
        assert_eq!(r.criterion(), Criterion::AccountRules);
        assert_eq!(r.severity(), ReasonSeverity::NoGo);
        assert_eq!(
            r.message(),
            "ftmo-2step-challenge: daily_loss buffered line breached at 2024-01-15T10:00:00Z (equity 95,400.00 below 95,500.00)"
        );
        assert_eq!(
            r.next_action(),
            "Equity went below the safety buffer above the firm's floor: new entries are blocked for \
             this account. Review the breach in the audit trail (`runtime audit export`) and the risk \
             book (`runtime status`); the account's state keeps the breach, so continue only with a new \
             account (fresh data directory) after the review."
        );
    }

    #[test]
    fn a_firm_breach_is_no_go_with_the_account_failed_action() {
        let r = only_reason(|i| {
            i.account_rules = Some(AccountRulesInput {
                breach: Some(breach(AccountRule::MaxLoss, BreachLine::Firm)),
                ..account_rules(None, None)
            });
        });
        assert_eq!(r.code(), "account_rule_breached");
        assert_eq!(r.severity(), ReasonSeverity::NoGo);
        assert_eq!(
            r.message(),
            "ftmo-2step-challenge: max_loss firm line breached at 2024-01-15T10:00:00Z (equity 94,900.00 below 95,000.00)"
        );
        assert_eq!(
            r.next_action(),
            "The prop firm's limit was crossed: the account has failed at the firm. \
             Stop trading this account and start a new one."
        );
    }

    #[test]
    fn a_breach_is_no_go_overall_in_every_mode() {
        for mode in [
            TradingMode::Backtest,
            TradingMode::DryRun,
            TradingMode::Paper,
            TradingMode::Live,
        ] {
            let mut i = healthy_in(mode);
            break_criterion(&mut i, Criterion::AccountRules, 3);
            let report = evaluate(&i, &ReadinessConfig::default());
            assert_eq!(report.overall(), Readiness::NoGo, "{mode:?}");
            assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
            assert_eq!(
                report.components()["account_rules"].status,
                ComponentState::Critical
            );
        }
    }

    #[test]
    fn utilisation_of_80_percent_or_more_only_warns() {
        for (daily, total) in [
            (Some(dec!(85)), Some(dec!(40))),
            (Some(dec!(10)), Some(dec!(85))),
            (Some(dec!(80)), None),
        ] {
            let mut i = healthy_in(TradingMode::DryRun);
            i.account_rules = Some(account_rules(daily, total));
            let report = evaluate(&i, &ReadinessConfig::default());
            assert!(report.reasons().is_empty(), "{:?}", report.reasons());
            assert_eq!(report.overall(), Readiness::Go);
            assert_eq!(report.live_rollout_readiness(), Readiness::Go);
            assert_eq!(
                report.components()["account_rules"].status,
                ComponentState::Warning,
                "{daily:?} {total:?}"
            );
        }
        let mut i = healthy();
        i.account_rules = Some(account_rules(Some(dec!(85)), Some(dec!(40))));
        let report = evaluate(&i, &ReadinessConfig::default());
        assert!(report.is_go());
        assert_eq!(
            report.components()["account_rules"].detail,
            "ftmo-2step-challenge: daily loss 85% of allowance used, max loss 40% of allowance used \
             (warning from 80%): close to the limit, not blocking"
        );

        i.account_rules = Some(account_rules(Some(dec!(79.99)), Some(dec!(40))));
        let report = evaluate(&i, &ReadinessConfig::default());
        let component = &report.components()["account_rules"];
        assert_eq!(component.status, ComponentState::Ok);
        assert_eq!(
            component.detail,
            "ftmo-2step-challenge: no breach; daily loss 79.99% of allowance used, max loss 40% of allowance used"
        );
    }

    #[test]
    fn account_rules_without_figures_show_the_rule_set() {
        let mut i = healthy();
        i.account_rules = Some(account_rules(None, None));
        let report = evaluate(&i, &ReadinessConfig::default());
        assert!(report.is_go());
        let component = &report.components()["account_rules"];
        assert_eq!(component.status, ComponentState::Ok);
        assert_eq!(
            component.detail,
            "ftmo-2step-challenge: no breach (no utilisation recorded yet)"
        );
    }

    #[test]
    fn lockdown_and_crisis_are_no_go_but_caution_only_warns() {
        for level in [PreservationLevel::Lockdown, PreservationLevel::Crisis] {
            let r = only_reason(|i| i.preservation_level = Some(level));
            assert_eq!(r, ReadinessReason::CapitalPreservationLockdown { level });
            assert_eq!(r.severity(), ReasonSeverity::NoGo);
            assert_eq!(
                r.next_action(),
                "Wait for automatic recovery. Do NOT manually override. Review what triggered escalation."
            );
        }
        let r = only_reason(|i| i.preservation_level = Some(PreservationLevel::Crisis));
        assert_eq!(r.message(), "Capital preservation in CRISIS mode");

        let mut i = healthy();
        i.preservation_level = Some(PreservationLevel::Defensive);
        let report = evaluate(&i, &ReadinessConfig::default());
        assert!(report.is_go());
        assert_eq!(
            report.components()["capital_preservation"].status,
            ComponentState::Warning
        );
    }

    #[test]
    fn shadow_health_critical_is_no_go_and_warning_is_not_blocking() {
        let r = only_reason(|i| i.shadow_health = Some(ShadowHealth::Critical));
        assert_eq!(r.code(), "shadow_health_critical");
        assert_eq!(r.message(), "Shadow data collection health is CRITICAL");
        assert_eq!(r.severity(), ReasonSeverity::NoGo);

        let mut i = healthy();
        i.shadow_health = Some(ShadowHealth::Warning);
        let report = evaluate(&i, &ReadinessConfig::default());
        assert!(report.is_go());
        assert_eq!(
            report.components()["shadow_health"].status,
            ComponentState::Warning
        );
    }

    #[test]
    fn empty_allowlist_is_no_go_in_live_mode_only() {
        let r = only_reason(|i| i.symbol_allowlist_len = Some(0));
        assert_eq!(r, ReadinessReason::EmptySymbolAllowlist);
        assert_eq!(
            r.message(),
            "Live mode enabled but symbol allowlist is empty"
        );
        assert_eq!(r.severity(), ReasonSeverity::NoGo);

        for mode in [
            TradingMode::DryRun,
            TradingMode::Paper,
            TradingMode::Backtest,
        ] {
            let mut i = healthy_in(mode);
            i.symbol_allowlist_len = Some(0);
            assert!(reasons(&i).is_empty());
            i.symbol_allowlist_len = None;
            assert!(reasons(&i).is_empty(), "not judged outside live mode");
        }
    }

    #[test]
    fn daily_report_older_than_24h_is_no_go_and_exactly_24h_is_met() {
        let r = only_reason(|i| i.last_daily_health_report_at = Some(t0() - Duration::hours(30)));
        assert_eq!(r.code(), "daily_health_report_missing");
        assert_eq!(r.severity(), ReasonSeverity::NoGo);
        assert_eq!(
            r.message(),
            "Daily health reports missing in last 24h (latest 2026-02-28T06:00:00Z, 30 h ago)"
        );

        let mut i = healthy();
        i.last_daily_health_report_at = Some(t0() - Duration::hours(24));
        assert!(reasons(&i).is_empty());
        i.last_daily_health_report_at = Some(t0() - Duration::hours(24) - Duration::seconds(1));
        assert_eq!(reasons(&i).len(), 1);
    }

    #[test]
    fn a_clock_offset_beyond_the_limit_is_no_go_naming_offset_and_limit() {
        for offset in [1001, -2500] {
            let r = only_reason(|i| {
                i.venue.as_mut().unwrap().clock_offset_ms = Some(offset);
            });
            assert_eq!(
                r,
                ReadinessReason::VenueClockOffsetExceeded {
                    venue: "binance".into(),
                    offset_ms: offset,
                    max_offset_ms: 1000,
                }
            );
            assert_eq!(r.code(), "venue_clock_offset_exceeded");
            assert_eq!(r.severity(), ReasonSeverity::NoGo);
            assert_eq!(
                r.message(),
                format!("Clock offset to the binance server is {offset} ms (limit 1000 ms)")
            );
            assert!(r.next_action().contains("Synchronise the host clock"));
        }
        for offset in [1000, -1000, 0] {
            let mut i = healthy();
            i.venue.as_mut().unwrap().clock_offset_ms = Some(offset);
            assert!(reasons(&i).is_empty(), "{offset} ms is within the limit");
        }
    }

    #[test]
    fn a_key_that_can_withdraw_is_no_go() {
        let r = only_reason(|i| i.venue.as_mut().unwrap().can_withdraw = Some(true));
        assert_eq!(
            r,
            ReadinessReason::VenueWithdrawalsEnabled {
                venue: "binance".into()
            }
        );
        assert_eq!(r.code(), "venue_withdrawals_enabled");
        assert_eq!(r.severity(), ReasonSeverity::NoGo);
        assert_eq!(
            r.message(),
            "The binance API key can withdraw funds (withdrawals must be disabled)"
        );
        assert!(r.next_action().contains("Disable withdrawals"));
    }

    #[test]
    fn an_account_that_cannot_trade_is_no_go() {
        let r = only_reason(|i| i.venue.as_mut().unwrap().can_trade = Some(false));
        assert_eq!(r.code(), "venue_trading_disabled");
        assert_eq!(r.criterion(), Criterion::VenueTrading);
        assert_eq!(r.severity(), ReasonSeverity::NoGo);
        assert_eq!(
            r.message(),
            "The binance account or API key cannot trade (trading disabled)"
        );
    }

    #[test]
    fn every_venue_problem_is_reported_at_once() {
        let mut i = healthy_in(TradingMode::Paper);
        i.venue = Some(VenueHealthInput {
            clock_offset_ms: Some(4000),
            can_trade: Some(false),
            can_withdraw: Some(true),
            ..healthy_venue()
        });
        let report = evaluate(&i, &ReadinessConfig::default());
        let codes: Vec<_> = report.reasons().iter().map(ReadinessReason::code).collect();
        assert_eq!(
            codes,
            [
                "venue_clock_offset_exceeded",
                "venue_withdrawals_enabled",
                "venue_trading_disabled"
            ]
        );
        assert_eq!(report.overall(), Readiness::NoGo);
    }

    #[test]
    fn without_venue_health_paper_and_live_are_not_met_and_dry_run_is_unaffected() {
        for mode in [TradingMode::Paper, TradingMode::Live] {
            let mut i = healthy_in(mode);
            i.venue = None;
            let report = evaluate(&i, &ReadinessConfig::default());
            assert_eq!(report.overall(), Readiness::NoGo, "{mode:?}");
            let missing: Vec<_> = report
                .reasons()
                .iter()
                .map(|r| (r.code(), r.criterion()))
                .collect();
            assert_eq!(
                missing,
                [
                    ("input_missing", Criterion::VenueClock),
                    ("input_missing", Criterion::VenueWithdrawals),
                    ("input_missing", Criterion::VenueTrading),
                ]
            );
            assert_eq!(
                report.reasons()[0].message(),
                "Venue clock: not met: no data (clock offset to the exchange not measured yet)"
            );
            assert_eq!(
                report.components()["venue_withdrawals"].status,
                ComponentState::Unknown
            );
        }
        for mode in [TradingMode::DryRun, TradingMode::Backtest] {
            let mut i = healthy_in(mode);
            i.venue = None;
            let report = evaluate(&i, &ReadinessConfig::default());
            assert!(report.is_go(), "{mode:?}: {:?}", report.reasons());
            assert_eq!(
                report.components()["venue_clock"].detail,
                format!(
                    "no exchange venue in {} mode (simulated fills)",
                    mode.as_str()
                )
            );
        }
    }

    #[test]
    fn unread_permissions_are_not_met_while_the_clock_is_still_judged() {
        let mut i = healthy_in(TradingMode::Paper);
        i.venue = Some(VenueHealthInput {
            can_trade: None,
            can_withdraw: None,
            ..healthy_venue()
        });
        let report = evaluate(&i, &ReadinessConfig::default());
        let criteria: Vec<_> = report.reasons().iter().map(|r| r.criterion()).collect();
        assert_eq!(
            criteria,
            [Criterion::VenueWithdrawals, Criterion::VenueTrading]
        );
        assert!(report.reasons().iter().all(|r| {
            r.message()
                .ends_with("(exchange API key permissions not read yet)")
        }));
        assert_eq!(
            report.components()["venue_clock"].detail,
            "binance: offset -120 ms (limit 1000 ms), checked 2026-03-01T11:58:00Z"
        );
    }

    #[test]
    fn paper_streak_under_14_days_is_conditional_and_exactly_14_is_met() {
        let r = only_reason(|i| i.paper_streak_days = Some(13));
        assert_eq!(
            r,
            ReadinessReason::PaperStreakShort {
                days: 13,
                min_days: 14
            }
        );
        assert_eq!(r.severity(), ReasonSeverity::Conditional);
        assert_eq!(
            r.message(),
            "Paper trading streak (13 days) below minimum (14 days)"
        );
        assert_eq!(
            r.next_action(),
            "Continue paper trading. Streak must reach 14 consecutive days."
        );
        let mut i = healthy();
        i.paper_streak_days = Some(14);
        assert!(reasons(&i).is_empty());
    }

    #[test]
    fn fewer_than_two_weeks_is_conditional_and_exactly_two_is_met() {
        let r = only_reason(|i| i.weeks_counted = Some(1));
        assert_eq!(r.code(), "insufficient_weeks");
        assert_eq!(r.severity(), ReasonSeverity::Conditional);
        assert_eq!(
            r.message(),
            "Paper trading weeks counted (1) below minimum (2)"
        );
        assert_eq!(
            r.next_action(),
            "Continue paper trading. Must have 2+ weeks of data."
        );
        let mut i = healthy();
        i.weeks_counted = Some(2);
        assert!(reasons(&i).is_empty());
    }

    #[test]
    fn heartbeat_older_than_2h_is_conditional_and_exactly_2h_is_met() {
        let mut i = healthy();
        i.last_heartbeat_at = Some(t0() - Duration::hours(2));
        assert!(reasons(&i).is_empty());

        let r = only_reason(|i| {
            i.last_heartbeat_at = Some(t0() - Duration::hours(2) - Duration::seconds(1));
        });
        assert_eq!(r.code(), "heartbeat_stale");
        assert_eq!(r.severity(), ReasonSeverity::Conditional);

        let r = only_reason(|i| i.last_heartbeat_at = Some(t0() - Duration::minutes(185)));
        assert_eq!(
            r.message(),
            "Runtime heartbeat not recent (last 3 h 5 min ago, limit 2 h)"
        );
        assert!(r.next_action().contains("runtime process is running"));
    }

    #[test]
    fn a_heartbeat_from_the_future_counts_as_fresh() {
        let mut i = healthy();
        i.last_heartbeat_at = Some(t0() + Duration::minutes(3));
        let report = evaluate(&i, &ReadinessConfig::default());
        assert!(report.is_go());
        assert_eq!(
            report.components()["heartbeat"].detail,
            "last heartbeat 0 min ago"
        );
    }

    #[test]
    fn block_rate_band_edges_are_healthy_and_outside_is_conditional() {
        for pct in [dec!(5), dec!(70), dec!(37.5)] {
            let mut i = healthy();
            i.turnover_block_rate = Some(BlockRateInput::Measured(Ratio::from_pct(pct)));
            assert!(reasons(&i).is_empty(), "{pct}% is inside the band");
        }
        let high = only_reason(|i| {
            i.turnover_block_rate = Some(BlockRateInput::Measured(Ratio::from_pct(dec!(70.01))));
        });
        assert_eq!(high.code(), "turnover_block_rate_out_of_band");
        assert_eq!(high.severity(), ReasonSeverity::Conditional);
        assert_eq!(high.message(), "Turnover block rate (70.01%) exceeds 70%");
        let low = only_reason(|i| {
            i.turnover_block_rate = Some(BlockRateInput::Measured(Ratio::from_pct(dec!(4.99))));
        });
        assert_eq!(low.message(), "Turnover block rate (4.99%) below 5%");
        assert_ne!(low.next_action(), high.next_action());
    }

    #[test]
    fn block_rate_with_too_few_evaluations_is_not_met_no_data() {
        let r = only_reason(|i| i.turnover_block_rate = Some(BlockRateInput::InsufficientData));
        assert_eq!(
            r,
            ReadinessReason::InputMissing {
                criterion: Criterion::TurnoverBlockRate,
                cause: MissingCause::InsufficientSample,
            }
        );
        assert_eq!(
            r.message(),
            "Turnover block rate: not met: no data (too few evaluations in the window to judge)"
        );
        assert_eq!(r.severity(), ReasonSeverity::Conditional);
    }

    #[test]
    fn slippage_drift_needs_both_the_multiple_and_the_absolute_increase() {
        let c = ReadinessConfig::default();
        // prior 4: needs > 6 (x1.5) and > 6 (+2).
        assert!(
            !slippage_drifted(dec!(6), dec!(4), &c),
            "exactly at the threshold"
        );
        assert!(slippage_drifted(dec!(6.01), dec!(4), &c));
        // prior 1: x1.5 = 1.5 is passed by 2.5, but +2 needs > 3.
        assert!(!slippage_drifted(dec!(2.5), dec!(1), &c));
        assert!(slippage_drifted(dec!(3.5), dec!(1), &c));
        // prior 10: +2 = 12 is passed by 14, but x1.5 needs > 15.
        assert!(!slippage_drifted(dec!(14), dec!(10), &c));
        assert!(slippage_drifted(dec!(15.5), dec!(10), &c));
        // Improvement is never drift; a negative prior uses its magnitude.
        assert!(!slippage_drifted(dec!(1), dec!(8), &c));
        assert!(!slippage_drifted(dec!(-2.5), dec!(-4), &c));
        assert!(slippage_drifted(dec!(-1), dec!(-4), &c));
    }

    #[test]
    fn execution_realism_drift_is_conditional_with_the_figures() {
        let r = only_reason(|i| {
            i.slippage_prior_bps = Some(dec!(3));
            i.slippage_recent_bps = Some(dec!(6.5));
        });
        assert_eq!(r.code(), "execution_realism_drift");
        assert_eq!(r.severity(), ReasonSeverity::Conditional);
        assert_eq!(
            r.message(),
            "Execution realism degradation detected: average slippage 6.5 bps over the last 7 days vs 3 bps over the prior 7 days"
        );
        assert_eq!(
            r.next_action(),
            "Investigate slippage model. Compare recent vs prior 7-day averages."
        );
    }

    #[test]
    fn slippage_missing_in_either_window_is_not_met_no_data() {
        for (recent, prior) in [(None, Some(dec!(3))), (Some(dec!(3)), None)] {
            let r = only_reason(|i| {
                i.slippage_recent_bps = recent;
                i.slippage_prior_bps = prior;
            });
            assert_eq!(r.criterion(), Criterion::ExecutionRealism);
            assert_eq!(r.code(), "input_missing");
        }
    }

    #[test]
    fn critical_alerts_name_their_kinds() {
        let r = only_reason(|i| {
            i.critical_alerts_in_window = Some(5);
            i.critical_alert_kinds = [
                ("capital_preservation".to_string(), 4),
                ("kill_switch".to_string(), 1),
            ]
            .into_iter()
            .collect();
        });
        assert_eq!(
            r.to_string(),
            "5 CRITICAL alert(s) in last 14 days: capital_preservation 4, kill_switch 1"
        );
    }

    #[test]
    fn critical_alerts_in_14_days_are_conditional() {
        let r = only_reason(|i| i.critical_alerts_in_window = Some(3));
        assert_eq!(
            r,
            ReadinessReason::RecentCriticalAlerts {
                count: 3,
                window_days: 14,
                by_kind: std::collections::BTreeMap::new(),
            }
        );
        assert_eq!(r.severity(), ReasonSeverity::Conditional);
        assert_eq!(r.message(), "3 CRITICAL alert(s) in last 14 days");
    }

    #[test]
    fn every_criterion_can_fail_on_its_own_with_its_severity() {
        for c in Criterion::ALL {
            let mut i = healthy();
            break_criterion(&mut i, c, 0);
            let report = evaluate(&i, &ReadinessConfig::default());
            assert_eq!(report.reasons().len(), 1, "{c}");
            let r = &report.reasons()[0];
            assert_eq!(r.criterion(), c);
            assert_ne!(r.code(), "input_missing");
            assert_eq!(report.live_rollout_readiness(), c.severity().readiness());
            assert_eq!(
                report.components()[c.as_str()].status,
                ComponentState::of_failure(c.severity())
            );
            assert_eq!(report.next_actions(), [r.next_action()]);
        }
        assert_eq!(Readiness::NoGo, ReasonSeverity::NoGo.readiness());
    }

    #[test]
    fn thresholds_come_from_the_config() {
        let config = ReadinessConfig {
            min_paper_streak_days: 30,
            max_heartbeat_age_minutes: 5,
            healthy_block_rate_max_pct: dec!(25),
            ..ReadinessConfig::default()
        };
        let report = evaluate(&healthy(), &config);
        let codes: Vec<_> = report.reasons().iter().map(ReadinessReason::code).collect();
        assert_eq!(
            codes,
            ["paper_streak_short", "turnover_block_rate_out_of_band"]
        );
        assert_eq!(
            report.reasons()[0].message(),
            "Paper trading streak (20 days) below minimum (30 days)"
        );
        assert_eq!(
            report.reasons()[1].message(),
            "Turnover block rate (30%) exceeds 25%"
        );
    }
}
