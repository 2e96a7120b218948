//! What a run warns of goes where its other lines go: to stderr and the
//! `--log-file`, in the `--log-format` asked for, so a JSON stderr stays
//! JSON and the log file misses nothing. The members of the class: a
//! variable a notification needs unset, a history that cannot be written,
//! a lock that cannot be taken under `concurrency: allow`, a metrics file
//! that cannot be written, and a disabled job that did not run.

mod common;

use common::server::{Reply, Server};
use common::{Run, Sandbox, yearly_jobs};
use serde_json::Value;

/// What a run of `report` said, in one format: stderr, and the log file.
struct Said {
    run: Run,
    log: String,
}

/// `jobrun [global] run report --log-file L --log-format FORMAT`.
fn said(sandbox: &Sandbox, global: &[&str], format: &str) -> Said {
    let log = sandbox.path(&format!("{format}.log"));
    let log_arg = log.display().to_string();
    let mut args: Vec<&str> = global.to_vec();
    args.extend([
        "run",
        "report",
        "--log-file",
        &log_arg,
        "--log-format",
        format,
    ]);
    let run = sandbox.run(&args);
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    Said { run, log }
}

/// Check that `text` is said in text (on stderr and, after its time, in
/// the log file), and, in JSON, as the line `json` names (its `event`,
/// then one more key and value): every stderr line JSON, and the same
/// line in the log file.
fn check(sandbox: &Sandbox, global: &[&str], text: &str, json: [(&str, &str); 2]) {
    let plain = said(sandbox, global, "text");
    assert!(plain.run.stderr.contains(text), "{}", plain.run.stderr);
    let logged = plain.log.lines().find(|l| l.contains(text));
    let logged = logged.unwrap_or_else(|| panic!("not in the log file:\n{}", plain.log));
    assert_eq!(&logged[23..25], "Z ", "stamped with its time: {logged}");

    let as_json = said(sandbox, global, "json");
    let lines: Vec<Value> = as_json
        .run
        .stderr
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|_| panic!("not JSON on stderr: {line}\n{}", as_json.run.stderr))
        })
        .collect();
    let is_it = |line: &&Value| json.iter().all(|(key, value)| line[*key] == *value);
    let line = lines
        .iter()
        .find(is_it)
        .unwrap_or_else(|| panic!("no {json:?} line: {}", as_json.run.stderr));
    assert_eq!(line["job"], "report", "{line}");
    let in_file: Vec<Value> = as_json
        .log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(in_file.contains(line), "{line} not in\n{}", as_json.log);
}

#[test]
fn an_unset_notification_variable_is_said_in_the_log_format_and_the_log_file() {
    let server = Server::start(vec![Reply::status(200); 2]);
    let sandbox = Sandbox::with_jobs(&yearly_jobs(&[(
        "report",
        &server.url("/r"),
        "notify:\n  onFailure:\n    url: \"${SLACK_WEBHOOK_URL}\"",
    )]));
    check(
        &sandbox,
        &[],
        "variable `SLACK_WEBHOOK_URL` is not set",
        [("event", "warning"), ("warning", "unset_variable")],
    );
}

#[test]
fn a_run_the_history_cannot_record_says_so_in_the_log_format_and_the_log_file() {
    let server = Server::start(vec![Reply::status(200); 2]);
    let sandbox = Sandbox::with_jobs(&yearly_jobs(&[(
        "report",
        &server.url("/r"),
        "concurrency: allow",
    )]));
    sandbox.write("not-a-directory", "");
    check(
        &sandbox,
        &["--state-dir", "not-a-directory/state"],
        "this run is not recorded in the history",
        [("event", "warning"), ("warning", "not_recorded")],
    );
}

#[test]
fn a_run_without_its_lock_says_so_in_the_log_format_and_the_log_file() {
    let server = Server::start(vec![Reply::status(200); 2]);
    let sandbox = Sandbox::with_jobs(&yearly_jobs(&[(
        "report",
        &server.url("/r"),
        "concurrency: allow",
    )]));
    // The history can be written, but the job's lock file is a symbolic
    // link, which jobrun does not trust.
    std::fs::create_dir_all(sandbox.path("state/locks")).unwrap();
    std::os::unix::fs::symlink(
        sandbox.path("elsewhere"),
        sandbox.path("state/locks/report.lock"),
    )
    .unwrap();
    check(
        &sandbox,
        &[],
        "runs without its lock",
        [("event", "warning"), ("warning", "no_lock")],
    );
}

#[test]
fn a_metrics_file_not_written_is_said_in_the_log_format_and_the_log_file() {
    let server = Server::start(vec![Reply::status(200); 2]);
    let sandbox = Sandbox::with_jobs(&yearly_jobs(&[("report", &server.url("/r"), "")]));
    check(
        &sandbox,
        &["--metrics-file", "missing/jobrun.prom"],
        "the metrics file `missing/jobrun.prom` was not written",
        [("event", "warning"), ("warning", "metrics_not_written")],
    );
}

#[test]
fn a_disabled_job_that_did_not_run_says_so_in_the_log_format_and_the_log_file() {
    let server = Server::start(vec![]);
    let sandbox = Sandbox::with_jobs(&yearly_jobs(&[(
        "report",
        &server.url("/r"),
        "enabled: false",
    )]));
    check(
        &sandbox,
        &[],
        "is disabled (`enabled: false` in jobs.yaml:",
        [("event", "run"), ("outcome", "disabled")],
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_log_file_that_cannot_be_written_is_said_on_stderr_in_the_log_format() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&yearly_jobs(&[("report", &server.url("/r"), "")]));
    let run = sandbox.run(&[
        "run",
        "report",
        "--log-file",
        "/dev/full",
        "--log-format",
        "json",
    ]);
    assert_eq!(run.code, 74, "{}", run.stderr);
    let line: Value = serde_json::from_str(run.stderr.trim_end()).expect("one JSON line");
    assert_eq!(line["event"], "warning");
    assert_eq!(line["warning"], "log_lost");
    assert!(
        line["message"]
            .as_str()
            .unwrap()
            .contains("cannot write the log file `/dev/full`"),
        "{line}"
    );
}
