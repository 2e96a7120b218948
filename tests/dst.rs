//! Clock changes ahead of time: `validate` warns of the runs the next 12
//! months' changes skip or run once, `next` notes them on stderr among the
//! times it lists, and `next --dst` lists them. Checked against the 2027
//! and 2028 changes of America/Chicago, Europe/London,
//! Australia/Lord_Howe (a 30-minute change), Australia/Sydney and
//! America/Santiago (southern hemisphere, at midnight).

mod common;

use common::Sandbox;

fn job(schedule: &str, zone: &str) -> Sandbox {
    Sandbox::with_jobs(&format!(
        "jobs:\n  - name: a\n    schedule: \"{schedule}\"\n    timezone: {zone}\n    url: \"https://example.com/\"\n"
    ))
}

fn dst(sandbox: &Sandbox, after: &str) -> String {
    let run = sandbox.run(&["next", "a", "--dst", "--after", after]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

#[test]
fn next_dst_lists_each_change_of_the_next_12_months() {
    assert_eq!(
        dst(
            &job("30 2 * * *", "America/Chicago"),
            "2027-01-01T00:00:00Z"
        ),
        "2027-03-14  02:30 is skipped (clocks go forward from 02:00 to 03:00)\n"
    );
    assert_eq!(
        dst(
            &job("30 1 * * *", "America/Chicago"),
            "2028-01-01T00:00:00Z"
        ),
        "2028-11-05  runs once at the first 01:30, at 2028-11-05T01:30:00-05:00 (clocks go back from 02:00 to 01:00)\n"
    );
    assert_eq!(
        dst(
            &job("*/30 1 * * *", "Europe/London"),
            "2027-01-01T00:00:00Z"
        ),
        "2027-03-28  2 runs, 01:00 to 01:30, are skipped (clocks go forward from 01:00 to 02:00)\n\
         2027-10-31  2 runs, 01:00 to 01:30, run once each at their first occurrence, at 2027-10-31T01:00:00+01:00 (clocks go back from 02:00 to 01:00)\n"
    );
    assert_eq!(
        dst(
            &job("15 2 * * *", "Australia/Lord_Howe"),
            "2028-01-01T00:00:00Z"
        ),
        "2028-10-01  02:15 is skipped (clocks go forward from 02:00 to 02:30)\n"
    );
    assert_eq!(
        dst(
            &job("45 1 * * *", "Australia/Lord_Howe"),
            "2028-01-01T00:00:00Z"
        ),
        "2028-04-02  runs once at the first 01:45, at 2028-04-02T01:45:00+11:00 (clocks go back from 02:00 to 01:30)\n"
    );
    assert_eq!(
        dst(
            &job("30 2 * * *", "Australia/Sydney"),
            "2027-01-01T00:00:00Z"
        ),
        "2027-04-04  runs once at the first 02:30, at 2027-04-04T02:30:00+11:00 (clocks go back from 03:00 to 02:00)\n\
         2027-10-03  02:30 is skipped (clocks go forward from 02:00 to 03:00)\n"
    );
    assert_eq!(
        dst(
            &job("0 0 * * *", "America/Santiago"),
            "2027-06-01T00:00:00Z"
        ),
        "2027-09-05  00:00 is skipped (clocks go forward from 00:00 to 01:00)\n"
    );
    // No change met: nothing on stdout, a line on stderr, exit 0.
    let quiet = job("30 12 * * *", "America/Chicago");
    let run = quiet.run(&["next", "a", "--dst", "--after", "2027-01-01T00:00:00Z"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    assert!(
        run.stderr
            .contains("meets no clock change of America/Chicago in the 12 months after 2026-12-31T18:00:00-06:00"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_splayed_job_runs_once_at_its_shifted_first_occurrence() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"30 1 * * *\"\n    timezone: America/Chicago\n    splay: 20m\n    url: \"https://example.com/\"\n",
    );
    let listed = sandbox.run(&["list", "--json"]);
    let listing: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    let offset = listing["jobs"][0]["splay_offset_ms"].as_i64().unwrap() / 1000;
    let at = jiff::Timestamp::from_second(
        "2027-11-07T06:30:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second()
            + offset,
    )
    .unwrap()
    .in_tz("America/Chicago")
    .unwrap()
    .strftime("%Y-%m-%dT%H:%M:%S%:z")
    .to_string();
    assert_eq!(
        dst(&sandbox, "2027-06-01T00:00:00Z"),
        format!(
            "2027-11-07  runs once at the first 01:30, at {at} (clocks go back from 02:00 to 01:00)\n"
        )
    );
}

#[test]
fn next_notes_a_skipped_time_among_the_times_it_lists() {
    let sandbox = job("30 2 * * *", "America/Chicago");
    let run = sandbox.run(&["next", "a", "-n", "3", "--after", "2027-03-12T12:00:00Z"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // stdout stays the times alone, for scripts.
    assert_eq!(
        run.stdout,
        "2027-03-13T02:30:00-06:00\n2027-03-15T02:30:00-05:00\n2027-03-16T02:30:00-05:00\n"
    );
    assert_eq!(
        run.stderr,
        "jobrun: note: 2027-03-14 in America/Chicago: 02:30 is skipped (clocks go forward from 02:00 to 03:00)\n"
    );
    // Not among them, no note; and `-q` says nothing.
    let later = sandbox.run(&["next", "a", "-n", "3", "--after", "2027-04-01T00:00:00Z"]);
    assert_eq!(later.stderr, "");
    let quiet = sandbox.run(&[
        "-q",
        "next",
        "a",
        "-n",
        "3",
        "--after",
        "2027-03-12T12:00:00Z",
    ]);
    assert_eq!(quiet.stderr, "");
}

/// The local date of the next change of `zone` after now at which its
/// offset goes forward (`true`) or back.
fn next_change(zone: &str, forward: bool) -> String {
    let tz = jiff::tz::TimeZone::get(zone).unwrap();
    let now = jiff::Timestamp::now();
    tz.following(now)
        .find(|t| {
            let before = tz.to_offset(t.timestamp() - jiff::SignedDuration::from_secs(1));
            (t.offset() > before) == forward && t.offset() != before
        })
        .map(|t| {
            t.timestamp()
                .to_zoned_datetime(tz.clone())
                .date()
                .to_string()
        })
        .unwrap()
}

#[test]
fn validate_warns_of_the_next_changes_from_its_own_clock() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: spring\n    schedule: \"30 2 * * *\"\n    timezone: America/Chicago\n    url: \"https://example.com/\"\n  - name: fall\n    schedule: \"30 1 * * *\"\n    timezone: America/Chicago\n    url: \"https://example.com/\"\n  - name: utc\n    schedule: \"30 2 * * *\"\n    timezone: UTC\n    url: \"https://example.com/\"\n",
    );
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spring = next_change("America/Chicago", true);
    let fall = next_change("America/Chicago", false);
    assert!(
        run.stderr.contains(&format!(
            "warning: job `spring` (`30 2 * * *`) is skipped on {spring} in America/Chicago: 02:30 does not exist that day (clocks go forward from 02:00 to 03:00)\n --> jobs.yaml:3:15"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "warning: job `fall` (`30 1 * * *`) runs once at the first 01:30 on {fall} in America/Chicago, which happens twice that day"
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("or set `timezone: UTC` on the job"));
    assert!(!run.stderr.contains("job `utc`"), "{}", run.stderr);
    assert!(run.stdout.contains("2 warnings"), "{}", run.stdout);
    // Warnings fail `--strict`, as the others do.
    assert_eq!(sandbox.run(&["validate", "--strict"]).code, 3);
}
