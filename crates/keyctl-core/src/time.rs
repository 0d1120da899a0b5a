//! Parsing of the durations (`90d`) and instants (`365d` from now, `2027-12-31`, RFC 3339) users type,
//! and RFC 3339 rendering. All functions take the current time as an argument: the core
//! never reads the clock.

use chrono::{DateTime, NaiveDate};

use crate::error::{Error, Result};

/// Seconds since the Unix epoch, as carried in JWT claims.
pub type Timestamp = i64;

/// Parses a duration such as `90d`, `12h`, `30m`, `45s` or `2w` into seconds.
/// A bare number is seconds.
pub fn parse_duration(text: &str, what: &str) -> Result<i64> {
    let bad = || {
        Error::invalid(
            what,
            format!("`{text}` is not a duration (use a number with s, m, h, d or w, e.g. 90d)"),
        )
    };
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() {
        return Err(bad());
    }
    // All digits, so a parse failure can only be an overflow.
    let count: i64 = digits.parse().unwrap_or(i64::MAX);
    let unit_seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    count
        .checked_mul(unit_seconds)
        .filter(|s| *s <= MAX_SECONDS)
        .ok_or_else(|| {
            Error::invalid(
                what,
                format!("`{text}` is too long a duration (at most about 10 000 years)"),
            )
        })
}

/// Which end of a day a bare date (`2027-12-31`) stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayEdge {
    /// 00:00:00 UTC: for "valid from".
    Start,
    /// 23:59:59 UTC: for "valid until", so a license expiring on a date is valid all that day.
    End,
}

/// Roughly 10 000 years: keeps every timestamp representable by chrono and by JWT libraries.
pub const MAX_SECONDS: i64 = 253_402_300_799;

/// Parses an instant: a duration from `now` (`365d`), a date (`2027-12-31`, at `edge`), or RFC 3339.
pub fn parse_instant(text: &str, now: Timestamp, edge: DayEdge, what: &str) -> Result<Timestamp> {
    let text = text.trim();
    if text.starts_with(|c: char| c.is_ascii_digit())
        && text.ends_with(['s', 'm', 'h', 'd', 'w'])
        && !text.contains('-')
    {
        return Ok(now + parse_duration(text, what)?);
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let time = match edge {
            DayEdge::Start => date.and_hms_opt(0, 0, 0),
            DayEdge::End => date.and_hms_opt(23, 59, 59),
        };
        return Ok(time.expect("valid wall-clock time").and_utc().timestamp());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|_| {
            Error::invalid(
                what,
                format!(
                    "`{text}` is not a duration (365d), a date (2027-12-31) or an RFC 3339 time"
                ),
            )
        })
        .and_then(|t| {
            if (0..=MAX_SECONDS).contains(&t) {
                Ok(t)
            } else {
                Err(Error::invalid(what, format!("`{text}` is out of range")))
            }
        })
}

/// RFC 3339 in UTC with a `Z`, to the second (`2027-12-31T23:59:59Z`). A time outside the
/// years 0000-9999 (a claim of ±hundreds of billions of years) is written as what it is.
pub fn rfc3339(timestamp: Timestamp) -> String {
    match civil(timestamp) {
        Some(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year, t.month, t.day, t.hour, t.minute, t.second
        ),
        None => format!("Unix time {timestamp} (out of the calendar's range)"),
    }
}

/// A UTC calendar time, to the second, in the years 0000-9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    /// 0-9999.
    pub(crate) year: i64,
    /// 1-12.
    pub(crate) month: u32,
    /// 1-31.
    pub(crate) day: u32,
    /// 0-23.
    pub(crate) hour: u32,
    /// 0-59.
    pub(crate) minute: u32,
    /// 0-59.
    pub(crate) second: u32,
}

/// The seconds from 0000-01-01 to the epoch, and the last second of 9999.
const YEAR_0: Timestamp = -62_167_219_200;

/// The UTC calendar time of `timestamp`, or `None` outside the years 0000-9999. Done by
/// hand (Howard Hinnant's `civil_from_days`): a general date library's formatting machinery
/// would be most of the WebAssembly package.
pub(crate) fn civil(timestamp: Timestamp) -> Option<Civil> {
    if !(YEAR_0..=MAX_SECONDS).contains(&timestamp) {
        return None;
    }
    let days = timestamp.div_euclid(86_400);
    let secs = timestamp.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Some(Civil {
        year,
        month,
        day,
        hour: secs / 3600,
        minute: secs / 60 % 60,
        second: secs % 60,
    })
}

impl Civil {
    /// The Unix time of a calendar time, or `None` when it is not a real one (month 13,
    /// February 30, hour 24) or outside the years 0000-9999.
    pub(crate) fn timestamp(&self) -> Option<Timestamp> {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        let month_days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        let valid = (0..=9999).contains(&self.year)
            && (1..=month_days).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60;
        if !valid {
            return None;
        }
        let y = self.year - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Some(days * 86_400 + i64::from(self.hour * 3600 + self.minute * 60 + self.second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = 1_795_000_000;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d", "t").unwrap(), 90 * 86_400);
        assert_eq!(parse_duration("12h", "t").unwrap(), 43_200);
        assert_eq!(parse_duration("300", "t").unwrap(), 300);
        assert_eq!(parse_duration("300s", "t").unwrap(), 300);
        for bad in ["", "d", "1y", "-5s", "5 d"] {
            assert_eq!(
                parse_duration(bad, "t").unwrap_err().to_string(),
                format!(
                    "t: `{bad}` is not a duration (use a number with s, m, h, d or w, e.g. 90d)"
                )
            );
        }
        for huge in ["99999999999999999999d", "9999999999999w"] {
            assert_eq!(
                parse_duration(huge, "t").unwrap_err().to_string(),
                format!("t: `{huge}` is too long a duration (at most about 10 000 years)")
            );
        }
    }

    #[test]
    fn instants() {
        assert_eq!(
            parse_instant("1d", NOW, DayEdge::End, "t").unwrap(),
            NOW + 86_400
        );
        let end = parse_instant("2027-12-31", NOW, DayEdge::End, "t").unwrap();
        assert_eq!(rfc3339(end), "2027-12-31T23:59:59Z");
        let start = parse_instant("2027-12-31", NOW, DayEdge::Start, "t").unwrap();
        assert_eq!(rfc3339(start), "2027-12-31T00:00:00Z");
        let t = parse_instant("2027-01-02T03:04:05+01:00", NOW, DayEdge::End, "t").unwrap();
        assert_eq!(rfc3339(t), "2027-01-02T02:04:05Z");
        assert!(parse_instant("tomorrow", NOW, DayEdge::End, "t").is_err());
        assert!(parse_instant("1960-01-01T00:00:00Z", NOW, DayEdge::End, "t").is_err());
    }

    #[test]
    fn the_calendar_agrees_with_chrono_everywhere_it_is_defined() {
        let samples = (0..2_000).map(|i| YEAR_0 + i * 156_797_179_i64).chain([
            YEAR_0,
            -1,
            0,
            1,
            951_782_400,
            4_107_542_399,
            MAX_SECONDS,
        ]);
        for t in samples {
            let expected = chrono::DateTime::from_timestamp(t, 0)
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            assert_eq!(rfc3339(t), expected, "{t}");
            assert_eq!(civil(t).unwrap().timestamp(), Some(t), "{t}");
        }
        assert_eq!(civil(YEAR_0 - 1), None);
        assert_eq!(civil(MAX_SECONDS + 1), None);
        let feb29 = |year| Civil {
            year,
            month: 2,
            day: 29,
            hour: 0,
            minute: 0,
            second: 0,
        };
        assert!(feb29(2000).timestamp().is_some());
        assert!(feb29(2100).timestamp().is_none());
        assert!(Civil {
            hour: 24,
            ..feb29(2000)
        }
        .timestamp()
        .is_none());
    }

    #[test]
    fn times_beyond_the_calendar_say_so() {
        assert_eq!(
            rfc3339(-99_999_999_999_999_999),
            "Unix time -99999999999999999 (out of the calendar's range)"
        );
    }
}
