//! Counters of one session, for the runtime's and the backtest's summaries.

use std::collections::BTreeMap;

use domain::{Money, PreservationLevel, Timestamp};
use serde::Serialize;

/// One capital-preservation transition, for the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// Level left.
    pub from: PreservationLevel,
    /// Level entered.
    pub to: PreservationLevel,
    /// When.
    pub at: Timestamp,
}

/// What happened in a session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SessionSummary {
    /// Market events processed.
    pub events: u64,
    /// Signals by tier (`low`, `medium`, `high`).
    pub signals_by_tier: BTreeMap<&'static str, u64>,
    /// Intents the trade gate approved.
    pub approvals: u64,
    /// Gate rejections by reason code (an intent may count under several reasons).
    pub rejections_by_reason: BTreeMap<&'static str, u64>,
    /// Intents rejected by the gate.
    pub rejected_intents: u64,
    /// Turnover blocks by reason code.
    pub blocks_by_reason: BTreeMap<&'static str, u64>,
    /// Signals the governor blocked.
    pub blocked_signals: u64,
    /// Signals that led to no intent (exit while flat, entry while already in position, zero size).
    pub signals_without_intent: u64,
    /// Orders sent to the venue.
    pub orders_submitted: u64,
    /// Orders the venue refused.
    pub orders_rejected: u64,
    /// Orders with an unknown outcome.
    pub orders_unknown: u64,
    /// Fills applied.
    pub fills: u64,
    /// Round trips closed.
    pub closed_trades: u64,
    /// Capital-preservation transitions, in order.
    pub level_transitions: Vec<Transition>,
    /// Scheduled job runs by job name.
    pub jobs_run: BTreeMap<String, u64>,
    /// Alerts raised.
    pub alerts: u64,
    /// Equity at the start.
    pub start_equity: Money,
    /// Equity now.
    pub end_equity: Money,
    /// Realised P&L net of fees.
    pub realized_pnl: Money,
    /// Commissions paid.
    pub fees_paid: Money,
    /// First event time.
    pub first_event_at: Option<Timestamp>,
    /// Last event time.
    pub last_event_at: Option<Timestamp>,
}

impl SessionSummary {
    pub(crate) fn bump(map: &mut BTreeMap<&'static str, u64>, key: &'static str) {
        *map.entry(key).or_insert(0) += 1;
    }
}
