//! The configuration tree: one section per guardrail plus the shared basics.

use capital_preservation::PreservationConfig;
use domain::{Confidence, ConfigViolation, DayBoundary, Money, TierThresholds, Violations};
use readiness::ReadinessConfig;
use risk_gate::RiskConfig;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use turnover_governor::TurnoverConfig;

use crate::account::AccountConfig;
use crate::shadow::ShadowConfig;
use crate::telegram::TelegramConfig;

/// Everything Rampart's guardrails are configured with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RampartConfig {
    /// Starting capital and trading-day boundary.
    pub portfolio: PortfolioConfig,
    /// Signal tier thresholds.
    pub tiers: TiersConfig,
    /// Where the kill switch's file and environment sources are.
    pub kill_switch: KillSwitchConfig,
    /// Trade gate limits.
    pub risk: RiskConfig,
    /// Capital-preservation levels.
    pub capital_preservation: PreservationConfig,
    /// Turnover governor rules.
    pub turnover: TurnoverConfig,
    /// Thresholds of the readiness verdict.
    pub readiness: ReadinessConfig,
    /// Log files.
    pub logging: LoggingConfig,
    /// Account-level (prop-firm) rules; off by default.
    pub account: AccountConfig,
    /// Telegram alerts and operator commands; off by default.
    pub telegram: TelegramConfig,
    /// The shadow collector: advisors judged counterfactually; on by default.
    pub shadow: ShadowConfig,
    /// `[binance]`: the Binance adapter's settings (REST and WebSocket base URLs, symbol map,
    /// feed). Kept as TOML here and checked by the runtime against the adapter's own schema
    /// (`binance::BinanceConfig`, docs/binance.md), so this crate needs no adapter.
    pub binance: toml::Table,
}

impl RampartConfig {
    /// Every rule violation of every section, in section order.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut all = self.portfolio.validate();
        all.extend(self.tiers.validate());
        all.extend(self.kill_switch.validate());
        all.extend(self.risk.validate());
        all.extend(self.capital_preservation.validate());
        all.extend(self.turnover.validate());
        all.extend(self.readiness.validate());
        all.extend(self.logging.validate());
        all.extend(self.account.validate(&self.portfolio));
        all.extend(self.telegram.validate());
        all.extend(self.shadow.validate());
        all.extend(self.validate_shared_costs());
        all
    }

    /// The trade gate and the turnover governor must price a round trip the same way.
    fn validate_shared_costs(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("turnover");
        v.check(
            self.turnover.fee_bps == self.risk.fee_bps,
            "fee_bps",
            &format!("equal to risk.fee_bps ({})", self.risk.fee_bps),
            self.turnover.fee_bps,
        );
        v.check(
            self.turnover.slippage_bps == self.risk.slippage_bps,
            "slippage_bps",
            &format!("equal to risk.slippage_bps ({})", self.risk.slippage_bps),
            self.turnover.slippage_bps,
        );
        v.into_vec()
    }
}

/// `[portfolio]`: the account the pipeline trades.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PortfolioConfig {
    /// Starting cash in quote currency.
    pub initial_capital: Decimal,
    /// Quote currency of the account (informational, e.g. `USD`).
    pub currency: String,
    /// Minutes after 00:00 UTC at which a trading day starts (daily P&L resets).
    pub day_boundary_minutes: u16,
}

impl Default for PortfolioConfig {
    fn default() -> Self {
        Self {
            initial_capital: Decimal::from(10_000),
            currency: "USD".to_string(),
            day_boundary_minutes: 0,
        }
    }
}

impl PortfolioConfig {
    /// Rule violations of this section.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("portfolio");
        v.check(
            self.initial_capital > Decimal::ZERO,
            "initial_capital",
            "> 0",
            self.initial_capital,
        );
        v.check(
            self.currency.len() >= 2 && self.currency.chars().all(|c| c.is_ascii_uppercase()),
            "currency",
            "an upper-case currency code like USD",
            &self.currency,
        );
        v.check(
            self.day_boundary_minutes < 1440,
            "day_boundary_minutes",
            "in [0, 1440)",
            self.day_boundary_minutes,
        );
        v.into_vec()
    }

    /// The starting capital as money.
    pub fn initial_capital(&self) -> Money {
        Money::new(self.initial_capital)
    }

    /// The trading-day boundary (UTC midnight if the value is out of range; `validate` reports it).
    pub fn day_boundary(&self) -> DayBoundary {
        DayBoundary::new(self.day_boundary_minutes).unwrap_or(DayBoundary::UTC_MIDNIGHT)
    }
}

/// `[tiers]`: confidence thresholds of the signal tiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TiersConfig {
    /// Minimum confidence of a high-tier signal.
    pub high: Decimal,
    /// Minimum confidence of a medium-tier signal.
    pub medium: Decimal,
}

impl Default for TiersConfig {
    fn default() -> Self {
        let d = TierThresholds::default();
        Self {
            high: d.high.value(),
            medium: d.medium.value(),
        }
    }
}

impl TiersConfig {
    /// Rule violations of this section.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("tiers");
        let unit = |x: Decimal| (Decimal::ZERO..=Decimal::ONE).contains(&x);
        v.check(unit(self.high), "high", "in [0, 1]", self.high);
        v.check(unit(self.medium), "medium", "in [0, 1]", self.medium);
        v.check(
            self.medium <= self.high,
            "medium",
            &format!("<= tiers.high ({})", self.high),
            self.medium,
        );
        v.into_vec()
    }

    /// The thresholds as domain values (defaults if invalid; `validate` reports it).
    pub fn thresholds(&self) -> TierThresholds {
        Confidence::new(self.high)
            .and_then(|h| Confidence::new(self.medium).and_then(|m| TierThresholds::new(h, m)))
            .unwrap_or_default()
    }
}

/// `[logging]`: JSON log files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingConfig {
    /// Directory of the JSON-lines log files (relative paths are under the working directory).
    pub dir: String,
    /// Days of log files kept; older files are deleted at rotation (daily, UTC).
    pub retention_days: u32,
    /// Default level filter (`error`, `warn`, `info`, `debug`, `trace`); `RUST_LOG` overrides it.
    pub level: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            dir: "logs".to_string(),
            retention_days: 14,
            level: "info".to_string(),
        }
    }
}

impl LoggingConfig {
    /// Rule violations of this section.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("logging");
        v.check(
            !self.dir.trim().is_empty(),
            "dir",
            "a non-empty path",
            format!("{:?}", self.dir),
        );
        v.check(
            (1..=3650).contains(&self.retention_days),
            "retention_days",
            "in 1..=3650",
            self.retention_days,
        );
        v.check(
            matches!(
                self.level.as_str(),
                "error" | "warn" | "info" | "debug" | "trace"
            ),
            "level",
            "one of error, warn, info, debug, trace",
            format!("{:?}", self.level),
        );
        v.into_vec()
    }
}

/// `[kill_switch]`: where the runtime looks for the file and environment sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KillSwitchConfig {
    /// A file whose existence activates the kill switch.
    pub file: String,
    /// An environment variable that activates the kill switch when set to `1`/`true`.
    pub env_var: String,
}

impl Default for KillSwitchConfig {
    fn default() -> Self {
        Self {
            file: "data/kill_switch".to_string(),
            env_var: "RAMPART_KILL_SWITCH".to_string(),
        }
    }
}

impl KillSwitchConfig {
    /// Rule violations of this section.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("kill_switch");
        v.check(
            !self.file.trim().is_empty(),
            "file",
            "a non-empty path",
            format!("{:?}", self.file),
        );
        v.check(
            !self.env_var.is_empty()
                && self
                    .env_var
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
            "env_var",
            "an upper-case variable name",
            format!("{:?}", self.env_var),
        );
        v.into_vec()
    }
}
