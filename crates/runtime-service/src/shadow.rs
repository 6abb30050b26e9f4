//! Builds the shadow collector from `[shadow]`: the configured advisors, the costs
//! of counterfactual P&L (fees and slippage from `[risk]`, the spread from `[shadow]`).

use domain::ports::Advisor;
use domain::{Ratio, StrategyId};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use shadow_collector::bandit::{BanditConfig, ContextualBandit};
use shadow_collector::weights::StrategyWeights;
use shadow_collector::{CostAssumptions, ShadowCollector, ShadowSettings};

use crate::error::RuntimeError;

/// The collector for `cfg`, or `None` when `[shadow] enabled = false`.
/// `strategies` are the strategy ids the pipeline runs (weighted by `strategy_weights`).
pub fn collector(
    cfg: &config::RampartConfig,
    strategies: Vec<StrategyId>,
) -> Result<Option<ShadowCollector>, RuntimeError> {
    let shadow = &cfg.shadow;
    // An engine without strategies (operator commands) sees no signal: no collector.
    // Its stored shadow state is carried over untouched by the engine.
    if !shadow.enabled || strategies.is_empty() {
        return Ok(None);
    }
    let bad = |key: &str, e: &dyn std::fmt::Display| {
        RuntimeError::BadInput(format!("[shadow] {key}: {e}"))
    };
    let clamp = Ratio::from_fraction(shadow.max_weight_shift_pct / Decimal::ONE_HUNDRED);
    let mut advisors: Vec<Box<dyn Advisor>> = Vec::new();
    for name in &shadow.advisors {
        match name.as_str() {
            "strategy_weights" => {
                advisors.push(Box::new(
                    StrategyWeights::new(strategies.clone(), clamp)
                        .map_err(|e| bad("advisors", &format!("strategy_weights: {e}")))?,
                ));
            }
            "contextual_bandit" => {
                let alpha = shadow.bandit_alpha.to_f64().unwrap_or(0.01);
                advisors.push(Box::new(
                    ContextualBandit::with_config(BanditConfig {
                        alpha,
                        ..BanditConfig::default()
                    })
                    .map_err(|e| bad("bandit_alpha", &e))?,
                ));
            }
            other => return Err(bad("advisors", &format!("unknown advisor {other:?}"))),
        }
    }
    let settings = ShadowSettings {
        horizon: chrono::Duration::minutes(i64::from(shadow.horizon_minutes)),
        costs: CostAssumptions {
            fee_bps: cfg.risk.fee_bps,
            slippage_bps: cfg.risk.slippage_bps,
            spread_bps: shadow.spread_bps,
        },
        hit_window: shadow.hit_window as usize,
        max_weight_shift: clamp,
    };
    Ok(Some(ShadowCollector::new(settings, advisors)))
}
