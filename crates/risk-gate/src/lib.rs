//! Rampart's trade gate: the last step before an order intent can reach a venue.
//!
//! Pipeline step 7 (ARCHITECTURE.md section 2). The engine hands
//! [`TradeGate::evaluate`] an `OrderIntent` and a borrowed [`RiskContext`]; the
//! gate runs every check in a fixed order, collects **every** failing reason,
//! and only when there is none returns `domain::Approved<OrderIntent>` — the
//! only type the execution port accepts, and one only this crate constructs.
//!
//! Check order (one module each under `checks/`):
//!
//! 1. kill switch — any source (file, environment, stored) rejects every intent
//! 2. live-mode guard — live needs `live_trading_enabled` and readiness GO
//! 3. stale market data — missing or older than `max_market_data_age_secs`
//! 4. symbol allowlist
//! 5. capital-preservation veto — no entries at LOCKDOWN/CRISIS; tier allowed at the level
//! 6. minimum confidence
//! 7. cool-down after a losing trade
//! 8. max open positions — only entries that open a new position
//! 9. max loss per trade — stop loss plus round-trip costs against equity
//! 10. max daily loss — today's P&L minus this trade's worst case
//! 11. account rules port — allow, shrink (adjustment) or reject
//! 12. exchange filters — round price to tick and quantity down to step, then bounds
//! 13. order-rate limit — approvals in a sliding 60-second window
//!
//! Checks 5-11 apply to entries (and to "exits" that would not reduce a held
//! position); exits face 1-4 and 12-13. [`TradeGate::approve_protective_exit`]
//! is a separate, reduce-only road for risk automation that must flatten even
//! under a kill switch.
//!
//! Map:
//! - [`config`] — [`RiskConfig`], the `[risk]` section, defaults and validation
//! - [`kill_switch`] — [`KillSwitch`], [`KillSwitchInputs`], the stored flag's state machine
//! - [`context`] — [`RiskContext`], [`PreservationView`], [`TierSet`]
//! - [`gate`] — [`TradeGate`], [`Decision`]
//! - [`rate_limit`] — [`OrderRateWindow`]
//! - [`error`] — [`GateError`], [`KillSwitchError`]
//!
//! The crate is pure: no I/O, no clock (time arrives as `RiskContext::now`), no async.

mod checks;
pub mod config;
pub mod context;
pub mod error;
pub mod gate;
pub mod kill_switch;
pub mod rate_limit;

#[cfg(test)]
mod testing;

pub use config::RiskConfig;
pub use context::{PreservationView, RiskContext, TierSet};
pub use error::{GateError, KillSwitchError};
pub use gate::{Decision, TradeGate};
pub use kill_switch::{KillSwitch, KillSwitchInputs, StoredActivation};
pub use rate_limit::{ORDER_RATE_WINDOW, OrderRateWindow};
