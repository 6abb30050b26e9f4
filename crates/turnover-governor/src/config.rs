//! The `[turnover]` configuration section: the default rule, per-symbol overrides,
//! trading costs, and the block-rate window and healthy band.
//!
//! The built-in configuration carries the BTC-USD row of ARCHITECTURE.md section 4
//! (4 h interval, 3 per day, 2x cost, 0.75 confidence, 6 h cooldown): BTC showed
//! its edge collapse under realistic friction. A `[turnover.symbols]` table in the
//! file is laid *over* the built-in rows, field by field, rather than replacing
//! them, so adding an ETH-USD override cannot silently drop the BTC protection; to
//! relax BTC, write the BTC-USD fields you want changed.

use std::collections::BTreeMap;

use chrono::Duration;
use domain::{Confidence, ConfigViolation, Ratio, Symbol, Violations};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use crate::rule::{RuleOverride, TurnoverRule};

/// The canonical symbol of the built-in BTC override row.
pub const BTC_USD: &str = "BTC-USD";

/// Upper bound of the per-side cost keys, in basis points (10%).
const MAX_COST_BPS: u32 = 1_000;
/// Upper bound of `block_rate_window_hours`: one week.
const MAX_WINDOW_HOURS: u32 = 7 * 24;

/// Settings of the turnover governor (TOML section `[turnover]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TurnoverConfig {
    /// The rule of every symbol without an override.
    pub default: TurnoverRule,
    /// Per-symbol partial overrides, laid over the built-in rows (BTC-USD).
    #[serde(deserialize_with = "merge_over_builtin")]
    pub symbols: BTreeMap<Symbol, RuleOverride>,
    /// Commission per side, in basis points.
    pub fee_bps: Decimal,
    /// Expected slippage per side, in basis points.
    pub slippage_bps: Decimal,
    /// Length of the rolling block-rate window, in hours.
    pub block_rate_window_hours: u32,
    /// Evaluations needed in the window before the block rate gets a verdict.
    pub block_rate_min_evaluations: u32,
    /// Lowest healthy block rate, percent; below it the rules look too loose.
    pub healthy_block_rate_min_pct: Decimal,
    /// Highest healthy block rate, percent; above it the rules look too tight.
    pub healthy_block_rate_max_pct: Decimal,
}

impl Default for TurnoverConfig {
    fn default() -> Self {
        Self {
            default: TurnoverRule::default(),
            symbols: builtin_symbol_overrides(),
            fee_bps: Decimal::from(10),
            slippage_bps: Decimal::from(5),
            block_rate_window_hours: 24,
            block_rate_min_evaluations: 20,
            healthy_block_rate_min_pct: Decimal::from(5),
            healthy_block_rate_max_pct: Decimal::from(70),
        }
    }
}

/// The built-in per-symbol rows: BTC-USD as ARCHITECTURE.md section 4 says.
pub fn builtin_symbol_overrides() -> BTreeMap<Symbol, RuleOverride> {
    let mut rows = BTreeMap::new();
    if let Ok(btc) = Symbol::new(BTC_USD) {
        rows.insert(
            btc,
            RuleOverride {
                min_interval_minutes: Some(240),
                max_decisions_per_day: Some(Some(3)),
                min_ev_cost_multiple: Some(Decimal::from(2)),
                min_confidence: Confidence::new(Decimal::new(75, 2)).ok(),
                loss_streak_for_cooldown: None,
                cooldown_minutes: Some(360),
            },
        );
    }
    rows
}

fn merge_over_builtin<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<Symbol, RuleOverride>, D::Error> {
    let written = BTreeMap::<Symbol, RuleOverride>::deserialize(d)?;
    let mut rows = builtin_symbol_overrides();
    for (symbol, row) in written {
        rows.entry(symbol).or_default().merge(row);
    }
    Ok(rows)
}

impl TurnoverConfig {
    /// The resolved rule of `symbol`: its override laid over the default rule.
    pub fn rule_for(&self, symbol: &Symbol) -> TurnoverRule {
        match self.symbols.get(symbol) {
            Some(row) => row.apply_to(&self.default),
            None => self.default,
        }
    }

    /// Round-trip cost as a fraction of notional: `2 x (fee_bps + slippage_bps) / 10000`.
    pub fn round_trip_cost(&self) -> Ratio {
        let per_side = self.fee_bps.saturating_add(self.slippage_bps);
        Ratio::from_bps(per_side.saturating_mul(Decimal::TWO))
    }

    /// The rolling block-rate window as a duration.
    pub fn block_rate_window(&self) -> Duration {
        Duration::hours(i64::from(self.block_rate_window_hours))
    }

    /// Every violation of the section, keys prefixed `turnover.`.
    pub fn validate(&self) -> Vec<ConfigViolation> {
        let mut v = Violations::new("turnover");
        self.default.check(&mut v, "default");
        for (symbol, row) in &self.symbols {
            row.check(&mut v, &format!("symbols.{symbol}"));
        }

        let cost_range = |x: Decimal| x >= Decimal::ZERO && x <= Decimal::from(MAX_COST_BPS);
        let cost_expected = format!("in [0, {MAX_COST_BPS}] basis points");
        v.check(
            cost_range(self.fee_bps),
            "fee_bps",
            &cost_expected,
            self.fee_bps.normalize(),
        );
        v.check(
            cost_range(self.slippage_bps),
            "slippage_bps",
            &cost_expected,
            self.slippage_bps.normalize(),
        );

        v.check(
            (1..=MAX_WINDOW_HOURS).contains(&self.block_rate_window_hours),
            "block_rate_window_hours",
            &format!("in [1, {MAX_WINDOW_HOURS}]"),
            self.block_rate_window_hours,
        );
        v.check(
            self.block_rate_min_evaluations >= 1,
            "block_rate_min_evaluations",
            "at least 1",
            self.block_rate_min_evaluations,
        );
        let pct_range = |x: Decimal| x >= Decimal::ZERO && x <= Decimal::ONE_HUNDRED;
        v.check(
            pct_range(self.healthy_block_rate_min_pct),
            "healthy_block_rate_min_pct",
            "in [0, 100]",
            self.healthy_block_rate_min_pct.normalize(),
        );
        v.check(
            pct_range(self.healthy_block_rate_max_pct),
            "healthy_block_rate_max_pct",
            "in [0, 100]",
            self.healthy_block_rate_max_pct.normalize(),
        );
        v.check(
            self.healthy_block_rate_max_pct > self.healthy_block_rate_min_pct,
            "healthy_block_rate_max_pct",
            &format!(
                "greater than healthy_block_rate_min_pct ({})",
                self.healthy_block_rate_min_pct.normalize()
            ),
            self.healthy_block_rate_max_pct.normalize(),
        );
        v.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{btc, eth};
    use rust_decimal_macros::dec;

    #[test]
    fn default_config_is_valid_and_costs_thirty_bps_round_trip() {
        let c = TurnoverConfig::default();
        assert_eq!(c.validate(), vec![]);
        assert_eq!(c.round_trip_cost(), Ratio::from_bps(dec!(30)));
        assert_eq!(c.block_rate_window(), Duration::hours(24));
    }

    #[test]
    fn btc_row_differs_from_a_default_symbol_as_the_architecture_says() {
        let c = TurnoverConfig::default();
        let b = c.rule_for(&btc());
        assert_eq!(b.min_interval_minutes, 240);
        assert_eq!(b.max_decisions_per_day, Some(3));
        assert_eq!(b.min_ev_cost_multiple, dec!(2));
        assert_eq!(b.min_confidence.value(), dec!(0.75));
        assert_eq!(b.loss_streak_for_cooldown, 2);
        assert_eq!(b.cooldown_minutes, 360);

        let e = c.rule_for(&eth());
        assert_eq!(e, TurnoverRule::default());
        assert_eq!(e.max_decisions_per_day, None);
    }

    #[test]
    fn a_symbols_table_is_laid_over_the_builtin_btc_row() {
        let c: TurnoverConfig = toml::from_str(
            r#"
            fee_bps = 7.5
            [default]
            min_interval_minutes = 30
            [symbols.ETH-USD]
            max_decisions_per_day = 5
            [symbols.btc-usd]
            min_confidence = 0.8
            "#,
        )
        .unwrap();
        assert_eq!(c.validate(), vec![]);
        assert_eq!(c.round_trip_cost(), Ratio::from_bps(dec!(25)));

        let e = c.rule_for(&eth());
        assert_eq!(e.max_decisions_per_day, Some(5));
        assert_eq!(e.min_interval_minutes, 30, "inherits the default rule");

        let b = c.rule_for(&btc());
        assert_eq!(b.min_confidence.value(), dec!(0.8));
        assert_eq!(b.min_interval_minutes, 240, "keeps the built-in BTC row");
        assert_eq!(b.max_decisions_per_day, Some(3));
    }

    #[test]
    fn validation_names_the_symbol_key_and_reports_everything() {
        let mut c = TurnoverConfig::default();
        c.symbols.entry(btc()).or_default().min_ev_cost_multiple = Some(dec!(-1));
        c.symbols.entry(eth()).or_default().max_decisions_per_day = Some(Some(0));
        c.default.loss_streak_for_cooldown = 0;
        c.default.cooldown_minutes = 20_000;
        c.fee_bps = dec!(-1);
        c.block_rate_window_hours = 0;
        c.healthy_block_rate_min_pct = dec!(80);
        let messages: Vec<String> = c.validate().iter().map(ToString::to_string).collect();
        for expected in [
            "turnover.symbols.BTC-USD.min_ev_cost_multiple must be in [0, 100], got -1",
            "turnover.symbols.ETH-USD.max_decisions_per_day must be at least 1 or \"unlimited\" (use the symbol allowlist to stop a symbol), got 0",
            "turnover.default.loss_streak_for_cooldown must be at least 1, got 0",
            "turnover.default.cooldown_minutes must be in [0, 10080], got 20000",
            "turnover.fee_bps must be in [0, 1000] basis points, got -1",
            "turnover.block_rate_window_hours must be in [1, 168], got 0",
            "turnover.healthy_block_rate_max_pct must be greater than healthy_block_rate_min_pct (80), got 70",
        ] {
            assert!(
                messages.iter().any(|m| m == expected),
                "missing {expected:?} in {messages:#?}"
            );
        }
        assert_eq!(messages.len(), 7, "{messages:#?}");
    }

    #[test]
    fn serialises_to_toml_and_back() {
        let c = TurnoverConfig::default();
        let text = toml::to_string(&c).unwrap();
        let back: TurnoverConfig = toml::from_str(&text).unwrap();
        assert_eq!(back, c);
        assert!(toml::from_str::<TurnoverConfig>("fee = 3\n").is_err());
    }
}
