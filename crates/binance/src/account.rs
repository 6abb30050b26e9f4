//! What the API key may do, read from `GET /api/v3/account`, for the readiness evaluation.
//!
//! A key that can withdraw is a key whose theft empties the account: readiness must say
//! NO_GO. A key (or account) that cannot trade makes live trading impossible: NO_GO too.
//! This module only reports; the readiness crate decides.

use serde::{Deserialize, Serialize};

/// The account's and API key's permissions as Binance reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPermissions {
    /// `canTrade`: orders are accepted.
    pub can_trade: bool,
    /// `canWithdraw`: withdrawals are possible with this key.
    pub can_withdraw: bool,
    /// `canDeposit`.
    pub can_deposit: bool,
    /// `accountType` (`SPOT`, ...).
    pub account_type: String,
    /// `permissions` (`SPOT`, `MARGIN`, ...).
    pub permissions: Vec<String>,
}

/// A reason the account is not safe (or not able) to trade live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountSafetyIssue {
    /// Withdrawals are enabled for this key: a leaked key could empty the account (NO_GO).
    WithdrawalsEnabled,
    /// Trading is disabled for this account or key (NO_GO).
    TradingDisabled,
    /// The account lacks the `SPOT` permission this adapter trades with (NO_GO).
    SpotNotPermitted,
}

impl AccountSafetyIssue {
    /// Stable snake_case name for reports and dashboards.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountSafetyIssue::WithdrawalsEnabled => "withdrawals_enabled",
            AccountSafetyIssue::TradingDisabled => "trading_disabled",
            AccountSafetyIssue::SpotNotPermitted => "spot_not_permitted",
        }
    }

    /// What the operator should do about it.
    pub fn next_action(self) -> &'static str {
        match self {
            AccountSafetyIssue::WithdrawalsEnabled => {
                "disable withdrawals on the API key (Binance API management)"
            }
            AccountSafetyIssue::TradingDisabled => {
                "enable Spot trading on the API key, or check the account's trading status"
            }
            AccountSafetyIssue::SpotNotPermitted => "enable Spot permission on the account/key",
        }
    }
}

impl AccountPermissions {
    /// Every safety issue, empty when the key is fit for live trading.
    pub fn safety_issues(&self) -> Vec<AccountSafetyIssue> {
        let mut issues = Vec::new();
        if self.can_withdraw {
            issues.push(AccountSafetyIssue::WithdrawalsEnabled);
        }
        if !self.can_trade {
            issues.push(AccountSafetyIssue::TradingDisabled);
        }
        // Binance has moved permissions into `permissionSets`; an empty list says nothing.
        if !self.permissions.is_empty() && !self.permissions.iter().any(|p| p == "SPOT") {
            issues.push(AccountSafetyIssue::SpotNotPermitted);
        }
        issues
    }
}
