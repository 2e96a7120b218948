//! Warnings ahead of the clock changes a job's schedule meets in the next
//! 12 months: a local time that does not exist that day is skipped, one
//! that happens twice runs once, at its first occurrence. Both are
//! jobrun's rules (as systemd's), and both surprise people once a year.
//! One warning per job and kind of change, with every date, so that an
//! every-minute job does not flood the report.

use jiff::{SignedDuration, Timestamp};

use crate::diagnostic::Diagnostic;
use crate::job::Job;
use crate::schedule::dst::{self, Change, Kind};

/// How far ahead `validate` looks: a year, from its own clock.
const AHEAD: SignedDuration = SignedDuration::from_hours(24 * 366);

/// The warnings for the enabled jobs, from `now` on.
pub(crate) fn warnings(jobs: &[Job], now: Timestamp) -> Vec<Diagnostic> {
    let Ok(end) = now.checked_add(AHEAD) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for job in jobs.iter().filter(|j| j.enabled) {
        let changes = dst::changes(&job.schedule, &job.zone.tz, now, end);
        for kind in [Kind::Skipped, Kind::Once] {
            let of_kind: Vec<&Change> = changes.iter().filter(|c| c.kind == kind).collect();
            if let Some(problem) = warning(job, &of_kind) {
                out.push(problem);
            }
        }
    }
    out
}

fn warning(job: &Job, changes: &[&Change]) -> Option<Diagnostic> {
    let first = changes.first()?;
    let dates: Vec<String> = changes.iter().map(|c| c.date.to_string()).collect();
    let dates = match dates.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => return None,
    };
    let days = if changes.len() == 1 {
        "that day"
    } else {
        "those days"
    };
    let zone = job.zone.label();
    let schedule = job.schedule.text().trim();
    let count = first.times.len();
    let message = match (first.kind, count) {
        (Kind::Skipped, 1) => format!(
            "job `{}` (`{schedule}`) is skipped on {dates} in {zone}: {} does not exist {days} ({})",
            job.name,
            first.times_text(),
            first.clocks_text()
        ),
        (Kind::Skipped, n) => format!(
            "job `{}` (`{schedule}`) skips {n} runs on {dates} in {zone}: {} do not exist {days} ({})",
            job.name,
            first.times_text(),
            first.clocks_text()
        ),
        (Kind::Once, 1) => format!(
            "job `{}` (`{schedule}`) runs once at the first {} on {dates} in {zone}, which happens twice {days} ({})",
            job.name,
            first.times_text(),
            first.clocks_text()
        ),
        (Kind::Once, n) => format!(
            "job `{}` (`{schedule}`) runs {} ({n} times) once each, at their first occurrence, on {dates} in {zone}: the repeated ones are skipped ({})",
            job.name,
            first.times_text(),
            first.clocks_text()
        ),
    };
    let help = format!(
        "that is jobrun's rule, as systemd's; to run at every time, pick times outside {} in {zone}, or set `timezone: UTC` on the job (UTC has no clock changes)",
        first.span_text()
    );
    Some(Diagnostic::warning(message, job.schedule_span).with_help(help))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobfile::validate::tests::BASE_DIR;

    fn warned(text: &str, now: &str) -> Vec<String> {
        let (config, found) = crate::jobfile::decode::decode(text);
        assert!(found.is_empty(), "{found:#?}");
        let checked = crate::jobfile::validate::check(
            &config,
            &jiff::tz::TimeZone::UTC,
            std::path::Path::new(BASE_DIR),
            crate::jobfile::validate::Purpose::Validate,
        );
        warnings(&checked.jobs, now.parse().unwrap())
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    fn job(schedule: &str, zone: &str) -> String {
        format!(
            "jobs:\n  - name: a\n    schedule: \"{schedule}\"\n    timezone: {zone}\n    url: \"https://e.com\"\n"
        )
    }

    #[test]
    fn the_next_12_months_from_the_clock_given() {
        let text = job("30 2 * * *", "America/Chicago");
        assert_eq!(
            warned(&text, "2027-01-01T00:00:00Z"),
            vec![
                "job `a` (`30 2 * * *`) is skipped on 2027-03-14 in America/Chicago: 02:30 does not exist that day (clocks go forward from 02:00 to 03:00)"
            ]
        );
        // From just before 2027's change, 2028's is within a year too.
        assert_eq!(
            warned(&text, "2027-03-13T00:00:00Z"),
            vec![
                "job `a` (`30 2 * * *`) is skipped on 2027-03-14 and 2028-03-12 in America/Chicago: 02:30 does not exist those days (clocks go forward from 02:00 to 03:00)"
            ]
        );
        assert_eq!(
            warned(
                &job("30 1 * * *", "America/Chicago"),
                "2028-01-01T00:00:00Z"
            ),
            vec![
                "job `a` (`30 1 * * *`) runs once at the first 01:30 on 2028-11-05 in America/Chicago, which happens twice that day (clocks go back from 02:00 to 01:00)"
            ]
        );
    }

    #[test]
    fn one_warning_per_job_and_kind_even_every_minute() {
        let found = warned(&job("* * * * *", "Europe/London"), "2027-01-01T00:00:00Z");
        assert_eq!(
            found,
            vec![
                "job `a` (`* * * * *`) runs 01:00 to 01:59 (60 times) once each, at their first occurrence, on 2027-10-31 in Europe/London: the repeated ones are skipped (clocks go back from 02:00 to 01:00)",
            ]
        );
        let found = warned(
            &job("*/10 1 * * *", "Europe/London"),
            "2027-01-01T00:00:00Z",
        );
        assert_eq!(
            found[0],
            "job `a` (`*/10 1 * * *`) skips 6 runs on 2027-03-28 in Europe/London: 01:00 to 01:50 do not exist that day (clocks go forward from 01:00 to 02:00)"
        );
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn southern_and_thirty_minute_zones_and_none_for_utc() {
        assert_eq!(
            warned(
                &job("15 2 * * *", "Australia/Lord_Howe"),
                "2028-01-01T00:00:00Z"
            ),
            vec![
                "job `a` (`15 2 * * *`) is skipped on 2028-10-01 in Australia/Lord_Howe: 02:15 does not exist that day (clocks go forward from 02:00 to 02:30)"
            ]
        );
        assert_eq!(
            warned(
                &job("30 2 * * *", "Australia/Sydney"),
                "2027-01-01T00:00:00Z"
            ),
            vec![
                "job `a` (`30 2 * * *`) is skipped on 2027-10-03 in Australia/Sydney: 02:30 does not exist that day (clocks go forward from 02:00 to 03:00)",
                "job `a` (`30 2 * * *`) runs once at the first 02:30 on 2027-04-04 in Australia/Sydney, which happens twice that day (clocks go back from 03:00 to 02:00)",
            ]
        );
        assert!(warned(&job("30 2 * * *", "UTC"), "2027-01-01T00:00:00Z").is_empty());
        // A disabled job does not run from its schedule: nothing to warn of.
        let disabled = job("30 2 * * *", "America/Chicago") + "    enabled: false\n";
        assert!(warned(&disabled, "2027-01-01T00:00:00Z").is_empty());
    }
}
