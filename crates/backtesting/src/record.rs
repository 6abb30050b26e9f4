//! What a run records as it streams: after every engine event, the audit events go
//! to `audit.jsonl`, closed trades to `trades.csv` and the metrics accumulator, and
//! the equity (once per timestamp, after every symbol's bar at that time) to the
//! metrics and the bounded equity series behind `equity.csv` and `equity.png`.
//!
//! Memory stays bounded whatever the run's length: files are written as the run
//! goes and the equity series is thinned to at most [`MAX_EQUITY_ROWS`] rows.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use backtest_metrics::{BacktestMetrics, MetricsBuilder};
use chrono::SecondsFormat;
use domain::{AuditEvent, ClosedTrade, Money, PositionSide, Timestamp};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::BacktestError;
use crate::preservation::{PreservationSummary, PreservationTrack};

/// Most rows `equity.csv` holds: above that, every 2nd, 4th, 8th... bar is kept.
pub const MAX_EQUITY_ROWS: usize = 100_000;
/// Decimal places of money and ratios in the CSV files.
const CSV_DP: u32 = 8;

/// File names of the artifacts of a run directory.
pub mod names {
    /// Configuration and metrics.
    pub const RESULT: &str = "result.json";
    /// One row per closed trade.
    pub const TRADES: &str = "trades.csv";
    /// The equity curve and drawdown.
    pub const EQUITY: &str = "equity.csv";
    /// Every audit event of the run, one JSON object per line.
    pub const AUDIT: &str = "audit.jsonl";
    /// Equity (top) and drawdown (bottom) chart.
    pub const CHART: &str = "equity.png";
}

/// Header of `trades.csv`.
pub const TRADES_HEADER: &str =
    "symbol,side,entry_time,entry_price,exit_time,exit_price,qty,fees,pnl";
/// Header of `equity.csv`.
pub const EQUITY_HEADER: &str = "ts,equity,drawdown,in_market";

/// One point of the equity curve (valued at a bar's close time).
#[derive(Debug, Clone, PartialEq)]
pub struct EquityPoint {
    /// Close time of the bar(s) the equity is valued at.
    pub ts: Timestamp,
    /// Equity after that time's fills and marks.
    pub equity: Money,
    /// `(peak - equity) / peak`, peak starting at the initial capital.
    pub drawdown: Decimal,
    /// Whether any position was open.
    pub in_market: bool,
}

/// The equity curve, thinned by powers of two to stay under [`MAX_EQUITY_ROWS`].
#[derive(Debug, Clone)]
pub struct EquitySeries {
    max_rows: usize,
    stride: u64,
    seen: u64,
    peak: Decimal,
    rows: Vec<EquityPoint>,
    last: Option<EquityPoint>,
}

impl EquitySeries {
    /// An empty curve starting at `initial` (the first peak), keeping at most `max_rows` rows.
    pub fn new(initial: Money, max_rows: usize) -> Self {
        Self {
            max_rows: max_rows.max(2),
            stride: 1,
            seen: 0,
            peak: initial.value(),
            rows: Vec::new(),
            last: None,
        }
    }

    /// Adds one observation.
    pub fn push(&mut self, ts: Timestamp, equity: Money, in_market: bool) {
        let value = equity.value();
        if value > self.peak {
            self.peak = value;
        }
        let drawdown = if self.peak > Decimal::ZERO {
            ((self.peak - value) / self.peak).max(Decimal::ZERO)
        } else {
            Decimal::ZERO
        };
        let point = EquityPoint {
            ts,
            equity,
            drawdown,
            in_market,
        };
        if self.seen.is_multiple_of(self.stride) {
            self.rows.push(point.clone());
            // Keep room for the last point, which is always written.
            if self.rows.len() >= self.max_rows {
                let mut i = 0;
                self.rows.retain(|_| {
                    let keep = i % 2 == 0;
                    i += 1;
                    keep
                });
                self.stride *= 2;
            }
        }
        self.seen += 1;
        self.last = Some(point);
    }

    /// Observations pushed (before thinning).
    pub fn observations(&self) -> u64 {
        self.seen
    }

    /// Every `stride`-th observation is kept.
    pub fn stride(&self) -> u64 {
        self.stride
    }

    /// The kept rows, always ending with the last observation.
    pub fn into_rows(self) -> Vec<EquityPoint> {
        let mut rows = self.rows;
        if let Some(last) = self.last
            && rows.last() != Some(&last)
        {
            rows.push(last);
        }
        rows
    }
}

/// One audit line: a sequence number, the simulated time, then the event's own fields
/// (`type` first). `ts` is a key no event uses itself.
#[derive(Serialize)]
struct AuditLine<'a> {
    seq: u64,
    ts: Timestamp,
    #[serde(flatten)]
    event: &'a AuditEvent,
}

/// Streams a run's records into its (staging) directory and the metrics accumulator.
pub struct Recorder {
    dir: PathBuf,
    metrics: MetricsBuilder,
    equity: EquitySeries,
    audit: BufWriter<File>,
    trades: BufWriter<File>,
    audit_seq: u64,
    trade_count: u64,
    pending: Option<(Timestamp, Money, bool)>,
    preservation: PreservationTrack,
}

impl Recorder {
    /// Creates `audit.jsonl` and `trades.csv` in `dir`.
    pub fn create(dir: &Path, initial_capital: Money) -> Result<Self, BacktestError> {
        let open = |name: &str| -> Result<BufWriter<File>, BacktestError> {
            let path = dir.join(name);
            File::create(&path)
                .map(|f| BufWriter::with_capacity(256 * 1024, f))
                .map_err(BacktestError::io(path))
        };
        let audit = open(names::AUDIT)?;
        let mut trades = open(names::TRADES)?;
        writeln!(trades, "{TRADES_HEADER}").map_err(BacktestError::io(dir.join(names::TRADES)))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            metrics: MetricsBuilder::new(initial_capital)?,
            equity: EquitySeries::new(initial_capital, MAX_EQUITY_ROWS),
            audit,
            trades,
            audit_seq: 0,
            trade_count: 0,
            pending: None,
            preservation: PreservationTrack::default(),
        })
    }

    /// Records what one engine event produced. `ts` is the bar's close time; the equity
    /// is observed once per distinct `ts`, after the last symbol's bar at that time.
    pub fn after_event(
        &mut self,
        ts: Timestamp,
        at: Timestamp,
        events: &[AuditEvent],
        closed: &[ClosedTrade],
        equity: Money,
        in_market: bool,
    ) -> Result<(), BacktestError> {
        if let Some((pending_ts, _, _)) = self.pending
            && pending_ts != ts
        {
            self.flush_equity()?;
        }
        self.preservation.observe(ts);
        for event in events {
            self.record_event(at, event)?;
        }
        for trade in closed {
            self.metrics.record_trade(trade);
            self.write_trade(trade)?;
        }
        self.pending = Some((ts, equity, in_market));
        Ok(())
    }

    fn flush_equity(&mut self) -> Result<(), BacktestError> {
        if let Some((ts, equity, in_market)) = self.pending.take() {
            self.metrics.observe_equity(ts, equity, in_market)?;
            self.equity.push(ts, equity, in_market);
        }
        Ok(())
    }

    fn record_event(&mut self, at: Timestamp, event: &AuditEvent) -> Result<(), BacktestError> {
        match event {
            AuditEvent::SignalGenerated { signal } => self.metrics.record_signal_tier(signal.tier),
            AuditEvent::TradeRejected { reasons, .. } => {
                self.preservation.rejected(reasons);
                for r in reasons {
                    self.metrics.record_rejection(r);
                }
            }
            AuditEvent::TurnoverBlocked { reasons, .. } => {
                for r in reasons {
                    self.metrics.record_block(r);
                }
            }
            AuditEvent::OrderFilled { fill } => self.metrics.record_fee(fill.fee),
            AuditEvent::LevelChanged { change } => {
                self.metrics.record_level_transition(change.from, change.to);
                self.preservation.change(change.to, change.at);
            }
            _ => {}
        }
        self.audit_seq += 1;
        let line = AuditLine {
            seq: self.audit_seq,
            ts: at,
            event,
        };
        let path = || self.dir.join(names::AUDIT);
        serde_json::to_writer(&mut self.audit, &line).map_err(|e| BacktestError::Artifact {
            artifact: names::AUDIT,
            message: e.to_string(),
        })?;
        self.audit
            .write_all(b"\n")
            .map_err(BacktestError::io(path()))
    }

    fn write_trade(&mut self, t: &ClosedTrade) -> Result<(), BacktestError> {
        self.trade_count += 1;
        let sign = match t.side {
            PositionSide::Long => Decimal::ONE,
            PositionSide::Short => Decimal::NEGATIVE_ONE,
        };
        let gross = (t.exit_price.value() - t.entry_price.value()) * t.qty.value() * sign;
        let fees = gross - t.net_pnl.value();
        let side = match t.side {
            PositionSide::Long => "long",
            PositionSide::Short => "short",
        };
        writeln!(
            self.trades,
            "{},{},{},{},{},{},{},{},{}",
            t.symbol,
            side,
            rfc3339(t.opened_at),
            t.entry_price.value().normalize(),
            rfc3339(t.closed_at),
            t.exit_price.value().normalize(),
            t.qty.value().normalize(),
            csv_decimal(fees),
            csv_decimal(t.net_pnl.value()),
        )
        .map_err(BacktestError::io(self.dir.join(names::TRADES)))
    }

    /// Closed trades written so far.
    pub fn trades_written(&self) -> u64 {
        self.trade_count
    }

    /// Audit events written so far.
    pub fn audit_events(&self) -> u64 {
        self.audit_seq
    }

    /// Flushes the files and returns the metrics (with `open_trades` positions still open),
    /// the equity series and what capital preservation did up to `end`.
    pub fn finish(mut self, open_trades: usize, end: Timestamp) -> Result<Finished, BacktestError> {
        self.flush_equity()?;
        self.audit
            .flush()
            .map_err(BacktestError::io(self.dir.join(names::AUDIT)))?;
        self.trades
            .flush()
            .map_err(BacktestError::io(self.dir.join(names::TRADES)))?;
        Ok(Finished {
            metrics: self.metrics.finish(open_trades),
            equity: self.equity,
            preservation: self.preservation.finish(end),
        })
    }
}

/// What a finished recording hands to the report.
pub struct Finished {
    /// The metrics.
    pub metrics: BacktestMetrics,
    /// The equity series.
    pub equity: EquitySeries,
    /// The `capital_preservation` section.
    pub preservation: PreservationSummary,
}

/// Writes `equity.csv` from the kept rows.
pub fn write_equity_csv(path: &Path, rows: &[EquityPoint]) -> Result<(), BacktestError> {
    let file = File::create(path).map_err(BacktestError::io(path))?;
    let mut out = BufWriter::new(file);
    let mut write = || -> std::io::Result<()> {
        writeln!(out, "{EQUITY_HEADER}")?;
        for r in rows {
            writeln!(
                out,
                "{},{},{},{}",
                rfc3339(r.ts),
                csv_decimal(r.equity.value()),
                csv_decimal(r.drawdown),
                u8::from(r.in_market)
            )?;
        }
        out.flush()
    };
    write().map_err(BacktestError::io(path))
}

/// RFC 3339 in UTC with a `Z` and whole seconds (sub-second parts when present).
pub fn rfc3339(ts: Timestamp) -> String {
    ts.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn csv_decimal(d: Decimal) -> Decimal {
    d.round_dp(CSV_DP).normalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use rust_decimal_macros::dec;

    fn t(i: i64) -> Timestamp {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(i)
    }

    #[test]
    fn equity_series_thins_by_powers_of_two_and_keeps_the_last_point() {
        let mut s = EquitySeries::new(Money::new(dec!(100)), 10);
        for i in 0..1000 {
            s.push(t(i), Money::new(Decimal::from(100 + i)), false);
        }
        assert_eq!(s.observations(), 1000);
        let stride = s.stride();
        assert!(stride.is_power_of_two() && stride > 1);
        let rows = s.into_rows();
        assert!(rows.len() <= 10, "{}", rows.len());
        assert_eq!(rows[0].ts, t(0));
        assert_eq!(rows.last().unwrap().ts, t(999));
        // Kept rows are evenly spaced by the stride (but for the appended last one).
        for w in rows[..rows.len() - 1].windows(2) {
            assert_eq!(w[1].ts - w[0].ts, Duration::minutes(stride as i64));
        }
    }

    #[test]
    fn drawdown_is_measured_from_the_running_peak_starting_at_the_capital() {
        let mut s = EquitySeries::new(Money::new(dec!(100)), 100);
        s.push(t(0), Money::new(dec!(90)), true);
        s.push(t(1), Money::new(dec!(120)), true);
        s.push(t(2), Money::new(dec!(60)), false);
        let dd: Vec<Decimal> = s.into_rows().iter().map(|r| r.drawdown).collect();
        assert_eq!(dd, [dec!(0.1), dec!(0), dec!(0.5)]);
    }

    #[test]
    fn audit_lines_carry_seq_time_and_the_event_type() {
        let event = AuditEvent::KillSwitchActivated {
            source: domain::KillSwitchSource::File {
                path: "data/kill_switch".into(),
            },
            at: t(0),
            requested_at: None,
        };
        let line = AuditLine {
            seq: 3,
            ts: t(1),
            event: &event,
        };
        let v: serde_json::Value = serde_json::to_value(&line).unwrap();
        assert_eq!(v["seq"], 3);
        assert_eq!(v["type"], "kill_switch_activated");
        assert_eq!(v["ts"], "2024-01-01T00:01:00Z");
        assert_eq!(v["at"], "2024-01-01T00:00:00Z");
    }
}
