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
        extra_gauges: s
            .risk_book
            .as_ref()
            .map(account_gauges)
            .unwrap_or_default()
            .into_iter()
            .chain(s.venue.as_ref().map(venue_gauges).unwrap_or_default())
            .collect(),
    }
}

/// The exchange adapter's health as gauges, labelled `venue="binance"`: the feed's
/// totals since it started, the measured clock offset and the request weight.
fn venue_gauges(m: &binance::VenueMetrics) -> Vec<http_api::ExtraGauge> {
    let labels = vec![("venue".to_string(), "binance".to_string())];
    let gauge = |name: &str, help: &str, value: f64| http_api::ExtraGauge {
        name: name.to_string(),
        help: help.to_string(),
        labels: labels.clone(),
        value,
    };
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let mut out = vec![
        gauge(
            "rampart_venue_feed_connected",
            "1 while the exchange stream is connected.",
            flag(m.connected),
        ),
        gauge(
            "rampart_venue_feed_reconnects",
            "Stream redials since the feed started (any cause).",
            m.reconnects as f64,
        ),
        gauge(
            "rampart_venue_feed_watchdog_timeouts",
            "Stream connections dropped by the silence watchdog since the feed started.",
            m.watchdog_timeouts as f64,
        ),
        gauge(
            "rampart_venue_feed_forced_reconnects",
            "Stream connections closed on purpose before the exchange's 24 h cut.",
            m.forced_reconnects as f64,
        ),
        gauge(
            "rampart_venue_feed_malformed_frames",
            "Stream frames skipped as unreadable since the feed started.",
            m.malformed_frames as f64,
        ),
        gauge(
            "rampart_venue_feed_backfilled_candles",
            "Candles delivered from REST (gap backfill, polling fallback) since the feed started.",
            m.backfilled_candles as f64,
        ),
        gauge(
            "rampart_venue_feed_stream_candles",
            "Candles delivered from the stream since the feed started.",
            m.stream_candles as f64,
        ),
        gauge(
            "rampart_venue_feed_trades",
            "Trades delivered from the stream since the feed started.",
            m.trades as f64,
        ),
        gauge(
            "rampart_venue_feed_missed_trades",
            "Trade ids skipped over (not seen, e.g. while disconnected) since the feed started.",
            m.missed_trades as f64,
        ),
        gauge(
            "rampart_venue_weight_limit_per_minute",
            "Request weight per minute the adapter may use.",
            f64::from(m.weight_limit_per_minute),
        ),
        gauge(
            "rampart_venue_banned",
            "1 while an IP ban (HTTP 418) stops every request.",
            flag(m.banned),
        ),
        gauge(
            "rampart_venue_rate_limited",
            "1 while a 429 Retry-After holds requests back.",
            flag(m.rate_limited),
        ),
        gauge(
            "rampart_venue_circuit_open",
            "1 while the order-entry circuit breaker is open.",
            flag(m.circuit_open),
        ),
    ];
    if let Some(ms) = m.clock_offset_ms {
        out.push(gauge(
            "rampart_venue_clock_offset_seconds",
            "Exchange server clock minus the local clock, seconds (readiness says NO_GO beyond the configured limit).",
            ms as f64 / 1000.0,
        ));
    }
    if let Some(w) = m.used_weight {
        out.push(gauge(
            "rampart_venue_used_weight",
            "Request weight used in the current minute, as the exchange last reported it.",
            f64::from(w),
        ));
    }
    out
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

    #[test]
    fn venue_metrics_become_gauges_and_unknown_figures_stay_out() {
        let mut m = binance::VenueMetrics {
            reconnects: 3,
            watchdog_timeouts: 1,
            forced_reconnects: 0,
            malformed_frames: 2,
            backfilled_candles: 7,
            stream_candles: 120,
            trades: 0,
            duplicate_trades: 0,
            missed_trades: 0,
            connected: true,
            clock_offset_ms: Some(-250),
            clock_offset_ok: Some(true),
            used_weight: Some(42),
            weight_limit_per_minute: 6_000,
            banned: false,
            banned_until: None,
            rate_limited: true,
            rate_limited_until: None,
            circuit_open: false,
        };
        let gauges = venue_gauges(&m);
        let value = |name: &str| gauge(&gauges, name).value;
        assert!((value("rampart_venue_clock_offset_seconds") + 0.25).abs() < 1e-9);
        assert!((value("rampart_venue_feed_reconnects") - 3.0).abs() < 1e-9);
        assert!((value("rampart_venue_feed_backfilled_candles") - 7.0).abs() < 1e-9);
        assert!((value("rampart_venue_used_weight") - 42.0).abs() < 1e-9);
        assert!((value("rampart_venue_feed_connected") - 1.0).abs() < 1e-9);
        assert!((value("rampart_venue_rate_limited") - 1.0).abs() < 1e-9);
        assert!(value("rampart_venue_banned").abs() < 1e-9);
        assert_eq!(
            gauge(&gauges, "rampart_venue_feed_reconnects").labels,
            vec![("venue".to_string(), "binance".to_string())]
        );
        // Every name is new to the exporter (it refuses to reuse a built-in one).
        assert!(
            gauges
                .iter()
                .all(|g| !http_api::names::ALL.contains(&g.name.as_str()))
        );
        // Not measured yet: left out rather than exported as 0.
        m.clock_offset_ms = None;
        m.used_weight = None;
        let gauges = venue_gauges(&m);
        assert!(
            !gauges
                .iter()
                .any(|g| g.name == "rampart_venue_clock_offset_seconds"
                    || g.name == "rampart_venue_used_weight")
        );
    }
}
