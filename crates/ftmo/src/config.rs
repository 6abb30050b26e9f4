//! The account an FTMO rule set guards: product, size, currency, and how much
//! margin the guardrail keeps above the firm's lines.

use std::fmt;

use config::RampartConfig;
use domain::{Money, Qty, Ratio};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::FtmoError;
use crate::product::Product;

/// A three-letter upper-case currency code (`USD`, `EUR`, `CZK`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    /// Validates a currency code.
    pub fn new(code: &str) -> Result<Self, FtmoError> {
        if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(code.to_string()))
        } else {
            Err(FtmoError::InvalidSetting {
                key: "account.currency",
                expected: "three upper-case letters like USD",
                got: format!("{code:?}"),
            })
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = FtmoError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated FTMO account configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtmoConfig {
    product: Product,
    initial_capital: Money,
    currency: Currency,
    buffer: Ratio,
    slippage_buffer: Ratio,
    flatten_on_breach: bool,
    min_qty: Option<Qty>,
    qty_step: Option<Qty>,
}

fn invalid(key: &'static str, expected: &'static str, got: impl fmt::Display) -> FtmoError {
    FtmoError::InvalidSetting {
        key,
        expected,
        got: got.to_string(),
    }
}

impl FtmoConfig {
    /// An account of `product` with `initial_capital` (> 0) in `currency`, with the
    /// defaults of `[account]`: buffer 10 %, slippage buffer 0.05 % of notional,
    /// flatten on breach, no minimum quantity or step.
    pub fn new(
        product: Product,
        initial_capital: Money,
        currency: Currency,
    ) -> Result<Self, FtmoError> {
        if initial_capital.value() <= Decimal::ZERO {
            return Err(invalid("account.initial_capital", "> 0", initial_capital));
        }
        Ok(Self {
            product,
            initial_capital,
            currency,
            buffer: Ratio::from_pct(Decimal::TEN),
            slippage_buffer: Ratio::from_pct(Decimal::new(5, 2)),
            flatten_on_breach: true,
            min_qty: None,
            qty_step: None,
        })
    }

    /// The FTMO configuration of `[account]`, `None` when `account.rules = "none"`.
    ///
    /// `config::load` has validated the section already; the checks here repeat only
    /// what this crate relies on, so a hand-built `RampartConfig` cannot slip through.
    pub fn from_settings(settings: &RampartConfig) -> Result<Option<Self>, FtmoError> {
        let account = &settings.account;
        let Some(product) = Product::from_rules(account.rules) else {
            return Ok(None);
        };
        let capital = account.initial_capital.ok_or_else(|| {
            invalid(
                "account.initial_capital",
                "set when account.rules names an FTMO product",
                "nothing",
            )
        })?;
        let currency = Currency::new(account.currency_or(&settings.portfolio))?;
        Self::new(product, Money::new(capital), currency)?
            .with_buffer_pct(account.buffer_pct)?
            .with_slippage_buffer_pct(account.slippage_buffer_pct)?
            .with_quantities(account.min_qty, account.qty_step)
            .map(|c| Some(c.with_flatten_on_breach(account.flatten_on_breach)))
    }

    /// Sets the safety buffer, in percent of each allowance, in `[0, 100)`.
    pub fn with_buffer_pct(mut self, pct: Decimal) -> Result<Self, FtmoError> {
        if pct < Decimal::ZERO || pct >= Decimal::ONE_HUNDRED {
            return Err(invalid("account.buffer_pct", "in [0, 100)", pct));
        }
        self.buffer = Ratio::from_pct(pct);
        Ok(self)
    }

    /// Sets the slippage buffer of the pre-trade worst case, in percent of notional, in `[0, 100]`.
    pub fn with_slippage_buffer_pct(mut self, pct: Decimal) -> Result<Self, FtmoError> {
        if pct < Decimal::ZERO || pct > Decimal::ONE_HUNDRED {
            return Err(invalid("account.slippage_buffer_pct", "in [0, 100]", pct));
        }
        self.slippage_buffer = Ratio::from_pct(pct);
        Ok(self)
    }

    /// Sets the smallest tradable quantity and the quantity step (each > 0 when given).
    pub fn with_quantities(
        mut self,
        min_qty: Option<Decimal>,
        qty_step: Option<Decimal>,
    ) -> Result<Self, FtmoError> {
        let positive = |key, v: Option<Decimal>| match v {
            None => Ok(None),
            Some(v) if v > Decimal::ZERO => {
                Qty::new(v).map(Some).map_err(|_| invalid(key, "> 0", v))
            }
            Some(v) => Err(invalid(key, "> 0", v)),
        };
        self.min_qty = positive("account.min_qty", min_qty)?;
        self.qty_step = positive("account.qty_step", qty_step)?;
        Ok(self)
    }

    /// Sets whether open positions are closed when a buffered floor is touched.
    pub fn with_flatten_on_breach(mut self, flatten: bool) -> Self {
        self.flatten_on_breach = flatten;
        self
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
    /// Safety buffer as a share of each allowance.
    pub fn buffer(&self) -> Ratio {
        self.buffer
    }
    /// Slippage buffer as a share of notional.
    pub fn slippage_buffer(&self) -> Ratio {
        self.slippage_buffer
    }
    /// Close open positions when a buffered floor is touched.
    pub fn flatten_on_breach(&self) -> bool {
        self.flatten_on_breach
    }
    /// Smallest tradable quantity, if configured.
    pub fn min_qty(&self) -> Option<Qty> {
        self.min_qty
    }
    /// Quantity step, if configured.
    pub fn qty_step(&self) -> Option<Qty> {
        self.qty_step
    }

    /// The daily-loss allowance: daily % × initial capital.
    pub fn daily_allowance(&self) -> Money {
        self.initial_capital * Ratio::from_pct(self.product.daily_loss_pct())
    }

    /// The maximum-loss allowance: 10 % × initial capital.
    pub fn max_allowance(&self) -> Money {
        self.initial_capital * Ratio::from_pct(self.product.max_loss_pct())
    }

    /// The profit target amount, `None` for funded accounts.
    pub fn profit_target(&self) -> Option<Money> {
        self.product
            .profit_target_pct()
            .map(|pct| self.initial_capital * Ratio::from_pct(pct))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use config::{AccountRulesKind, RampartConfig};
    use rust_decimal_macros::dec;

    fn settings(rules: AccountRulesKind, capital: Option<Decimal>) -> RampartConfig {
        let mut c = RampartConfig::default();
        c.portfolio.initial_capital = dec!(100000);
        c.account.rules = rules;
        c.account.initial_capital = capital;
        c
    }

    #[test]
    fn no_rules_means_no_account() {
        assert_eq!(
            FtmoConfig::from_settings(&RampartConfig::default()),
            Ok(None)
        );
    }

    #[test]
    fn builds_from_settings_with_the_portfolio_currency() {
        let mut s = settings(AccountRulesKind::Ftmo1StepChallenge, Some(dec!(100000)));
        s.account.buffer_pct = dec!(20);
        s.account.qty_step = Some(dec!(1000));
        let c = FtmoConfig::from_settings(&s).unwrap().unwrap();
        assert_eq!(c.product(), Product::OneStepChallenge);
        assert_eq!(c.currency().as_str(), "USD");
        assert_eq!(c.buffer(), Ratio::from_pct(dec!(20)));
        assert_eq!(c.daily_allowance(), Money::new(dec!(3000)));
        assert_eq!(c.max_allowance(), Money::new(dec!(10000)));
        assert_eq!(c.profit_target(), Some(Money::new(dec!(10000))));
        assert_eq!(c.qty_step().map(Qty::value), Some(dec!(1000)));
        assert!(c.flatten_on_breach());
    }

    #[test]
    fn missing_capital_and_bad_figures_name_the_key() {
        let err = FtmoConfig::from_settings(&settings(AccountRulesKind::Ftmo2StepChallenge, None))
            .unwrap_err();
        assert!(
            err.to_string().starts_with("account.initial_capital"),
            "{err}"
        );
        let mut s = settings(AccountRulesKind::Ftmo2StepChallenge, Some(dec!(100000)));
        s.account.buffer_pct = dec!(100);
        let err = FtmoConfig::from_settings(&s).unwrap_err();
        assert!(err.to_string().starts_with("account.buffer_pct"), "{err}");
        assert!(Currency::new("usd").is_err());
        assert!(
            FtmoConfig::new(
                Product::TwoStepAccount,
                Money::ZERO,
                Currency::new("EUR").unwrap()
            )
            .is_err()
        );
    }
}
