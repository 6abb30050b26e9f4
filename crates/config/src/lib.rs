//! Rampart's one typed configuration for every guardrail.
//!
//! Layers, lowest first: the built-in defaults (identical to `config/default.toml`,
//! which is embedded), then a TOML file (`--config`), then `RAMPART__SECTION__KEY`
//! environment variables, then the paper-mode-only turnover overrides
//! (`PAPER_LIVE_TURNOVER_MIN_RATIO`, `PAPER_LIVE_TURNOVER_MAX_DAILY`). The result is
//! validated once; every violation is reported together, naming the key and the bad
//! value. Each guardrail crate owns its section's struct; this crate only composes
//! and loads them. Every key is documented in `docs/configuration.md`.

mod account;
mod env;
mod error;
mod load;
mod settings;
mod shadow;
mod telegram;

pub use account::{AccountConfig, AccountRulesKind};
pub use error::ConfigError;
pub use load::{EMBEDDED_DEFAULT, Loaded, load, load_from_process_env};
pub use settings::{KillSwitchConfig, LoggingConfig, PortfolioConfig, RampartConfig, TiersConfig};
pub use shadow::{KNOWN_ADVISORS, ShadowConfig};
pub use telegram::TelegramConfig;
