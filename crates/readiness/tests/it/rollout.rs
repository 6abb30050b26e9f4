//! An operator's path from a fresh database to a live GO, and the live start-up guard.

use chrono::Duration;
use domain::{PreservationLevel, Readiness, TradingMode};
use readiness::{
    ComponentState, ReadinessConfig, ReadinessInputs, ReadinessReason, evaluate, exit_code,
};

use crate::support::{now, paper_trading_for};

fn codes(inputs: &ReadinessInputs) -> Vec<&'static str> {
    evaluate(inputs, &ReadinessConfig::default())
        .reasons()
        .iter()
        .map(ReadinessReason::code)
        .collect()
}

#[test]
fn a_fresh_database_is_no_go_and_says_what_is_missing() {
    let report = evaluate(
        &ReadinessInputs::unknown(now(), TradingMode::DryRun),
        &ReadinessConfig::default(),
    );
    assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
    assert_eq!(report.overall(), Readiness::NoGo);
    assert_eq!(report.exit_code(), 2);
    // Ten criteria apply outside live mode; each one says "no data".
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
