//! A replay over real EURUSD hourly candles (`$RAMPART_SHARED/data/backtesting-EURUSD-1h.csv`,
//! or `../../../shared` relative to this crate; see its PROVENANCE.md). A fixed
//! position is marked at every hourly close; the breach must come at the hour a
//! separate, straightforward loop computes, with its own Prague-day rule (EU summer
//! time: last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC).
//! When the file is absent the tests say so and pass.

use std::path::PathBuf;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use domain::{AccountBreach, AccountRule, BreachLine, Timestamp};
use ftmo::{FtmoAccount, Product};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::support::*;

fn shared_dir() -> PathBuf {
    std::env::var("RAMPART_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
}

/// `(close time, close)` of every candle: `ts` is the open time of a 1-hour bar.
fn closes() -> Option<Vec<(Timestamp, Decimal)>> {
    let path = shared_dir().join("data/backtesting-EURUSD-1h.csv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipping: {} not found (set RAMPART_SHARED)",
            path.display()
        );
        return None;
    };
    let rows: Vec<(Timestamp, Decimal)> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let open: Timestamp = f[0].parse().unwrap();
            (open + Duration::hours(1), f[4].parse().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), 5000);
    Some(rows)
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let mut d = NaiveDate::from_ymd_opt(year, month + 1, 1)
        .unwrap()
        .pred_opt()
        .unwrap();
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt().unwrap();
    }
    d
}

/// Prague date by the EU rule, written out by hand (independent of chrono-tz).
fn prague_date(t: Timestamp) -> NaiveDate {
    let y = t.year();
    let at_one = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0).unwrap());
    let summer = t >= at_one(last_sunday(y, 3)) && t < at_one(last_sunday(y, 10));
    (t + Duration::hours(if summer { 2 } else { 1 })).date_naive()
}

/// The account's view of a simple trading plan.
struct Plan {
    product: Product,
    capital: Decimal,
    /// Signed quantity of EUR held (positive long).
    qty: Decimal,
    /// Commission per side for the whole quantity.
    commission: Decimal,
    /// Close and reopen at the first mark of every Prague day (realising the P/L).
    roll_daily: bool,
}

/// One mark of the plan: (time, equity, balance, opened a position now).
fn marks(plan: &Plan, closes: &[(Timestamp, Decimal)]) -> Vec<(Timestamp, Decimal, Decimal, bool)> {
    let (t0, p0) = closes[0];
    let mut balance = plan.capital - plan.commission;
    let mut entry = p0;
    let mut day = prague_date(t0);
    let mut out = vec![(t0, balance, balance, true)];
    for &(t, close) in &closes[1..] {
        let mut opened = false;
        if plan.roll_daily && prague_date(t) != day {
            balance += (close - entry) * plan.qty - plan.commission; // close
            balance -= plan.commission; // reopen
            entry = close;
            opened = true;
        }
        day = prague_date(t);
        out.push((t, balance + (close - entry) * plan.qty, balance, opened));
    }
    out
}

/// The first mark below a buffered floor, computed directly from the rules' text.
fn expected_breach(
    plan: &Plan,
    buffer: Decimal,
    marks: &[(Timestamp, Decimal, Decimal, bool)],
) -> Option<(Timestamp, AccountRule, BreachLine, Decimal)> {
    let daily_pct = if plan.product == Product::OneStepChallenge {
        dec!(0.03)
    } else {
        dec!(0.05)
    };
    let daily_allowance = plan.capital * daily_pct;
    let max_allowance = plan.capital * dec!(0.10);
    let trailing = plan.product == Product::OneStepChallenge;
    let mut day = prague_date(marks[0].0);
    let mut day_start_balance = plan.capital;
    let mut highest_eod = plan.capital;
    let mut previous_balance = plan.capital;
    for &(t, equity, balance, _) in marks {
        if prague_date(t) != day {
            day = prague_date(t);
            day_start_balance = previous_balance;
            highest_eod = highest_eod.max(previous_balance);
        }
        previous_balance = balance;
        let daily_guard = day_start_balance - daily_allowance + buffer * daily_allowance;
        let max_reference = if trailing { highest_eod } else { plan.capital };
        let max_guard = max_reference - max_allowance + buffer * max_allowance;
        if equity < daily_guard.max(max_guard) {
            let (rule, guard, allowance) = if daily_guard >= max_guard {
                (AccountRule::DailyLoss, daily_guard, daily_allowance)
            } else {
                (AccountRule::MaxLoss, max_guard, max_allowance)
            };
            // Through the firm line too in the same hour (a gap): the breach is firm.
            let line = if equity < guard - buffer * allowance {
                BreachLine::Firm
            } else {
                BreachLine::Buffered
            };
            return Some((t, rule, line, guard));
        }
    }
    None
}

/// Feeds the marks to the crate; returns the first breach and how many marks it took.
fn replay(
    plan: &Plan,
    marks: &[(Timestamp, Decimal, Decimal, bool)],
) -> Option<(usize, AccountBreach)> {
    let mut account = FtmoAccount::new(config(plan.product, plan.capital, dec!(10)), marks[0].0);
    for (i, &(t, equity, balance, opened)) in marks.iter().enumerate() {
        if opened {
            account.position_opened(t);
        }
        if let Some(b) = account.observe(&mark(t, equity, balance, 1)) {
            return Some((i, b));
        }
    }
    None
}

#[test]
fn a_short_held_into_the_april_2017_weekend_gap_breaches_at_the_computed_hour() {
    let Some(closes) = closes() else { return };
    let plan = Plan {
        product: Product::TwoStepChallenge,
        capital: dec!(100000),
        qty: dec!(-500000), // 5 lots short, never closed
        commission: dec!(30),
        roll_daily: false,
    };
    let marks = marks(&plan, &closes);
    let (at, rule, line, floor) = expected_breach(&plan, dec!(0.10), &marks).unwrap();
    let (index, breach) = replay(&plan, &marks).unwrap();
    assert_eq!(breach.at, at);
    assert_eq!((breach.rule, breach.line), (rule, line));
    assert_eq!(breach.guard_floor, m(floor));
    assert!(
        index > 24,
        "a real drawdown, not the first day: mark {index} at {at}"
    );
    eprintln!(
        "2-Step short: {rule} {line:?} breach at {at} (mark {index}), equity {}",
        breach.equity
    );
    // What the loop found, pinned: the Sunday reopen after the first round of the French
    // election gapped EURUSD up through both lines in one hour (balance never moved).
    assert_eq!(at, utc(2017, 4, 23, 22, 0, 0));
    assert_eq!((rule, line), (AccountRule::DailyLoss, BreachLine::Firm));
}

#[test]
fn a_long_rolled_every_prague_day_breaches_at_the_computed_hour() {
    let Some(closes) = closes() else { return };
    let plan = Plan {
        product: Product::OneStepChallenge,
        capital: dec!(100000),
        qty: dec!(300000), // 3 lots long, profit realised at each Prague day change
        commission: dec!(30),
        roll_daily: true,
    };
    let marks = marks(&plan, &closes);
    let (at, rule, line, floor) = expected_breach(&plan, dec!(0.10), &marks).unwrap();
    let (index, breach) = replay(&plan, &marks).unwrap();
    assert_eq!(breach.at, at);
    assert_eq!((breach.rule, breach.line), (rule, line));
    assert_eq!(breach.guard_floor, m(floor));
    assert!(
        index > 24,
        "a real drawdown, not the first day: mark {index} at {at}"
    );
    eprintln!(
        "1-Step long: {rule} {line:?} breach at {at} (mark {index}), equity {}",
        breach.equity
    );
    // What the loop found, pinned: 22:00 UTC is 00:00 in Prague (summer time); the
    // floor re-anchored on the day's higher balance while the position floated a loss.
    assert_eq!(at, utc(2017, 5, 8, 22, 0, 0));
    assert_eq!((rule, line), (AccountRule::DailyLoss, BreachLine::Buffered));
}
