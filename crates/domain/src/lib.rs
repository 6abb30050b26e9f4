//! Rampart's domain: the types every crate speaks and the ports the core talks through.
//!
//! No I/O, no async runtime, no wall clock (except `SystemClock`, the sanctioned
//! reader). Money, prices and quantities are `Decimal` newtypes; reasons are enums.
//!
//! Map:
//! - [`account`] — `AccountMark`, `AccountBreach`, `RiskBook`: the vocabulary of account rules (FTMO)
//! - [`money`] — `Price`, `Qty`, `Money`, `Ratio`
//! - [`symbol`] — `Symbol` (canonical `BTC-USD`)
//! - [`market`] — `Side`, `Candle`, `Trade`, `MarketEvent`
//! - [`signal`] — `Confidence`, `Tier`, `TierThresholds`, `Signal`
//! - [`order`] — `OrderIntent`, `Approved`, `Order`, `Fill`, `ClientOrderId`
//! - [`filters`] — `InstrumentFilters` and rounding
//! - [`portfolio`] — `Position`, `Portfolio`, `DayBoundary`
//! - [`reasons`] — `RejectReason`, `BlockReason`, `PreservationLevel`, kill-switch sources
//! - [`events`] — `AuditEvent`, `Alert`
//! - [`shadow`] — `ShadowDecision`, `ShadowResolution`, `WeightShift`, `Signoff`, `WeeklyReport`: shadow evidence
//! - [`clock`] — `Clock`, `SystemClock`, `SimClock`
//! - [`ports`] — `MarketDataFeed`, `ExecutionVenue`, `Store`, `Notifier`, `AlertOutbox`, `AccountRules`, `Strategy`, `Advisor`
//! - [`config`] — `ConfigViolation` shared by the guardrails' config sections

pub mod account;
pub mod clock;
pub mod config;
pub mod costs;
mod decimal_text;
pub mod error;
pub mod events;
pub mod filters;
pub mod market;
pub mod money;
pub mod order;
pub mod portfolio;
pub mod ports;
pub mod reasons;
pub mod shadow;
pub mod signal;
pub mod symbol;

pub use account::{
    AccountBreach, AccountMark, AccountRule, AccountStatus, BreachLine, ObjectiveStatus,
    Objectives, RiskBook,
};
pub use clock::{Clock, SimClock, SystemClock};
pub use config::{ConfigViolation, Violations};
pub use costs::CostModel;
pub use error::DomainError;
pub use events::{Alert, AlertKind, AuditEvent, JobOutcome, OrderFailure, Severity};
pub use filters::{Conformed, FilterFailure, InstrumentFilters};
pub use market::{Candle, CandleFields, MarketEvent, Side, Timestamp, Trade};
pub use money::{Money, Price, Qty, Ratio};
pub use order::{
    Adjustment, Approved, ClientOrderId, Fill, IntentKind, Order, OrderIntent, OrderStatus,
    OrderType,
};
pub use portfolio::{
    ClosedTrade, DayBoundary, Portfolio, PortfolioSnapshot, Position, PositionSide,
};
pub use reasons::{
    Actor, BlockReason, KillSwitchSource, KillSwitchTrigger, LevelChange, LevelChangeCause,
    PreservationLevel, Readiness, RejectReason, TradingMode,
};
pub use shadow::{
    ActualOutcome, CounterfactualPnl, Regime, ShadowCounts, ShadowDecision, ShadowRecord,
    ShadowResolution, Signoff, WeeklyReport, WeightShift,
};
pub use signal::{Confidence, Features, Signal, StrategyId, Tier, TierThresholds};
pub use symbol::Symbol;
