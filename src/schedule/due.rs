//! `run --due`: which of a schedule's fire times an invocation from cron
//! stands for, given the moment it started.
//!
//! A crontab line for a job kept in another zone (or firing at seconds
//! other than 0) starts jobrun at every host minute the job could fall on;
//! the run then asks here whether the schedule really fires now in the
//! job's zone. A fire time F is due when
//! `now - 59 s <= F <= now + 5 s` (cron starts a line a little after its
//! minute, or a moment early on a skewed clock).

use jiff::{SignedDuration, Timestamp};

use crate::schedule::timing::Timing;

/// How long after a fire time cron may still start its line.
pub(crate) const LATE: SignedDuration = SignedDuration::from_secs(59);
/// How long before a fire time cron may start its line.
pub(crate) const EARLY: SignedDuration = SignedDuration::from_secs(5);

/// The fire times an invocation started at `now` should run, in order;
/// empty when the schedule does not fire now.
///
/// Fire times at second 0 only get one: the first in the window (the
/// window is 65 s long, so a very late start could see the next minute's
/// too, which the next invocation will run). Fire times at other seconds
/// (a sub-minute schedule, or a splay offset that is not whole minutes)
/// are each of those in the minute cron started the line for, the minute
/// holding `now + 5 s`: the run waits for each one's second.
pub(crate) fn fire_times(timing: &Timing, now: Timestamp) -> Vec<Timestamp> {
    let (Some(start), Some(end)) = (now.checked_sub(LATE).ok(), now.checked_add(EARLY).ok()) else {
        return Vec::new();
    };
    if timing.at_whole_minutes() {
        return in_range(timing, start, end).into_iter().take(1).collect();
    }
    let minute = end.as_second().div_euclid(60) * 60;
    let (Ok(from), Ok(to)) = (
        Timestamp::from_second(minute),
        Timestamp::from_second(minute + 59),
    ) else {
        return Vec::new();
    };
    in_range(timing, from, to)
}

/// How long after a fire time a start by a scheduler (`run --scheduled`)
/// still stands for it.
pub(crate) const STANDS_FOR: SignedDuration = SignedDuration::from_secs(300);

/// The fire time a start by a scheduler at `now` stands for (`run
/// --scheduled`): the latest F with `now - 5 min <= F <= now + 5 s`, or
/// none. Unlike `fire_times`, this decides nothing about whether to run:
/// a scheduler's start always runs, and the instant only names it (the
/// claim that lets several hosts share one schedule, the derived
/// `Idempotency-Key`). Hosts whose cron fires the same line within those
/// minutes name the same instant.
pub(crate) fn stands_for(timing: &Timing, now: Timestamp) -> Option<Timestamp> {
    let from = now.checked_sub(STANDS_FOR).ok()?;
    let to = now.checked_add(EARLY).ok()?;
    in_range(timing, from, to).pop()
}

/// Fire times F with `from <= F <= to`.
fn in_range(timing: &Timing, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
    // `upcoming` starts strictly after its instant, at whole seconds.
    let Ok(before) = from.checked_sub(SignedDuration::from_secs(1)) else {
        return Vec::new();
    };
    timing
        .upcoming(before)
        .map(|z| z.timestamp())
        .skip_while(|t| *t < from)
        .take_while(|t| *t <= to)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Schedule;
    use jiff::tz::TimeZone;

    fn due(schedule: &str, zone: &str, now: &str) -> Vec<String> {
        splayed(schedule, zone, 0, now)
    }

    fn splayed(schedule: &str, zone: &str, offset: u64, now: &str) -> Vec<String> {
        let schedule = Schedule::parse(schedule).unwrap();
        let tz = TimeZone::get(zone).unwrap();
        let timing = Timing::new(&schedule, &tz, std::time::Duration::from_secs(offset));
        fire_times(&timing, now.parse().unwrap())
            .iter()
            .map(|t| t.to_string())
            .collect()
    }

    fn stands_for(schedule: &str, offset: u64, now: &str) -> Option<String> {
        let schedule = Schedule::parse(schedule).unwrap();
        let tz = TimeZone::get("America/Chicago").unwrap();
        let timing = Timing::new(&schedule, &tz, std::time::Duration::from_secs(offset));
        super::stands_for(&timing, now.parse().unwrap()).map(|t| t.to_string())
    }

    #[test]
    fn a_schedulers_start_stands_for_the_latest_fire_time_of_the_last_five_minutes() {
        // 08:30 in Chicago is 14:30 UTC in winter.
        let at = Some("2027-01-15T14:30:00Z".to_string());
        assert_eq!(stands_for("30 8 * * *", 0, "2027-01-15T14:30:00Z"), at);
        assert_eq!(stands_for("30 8 * * *", 0, "2027-01-15T14:34:59Z"), at);
        assert_eq!(stands_for("30 8 * * *", 0, "2027-01-15T14:29:56Z"), at);
        assert_eq!(stands_for("30 8 * * *", 0, "2027-01-15T14:35:01Z"), None);
        assert_eq!(stands_for("30 8 * * *", 0, "2027-01-15T14:29:54Z"), None);
        // The latest of several: an every-minute job started late.
        assert_eq!(
            stands_for("* * * * *", 0, "2027-01-15T14:31:20Z"),
            Some("2027-01-15T14:31:00Z".to_string())
        );
        // A splayed job's instant is its shifted time.
        assert_eq!(
            stands_for("30 8 * * *", 125, "2027-01-15T14:32:06Z"),
            Some("2027-01-15T14:32:05Z".to_string())
        );
    }

    #[test]
    fn a_splayed_fire_time_is_due_from_the_start_of_its_minute() {
        // `0 * * * *` + 207 s: cron starts the `3 * * * *` line at 10:03:00,
        // and the run waits for 10:03:27.
        let on = |now| splayed("0 * * * *", "UTC", 207, now);
        assert_eq!(on("2027-01-01T10:03:00.4Z"), vec!["2027-01-01T10:03:27Z"]);
        assert_eq!(on("2027-01-01T10:02:56Z"), vec!["2027-01-01T10:03:27Z"]);
        assert!(on("2027-01-01T10:04:00.4Z").is_empty());
        assert!(on("2027-01-01T10:00:00.4Z").is_empty());
        // An every-minute job shifted by 30 s runs once per minute, never
        // the minute before's again.
        let every = |now| splayed("* * * * *", "UTC", 30, now);
        assert_eq!(
            every("2027-01-01T10:03:00.4Z"),
            vec!["2027-01-01T10:03:30Z"]
        );
        // A whole-minute offset keeps the 59 s late window.
        let whole = |now| splayed("0 * * * *", "UTC", 120, now);
        assert_eq!(whole("2027-01-01T10:02:58Z"), vec!["2027-01-01T10:02:00Z"]);
        // Shifted across the hour and the day: 23:59 + 5 min.
        let late = |now| splayed("59 23 * * *", "UTC", 300, now);
        assert_eq!(late("2027-01-02T00:04:00.2Z"), vec!["2027-01-02T00:04:00Z"]);
        assert!(late("2027-01-01T23:59:00.2Z").is_empty());
    }

    #[test]
    fn a_run_started_on_time_is_due() {
        assert_eq!(
            due("1 13 * * 1-5", "America/Chicago", "2025-03-07T19:01:00.2Z"),
            vec!["2025-03-07T19:01:00Z"]
        );
    }

    #[test]
    fn the_window_reaches_59_seconds_back_and_5_seconds_ahead() {
        let on = |now| due("1 13 * * *", "UTC", now);
        assert_eq!(on("2025-03-07T13:01:59Z"), vec!["2025-03-07T13:01:00Z"]);
        assert!(on("2025-03-07T13:01:59.5Z").is_empty());
        assert!(on("2025-03-07T13:02:00Z").is_empty());
        assert_eq!(on("2025-03-07T13:00:55Z"), vec!["2025-03-07T13:01:00Z"]);
        assert!(on("2025-03-07T13:00:54.9Z").is_empty());
    }

    #[test]
    fn the_other_offsets_hour_is_not_due() {
        // `1 18,19 * * *` starts the Chicago 13:01 job at both hours: in
        // winter 19:01Z is 13:01 CST and 18:01Z is 12:01.
        assert!(due("1 13 * * 1-5", "America/Chicago", "2025-03-07T18:01:00Z").is_empty());
        // In summer 18:01Z is 13:01 CDT and 19:01Z is 14:01.
        assert_eq!(
            due("1 13 * * 1-5", "America/Chicago", "2025-03-10T18:01:01Z"),
            vec!["2025-03-10T18:01:00Z"]
        );
        assert!(due("1 13 * * 1-5", "America/Chicago", "2025-03-10T19:01:01Z").is_empty());
    }

    #[test]
    fn the_day_is_checked_in_the_jobs_zone() {
        // 02:00Z Saturday is 21:00 Friday in Chicago (CDT).
        assert_eq!(
            due("0 21 * * 5", "America/Chicago", "2025-06-07T02:00:01Z"),
            vec!["2025-06-07T02:00:00Z"]
        );
        assert!(due("0 21 * * 6", "America/Chicago", "2025-06-07T02:00:01Z").is_empty());
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_is_never_due() {
        // 02:30 does not exist in Chicago on 2025-03-09; the crontab line
        // `30 7,8 * * *` starts jobrun at 07:30Z (01:30 CST) and 08:30Z
        // (03:30 CDT).
        assert!(due("30 2 * * *", "America/Chicago", "2025-03-09T07:30:00Z").is_empty());
        assert!(due("30 2 * * *", "America/Chicago", "2025-03-09T08:30:00Z").is_empty());
        // The day before, 08:30Z is 02:30 CST.
        assert_eq!(
            due("30 2 * * *", "America/Chicago", "2025-03-08T08:30:00Z"),
            vec!["2025-03-08T08:30:00Z"]
        );
    }

    #[test]
    fn a_time_in_the_fall_back_fold_is_due_once_at_its_first_occurrence() {
        // 01:30 happens at 06:30Z (CDT) and again at 07:30Z (CST).
        assert_eq!(
            due("30 1 * * *", "America/Chicago", "2025-11-02T06:30:02Z"),
            vec!["2025-11-02T06:30:00Z"]
        );
        assert!(due("30 1 * * *", "America/Chicago", "2025-11-02T07:30:02Z").is_empty());
        // The next day, 07:30Z is 01:30 CST.
        assert_eq!(
            due("30 1 * * *", "America/Chicago", "2025-11-03T07:30:00Z"),
            vec!["2025-11-03T07:30:00Z"]
        );
    }

    #[test]
    fn half_hour_offsets_are_due_at_their_half_hour() {
        assert_eq!(
            due("0 9 * * *", "Asia/Kolkata", "2025-01-01T03:30:00Z"),
            vec!["2025-01-01T03:30:00Z"]
        );
        assert!(due("0 9 * * *", "Asia/Kolkata", "2025-01-01T03:00:00Z").is_empty());
        assert!(due("0 9 * * *", "Asia/Kolkata", "2025-01-01T04:00:00Z").is_empty());
        // A fixed offset written as a zone name, 45 minutes past the hour.
        assert_eq!(
            due("0 9 * * *", "Asia/Kathmandu", "2025-01-01T03:15:00Z"),
            vec!["2025-01-01T03:15:00Z"]
        );
    }

    #[test]
    fn lord_howes_thirty_minute_change_is_followed() {
        // +10:30 until 02:00 on 2025-10-05, then +11:00; 02:15 does not
        // exist that day. Crontab line: `15,45 15 * * *`.
        let on = |now| due("15 2 * * *", "Australia/Lord_Howe", now);
        assert_eq!(on("2025-10-03T15:45:00Z"), vec!["2025-10-03T15:45:00Z"]);
        assert!(on("2025-10-03T15:15:00Z").is_empty());
        assert!(on("2025-10-04T15:45:00Z").is_empty());
        assert!(on("2025-10-04T15:15:00Z").is_empty());
        assert_eq!(on("2025-10-05T15:15:00Z"), vec!["2025-10-05T15:15:00Z"]);
        assert!(on("2025-10-05T15:45:00Z").is_empty());
        // Back to +10:30 on 2026-04-05 at 02:00 (01:30-02:00 repeats).
        assert_eq!(on("2026-04-04T15:45:00Z"), vec!["2026-04-04T15:45:00Z"]);
        assert!(on("2026-04-04T15:15:00Z").is_empty());
    }

    #[test]
    fn a_sub_minute_schedule_runs_each_second_of_its_minute() {
        let fires = due("*/5 * * * * *", "UTC", "2025-01-01T10:00:00.3Z");
        assert_eq!(fires.len(), 12);
        assert_eq!(fires[0], "2025-01-01T10:00:00Z");
        assert_eq!(fires[11], "2025-01-01T10:00:55Z");
        // Started a moment early, cron still means the coming minute.
        let early = due("*/5 * * * * *", "UTC", "2025-01-01T09:59:57Z");
        assert_eq!(
            early.first().map(String::as_str),
            Some("2025-01-01T10:00:00Z")
        );
        assert_eq!(early.len(), 12);
        // Only matching minutes: `*/20 30 1 * * *` at 01:30 in Chicago.
        assert_eq!(
            due("*/20 30 1 * * *", "America/Chicago", "2025-06-01T06:30:01Z"),
            vec![
                "2025-06-01T06:30:00Z",
                "2025-06-01T06:30:20Z",
                "2025-06-01T06:30:40Z"
            ]
        );
        assert!(due("*/20 30 1 * * *", "America/Chicago", "2025-06-01T07:30:01Z").is_empty());
    }

    #[test]
    fn a_very_late_start_runs_only_the_fire_time_it_was_for() {
        // 58 s late for 10:00; 10:01 is also in the window, and is left to
        // the next invocation.
        assert_eq!(
            due("* * * * *", "UTC", "2025-01-01T10:00:58Z"),
            vec!["2025-01-01T10:00:00Z"]
        );
    }
}
