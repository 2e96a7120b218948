//! The placeholders jobrun fills in itself when a job runs: `NOW`,
//! `NOW_UNIX`, `JOB_NAME`, `CURRENT_WEEK_START` and `CURRENT_WEEK_END`.
//! They are computed from the clock and zone passed in, never read from the
//! environment, and they win over a variable of the same name.

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// The built-ins' names: a job never needs them from the environment.
pub(crate) const NAMES: &[&str] = &[
    "NOW",
    "NOW_UNIX",
    "JOB_NAME",
    "CURRENT_WEEK_START",
    "CURRENT_WEEK_END",
];

/// What the built-ins are computed from: one run of one job.
pub(crate) struct RunFacts<'a> {
    pub(crate) job: &'a str,
    pub(crate) now: Timestamp,
    /// The job's zone: "this week" is the week where the job runs.
    pub(crate) zone: &'a TimeZone,
}

/// The value of built-in `name`, or `None` when it is not a built-in.
pub(crate) fn value(name: &str, facts: &RunFacts) -> Option<String> {
    Some(match name {
        // As JavaScript's `toISOString()`, which the Node scheduler used.
        "NOW" => facts.now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "NOW_UNIX" => facts.now.as_second().to_string(),
        "JOB_NAME" => facts.job.to_string(),
        "CURRENT_WEEK_START" => week_day(facts, 0),
        "CURRENT_WEEK_END" => week_day(facts, 4),
        _ => return None,
    })
}

/// Monday plus `offset` days of the week `now` falls in, in the job's zone.
/// Weeks start on Monday (ISO 8601), so on a Sunday this is the week that
/// is ending.
fn week_day(facts: &RunFacts, offset: i64) -> String {
    let today = facts.zone.to_datetime(facts.now).date();
    let since_monday = i64::from(today.weekday().since(Weekday::Monday));
    let day = today
        .checked_add((offset - since_monday).days())
        .unwrap_or(today);
    day.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(now: &str, zone: &str, name: &str) -> String {
        let zone = TimeZone::get(zone).unwrap();
        let facts = RunFacts {
            job: "kpi",
            now: now.parse().unwrap(),
            zone: &zone,
        };
        value(name, &facts).unwrap()
    }

    #[test]
    fn now_is_utc_with_milliseconds_like_to_iso_string() {
        assert_eq!(
            at("2025-03-07T18:30:00.25-06:00", "America/Chicago", "NOW"),
            "2025-03-08T00:30:00.250Z"
        );
        assert_eq!(at("2025-03-08T00:30:00Z", "UTC", "NOW_UNIX"), "1741393800");
        assert_eq!(at("2025-03-08T00:30:00Z", "UTC", "JOB_NAME"), "kpi");
    }

    #[test]
    fn week_runs_monday_to_friday_in_the_jobs_zone() {
        // Friday 18:45 in Chicago is already Saturday in UTC.
        let friday_evening = "2025-03-08T00:45:00Z";
        assert_eq!(
            at(friday_evening, "America/Chicago", "CURRENT_WEEK_START"),
            "2025-03-03"
        );
        assert_eq!(
            at(friday_evening, "America/Chicago", "CURRENT_WEEK_END"),
            "2025-03-07"
        );
        assert_eq!(
            at(friday_evening, "UTC", "CURRENT_WEEK_START"),
            "2025-03-03"
        );
    }

    #[test]
    fn sunday_belongs_to_the_week_that_is_ending() {
        assert_eq!(
            at("2025-03-09T12:00:00Z", "UTC", "CURRENT_WEEK_START"),
            "2025-03-03"
        );
        assert_eq!(
            at("2025-03-10T12:00:00Z", "UTC", "CURRENT_WEEK_START"),
            "2025-03-10"
        );
    }

    #[test]
    fn every_name_has_a_value_and_no_other_does() {
        let facts = RunFacts {
            job: "kpi",
            now: Timestamp::UNIX_EPOCH,
            zone: &TimeZone::UTC,
        };
        for name in NAMES {
            assert!(value(name, &facts).is_some(), "{name}");
        }
        assert_eq!(value("JWT_TOKEN", &facts), None);
    }
}
