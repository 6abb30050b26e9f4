//! Readiness: the GO / CONDITIONAL / NO_GO verdict operators check before they
//! enable live trading, with a typed reason and a next action for every unmet
//! criterion.
//!
//! The runtime (for `/health/readiness` and the live start-up guard) and the
//! `health-check` binary read a snapshot of figures from the store into
//! [`ReadinessInputs`], with `now` from the `Clock` port, and call [`evaluate`].
//! The crate is pure: no I/O, no clock. A figure the store does not have yet
//! (`None`) counts as *not met*, with an `input_missing` reason ("not met: no
//! data") of the criterion's own severity, so missing data is never better than
//! bad data. The exception is [`ReadinessInputs::account_rules`]: `None` there
//! means no prop-firm account rules are configured, and the criterion is met.
//!
//! The exchange venue's health ([`VenueHealthInput`]: clock offset, API key
//! permissions) goes to [`evaluate_with_venue`]; [`evaluate`] is the same without it.
//! Without it, the three venue criteria are *not met: no data* in paper and live
//! modes (orders go to an exchange) and met in dry-run and backtest (simulated fills).
//!
//! # Verdicts
//!
//! - `live_rollout_readiness`: the worst severity over every criterion. GO only
//!   when every criterion is met and every input is present. `health-check
//!   --quiet` exits with [`exit_code`] of it (GO 0, CONDITIONAL 1, NO_GO 2; 3,
//!   [`EXIT_COULD_NOT_EVALUATE`], is the binary's own "could not evaluate").
//!   Live mode refuses to trade unless it is GO.
//! - `overall_readiness`: health for the mode the runtime runs in. Counts the
//!   *system* criteria in every mode, the *rollout* criteria only in live mode
//!   (where both verdicts are therefore equal). A healthy young dry-run is
//!   overall GO and live-rollout CONDITIONAL.
//!
//! # Criteria
//!
//! Defaults shown; every threshold is in [`ReadinessConfig`] (`[readiness]`),
//! except the account-rules utilisation caveat (80%), which never changes a verdict.
//! Healthy boundaries are inclusive (a heartbeat exactly 2 h old, a block rate of
//! exactly 5% or 70%, a streak of exactly 14 days are met).
//!
//! | code | criterion | severity | scope | not met when | message | next action |
//! |---|---|---|---|---|---|---|
//! | `kill_switch_active` | `kill_switch` | NO_GO | system | any kill-switch source is active | Kill switch is active | Investigate why it was activated (kill-switch events in the audit trail). Then clear every source: `runtime kill-switch off --reason "..."`, remove the `data/kill_switch` file, unset `RAMPART_KILL_SWITCH`. |
//! | `account_rule_breached` | `account_rules` | NO_GO | system | the account rules (e.g. `ftmo-2step-challenge`) recorded a breach of the daily- or max-loss floor, buffered or firm line (none configured: met; daily or total utilisation ≥ 80%: met, component `warning`) | `<rules>: <rule> <line> line breached at T (equity X below FLOOR)` | buffered: new entries are blocked for this account; review the breach and the risk book; the state keeps the breach, continue only with a new account. firm: the account has failed at the firm; stop trading it and start a new one |
//! | `capital_preservation_lockdown` | `capital_preservation` | NO_GO | system | level is LOCKDOWN or CRISIS | Capital preservation in LOCKDOWN mode | Wait for automatic recovery. Do NOT manually override. Review what triggered escalation. |
//! | `shadow_health_critical` | `shadow_health` | NO_GO | system | latest daily report's `overall_health` is CRITICAL | Shadow data collection health is CRITICAL | Check that the runtime is running. Verify the shadow collector is enabled. Review the shadow_decisions table and the latest daily health report. |
//! | `empty_symbol_allowlist` | `symbol_allowlist` | NO_GO | rollout | mode is live and the allowlist is empty (not judged in other modes) | Live mode enabled but symbol allowlist is empty | Set `RAMPART__RISK__SYMBOL_ALLOWLIST=["ETH-USD"]` or add symbols to `risk.symbol_allowlist` in the config. |
//! | `daily_health_report_missing` | `daily_health_report` | NO_GO | system | latest daily health report older than 24 h | Daily health reports missing in last 24h (latest T, N h ago) | Run `runtime report daily`. Verify the daily health report job (06:00 UTC) is scheduled and succeeding. |
//! | `venue_clock_offset_exceeded` | `venue_clock` | NO_GO | system | \|exchange clock - local clock\| > `max_clock_offset_ms` of the venue (`binance.max_clock_offset_ms`, 1000) | Clock offset to the binance server is X ms (limit Y ms) | Synchronise the host clock (NTP, chrony) and restart the runtime; the limit is `binance.max_clock_offset_ms`. |
//! | `venue_withdrawals_enabled` | `venue_withdrawals` | NO_GO | system | the API key may withdraw (`canWithdraw`) | The binance API key can withdraw funds (withdrawals must be disabled) | Disable withdrawals on the API key (Binance API management), then restart the runtime so it reads the key's permissions again. |
//! | `venue_trading_disabled` | `venue_trading` | NO_GO | system | the account or key may not trade (`canTrade` false) | The binance account or API key cannot trade (trading disabled) | Enable Spot trading on the API key, or check the account's trading status; then restart the runtime so it reads the key's permissions again. |
//! | `paper_streak_short` | `paper_streak` | CONDITIONAL | rollout | fewer than 14 consecutive paper-trading days | Paper trading streak (X days) below minimum (14 days) | Continue paper trading. Streak must reach 14 consecutive days. |
//! | `insufficient_weeks` | `weeks_counted` | CONDITIONAL | rollout | fewer than 2 weeks counted | Paper trading weeks counted (X) below minimum (2) | Continue paper trading. Must have 2+ weeks of data. |
//! | `heartbeat_stale` | `heartbeat` | CONDITIONAL | system | last heartbeat older than 2 h | Runtime heartbeat not recent (last X ago, limit 2 h) | Verify the runtime process is running. Check for errors in the logs. |
//! | `turnover_block_rate_out_of_band` | `turnover_block_rate` | CONDITIONAL | system | block rate below 5% or above 70% | Turnover block rate (X%) exceeds 70% / Turnover block rate (X%) below 5% | above: Review turnover governor settings. May be over-throttling. Consider relaxing thresholds. below: Review turnover governor settings. May be too loose. Consider tightening thresholds. |
//! | `execution_realism_drift` | `execution_realism` | CONDITIONAL | rollout | recent 7-day average slippage > prior 7-day × 1.5 **and** > prior + 2 bps (strictly) | Execution realism degradation detected: average slippage X bps over the last 7 days vs Y bps over the prior 7 days | Investigate slippage model. Compare recent vs prior 7-day averages. |
//! | `recent_critical_alerts` | `critical_alerts` | CONDITIONAL | rollout | at least one CRITICAL alert in the last 14 days | X CRITICAL alert(s) in last 14 days | Review and resolve the alerts. Ensure root causes are addressed. |
//! | `input_missing` | any but `account_rules` | the criterion's | the criterion's | the store has no figure (or, for the block rate, too few evaluations; for the venue criteria, paper/live mode without venue health) | `<Criterion>: not met: no data (<what is missing>)` | per criterion: record the figure (start the runtime, run `runtime report daily`, keep paper trading, ...) |
//!
//! With no reason, `live_rollout_next_actions` is `["System ready for live rollout"]`.
//!
//! # JSON
//!
//! [`ReadinessReport`] serialises to the `/health/readiness` body:
//!
//! ```json
//! {
//!   "evaluated_at": "2026-03-01T12:00:00Z",
//!   "mode": "dry-run",
//!   "overall_readiness": "GO",
//!   "live_rollout_readiness": "CONDITIONAL",
//!   "live_rollout_reasons": [
//!     {"code": "paper_streak_short", "criterion": "paper_streak", "severity": "CONDITIONAL",
//!      "message": "Paper trading streak (9 days) below minimum (14 days)"}
//!   ],
//!   "live_rollout_next_actions": ["Continue paper trading. Streak must reach 14 consecutive days."],
//!   "components": {
//!     "kill_switch": {"status": "ok", "detail": "inactive"},
//!     "account_rules": {"status": "ok", "detail": "no account rules configured"},
//!     "paper_streak": {"status": "warning", "detail": "Paper trading streak (9 days) below minimum (14 days)"}
//!   }
//! }
//! ```
//!
//! `components` holds all fifteen criteria; `status` is `ok`, `warning` (met with a
//! caveat, or a CONDITIONAL criterion not met), `critical` (a NO_GO criterion not
//! met) or `unknown` (input missing). [`ReadinessDocument`] is the deserialisable
//! twin for clients.
//!
//! Map:
//! - [`criterion`] — [`Criterion`], [`ReasonSeverity`], [`Scope`]
//! - [`inputs`] — [`ReadinessInputs`], [`ShadowHealth`], [`BlockRateInput`], [`AccountRulesInput`],
//!   [`VenueHealthInput`]
//! - [`config`] — [`ReadinessConfig`], the `[readiness]` section, and its validation
//! - `checks` (private): one function per criterion
//! - [`reason`] — [`ReadinessReason`] with messages and next actions, [`ReasonEntry`]
//! - [`component`] — [`ComponentStatus`], [`ComponentState`]
//! - [`report`] — [`evaluate`], [`evaluate_with_venue`], [`ReadinessReport`], [`ReadinessDocument`], [`exit_code`]

mod checks;
pub mod component;
pub mod config;
pub mod criterion;
pub mod inputs;
pub mod reason;
pub mod report;

pub use component::{ComponentState, ComponentStatus};
pub use config::ReadinessConfig;
pub use criterion::{Criterion, ReasonSeverity, Scope};
pub use domain::Readiness;
pub use inputs::{
    AccountRulesInput, BlockRateInput, ReadinessInputs, ShadowHealth, VenueHealthInput,
};
pub use reason::{MissingCause, READY_ACTION, ReadinessReason, ReasonEntry};
pub use report::{
    EXIT_COULD_NOT_EVALUATE, ReadinessDocument, ReadinessReport, evaluate, evaluate_with_venue,
    exit_code,
};

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod test_support;
