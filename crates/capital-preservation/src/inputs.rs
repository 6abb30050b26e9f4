//! The figures of one capital-preservation update, taken from the portfolio after
//! marking to market (pipeline step 1). Time arrives as `now`; nothing here reads a clock.

use domain::{Money, PortfolioSnapshot, Ratio, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What the state machine looks at on each update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreservationInputs {
    /// Drawdown from peak equity, as a positive fraction (`0.05` = 5%).
    pub drawdown: Ratio,
    /// Today's P&L as a fraction of day-start equity (negative = loss).
    pub daily_pnl: Ratio,
    /// Consecutive losing round trips.
    pub consecutive_losses: u32,
    /// Equity now (reported in transitions).
    pub equity: Money,
    /// The time of the update.
    pub now: Timestamp,
}

impl PreservationInputs {
    /// Inputs from a portfolio snapshot.
    ///
    /// When day-start equity is not positive the daily P&L ratio is meaningless;
    /// a loss then counts as a total loss (`-100%`) so it can only escalate.
    pub fn from_snapshot(snapshot: &PortfolioSnapshot, now: Timestamp) -> Self {
        let daily_pnl = if snapshot.day_start_equity.value() > Decimal::ZERO {
            snapshot
                .daily_pnl
                .ratio_of(snapshot.day_start_equity)
                .unwrap_or(Ratio::ZERO)
        } else if snapshot.daily_pnl.is_negative() {
            Ratio::from_fraction(Decimal::NEGATIVE_ONE)
        } else {
            Ratio::ZERO
        };
        Self {
            drawdown: snapshot.drawdown,
            daily_pnl,
            consecutive_losses: snapshot.consecutive_losses,
            equity: snapshot.equity,
            now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::t0;
    use rust_decimal_macros::dec;

    fn snapshot(day_start: Decimal, daily: Decimal) -> PortfolioSnapshot {
        PortfolioSnapshot {
            cash: Money::new(dec!(0)),
            equity: Money::new(day_start + daily),
            peak_equity: Money::new(dec!(10000)),
            drawdown: Ratio::from_pct(dec!(4)),
            realized_pnl: Money::ZERO,
            unrealized_pnl: Money::ZERO,
            daily_pnl: Money::new(daily),
            day_start_equity: Money::new(day_start),
            open_positions: 0,
            consecutive_losses: 2,
            last_loss_at: None,
        }
    }

    #[test]
    fn daily_pnl_is_a_fraction_of_day_start_equity() {
        let i = PreservationInputs::from_snapshot(&snapshot(dec!(10000), dec!(-300)), t0());
        assert_eq!(i.daily_pnl, Ratio::from_pct(dec!(-3)));
        assert_eq!(i.drawdown, Ratio::from_pct(dec!(4)));
        assert_eq!(i.consecutive_losses, 2);
        assert_eq!(i.equity, Money::new(dec!(9700)));
    }

    #[test]
    fn a_loss_on_a_non_positive_day_start_counts_as_total_loss() {
        let i = PreservationInputs::from_snapshot(&snapshot(dec!(0), dec!(-5)), t0());
        assert_eq!(i.daily_pnl, Ratio::from_fraction(dec!(-1)));
        let j = PreservationInputs::from_snapshot(&snapshot(dec!(-10), dec!(5)), t0());
        assert_eq!(j.daily_pnl, Ratio::ZERO);
    }
}
