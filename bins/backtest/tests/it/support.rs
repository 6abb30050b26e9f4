//! Running the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where `../shared` is (the `RAMPART_SHARED` variable, else beside the repository).
pub fn shared() -> PathBuf {
    std::env::var("RAMPART_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
}

/// Runs `backtest args...` with no RAMPART__ overrides leaking in from the environment.
pub fn backtest(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_backtest"));
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("RAMPART__") {
            cmd.env_remove(k);
        }
    }
    cmd.output().expect("the backtest binary runs")
}

/// `backtest args... --out dir`.
pub fn backtest_into(out: &Path, args: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    let out = out.to_str().expect("temp dirs are UTF-8");
    all.extend(["--out", out]);
    backtest(&all)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

/// The run directories under `<out>/storage/backtests` (including staging ones).
pub fn run_dirs(out: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(out.join("storage/backtests")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The metric keys `result.json` must have (issue 6).
pub const METRIC_KEYS: [&str; 17] = [
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
    "final_equity",
];
