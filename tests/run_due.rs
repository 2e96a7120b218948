//! `run --due` end to end, against a loopback server: a due job runs with
//! a key derived from its scheduled instant, one not due exits 0 silently
//! and sends nothing, and a sub-minute schedule runs at each of its
//! seconds, skipping one while the run before it is still going.
//!
//! The window arithmetic itself, DST included, is unit-tested in
//! src/due.rs with an injected clock; these runs read the real clock, so
//! they pick schedules that are due, or not, whatever the time.

mod common;

use std::time::Duration;

use common::Sandbox;
use common::server::{Reply, Server};

fn job_file(schedule: &str, url: &str) -> String {
    format!(
        "jobs:\n  - name: tick\n    schedule: \"{schedule}\"\n    url: \"{url}\"\n    idempotencyKey: true\n    retries: 0\n"
    )
}

/// The UUID version of an `Idempotency-Key`: 8 when derived from the
/// scheduled instant, 4 when random.
fn key_version(key: &str) -> char {
    key.chars().nth(14).unwrap()
}

#[test]
fn an_every_minute_job_is_always_due_and_keyed_by_its_scheduled_minute() {
    let server = Server::start(vec![Reply::status(200), Reply::status(200)]);
    // The window, 59 s back to 5 s ahead, always holds one minute's start.
    let sandbox = Sandbox::with_jobs(&job_file("* * * * *", &server.url("/due")));
    let run = sandbox.run(&["run", "--due", "tick"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let manual = sandbox.run(&["run", "tick"]);
    assert_eq!(manual.code, 0, "{}", manual.stderr);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let scheduled = requests[0].header("Idempotency-Key").unwrap();
    let by_hand = requests[1].header("Idempotency-Key").unwrap();
    assert_eq!(key_version(scheduled), '8', "{scheduled}");
    assert_eq!(key_version(by_hand), '4', "{by_hand}");
}

#[test]
fn a_job_that_is_not_due_exits_0_silently_and_sends_nothing() {
    let server = Server::start(vec![Reply::status(200)]);
    // Twelve hours from now, whatever now is.
    let hour = (jiff::Timestamp::now().as_second().div_euclid(3600) + 12).rem_euclid(24);
    let sandbox = Sandbox::with_jobs(&job_file(&format!("0 {hour} * * *"), &server.url("/")));
    let run = sandbox.run(&["run", "--due", "tick"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
    assert_eq!(server.requests().len(), 0);
    // With -v it says so, and when the job runs next.
    let run = sandbox.run(&["-v", "run", "--due", "tick"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("jobrun: job `tick`: not due now (its next run is at "),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 0);
}

#[test]
fn due_is_checked_in_the_jobs_zone() {
    // Every minute of this hour and the next in Kolkata (+05:30): due now
    // there, and never in UTC, whose hour is 5 or 6 behind.
    let hour = jiff::Timestamp::now().in_tz("Asia/Kolkata").unwrap().hour();
    let hours = format!("{hour},{}", (hour + 1) % 24);
    for (zone, requests) in [("Asia/Kolkata", 1), ("UTC", 0)] {
        let server = Server::start(vec![Reply::status(200)]);
        let text = format!(
            "jobs:\n  - name: tick\n    schedule: \"* {hours} * * *\"\n    timezone: {zone}\n    url: \"{}\"\n",
            server.url("/")
        );
        let sandbox = Sandbox::with_jobs(&text);
        let run = sandbox.run(&["run", "--due", "tick"]);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{zone}");
        assert_eq!(server.requests().len(), requests, "{zone}");
    }
}

/// Seconds two and three ahead of now, in a minute with room for them
/// and the 5 s cron may start early by; waits for the next minute if not.
fn two_seconds_ahead() -> (u8, u8) {
    let mut now = jiff::Timestamp::now();
    let second = now.as_second().rem_euclid(60);
    if second > 50 {
        std::thread::sleep(Duration::from_secs((61 - second) as u64));
        now = jiff::Timestamp::now();
    }
    let second = now.as_second().rem_euclid(60) as u8;
    (second + 2, second + 3)
}

#[test]
fn a_sub_minute_schedule_runs_at_each_of_its_seconds() {
    let server = Server::start(vec![Reply::status(200), Reply::status(200)]);
    let (a, b) = two_seconds_ahead();
    let sandbox = Sandbox::with_jobs(&job_file(&format!("{a},{b} * * * * *"), &server.url("/")));
    let run = sandbox.run(&["run", "--due", "tick"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    // Each second is its own scheduled run, with its own key.
    assert_ne!(
        requests[0].header("Idempotency-Key"),
        requests[1].header("Idempotency-Key")
    );
}

#[test]
fn a_sub_minute_second_is_skipped_while_the_run_before_it_is_still_going() {
    // The first reply takes 1.5 s: still going when the next second comes.
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_millis(1500)),
        Reply::status(200),
    ]);
    let (a, b) = two_seconds_ahead();
    let sandbox = Sandbox::with_jobs(&job_file(&format!("{a},{b} * * * * *"), &server.url("/")));
    let run = sandbox.run(&["run", "--due", "tick"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn due_refuses_to_be_combined_with_a_preview() {
    let sandbox = Sandbox::with_jobs(&job_file("* * * * *", "https://example.com/"));
    let run = sandbox.run(&["run", "--due", "--dry-run", "tick"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}
