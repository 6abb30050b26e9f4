//! An operator's path from a fresh database to a live GO, and the live start-up guard.

use chrono::Duration;
use chrono::TimeZone;
use domain::{
    AccountBreach, AccountRule, BreachLine, Money, PreservationLevel, Readiness, TradingMode,
};
use readiness::{
    AccountRulesInput, ComponentState, ReadinessConfig, ReadinessInputs, ReadinessReason,
    ReadinessReport, evaluate_with_venue, exit_code,
};
use rust_decimal_macros::dec;

use crate::support::{healthy_venue, now, paper_trading_for};

/// Evaluates as a runtime on a healthy Binance account records it.
fn evaluate(inputs: &ReadinessInputs, config: &ReadinessConfig) -> ReadinessReport {
    evaluate_with_venue(inputs, Some(&healthy_venue()), config)
}

fn codes(inputs: &ReadinessInputs) -> Vec<&'static str> {
    evaluate(inputs, &ReadinessConfig::default())
        .reasons()
        .iter()
        .map(ReadinessReason::code)
        .collect()
}

#[test]
fn a_fresh_database_is_no_go_and_says_what_is_missing() {
    let report = readiness::evaluate(
        &ReadinessInputs::unknown(now(), TradingMode::DryRun),
        &ReadinessConfig::default(),
    );
    assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
    assert_eq!(report.overall(), Readiness::NoGo);
    assert_eq!(report.exit_code(), 2);
    // Ten criteria are judged on figures outside live mode; each one says "no data".
    // (The symbol allowlist is not judged, and no account rules are configured.)
    assert_eq!(report.reasons().len(), 10);
    assert!(
        report
            .reasons()
            .iter()
            .all(|r| r.code() == "input_missing" && r.message().contains("not met: no data"))
    );
    assert_eq!(
        report.components()["symbol_allowlist"].status,
        ComponentState::Ok
    );
    assert_eq!(
        report.components()["account_rules"].detail,
        "no account rules configured"
    );
}

#[test]
fn an_ftmo_breach_blocks_a_paper_run_and_live_start_up() {
    let mut inputs = paper_trading_for(20, TradingMode::Paper);
    inputs.account_rules = Some(AccountRulesInput {
        rules: "ftmo-2step-challenge".into(),
        breach: None,
        daily_utilisation_pct: Some(dec!(86.4)),
        total_utilisation_pct: Some(dec!(43.2)),
    });
    let near = evaluate(&inputs, &ReadinessConfig::default());
    assert!(
        near.is_go(),
        "close to the limit is a warning, not a reason"
    );
    assert_eq!(
        near.components()["account_rules"].status,
        ComponentState::Warning
    );

    let at = chrono::Utc
        .with_ymd_and_hms(2026, 3, 1, 10, 30, 0)
        .single()
        .expect("a valid UTC time");
    if let Some(rules) = inputs.account_rules.as_mut() {
        rules.breach = Some(AccountBreach {
            rule: AccountRule::DailyLoss,
            line: BreachLine::Buffered,
            at,
            equity: Money::new(dec!(95400)),
            balance: Money::new(dec!(99800)),
            firm_floor: Money::new(dec!(95000)),
            guard_floor: Money::new(dec!(95500)),
        });
    }
    let report = evaluate(&inputs, &ReadinessConfig::default());
    assert_eq!(
        report.overall(),
        Readiness::NoGo,
        "counts in paper mode too"
    );
    assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
    assert_eq!(report.exit_code(), 2);
    assert_eq!(codes(&inputs), ["account_rule_breached"]);
    assert_eq!(
        report.reasons()[0].message(),
        "ftmo-2step-challenge: daily_loss buffered line breached at 2026-03-01T10:30:00Z (equity 95,400.00 below 95,500.00)"
    );
    assert!(report.next_actions()[0].contains("`runtime audit export`"));
}

#[test]
fn paper_trading_progresses_from_conditional_to_go() {
    let config = ReadinessConfig::default();
    let young = evaluate(&paper_trading_for(5, TradingMode::DryRun), &config);
    assert_eq!(young.overall(), Readiness::Go, "healthy for a dry-run");
    assert_eq!(young.live_rollout_readiness(), Readiness::Conditional);
    assert_eq!(young.exit_code(), 1);

    assert_eq!(
        codes(&paper_trading_for(13, TradingMode::DryRun)),
        ["paper_streak_short", "insufficient_weeks"]
    );

    let ready = evaluate(&paper_trading_for(14, TradingMode::DryRun), &config);
    assert!(ready.is_go());
    assert_eq!(exit_code(ready.live_rollout_readiness()), 0);
}

#[test]
fn live_start_up_with_an_empty_allowlist_is_no_go() {
    let mut inputs = paper_trading_for(20, TradingMode::DryRun);
    inputs.symbol_allowlist_len = Some(0);
    assert!(evaluate(&inputs, &ReadinessConfig::default()).is_go());

    inputs.mode = TradingMode::Live;
    let report = evaluate(&inputs, &ReadinessConfig::default());
    assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
    assert_eq!(report.overall(), Readiness::NoGo);
    assert_eq!(codes(&inputs), ["empty_symbol_allowlist"]);
}

#[test]
fn a_stalled_runtime_after_a_lockdown_reports_every_problem_worst_first() {
    let mut inputs = paper_trading_for(20, TradingMode::Paper);
    inputs.preservation_level = Some(PreservationLevel::Lockdown);
    inputs.last_heartbeat_at = Some(now() - Duration::hours(5));
    inputs.last_daily_health_report_at = Some(now() - Duration::hours(49));
    inputs.critical_alerts_in_window = Some(1);
    let report = evaluate(&inputs, &ReadinessConfig::default());
    assert_eq!(
        codes(&inputs),
        [
            "capital_preservation_lockdown",
            "daily_health_report_missing",
            "heartbeat_stale",
            "recent_critical_alerts",
        ]
    );
    assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
    assert_eq!(report.overall(), Readiness::NoGo);
    assert_eq!(report.next_actions().len(), 4);
    assert_eq!(
        report.next_actions()[0],
        "Wait for automatic recovery. Do NOT manually override. Review what triggered escalation."
    );
    // Recent alerts are rollout evidence: they do not lower a paper run's overall on their own.
    assert_eq!(report.overall_reasons().count(), 3);
}

#[test]
fn a_key_that_can_withdraw_blocks_paper_health_and_live_start_up() {
    let inputs = paper_trading_for(20, TradingMode::Paper);
    let mut venue = healthy_venue();
    venue.can_withdraw = Some(true);
    let report = evaluate_with_venue(&inputs, Some(&venue), &ReadinessConfig::default());
    assert_eq!(report.overall(), Readiness::NoGo, "a system criterion");
    assert_eq!(report.exit_code(), 2);
    let codes: Vec<_> = report.reasons().iter().map(ReadinessReason::code).collect();
    assert_eq!(codes, ["venue_withdrawals_enabled"]);
    assert_eq!(
        report.components()["venue_withdrawals"].status,
        ComponentState::Critical
    );

    let mut live = inputs.clone();
    live.mode = TradingMode::Live;
    venue.can_withdraw = Some(false);
    venue.clock_offset_ms = Some(-1800);
    let report = evaluate_with_venue(&live, Some(&venue), &ReadinessConfig::default());
    assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
    assert_eq!(
        report.reasons()[0].message(),
        "Clock offset to the binance server is -1800 ms (limit 1000 ms)"
    );
}

#[test]
fn live_start_up_without_venue_health_is_no_go_and_a_dry_run_does_not_need_it() {
    let dry = paper_trading_for(20, TradingMode::DryRun);
    assert!(readiness::evaluate(&dry, &ReadinessConfig::default()).is_go());

    let mut live = dry;
    live.mode = TradingMode::Live;
    let report = readiness::evaluate(&live, &ReadinessConfig::default());
    assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
    let criteria: Vec<_> = report
        .reasons()
        .iter()
        .map(|r| (r.code(), r.criterion().as_str()))
        .collect();
    assert_eq!(
        criteria,
        [
            ("input_missing", "venue_clock"),
            ("input_missing", "venue_withdrawals"),
            ("input_missing", "venue_trading"),
        ]
    );
}
