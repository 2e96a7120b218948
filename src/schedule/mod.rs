//! The schedule room: cron expressions and what they mean (Vixie cron's
//! reading), node-cron's reading of the same text, time zones by name,
//! the fire times of a schedule in a zone, a job's splay offset and its
//! shifted fire times, the DST changes its local times meet, which fire
//! times an invocation of `run --due` stands for, and catch-up's latest
//! missed instant.
//!
//! It never reads the clock, the environment or the run history itself:
//! the moment, a lookup for `TZ` and the last run are passed in. What it
//! does read is the system's zoneinfo (`/etc/localtime` and the zone files;
//! jiff's zone database, the fallback, consults `TZDIR` on its own).

pub(crate) mod catch_up;
pub(crate) mod dst;
pub(crate) mod due;
mod expression;
mod fire_times;
mod interval;
pub(crate) mod node_cron;
pub(crate) mod splay;
pub(crate) mod timing;
pub(crate) mod zone;

pub(crate) use expression::{
    DAY_OF_MONTH, DAY_OF_WEEK, Field, FieldSet, HOUR, MINUTE, MONTH, SECOND, Schedule,
    ScheduleError,
};
pub(crate) use fire_times::LAST_YEAR;

/// Test helpers the room's modules share.
#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use jiff::tz::TimeZone;

    use crate::schedule::Schedule;

    pub(super) fn parse(text: &str) -> Schedule {
        Schedule::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    pub(super) fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    pub(super) fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    pub(super) fn next_n(schedule: &str, zone_name: &str, after: &str, n: usize) -> Vec<String> {
        let tz = zone(zone_name);
        parse(schedule)
            .upcoming(at(after), &tz)
            .take(n)
            .map(|z| z.timestamp().to_string())
            .collect()
    }
}
