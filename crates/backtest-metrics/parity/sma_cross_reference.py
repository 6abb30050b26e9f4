#!/usr/bin/env python3
"""Reference run of a long-only SMA cross in backtesting.py, for parity with Rampart.

An independent backtester (backtesting.py, PyPI `backtesting`) runs the same
strategy Rampart's `sma_cross` implements, on the same candles, with the same
costs; Rampart's backtest output is later compared with the JSON this prints.
See docs/metrics.md, section "Parity with backtesting.py", for the command, the
window and the results.

Strategy (long-only, fast=10, slow=30 by default):
  - cross up of SMA(fast) over SMA(slow) on a bar's close -> buy all-in,
  - cross down -> close the long (a cross down while flat does nothing),
  - market orders fill at the NEXT bar's open (trade_on_close=False),
  - commission 0.1% of notional on every fill (entry and exit), no spread.

Sizing: backtesting.py only trades whole units; with $10,000 and BTC at $4,000+
that is 2 BTC at most, nowhere near all-in. `backtesting.lib.FractionalBacktest`
scales prices by `fractional_unit` (default 1e-8, one satoshi) so that one
backtesting.py "unit" is one satoshi, then scales the trades back. An all-in buy
(default `size` = 1 - epsilon of available equity) then gets
    qty = floor(cash / (open * (1 + commission)) / unit) * unit
i.e. all the cash minus room for the entry commission, rounded DOWN to whole
satoshis (less than one satoshi's worth of cash left idle).

Crosses: backtesting.py's `crossover(a, b)` is `a[-2] < b[-2] and a[-1] > b[-1]`
on float SMAs (pandas rolling mean). Rampart's cross is a change of sign of
`fast - slow` relative to the last NON-ZERO sign, computed exactly in Decimal;
a bar where the two SMAs are exactly equal is no signal. The two agree except
around exact ties (a tie bar between two opposite signs is a cross for Rampart
but not for `crossover`, and float noise can turn an exact tie into either
sign). This script therefore also computes the exact SMAs with
`decimal.Decimal`, counts the tie bars, and lists every bar where the exact
crosses and backtesting.py's crosses differ. It also replays the trades with
exact Decimal arithmetic (same fills, same sizing rule) so that a Decimal
implementation can be compared to the cent, and computes Rampart's metrics
(docs/metrics.md) on that replay's bar-level equity curve (`rampart_metrics`).

Usage (from the repository root):
  python3 crates/backtest-metrics/parity/sma_cross_reference.py \
      --csv ../shared/data/binance-BTCUSDT-1h.csv --rows 5000 \
      > crates/backtest-metrics/parity/reference_btcusdt_1h.json
Options select the window (--rows N = first N rows, or --from/--to as RFC3339
candle open times, inclusive), the SMA lengths, cash, commission, unit and bar
length (for the close times of the metrics' equity curve).
Requires: pip install backtesting (tested with backtesting 0.6.6, pandas 3.1, numpy 2.4).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import sys
import warnings
from decimal import ROUND_FLOOR, Decimal, getcontext
from importlib.metadata import version

import pandas as pd
from backtesting import Strategy
from backtesting.lib import FractionalBacktest, crossover

# Exact arithmetic: sums of up to `slow` prices with a few decimals, times small
# integers, never come close to 60 significant digits.
getcontext().prec = 60


def read_window(path: str, rows: int | None, start: str | None, end: str | None):
    """The selected candles as a list of dicts of exact decimal strings."""
    out = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        expected = ["ts", "open", "high", "low", "close", "volume"]
        if reader.fieldnames != expected:
            sys.exit(f"{path}: header must be {','.join(expected)}, got {reader.fieldnames}")
        for row in reader:
            ts = row["ts"]
            if start is not None and ts < start:
                continue
            if end is not None and ts > end:
                break
            out.append(row)
            if rows is not None and len(out) >= rows:
                break
    if not out:
        sys.exit("the selected window is empty")
    return out


def exact_crosses(closes: list[Decimal], fast: int, slow: int):
    """Rampart's definition, exactly: per bar +1 (cross up), -1 (cross down) or 0.

    Also returns the number of warm bars where the exact SMAs are equal.
    """
    signals = [0] * len(closes)
    ties = 0
    last_sign = 0
    for i in range(slow - 1, len(closes)):
        fast_sum = sum(closes[i - fast + 1 : i + 1], Decimal(0))
        slow_sum = sum(closes[i - slow + 1 : i + 1], Decimal(0))
        # sign(fast_sum / fast - slow_sum / slow) without division
        diff = fast_sum * slow - slow_sum * fast
        sign = (diff > 0) - (diff < 0)
        if sign == 0:
            ties += 1
            continue
        if last_sign != 0 and sign != last_sign:
            signals[i] = sign
        last_sign = sign
    return signals, ties


def sma(values, n):
    return pd.Series(values).rolling(n).mean()


class LongOnlySmaCross(Strategy):
    fast = 10
    slow = 30

    def init(self):
        self.sma_fast = self.I(sma, self.data.Close, self.fast)
        self.sma_slow = self.I(sma, self.data.Close, self.slow)
        self.seen = {}  # bar index -> +1 / -1, crosses as backtesting.py sees them

    def next(self):
        i = len(self.data) - 1
        if crossover(self.sma_fast, self.sma_slow):
            self.seen[i] = 1
            if not self.position:
                self.buy()  # default size: all available equity, whole units
        elif crossover(self.sma_slow, self.sma_fast):
            self.seen[i] = -1
            self.position.close()


def exact_replay(rows, signals, cash: Decimal, commission: Decimal, unit: Decimal, bar: pd.Timedelta):
    """The same strategy and sizing rule in exact Decimal arithmetic, bar by bar.

    On each bar: first the order decided on the previous bar's close fills at
    this bar's open, then the position is marked at this bar's close. Returns the
    closed trades, the open trade (if any), the final equity, and the bar-level
    equity curve as (close time, equity, in_market) for `rampart_metrics`.
    """
    trades = []
    curve = []
    fees = Decimal(0)
    position = None  # (qty, entry_price, entry_fee, entry_ts)
    for j, row in enumerate(rows):
        sig = signals[j - 1] if j > 0 else 0
        price = Decimal(row["open"])
        if sig > 0 and position is None:
            qty = (cash / (price * (1 + commission)) / unit).to_integral_value(ROUND_FLOOR) * unit
            if qty > 0:
                fee = qty * price * commission
                fees += fee
                cash -= qty * price + fee
                position = (qty, price, fee, row["ts"])
        elif sig < 0 and position is not None:
            qty, entry, entry_fee, entry_ts = position
            fee = qty * price * commission
            fees += fee
            cash += qty * price - fee
            trades.append(
                {
                    "entry_time": entry_ts,
                    "entry_price": str(entry),
                    "exit_time": row["ts"],
                    "exit_price": str(price),
                    "size": str(qty.normalize()),
                    "pnl": str(qty * (price - entry) - entry_fee - fee),
                    "commission": str(entry_fee + fee),
                }
            )
            position = None
        close = Decimal(row["close"])
        equity = cash + (position[0] * close if position else Decimal(0))
        close_time = pd.Timestamp(row["ts"]) + bar
        curve.append((close_time, equity, position is not None))
    open_trade = None
    if position:
        qty, entry, entry_fee, entry_ts = position
        last_close = Decimal(rows[-1]["close"])
        open_trade = {
            "entry_time": entry_ts,
            "entry_price": str(entry),
            "size": str(qty.normalize()),
            "unrealized_pnl_at_last_close": str(qty * (last_close - entry) - entry_fee),
        }
    return trades, open_trade, curve, fees


def ratio_str(x: Decimal) -> str:
    """A quotient rounded to 18 decimal places (exact values stay exact)."""
    return str(x.quantize(Decimal(1).scaleb(-18)).normalize())


def rampart_metrics(initial: Decimal, curve, trades, open_trades: int, fees: Decimal):
    """Rampart's metric definitions (docs/metrics.md), computed independently here.

    `curve` holds one (timestamp, equity, in_market) per bar; the timestamp is the
    bar's close time, the instant its equity is known.
    """
    final = curve[-1][1] if curve else initial
    # Max drawdown on every bar, peak starting at the initial capital.
    peak, max_dd = initial, Decimal(0)
    for _, equity, _ in curve:
        peak = max(peak, equity)
        max_dd = max(max_dd, (peak - equity) / peak)
    # Daily returns of the last equity of each UTC day, from the initial capital on.
    closes = {}
    for ts, equity, _ in curve:
        closes[ts.date()] = equity
    returns, base = [], initial
    for equity in closes.values():
        returns.append(float(equity / base - 1))
        base = equity
    n = len(returns)
    sharpe = sortino = None
    if n >= 2:
        mean = sum(returns) / n
        sd = math.sqrt(sum((r - mean) ** 2 for r in returns) / (n - 1))
        downside = math.sqrt(sum(min(r, 0.0) ** 2 for r in returns) / n)
        sharpe = mean / sd * math.sqrt(365) if sd > 0 else None
        sortino = mean / downside * math.sqrt(365) if downside > 0 else None
    cagr = None
    if curve:
        elapsed = (curve[-1][0] - curve[0][0]).total_seconds()
        growth = final / initial
        if elapsed >= 86400 and growth >= 0:
            cagr = float(growth) ** (1 / (elapsed / (365.25 * 86400))) - 1
    pnls = [Decimal(t["pnl"]) for t in trades]
    gross_profit = sum((p for p in pnls if p > 0), Decimal(0))
    gross_loss = -sum((p for p in pnls if p < 0), Decimal(0))
    return {
        "total_return": str((final / initial - 1).normalize()),
        "cagr": cagr,
        "sharpe": sharpe,
        "sortino": sortino,
        "max_drawdown": ratio_str(max_dd),
        "calmar": cagr / float(max_dd) if cagr is not None and max_dd > 0 else None,
        "win_rate": ratio_str(Decimal(sum(p > 0 for p in pnls)) / len(pnls)) if pnls else None,
        "profit_factor": ratio_str(gross_profit / gross_loss) if gross_loss > 0 else None,
        "trades": len(pnls),
        "avg_trade": ratio_str(sum(pnls, Decimal(0)) / len(pnls)) if pnls else None,
        "exposure": ratio_str(Decimal(sum(x[2] for x in curve)) / len(curve)) if curve else None,
        "fees_paid": str(fees.normalize()),
        "open_trades": open_trades,
        "winning_trades": sum(p > 0 for p in pnls),
        "losing_trades": sum(p < 0 for p in pnls),
        "final_equity": str(final),
        "bars": len(curve),
        "days": n,
    }


def sha256_of(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def iso(ts) -> str:
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--csv", required=True, help="candles with header ts,open,high,low,close,volume")
    p.add_argument("--rows", type=int, help="keep the first N rows of the (from/to-filtered) file")
    p.add_argument("--from", dest="start", help="first candle open time to keep (RFC3339, inclusive)")
    p.add_argument("--to", dest="end", help="last candle open time to keep (RFC3339, inclusive)")
    p.add_argument("--fast", type=int, default=10)
    p.add_argument("--slow", type=int, default=30)
    p.add_argument("--cash", default="10000")
    p.add_argument("--commission", default="0.001", help="fraction of notional per fill")
    p.add_argument("--fractional-unit", default="0.00000001", help="smallest tradable quantity")
    p.add_argument("--bar-minutes", type=int, default=60, help="bar length: close time = ts + this")
    args = p.parse_args()
    if not 1 <= args.fast < args.slow:
        sys.exit("need 1 <= fast < slow")

    rows = read_window(args.csv, args.rows, args.start, args.end)
    closes = [Decimal(r["close"]) for r in rows]
    signals, ties = exact_crosses(closes, args.fast, args.slow)

    index = pd.DatetimeIndex([pd.Timestamp(r["ts"]) for r in rows])
    data = pd.DataFrame(
        {
            "Open": [float(r["open"]) for r in rows],
            "High": [float(r["high"]) for r in rows],
            "Low": [float(r["low"]) for r in rows],
            "Close": [float(r["close"]) for r in rows],
            "Volume": [float(r["volume"]) for r in rows],
        },
        index=index,
    )

    cash = Decimal(args.cash)
    commission = Decimal(args.commission)
    unit = Decimal(args.fractional_unit)
    bt = FractionalBacktest(
        data,
        LongOnlySmaCross,
        cash=float(cash),
        commission=float(commission),
        spread=0.0,
        margin=1.0,
        trade_on_close=False,
        hedging=False,
        exclusive_orders=True,
        finalize_trades=False,
        fractional_unit=float(unit),
    )
    with warnings.catch_warnings():
        # "Some trades remain open at the end of backtest": expected, reported below.
        warnings.simplefilter("ignore")
        stats = bt.run(fast=args.fast, slow=args.slow)

    strategy = stats["_strategy"]
    seen = strategy.seen
    exact = {i: s for i, s in enumerate(signals) if s != 0}
    disagreements = [
        {"bar": i, "ts": rows[i]["ts"], "exact": exact.get(i, 0), "backtesting_py": seen.get(i, 0)}
        for i in sorted(set(seen) | set(exact))
        if seen.get(i, 0) != exact.get(i, 0)
    ]

    trades = [
        {
            "entry_time": iso(t.EntryTime),
            "entry_price": float(t.EntryPrice),
            "exit_time": iso(t.ExitTime),
            "exit_price": float(t.ExitPrice),
            "size": float(t.Size),
            "size_units": round(float(t.Size) / float(unit)),
            "pnl": float(t.PnL),
            "commission": float(t.Commission),
        }
        for t in stats["_trades"].itertuples()
    ]
    # `size` is in BTC (float, scaled back); `size_units` is the exact number of
    # fractional units backtesting.py traded.
    # FractionalBacktest scales the closed trades back but not the open ones:
    # the open position is read from the broker in scaled units.
    broker_trades = strategy._broker.trades
    open_trades = [
        {
            "entry_time": iso(index[t.entry_bar]),
            "entry_price": float(t.entry_price) / float(unit),
            "size": t.size * float(unit),
            "size_units": int(t.size),
        }
        for t in broker_trades
    ]
    final_equity = float(stats["Equity Final [$]"])

    replay_trades, replay_open, curve, fees = exact_replay(
        rows, signals, cash, commission, unit, pd.Timedelta(minutes=args.bar_minutes)
    )
    replay_equity = curve[-1][1]
    metrics = rampart_metrics(cash, curve, replay_trades, 1 if replay_open else 0, fees)
    max_pnl_diff = max((abs(float(a["pnl"]) - b["pnl"]) for a, b in zip(replay_trades, trades)), default=0.0)

    out = {
        "tool": {
            "backtesting": version("backtesting"),
            "pandas": version("pandas"),
            "numpy": version("numpy"),
        },
        "settings": {
            "csv": args.csv,
            "csv_sha256": sha256_of(args.csv),
            "strategy": "long-only sma_cross",
            "fast": args.fast,
            "slow": args.slow,
            "cash": str(cash),
            "commission": str(commission),
            "spread": "0",
            "trade_on_close": False,
            "exclusive_orders": True,
            "finalize_trades": False,
            "fractional_unit": str(unit),
            "sizing": "all-in: floor(cash / (open * (1 + commission)) / unit) * unit",
        },
        "window": {
            "rows": len(rows),
            "first_ts": rows[0]["ts"],
            "last_ts": rows[-1]["ts"],
            "last_close": rows[-1]["close"],
        },
        "crosses": {
            "exact_tie_bars": ties,
            "exact_cross_bars": len(exact),
            "backtesting_py_cross_bars": len(seen),
            "disagreements": disagreements,
        },
        "backtesting_py": {
            "trades": trades,
            "closed_trades": len(trades),
            "open_trades": open_trades,
            "final_equity": final_equity,
            "return_pct": float(stats["Return [%]"]),
            "max_drawdown_pct": float(stats["Max. Drawdown [%]"]),
            "win_rate_pct": None if math.isnan(stats["Win Rate [%]"]) else float(stats["Win Rate [%]"]),
            "exposure_pct": float(stats["Exposure Time [%]"]),
            "commissions": float(stats["Commissions [$]"]),
        },
        "exact_replay": {
            "trades": replay_trades,
            "closed_trades": len(replay_trades),
            "open_trade": replay_open,
            "final_equity": str(replay_equity),
            "max_abs_pnl_diff_vs_backtesting_py": max_pnl_diff,
            "final_equity_diff_vs_backtesting_py": float(replay_equity) - final_equity,
            "max_drawdown_diff_vs_backtesting_py": float(metrics["max_drawdown"])
            + float(stats["Max. Drawdown [%]"]) / 100,
        },
        "rampart_metrics": metrics,
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
