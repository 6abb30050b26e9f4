//! Why readiness is not GO: one typed reason per unmet criterion, with the figures,
//! the operator-facing message (the runbook's troubleshooting wording where it has
//! one) and the next action an operator should take.
//!
//! Reasons serialise as `{code, criterion, severity, message}`; `code` is stable
//! snake_case because dashboards and alert rules key on it.

use std::collections::BTreeMap;
use std::fmt;

use domain::{AccountBreach, BreachLine, PreservationLevel, Ratio, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};

use crate::criterion::{Criterion, ReasonSeverity};

/// The next action shown when every criterion is met.
pub const READY_ACTION: &str = "System ready for live rollout";

/// Why an input counts as missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingCause {
    /// The store has no such figure yet.
    NotRecorded,
    /// There is a figure but too small a sample to judge it (block rate).
    InsufficientSample,
}

/// One unmet criterion, with the figures that show why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadinessReason {
    /// A kill-switch source is active.
    KillSwitchActive,
    /// Equity went below a prop-firm account rule's floor (buffered or firm line).
    AccountRuleBreached {
        /// Rule set / phase name (e.g. `ftmo-2step-challenge`).
        rules: String,
        /// The breach: rule, line, time and figures.
        breach: AccountBreach,
    },
    /// Capital preservation is in LOCKDOWN or CRISIS.
    CapitalPreservationLockdown {
        /// The current level.
        level: PreservationLevel,
    },
    /// The latest daily health report says shadow collection is CRITICAL.
    ShadowHealthCritical,
    /// Live mode with nothing on the symbol allowlist.
    EmptySymbolAllowlist,
    /// The latest daily health report is older than the window.
    DailyHealthReportMissing {
        /// When the latest report was generated.
        last_report_at: Timestamp,
        /// Its age in hours (whole hours, rounded down).
        age_hours: i64,
        /// The window.
        max_age_hours: u32,
    },
    /// The local clock is further from the exchange's than the configured limit: signed
    /// requests may be refused (`-1021`) and order times are off.
    VenueClockOffsetExceeded {
        /// The venue (`binance`).
        venue: String,
        /// Exchange clock minus local clock, milliseconds.
        offset_ms: i64,
        /// The configured limit, milliseconds.
        max_offset_ms: u64,
    },
    /// The exchange API key may withdraw funds: a leaked key could empty the account.
    VenueWithdrawalsEnabled {
        /// The venue (`binance`).
        venue: String,
    },
    /// The exchange account or API key may not trade.
    VenueTradingDisabled {
        /// The venue (`binance`).
        venue: String,
    },
    /// Fewer consecutive paper-trading days than required.
    PaperStreakShort {
        /// Days in the streak.
        days: u32,
        /// Required days.
        min_days: u32,
    },
    /// Fewer paper-trading weeks counted than required.
    InsufficientWeeks {
        /// Weeks counted.
        weeks: u32,
        /// Required weeks.
        min_weeks: u32,
    },
    /// The last heartbeat is older than allowed.
    HeartbeatStale {
        /// When it was written.
        last_heartbeat_at: Timestamp,
        /// Its age in minutes (rounded down).
        age_minutes: i64,
        /// The limit.
        max_age_minutes: u32,
    },
    /// The turnover block rate is outside the healthy band.
    TurnoverBlockRateOutOfBand {
        /// The measured rate.
        rate: Ratio,
        /// Lowest healthy rate.
        min: Ratio,
        /// Highest healthy rate.
        max: Ratio,
    },
    /// Recent slippage has drifted above the prior window's.
    ExecutionRealismDrift {
        /// Average slippage of the recent window, basis points.
        recent_bps: Decimal,
        /// Average slippage of the prior window, basis points.
        prior_bps: Decimal,
        /// Length of each window, days.
        window_days: u32,
    },
    /// CRITICAL alerts were raised within the window.
    RecentCriticalAlerts {
        /// How many.
        count: u32,
        /// The window, days.
        window_days: u32,
        /// How many of each alert kind (`capital_preservation`, `kill_switch`, ...), so the
        /// verdict names the real cause; empty when the kinds are not known.
        by_kind: BTreeMap<String, u32>,
    },
    /// The input of a criterion is not available: not met, no data.
    InputMissing {
        /// The criterion that could not be judged.
        criterion: Criterion,
        /// Why.
        cause: MissingCause,
    },
}

impl ReadinessReason {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            ReadinessReason::KillSwitchActive => "kill_switch_active",
            ReadinessReason::AccountRuleBreached { .. } => "account_rule_breached",
            ReadinessReason::CapitalPreservationLockdown { .. } => "capital_preservation_lockdown",
            ReadinessReason::ShadowHealthCritical => "shadow_health_critical",
            ReadinessReason::EmptySymbolAllowlist => "empty_symbol_allowlist",
            ReadinessReason::DailyHealthReportMissing { .. } => "daily_health_report_missing",
            ReadinessReason::VenueClockOffsetExceeded { .. } => "venue_clock_offset_exceeded",
            ReadinessReason::VenueWithdrawalsEnabled { .. } => "venue_withdrawals_enabled",
            ReadinessReason::VenueTradingDisabled { .. } => "venue_trading_disabled",
            ReadinessReason::PaperStreakShort { .. } => "paper_streak_short",
            ReadinessReason::InsufficientWeeks { .. } => "insufficient_weeks",
            ReadinessReason::HeartbeatStale { .. } => "heartbeat_stale",
            ReadinessReason::TurnoverBlockRateOutOfBand { .. } => "turnover_block_rate_out_of_band",
            ReadinessReason::ExecutionRealismDrift { .. } => "execution_realism_drift",
            ReadinessReason::RecentCriticalAlerts { .. } => "recent_critical_alerts",
            ReadinessReason::InputMissing { .. } => "input_missing",
        }
    }

    /// The criterion this reason says is not met.
    pub fn criterion(&self) -> Criterion {
        match self {
            ReadinessReason::KillSwitchActive => Criterion::KillSwitch,
            ReadinessReason::AccountRuleBreached { .. } => Criterion::AccountRules,
            ReadinessReason::CapitalPreservationLockdown { .. } => Criterion::CapitalPreservation,
            ReadinessReason::ShadowHealthCritical => Criterion::ShadowHealth,
            ReadinessReason::EmptySymbolAllowlist => Criterion::SymbolAllowlist,
            ReadinessReason::DailyHealthReportMissing { .. } => Criterion::DailyHealthReport,
            ReadinessReason::VenueClockOffsetExceeded { .. } => Criterion::VenueClock,
            ReadinessReason::VenueWithdrawalsEnabled { .. } => Criterion::VenueWithdrawals,
            ReadinessReason::VenueTradingDisabled { .. } => Criterion::VenueTrading,
            ReadinessReason::PaperStreakShort { .. } => Criterion::PaperStreak,
            ReadinessReason::InsufficientWeeks { .. } => Criterion::WeeksCounted,
            ReadinessReason::HeartbeatStale { .. } => Criterion::Heartbeat,
            ReadinessReason::TurnoverBlockRateOutOfBand { .. } => Criterion::TurnoverBlockRate,
            ReadinessReason::ExecutionRealismDrift { .. } => Criterion::ExecutionRealism,
            ReadinessReason::RecentCriticalAlerts { .. } => Criterion::CriticalAlerts,
            ReadinessReason::InputMissing { criterion, .. } => *criterion,
        }
    }

    /// NO_GO or CONDITIONAL: the criterion's severity, whether failed or missing.
    pub fn severity(&self) -> ReasonSeverity {
        self.criterion().severity()
    }

    /// The operator-facing message, with figures.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// What the operator should do about it.
    pub fn next_action(&self) -> String {
        match self {
            ReadinessReason::KillSwitchActive => "Investigate why it was activated (kill-switch events in the audit trail). \
                 Then clear every source: `runtime kill-switch off --reason \"...\"`, \
                 remove the `data/kill_switch` file, unset `RAMPART_KILL_SWITCH`."
                .into(),
            ReadinessReason::AccountRuleBreached { breach, .. } => match breach.line {
                BreachLine::Buffered => "Equity went below the safety buffer above the firm's floor: \
                     new entries are blocked for this account. Review the breach in the audit trail \
                     (`runtime audit export`) and the risk book (`runtime status`); the account's state \
                     keeps the breach, so continue only with a new account (fresh data directory) after \
                     the review."
                    .into(),
                BreachLine::Firm => "The prop firm's limit was crossed: the account has failed at the firm. \
                     Stop trading this account and start a new one."
                    .into(),
            },
            ReadinessReason::CapitalPreservationLockdown { .. } => {
                "Wait for automatic recovery. Do NOT manually override. Review what triggered escalation."
                    .into()
            }
            ReadinessReason::ShadowHealthCritical => "Check that the runtime is running. Verify the shadow collector is enabled. \
                 Review the shadow_decisions table and the latest daily health report."
                .into(),
            ReadinessReason::EmptySymbolAllowlist => allowlist_action(),
            ReadinessReason::DailyHealthReportMissing { .. } => daily_report_action(),
            ReadinessReason::VenueClockOffsetExceeded { .. } => "Synchronise the host clock (NTP, chrony) and restart the runtime; \
                 the limit is `binance.max_clock_offset_ms`."
                .into(),
            ReadinessReason::VenueWithdrawalsEnabled { .. } => "Disable withdrawals on the API key (Binance API management), \
                 then restart the runtime so it reads the key's permissions again."
                .into(),
            ReadinessReason::VenueTradingDisabled { .. } => "Enable Spot trading on the API key, or check the account's trading status; \
                 then restart the runtime so it reads the key's permissions again."
                .into(),
            ReadinessReason::PaperStreakShort { min_days, .. } => format!(
                "Continue paper trading. Streak must reach {min_days} consecutive days."
            ),
            ReadinessReason::InsufficientWeeks { min_weeks, .. } => {
                format!("Continue paper trading. Must have {min_weeks}+ weeks of data.")
            }
            ReadinessReason::HeartbeatStale { .. } => heartbeat_action(),
            ReadinessReason::TurnoverBlockRateOutOfBand { rate, max, .. } => {
                if rate > max {
                    "Review turnover governor settings. May be over-throttling. Consider relaxing thresholds."
                        .into()
                } else {
                    "Review turnover governor settings. May be too loose. Consider tightening thresholds."
                        .into()
                }
            }
            ReadinessReason::ExecutionRealismDrift { window_days, .. } => format!(
                "Investigate slippage model. Compare recent vs prior {window_days}-day averages."
            ),
            ReadinessReason::RecentCriticalAlerts { .. } => {
                "Review and resolve the alerts. Ensure root causes are addressed.".into()
            }
            ReadinessReason::InputMissing { criterion, cause } => missing_action(*criterion, *cause),
        }
    }

    /// The serialised form.
    pub fn to_entry(&self) -> ReasonEntry {
        ReasonEntry {
            code: self.code().to_string(),
            criterion: self.criterion().as_str().to_string(),
            severity: self.severity(),
            message: self.message(),
        }
    }
}

fn allowlist_action() -> String {
    "Set `RAMPART__RISK__SYMBOL_ALLOWLIST=[\"ETH-USD\"]` or add symbols to `risk.symbol_allowlist` in the config."
        .into()
}

fn daily_report_action() -> String {
    "Run `runtime report daily`. Verify the daily health report job (06:00 UTC) is scheduled and succeeding."
        .into()
}

fn heartbeat_action() -> String {
    "Verify the runtime process is running. Check for errors in the logs.".into()
}

fn missing_action(criterion: Criterion, cause: MissingCause) -> String {
    match criterion {
        Criterion::KillSwitch => {
            "Start the runtime so it records the kill-switch state, then check readiness again."
                .into()
        }
        Criterion::AccountRules => "Start the runtime with the `[account]` section so the account rules record their risk book, then check readiness again."
            .into(),
        Criterion::CapitalPreservation => "Start the runtime so it records the capital-preservation level, then check readiness again."
            .into(),
        Criterion::ShadowHealth => {
            "Run `runtime report daily` so a shadow health status is recorded.".into()
        }
        Criterion::SymbolAllowlist => allowlist_action(),
        Criterion::DailyHealthReport => daily_report_action(),
        Criterion::VenueClock | Criterion::VenueWithdrawals | Criterion::VenueTrading => {
            "Start the runtime in paper or live mode with the exchange API key pair so it \
             measures the exchange clock and reads the key's permissions; check its log for \
             errors reaching the exchange."
                .into()
        }
        Criterion::PaperStreak | Criterion::WeeksCounted => {
            "Start paper trading (dry-run or paper mode) so paper-trading days are recorded."
                .into()
        }
        Criterion::Heartbeat => heartbeat_action(),
        Criterion::TurnoverBlockRate => match cause {
            MissingCause::NotRecorded => {
                "Run the runtime so the turnover governor records its evaluations.".into()
            }
            MissingCause::InsufficientSample => "Keep the runtime running until the turnover governor has enough evaluations in its window."
                .into(),
        },
        Criterion::ExecutionRealism => {
            "Keep paper trading until fills are recorded in both slippage windows.".into()
        }
        Criterion::CriticalAlerts => {
            "Make sure the runtime records alerts in the store, then check readiness again."
                .into()
        }
    }
}

/// What the store lacks, per criterion, for "not met: no data" messages.
fn missing_detail(criterion: Criterion, cause: MissingCause) -> &'static str {
    if cause == MissingCause::InsufficientSample {
        return "too few evaluations in the window to judge";
    }
    match criterion {
        Criterion::KillSwitch => "kill-switch state not recorded yet",
        Criterion::AccountRules => "account rules state not recorded yet",
        Criterion::CapitalPreservation => "capital-preservation level not recorded yet",
        Criterion::ShadowHealth => "no shadow health status recorded yet",
        Criterion::SymbolAllowlist => "symbol allowlist not known",
        Criterion::DailyHealthReport => "no daily health report recorded yet",
        Criterion::VenueClock => "clock offset to the exchange not measured yet",
        Criterion::VenueWithdrawals | Criterion::VenueTrading => {
            "exchange API key permissions not read yet"
        }
        Criterion::PaperStreak => "paper-trading streak not recorded yet",
        Criterion::WeeksCounted => "paper-trading weeks not recorded yet",
        Criterion::Heartbeat => "no heartbeat recorded yet",
        Criterion::TurnoverBlockRate => "no turnover block rate recorded yet",
        Criterion::ExecutionRealism => "slippage not recorded for both comparison windows",
        Criterion::CriticalAlerts => "alert history not available",
    }
}

/// Upper-case level name as the runbook writes it (`LOCKDOWN`).
fn level_name(level: PreservationLevel) -> String {
    level.as_str().to_ascii_uppercase()
}

/// A percentage for messages: at most two decimals, no trailing zeros.
pub(crate) fn fmt_pct(r: Ratio) -> String {
    format!("{}%", r.pct().round_dp(2).normalize())
}

/// Basis points for messages: at most two decimals, no trailing zeros.
pub(crate) fn fmt_bps(bps: Decimal) -> String {
    format!("{} bps", bps.round_dp(2).normalize())
}

/// An age in minutes as `45 min`, `2 h`, `2 h 5 min` or `3 d 4 h`.
pub(crate) fn fmt_minutes(minutes: i64) -> String {
    let minutes = minutes.max(0);
    if minutes < 60 {
        format!("{minutes} min")
    } else if minutes < 48 * 60 {
        match minutes % 60 {
            0 => format!("{} h", minutes / 60),
            rest => format!("{} h {rest} min", minutes / 60),
        }
    } else {
        format!("{} d {} h", minutes / (24 * 60), (minutes / 60) % 24)
    }
}

/// An amount of money for messages: two decimals, thousands separated by commas
/// (`95,400.00`, `-1,250.50`).
pub(crate) fn fmt_money(amount: Decimal) -> String {
    let rounded = amount.round_dp(2);
    let digits = format!("{:.2}", rounded.abs());
    let (int, frac) = digits.split_once('.').unwrap_or((digits.as_str(), "00"));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{frac}")
}

/// A timestamp for messages (RFC 3339, seconds, `Z`).
pub(crate) fn fmt_time(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl fmt::Display for ReadinessReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadinessReason::KillSwitchActive => f.write_str("Kill switch is active"),
            ReadinessReason::AccountRuleBreached { rules, breach } => write!(
                f,
                "{rules}: {} {} line breached at {} (equity {} below {})",
                breach.rule,
                breach.line.as_str(),
                fmt_time(breach.at),
                fmt_money(breach.equity.value()),
                fmt_money(breach.floor().value())
            ),
            ReadinessReason::CapitalPreservationLockdown { level } => {
                write!(f, "Capital preservation in {} mode", level_name(*level))
            }
            ReadinessReason::ShadowHealthCritical => {
                f.write_str("Shadow data collection health is CRITICAL")
            }
            ReadinessReason::EmptySymbolAllowlist => {
                f.write_str("Live mode enabled but symbol allowlist is empty")
            }
            ReadinessReason::DailyHealthReportMissing {
                last_report_at,
                age_hours,
                max_age_hours,
            } => write!(
                f,
                "Daily health reports missing in last {max_age_hours}h (latest {}, {age_hours} h ago)",
                fmt_time(*last_report_at)
            ),
            ReadinessReason::VenueClockOffsetExceeded {
                venue,
                offset_ms,
                max_offset_ms,
            } => write!(
                f,
                "Clock offset to the {venue} server is {offset_ms} ms (limit {max_offset_ms} ms)"
            ),
            ReadinessReason::VenueWithdrawalsEnabled { venue } => write!(
                f,
                "The {venue} API key can withdraw funds (withdrawals must be disabled)"
            ),
            ReadinessReason::VenueTradingDisabled { venue } => write!(
                f,
                "The {venue} account or API key cannot trade (trading disabled)"
            ),
            ReadinessReason::PaperStreakShort { days, min_days } => write!(
                f,
                "Paper trading streak ({days} days) below minimum ({min_days} days)"
            ),
            ReadinessReason::InsufficientWeeks { weeks, min_weeks } => write!(
                f,
                "Paper trading weeks counted ({weeks}) below minimum ({min_weeks})"
            ),
            ReadinessReason::HeartbeatStale {
                age_minutes,
                max_age_minutes,
                ..
            } => write!(
                f,
                "Runtime heartbeat not recent (last {} ago, limit {})",
                fmt_minutes(*age_minutes),
                fmt_minutes(i64::from(*max_age_minutes))
            ),
            ReadinessReason::TurnoverBlockRateOutOfBand { rate, min, max } => {
                if rate > max {
                    write!(
                        f,
                        "Turnover block rate ({}) exceeds {}",
                        fmt_pct(*rate),
                        fmt_pct(*max)
                    )
                } else {
                    write!(
                        f,
                        "Turnover block rate ({}) below {}",
                        fmt_pct(*rate),
                        fmt_pct(*min)
                    )
                }
            }
            ReadinessReason::ExecutionRealismDrift {
                recent_bps,
                prior_bps,
                window_days,
            } => write!(
                f,
                "Execution realism degradation detected: average slippage {} over the last {window_days} days vs {} over the prior {window_days} days",
                fmt_bps(*recent_bps),
                fmt_bps(*prior_bps)
            ),
            ReadinessReason::RecentCriticalAlerts {
                count,
                window_days,
                by_kind,
            } => {
                write!(f, "{count} CRITICAL alert(s) in last {window_days} days")?;
                if !by_kind.is_empty() {
                    let kinds: Vec<String> =
                        by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
                    write!(f, ": {}", kinds.join(", "))?;
                }
                Ok(())
            }
            ReadinessReason::InputMissing { criterion, cause } => write!(
                f,
                "{}: not met: no data ({})",
                criterion.label(),
                missing_detail(*criterion, *cause)
            ),
        }
    }
}

impl Serialize for ReadinessReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_entry().serialize(serializer)
    }
}

/// A reason as served in `live_rollout_reasons`. Strings rather than enums so
/// that a client keeps parsing when a later version adds a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonEntry {
    /// Stable snake_case code (`heartbeat_stale`).
    pub code: String,
    /// The criterion not met (`heartbeat`); tells `input_missing` reasons apart.
    pub criterion: String,
    /// `NO_GO` or `CONDITIONAL`.
    pub severity: ReasonSeverity,
    /// Human message with figures.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn block_rate_messages_name_the_side_of_the_band() {
        let (min, max) = (Ratio::from_pct(dec!(5)), Ratio::from_pct(dec!(70)));
        let high = ReadinessReason::TurnoverBlockRateOutOfBand {
            rate: Ratio::from_fraction(dec!(0.825)),
            min,
            max,
        };
        assert_eq!(high.message(), "Turnover block rate (82.5%) exceeds 70%");
        assert!(high.next_action().contains("over-throttling"));
        let low = ReadinessReason::TurnoverBlockRateOutOfBand {
            rate: Ratio::from_fraction(dec!(0.01) / dec!(3)),
            min,
            max,
        };
        assert_eq!(low.message(), "Turnover block rate (0.33%) below 5%");
        assert!(low.next_action().contains("too loose"));
    }

    #[test]
    fn money_reads_with_two_decimals_and_thousands_separators() {
        assert_eq!(fmt_money(dec!(95400)), "95,400.00");
        assert_eq!(fmt_money(dec!(1234567.891)), "1,234,567.89");
        assert_eq!(fmt_money(dec!(999.5)), "999.50");
        assert_eq!(fmt_money(dec!(100000)), "100,000.00");
        assert_eq!(fmt_money(dec!(-1250.5)), "-1,250.50");
        assert_eq!(fmt_money(dec!(-0.001)), "0.00");
        assert_eq!(fmt_money(dec!(0)), "0.00");
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(fmt_minutes(45), "45 min");
        assert_eq!(fmt_minutes(125), "2 h 5 min");
        assert_eq!(fmt_minutes(120), "2 h");
        assert_eq!(fmt_minutes(3 * 24 * 60 + 4 * 60 + 10), "3 d 4 h");
        assert_eq!(fmt_minutes(-5), "0 min");
    }

    #[test]
    fn missing_reasons_say_not_met_no_data_and_take_the_criterion_severity() {
        for criterion in Criterion::ALL {
            let r = ReadinessReason::InputMissing {
                criterion,
                cause: MissingCause::NotRecorded,
            };
            assert!(r.message().contains("not met: no data"), "{}", r.message());
            assert_eq!(r.severity(), criterion.severity());
            assert_eq!(r.criterion(), criterion);
            assert!(!r.next_action().is_empty());
        }
    }

    #[test]
    fn reasons_serialise_as_code_criterion_severity_message() {
        let r = ReadinessReason::RecentCriticalAlerts {
            count: 2,
            window_days: 14,
            by_kind: BTreeMap::new(),
        };
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "recent_critical_alerts",
                "criterion": "critical_alerts",
                "severity": "CONDITIONAL",
                "message": "2 CRITICAL alert(s) in last 14 days",
            })
        );
        let entry: ReasonEntry = serde_json::from_value(json).unwrap();
        assert_eq!(entry, r.to_entry());
    }
}
