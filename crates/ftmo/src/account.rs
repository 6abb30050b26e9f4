//! An FTMO account: configuration plus state, fed marks and opened positions,
//! answering floors, breaches, sizing and the risk book. Single-threaded; see
//! [`SharedFtmoAccount`](crate::SharedFtmoAccount) for the port.

use domain::ports::{AccountContext, RuleVerdict};
use domain::{AccountBreach, AccountMark, BreachLine, OrderIntent, RiskBook, Timestamp};
use rust_decimal::Decimal;

use crate::config::FtmoConfig;
use crate::error::FtmoError;
use crate::floors::Floors;
use crate::sizing::{Sizing, SizingRules, size};
use crate::state::AccountState;

/// An FTMO account under one product's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtmoAccount {
    config: FtmoConfig,
    state: AccountState,
}

impl FtmoAccount {
    /// A fresh account whose first day is the Prague day of `start`.
    pub fn new(config: FtmoConfig, start: Timestamp) -> Self {
        let state = AccountState::new(&config, start);
        Self { config, state }
    }

    /// An account resuming from a persisted state; fails when the state is for
    /// another product, size or currency than `config`.
    pub fn restore(config: FtmoConfig, state: AccountState) -> Result<Self, FtmoError> {
        state.check_matches(&config)?;
        Ok(Self { config, state })
    }

    /// The configuration.
    pub fn config(&self) -> &FtmoConfig {
        &self.config
    }

    /// The state (to persist, or to inspect).
    pub fn state(&self) -> &AccountState {
        &self.state
    }

    /// Feeds a mark: crosses any Prague midnights since the last one (re-anchoring the
    /// daily floor on the latest balance and, for 1-Step, trailing the maximum-loss
    /// floor), then holds equity against both floors. Returns the breach this mark
    /// newly caused: the first touch of a buffered line, then the first breach of a
    /// firm line. Equal to a floor is not below it.
    pub fn observe(&mut self, mark: &AccountMark) -> Option<AccountBreach> {
        self.state.roll_to(mark.at, &self.config);
        self.state.record_mark(mark);
        let floors = self.floors_at(mark.at);
        let firm = floors.crossed(mark, BreachLine::Firm);
        let guard = floors.crossed(mark, BreachLine::Buffered);
        let new = self.state.record_breach(firm, guard);
        self.state.refresh_objectives(&self.config);
        new
    }

    /// Records a position opened at `at` (counts the Prague day as a trading day).
    pub fn position_opened(&mut self, at: Timestamp) {
        self.state.record_position_opened(at);
        self.state.refresh_objectives(&self.config);
    }

    /// The most severe breach so far.
    pub fn breach(&self) -> Option<AccountBreach> {
        self.state.breach()
    }

    /// Both floors as of `at` (after any Prague midnight up to `at`, without recording it).
    pub fn floors_at(&self, at: Timestamp) -> Floors {
        Floors::from_anchors(&self.state.anchors_at(at, &self.config), &self.config)
    }

    /// The sizing parameters of the account.
    pub fn sizing_rules(&self) -> SizingRules {
        SizingRules {
            slippage_buffer: self.config.slippage_buffer(),
            min_qty: self.config.min_qty(),
            qty_step: self.config.qty_step(),
        }
    }

    /// Sizes an entry against the headroom at `now` and `equity`.
    pub fn size(
        &self,
        intent: &OrderIntent,
        estimated_costs: domain::Money,
        equity: domain::Money,
        now: Timestamp,
    ) -> Sizing {
        size(
            intent,
            estimated_costs,
            equity,
            &self.floors_at(now),
            &self.sizing_rules(),
        )
    }

    /// The port's verdict: `Reject` once breached, else the headroom sizing.
    /// Pure: nothing is recorded.
    pub fn evaluate(&self, intent: &OrderIntent, ctx: &AccountContext<'_>) -> RuleVerdict {
        if let Some(breach) = self.breach() {
            return RuleVerdict::Reject {
                rule: breach.rule.as_str().to_string(),
                detail: format!("{}: account halted, {breach}", self.config.product()),
            };
        }
        let sizing = self.size(intent, ctx.estimated_costs, ctx.portfolio.equity, ctx.now);
        let rule = sizing.figures().rule.as_str().to_string();
        match sizing {
            Sizing::Fits { .. } => RuleVerdict::Allow,
            Sizing::Shrink { max_qty, .. } => RuleVerdict::Shrink {
                max_qty,
                rule,
                detail: sizing.detail(),
            },
            Sizing::Reject { .. } => RuleVerdict::Reject {
                rule,
                detail: sizing.detail(),
            },
        }
    }

    /// The risk book as of `at`, from the latest observed mark (the initial capital
    /// before any mark).
    pub fn risk_book(&self, at: Timestamp) -> RiskBook {
        let state = &self.state;
        let floors = self.floors_at(at);
        let balance = state.balance();
        let equity = state.last_mark().map_or(balance, |m| m.equity);
        let isc = self.config.initial_capital();
        let target_progress_pct = self.config.profit_target().and_then(|target| {
            (balance - isc)
                .value()
                .checked_div(target.value())
                .map(|r| (r * Decimal::ONE_HUNDRED).round_dp(2))
        });
        let best_day_ratio = self
            .config
            .product()
            .best_day_max_share()
            .and_then(|_| state.best_day_ratio());
        RiskBook {
            at,
            phase: self.config.product().to_string(),
            currency: self.config.currency().to_string(),
            initial_capital: isc,
            equity,
            balance,
            daily_floor: floors.daily.firm,
            daily_guard_floor: floors.daily.guard,
            max_loss_floor: floors.max_loss.firm,
            max_loss_guard_floor: floors.max_loss.guard,
            daily_utilisation_pct: floors.daily.utilisation_pct(equity),
            total_utilisation_pct: floors.max_loss.utilisation_pct(equity),
            trading_days: state.trading_day_count(),
            min_trading_days: self.config.product().min_trading_days(),
            target_progress_pct,
            best_day_ratio,
            objectives: state.objectives(),
            status: state.status(),
            breach: state.breach(),
        }
    }
}
