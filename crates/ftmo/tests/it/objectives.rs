//! Objectives: trading days on Prague dates, profit target on a flat closed
//! balance, the Best Day Rule as progress, funded accounts without a target.

use domain::{AccountStatus, ObjectiveStatus};
use ftmo::Product;
use rust_decimal_macros::dec;

use crate::support::*;

#[test]
fn trading_days_are_prague_days_a_2330_utc_winter_opening_counts_for_the_next_day() {
    let mut a = firm_account(
        Product::TwoStepChallenge,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    );
    a.position_opened(utc(2024, 1, 15, 10, 0, 0));
    a.position_opened(utc(2024, 1, 15, 22, 59, 0)); // still 15 January in Prague
    assert_eq!(a.state().trading_day_count(), 1);
    a.position_opened(utc(2024, 1, 15, 23, 30, 0)); // 00:30 on 16 January in Prague
    assert_eq!(a.state().trading_day_count(), 2);
    a.position_opened(utc(2024, 1, 16, 10, 0, 0)); // same Prague day as the previous one
    assert_eq!(a.state().trading_day_count(), 2);
    let days: Vec<String> = a
        .state()
        .trading_days()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(days, ["2024-01-15", "2024-01-16"]);
    // Summer: the Prague day starts at 22:00 UTC.
    a.position_opened(utc(2024, 7, 15, 21, 30, 0));
    a.position_opened(utc(2024, 7, 15, 22, 30, 0));
    assert_eq!(a.state().trading_day_count(), 4);
    assert_eq!(
        a.risk_book(utc(2024, 7, 16, 8, 0, 0))
            .objectives
            .min_trading_days,
        ObjectiveStatus::Met
    );
}

#[test]
fn profit_target_needs_the_closed_balance_with_no_open_positions() {
    let mut a = firm_account(
        Product::TwoStepChallenge,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    );
    for d in 15..19 {
        a.position_opened(utc(2024, 1, d, 9, 0, 0));
    }
    // Equity above the target only by floating profit: not met.
    a.observe(&mark(
        utc(2024, 1, 18, 10, 0, 0),
        dec!(112000),
        dec!(105000),
        1,
    ));
    let book = a.risk_book(utc(2024, 1, 18, 10, 0, 0));
    assert_eq!(book.objectives.profit_target, ObjectiveStatus::InProgress);
    assert_eq!(book.target_progress_pct, Some(dec!(50)));
    // Balance at the target but a position still open: not met.
    a.observe(&mark(
        utc(2024, 1, 18, 11, 0, 0),
        dec!(110500),
        dec!(110000),
        1,
    ));
    assert_eq!(
        a.state().objectives().profit_target,
        ObjectiveStatus::InProgress
    );
    assert_eq!(
        a.risk_book(utc(2024, 1, 18, 11, 0, 0)).status,
        AccountStatus::Active
    );
    // Flat at 110,000 with 4 trading days: passed.
    a.observe(&flat(utc(2024, 1, 18, 12, 0, 0), dec!(110000)));
    let book = a.risk_book(utc(2024, 1, 18, 12, 0, 0));
    assert_eq!(book.objectives.profit_target, ObjectiveStatus::Met);
    assert_eq!(book.target_progress_pct, Some(dec!(100)));
    assert_eq!(book.status, AccountStatus::Passed);
    assert_eq!(a.state().passed_at(), Some(utc(2024, 1, 18, 12, 0, 0)));
}

#[test]
fn the_target_alone_does_not_pass_before_the_minimum_trading_days() {
    let mut a = firm_account(
        Product::TwoStepVerification,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    );
    a.position_opened(utc(2024, 1, 15, 9, 0, 0));
    a.observe(&flat(utc(2024, 1, 15, 12, 0, 0), dec!(105000)));
    let book = a.risk_book(utc(2024, 1, 15, 12, 0, 0));
    assert_eq!(
        book.objectives.profit_target,
        ObjectiveStatus::Met,
        "Verification: 5 %"
    );
    assert_eq!(
        book.objectives.min_trading_days,
        ObjectiveStatus::InProgress
    );
    assert_eq!((book.trading_days, book.min_trading_days), (1, 4));
    assert_eq!(book.status, AccountStatus::Active);
}

#[test]
fn best_day_rule_is_progress_not_failure() {
    let mut a = firm_account(
        Product::OneStepChallenge,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    );
    a.position_opened(utc(2024, 1, 15, 9, 0, 0));
    // Day 1: +5,000, the only profitable day: ratio 1.0, not met, but not a failure.
    a.observe(&flat(utc(2024, 1, 15, 20, 0, 0), dec!(105000)));
    let book = a.risk_book(utc(2024, 1, 15, 20, 0, 0));
    assert_eq!(book.best_day_ratio, Some(dec!(1)));
    assert_eq!(book.objectives.best_day, ObjectiveStatus::InProgress);
    assert_eq!(book.status, AccountStatus::Active);
    assert_eq!(
        book.objectives.min_trading_days,
        ObjectiveStatus::NotApplicable
    );
    // Day 2: +2,000 -> 5,000 / 7,000.
    a.observe(&flat(utc(2024, 1, 16, 20, 0, 0), dec!(107000)));
    assert_eq!(
        a.risk_book(utc(2024, 1, 16, 20, 0, 0)).best_day_ratio,
        Some(dec!(0.7143))
    );
    // Day 3: +3,000 -> 5,000 / 10,000 = 0.5: met, target met, flat: passed.
    a.observe(&flat(utc(2024, 1, 17, 20, 0, 0), dec!(110000)));
    let book = a.risk_book(utc(2024, 1, 17, 20, 0, 0));
    assert_eq!(book.best_day_ratio, Some(dec!(0.5)));
    assert_eq!(book.objectives.best_day, ObjectiveStatus::Met);
    assert_eq!(book.status, AccountStatus::Passed);
}

#[test]
fn the_best_day_rule_holds_the_pass_back_until_the_ratio_comes_down() {
    let mut a = firm_account(
        Product::OneStepChallenge,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    );
    a.observe(&flat(utc(2024, 1, 15, 20, 0, 0), dec!(104000)));
    a.observe(&flat(utc(2024, 1, 16, 20, 0, 0), dec!(110000))); // best day 6,000 of 10,000
    let book = a.risk_book(utc(2024, 1, 16, 20, 0, 0));
    assert_eq!(book.objectives.profit_target, ObjectiveStatus::Met);
    assert_eq!(book.best_day_ratio, Some(dec!(0.6)));
    assert_eq!(book.status, AccountStatus::Active);
    a.observe(&flat(utc(2024, 1, 17, 20, 0, 0), dec!(112000))); // 6,000 / 12,000
    assert_eq!(
        a.risk_book(utc(2024, 1, 17, 20, 0, 0)).status,
        AccountStatus::Passed
    );
}

#[test]
fn funded_accounts_have_no_target_no_minimum_days_and_no_best_day_rule() {
    for product in [Product::TwoStepAccount, Product::OneStepAccount] {
        let mut a = firm_account(product, dec!(50000), utc(2024, 1, 15, 8, 0, 0));
        a.observe(&flat(utc(2024, 1, 15, 20, 0, 0), dec!(60000)));
        let book = a.risk_book(utc(2024, 1, 15, 20, 0, 0));
        assert_eq!(book.target_progress_pct, None, "{product}");
        assert_eq!(book.best_day_ratio, None, "{product}");
        assert_eq!(
            book.objectives.profit_target,
            ObjectiveStatus::NotApplicable
        );
        assert_eq!(
            book.objectives.min_trading_days,
            ObjectiveStatus::NotApplicable
        );
        assert_eq!(book.objectives.best_day, ObjectiveStatus::NotApplicable);
        assert_eq!(
            book.status,
            AccountStatus::Active,
            "funded accounts never 'pass'"
        );
        assert_eq!(book.phase, product.as_str());
    }
}
