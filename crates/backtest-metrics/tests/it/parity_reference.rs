//! The metrics of a real 5,000-bar equity curve against an independent Python
//! implementation of the same definitions.
//!
//! `parity/reference_btcusdt_1h.json` (written by `parity/sma_cross_reference.py`,
//! see docs/metrics.md "Parity with backtesting.py") holds the trades of a
//! long-only SMA cross on Binance BTC/USDT 1h and, under `rampart_metrics`, the
//! metrics of docs/metrics.md computed in Python on that run's bar-level equity
//! curve. This test rebuilds the same curve from the candles and the trades,
//! feeds it to `MetricsBuilder`, and compares every figure.
//!
//! The candles are `$RAMPART_SHARED/data/binance-BTCUSDT-1h.csv` (or
//! `../../../shared` relative to this crate); when absent, the test says so and passes.

use std::path::PathBuf;

use backtest_metrics::{BacktestMetrics, MetricsBuilder};
use chrono::{DateTime, Duration, Utc};
use domain::{ClosedTrade, Money, PositionSide, Price, Qty, Symbol, Timestamp};
use rust_decimal::Decimal;
use serde_json::Value;

fn shared_dir() -> PathBuf {
    std::env::var("RAMPART_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
}

fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/parity/reference_btcusdt_1h.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

fn ts(v: &Value) -> Timestamp {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// (open time, open, close) of the first `rows` candles, or `None` when the file is absent.
fn candles(rows: usize) -> Option<Vec<(Timestamp, Decimal, Decimal)>> {
    let path = shared_dir().join("data/binance-BTCUSDT-1h.csv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipping: {} not found (set RAMPART_SHARED)",
            path.display()
        );
        return None;
    };
    let parsed = text
        .lines()
        .skip(1)
        .take(rows)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let open_time = DateTime::parse_from_rfc3339(f[0])
                .unwrap()
                .with_timezone(&Utc);
            (open_time, f[1].parse().unwrap(), f[4].parse().unwrap())
        })
        .collect();
    Some(parsed)
}

/// Replays the reference trades on the candles, as the backtest engine would feed
/// the accumulator: fills at a bar's open, then the mark at its close.
fn replay(reference: &Value, bars: &[(Timestamp, Decimal, Decimal)]) -> BacktestMetrics {
    let cash0 = dec(&reference["settings"]["cash"]);
    let commission = dec(&reference["settings"]["commission"]);
    let trades = reference["exact_replay"]["trades"].as_array().unwrap();
    let mut b = MetricsBuilder::new(Money::new(cash0)).unwrap();
    let mut cash = cash0;
    let mut next = trades.iter().peekable();
    // (qty, entry price, entry fee, opened at) of the open position.
    let mut position: Option<(Decimal, Decimal, Decimal, Timestamp)> = None;
    for &(open_time, open, close) in bars {
        if let Some(t) = next.peek() {
            if position.is_none() && ts(&t["entry_time"]) == open_time {
                let (qty, price) = (dec(&t["size"]), dec(&t["entry_price"]));
                assert_eq!(price, open, "entries fill at the bar's open");
                let fee = qty * price * commission;
                cash -= qty * price + fee;
                b.record_fee(Money::new(fee));
                position = Some((qty, price, fee, open_time));
            } else if let Some((qty, entry, entry_fee, opened_at)) = position
                && ts(&t["exit_time"]) == open_time
            {
                let price = dec(&t["exit_price"]);
                assert_eq!(price, open, "exits fill at the bar's open");
                let fee = qty * price * commission;
                cash += qty * price - fee;
                b.record_fee(Money::new(fee));
                let net = qty * (price - entry) - entry_fee - fee;
                assert_eq!(net, dec(&t["pnl"]));
                b.record_trade(&ClosedTrade {
                    symbol: Symbol::new("BTC-USDT").unwrap(),
                    side: PositionSide::Long,
                    qty: Qty::new(qty).unwrap(),
                    entry_price: Price::new(entry).unwrap(),
                    exit_price: Price::new(price).unwrap(),
                    net_pnl: Money::new(net),
                    opened_at,
                    closed_at: open_time,
                });
                position = None;
                next.next();
            }
        }
        let held = position.map_or(Decimal::ZERO, |p| p.0 * close);
        b.observe_equity(
            open_time + Duration::hours(1),
            Money::new(cash + held),
            position.is_some(),
        )
        .unwrap();
    }
    assert!(next.peek().is_none(), "every reference trade was replayed");
    b.finish(usize::from(position.is_some()))
}

#[test]
fn metrics_of_the_reference_run_match_the_independent_python_computation() {
    let reference = reference();
    let rows = usize::try_from(reference["window"]["rows"].as_u64().unwrap()).unwrap();
    let Some(bars) = candles(rows) else { return };
    let m = replay(&reference, &bars);
    let want = &reference["rampart_metrics"];

    // Exact sums and counts.
    assert_eq!(m.final_equity.value(), dec(&want["final_equity"]));
    assert_eq!(m.total_return.fraction(), dec(&want["total_return"]));
    assert_eq!(m.fees_paid.value(), dec(&want["fees_paid"]));
    assert_eq!(m.exposure.unwrap().fraction(), dec(&want["exposure"]));
    assert_eq!(m.trades, want["trades"].as_u64().unwrap());
    assert_eq!(m.open_trades, want["open_trades"].as_u64().unwrap());
    assert_eq!(m.winning_trades, want["winning_trades"].as_u64().unwrap());
    assert_eq!(m.losing_trades, want["losing_trades"].as_u64().unwrap());
    assert_eq!(m.bars, want["bars"].as_u64().unwrap());
    assert_eq!(m.days, want["days"].as_u64().unwrap());

    // Quotients: the reference rounds to 18 decimal places.
    let close_dec = |got: Decimal, key: &str| {
        let diff = (got - dec(&want[key])).abs();
        assert!(diff < Decimal::new(1, 15), "{key}: {got} vs {}", want[key]);
    };
    close_dec(m.max_drawdown.fraction(), "max_drawdown");
    close_dec(m.win_rate.unwrap().fraction(), "win_rate");
    close_dec(m.profit_factor.unwrap(), "profit_factor");
    close_dec(m.avg_trade.unwrap().value(), "avg_trade");

    // Statistics in f64.
    for (key, got) in [
        ("cagr", m.cagr),
        ("sharpe", m.sharpe),
        ("sortino", m.sortino),
        ("calmar", m.calmar),
    ] {
        let want = want[key].as_f64().unwrap();
        let got = got.unwrap();
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{key}: {got} vs {want}"
        );
    }
}
