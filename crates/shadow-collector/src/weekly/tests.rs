//! Hand-computed weekly figures: every expected number below is worked out in the
//! comment next to it from the records, not by calling the code under test.

use domain::shadow::{ActualOutcome, Regime};
use domain::{Money, Ratio, ShadowRecord};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::fixtures::{PRIMARY, Spec, advisor_week, at, net, pnl, report, skip};
use super::*;

fn week2() -> ReportWeek {
    ReportWeek::new(2024, 2).unwrap() // Monday 8 to Sunday 14 January 2024
}

fn money(d: Decimal) -> Money {
    Money::new(d)
}

fn ratio(d: Decimal) -> Ratio {
    Ratio::from_fraction(d)
}

/// Sample-sd Sharpe annualised by sqrt(365), computed here independently.
fn textbook_sharpe(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    mean / sd * 365f64.sqrt()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// Four resolved records, one pending, one outside the week (capital 10,000):
///
/// | # | day     | symbol  | conf | regime   | actual                 | primary advisor        |
/// |---|---------|---------|------|----------|------------------------|------------------------|
/// | 1 | Mon 10h | BTC-USD | 0.70 | bull     | take: 20-2-1-1 = 16    | take: 20-2-1-1 = 16    |
/// | 2 | Mon 14h | ETH-USD | 0.55 | bull     | take: -10-2-1-1 = -14  | skip                   |
/// | 3 | Tue     | BTC-USD | 0.80 | bear     | skip (blocked)         | take: 30-2-1-1 = 26    |
/// | 4 | Wed     | BTC-USD | 0.90 | sideways | skip (rejected)        | take: -2-2-1-1 = -6    |
/// | 5 | Thu     | ETH-USD | 0.60 | bull     | pending                |                        |
/// | 6 | next Mon| ETH-USD |      |          | outside the week       |                        |
///
/// Forward return / cost: #1 0.02/0.004, #2 -0.01/0.004, #3 0.03/0.004, #4 -0.002/0.004.
fn scenario() -> Vec<ShadowRecord> {
    let c = |g| pnl(dec!(1000), g, dec!(2), dec!(1), dec!(1));
    vec![
        Spec::new(at(2024, 1, 8, 10))
            .confidence(dec!(0.70))
            .outcome(ActualOutcome::Taken)
            .returns(dec!(0.02), dec!(0.004))
            .actual(c(dec!(20)))
            .advisor(c(dec!(20)))
            .other("strategy_weights", c(dec!(20)))
            .build(),
        Spec::new(at(2024, 1, 8, 14))
            .symbol("ETH-USD")
            .confidence(dec!(0.55))
            .outcome(ActualOutcome::Taken)
            .returns(dec!(-0.01), dec!(0.004))
            .actual(c(dec!(-10)))
            .advisor(skip())
            .build(),
        Spec::new(at(2024, 1, 9, 9))
            .confidence(dec!(0.80))
            .regime(Regime::Bear)
            .returns(dec!(0.03), dec!(0.004))
            .advisor(c(dec!(30)))
            .build(),
        Spec::new(at(2024, 1, 10, 9))
            .confidence(dec!(0.90))
            .regime(Regime::Sideways)
            .outcome(ActualOutcome::Rejected)
            .returns(dec!(-0.002), dec!(0.004))
            .advisor(c(dec!(-2)))
            .build(),
        Spec::new(at(2024, 1, 11, 9))
            .symbol("ETH-USD")
            .outcome(ActualOutcome::NoIntent)
            .pending()
            .build(),
        Spec::new(at(2024, 1, 15, 0)).symbol("ETH-USD").build(),
    ]
}

#[test]
fn data_collection_counts_the_week_pending_included() {
    let e = report(week2(), &scenario());
    let d = &e.data_collection;
    assert_eq!(
        (d.total_decisions, d.resolved, d.pending, d.outside_week),
        (5, 4, 1, 1)
    );
    assert_eq!(d.by_symbol["BTC-USD"], 3);
    assert_eq!(d.by_symbol["ETH-USD"], 2);
    assert_eq!(d.by_regime[&Regime::Bull], 3);
    assert_eq!(d.by_regime[&Regime::Bear], 1);
    assert_eq!(d.by_regime[&Regime::Sideways], 1);
    assert_eq!(d.by_regime[&Regime::HighVolatility], 0);
    assert_eq!(d.by_outcome[&ActualOutcome::Taken], 2);
    assert_eq!(d.by_outcome[&ActualOutcome::Blocked], 1);
    assert_eq!(d.by_outcome[&ActualOutcome::Rejected], 1);
    assert_eq!(d.by_outcome[&ActualOutcome::NoIntent], 1);
    assert_eq!(
        e.week_ending,
        chrono::NaiveDate::from_ymd_opt(2024, 1, 14).unwrap()
    );
    assert_eq!((e.year, e.week_number), (2024, 2));
}

#[test]
fn delta_pnl_and_hit_rates_compare_the_advisor_with_the_pipeline() {
    let e = report(week2(), &scenario());
    let c = &e.counterfactual_evaluation;
    // Actual: took #1 (+16, win) and #2 (-14): net 2, gross 20 - 10 = 10, 1 of 2.
    assert_eq!(c.actual.decisions_taken, 2);
    assert_eq!(c.actual.wins, 1);
    assert_eq!(c.actual.net_pnl, money(dec!(2)));
    assert_eq!(c.actual.gross_pnl, money(dec!(10)));
    assert_eq!(c.actual.hit_rate, Some(ratio(dec!(0.5))));
    // Advisor: took #1 (+16), #3 (+26), #4 (-6): net 36, gross 48, 2 of 3.
    let a = &c.advisors[PRIMARY];
    assert_eq!((a.decisions, a.takes, a.wins), (4, 3, 2));
    assert_eq!(a.net_pnl, money(dec!(36)));
    assert_eq!(a.gross_pnl, money(dec!(48)));
    assert_eq!(a.hit_rate, Some(ratio(dec!(0.6667))));
    // Delta: (16-16) + (0-(-14)) + (26-0) + (-6-0) = 34.
    assert_eq!(a.delta_pnl, money(dec!(34)));
    assert_eq!(c.delta_pnl, money(dec!(34)));
    assert!(c.edge_positive);
    assert_eq!(c.primary_advisor, PRIMARY);
    // The other advisor only has an entry on #1: 16 - 16 = 0.
    let other = &c.advisors["strategy_weights"];
    assert_eq!(
        (other.decisions, other.takes, other.delta_pnl),
        (1, 1, Money::ZERO)
    );
    assert_eq!(c.records_without_primary, 0);
}

#[test]
fn incremental_sharpe_uses_the_seven_day_delta_series() {
    let e = report(week2(), &scenario());
    // Daily delta / 10,000: Mon 14, Tue 26, Wed -6, Thu..Sun 0.
    let expected = textbook_sharpe(&[0.0014, 0.0026, -0.0006, 0.0, 0.0, 0.0, 0.0]);
    assert!((expected - 8.339_697_203_768_818).abs() < 1e-9);
    let a = &e.counterfactual_evaluation.advisors[PRIMARY];
    assert!(close(a.sharpe, expected), "{:?}", a.sharpe);
    let daily = &e.counterfactual_evaluation.daily;
    assert_eq!(daily.len(), 7);
    assert_eq!(daily[0].date, week2().monday());
    assert_eq!(daily[0].decisions, 2);
    assert_eq!(daily[0].actual_net, money(dec!(2)));
    assert_eq!(daily[0].advisor_net, money(dec!(16)));
    assert_eq!(daily[0].delta_pnl, money(dec!(14)));
    assert_eq!(daily[0].delta_return, Some(ratio(dec!(0.0014))));
    assert_eq!(daily[0].advisor_return, Some(ratio(dec!(0.0016))));
    assert_eq!(daily[3].decisions, 0, "the pending record does not count");
    assert_eq!(daily[6].delta_return, Some(Ratio::ZERO));
}

#[test]
fn max_drawdown_follows_the_counterfactual_equity_in_time_order() {
    let e = report(week2(), &scenario());
    // 10,000 -> 10,016 (#1) -> 10,016 (#2 skipped) -> 10,042 (#3) -> 10,036 (#4):
    // worst fall 6 / 10,042 = 0.000597490540... -> 0.0005974905 (10 places).
    let a = &e.counterfactual_evaluation.advisors[PRIMARY];
    assert_eq!(a.max_drawdown, Some(ratio(dec!(0.0005974905))));
}

#[test]
fn symbol_and_regime_edges_split_the_delta() {
    let e = report(week2(), &scenario());
    let btc = &e.symbol_edge_analysis["BTC-USD"];
    // BTC: 0 + 26 - 6 = 20 over 3 decisions, 2 wins of 3 takes.
    assert_eq!((btc.decisions, btc.takes, btc.wins), (3, 3, 2));
    assert_eq!(btc.delta_pnl, money(dec!(20)));
    assert_eq!(btc.hit_rate, Some(ratio(dec!(0.6667))));
    assert!(close(
        btc.sharpe,
        textbook_sharpe(&[0.0, 0.0026, -0.0006, 0.0, 0.0, 0.0, 0.0])
    ));
    assert!(btc.edge_positive);
    let eth = &e.symbol_edge_analysis["ETH-USD"];
    // ETH: the resolved #2 only (the pending #5 is not a resolved decision): +14, no takes.
    assert_eq!((eth.decisions, eth.takes), (1, 0));
    assert_eq!(eth.delta_pnl, money(dec!(14)));
    assert_eq!(eth.hit_rate, None);

    let r = &e.regime_edge_analysis;
    assert_eq!(r.len(), 4);
    assert_eq!(r[&Regime::Bull].delta_pnl, money(dec!(14))); // #1 0, #2 +14
    assert_eq!(r[&Regime::Bear].delta_pnl, money(dec!(26)));
    assert_eq!(r[&Regime::Sideways].delta_pnl, money(dec!(-6)));
    assert!(!r[&Regime::Sideways].edge_positive);
    assert_eq!(r[&Regime::HighVolatility].decisions, 0);
    assert_eq!(r[&Regime::HighVolatility].sharpe, None);
    // No regime reaches 5 resolved records: stability cannot be claimed.
    assert!(!e.summary.edge_stable_across_regimes);
    assert!(e.summary.overall_edge_positive);
}

#[test]
fn cost_decomposition_flags_cost_above_half_of_gross() {
    let e = report(week2(), &scenario());
    let a = &e.cost_decomposition.advisor;
    // Advisor: 3 trades x (2 + 1 + 1) = 12 against gross 48 -> 25%.
    assert_eq!(a.trades, 3);
    assert_eq!(
        (a.fees, a.slippage, a.spread),
        (money(dec!(6)), money(dec!(3)), money(dec!(3)))
    );
    assert_eq!(a.total_cost, money(dec!(12)));
    assert_eq!(a.gross_pnl, money(dec!(48)));
    assert_eq!(a.cost_pct_of_gross, Some(dec!(25)));
    assert!(!a.cost_above_50pct_of_gross);
    // Actual: 2 trades x 4 = 8 against gross 10 -> 80%, flagged.
    let p = &e.cost_decomposition.actual;
    assert_eq!(p.total_cost, money(dec!(8)));
    assert_eq!(p.cost_pct_of_gross, Some(dec!(80)));
    assert!(p.cost_above_50pct_of_gross);
}

#[test]
fn cost_flag_is_exact_at_fifty_percent_and_raised_by_any_cost_on_zero_gross() {
    let at_half = report(
        week2(),
        &[Spec::new(at(2024, 1, 8, 9))
            .advisor(pnl(dec!(1000), dec!(10), dec!(5), dec!(0), dec!(0)))
            .build()],
    );
    assert_eq!(
        at_half.cost_decomposition.advisor.cost_pct_of_gross,
        Some(dec!(50))
    );
    assert!(!at_half.cost_decomposition.advisor.cost_above_50pct_of_gross);
    let zero_gross = report(
        week2(),
        &[Spec::new(at(2024, 1, 8, 9))
            .advisor(pnl(dec!(1000), dec!(0), dec!(1), dec!(0), dec!(0)))
            .build()],
    );
    assert_eq!(
        zero_gross.cost_decomposition.advisor.cost_pct_of_gross,
        None
    );
    assert!(
        zero_gross
            .cost_decomposition
            .advisor
            .cost_above_50pct_of_gross
    );
}

#[test]
fn confidence_sweep_picks_the_lowest_of_the_best_thresholds() {
    let e = report(week2(), &scenario());
    // Policy nets (1000 x (fwd - cost)): #1 (0.70) +16, #2 (0.55) -14, #3 (0.80) +26, #4 (0.90) -6.
    let expected: [(Decimal, u64, Decimal); 10] = [
        (dec!(0.50), 4, dec!(22)),
        (dec!(0.55), 4, dec!(22)),
        (dec!(0.60), 3, dec!(36)),
        (dec!(0.65), 3, dec!(36)),
        (dec!(0.70), 3, dec!(36)),
        (dec!(0.75), 2, dec!(20)),
        (dec!(0.80), 2, dec!(20)),
        (dec!(0.85), 1, dec!(-6)),
        (dec!(0.90), 1, dec!(-6)),
        (dec!(0.95), 0, dec!(0)),
    ];
    let got: Vec<(Decimal, u64, Decimal)> = e
        .confidence_sweep
        .results
        .iter()
        .map(|p| (p.threshold, p.decisions, p.net_pnl.value()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(e.confidence_sweep.best_threshold, Some(dec!(0.60)));
    assert_eq!(
        e.confidence_sweep.results[2].hit_rate,
        Some(ratio(dec!(0.6667)))
    );
    assert_eq!(e.confidence_sweep.results[9].hit_rate, None);
}

#[test]
fn confidence_sweep_has_no_best_threshold_without_records() {
    let e = report(week2(), &[]);
    assert_eq!(e.confidence_sweep.best_threshold, None);
    assert_eq!(e.confidence_sweep.results.len(), 10);
}

fn with_prior(records: &[ShadowRecord], prior: &[ShadowRecord]) -> WeeklyEvidence {
    weekly_evidence(&WeeklyInput {
        week: week2(),
        records,
        prior: Some(prior),
        primary_advisor: PRIMARY,
        capital: Money::new(dec!(10000)),
    })
}

#[test]
fn drift_flag_is_raised_by_a_sharpe_drop_above_0_2() {
    let week1 = ReportWeek::new(2024, 1).unwrap();
    // Prior: daily deltas 20, 10, 15, 12, 0, 0, 0; this week: 20, -15, 5, 0, 0, 0, 0.
    let prior = advisor_week(week1, "ETH-USD", [20, 10, 15, 12, 0, 0, 0]);
    let this = advisor_week(week2(), "ETH-USD", [20, -15, 5, 0, 0, 0, 0]);
    let e = with_prior(&this, &prior);
    let s_prior = textbook_sharpe(&[0.002, 0.001, 0.0015, 0.0012, 0.0, 0.0, 0.0]);
    let s_this = textbook_sharpe(&[0.002, -0.0015, 0.0005, 0.0, 0.0, 0.0, 0.0]);
    let d = &e.drift_check;
    assert!(close(d.sharpe_prior_week, s_prior));
    assert!(close(d.sharpe_this_week, s_this));
    assert!(close(d.sharpe_drop, s_prior - s_this));
    assert!(s_prior - s_this > 0.2);
    assert!(d.drift_flag);
    assert_eq!(d.note, DriftNote::Compared);
}

#[test]
fn drift_flag_stays_down_without_a_drop_or_without_a_prior_week() {
    let week1 = ReportWeek::new(2024, 1).unwrap();
    let nets = [20, -15, 5, 0, 0, 0, 0];
    let e = with_prior(
        &advisor_week(week2(), "ETH-USD", nets),
        &advisor_week(week1, "ETH-USD", nets),
    );
    assert!(close(e.drift_check.sharpe_drop, 0.0));
    assert!(!e.drift_check.drift_flag);

    let alone = report(week2(), &scenario());
    assert_eq!(alone.drift_check.note, DriftNote::NoPriorWeek);
    assert!(!alone.drift_check.drift_flag);
    assert_eq!(alone.drift_check.sharpe_prior_week, None);

    let empty_prior = with_prior(&scenario(), &[]);
    assert_eq!(empty_prior.drift_check.note, DriftNote::SharpeUndefined);
    assert!(!empty_prior.drift_check.drift_flag);
}

/// Three BTC trades of the advisor, the pipeline blocked all three:
/// A: 12 - 6 - 1 - 1 = +4 (covers its cost of 8), fwd 0.012;
/// B:  3 - 8 = -5 (does not), fwd 0.003; C: -20 - 8 = -28 (does not), fwd -0.02.
fn btc_losing_week() -> Vec<ShadowRecord> {
    let c = |g| pnl(dec!(1000), g, dec!(6), dec!(1), dec!(1));
    vec![
        Spec::new(at(2024, 1, 8, 9))
            .returns(dec!(0.012), dec!(0.008))
            .advisor(c(dec!(12)))
            .build(),
        Spec::new(at(2024, 1, 9, 9))
            .returns(dec!(0.003), dec!(0.008))
            .advisor(c(dec!(3)))
            .build(),
        Spec::new(at(2024, 1, 10, 9))
            .returns(dec!(-0.02), dec!(0.008))
            .advisor(c(dec!(-20)))
            .build(),
    ]
}

#[test]
fn btc_diagnosis_blames_fees_when_they_are_the_largest_cost() {
    let e = report(week2(), &btc_losing_week());
    let b = &e.btc_diagnosis;
    // Net 4 - 5 - 28 = -29; fees 18, slippage 3, spread 3;
    // turnover = cost of B and C = 16; no prior week: decay 0.
    assert_eq!((b.decisions, b.trades), (3, 3));
    assert_eq!(b.btc_net_pnl, money(dec!(-29)));
    assert_eq!(b.btc_actual_net_pnl, Money::ZERO);
    assert_eq!(b.btc_delta_pnl, money(dec!(-29)));
    assert_eq!(b.causes.fees, money(dec!(18)));
    assert_eq!(b.causes.slippage, money(dec!(3)));
    assert_eq!(b.causes.turnover, money(dec!(16)));
    assert_eq!(b.causes.signal_decay, Money::ZERO);
    assert_eq!(b.turnover.trades_not_covering_cost, 2);
    assert_eq!(b.turnover.share_of_cost_pct, Some(dec!(66.67))); // 16 / 24
    assert_eq!(b.turnover.trades_per_day, dec!(0.4286)); // 3 / 7
    assert!(b.edge_lost);
    assert_eq!(b.primary_cause, BtcCause::Fees);
    assert_eq!(b.estimated_recoverable_pct, Some(dec!(62.07))); // 18 / 29
}

#[test]
fn btc_diagnosis_blames_signal_decay_against_a_stronger_prior_week() {
    // Prior week mean BTC forward return (0.004 + 0.008) / 2 = 0.006; this week
    // (0.012 + 0.003 - 0.02) / 3 = -0.001666...; decline 0.0076666... x 3,000 = 23.
    let prior = vec![
        Spec::new(at(2024, 1, 1, 9))
            .returns(dec!(0.004), dec!(0.001))
            .build(),
        Spec::new(at(2024, 1, 2, 9))
            .returns(dec!(0.008), dec!(0.001))
            .build(),
    ];
    let e = with_prior(&btc_losing_week(), &prior);
    let b = &e.btc_diagnosis;
    assert_eq!(b.causes.signal_decay, money(dec!(23)));
    assert_eq!(
        b.signal_decay.prior_mean_forward_return,
        Some(ratio(dec!(0.006)))
    );
    assert_eq!(
        b.signal_decay.mean_forward_return,
        Some(ratio(dec!(-0.0016666667)))
    );
    assert_eq!(b.primary_cause, BtcCause::SignalDecay);
    assert_eq!(b.estimated_recoverable_pct, Some(dec!(79.31))); // 23 / 29
}

#[test]
fn btc_diagnosis_blames_turnover_and_caps_the_recoverable_share() {
    // Costs 1 + 1 + 1 each: A +5 gross (net 2), B +1 (net -2), C 0 (net -3), D -1 (net -4).
    // Net -7; fees 4, slippage 4, turnover = cost of B, C, D = 9 -> 9 / 7 > 100% -> 100.
    let c = |g| pnl(dec!(1000), g, dec!(1), dec!(1), dec!(1));
    let records: Vec<ShadowRecord> = [dec!(5), dec!(1), dec!(0), dec!(-1)]
        .into_iter()
        .enumerate()
        .map(|(i, g)| {
            Spec::new(at(2024, 1, 8, 9 + i as u32))
                .symbol("BTC-USDT")
                .advisor(c(g))
                .build()
        })
        .collect();
    let b = report(week2(), &records).btc_diagnosis;
    assert_eq!(b.btc_net_pnl, money(dec!(-7)));
    assert_eq!(b.causes.turnover, money(dec!(9)));
    assert_eq!(b.primary_cause, BtcCause::Turnover);
    assert_eq!(b.estimated_recoverable_pct, Some(dec!(100)));
}

#[test]
fn btc_diagnosis_reports_no_cause_when_the_edge_is_not_lost() {
    let b = report(week2(), &scenario()).btc_diagnosis;
    // BTC trades of the advisor: +16, +26, -6 = +36.
    assert_eq!(b.btc_net_pnl, money(dec!(36)));
    assert!(!b.edge_lost);
    assert_eq!(b.primary_cause, BtcCause::None);
    assert_eq!(b.estimated_recoverable_pct, None);
    // #4 (gross -2 against cost 4) is the one trade that did not cover its cost.
    assert_eq!(b.turnover.cost_not_covered, money(dec!(4)));
    assert_eq!(b.signal_decay.mean_forward_return, Some(ratio(dec!(0.016))));
}

#[test]
fn edge_is_stable_only_when_every_populated_regime_is_positive() {
    let mk = |regime, day, hour, n: i64| {
        Spec::new(at(2024, 1, day, hour))
            .regime(regime)
            .advisor(net(Decimal::from(n)))
            .build()
    };
    let mut records: Vec<ShadowRecord> = (0..5).map(|i| mk(Regime::Bull, 8 + i, 9, 10)).collect();
    records.extend((0..5).map(|i| mk(Regime::Bear, 8 + i, 15, 3)));
    // Two losing sideways records: below 5, they do not count.
    records.extend((0..2).map(|i| mk(Regime::Sideways, 8 + i, 18, -50)));
    assert!(report(week2(), &records).summary.edge_stable_across_regimes);

    records.extend((0..3).map(|i| mk(Regime::Sideways, 11 + i, 18, -1)));
    let e = report(week2(), &records);
    assert_eq!(e.regime_edge_analysis[&Regime::Sideways].decisions, 5);
    assert!(!e.summary.edge_stable_across_regimes);
}

#[test]
fn gate_progress_applies_the_default_thresholds_to_the_week() {
    let p = report(week2(), &scenario()).summary.promotion_gate_progress;
    assert_eq!(p.weeks_needed, 12);
    assert!(p.this_week_edge_positive && p.hit_rate_ok && p.sharpe_ok && p.drawdown_ok);
    // One losing trade of 600 on 10,000 capital: 6% drawdown, hit rate 0.
    let p = report(
        week2(),
        &advisor_week(week2(), "ETH-USD", [-600, 0, 0, 0, 0, 0, 0]),
    )
    .summary
    .promotion_gate_progress;
    assert!(!p.this_week_edge_positive && !p.hit_rate_ok && !p.sharpe_ok && !p.drawdown_ok);
}

#[test]
fn records_without_the_primary_advisor_are_left_out_of_its_figures() {
    let records = vec![
        Spec::new(at(2024, 1, 8, 9)).advisor(net(dec!(5))).build(),
        Spec::new(at(2024, 1, 9, 9))
            .outcome(ActualOutcome::Taken)
            .actual(net(dec!(-7)))
            .without_primary()
            .build(),
    ];
    let c = report(week2(), &records).counterfactual_evaluation;
    assert_eq!(c.records_without_primary, 1);
    assert_eq!(c.delta_pnl, money(dec!(5)));
    assert_eq!(c.advisors[PRIMARY].decisions, 1);
    assert_eq!(c.actual.net_pnl, money(dec!(-7)));
}

#[test]
fn returns_sharpe_and_drawdown_are_undefined_without_positive_capital() {
    let records = advisor_week(week2(), "ETH-USD", [5, -3, 0, 0, 0, 0, 0]);
    let e = weekly_evidence(&WeeklyInput {
        week: week2(),
        records: &records,
        prior: None,
        primary_advisor: PRIMARY,
        capital: Money::ZERO,
    });
    let a = &e.counterfactual_evaluation.advisors[PRIMARY];
    assert_eq!((a.sharpe, a.max_drawdown), (None, None));
    assert!(
        e.counterfactual_evaluation
            .daily
            .iter()
            .all(|d| d.delta_return.is_none())
    );
    assert_eq!(a.delta_pnl, money(dec!(2)));
}

#[test]
fn the_primary_advisor_is_always_reported_even_without_records() {
    let e = report(week2(), &[]);
    let a = e.primary().unwrap();
    assert_eq!((a.decisions, a.takes), (0, 0));
    assert!(!e.counterfactual_evaluation.edge_positive);
    assert_eq!(e.btc_diagnosis.primary_cause, BtcCause::None);
}

#[test]
fn daily_cumulative_fills_days_without_records() {
    let records = vec![
        Spec::new(at(2024, 1, 8, 9))
            .actual(net(dec!(3)))
            .advisor(net(dec!(5)))
            .build(),
        Spec::new(at(2024, 1, 10, 9))
            .actual(net(dec!(-1)))
            .without_primary()
            .build(),
        Spec::new(at(2024, 1, 10, 12)).pending().build(),
    ];
    let series = daily_cumulative(&records, PRIMARY);
    let date = |d| chrono::NaiveDate::from_ymd_opt(2024, 1, d).unwrap();
    assert_eq!(
        series,
        vec![
            (date(8), money(dec!(3)), money(dec!(5))),
            (date(9), money(dec!(3)), money(dec!(5))),
            (date(10), money(dec!(2)), money(dec!(5))),
        ]
    );
    assert!(daily_cumulative(&[], PRIMARY).is_empty());
}

#[test]
fn json_uses_the_documented_names_and_round_trips() {
    let e = report(week2(), &scenario());
    let v = serde_json::to_value(&e).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "week_ending",
        "week_number",
        "year",
        "data_collection",
        "counterfactual_evaluation",
        "symbol_edge_analysis",
        "regime_edge_analysis",
        "cost_decomposition",
        "confidence_sweep",
        "drift_check",
        "btc_diagnosis",
        "summary",
    ] {
        assert!(keys.contains(&key), "missing {key}");
    }
    assert_eq!(v["week_ending"], "2024-01-14");
    assert_eq!(v["counterfactual_evaluation"]["delta_pnl"], "34");
    assert_eq!(v["regime_edge_analysis"]["high_volatility"]["decisions"], 0);
    assert_eq!(v["data_collection"]["by_outcome"]["no_intent"], 1);
    assert_eq!(v["cost_decomposition"]["actual"]["cost_pct_of_gross"], "80");
    assert_eq!(v["counterfactual_evaluation"]["actual"]["hit_rate"], "0.5");
    assert_eq!(v["confidence_sweep"]["results"][0]["net_pnl"], "22");
    assert_eq!(v["drift_check"]["note"], "no_prior_week");
    assert_eq!(v["btc_diagnosis"]["primary_cause"], "none");
    let back: WeeklyEvidence = serde_json::from_value(v).unwrap();
    assert_eq!(back, e);
}
