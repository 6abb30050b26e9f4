//! `Interval`: the fixed length of one bar (`1m`, `1h`, `1d`), parsed from the short
//! spellings exchanges use. A candle closes `interval` after it opens.

use std::fmt;
use std::str::FromStr;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::error::ReplayError;

/// The fixed, strictly positive length of one bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Interval(TimeDelta);

/// Units accepted in interval texts, largest first (used to print the shortest form).
const UNITS: [(&str, i64); 5] = [
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
];

impl Interval {
    /// One second.
    pub const ONE_SECOND: Interval = Interval(TimeDelta::seconds(1));
    /// One minute.
    pub const ONE_MINUTE: Interval = Interval(TimeDelta::minutes(1));
    /// Five minutes.
    pub const FIVE_MINUTES: Interval = Interval(TimeDelta::minutes(5));
    /// Fifteen minutes.
    pub const FIFTEEN_MINUTES: Interval = Interval(TimeDelta::minutes(15));
    /// One hour.
    pub const ONE_HOUR: Interval = Interval(TimeDelta::hours(1));
    /// Four hours.
    pub const FOUR_HOURS: Interval = Interval(TimeDelta::hours(4));
    /// One day.
    pub const ONE_DAY: Interval = Interval(TimeDelta::days(1));

    /// Builds an interval from a duration, which must be strictly positive.
    pub fn new(duration: TimeDelta) -> Result<Self, ReplayError> {
        if duration > TimeDelta::zero() {
            Ok(Self(duration))
        } else {
            Err(ReplayError::InvalidInterval {
                text: format!("{duration}"),
                reason: "must be longer than zero",
            })
        }
    }

    /// The length of one bar.
    pub fn duration(self) -> TimeDelta {
        self.0
    }

    /// How many whole bars of this interval fit in `span` (negative spans give 0).
    pub(crate) fn bars_in(self, span: TimeDelta) -> u64 {
        let (Some(span), Some(step)) = (span.num_microseconds(), self.0.num_microseconds()) else {
            // Spans of more than ~292,000 years: fall back to millisecond resolution.
            let step = self.0.num_milliseconds().max(1);
            return u64::try_from(span.num_milliseconds() / step).unwrap_or(0);
        };
        u64::try_from(span / step.max(1)).unwrap_or(0)
    }
}

impl FromStr for Interval {
    type Err = ReplayError;

    /// Parses `<count><unit>` with unit `s`, `m`, `h`, `d` or `w`: `1m`, `15m`, `4h`, `1d`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |reason| ReplayError::InvalidInterval {
            text: text.to_string(),
            reason,
        };
        let trimmed = text.trim();
        let digits_end = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| invalid("expected a count and a unit, e.g. 1m, 15m, 1h, 4h, 1d"))?;
        let (count, unit) = trimmed.split_at(digits_end);
        let count: i64 = count
            .parse()
            .map_err(|_| invalid("expected a count and a unit, e.g. 1m, 15m, 1h, 4h, 1d"))?;
        if unit == "M" {
            return Err(invalid(
                "calendar months have no fixed length; use s, m, h, d or w",
            ));
        }
        let unit_ms = UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, ms)| *ms)
            .ok_or_else(|| invalid("unit must be s, m, h, d or w"))?;
        let ms = count
            .checked_mul(unit_ms)
            .ok_or_else(|| invalid("too long"))?;
        let duration = TimeDelta::try_milliseconds(ms).ok_or_else(|| invalid("too long"))?;
        if duration <= TimeDelta::zero() {
            return Err(invalid("must be longer than zero"));
        }
        Ok(Self(duration))
    }
}

impl fmt::Display for Interval {
    /// The shortest exact spelling: `1m`, `4h`, `1d`, or milliseconds (`1500ms`) as a last resort.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.num_milliseconds();
        let sub_ms = self.0 - TimeDelta::milliseconds(ms);
        if sub_ms.is_zero() {
            for (name, unit_ms) in UNITS {
                if ms % unit_ms == 0 {
                    return write!(f, "{}{name}", ms / unit_ms);
                }
            }
            return write!(f, "{ms}ms");
        }
        write!(f, "{}us", self.0.num_microseconds().unwrap_or(i64::MAX))
    }
}

impl TryFrom<String> for Interval {
    type Error = ReplayError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Interval> for String {
    fn from(value: Interval) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exchange_spellings() {
        assert_eq!("1m".parse::<Interval>().unwrap(), Interval::ONE_MINUTE);
        assert_eq!(
            "15m".parse::<Interval>().unwrap(),
            Interval::FIFTEEN_MINUTES
        );
        assert_eq!("1h".parse::<Interval>().unwrap(), Interval::ONE_HOUR);
        assert_eq!("4h".parse::<Interval>().unwrap(), Interval::FOUR_HOURS);
        assert_eq!("1d".parse::<Interval>().unwrap(), Interval::ONE_DAY);
        assert_eq!("1s".parse::<Interval>().unwrap(), Interval::ONE_SECOND);
        assert_eq!(
            "1w".parse::<Interval>().unwrap().duration(),
            TimeDelta::days(7)
        );
    }

    #[test]
    fn rejects_zero_months_and_garbage() {
        for bad in ["0m", "1M", "m", "1", "1y", "", "-1h", "1.5h"] {
            assert!(bad.parse::<Interval>().is_err(), "{bad} should be rejected");
        }
        assert!(Interval::new(TimeDelta::zero()).is_err());
        assert!(Interval::new(TimeDelta::seconds(-60)).is_err());
    }

    #[test]
    fn displays_the_shortest_exact_spelling() {
        assert_eq!(Interval::ONE_MINUTE.to_string(), "1m");
        assert_eq!(
            Interval::new(TimeDelta::minutes(120)).unwrap().to_string(),
            "2h"
        );
        assert_eq!(
            Interval::new(TimeDelta::seconds(90)).unwrap().to_string(),
            "90s"
        );
        assert_eq!(
            Interval::new(TimeDelta::milliseconds(1500))
                .unwrap()
                .to_string(),
            "1500ms"
        );
    }

    #[test]
    fn serialises_as_its_spelling() {
        let json = serde_json::to_string(&Interval::ONE_HOUR).unwrap();
        assert_eq!(json, "\"1h\"");
        let back: Interval = serde_json::from_str("\"15m\"").unwrap();
        assert_eq!(back, Interval::FIFTEEN_MINUTES);
        assert!(serde_json::from_str::<Interval>("\"0h\"").is_err());
    }

    #[test]
    fn counts_whole_bars_in_a_span() {
        assert_eq!(Interval::ONE_HOUR.bars_in(TimeDelta::hours(5)), 5);
        assert_eq!(Interval::ONE_HOUR.bars_in(TimeDelta::minutes(90)), 1);
        assert_eq!(Interval::ONE_HOUR.bars_in(TimeDelta::hours(-2)), 0);
    }
}
