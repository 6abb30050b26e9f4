//! FTMO prop-firm account rules behind the `AccountRules` port (check 11 of the
//! trade gate), for the 2-Step Challenge, Verification and FTMO Account and the
//! 1-Step Challenge and Account, any size and currency. Facts: `shared/reference/ftmo-rules.md`;
//! formulas and assumptions: `docs/ftmo.md`.
//!
//! Pure and synchronous: time only arrives as arguments (marks, intents' `now`).
//!
//! Map:
//! - [`product`] — `Product`: the five products and their objectives
//! - [`prague`] — the FTMO day: Europe/Prague midnight with daylight saving
//! - [`config`] — `FtmoConfig` (from `[account]`), `Currency`
//! - [`state`] — `AccountState`: anchors, trading days, breaches; persisted exactly
//! - [`floors`] — `Floors`: the daily and maximum-loss floors, firm and buffered
//! - [`sizing`] — pre-trade headroom sizing: `Fits` / `Shrink` / `Reject` with figures
//! - [`account`] — `FtmoAccount`: observe marks, record openings, risk book, evaluate
//! - [`shared`] — `SharedFtmoAccount`: the thread-safe `AccountRules` implementation

pub mod account;
pub mod config;
pub mod error;
pub mod floors;
pub mod prague;
pub mod product;
pub mod shared;
pub mod sizing;
pub mod state;

pub use account::FtmoAccount;
pub use config::{Currency, FtmoConfig};
pub use error::FtmoError;
pub use floors::{Floor, Floors};
pub use prague::{day_start, next_midnight, prague_day};
pub use product::{MaxLossKind, Product};
pub use shared::SharedFtmoAccount;
pub use sizing::{Sizing, SizingFigures, SizingRules, size};
pub use state::AccountState;
