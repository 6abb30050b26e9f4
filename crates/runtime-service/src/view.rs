//! What the HTTP surface sees of a running runtime: the status board for
//! `/api/status` and `/metrics`, the store for `/health/readiness`.

use std::collections::BTreeMap;
use std::sync::Arc;

use domain::{Clock, SystemClock, Tier};
use http_api::{Decision, MetricsSnapshot, RuntimeView};
use readiness::ReadinessReport;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::status::{LiveRuntime, StatusSnapshot};

/// The runtime as the HTTP surface sees it.
pub struct LiveView {
    rt: LiveRuntime,
    telegram: std::sync::OnceLock<Arc<telegram::DeliveryMetrics>>,
}

impl LiveView {
    /// A view over the running runtime.
    pub fn new(rt: LiveRuntime) -> Self {
        Self {
            rt,
            telegram: std::sync::OnceLock::new(),
        }
    }

    /// Exports the Telegram delivery counters too (once the bot is set up).
    pub fn set_telegram(&self, metrics: Arc<telegram::DeliveryMetrics>) {
        let _ = self.telegram.set(metrics);
    }
}

/// An exported metric value (never used for money computation).
fn num(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// The `/metrics` figures of a status snapshot at wall-clock `now`.
pub fn metrics_of(s: &StatusSnapshot, now: domain::Timestamp) -> MetricsSnapshot {
    let mut signals = BTreeMap::new();
    for tier in [Tier::High, Tier::Medium, Tier::Low] {
        let n = s
            .session
            .signals_by_tier
            .get(tier.as_str())
            .copied()
            .unwrap_or(0);
        signals.insert(tier, n);
    }
    let mut decisions = BTreeMap::new();
    decisions.insert(Decision::Approved, s.session.approvals);
    for (reason, n) in &s.session.rejections_by_reason {
        decisions.insert(Decision::Rejected { reason }, *n);
    }
    for (reason, n) in &s.session.blocks_by_reason {
        decisions.insert(Decision::TurnoverBlocked { reason }, *n);
    }
    MetricsSnapshot {
        events_total: s.session.events,
        signals_total: signals,
        decisions_total: decisions,
        equity: num(s.equity),
        drawdown_ratio: num(s.drawdown),
        capital_preservation_level: s.capital_preservation_level,
        kill_switch_active: s.kill_switch_active,
        turnover_block_rate: s.turnover_block_rate.map(num),
        heartbeat_age_seconds: Some(
            ((now - s.updated_at).num_milliseconds().max(0) as f64) / 1000.0,
        ),
        extra_gauges: s.risk_book.as_ref().map(account_gauges).unwrap_or_default(),
    }
}

/// The account rules' risk book as gauges (`*_utilisation` and the floors), labelled
/// with the rule set.
fn account_gauges(book: &domain::account::RiskBook) -> Vec<http_api::ExtraGauge> {
    let labels = vec![("rules".to_string(), book.phase.clone())];
    let gauge = |name: &str, help: &str, value: f64| http_api::ExtraGauge {
        name: name.to_string(),
        help: help.to_string(),
        labels: labels.clone(),
        value,
    };
    vec![
        gauge(
            "rampart_account_daily_loss_utilisation",
            "Share of the account's daily-loss allowance used, 0..1 (1 = at the firm's floor).",
            num(book.daily_utilisation_pct) / 100.0,
        ),
        gauge(
            "rampart_account_max_loss_utilisation",
            "Share of the account's maximum-loss allowance used, 0..1 (1 = at the firm's floor).",
            num(book.total_utilisation_pct) / 100.0,
        ),
        gauge(
            "rampart_account_equity",
            "Account equity as the account rules see it (account currency).",
            num(book.equity.value()),
        ),
        gauge(
            "rampart_account_daily_floor",
            "The firm's daily-loss equity floor now (account currency).",
            num(book.daily_floor.value()),
        ),
        gauge(
            "rampart_account_max_loss_floor",
            "The firm's maximum-loss equity floor now (account currency).",
            num(book.max_loss_floor.value()),
        ),
        gauge(
            "rampart_account_trading_days",
            "Distinct trading days counted by the account rules.",
            f64::from(book.trading_days),
        ),
        gauge(
            "rampart_account_breached",
            "1 when an account-rule floor was breached (new entries blocked).",
            if book.breach.is_some() { 1.0 } else { 0.0 },
        ),
    ]
}

#[async_trait::async_trait]
impl RuntimeView for LiveView {
    fn status(&self) -> serde_json::Value {
        match self.rt.board.latest() {
            Some(s) => serde_json::to_value(s).unwrap_or(serde_json::Value::Null),
            None => serde_json::json!({"status": "starting"}),
        }
    }

    fn metrics(&self) -> MetricsSnapshot {
        let mut m = match self.rt.board.latest() {
            Some(s) => metrics_of(&s, SystemClock.now()),
            None => MetricsSnapshot::default(),
        };
        if let Some(t) = self.telegram.get() {
            for (name, value) in t.snapshot().samples() {
                m.extra_gauges.push(http_api::ExtraGauge {
                    name: name.to_string(),
                    help: "Telegram delivery and command counter since the runtime started."
                        .to_string(),
                    labels: Vec::new(),
                    value: value as f64,
                });
            }
        }
        m
    }

    async fn readiness(&self) -> Result<ReadinessReport, String> {
        self.rt.readiness().await.map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::{TimeZone, Utc};
    use domain::Money;
    use domain::account::AccountMark;
    use ftmo::{Currency, FtmoAccount, FtmoConfig, Product};
    use rust_decimal_macros::dec;

    fn gauge<'a>(gauges: &'a [http_api::ExtraGauge], name: &str) -> &'a http_api::ExtraGauge {
        gauges.iter().find(|g| g.name == name).unwrap()
    }

    #[test]
    fn the_risk_book_becomes_utilisation_gauges_labelled_with_the_rules() {
        let start = Utc.with_ymd_and_hms(2024, 1, 15, 9, 0, 0).unwrap();
        let config = FtmoConfig::new(
            Product::TwoStepChallenge,
            Money::new(dec!(100000)),
            Currency::new("USD").unwrap(),
        )
        .unwrap();
        let mut account = FtmoAccount::new(config, start);
        // 2,500 used: half the 5,000 daily allowance, a quarter of the 10,000 max-loss one.
        let mark = AccountMark {
            at: start,
            equity: Money::new(dec!(97500)),
            balance: Money::new(dec!(100000)),
            open_positions: 1,
        };
        assert!(account.observe(&mark).is_none());
        let gauges = account_gauges(&account.risk_book(start));
        let daily = gauge(&gauges, "rampart_account_daily_loss_utilisation");
        assert!((daily.value - 0.5).abs() < 1e-9, "{}", daily.value);
        assert_eq!(
            daily.labels,
            vec![("rules".to_string(), "ftmo-2step-challenge".to_string())]
        );
        let total = gauge(&gauges, "rampart_account_max_loss_utilisation");
        assert!((total.value - 0.25).abs() < 1e-9, "{}", total.value);
        assert!(gauge(&gauges, "rampart_account_breached").value.abs() < 1e-9);
        assert!((gauge(&gauges, "rampart_account_daily_floor").value - 95_000.0).abs() < 1e-9);

        // Through the guard floor (95,500): breached.
        let mark = AccountMark {
            equity: Money::new(dec!(95400)),
            ..mark
        };
        assert!(account.observe(&mark).is_some());
        let gauges = account_gauges(&account.risk_book(start));
        assert!((gauge(&gauges, "rampart_account_breached").value - 1.0).abs() < 1e-9);
    }
}
