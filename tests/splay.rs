//! `splay` end to end: `next`, `list` and `status` show the shifted times,
//! the offset is the same from run to run and below the splay, and
//! `run --due` runs at the shifted second, recording that instant. The
//! exports are in tests/export.rs (systemd-analyze, kubernetes-validate)
//! and tests/cron.rs (the real cron daemon).

mod common;

use std::time::Duration;

use common::Sandbox;
use common::server::{Reply, Server};

/// `jobrun list --json`'s jobs.
fn listing(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    let run = sandbox.run(&["list", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    value["jobs"].as_array().unwrap().clone()
}

fn next(sandbox: &Sandbox, job: &str, after: &str, n: usize) -> Vec<String> {
    let run = sandbox.run(&["next", job, "-n", &n.to_string(), "--after", after]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.lines().map(str::to_string).collect()
}

#[test]
fn next_list_and_status_show_each_run_delayed_by_the_same_offset() {
    let text = "global:\n  splay: 10m\njobs:\n  - name: hourly\n    schedule: \"0 * * * *\"\n    url: \"https://example.com/\"\n  - name: plain\n    schedule: \"0 * * * *\"\n    url: \"https://example.com/\"\n    splay: false\n";
    let sandbox = Sandbox::with_jobs(text);
    let jobs = listing(&sandbox);
    let offset_ms = jobs[0]["splay_offset_ms"].as_u64().unwrap();
    assert_eq!(jobs[0]["splay_ms"], 600_000);
    assert!(
        offset_ms < 600_000 && offset_ms.is_multiple_of(1000),
        "{offset_ms}"
    );
    assert_eq!(jobs[1]["splay_ms"], serde_json::Value::Null);
    let offset = jiff::SignedDuration::from_millis(offset_ms as i64);

    let times = next(&sandbox, "hourly", "2027-01-01T00:00:00Z", 3);
    let expected: Vec<String> = (0..3)
        .map(|h| {
            let written: jiff::Timestamp = format!("2027-01-01T{h:02}:00:00Z").parse().unwrap();
            let shifted = written.checked_add(offset).unwrap();
            shifted.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string()
        })
        .collect();
    // From midnight the first is midnight's own run, shifted.
    assert_eq!(times, expected);
    assert_eq!(
        next(&sandbox, "plain", "2027-01-01T00:00:00Z", 1),
        vec!["2027-01-01T01:00:00+00:00"]
    );
    // Every run of the file reads the same offset.
    assert_eq!(listing(&sandbox)[0]["splay_offset_ms"], offset_ms);

    // `list` and `status` show the next shifted time after now.
    let now = jiff::Timestamp::now();
    let next_shifted = jiff::Timestamp::from_second(
        (now.checked_sub(offset)
            .unwrap()
            .as_second()
            .div_euclid(3600)
            + 1)
            * 3600,
    )
    .unwrap()
    .checked_add(offset)
    .unwrap();
    let shown = next_shifted.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    assert_eq!(listing(&sandbox)[0]["next"], shown.as_str());
    let status = sandbox.run(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["jobs"][0]["next"], shown.as_str());
}

#[test]
fn a_splay_longer_than_the_runs_interval_is_refused_by_every_command() {
    let text = "jobs:\n  - name: often\n    schedule: \"*/5 * * * *\"\n    url: \"https://example.com/\"\n    splay: 5m\n";
    let sandbox = Sandbox::with_jobs(text);
    for args in [&["validate"][..], &["next", "often"], &["crontab"]] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("`splay` (5m) is not shorter than the 5m between runs of `*/5 * * * *`"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// Jobs `tick-0` to `tick-199`, every minute with a 59 s splay, each
/// with its own offset.
fn ticks(url: &str) -> String {
    let mut text = String::from("global:\n  splay: 59s\njobs:\n");
    for i in 0..200 {
        text.push_str(&format!(
            "  - name: tick-{i}\n    schedule: \"* * * * *\"\n    url: \"{url}\"\n    idempotencyKey: true\n    retries: 0\n"
        ));
    }
    text
}

#[test]
fn run_due_waits_for_the_shifted_second_and_records_that_instant() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&ticks(&server.url("/tick")));
    let jobs = listing(&sandbox);
    // A minute with room for an offset 2 to 4 seconds ahead.
    let mut now = jiff::Timestamp::now();
    if now.as_second().rem_euclid(60) > 50 {
        std::thread::sleep(Duration::from_secs(11));
        now = jiff::Timestamp::now();
    }
    let second = now.as_second().rem_euclid(60) as u64;
    let job = jobs
        .iter()
        .find(|j| {
            let offset = j["splay_offset_ms"].as_u64().unwrap() / 1000;
            (second + 2..=second + 4).contains(&offset)
        })
        .expect("one of 200 offsets falls in the 3 seconds");
    let name = job["name"].as_str().unwrap();
    let offset = job["splay_offset_ms"].as_u64().unwrap() / 1000;
    let minute = now.as_second().div_euclid(60) * 60;
    let instant = jiff::Timestamp::from_second(minute + offset as i64).unwrap();

    let run = sandbox.run(&["run", "--due", name]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let key = requests[0].header("Idempotency-Key").unwrap();
    assert_eq!(
        key.chars().nth(14),
        Some('8'),
        "derived from the instant: {key}"
    );
    // Not before its second.
    assert!(jiff::Timestamp::now() >= instant);

    let history = sandbox.run(&["history", name, "--json"]);
    assert_eq!(history.code, 0, "{}", history.stderr);
    let rows: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let row = &rows["runs"][0];
    assert_eq!(
        row["scheduled_at"],
        instant
            .strftime("%Y-%m-%dT%H:%M:%S.000Z")
            .to_string()
            .as_str()
    );
    assert_eq!(row["triggered_by"], "scheduled");
    let started: jiff::Timestamp = row["started_at"].as_str().unwrap().parse().unwrap();
    assert!(started >= instant, "started {started}, scheduled {instant}");
}
