//! Gate verdicts over hand-built weeks: every gate met, then each one failing alone.

use chrono::Duration;
use domain::shadow::ActualOutcome;
use domain::{Signoff, Timestamp};
use rust_decimal_macros::dec;

use super::*;
use crate::weekly::ReportWeek;
use crate::weekly::fixtures::{Spec, advisor_week, net, report, skip};

/// Six winning days and one small loss: delta +44, hit 6/7, drawdown 3 / 10,016.
const GOOD: [i64; 7] = [10, 6, -3, 4, 8, 7, 12];

fn week(k: u32) -> ReportWeek {
    ReportWeek::new(2024, k).unwrap()
}

fn good(k: u32) -> WeeklyEvidence {
    report(week(k), &advisor_week(week(k), "BTC-USD", GOOD))
}

fn weeks_of(n: u32, f: impl Fn(u32) -> WeeklyEvidence) -> Vec<WeeklyEvidence> {
    (1..=n).map(f).collect()
}

fn signoff_at(at: Timestamp) -> Signoff {
    Signoff {
        by: "alice".into(),
        note: "reviewed the evidence".into(),
        at,
    }
}

/// A sign-off one hour after the end of week `k`.
fn signed_after(k: u32) -> Vec<Signoff> {
    vec![signoff_at(week(k).end() + Duration::hours(1))]
}

fn verdict(weeks: &[WeeklyEvidence], signoffs: &[Signoff]) -> GateVerdict {
    evaluate_gates(weeks, signoffs, &GateThresholds::default())
}

fn gate(v: &GateVerdict, name: GateName) -> &Gate {
    v.gates.iter().find(|g| g.name == name).unwrap()
}

#[test]
fn twelve_good_weeks_with_a_signoff_are_go() {
    let v = verdict(&weeks_of(12, good), &signed_after(12));
    assert_eq!(v.verdict, Verdict::Go, "{:#?}", v.gates);
    assert!(v.unmet.is_empty());
    assert_eq!(
        v.gates.iter().map(|g| g.name).collect::<Vec<_>>(),
        GateName::ALL
    );
    assert_eq!(v.window.len(), 12);
    assert_eq!(v.window[0], "2024-W01");
    assert_eq!(
        gate(&v, GateName::HitRate).observed,
        "85.71% (72 wins of 84 takes)"
    );
    assert_eq!(gate(&v, GateName::EdgePositiveWeeks).observed, "12 of 12");
}

#[test]
fn eleven_weeks_fail_only_the_weeks_of_data_gate() {
    let v = verdict(&weeks_of(11, good), &signed_after(11));
    assert_eq!(v.verdict, Verdict::NoGo);
    assert_eq!(v.unmet, vec![GateName::WeeksOfData]);
    assert_eq!(gate(&v, GateName::WeeksOfData).observed, "11 weeks");
}

/// A good week in which the pipeline also took a +100 trade the advisor skipped:
/// delta 44 - 100 = -56, the advisor's own figures unchanged.
fn negative_edge(k: u32) -> WeeklyEvidence {
    let mut records = advisor_week(week(k), "BTC-USD", GOOD);
    let at = week(k).start() + Duration::hours(15);
    records.push(
        Spec::new(at)
            .outcome(ActualOutcome::Taken)
            .actual(net(dec!(100)))
            .advisor(skip())
            .build(),
    );
    report(week(k), &records)
}

#[test]
fn nine_positive_weeks_of_twelve_fail_only_the_edge_gate() {
    let weeks = weeks_of(12, |k| {
        if k % 4 == 0 {
            negative_edge(k)
        } else {
            good(k)
        }
    });
    let v = verdict(&weeks, &signed_after(12));
    assert_eq!(v.unmet, vec![GateName::EdgePositiveWeeks], "{:#?}", v.gates);
    assert_eq!(gate(&v, GateName::EdgePositiveWeeks).observed, "9 of 12");
}

#[test]
fn ten_positive_weeks_of_twelve_meet_the_edge_gate() {
    let weeks = weeks_of(12, |k| {
        if k == 3 || k == 9 {
            negative_edge(k)
        } else {
            good(k)
        }
    });
    let v = verdict(&weeks, &signed_after(12));
    assert_eq!(v.verdict, Verdict::Go, "{:#?}", v.gates);
}

#[test]
fn a_low_pooled_hit_rate_fails_only_the_hit_rate_gate() {
    // 3 wins of 7 takes each week (42.86%), still a positive edge and Sharpe.
    let weeks = weeks_of(12, |k| {
        report(
            week(k),
            &advisor_week(week(k), "BTC-USD", [30, -1, 25, -1, -1, 20, -1]),
        )
    });
    let v = verdict(&weeks, &signed_after(12));
    assert_eq!(v.unmet, vec![GateName::HitRate], "{:#?}", v.gates);
    assert_eq!(
        gate(&v, GateName::HitRate).observed,
        "42.86% (36 wins of 84 takes)"
    );
}

#[test]
fn hit_rate_is_pooled_over_takes_not_averaged_over_weeks() {
    // Eleven weeks at 1 win of 2 takes (50%), one week at 7 of 7: the mean of weekly
    // rates is 54.2% (below 55%), the pooled rate 18 / 29 = 62.07% (above).
    let half = |k| {
        report(
            week(k),
            &advisor_week(week(k), "BTC-USD", [40, -1, 0, 0, 0, 0, 0]),
        )
    };
    let full = |k| {
        report(
            week(k),
            &advisor_week(week(k), "BTC-USD", [1, 1, 1, 1, 1, 1, 1]),
        )
    };
    let weeks = weeks_of(12, |k| if k == 12 { full(k) } else { half(k) });
    let v = verdict(&weeks, &signed_after(12));
    assert!(gate(&v, GateName::HitRate).met, "{:#?}", v.gates);
    assert_eq!(
        gate(&v, GateName::HitRate).observed,
        "62.07% (18 wins of 29 takes)"
    );
}

#[test]
fn a_noisy_edge_fails_only_the_sharpe_gate() {
    // Each week: the advisor takes a +1,000 trade the pipeline skipped, and skips a
    // +999 trade the pipeline took: delta +1 a week, daily deltas +1,000 / -999.
    let noisy = |k: u32| {
        let w = week(k);
        let records = vec![
            Spec::new(w.start() + Duration::hours(10))
                .advisor(net(dec!(1000)))
                .build(),
            Spec::new(w.start() + Duration::hours(34))
                .outcome(ActualOutcome::Taken)
                .actual(net(dec!(999)))
                .advisor(skip())
                .build(),
        ];
        report(w, &records)
    };
    let v = verdict(&weeks_of(12, noisy), &signed_after(12));
    assert_eq!(v.unmet, vec![GateName::IncrementalSharpe], "{:#?}", v.gates);
}

#[test]
fn a_six_percent_loss_inside_one_week_fails_only_the_drawdown_gate() {
    // 10,000 -> 10,016 -> 9,416: 600 / 10,016 = 5.99%; the week still ends +135.
    let weeks = weeks_of(12, |k| {
        if k == 6 {
            report(
                week(k),
                &advisor_week(week(k), "BTC-USD", [10, 6, -600, 400, 300, 7, 12]),
            )
        } else {
            good(k)
        }
    });
    let v = verdict(&weeks, &signed_after(12));
    assert_eq!(v.unmet, vec![GateName::MaxDrawdown], "{:#?}", v.gates);
    assert!(
        gate(&v, GateName::MaxDrawdown)
            .observed
            .starts_with("5.99%")
    );
}

#[test]
fn drawdown_is_chained_across_week_boundaries() {
    // Week 1 ends with -300, week 2 starts with -300: 2.99% and 3% within each week,
    // but the chained path falls from 1.0047 to 0.9447: 5.97%.
    const STRONG: [i64; 7] = [40, 30, 35, 45, 50, 38, 42];
    let weeks = weeks_of(12, |k| {
        let nets = match k {
            1 => [10, 6, 4, 8, 7, 12, -300],
            2 => [-300, 10, 6, 4, 8, 7, 12],
            _ => STRONG,
        };
        report(week(k), &advisor_week(week(k), "BTC-USD", nets))
    });
    let v = verdict(&weeks, &signed_after(12));
    assert_eq!(v.unmet, vec![GateName::MaxDrawdown], "{:#?}", v.gates);
    assert_eq!(
        gate(&v, GateName::MaxDrawdown).observed,
        "5.97% (chained daily 5.97%, worst week 3%)"
    );
}

/// A good week on ETH, plus (when `btc` is given) one BTC trade of the advisor with that net.
fn eth_week(k: u32, btc: Option<i64>) -> WeeklyEvidence {
    let mut records = advisor_week(week(k), "ETH-USD", GOOD);
    if let Some(n) = btc {
        let at = week(k).start() + Duration::hours(16);
        records.push(Spec::new(at).advisor(net(n.into())).build());
    }
    report(week(k), &records)
}

#[test]
fn without_btc_decisions_the_mitigation_gate_is_unmet() {
    let v = verdict(&weeks_of(12, |k| eth_week(k, None)), &signed_after(12));
    assert_eq!(v.unmet, vec![GateName::BtcMitigation], "{:#?}", v.gates);
    assert_eq!(
        gate(&v, GateName::BtcMitigation).observed,
        "no BTC decisions"
    );
}

#[test]
fn a_btc_loss_worse_than_the_first_btc_week_fails_the_mitigation_gate() {
    let weeks = weeks_of(12, |k| match k {
        1 => eth_week(k, Some(44)),
        12 => eth_week(k, Some(-5)),
        _ => eth_week(k, None),
    });
    let v = verdict(&weeks, &signed_after(12));
    assert_eq!(v.unmet, vec![GateName::BtcMitigation], "{:#?}", v.gates);
}

#[test]
fn a_smaller_btc_loss_than_the_first_btc_week_validates_the_mitigation() {
    let weeks = weeks_of(12, |k| match k {
        1 => eth_week(k, Some(-40)),
        12 => eth_week(k, Some(-5)),
        _ => eth_week(k, None),
    });
    let v = verdict(&weeks, &signed_after(12));
    assert_eq!(v.verdict, Verdict::Go, "{:#?}", v.gates);
    assert!(
        gate(&v, GateName::BtcMitigation)
            .observed
            .contains("edge lost")
    );
}

#[test]
fn the_signoff_must_be_named_and_made_after_the_newest_week() {
    let weeks = weeks_of(12, good);
    let end = week(12).end();
    let unmet = |signoffs: &[Signoff]| verdict(&weeks, signoffs).unmet;
    assert_eq!(unmet(&[]), vec![GateName::HumanSignoff]);
    assert_eq!(
        unmet(&[signoff_at(end - Duration::hours(1))]),
        vec![GateName::HumanSignoff]
    );
    let mut blank = signoff_at(end + Duration::hours(1));
    blank.by = "  ".into();
    assert_eq!(unmet(&[blank]), vec![GateName::HumanSignoff]);
    assert!(unmet(&[signoff_at(end)]).is_empty());
}

#[test]
fn every_unmet_gate_is_listed_in_gate_order() {
    let v = verdict(&weeks_of(11, |k| eth_week(k, None)), &[]);
    assert_eq!(
        v.unmet,
        vec![
            GateName::WeeksOfData,
            GateName::BtcMitigation,
            GateName::HumanSignoff
        ]
    );
    let none = verdict(&[], &[]);
    assert_eq!(none.unmet, GateName::ALL.to_vec());
    assert_eq!(
        gate(&none, GateName::HitRate).observed,
        "no weekly evidence"
    );
}

#[test]
fn only_the_newest_twelve_weeks_are_judged_and_order_does_not_matter() {
    // Weeks 1-3 have a negative edge; weeks 4-15 are the window.
    let mut weeks = weeks_of(15, |k| if k <= 3 { negative_edge(k) } else { good(k) });
    weeks.reverse();
    let v = verdict(&weeks, &signed_after(15));
    assert_eq!(v.verdict, Verdict::Go, "{:#?}", v.gates);
    assert_eq!(v.window.first().map(String::as_str), Some("2024-W04"));
    assert_eq!(gate(&v, GateName::WeeksOfData).observed, "15 weeks");
}

#[test]
fn a_week_reported_twice_counts_once_and_the_later_report_wins() {
    let mut weeks = weeks_of(12, good);
    weeks.push(report(
        week(12),
        &advisor_week(week(12), "BTC-USD", [-600, 700, 0, 0, 0, 0, 0]),
    ));
    let v = verdict(&weeks, &signed_after(12));
    assert_eq!(gate(&v, GateName::WeeksOfData).observed, "12 weeks");
    assert_eq!(v.unmet, vec![GateName::MaxDrawdown]);
    let bad = weeks.remove(12);
    weeks.insert(0, bad);
    assert_eq!(verdict(&weeks, &signed_after(12)).verdict, Verdict::Go);
}

#[test]
fn names_serialise_as_documented() {
    assert_eq!(serde_json::to_value(Verdict::Go).unwrap(), "GO");
    assert_eq!(serde_json::to_value(Verdict::NoGo).unwrap(), "NO-GO");
    assert_eq!(
        serde_json::to_value(GateName::WeeksOfData).unwrap(),
        "weeks_of_data"
    );
    for name in GateName::ALL {
        assert_eq!(serde_json::to_value(name).unwrap(), name.as_str());
    }
    let v = verdict(&weeks_of(11, good), &[]);
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["verdict"], "NO-GO");
    assert_eq!(json["unmet"][0], "weeks_of_data");
    assert_eq!(json["gates"][0]["name"], "weeks_of_data");
}

#[test]
fn thresholds_default_to_the_issue_and_reject_unknown_keys() {
    let t = GateThresholds::default();
    assert_eq!((t.min_weeks, t.window, t.min_positive_weeks), (12, 12, 10));
    assert_eq!(t.min_hit_rate.fraction(), dec!(0.55));
    assert!((t.min_incremental_sharpe - 0.3).abs() < 1e-12);
    assert_eq!(t.max_drawdown.fraction(), dec!(0.05));
    let partial: GateThresholds = serde_json::from_str(r#"{"min_weeks": 8}"#).unwrap();
    assert_eq!((partial.min_weeks, partial.window), (8, 12));
    assert!(serde_json::from_str::<GateThresholds>(r#"{"min_week": 8}"#).is_err());
}

mod property_tests {
    use super::*;
    use proptest::prelude::*;

    fn week_strategy() -> impl Strategy<Value = ([i64; 7], bool)> {
        (prop::array::uniform7(-700i64..=700), any::<bool>())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn prop_go_iff_nothing_unmet_and_never_go_before_min_weeks(
            specs in prop::collection::vec(week_strategy(), 0..=14),
            signed in any::<bool>(),
        ) {
            let weeks: Vec<WeeklyEvidence> = specs
                .iter()
                .zip(1u32..)
                .map(|((nets, btc), k)| {
                    let symbol = if *btc { "BTC-USD" } else { "ETH-USD" };
                    report(week(k), &advisor_week(week(k), symbol, *nets))
                })
                .collect();
            let signoffs = if signed { signed_after(specs.len().max(1) as u32) } else { Vec::new() };
            let t = GateThresholds::default();
            let v = evaluate_gates(&weeks, &signoffs, &t);
            prop_assert_eq!(v.verdict == Verdict::Go, v.unmet.is_empty());
            let listed: Vec<GateName> = v.gates.iter().filter(|g| !g.met).map(|g| g.name).collect();
            prop_assert_eq!(&listed, &v.unmet);
            prop_assert_eq!(v.gates.len(), GateName::ALL.len());
            if weeks.len() < t.min_weeks as usize {
                prop_assert_eq!(v.verdict, Verdict::NoGo);
                prop_assert!(v.unmet.contains(&GateName::WeeksOfData));
            }
            let mut reversed = weeks.clone();
            reversed.reverse();
            prop_assert_eq!(evaluate_gates(&reversed, &signoffs, &t), v);
        }
    }
}
