//! The intraday activity curve: `a(h) = floor + Σ weight_j exp(-d(h, centre_j)² / 2 width_j²)`
//! over the UTC hour `h`, with `d` the distance around the clock, divided by its daily mean
//! so that `s(h)` averages 1 over a day. Volume is proportional to `s`, volatility to `√s`
//! (variance proportional to activity), so neither the mean volume nor the daily variance
//! changes with the shape of the profile.

use chrono::Timelike;
use domain::Timestamp;

use crate::config::{IntradayProfile, SessionPeak};

/// Minutes at which the daily mean is taken.
const MINUTES_PER_DAY: u32 = 1_440;

/// The normalised activity curve of one market.
#[derive(Debug, Clone)]
pub(crate) struct IntradayCurve {
    floor: f64,
    sessions: Vec<SessionPeak>,
    /// `1 / mean(a)` over the minutes of a day.
    norm: f64,
}

impl IntradayCurve {
    pub(crate) fn new(profile: &IntradayProfile) -> Self {
        let mut curve = Self {
            floor: profile.floor,
            sessions: profile.sessions.clone(),
            norm: 1.0,
        };
        let total: f64 = (0..MINUTES_PER_DAY)
            .map(|m| curve.raw(f64::from(m) / 60.0))
            .sum();
        curve.norm = f64::from(MINUTES_PER_DAY) / total;
        curve
    }

    /// Activity at `ts` (daily mean 1).
    pub(crate) fn activity(&self, ts: Timestamp) -> f64 {
        let hour = f64::from(ts.num_seconds_from_midnight()) / 3_600.0;
        self.raw(hour) * self.norm
    }

    fn raw(&self, hour: f64) -> f64 {
        self.floor
            + self
                .sessions
                .iter()
                .map(|s| {
                    let d = (hour - s.centre_hour_utc).abs();
                    let d = d.min(24.0 - d);
                    s.weight * libm::exp(-0.5 * (d / s.width_hours) * (d / s.width_hours))
                })
                .sum::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MarketModel;
    use chrono::{TimeZone, Utc};

    fn at(hour: u32, minute: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2024, 3, 5, hour, minute, 0).unwrap()
    }

    #[test]
    fn averages_one_over_a_day() {
        let curve = IntradayCurve::new(&MarketModel::crypto().intraday);
        let mean = (0..1_440)
            .map(|m| curve.activity(at(m / 60, m % 60)))
            .sum::<f64>()
            / 1_440.0;
        assert!((mean - 1.0).abs() < 1e-12, "{mean}");
    }

    #[test]
    fn us_afternoon_is_busier_than_the_european_early_morning() {
        let curve = IntradayCurve::new(&MarketModel::crypto().intraday);
        let busiest = curve.activity(at(16, 0));
        let quietest = curve.activity(at(5, 0));
        assert!(busiest / quietest > 1.8, "{busiest} / {quietest}");
    }

    #[test]
    fn a_session_wraps_around_midnight() {
        let profile = IntradayProfile {
            floor: 1.0,
            sessions: vec![SessionPeak {
                centre_hour_utc: 23.5,
                width_hours: 1.0,
                weight: 1.0,
            }],
        };
        let curve = IntradayCurve::new(&profile);
        let before = curve.activity(at(23, 0));
        let after = curve.activity(at(0, 0));
        assert!((before - after).abs() < 1e-12, "{before} vs {after}");
    }

    #[test]
    fn a_flat_profile_is_one_everywhere() {
        let curve = IntradayCurve::new(&IntradayProfile {
            floor: 3.0,
            sessions: Vec::new(),
        });
        assert!((curve.activity(at(7, 13)) - 1.0).abs() < 1e-12);
    }
}
