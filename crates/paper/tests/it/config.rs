//! The `[paper]` section: serde shape, defaults and validation.

use domain::{InstrumentFilters, Money};
use paper::{FillPolicy, PaperConfig, PaperError, PaperVenue, Slippage};
use rust_decimal_macros::dec;

use crate::support::*;

#[test]
fn an_empty_section_is_the_default() {
    let config: PaperConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(config, PaperConfig::default());
}

#[test]
fn reads_every_field_in_its_operator_spelling() {
    let json = r#"{
        "fill": "close",
        "slippage": { "atr_multiple": { "k": 0.5, "period": 14 } },
        "commission_bps": 7.5,
        "max_volume_fraction": 0.1,
        "filters": { "btc-usd": {
            "tick_size": 0.1, "step_size": 0.001, "min_qty": 0.001,
            "max_qty": 100, "min_notional": 10
        } }
    }"#;
    let config: PaperConfig = serde_json::from_str(json).unwrap();
    assert_eq!(config.fill, FillPolicy::Close);
    assert_eq!(
        config.slippage,
        Slippage::AtrMultiple {
            k: dec!(0.5),
            period: 14
        }
    );
    assert_eq!(config.commission_bps, dec!(7.5));
    assert_eq!(config.max_volume_fraction, Some(dec!(0.1)));
    assert_eq!(config.filters[&btc()].min_notional, Money::new(dec!(10)));
    assert!(config.validate().is_empty());

    let next: PaperConfig =
        serde_json::from_str(r#"{ "fill": "next-open", "slippage": { "bps": 3 } }"#).unwrap();
    assert_eq!(next.fill, FillPolicy::NextOpen);
    assert_eq!(next.slippage, Slippage::Bps(dec!(3)));
}

#[test]
fn a_typo_is_an_error_not_a_default() {
    for json in [
        r#"{ "comission_bps": 5 }"#,
        r#"{ "fill": "next-close" }"#,
        r#"{ "slippage": { "atr_multiple": { "k": 1, "period": 14, "perid": 3 } } }"#,
    ] {
        assert!(serde_json::from_str::<PaperConfig>(json).is_err(), "{json}");
    }
}

#[test]
fn the_venue_refuses_an_invalid_config_listing_every_violation() {
    let mut config = PaperConfig {
        commission_bps: dec!(2000),
        slippage: Slippage::Bps(dec!(-1)),
        max_volume_fraction: Some(dec!(0)),
        ..PaperConfig::default()
    };
    let btc_filters = config.filters.get_mut(&btc()).unwrap();
    *btc_filters = InstrumentFilters {
        min_qty: qty(dec!(10)),
        max_qty: qty(dec!(1)),
        ..btc_filters.clone()
    };
    let Err(PaperError::InvalidConfig(violations)) = PaperVenue::new(config) else {
        panic!("an invalid config was accepted");
    };
    let keys: Vec<&str> = violations.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "paper.commission_bps",
            "paper.slippage.bps",
            "paper.max_volume_fraction",
            "paper.filters.BTC-USD",
        ]
    );
    assert_eq!(
        violations[0].to_string(),
        "paper.commission_bps must be in [0, 1000], got 2000"
    );
}
