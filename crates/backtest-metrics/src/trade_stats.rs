//! Statistics of closed trades: count, wins, losses, gross profit and loss.
//!
//! Every [`ClosedTrade`] the portfolio reports is one trade, so a position
//! closed in two fills counts twice (each part is a round trip of its own
//! quantity). A trade wins when its net P&L (after entry and exit commissions)
//! is strictly positive and loses when it is strictly negative; a trade at
//! exactly zero is neither, and counts in the denominator of the win rate.

use domain::{ClosedTrade, Money, Ratio};
use rust_decimal::Decimal;

/// Running sums over closed trades.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TradeStats {
    trades: u64,
    wins: u64,
    losses: u64,
    gross_profit: Decimal,
    gross_loss: Decimal,
    net: Decimal,
}

impl TradeStats {
    /// Adds one closed trade.
    pub fn record(&mut self, trade: &ClosedTrade) {
        let pnl = trade.net_pnl.value();
        self.trades += 1;
        self.net += pnl;
        if pnl > Decimal::ZERO {
            self.wins += 1;
            self.gross_profit += pnl;
        } else if pnl < Decimal::ZERO {
            self.losses += 1;
            self.gross_loss -= pnl;
        }
    }

    /// Number of closed trades.
    pub fn trades(&self) -> u64 {
        self.trades
    }

    /// Trades with net P&L > 0.
    pub fn wins(&self) -> u64 {
        self.wins
    }

    /// Trades with net P&L < 0.
    pub fn losses(&self) -> u64 {
        self.losses
    }

    /// Sum of the net P&L of winning trades.
    pub fn gross_profit(&self) -> Money {
        Money::new(self.gross_profit)
    }

    /// Sum of the absolute net P&L of losing trades (a positive amount).
    pub fn gross_loss(&self) -> Money {
        Money::new(self.gross_loss)
    }

    /// Sum of the net P&L of all closed trades.
    pub fn net_pnl(&self) -> Money {
        Money::new(self.net)
    }

    /// `wins / trades`; `None` without trades.
    pub fn win_rate(&self) -> Option<Ratio> {
        fraction(Decimal::from(self.wins), Decimal::from(self.trades)).map(Ratio::from_fraction)
    }

    /// `gross profit / gross loss`; `None` when no trade lost money.
    pub fn profit_factor(&self) -> Option<Decimal> {
        fraction(self.gross_profit, self.gross_loss)
    }

    /// Mean net P&L per closed trade; `None` without trades.
    pub fn avg_trade(&self) -> Option<Money> {
        fraction(self.net, Decimal::from(self.trades)).map(Money::new)
    }
}

/// `num / den` normalised, or `None` when `den` is zero or the quotient overflows.
pub(crate) fn fraction(num: Decimal, den: Decimal) -> Option<Decimal> {
    if den.is_zero() {
        return None;
    }
    num.checked_div(den).map(|q| q.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::trade;
    use rust_decimal_macros::dec;

    #[test]
    fn a_break_even_trade_is_neither_a_win_nor_a_loss_but_counts() {
        let mut s = TradeStats::default();
        for pnl in [dec!(10), dec!(0), dec!(-5), dec!(0)] {
            s.record(&trade(pnl));
        }
        assert_eq!((s.trades(), s.wins(), s.losses()), (4, 1, 1));
        assert_eq!(s.win_rate(), Some(Ratio::from_fraction(dec!(0.25))));
        assert_eq!(s.profit_factor(), Some(dec!(2)));
        assert_eq!(s.avg_trade(), Some(Money::new(dec!(1.25))));
    }

    #[test]
    fn no_losses_means_no_profit_factor() {
        let mut s = TradeStats::default();
        s.record(&trade(dec!(3)));
        assert_eq!(s.profit_factor(), None);
        assert_eq!(s.win_rate(), Some(Ratio::ONE));
    }

    #[test]
    fn no_trades_means_no_rates() {
        let s = TradeStats::default();
        assert_eq!(s.win_rate(), None);
        assert_eq!(s.avg_trade(), None);
        assert_eq!(s.profit_factor(), None);
    }
}
