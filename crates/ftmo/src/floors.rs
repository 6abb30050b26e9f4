//! The two floors equity is held against, each as the firm's line and our
//! buffered line above it.
//!
//! - daily: `balance at the previous Prague midnight − daily% × initial capital`
//! - max loss: 2-Step `initial × 0.90`; 1-Step `max(initial, highest EOD balance) − 10% × initial`
//! - buffered line = firm line + buffer% × the rule's allowance

use domain::{AccountBreach, AccountMark, AccountRule, BreachLine, Money};
use serde::{Deserialize, Serialize};

use crate::config::FtmoConfig;
use crate::state::Anchors;

/// One rule's floor: the firm's line and ours above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Floor {
    /// Which rule.
    pub rule: AccountRule,
    /// The firm's line: equity below it fails the account.
    pub firm: Money,
    /// Our line (firm + buffer): equity below it halts new entries.
    pub guard: Money,
    /// The rule's allowance (loss the firm allows from its reference).
    pub allowance: Money,
}

impl Floor {
    /// Equity minus the guard line: what may still be lost before the runtime stops.
    pub fn headroom(&self, equity: Money) -> Money {
        equity - self.guard
    }

    /// Loss used against the allowance, in percent (0 when none is used), 2 decimals.
    pub fn utilisation_pct(&self, equity: Money) -> rust_decimal::Decimal {
        let reference = self.firm + self.allowance;
        let used = (reference - equity)
            .value()
            .max(rust_decimal::Decimal::ZERO);
        used.checked_div(self.allowance.value())
            .map_or(rust_decimal::Decimal::ZERO, |r| {
                (r * rust_decimal::Decimal::ONE_HUNDRED).round_dp(2)
            })
    }
}

/// Both floors at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Floors {
    /// The daily-loss floor.
    pub daily: Floor,
    /// The maximum-loss floor.
    pub max_loss: Floor,
}

impl Floors {
    pub(crate) fn from_anchors(anchors: &Anchors, config: &FtmoConfig) -> Self {
        let buffer = config.buffer();
        let daily_allowance = config.daily_allowance();
        let max_allowance = config.max_allowance();
        let daily_firm = anchors.day_start_balance - daily_allowance;
        Self {
            daily: Floor {
                rule: AccountRule::DailyLoss,
                firm: daily_firm,
                guard: daily_firm + daily_allowance * buffer,
                allowance: daily_allowance,
            },
            max_loss: Floor {
                rule: AccountRule::MaxLoss,
                firm: anchors.max_loss_floor,
                guard: anchors.max_loss_floor + max_allowance * buffer,
                allowance: max_allowance,
            },
        }
    }

    /// The floor with the least headroom (the higher guard line; daily on a tie).
    pub fn binding(&self) -> &Floor {
        if self.max_loss.guard > self.daily.guard {
            &self.max_loss
        } else {
            &self.daily
        }
    }

    /// The breaches of `mark` on `line`: equity strictly below that line of a rule.
    /// When both rules' lines are crossed, the one with the higher line (crossed first) is named.
    pub fn crossed(&self, mark: &AccountMark, line: BreachLine) -> Option<AccountBreach> {
        let level = |f: &Floor| match line {
            BreachLine::Buffered => f.guard,
            BreachLine::Firm => f.firm,
        };
        let mut hit: Option<&Floor> = None;
        for f in [&self.daily, &self.max_loss] {
            if mark.equity < level(f) && hit.is_none_or(|h| level(f) > level(h)) {
                hit = Some(f);
            }
        }
        hit.map(|f| AccountBreach {
            rule: f.rule,
            line,
            at: mark.at,
            equity: mark.equity,
            balance: mark.balance,
            firm_floor: f.firm,
            guard_floor: f.guard,
        })
    }
}
