//! `/health/live` and `/health/readiness`: bodies and the status-code policy.

use axum::http::StatusCode;
use http_api::Metrics;

use crate::support::{
    FixedView, ReadinessAnswer, conditional_report, get, go_report, no_go_report, oneshot,
    spawn_app, young_dry_run_report,
};

const REPORT_KEYS: [&str; 7] = [
    "evaluated_at",
    "mode",
    "overall_readiness",
    "live_rollout_readiness",
    "live_rollout_reasons",
    "live_rollout_next_actions",
    "components",
];

#[tokio::test]
async fn live_answers_alive() {
    let app = spawn_app(FixedView::healthy()).await;
    let response = get(app.addr, "/health/live").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), serde_json::json!({"status": "alive"}));
    assert!(
        response
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json"))
    );
}

#[tokio::test]
async fn readiness_is_200_with_the_report_when_overall_is_go() {
    let app = spawn_app(FixedView::with_readiness(ReadinessAnswer::Report(
        go_report(),
    )))
    .await;
    let response = get(app.addr, "/health/readiness").await;
    assert_eq!(response.status, 200);
    let body = response.json();
    for key in REPORT_KEYS {
        assert!(body.get(key).is_some(), "{key} missing from {body}");
    }
    assert_eq!(body["overall_readiness"], "GO");
    assert_eq!(body["live_rollout_readiness"], "GO");
    assert_eq!(
        body["live_rollout_next_actions"],
        serde_json::json!(["System ready for live rollout"])
    );
    assert_eq!(body["components"]["kill_switch"]["status"], "ok");
    assert_eq!(body, serde_json::to_value(go_report()).expect("serialise"));
}

#[tokio::test]
async fn readiness_is_200_when_overall_is_go_even_if_live_rollout_is_conditional() {
    let app = spawn_app(FixedView::with_readiness(ReadinessAnswer::Report(
        young_dry_run_report(),
    )))
    .await;
    let response = get(app.addr, "/health/readiness").await;
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["overall_readiness"], "GO");
    assert_eq!(body["live_rollout_readiness"], "CONDITIONAL");
    assert_eq!(
        body["live_rollout_reasons"][0]["code"],
        "paper_streak_short"
    );
}

#[tokio::test]
async fn readiness_is_200_when_overall_is_conditional() {
    let app = spawn_app(FixedView::with_readiness(ReadinessAnswer::Report(
        conditional_report(),
    )))
    .await;
    let response = get(app.addr, "/health/readiness").await;
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["overall_readiness"], "CONDITIONAL");
    assert_eq!(body["live_rollout_reasons"][0]["code"], "heartbeat_stale");
    assert_eq!(body["components"]["heartbeat"]["status"], "warning");
}

#[tokio::test]
async fn readiness_is_503_with_the_report_when_overall_is_no_go() {
    let app = spawn_app(FixedView::with_readiness(ReadinessAnswer::Report(
        no_go_report(),
    )))
    .await;
    let response = get(app.addr, "/health/readiness").await;
    assert_eq!(response.status, 503);
    let body = response.json();
    for key in REPORT_KEYS {
        assert!(body.get(key).is_some(), "{key} missing from {body}");
    }
    assert_eq!(body["overall_readiness"], "NO_GO");
    assert_eq!(
        body["live_rollout_reasons"][0]["code"],
        "kill_switch_active"
    );
    assert_eq!(body["components"]["kill_switch"]["status"], "critical");
}

#[tokio::test]
async fn readiness_is_500_with_an_error_when_evaluation_fails() {
    let app = spawn_app(FixedView::with_readiness(ReadinessAnswer::Fails(
        "store unreachable: connection refused".to_string(),
    )))
    .await;
    let response = get(app.addr, "/health/readiness").await;
    assert_eq!(response.status, 500);
    assert_eq!(
        response.json(),
        serde_json::json!({"error": "store unreachable: connection refused"})
    );
}

#[tokio::test(start_paused = true)]
async fn readiness_is_500_when_evaluation_does_not_finish_in_time() {
    let (status, body) = oneshot(
        FixedView::with_readiness(ReadinessAnswer::Hangs),
        Metrics::local(),
        "GET",
        "/health/readiness",
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        body["error"],
        "readiness evaluation did not finish within 10 s"
    );
}
