//! The account's evolving state: what the runtime persists and restores exactly.
//!
//! Two anchors move only at Prague midnight: the balance the daily floor is measured
//! from, and (1-Step) the highest end-of-day balance the maximum-loss floor trails.
//! "The balance at midnight" is the balance of the latest mark observed before the
//! first mark of the new day: balance only changes on fills, and the engine marks
//! after every fill, so nothing closes unseen between two marks.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use domain::{
    AccountBreach, AccountMark, AccountStatus, Money, ObjectiveStatus, Objectives, Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::config::{Currency, FtmoConfig};
use crate::error::FtmoError;
use crate::prague::prague_day;
use crate::product::{MaxLossKind, Product};

/// Everything an FTMO account remembers between marks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountState {
    product: Product,
    initial_capital: Money,
    currency: Currency,
    started_at: Timestamp,
    /// The current Prague day (the day anchor).
    day: NaiveDate,
    /// Balance at the previous Prague midnight (initial capital on the first day).
    day_start_balance: Money,
    /// Highest balance seen at a Prague midnight (initial capital before the first).
    highest_eod_balance: Money,
    /// The firm's maximum-loss floor now (static, or trailing for 1-Step).
    max_loss_floor: Money,
    /// The latest mark observed.
    last_mark: Option<AccountMark>,
    /// Prague days on which a position was opened.
    trading_days: BTreeSet<NaiveDate>,
    /// Closed profit (balance change) of each Prague day with marks.
    day_profits: BTreeMap<NaiveDate, Money>,
    /// The first touch of a buffered (guard) floor, or the first firm breach if both at once.
    guard_breach: Option<AccountBreach>,
    /// The first breach of a firm floor.
    firm_breach: Option<AccountBreach>,
    /// When every objective was met at once (sticky).
    passed_at: Option<Timestamp>,
    /// Objectives as of the latest mark.
    objectives: Objectives,
}

/// The anchors the floors are computed from at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Anchors {
    pub(crate) day: NaiveDate,
    pub(crate) day_start_balance: Money,
    pub(crate) highest_eod_balance: Money,
    pub(crate) max_loss_floor: Money,
}

impl AccountState {
    /// A fresh account of `config` whose first day is the Prague day of `start`.
    pub fn new(config: &FtmoConfig, start: Timestamp) -> Self {
        let isc = config.initial_capital();
        let mut state = Self {
            product: config.product(),
            initial_capital: isc,
            currency: config.currency().clone(),
            started_at: start,
            day: prague_day(start),
            day_start_balance: isc,
            highest_eod_balance: isc,
            max_loss_floor: isc - config.max_allowance(),
            last_mark: None,
            trading_days: BTreeSet::new(),
            day_profits: BTreeMap::new(),
            guard_breach: None,
            firm_breach: None,
            passed_at: None,
            objectives: Objectives {
                profit_target: ObjectiveStatus::InProgress,
                min_trading_days: ObjectiveStatus::InProgress,
                best_day: ObjectiveStatus::InProgress,
                daily_loss: ObjectiveStatus::Met,
                max_loss: ObjectiveStatus::Met,
            },
        };
        state.objectives = state.compute_objectives(config);
        state
    }

    /// Checks that a restored state belongs to the account `config` describes.
    pub(crate) fn check_matches(&self, config: &FtmoConfig) -> Result<(), FtmoError> {
        let mismatch = |what: &str, state: String, configured: String| {
            Err(FtmoError::State(format!(
                "it is for {what} {state}, the configuration says {configured}"
            )))
        };
        if self.product != config.product() {
            return mismatch(
                "product",
                self.product.to_string(),
                config.product().to_string(),
            );
        }
        if self.initial_capital != config.initial_capital() {
            return mismatch(
                "initial capital",
                self.initial_capital.to_string(),
                config.initial_capital().to_string(),
            );
        }
        if &self.currency != config.currency() {
            return mismatch(
                "currency",
                self.currency.to_string(),
                config.currency().to_string(),
            );
        }
        Ok(())
    }

    /// The product (phase).
    pub fn product(&self) -> Product {
        self.product
    }
    /// Initial simulated capital.
    pub fn initial_capital(&self) -> Money {
        self.initial_capital
    }
    /// Account currency.
    pub fn currency(&self) -> &Currency {
        &self.currency
    }
    /// When the account started.
    pub fn started_at(&self) -> Timestamp {
        self.started_at
    }
    /// The current Prague day.
    pub fn day(&self) -> NaiveDate {
        self.day
    }
    /// Balance at the previous Prague midnight (initial capital on the first day).
    pub fn day_start_balance(&self) -> Money {
        self.day_start_balance
    }
    /// Highest end-of-day (Prague midnight) balance, at least the initial capital.
    pub fn highest_eod_balance(&self) -> Money {
        self.highest_eod_balance
    }
    /// The firm's maximum-loss floor as of the current day.
    pub fn max_loss_floor(&self) -> Money {
        self.max_loss_floor
    }
    /// The latest mark observed.
    pub fn last_mark(&self) -> Option<&AccountMark> {
        self.last_mark.as_ref()
    }
    /// Closed balance at the latest mark (initial capital before any).
    pub fn balance(&self) -> Money {
        self.last_mark.map_or(self.initial_capital, |m| m.balance)
    }
    /// Prague days with a position opened.
    pub fn trading_days(&self) -> &BTreeSet<NaiveDate> {
        &self.trading_days
    }
    /// Number of trading days.
    pub fn trading_day_count(&self) -> u32 {
        u32::try_from(self.trading_days.len()).unwrap_or(u32::MAX)
    }
    /// Closed profit of each Prague day.
    pub fn day_profits(&self) -> &BTreeMap<NaiveDate, Money> {
        &self.day_profits
    }
    /// The first buffered-line touch (or firm breach, if both came at once).
    pub fn guard_breach(&self) -> Option<&AccountBreach> {
        self.guard_breach.as_ref()
    }
    /// The first firm-line breach.
    pub fn firm_breach(&self) -> Option<&AccountBreach> {
        self.firm_breach.as_ref()
    }
    /// The most severe breach: firm over buffered.
    pub fn breach(&self) -> Option<AccountBreach> {
        self.firm_breach.or(self.guard_breach)
    }
    /// When every objective was met at once.
    pub fn passed_at(&self) -> Option<Timestamp> {
        self.passed_at
    }
    /// Objectives as of the latest mark.
    pub fn objectives(&self) -> Objectives {
        self.objectives
    }

    /// Overall status.
    pub fn status(&self) -> AccountStatus {
        if self.firm_breach.is_some() {
            AccountStatus::Failed
        } else if self.guard_breach.is_some() {
            AccountStatus::Halted
        } else if self.passed_at.is_some() {
            AccountStatus::Passed
        } else {
            AccountStatus::Active
        }
    }

    /// The anchors at `at`: the current ones, or those after the Prague midnights
    /// between the current day and `at` (every one of them sees the latest balance,
    /// since nothing was observed in between). Never moves backwards in time.
    pub(crate) fn anchors_at(&self, at: Timestamp, config: &FtmoConfig) -> Anchors {
        let current = Anchors {
            day: self.day,
            day_start_balance: self.day_start_balance,
            highest_eod_balance: self.highest_eod_balance,
            max_loss_floor: self.max_loss_floor,
        };
        let day = prague_day(at);
        if day <= self.day {
            return current;
        }
        let midnight_balance = self.balance();
        let highest = self.highest_eod_balance.max(midnight_balance);
        let max_loss_floor = match self.product.max_loss_kind() {
            MaxLossKind::Static => self.max_loss_floor,
            MaxLossKind::TrailingEndOfDay => self
                .max_loss_floor
                .max(highest.max(self.initial_capital) - config.max_allowance()),
        };
        Anchors {
            day,
            day_start_balance: midnight_balance,
            highest_eod_balance: highest,
            max_loss_floor,
        }
    }

    /// Crosses the Prague midnights up to `at` (none, one, or several at once).
    pub(crate) fn roll_to(&mut self, at: Timestamp, config: &FtmoConfig) {
        let next = self.anchors_at(at, config);
        if next.day == self.day {
            return;
        }
        self.day = next.day;
        self.day_start_balance = next.day_start_balance;
        self.highest_eod_balance = next.highest_eod_balance;
        self.max_loss_floor = next.max_loss_floor;
    }

    /// Records the mark (after `roll_to`) and the day's closed profit so far.
    pub(crate) fn record_mark(&mut self, mark: &AccountMark) {
        let later = self.last_mark.is_none_or(|m| mark.at >= m.at);
        if later {
            self.last_mark = Some(*mark);
            let profit = mark.balance - self.day_start_balance;
            self.day_profits.insert(self.day, profit);
        }
    }

    /// Records a breach; returns it when it is new.
    pub(crate) fn record_breach(
        &mut self,
        firm: Option<AccountBreach>,
        guard: Option<AccountBreach>,
    ) -> Option<AccountBreach> {
        if self.firm_breach.is_none()
            && let Some(b) = firm
        {
            self.firm_breach = Some(b);
            if self.guard_breach.is_none() {
                self.guard_breach = Some(b);
            }
            return Some(b);
        }
        if self.guard_breach.is_none()
            && let Some(b) = guard
        {
            self.guard_breach = Some(b);
            return Some(b);
        }
        None
    }

    /// Records that a position was opened at `at`.
    pub(crate) fn record_position_opened(&mut self, at: Timestamp) {
        self.trading_days.insert(prague_day(at));
    }

    /// Best day's profit / total profit, `None` without a positive total profit.
    pub(crate) fn best_day_ratio(&self) -> Option<rust_decimal::Decimal> {
        let total = self.balance() - self.initial_capital;
        if total.value() <= rust_decimal::Decimal::ZERO {
            return None;
        }
        let best = self.day_profits.values().copied().max()?;
        best.value()
            .max(rust_decimal::Decimal::ZERO)
            .checked_div(total.value())
            .map(|r| r.round_dp(4))
    }

    /// Recomputes the objectives from the latest mark and marks the phase passed
    /// when all of them are met at once.
    pub(crate) fn refresh_objectives(&mut self, config: &FtmoConfig) {
        self.objectives = self.compute_objectives(config);
        let o = self.objectives;
        let all_met = o.profit_target == ObjectiveStatus::Met
            && matches!(
                o.min_trading_days,
                ObjectiveStatus::Met | ObjectiveStatus::NotApplicable
            )
            && matches!(
                o.best_day,
                ObjectiveStatus::Met | ObjectiveStatus::NotApplicable
            )
            && self.breach().is_none();
        if all_met && self.passed_at.is_none() {
            self.passed_at = self.last_mark.map(|m| m.at);
        }
    }

    fn compute_objectives(&self, config: &FtmoConfig) -> Objectives {
        use ObjectiveStatus::*;
        let profit_target = match config.profit_target() {
            None => NotApplicable,
            Some(target) => {
                let flat = self.last_mark.is_none_or(|m| m.open_positions == 0);
                if flat && self.balance() >= self.initial_capital + target {
                    Met
                } else {
                    InProgress
                }
            }
        };
        let min_days = self.product.min_trading_days();
        let min_trading_days = if min_days == 0 {
            NotApplicable
        } else if self.trading_day_count() >= min_days {
            Met
        } else {
            InProgress
        };
        let best_day = match self.product.best_day_max_share() {
            None => NotApplicable,
            Some(max_share) => match self.best_day_ratio() {
                Some(ratio) if ratio <= max_share => Met,
                _ => InProgress,
            },
        };
        let failed = |rule| {
            if self.firm_breach.is_some_and(|b| b.rule == rule) {
                Failed
            } else {
                Met
            }
        };
        Objectives {
            profit_target,
            min_trading_days,
            best_day,
            daily_loss: failed(domain::AccountRule::DailyLoss),
            max_loss: failed(domain::AccountRule::MaxLoss),
        }
    }
}
