//! Performance metrics of a backtest: the figures `result.json` reports
//! (returns, Sharpe and Sortino, drawdown, trade statistics, exposure, fees) and
//! the counters of what the guardrails did (tiers, rejections, blocks, level
//! transitions).
//!
//! The engine feeds a [`MetricsBuilder`] as the run streams (one equity
//! observation per bar, every closed trade and fee, every counted event) and
//! calls [`MetricsBuilder::finish`] for a [`BacktestMetrics`]. Memory stays
//! constant however many bars the run has: the equity curve is never stored.
//! The crate is pure: no I/O, no clock.
//!
//! Map:
//! - [`builder`] — [`MetricsBuilder`], the streaming accumulator
//! - [`metrics`] — [`BacktestMetrics`], the serialisable result
//! - [`daily_returns`] — [`DailyReturns`]: end-of-UTC-day closes, Sharpe, Sortino
//! - [`drawdown`] — [`DrawdownTracker`]: max drawdown on the bar-level curve
//! - [`trade_stats`] — [`TradeStats`]: win rate, profit factor, average trade
//! - [`counters`] — [`TierDistribution`], [`CodeCounts`], [`LevelTransitions`]
//! - [`error`] — [`MetricsError`]
//!
//! Every definition, with its edge cases: `docs/metrics.md`.

pub mod builder;
pub mod counters;
pub mod daily_returns;
pub mod drawdown;
pub mod error;
pub mod metrics;
pub mod trade_stats;

pub use builder::MetricsBuilder;
pub use counters::{CodeCounts, LevelTransitions, TierDistribution};
pub use daily_returns::{DailyReturns, ReturnSummary};
pub use drawdown::DrawdownTracker;
pub use error::MetricsError;
pub use metrics::BacktestMetrics;
pub use trade_stats::TradeStats;

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod test_support;
