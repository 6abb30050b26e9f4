//! Pre-trade headroom sizing through the account and through the port.

use domain::AccountRule;
use domain::ports::{AccountContext, AccountRules, RuleVerdict};
use ftmo::{FtmoAccount, Product, SharedFtmoAccount, Sizing};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::rules::snapshot;
use crate::support::*;

/// 100k 2-Step Challenge, buffer 10 %: guard floors 95,500 (daily) and 91,000 (max).
fn account(slippage_pct: Decimal) -> FtmoAccount {
    let cfg = config(Product::TwoStepChallenge, dec!(100000), dec!(10))
        .with_slippage_buffer_pct(slippage_pct)
        .unwrap()
        .with_quantities(Some(dec!(1000)), Some(dec!(1000)))
        .unwrap();
    FtmoAccount::new(cfg, utc(2024, 1, 15, 8, 0, 0))
}

const NOON: (u32, u32, u32) = (12, 0, 0);

fn noon() -> domain::Timestamp {
    utc(2024, 1, 15, NOON.0, NOON.1, NOON.2)
}

#[test]
fn an_entry_whose_worst_case_fits_the_headroom_is_allowed() {
    let a = account(dec!(0));
    // 50,000 x 0.008 = 400 <= 450.
    let s = a.size(
        &intent(dec!(50000), dec!(1.1), dec!(0.008), noon()),
        m(dec!(0)),
        m(dec!(95950)),
        noon(),
    );
    assert!(matches!(s, Sizing::Fits { .. }), "{s:?}");
    assert_eq!(s.figures().worst_case_loss, m(dec!(400)));
    assert_eq!(s.figures().headroom, m(dec!(450)));
}

#[test]
fn a_too_large_entry_shrinks_to_the_daily_headroom_rounded_down_to_the_step() {
    let a = account(dec!(0));
    // Worst case 100,000 x 0.008 = 800 > 450; 450 / 0.008 = 56,250 -> 56,000 (step 1,000).
    let s = a.size(
        &intent(dec!(100000), dec!(1.1), dec!(0.008), noon()),
        m(dec!(0)),
        m(dec!(95950)),
        noon(),
    );
    let Sizing::Shrink {
        max_qty,
        worst_case_at_max,
        figures,
    } = s
    else {
        panic!("expected a shrink, got {s:?}");
    };
    assert_eq!(max_qty.value(), dec!(56000));
    assert_eq!(worst_case_at_max, m(dec!(448)));
    assert_eq!(figures.rule, AccountRule::DailyLoss);
    assert_eq!(
        (figures.daily_headroom, figures.total_headroom),
        (m(dec!(450)), m(dec!(4950)))
    );
    let detail = s.detail();
    assert!(
        detail.starts_with(
            "worst-case loss 800.00 exceeds daily_loss headroom 450.00 (equity 95,950.00, guard floor 95,500.00)"
        ),
        "{detail}"
    );
    assert!(detail.contains("qty 100000 -> 56000"), "{detail}");
}

#[test]
fn costs_and_the_slippage_buffer_count_in_the_worst_case() {
    let a = account(dec!(0.05));
    // Per unit: stop 0.005 + 1.1 x 0.05 % = 0.00555; costs 10 for 100,000.
    // Worst case 555 + 10 = 565 > 450; 450 / 0.00565 = 79,646 -> 79,000,
    // whose worst case is 79,000 x 0.00555 + 7.90 = 446.35.
    let s = a.size(
        &intent(dec!(100000), dec!(1.1), dec!(0.005), noon()),
        m(dec!(10)),
        m(dec!(95950)),
        noon(),
    );
    let Sizing::Shrink {
        max_qty,
        worst_case_at_max,
        figures,
    } = s
    else {
        panic!("expected a shrink, got {s:?}");
    };
    assert_eq!(figures.worst_case_loss, m(dec!(565)));
    assert_eq!(max_qty.value(), dec!(79000));
    assert_eq!(worst_case_at_max, m(dec!(446.35)));
}

#[test]
fn rejects_when_not_even_the_minimum_quantity_fits() {
    let a = account(dec!(0));
    // Headroom 5; the minimum 1,000 risks 8.
    let s = a.size(
        &intent(dec!(100000), dec!(1.1), dec!(0.008), noon()),
        m(dec!(0)),
        m(dec!(95505)),
        noon(),
    );
    assert!(matches!(s, Sizing::Reject { .. }), "{s:?}");
    assert!(
        s.detail().contains("not even the minimum quantity fits"),
        "{}",
        s.detail()
    );
    // Headroom 8: exactly the minimum fits.
    let s = a.size(
        &intent(dec!(100000), dec!(1.1), dec!(0.008), noon()),
        m(dec!(0)),
        m(dec!(95508)),
        noon(),
    );
    assert!(
        matches!(s, Sizing::Shrink { max_qty, .. } if max_qty.value() == dec!(1000)),
        "{s:?}"
    );
}

#[test]
fn rejects_with_no_headroom_at_the_guard_floor() {
    let a = account(dec!(0));
    let s = a.size(
        &intent(dec!(1000), dec!(1.1), dec!(0.001), noon()),
        m(dec!(0)),
        m(dec!(95500)),
        noon(),
    );
    assert!(matches!(s, Sizing::Reject { .. }), "{s:?}");
    assert!(
        s.detail().starts_with(
            "no daily_loss headroom: equity 95,500.00 is at or below the guard floor 95,500.00"
        ),
        "{}",
        s.detail()
    );
}

#[test]
fn the_total_headroom_binds_when_it_is_the_smaller() {
    let mut a = account(dec!(0));
    a.observe(&flat(utc(2024, 1, 15, 20, 0, 0), dec!(96000)));
    a.observe(&flat(utc(2024, 1, 16, 20, 0, 0), dec!(92000)));
    let at = utc(2024, 1, 17, 9, 0, 0);
    // Daily guard 87,000 + 500 = 87,500; max-loss guard 91,000: headroom 1,000.
    let s = a.size(
        &intent(dec!(200000), dec!(1.1), dec!(0.008), at),
        m(dec!(0)),
        m(dec!(92000)),
        at,
    );
    let Sizing::Shrink {
        max_qty, figures, ..
    } = s
    else {
        panic!("expected a shrink, got {s:?}");
    };
    assert_eq!(figures.rule, AccountRule::MaxLoss);
    assert_eq!(figures.headroom, m(dec!(1000)));
    assert_eq!(max_qty.value(), dec!(125000));
}

#[test]
fn the_port_shrinks_with_the_rule_and_figures_and_is_pure() {
    let shared = SharedFtmoAccount::new(account(dec!(0)));
    let portfolio = snapshot(dec!(95950));
    let ctx = AccountContext {
        portfolio: &portfolio,
        balance: m(dec!(95950)),
        estimated_costs: m(dec!(0)),
        now: noon(),
    };
    let before = shared.state();
    let verdict = shared.evaluate(&intent(dec!(100000), dec!(1.1), dec!(0.008), noon()), &ctx);
    let RuleVerdict::Shrink {
        max_qty,
        rule,
        detail,
    } = verdict
    else {
        panic!("expected a shrink, got {verdict:?}");
    };
    assert_eq!(
        (max_qty.value(), rule.as_str()),
        (dec!(56000), "daily_loss")
    );
    assert!(detail.contains("headroom 450.00"), "{detail}");
    assert_eq!(
        shared.state(),
        before,
        "evaluate must not change the account"
    );
    assert_eq!(
        shared.evaluate(&intent(dec!(10000), dec!(1.1), dec!(0.008), noon()), &ctx),
        RuleVerdict::Allow
    );
}

#[test]
fn evaluation_after_an_unobserved_midnight_uses_the_new_floor() {
    let shared = SharedFtmoAccount::new(account(dec!(0)));
    shared.observe(&flat(utc(2024, 1, 15, 20, 0, 0), dec!(103000)));
    // Next Prague day, no mark yet: the daily guard floor is 103,000 - 5,000 + 500 = 98,500.
    let tuesday = utc(2024, 1, 16, 9, 0, 0);
    let portfolio = snapshot(dec!(98300));
    let ctx = AccountContext {
        portfolio: &portfolio,
        balance: m(dec!(98300)),
        estimated_costs: m(dec!(0)),
        now: tuesday,
    };
    let verdict = shared.evaluate(&intent(dec!(1000), dec!(1.1), dec!(0.001), tuesday), &ctx);
    assert!(
        matches!(verdict, RuleVerdict::Reject { ref rule, .. } if rule == "daily_loss"),
        "{verdict:?}"
    );
    assert_eq!(
        shared.state().day(),
        chrono::NaiveDate::from_ymd_opt(2024, 1, 15).unwrap()
    );
}
