//! When a job fires: its schedule's fire times in its zone, each delayed
//! by its splay offset.
//!
//! The order is fixed: the schedule's local time is read in the zone
//! first (a time in a spring-forward gap is skipped, one in a fall-back
//! fold fires at its first occurrence, as `fire_times` says), and the
//! offset is then added to that instant. So a splay never adds or drops a
//! run, and a shifted run whose offset spans a clock change starts the
//! offset's length after its scheduled instant, whatever the wall clock
//! says in between.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ZonedDateTime as Zoned};

use crate::schedule::Schedule;

/// A schedule in a zone, with the offset its fire times are delayed by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing<'a> {
    pub(crate) schedule: &'a Schedule,
    pub(crate) tz: &'a TimeZone,
    /// Whole seconds, at least 0 (the splay offset; zero without one).
    pub(crate) offset: SignedDuration,
}

impl<'a> Timing<'a> {
    pub(crate) fn new(
        schedule: &'a Schedule,
        tz: &'a TimeZone,
        offset: std::time::Duration,
    ) -> Timing<'a> {
        Timing {
            schedule,
            tz,
            offset: SignedDuration::try_from(offset).unwrap_or(SignedDuration::ZERO),
        }
    }

    /// The first (shifted) fire time strictly after `after`.
    pub(crate) fn next_after(&self, after: Timestamp) -> Option<Zoned> {
        self.upcoming(after).next()
    }

    /// The (shifted) fire times strictly after `after`, in order.
    pub(crate) fn upcoming(&self, after: Timestamp) -> impl Iterator<Item = Zoned> + 'a {
        let (schedule, tz, offset) = (self.schedule, self.tz, self.offset);
        let before = after.checked_sub(offset).ok();
        before
            .into_iter()
            .flat_map(move |before| schedule.upcoming(before, tz))
            .map_while(move |written| {
                let shifted = written.timestamp().checked_add(offset).ok()?;
                Some(shifted.to_zoned_datetime(tz.clone()))
            })
    }

    /// Whether every fire time is at second 0 of its minute: what a cron
    /// line (which has no seconds) can start on time by itself.
    pub(crate) fn at_whole_minutes(&self) -> bool {
        !self.schedule.is_sub_minute() && self.offset.as_secs() % 60 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::tests::{at, parse, zone};

    fn shifted(schedule: &str, zone_name: &str, offset: u64, after: &str, n: usize) -> Vec<String> {
        let schedule = parse(schedule);
        let tz = zone(zone_name);
        let timing = Timing::new(&schedule, &tz, std::time::Duration::from_secs(offset));
        timing
            .upcoming(at(after))
            .take(n)
            .map(|z| z.timestamp().to_string())
            .collect()
    }

    #[test]
    fn every_fire_time_moves_by_the_offset() {
        assert_eq!(
            shifted("0 * * * *", "UTC", 207, "2027-01-01T00:00:00Z", 2),
            vec!["2027-01-01T00:03:27Z", "2027-01-01T01:03:27Z"]
        );
        // Asked between a written time and its shifted one: the shifted
        // one is still to come.
        assert_eq!(
            shifted("0 * * * *", "UTC", 207, "2027-01-01T01:02:00Z", 1),
            vec!["2027-01-01T01:03:27Z"]
        );
        assert_eq!(
            shifted("0 * * * *", "UTC", 207, "2027-01-01T01:03:27Z", 1),
            vec!["2027-01-01T02:03:27Z"]
        );
    }

    #[test]
    fn a_shift_crosses_hours_days_months_and_years() {
        assert_eq!(
            shifted("59 23 31 12 *", "UTC", 3000, "2027-06-01T00:00:00Z", 1),
            vec!["2028-01-01T00:49:00Z"]
        );
        assert_eq!(
            shifted("50 23 31 * *", "UTC", 900, "2027-01-01T00:00:00Z", 2),
            vec!["2027-01-01T00:05:00Z", "2027-02-01T00:05:00Z"]
        );
    }

    #[test]
    fn the_local_time_is_read_first_and_the_offset_added_to_the_instant() {
        // 01:58 CST + 5 min on the spring-forward day is 03:03 CDT: the
        // run is 5 minutes after its scheduled instant.
        assert_eq!(
            shifted(
                "58 1 * * *",
                "America/Chicago",
                300,
                "2027-03-13T12:00:00Z",
                2
            ),
            vec!["2027-03-14T08:03:00Z", "2027-03-15T07:03:00Z"]
        );
        // 02:30 does not exist that day: skipped, splay or not.
        assert_eq!(
            shifted(
                "30 2 * * *",
                "America/Chicago",
                300,
                "2027-03-13T12:00:00Z",
                1
            ),
            vec!["2027-03-15T07:35:00Z"]
        );
        // 01:58 CDT on the fall-back day, + 5 min: 01:03 CST.
        assert_eq!(
            shifted(
                "58 1 * * *",
                "America/Chicago",
                300,
                "2027-11-06T12:00:00Z",
                2
            ),
            vec!["2027-11-07T07:03:00Z", "2027-11-08T08:03:00Z"]
        );
    }

    #[test]
    fn whole_minutes_only_when_the_offset_is_whole_minutes() {
        let schedule = parse("0 * * * *");
        let tz = zone("UTC");
        let minute = |secs| Timing::new(&schedule, &tz, std::time::Duration::from_secs(secs));
        assert!(minute(0).at_whole_minutes());
        assert!(minute(120).at_whole_minutes());
        assert!(!minute(121).at_whole_minutes());
    }
}
