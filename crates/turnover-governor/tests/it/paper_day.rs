//! A paper-mode day on BTC-USD and ETH-USD with the operator's overrides, then a restart.

use chrono::{Duration, TimeZone, Utc};
use domain::{Confidence, Ratio, Symbol, Timestamp, TradingMode};
use rust_decimal_macros::dec;
use turnover_governor::{
    BlockRateVerdict, TurnoverConfig, TurnoverGovernor, TurnoverRequest, TurnoverState,
};

fn at(minutes: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 6, 3, 0, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn ask(symbol: &Symbol, minutes: i64) -> TurnoverRequest {
    TurnoverRequest {
        symbol: symbol.clone(),
        confidence: Confidence::ONE,
        expected_edge: Ratio::from_bps(dec!(90)),
        now: at(minutes),
    }
}

#[test]
fn paper_overrides_raise_the_btc_cap_and_the_state_survives_a_restart() {
    let file: TurnoverConfig = toml::from_str(
        "block_rate_min_evaluations = 10\n[symbols.ETH-USD]\nmin_interval_minutes = 30\n",
    )
    .unwrap();
    let (config, notices) = file.with_paper_overrides(TradingMode::Paper, Some(dec!(2.5)), Some(8));
    assert!(config.validate().is_empty());
    assert_eq!(notices.len(), 1);

    let btc = Symbol::new("BTC-USD").unwrap();
    let eth = Symbol::new("ETH-USD").unwrap();
    let mut governor = TurnoverGovernor::new(config.clone());
    let mut taken = 0;
    // Ask for BTC every hour for a day: 4 h interval and the paper cap of 8 apply.
    for hour in 0..24 {
        let req = ask(&btc, hour * 60);
        if governor.evaluate(&req).is_allowed() {
            governor.record_decision(&btc, req.now);
            taken += 1;
        }
    }
    assert_eq!(taken, 6, "every 4 hours: 00, 04, ..., 20");
    assert_eq!(
        governor.block_rate(at(23 * 60)),
        Some(Ratio::from_pct(dec!(75)))
    );
    assert_eq!(
        governor.block_rate_verdict(at(23 * 60)),
        BlockRateVerdict::TooTight
    );

    // EV multiple 2.5 x 30 bps = 75 bps: 90 bps passes for ETH too.
    assert!(governor.evaluate(&ask(&eth, 23 * 60)).is_allowed());

    let saved = serde_json::to_string(governor.state()).unwrap();
    let state: TurnoverState = serde_json::from_str(&saved).unwrap();
    let resumed = TurnoverGovernor::from_state(config, state);
    assert_eq!(
        resumed.block_rate_report(at(23 * 60)),
        governor.block_rate_report(at(23 * 60))
    );
    assert!(
        !resumed.assess(&ask(&btc, 23 * 60)).is_allowed(),
        "20:00 decision still counts"
    );
}
