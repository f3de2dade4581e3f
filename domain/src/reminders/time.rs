//! Time in the reminders: instants are Unix seconds (i64); local calendar days are days since
//! 1970-01-01 in the device's local time, from its fixed UTC offset (there is no time-zone
//! database here). Also the "MM-DD" and "HH:MM" values of the rules.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub(crate) const MINUTE: i64 = 60;
pub(crate) const HOUR: i64 = 3_600;
pub(crate) const DAY: i64 = 86_400;
/// Days from 0001-01-01 (day 1 in chrono's count) to 1970-01-01.
const UNIX_EPOCH_CE_DAYS: i64 = 719_163;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tz {
    offset: i64,
}

impl Tz {
    pub(crate) fn from_minutes(minutes: i32) -> Self {
        Self {
            offset: i64::from(minutes) * MINUTE,
        }
    }

    /// The local calendar day of instant `t`.
    pub(crate) fn day(self, t: i64) -> i64 {
        t.saturating_add(self.offset).div_euclid(DAY)
    }

    /// Local minute of the day of instant `t` (0..1440).
    pub(crate) fn minute_of_day(self, t: i64) -> i64 {
        t.saturating_add(self.offset).rem_euclid(DAY) / MINUTE
    }

    /// The instant of local `day` at local minute `minute`.
    pub(crate) fn at(self, day: i64, minute: i64) -> i64 {
        day.saturating_mul(DAY)
            .saturating_add(minute.saturating_mul(MINUTE))
            .saturating_sub(self.offset)
    }

    /// The first instant of local `day`.
    pub(crate) fn start_of(self, day: i64) -> i64 {
        self.at(day, 0)
    }
}

/// Monday-based week number of a day number (1970-01-05 was a Monday).
pub(crate) fn week_of(day: i64) -> i64 {
    (day - 4).div_euclid(7)
}

pub(crate) fn date_of_day(day: i64) -> Option<NaiveDate> {
    let ce = i32::try_from(day.checked_add(UNIX_EPOCH_CE_DAYS)?).ok()?;
    NaiveDate::from_num_days_from_ce_opt(ce)
}

pub(crate) fn day_of_date(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - UNIX_EPOCH_CE_DAYS
}

/// "YYYYMMDD" of a local day, the period part of many ids.
#[cfg(test)]
pub(crate) fn day_stamp(day: i64) -> String {
    DayStamp(day).to_string()
}

pub(crate) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn to_utc(t: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t, 0)
}

/// `days` whole days in seconds, saturating.
pub(crate) fn days(n: impl Into<i64>) -> i64 {
    n.into().saturating_mul(DAY)
}

pub(crate) fn hours(n: impl Into<i64>) -> i64 {
    n.into().saturating_mul(HOUR)
}

/// "YYYYMMDD" of a local day as a `Display`.
pub(crate) struct DayStamp(pub i64);

impl std::fmt::Display for DayStamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match date_of_day(self.0) {
            Some(d) => write!(f, "{:04}{:02}{:02}", d.year(), d.month(), d.day()),
            None => write!(f, "d{}", self.0),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// "MM-DD" and "HH:MM"

/// A day of the year, written "MM-DD" in JSON. 02-29 falls on 02-28 in other years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

impl MonthDay {
    /// This day in `year`.
    pub(crate) fn in_year(self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, self.month, self.day).or_else(|| {
            (self.month == 2 && self.day == 29)
                .then(|| NaiveDate::from_ymd_opt(year, 2, 28))
                .flatten()
        })
    }
}

impl TryFrom<String> for MonthDay {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let err = || format!("{s:?} is not a day of the year as \"MM-DD\"");
        let (m, d) = s.split_once('-').ok_or_else(err)?;
        if m.len() != 2 || d.len() != 2 {
            return Err(err());
        }
        let month: u32 = m.parse().map_err(|_| err())?;
        let day: u32 = d.parse().map_err(|_| err())?;
        // 2024 is a leap year, so 02-29 is accepted.
        NaiveDate::from_ymd_opt(2024, month, day).ok_or_else(err)?;
        Ok(Self { month, day })
    }
}

impl From<MonthDay> for String {
    fn from(v: MonthDay) -> String {
        format!("{:02}-{:02}", v.month, v.day)
    }
}

/// A local time of day, written "HH:MM" in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalTime {
    pub minute_of_day: u16,
}

impl LocalTime {
    pub const fn hm(hour: u16, minute: u16) -> Self {
        Self {
            minute_of_day: hour * 60 + minute,
        }
    }
}

impl TryFrom<String> for LocalTime {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let err = || format!("{s:?} is not a time of day as \"HH:MM\"");
        let (h, m) = s.split_once(':').ok_or_else(err)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(err());
        }
        let h: u16 = h.parse().map_err(|_| err())?;
        let m: u16 = m.parse().map_err(|_| err())?;
        if h > 23 || m > 59 {
            return Err(err());
        }
        Ok(Self::hm(h, m))
    }
}

impl From<LocalTime> for String {
    fn from(v: LocalTime) -> String {
        format!("{:02}:{:02}", v.minute_of_day / 60, v.minute_of_day % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_and_weeks() {
        let tz = Tz::from_minutes(60);
        // 2026-01-01T23:30Z is 00:30 on 2 January in UTC+1.
        let t = DateTime::parse_from_rfc3339("2026-01-01T23:30:00Z")
            .unwrap()
            .timestamp();
        let d = tz.day(t);
        assert_eq!(date_of_day(d), NaiveDate::from_ymd_opt(2026, 1, 2));
        assert_eq!(tz.minute_of_day(t), 30);
        assert_eq!(tz.at(d, 30), t);
        assert_eq!(day_of_date(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()), 0);
        // Monday 2026-01-05 and Sunday 2026-01-11 share a week; Monday 12th starts the next.
        let mon = day_of_date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap());
        assert_eq!(week_of(mon), week_of(mon + 6));
        assert_eq!(week_of(mon) + 1, week_of(mon + 7));
        assert_eq!(week_of(mon) - 1, week_of(mon - 1));
        assert_eq!(day_stamp(mon), "20260105");
    }

    #[test]
    fn month_days_and_local_times() {
        assert!(MonthDay::try_from("02-29".to_string()).is_ok());
        assert!(MonthDay::try_from("02-30".to_string()).is_err());
        assert!(MonthDay::try_from("2-3".to_string()).is_err());
        let feb29 = MonthDay::try_from("02-29".to_string()).unwrap();
        assert_eq!(feb29.in_year(2025), NaiveDate::from_ymd_opt(2025, 2, 28));
        assert_eq!(
            LocalTime::try_from("07:05".to_string())
                .unwrap()
                .minute_of_day,
            425
        );
        assert!(LocalTime::try_from("24:00".to_string()).is_err());
        assert_eq!(String::from(LocalTime::hm(9, 5)), "09:05");
    }
}
