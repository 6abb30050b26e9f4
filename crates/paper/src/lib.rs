//! Rampart's simulated execution venue: where backtest and dry-run orders go.
//!
//! Pipeline step 8 (ARCHITECTURE.md section 2) with no exchange behind it. The
//! engine submits `Approved<OrderIntent>`s and shows the venue every market
//! event through `ExecutionVenue::observe_market`; the venue answers with
//! fills, the way an exchange's fill stream would:
//!
//! - market orders fill at the next bar's open (`next-open`, default) or
//!   immediately at the last close (`close`), with slippage in basis points or
//!   as a multiple of the ATR, rounded to the tick against the trader;
//! - limit orders fill when a later bar trades through the limit, at the
//!   limit or better, without slippage;
//! - an optional volume cap (`max_volume_fraction`) turns large orders into
//!   partial fills across bars;
//! - commission (default 10 bps of notional) is charged on every fill;
//! - orders that break the venue's instrument filters are rejected, as an
//!   exchange rejects them, and an already-known client order id never creates
//!   a second order.
//!
//! Map:
//! - [`config`] — [`PaperConfig`], [`FillPolicy`], [`Slippage`], [`default_filters`]
//! - [`venue`] — [`PaperVenue`] (the port implementation), [`PaperSnapshot`]
//! - [`error`] — [`PaperError`], why a venue could not be built or restored
//! - crate-private: `admission` (filter checks at submission), `matching`
//!   (order against bar), `pricing` (slippage, tick rounding, fees), `book`
//!   (per-symbol state), `atr` (Wilder ATR for ATR slippage)

mod admission;
mod atr;
mod book;
pub mod config;
pub mod error;
mod matching;
mod pricing;
pub mod venue;

pub use config::{FillPolicy, PaperConfig, Slippage, default_filters};
pub use error::PaperError;
pub use venue::{PaperSnapshot, PaperVenue};
