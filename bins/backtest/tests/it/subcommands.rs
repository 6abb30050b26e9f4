//! `bench` and `gen-data`.

use serde_json::Value;

use crate::support::*;

#[test]
fn bench_prints_one_json_line_with_the_throughput() {
    let o = backtest(&["bench", "--bars", "3000", "--symbols", "2"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 1, "{text}");
    let v: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(v["bars"], 3000);
    assert_eq!(v["symbols"], 2);
    for key in [
        "seconds",
        "bars_per_sec",
        "strategy_only_bars_per_sec",
        "peak_rss_mb",
    ] {
        assert!(v[key].as_f64().is_some_and(|x| x > 0.0), "{key}: {text}");
    }
}

#[test]
fn gen_data_writes_the_demo_files_that_a_backtest_reads() {
    let dir = tempfile::tempdir().unwrap();
    let o = backtest(&["gen-data", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    for name in ["BTC-USD_1m.csv.gz", "ETH-USD_1m.csv.gz"] {
        assert!(dir.path().join(name).is_file(), "{name}");
    }
    let out = tempfile::tempdir().unwrap();
    let o = backtest_into(
        out.path(),
        &[
            "--data",
            dir.path().to_str().unwrap(),
            "--symbol",
            "ETH-USD",
            "--to",
            "2024-01-02",
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["metrics"]["bars"], 1440);
}
