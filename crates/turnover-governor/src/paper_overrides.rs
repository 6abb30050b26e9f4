//! Paper-mode-only overrides of the EV multiple and the daily cap.
//!
//! Operators tune turnover on the paper-live runner without touching the file
//! (`PAPER_LIVE_TURNOVER_MIN_RATIO`, `PAPER_LIVE_TURNOVER_MAX_DAILY`). This crate is
//! pure, so the config crate reads those variables and hands the values here. They
//! apply only in [`TradingMode::Paper`]; in any other mode they are ignored, and the
//! returned notices say so, because a paper tuning knob must never loosen live trading.

use domain::TradingMode;
use rust_decimal::Decimal;

use crate::config::TurnoverConfig;

impl TurnoverConfig {
    /// Applies the paper-mode overrides to every symbol (default rule and each
    /// override row), only when `mode` is paper. Returns the configuration and the
    /// notices to log. Run `validate()` on the result, as on any configuration.
    pub fn with_paper_overrides(
        mut self,
        mode: TradingMode,
        min_ratio: Option<Decimal>,
        max_daily: Option<u32>,
    ) -> (Self, Vec<String>) {
        let mut settings = Vec::new();
        if let Some(k) = min_ratio {
            settings.push(format!("min_ev_cost_multiple={}", k.normalize()));
        }
        if let Some(n) = max_daily {
            settings.push(format!("max_decisions_per_day={n}"));
        }
        if settings.is_empty() {
            return (self, Vec::new());
        }
        let listed = settings.join(", ");
        if mode != TradingMode::Paper {
            let notice = format!(
                "Paper-live turnover overrides ignored: mode is {}, they apply only in paper mode ({listed})",
                mode.as_str()
            );
            return (self, vec![notice]);
        }

        if let Some(k) = min_ratio {
            self.default.min_ev_cost_multiple = k;
            for row in self.symbols.values_mut() {
                row.min_ev_cost_multiple = Some(k);
            }
        }
        if let Some(n) = max_daily {
            self.default.max_decisions_per_day = Some(n);
            for row in self.symbols.values_mut() {
                row.max_decisions_per_day = Some(Some(n));
            }
        }
        (
            self,
            vec![format!("Paper-live turnover overrides active: {listed}")],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{btc, eth};
    use rust_decimal_macros::dec;

    #[test]
    fn apply_to_every_symbol_in_paper_mode() {
        let (c, notices) = TurnoverConfig::default().with_paper_overrides(
            TradingMode::Paper,
            Some(dec!(2.5)),
            Some(8),
        );
        assert_eq!(
            notices,
            vec![
                "Paper-live turnover overrides active: min_ev_cost_multiple=2.5, max_decisions_per_day=8"
            ]
        );
        for symbol in [btc(), eth()] {
            let r = c.rule_for(&symbol);
            assert_eq!(r.min_ev_cost_multiple, dec!(2.5));
            assert_eq!(r.max_decisions_per_day, Some(8));
        }
        assert_eq!(
            c.rule_for(&btc()).min_interval_minutes,
            240,
            "other BTC fields stay"
        );
        assert_eq!(c.validate(), vec![]);
    }

    #[test]
    fn are_ignored_with_a_notice_outside_paper_mode() {
        for mode in [
            TradingMode::Live,
            TradingMode::DryRun,
            TradingMode::Backtest,
        ] {
            let (c, notices) =
                TurnoverConfig::default().with_paper_overrides(mode, Some(dec!(0.5)), Some(50));
            assert_eq!(c, TurnoverConfig::default());
            assert_eq!(notices.len(), 1);
            assert!(
                notices[0].starts_with("Paper-live turnover overrides ignored: mode is"),
                "{notices:?}"
            );
            assert!(notices[0].contains(mode.as_str()));
        }
    }

    #[test]
    fn nothing_to_say_when_no_override_is_set() {
        let (c, notices) =
            TurnoverConfig::default().with_paper_overrides(TradingMode::Paper, None, None);
        assert_eq!(c, TurnoverConfig::default());
        assert!(notices.is_empty());
        let (c, notices) =
            TurnoverConfig::default().with_paper_overrides(TradingMode::Paper, None, Some(4));
        assert_eq!(c.rule_for(&eth()).max_decisions_per_day, Some(4));
        assert_eq!(c.rule_for(&eth()).min_ev_cost_multiple, dec!(1));
        assert_eq!(
            notices,
            vec!["Paper-live turnover overrides active: max_decisions_per_day=4"]
        );
    }
}
