//! Account rules (FTMO) in the pipeline: every mark reaches the rules, a breach of the
//! buffered floor trips the kill switch with the rule named, raises a CRITICAL alert,
//! records the breach, flattens, and the risk book is recorded on fills and every 5 minutes.

use std::sync::Arc;

use domain::account::{AccountRule, BreachLine};
use domain::ports::{AccountRules, OperatorCommand, Store, Strategy};
use domain::{
    Actor, AlertKind, AuditEvent, Candle, Confidence, KillSwitchTrigger, Money, Price, Ratio,
    Severity, Side, Signal, SimClock, StrategyId, Tier, TradingMode,
};
use engine::{EngineSettings, RequestOutcome};
use ftmo::{Currency, FtmoAccount, FtmoConfig, Product, SharedFtmoAccount};
use futures::executor::block_on;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::support::*;

/// Buys once, on the first candle, with a 5% stop and a clear edge.
struct BuyOnce {
    id: StrategyId,
    done: bool,
}

impl Strategy for BuyOnce {
    fn id(&self) -> &StrategyId {
        &self.id
    }
    fn on_candle(&mut self, candle: &Candle) -> Option<Signal> {
        if std::mem::replace(&mut self.done, true) {
            return None;
        }
        let close = candle.close().value();
        Some(Signal {
            symbol: btc(),
            side: Side::Buy,
            confidence: Confidence::new(dec!(0.9)).unwrap(),
            tier: Tier::High,
            expected_edge: Ratio::from_fraction(dec!(0.02)),
            price: Price::new(close).unwrap(),
            stop_distance: Some(Price::new(close * dec!(0.05)).unwrap()),
            is_exit: false,
            strategy: self.id.clone(),
            features: [("close", close)].into_iter().collect(),
            ts: candle.close_time(),
        })
    }
}

fn buy_once() -> Box<dyn Strategy> {
    Box::new(BuyOnce {
        id: StrategyId::new("buy_once").unwrap(),
        done: false,
    })
}

fn ftmo_100k(clock: &SimClock) -> Arc<SharedFtmoAccount> {
    use domain::Clock as _;
    let config = FtmoConfig::new(
        Product::TwoStepChallenge,
        Money::new(dec!(100000)),
        Currency::new("USD").unwrap(),
    )
    .unwrap();
    Arc::new(SharedFtmoAccount::new(FtmoAccount::new(
        config,
        clock.now(),
    )))
}

fn settings_100k() -> EngineSettings {
    let mut s = settings(TradingMode::DryRun);
    s.initial_capital = Money::new(dec!(100000));
    s
}

fn account_engine(
    strategy: Box<dyn Strategy>,
    clock: Arc<SimClock>,
) -> (TestEngine<paper::PaperVenue>, Arc<SharedFtmoAccount>) {
    let account = ftmo_100k(&clock);
    let engine = engine_with(settings_100k(), strategy, paper_venue(), clock)
        .with_account_rules(account.clone())
        .unwrap();
    (engine, account)
}

fn all_events(engine: &TestEngine<paper::PaperVenue>) -> Vec<AuditEvent> {
    engine
        .store()
        .batches()
        .iter()
        .flat_map(|b| b.events.clone())
        .collect()
}

#[test]
fn a_floating_loss_through_the_buffered_daily_floor_halts_alerts_and_flattens() {
    let clock = Arc::new(SimClock::new(start()));
    let (mut engine, account) = account_engine(buy_once(), clock.clone());
    let p = dec!(40000);
    // Candle 0 signals a buy; candle 1 fills it at its open.
    block_on(engine.on_event(candle(&clock, 0, p, p))).unwrap();
    block_on(engine.on_event(candle(&clock, 1, p, p))).unwrap();
    let position = engine
        .portfolio()
        .position(&btc())
        .expect("the entry filled");
    let qty = position.qty().value();
    assert!(qty > Decimal::ZERO);
    assert!(account.breach().is_none());
    // The fill was followed by a risk book, and the opening counted as a trading day.
    let book = all_events(&engine)
        .into_iter()
        .rev()
        .find_map(|e| match e {
            AuditEvent::RiskBookSnapshot { book } => Some(book),
            _ => None,
        })
        .expect("a risk book after the fill");
    assert_eq!(book.trading_days, 1);
    assert_eq!(book.daily_guard_floor, Money::new(dec!(95500)));

    // A close that puts equity below 95,500 (the firm's floor is 95,000).
    let equity_now = engine.portfolio().equity().value();
    let crash = p - (equity_now - dec!(95400)) / qty;
    block_on(engine.on_event(candle(&clock, 2, p, crash))).unwrap();
    assert!(engine.portfolio().equity().value() < dec!(95500));

    let breach = account.breach().expect("breached");
    assert_eq!(
        (breach.rule, breach.line),
        (AccountRule::DailyLoss, BreachLine::Buffered)
    );
    assert!(engine.kill_switch_active());
    let events = engine.last_events().to_vec();
    assert!(events.iter().any(|e| matches!(
        e,
        AuditEvent::AccountRuleBreached { rules, breach } if rules == "ftmo-2step-challenge" && breach.rule == AccountRule::DailyLoss
    )));
    assert!(events.iter().any(|e| matches!(
        e,
        AuditEvent::KillSwitchActivated {
            source: domain::KillSwitchSource::Stored {
                actor: Actor::Automatic { trigger: KillSwitchTrigger::AccountRuleBreach },
                reason,
            },
            ..
        } if reason.contains("daily_loss")
    )));
    assert!(events.iter().any(|e| matches!(
        e,
        AuditEvent::AlertRaised { alert } if alert.severity == Severity::Critical && alert.kind == AlertKind::AccountRule
    )));
    // Flattening: a protective exit was approved and sent despite the kill switch.
    assert!(events.iter().any(|e| matches!(
        e,
        AuditEvent::TradeApproved { intent, .. } if intent.kind == domain::IntentKind::Exit && intent.strategy.as_str() == "account_rule_flatten"
    )));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AuditEvent::RiskBookSnapshot { book } if book.breach.is_some()))
    );

    // The next bar fills the exit: flat, and no new entry gets through.
    block_on(engine.on_event(candle(&clock, 3, crash, crash))).unwrap();
    assert!(engine.portfolio().position(&btc()).is_none());
    assert_eq!(engine.orders_submitted(), 2);
}

#[test]
fn the_drill_books_a_loss_through_the_floor_and_blocks_entries() {
    let clock = Arc::new(SimClock::new(start()));
    let (mut engine, account) = account_engine(sma_cross(5, 20), clock.clone());
    block_on(engine.on_event(candle(&clock, 0, dec!(40000), dec!(40000)))).unwrap();
    let id = block_on(engine.store().enqueue_request(
        &OperatorCommand::SimulateLoss {
            amount: Money::new(dec!(4600)),
            symbol: btc(),
        },
        &Actor::Operator { name: "ana".into() },
        clock_now(&clock),
    ))
    .unwrap();
    let request = block_on(engine.store().pending_requests())
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    let outcome = block_on(engine.apply_request(&request)).unwrap();
    assert!(matches!(outcome, RequestOutcome::Applied(_)), "{outcome:?}");
    assert!(engine.kill_switch_active());
    assert!(matches!(account.breach(), Some(b) if b.rule == AccountRule::DailyLoss));
    let book = engine.risk_book().expect("a risk book");
    assert_eq!(book.equity, Money::new(dec!(95400)));
    assert!(book.daily_utilisation_pct > dec!(90), "{book:?}");
    assert!(
        engine
            .last_events()
            .iter()
            .any(|e| matches!(e, AuditEvent::AccountRuleBreached { .. }))
    );
}

#[test]
fn the_risk_book_is_recorded_every_five_minutes_and_the_state_survives_a_restart() {
    let clock = Arc::new(SimClock::new(start()));
    let (mut engine, _) = account_engine(sma_cross(5, 20), clock.clone());
    // A day of hourly candles: one 5-minute snapshot per candle (coalesced), no fills.
    for i in 0..24 {
        block_on(engine.on_event(candle(&clock, i, dec!(40000), dec!(40000)))).unwrap();
    }
    let events = all_events(&engine);
    let books = events
        .iter()
        .filter(|e| matches!(e, AuditEvent::RiskBookSnapshot { .. }))
        .count();
    assert_eq!(books, 24);
    // The daily summary (23:00 UTC) carries the account's utilisation.
    assert!(
        events.iter().any(|e| matches!(
            e,
            AuditEvent::AlertRaised { alert } if alert.message.starts_with("daily summary")
                && alert.message.contains("ftmo-2step-challenge daily-loss utilisation 0")
                && alert.message.contains("trades closed 0 (win rate n/a)")
                && alert.message.contains("open positions 0/")
                && alert.message.contains("daily loss used 0% of the")
                && alert.message.contains("kill switch off")
                && alert.message.contains("market events 23")
        )),
        "{:?}",
        events
            .iter()
            .filter_map(|e| match e {
                AuditEvent::AlertRaised { alert } => Some(&alert.message),
                _ => None,
            })
            .collect::<Vec<_>>()
    );

    // The account state rides in the engine state and restores into a fresh account.
    let state = engine.state();
    let stored = state.account.clone().expect("account state persisted");
    let (mut resumed, account) = account_engine(sma_cross(5, 20), clock.clone());
    resumed.restore(state).unwrap();
    assert_eq!(account.state_json(), Some(stored));

    // A state for another account size is refused, naming why.
    let other = FtmoConfig::new(
        Product::TwoStepChallenge,
        Money::new(dec!(200000)),
        Currency::new("USD").unwrap(),
    )
    .unwrap();
    let other = Arc::new(SharedFtmoAccount::new(FtmoAccount::new(
        other,
        clock_now(&clock),
    )));
    let mut wrong = engine_with(settings_100k(), sma_cross(5, 20), paper_venue(), clock)
        .with_account_rules(other)
        .unwrap();
    let err = wrong.restore(engine.state()).unwrap_err();
    assert!(err.to_string().contains("account rules"), "{err}");
}

fn clock_now(clock: &SimClock) -> domain::Timestamp {
    use domain::Clock as _;
    clock.now()
}
