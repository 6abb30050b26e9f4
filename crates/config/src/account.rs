//! `[account]`: the account-level rules the trading account lives under (a
//! prop-firm product such as an FTMO Challenge), off by default.
//!
//! This crate only names and validates the settings; the `ftmo` crate turns them
//! into the rule set (`ftmo::FtmoConfig::from_settings`).

use std::fmt;
use std::str::FromStr;

use domain::{ConfigViolation, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::settings::PortfolioConfig;

/// Which account rules apply (`account.rules`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccountRulesKind {
    /// No account rules.
    #[default]
    #[serde(rename = "none")]
    None,
    /// FTMO 2-Step, phase 1: the FTMO Challenge.
    #[serde(rename = "ftmo-2step-challenge")]
    Ftmo2StepChallenge,
    /// FTMO 2-Step, phase 2: the Verification.
    #[serde(rename = "ftmo-2step-verification")]
    Ftmo2StepVerification,
    /// FTMO Account (funded) after the 2-Step evaluation.
    #[serde(rename = "ftmo-2step-account")]
    Ftmo2StepAccount,
    /// FTMO Challenge 1-Step.
    #[serde(rename = "ftmo-1step-challenge")]
    Ftmo1StepChallenge,
    /// FTMO Account (funded) after the 1-Step evaluation.
    #[serde(rename = "ftmo-1step-account")]
    Ftmo1StepAccount,
}

impl AccountRulesKind {
    /// Every kind, in a stable order.
    pub const ALL: [AccountRulesKind; 6] = [
        AccountRulesKind::None,
        AccountRulesKind::Ftmo2StepChallenge,
        AccountRulesKind::Ftmo2StepVerification,
        AccountRulesKind::Ftmo2StepAccount,
        AccountRulesKind::Ftmo1StepChallenge,
        AccountRulesKind::Ftmo1StepAccount,
    ];

    /// The configuration value (`none`, `ftmo-2step-challenge`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountRulesKind::None => "none",
            AccountRulesKind::Ftmo2StepChallenge => "ftmo-2step-challenge",
            AccountRulesKind::Ftmo2StepVerification => "ftmo-2step-verification",
            AccountRulesKind::Ftmo2StepAccount => "ftmo-2step-account",
            AccountRulesKind::Ftmo1StepChallenge => "ftmo-1step-challenge",
            AccountRulesKind::Ftmo1StepAccount => "ftmo-1step-account",
        }
    }

    /// True for every kind but `none`.
    pub fn is_enabled(self) -> bool {
        self != AccountRulesKind::None
    }
}

impl fmt::Display for AccountRulesKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountRulesKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown account rules {s:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// `[account]`: prop-firm account rules (see `docs/ftmo.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountConfig {
    /// Which rules apply; `none` (the default) turns the section off.
    pub rules: AccountRulesKind,
    /// Initial simulated capital of the account; required when `rules` is set and
    /// equal to `portfolio.initial_capital` (the pipeline trades that account).
    pub initial_capital: Option<Decimal>,
    /// Account currency (three upper-case letters); defaults to `portfolio.currency`.
    pub currency: Option<String>,
    /// Safety buffer, in percent of each loss allowance, kept above the firm's floors.
    pub buffer_pct: Decimal,
    /// Slippage allowance of the pre-trade worst case, in percent of the notional.
    pub slippage_buffer_pct: Decimal,
    /// Close open positions when a floor is touched.
    pub flatten_on_breach: bool,
    /// Smallest tradable quantity; a shrink below it is a rejection (absent: any positive quantity).
    pub min_qty: Option<Decimal>,
    /// Quantity step a shrunk quantity is rounded down to (absent: 8 decimal places).
    pub qty_step: Option<Decimal>,
}

impl Default for AccountConfig {
    fn default() -> Self {
        Self {
            rules: AccountRulesKind::None,
            initial_capital: None,
            currency: None,
            buffer_pct: Decimal::TEN,
            slippage_buffer_pct: Decimal::new(5, 2),
            flatten_on_breach: true,
            min_qty: None,
            qty_step: None,
        }
    }
}

impl AccountConfig {
    /// Rule violations of this section, including its agreement with `[portfolio]`.
    pub fn validate(&self, portfolio: &PortfolioConfig) -> Vec<ConfigViolation> {
        let mut v = Violations::new("account");
        let hundred = Decimal::ONE_HUNDRED;
        v.check(
            self.buffer_pct >= Decimal::ZERO && self.buffer_pct < hundred,
            "buffer_pct",
            "in [0, 100)",
            self.buffer_pct,
        );
        v.check(
            self.slippage_buffer_pct >= Decimal::ZERO && self.slippage_buffer_pct <= hundred,
            "slippage_buffer_pct",
            "in [0, 100]",
            self.slippage_buffer_pct,
        );
        if let Some(min_qty) = self.min_qty {
            v.check(min_qty > Decimal::ZERO, "min_qty", "> 0", min_qty);
        }
        if let Some(step) = self.qty_step {
            v.check(step > Decimal::ZERO, "qty_step", "> 0", step);
        }
        if let Some(currency) = &self.currency {
            v.check(
                currency.len() == 3 && currency.chars().all(|c| c.is_ascii_uppercase()),
                "currency",
                "three upper-case letters like USD",
                format!("{currency:?}"),
            );
            v.check(
                *currency == portfolio.currency,
                "currency",
                &format!(
                    "equal to portfolio.currency ({:?}): the account is the portfolio",
                    portfolio.currency
                ),
                format!("{currency:?}"),
            );
        }
        match self.initial_capital {
            Some(capital) => {
                v.check(capital > Decimal::ZERO, "initial_capital", "> 0", capital);
                v.check(
                    capital == portfolio.initial_capital,
                    "initial_capital",
                    &format!(
                        "equal to portfolio.initial_capital ({}): the account is the portfolio",
                        portfolio.initial_capital
                    ),
                    capital,
                );
            }
            None => v.check(
                !self.rules.is_enabled(),
                "initial_capital",
                &format!(
                    "set when account.rules is {:?} (the account size, e.g. 100000)",
                    self.rules.as_str()
                ),
                "nothing",
            ),
        }
        if self.rules.is_enabled() && self.currency.is_none() {
            v.check(
                portfolio.currency.len() == 3,
                "currency",
                "set (three upper-case letters) when portfolio.currency is not a three-letter code",
                "nothing",
            );
        }
        v.into_vec()
    }

    /// The account currency: `currency`, else the portfolio's.
    pub fn currency_or<'a>(&'a self, portfolio: &'a PortfolioConfig) -> &'a str {
        self.currency.as_deref().unwrap_or(&portfolio.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn portfolio(capital: Decimal) -> PortfolioConfig {
        PortfolioConfig {
            initial_capital: capital,
            ..PortfolioConfig::default()
        }
    }

    fn keys(v: &[ConfigViolation]) -> Vec<&str> {
        v.iter().map(|v| v.key.as_str()).collect()
    }

    #[test]
    fn defaults_are_off_and_valid() {
        let c = AccountConfig::default();
        assert!(!c.rules.is_enabled());
        assert_eq!(c.validate(&PortfolioConfig::default()), vec![]);
    }

    #[test]
    fn names_round_trip_through_from_str_and_display() {
        for kind in AccountRulesKind::ALL {
            assert_eq!(kind.as_str().parse::<AccountRulesKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        let err = "ftmo-3step".parse::<AccountRulesKind>().unwrap_err();
        assert!(err.contains("ftmo-1step-account"), "{err}");
    }

    #[test]
    fn rules_without_initial_capital_name_the_key() {
        let c = AccountConfig {
            rules: AccountRulesKind::Ftmo2StepChallenge,
            ..AccountConfig::default()
        };
        let v = c.validate(&portfolio(dec!(100000)));
        assert_eq!(keys(&v), ["account.initial_capital"]);
        assert!(
            v[0].to_string().contains("ftmo-2step-challenge"),
            "{}",
            v[0]
        );
    }

    #[test]
    fn initial_capital_must_match_the_portfolio() {
        let c = AccountConfig {
            rules: AccountRulesKind::Ftmo1StepChallenge,
            initial_capital: Some(dec!(100000)),
            ..AccountConfig::default()
        };
        let v = c.validate(&portfolio(dec!(10000)));
        assert_eq!(keys(&v), ["account.initial_capital"]);
        assert!(
            v[0].to_string()
                .contains("portfolio.initial_capital (10000)"),
            "{}",
            v[0]
        );
        assert_eq!(c.validate(&portfolio(dec!(100000))), vec![]);
    }

    #[test]
    fn currency_must_be_three_letters_and_match_the_portfolio() {
        let c = AccountConfig {
            rules: AccountRulesKind::Ftmo2StepAccount,
            initial_capital: Some(dec!(100000)),
            currency: Some("eur".into()),
            ..AccountConfig::default()
        };
        let v = c.validate(&portfolio(dec!(100000)));
        assert_eq!(keys(&v), ["account.currency", "account.currency"]);
        let c = AccountConfig {
            currency: Some("EUR".into()),
            ..c
        };
        let v = c.validate(&portfolio(dec!(100000)));
        assert_eq!(keys(&v), ["account.currency"]);
        assert!(v[0].to_string().contains("\"USD\""), "{}", v[0]);
    }

    #[test]
    fn out_of_range_figures_are_reported_together() {
        let c = AccountConfig {
            buffer_pct: dec!(100),
            slippage_buffer_pct: dec!(-1),
            min_qty: Some(dec!(0)),
            qty_step: Some(dec!(-0.01)),
            ..AccountConfig::default()
        };
        let v = c.validate(&PortfolioConfig::default());
        assert_eq!(
            keys(&v),
            [
                "account.buffer_pct",
                "account.slippage_buffer_pct",
                "account.min_qty",
                "account.qty_step"
            ]
        );
    }
}
