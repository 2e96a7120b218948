//! Catch-up: a job's most recent scheduled instant within its `catchUp`
//! window, and whether that instant went without a run (the machine was
//! down, cron was stopped). Pure: the clock and the history are passed in.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::schedule::timing::Timing;

/// The latest (shifted) instant the job fires at within `window` before
/// `now` (both ends included), if any.
///
/// Searched from `now` backwards, not by walking the window's fire times
/// forwards: an every-second schedule fires 34 million times in a
/// 400-day window. Whether the job fires in `(t, now]` only grows as `t`
/// goes back, so a bisection over the window finds the latest fire time
/// in about 50 steps whatever the schedule, each one search for the next
/// fire time after an instant.
pub(crate) fn latest(timing: &Timing, window: Duration, now: Timestamp) -> Option<Timestamp> {
    let window = SignedDuration::try_from(window).unwrap_or(SignedDuration::MAX);
    let start = now.checked_sub(window).unwrap_or(Timestamp::MIN);
    // `next_after` is strictly after its argument: begin just before the
    // window, so an instant on its first edge counts.
    let before = start
        .checked_sub(SignedDuration::from_nanos(1))
        .unwrap_or(start);
    let fires_by_now = |after: Timestamp| {
        timing
            .next_after(after)
            .map(|z| z.timestamp())
            .filter(|t| *t <= now)
    };
    // `low`: the schedule fires in (low, now]; `high`: it does not fire
    // in (high, now].
    let mut found = fires_by_now(before)?;
    let (mut low, mut high) = (before, now);
    loop {
        let gap = high.duration_since(low);
        if gap <= SignedDuration::from_nanos(1) {
            return Some(found);
        }
        let middle = low.checked_add(gap / 2).ok()?;
        match fires_by_now(middle) {
            Some(at) => {
                found = at;
                low = middle;
            }
            None => high = middle,
        }
    }
}

/// The instant to catch up, if the latest one in the window has no run
/// at or after it. `last_run` is the latest instant a recorded run of the
/// job started at or was scheduled for, whatever its outcome: a run that
/// was skipped by `dependsOn` or found the job busy was the scheduled run.
pub(crate) fn missed(
    timing: &Timing,
    window: Duration,
    now: Timestamp,
    last_run: Option<Timestamp>,
) -> Option<Timestamp> {
    let instant = latest(timing, window, now)?;
    let handled = last_run.is_some_and(|last| last >= instant);
    (!handled).then_some(instant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Schedule;
    use jiff::tz::TimeZone;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn schedule(text: &str) -> Schedule {
        Schedule::parse(text).unwrap()
    }

    fn chicago() -> TimeZone {
        TimeZone::get("America/Chicago").unwrap()
    }

    const HOURS_6: Duration = Duration::from_secs(6 * 3600);

    #[test]
    fn the_latest_instant_is_the_one_just_before_now() {
        // 18:30 Chicago on weekdays; Friday 2025-03-07 is CST (UTC-6).
        let s = schedule("30 18 * * 1-5");
        assert_eq!(
            latest(
                &Timing::new(&s, &chicago(), Duration::ZERO),
                HOURS_6,
                at("2025-03-08T02:00:00Z")
            ),
            Some(at("2025-03-08T00:30:00Z"))
        );
    }

    #[test]
    fn nothing_is_missed_when_no_instant_falls_in_the_window() {
        let s = schedule("30 18 * * 1-5");
        // Saturday evening: the last run was Friday's, a day ago.
        assert_eq!(
            latest(
                &Timing::new(&s, &chicago(), Duration::ZERO),
                HOURS_6,
                at("2025-03-09T02:00:00Z")
            ),
            None
        );
    }

    #[test]
    fn an_instant_on_the_window_edge_counts() {
        let s = schedule("30 18 * * 1-5");
        let now = at("2025-03-08T06:30:00Z");
        assert_eq!(
            latest(&Timing::new(&s, &chicago(), Duration::ZERO), HOURS_6, now),
            Some(at("2025-03-08T00:30:00Z"))
        );
        let later = at("2025-03-08T06:30:00.001Z");
        assert_eq!(
            latest(&Timing::new(&s, &chicago(), Duration::ZERO), HOURS_6, later),
            None
        );
    }

    /// The latest fire time in the window, by walking it forwards.
    fn walked(timing: &Timing, window: Duration, now: Timestamp) -> Option<Timestamp> {
        let start = now
            .checked_sub(SignedDuration::try_from(window).unwrap())
            .unwrap();
        timing
            .upcoming(start.checked_sub(SignedDuration::from_nanos(1)).unwrap())
            .map(|z| z.timestamp())
            .take_while(|t| *t <= now)
            .last()
    }

    #[test]
    fn the_search_backwards_agrees_with_walking_the_window() {
        let tz = chicago();
        let schedules = [
            "* * * * *",
            "*/7 * * * * *",
            "30 18 * * 1-5",
            "0 0 29 2 *",
            "15,45 2 * * *",
            "0 9-17/2 * * 1,3",
        ];
        let nows = [
            "2025-03-09T08:30:00Z", // Chicago's spring forward
            "2025-11-02T07:30:00Z", // and fall back
            "2025-03-08T00:30:00Z", // on a fire time
            "2025-03-08T00:30:00.000000001Z",
            "2024-12-31T23:59:59.999Z",
        ];
        let windows = [1, 59, 60, 3_600, 86_400, 3 * 86_400];
        // With a splay too: the shifted instants are searched the same way.
        let splays = [Duration::ZERO, Duration::from_secs(299)];
        for text in schedules {
            let s = schedule(text);
            for splay in splays {
                let timing = Timing::new(&s, &tz, splay);
                for now in nows {
                    for secs in windows {
                        let window = Duration::from_secs(secs);
                        assert_eq!(
                            latest(&timing, window, at(now)),
                            walked(&timing, window, at(now)),
                            "{text} +{splay:?} at {now} within {secs}s"
                        );
                    }
                }
            }
        }
        // A leap day within a long window, found from four years on.
        assert_eq!(
            latest(
                &Timing::new(&schedule("0 0 29 2 *"), &TimeZone::UTC, Duration::ZERO),
                Duration::from_secs(400 * 86_400),
                at("2025-01-01T00:00:00Z")
            ),
            Some(at("2024-02-29T00:00:00Z"))
        );
    }

    #[test]
    fn an_every_second_schedule_over_the_longest_window_is_searched_not_walked() {
        // 34 million fire times in the window: walked, this would not end
        // in any reasonable time; searched, it is some 60 steps.
        let s = schedule("* * * * * *");
        let window = Duration::from_secs(400 * 86_400);
        let now = at("2025-03-08T01:15:00.5Z");
        assert_eq!(
            latest(&Timing::new(&s, &chicago(), Duration::ZERO), window, now),
            Some(at("2025-03-08T01:15:00Z"))
        );
    }

    #[test]
    fn a_machine_down_at_the_scheduled_time_misses_the_run() {
        let s = schedule("30 18 * * 1-5");
        let now = at("2025-03-08T01:15:00Z");
        // The last run recorded is Thursday's; the machine came back at
        // 19:15 Friday.
        let last_run = Some(at("2025-03-07T00:30:01Z"));
        assert_eq!(
            missed(
                &Timing::new(&s, &chicago(), Duration::ZERO),
                HOURS_6,
                now,
                last_run
            ),
            Some(at("2025-03-08T00:30:00Z"))
        );
    }

    #[test]
    fn a_run_at_or_after_the_instant_means_nothing_was_missed() {
        let s = schedule("30 18 * * 1-5");
        let now = at("2025-03-08T01:15:00Z");
        let started = Some(at("2025-03-08T00:30:00.400Z"));
        assert_eq!(
            missed(
                &Timing::new(&s, &chicago(), Duration::ZERO),
                HOURS_6,
                now,
                started
            ),
            None
        );
        // Started a second early, but for the instant: a catch-up's run.
        let scheduled = Some(at("2025-03-08T00:30:00Z"));
        assert_eq!(
            missed(
                &Timing::new(&s, &chicago(), Duration::ZERO),
                HOURS_6,
                now,
                scheduled
            ),
            None
        );
        let before = Some(at("2025-03-08T00:29:59Z"));
        assert!(
            missed(
                &Timing::new(&s, &chicago(), Duration::ZERO),
                HOURS_6,
                now,
                before
            )
            .is_some()
        );
    }

    #[test]
    fn a_splayed_job_is_caught_up_at_its_shifted_instant() {
        let s = schedule("30 18 * * 1-5");
        let tz = chicago();
        let splayed = Timing::new(&s, &tz, Duration::from_secs(250));
        // Friday 18:30 CST + 4m10s; the machine came back at 19:15.
        let now = at("2025-03-08T01:15:00Z");
        assert_eq!(
            missed(&splayed, HOURS_6, now, Some(at("2025-03-07T00:34:10Z"))),
            Some(at("2025-03-08T00:34:10Z"))
        );
        // A run for the shifted instant means nothing was missed.
        assert_eq!(
            missed(&splayed, HOURS_6, now, Some(at("2025-03-08T00:34:10Z"))),
            None
        );
        // Between the written and the shifted instant, the shifted one has
        // not come yet: the latest is the day before's, out of the window.
        assert_eq!(latest(&splayed, HOURS_6, at("2025-03-08T00:32:00Z")), None);
    }
}
