//! The `/health/readiness` body: exact keys, exact values, and that a client can
//! read it back.

use domain::TradingMode;
use readiness::{ReadinessConfig, ReadinessDocument, evaluate, evaluate_with_venue, exit_code};
use serde_json::json;

use crate::support::{healthy_venue, paper_trading_for};

#[test]
fn report_serialises_to_the_endpoint_json() {
    let mut inputs = paper_trading_for(9, TradingMode::DryRun);
    inputs.critical_alerts_in_window = None;
    let report = evaluate(&inputs, &ReadinessConfig::default());
    let json = serde_json::to_value(&report).unwrap();

    let expected = json!({
        "evaluated_at": "2026-03-01T12:00:00Z",
        "mode": "dry-run",
        "overall_readiness": "GO",
        "live_rollout_readiness": "CONDITIONAL",
        "live_rollout_reasons": [
            {
                "code": "paper_streak_short",
                "criterion": "paper_streak",
                "severity": "CONDITIONAL",
                "message": "Paper trading streak (9 days) below minimum (14 days)"
            },
            {
                "code": "insufficient_weeks",
                "criterion": "weeks_counted",
                "severity": "CONDITIONAL",
                "message": "Paper trading weeks counted (1) below minimum (2)"
            },
            {
                "code": "input_missing",
                "criterion": "critical_alerts",
                "severity": "CONDITIONAL",
                "message": "CRITICAL alerts: not met: no data (alert history not available)"
            }
        ],
        "live_rollout_next_actions": [
            "Continue paper trading. Streak must reach 14 consecutive days.",
            "Continue paper trading. Must have 2+ weeks of data.",
            "Make sure the runtime records alerts in the store, then check readiness again."
        ],
        "components": {
            "account_rules": {"status": "ok", "detail": "no account rules configured"},
            "capital_preservation": {"status": "ok", "detail": "level NORMAL"},
            "critical_alerts": {"status": "unknown", "detail": "CRITICAL alerts: not met: no data (alert history not available)"},
            "daily_health_report": {"status": "ok", "detail": "latest 2026-03-01T06:00:00Z (6 h ago)"},
            "execution_realism": {"status": "ok", "detail": "average slippage 4.2 bps over the last 7 days vs 3.9 bps over the prior 7 days"},
            "heartbeat": {"status": "ok", "detail": "last heartbeat 0 min ago"},
            "kill_switch": {"status": "ok", "detail": "inactive"},
            "paper_streak": {"status": "warning", "detail": "Paper trading streak (9 days) below minimum (14 days)"},
            "shadow_health": {"status": "ok", "detail": "HEALTHY"},
            "symbol_allowlist": {"status": "ok", "detail": "checked in live mode only (mode dry-run)"},
            "turnover_block_rate": {"status": "ok", "detail": "42% (healthy band 5%–70%)"},
            "venue_clock": {"status": "ok", "detail": "no exchange venue in dry-run mode (simulated fills)"},
            "venue_trading": {"status": "ok", "detail": "no exchange venue in dry-run mode (simulated fills)"},
            "venue_withdrawals": {"status": "ok", "detail": "no exchange venue in dry-run mode (simulated fills)"},
            "weeks_counted": {"status": "warning", "detail": "Paper trading weeks counted (1) below minimum (2)"}
        }
    });
    assert_eq!(
        json,
        expected,
        "{}",
        serde_json::to_string_pretty(&json).unwrap()
    );
}

#[test]
fn top_level_keys_are_exactly_the_documented_ones() {
    let report = evaluate_with_venue(
        &paper_trading_for(30, TradingMode::Live),
        Some(&healthy_venue()),
        &ReadinessConfig::default(),
    );
    let json = serde_json::to_value(&report).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "components",
            "evaluated_at",
            "live_rollout_next_actions",
            "live_rollout_readiness",
            "live_rollout_reasons",
            "mode",
            "overall_readiness",
        ]
    );
    assert_eq!(json["live_rollout_readiness"], "GO");
    assert_eq!(json["live_rollout_reasons"], json!([]));
    assert_eq!(
        json["live_rollout_next_actions"],
        json!(["System ready for live rollout"])
    );
    assert_eq!(json["components"].as_object().unwrap().len(), 15);
}

#[test]
fn a_client_reads_the_served_json_and_gets_the_exit_code() {
    let served = r#"{
        "evaluated_at": "2026-03-01T12:00:00Z",
        "mode": "live",
        "overall_readiness": "NO_GO",
        "live_rollout_readiness": "NO_GO",
        "live_rollout_reasons": [
            {"code": "kill_switch_active", "criterion": "kill_switch", "severity": "NO_GO",
             "message": "Kill switch is active"},
            {"code": "some_future_code", "criterion": "some_future_criterion", "severity": "CONDITIONAL",
             "message": "added by a later version"}
        ],
        "live_rollout_next_actions": ["Investigate"],
        "components": {"kill_switch": {"status": "critical", "detail": "Kill switch is active"}},
        "a_later_key": true
    }"#;
    let doc: ReadinessDocument = serde_json::from_str(served).unwrap();
    assert_eq!(exit_code(doc.live_rollout_readiness), 2);
    assert_eq!(doc.live_rollout_reasons[1].code, "some_future_code");
}
