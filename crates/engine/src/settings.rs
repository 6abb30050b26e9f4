//! What the engine is configured with: the guardrail sections, sizing and mode.

use capital_preservation::PreservationConfig;
use domain::{ConfigViolation, DayBoundary, Money, TierThresholds, TradingMode, Violations};
use risk_gate::RiskConfig;
use rust_decimal::Decimal;
use turnover_governor::TurnoverConfig;

use crate::sizing::Sizing;

/// Guardrails on (every mode) or off (backtest only: the raw strategy, for
/// comparisons with other backtesters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guardrails {
    /// Governor, capital preservation and every gate check.
    On,
    /// Only the kill switch and exchange filters; refused outside backtests.
    Off,
}

/// Everything the engine needs to run.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Backtest, dry-run, paper or live.
    pub mode: TradingMode,
    /// Tag mixed into deterministic client order ids (e.g. the run id).
    pub run_tag: String,
    /// Guardrails on or off.
    pub guardrails: Guardrails,
    /// Entry sizing.
    pub sizing: Sizing,
    /// Stop distance, as % of price, when a signal does not suggest one.
    pub default_stop_pct: Decimal,
    /// Starting cash.
    pub initial_capital: Money,
    /// Trading-day boundary for daily P&L.
    pub day_boundary: DayBoundary,
    /// Signal tier thresholds.
    pub tiers: TierThresholds,
    /// Trade gate section.
    pub risk: RiskConfig,
    /// Capital-preservation section.
    pub preservation: PreservationConfig,
    /// Turnover governor section.
    pub turnover: TurnoverConfig,
    /// Serialise the engine state into every stored batch (needed to resume; off for backtests).
    pub persist_state: bool,
    /// With `persist_state`: a market event that produced nothing still saves the state
    /// when none was saved for this long of engine time, so the resume point never lags
    /// the data by more (a crash loop cannot replay the same quiet stretch for ever).
    pub progress_interval: chrono::Duration,
    /// Close open positions with protective exits when an account rule is breached.
    pub flatten_on_account_breach: bool,
}

impl EngineSettings {
    /// Settings with every guardrail at its default, for `mode`.
    pub fn new(mode: TradingMode, run_tag: &str) -> Self {
        Self {
            mode,
            run_tag: run_tag.to_string(),
            guardrails: Guardrails::On,
            sizing: Sizing::default(),
            default_stop_pct: Decimal::TWO,
            initial_capital: Money::new(Decimal::from(10_000)),
            day_boundary: DayBoundary::UTC_MIDNIGHT,
            tiers: TierThresholds::default(),
            risk: RiskConfig::default(),
            preservation: PreservationConfig::default(),
            turnover: TurnoverConfig::default(),
            persist_state: false,
            progress_interval: chrono::Duration::minutes(5),
            flatten_on_account_breach: true,
        }
    }

    /// Every rule violation (each section's and the engine's own).
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut all = self.risk.validate();
        all.extend(self.preservation.validate());
        all.extend(self.turnover.validate());
        let mut v = Violations::new("engine");
        v.check(
            self.guardrails == Guardrails::On || self.mode == TradingMode::Backtest,
            "guardrails",
            "on outside backtests",
            "off",
        );
        v.check(
            self.default_stop_pct > Decimal::ZERO && self.default_stop_pct <= Decimal::ONE_HUNDRED,
            "default_stop_pct",
            "in (0, 100]",
            self.default_stop_pct,
        );
        v.check(
            self.initial_capital > Money::ZERO,
            "initial_capital",
            "> 0",
            self.initial_capital,
        );
        match self.sizing {
            Sizing::AllIn => {}
            Sizing::FixedQuote { amount } => {
                v.check(amount > Decimal::ZERO, "sizing.amount", "> 0", amount)
            }
            Sizing::RiskPct { pct } => v.check(
                pct > Decimal::ZERO && pct <= Decimal::ONE_HUNDRED,
                "sizing.pct",
                "in (0, 100]",
                pct,
            ),
        }
        all.extend(v.into_vec());
        all
    }
}
