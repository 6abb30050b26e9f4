//! Persistence: the state survives a JSON round trip exactly, and only restores
//! into the account it was made for.

use domain::ports::AccountRules;
use ftmo::{AccountState, FtmoAccount, Product, SharedFtmoAccount};
use rust_decimal_macros::dec;

use crate::support::*;

fn busy_account() -> SharedFtmoAccount {
    let shared = SharedFtmoAccount::new(FtmoAccount::new(
        config(Product::OneStepChallenge, dec!(100000), dec!(10)),
        utc(2024, 3, 29, 8, 0, 0),
    ));
    shared.position_opened(utc(2024, 3, 29, 9, 0, 0));
    shared.observe(&flat(utc(2024, 3, 29, 20, 0, 0), dec!(104000)));
    shared.position_opened(utc(2024, 3, 30, 23, 30, 0));
    shared.observe(&mark(
        utc(2024, 3, 31, 12, 0, 0),
        dec!(103100.5),
        dec!(103500.25),
        1,
    ));
    shared.observe(&mark(
        utc(2024, 3, 31, 13, 0, 0),
        dec!(101200),
        dec!(103500.25),
        1,
    ));
    shared
}

#[test]
fn state_round_trips_through_json_exactly() {
    let shared = busy_account();
    assert!(shared.breach().is_some(), "the scenario includes a breach");
    let json = shared.state_json().unwrap();
    let text = serde_json::to_string(&json).unwrap();
    let back: AccountState = serde_json::from_str(&text).unwrap();
    assert_eq!(back, shared.state());
    assert_eq!(json["product"], "ftmo-1step-challenge");
    let floor: rust_decimal::Decimal = json["max_loss_floor"].as_str().unwrap().parse().unwrap();
    assert_eq!(floor, dec!(94000));

    let fresh = SharedFtmoAccount::new(FtmoAccount::new(
        config(Product::OneStepChallenge, dec!(100000), dec!(10)),
        utc(2024, 4, 5, 8, 0, 0),
    ));
    fresh.restore_json(&json).unwrap();
    assert_eq!(fresh.state(), shared.state());
    let at = utc(2024, 4, 1, 9, 0, 0);
    assert_eq!(fresh.risk_book(at), shared.risk_book(at));
    // Both continue identically.
    let next = flat(utc(2024, 4, 1, 10, 0, 0), dec!(103000));
    assert_eq!(fresh.observe(&next), shared.observe(&next));
    assert_eq!(fresh.state(), shared.state());
}

#[test]
fn a_state_for_another_account_is_refused() {
    let json = busy_account().state_json().unwrap();
    let other = SharedFtmoAccount::new(FtmoAccount::new(
        config(Product::OneStepChallenge, dec!(200000), dec!(10)),
        utc(2024, 4, 5, 8, 0, 0),
    ));
    let err = other.restore_json(&json).unwrap_err();
    assert!(err.to_string().contains("initial capital 100000"), "{err}");
    let two_step = SharedFtmoAccount::new(FtmoAccount::new(
        config(Product::TwoStepChallenge, dec!(100000), dec!(10)),
        utc(2024, 4, 5, 8, 0, 0),
    ));
    assert!(two_step.restore_json(&json).is_err());
    assert!(
        two_step
            .restore_json(&serde_json::json!({"product": 3}))
            .is_err()
    );
}

#[test]
fn risk_book_serialises_with_stable_names() {
    let shared = busy_account();
    let book = shared.risk_book(utc(2024, 3, 31, 13, 0, 0)).unwrap();
    let json = serde_json::to_value(&book).unwrap();
    assert_eq!(json["status"], "halted");
    assert_eq!(json["breach"]["rule"], "daily_loss");
    assert_eq!(json["breach"]["line"], "buffered");
    assert_eq!(json["trading_days"], 2);
    let back: domain::RiskBook = serde_json::from_value(json).unwrap();
    assert_eq!(back, book);
}
