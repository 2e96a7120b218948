//! The migrated versions of the Node scheduler's four shipped job files run
//! each enabled job at the very instants node-cron 3 ran it, in
//! America/Chicago, over twelve months: checked against node-cron itself
//! (tests/fixtures/node-cron/fire-times.js ran node-cron's own matcher and
//! scheduler rule to write fire-times.json; the consumers group runs it
//! again).

use std::path::Path;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::jobfile::{decode, validate, yaml};
use crate::migrate::{NodeZone, ZoneSource, migrate, verify};

#[derive(serde::Deserialize)]
struct Fixture {
    zone: String,
    from: String,
    to: String,
    jobs: Vec<FixtureJob>,
}

#[derive(serde::Deserialize)]
struct FixtureJob {
    file: String,
    job: String,
    count: usize,
    /// `[first, step, count]`, in seconds since 1970: runs of evenly
    /// spaced fire times.
    runs: Vec<[i64; 3]>,
}

const FILES: [(&str, &str); 4] = [
    (
        "jobs.yaml",
        include_str!("../../tests/fixtures/node-scheduler/jobs.yaml"),
    ),
    (
        "jobs-local.yaml",
        include_str!("../../tests/fixtures/node-scheduler/jobs-local.yaml"),
    ),
    (
        "jobs-test.yaml",
        include_str!("../../tests/fixtures/node-scheduler/jobs-test.yaml"),
    ),
    (
        "sample-jobs.yaml",
        include_str!("../../tests/fixtures/node-scheduler/sample-jobs.yaml"),
    ),
];

/// Runs of evenly spaced instants, as fire-times.js writes them.
fn runs(instants: impl Iterator<Item = i64>) -> Vec<[i64; 3]> {
    let mut out: Vec<[i64; 3]> = Vec::new();
    let mut previous: Option<i64> = None;
    for t in instants {
        match (out.last_mut(), previous) {
            (Some(run), Some(p)) if run[2] == 1 => {
                run[1] = t - p;
                run[2] = 2;
            }
            (Some(run), Some(p)) if t - p == run[1] => run[2] += 1,
            _ => out.push([t, 0, 1]),
        }
        previous = Some(t);
    }
    out
}

#[test]
fn runs_are_written_as_fire_times_js_writes_them() {
    assert_eq!(
        runs([10, 20, 30, 35, 100, 200].into_iter()),
        [[10, 10, 3], [35, 65, 2], [200, 0, 1]]
    );
}

#[test]
fn migrated_shipped_files_fire_when_node_cron_fired_for_a_year() {
    let fixture: Fixture = serde_json::from_str(include_str!(
        "../../tests/fixtures/node-cron/fire-times.json"
    ))
    .expect("fixture parses");
    let zone = NodeZone {
        name: fixture.zone.clone(),
        from: ZoneSource::Default,
    };
    let from: Timestamp = fixture.from.parse().unwrap();
    let to: Timestamp = fixture.to.parse().unwrap();
    let mut compared = 0;
    for (file, text) in FILES {
        let root = yaml::parse(text).unwrap().unwrap();
        let migrated = migrate(text, &root, &zone).unwrap().text;
        verify(&migrated).unwrap();
        let (config, _) = decode::decode(&migrated);
        // The host's zone must not matter: the file names its own.
        let host = TimeZone::get("Asia/Tokyo").unwrap();
        let checked = validate::check(&config, &host, Path::new(""), validate::Purpose::Use);
        let enabled: Vec<_> = checked.jobs.iter().filter(|j| j.enabled).collect();
        let expected: Vec<&FixtureJob> = fixture.jobs.iter().filter(|j| j.file == file).collect();
        assert_eq!(
            enabled.iter().map(|j| j.name.as_str()).collect::<Vec<_>>(),
            expected.iter().map(|j| j.job.as_str()).collect::<Vec<_>>(),
            "{file}: the enabled jobs"
        );
        for (job, node) in enabled.iter().zip(expected) {
            assert_eq!(job.zone.label(), fixture.zone, "{file} {}", job.name);
            let fired = job
                .schedule
                .upcoming(from, &job.zone.tz)
                .map(|z| z.timestamp())
                .take_while(|t| *t < to)
                .map(|t| t.as_second());
            let ours = runs(fired);
            let count: i64 = ours.iter().map(|r| r[2]).sum();
            assert_eq!(
                count as usize, node.count,
                "{file} {}: fire times",
                job.name
            );
            assert_eq!(ours, node.runs, "{file} {}", job.name);
            compared += 1;
        }
    }
    assert_eq!(compared, fixture.jobs.len());
    assert_eq!(compared, 9);
}
