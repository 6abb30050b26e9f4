//! Capital preservation: the drawdown-driven level state machine that is the final
//! authority on whether, and how large, new entries may be (pipeline step 2).
//!
//! The engine feeds [`PreservationInputs`] (drawdown, daily P&L, losing streak,
//! equity, `now`) to [`CapitalPreservation::update`] on every event. Escalation is
//! immediate, recovery is one level at a time with hysteresis and a minimum time in
//! level, and every transition is a [`domain::LevelChange`] carrying its figures.
//! There is no API that lowers the level by hand.
//!
//! Map:
//! - [`config`] — [`PreservationConfig`], the `[capital_preservation]` section, and its validation
//! - [`inputs`] — [`PreservationInputs`], the figures of one update
//! - `escalation` (private): which level the figures call for, and why
//! - `recovery` (private): when one step down is allowed
//! - `settled` (private): [`SettledBand`], when an update would change nothing, decided without dividing
//! - [`state`] — [`PreservationState`], the serialisable state
//! - [`preservation`] — [`CapitalPreservation`], the state machine
//! - [`policy`] — [`LevelPolicy`], what each level allows
//! - [`audit`] — [`to_audit_event`], the audit-trail event of a transition
//! - [`error`] — [`EscalationError`], why a manual escalation was refused

pub mod audit;
pub mod config;
pub mod error;
mod escalation;
pub mod inputs;
pub mod policy;
pub mod preservation;
mod recovery;
mod settled;
pub mod state;

pub use audit::to_audit_event;
pub use config::PreservationConfig;
pub use error::EscalationError;
pub use inputs::PreservationInputs;
pub use policy::LevelPolicy;
pub use preservation::CapitalPreservation;
pub use settled::SettledBand;
pub use state::PreservationState;

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod test_support;
