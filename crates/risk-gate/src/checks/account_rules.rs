//! Check 11: the account-rules port (e.g. FTMO daily and maximum loss). The
//! rules see the portfolio, the closed balance and this trade's estimated
//! costs; they may allow, shrink the quantity to what the remaining headroom
//! admits (recorded as an adjustment carrying the rule and its figures), or reject. Shrinking to zero is a
//! rejection: the trade does not fit at any size.

use domain::ports::{AccountContext, RuleVerdict};
use domain::{Adjustment, Money, OrderIntent, PortfolioSnapshot, Qty, RejectReason};

use crate::checks::loss_per_trade::TradeRisk;
use crate::context::RiskContext;

/// What the account rules did to an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Fits as requested (or there are no rules).
    Allow,
    /// Fits at `to`; the adjustment records why.
    Shrink {
        /// The quantity that fits.
        to: Qty,
        /// `QtyReducedForHeadroom`.
        adjustment: Adjustment,
    },
    /// Does not fit.
    Reject(RejectReason),
}

/// Closed balance: equity without floating P&L.
fn closed_balance(portfolio: &PortfolioSnapshot) -> Money {
    Money::new(
        portfolio
            .equity
            .value()
            .saturating_sub(portfolio.unrealized_pnl.value()),
    )
}

/// Asks the account's rules, if any, about `intent`.
pub(crate) fn check(intent: &OrderIntent, risk: &TradeRisk, ctx: &RiskContext<'_>) -> Outcome {
    let Some(rules) = ctx.account_rules else {
        return Outcome::Allow;
    };
    let account = AccountContext {
        portfolio: ctx.portfolio,
        balance: closed_balance(ctx.portfolio),
        estimated_costs: risk.costs,
        now: ctx.now,
    };
    match rules.evaluate(intent, &account) {
        RuleVerdict::Allow => Outcome::Allow,
        RuleVerdict::Shrink {
            max_qty,
            rule,
            detail,
        } if max_qty.is_zero() => Outcome::Reject(RejectReason::AccountRule { rule, detail }),
        RuleVerdict::Shrink {
            max_qty,
            rule,
            detail,
        } if max_qty < intent.qty => Outcome::Shrink {
            to: max_qty,
            adjustment: Adjustment::QtyReducedForHeadroom {
                from: intent.qty,
                to: max_qty,
                rule,
                detail,
            },
        },
        RuleVerdict::Shrink { .. } => Outcome::Allow,
        RuleVerdict::Reject { rule, detail } => {
            Outcome::Reject(RejectReason::AccountRule { rule, detail })
        }
    }
}

#[cfg(test)]
mod tests {
    use domain::ports::RuleVerdict;
    use domain::{Adjustment, Money, RejectReason};
    use rust_decimal_macros::dec;

    use crate::testing::*;

    fn with_rule(verdict: RuleVerdict) -> Scenario {
        let mut s = Scenario::healthy();
        s.rules = Some(Box::new(FixedRule::new(verdict)));
        s
    }

    #[test]
    fn rejects_when_an_account_rule_rejects() {
        let s = with_rule(RuleVerdict::Reject {
            rule: "ftmo_daily_loss".into(),
            detail: "daily loss 4.9% of 5%".into(),
        });
        assert_eq!(
            only_reason(&s.evaluate(entry())),
            &RejectReason::AccountRule {
                rule: "ftmo_daily_loss".into(),
                detail: "daily loss 4.9% of 5%".into(),
            }
        );
    }

    #[test]
    fn shrinks_the_quantity_to_the_headroom_and_records_it() {
        let s = with_rule(RuleVerdict::Shrink {
            max_qty: qty(dec!(0.004)),
            rule: "ftmo_daily_loss".into(),
            detail: "headroom 120".into(),
        });
        let d = s.evaluate(entry());
        let approved = d.approved().expect("shrunk order is approved");
        assert_eq!(approved.inner().qty, qty(dec!(0.004)));
        assert_eq!(
            approved.adjustments(),
            [Adjustment::QtyReducedForHeadroom {
                from: qty(dec!(0.01)),
                to: qty(dec!(0.004)),
                rule: "ftmo_daily_loss".into(),
                detail: "headroom 120".into(),
            }]
        );
    }

    #[test]
    fn the_headroom_adjustment_serialises_its_figures_and_reads_old_records() {
        let adjustment = Adjustment::QtyReducedForHeadroom {
            from: qty(dec!(0.01)),
            to: qty(dec!(0.004)),
            rule: "daily_loss".into(),
            detail: "worst-case loss 812.40 exceeds daily headroom 450.00".into(),
        };
        let json = serde_json::to_value(&adjustment).unwrap();
        assert_eq!(json["rule"], "daily_loss");
        assert_eq!(
            json["detail"],
            "worst-case loss 812.40 exceeds daily headroom 450.00"
        );
        // Records written before the figures were carried still read.
        let old: Adjustment = serde_json::from_value(serde_json::json!({
            "adjustment": "qty_reduced_for_headroom",
            "from": "0.01",
            "to": "0.004",
            "rule": "daily_loss"
        }))
        .unwrap();
        assert!(matches!(
            old,
            Adjustment::QtyReducedForHeadroom { ref detail, .. } if detail.is_empty()
        ));
    }

    #[test]
    fn a_shrink_then_rounds_down_to_the_step() {
        let s = with_rule(RuleVerdict::Shrink {
            max_qty: qty(dec!(0.0041234567)),
            rule: "ftmo_max_loss".into(),
            detail: String::new(),
        });
        let d = s.evaluate(entry());
        let approved = d.approved().expect("approved");
        assert_eq!(approved.inner().qty, qty(dec!(0.00412)));
        assert_eq!(
            approved.adjustments().len(),
            2,
            "{:?}",
            approved.adjustments()
        );
        assert!(matches!(
            approved.adjustments()[1],
            Adjustment::QtyRoundedToStep { .. }
        ));
    }

    #[test]
    fn a_shrink_to_zero_is_a_rejection() {
        let s = with_rule(RuleVerdict::Shrink {
            max_qty: qty(dec!(0)),
            rule: "ftmo_max_loss".into(),
            detail: "no headroom".into(),
        });
        assert_eq!(
            only_reason(&s.evaluate(entry())),
            &RejectReason::AccountRule {
                rule: "ftmo_max_loss".into(),
                detail: "no headroom".into(),
            }
        );
    }

    #[test]
    fn a_shrink_above_the_requested_quantity_changes_nothing() {
        let s = with_rule(RuleVerdict::Shrink {
            max_qty: qty(dec!(1)),
            rule: "r".into(),
            detail: String::new(),
        });
        let d = s.evaluate(entry());
        assert_eq!(d.approved().map(|a| a.adjustments().len()), Some(0));
    }

    #[test]
    fn rules_are_shown_the_estimated_round_trip_costs() {
        let rule = FixedRule::new(RuleVerdict::Allow);
        let s = Scenario::healthy();
        let mut ctx = s.ctx();
        ctx.account_rules = Some(&rule);
        assert!(gate().evaluate(entry(), &ctx).is_approved());
        // 500 notional x 2 x (10 + 5) bps.
        assert_eq!(
            *rule.seen_costs.lock().unwrap(),
            Some(Money::new(dec!(1.5)))
        );
    }

    #[test]
    fn exits_do_not_consult_account_rules() {
        let mut s = Scenario::holding(dec!(0.02));
        s.rules = Some(Box::new(FixedRule::new(RuleVerdict::Reject {
            rule: "ftmo_daily_loss".into(),
            detail: "breached".into(),
        })));
        assert!(s.evaluate(exit(dec!(0.02))).is_approved());
    }
}
