//! ISO weeks as report periods: Monday 00:00 UTC (inclusive) to the next Monday
//! 00:00 UTC (exclusive), named by ISO week-based year and week number.

use chrono::{Datelike, Days, NaiveDate, NaiveTime, Weekday};
use domain::Timestamp;

/// Days in a week; the weekly daily series always has this many entries.
pub const DAYS_PER_WEEK: usize = 7;

/// A valid ISO week (a value that exists is a week chrono can name and bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportWeek {
    /// The week's Monday.
    monday: NaiveDate,
    /// The following Monday (kept so that every accessor is infallible).
    next_monday: NaiveDate,
}

impl ReportWeek {
    /// The ISO week `week` (1-53) of the ISO week-based year `year`; `None` when that
    /// week does not exist (week 0, week 53 of a 52-week year, out of chrono's range).
    pub fn new(year: i32, week: u32) -> Option<Self> {
        let monday = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)?;
        Self::from_monday(monday)
    }

    /// The ISO week containing `at` (UTC); `None` only at the edge of chrono's range.
    pub fn containing(at: Timestamp) -> Option<Self> {
        let date = at.date_naive();
        let back = u64::from(date.weekday().num_days_from_monday());
        Self::from_monday(date.checked_sub_days(Days::new(back))?)
    }

    fn from_monday(monday: NaiveDate) -> Option<Self> {
        let next_monday = monday.checked_add_days(Days::new(7))?;
        Some(Self {
            monday,
            next_monday,
        })
    }

    /// The week before; `None` only at the edge of chrono's range.
    pub fn previous(self) -> Option<Self> {
        Self::from_monday(self.monday.checked_sub_days(Days::new(7))?)
    }

    /// ISO week-based year (may differ from the calendar year around 1 January).
    pub fn year(self) -> i32 {
        self.monday.iso_week().year()
    }

    /// ISO week number (1-53).
    pub fn week(self) -> u32 {
        self.monday.iso_week().week()
    }

    /// The week's Monday.
    pub fn monday(self) -> NaiveDate {
        self.monday
    }

    /// The last day of the week (Sunday).
    pub fn week_ending(self) -> NaiveDate {
        self.monday.iter_days().nth(6).unwrap_or(self.monday)
    }

    /// Monday 00:00 UTC, inclusive.
    pub fn start(self) -> Timestamp {
        self.monday.and_time(NaiveTime::MIN).and_utc()
    }

    /// The next Monday 00:00 UTC, exclusive.
    pub fn end(self) -> Timestamp {
        self.next_monday.and_time(NaiveTime::MIN).and_utc()
    }

    /// Whether `at` falls in `[start, end)`.
    pub fn contains(self, at: Timestamp) -> bool {
        self.start() <= at && at < self.end()
    }

    /// The seven UTC days, Monday first.
    pub fn days(self) -> [NaiveDate; DAYS_PER_WEEK] {
        let mut days = [self.monday; DAYS_PER_WEEK];
        for (slot, day) in days.iter_mut().zip(self.monday.iter_days()) {
            *slot = day;
        }
        days
    }

    /// Index (0 = Monday) of the UTC day of `at`, when it falls in the week.
    pub fn day_index(self, at: Timestamp) -> Option<usize> {
        if !self.contains(at) {
            return None;
        }
        let days = (at.date_naive() - self.monday).num_days();
        usize::try_from(days).ok().filter(|&d| d < DAYS_PER_WEEK)
    }
}

impl std::fmt::Display for ReportWeek {
    /// `2024-W02`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-W{:02}", self.year(), self.week())
    }
}

/// `[Monday 00:00 UTC, next Monday 00:00 UTC)` of ISO week `week` of `year`;
/// `None` when the week does not exist.
pub fn iso_week_bounds(year: i32, week: u32) -> Option<(Timestamp, Timestamp)> {
    ReportWeek::new(year, week).map(|w| (w.start(), w.end()))
}

/// The Sunday that ends ISO week `week` of `year`; `None` when the week does not exist.
pub fn iso_week_ending(year: i32, week: u32) -> Option<NaiveDate> {
    ReportWeek::new(year, week).map(ReportWeek::week_ending)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn bounds_run_from_monday_midnight_to_the_next_monday() {
        let (start, end) = iso_week_bounds(2024, 2).unwrap();
        assert_eq!(start, Utc.with_ymd_and_hms(2024, 1, 8, 0, 0, 0).unwrap());
        assert_eq!(end, Utc.with_ymd_and_hms(2024, 1, 15, 0, 0, 0).unwrap());
        assert_eq!(iso_week_ending(2024, 2), Some(date(2024, 1, 14)));
    }

    #[test]
    fn week_53_exists_only_in_long_years_and_week_0_never() {
        // 2020-W53 runs from Monday 28 December 2020 to Sunday 3 January 2021.
        assert_eq!(iso_week_ending(2020, 53), Some(date(2021, 1, 3)));
        assert_eq!(iso_week_bounds(2021, 53), None);
        assert_eq!(iso_week_bounds(2024, 0), None);
    }

    #[test]
    fn the_iso_year_can_differ_from_the_calendar_year() {
        // Monday 30 December 2024 belongs to 2025-W01.
        let at = Utc.with_ymd_and_hms(2024, 12, 31, 12, 0, 0).unwrap();
        let week = ReportWeek::containing(at).unwrap();
        assert_eq!((week.year(), week.week()), (2025, 1));
        assert_eq!(week.monday(), date(2024, 12, 30));
        assert_eq!(week.to_string(), "2025-W01");
        assert_eq!(
            week.previous().map(|w| (w.year(), w.week())),
            Some((2024, 52))
        );
    }

    #[test]
    fn end_is_exclusive_and_days_index_from_monday() {
        let week = ReportWeek::new(2024, 2).unwrap();
        assert!(week.contains(week.start()));
        assert!(!week.contains(week.end()));
        let sunday_late = Utc.with_ymd_and_hms(2024, 1, 14, 23, 59, 59).unwrap();
        assert_eq!(week.day_index(sunday_late), Some(6));
        assert_eq!(week.day_index(week.end()), None);
        assert_eq!(week.days()[6], date(2024, 1, 14));
    }
}
