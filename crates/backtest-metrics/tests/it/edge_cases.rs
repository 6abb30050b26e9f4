//! Edge cases: nothing observed, flat equity, one day, gaps, bad input.

use backtest_metrics::{MetricsBuilder, MetricsError};
use domain::Ratio;
use rust_decimal_macros::dec;

use crate::support::{approx, at, builder, feed, money};

#[test]
fn a_run_without_observations_or_trades_reports_no_ratios() {
    let m = builder(dec!(1000)).finish(0);
    assert_eq!(m.total_return, Ratio::ZERO);
    assert_eq!(m.final_equity, money(dec!(1000)));
    assert_eq!(m.max_drawdown, Ratio::ZERO);
    assert_eq!((m.bars, m.days, m.trades), (0, 0, 0));
    assert_eq!((m.start, m.end), (None, None));
    assert_eq!(
        (m.cagr, m.sharpe, m.sortino, m.calmar),
        (None, None, None, None)
    );
    assert_eq!(
        (m.win_rate, m.profit_factor, m.avg_trade),
        (None, None, None)
    );
    assert_eq!(m.exposure, None);
}

/// Flat equity: every daily return is 0, the standard deviation is 0, and
/// Sharpe and Sortino are undefined (null), not 0. CAGR is 0 and Calmar is
/// undefined (no drawdown).
#[test]
fn flat_equity_has_no_sharpe_or_sortino() {
    let mut b = builder(dec!(1000));
    for day in 0..10 {
        b.observe_equity(at(day, 12, 0), money(dec!(1000)), false)
            .unwrap();
    }
    let m = b.finish(0);
    assert_eq!(m.days, 10);
    assert_eq!((m.sharpe, m.sortino, m.calmar), (None, None, None));
    assert!(approx(m.cagr, 0.0, 0.0));
    assert_eq!(m.exposure, Some(Ratio::ZERO));
}

/// One day is one return: no standard deviation, no Sharpe; under a day of
/// elapsed time, no CAGR either.
#[test]
fn a_single_day_has_no_sharpe_and_no_cagr() {
    let mut b = builder(dec!(1000));
    feed(
        &mut b,
        &[
            (at(0, 0, 0), dec!(1000), false),
            (at(0, 12, 0), dec!(1100), true),
            (at(0, 23, 0), dec!(1050), true),
        ],
    );
    let m = b.finish(0);
    assert_eq!(m.days, 1);
    assert_eq!(
        (m.sharpe, m.sortino, m.cagr, m.calmar),
        (None, None, None, None)
    );
    assert_eq!(m.total_return, Ratio::from_fraction(dec!(0.05)));
}

/// Returns of +1% and +2%: no losing day, so no downside deviation and no
/// Sortino, while Sharpe is defined.
#[test]
fn only_winning_days_have_a_sharpe_but_no_sortino() {
    let mut b = builder(dec!(100));
    feed(
        &mut b,
        &[
            (at(0, 23, 0), dec!(101), true),
            (at(1, 23, 0), dec!(103.02), true),
        ],
    );
    let m = b.finish(0);
    assert!(m.sharpe.is_some());
    assert_eq!(m.sortino, None);
}

/// Observations on day 0 and day 3 only: two daily returns, the second one
/// spanning the gap (no made-up flat days in between).
#[test]
fn a_gap_of_days_gives_one_return_spanning_it() {
    let mut b = builder(dec!(100));
    feed(
        &mut b,
        &[
            (at(0, 23, 0), dec!(110), true),
            (at(3, 23, 0), dec!(99), true),
        ],
    );
    assert_eq!(b.finish(0).days, 2);
}

/// An observation at exactly 00:00 UTC opens the new day, like the
/// portfolio's daily P&L with the default day boundary.
#[test]
fn an_observation_at_midnight_belongs_to_the_new_day() {
    let mut b = builder(dec!(100));
    feed(
        &mut b,
        &[
            (at(0, 23, 0), dec!(100), true),
            (at(1, 0, 0), dec!(105), true),
        ],
    );
    assert_eq!(b.finish(0).days, 2);
}

#[test]
fn equal_timestamps_each_count_as_a_bar() {
    let mut b = builder(dec!(100));
    feed(
        &mut b,
        &[
            (at(0, 1, 0), dec!(100), true),
            (at(0, 1, 0), dec!(101), false),
        ],
    );
    let m = b.finish(0);
    assert_eq!(m.bars, 2);
    assert_eq!(m.final_equity, money(dec!(101)));
}

#[test]
fn an_observation_earlier_than_the_previous_one_is_refused_and_not_counted() {
    let mut b = builder(dec!(100));
    b.observe_equity(at(1, 0, 0), money(dec!(100)), false)
        .unwrap();
    let err = b
        .observe_equity(at(0, 23, 0), money(dec!(50)), true)
        .unwrap_err();
    assert_eq!(
        err,
        MetricsError::TimeWentBackwards {
            previous: at(1, 0, 0),
            ts: at(0, 23, 0)
        }
    );
    let m = b.finish(0);
    assert_eq!(m.bars, 1);
    assert_eq!(m.max_drawdown, Ratio::ZERO);
}

#[test]
fn initial_capital_must_be_positive() {
    assert_eq!(
        MetricsBuilder::new(money(dec!(0))).unwrap_err(),
        MetricsError::NonPositiveInitialCapital(money(dec!(0)))
    );
    assert!(MetricsBuilder::new(money(dec!(-5))).is_err());
}

/// Equity below zero (possible with shorts or leverage): drawdown exceeds 1,
/// CAGR is undefined, and once a day closes at or below zero the next day's
/// return is undefined, so Sharpe and Sortino are too.
#[test]
fn negative_equity_is_reported_truthfully() {
    let mut b = builder(dec!(100));
    feed(
        &mut b,
        &[
            (at(0, 23, 0), dec!(-20), true),
            (at(1, 23, 0), dec!(-10), true),
            (at(2, 23, 0), dec!(-5), true),
        ],
    );
    let m = b.finish(1);
    assert_eq!(m.max_drawdown, Ratio::from_fraction(dec!(1.2)));
    assert_eq!(m.total_return, Ratio::from_fraction(dec!(-1.05)));
    assert_eq!((m.cagr, m.sharpe, m.sortino), (None, None, None));
    assert_eq!(m.days, 3);
}

/// A total loss: final equity 0 gives a CAGR of -100% and a 100% drawdown.
#[test]
fn a_total_loss_has_a_cagr_of_minus_one() {
    let mut b = builder(dec!(100));
    feed(
        &mut b,
        &[
            (at(0, 23, 0), dec!(50), true),
            (at(5, 23, 0), dec!(0), false),
        ],
    );
    let m = b.finish(0);
    assert!(approx(m.cagr, -1.0, 0.0), "{:?}", m.cagr);
    assert_eq!(m.max_drawdown, Ratio::ONE);
    assert!(approx(m.calmar, -1.0, 0.0));
}
