//! The five FTMO products and their objectives (ftmo-rules.md, collected 2026-11).

use std::fmt;
use std::str::FromStr;

use config::AccountRulesKind;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::FtmoError;

/// How a product's maximum-loss floor moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxLossKind {
    /// 2-Step: fixed at initial capital − allowance, whatever the account earns.
    Static,
    /// 1-Step: `max(initial, highest end-of-day balance) − allowance`, only rising.
    TrailingEndOfDay,
}

/// An FTMO product (phase); its stable name is the value of `account.rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Product {
    /// 2-Step, phase 1: FTMO Challenge.
    TwoStepChallenge,
    /// 2-Step, phase 2: Verification.
    TwoStepVerification,
    /// FTMO Account (funded) after the 2-Step evaluation.
    TwoStepAccount,
    /// FTMO Challenge 1-Step.
    OneStepChallenge,
    /// FTMO Account (funded) after the 1-Step evaluation.
    OneStepAccount,
}

impl Product {
    /// Every product.
    pub const ALL: [Product; 5] = [
        Product::TwoStepChallenge,
        Product::TwoStepVerification,
        Product::TwoStepAccount,
        Product::OneStepChallenge,
        Product::OneStepAccount,
    ];

    /// Stable name (`ftmo-2step-challenge`, ...), the value of `account.rules`.
    pub fn as_str(self) -> &'static str {
        match self {
            Product::TwoStepChallenge => "ftmo-2step-challenge",
            Product::TwoStepVerification => "ftmo-2step-verification",
            Product::TwoStepAccount => "ftmo-2step-account",
            Product::OneStepChallenge => "ftmo-1step-challenge",
            Product::OneStepAccount => "ftmo-1step-account",
        }
    }

    /// The product named by `account.rules`, `None` for `none`.
    pub fn from_rules(kind: AccountRulesKind) -> Option<Product> {
        match kind {
            AccountRulesKind::None => None,
            AccountRulesKind::Ftmo2StepChallenge => Some(Product::TwoStepChallenge),
            AccountRulesKind::Ftmo2StepVerification => Some(Product::TwoStepVerification),
            AccountRulesKind::Ftmo2StepAccount => Some(Product::TwoStepAccount),
            AccountRulesKind::Ftmo1StepChallenge => Some(Product::OneStepChallenge),
            AccountRulesKind::Ftmo1StepAccount => Some(Product::OneStepAccount),
        }
    }

    fn is_one_step(self) -> bool {
        matches!(self, Product::OneStepChallenge | Product::OneStepAccount)
    }

    /// Maximum daily loss in percent of initial capital (5, or 3 for 1-Step).
    pub fn daily_loss_pct(self) -> Decimal {
        if self.is_one_step() {
            Decimal::from(3)
        } else {
            Decimal::from(5)
        }
    }

    /// Maximum loss in percent of initial capital (10 for every product).
    pub fn max_loss_pct(self) -> Decimal {
        Decimal::TEN
    }

    /// How the maximum-loss floor moves.
    pub fn max_loss_kind(self) -> MaxLossKind {
        if self.is_one_step() {
            MaxLossKind::TrailingEndOfDay
        } else {
            MaxLossKind::Static
        }
    }

    /// Profit target in percent of initial capital, `None` for funded accounts.
    pub fn profit_target_pct(self) -> Option<Decimal> {
        match self {
            Product::TwoStepChallenge | Product::OneStepChallenge => Some(Decimal::TEN),
            Product::TwoStepVerification => Some(Decimal::from(5)),
            Product::TwoStepAccount | Product::OneStepAccount => None,
        }
    }

    /// Distinct Prague days with a position opened that the phase requires (0 = none).
    pub fn min_trading_days(self) -> u32 {
        match self {
            Product::TwoStepChallenge | Product::TwoStepVerification => 4,
            _ => 0,
        }
    }

    /// Largest share of total profit the best day may hold (1-Step Challenge: 50 %).
    pub fn best_day_max_share(self) -> Option<Decimal> {
        (self == Product::OneStepChallenge).then(|| Decimal::new(5, 1))
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Product {
    type Err = FtmoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| FtmoError::UnknownProduct(s.to_string()))
    }
}

impl TryFrom<String> for Product {
    type Error = FtmoError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Product> for String {
    fn from(value: Product) -> Self {
        value.as_str().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_the_config_values() {
        for p in Product::ALL {
            assert_eq!(p.as_str().parse::<Product>(), Ok(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{p}\""));
            let kind: AccountRulesKind = p.as_str().parse().unwrap();
            assert_eq!(Product::from_rules(kind), Some(p));
        }
        assert_eq!(Product::from_rules(AccountRulesKind::None), None);
        assert!(matches!(
            "ftmo-aggressive".parse::<Product>(),
            Err(FtmoError::UnknownProduct(_))
        ));
    }

    #[test]
    fn objectives_follow_the_published_tables() {
        use Product::*;
        let row = |p: Product| {
            (
                p.daily_loss_pct(),
                p.max_loss_kind(),
                p.profit_target_pct(),
                p.min_trading_days(),
                p.best_day_max_share().is_some(),
            )
        };
        let d = Decimal::from;
        assert_eq!(
            row(TwoStepChallenge),
            (d(5), MaxLossKind::Static, Some(d(10)), 4, false)
        );
        assert_eq!(
            row(TwoStepVerification),
            (d(5), MaxLossKind::Static, Some(d(5)), 4, false)
        );
        assert_eq!(
            row(TwoStepAccount),
            (d(5), MaxLossKind::Static, None, 0, false)
        );
        assert_eq!(
            row(OneStepChallenge),
            (d(3), MaxLossKind::TrailingEndOfDay, Some(d(10)), 0, true)
        );
        assert_eq!(
            row(OneStepAccount),
            (d(3), MaxLossKind::TrailingEndOfDay, None, 0, false)
        );
    }
}
