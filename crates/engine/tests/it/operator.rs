//! Operator requests applied through the engine: audited, persisted under the
//! request's event id, and seen by the guardrails exactly like real events.

use std::sync::Arc;

use domain::ports::{OperatorCommand, Store};
use domain::{
    Actor, AuditEvent, KillSwitchTrigger, Money, PreservationLevel, SimClock, TradingMode,
};
use engine::RequestOutcome;
use futures::executor::block_on;
use rust_decimal_macros::dec;

use crate::support::*;

fn ana() -> Actor {
    Actor::Operator { name: "ana".into() }
}

fn queue(
    engine: &TestEngine<paper::PaperVenue>,
    command: OperatorCommand,
) -> domain::ports::OperatorRequest {
    let store = engine.store();
    let id = block_on(store.enqueue_request(&command, &ana(), data_start())).unwrap();
    block_on(store.pending_requests())
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap()
}

#[test]
fn a_simulated_loss_beyond_the_daily_limit_trips_the_kill_switch_and_escalates() {
    let clock = Arc::new(SimClock::new(data_start()));
    let mut engine = engine_with(
        settings(TradingMode::DryRun),
        sma_cross(5, 20),
        paper_venue(),
        clock.clone(),
    );
    replay_btc_1h(&mut engine, clock, 48);
    assert!(!engine.kill_switch_active());
    let equity = engine.portfolio().equity();

    // 6% of equity: past the 5% daily-loss limit and the 5% DEFENSIVE drawdown.
    let loss = Money::new((equity.value() * dec!(0.06)).round_dp(2));
    let request = queue(
        &engine,
        OperatorCommand::SimulateLoss {
            amount: loss,
            symbol: btc(),
        },
    );
    let outcome = block_on(engine.apply_request(&request)).unwrap();
    assert!(matches!(outcome, RequestOutcome::Applied(_)), "{outcome:?}");

    assert_eq!(engine.portfolio().equity(), equity - loss);
    assert!(
        engine.kill_switch_active(),
        "daily-loss breach must trip the kill switch"
    );
    assert!(engine.preservation().level() >= PreservationLevel::Defensive);
    let events = engine.last_events();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AuditEvent::LossSimulated { amount, .. } if *amount == loss))
    );
    assert!(events.iter().any(|e| matches!(
        e,
        AuditEvent::KillSwitchActivated {
            source: domain::KillSwitchSource::Stored {
                actor: Actor::Automatic {
                    trigger: KillSwitchTrigger::DailyLossBreach
                },
                ..
            },
            ..
        }
    )));
    // Applied = stored under the request's event id; no longer pending.
    let batches = engine.store().batches();
    assert!(batches.iter().any(|b| b.event_id == request.event_id()));
    assert!(
        block_on(engine.store().pending_requests())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_small_simulated_loss_books_but_does_not_trip_anything() {
    let clock = Arc::new(SimClock::new(data_start()));
    let mut engine = engine_with(
        settings(TradingMode::DryRun),
        sma_cross(5, 20),
        paper_venue(),
        clock.clone(),
    );
    replay_btc_1h(&mut engine, clock, 48);
    let request = queue(
        &engine,
        OperatorCommand::SimulateLoss {
            amount: Money::new(dec!(10)),
            symbol: btc(),
        },
    );
    block_on(engine.apply_request(&request)).unwrap();
    assert!(!engine.kill_switch_active());
    assert_eq!(engine.preservation().level(), PreservationLevel::Normal);
    assert_eq!(engine.portfolio().consecutive_losses(), 1);
}

#[test]
fn kill_switch_requests_are_audited_and_a_refusal_is_recorded_not_lost() {
    let clock = Arc::new(SimClock::new(data_start()));
    let mut engine = engine_with(
        settings(TradingMode::DryRun),
        sma_cross(5, 20),
        paper_venue(),
        clock,
    );
    // Clearing a switch that is not set is refused, recorded, and the request is done.
    let off = queue(
        &engine,
        OperatorCommand::KillSwitchOff {
            reason: "nothing to clear".into(),
        },
    );
    let outcome = block_on(engine.apply_request(&off)).unwrap();
    assert!(matches!(outcome, RequestOutcome::Refused(_)), "{outcome:?}");
    assert!(engine.last_events().iter().any(
        |e| matches!(e, AuditEvent::AlertRaised { alert } if alert.message.contains("refused"))
    ));

    let on = queue(
        &engine,
        OperatorCommand::KillSwitchOn {
            reason: "drill".into(),
        },
    );
    block_on(engine.apply_request(&on)).unwrap();
    assert!(engine.kill_switch_active());
    // The alert (what Telegram shows) names who did it and why.
    assert!(engine.last_events().iter().any(|e| matches!(
        e,
        AuditEvent::AlertRaised { alert } if alert.message == "kill switch activated by operator ana: drill"
    )));
    let off = queue(
        &engine,
        OperatorCommand::KillSwitchOff {
            reason: "drill over".into(),
        },
    );
    assert!(matches!(
        block_on(engine.apply_request(&off)).unwrap(),
        RequestOutcome::Applied(_)
    ));
    assert!(!engine.kill_switch_active());
    assert!(
        block_on(engine.store().pending_requests())
            .unwrap()
            .is_empty()
    );
    assert!(block_on(engine.store().verify_audit()).unwrap().is_intact());
}

#[test]
fn a_request_applied_on_data_time_carries_the_wall_time_it_was_asked_at() {
    let clock = Arc::new(SimClock::new(data_start()));
    let mut engine = engine_with(
        settings(TradingMode::DryRun),
        sma_cross(5, 20),
        paper_venue(),
        clock.clone(),
    );
    replay_btc_1h(&mut engine, clock, 48);
    let engine_time = engine.clock_now();
    // Asked years after the data the replay's clock stands at.
    let asked = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 7, 13, 0, 0).unwrap();
    let store = engine.store().clone();
    let command = OperatorCommand::KillSwitchOn {
        reason: "drill".into(),
    };
    let id = block_on(store.enqueue_request(&command, &ana(), asked)).unwrap();
    let request = block_on(store.pending_requests())
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    block_on(engine.apply_request(&request)).unwrap();

    let events = engine.last_events();
    assert!(
        events.iter().any(|e| matches!(
            e,
            AuditEvent::KillSwitchActivated { at, requested_at: Some(r), .. }
                if *at == engine_time && *r == asked
        )),
        "{events:?}"
    );
    let expected = format!(
        "kill switch activated by operator ana: drill (requested 2026-12-07T13:00:00Z, applied at engine time {})",
        engine_time.format("%Y-%m-%dT%H:%M:%SZ")
    );
    assert!(
        events.iter().any(
            |e| matches!(e, AuditEvent::AlertRaised { alert } if alert.message == expected && alert.at == engine_time)
        ),
        "{events:?}"
    );

    let off = OperatorCommand::KillSwitchOff {
        reason: "drill over".into(),
    };
    let id = block_on(store.enqueue_request(&off, &ana(), asked)).unwrap();
    let request = block_on(store.pending_requests())
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    block_on(engine.apply_request(&request)).unwrap();
    assert!(engine.last_events().iter().any(|e| matches!(
        e,
        AuditEvent::KillSwitchDeactivated { at, requested_at: Some(r), .. }
            if *at == engine_time && *r == asked
    )));
}
