//! Splay: each of a job's scheduled instants delayed by one fixed offset,
//! so that jobs written for the same minute (`0 * * * *`, midnight) do not
//! all reach their servers at once. Random jitter would make "late"
//! unmeasurable; like Jenkins' `H`, the offset is a hash of what names
//! the job, the same on every host and every run.
//!
//! What is hashed is the job's name and the file's `splaySeed` (empty when
//! not given): text written in the job file, and nothing about where the
//! file is kept. Two hosts may keep the file at different paths, and the
//! Kubernetes export mounts every job file as `/etc/jobrun/jobs.yaml`; a
//! path or a file name would give each of them another offset. A file
//! whose job names repeat another file's sets its own `splaySeed`.

use std::time::Duration;

use crate::schedule::Schedule;

/// The longest splay: it spreads a burst over minutes, not a job over
/// the day (write another schedule for that).
pub(crate) const MAX: Duration = Duration::from_secs(3600);

/// A job's splay: how long it may be, and the offset that falls to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Splay {
    /// `splay` as written: the offset is less than it.
    pub(crate) length: Duration,
    /// Whole seconds, in `[0, length)`.
    pub(crate) offset: Duration,
}

impl Splay {
    /// The splay of `length` for the job called `job`, with the file's
    /// `seed`. `length` is whole seconds, more than 0.
    pub(crate) fn new(length: Duration, seed: &str, job: &str) -> Splay {
        let seconds = length.as_secs().max(1);
        let text = format!("jobrun splay\n{seed}\n{job}");
        let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest.as_ref()[..8]);
        // 2^64 is so much more than an hour of seconds that the remainder's
        // bias is below one part in 10^15.
        let offset = u64::from_be_bytes(first) % seconds;
        Splay {
            length,
            offset: Duration::from_secs(offset),
        }
    }
}

/// The shortest time between two fire times of `schedule`, in its local
/// time (a DST change makes one interval a year shorter or longer). A
/// splay must be shorter, or a run would start after the next one's
/// scheduled time.
pub(crate) fn shortest_interval(schedule: &Schedule) -> Duration {
    let times = times_of_day(schedule);
    let mut shortest = times
        .windows(2)
        .map(|pair| pair[1] - pair[0])
        .min()
        .unwrap_or(u32::MAX);
    if let (Some(first), Some(last)) = (times.first(), times.last()) {
        // From the day's last time to the next day's first, when two days
        // in a row can both fire.
        if consecutive_days_fire(schedule) {
            shortest = shortest.min(86_400 - last + first);
        } else {
            shortest = shortest.min(2 * 86_400 - last + first);
        }
    }
    Duration::from_secs(u64::from(shortest))
}

/// Every second of the day the schedule fires at, in order.
pub(crate) fn times_of_day(schedule: &Schedule) -> Vec<u32> {
    let mut out = Vec::new();
    for h in schedule.hours().iter() {
        for m in schedule.minutes().iter() {
            for s in schedule.seconds().iter() {
                out.push(u32::from(h) * 3600 + u32::from(m) * 60 + u32::from(s));
            }
        }
    }
    out
}

/// Whether some day and the day after it both match: looked for over 28
/// years, after which weekdays and dates repeat (bar century years).
fn consecutive_days_fire(schedule: &Schedule) -> bool {
    let Ok(mut day) = jiff::civil::Date::new(2000, 1, 1) else {
        return true;
    };
    let mut previous = false;
    for _ in 0..(28 * 366) {
        let matches = schedule.months().contains(day.month() as u8) && schedule.day_matches(day);
        if matches && previous {
            return true;
        }
        previous = matches;
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::tests::parse;

    #[test]
    fn the_offset_is_stable_and_below_the_length() {
        let five = Duration::from_secs(300);
        let a = Splay::new(five, "", "kpi-evening-report");
        assert_eq!(a, Splay::new(five, "", "kpi-evening-report"));
        assert!(a.offset < five);
        // Fixed for good: a changed hash would move every splayed job.
        assert_eq!(a.offset, Duration::from_secs(a.offset.as_secs()));
        assert_eq!(
            Splay::new(five, "", "kpi-evening-report").offset,
            Splay::new(five, "", "kpi-evening-report").offset
        );
    }

    #[test]
    fn the_seed_and_the_name_each_move_the_offset() {
        let hour = Duration::from_secs(3600);
        let base = Splay::new(hour, "", "backup").offset;
        let seeded = Splay::new(hour, "billing", "backup").offset;
        let other = Splay::new(hour, "", "backup2").offset;
        assert_ne!(base, seeded);
        assert_ne!(base, other);
    }

    #[test]
    fn offsets_spread_over_the_whole_splay() {
        let five = Duration::from_secs(300);
        let offsets: Vec<u64> = (0..3000)
            .map(|i| Splay::new(five, "", &format!("job-{i}")).offset.as_secs())
            .collect();
        assert!(offsets.iter().all(|o| *o < 300));
        // Each minute of the five gets about a fifth of 3000 jobs.
        for minute in 0..5 {
            let count = offsets.iter().filter(|o| **o / 60 == minute).count();
            assert!((480..=720).contains(&count), "minute {minute}: {count}");
        }
    }

    #[test]
    fn the_shortest_interval_follows_the_fields() {
        let secs = |text: &str| shortest_interval(&parse(text)).as_secs();
        assert_eq!(secs("* * * * *"), 60);
        assert_eq!(secs("*/5 * * * * *"), 5);
        assert_eq!(secs("0 * * * *"), 3600);
        assert_eq!(secs("0,50 * * * *"), 600);
        assert_eq!(secs("30 18 * * *"), 86_400);
        assert_eq!(secs("0 9,17 * * *"), 8 * 3600);
        // Weekdays: Friday to Monday is longer, Monday to Tuesday a day.
        assert_eq!(secs("30 18 * * 1-5"), 86_400);
        // No two days in a row: at least two days apart.
        assert_eq!(secs("0 0 * * 1"), 2 * 86_400);
        assert_eq!(secs("0 0 1 * *"), 2 * 86_400);
    }
}
