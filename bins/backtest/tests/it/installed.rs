//! A copied or installed `backtest` binary, away from the source tree, still has the
//! bundled demo data: it is embedded, not looked up in the source tree's `fixtures/`.

use std::fs;
use std::process::Command;

use serde_json::Value;

use crate::support::*;

#[test]
fn a_copied_binary_backtests_the_embedded_demo_data_from_any_directory() {
    let place = tempfile::tempdir().unwrap();
    let binary = place.path().join("backtest");
    fs::copy(env!("CARGO_BIN_EXE_backtest"), &binary).unwrap();
    let out = place.path().join("out");

    let mut cmd = Command::new(&binary);
    cmd.args(["--symbol", "BTC-USD", "--out"])
        .arg(&out)
        .current_dir(place.path());
    for (k, _) in std::env::vars() {
        if k.starts_with("RAMPART__") {
            cmd.env_remove(k);
        }
    }
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert!(stdout(&o).contains("(43200 bars)"), "{}", stdout(&o));

    let dirs = run_dirs(&out);
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let text = fs::read_to_string(dirs[0].join("result.json")).unwrap();
    let result: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(result["data"]["candles"]["BTC-USD"], 43_200);
    assert_eq!(
        result["config"]["files"][0]["path"],
        "bundled:BTC-USD_1m.csv.gz"
    );
    let source_tree = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let source_tree = fs::canonicalize(source_tree).unwrap();
    assert!(
        !text.contains(source_tree.to_str().unwrap()),
        "result.json names the source tree"
    );
}
