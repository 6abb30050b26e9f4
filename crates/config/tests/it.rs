//! Loading the configuration through the public API, as the binaries do.
#![allow(clippy::unwrap_used)]

use std::io::Write;

use config::{ConfigError, EMBEDDED_DEFAULT, RampartConfig, load};
use domain::{Symbol, TradingMode};
use rust_decimal_macros::dec;

fn none() -> Vec<(&'static str, &'static str)> {
    Vec::new()
}

fn file_with(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

#[test]
fn shipped_default_file_equals_the_built_in_defaults() {
    let loaded = load(None, none(), TradingMode::DryRun).unwrap();
    assert_eq!(loaded.config, RampartConfig::default());
    assert!(loaded.notices.is_empty(), "{:?}", loaded.notices);
    assert!(EMBEDDED_DEFAULT.contains("[turnover.symbols.\"BTC-USD\"]"));
}

#[test]
fn built_in_defaults_validate() {
    assert_eq!(RampartConfig::default().validate(), vec![]);
}

#[test]
fn out_of_range_value_names_key_and_value() {
    let f = file_with("[risk]\nmax_daily_loss_pct = 150\n");
    let err = load(Some(f.path()), none(), TradingMode::DryRun).unwrap_err();
    assert!(matches!(err, ConfigError::Invalid { .. }));
    assert!(
        err.to_string()
            .contains("risk.max_daily_loss_pct must be in (0, 100], got 150"),
        "{err}"
    );
}

#[test]
fn every_violation_is_reported_together() {
    let f = file_with(
        "[risk]\nmax_daily_loss_pct = 0\nmax_open_positions = 0\n[tiers]\nhigh = 0.5\nmedium = 0.7\n",
    );
    let ConfigError::Invalid { violations, .. } =
        load(Some(f.path()), none(), TradingMode::DryRun).unwrap_err()
    else {
        panic!("expected validation errors");
    };
    let keys: Vec<&str> = violations.iter().map(|v| v.key.as_str()).collect();
    assert!(keys.contains(&"risk.max_daily_loss_pct"), "{keys:?}");
    assert!(keys.contains(&"risk.max_open_positions"), "{keys:?}");
    assert!(keys.contains(&"tiers.medium"), "{keys:?}");
}

#[test]
fn unknown_key_is_an_error_with_file_and_line() {
    let f = file_with("[risk]\nmax_open_positions = 2\nmax_dayly_loss_pct = 3\n");
    let err = load(Some(f.path()), none(), TradingMode::DryRun).unwrap_err();
    let ConfigError::Parse {
        line, ref message, ..
    } = err
    else {
        panic!("expected a parse error, got {err}");
    };
    assert_eq!(line, 3, "{message}");
    assert!(message.contains("max_dayly_loss_pct"), "{message}");
    assert!(
        err.to_string()
            .contains(&format!("{}:3:", f.path().display())),
        "{err}"
    );
}

#[test]
fn wrong_type_is_an_error_with_line() {
    let f = file_with(
        "[portfolio]\ninitial_capital = 1000\n\n[risk]\nmax_open_positions = \"three\"\n",
    );
    let err = load(Some(f.path()), none(), TradingMode::DryRun).unwrap_err();
    assert!(matches!(err, ConfigError::Parse { line: 5, .. }), "{err}");
}

#[test]
fn missing_file_names_the_path() {
    let err = load(
        Some(std::path::Path::new("/nonexistent/rampart.toml")),
        none(),
        TradingMode::DryRun,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/rampart.toml"),
        "{err}"
    );
}

#[test]
fn partial_file_keeps_defaults_for_the_rest() {
    let f = file_with("[risk]\nmax_open_positions = 1\n");
    let c = load(Some(f.path()), none(), TradingMode::DryRun)
        .unwrap()
        .config;
    assert_eq!(c.risk.max_open_positions, 1);
    assert_eq!(c.risk.max_daily_loss_pct, dec!(5));
    assert_eq!(c.capital_preservation.crisis_drawdown_pct, dec!(12));
}

#[test]
fn environment_overrides_the_file_and_is_reported() {
    let f = file_with("[risk]\nmax_open_positions = 1\n");
    let loaded = load(
        Some(f.path()),
        [
            ("RAMPART__RISK__MAX_OPEN_POSITIONS", "2"),
            ("RAMPART__RISK__SYMBOL_ALLOWLIST", "[\"btc-usd\"]"),
        ],
        TradingMode::DryRun,
    )
    .unwrap();
    assert_eq!(loaded.config.risk.max_open_positions, 2);
    assert_eq!(
        loaded.config.risk.symbol_allowlist,
        vec![Symbol::new("BTC-USD").unwrap()]
    );
    assert!(
        loaded
            .notices
            .iter()
            .any(|n| n.contains("risk.max_open_positions = 2"))
    );
}

#[test]
fn environment_override_to_an_invalid_value_is_rejected_by_validation() {
    let err = load(
        None,
        [("RAMPART__RISK__MAX_DAILY_LOSS_PCT", "150")],
        TradingMode::DryRun,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains(
            "environment variable RAMPART__RISK__MAX_DAILY_LOSS_PCT (risk.max_daily_loss_pct): must be in (0, 100], got 150"
        ),
        "{err}"
    );
    assert!(!err.to_string().contains("default.toml"), "{err}");
}

#[test]
fn environment_override_of_an_unknown_key_names_the_variable() {
    let err = load(None, [("RAMPART__RISK__NOPE", "1")], TradingMode::DryRun).unwrap_err();
    assert!(matches!(err, ConfigError::Env { .. }), "{err}");
    assert!(err.to_string().contains("RAMPART__RISK__NOPE"), "{err}");
}

#[test]
fn environment_override_reaches_the_btc_row() {
    let c = load(
        None,
        [("RAMPART__TURNOVER__SYMBOLS__BTC-USD__MIN_CONFIDENCE", "0.8")],
        TradingMode::DryRun,
    )
    .unwrap()
    .config;
    let rule = c.turnover.rule_for(&Symbol::new("BTC-USD").unwrap());
    assert_eq!(rule.min_confidence.value(), dec!(0.8));
    assert_eq!(rule.max_decisions_per_day, Some(3));
}

#[test]
fn paper_turnover_overrides_apply_only_in_paper_mode() {
    let vars = [
        ("PAPER_LIVE_TURNOVER_MIN_RATIO", "2.5"),
        ("PAPER_LIVE_TURNOVER_MAX_DAILY", "8"),
    ];
    let btc = Symbol::new("BTC-USD").unwrap();
    let paper = load(None, vars, TradingMode::Paper).unwrap();
    let rule = paper.config.turnover.rule_for(&btc);
    assert_eq!(rule.min_ev_cost_multiple, dec!(2.5));
    assert_eq!(rule.max_decisions_per_day, Some(8));
    assert!(
        paper.notices.iter().any(|n| n.contains("overrides active")),
        "{:?}",
        paper.notices
    );

    let live = load(None, vars, TradingMode::Live).unwrap();
    let rule = live.config.turnover.rule_for(&btc);
    assert_eq!(rule.min_ev_cost_multiple, dec!(2));
    assert!(
        live.notices.iter().any(|n| n.contains("ignored")),
        "{:?}",
        live.notices
    );
}

#[test]
fn malformed_paper_override_names_the_variable() {
    let err = load(
        None,
        [("PAPER_LIVE_TURNOVER_MAX_DAILY", "lots")],
        TradingMode::Paper,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("PAPER_LIVE_TURNOVER_MAX_DAILY"),
        "{err}"
    );
}

#[test]
fn gate_and_governor_must_share_one_cost_model() {
    let f = file_with("[turnover]\nfee_bps = 12\n");
    let err = load(Some(f.path()), none(), TradingMode::DryRun).unwrap_err();
    assert!(
        err.to_string()
            .contains("turnover.fee_bps must be equal to risk.fee_bps (10), got 12"),
        "{err}"
    );
}

#[test]
fn account_rules_are_off_by_default_and_named_by_product() {
    let c = load(None, none(), TradingMode::DryRun).unwrap().config;
    assert_eq!(c.account.rules, config::AccountRulesKind::None);
    let f = file_with(
        "[portfolio]\ninitial_capital = 100000\n[account]\nrules = \"ftmo-1step-challenge\"\ninitial_capital = 100000\ncurrency = \"USD\"\nbuffer_pct = 15\n",
    );
    let c = load(Some(f.path()), none(), TradingMode::DryRun)
        .unwrap()
        .config;
    assert_eq!(
        c.account.rules,
        config::AccountRulesKind::Ftmo1StepChallenge
    );
    assert_eq!(c.account.buffer_pct, dec!(15));
    assert!(c.account.flatten_on_breach);
}

#[test]
fn account_rules_without_initial_capital_are_rejected_naming_the_key() {
    let f = file_with("[account]\nrules = \"ftmo-2step-challenge\"\n");
    let err = load(Some(f.path()), none(), TradingMode::DryRun).unwrap_err();
    assert!(
        err.to_string().contains(
            "account.initial_capital must be set when account.rules is \"ftmo-2step-challenge\""
        ),
        "{err}"
    );
}

#[test]
fn an_unknown_account_rules_name_is_a_parse_error_with_line() {
    let f = file_with("[account]\nbuffer_pct = 10\nrules = \"ftmo-3step\"\n");
    let err = load(Some(f.path()), none(), TradingMode::DryRun).unwrap_err();
    assert!(matches!(err, ConfigError::Parse { line: 3, .. }), "{err}");
    assert!(err.to_string().contains("ftmo-2step-challenge"), "{err}");
}

#[test]
fn account_rules_can_be_set_from_the_environment() {
    let f = file_with("[portfolio]\ninitial_capital = 200000\n");
    let c = load(
        Some(f.path()),
        [
            ("RAMPART__ACCOUNT__RULES", "ftmo-2step-verification"),
            ("RAMPART__ACCOUNT__INITIAL_CAPITAL", "200000"),
        ],
        TradingMode::DryRun,
    )
    .unwrap()
    .config;
    assert_eq!(
        c.account.rules,
        config::AccountRulesKind::Ftmo2StepVerification
    );
    assert_eq!(c.account.initial_capital, Some(dec!(200000)));
}

#[test]
fn an_unreadable_override_names_the_variable_and_key_not_the_file() {
    for path in [None, Some(file_with("[risk]\nmax_open_positions = 2\n"))] {
        let err = load(
            path.as_ref().map(|f| f.path()),
            [("RAMPART__RISK__MAX_DAILY_LOSS_PCT", "abc")],
            TradingMode::DryRun,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, ConfigError::Env { .. }), "{text}");
        assert!(
            text.starts_with(
                "environment variable RAMPART__RISK__MAX_DAILY_LOSS_PCT (risk.max_daily_loss_pct): expected a decimal number, got \"abc\""
            ),
            "{text}"
        );
        assert!(!text.contains("default.toml"), "{text}");
        assert!(!text.contains(".toml:"), "{text}");
    }
    let err = load(
        None,
        [("RAMPART__RISK__MAX_OPEN_POSITIONS", "three")],
        TradingMode::DryRun,
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "environment variable RAMPART__RISK__MAX_OPEN_POSITIONS (risk.max_open_positions): expected"
        ),
        "{err}"
    );
}

#[test]
fn a_violation_is_blamed_on_the_override_that_set_its_key_and_the_rest_on_the_file() {
    let f = file_with("[risk]\nmax_open_positions = 0\n");
    let err = load(
        Some(f.path()),
        [("RAMPART__RISK__MAX_DAILY_LOSS_PCT", "150")],
        TradingMode::DryRun,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "invalid configuration ({} and environment overrides):",
            f.path().display()
        )),
        "{text}"
    );
    assert!(
        text.contains("\n  - risk.max_open_positions must be"),
        "{text}"
    );
    assert!(
        text.contains("\n  - environment variable RAMPART__RISK__MAX_DAILY_LOSS_PCT (risk.max_daily_loss_pct): must be in (0, 100], got 150"),
        "{text}"
    );
}

#[test]
fn values_of_secret_looking_variables_are_never_echoed() {
    // Unreadable: a number where the name of a variable belongs.
    let err = load(
        None,
        [("RAMPART__TELEGRAM__TOKEN_ENV", "123456789")],
        TradingMode::DryRun,
    )
    .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        text.starts_with(
            "environment variable RAMPART__TELEGRAM__TOKEN_ENV (telegram.token_env): expected a string, got a value that is not shown"
        ),
        "{text}"
    );
    assert!(!text.contains("123456789"), "{text}");
    // Invalid: blamed on the variable, the value left out.
    let err = load(
        None,
        [("RAMPART__TELEGRAM__TOKEN_ENV", "\"   \"")],
        TradingMode::DryRun,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains(
            "environment variable RAMPART__TELEGRAM__TOKEN_ENV (telegram.token_env): must be the name of an environment variable, got a value that is not shown"
        ),
        "{err}"
    );
    // Unknown key: named, its value not echoed.
    let err = load(
        None,
        [("RAMPART__RISK__API_KEY", "hunter2secret")],
        TradingMode::DryRun,
    )
    .unwrap_err();
    assert!(err.to_string().contains("RAMPART__RISK__API_KEY"), "{err}");
    assert!(!format!("{err} {err:?}").contains("hunter2secret"), "{err}");
    // Applied: the log line names the key, not the value.
    let loaded = load(
        None,
        [("RAMPART__TELEGRAM__TOKEN_ENV", "MY_BOT_VAR")],
        TradingMode::DryRun,
    )
    .unwrap();
    assert_eq!(loaded.config.telegram.token_env, "MY_BOT_VAR");
    let notices = loaded.notices.join("\n");
    assert!(
        notices.contains("telegram.token_env = (not shown)"),
        "{notices}"
    );
    assert!(!notices.contains("MY_BOT_VAR"), "{notices}");
}
