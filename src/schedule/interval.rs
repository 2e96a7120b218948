//! The longest a schedule leaves between two of its fire times: the
//! interval a monitor can expect a job to have run within, so that an
//! alert needs no threshold per job (`jobrun_expected_interval_seconds`).
//!
//! The longest gap, not the usual one: `0 9 * * 1-5` fires a day apart
//! but leaves three days over each weekend, and an alert on "no success
//! for 1.5 intervals" must not go off every Sunday.
//!
//! Counted in the job's local time, from cron's fields alone: the times of
//! day a schedule fires at are the same on every day it fires, so the
//! longest gap is either one inside a day or one from a firing day's last
//! time to the next firing day's first. That needs one look per day, not
//! per fire time (a schedule firing every second of office hours fires
//! millions of times a year). A daylight saving change's missing or
//! repeated hour is not counted: on the night it skips a job's 02:30, the
//! job really does go two days without a run, and the alert may say so.

use jiff::civil::Date;

use crate::schedule::{FieldSet, Schedule};

/// Days looked at from the first: eight years and a week, so every
/// pattern of weekdays, month lengths and leap days (2100 is no leap year)
/// that recurs within that time is seen at least twice.
const HORIZON_DAYS: i32 = 8 * 366 + 7;

/// How far a rarer schedule is followed to find a second firing day: a
/// 400-year cycle of the calendar, and a year (Feb 29 on a Sunday can be
/// 40 years away).
const LONGEST_SEARCH_DAYS: i32 = 401 * 366;

const DAY: u64 = 86_400;

impl Schedule {
    /// The longest time, in seconds, between two consecutive fire times
    /// over the eight years from `from` (local date), or `None` when the
    /// schedule fires fewer than twice in 401 years.
    pub(crate) fn longest_gap(&self, from: Date) -> Option<u64> {
        self.longest_gap_within(from, HORIZON_DAYS)
    }

    fn longest_gap_within(&self, from: Date, days: i32) -> Option<u64> {
        let times = TimesOfDay::of(self)?;
        let mut longest: Option<u64> = times.longest_inside;
        let mut previous: Option<i32> = None;
        let mut firing_days = 0u32;
        // The calendar walked by hand: a day at a time through 3,000 days
        // of each of hundreds of jobs, after every run.
        let mut day = Day::of(from);
        for n in 0..LONGEST_SEARCH_DAYS {
            if n >= days && firing_days >= 2 {
                break;
            }
            if self.months().contains(day.month)
                && self.day_of_month_and_week_match(day.day, day.weekday)
            {
                if let Some(before) = previous {
                    let gap = (n - before) as u64 * DAY + times.first - times.last;
                    longest = Some(longest.map_or(gap, |l| l.max(gap)));
                }
                previous = Some(n);
                firing_days += 1;
            }
            day.advance();
        }
        // One firing day and one time of day: it fires once, or never.
        match firing_days {
            0 => None,
            1 if times.longest_inside.is_none() => None,
            _ => longest,
        }
    }
}

/// A day of the Gregorian calendar, as the walk needs it.
struct Day {
    year: i32,
    month: u8,
    day: u8,
    /// 0-6, Sunday = 0.
    weekday: u8,
}

impl Day {
    fn of(date: Date) -> Day {
        Day {
            year: i32::from(date.year()),
            month: date.month() as u8,
            day: date.day() as u8,
            weekday: date.weekday().to_sunday_zero_offset() as u8,
        }
    }

    fn advance(&mut self) {
        self.weekday = (self.weekday + 1) % 7;
        self.day += 1;
        if self.day > days_in_month(self.year, self.month) {
            self.day = 1;
            self.month += 1;
            if self.month > 12 {
                self.month = 1;
                self.year += 1;
            }
        }
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// The times of day a schedule fires at, in seconds since midnight.
struct TimesOfDay {
    first: u64,
    last: u64,
    /// The longest gap between two of them, when there are two.
    longest_inside: Option<u64>,
}

impl TimesOfDay {
    fn of(schedule: &Schedule) -> Option<TimesOfDay> {
        let (hours, minutes, seconds) = (schedule.hours(), schedule.minutes(), schedule.seconds());
        let first_of = |set: FieldSet| set.first().map(u64::from);
        let last_of = |set: FieldSet| set.iter().last().map(u64::from);
        let (h0, m0, s0) = (first_of(hours)?, first_of(minutes)?, first_of(seconds)?);
        let (h1, m1, s1) = (last_of(hours)?, last_of(minutes)?, last_of(seconds)?);
        // Consecutive times of day share their hour and minute (a gap in
        // the seconds), or their hour (from the minute's last second to the
        // next minute's first), or neither (from the hour's last minute and
        // second to the next hour's first).
        let gaps = steps(seconds)
            .chain(steps(minutes).map(|m| m * 60 + s0 - s1))
            .chain(steps(hours).map(|h| h * 3600 + (m0 * 60 + s0) - (m1 * 60 + s1)));
        Some(TimesOfDay {
            first: h0 * 3600 + m0 * 60 + s0,
            last: h1 * 3600 + m1 * 60 + s1,
            longest_inside: gaps.max(),
        })
    }
}

/// The differences between consecutive values of a set.
fn steps(set: FieldSet) -> impl Iterator<Item = u64> {
    let values: Vec<u64> = set.iter().map(u64::from).collect();
    let differences: Vec<u64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    differences.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::tests::parse;
    use jiff::tz::TimeZone;

    fn gap(text: &str) -> Option<u64> {
        parse(text).longest_gap(jiff::civil::date(2025, 3, 7))
    }

    #[test]
    fn a_daily_schedule_expects_a_day_and_office_days_expect_the_weekend() {
        assert_eq!(gap("30 18 * * *"), Some(DAY));
        assert_eq!(gap("0 9 * * 1-5"), Some(3 * DAY));
        assert_eq!(gap("*/15 * * * *"), Some(900));
        assert_eq!(gap("*/5 * * * * *"), Some(5));
        // Every minute of office hours: from Friday 17:59 to Monday 09:00.
        assert_eq!(
            gap("* 9-17 * * 1-5"),
            Some(3 * DAY + 9 * 3600 - (17 * 3600 + 59 * 60))
        );
        // The 31st: from Aug 31 to Oct 31.
        assert_eq!(gap("0 0 31 * *"), Some(61 * DAY));
        // Feb 29: four years, a leap day among them.
        assert_eq!(gap("0 0 29 2 *"), Some((4 * 365 + 1) * DAY));
    }

    #[test]
    fn the_hand_walked_calendar_agrees_with_jiffs() {
        let mut day = Day::of(jiff::civil::date(1999, 12, 25));
        let mut date = jiff::civil::date(1999, 12, 25);
        for _ in 0..3 * 146_097 {
            day.advance();
            date = date.tomorrow().unwrap();
            let expected = Day::of(date);
            assert_eq!(
                (day.year, day.month, day.day, day.weekday),
                (
                    expected.year,
                    expected.month,
                    expected.day,
                    expected.weekday
                ),
                "{date}"
            );
        }
    }

    #[test]
    fn rare_days_are_followed_beyond_the_horizon() {
        // Feb 29 that is a Sunday: 2060, then 2088.
        let from = jiff::civil::date(2033, 1, 1);
        let apart = jiff::civil::date(2060, 2, 29)
            .until(jiff::civil::date(2088, 2, 29))
            .unwrap()
            .get_days() as u64;
        assert_eq!(parse("0 0 29 2 */7").longest_gap(from), Some(apart * DAY));
    }

    /// The longest gap between fire times found one by one, as an oracle
    /// sharing no code with the day-by-day reckoning.
    fn walked(text: &str, from: Date, days: i32) -> Option<u64> {
        let schedule = parse(text);
        let tz = TimeZone::UTC;
        let midnight = |date: Date| {
            jiff::tz::Offset::UTC
                .to_timestamp(date.at(0, 0, 0, 0))
                .unwrap()
        };
        let start = midnight(from);
        let end = midnight(from.checked_add(jiff::Span::new().days(days)).unwrap());
        let before = start - jiff::SignedDuration::from_nanos(1);
        let fires: Vec<i64> = schedule
            .upcoming(before, &tz)
            .map(|z| z.timestamp())
            .take_while(|t| *t < end)
            .map(|t| t.as_second())
            .collect();
        fires.windows(2).map(|w| (w[1] - w[0]) as u64).max()
    }

    #[test]
    fn the_reckoning_agrees_with_walking_every_fire_time() {
        let schedules = [
            "30 18 * * *",
            "1 13 * * 1-5",
            "*/20 9-17 * jan-mar,oct mon-fri",
            "15 */7 */2 * 1",
            "0 0 1-31/10 * 5",
            "5,50 1,22 * * *",
            "*/7 3,17 4 * * *",
            "0 0 13 * 5",
            "45 23 29 2 *",
            "0 12 1 */3 *",
        ];
        for from in [
            jiff::civil::date(2025, 3, 7),
            jiff::civil::date(2027, 12, 30),
        ] {
            for text in schedules {
                let days = if text.contains("29 2") { 3000 } else { 800 };
                assert_eq!(
                    parse(text).longest_gap_within(from, days),
                    walked(text, from, days),
                    "{text} from {from}"
                );
            }
        }
    }
}
