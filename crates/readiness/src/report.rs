//! [`evaluate`]: inputs and thresholds in, [`ReadinessReport`] out — the document
//! `/health/readiness` serves, `health-check` prints, and the live start-up guard
//! gates on.
//!
//! Two verdicts:
//! - `live_rollout_readiness` answers "may I enable live trading?": the worst
//!   severity over *every* criterion. GO only when every criterion is met and
//!   every input it needs is present.
//! - `overall_readiness` answers "is the system healthy for the mode it runs
//!   in?": the worst severity over the system criteria (kill switch, account
//!   rules, capital preservation, shadow health, daily report, heartbeat, block
//!   rate). Rollout
//!   evidence (paper streak, weeks counted, execution realism, recent alerts,
//!   allowlist) only counts in live mode, so a healthy two-day-old dry-run is
//!   `overall` GO and `live_rollout` CONDITIONAL. In live mode both verdicts are
//!   the same.

use std::collections::BTreeMap;
use std::fmt;

use domain::{Readiness, Timestamp, TradingMode};
use serde::{Deserialize, Serialize};

use crate::checks::assess_all;
use crate::component::ComponentStatus;
use crate::config::ReadinessConfig;
use crate::inputs::{ReadinessInputs, VenueHealthInput};
use crate::reason::{READY_ACTION, ReadinessReason, ReasonEntry, fmt_time};

/// `health-check --quiet` exit code when readiness could not be evaluated at all
/// (store unreachable, bad config); the binary uses it, [`exit_code`] never returns it.
pub const EXIT_COULD_NOT_EVALUATE: i32 = 3;

/// `health-check --quiet` exit code for a verdict: GO 0, CONDITIONAL 1, NO_GO 2.
pub const fn exit_code(readiness: Readiness) -> i32 {
    match readiness {
        Readiness::Go => 0,
        Readiness::Conditional => 1,
        Readiness::NoGo => 2,
    }
}

/// The result of one evaluation. Serialises to the `/health/readiness` JSON.
/// Built only by [`evaluate`], so its verdicts always agree with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadinessReport {
    evaluated_at: Timestamp,
    mode: TradingMode,
    #[serde(rename = "overall_readiness")]
    overall: Readiness,
    live_rollout_readiness: Readiness,
    #[serde(rename = "live_rollout_reasons")]
    reasons: Vec<ReadinessReason>,
    #[serde(rename = "live_rollout_next_actions")]
    next_actions: Vec<String>,
    components: BTreeMap<&'static str, ComponentStatus>,
}

/// Judges every criterion of `inputs` against `config` (pure; `now` is in the inputs),
/// with no venue health recorded: the venue criteria are not met (no data) in paper and
/// live modes and not applicable in dry-run and backtest. See [`evaluate_with_venue`].
pub fn evaluate(inputs: &ReadinessInputs, config: &ReadinessConfig) -> ReadinessReport {
    evaluate_with_venue(inputs, None, config)
}

/// [`evaluate`] with the exchange venue's health as the runtime last measured it (clock
/// offset, API key permissions). Given health is judged in every mode.
pub fn evaluate_with_venue(
    inputs: &ReadinessInputs,
    venue: Option<&VenueHealthInput>,
    config: &ReadinessConfig,
) -> ReadinessReport {
    let mut components = BTreeMap::new();
    let mut reasons = Vec::new();
    for assessment in assess_all(inputs, venue, config) {
        components.insert(assessment.criterion.as_str(), assessment.component);
        reasons.extend(assessment.reason);
    }

    let live_rollout_readiness = worst(reasons.iter());
    let overall = worst(
        reasons
            .iter()
            .filter(|r| r.criterion().counts_toward_overall(inputs.mode)),
    );

    let mut next_actions: Vec<String> = Vec::new();
    for action in reasons.iter().map(ReadinessReason::next_action) {
        if !next_actions.contains(&action) {
            next_actions.push(action);
        }
    }
    if next_actions.is_empty() {
        next_actions.push(READY_ACTION.to_string());
    }

    ReadinessReport {
        evaluated_at: inputs.now,
        mode: inputs.mode,
        overall,
        live_rollout_readiness,
        reasons,
        next_actions,
        components,
    }
}

/// The worst severity among `reasons`; GO when there is none.
fn worst<'a>(reasons: impl Iterator<Item = &'a ReadinessReason>) -> Readiness {
    reasons
        .map(|r| r.severity().readiness())
        .max()
        .unwrap_or(Readiness::Go)
}

impl ReadinessReport {
    /// When it was evaluated.
    pub fn evaluated_at(&self) -> Timestamp {
        self.evaluated_at
    }

    /// The mode `overall` was judged for.
    pub fn mode(&self) -> TradingMode {
        self.mode
    }

    /// Health for the current mode (see the module docs).
    pub fn overall(&self) -> Readiness {
        self.overall
    }

    /// Readiness to enable live trading: what `health-check --quiet` and the live
    /// start-up guard gate on.
    pub fn live_rollout_readiness(&self) -> Readiness {
        self.live_rollout_readiness
    }

    /// Every unmet criterion, in criterion order (NO_GO criteria first).
    pub fn reasons(&self) -> &[ReadinessReason] {
        &self.reasons
    }

    /// The reasons that lower `overall` in this report's mode.
    pub fn overall_reasons(&self) -> impl Iterator<Item = &ReadinessReason> {
        self.reasons
            .iter()
            .filter(|r| r.criterion().counts_toward_overall(self.mode))
    }

    /// One action per reason, duplicates removed, in reason order; the single
    /// [`READY_ACTION`] when there is no reason.
    pub fn next_actions(&self) -> &[String] {
        &self.next_actions
    }

    /// Status of every criterion, keyed by its stable name.
    pub fn components(&self) -> &BTreeMap<&'static str, ComponentStatus> {
        &self.components
    }

    /// `true` only for a live-rollout GO.
    pub fn is_go(&self) -> bool {
        self.live_rollout_readiness == Readiness::Go
    }

    /// The `health-check --quiet` exit code of the live-rollout verdict.
    pub fn exit_code(&self) -> i32 {
        exit_code(self.live_rollout_readiness)
    }

    /// The owned, deserialisable form of the JSON (for clients of the endpoint).
    pub fn to_document(&self) -> ReadinessDocument {
        ReadinessDocument {
            evaluated_at: self.evaluated_at,
            mode: self.mode,
            overall_readiness: self.overall,
            live_rollout_readiness: self.live_rollout_readiness,
            live_rollout_reasons: self.reasons.iter().map(ReadinessReason::to_entry).collect(),
            live_rollout_next_actions: self.next_actions.clone(),
            components: self
                .components
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        }
    }
}

/// The `/health/readiness` JSON as a client reads it (e.g. `health-check` asking a
/// running runtime). Serialises to exactly what [`ReadinessReport`] serialises to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessDocument {
    /// When it was evaluated.
    pub evaluated_at: Timestamp,
    /// The runtime's mode.
    pub mode: TradingMode,
    /// Health for the current mode.
    pub overall_readiness: Readiness,
    /// Readiness to enable live trading.
    pub live_rollout_readiness: Readiness,
    /// Every unmet criterion.
    pub live_rollout_reasons: Vec<ReasonEntry>,
    /// What to do, deduplicated, in reason order.
    pub live_rollout_next_actions: Vec<String>,
    /// Status per criterion.
    pub components: BTreeMap<String, ComponentStatus>,
}

/// The human report `health-check` prints by default (from the store or from a
/// running runtime's `/health/readiness`).
impl fmt::Display for ReadinessDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Live rollout readiness: {}",
            self.live_rollout_readiness.as_str()
        )?;
        writeln!(
            f,
            "Overall readiness ({}): {}",
            self.mode.as_str(),
            self.overall_readiness.as_str()
        )?;
        writeln!(f, "Evaluated at {}", fmt_time(self.evaluated_at))?;
        if !self.live_rollout_reasons.is_empty() {
            writeln!(f, "\nReasons:")?;
            for r in &self.live_rollout_reasons {
                writeln!(f, "  [{}] {}", r.severity, r.message)?;
            }
        }
        writeln!(f, "\nNext actions:")?;
        for a in &self.live_rollout_next_actions {
            writeln!(f, "  - {a}")?;
        }
        writeln!(f, "\nComponents:")?;
        for (name, c) in &self.components {
            writeln!(f, "  {:<8} {:<21} {}", c.status.as_str(), name, c.detail)?;
        }
        Ok(())
    }
}

/// The same text as the document's.
impl fmt::Display for ReadinessReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_document().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::ComponentState;
    use crate::criterion::{Criterion, ReasonSeverity};
    use crate::reason::MissingCause;
    use crate::test_support::{break_criterion, evaluate, healthy, healthy_in, t0};

    #[test]
    fn all_inputs_healthy_is_go_with_no_reasons() {
        let report = evaluate(&healthy(), &ReadinessConfig::default());
        assert_eq!(report.live_rollout_readiness(), Readiness::Go);
        assert_eq!(report.overall(), Readiness::Go);
        assert!(report.reasons().is_empty());
        assert_eq!(report.next_actions(), [READY_ACTION]);
        assert_eq!(report.exit_code(), 0);
        assert!(
            report
                .components()
                .values()
                .all(|c| c.status == ComponentState::Ok)
        );
    }

    #[test]
    fn nothing_known_yet_is_no_go_with_a_no_data_reason_per_criterion() {
        let report = evaluate(
            &ReadinessInputs::unknown(t0(), TradingMode::Live).into(),
            &ReadinessConfig::default(),
        );
        assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
        // Every criterion but the account rules, which are simply not configured.
        let judged: Vec<Criterion> = Criterion::ALL
            .into_iter()
            .filter(|c| *c != Criterion::AccountRules)
            .collect();
        assert_eq!(report.reasons().len(), judged.len());
        assert_eq!(
            report.components()["account_rules"],
            ComponentStatus {
                status: ComponentState::Ok,
                detail: "no account rules configured".into()
            }
        );
        for (r, c) in report.reasons().iter().zip(judged) {
            assert_eq!(
                r,
                &ReadinessReason::InputMissing {
                    criterion: c,
                    cause: MissingCause::NotRecorded
                }
            );
            assert!(r.message().contains("not met: no data"));
            assert_eq!(r.severity(), c.severity());
            assert_eq!(
                report.components()[c.as_str()].status,
                ComponentState::Unknown
            );
        }
    }

    #[test]
    fn a_missing_no_go_input_is_no_go_and_a_missing_conditional_input_is_conditional() {
        for c in Criterion::ALL {
            let mut i = healthy();
            crate::test_support::clear_input(&mut i, c);
            let report = evaluate(&i, &ReadinessConfig::default());
            if c == Criterion::AccountRules {
                // Utilisation figures are informational: without them the
                // criterion is still judged (on the breach) and met.
                assert!(report.is_go(), "{report:?}");
                assert_eq!(
                    report.components()[c.as_str()].detail,
                    "ftmo-2step-challenge: no breach (no utilisation recorded yet)"
                );
                continue;
            }
            assert_eq!(
                report.live_rollout_readiness(),
                c.severity().readiness(),
                "{c}"
            );
            assert_eq!(report.reasons().len(), 1);
            assert_eq!(report.reasons()[0].code(), "input_missing");
            assert_eq!(report.reasons()[0].criterion(), c);
        }
    }

    #[test]
    fn the_worst_severity_wins() {
        let mut i = healthy();
        break_criterion(&mut i, Criterion::PaperStreak, 0);
        break_criterion(&mut i, Criterion::Heartbeat, 0);
        assert_eq!(
            evaluate(&i, &ReadinessConfig::default()).live_rollout_readiness(),
            Readiness::Conditional
        );
        break_criterion(&mut i, Criterion::KillSwitch, 0);
        let report = evaluate(&i, &ReadinessConfig::default());
        assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
        assert_eq!(report.exit_code(), 2);
        let severities: Vec<_> = report.reasons().iter().map(|r| r.severity()).collect();
        assert_eq!(
            severities,
            [
                ReasonSeverity::NoGo,
                ReasonSeverity::Conditional,
                ReasonSeverity::Conditional
            ]
        );
    }

    #[test]
    fn dry_run_overall_ignores_rollout_evidence_but_live_rollout_does_not() {
        let mut i = healthy_in(TradingMode::DryRun);
        i.paper_streak_days = Some(2);
        i.weeks_counted = None;
        i.critical_alerts_in_window = Some(1);
        let report = evaluate(&i, &ReadinessConfig::default());
        assert_eq!(report.overall(), Readiness::Go);
        assert_eq!(report.live_rollout_readiness(), Readiness::Conditional);
        assert_eq!(report.overall_reasons().count(), 0);
        assert_eq!(report.reasons().len(), 3);

        i.mode = TradingMode::Live;
        let live = evaluate(&i, &ReadinessConfig::default());
        assert_eq!(live.overall(), Readiness::Conditional);
    }

    #[test]
    fn dry_run_overall_still_counts_system_health() {
        let mut i = healthy_in(TradingMode::DryRun);
        break_criterion(&mut i, Criterion::CapitalPreservation, 0);
        let report = evaluate(&i, &ReadinessConfig::default());
        assert_eq!(report.overall(), Readiness::NoGo);
        assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
    }

    #[test]
    fn next_actions_are_deduplicated_in_reason_order() {
        let mut i = healthy();
        break_criterion(&mut i, Criterion::PaperStreak, 0);
        break_criterion(&mut i, Criterion::WeeksCounted, 0);
        break_criterion(&mut i, Criterion::Heartbeat, 0);
        i.paper_streak_days = None;
        i.weeks_counted = None; // both missing: one shared "start paper trading" action
        let report = evaluate(&i, &ReadinessConfig::default());
        assert_eq!(report.reasons().len(), 3);
        assert_eq!(
            report.next_actions(),
            [
                "Start paper trading (dry-run or paper mode) so paper-trading days are recorded.",
                "Verify the runtime process is running. Check for errors in the logs.",
            ]
        );
    }

    #[test]
    fn exit_codes_follow_the_health_check_contract() {
        assert_eq!(exit_code(Readiness::Go), 0);
        assert_eq!(exit_code(Readiness::Conditional), 1);
        assert_eq!(exit_code(Readiness::NoGo), 2);
        assert_eq!(EXIT_COULD_NOT_EVALUATE, 3);
    }

    #[test]
    fn human_report_lists_verdicts_reasons_actions_and_components() {
        let mut i = healthy_in(TradingMode::DryRun);
        break_criterion(&mut i, Criterion::WeeksCounted, 1);
        let text = evaluate(&i, &ReadinessConfig::default()).to_string();
        assert!(
            text.starts_with("Live rollout readiness: CONDITIONAL\n"),
            "{text}"
        );
        assert!(text.contains("Overall readiness (dry-run): GO"));
        assert!(text.contains("[CONDITIONAL] Paper trading weeks counted (1) below minimum (2)"));
        assert!(text.contains("  - Continue paper trading. Must have 2+ weeks of data."));
        assert!(text.contains("kill_switch"));
        assert!(text.contains(
            "  ok       account_rules         ftmo-2step-challenge: no breach; daily loss 12.5% of allowance used, max loss 40% of allowance used"
        ), "{text}");
    }

    #[test]
    fn an_account_rule_breach_shows_in_the_human_report_and_the_json() {
        let mut i = healthy_in(TradingMode::Paper);
        break_criterion(&mut i, Criterion::AccountRules, 0);
        let report = evaluate(&i, &ReadinessConfig::default());
        assert_eq!(report.overall(), Readiness::NoGo);
        let text = report.to_string();
        assert!(
            text.contains(
                "[NO_GO] ftmo-2step-challenge: daily_loss buffered line breached at 2024-01-15T10:00:00Z (equity 95,400.00 below 95,500.00)"
            ),
            "{text}"
        );
        assert!(text.contains("  critical account_rules         ftmo-2step-challenge: daily_loss"));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["components"].as_object().unwrap().len(), 15);
        assert_eq!(json["components"]["account_rules"]["status"], "critical");
        assert_eq!(
            json["live_rollout_reasons"][0],
            serde_json::json!({
                "code": "account_rule_breached",
                "criterion": "account_rules",
                "severity": "NO_GO",
                "message": "ftmo-2step-challenge: daily_loss buffered line breached at 2024-01-15T10:00:00Z (equity 95,400.00 below 95,500.00)",
            })
        );
    }
}
