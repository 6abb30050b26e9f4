//! The thread-safe account behind the `AccountRules` port: the engine feeds it
//! marks and opened positions, the trade gate asks it about entries, the runtime
//! reads its risk book and persists its state.

use std::sync::{Mutex, MutexGuard, PoisonError};

use config::RampartConfig;
use domain::ports::{AccountContext, AccountRules, AccountStateError, RuleVerdict};
use domain::{AccountBreach, AccountMark, OrderIntent, RiskBook, Timestamp};

use crate::account::FtmoAccount;
use crate::config::FtmoConfig;
use crate::error::FtmoError;
use crate::state::AccountState;

/// An [`FtmoAccount`] shared between the engine, the gate and the runtime.
#[derive(Debug)]
pub struct SharedFtmoAccount {
    name: &'static str,
    inner: Mutex<FtmoAccount>,
}

impl SharedFtmoAccount {
    /// Shares `account`.
    pub fn new(account: FtmoAccount) -> Self {
        Self {
            name: account.config().product().as_str(),
            inner: Mutex::new(account),
        }
    }

    /// The account `[account]` configures, starting at `start`; `None` when
    /// `account.rules = "none"`.
    pub fn from_settings(
        settings: &RampartConfig,
        start: Timestamp,
    ) -> Result<Option<Self>, FtmoError> {
        Ok(FtmoConfig::from_settings(settings)?
            .map(|config| Self::new(FtmoAccount::new(config, start))))
    }

    /// Locks the account. A panic while locked cannot leave the state half-updated
    /// in a way that matters more than losing it, so a poisoned lock is recovered.
    fn lock(&self) -> MutexGuard<'_, FtmoAccount> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the account as it is now.
    pub fn snapshot(&self) -> FtmoAccount {
        self.lock().clone()
    }

    /// A copy of the state as it is now.
    pub fn state(&self) -> AccountState {
        self.lock().state().clone()
    }

    /// Replaces the state with a persisted one (checked against the configuration).
    pub fn restore(&self, state: AccountState) -> Result<(), FtmoError> {
        let mut guard = self.lock();
        *guard = FtmoAccount::restore(guard.config().clone(), state)?;
        Ok(())
    }

    /// Whether open positions are to be closed when a buffered floor is touched.
    pub fn flatten_on_breach(&self) -> bool {
        self.lock().config().flatten_on_breach()
    }
}

impl AccountRules for SharedFtmoAccount {
    fn name(&self) -> &str {
        self.name
    }

    fn evaluate(&self, intent: &OrderIntent, ctx: &AccountContext<'_>) -> RuleVerdict {
        self.lock().evaluate(intent, ctx)
    }

    fn observe(&self, mark: &AccountMark) -> Option<AccountBreach> {
        self.lock().observe(mark)
    }

    fn position_opened(&self, at: Timestamp) {
        self.lock().position_opened(at);
    }

    fn breach(&self) -> Option<AccountBreach> {
        self.lock().breach()
    }

    fn risk_book(&self, at: Timestamp) -> Option<RiskBook> {
        Some(self.lock().risk_book(at))
    }

    fn state_json(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self.lock().state()).ok()
    }

    fn restore_json(&self, state: &serde_json::Value) -> Result<(), AccountStateError> {
        let error = |reason: String| AccountStateError {
            rules: self.name.to_string(),
            reason,
        };
        let state: AccountState =
            serde_json::from_value(state.clone()).map_err(|e| error(e.to_string()))?;
        self.restore(state).map_err(|e| error(e.to_string()))
    }
}
