//! The FTMO day: it changes at midnight Europe/Prague (CET, UTC+1 in winter; CEST,
//! UTC+2 in summer), i.e. at 23:00 UTC in winter and 22:00 UTC in summer. The
//! daylight-saving switches come from the IANA database (`chrono-tz`), never from a
//! fixed offset.

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Europe::Prague;
use domain::Timestamp;

/// The Prague calendar date of an instant: the FTMO trading day it belongs to.
pub fn prague_day(at: Timestamp) -> NaiveDate {
    at.with_timezone(&Prague).date_naive()
}

/// The UTC instant at which Prague `day` begins (its local midnight).
///
/// Prague's clocks change at 02:00/03:00, so local midnight always exists exactly
/// once; the fallbacks only keep the function total.
pub fn day_start(day: NaiveDate) -> Timestamp {
    let local = day.and_time(NaiveTime::MIN);
    Prague
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc() - Duration::hours(1), |t| t.to_utc())
}

/// The first Prague midnight strictly after `at`: when the next daily reset happens.
pub fn next_midnight(at: Timestamp) -> Timestamp {
    let day = prague_day(at);
    day.succ_opt().map_or(at, day_start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Timestamp {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn winter_midnight_is_23_utc_and_summer_midnight_is_22_utc() {
        assert_eq!(day_start(date(2024, 1, 16)), utc(2024, 1, 15, 23, 0, 0));
        assert_eq!(day_start(date(2024, 7, 16)), utc(2024, 7, 15, 22, 0, 0));
    }

    #[test]
    fn march_switch_moves_the_reset_from_23_to_22_utc() {
        // Last Sunday of March 2024 is the 31st; clocks jump 02:00 CET -> 03:00 CEST.
        assert_eq!(day_start(date(2024, 3, 31)), utc(2024, 3, 30, 23, 0, 0));
        assert_eq!(day_start(date(2024, 4, 1)), utc(2024, 3, 31, 22, 0, 0));
        // The Sunday itself is 23 hours long.
        assert_eq!(
            day_start(date(2024, 4, 1)) - day_start(date(2024, 3, 31)),
            Duration::hours(23)
        );
        assert_eq!(
            next_midnight(utc(2024, 3, 31, 12, 0, 0)),
            utc(2024, 3, 31, 22, 0, 0)
        );
    }

    #[test]
    fn october_switch_moves_the_reset_from_22_to_23_utc() {
        // Last Sunday of October 2024 is the 27th; clocks fall back 03:00 CEST -> 02:00 CET.
        assert_eq!(day_start(date(2024, 10, 27)), utc(2024, 10, 26, 22, 0, 0));
        assert_eq!(day_start(date(2024, 10, 28)), utc(2024, 10, 27, 23, 0, 0));
        assert_eq!(
            day_start(date(2024, 10, 28)) - day_start(date(2024, 10, 27)),
            Duration::hours(25)
        );
    }

    #[test]
    fn an_instant_belongs_to_its_prague_date_not_its_utc_date() {
        assert_eq!(prague_day(utc(2024, 1, 15, 22, 59, 59)), date(2024, 1, 15));
        assert_eq!(prague_day(utc(2024, 1, 15, 23, 0, 0)), date(2024, 1, 16));
        assert_eq!(prague_day(utc(2024, 7, 15, 21, 59, 59)), date(2024, 7, 15));
        assert_eq!(prague_day(utc(2024, 7, 15, 22, 0, 0)), date(2024, 7, 16));
    }
}
