//! Typed reasons: why a trade was rejected or blocked, why the capital
//! preservation level changed, who switched the kill switch.
//!
//! Every reason serialises with a stable snake_case `code`, because reports,
//! metrics labels and dashboards key on it. Renaming a code is a breaking change.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::filters::FilterFailure;
use crate::market::Timestamp;
use crate::money::{Money, Ratio};
use crate::signal::{Confidence, Tier};
use crate::symbol::Symbol;

/// Where the runtime sends orders (ARCHITECTURE.md section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TradingMode {
    /// Historical replay as fast as possible.
    Backtest,
    /// Paper venue only; no exchange order endpoint is ever called.
    DryRun,
    /// Exchange testnet or sandbox.
    Paper,
    /// Real money.
    Live,
}

impl TradingMode {
    /// Stable name (`dry-run`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TradingMode::Backtest => "backtest",
            TradingMode::DryRun => "dry-run",
            TradingMode::Paper => "paper",
            TradingMode::Live => "live",
        }
    }
}

/// The readiness verdict operators and CI gate on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Readiness {
    /// Every criterion met.
    Go,
    /// Usable with caveats; not for live money.
    Conditional,
    /// A blocking criterion failed.
    NoGo,
}

impl Readiness {
    /// The verdict as operators and CI read it (`GO`, `CONDITIONAL`, `NO_GO`; the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            Readiness::Go => "GO",
            Readiness::Conditional => "CONDITIONAL",
            Readiness::NoGo => "NO_GO",
        }
    }
}

/// Capital-preservation level, ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreservationLevel {
    /// Full size.
    Normal,
    /// Reduced size.
    Caution,
    /// Small size, high tier only.
    Defensive,
    /// No new entries.
    Lockdown,
    /// No new entries; flatten if configured.
    Crisis,
}

impl PreservationLevel {
    /// All levels, least restrictive first.
    pub const ALL: [PreservationLevel; 5] = [
        PreservationLevel::Normal,
        PreservationLevel::Caution,
        PreservationLevel::Defensive,
        PreservationLevel::Lockdown,
        PreservationLevel::Crisis,
    ];

    /// The next less restrictive level (recovery step), if any.
    pub fn step_down(self) -> Option<PreservationLevel> {
        match self {
            PreservationLevel::Normal => None,
            PreservationLevel::Caution => Some(PreservationLevel::Normal),
            PreservationLevel::Defensive => Some(PreservationLevel::Caution),
            PreservationLevel::Lockdown => Some(PreservationLevel::Defensive),
            PreservationLevel::Crisis => Some(PreservationLevel::Lockdown),
        }
    }

    /// True for the levels that veto new entries.
    pub fn blocks_entries(self) -> bool {
        matches!(
            self,
            PreservationLevel::Lockdown | PreservationLevel::Crisis
        )
    }

    /// Stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PreservationLevel::Normal => "normal",
            PreservationLevel::Caution => "caution",
            PreservationLevel::Defensive => "defensive",
            PreservationLevel::Lockdown => "lockdown",
            PreservationLevel::Crisis => "crisis",
        }
    }
}

impl fmt::Display for PreservationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the capital-preservation level changed, with the figures that caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum LevelChangeCause {
    /// Drawdown reached a level's threshold.
    DrawdownThreshold {
        /// Drawdown at the time.
        drawdown: Ratio,
        /// The threshold crossed.
        threshold: Ratio,
    },
    /// The losing streak reached the lockdown trigger.
    ConsecutiveLosses {
        /// Losses in a row.
        count: u32,
        /// The trigger.
        threshold: u32,
    },
    /// The day's loss breached the daily-loss trigger.
    DailyLossBreach {
        /// Daily P&L as a fraction of day-start equity (negative).
        daily_pnl: Ratio,
        /// The loss limit (positive fraction).
        limit: Ratio,
    },
    /// Conditions recovered: one step down.
    Recovery {
        /// Drawdown at the time.
        drawdown: Ratio,
        /// The level's threshold minus hysteresis that drawdown is now below.
        below: Ratio,
        /// Minutes spent in the level being left.
        minutes_in_level: i64,
    },
    /// One step down earned by the paper record: the entries the level vetoed, followed
    /// on paper with costs, made money (the account could not: it was flat or vetoed).
    /// The account drawdown beyond the left level's recovery line is forgiven until the
    /// account recovers it or makes a new peak.
    PaperRecovery {
        /// Paper trades closed while in the level being left.
        paper_trades: u32,
        /// Their P&L after fees and slippage (positive).
        paper_net_pnl: crate::Money,
        /// Account drawdown at the time.
        drawdown: Ratio,
        /// Drawdown the guardrail measures from now on (account drawdown less the forgiven part).
        measured_drawdown: Ratio,
        /// Minutes spent in the level being left.
        minutes_in_level: i64,
    },
    /// An operator or an automatic trigger raised the level (never lowers it).
    ManualEscalation {
        /// Why.
        note: String,
    },
}

/// A capital-preservation level transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelChange {
    /// Level left.
    pub from: PreservationLevel,
    /// Level entered.
    pub to: PreservationLevel,
    /// Why, with figures.
    pub cause: LevelChangeCause,
    /// Equity at the time.
    pub equity: Money,
    /// Drawdown at the time.
    pub drawdown: Ratio,
    /// Losing streak at the time.
    pub consecutive_losses: u32,
    /// When.
    pub at: Timestamp,
}

/// Who or what caused a kill-switch change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A named operator via the CLI or HTTP.
    Operator {
        /// Operator name.
        name: String,
    },
    /// A Telegram chat on the allowlist.
    Telegram {
        /// Chat id.
        chat_id: i64,
    },
    /// The system itself.
    Automatic {
        /// What fired.
        trigger: KillSwitchTrigger,
    },
}

/// Automatic kill-switch triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KillSwitchTrigger {
    /// Daily loss limit breached.
    DailyLossBreach,
    /// A prop-firm account rule breached.
    AccountRuleBreach,
    /// Too many execution failures in a row.
    RepeatedExecutionFailures,
    /// The audit hash chain did not verify.
    AuditChainMismatch,
    /// Live mode started without a GO readiness verdict.
    LiveNotReady,
}

impl KillSwitchTrigger {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            KillSwitchTrigger::DailyLossBreach => "daily_loss_breach",
            KillSwitchTrigger::AccountRuleBreach => "account_rule_breach",
            KillSwitchTrigger::RepeatedExecutionFailures => "repeated_execution_failures",
            KillSwitchTrigger::AuditChainMismatch => "audit_chain_mismatch",
            KillSwitchTrigger::LiveNotReady => "live_not_ready",
        }
    }
}

/// Which of the three kill-switch sources is active.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum KillSwitchSource {
    /// A file exists at this path (default `data/kill_switch`).
    File {
        /// The path checked.
        path: String,
    },
    /// An environment variable is set (default `RAMPART_KILL_SWITCH=1`).
    Environment {
        /// The variable name.
        var: String,
    },
    /// The persisted flag, set by CLI, Telegram or an automatic trigger.
    Stored {
        /// Who set it.
        actor: Actor,
        /// Why.
        reason: String,
    },
}

/// Why the trade gate refused an order intent. One variant per check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RejectReason {
    /// A kill-switch source is active.
    KillSwitchActive {
        /// Every active source.
        sources: Vec<KillSwitchSource>,
    },
    /// Live mode without live trading enabled or without a GO verdict.
    LiveModeGuard {
        /// Readiness at the time.
        readiness: Readiness,
        /// Whether live trading is enabled in the configuration.
        live_enabled: bool,
    },
    /// The latest market data for the symbol is too old (or missing).
    StaleMarketData {
        /// Age in seconds, `None` when no data was ever seen.
        age_secs: Option<i64>,
        /// Allowed age.
        max_age_secs: i64,
    },
    /// The symbol is not on the allowlist.
    SymbolNotAllowed {
        /// The symbol.
        symbol: Symbol,
    },
    /// Capital preservation vetoes new entries at this level.
    CapitalPreservationVeto {
        /// Current level.
        level: PreservationLevel,
    },
    /// Capital preservation does not allow this tier at this level.
    TierNotAllowed {
        /// Current level.
        level: PreservationLevel,
        /// The signal's tier.
        tier: Tier,
    },
    /// Confidence below the minimum.
    ConfidenceTooLow {
        /// The signal's confidence.
        confidence: Confidence,
        /// The minimum.
        min: Confidence,
    },
    /// Still cooling down after a losing trade.
    CoolDownAfterLoss {
        /// When the cool-down ends.
        until: Timestamp,
    },
    /// Opening would exceed the maximum number of open positions.
    MaxOpenPositions {
        /// Positions open now.
        open: usize,
        /// The maximum.
        max: usize,
    },
    /// Worst-case loss of this trade exceeds the per-trade limit.
    MaxLossPerTrade {
        /// Stop distance x qty + costs.
        worst_case_loss: Money,
        /// Limit = equity x max loss per trade.
        limit: Money,
    },
    /// The day's loss (realised + unrealised + this trade's worst case) would exceed the limit.
    MaxDailyLoss {
        /// Daily P&L now (negative for a loss).
        daily_pnl: Money,
        /// This trade's worst-case loss.
        worst_case_loss: Money,
        /// Limit = day-start equity x max daily loss.
        limit: Money,
    },
    /// An account rule (e.g. FTMO) refused the trade.
    AccountRule {
        /// The rule's stable name (e.g. `ftmo_daily_loss`).
        rule: String,
        /// Human explanation with figures.
        detail: String,
    },
    /// The order fails the instrument's exchange filters even after rounding.
    ExchangeFilter {
        /// The failing filter with figures.
        failure: FilterFailure,
    },
    /// No instrument filters are known for the symbol, so the order cannot be validated.
    FiltersUnknown {
        /// The symbol.
        symbol: Symbol,
    },
    /// An earlier order on this symbol has an unknown outcome (timeout, 5xx);
    /// no new exposure until the venue has been asked what became of it.
    UnresolvedOrder {
        /// The order whose outcome is unknown.
        client_order_id: crate::order::ClientOrderId,
    },
    /// Too many orders in the last minute.
    OrderRateLimit {
        /// Orders approved in the window.
        count: usize,
        /// Allowed per minute.
        per_minute: u32,
    },
}

impl RejectReason {
    /// The stable code, as used in reports and metric labels.
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::KillSwitchActive { .. } => "kill_switch_active",
            RejectReason::LiveModeGuard { .. } => "live_mode_guard",
            RejectReason::StaleMarketData { .. } => "stale_market_data",
            RejectReason::SymbolNotAllowed { .. } => "symbol_not_allowed",
            RejectReason::CapitalPreservationVeto { .. } => "capital_preservation_veto",
            RejectReason::TierNotAllowed { .. } => "tier_not_allowed",
            RejectReason::ConfidenceTooLow { .. } => "confidence_too_low",
            RejectReason::CoolDownAfterLoss { .. } => "cool_down_after_loss",
            RejectReason::MaxOpenPositions { .. } => "max_open_positions",
            RejectReason::MaxLossPerTrade { .. } => "max_loss_per_trade",
            RejectReason::MaxDailyLoss { .. } => "max_daily_loss",
            RejectReason::AccountRule { .. } => "account_rule",
            RejectReason::ExchangeFilter { .. } => "exchange_filter",
            RejectReason::FiltersUnknown { .. } => "filters_unknown",
            RejectReason::UnresolvedOrder { .. } => "unresolved_order",
            RejectReason::OrderRateLimit { .. } => "order_rate_limit",
        }
    }
}

/// Why the turnover governor blocked a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum BlockReason {
    /// Too soon after the previous decision on this symbol.
    MinInterval {
        /// Minutes since the previous decision.
        elapsed_minutes: i64,
        /// Required minutes.
        required_minutes: i64,
    },
    /// The symbol's decisions for this UTC day are used up.
    DailyCap {
        /// Decisions already made today.
        count: u32,
        /// The cap.
        max: u32,
    },
    /// Expected edge does not cover k x the round-trip cost.
    ExpectedValueBelowCost {
        /// The signal's expected edge.
        expected_edge: Ratio,
        /// k x round-trip cost.
        required: Ratio,
    },
    /// Confidence below the symbol's minimum.
    ConfidenceTooLow {
        /// The signal's confidence.
        confidence: Confidence,
        /// The minimum.
        min: Confidence,
    },
    /// Cooling down after consecutive losses on this symbol.
    LossCooldown {
        /// Losses in a row.
        consecutive_losses: u32,
        /// When the cool-down ends.
        until: Timestamp,
    },
}

impl BlockReason {
    /// The stable code, as used in reports and metric labels.
    pub fn code(&self) -> &'static str {
        match self {
            BlockReason::MinInterval { .. } => "min_interval",
            BlockReason::DailyCap { .. } => "daily_cap",
            BlockReason::ExpectedValueBelowCost { .. } => "expected_value_below_cost",
            BlockReason::ConfidenceTooLow { .. } => "confidence_too_low",
            BlockReason::LossCooldown { .. } => "loss_cooldown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn readiness_names_are_the_serde_names() {
        for r in [Readiness::Go, Readiness::Conditional, Readiness::NoGo] {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
    }

    #[test]
    fn reject_reasons_serialise_with_stable_codes() {
        let r = RejectReason::MaxOpenPositions { open: 3, max: 3 };
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["code"], "max_open_positions");
        assert_eq!(r.code(), "max_open_positions");
        let back: RejectReason = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn block_reason_codes_match_serde_names() {
        let r = BlockReason::ExpectedValueBelowCost {
            expected_edge: Ratio::from_bps(dec!(10)),
            required: Ratio::from_bps(dec!(40)),
        };
        assert_eq!(serde_json::to_value(&r).unwrap()["code"], r.code());
    }

    #[test]
    fn levels_step_down_one_at_a_time() {
        assert_eq!(
            PreservationLevel::Crisis.step_down(),
            Some(PreservationLevel::Lockdown)
        );
        assert_eq!(PreservationLevel::Normal.step_down(), None);
        assert!(PreservationLevel::Lockdown.blocks_entries());
        assert!(!PreservationLevel::Defensive.blocks_entries());
        assert!(PreservationLevel::Crisis > PreservationLevel::Lockdown);
    }

    #[test]
    fn readiness_serialises_as_operators_write_it() {
        assert_eq!(
            serde_json::to_string(&Readiness::NoGo).unwrap(),
            "\"NO_GO\""
        );
        assert_eq!(
            serde_json::to_string(&TradingMode::DryRun).unwrap(),
            "\"dry-run\""
        );
    }
}
