//! [`MetricsBuilder`]: the streaming accumulator the backtest engine feeds.
//!
//! The engine calls, as the run goes:
//! - [`MetricsBuilder::observe_equity`] once per bar, after marking to market,
//!   with the portfolio's equity and whether any position is open;
//! - [`MetricsBuilder::record_trade`] for every `ClosedTrade` a fill produces and
//!   [`MetricsBuilder::record_fee`] for every fill's commission;
//! - the counters: [`MetricsBuilder::record_signal_tier`],
//!   [`MetricsBuilder::record_rejection`], [`MetricsBuilder::record_block`],
//!   [`MetricsBuilder::record_level_transition`];
//!
//! and [`MetricsBuilder::finish`] at the end (or at any time, for a progress report).
//!
//! Memory is constant per bar: the equity curve is not stored. Drawdown is
//! tracked per bar, returns are folded into daily buckets as they stream, and
//! trades and counters are running sums (see the modules for each part).

use chrono::Duration;
use domain::{
    BlockReason, ClosedTrade, Money, PreservationLevel, Ratio, RejectReason, Tier, Timestamp,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::counters::{CodeCounts, LevelTransitions, TierDistribution};
use crate::daily_returns::DailyReturns;
use crate::drawdown::DrawdownTracker;
use crate::error::MetricsError;
use crate::metrics::BacktestMetrics;
use crate::trade_stats::{TradeStats, fraction};

/// Days in the year used by `cagr` (calendar time, leap years averaged).
pub const DAYS_PER_CALENDAR_YEAR: f64 = 365.25;

/// Streaming accumulator of a backtest's metrics.
#[derive(Debug, Clone)]
pub struct MetricsBuilder {
    initial_capital: Money,
    first_ts: Option<Timestamp>,
    last_ts: Option<Timestamp>,
    last_equity: Money,
    bars: u64,
    bars_in_market: u64,
    drawdown: DrawdownTracker,
    daily: DailyReturns,
    trades: TradeStats,
    fees: Money,
    tiers: TierDistribution,
    rejections: CodeCounts,
    blocks: CodeCounts,
    transitions: LevelTransitions,
}

impl MetricsBuilder {
    /// An empty accumulator for a run starting with `initial_capital` (must be > 0).
    ///
    /// The initial capital is the first peak of the drawdown and the base of the
    /// first day's return, so it is needed before the first bar.
    pub fn new(initial_capital: Money) -> Result<Self, MetricsError> {
        if initial_capital.value() <= Decimal::ZERO {
            return Err(MetricsError::NonPositiveInitialCapital(initial_capital));
        }
        Ok(Self {
            initial_capital,
            first_ts: None,
            last_ts: None,
            last_equity: initial_capital,
            bars: 0,
            bars_in_market: 0,
            drawdown: DrawdownTracker::new(initial_capital.value()),
            daily: DailyReturns::new(initial_capital.value()),
            trades: TradeStats::default(),
            fees: Money::ZERO,
            tiers: TierDistribution::default(),
            rejections: CodeCounts::default(),
            blocks: CodeCounts::default(),
            transitions: LevelTransitions::default(),
        })
    }

    /// Records the equity at `ts` (one call per bar, after marking to market);
    /// `in_market` says whether any position was open on that bar.
    ///
    /// `ts` is the instant the equity is valued at (e.g. the candle's close time)
    /// and decides the UTC day it belongs to: an observation at exactly 00:00 UTC
    /// belongs to the day that starts then, as in the portfolio's daily P&L.
    /// Timestamps must not decrease (equal ones are allowed and each counts as a
    /// bar); an earlier one is refused and not counted.
    pub fn observe_equity(
        &mut self,
        ts: Timestamp,
        equity: Money,
        in_market: bool,
    ) -> Result<(), MetricsError> {
        if let Some(previous) = self.last_ts
            && ts < previous
        {
            return Err(MetricsError::TimeWentBackwards { previous, ts });
        }
        if self.first_ts.is_none() {
            self.first_ts = Some(ts);
        }
        self.last_ts = Some(ts);
        self.last_equity = equity;
        self.bars += 1;
        if in_market {
            self.bars_in_market += 1;
        }
        self.drawdown.observe(equity.value());
        self.daily.observe(ts.date_naive(), equity.value());
        Ok(())
    }

    /// Records a closed trade (or the closed part of a position).
    pub fn record_trade(&mut self, trade: &ClosedTrade) {
        self.trades.record(trade);
    }

    /// Adds one fill's commission to `fees_paid` (entry and exit fills alike).
    pub fn record_fee(&mut self, fee: Money) {
        self.fees += fee;
    }

    /// Counts a signal a strategy produced, by tier.
    pub fn record_signal_tier(&mut self, tier: Tier) {
        self.tiers.add(tier);
    }

    /// Counts one reason of a trade-gate rejection (call once per reason).
    pub fn record_rejection(&mut self, reason: &RejectReason) {
        self.rejections.add_rejection(reason);
    }

    /// Counts one reason of a turnover-governor block (call once per reason).
    pub fn record_block(&mut self, reason: &BlockReason) {
        self.blocks.add_block(reason);
    }

    /// Counts a capital-preservation level transition.
    pub fn record_level_transition(&mut self, from: PreservationLevel, to: PreservationLevel) {
        self.transitions.add(from, to);
    }

    /// Equity observations so far.
    pub fn bars(&self) -> u64 {
        self.bars
    }

    /// The metrics so far; `open_trades` is the number of positions still open.
    ///
    /// Does not consume the builder, so it can also produce progress reports.
    pub fn finish(&self, open_trades: usize) -> BacktestMetrics {
        let final_equity = self.last_equity;
        let total_return = fraction(final_equity.value(), self.initial_capital.value())
            .map_or(Decimal::MAX, |growth| growth - Decimal::ONE); // None only on overflow
        let max_drawdown = self.drawdown.max_drawdown().normalize();
        let cagr = self.cagr();
        let calmar = match (cagr, max_drawdown.to_f64()) {
            (Some(c), Some(dd)) if dd > 0.0 => Some(c / dd).filter(|v| v.is_finite()),
            _ => None,
        };
        let returns = self.daily.summary();
        BacktestMetrics {
            total_return: Ratio::from_fraction(total_return.normalize()),
            cagr,
            sharpe: returns.sharpe,
            sortino: returns.sortino,
            max_drawdown: Ratio::from_fraction(max_drawdown),
            calmar,
            win_rate: self.trades.win_rate(),
            profit_factor: self.trades.profit_factor(),
            trades: self.trades.trades(),
            avg_trade: self.trades.avg_trade(),
            exposure: fraction(Decimal::from(self.bars_in_market), Decimal::from(self.bars))
                .map(Ratio::from_fraction),
            fees_paid: Money::new(self.fees.value().normalize()),
            tier_distribution: self.tiers,
            rejections_by_reason: self.rejections.to_map(),
            blocks_by_reason: self.blocks.to_map(),
            level_transitions: self.transitions.to_map(),
            open_trades: u64::try_from(open_trades).unwrap_or(u64::MAX),
            winning_trades: self.trades.wins(),
            losing_trades: self.trades.losses(),
            gross_profit: normalized(self.trades.gross_profit()),
            gross_loss: normalized(self.trades.gross_loss()),
            initial_capital: self.initial_capital,
            final_equity,
            start: self.first_ts,
            end: self.last_ts,
            bars: self.bars,
            days: returns.days,
        }
    }

    /// `(final / initial)^(1 / years) - 1` over the observed span.
    fn cagr(&self) -> Option<f64> {
        let (start, end) = (self.first_ts?, self.last_ts?);
        let elapsed = end - start;
        if elapsed < Duration::days(1) {
            return None;
        }
        let years = elapsed.num_milliseconds() as f64 / (DAYS_PER_CALENDAR_YEAR * 86_400_000.0);
        let growth = fraction(self.last_equity.value(), self.initial_capital.value())?;
        if growth < Decimal::ZERO {
            return None;
        }
        let cagr = growth.to_f64()?.powf(years.recip()) - 1.0;
        cagr.is_finite().then_some(cagr)
    }
}

fn normalized(m: Money) -> Money {
    Money::new(m.value().normalize())
}
