//! Invariants of `evaluate` over random inputs: monotonicity (a failing or missing
//! criterion never improves a verdict), verdict = worst reason, a report that
//! agrees with itself, an account-rule breach that is always NO_GO, and a venue that may
//! withdraw, cannot trade or whose clock is off that is always NO_GO.

use chrono::Duration;
use domain::{
    AccountBreach, AccountRule, BreachLine, Money, PreservationLevel, Ratio, Readiness, TradingMode,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::component::ComponentState;
use crate::config::ReadinessConfig;
use crate::criterion::Criterion;
use crate::inputs::{
    AccountRulesInput, BlockRateInput, ReadinessInputs, ShadowHealth, VenueHealthInput,
};
use crate::reason::ReadinessReason;
use crate::report::ReadinessDocument;
use crate::test_support::{Case, break_criterion, clear_input, evaluate, t0};

fn opt<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>>
where
    S::Value: std::fmt::Debug,
{
    prop::option::weighted(0.85, s)
}

fn mode() -> impl Strategy<Value = TradingMode> {
    prop_oneof![
        Just(TradingMode::Backtest),
        Just(TradingMode::DryRun),
        Just(TradingMode::Paper),
        Just(TradingMode::Live),
    ]
}

fn level() -> impl Strategy<Value = PreservationLevel> {
    prop::sample::select(PreservationLevel::ALL.to_vec())
}

fn shadow() -> impl Strategy<Value = ShadowHealth> {
    prop_oneof![
        Just(ShadowHealth::Healthy),
        Just(ShadowHealth::Warning),
        Just(ShadowHealth::Critical),
    ]
}

fn block_rate() -> impl Strategy<Value = BlockRateInput> {
    prop_oneof![
        9 => (0i64..=10_000).prop_map(|bps| BlockRateInput::Measured(Ratio::from_bps(Decimal::from(bps)))),
        1 => Just(BlockRateInput::InsufficientData),
    ]
}

/// Slippage in hundredths of a basis point, -5 to 30 bps.
fn bps() -> impl Strategy<Value = Decimal> {
    (-500i64..=3_000).prop_map(|h| Decimal::new(h, 2))
}

/// Utilisation in hundredths of a percent, 0 to 120%.
fn utilisation() -> impl Strategy<Value = Decimal> {
    (0i64..=12_000).prop_map(|h| Decimal::new(h, 2))
}

/// Money in cents, 90,000.00 to 100,000.00.
fn money() -> impl Strategy<Value = Money> {
    (9_000_000i64..=10_000_000).prop_map(|c| Money::new(Decimal::new(c, 2)))
}

fn account_breach() -> impl Strategy<Value = AccountBreach> {
    (
        prop_oneof![Just(AccountRule::DailyLoss), Just(AccountRule::MaxLoss)],
        prop_oneof![Just(BreachLine::Buffered), Just(BreachLine::Firm)],
        0i64..=10_000,
        (money(), money(), money(), money()),
    )
        .prop_map(
            |(rule, line, minutes_ago, (equity, balance, firm_floor, guard_floor))| AccountBreach {
                rule,
                line,
                at: t0() - Duration::minutes(minutes_ago),
                equity,
                balance,
                firm_floor,
                guard_floor,
            },
        )
}

fn account_rules_input() -> impl Strategy<Value = AccountRulesInput> {
    (
        prop::sample::select(vec![
            "ftmo-2step-challenge",
            "ftmo-1step",
            "ftmo-2step-verification",
        ]),
        prop::option::weighted(0.3, account_breach()),
        opt(utilisation()),
        opt(utilisation()),
    )
        .prop_map(|(rules, breach, daily, total)| AccountRulesInput {
            rules: rules.to_string(),
            breach,
            daily_utilisation_pct: daily,
            total_utilisation_pct: total,
        })
}

/// Venue health with offsets around the limit and every permission state.
fn venue_health() -> impl Strategy<Value = VenueHealthInput> {
    (
        opt(-3_000i64..=3_000),
        prop::sample::select(vec![0u64, 500, 1_000, 2_500]),
        opt(any::<bool>()),
        opt(any::<bool>()),
        0i64..=600,
    )
        .prop_map(
            |(offset, max, can_trade, can_withdraw, minutes_ago)| VenueHealthInput {
                name: "binance".into(),
                checked_at: t0() - Duration::minutes(minutes_ago),
                clock_offset_ms: offset,
                max_clock_offset_ms: max,
                can_trade,
                can_withdraw,
            },
        )
}

fn criterion() -> impl Strategy<Value = Criterion> {
    prop::sample::select(Criterion::ALL.to_vec())
}

prop_compose! {
    fn inputs()(
        mode in mode(),
        (kill, level, shadow, allow) in (opt(any::<bool>()), opt(level()), opt(shadow()), opt(0usize..4)),
        (report_age, streak, weeks, hb_age) in (opt(-60i64..=3_000), opt(0u32..30), opt(0u32..5), opt(-10i64..=300)),
        (rate, recent, prior, alerts) in (opt(block_rate()), opt(bps()), opt(bps()), opt(0u32..3)),
        account in prop::option::weighted(0.7, account_rules_input()),
        venue in prop::option::weighted(0.6, venue_health()),
    ) -> Case {
        let now = t0();
        let inputs = ReadinessInputs {
            now,
            mode,
            kill_switch_active: kill,
            preservation_level: level,
            shadow_health: shadow,
            symbol_allowlist_len: allow,
            last_daily_health_report_at: report_age.map(|m| now - Duration::minutes(m)),
            paper_streak_days: streak,
            weeks_counted: weeks,
            last_heartbeat_at: hb_age.map(|m| now - Duration::minutes(m)),
            turnover_block_rate: rate,
            slippage_recent_bps: recent,
            slippage_prior_bps: prior,
            critical_alerts_in_window: alerts,
            critical_alert_kinds: Default::default(),
            account_rules: account,
        };
        Case { inputs, venue }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn prop_failing_a_criterion_never_improves_a_verdict(
        base in inputs(), c in criterion(), variant in 0u8..8,
    ) {
        let config = ReadinessConfig::default();
        let before = evaluate(&base, &config);
        let mut worse = base.clone();
        break_criterion(&mut worse, c, variant);
        let after = evaluate(&worse, &config);
        prop_assert!(after.live_rollout_readiness() >= before.live_rollout_readiness());
        prop_assert!(after.overall() >= before.overall());
        // The criterion is now reported (unless it is not judged in this mode).
        if c != Criterion::SymbolAllowlist || base.mode == TradingMode::Live {
            prop_assert!(after.live_rollout_readiness() >= c.severity().readiness());
            prop_assert!(after.reasons().iter().any(|r| r.criterion() == c));
        }
    }

    #[test]
    fn prop_an_account_rule_breach_is_always_no_go(mut i in inputs(), b in account_breach()) {
        let rules = i.account_rules.get_or_insert_with(|| AccountRulesInput {
            rules: "ftmo-2step-challenge".into(),
            breach: None,
            daily_utilisation_pct: None,
            total_utilisation_pct: None,
        });
        rules.breach = Some(b);
        let name = rules.rules.clone();
        let report = evaluate(&i, &ReadinessConfig::default());
        // In every mode, for both verdicts, whatever else the inputs say.
        prop_assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
        prop_assert_eq!(report.overall(), Readiness::NoGo);
        prop_assert_eq!(report.components()["account_rules"].status, ComponentState::Critical);
        let reason = report.reasons().iter().find(|r| r.criterion() == Criterion::AccountRules);
        prop_assert!(reason.is_some());
        let reason = reason.unwrap();
        prop_assert_eq!(reason.code(), "account_rule_breached");
        let message = reason.message();
        prop_assert!(message.starts_with(&format!("{name}: {} {} line breached at ", b.rule, b.line.as_str())), "{}", message);
        prop_assert!(report.overall_reasons().any(|r| r.code() == "account_rule_breached"));
    }

    #[test]
    fn prop_a_venue_issue_is_always_no_go(mut i in inputs(), v in venue_health(), issue in 0u8..3) {
        let mut v = v;
        let code = match issue {
            0 => {
                v.can_withdraw = Some(true);
                "venue_withdrawals_enabled"
            }
            1 => {
                v.can_trade = Some(false);
                "venue_trading_disabled"
            }
            _ => {
                let beyond = i64::try_from(v.max_clock_offset_ms).unwrap() + 1;
                v.clock_offset_ms = Some(if v.checked_at.timestamp() % 2 == 0 { beyond } else { -beyond });
                "venue_clock_offset_exceeded"
            }
        };
        i.venue = Some(v);
        let report = evaluate(&i, &ReadinessConfig::default());
        // In every mode, for both verdicts, whatever else the inputs say.
        prop_assert_eq!(report.live_rollout_readiness(), Readiness::NoGo);
        prop_assert_eq!(report.overall(), Readiness::NoGo);
        prop_assert!(report.overall_reasons().any(|r| r.code() == code), "{:?}", report.reasons());
    }

    #[test]
    fn prop_without_venue_health_paper_and_live_are_never_go(mut i in inputs()) {
        i.venue = None;
        let report = evaluate(&i, &ReadinessConfig::default());
        let exchange = matches!(i.mode, TradingMode::Paper | TradingMode::Live);
        for c in [Criterion::VenueClock, Criterion::VenueWithdrawals, Criterion::VenueTrading] {
            let missing = report.reasons().iter().any(|r| {
                matches!(r, ReadinessReason::InputMissing { criterion, .. } if *criterion == c)
            });
            // Missing is never healthy where orders go to an exchange; not applicable elsewhere.
            prop_assert_eq!(missing, exchange, "{}", c);
        }
        if exchange {
            prop_assert_eq!(report.overall(), Readiness::NoGo);
        }
    }

    #[test]
    fn prop_without_a_breach_account_rules_never_lower_a_verdict(i in inputs()) {
        let config = ReadinessConfig::default();
        let mut none = i.clone();
        none.account_rules = None;
        let without = evaluate(&none, &config);
        prop_assert_eq!(without.components()["account_rules"].status, ComponentState::Ok);
        if i.account_rules.as_ref().is_none_or(|a| a.breach.is_none()) {
            let with = evaluate(&i, &config);
            prop_assert_eq!(with.live_rollout_readiness(), without.live_rollout_readiness());
            prop_assert_eq!(with.overall(), without.overall());
            prop_assert!(with.reasons().iter().all(|r| r.criterion() != Criterion::AccountRules));
        }
    }

    #[test]
    fn prop_removing_an_input_never_improves_a_verdict(base in inputs(), c in criterion()) {
        let config = ReadinessConfig::default();
        let before = evaluate(&base, &config);
        let mut less = base.clone();
        clear_input(&mut less, c);
        let after = evaluate(&less, &config);
        prop_assert!(after.live_rollout_readiness() >= before.live_rollout_readiness());
        prop_assert!(after.overall() >= before.overall());
    }

    #[test]
    fn prop_verdicts_are_the_worst_reason_and_overall_never_stricter(i in inputs()) {
        let report = evaluate(&i, &ReadinessConfig::default());
        let worst = report.reasons().iter().map(|r| r.severity().readiness()).max();
        prop_assert_eq!(report.live_rollout_readiness(), worst.unwrap_or(Readiness::Go));
        prop_assert_eq!(report.reasons().is_empty(), report.is_go());
        prop_assert!(report.overall() <= report.live_rollout_readiness());
        if i.mode == TradingMode::Live {
            prop_assert_eq!(report.overall(), report.live_rollout_readiness());
        }
    }

    #[test]
    fn prop_components_agree_with_reasons(i in inputs()) {
        let report = evaluate(&i, &ReadinessConfig::default());
        prop_assert_eq!(report.components().len(), Criterion::ALL.len());
        for c in Criterion::ALL {
            let status = report.components()[c.as_str()].status;
            let reason = report.reasons().iter().find(|r| r.criterion() == c);
            match reason {
                None => prop_assert!(matches!(status, ComponentState::Ok | ComponentState::Warning)),
                Some(ReadinessReason::InputMissing { .. }) => prop_assert_eq!(status, ComponentState::Unknown),
                Some(r) => prop_assert_eq!(status, ComponentState::of_failure(r.severity())),
            }
        }
        // At most one reason per criterion, in criterion order.
        let order: Vec<Criterion> = report.reasons().iter().map(ReadinessReason::criterion).collect();
        prop_assert!(order.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn prop_next_actions_are_unique_and_cover_every_reason(i in inputs()) {
        let report = evaluate(&i, &ReadinessConfig::default());
        let actions = report.next_actions();
        prop_assert!(!actions.is_empty());
        for (n, a) in actions.iter().enumerate() {
            prop_assert!(!actions[..n].contains(a));
        }
        for r in report.reasons() {
            prop_assert!(actions.contains(&r.next_action()));
        }
    }

    #[test]
    fn prop_json_reads_back_as_the_document(i in inputs()) {
        let report = evaluate(&i, &ReadinessConfig::default());
        let json = serde_json::to_value(&report).unwrap();
        let doc: ReadinessDocument = serde_json::from_value(json.clone()).unwrap();
        prop_assert_eq!(&doc, &report.to_document());
        prop_assert_eq!(serde_json::to_value(&doc).unwrap(), json);
    }
}
