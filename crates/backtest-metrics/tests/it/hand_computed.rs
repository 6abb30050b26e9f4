//! Metrics checked against values computed by hand (in the comments).

use backtest_metrics::MetricsBuilder;
use domain::{BlockReason, PreservationLevel, Ratio, RejectReason, Tier};
use rust_decimal_macros::dec;

use crate::support::{approx, at, builder, feed, money, trade};

/// Five UTC days, initial capital 100, daily closes giving returns
/// +2%, -1%, +3%, 0%, -2%:
///
/// ```text
/// day   close        return
/// 0     102          102 / 100        - 1 = +0.02
/// 1     100.98       100.98 / 102     - 1 = -0.01
/// 2     104.0094     104.0094 / 100.98 - 1 = +0.03
/// 3     104.0094                          0
/// 4     101.929212   101.929212 / 104.0094 - 1 = -0.02
///
/// mean   = (0.02 - 0.01 + 0.03 + 0 - 0.02) / 5 = 0.004
/// deviations: 0.016, -0.014, 0.026, -0.004, -0.024
/// squares:    0.000256 + 0.000196 + 0.000676 + 0.000016 + 0.000576 = 0.00172
/// stdev  = sqrt(0.00172 / (5 - 1)) = sqrt(0.00043) = 0.0207364413533277...
/// sharpe = 0.004 / 0.0207364413533277 * sqrt(365)
///        = 0.192897128868165 * 19.1049731745428 = 3.68529447247261...
/// downside deviation = sqrt((0.01^2 + 0.02^2) / 5) = sqrt(0.0001) = 0.01
/// sortino = 0.004 / 0.01 * sqrt(365) = 0.4 * 19.1049731745428 = 7.64198926981712...
/// ```
///
/// Intraday bars before each close do not change the daily returns.
#[test]
fn sharpe_and_sortino_of_a_five_day_curve_match_the_hand_computation() {
    let mut b = builder(dec!(100));
    feed(
        &mut b,
        &[
            (at(0, 1, 0), dec!(100.5), true),
            (at(0, 23, 0), dec!(102), true),
            (at(1, 12, 0), dec!(103), true),
            (at(1, 23, 0), dec!(100.98), true),
            (at(2, 23, 0), dec!(104.0094), true),
            (at(3, 23, 0), dec!(104.0094), false),
            (at(4, 6, 0), dec!(101.5), true),
            (at(4, 23, 0), dec!(101.929212), true),
        ],
    );
    let m = b.finish(0);
    assert_eq!(m.days, 5);
    assert!(
        approx(m.sharpe, 3.685_294_472_472_61, 1e-9),
        "{:?}",
        m.sharpe
    );
    assert!(
        approx(m.sortino, 7.641_989_269_817_12, 1e-9),
        "{:?}",
        m.sortino
    );
    assert_eq!(m.total_return, Ratio::from_fraction(dec!(0.01929212)));
}

/// Peak 1200 at noon, 900 at 15:00 (a 25% drawdown), back to 1190 by the close.
/// On daily closes (1190, 1150) the drawdown would only be 40 / 1190 = 3.36%.
#[test]
fn max_drawdown_includes_an_intraday_dip_not_visible_at_the_close() {
    let mut b = builder(dec!(1000));
    feed(
        &mut b,
        &[
            (at(0, 12, 0), dec!(1200), true),
            (at(0, 15, 0), dec!(900), true),
            (at(0, 23, 0), dec!(1190), true),
            (at(1, 23, 0), dec!(1150), true),
        ],
    );
    assert_eq!(b.finish(0).max_drawdown, Ratio::from_fraction(dec!(0.25)));
}

/// Net P&L +30, -10, +20, 0, -20:
/// wins 2 (the 0 is not a win), losses 2, win rate 2/5 = 0.4,
/// gross profit 50, gross loss 30, profit factor 50/30 = 1.666...,
/// average trade (30 - 10 + 20 + 0 - 20) / 5 = 4.
#[test]
fn win_rate_profit_factor_and_average_trade_of_five_trades() {
    let mut b = builder(dec!(1000));
    for pnl in [dec!(30), dec!(-10), dec!(20), dec!(0), dec!(-20)] {
        b.record_trade(&trade(pnl));
    }
    let m = b.finish(1);
    assert_eq!(m.trades, 5);
    assert_eq!(m.open_trades, 1);
    assert_eq!((m.winning_trades, m.losing_trades), (2, 2));
    assert_eq!(m.win_rate, Some(Ratio::from_fraction(dec!(0.4))));
    assert_eq!(m.gross_profit, money(dec!(50)));
    assert_eq!(m.gross_loss, money(dec!(30)));
    assert_eq!(
        m.profit_factor.map(|p| p.round_dp(10)),
        Some(dec!(1.6666666667))
    );
    assert_eq!(m.avg_trade, Some(money(dec!(4))));
}

/// 8 bars, 3 of them with a position: exposure 3/8 = 0.375.
#[test]
fn exposure_is_the_share_of_bars_with_a_position() {
    let mut b = builder(dec!(1000));
    let in_market = [false, true, true, false, false, true, false, false];
    for (h, flag) in in_market.iter().enumerate() {
        b.observe_equity(at(0, h as u32, 0), money(dec!(1000)), *flag)
            .unwrap();
    }
    let m = b.finish(0);
    assert_eq!(m.bars, 8);
    assert_eq!(m.exposure, Some(Ratio::from_fraction(dec!(0.375))));
}

/// 10,000 -> 40,000 over exactly two 365.25-day years: total return 3 (300%),
/// CAGR 4^(1/2) - 1 = 1 (100% a year). A dip to 8,000 on the way is a 20%
/// drawdown, so Calmar = 1 / 0.2 = 5.
#[test]
fn total_return_cagr_and_calmar_over_two_years() {
    let mut b = builder(dec!(10000));
    let start = at(0, 0, 0);
    feed(
        &mut b,
        &[
            (start, dec!(10000), false),
            (at(10, 0, 0), dec!(8000), true),
            (start + chrono::Duration::hours(2 * 8766), dec!(40000), true),
        ],
    );
    let m = b.finish(0);
    assert_eq!(m.total_return, Ratio::from_fraction(dec!(3)));
    assert!(approx(m.cagr, 1.0, 1e-12), "{:?}", m.cagr);
    assert_eq!(m.max_drawdown, Ratio::from_fraction(dec!(0.2)));
    assert!(approx(m.calmar, 5.0, 1e-11), "{:?}", m.calmar);
}

#[test]
fn fees_add_up_over_every_fill() {
    let mut b = builder(dec!(1000));
    b.record_fee(money(dec!(1.5)));
    b.record_fee(money(dec!(2.25)));
    assert_eq!(b.finish(0).fees_paid, money(dec!(3.75)));
}

#[test]
fn tiers_reasons_and_transitions_are_counted_by_stable_code() {
    let mut b = builder(dec!(1000));
    for tier in [Tier::High, Tier::Low, Tier::High, Tier::Medium] {
        b.record_signal_tier(tier);
    }
    b.record_rejection(&RejectReason::MaxOpenPositions { open: 3, max: 3 });
    b.record_rejection(&RejectReason::CapitalPreservationVeto {
        level: PreservationLevel::Lockdown,
    });
    b.record_rejection(&RejectReason::MaxOpenPositions { open: 3, max: 3 });
    b.record_block(&BlockReason::DailyCap { count: 3, max: 3 });
    b.record_level_transition(PreservationLevel::Normal, PreservationLevel::Caution);
    b.record_level_transition(PreservationLevel::Caution, PreservationLevel::Normal);
    b.record_level_transition(PreservationLevel::Normal, PreservationLevel::Caution);
    let m = b.finish(0);
    assert_eq!(
        (
            m.tier_distribution.low,
            m.tier_distribution.medium,
            m.tier_distribution.high
        ),
        (1, 1, 2)
    );
    assert_eq!(m.rejections_by_reason.get("max_open_positions"), Some(&2));
    assert_eq!(
        m.rejections_by_reason.get("capital_preservation_veto"),
        Some(&1)
    );
    assert_eq!(m.blocks_by_reason.get("daily_cap"), Some(&1));
    assert_eq!(m.level_transitions.get("normal->caution"), Some(&2));
    assert_eq!(m.level_transitions.get("caution->normal"), Some(&1));
}

#[test]
fn finish_can_be_called_mid_run_for_a_progress_report() {
    let mut b: MetricsBuilder = builder(dec!(100));
    feed(&mut b, &[(at(0, 23, 0), dec!(110), true)]);
    assert_eq!(b.finish(1).total_return, Ratio::from_fraction(dec!(0.1)));
    feed(&mut b, &[(at(1, 23, 0), dec!(99), false)]);
    let m = b.finish(0);
    assert_eq!(m.days, 2);
    assert_eq!(m.total_return, Ratio::from_fraction(dec!(-0.01)));
    assert_eq!(m.max_drawdown, Ratio::from_fraction(dec!(0.1)));
}
