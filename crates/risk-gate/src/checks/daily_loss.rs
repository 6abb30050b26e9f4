//! Check 10: maximum daily loss. An entry is refused when the day's P&L
//! (realised and unrealised, from the portfolio) minus this trade's worst case
//! would fall below `-(day_start_equity x max_daily_loss)`. A day that has
//! already breached the limit therefore refuses every entry.

use domain::{PortfolioSnapshot, Ratio, RejectReason};

use crate::checks::loss_per_trade::{TradeRisk, share};

/// Fails when the day's loss including this trade's worst case would exceed the limit.
pub(crate) fn check(
    risk: &TradeRisk,
    portfolio: &PortfolioSnapshot,
    max_daily_loss: Ratio,
) -> Option<RejectReason> {
    let limit = share(portfolio.day_start_equity, max_daily_loss);
    let after = portfolio
        .daily_pnl
        .value()
        .saturating_sub(risk.worst_case_loss.value());
    (after < -limit.value()).then_some(RejectReason::MaxDailyLoss {
        daily_pnl: portfolio.daily_pnl,
        worst_case_loss: risk.worst_case_loss,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use domain::{Money, RejectReason};
    use rust_decimal_macros::dec;

    use crate::testing::*;

    #[test]
    fn rejects_when_daily_loss_would_be_exceeded() {
        // Down 495 on a 10,000 day; the trade can lose 6.50 more; limit 500.
        let mut s = Scenario::healthy();
        s.portfolio.daily_pnl = Money::new(dec!(-495));
        assert_eq!(
            only_reason(&s.evaluate(entry())),
            &RejectReason::MaxDailyLoss {
                daily_pnl: Money::new(dec!(-495)),
                worst_case_loss: Money::new(dec!(6.5)),
                limit: Money::new(dec!(500)),
            }
        );
    }

    #[test]
    fn rejects_every_entry_once_the_day_is_already_breached() {
        let mut s = Scenario::healthy();
        s.portfolio.daily_pnl = Money::new(dec!(-600));
        assert!(codes(&s.evaluate(entry())).contains(&"max_daily_loss"));
    }

    #[test]
    fn approves_when_the_worst_case_still_fits_the_day() {
        // -493.50 - 6.50 = -500: exactly at the limit is allowed.
        let mut s = Scenario::healthy();
        s.portfolio.daily_pnl = Money::new(dec!(-493.5));
        assert!(s.evaluate(entry()).is_approved());
    }

    #[test]
    fn exits_are_allowed_on_a_breached_day() {
        let mut s = Scenario::holding(dec!(0.02));
        s.portfolio.daily_pnl = Money::new(dec!(-900));
        assert!(s.evaluate(exit(dec!(0.02))).is_approved());
    }
}
