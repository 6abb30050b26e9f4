//! The BTC diagnosis: why the primary advisor's BTC trades lost money, if they did.
//! A heuristic, documented in the parent module.

use domain::shadow::CounterfactualPnl;
use domain::{Money, Ratio};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::stats::{HIT_RATE_DP, MONEY_DP, RETURN_DP, rounded};
use super::{DAYS_PER_WEEK, Resolved, cost_figures, delta_of, pct_of};

/// The BTC diagnosis (a heuristic, see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BtcDiagnosis {
    /// Resolved BTC records.
    pub decisions: u64,
    /// The primary advisor's taken BTC records.
    pub trades: u64,
    /// Their gross P&L.
    pub gross_pnl: Money,
    /// Their fees.
    pub fees: Money,
    /// Their slippage.
    pub slippage: Money,
    /// Their spread.
    pub spread: Money,
    /// `fees + slippage + spread`.
    pub total_cost: Money,
    /// The primary advisor's BTC net P&L.
    pub btc_net_pnl: Money,
    /// The pipeline's BTC net P&L.
    pub btc_actual_net_pnl: Money,
    /// The primary advisor's BTC `delta_pnl`.
    pub btc_delta_pnl: Money,
    /// Turnover figures.
    pub turnover: BtcTurnover,
    /// Signal-decay figures.
    pub signal_decay: BtcSignalDecay,
    /// Each candidate cause in money.
    pub causes: BtcCauses,
    /// The largest candidate.
    pub primary_cause: BtcCause,
    /// `btc_net_pnl < 0`.
    pub edge_lost: bool,
    /// `cause money / |btc_net_pnl| x 100`, capped at 100; `null` when not lost.
    pub estimated_recoverable_pct: Option<Decimal>,
}

/// How much the BTC trades churned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BtcTurnover {
    /// `trades / 7`.
    pub trades_per_day: Decimal,
    /// Trades whose gross did not cover their cost.
    pub trades_not_covering_cost: u64,
    /// Their total cost.
    pub cost_not_covered: Money,
    /// `cost_not_covered / total_cost x 100`; `null` without cost.
    pub share_of_cost_pct: Option<Decimal>,
}

/// How much the BTC signal weakened since the prior week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BtcSignalDecay {
    /// Mean forward return of this week's resolved BTC records.
    pub mean_forward_return: Option<Ratio>,
    /// The prior week's.
    pub prior_mean_forward_return: Option<Ratio>,
    /// `prior - this` (positive: the signal weakened).
    pub decline: Option<Ratio>,
}

/// Each candidate cause of the BTC loss, in money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BtcCauses {
    /// Total fees.
    pub fees: Money,
    /// Total slippage.
    pub slippage: Money,
    /// Cost of the trades that did not cover their cost.
    pub turnover: Money,
    /// `decline x sum(notional)` when the signal weakened, else 0.
    pub signal_decay: Money,
}

/// The primary cause of a BTC edge loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BtcCause {
    /// The edge was not lost.
    None,
    /// Commissions.
    Fees,
    /// Slippage.
    Slippage,
    /// Trades that could not cover their cost.
    Turnover,
    /// A weaker signal than the prior week.
    SignalDecay,
    /// Lost, but every candidate measured 0.
    Undetermined,
}

impl BtcCause {
    /// Stable name (`none`, `fees`, `slippage`, `turnover`, `signal_decay`, `undetermined`).
    pub fn as_str(self) -> &'static str {
        match self {
            BtcCause::None => "none",
            BtcCause::Fees => "fees",
            BtcCause::Slippage => "slippage",
            BtcCause::Turnover => "turnover",
            BtcCause::SignalDecay => "signal_decay",
            BtcCause::Undetermined => "undetermined",
        }
    }
}

/// Mean forward return of the BTC records among `records`.
fn btc_mean_forward_return(records: &[Resolved<'_>]) -> Option<Decimal> {
    let btc: Vec<Decimal> = records
        .iter()
        .filter(|r| r.is_btc())
        .map(|r| r.resolution.forward_return.fraction())
        .collect();
    if btc.is_empty() {
        return None;
    }
    btc.iter()
        .try_fold(Decimal::ZERO, |acc, v| acc.checked_add(*v))?
        .checked_div(Decimal::from(btc.len()))
}

pub(super) fn btc_diagnosis(
    resolved: &[Resolved<'_>],
    prior: Option<&[Resolved<'_>]>,
    primary: &str,
) -> BtcDiagnosis {
    let btc: Vec<&Resolved<'_>> = resolved.iter().filter(|r| r.is_btc()).collect();
    let trades: Vec<&CounterfactualPnl> = btc
        .iter()
        .filter_map(|r| r.advisor(primary))
        .filter(|p| p.is_taken())
        .collect();
    let costs = cost_figures(trades.iter().copied());
    let cost_of = |p: &CounterfactualPnl| p.fees + p.slippage + p.spread;
    let not_covering: Vec<&&CounterfactualPnl> =
        trades.iter().filter(|p| p.gross < cost_of(p)).collect();
    let cost_not_covered: Money = not_covering.iter().map(|p| cost_of(p)).sum();
    let turnover = BtcTurnover {
        trades_per_day: rounded(
            Decimal::from(trades.len()) / Decimal::from(DAYS_PER_WEEK),
            HIT_RATE_DP,
        ),
        trades_not_covering_cost: not_covering.len() as u64,
        cost_not_covered,
        share_of_cost_pct: pct_of(cost_not_covered, costs.total_cost),
    };

    let this_mean = btc_mean_forward_return(resolved);
    let prior_mean = prior.and_then(btc_mean_forward_return);
    let decline = prior_mean.zip(this_mean).map(|(p, t)| p - t);
    let notional: Money = trades.iter().map(|p| p.notional).sum();
    let decay_money = decline
        .filter(|d| *d > Decimal::ZERO)
        .and_then(|d| d.checked_mul(notional.value()))
        .map_or(Money::ZERO, |m| Money::new(rounded(m, MONEY_DP)));
    let round_ratio = |d: Decimal| Ratio::from_fraction(rounded(d, RETURN_DP));
    let signal_decay = BtcSignalDecay {
        mean_forward_return: this_mean.map(round_ratio),
        prior_mean_forward_return: prior_mean.map(round_ratio),
        decline: decline.map(round_ratio),
    };
    let causes = BtcCauses {
        fees: costs.fees,
        slippage: costs.slippage,
        turnover: cost_not_covered,
        signal_decay: decay_money,
    };

    let btc_net_pnl = costs.net_pnl;
    let edge_lost = btc_net_pnl.is_negative();
    let (primary_cause, estimated_recoverable_pct) = if edge_lost {
        let candidates = [
            (BtcCause::Fees, causes.fees),
            (BtcCause::Slippage, causes.slippage),
            (BtcCause::Turnover, causes.turnover),
            (BtcCause::SignalDecay, causes.signal_decay),
        ];
        // Strictly greater keeps the earlier candidate on ties.
        let (cause, money) =
            candidates
                .iter()
                .fold((BtcCause::Undetermined, Money::ZERO), |best, c| {
                    if c.1 > best.1 { *c } else { best }
                });
        let pct = (cause != BtcCause::Undetermined)
            .then(|| pct_of(money, btc_net_pnl))
            .flatten()
            .map(|p| p.min(Decimal::ONE_HUNDRED));
        (cause, pct)
    } else {
        (BtcCause::None, None)
    };

    BtcDiagnosis {
        decisions: btc.len() as u64,
        trades: costs.trades,
        gross_pnl: costs.gross_pnl,
        fees: costs.fees,
        slippage: costs.slippage,
        spread: costs.spread,
        total_cost: costs.total_cost,
        btc_net_pnl,
        btc_actual_net_pnl: btc.iter().map(|r| r.actual().net).sum(),
        btc_delta_pnl: btc.iter().filter_map(|r| delta_of(r, primary)).sum(),
        turnover,
        signal_decay,
        causes,
        primary_cause,
        edge_lost,
        estimated_recoverable_pct,
    }
}
