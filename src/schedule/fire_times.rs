//! When a schedule fires in a time zone: the next fire time after an
//! instant, and the fire times from there on.
//!
//! The search runs in the zone's local time; daylight saving time is then
//! settled as systemd timers and node-cron with a zone settle it: a local
//! time in a spring-forward gap does not exist and is skipped, and one in a
//! fall-back fold fires once, at its first occurrence.

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, ZonedDateTime as Zoned};

use crate::schedule::Schedule;

/// How far ahead `next_after` looks. The Gregorian calendar repeats every
/// 400 years, so a schedule that fires at all fires within one cycle; Feb 29
/// on a Sunday, for one, can be 40 years away (2088, then 2128).
const SEARCH_YEARS: i16 = 401;

/// The last year fire times are found in: one short of jiff's last, so
/// that every zone's offset still gives an instant.
pub(crate) const LAST_YEAR: i16 = 9998;

impl Schedule {
    /// The first local time at or after `from` that matches, ignoring zones.
    fn next_civil(&self, from: DateTime) -> Option<DateTime> {
        let (mut y, mut mo, mut d) = (from.year(), from.month(), from.day());
        let (mut h, mut mi, mut s) = (from.hour(), from.minute(), from.second());
        let limit = y.saturating_add(SEARCH_YEARS);
        loop {
            // Carry overflowing fields upwards.
            if s > 59 {
                s = 0;
                mi += 1;
            }
            if mi > 59 {
                mi = 0;
                h += 1;
            }
            if h > 23 {
                h = 0;
                d += 1;
            }
            if mo > 12 {
                mo = 1;
                y += 1;
            }
            if y > limit || y > LAST_YEAR {
                return None;
            }
            let first = Date::new(y, mo, 1).ok()?;
            if d > first.days_in_month() {
                d = 1;
                mo += 1;
                (h, mi, s) = (0, 0, 0);
                continue;
            }
            if !self.months().contains(mo as u8) {
                match self.months().at_or_after(mo as u8 + 1) {
                    Some(next) => mo = next as i8,
                    None => {
                        y += 1;
                        mo = self.months().first()? as i8;
                    }
                }
                d = 1;
                (h, mi, s) = (0, 0, 0);
                continue;
            }
            if !self.day_matches(Date::new(y, mo, d).ok()?) {
                d += 1;
                (h, mi, s) = (0, 0, 0);
                continue;
            }
            match self.hours().at_or_after(h as u8) {
                Some(next) if next as i8 == h => {}
                Some(next) => (h, mi, s) = (next as i8, 0, 0),
                None => {
                    (d, h, mi, s) = (d + 1, 0, 0, 0);
                    continue;
                }
            }
            match self.minutes().at_or_after(mi as u8) {
                Some(next) if next as i8 == mi => {}
                Some(next) => (mi, s) = (next as i8, 0),
                None => {
                    (h, mi, s) = (h + 1, 0, 0);
                    continue;
                }
            }
            match self.seconds().at_or_after(s as u8) {
                Some(next) => s = next as i8,
                None => {
                    (mi, s) = (mi + 1, 0);
                    continue;
                }
            }
            return DateTime::new(y, mo, d, h, mi, s, 0).ok();
        }
    }

    /// The local times the schedule matches from `from` (included) to `to`
    /// (excluded), ignoring zones: at most `limit` of them.
    pub(crate) fn local_times(&self, from: DateTime, to: DateTime, limit: usize) -> Vec<DateTime> {
        let mut out = Vec::new();
        let mut at = from;
        while out.len() < limit {
            match self.next_civil(at) {
                Some(time) if time < to => {
                    out.push(time);
                    match time.checked_add(jiff::SignedDuration::from_secs(1)) {
                        Ok(next) => at = next,
                        Err(_) => break,
                    }
                }
                _ => break,
            }
        }
        out
    }

    /// The first fire time strictly after `after`, in zone `tz`.
    ///
    /// Daylight saving time, as systemd timers and node-cron with a zone do
    /// it: a local time that does not exist (the spring-forward gap) is
    /// skipped, and one that happens twice (the fall-back fold) fires once,
    /// at its first occurrence.
    pub(crate) fn next_after(&self, after: Timestamp, tz: &TimeZone) -> Option<Zoned> {
        let local = tz.to_datetime(after);
        // Candidates start at the next whole second.
        let mut from = local
            .with()
            .subsec_nanosecond(0)
            .build()
            .ok()?
            .checked_add(jiff::SignedDuration::from_secs(1))
            .ok()?;
        // Each pass skips one gap or one second of a fold's repeat; a fold
        // lasts at most a few hours of seconds.
        for _ in 0..100_000 {
            let candidate = self.next_civil(from)?;
            let instant = match tz.to_ambiguous_timestamp(candidate).offset() {
                AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(candidate).ok()?,
                AmbiguousOffset::Gap { .. } => {
                    from = candidate
                        .checked_add(jiff::SignedDuration::from_secs(1))
                        .ok()?;
                    continue;
                }
                AmbiguousOffset::Fold { before, .. } => before.to_timestamp(candidate).ok()?,
            };
            if instant > after {
                return Some(instant.to_zoned_datetime(tz.clone()));
            }
            from = candidate
                .checked_add(jiff::SignedDuration::from_secs(1))
                .ok()?;
        }
        None
    }

    /// Fire times after `after`, in order.
    pub(crate) fn upcoming<'a>(
        &'a self,
        after: Timestamp,
        tz: &'a TimeZone,
    ) -> impl Iterator<Item = Zoned> + 'a {
        let mut last = after;
        std::iter::from_fn(move || {
            let next = self.next_after(last, tz)?;
            last = next.timestamp();
            Some(next)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::tests::{at, next_n, parse, zone};

    #[test]
    fn rare_days_are_found_decades_ahead() {
        // Feb 29 that is a Sunday: 2088, then 2128 (2100 is not a leap year).
        assert_eq!(
            next_n("0 0 29 2 */7", "UTC", "2090-01-01T00:00:00Z", 1),
            vec!["2128-02-29T00:00:00Z"]
        );
    }

    #[test]
    fn next_fire_times_in_utc() {
        assert_eq!(
            next_n("1 13 * * 1-5", "UTC", "2025-03-07T13:01:00Z", 2),
            vec!["2025-03-10T13:01:00Z", "2025-03-11T13:01:00Z"]
        );
        assert_eq!(
            next_n("*/5 * * * * *", "UTC", "2025-01-01T00:00:00.5Z", 3),
            vec![
                "2025-01-01T00:00:05Z",
                "2025-01-01T00:00:10Z",
                "2025-01-01T00:00:15Z"
            ]
        );
        assert_eq!(
            next_n("0 0 1 1 *", "UTC", "2025-06-01T00:00:00Z", 1),
            vec!["2026-01-01T00:00:00Z"]
        );
    }

    #[test]
    fn chicago_schedule_runs_at_chicago_time_on_a_utc_clock() {
        // 13:01 CST is 19:01Z in winter, 18:01Z in summer.
        assert_eq!(
            next_n("1 13 * * 1-5", "America/Chicago", "2025-03-07T00:00:00Z", 1),
            vec!["2025-03-07T19:01:00Z"]
        );
        assert_eq!(
            next_n("1 13 * * 1-5", "America/Chicago", "2025-03-10T00:00:00Z", 1),
            vec!["2025-03-10T18:01:00Z"]
        );
    }

    #[test]
    fn spring_forward_gap_is_skipped() {
        // 02:30 does not exist in Chicago on 2025-03-09.
        assert_eq!(
            next_n("30 2 * * *", "America/Chicago", "2025-03-08T00:00:00Z", 3),
            vec![
                "2025-03-08T08:30:00Z",
                "2025-03-10T07:30:00Z",
                "2025-03-11T07:30:00Z"
            ]
        );
    }

    #[test]
    fn fall_back_fold_fires_once_at_the_first_occurrence() {
        assert_eq!(
            next_n("30 1 * * *", "America/Chicago", "2025-11-01T12:00:00Z", 2),
            vec!["2025-11-02T06:30:00Z", "2025-11-03T07:30:00Z"]
        );
        // Asked from inside the repeated hour, the next run is the next day.
        assert_eq!(
            next_n("30 1 * * *", "America/Chicago", "2025-11-02T07:10:00Z", 1),
            vec!["2025-11-03T07:30:00Z"]
        );
        // An every-15-minutes job does not run twice in the repeated hour.
        // 06:50Z is 01:50 CDT; 01:00-01:59 CST (07:00Z-07:59Z) is skipped.
        let fold = next_n("*/15 * * * *", "America/Chicago", "2025-11-02T06:50:00Z", 4);
        assert_eq!(
            fold,
            vec![
                "2025-11-02T08:00:00Z",
                "2025-11-02T08:15:00Z",
                "2025-11-02T08:30:00Z",
                "2025-11-02T08:45:00Z"
            ]
        );
    }

    #[test]
    fn half_hour_and_thirty_minute_dst_zones() {
        // Kolkata is +05:30 all year.
        assert_eq!(
            next_n("0 9 * * *", "Asia/Kolkata", "2025-01-01T00:00:00Z", 1),
            vec!["2025-01-01T03:30:00Z"]
        );
        // Lord Howe moves from +10:30 to +11:00 at 02:00 on 2025-10-05:
        // 02:15 does not exist that day.
        assert_eq!(
            next_n(
                "15 2 * * *",
                "Australia/Lord_Howe",
                "2025-10-03T12:00:00Z",
                3
            ),
            vec![
                "2025-10-03T15:45:00Z",
                "2025-10-05T15:15:00Z",
                "2025-10-06T15:15:00Z"
            ]
        );
    }

    fn searched(
        schedule: &Schedule,
        tz: &TimeZone,
        start: Timestamp,
        end: Timestamp,
    ) -> Vec<Timestamp> {
        schedule
            .upcoming(start, tz)
            .map(|z| z.timestamp())
            .take_while(|t| *t <= end)
            .collect()
    }

    /// How long from `local`, which the schedule refuses, it keeps refusing
    /// as local time runs on: to the end of the refused day, hour or minute,
    /// else one second.
    fn refused_for(schedule: &Schedule, local: DateTime) -> i64 {
        let (hour, minute, second) = (
            i64::from(local.hour()),
            i64::from(local.minute()),
            i64::from(local.second()),
        );
        if !schedule.months().contains(local.month() as u8) || !schedule.day_matches(local.date()) {
            86_400 - (hour * 3600 + minute * 60 + second)
        } else if !schedule.hours().contains(local.hour() as u8) {
            3600 - (minute * 60 + second)
        } else if !schedule.minutes().contains(local.minute() as u8) {
            60 - second
        } else {
            1
        }
    }

    /// How [`brute_force`] walks through time.
    #[derive(Clone, Copy, PartialEq)]
    enum Walk {
        /// Every step.
        Plain,
        /// Between two of the zone's transitions local time runs with real
        /// time, so from an instant whose local day, hour or minute the
        /// schedule refuses, every step before the end of that day, hour or
        /// minute (or the next transition, if that comes first) would be
        /// refused too: those are leapt over, and the answer is the same.
        Leaping,
    }

    /// Step through time and ask, at each instant, whether the schedule
    /// fires there: an oracle that shares no search code with `next_after`.
    fn brute_force(
        schedule: &Schedule,
        tz: &TimeZone,
        start: Timestamp,
        end: Timestamp,
        step: i64,
        walk: Walk,
    ) -> Vec<Timestamp> {
        let after = |secs: i64| {
            start
                .checked_add(jiff::SignedDuration::from_secs(secs))
                .unwrap()
        };
        let mut fires = Vec::new();
        // Seconds from `start` to the last step looked at.
        let mut n = 0;
        while after(n) < end {
            n += step;
            let t = after(n);
            let local = tz.to_datetime(t);
            if schedule.matches(local) {
                let first = tz.to_ambiguous_timestamp(local).earlier().unwrap();
                if first == t {
                    fires.push(t);
                }
            } else if walk == Walk::Leaping {
                let mut until = n + refused_for(schedule, local);
                if let Some(change) = tz.following(t).map(|c| c.timestamp()).find(|c| *c > t) {
                    until = until.min(change.duration_since(start).as_secs());
                }
                // The next step looked at is the first at or after `until`.
                n = (until + step - 1).div_euclid(step) * step - step;
            }
        }
        fires
    }

    #[test]
    fn next_after_agrees_with_minute_by_minute_stepping_over_two_years() {
        let schedules = [
            "30 2 * * *",
            "30 1 * * 0",
            "0 0 1-31/10 * 5",
            "15 */7 */2 * 1",
            "*/20 9-17 * jan-mar,oct mon-fri",
            "45 23 29 2 *",
        ];
        let zones = [
            "UTC",
            "America/Chicago",
            "Asia/Kolkata",
            "Australia/Lord_Howe",
            "Europe/London",
        ];
        let start = at("2024-01-01T00:00:00Z");
        let end = at("2026-01-01T00:00:00Z");
        let day = jiff::SignedDuration::from_hours(24);
        for text in schedules {
            let schedule = parse(text);
            for name in zones {
                let tz = zone(name);
                let expected = brute_force(&schedule, &tz, start, end, 60, Walk::Leaping);
                assert!(!expected.is_empty(), "{text} in {name} fires");
                assert_eq!(
                    searched(&schedule, &tz, start, end),
                    expected,
                    "{text} in {name}"
                );
                // Around each DST change, where leaping is subtlest, every
                // minute is looked at too.
                let changes = tz
                    .following(start)
                    .map(|c| c.timestamp())
                    .take_while(|c| *c < end);
                for change in changes {
                    let (from, to) = (change - day, change + day);
                    assert_eq!(
                        searched(&schedule, &tz, from, to),
                        brute_force(&schedule, &tz, from, to, 60, Walk::Plain),
                        "{text} in {name} around {change}"
                    );
                }
            }
        }
    }

    #[test]
    fn sub_minute_schedules_agree_with_second_by_second_stepping() {
        let schedule = parse("*/20 30 1,2 * * *");
        let tz = zone("America/Chicago");
        // Covers both DST changes of 2025.
        for (from, to) in [
            ("2025-03-08T06:00:00Z", "2025-03-10T10:00:00Z"),
            ("2025-11-01T05:00:00Z", "2025-11-03T10:00:00Z"),
        ] {
            let (start, end) = (at(from), at(to));
            assert_eq!(
                searched(&schedule, &tz, start, end),
                brute_force(&schedule, &tz, start, end, 1, Walk::Plain)
            );
        }
    }
}
