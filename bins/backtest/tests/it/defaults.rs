//! Issue 16's first two scenarios with every default: the README backtest trades and still shows
//! its guardrails working, and eight years of real BTC hourly candles trade year after year.

use std::collections::BTreeSet;

use crate::support::{backtest_into, code, shared, stdout};

fn result(out: &std::path::Path) -> serde_json::Value {
    let latest = out.join("reports/backtests/latest.json");
    serde_json::from_slice(&std::fs::read(latest).unwrap()).unwrap()
}

#[test]
fn the_readme_backtest_trades_and_shows_blocks_vetoes_and_the_final_level() {
    let dir = tempfile::tempdir().unwrap();
    let o = backtest_into(dir.path(), &["--symbol", "BTC-USD"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let r = result(dir.path());
    let trades = r["metrics"]["trades"].as_u64().unwrap();
    assert!(trades >= 10, "the README backtest makes {trades} trades");
    assert!(r["decisions"]["blocked_signals"].as_u64().unwrap() > 0);
    assert!(r["decisions"]["rejected_signals"].as_u64().unwrap() > 0);
    let cp = &r["capital_preservation"];
    assert!(cp["final_level"].is_string(), "{cp}");
    let seconds: i64 = cp["time_in_level"]
        .as_object()
        .unwrap()
        .values()
        .map(|t| t["seconds"].as_i64().unwrap())
        .sum();
    assert!(
        seconds > 29 * 86_400,
        "time in levels covers the run: {seconds} s"
    );
    let text = stdout(&o);
    assert!(text.contains("capital preservation  final "), "{text}");
}

#[test]
fn eight_years_of_btc_hourly_candles_trade_in_at_least_six_of_the_years_2018_to_2025() {
    let data = shared().join("data/binance-BTCUSDT-1h.csv");
    if !data.is_file() {
        eprintln!("skipped: {} is not here", data.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let o = backtest_into(
        dir.path(),
        &["--symbol", "BTC-USD", "--data", data.to_str().unwrap()],
    );
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let run_dir = result(dir.path())["run_dir"].as_str().unwrap().to_string();
    let trades =
        std::fs::read_to_string(std::path::Path::new(&run_dir).join("trades.csv")).unwrap();
    let years: BTreeSet<&str> = trades
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(2))
        .map(|t| &t[..4])
        .filter(|y| ("2018"..="2025").contains(y))
        .collect();
    assert!(years.len() >= 6, "trading years: {years:?}");
}
