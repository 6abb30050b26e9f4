//! Pre-trade headroom sizing: does an entry's worst case fit what is left above
//! the buffered floors?
//!
//! `worst case(q) = q × (stop_distance + slippage_buffer × working_price) + estimated_costs × q / requested_qty`
//!
//! - `stop_distance` is the intent's protective stop distance. Every `OrderIntent`
//!   carries one (the engine fills in `default_stop_pct` of the price when a signal has
//!   no stop), so there is no "no stop" case to guess about here.
//! - `estimated_costs` are the trade gate's round-trip fees and slippage for the
//!   requested quantity (scaled linearly when the quantity shrinks).
//! - `slippage_buffer` (`account.slippage_buffer_pct`) is extra adverse slippage on
//!   top, as a share of the notional, for gaps through the stop.
//!
//! `headroom = min(equity − daily guard floor, equity − max-loss guard floor)`. The
//! entry fits when its worst case is at most the headroom; otherwise the largest
//! quantity that fits, rounded down to `qty_step` (else to 8 decimals), is offered,
//! and the entry is rejected when that is zero or below `min_qty`. Arithmetic
//! saturates: absurd figures give an enormous worst case and a rejection, never a panic.

use std::fmt;

use domain::{AccountRule, Money, OrderIntent, Qty, Ratio};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::floors::Floors;

/// Sizing parameters of the account (`[account]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SizingRules {
    /// Adverse slippage allowance as a share of notional.
    pub slippage_buffer: Ratio,
    /// Smallest tradable quantity, if any.
    pub min_qty: Option<Qty>,
    /// Quantity step a shrunk quantity rounds down to, if any.
    pub qty_step: Option<Qty>,
}

/// The figures behind a sizing verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizingFigures {
    /// The rule with the least headroom.
    pub rule: AccountRule,
    /// Quantity requested.
    pub requested_qty: Qty,
    /// Worst-case loss at the requested quantity.
    pub worst_case_loss: Money,
    /// Headroom of the binding rule (the smaller of the two).
    pub headroom: Money,
    /// Equity minus the daily guard floor.
    pub daily_headroom: Money,
    /// Equity minus the maximum-loss guard floor.
    pub total_headroom: Money,
    /// Equity now.
    pub equity: Money,
    /// The binding rule's guard floor.
    pub guard_floor: Money,
}

impl fmt::Display for SizingFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "worst-case loss {} vs {} headroom {} (equity {}, guard floor {}; daily headroom {}, total headroom {})",
            money(self.worst_case_loss),
            self.rule,
            money(self.headroom),
            money(self.equity),
            money(self.guard_floor),
            money(self.daily_headroom),
            money(self.total_headroom),
        )
    }
}

/// What headroom sizing decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "sizing", rename_all = "snake_case")]
pub enum Sizing {
    /// The requested quantity fits.
    Fits {
        /// The figures.
        figures: SizingFigures,
    },
    /// Only `max_qty` fits.
    Shrink {
        /// The largest quantity (rounded down to the step) whose worst case fits.
        max_qty: Qty,
        /// Worst-case loss at `max_qty`.
        worst_case_at_max: Money,
        /// The figures.
        figures: SizingFigures,
    },
    /// Not even the minimum tradable quantity fits.
    Reject {
        /// The figures.
        figures: SizingFigures,
    },
}

impl Sizing {
    /// The figures, whatever the verdict.
    pub fn figures(&self) -> &SizingFigures {
        match self {
            Sizing::Fits { figures } | Sizing::Reject { figures } => figures,
            Sizing::Shrink { figures, .. } => figures,
        }
    }

    /// A one-line explanation with the figures, for `RuleVerdict` details and logs.
    pub fn detail(&self) -> String {
        let f = self.figures();
        match self {
            Sizing::Fits { .. } => format!("fits: {f}"),
            Sizing::Shrink {
                max_qty,
                worst_case_at_max,
                ..
            } => format!(
                "worst-case loss {} exceeds {} headroom {} (equity {}, guard floor {}); qty {} -> {} (worst case {}; daily headroom {}, total headroom {})",
                money(f.worst_case_loss),
                f.rule,
                money(f.headroom),
                money(f.equity),
                money(f.guard_floor),
                f.requested_qty,
                max_qty,
                money(*worst_case_at_max),
                money(f.daily_headroom),
                money(f.total_headroom),
            ),
            Sizing::Reject { .. } if f.headroom.value() <= Decimal::ZERO => format!(
                "no {} headroom: equity {} is at or below the guard floor {} (daily headroom {}, total headroom {})",
                f.rule,
                money(f.equity),
                money(f.guard_floor),
                money(f.daily_headroom),
                money(f.total_headroom),
            ),
            Sizing::Reject { .. } => format!(
                "worst-case loss {} exceeds {} headroom {} (equity {}, guard floor {}) and not even the minimum quantity fits (daily headroom {}, total headroom {})",
                money(f.worst_case_loss),
                f.rule,
                money(f.headroom),
                money(f.equity),
                money(f.guard_floor),
                money(f.daily_headroom),
                money(f.total_headroom),
            ),
        }
    }
}

/// `1234567.891` -> `1,234,567.89` (rounded half away from zero to cents).
pub fn money(amount: Money) -> String {
    let v = amount
        .value()
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.2}", v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), "00"));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < Decimal::ZERO { "-" } else { "" };
    format!("{sign}{grouped}.{frac}")
}

/// Worst-case loss of `q` units of `intent`.
fn worst_case(intent: &OrderIntent, q: Decimal, costs: Money, slippage: Ratio) -> Decimal {
    let per_unit = intent.stop_distance.value().saturating_add(
        intent
            .working_price()
            .value()
            .saturating_mul(slippage.fraction()),
    );
    let scaled_costs = if intent.qty.is_zero() {
        Decimal::ZERO
    } else {
        costs
            .value()
            .saturating_mul(q)
            .checked_div(intent.qty.value())
            .unwrap_or(Decimal::MAX)
    };
    q.saturating_mul(per_unit).saturating_add(scaled_costs)
}

fn round_down(q: Decimal, step: Option<Qty>) -> Decimal {
    match step {
        Some(step) if !step.is_zero() => q
            .checked_div(step.value())
            .map_or(Decimal::ZERO, |n| n.floor().saturating_mul(step.value())),
        _ => q.round_dp_with_strategy(8, RoundingStrategy::ToZero),
    }
}

/// Sizes `intent` against the headroom above `floors` at `equity`.
pub fn size(
    intent: &OrderIntent,
    estimated_costs: Money,
    equity: Money,
    floors: &Floors,
    rules: &SizingRules,
) -> Sizing {
    let binding = floors.binding();
    let costs = Money::new(estimated_costs.value().max(Decimal::ZERO));
    let headroom = binding.headroom(equity);
    let figures = SizingFigures {
        rule: binding.rule,
        requested_qty: intent.qty,
        worst_case_loss: Money::new(worst_case(
            intent,
            intent.qty.value(),
            costs,
            rules.slippage_buffer,
        )),
        headroom,
        daily_headroom: floors.daily.headroom(equity),
        total_headroom: floors.max_loss.headroom(equity),
        equity,
        guard_floor: binding.guard,
    };
    if headroom.value() <= Decimal::ZERO {
        return Sizing::Reject { figures };
    }
    if figures.worst_case_loss <= headroom {
        return Sizing::Fits { figures };
    }
    // Largest q with worst_case(q) <= headroom; worst_case is linear in q.
    let per_unit = figures
        .worst_case_loss
        .value()
        .checked_div(intent.qty.value())
        .unwrap_or(Decimal::MAX);
    let raw = headroom
        .value()
        .checked_div(per_unit)
        .unwrap_or(Decimal::ZERO)
        .min(intent.qty.value());
    let mut q = round_down(raw, rules.qty_step);
    let decrement = rules.qty_step.map_or(Decimal::new(1, 8), |s| s.value());
    // Division rounds in the 28th digit: step down until the worst case truly fits.
    for _ in 0..4 {
        if q <= Decimal::ZERO
            || worst_case(intent, q, costs, rules.slippage_buffer) <= headroom.value()
        {
            break;
        }
        q = (q - decrement).max(Decimal::ZERO);
    }
    let worst_at_q = worst_case(intent, q, costs, rules.slippage_buffer);
    let too_small = q <= Decimal::ZERO
        || rules.min_qty.is_some_and(|m| q < m.value())
        || worst_at_q > headroom.value();
    match Qty::new(q) {
        Ok(max_qty) if !too_small => Sizing::Shrink {
            max_qty,
            worst_case_at_max: Money::new(worst_at_q),
            figures,
        },
        _ => Sizing::Reject { figures },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_groups_thousands_and_rounds_to_cents() {
        assert_eq!(money(Money::new(dec!(95950))), "95,950.00");
        assert_eq!(money(Money::new(dec!(812.395))), "812.40");
        assert_eq!(money(Money::new(dec!(-1234567.891))), "-1,234,567.89");
        assert_eq!(money(Money::new(dec!(0.5))), "0.50");
    }

    #[test]
    fn round_down_uses_the_step_or_eight_decimals() {
        assert_eq!(
            round_down(dec!(2.999), Some(Qty::new(dec!(0.5)).unwrap())),
            dec!(2.5)
        );
        assert_eq!(round_down(dec!(0.123456789), None), dec!(0.12345678));
    }
}
