//! A splayed job's fire times as a schedule's own fields, where fields can
//! say them: what systemd's `OnCalendar=` and a CronJob's `schedule` are
//! written from, so that they fire exactly when `jobrun next` says.
//!
//! Moving every local fire time by the offset gives fields when the moved
//! times of day are still a product of hours, minutes and seconds and the
//! days still days the fields can name: no run crosses midnight, or every
//! run does and the days are days of week, or the job runs every day.
//! `0 0 31 * *` moved past midnight would be "the 1st after a 31-day
//! month", which cron fields cannot say. And since the offset is added to
//! the instant (`schedule::timing`), a run within the offset before a
//! clock change lands an hour off the moved local time: the moved fields
//! are checked against the job's real fire times around each of the
//! zone's changes in the coming years. Where either fails, the target
//! cannot run the job exactly, and the export says so (cron can: its
//! `run --due` lines cover every candidate minute and check).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::export::cron_fields::{Days, is_full};
use crate::schedule::splay::times_of_day;
use crate::schedule::timing::Timing;
use crate::schedule::{DAY_OF_MONTH, FieldSet, MONTH, Schedule};

/// How many fire times are compared in each window: enough for a day of
/// a schedule firing every five seconds.
const COMPARED: usize = 20_000;

/// `schedule` with each local fire time moved `offset` seconds later,
/// when fields can say it.
pub(crate) fn moved(schedule: &Schedule, offset: u32) -> Option<Schedule> {
    if offset == 0 {
        return Some(schedule.clone());
    }
    let times = times_of_day(schedule);
    let (same_day, next_day): (Vec<u32>, Vec<u32>) =
        times.iter().map(|t| t + offset).partition(|t| *t < 86_400);
    let next_day: Vec<u32> = next_day.into_iter().map(|t| t - 86_400).collect();
    let every_day = Days::of(schedule) == Days::Every && is_full(schedule.months(), MONTH);
    if next_day.is_empty() {
        let (s, m, h) = product(&same_day)?;
        return Some(schedule.with_times(s, m, h));
    }
    if every_day {
        let all: Vec<u32> = same_day.into_iter().chain(next_day).collect();
        let (s, m, h) = product(&all)?;
        return Some(schedule.with_times(s, m, h));
    }
    // Every run moves to the next day: days of week move with it.
    let weekdays_only = matches!(Days::of(schedule), Days::Both { dom, .. } if is_full(dom, DAY_OF_MONTH))
        && is_full(schedule.months(), MONTH);
    if same_day.is_empty() && weekdays_only {
        let (s, m, h) = product(&next_day)?;
        let days = schedule
            .days_of_week()
            .iter()
            .map(|d| (d + 1) % 7)
            .fold(FieldSet::default(), FieldSet::with);
        return Some(schedule.with_times(s, m, h).with_days_of_week(days));
    }
    None
}

/// The seconds, minutes and hours whose every combination is one of
/// `times` (seconds of the day), if they are such a product.
fn product(times: &[u32]) -> Option<(FieldSet, FieldSet, FieldSet)> {
    let (mut s, mut m, mut h) = (
        FieldSet::default(),
        FieldSet::default(),
        FieldSet::default(),
    );
    let mut distinct = times.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    for t in &distinct {
        s = s.with((t % 60) as u8);
        m = m.with((t / 60 % 60) as u8);
        h = h.with((t / 3600) as u8);
    }
    let count = |set: FieldSet| set.iter().count();
    (count(s) * count(m) * count(h) == distinct.len()).then_some((s, m, h))
}

/// Whether `moved`, read in `tz` with no offset, fires exactly when
/// `timing` does: over the next fire times from `now`, and around each of
/// the zone's clock changes in the next `years` years.
pub(crate) fn agrees(
    timing: &Timing,
    moved: &Schedule,
    tz: &TimeZone,
    now: Timestamp,
    years: i64,
) -> bool {
    let plain = Timing::new(moved, tz, std::time::Duration::ZERO);
    let same = |from: Timestamp, to: Timestamp| {
        let a = timing
            .upcoming(from)
            .map(|z| z.timestamp())
            .take_while(|t| *t <= to)
            .take(COMPARED);
        let b = plain
            .upcoming(from)
            .map(|z| z.timestamp())
            .take_while(|t| *t <= to)
            .take(COMPARED);
        a.eq(b)
    };
    let days = |n: i64| jiff::SignedDuration::from_hours(24 * n);
    let Ok(end) = now.checked_add(days(366 * years)) else {
        return false;
    };
    // A week from now: the fields themselves.
    if !same(now, now.checked_add(days(7)).unwrap_or(end)) {
        return false;
    }
    tz.following(now)
        .map(|change| change.timestamp())
        .take_while(|change| *change <= end)
        .all(
            |change| match (change.checked_sub(days(2)), change.checked_add(days(2))) {
                (Ok(from), Ok(to)) => same(from, to),
                _ => false,
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::cron_fields::cron_line;

    fn parse(text: &str) -> Schedule {
        Schedule::parse(text).unwrap()
    }

    fn moved_line(text: &str, offset: u32) -> Option<String> {
        moved(&parse(text), offset).map(|s| {
            let seconds: Vec<u8> = s.seconds().iter().collect();
            format!("{seconds:?} {}", cron_line(&s))
        })
    }

    #[test]
    fn times_move_within_the_day() {
        assert_eq!(moved_line("0 * * * *", 207), Some("[27] 3 * * * *".into()));
        assert_eq!(
            moved_line("30 18 * * 1-5", 600),
            Some("[0] 40 18 * * 1-5".into())
        );
        // Across the hour: 18:55 + 10 min.
        assert_eq!(
            moved_line("55 18 * * 1-5", 600),
            Some("[0] 5 19 * * 1-5".into())
        );
        // Two minutes that no longer share an hour are not a product.
        assert_eq!(moved_line("30,55 18 * * *", 600), None);
        // Unless every hour runs.
        assert_eq!(
            moved_line("30,55 * * * *", 600),
            Some("[0] 5,40 * * * *".into())
        );
    }

    #[test]
    fn times_past_midnight_move_the_days_of_week_or_need_every_day() {
        assert_eq!(moved_line("55 23 * * *", 600), Some("[0] 5 0 * * *".into()));
        // Friday 23:55 + 10 min is Saturday 00:05.
        assert_eq!(
            moved_line("55 23 * * 1-5", 600),
            Some("[0] 5 0 * * 2-6".into())
        );
        assert_eq!(moved_line("55 23 * * 6", 600), Some("[0] 5 0 * * 0".into()));
        // The day after the 31st is no day of month.
        assert_eq!(moved_line("55 23 31 * *", 600), None);
        assert_eq!(moved_line("55 23 * 1 *", 600), None);
        // Some runs cross midnight and some do not.
        assert_eq!(moved_line("0 12,23 * * 1", 7200 - 1), None);
        // Within the day, the 31st stays the 31st.
        assert_eq!(
            moved_line("0 0 31 * *", 600),
            Some("[0] 10 0 31 * *".into())
        );
    }

    fn agrees_in(text: &str, zone: &str, offset: u64) -> bool {
        let schedule = parse(text);
        let tz = TimeZone::get(zone).unwrap();
        let timing = Timing::new(&schedule, &tz, std::time::Duration::from_secs(offset));
        let moved = moved(&schedule, offset as u32).unwrap();
        agrees(
            &timing,
            &moved,
            &tz,
            "2026-06-01T00:00:00Z".parse().unwrap(),
            10,
        )
    }

    #[test]
    fn a_run_shifted_across_a_clock_change_is_caught() {
        // 18:30 + 10 min never meets Chicago's changes at 02:00.
        assert!(agrees_in("30 18 * * *", "America/Chicago", 600));
        // 01:58 + 5 min spans the change: 03:03 CDT, not 02:03.
        assert!(!agrees_in("58 1 * * *", "America/Chicago", 300));
        // Hourly on the hour with a 59-minute splay: never spans a change.
        assert!(agrees_in("0 * * * *", "America/Chicago", 3540));
        // Lord Howe changes at 02:00 by 30 minutes.
        assert!(!agrees_in("45 1 * * *", "Australia/Lord_Howe", 1200));
        assert!(agrees_in("45 1 * * *", "UTC", 1200));
    }
}
