//! The `result.json` format: field names, nulls, decimals as strings.

use rust_decimal_macros::dec;
use serde_json::Value;

use backtest_metrics::BacktestMetrics;

use crate::support::{at, builder, feed, trade};

const ISSUE_FIELDS: [&str; 16] = [
    "total_return",
    "cagr",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "win_rate",
    "profit_factor",
    "trades",
    "avg_trade",
    "exposure",
    "fees_paid",
    "tier_distribution",
    "rejections_by_reason",
    "blocks_by_reason",
    "level_transitions",
];

const EXTRA_FIELDS: [&str; 11] = [
    "open_trades",
    "winning_trades",
    "losing_trades",
    "gross_profit",
    "gross_loss",
    "initial_capital",
    "final_equity",
    "start",
    "end",
    "bars",
    "days",
];

#[test]
fn the_report_has_the_issue_fields_then_the_extras_in_order() {
    let text = serde_json::to_string(&builder(dec!(1000)).finish(0)).unwrap();
    let expected: Vec<&str> = ISSUE_FIELDS.iter().chain(&EXTRA_FIELDS).copied().collect();
    let positions: Vec<usize> = expected
        .iter()
        .map(|k| {
            text.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("missing {k}"))
        })
        .collect();
    assert!(positions.is_sorted(), "fields out of order: {text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json.as_object().unwrap().len(), expected.len());
}

#[test]
fn undefined_figures_serialise_as_null_and_decimals_as_strings() {
    let mut b = builder(dec!(1000));
    feed(&mut b, &[(at(0, 12, 0), dec!(1000), false)]);
    b.record_trade(&trade(dec!(12.50)));
    let json = serde_json::to_value(b.finish(0)).unwrap();
    for key in ["cagr", "sharpe", "sortino", "calmar", "profit_factor"] {
        assert_eq!(json[key], Value::Null, "{key}");
    }
    assert_eq!(json["total_return"], Value::from("0"));
    assert_eq!(json["win_rate"], Value::from("1"));
    assert_eq!(json["avg_trade"], Value::from("12.5"));
    assert_eq!(json["exposure"], Value::from("0"));
    assert_eq!(json["trades"], Value::from(1));
    assert_eq!(
        json["tier_distribution"],
        serde_json::json!({"low": 0, "medium": 0, "high": 0})
    );
    assert_eq!(json["start"], Value::from("2024-03-01T12:00:00Z"));
}

#[test]
fn ratios_are_json_numbers_and_the_report_round_trips() {
    let mut b = builder(dec!(100));
    feed(
        &mut b,
        &[
            (at(0, 23, 0), dec!(102), true),
            (at(1, 23, 0), dec!(100.98), true),
            (at(2, 23, 0), dec!(104.0094), true),
        ],
    );
    let m = b.finish(0);
    let json = serde_json::to_value(&m).unwrap();
    assert!(json["sharpe"].is_f64());
    assert!(json["cagr"].is_f64());
    let back: BacktestMetrics = serde_json::from_value(json).unwrap();
    assert_eq!(back, m);
}
