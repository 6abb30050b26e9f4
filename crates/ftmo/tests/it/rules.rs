//! The loss limits: every worked example of ftmo-rules.md, daylight saving,
//! floating-loss and commission-only breaches, several midnights at once.

use domain::{AccountRule, BreachLine};
use ftmo::Product;
use rust_decimal_macros::dec;

use crate::support::*;

#[test]
fn daily_floor_is_the_previous_midnight_balance_minus_five_percent_day_by_day() {
    // ftmo-rules.md, 100k: day 1 floor 95,000; closes at 103,000 -> day 2 floor 98,000;
    // day 2 closes at 101,000 -> day 3 floor 96,000. Winter: Prague midnight is 23:00 UTC.
    let mut a = firm_account(
        Product::TwoStepChallenge,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    );
    assert_eq!(
        a.floors_at(utc(2024, 1, 15, 8, 0, 0)).daily.firm,
        m(dec!(95000))
    );
    assert_eq!(
        a.observe(&flat(utc(2024, 1, 15, 20, 0, 0), dec!(103000))),
        None
    );
    assert_eq!(
        a.floors_at(utc(2024, 1, 15, 22, 59, 59)).daily.firm,
        m(dec!(95000))
    );

    assert_eq!(
        a.observe(&flat(utc(2024, 1, 15, 23, 0, 0), dec!(103000))),
        None
    );
    assert_eq!(
        a.risk_book(utc(2024, 1, 15, 23, 0, 0)).daily_floor,
        m(dec!(98000))
    );
    assert_eq!(
        a.observe(&flat(utc(2024, 1, 16, 15, 0, 0), dec!(101000))),
        None
    );
    // Equity equal to the floor is not below it; a cent lower is.
    assert_eq!(
        a.observe(&mark(
            utc(2024, 1, 16, 16, 0, 0),
            dec!(98000),
            dec!(101000),
            1
        )),
        None
    );

    a.observe(&flat(utc(2024, 1, 16, 23, 0, 0), dec!(101000)));
    assert_eq!(
        a.risk_book(utc(2024, 1, 16, 23, 0, 0)).daily_floor,
        m(dec!(96000))
    );
    let breach = a
        .observe(&mark(
            utc(2024, 1, 17, 9, 0, 0),
            dec!(95999.99),
            dec!(101000),
            1,
        ))
        .unwrap();
    assert_eq!(
        (breach.rule, breach.line),
        (AccountRule::DailyLoss, BreachLine::Firm)
    );
    assert_eq!(breach.firm_floor, m(dec!(96000)));
    assert_eq!(breach.at, utc(2024, 1, 17, 9, 0, 0));
}

#[test]
fn max_loss_2step_is_static_and_92000_with_a_2001_floating_loss_breaches() {
    let mut a = firm_account(
        Product::TwoStepChallenge,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    );
    // Lose 4,000 on each of two days (within the daily 5,000): balance 92,000.
    a.observe(&flat(utc(2024, 1, 15, 12, 0, 0), dec!(96000)));
    a.observe(&flat(utc(2024, 1, 16, 12, 0, 0), dec!(92000)));
    // Day 3: daily floor 87,000, max-loss floor still 90,000.
    let floors = a.floors_at(utc(2024, 1, 17, 9, 0, 0));
    assert_eq!(
        (floors.daily.firm, floors.max_loss.firm),
        (m(dec!(87000)), m(dec!(90000)))
    );
    assert_eq!(
        a.observe(&mark(
            utc(2024, 1, 17, 9, 0, 0),
            dec!(90000),
            dec!(92000),
            1
        )),
        None
    );
    let breach = a
        .observe(&mark(
            utc(2024, 1, 17, 10, 0, 0),
            dec!(89999),
            dec!(92000),
            1,
        ))
        .unwrap();
    assert_eq!(
        (breach.rule, breach.line),
        (AccountRule::MaxLoss, BreachLine::Firm)
    );
    assert_eq!(
        (breach.firm_floor, breach.equity),
        (m(dec!(90000)), m(dec!(89999)))
    );
}

#[test]
fn max_loss_2step_does_not_move_when_the_account_earns() {
    let mut a = firm_account(
        Product::TwoStepAccount,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    );
    a.observe(&flat(utc(2024, 1, 15, 12, 0, 0), dec!(104000)));
    a.observe(&flat(utc(2024, 1, 16, 12, 0, 0), dec!(108000)));
    a.observe(&flat(utc(2024, 1, 17, 12, 0, 0), dec!(112000)));
    a.observe(&flat(utc(2024, 1, 18, 12, 0, 0), dec!(112000)));
    assert_eq!(
        a.floors_at(utc(2024, 1, 18, 12, 0, 0)).max_loss.firm,
        m(dec!(90000))
    );
    assert_eq!(a.state().highest_eod_balance(), m(dec!(112000)));
}

#[test]
fn overnight_floating_loss_breaches_at_the_prague_midnight_reset_200k() {
    // FTMO's example: 200k, daily amount 10,000. Monday closes +4,000 (balance 204,000)
    // with a trade floating at -13,000: fine until 23:59 (floor 190,000), but at 00:00
    // Tuesday the floor is 204,000 - 10,000 = 194,000 while equity is 191,000.
    let monday = |h, mi, s| utc(2024, 1, 15, h, mi, s);
    let mut a = firm_account(Product::TwoStepChallenge, dec!(200000), monday(7, 0, 0));
    assert_eq!(a.observe(&flat(monday(10, 0, 0), dec!(204000))), None);
    assert_eq!(
        a.observe(&mark(monday(15, 0, 0), dec!(191000), dec!(204000), 1)),
        None
    );
    assert_eq!(
        a.observe(&mark(monday(22, 59, 59), dec!(191000), dec!(204000), 1)),
        None
    );
    assert_eq!(a.floors_at(monday(22, 59, 59)).daily.firm, m(dec!(190000)));

    // 00:00 Tuesday in Prague is 23:00 UTC on Monday in winter.
    let breach = a
        .observe(&mark(monday(23, 0, 0), dec!(191000), dec!(204000), 1))
        .unwrap();
    assert_eq!(breach.rule, AccountRule::DailyLoss);
    assert_eq!(breach.firm_floor, m(dec!(194000)));
    assert_eq!(breach.at, monday(23, 0, 0));
    assert_eq!(a.breach(), Some(breach));
}

#[test]
fn one_step_max_loss_trails_the_end_of_day_balance_and_never_falls() {
    // ftmo-rules.md, 100k 1-Step: day 1 floor 90,000; midnight balance 104,000 -> 94,000;
    // next midnight balance 103,000 -> stays 94,000.
    let mut a = firm_account(
        Product::OneStepChallenge,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    );
    assert_eq!(
        a.floors_at(utc(2024, 1, 15, 8, 0, 0)).max_loss.firm,
        m(dec!(90000))
    );
    // An intraday equity high does not move it; only the midnight balance does.
    a.observe(&mark(
        utc(2024, 1, 15, 12, 0, 0),
        dec!(107000),
        dec!(101000),
        1,
    ));
    a.observe(&flat(utc(2024, 1, 15, 20, 0, 0), dec!(104000)));
    assert_eq!(
        a.floors_at(utc(2024, 1, 15, 22, 59, 59)).max_loss.firm,
        m(dec!(90000))
    );
    a.observe(&flat(utc(2024, 1, 15, 23, 0, 0), dec!(104000)));
    assert_eq!(a.state().max_loss_floor(), m(dec!(94000)));
    a.observe(&flat(utc(2024, 1, 16, 20, 0, 0), dec!(103000)));
    a.observe(&flat(utc(2024, 1, 16, 23, 0, 0), dec!(103000)));
    assert_eq!(a.state().max_loss_floor(), m(dec!(94000)));
    // The 1-Step daily allowance is 3 %: floor 103,000 - 3,000.
    assert_eq!(
        a.floors_at(utc(2024, 1, 17, 9, 0, 0)).daily.firm,
        m(dec!(100000))
    );
    let breach = a
        .observe(&mark(
            utc(2024, 1, 17, 9, 0, 0),
            dec!(99999),
            dec!(103000),
            1,
        ))
        .unwrap();
    assert_eq!(breach.rule, AccountRule::DailyLoss);
}

#[test]
fn one_step_max_loss_breach_uses_the_trailed_floor() {
    let mut a = firm_account(
        Product::OneStepAccount,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    );
    a.observe(&flat(utc(2024, 1, 15, 20, 0, 0), dec!(102500)));
    a.observe(&flat(utc(2024, 1, 16, 20, 0, 0), dec!(100000)));
    a.observe(&flat(utc(2024, 1, 17, 20, 0, 0), dec!(97500)));
    // Day 4: daily floor 97,500 - 3,000 = 94,500; max-loss floor 102,500 - 10,000 = 92,500.
    let floors = a.floors_at(utc(2024, 1, 18, 9, 0, 0));
    assert_eq!(
        (floors.daily.firm, floors.max_loss.firm),
        (m(dec!(94500)), m(dec!(92500)))
    );
    a.observe(&flat(utc(2024, 1, 18, 20, 0, 0), dec!(95000)));
    // Day 5: daily floor 92,000 is below the trailed max-loss floor, which binds.
    let breach = a
        .observe(&mark(
            utc(2024, 1, 19, 9, 0, 0),
            dec!(92499),
            dec!(95000),
            1,
        ))
        .unwrap();
    assert_eq!(
        (breach.rule, breach.firm_floor),
        (AccountRule::MaxLoss, m(dec!(92500)))
    );
}

#[test]
fn march_switch_resets_at_23_utc_before_and_22_utc_after() {
    // Last Sunday of March 2024 = 31st. Saturday's day ends at 23:00 UTC (CET);
    // Sunday's ends at 22:00 UTC (CEST).
    let mut a = firm_account(
        Product::TwoStepChallenge,
        dec!(100000),
        utc(2024, 3, 30, 8, 0, 0),
    );
    a.observe(&flat(utc(2024, 3, 30, 12, 0, 0), dec!(103000)));
    a.observe(&flat(utc(2024, 3, 30, 22, 59, 59), dec!(103000)));
    assert_eq!(
        a.risk_book(utc(2024, 3, 30, 22, 59, 59)).daily_floor,
        m(dec!(95000))
    );
    a.observe(&flat(utc(2024, 3, 30, 23, 0, 0), dec!(103000)));
    assert_eq!(
        a.risk_book(utc(2024, 3, 30, 23, 0, 0)).daily_floor,
        m(dec!(98000))
    );

    a.observe(&flat(utc(2024, 3, 31, 12, 0, 0), dec!(101000)));
    a.observe(&flat(utc(2024, 3, 31, 21, 59, 59), dec!(101000)));
    assert_eq!(a.state().day_start_balance(), m(dec!(103000)));
    a.observe(&flat(utc(2024, 3, 31, 22, 0, 0), dec!(101000)));
    assert_eq!(a.state().day_start_balance(), m(dec!(101000)));
    assert_eq!(
        a.state().day(),
        chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()
    );
}

#[test]
fn october_switch_resets_at_22_utc_before_and_23_utc_after() {
    // Last Sunday of October 2024 = 27th. Saturday's day ends at 22:00 UTC (CEST);
    // Sunday's ends at 23:00 UTC (CET), so 22:00-22:59 UTC on Sunday is still Sunday.
    let mut a = firm_account(
        Product::TwoStepChallenge,
        dec!(100000),
        utc(2024, 10, 26, 8, 0, 0),
    );
    a.observe(&flat(utc(2024, 10, 26, 12, 0, 0), dec!(103000)));
    a.observe(&flat(utc(2024, 10, 26, 21, 59, 59), dec!(103000)));
    assert_eq!(a.state().day_start_balance(), m(dec!(100000)));
    a.observe(&flat(utc(2024, 10, 26, 22, 0, 0), dec!(103000)));
    assert_eq!(a.state().day_start_balance(), m(dec!(103000)));

    a.observe(&flat(utc(2024, 10, 27, 12, 0, 0), dec!(101000)));
    // One hour after the summer-time reset would have been: still Sunday.
    // Had the day rolled at 22:00 UTC, the floor would be 96,000 and 97,500 safe;
    // it is still Sunday, floor 98,000, so this is a breach.
    let breach = a
        .observe(&mark(
            utc(2024, 10, 27, 22, 30, 0),
            dec!(97500),
            dec!(101000),
            1,
        ))
        .unwrap();
    assert_eq!(breach.firm_floor, m(dec!(98000)));
    assert_eq!(a.state().day_start_balance(), m(dec!(103000)));
    a.observe(&flat(utc(2024, 10, 27, 22, 59, 59), dec!(101000)));
    assert_eq!(
        a.risk_book(utc(2024, 10, 27, 22, 59, 59)).daily_floor,
        m(dec!(98000))
    );
    a.observe(&flat(utc(2024, 10, 27, 23, 0, 0), dec!(101000)));
    assert_eq!(
        a.risk_book(utc(2024, 10, 27, 23, 0, 0)).daily_floor,
        m(dec!(96000))
    );
}

#[test]
fn a_floating_loss_breaches_without_any_closed_trade() {
    // Buffer 10 %: the runtime's line is 95,500, the firm's 95,000. Balance never moves.
    let start = utc(2024, 1, 15, 8, 0, 0);
    let mut a = ftmo::FtmoAccount::new(
        config(Product::TwoStepChallenge, dec!(100000), dec!(10)),
        start,
    );
    assert_eq!(
        a.observe(&mark(
            utc(2024, 1, 15, 9, 0, 0),
            dec!(95500),
            dec!(100000),
            1
        )),
        None
    );
    let buffered = a
        .observe(&mark(
            utc(2024, 1, 15, 10, 0, 0),
            dec!(95499.99),
            dec!(100000),
            1,
        ))
        .unwrap();
    assert_eq!(
        (buffered.rule, buffered.line, buffered.floor()),
        (AccountRule::DailyLoss, BreachLine::Buffered, m(dec!(95500)))
    );
    assert_eq!(buffered.firm_floor, m(dec!(95000)));
    assert_eq!(
        a.risk_book(utc(2024, 1, 15, 10, 0, 0)).status,
        domain::AccountStatus::Halted
    );
    // Further down, still above the firm line: nothing new.
    assert_eq!(
        a.observe(&mark(
            utc(2024, 1, 15, 11, 0, 0),
            dec!(95100),
            dec!(100000),
            1
        )),
        None
    );
    // Through the firm line: a new, firm breach; the account has failed at the firm.
    let firm = a
        .observe(&mark(
            utc(2024, 1, 15, 12, 0, 0),
            dec!(94999.99),
            dec!(100000),
            1,
        ))
        .unwrap();
    assert_eq!(
        (firm.line, firm.floor()),
        (BreachLine::Firm, m(dec!(95000)))
    );
    assert_eq!(a.breach(), Some(firm));
    assert_eq!(a.state().guard_breach(), Some(&buffered));
    let book = a.risk_book(utc(2024, 1, 15, 12, 0, 0));
    assert_eq!(book.status, domain::AccountStatus::Failed);
    assert_eq!(book.objectives.daily_loss, domain::ObjectiveStatus::Failed);
    assert_eq!(book.objectives.max_loss, domain::ObjectiveStatus::Met);
    // Recovery changes nothing: touching is enough.
    assert_eq!(
        a.observe(&flat(utc(2024, 1, 15, 13, 0, 0), dec!(100000))),
        None
    );
    assert_eq!(a.breach(), Some(firm));
}

#[test]
fn commissions_alone_breach_the_buffered_line() {
    // 10k 2-Step: daily allowance 500, buffer 10 % -> guard floor 9,550. A position
    // opened at the mark (no floating P/L) whose commissions total 450.01.
    let mut a = ftmo::FtmoAccount::new(
        config(Product::TwoStepChallenge, dec!(10000), dec!(10)),
        utc(2024, 1, 15, 8, 0, 0),
    );
    let mut paid = dec!(0);
    let mut breach = None;
    for (i, fee) in [dec!(150), dec!(150), dec!(150), dec!(0.01)]
        .into_iter()
        .enumerate()
    {
        paid += fee;
        let value = dec!(10000) - paid;
        let at = utc(2024, 1, 15, 9 + u32::try_from(i).unwrap(), 0, 0);
        breach = breach.or(a.observe(&mark(at, value, value, 1)));
        if i < 3 {
            assert_eq!(breach, None, "after {paid} of commissions");
        }
    }
    let breach = breach.unwrap();
    assert_eq!(
        (breach.rule, breach.line),
        (AccountRule::DailyLoss, BreachLine::Buffered)
    );
    assert_eq!(breach.equity, m(dec!(9549.99)));
    assert_eq!(breach.guard_floor, m(dec!(9550)));
}

#[test]
fn several_midnights_at_once_anchor_on_the_last_balance_seen() {
    // Friday 2024-01-19 closes at 103,000; the next mark is Monday morning.
    let mut a = firm_account(
        Product::OneStepChallenge,
        dec!(100000),
        utc(2024, 1, 19, 8, 0, 0),
    );
    a.observe(&flat(utc(2024, 1, 19, 20, 0, 0), dec!(103000)));
    let monday = utc(2024, 1, 22, 7, 0, 0);
    assert_eq!(a.observe(&flat(monday, dec!(103000))), None);
    assert_eq!(
        a.state().day(),
        chrono::NaiveDate::from_ymd_opt(2024, 1, 22).unwrap()
    );
    assert_eq!(a.state().day_start_balance(), m(dec!(103000)));
    assert_eq!(a.state().max_loss_floor(), m(dec!(93000)));
    assert_eq!(a.floors_at(monday).daily.firm, m(dec!(100000)));
}

#[test]
fn utilisation_is_loss_used_over_the_allowance() {
    let mut a = firm_account(
        Product::TwoStepChallenge,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    );
    a.observe(&mark(
        utc(2024, 1, 15, 9, 0, 0),
        dec!(97500),
        dec!(100000),
        1,
    ));
    let book = a.risk_book(utc(2024, 1, 15, 9, 0, 0));
    assert_eq!(book.daily_utilisation_pct, dec!(50));
    assert_eq!(book.total_utilisation_pct, dec!(25));
    a.observe(&mark(
        utc(2024, 1, 15, 10, 0, 0),
        dec!(101000),
        dec!(100000),
        1,
    ));
    let book = a.risk_book(utc(2024, 1, 15, 10, 0, 0));
    assert_eq!(
        (book.daily_utilisation_pct, book.total_utilisation_pct),
        (dec!(0), dec!(0))
    );
}

#[test]
fn once_breached_every_entry_is_rejected_naming_the_rule() {
    use domain::ports::{AccountContext, AccountRules, RuleVerdict};
    let at = utc(2024, 1, 15, 9, 0, 0);
    let shared = ftmo::SharedFtmoAccount::new(firm_account(
        Product::TwoStepChallenge,
        dec!(100000),
        utc(2024, 1, 15, 8, 0, 0),
    ));
    let snapshot = snapshot(dec!(100000));
    let ctx = AccountContext {
        portfolio: &snapshot,
        balance: m(dec!(100000)),
        estimated_costs: m(dec!(0)),
        now: at,
    };
    let tiny = intent(dec!(1), dec!(1.1), dec!(0.001), at);
    assert_eq!(shared.evaluate(&tiny, &ctx), RuleVerdict::Allow);
    assert!(
        shared
            .observe(&mark(at, dec!(94000), dec!(100000), 1))
            .is_some()
    );
    // Even with equity back to 100,000 in the context, nothing is allowed.
    match shared.evaluate(&tiny, &ctx) {
        RuleVerdict::Reject { rule, detail } => {
            assert_eq!(rule, "daily_loss");
            assert!(
                detail.contains("94,000") || detail.contains("94000"),
                "{detail}"
            );
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(shared.name(), "ftmo-2step-challenge");
}

pub fn snapshot(equity: rust_decimal::Decimal) -> domain::PortfolioSnapshot {
    domain::PortfolioSnapshot {
        cash: m(equity),
        equity: m(equity),
        peak_equity: m(equity),
        drawdown: domain::Ratio::ZERO,
        realized_pnl: m(dec!(0)),
        unrealized_pnl: m(dec!(0)),
        daily_pnl: m(dec!(0)),
        day_start_equity: m(equity),
        open_positions: 0,
        consecutive_losses: 0,
        last_loss_at: None,
    }
}
