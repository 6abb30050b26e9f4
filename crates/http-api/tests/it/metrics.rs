//! `/metrics`: names, labels, values, HELP lines, the latency histogram, and the
//! recorder's isolation and installation.

use std::collections::BTreeMap;

use domain::{BlockReason, PreservationLevel, RejectReason, Tier};
use http_api::{Decision, ExtraGauge, Metrics, MetricsSnapshot, record_order_latency};

use crate::support::{FixedView, assert_sample, get, sample, spawn_app};

fn busy_snapshot() -> MetricsSnapshot {
    MetricsSnapshot {
        events_total: 1234,
        signals_total: BTreeMap::from([(Tier::High, 5), (Tier::Medium, 7)]),
        decisions_total: BTreeMap::from([
            (Decision::Approved, 4),
            (
                Decision::rejected(&RejectReason::MaxOpenPositions { open: 3, max: 3 }),
                2,
            ),
            (
                Decision::turnover_blocked(&BlockReason::DailyCap { count: 6, max: 6 }),
                3,
            ),
        ]),
        equity: 10250.5,
        drawdown_ratio: 0.125,
        capital_preservation_level: PreservationLevel::Defensive,
        kill_switch_active: true,
        turnover_block_rate: Some(0.25),
        heartbeat_age_seconds: Some(42.0),
        extra_gauges: vec![ExtraGauge {
            name: "rampart_ftmo_daily_loss_utilisation_ratio".to_string(),
            help: "Share of the FTMO daily loss limit used.".to_string(),
            labels: vec![("account".to_string(), "ftmo-1".to_string())],
            value: 0.5,
        }],
    }
}

#[tokio::test]
async fn metrics_exports_every_metric_with_help_labels_and_values() {
    let mut view = FixedView::healthy();
    view.snapshot = busy_snapshot();
    let app = spawn_app(view).await;
    app.metrics.in_scope(|| record_order_latency(0.03));
    let response = get(app.addr, "/metrics").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = &response.body;

    assert_sample(text, "rampart_events_total", 1234.0);
    assert_sample(text, r#"rampart_signals_total{tier="high"}"#, 5.0);
    assert_sample(text, r#"rampart_signals_total{tier="medium"}"#, 7.0);
    assert_sample(text, r#"rampart_signals_total{tier="low"}"#, 0.0);
    assert_sample(
        text,
        r#"rampart_decisions_total{outcome="approved",reason="none"}"#,
        4.0,
    );
    assert_sample(
        text,
        r#"rampart_decisions_total{outcome="rejected",reason="max_open_positions"}"#,
        2.0,
    );
    assert_sample(
        text,
        r#"rampart_decisions_total{outcome="turnover_blocked",reason="daily_cap"}"#,
        3.0,
    );
    assert_sample(text, "rampart_equity", 10250.5);
    assert_sample(text, "rampart_drawdown_ratio", 0.125);
    assert_sample(text, "rampart_capital_preservation_level", 2.0);
    assert_sample(text, "rampart_kill_switch_active", 1.0);
    assert_sample(text, "rampart_turnover_block_rate", 0.25);
    assert_sample(text, "rampart_heartbeat_age_seconds", 42.0);
    assert_sample(
        text,
        r#"rampart_ftmo_daily_loss_utilisation_ratio{account="ftmo-1"}"#,
        0.5,
    );
    assert_sample(
        text,
        r#"rampart_order_latency_seconds_bucket{le="0.025"}"#,
        0.0,
    );
    assert_sample(
        text,
        r#"rampart_order_latency_seconds_bucket{le="0.05"}"#,
        1.0,
    );

    for (name, kind) in [
        ("rampart_events_total", "counter"),
        ("rampart_signals_total", "counter"),
        ("rampart_decisions_total", "counter"),
        ("rampart_order_latency_seconds", "histogram"),
        ("rampart_equity", "gauge"),
        ("rampart_drawdown_ratio", "gauge"),
        ("rampart_capital_preservation_level", "gauge"),
        ("rampart_kill_switch_active", "gauge"),
        ("rampart_turnover_block_rate", "gauge"),
        ("rampart_heartbeat_age_seconds", "gauge"),
        ("rampart_ftmo_daily_loss_utilisation_ratio", "gauge"),
    ] {
        assert!(
            text.contains(&format!("# TYPE {name} {kind}\n")),
            "no TYPE {kind} for {name}\n{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("# HELP {name} ")) && l.len() > name.len() + 8),
            "no HELP for {name}\n{text}"
        );
    }
    assert!(text.contains("# HELP rampart_ftmo_daily_loss_utilisation_ratio Share of the FTMO daily loss limit used.\n"));
    assert!(text.contains("# HELP rampart_capital_preservation_level Capital-preservation level: 0 NORMAL, 1 CAUTION, 2 DEFENSIVE, 3 LOCKDOWN, 4 CRISIS.\n"));
}

#[test]
fn latency_histogram_buckets_count_recorded_orders() {
    let metrics = Metrics::local();
    metrics.in_scope(|| {
        record_order_latency(0.001); // on a boundary: counts in le="0.001"
        record_order_latency(0.004);
        record_order_latency(0.2);
        record_order_latency(20.0); // beyond the last bucket: only +Inf
        record_order_latency(-1.0); // ignored
        record_order_latency(f64::NAN); // ignored
    });
    let text = metrics.render(&MetricsSnapshot::default());
    let bucket = |le: &str| format!("rampart_order_latency_seconds_bucket{{le=\"{le}\"}}");
    for (le, count) in [
        ("0.001", 1.0),
        ("0.0025", 1.0),
        ("0.005", 2.0),
        ("0.1", 2.0),
        ("0.25", 3.0),
        ("1", 3.0),
        ("10", 3.0),
        ("+Inf", 4.0),
    ] {
        assert_sample(&text, &bucket(le), count);
    }
    assert_sample(&text, "rampart_order_latency_seconds_count", 4.0);
    assert_sample(&text, "rampart_order_latency_seconds_sum", 20.205);
    let buckets = text
        .lines()
        .filter(|l| l.starts_with("rampart_order_latency_seconds_bucket"))
        .count();
    assert_eq!(buckets, http_api::LATENCY_BUCKETS.len() + 1, "{text}");
}

#[test]
fn latency_histogram_is_exported_with_zero_counts_before_any_order() {
    let text = Metrics::local().render(&MetricsSnapshot::default());
    assert_sample(
        &text,
        r#"rampart_order_latency_seconds_bucket{le="0.001"}"#,
        0.0,
    );
    assert_sample(&text, "rampart_order_latency_seconds_count", 0.0);
}

#[test]
fn local_recorders_do_not_see_each_other() {
    let (a, b) = (Metrics::local(), Metrics::local());
    a.in_scope(|| record_order_latency(0.5));
    let snapshot = MetricsSnapshot {
        events_total: 7,
        ..MetricsSnapshot::default()
    };
    let a_text = a.render(&snapshot);
    let b_text = b.render(&MetricsSnapshot::default());
    assert_sample(&a_text, "rampart_order_latency_seconds_count", 1.0);
    assert_sample(&b_text, "rampart_order_latency_seconds_count", 0.0);
    assert_sample(&a_text, "rampart_events_total", 7.0);
    assert_sample(&b_text, "rampart_events_total", 0.0);
}

#[test]
fn counters_show_the_runtimes_latest_cumulative_total() {
    let metrics = Metrics::local();
    let mut snapshot = MetricsSnapshot {
        events_total: 10,
        ..MetricsSnapshot::default()
    };
    metrics.render(&snapshot);
    snapshot.events_total = 25;
    snapshot.decisions_total.insert(
        Decision::Rejected {
            reason: "max_daily_loss",
        },
        1,
    );
    let text = metrics.render(&snapshot);
    assert_sample(&text, "rampart_events_total", 25.0);
    assert_sample(
        &text,
        r#"rampart_decisions_total{outcome="rejected",reason="max_daily_loss"}"#,
        1.0,
    );
    assert_sample(
        &text,
        r#"rampart_decisions_total{outcome="approved",reason="none"}"#,
        0.0,
    );
}

#[test]
fn gauges_the_snapshot_stops_setting_disappear() {
    let metrics = Metrics::local();
    let known = busy_snapshot();
    let text = metrics.render(&known);
    assert_sample(&text, "rampart_turnover_block_rate", 0.25);
    assert!(text.contains("rampart_ftmo_daily_loss_utilisation_ratio{"));

    let unknown = MetricsSnapshot {
        turnover_block_rate: None,
        heartbeat_age_seconds: None,
        extra_gauges: Vec::new(),
        ..known
    };
    let text = metrics.render(&unknown);
    assert!(!text.contains("rampart_turnover_block_rate"), "{text}");
    assert!(!text.contains("rampart_heartbeat_age_seconds"), "{text}");
    assert!(
        !text.contains("rampart_ftmo_daily_loss_utilisation_ratio"),
        "{text}"
    );
    assert_sample(&text, "rampart_equity", 10250.5);
    assert_sample(&text, "rampart_events_total", 1234.0);

    // Absent from the very first scrape too.
    let fresh = Metrics::local().render(&MetricsSnapshot::default());
    assert!(!fresh.contains("rampart_turnover_block_rate"), "{fresh}");
    assert_sample(&fresh, "rampart_kill_switch_active", 0.0);
    assert_sample(&fresh, "rampart_capital_preservation_level", 0.0);
}

#[test]
fn non_finite_values_and_extra_gauges_reusing_a_builtin_name_are_left_out() {
    let snapshot = MetricsSnapshot {
        equity: f64::NAN,
        drawdown_ratio: f64::INFINITY,
        extra_gauges: vec![
            ExtraGauge {
                name: "rampart_kill_switch_active".to_string(),
                help: "impostor".to_string(),
                labels: Vec::new(),
                value: 7.0,
            },
            ExtraGauge {
                name: "rampart_binance_clock_offset_seconds".to_string(),
                help: "Clock offset to Binance.".to_string(),
                labels: Vec::new(),
                value: f64::NEG_INFINITY,
            },
        ],
        ..MetricsSnapshot::default()
    };
    let text = Metrics::local().render(&snapshot);
    assert_eq!(sample(&text, "rampart_equity"), None, "{text}");
    assert_eq!(sample(&text, "rampart_drawdown_ratio"), None, "{text}");
    assert!(!text.contains("binance"), "{text}");
    assert!(!text.contains("impostor"), "{text}");
    assert_sample(&text, "rampart_kill_switch_active", 0.0);
    assert!(!text.to_lowercase().contains("inf "), "{text}");
}

#[test]
fn install_twice_returns_the_same_global_recorder() {
    let first = Metrics::install().expect("no other recorder in this test binary");
    let second = Metrics::install().expect("a second install returns the same handle");
    let before = sample(
        &first.render(&MetricsSnapshot::default()),
        "rampart_order_latency_seconds_count",
    )
    .expect("histogram exported");
    record_order_latency(0.01); // no local scope: goes to the global recorder
    for metrics in [&first, &second] {
        let text = metrics.render(&MetricsSnapshot::default());
        assert_sample(&text, "rampart_order_latency_seconds_count", before + 1.0);
    }
}
