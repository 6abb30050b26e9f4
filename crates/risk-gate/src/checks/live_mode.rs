//! Check 2: the live-mode guard. Live money needs two keys: `live_trading_enabled`
//! in the configuration and a GO readiness verdict. Other modes never touch
//! real money and pass regardless.

use domain::{Readiness, RejectReason, TradingMode};

/// Fails in live mode unless live trading is enabled and readiness is GO.
pub(crate) fn check(
    mode: TradingMode,
    readiness: Readiness,
    live_enabled: bool,
) -> Option<RejectReason> {
    let guarded = mode == TradingMode::Live && (readiness != Readiness::Go || !live_enabled);
    guarded.then_some(RejectReason::LiveModeGuard {
        readiness,
        live_enabled,
    })
}

#[cfg(test)]
mod tests {
    use domain::{Readiness, RejectReason, TradingMode};

    use crate::RiskConfig;
    use crate::testing::*;

    fn live_config(enabled: bool) -> RiskConfig {
        RiskConfig {
            live_trading_enabled: enabled,
            ..RiskConfig::default()
        }
    }

    #[test]
    fn rejects_live_orders_without_a_go_verdict() {
        let mut s = Scenario::healthy();
        s.mode = TradingMode::Live;
        s.readiness = Readiness::Conditional;
        let d = gate_with(live_config(true)).evaluate(entry(), &s.ctx());
        assert_eq!(
            only_reason(&d),
            &RejectReason::LiveModeGuard {
                readiness: Readiness::Conditional,
                live_enabled: true
            }
        );
    }

    #[test]
    fn rejects_live_orders_when_live_trading_is_disabled_even_with_go() {
        let mut s = Scenario::healthy();
        s.mode = TradingMode::Live;
        s.readiness = Readiness::Go;
        let d = gate_with(live_config(false)).evaluate(entry(), &s.ctx());
        assert_eq!(
            only_reason(&d),
            &RejectReason::LiveModeGuard {
                readiness: Readiness::Go,
                live_enabled: false
            }
        );
    }

    #[test]
    fn approves_live_orders_with_both_keys() {
        let mut s = Scenario::healthy();
        s.mode = TradingMode::Live;
        s.readiness = Readiness::Go;
        assert!(
            gate_with(live_config(true))
                .evaluate(entry(), &s.ctx())
                .is_approved()
        );
    }

    #[test]
    fn other_modes_ignore_readiness() {
        for mode in [
            TradingMode::Backtest,
            TradingMode::DryRun,
            TradingMode::Paper,
        ] {
            let mut s = Scenario::healthy();
            s.mode = mode;
            s.readiness = Readiness::NoGo;
            assert!(s.evaluate(entry()).is_approved(), "{mode:?}");
        }
    }
}
