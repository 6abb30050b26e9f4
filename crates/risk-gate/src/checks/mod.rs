//! The trade gate's checks, one module per check, in the order `evaluate` runs them.
//!
//! Each check is a small pure function that returns the reason it fails (or
//! pushes several, for exchange filters); the gate collects every reason
//! rather than stopping at the first, so a rejection explains itself fully.
//!
//! | # | module | applies to |
//! |---|---|---|
//! | 1 | [`kill_switch`] | every intent |
//! | 2 | [`live_mode`] | every intent |
//! | 3 | [`stale_data`] | every intent |
//! | 4 | [`allowlist`] | every intent |
//! | 5 | [`capital_preservation`] | entries |
//! | 6 | [`confidence`] | entries |
//! | 7 | [`cool_down`] | entries |
//! | 8 | [`open_positions`] | entries opening a new position |
//! | 9 | [`loss_per_trade`] | entries |
//! | 10 | [`daily_loss`] | entries |
//! | 11 | [`account_rules`] | entries, when the account has rules |
//! | 12 | [`exchange_filters`] | every intent |
//! | 13 | [`order_rate`] | every intent |

pub(crate) mod account_rules;
pub(crate) mod allowlist;
pub(crate) mod capital_preservation;
pub(crate) mod confidence;
pub(crate) mod cool_down;
pub(crate) mod daily_loss;
pub(crate) mod exchange_filters;
pub(crate) mod kill_switch;
pub(crate) mod live_mode;
pub(crate) mod loss_per_trade;
pub(crate) mod open_positions;
pub(crate) mod order_rate;
pub(crate) mod stale_data;
