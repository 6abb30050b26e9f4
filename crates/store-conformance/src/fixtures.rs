//! Valid domain values to build batches from, all at fixed times (no wall clock).

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use domain::ports::{DailyReport, EventBatch, OperatorCommand, Recommendation, RecommendedAction};
use domain::{
    AccountBreach, AccountRule, AccountStatus, Actor, ActualOutcome, Alert, AlertKind, AuditEvent,
    BlockReason, BreachLine, ClientOrderId, Confidence, CounterfactualPnl, Features, Fill,
    IntentKind, JobOutcome, KillSwitchSource, KillSwitchTrigger, LevelChange, LevelChangeCause,
    Money, ObjectiveStatus, Objectives, Order, OrderIntent, OrderStatus, OrderType,
    PreservationLevel, Price, Qty, Ratio, Regime, RejectReason, RiskBook, Severity, ShadowDecision,
    ShadowResolution, Side, Signal, Signoff, StrategyId, Symbol, Tier, Timestamp, WeeklyReport,
};
use rust_decimal::Decimal;

/// 2024-01-01T00:00:00Z, the suite's epoch.
pub fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .expect("2024-01-01 is a valid date")
}

/// `t0 + secs` seconds.
pub fn at(secs: i64) -> Timestamp {
    t0() + Duration::seconds(secs)
}

fn dec(units: i64, scale: u32) -> Decimal {
    Decimal::new(units, scale)
}

/// A symbol from fixture text (panics on invalid fixture text only).
pub fn symbol(text: &str) -> Symbol {
    Symbol::new(text).expect("fixture symbols are valid")
}

/// A client order id from fixture text.
pub fn order_id(text: &str) -> ClientOrderId {
    ClientOrderId::new(text).expect("fixture order ids are valid")
}

fn strategy() -> StrategyId {
    StrategyId::new("sma_cross").expect("fixture strategy id is valid")
}

/// A price of `units` hundredths.
pub fn price(units: i64) -> Price {
    Price::new(dec(units, 2)).expect("fixture prices are positive")
}

/// A quantity of `units` ten-thousandths.
pub fn qty(units: i64) -> Qty {
    Qty::new(dec(units, 4)).expect("fixture quantities are not negative")
}

/// A signal of `sym` at `t0 + secs`.
pub fn signal(sym: &str, secs: i64) -> Signal {
    Signal {
        symbol: symbol(sym),
        side: Side::Buy,
        confidence: Confidence::new(dec(72, 2)).expect("0.72 is a confidence"),
        tier: Tier::Medium,
        expected_edge: Ratio::from_fraction(dec(35, 4)),
        price: price(4_200_050),
        stop_distance: Some(price(80_000)),
        is_exit: false,
        strategy: strategy(),
        features: [("fast", dec(42_010, 0)), ("slow", dec(41_990, 0))]
            .into_iter()
            .collect::<Features>(),
        ts: at(secs),
    }
}

/// `SignalGenerated` of `sym` at `t0 + secs`.
pub fn signal_event(sym: &str, secs: i64) -> AuditEvent {
    AuditEvent::SignalGenerated {
        signal: signal(sym, secs),
    }
}

/// An alert with `message` at `t0 + secs`.
pub fn alert(message: &str, secs: i64) -> Alert {
    Alert {
        severity: Severity::Warning,
        kind: AlertKind::LevelChanged,
        message: message.to_string(),
        symbol: Some(symbol("BTC-USD")),
        at: at(secs),
    }
}

/// `AlertRaised` with `message` at `t0 + secs`.
pub fn alert_event(message: &str, secs: i64) -> AuditEvent {
    AuditEvent::AlertRaised {
        alert: alert(message, secs),
    }
}

/// A fill of order `id` with venue trade id `trade`.
pub fn fill(id: &str, trade: &str, secs: i64) -> Fill {
    Fill {
        client_order_id: order_id(id),
        trade_id: trade.to_string(),
        symbol: symbol("BTC-USD"),
        side: Side::Buy,
        qty: qty(15),
        price: price(4_200_000),
        fee: Money::new(dec(126, 2)),
        ts: at(secs),
    }
}

/// `OrderFilled` of order `id`, trade `trade`.
pub fn fill_event(id: &str, trade: &str, secs: i64) -> AuditEvent {
    AuditEvent::OrderFilled {
        fill: fill(id, trade, secs),
    }
}

/// `LossSimulated` of 125.50 on `sym` by operator `ana` at `t0 + secs`.
pub fn loss_simulated_event(sym: &str, secs: i64) -> AuditEvent {
    AuditEvent::LossSimulated {
        symbol: symbol(sym),
        amount: Money::new(dec(12_550, 2)),
        actor: operator("ana"),
        at: at(secs),
        requested_at: None,
    }
}

/// The rule set of the account fixtures.
pub const RULES: &str = "ftmo-2step-challenge";

/// A daily-loss breach of the buffered (guard) line at `t0 + secs`: equity 95 399.12 below
/// the guard floor 95 500.00 (firm floor 95 000.00).
pub fn account_breach(secs: i64) -> AccountBreach {
    AccountBreach {
        rule: AccountRule::DailyLoss,
        line: BreachLine::Buffered,
        at: at(secs),
        equity: Money::new(dec(9_539_912, 2)),
        balance: Money::new(dec(10_000_000, 2)),
        firm_floor: Money::new(dec(9_500_000, 2)),
        guard_floor: Money::new(dec(9_550_000, 2)),
    }
}

/// `AccountRuleBreached` of [`account_breach`] under [`RULES`].
pub fn account_breach_event(secs: i64) -> AuditEvent {
    AuditEvent::AccountRuleBreached {
        rules: RULES.to_string(),
        breach: account_breach(secs),
    }
}

/// An active challenge's risk book at `t0 + secs` with equity `equity_cents` / 100 and no
/// breach. Decimals of several scales, trailing zeros kept (`4.1000`), one optional value
/// set and one not.
pub fn risk_book(secs: i64, equity_cents: i64) -> RiskBook {
    RiskBook {
        at: at(secs),
        phase: RULES.to_string(),
        currency: "USD".to_string(),
        initial_capital: Money::new(dec(100_000, 0)),
        equity: Money::new(dec(equity_cents, 2)),
        balance: Money::new(dec(10_025_050, 2)),
        daily_floor: Money::new(dec(9_525_050, 2)),
        daily_guard_floor: Money::new(dec(9_575_050, 2)),
        max_loss_floor: Money::new(dec(90_000, 0)),
        max_loss_guard_floor: Money::new(dec(9_050_000, 2)),
        daily_utilisation_pct: dec(1_234_567, 5),
        total_utilisation_pct: dec(41_000, 4),
        trading_days: 3,
        min_trading_days: 4,
        target_progress_pct: Some(dec(2_505, 3)),
        best_day_ratio: None,
        objectives: Objectives {
            profit_target: ObjectiveStatus::InProgress,
            min_trading_days: ObjectiveStatus::InProgress,
            best_day: ObjectiveStatus::NotApplicable,
            daily_loss: ObjectiveStatus::Met,
            max_loss: ObjectiveStatus::Met,
        },
        status: AccountStatus::Active,
        breach: None,
    }
}

/// A halted challenge's risk book at `t0 + secs`: [`account_breach`] recorded, every
/// optional value set, negative and high-scale decimals.
pub fn breached_risk_book(secs: i64) -> RiskBook {
    RiskBook {
        equity: Money::new(dec(9_539_912, 2)),
        balance: Money::new(dec(10_000_000, 2)),
        daily_utilisation_pct: dec(1_092_017_600, 7),
        total_utilisation_pct: dec(-12_500, 3),
        trading_days: 5,
        target_progress_pct: Some(dec(-125, 1)),
        best_day_ratio: Some(dec(4_218_750_000_000_001, 16)),
        objectives: Objectives {
            profit_target: ObjectiveStatus::Failed,
            min_trading_days: ObjectiveStatus::Met,
            best_day: ObjectiveStatus::InProgress,
            daily_loss: ObjectiveStatus::InProgress,
            max_loss: ObjectiveStatus::Met,
        },
        status: AccountStatus::Halted,
        breach: Some(account_breach(secs)),
        ..risk_book(secs, 9_539_912)
    }
}

/// `RiskBookSnapshot` of `book`.
pub fn risk_book_event(book: RiskBook) -> AuditEvent {
    AuditEvent::RiskBookSnapshot { book }
}

/// An operator named `name`.
pub fn operator(name: &str) -> Actor {
    Actor::Operator {
        name: name.to_string(),
    }
}

/// One operator command of each kind, by `n` modulo 3.
pub fn command(n: u64) -> OperatorCommand {
    match n % 3 {
        0 => OperatorCommand::KillSwitchOn {
            reason: format!("drill {n}"),
        },
        1 => OperatorCommand::SimulateLoss {
            amount: Money::new(dec(12_550, 2)),
            symbol: symbol("ETH-USD"),
        },
        _ => OperatorCommand::KillSwitchOff {
            reason: format!("reviewed {n}"),
        },
    }
}

/// 2024-01-`day`.
pub fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, day).expect("fixture days are valid January days")
}

/// The daily report of 2024-01-`day`, generated at `t0 + secs`, with `health`.
pub fn daily_report(day: u32, secs: i64, health: &str) -> DailyReport {
    DailyReport {
        date: date(day),
        generated_at: at(secs),
        mode: "paper".into(),
        overall_health: health.into(),
        body: serde_json::json!({
            "date": date(day).to_string(),
            "overall_health": health,
            "equity": "10250.75",
            "checks": [{"name": "heartbeat", "status": "ok"}, {"name": "drawdown", "value": "0.012"}],
        }),
    }
}

/// An order intent of `id` (for decisions).
pub fn intent(id: &str, secs: i64) -> OrderIntent {
    OrderIntent {
        client_order_id: order_id(id),
        symbol: symbol("BTC-USD"),
        side: Side::Buy,
        kind: IntentKind::Entry,
        order_type: OrderType::Market,
        qty: qty(15),
        reference_price: price(4_200_000),
        stop_distance: price(80_000),
        confidence: Confidence::new(dec(72, 2)).expect("0.72 is a confidence"),
        tier: Tier::Medium,
        strategy: strategy(),
        created_at: at(secs),
        quote_budget: None,
    }
}

/// One event of each kind the pipeline records, at `t0 + secs`, ids suffixed by `n`.
pub fn every_kind(n: u64, secs: i64) -> Vec<AuditEvent> {
    let id = format!("rp-fx-{n}");
    vec![
        signal_event("BTC-USD", secs),
        AuditEvent::TradeApproved {
            intent: intent(&id, secs),
            adjustments: vec![],
        },
        AuditEvent::TradeRejected {
            intent: intent(&format!("{id}-r"), secs),
            reasons: vec![
                RejectReason::MaxOpenPositions { open: 3, max: 3 },
                RejectReason::ConfidenceTooLow {
                    confidence: Confidence::new(dec(55, 2)).expect("0.55 is a confidence"),
                    min: Confidence::new(dec(60, 2)).expect("0.60 is a confidence"),
                },
            ],
        },
        AuditEvent::TurnoverBlocked {
            symbol: symbol("BTC-USD"),
            signal: signal("BTC-USD", secs),
            reasons: vec![BlockReason::DailyCap { count: 3, max: 3 }],
        },
        AuditEvent::OrderSubmitted {
            order: order(&id, "BTC-USD", Side::Buy, OrderStatus::Open, secs),
        },
        fill_event(&id, &format!("{id}-1"), secs),
        AuditEvent::OrderFailed {
            client_order_id: order_id(&format!("{id}-f")),
            symbol: symbol("BTC-USD"),
            failure: domain::OrderFailure::Unknown {
                detail: "timeout after 10 s".into(),
            },
        },
        AuditEvent::LevelChanged {
            change: LevelChange {
                from: PreservationLevel::Normal,
                to: PreservationLevel::Caution,
                cause: LevelChangeCause::DrawdownThreshold {
                    drawdown: Ratio::from_fraction(dec(31, 3)),
                    threshold: Ratio::from_fraction(dec(3, 2)),
                },
                equity: Money::new(dec(969_000, 2)),
                drawdown: Ratio::from_fraction(dec(31, 3)),
                consecutive_losses: 2,
                at: at(secs),
            },
        },
        AuditEvent::KillSwitchActivated {
            source: KillSwitchSource::Stored {
                actor: Actor::Automatic {
                    trigger: KillSwitchTrigger::DailyLossBreach,
                },
                reason: "daily loss 5.2% > 5%".into(),
            },
            at: at(secs),
            requested_at: None,
        },
        AuditEvent::KillSwitchDeactivated {
            actor: Actor::Operator { name: "ana".into() },
            reason: "reviewed".into(),
            at: at(secs),
            requested_at: None,
        },
        alert_event("level changed to caution", secs),
        loss_simulated_event("BTC-USD", secs),
        account_breach_event(secs),
        risk_book_event(breached_risk_book(secs)),
        AuditEvent::JobRan {
            job: "heartbeat".into(),
            scheduled_for: at(secs),
            started_at: at(secs),
            finished_at: at(secs),
            outcome: JobOutcome::Coalesced { missed: 2 },
        },
    ]
}

/// An order of `id` on `sym`.
pub fn order(id: &str, sym: &str, side: Side, status: OrderStatus, secs: i64) -> Order {
    Order {
        client_order_id: order_id(id),
        venue_order_id: None,
        symbol: symbol(sym),
        side,
        order_type: OrderType::Limit {
            price: price(4_100_000),
        },
        qty: qty(15),
        filled_qty: Qty::ZERO,
        avg_fill_price: None,
        status,
        created_at: at(secs),
        updated_at: at(secs),
    }
}

/// A batch `event_id` at `t0 + secs` with `events` and `state`.
pub fn batch(
    event_id: &str,
    secs: i64,
    events: Vec<AuditEvent>,
    state: serde_json::Value,
) -> EventBatch {
    EventBatch {
        event_id: event_id.to_string(),
        at: at(secs),
        events,
        state,
        orders: Vec::new(),
    }
}

/// The `n`-th batch of a simple run: 1 to 3 events, state `{"n": n}`.
pub fn nth_batch(prefix: &str, n: u64) -> EventBatch {
    let secs = i64::try_from(n).unwrap_or(i64::MAX / 120) * 60;
    let mut events = vec![signal_event("BTC-USD", secs)];
    if n.is_multiple_of(2) {
        events.push(alert_event(&format!("alert {n}"), secs));
    }
    if n.is_multiple_of(3) {
        events.push(fill_event(
            &format!("rp-{prefix}-{n}"),
            &format!("t{n}"),
            secs,
        ));
    }
    batch(
        &format!("{prefix}:candle:{n}"),
        secs,
        events,
        serde_json::json!({ "n": n }),
    )
}

/// A shadow decision on `sym` at `at` (any time, to the nanosecond), with id
/// `<sym>:sma_cross:<at micros>` as the engine makes them, the pipeline's `outcome`, two
/// advisors' recommendations and a horizon of one hour. Decimals keep their scales
/// (`0.1500`, `1.0`).
pub fn shadow_decision_at(sym: &str, at: Timestamp, outcome: ActualOutcome) -> ShadowDecision {
    let weights = [
        (strategy(), Ratio::from_fraction(dec(6_000, 4))),
        (
            StrategyId::new("breakout").expect("fixture strategy id is valid"),
            Ratio::from_fraction(dec(4_000, 4)),
        ),
    ];
    ShadowDecision {
        id: format!("{sym}:{}:{}", strategy(), at.timestamp_micros()),
        at,
        symbol: symbol(sym),
        strategy: strategy(),
        side: Side::Buy,
        confidence: Confidence::new(dec(72, 2)).expect("0.72 is a confidence"),
        tier: Tier::Medium,
        entry_price: price(4_200_050),
        notional: Money::new(dec(1_000_000, 2)),
        outcome,
        reasons: match outcome {
            ActualOutcome::Taken => vec![],
            _ => vec!["daily_cap".into(), "confidence_too_low".into()],
        },
        regime: Regime::HighVolatility,
        features: [
            ("trend".to_string(), dec(1_500, 4)),
            ("volatility".to_string(), dec(-25, 3)),
            ("hit_rate".to_string(), dec(10, 1)),
        ]
        .into_iter()
        .collect(),
        recommendations: vec![
            Recommendation {
                advisor: "bandit".into(),
                action: RecommendedAction::Take,
                size_multiplier: Ratio::from_fraction(dec(50, 2)),
                strategy_weights: Default::default(),
                rationale: "win rate 0.58 over 40 trials".into(),
            },
            Recommendation {
                advisor: "strategy_weights".into(),
                action: RecommendedAction::Skip,
                size_multiplier: Ratio::from_fraction(dec(0, 0)),
                strategy_weights: weights.into_iter().collect(),
                rationale: "weight 0.60 < 0.65".into(),
            },
        ],
        horizon_end: at + Duration::hours(1),
    }
}

/// [`shadow_decision_at`] at `t0 + secs`, taken.
pub fn shadow_decision(sym: &str, secs: i64) -> ShadowDecision {
    shadow_decision_at(sym, at(secs), ActualOutcome::Taken)
}

/// A resolution of `decision` at `t0 + secs`: what the pipeline's decision and each advisor
/// would have earned, costs included.
pub fn shadow_resolution(decision: &ShadowDecision, secs: i64) -> ShadowResolution {
    let pnl = |gross: i64| CounterfactualPnl {
        notional: Money::new(dec(1_000_000, 2)),
        gross: Money::new(dec(gross, 2)),
        fees: Money::new(dec(1_000, 3)),
        slippage: Money::new(dec(250, 3)),
        spread: Money::new(dec(50, 2)),
        net: Money::new(dec(gross, 2) - dec(175, 2)),
    };
    ShadowResolution {
        id: decision.id.clone(),
        symbol: decision.symbol.clone(),
        resolved_at: at(secs),
        exit_price: price(4_230_000),
        forward_return: Ratio::from_fraction(dec(71_416, 7)),
        cost: Ratio::from_fraction(dec(175, 5)),
        actual: pnl(7_142),
        advisors: [
            ("bandit".to_string(), pnl(3_571)),
            ("strategy_weights".to_string(), CounterfactualPnl::default()),
        ]
        .into_iter()
        .collect(),
    }
}

/// `ShadowDecisionRecorded` of `decision`.
pub fn shadow_recorded(decision: &ShadowDecision) -> AuditEvent {
    AuditEvent::ShadowDecisionRecorded {
        decision: decision.clone(),
    }
}

/// `ShadowDecisionResolved` of `resolution`.
pub fn shadow_resolved(resolution: &ShadowResolution) -> AuditEvent {
    AuditEvent::ShadowDecisionResolved {
        resolution: resolution.clone(),
    }
}

/// A promotion sign-off by `by` with `note` at `t0 + secs`.
pub fn signoff(by: &str, note: &str, secs: i64) -> Signoff {
    Signoff {
        by: by.to_string(),
        note: note.to_string(),
        at: at(secs),
    }
}

/// `PromotionSignedOff` of `signoff`.
pub fn signoff_event(signoff: &Signoff) -> AuditEvent {
    AuditEvent::PromotionSignedOff {
        signoff: signoff.clone(),
    }
}

/// The weekly report of ISO week `week` of `year`, generated at `t0 + secs`, whose body
/// names `verdict`.
pub fn weekly_report(year: i32, week: u32, secs: i64, verdict: &str) -> WeeklyReport {
    let week_ending = NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Sun)
        .expect("fixture weeks are valid ISO weeks");
    WeeklyReport {
        year,
        week,
        week_ending,
        generated_at: at(secs),
        body: serde_json::json!({
            "week": format!("{year}-W{week:02}"),
            "verdict": verdict,
            "decisions": 42,
            "advisors": [{"name": "bandit", "net": "35.71"}, {"name": "strategy_weights", "net": "0"}],
        }),
    }
}
