//! Block-rate statistics: the share of evaluations the governor blocked over a
//! rolling window, and whether it sits in the healthy band (default 5%–70%).
//!
//! A block rate near zero means the rules never bite (too loose); near one means
//! the strategy is throttled into uselessness (too tight). Readiness reports this.
//!
//! Counts are kept in one bucket per UTC minute, and buckets older than the window
//! are dropped on every record, so memory stays bounded by the window length
//! (1,440 buckets for 24 h) however long the runtime runs. A blocked evaluation
//! counts once as blocked and once under *each* failing reason, so the per-reason
//! counts may add up to more than the blocked count.

use std::collections::BTreeMap;

use chrono::Duration;
use domain::{BlockReason, Ratio, Timestamp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Where the block rate sits relative to the healthy band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockRateVerdict {
    /// Inside the band (bounds included).
    Healthy,
    /// Below the band: the rules rarely block; consider tightening.
    TooLoose,
    /// Above the band: the rules block most decisions; consider relaxing.
    TooTight,
    /// Too few evaluations in the window to judge.
    InsufficientData,
}

/// Blocks per reason, keyed by [`BlockReason::code`] when listed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCounts {
    /// `min_interval` blocks.
    pub min_interval: u64,
    /// `daily_cap` blocks.
    pub daily_cap: u64,
    /// `expected_value_below_cost` blocks.
    pub expected_value_below_cost: u64,
    /// `confidence_too_low` blocks.
    pub confidence_too_low: u64,
    /// `loss_cooldown` blocks.
    pub loss_cooldown: u64,
}

impl ReasonCounts {
    /// Counts one occurrence of `reason`.
    pub fn add(&mut self, reason: &BlockReason) {
        let slot = match reason {
            BlockReason::MinInterval { .. } => &mut self.min_interval,
            BlockReason::DailyCap { .. } => &mut self.daily_cap,
            BlockReason::ExpectedValueBelowCost { .. } => &mut self.expected_value_below_cost,
            BlockReason::ConfidenceTooLow { .. } => &mut self.confidence_too_low,
            BlockReason::LossCooldown { .. } => &mut self.loss_cooldown,
        };
        *slot = slot.saturating_add(1);
    }

    /// Every reason code with its count, zeros included (stable keys for dashboards).
    pub fn by_code(&self) -> BTreeMap<&'static str, u64> {
        BTreeMap::from([
            ("min_interval", self.min_interval),
            ("daily_cap", self.daily_cap),
            ("expected_value_below_cost", self.expected_value_below_cost),
            ("confidence_too_low", self.confidence_too_low),
            ("loss_cooldown", self.loss_cooldown),
        ])
    }

    fn absorb(&mut self, other: &ReasonCounts) {
        self.min_interval = self.min_interval.saturating_add(other.min_interval);
        self.daily_cap = self.daily_cap.saturating_add(other.daily_cap);
        self.expected_value_below_cost = self
            .expected_value_below_cost
            .saturating_add(other.expected_value_below_cost);
        self.confidence_too_low = self
            .confidence_too_low
            .saturating_add(other.confidence_too_low);
        self.loss_cooldown = self.loss_cooldown.saturating_add(other.loss_cooldown);
    }
}

/// Counts of one minute.
///
/// Persisted with every engine state snapshot, up to 1,440 of them, so it is written as a
/// compact array `[evaluated, blocked, min_interval, daily_cap, expected_value_below_cost,
/// confidence_too_low, loss_cooldown]` (about 20 bytes instead of 170); the earlier object form
/// is still read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "StoredBucket")]
struct MinuteBucket {
    evaluated: u64,
    blocked: u64,
    by_reason: ReasonCounts,
}

impl Serialize for MinuteBucket {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = &self.by_reason;
        [
            self.evaluated,
            self.blocked,
            r.min_interval,
            r.daily_cap,
            r.expected_value_below_cost,
            r.confidence_too_low,
            r.loss_cooldown,
        ]
        .serialize(serializer)
    }
}

/// The stored forms of a [`MinuteBucket`].
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredBucket {
    Compact([u64; 7]),
    Object {
        evaluated: u64,
        blocked: u64,
        by_reason: ReasonCounts,
    },
}

impl From<StoredBucket> for MinuteBucket {
    fn from(stored: StoredBucket) -> Self {
        match stored {
            StoredBucket::Compact(
                [evaluated, blocked, min_interval, daily_cap, ev, conf, loss],
            ) => MinuteBucket {
                evaluated,
                blocked,
                by_reason: ReasonCounts {
                    min_interval,
                    daily_cap,
                    expected_value_below_cost: ev,
                    confidence_too_low: conf,
                    loss_cooldown: loss,
                },
            },
            StoredBucket::Object {
                evaluated,
                blocked,
                by_reason,
            } => MinuteBucket {
                evaluated,
                blocked,
                by_reason,
            },
        }
    }
}

/// Rolling per-minute counts of evaluations and blocks (serialisable, to persist).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRateWindow {
    /// Keyed by minutes since the Unix epoch.
    buckets: BTreeMap<i64, MinuteBucket>,
}

/// The block-rate figures over the window ending at a given time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockRateReport {
    /// Window length in hours.
    pub window_hours: u32,
    /// Evaluations in the window.
    pub evaluated: u64,
    /// Blocked evaluations in the window.
    pub blocked: u64,
    /// `blocked / evaluated`, `None` without evaluations.
    pub block_rate: Option<Ratio>,
    /// Verdict against the healthy band.
    pub verdict: BlockRateVerdict,
    /// Blocks per reason code (an evaluation can count under several).
    pub by_reason: BTreeMap<&'static str, u64>,
}

fn minute_of(ts: Timestamp) -> i64 {
    ts.timestamp().div_euclid(60)
}

/// The first minute inside a window of `window` ending at `now`.
fn window_start(now: Timestamp, window: Duration) -> i64 {
    minute_of(now)
        .saturating_sub(window.num_minutes())
        .saturating_add(1)
}

impl BlockRateWindow {
    /// Records one evaluation at `now` (blocked when `reasons` is not empty) and
    /// drops buckets that fell out of `window`.
    pub(crate) fn record(&mut self, now: Timestamp, reasons: &[BlockReason], window: Duration) {
        let bucket = self.buckets.entry(minute_of(now)).or_default();
        bucket.evaluated = bucket.evaluated.saturating_add(1);
        if !reasons.is_empty() {
            bucket.blocked = bucket.blocked.saturating_add(1);
            for reason in reasons {
                bucket.by_reason.add(reason);
            }
        }
        let kept = self.buckets.split_off(&window_start(now, window));
        self.buckets = kept;
    }

    /// Evaluated, blocked and per-reason totals over the `window` ending at `now`.
    pub(crate) fn totals(&self, now: Timestamp, window: Duration) -> (u64, u64, ReasonCounts) {
        let mut evaluated = 0u64;
        let mut blocked = 0u64;
        let mut by_reason = ReasonCounts::default();
        for bucket in self
            .buckets
            .range(window_start(now, window)..=minute_of(now))
            .map(|(_, b)| b)
        {
            evaluated = evaluated.saturating_add(bucket.evaluated);
            blocked = blocked.saturating_add(bucket.blocked);
            by_reason.absorb(&bucket.by_reason);
        }
        (evaluated, blocked, by_reason)
    }

    /// Number of minute buckets held (bounded by the window length).
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }
}

/// `blocked / evaluated`, `None` without evaluations.
pub(crate) fn rate(evaluated: u64, blocked: u64) -> Option<Ratio> {
    Decimal::from(blocked)
        .checked_div(Decimal::from(evaluated))
        .map(Ratio::from_fraction)
}

/// The verdict for a rate, given the band in percent and the minimum sample.
pub(crate) fn verdict(
    evaluated: u64,
    rate: Option<Ratio>,
    min_evaluations: u32,
    band_pct: (Decimal, Decimal),
) -> BlockRateVerdict {
    let Some(rate) = rate else {
        return BlockRateVerdict::InsufficientData;
    };
    if evaluated < u64::from(min_evaluations.max(1)) {
        return BlockRateVerdict::InsufficientData;
    }
    let (min, max) = band_pct;
    if rate < Ratio::from_pct(min) {
        BlockRateVerdict::TooLoose
    } else if rate > Ratio::from_pct(max) {
        BlockRateVerdict::TooTight
    } else {
        BlockRateVerdict::Healthy
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::at;
    use domain::{Confidence, Ratio};

    fn every_reason() -> Vec<BlockReason> {
        vec![
            BlockReason::MinInterval {
                elapsed_minutes: 1,
                required_minutes: 60,
            },
            BlockReason::DailyCap { count: 3, max: 3 },
            BlockReason::ExpectedValueBelowCost {
                expected_edge: Ratio::ZERO,
                required: Ratio::ZERO,
            },
            BlockReason::ConfidenceTooLow {
                confidence: Confidence::ZERO,
                min: Confidence::ONE,
            },
            BlockReason::LossCooldown {
                consecutive_losses: 2,
                until: at(0),
            },
        ]
    }

    #[test]
    fn reason_counts_are_keyed_by_the_domain_codes() {
        let mut counts = ReasonCounts::default();
        for reason in every_reason() {
            counts.add(&reason);
        }
        let by_code = counts.by_code();
        for reason in every_reason() {
            assert_eq!(by_code.get(reason.code()), Some(&1), "{}", reason.code());
        }
        assert_eq!(by_code.len(), every_reason().len());
    }

    #[test]
    fn memory_stays_bounded_by_the_window() {
        let mut w = BlockRateWindow::default();
        let window = Duration::hours(1);
        for minute in 0..600 {
            w.record(at(minute), &[], window);
        }
        assert_eq!(w.bucket_count(), 60);
        assert_eq!(w.totals(at(599), window).0, 60);
    }

    #[test]
    fn buckets_persist_compactly_and_round_trip() {
        let mut w = BlockRateWindow::default();
        let window = Duration::hours(24);
        let reasons = every_reason();
        w.record(at(0), &reasons, window);
        w.record(at(0), &reasons[3..], window);
        w.record(at(1), &[], window);
        let json = serde_json::to_string(&w).unwrap();
        let minute = at(0).timestamp().div_euclid(60);
        assert!(
            json.contains(&format!("\"{minute}\":[2,2,1,1,1,2,2]")),
            "{json}"
        );
        let back: BlockRateWindow = serde_json::from_str(&json).unwrap();
        assert_eq!(back, w);
    }

    #[test]
    fn the_earlier_object_form_is_still_read() {
        let legacy = r#"{"buckets":{"28442843":{"blocked":1,"by_reason":{"confidence_too_low":0,"daily_cap":0,"expected_value_below_cost":1,"loss_cooldown":0,"min_interval":0},"evaluated":3}}}"#;
        let w: BlockRateWindow = serde_json::from_str(legacy).unwrap();
        let now = Timestamp::from_timestamp(28_442_843 * 60, 0).unwrap();
        let (evaluated, blocked, by_reason) = w.totals(now, Duration::hours(24));
        assert_eq!((evaluated, blocked), (3, 1));
        assert_eq!(by_reason.expected_value_below_cost, 1);
        assert_eq!(by_reason.confidence_too_low, 0);
    }
}
