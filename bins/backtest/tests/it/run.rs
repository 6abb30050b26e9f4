//! A default run on the bundled data: artifacts, latest.json, the summary and --json.

use std::fs;

use serde_json::Value;

use crate::support::*;

const FEW_DAYS: [&str; 6] = [
    "--symbol",
    "BTC-USD",
    "--from",
    "2024-01-02",
    "--to",
    "2024-01-05",
];

#[test]
fn default_run_writes_every_artifact_and_latest_json() {
    let out = tempfile::tempdir().unwrap();
    let o = backtest_into(out.path(), &FEW_DAYS);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));

    let dirs = run_dirs(out.path());
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let dir = &dirs[0];
    let name = dir.file_name().unwrap().to_str().unwrap();
    assert!(name.ends_with("-BTC-USD-sma_cross"), "{name}");
    for f in [
        "result.json",
        "trades.csv",
        "equity.csv",
        "audit.jsonl",
        "equity.png",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing in {}", dir.display());
    }

    let result: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("result.json")).unwrap()).unwrap();
    let latest: Value = serde_json::from_str(
        &fs::read_to_string(out.path().join("reports/backtests/latest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(result, latest, "latest.json is the last run's result.json");
    assert_eq!(result["run_id"], name);
    assert_eq!(result["config"]["guardrails"], "on");
    assert_eq!(result["config"]["strategy"]["name"], "sma_cross");
    assert_eq!(result["config"]["data"]["kind"], "bundled");
    assert_eq!(
        result["config"]["data"]["path"],
        "bundled demo data (embedded)"
    );
    assert_eq!(
        result["config"]["files"],
        serde_json::json!([{"symbol": "BTC-USD", "path": "bundled:BTC-USD_1m.csv.gz"}])
    );
    // Three days of minutes, from 2024-01-02 (inclusive) to 2024-01-05 (exclusive).
    assert_eq!(result["metrics"]["bars"], 3 * 1440);
    assert_eq!(result["data"]["first_bar_open"], "2024-01-02T00:00:00Z");
    assert_eq!(result["data"]["last_bar_close"], "2024-01-05T00:00:00Z");
    for key in METRIC_KEYS {
        assert!(
            result["metrics"].get(key).is_some(),
            "metrics.{key} missing"
        );
    }

    let trades = fs::read_to_string(dir.join("trades.csv")).unwrap();
    let mut lines = trades.lines();
    assert_eq!(
        lines.next(),
        Some("symbol,side,entry_time,entry_price,exit_time,exit_price,qty,fees,pnl")
    );
    assert_eq!(
        lines.count() as u64,
        result["metrics"]["trades"].as_u64().unwrap()
    );

    let equity = fs::read_to_string(dir.join("equity.csv")).unwrap();
    assert_eq!(equity.lines().next(), Some("ts,equity,drawdown,in_market"));
    assert_eq!(equity.lines().count(), 1 + 3 * 1440);

    let audit = fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let events: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .all(|e| e["type"].is_string() && e["seq"].is_u64())
    );
    assert!(
        events.iter().any(|e| e["type"] == "signal_generated"),
        "the strategy produced signals"
    );

    let png = fs::read(dir.join("equity.png")).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");

    let text = stdout(&o);
    for row in [
        "total return",
        "max drawdown",
        "sharpe",
        "win rate",
        "fees paid",
    ] {
        assert!(text.contains(row), "summary lacks {row}: {text}");
    }
}

#[test]
fn json_prints_result_json_with_every_metric() {
    let out = tempfile::tempdir().unwrap();
    let mut args = FEW_DAYS.to_vec();
    args.extend(["--symbol", "ETH-USD", "--json", "--guardrails", "off"]);
    let o = backtest_into(out.path(), &args);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("stdout is result.json");
    for key in METRIC_KEYS {
        assert!(v["metrics"].get(key).is_some(), "metrics.{key} missing");
    }
    assert_eq!(
        v["config"]["symbols"],
        serde_json::json!(["BTC-USD", "ETH-USD"])
    );
    assert_eq!(v["config"]["guardrails"], "off");
    // One equity observation per timestamp, not per symbol.
    assert_eq!(v["metrics"]["bars"], 3 * 1440);
    assert_eq!(v["data"]["candles"]["ETH-USD"], 3 * 1440);
    let on_disk: Value = serde_json::from_str(
        &fs::read_to_string(
            std::path::Path::new(v["run_dir"].as_str().unwrap()).join("result.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(v, on_disk);
}
