//! The clock changes of a zone that a schedule's local times meet: a time
//! in a spring-forward gap does not exist that day and its run is skipped;
//! a time in a fall-back fold happens twice and runs once, at its first
//! occurrence (`fire_times`). Both are right, and both surprise people
//! once a year: `validate` warns of them ahead, `next` notes them.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::schedule::Schedule;

/// The most local times of one change kept (an every-second schedule has
/// 3,600 in an hour's gap); the rest are only counted.
const KEPT: usize = 10_000;

/// What a clock change does to the schedule's runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Clocks go forward: the local times in between do not exist that
    /// day, and their runs are skipped.
    Skipped,
    /// Clocks go back: the local times in between happen twice, and each
    /// runs once, at its first occurrence.
    Once,
}

/// One clock change and the schedule's local times it affects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) kind: Kind,
    /// The local date of the affected times.
    pub(crate) date: Date,
    /// The local time the clocks leave, and the one they show next:
    /// 02:00 and 03:00 going forward, 02:00 and 01:00 going back.
    pub(crate) from: Time,
    pub(crate) to: Time,
    /// The schedule's local times in the gap or the fold, in order.
    pub(crate) times: Vec<DateTime>,
    /// The first of those local times as an instant: when it runs (for
    /// `Once`) or would have (for `Skipped`, the moment the clocks jumped).
    pub(crate) first: Timestamp,
}

/// The zone's clock changes from `from` to `to` that cost the schedule a
/// run, in order. Going back, the repeated times run once: the second
/// pass of a repeated hour goes without the runs it had the first time.
/// Going forward, the times that do not exist are skipped, and that costs
/// a run unless each skipped time's moment (as the clock would have read
/// it had it not jumped) has a run all the same: an every-minute or hourly
/// job runs on through the jump, a daily 02:30 does not.
pub(crate) fn changes(
    schedule: &Schedule,
    tz: &TimeZone,
    from: Timestamp,
    to: Timestamp,
) -> Vec<Change> {
    let mut out = Vec::new();
    let Ok(start) = from.checked_sub(SignedDuration::from_secs(1)) else {
        return out;
    };
    for transition in tz.following(start) {
        let at = transition.timestamp();
        if at > to {
            break;
        }
        if at < from {
            continue;
        }
        let Ok(just_before) = at.checked_sub(SignedDuration::from_secs(1)) else {
            continue;
        };
        let (before, after) = (tz.to_offset(just_before), transition.offset());
        if before == after {
            // A new abbreviation or rule, the same clock.
            continue;
        }
        let (left, shown) = (before.to_datetime(at), after.to_datetime(at));
        let (kind, window) = if after > before {
            (Kind::Skipped, (left, shown))
        } else {
            (Kind::Once, (shown, left))
        };
        let times = schedule.local_times(window.0, window.1, KEPT);
        let Some(first_time) = times.first() else {
            continue;
        };
        if kind == Kind::Skipped && runs_on_through(schedule, tz, at, window.0, &times) {
            continue;
        }
        let first = match kind {
            Kind::Skipped => at,
            Kind::Once => tz
                .to_ambiguous_timestamp(*first_time)
                .earlier()
                .unwrap_or(at),
        };
        out.push(Change {
            kind,
            // The day of the times themselves: Santiago's clocks go back
            // from midnight into the day before.
            date: first_time.date(),
            from: left.time(),
            to: shown.time(),
            times,
            first,
        });
    }
    out
}

/// Whether every skipped local time's moment, counted from the jump at
/// `at` (which is `gap_start` on the old clock), is a run's moment too.
fn runs_on_through(
    schedule: &Schedule,
    tz: &TimeZone,
    at: Timestamp,
    gap_start: DateTime,
    skipped: &[DateTime],
) -> bool {
    let Some(last) = skipped.last() else {
        return true;
    };
    let Some(span) = gap_start
        .duration_until(*last)
        .checked_add(SignedDuration::from_secs(1))
    else {
        return false;
    };
    let (Ok(before), Ok(end)) = (
        at.checked_sub(SignedDuration::from_secs(1)),
        at.checked_add(span),
    ) else {
        return false;
    };
    let runs: std::collections::BTreeSet<Timestamp> = schedule
        .upcoming(before, tz)
        .map(|z| z.timestamp())
        .take_while(|t| *t < end)
        .take(KEPT + 1)
        .collect();
    skipped.iter().all(|time| {
        at.checked_add(gap_start.duration_until(*time))
            .is_ok_and(|moment| runs.contains(&moment))
    })
}

impl Change {
    /// `02:30`, or `02:00 to 02:45` for several.
    pub(crate) fn times_text(&self) -> String {
        let (Some(first), Some(last)) = (self.times.first(), self.times.last()) else {
            return String::new();
        };
        if first == last {
            clock(first.time())
        } else {
            format!("{} to {}", clock(first.time()), clock(last.time()))
        }
    }

    /// `clocks go forward from 02:00 to 03:00`.
    pub(crate) fn clocks_text(&self) -> String {
        let way = match self.kind {
            Kind::Skipped => "forward",
            Kind::Once => "back",
        };
        format!(
            "clocks go {way} from {} to {}",
            clock(self.from),
            clock(self.to)
        )
    }

    /// What happens to the runs, in a few words: `02:30 is skipped`,
    /// `runs once at the first 01:30`.
    pub(crate) fn what(&self) -> String {
        let count = self.times.len();
        match (self.kind, count) {
            (Kind::Skipped, 1) => format!("{} is skipped", self.times_text()),
            (Kind::Skipped, n) => format!("{n} runs, {}, are skipped", self.times_text()),
            (Kind::Once, 1) => format!("runs once at the first {}", self.times_text()),
            (Kind::Once, n) => format!(
                "{n} runs, {}, run once each at their first occurrence",
                self.times_text()
            ),
        }
    }

    /// The hours the clocks change between, to pick times outside:
    /// `01:00-03:00` for Chicago's changes.
    pub(crate) fn span_text(&self) -> String {
        let (low, high) = if self.from < self.to {
            (self.from, self.to)
        } else {
            (self.to, self.from)
        };
        format!("{}-{}", clock(low), clock(high))
    }
}

/// `02:30`, with seconds only when there are some.
fn clock(time: Time) -> String {
    if time.second() == 0 {
        time.strftime("%H:%M").to_string()
    } else {
        time.strftime("%H:%M:%S").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::tests::{at, parse, zone};

    /// Each change in 2027 and 2028: (date, what, clocks).
    fn found(schedule: &str, zone_name: &str) -> Vec<(String, String, String)> {
        changes(
            &parse(schedule),
            &zone(zone_name),
            at("2027-01-01T00:00:00Z"),
            at("2029-01-01T00:00:00Z"),
        )
        .iter()
        .map(|c| (c.date.to_string(), c.what(), c.clocks_text()))
        .collect()
    }

    fn row(date: &str, what: &str, clocks: &str) -> (String, String, String) {
        (date.into(), what.into(), clocks.into())
    }

    #[test]
    fn chicago_skips_0230_in_march_and_runs_0130_once_in_november() {
        let forward = "clocks go forward from 02:00 to 03:00";
        let back = "clocks go back from 02:00 to 01:00";
        assert_eq!(
            found("30 2 * * *", "America/Chicago"),
            vec![
                row("2027-03-14", "02:30 is skipped", forward),
                row("2028-03-12", "02:30 is skipped", forward)
            ]
        );
        assert_eq!(
            found("30 1 * * *", "America/Chicago"),
            vec![
                row("2027-11-07", "runs once at the first 01:30", back),
                row("2028-11-05", "runs once at the first 01:30", back)
            ]
        );
        // Outside 01:00-03:00: untouched.
        assert!(found("30 3 * * *", "America/Chicago").is_empty());
        assert!(found("59 0 * * *", "America/Chicago").is_empty());
    }

    #[test]
    fn the_first_occurrence_is_the_instant_it_runs_at() {
        let c = &changes(
            &parse("30 1 * * *"),
            &zone("America/Chicago"),
            at("2027-11-01T00:00:00Z"),
            at("2027-12-01T00:00:00Z"),
        )[0];
        // 01:30 CDT, before the clocks go back.
        assert_eq!(c.first, at("2027-11-07T06:30:00Z"));
        assert_eq!(c.span_text(), "01:00-02:00");
    }

    #[test]
    fn london_changes_at_one_and_two() {
        assert_eq!(
            found("15 1 * * *", "Europe/London"),
            vec![
                row(
                    "2027-03-28",
                    "01:15 is skipped",
                    "clocks go forward from 01:00 to 02:00"
                ),
                row(
                    "2027-10-31",
                    "runs once at the first 01:15",
                    "clocks go back from 02:00 to 01:00"
                ),
                row(
                    "2028-03-26",
                    "01:15 is skipped",
                    "clocks go forward from 01:00 to 02:00"
                ),
                row(
                    "2028-10-29",
                    "runs once at the first 01:15",
                    "clocks go back from 02:00 to 01:00"
                ),
            ]
        );
    }

    #[test]
    fn lord_howe_changes_by_thirty_minutes() {
        let back = "clocks go back from 02:00 to 01:30";
        let forward = "clocks go forward from 02:00 to 02:30";
        assert_eq!(
            found("45 1 * * *", "Australia/Lord_Howe"),
            vec![
                row("2027-04-04", "runs once at the first 01:45", back),
                row("2028-04-02", "runs once at the first 01:45", back),
            ]
        );
        assert_eq!(
            found("15 2 * * *", "Australia/Lord_Howe"),
            vec![
                row("2027-10-03", "02:15 is skipped", forward),
                row("2028-10-01", "02:15 is skipped", forward),
            ]
        );
        // 02:15's moment, had the clock not jumped, is 02:45's: a job at
        // both runs on through the change.
        assert!(found("15,45 2 * * *", "Australia/Lord_Howe").is_empty());
    }

    #[test]
    fn southern_zones_go_forward_in_october_and_back_in_april() {
        let back = "clocks go back from 03:00 to 02:00";
        let forward = "clocks go forward from 02:00 to 03:00";
        assert_eq!(
            found("30 2 * * *", "Australia/Sydney"),
            vec![
                row("2027-04-04", "runs once at the first 02:30", back),
                row("2027-10-03", "02:30 is skipped", forward),
                row("2028-04-02", "runs once at the first 02:30", back),
                row("2028-10-01", "02:30 is skipped", forward),
            ]
        );
        // Santiago changes at midnight: a midnight job is skipped in
        // September, and 23:30 runs once in April.
        assert_eq!(
            found("0 0 * * *", "America/Santiago"),
            vec![
                row(
                    "2027-09-05",
                    "00:00 is skipped",
                    "clocks go forward from 00:00 to 01:00"
                ),
                row(
                    "2028-09-03",
                    "00:00 is skipped",
                    "clocks go forward from 00:00 to 01:00"
                ),
            ]
        );
        assert_eq!(
            found("30 23 * * *", "America/Santiago"),
            vec![
                row(
                    "2027-04-03",
                    "runs once at the first 23:30",
                    "clocks go back from 00:00 to 23:00"
                ),
                row(
                    "2028-04-01",
                    "runs once at the first 23:30",
                    "clocks go back from 00:00 to 23:00"
                ),
            ]
        );
    }

    #[test]
    fn an_every_minute_job_is_one_change_with_its_count() {
        let all = changes(
            &parse("* * * * *"),
            &zone("America/Chicago"),
            at("2027-01-01T00:00:00Z"),
            at("2028-01-01T00:00:00Z"),
        );
        // Going forward it runs on through the jump: 01:59 CST, then
        // 03:00 CDT a minute later. Going back, the repeated hour has none.
        assert_eq!(all.len(), 1);
        assert_eq!(
            all[0].what(),
            "60 runs, 01:00 to 01:59, run once each at their first occurrence"
        );
        for text in ["30 * * * *", "*/15 * * * *", "0 2,3 * * *"] {
            let kinds: Vec<Kind> = changes(
                &parse(text),
                &zone("America/Chicago"),
                at("2027-01-01T00:00:00Z"),
                at("2027-06-01T00:00:00Z"),
            )
            .iter()
            .map(|c| c.kind)
            .collect();
            assert!(kinds.is_empty(), "{text}: {kinds:?}");
        }
        // Every minute of the 2 o'clock hour only: all lost that day.
        let hour = changes(
            &parse("* 2 * * *"),
            &zone("America/Chicago"),
            at("2027-01-01T00:00:00Z"),
            at("2027-06-01T00:00:00Z"),
        );
        assert_eq!(hour[0].what(), "60 runs, 02:00 to 02:59, are skipped");
        // No change, no entry: UTC, Kolkata.
        for name in ["UTC", "Asia/Kolkata"] {
            assert!(
                changes(
                    &parse("* * * * *"),
                    &zone(name),
                    at("2027-01-01T00:00:00Z"),
                    at("2029-01-01T00:00:00Z")
                )
                .is_empty()
            );
        }
    }
}
