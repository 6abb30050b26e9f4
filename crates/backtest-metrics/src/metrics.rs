//! The performance figures of one backtest, as written to `result.json`.
//!
//! Field names are part of the report format (dashboards and the readiness
//! baseline key on them): renaming one is a breaking change. Money and returns
//! are `Decimal` (serialised as strings); statistical ratios that need square
//! roots or fractional powers (`cagr`, `sharpe`, `sortino`, `calmar`) are `f64`.
//! A figure that is undefined for the run (no trades, flat equity, a period too
//! short to annualise, a non-finite value) is `None`, serialised as `null`,
//! never as `0`, `NaN` or infinity. Every definition: `docs/metrics.md`.

use std::collections::BTreeMap;

use domain::{Money, Ratio, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::counters::TierDistribution;

/// The metrics of a backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestMetrics {
    /// `final_equity / initial_capital - 1`.
    pub total_return: Ratio,
    /// Compound annual growth rate over `start..end` (365.25-day years); `None`
    /// when that span is under one day, final equity is negative or the value is not finite.
    pub cagr: Option<f64>,
    /// Annualised Sharpe ratio of daily returns (risk-free rate 0, `sqrt(365)`).
    pub sharpe: Option<f64>,
    /// Annualised Sortino ratio of daily returns (target 0, `sqrt(365)`).
    pub sortino: Option<f64>,
    /// Largest `(peak - equity) / peak` over every observed bar.
    pub max_drawdown: Ratio,
    /// `cagr / max_drawdown`; `None` without drawdown or without `cagr`.
    pub calmar: Option<f64>,
    /// Winning closed trades / closed trades; `None` without closed trades.
    pub win_rate: Option<Ratio>,
    /// Gross profit / gross loss of closed trades; `None` when no trade lost money.
    pub profit_factor: Option<Decimal>,
    /// Number of closed trades.
    pub trades: u64,
    /// Mean net P&L per closed trade; `None` without closed trades.
    pub avg_trade: Option<Money>,
    /// Fraction of observed bars with a position; `None` without observations.
    pub exposure: Option<Ratio>,
    /// Total commissions paid (every fill, open positions included).
    pub fees_paid: Money,
    /// Signals produced per tier.
    pub tier_distribution: TierDistribution,
    /// Trade-gate rejections per reason code (one rejection may carry several reasons).
    pub rejections_by_reason: BTreeMap<String, u64>,
    /// Turnover-governor blocks per reason code.
    pub blocks_by_reason: BTreeMap<String, u64>,
    /// Capital-preservation level transitions per `"<from>-><to>"` pair.
    pub level_transitions: BTreeMap<String, u64>,
    /// Positions still open at the end (not counted in `trades`).
    pub open_trades: u64,
    /// Closed trades with net P&L > 0.
    pub winning_trades: u64,
    /// Closed trades with net P&L < 0.
    pub losing_trades: u64,
    /// Sum of the net P&L of winning trades.
    pub gross_profit: Money,
    /// Sum of the absolute net P&L of losing trades (positive).
    pub gross_loss: Money,
    /// Starting capital.
    pub initial_capital: Money,
    /// Last observed equity (the initial capital when nothing was observed).
    pub final_equity: Money,
    /// First equity observation, if any.
    pub start: Option<Timestamp>,
    /// Last equity observation, if any.
    pub end: Option<Timestamp>,
    /// Equity observations (bars).
    pub bars: u64,
    /// Daily returns behind `sharpe` and `sortino` (UTC days with an observation).
    pub days: u64,
}
