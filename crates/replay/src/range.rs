//! `TimeRange`: the `from` (inclusive) / `to` (exclusive) window a replay keeps,
//! applied to each candle's open time while streaming.

use domain::Timestamp;

use crate::error::ReplayError;

/// Which candles a replay keeps: those whose **open time** is in `[from, to)`.
///
/// Either end may be open. Rows before `from` are read, validated and skipped; the
/// first row at or after `to` ends the file (files are sorted, so nothing later
/// could be kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

impl TimeRange {
    /// Every candle.
    pub const ALL: TimeRange = TimeRange {
        from: None,
        to: None,
    };

    /// A window `[from, to)`; when both ends are given, `from` must be before `to`.
    pub fn new(from: Option<Timestamp>, to: Option<Timestamp>) -> Result<Self, ReplayError> {
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            return Err(ReplayError::InvalidRange { from, to });
        }
        Ok(Self { from, to })
    }

    /// Inclusive start, if any.
    pub fn from(&self) -> Option<Timestamp> {
        self.from
    }

    /// Exclusive end, if any.
    pub fn to(&self) -> Option<Timestamp> {
        self.to
    }

    /// Whether a candle opening at `open_time` is before the window.
    pub(crate) fn is_before(&self, open_time: Timestamp) -> bool {
        self.from.is_some_and(|from| open_time < from)
    }

    /// Whether a candle opening at `open_time` is at or after the window's end.
    pub(crate) fn is_past(&self, open_time: Timestamp) -> bool {
        self.to.is_some_and(|to| open_time >= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn from_is_inclusive_and_to_exclusive() {
        let t = |h| Utc.with_ymd_and_hms(2024, 1, 1, h, 0, 0).unwrap();
        let r = TimeRange::new(Some(t(1)), Some(t(3))).unwrap();
        assert!(r.is_before(t(0)));
        assert!(!r.is_before(t(1)));
        assert!(!r.is_past(t(2)));
        assert!(r.is_past(t(3)));
    }

    #[test]
    fn rejects_an_empty_window() {
        let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        assert!(TimeRange::new(Some(t), Some(t)).is_err());
        assert!(TimeRange::new(Some(t), None).is_ok());
        assert_eq!(TimeRange::default(), TimeRange::ALL);
    }
}
