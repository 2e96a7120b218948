//! The run history end to end: real SQLite files in temp directories,
//! real `jobrun` processes (many at once) against a real server on
//! 127.0.0.1. The overlap lock, `dependsOn`, signals, the faults (an
//! unusable state directory, a damaged database), `status`, `history` and
//! `catch-up`. The cases of the history's behaviour run on both backends:
//! SQLite, and PostgreSQL in the consumers group.

mod common;

use std::process::Child;
use std::time::Duration;

use common::server::{Reply, Server};
use common::{Backend, Run, Sandbox, finish, spawn, yearly_jobs as file};
use jobrun::fixtures::{Outcome, Record, Trigger};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(20);

// The history's behaviour, the same on both backends. The faults of the
// state directory and of the SQLite file are SQLite's own, below; those
// of the database are in tests/shared_state.rs.
on_both_backends! {
    twelve_simultaneous_runs_of_one_slow_job_make_one_request_and_eleven_exit_75,
    forty_runs_of_different_jobs_at_once_all_reach_the_server_and_the_history,
    a_run_is_recorded_with_its_trigger_times_attempts_and_status,
    history_keeps_only_the_newest_runs_of_each_job,
    overlapping_runs_of_a_job_that_allows_them_still_keep_only_its_newest_rows,
    not_ran_runs_the_backup_only_when_the_primary_did_not_run,
    failed_runs_the_backup_only_when_the_primary_failed,
    not_ran_or_failed_runs_the_backup_unless_the_primary_succeeded,
    only_runs_within_the_window_count,
    a_primary_killed_without_a_word_does_not_keep_its_backup_from_running,
    a_primary_that_allows_overlap_killed_without_a_word_does_not_keep_its_backup_from_running,
    a_signal_during_a_run_is_recorded_as_interrupted,
    a_signal_while_waiting_to_retry_keeps_the_status_received,
    a_run_killed_without_a_word_is_marked_died_by_the_next_run,
    a_run_of_a_job_that_allows_overlap_killed_without_a_word_is_marked_died_by_the_next_run,
    status_exits_1_while_an_enabled_job_last_failed,
    status_counts_an_interrupted_run_as_a_failure,
    status_shows_a_run_killed_without_a_word_as_died_while_it_is_still_going_as_running,
    status_tells_a_dead_run_of_a_job_that_allows_overlap_from_one_still_going,
    status_ignores_a_failure_of_a_disabled_job,
    status_writes_every_instant_with_the_same_width,
    list_and_status_agree_that_a_disabled_job_has_no_next_run,
    history_of_an_unknown_job_suggests_a_name,
    catch_up_runs_a_job_whose_scheduled_run_was_missed_once,
    catch_up_leaves_a_job_that_ran_on_time,
    catch_up_exits_1_when_a_caught_up_job_fails,
    a_skipped_run_goes_to_the_log_file_and_stderr_in_the_log_format,
    a_busy_run_goes_to_the_log_file_and_stderr_in_the_log_format,
}

/// `jobrun history --json`'s runs, newest first.
fn history(sandbox: &Sandbox, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["history", "--json"];
    if !args.contains(&"-n") {
        all.extend(["-n", "1000"]);
    }
    all.extend_from_slice(args);
    let run = sandbox.run(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    json["runs"].as_array().expect("runs").clone()
}

fn outcomes(runs: &[Value]) -> Vec<&str> {
    runs.iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect()
}

/// A finished run of `job` that started `ago` before now.
fn past_run(job: &str, ago: Duration, outcome: Outcome) -> Record {
    let started = jiff::Timestamp::now() - jiff::SignedDuration::try_from(ago).unwrap();
    let mut run = Record::start(
        format!("seeded-{job}-{}", ago.as_secs()),
        job,
        Trigger::Scheduled,
        None,
        started,
    );
    run.outcome = outcome;
    run.ended = Some(started);
    run
}

fn twelve_simultaneous_runs_of_one_slow_job_make_one_request_and_eleven_exit_75(backend: Backend) {
    let server = Server::start(vec![Reply::status(200).delay(Duration::from_secs(3))]);
    let sandbox = backend.sandbox(&file(&[("slow", &server.url("/slow"), "")]));
    let children: Vec<Child> = (0..12).map(|_| spawn(&sandbox, &["run", "slow"])).collect();
    let runs: Vec<Run> = children.into_iter().map(finish).collect();

    let mut codes: Vec<i32> = runs.iter().map(|r| r.code).collect();
    codes.sort();
    assert_eq!(codes, [&[0][..], &[75; 11][..]].concat());
    assert_eq!(server.requests().len(), 1);
    for busy in runs.iter().filter(|r| r.code == 75) {
        assert_eq!(busy.stderr.lines().count(), 1, "{}", busy.stderr);
        assert!(
            busy.stderr
                .contains("job `slow` did not run: another run of it is still going"),
            "{}",
            busy.stderr
        );
    }
    let runs = history(&sandbox, &[]);
    let mut recorded = outcomes(&runs);
    recorded.sort();
    assert_eq!(recorded, [&["busy"; 11][..], &["succeeded"][..]].concat());
}

fn forty_runs_of_different_jobs_at_once_all_reach_the_server_and_the_history(backend: Backend) {
    let server = Server::start(vec![Reply::status(200); 40]);
    let names: Vec<String> = (0..40).map(|i| format!("job-{i}")).collect();
    let urls: Vec<String> = names.iter().map(|n| server.url(&format!("/{n}"))).collect();
    let jobs: Vec<(&str, &str, &str)> = names
        .iter()
        .zip(&urls)
        .map(|(n, u)| (n.as_str(), u.as_str(), ""))
        .collect();
    let sandbox = backend.sandbox(&file(&jobs));
    let children: Vec<Child> = names.iter().map(|n| spawn(&sandbox, &["run", n])).collect();
    for run in children.into_iter().map(finish) {
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr, "");
    }

    let mut reached: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    reached.sort();
    let mut expected: Vec<String> = names.iter().map(|n| format!("/{n}")).collect();
    expected.sort();
    assert_eq!(reached, expected);
    let runs = history(&sandbox, &[]);
    let mut recorded: Vec<&str> = runs.iter().map(|r| r["job"].as_str().unwrap()).collect();
    recorded.sort();
    let mut names_sorted: Vec<&str> = names.iter().map(String::as_str).collect();
    names_sorted.sort();
    assert_eq!(recorded, names_sorted);
    assert!(outcomes(&runs).iter().all(|o| *o == "succeeded"));
}

fn a_run_is_recorded_with_its_trigger_times_attempts_and_status(backend: Backend) {
    let server = Server::start(vec![Reply::status(503), Reply::status(201)]);
    let sandbox = backend.sandbox(&file(&[(
        "report",
        &server.url("/r"),
        "retries: 1\nretryDelay: 10ms",
    )]));
    let run = sandbox.run(&["run", "report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let runs = history(&sandbox, &["report"]);
    assert_eq!(runs.len(), 1);
    let row = &runs[0];
    assert_eq!(row["triggered_by"], "manual");
    assert_eq!(row["outcome"], "succeeded");
    assert_eq!(row["attempts"], 2);
    assert_eq!(row["status"], 201);
    assert_eq!(row["scheduled_at"], Value::Null);
    assert_eq!(row["error"], Value::Null);
    assert_eq!(row["run_id"].as_str().unwrap().len(), 36);
    assert!(row["ended_at"].as_str().unwrap() >= row["started_at"].as_str().unwrap());
    assert!(row["duration_ms"].is_u64());
}

#[test]
fn a_run_a_scheduler_starts_with_scheduled_is_recorded_as_scheduled_for_its_latest_fire_time() {
    let server = Server::start(vec![Reply::status(200); 3]);
    let url = server.url("/r");
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: minutely\n    schedule: \"* * * * *\"\n    url: \"{url}\"\n    idempotencyKey: true\n  - name: leap\n    schedule: \"0 0 29 2 *\"\n    url: \"{url}\"\n"
    ));
    let by_scheduler = sandbox.run(&["run", "--scheduled", "minutely"]);
    assert_eq!((by_scheduler.code, by_scheduler.stderr.as_str()), (0, ""));
    let by_hand = sandbox.run(&["run", "minutely"]);
    assert_eq!(by_hand.code, 0, "{}", by_hand.stderr);
    let runs = history(&sandbox, &["minutely"]);
    let triggers: Vec<&str> = runs
        .iter()
        .map(|r| r["triggered_by"].as_str().unwrap())
        .collect();
    assert_eq!(triggers, ["manual", "scheduled"], "newest first");
    // The scheduler's start stands for the minute it fired (or one a few
    // seconds ahead, as a clock a little behind cron's would), so the
    // instant is claimed and the key derived from it (UUID version 8);
    // the run by hand has neither (version 4).
    let at: jiff::Timestamp = runs[1]["scheduled_at"].as_str().unwrap().parse().unwrap();
    let started: jiff::Timestamp = runs[1]["started_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(at.as_second() % 60, 0);
    assert!(
        (-5..65).contains(&(started.as_second() - at.as_second())),
        "{at} {started}"
    );
    assert_eq!(runs[0]["scheduled_at"], Value::Null);
    let keys: Vec<char> = server
        .requests()
        .iter()
        .map(|r| {
            r.header("Idempotency-Key")
                .unwrap()
                .chars()
                .nth(14)
                .unwrap()
        })
        .collect();
    assert_eq!(keys, ['8', '4']);
    // No fire time in the last five minutes (but in those after midnight
    // of a 29 February): the run still goes ahead, for no instant.
    let leap = sandbox.run(&["run", "--scheduled", "leap"]);
    assert_eq!(leap.code, 0, "{}", leap.stderr);
    let runs = history(&sandbox, &["leap"]);
    assert_eq!(runs[0]["triggered_by"], "scheduled");
    assert_eq!(runs[0]["scheduled_at"], Value::Null);
}

fn history_keeps_only_the_newest_runs_of_each_job(backend: Backend) {
    let server = Server::start(vec![Reply::status(200); 4]);
    let sandbox = backend.sandbox(&file(&[
        ("kept", &server.url("/k"), "historyLimit: 2"),
        ("other", &server.url("/o"), ""),
    ]));
    for name in ["other", "kept", "kept", "kept"] {
        assert_eq!(sandbox.run(&["run", name]).code, 0);
    }
    assert_eq!(history(&sandbox, &["kept"]).len(), 2);
    assert_eq!(history(&sandbox, &["other"]).len(), 1);
    assert_eq!(history(&sandbox, &["-n", "2"]).len(), 2);
}

fn overlapping_runs_of_a_job_that_allows_them_still_keep_only_its_newest_rows(backend: Backend) {
    let server = Server::start(vec![Reply::status(200).delay(Duration::from_secs(1)); 6]);
    let sandbox = backend.sandbox(&file(&[(
        "many",
        &server.url("/m"),
        "concurrency: allow\nhistoryLimit: 2",
    )]));
    let children: Vec<Child> = (0..6).map(|_| spawn(&sandbox, &["run", "many"])).collect();
    for run in children.into_iter().map(finish) {
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    assert_eq!(server.requests().len(), 6);
    let runs = history(&sandbox, &["many"]);
    assert_eq!(outcomes(&runs), ["succeeded", "succeeded"]);
}

// dependsOn

/// A primary job and its backup with `condition`, both to `server`.
fn backed_up(backend: Backend, server: &Server, condition: &str) -> Sandbox {
    let backup =
        format!("dependsOn:\n  job: primary\n  windowMinutes: 20\n  condition: {condition}");
    backend.sandbox(&file(&[
        ("primary", &server.url("/primary"), ""),
        ("backup", &server.url("/backup"), &backup),
    ]))
}

/// Whether the backup sent its request, after the primary ended with
/// `primary` (`None`: it did not run).
fn backup_runs(backend: Backend, condition: &str, primary: Option<u16>) -> bool {
    let mut script = Vec::new();
    script.extend(primary.map(Reply::status));
    script.push(Reply::status(200));
    let server = Server::start(script);
    let sandbox = backed_up(backend, &server, condition);
    if let Some(status) = primary {
        let run = sandbox.run(&["run", "primary"]);
        assert_eq!(
            run.code,
            if status == 200 { 0 } else { 1 },
            "{}",
            run.stderr
        );
    }
    let run = sandbox.run(&["run", "backup"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Silent either way at the default verbosity.
    assert_eq!(run.stderr, "");
    let sent = server.requests().iter().any(|r| r.target == "/backup");
    let last = &history(&sandbox, &["backup"])[0];
    if sent {
        assert_eq!(last["outcome"], "succeeded");
    } else {
        assert_eq!(last["outcome"], "skipped");
        assert!(
            last["reason"]
                .as_str()
                .unwrap()
                .starts_with(&format!("dependsOn ({condition}): `primary`")),
            "{last}"
        );
    }
    sent
}

/// The JSON lines of a log file.
fn json_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn a_skipped_run_goes_to_the_log_file_and_stderr_in_the_log_format(backend: Backend) {
    let server = Server::start(vec![Reply::status(200), Reply::status(200)]);
    let sandbox = backed_up(backend, &server, "not_ran_or_failed");
    assert_eq!(sandbox.run(&["run", "primary"]).code, 0);
    let log = sandbox.path("runs.log");
    let log_arg = log.display().to_string();
    // Quiet on stderr at the default verbosity, in the log file always.
    let run = sandbox.run(&[
        "run",
        "backup",
        "--log-file",
        &log_arg,
        "--log-format",
        "json",
    ]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let lines = json_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["event"], "run");
    assert_eq!(lines[0]["job"], "backup");
    assert_eq!(lines[0]["outcome"], "skipped");
    assert!(
        lines[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("dependsOn (not_ran_or_failed): `primary` succeeded"),
        "{}",
        lines[0]
    );
    // With -v, stderr has the same line as JSON.
    let run = sandbox.run(&["-v", "run", "backup", "--log-format", "json"]);
    let line: Value = serde_json::from_str(run.stderr.trim_end()).unwrap();
    assert_eq!(line["outcome"], "skipped", "{}", run.stderr);
}

fn a_busy_run_goes_to_the_log_file_and_stderr_in_the_log_format(backend: Backend) {
    let server = Server::start(vec![Reply::status(200).delay(Duration::from_secs(3))]);
    let sandbox = backend.sandbox(&file(&[("slow", &server.url("/slow"), "")]));
    let first = spawn(&sandbox, &["run", "slow"]);
    server.wait_for_requests(1, WAIT);
    let log = sandbox.path("runs.log");
    let log_arg = log.display().to_string();
    let run = sandbox.run(&[
        "run",
        "slow",
        "--log-file",
        &log_arg,
        "--log-format",
        "json",
    ]);
    assert_eq!(finish(first).code, 0);
    assert_eq!(run.code, 75, "{}", run.stderr);
    let line: Value = serde_json::from_str(run.stderr.trim_end()).unwrap();
    assert_eq!(line["event"], "run", "{}", run.stderr);
    assert_eq!(line["outcome"], "busy");
    assert!(
        line["reason"]
            .as_str()
            .unwrap()
            .contains("another run of the job holds its lock"),
        "{line}"
    );
    assert_eq!(json_lines(&log), [line]);
}

fn not_ran_runs_the_backup_only_when_the_primary_did_not_run(backend: Backend) {
    assert!(backup_runs(backend, "not_ran", None));
    assert!(!backup_runs(backend, "not_ran", Some(200)));
    assert!(!backup_runs(backend, "not_ran", Some(500)));
}

fn failed_runs_the_backup_only_when_the_primary_failed(backend: Backend) {
    assert!(!backup_runs(backend, "failed", None));
    assert!(!backup_runs(backend, "failed", Some(200)));
    assert!(backup_runs(backend, "failed", Some(500)));
}

fn not_ran_or_failed_runs_the_backup_unless_the_primary_succeeded(backend: Backend) {
    assert!(backup_runs(backend, "not_ran_or_failed", None));
    assert!(!backup_runs(backend, "not_ran_or_failed", Some(200)));
    assert!(backup_runs(backend, "not_ran_or_failed", Some(500)));
}

fn only_runs_within_the_window_count(backend: Backend) {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = backed_up(backend, &server, "not_ran_or_failed");
    let mut history_store = sandbox.history_store();
    // Just outside the 20-minute window: as if the primary had not run.
    history_store
        .add(
            &past_run("primary", Duration::from_secs(21 * 60), Outcome::Succeeded),
            100,
            false,
        )
        .unwrap();
    assert_eq!(sandbox.run(&["run", "backup"]).code, 0);
    assert_eq!(server.requests().len(), 1);

    // Just inside it: the primary's success skips the backup.
    history_store
        .add(
            &past_run("primary", Duration::from_secs(19 * 60), Outcome::Succeeded),
            100,
            false,
        )
        .unwrap();
    let run = sandbox.run(&["-v", "run", "backup"]);
    assert_eq!(run.code, 0);
    assert!(run.stderr.contains("job `backup` skipped: dependsOn (not_ran_or_failed): `primary` succeeded in the last 20m"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 1);
}

fn a_primary_killed_without_a_word_does_not_keep_its_backup_from_running(backend: Backend) {
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(30)),
        Reply::status(200),
    ]);
    let sandbox = backed_up(backend, &server, "not_ran_or_failed");
    let mut primary = spawn(&sandbox, &["run", "primary"]);
    server.wait_for_requests(1, WAIT);
    // While the primary holds its lock, the backup does not race it.
    let run = sandbox.run(&["-v", "run", "backup"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("`primary` is still running"),
        "{}",
        run.stderr
    );
    // Killed: its row still says running, but its lock is free.
    primary.kill().unwrap();
    primary.wait().unwrap();
    backend.after_a_kill();
    let run = sandbox.run(&["run", "backup"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, ["/primary", "/backup"]);
}

fn a_primary_that_allows_overlap_killed_without_a_word_does_not_keep_its_backup_from_running(
    backend: Backend,
) {
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(30)),
        Reply::status(200),
    ]);
    let sandbox = backend.sandbox(&file(&[
        ("primary", &server.url("/primary"), "concurrency: allow"),
        (
            "backup",
            &server.url("/backup"),
            "dependsOn: {job: primary}",
        ),
    ]));
    let mut primary = spawn(&sandbox, &["run", "primary"]);
    server.wait_for_requests(1, WAIT);
    let run = sandbox.run(&["-v", "run", "backup"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("`primary` is still running"),
        "{}",
        run.stderr
    );
    primary.kill().unwrap();
    primary.wait().unwrap();
    backend.after_a_kill();
    let run = sandbox.run(&["-v", "run", "backup"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, ["/primary", "/backup"], "{}", run.stderr);
}

// Signals

fn a_signal_during_a_run_is_recorded_as_interrupted(backend: Backend) {
    for (signal, code, name) in [
        (libc::SIGTERM, 143, "SIGTERM"),
        (libc::SIGINT, 130, "SIGINT"),
        (libc::SIGHUP, 129, "SIGHUP"),
    ] {
        let server = Server::start(vec![Reply::status(200).delay(Duration::from_secs(30))]);
        let sandbox = backend.sandbox(&file(&[("report", &server.url("/r"), "timeout: 60s")]));
        let child = spawn(&sandbox, &["run", "report"]);
        server.wait_for_requests(1, WAIT);
        // SAFETY: kill(2) on the pid of a child this test started and has
        // not yet reaped.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
        assert_eq!(finish(child).code, code);
        let row = &history(&sandbox, &[])[0];
        assert_eq!(row["outcome"], "interrupted");
        assert_eq!(
            row["error"],
            format!("stopped by {name} during attempt 1").as_str()
        );
        assert!(row["ended_at"].is_string());
    }
}

/// `nohup jobrun run ...` and a job started in the background by a
/// non-interactive shell (SIGINT ignored) run to their end whatever signal
/// they were started to ignore.
#[test]
fn a_signal_ignored_when_jobrun_starts_stays_ignored() {
    use std::os::unix::process::CommandExt;
    for signal in [libc::SIGHUP, libc::SIGINT, libc::SIGTERM] {
        let server = Server::start(vec![Reply::status(200).delay(Duration::from_millis(1500))]);
        let sandbox = Sandbox::with_jobs(&file(&[("report", &server.url("/r"), "timeout: 60s")]));
        let mut command = sandbox.process();
        command.args(["run", "report"]);
        // SAFETY: signal(2) is async-signal-safe, as pre_exec requires.
        unsafe {
            command.pre_exec(move || {
                libc::signal(signal, libc::SIG_IGN);
                Ok(())
            });
        }
        let child = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("starts");
        server.wait_for_requests(1, WAIT);
        // SAFETY: kill(2) on the pid of a child this test started and has
        // not yet reaped.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
        let run = finish(child);
        assert_eq!(run.code, 0, "signal {signal}: {}", run.stderr);
        assert_eq!(history(&sandbox, &[])[0]["outcome"], "succeeded");
    }
}

/// SIGQUIT keeps its default action, a core dump, for a run that hangs:
/// the run is left to the next one to mark as died.
#[test]
fn sigquit_ends_a_run_as_its_default_action_does_and_the_run_is_marked_died() {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(30)),
        Reply::status(200),
    ]);
    let sandbox = Sandbox::with_jobs(&file(&[("report", &server.url("/r"), "timeout: 60s")]));
    let mut command = sandbox.process();
    command.args(["run", "report"]);
    // SAFETY: setrlimit(2) is async-signal-safe, as pre_exec requires;
    // no core file is left in the test's directory.
    unsafe {
        command.pre_exec(|| {
            let none = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &none);
            Ok(())
        });
    }
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    server.wait_for_requests(1, WAIT);
    // SAFETY: kill(2) on the pid of a child this test started and has
    // not yet reaped.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGQUIT) },
        0
    );
    assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGQUIT));
    assert_eq!(sandbox.run(&["run", "report"]).code, 0);
    assert_eq!(recorded(&sandbox), ["succeeded", "died"]);
}

fn a_signal_while_waiting_to_retry_keeps_the_status_received(backend: Backend) {
    let server = Server::start(vec![Reply::status(503)]);
    let sandbox = backend.sandbox(&file(&[(
        "report",
        &server.url("/r"),
        "retries: 3\nretryDelay: 60s\nmaxRetryDelay: 60s",
    )]));
    // The log file has a line per attempt: once the first is there, the
    // run has the 503 and waits to retry (however loaded the machine).
    let log = sandbox.path("runs.log");
    let child = spawn(
        &sandbox,
        &["run", "report", "--log-file", log.to_str().unwrap()],
    );
    server.wait_for_requests(1, WAIT);
    let waited = std::time::Instant::now();
    while !std::fs::read_to_string(&log).is_ok_and(|text| text.contains("503")) {
        assert!(waited.elapsed() < WAIT, "no attempt in the log");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on the pid of a child this test started and has
    // not yet reaped.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    assert_eq!(finish(child).code, 143);
    let row = &history(&sandbox, &[])[0];
    assert_eq!(row["outcome"], "interrupted");
    assert_eq!(row["attempts"], 1);
    assert_eq!(row["status"], 503);
}

/// The outcomes as the database holds them, newest first: what a run
/// wrote, before any reader's look at the locks.
fn recorded(sandbox: &Sandbox) -> Vec<&'static str> {
    sandbox
        .history_store()
        .recent(None, 1000)
        .unwrap()
        .iter()
        .map(|r| r.outcome.as_str())
        .collect()
}

fn a_run_killed_without_a_word_is_marked_died_by_the_next_run(backend: Backend) {
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(30)),
        Reply::status(200),
    ]);
    let sandbox = backend.sandbox(&file(&[("report", &server.url("/r"), "timeout: 60s")]));
    let mut child = spawn(&sandbox, &["run", "report"]);
    server.wait_for_requests(1, WAIT);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(recorded(&sandbox), ["running"]);
    backend.after_a_kill();
    assert_eq!(sandbox.run(&["run", "report"]).code, 0);
    assert_eq!(recorded(&sandbox), ["succeeded", "died"]);
}

fn a_run_of_a_job_that_allows_overlap_killed_without_a_word_is_marked_died_by_the_next_run(
    backend: Backend,
) {
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(30)),
        Reply::status(200).delay(Duration::from_secs(30)),
        Reply::status(200),
    ]);
    let sandbox = backend.sandbox(&file(&[(
        "report",
        &server.url("/r"),
        "timeout: 60s\nconcurrency: allow",
    )]));
    let mut killed = spawn(&sandbox, &["run", "report"]);
    server.wait_for_requests(1, WAIT);
    killed.kill().unwrap();
    killed.wait().unwrap();
    backend.after_a_kill();
    // A run still going is left as it is by the runs beside it.
    let going = spawn(&sandbox, &["run", "report"]);
    server.wait_for_requests(2, WAIT);
    assert_eq!(sandbox.run(&["run", "report"]).code, 0);
    assert_eq!(recorded(&sandbox), ["succeeded", "running", "died"]);
    drop(server);
    finish(going);
}

// Faults

/// A state directory that cannot be created, whoever runs the test (root
/// included): its parent is a file.
fn unusable_state_dir(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.write("not-a-directory", "");
    sandbox.path("not-a-directory/state")
}

#[test]
fn an_unusable_state_directory_still_sends_a_job_that_needs_no_lock() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&file(&[("free", &server.url("/f"), "concurrency: allow")]));
    let dir = unusable_state_dir(&sandbox);
    let run = Run::from(
        sandbox
            .jobrun()
            .env("JOBRUN_STATE_DIR", &dir)
            .args(["run", "free"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0);
    assert_eq!(server.requests().len(), 1);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "jobrun: job `free`: this run is not recorded in the history: cannot create the state directory `{}`",
            dir.display()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unusable_state_directory_fails_closed_for_forbid_and_depends_on() {
    let server = Server::start(vec![]);
    let sandbox = Sandbox::with_jobs(&file(&[
        ("locked", &server.url("/l"), ""),
        (
            "backup",
            &server.url("/b"),
            "concurrency: allow\ndependsOn:\n  job: locked",
        ),
    ]));
    let dir = unusable_state_dir(&sandbox);
    for (job, needs) in [
        (
            "locked",
            "`concurrency: forbid` needs its lock in the state directory",
        ),
        ("backup", "`dependsOn` needs the run history to decide"),
    ] {
        let run = Run::from(
            sandbox
                .jobrun()
                .env("JOBRUN_STATE_DIR", &dir)
                .args(["run", job])
                .output()
                .unwrap(),
        );
        assert_eq!(run.code, 3, "{}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("job `{job}` did not run: {needs}, and ")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&dir.display().to_string()),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("--state-dir"), "{}", run.stderr);
    }
    assert_eq!(server.requests().len(), 0);
}

/// A history file that is not a database, and its bytes.
fn damaged(sandbox: &Sandbox) -> (std::path::PathBuf, Vec<u8>) {
    std::fs::create_dir_all(sandbox.state_dir()).unwrap();
    let bytes = b"runs that matter, but not a database\n".repeat(200);
    let path = sandbox.state_dir().join("history.sqlite3");
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

#[test]
fn a_damaged_database_still_sends_the_request_and_is_left_untouched() {
    let server = Server::start(vec![Reply::status(200); 2]);
    let sandbox = Sandbox::with_jobs(&file(&[
        ("locked", &server.url("/l"), ""),
        ("free", &server.url("/f"), "concurrency: allow"),
    ]));
    let (path, bytes) = damaged(&sandbox);
    for job in ["locked", "free"] {
        let run = sandbox.run(&["run", job]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "jobrun: job `{job}`: this run is not recorded in the history: the history database `{}` is damaged or is not a jobrun database",
                path.display()
            )),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("move it aside"), "{}", run.stderr);
    }
    assert_eq!(server.requests().len(), 2);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_damaged_database_fails_closed_for_depends_on_and_stops_status_and_history() {
    let server = Server::start(vec![]);
    let sandbox = backed_up(Backend::Sqlite, &server, "not_ran_or_failed");
    let (path, bytes) = damaged(&sandbox);
    let run = sandbox.run(&["run", "backup"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("job `backup` did not run: `dependsOn` needs the run history to decide, and the history database"),
        "{}",
        run.stderr
    );
    for args in [&["status"][..], &["history"][..]] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 3, "{args:?}");
        assert!(run.stderr.contains("is damaged"), "{}", run.stderr);
    }
    assert_eq!(server.requests().len(), 0);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn no_secret_reaches_the_database_file() {
    const SECRET: &str = "SENTINEL-db-4b1d9e77c0";
    // The server echoes the token in the body and the failure names the
    // URL holding it.
    let server = Server::start(vec![Reply::status(500).body(format!("bad key {SECRET}"))]);
    let url = format!("{}?key=${{API_TOKEN}}", server.url("/r"));
    let sandbox = Sandbox::with_jobs(&file(&[(
        "leaky",
        &url,
        "headers:\n  Authorization: \"Bearer ${API_TOKEN}\"",
    )]));
    let run = Run::from(
        sandbox
            .jobrun()
            .env("API_TOKEN", SECRET)
            .args(["run", "leaky"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 1);
    let row = &history(&sandbox, &[])[0];
    assert_eq!(row["outcome"], "failed");
    assert_eq!(row["error_class"], "http_5xx");
    let error = row["error"].as_str().unwrap();
    assert!(error.contains("/r?key=***"), "{error}");
    assert!(error.contains("500 Internal Server Error"), "{error}");
    for entry in std::fs::read_dir(sandbox.state_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            let found = bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes());
            assert!(!found, "the secret is in {}", path.display());
            assert!(
                !bytes.windows(7).any(|w| w == b"bad key"),
                "a response body is in {}",
                path.display()
            );
        }
    }
}

#[test]
fn a_state_url_that_cannot_be_used_is_refused_naming_where_it_came_from() {
    let server = Server::start(vec![]);
    let sandbox = Sandbox::with_jobs(&file(&[("free", &server.url("/f"), "concurrency: allow")]));
    for (env, flag, says) in [
        (
            Some("mysql://u@db/ops"),
            None,
            "`JOBRUN_STATE_URL` cannot be used: it is not a PostgreSQL URL",
        ),
        (
            None,
            Some("postgres://u@db/ops?sslmode=sometimes"),
            "`--state-url` cannot be used: `sslmode` is `sometimes`",
        ),
        (
            Some("postgres://u:${NOT_SET_HERE}@db/ops"),
            None,
            "it uses `NOT_SET_HERE`, which is not set",
        ),
    ] {
        for command in [&["run", "free"][..], &["status"]] {
            let mut jobrun = sandbox.jobrun();
            if let Some(url) = env {
                jobrun.env("JOBRUN_STATE_URL", url);
            }
            if let Some(url) = flag {
                jobrun.args(["--state-url", url]);
            }
            let run = Run::from(jobrun.args(command).output().unwrap());
            assert_eq!(run.code, 3, "{command:?}: {}", run.stderr);
            assert!(run.stderr.contains(says), "{}", run.stderr);
        }
    }
    // A bad URL is a mistake to fix, not a database that is down: nothing runs.
    assert_eq!(server.requests().len(), 0);
    assert!(!sandbox.state_dir().exists());
}

// status and history

fn status_exits_1_while_an_enabled_job_last_failed(backend: Backend) {
    let server = Server::start(vec![
        Reply::status(500),
        Reply::status(500),
        Reply::status(200),
    ]);
    let sandbox = backend.sandbox(&file(&[
        ("report", &server.url("/r"), ""),
        ("idle", &server.url("/i"), ""),
    ]));
    assert_eq!(sandbox.run(&["status"]).code, 0);
    for _ in 0..2 {
        assert_eq!(sandbox.run(&["run", "report"]).code, 1);
    }
    let run = sandbox.run(&["status", "--json"]);
    assert_eq!(run.code, 1);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let report = &json["jobs"][0];
    assert_eq!(report["name"], "report");
    assert_eq!(report["failing"], true);
    assert_eq!(report["consecutive_failures"], 2);
    assert_eq!(report["last_run"]["outcome"], "failed");
    assert_eq!(report["last_run"]["status"], 500);
    assert_eq!(report["last_success"], Value::Null);
    assert!(
        report["next"]
            .as_str()
            .unwrap()
            .ends_with("-01-01T00:00:00+00:00")
    );
    assert_eq!(json["jobs"][1]["last_run"], Value::Null);

    assert_eq!(sandbox.run(&["run", "report"]).code, 0);
    let run = sandbox.run(&["status"]);
    assert_eq!(run.code, 0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{}", run.stdout);
    // Two failures, then a success, newest on the right (ASCII marks:
    // the test's environment has no UTF-8 locale).
    assert!(
        lines[1].starts_with("report") && lines[1].contains(" FF.  "),
        "{}",
        run.stdout
    );
    assert!(
        lines[2].starts_with("idle") && lines[2].contains("never"),
        "{}",
        run.stdout
    );
}

/// `status --json`'s entry for the first job, and the exit code.
fn first_status(sandbox: &Sandbox) -> (i32, Value) {
    let run = sandbox.run(&["status", "--json"]);
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    (run.code, json["jobs"][0].clone())
}

fn status_counts_an_interrupted_run_as_a_failure(backend: Backend) {
    let server = Server::start(vec![
        Reply::status(200),
        Reply::status(200).delay(Duration::from_secs(30)),
    ]);
    let sandbox = backend.sandbox(&file(&[("report", &server.url("/r"), "timeout: 60s")]));
    assert_eq!(sandbox.run(&["run", "report"]).code, 0);
    let child = spawn(&sandbox, &["run", "report"]);
    server.wait_for_requests(2, WAIT);
    // SAFETY: kill(2) on the pid of a child this test started and has
    // not yet reaped.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    assert_eq!(finish(child).code, 143);
    let (code, report) = first_status(&sandbox);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["last_run"]["outcome"], "interrupted");
    assert_eq!(report["failing"], true);
    assert_eq!(report["consecutive_failures"], 1);
}

fn status_shows_a_run_killed_without_a_word_as_died_while_it_is_still_going_as_running(
    backend: Backend,
) {
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(30)),
        Reply::status(200).delay(Duration::from_secs(30)),
    ]);
    let sandbox = backend.sandbox(&file(&[("report", &server.url("/r"), "timeout: 60s")]));
    let mut child = spawn(&sandbox, &["run", "report"]);
    server.wait_for_requests(1, WAIT);
    // Still going: running, and not a failure.
    let (code, report) = first_status(&sandbox);
    assert_eq!(
        (code, &report["last_run"]["outcome"]),
        (0, &Value::from("running"))
    );
    child.kill().unwrap();
    child.wait().unwrap();
    backend.after_a_kill();
    // Its process is gone (its lock is free, its lease ran out): died, a
    // failure.
    let (code, report) = first_status(&sandbox);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["last_run"]["outcome"], "died");
    assert_eq!(report["failing"], true);
    assert_eq!(report["consecutive_failures"], 1);
    assert!(
        report["last_run"]["error"]
            .as_str()
            .unwrap()
            .contains("killed, or the machine stopped"),
        "{report}"
    );
    let text = sandbox.run(&["status"]);
    assert!(
        text.stdout.lines().nth(1).unwrap().contains(" D  "),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("D died")
            && text
                .stdout
                .contains("report: 1 failure and no success recorded"),
        "{}",
        text.stdout
    );
    // `history` says the same, and `status` created nothing.
    assert_eq!(outcomes(&history(&sandbox, &[])), ["died"]);
    // The next run records it so.
    let going = spawn(&sandbox, &["run", "report"]);
    server.wait_for_requests(2, WAIT);
    assert_eq!(outcomes(&history(&sandbox, &[])), ["running", "died"]);
    assert_eq!(recorded(&sandbox), ["running", "died"]);
    // The last run that ended died: still failing while the new one goes.
    let (code, report) = first_status(&sandbox);
    assert_eq!(code, 1);
    assert_eq!(report["last_run"]["outcome"], "running");
    drop(server);
    finish(going);
}

fn status_tells_a_dead_run_of_a_job_that_allows_overlap_from_one_still_going(backend: Backend) {
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(30)),
        Reply::status(200).delay(Duration::from_secs(30)),
    ]);
    let sandbox = backend.sandbox(&file(&[(
        "report",
        &server.url("/r"),
        "timeout: 60s\nconcurrency: allow",
    )]));
    let going = spawn(&sandbox, &["run", "report"]);
    server.wait_for_requests(1, WAIT);
    let mut killed = spawn(&sandbox, &["run", "report"]);
    server.wait_for_requests(2, WAIT);
    assert_eq!(outcomes(&history(&sandbox, &[])), ["running", "running"]);
    killed.kill().unwrap();
    killed.wait().unwrap();
    backend.after_a_kill();
    // The job's shared lock is still held by the run going; the killed
    // run's own lock is free (its lease ran out).
    assert_eq!(outcomes(&history(&sandbox, &[])), ["died", "running"]);
    let (code, report) = first_status(&sandbox);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["last_run"]["outcome"], "died");
    drop(server);
    finish(going);
    // A run that ended leaves no lock of its own behind.
    let locks = sandbox.run_locks("report");
    assert_eq!(locks.len(), 1, "only the killed run's: {locks:?}");
    let server = Server::start(vec![Reply::status(200)]);
    sandbox.write(
        "jobs.yaml",
        file(&[(
            "report",
            &server.url("/r"),
            "timeout: 60s\nconcurrency: allow",
        )]),
    );
    assert_eq!(sandbox.run(&["run", "report"]).code, 0);
    assert_eq!(
        sandbox.run_locks("report"),
        Vec::<String>::new(),
        "a run alone clears the dead runs' locks"
    );
    // The run going failed when its server went away.
    assert_eq!(recorded(&sandbox), ["succeeded", "died", "failed"]);
}

fn status_ignores_a_failure_of_a_disabled_job(backend: Backend) {
    let server = Server::start(vec![Reply::status(500)]);
    let sandbox = backend.sandbox(&file(&[("off", &server.url("/o"), "enabled: false")]));
    assert_eq!(sandbox.run(&["run", "off", "--force"]).code, 1);
    assert_eq!(sandbox.run(&["status"]).code, 0);
}

/// A finished run of `job` that started at `started`.
fn run_at(job: &str, started: &str, outcome: Outcome) -> Record {
    let started: jiff::Timestamp = started.parse().unwrap();
    let mut run = Record::start(
        format!("seeded-{job}-{started}"),
        job,
        Trigger::Scheduled,
        None,
        started,
    );
    run.outcome = outcome;
    run.ended = Some(started);
    run.duration_ms = Some(0);
    run
}

fn status_writes_every_instant_with_the_same_width(backend: Backend) {
    let sandbox = backend.sandbox(&file(&[
        ("a", "http://127.0.0.1:9/", ""),
        ("b", "http://127.0.0.1:9/", ""),
        ("c", "http://127.0.0.1:9/", ""),
    ]));
    let mut store = sandbox.history_store();
    for (job, at) in [
        ("a", "2025-03-07T18:15:20.34Z"),
        ("b", "2025-03-07T18:15:20.437Z"),
        ("c", "2025-03-07T18:15:20Z"),
    ] {
        store
            .add(&run_at(job, at, Outcome::Succeeded), 10, true)
            .unwrap();
    }
    let run = sandbox.run(&["status", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let last_runs: Vec<&str> = json["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["last_run"]["started_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        last_runs,
        [
            "2025-03-07T18:15:20.340+00:00",
            "2025-03-07T18:15:20.437+00:00",
            "2025-03-07T18:15:20.000+00:00"
        ],
        "{}",
        run.stdout
    );
    assert_eq!(
        json["jobs"][0]["last_success"],
        "2025-03-07T18:15:20.340+00:00"
    );
}

fn list_and_status_agree_that_a_disabled_job_has_no_next_run(backend: Backend) {
    let sandbox = backend.sandbox(&file(&[
        ("off", "http://127.0.0.1:9/", "enabled: false"),
        ("on", "http://127.0.0.1:9/", ""),
    ]));
    for command in ["list", "status"] {
        let run = sandbox.run(&[command]);
        let header = run.stdout.lines().next().unwrap();
        let next = header.find("NEXT").unwrap();
        let cells: Vec<String> = run
            .stdout
            .lines()
            .skip(1)
            .take(2)
            .map(|l| l[next..].split("  ").next().unwrap().trim().to_string())
            .collect();
        assert_eq!(cells[0], "disabled", "{command}: {}", run.stdout);
        // `status` says how long until then; `list`, when.
        assert!(
            cells[1].ends_with("-01-01T00:00:00+00:00") || cells[1].ends_with('d'),
            "{command}: {}",
            run.stdout
        );
        let json: Value = serde_json::from_str(&sandbox.run(&[command, "--json"]).stdout).unwrap();
        assert_eq!(json["jobs"][0]["next"], Value::Null, "{command}");
        assert!(json["jobs"][1]["next"].is_string(), "{command}");
    }
}

fn history_of_an_unknown_job_suggests_a_name(backend: Backend) {
    let sandbox = backend.sandbox(&file(&[("report", "http://127.0.0.1:9/", "")]));
    let run = sandbox.run(&["history", "reprot"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("did you mean `report`?"),
        "{}",
        run.stderr
    );
    // Before any run, an empty history, and no database made for it.
    let run = sandbox.run(&["history", "--json"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "{\n  \"runs\": []\n}\n")
    );
    assert!(!sandbox.state_dir().exists());
}

// The state directory

#[test]
fn a_state_directory_in_the_way_of_a_file_or_a_broken_link_is_named_as_such() {
    let sandbox = Sandbox::with_jobs(&file(&[
        ("locked", "http://127.0.0.1:9/", ""),
        ("free", "http://127.0.0.1:9/", "concurrency: allow"),
    ]));
    let file_path = sandbox.write("a-file", "");
    let link = sandbox.path("a-link");
    std::os::unix::fs::symlink(sandbox.path("gone"), &link).unwrap();
    for (dir, why) in [
        (&file_path, "a file is in its place".to_string()),
        (
            &link,
            format!(
                "it is a symbolic link to `{}`, which is not a directory",
                sandbox.path("gone").display()
            ),
        ),
    ] {
        for job in ["locked", "free"] {
            let run = Run::from(
                sandbox
                    .jobrun()
                    .env("JOBRUN_STATE_DIR", dir)
                    .args(["run", job])
                    .output()
                    .unwrap(),
            );
            let expected = format!(
                "cannot create the state directory `{}`: {why}",
                dir.display()
            );
            assert!(run.stderr.contains(&expected), "{job}: {}", run.stderr);
        }
    }
    assert!(!sandbox.path("gone").exists());
}

#[test]
fn status_and_history_refuse_a_state_directory_that_is_a_file() {
    let sandbox = Sandbox::with_jobs(&file(&[("report", "http://127.0.0.1:9/", "")]));
    // A slip: the database itself given as the state directory.
    let not_a_dir = sandbox.write("history.sqlite3", "");
    for command in [&["status"][..], &["history"]] {
        let run = Run::from(
            sandbox
                .jobrun()
                .env("JOBRUN_STATE_DIR", &not_a_dir)
                .args(command)
                .output()
                .unwrap(),
        );
        assert_eq!(run.code, 3, "{command:?}: {}", run.stdout);
        assert!(
            run.stderr.contains(&not_a_dir.display().to_string())
                && run.stderr.contains("not a directory")
                && run.stderr.contains("--state-dir"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(std::fs::read(&not_a_dir).unwrap(), b"");
}

/// `jobrun ARGS` with the state directory `dir`.
fn in_state_dir(sandbox: &Sandbox, dir: &std::path::Path, args: &[&str]) -> Run {
    Run::from(
        sandbox
            .jobrun()
            .env("JOBRUN_STATE_DIR", dir)
            .args(args)
            .output()
            .unwrap(),
    )
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_state_directory_others_can_write_is_refused_naming_it_and_the_fix() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&file(&[
        ("locked", &server.url("/l"), ""),
        ("free", &server.url("/f"), "concurrency: allow"),
    ]));
    for mode in [0o777, 0o770, 0o1777] {
        let dir = sandbox.path(&format!("state-{mode:o}"));
        std::fs::create_dir(&dir).unwrap();
        set_mode(&dir, mode);
        let who = if mode & 0o002 != 0 {
            "its group and other users can write it"
        } else {
            "its group can write it"
        };
        let expected = format!(
            "the state directory cannot be trusted: `{}`: {who} (mode {:o})",
            dir.display(),
            mode & 0o777
        );
        let fix = format!("`chmod go-w {}`", dir.display());
        // A run that needs its lock does not go ahead.
        let run = in_state_dir(&sandbox, &dir, &["run", "locked"]);
        assert_eq!(run.code, 3, "{}", run.stderr);
        assert!(
            run.stderr.contains(&expected) && run.stderr.contains(&fix),
            "{}",
            run.stderr
        );
        // Commands that read the history refuse it as well.
        for command in [&["status"][..], &["history"]] {
            let read = in_state_dir(&sandbox, &dir, command);
            assert_eq!(read.code, 3, "{command:?}: {}", read.stderr);
            assert!(read.stderr.contains(&expected), "{}", read.stderr);
        }
        // Nothing was written in it.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "{mode:o}");
    }
    // A job that needs no lock is still sent, unrecorded.
    let dir = sandbox.path("state-777");
    let run = in_state_dir(&sandbox, &dir, &["run", "free"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "this run is not recorded in the history: the state directory cannot be trusted"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 1);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn links_planted_in_the_state_directory_are_never_followed() {
    let sandbox = Sandbox::with_jobs(&file(&[
        ("locked", "http://127.0.0.1:9/", ""),
        ("free", "http://127.0.0.1:9/", "concurrency: allow"),
    ]));
    // The files a planted link points at: one there, one not yet.
    let target = sandbox.write("precious", "kept as it is\n");
    let absent = sandbox.path("would-be-created");
    let planted = [
        "locks/locked.lock",
        "locks/free.lock",
        "history.sqlite3",
        "history.sqlite3-wal",
        "history.sqlite3-shm",
    ];
    for name in planted {
        for point_at in [&target, &absent] {
            let dir = sandbox.path(&format!("state-{}", name.replace('/', "-")));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("locks")).unwrap();
            std::os::unix::fs::symlink(point_at, dir.join(name)).unwrap();
            for job in ["locked", "free"] {
                let run = in_state_dir(&sandbox, &dir, &["run", job]);
                let expected = format!(
                    "the state directory cannot be trusted: `{}`: it is a symbolic link",
                    dir.join(name).display()
                );
                if name.starts_with("locks/") && name != format!("locks/{job}.lock") {
                    // Not this job's lock: untouched, and not in its way.
                    assert!(!run.stderr.contains(&expected), "{}", run.stderr);
                    continue;
                }
                assert!(
                    run.stderr.contains(&expected),
                    "{name} -> {}, {job}: {}",
                    point_at.display(),
                    run.stderr
                );
                assert!(
                    run.stderr.contains("jobrun never follows a link"),
                    "{}",
                    run.stderr
                );
            }
            let read = in_state_dir(&sandbox, &dir, &["history"]);
            if name.starts_with("history") {
                assert_eq!(read.code, 3, "{name}: {}", read.stderr);
            }
            assert_eq!(std::fs::read(&target).unwrap(), b"kept as it is\n");
            assert!(!absent.exists(), "{name} made {}", absent.display());
        }
    }
}

#[test]
fn a_state_directory_that_is_a_link_to_a_private_directory_is_used() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&file(&[("report", &server.url("/r"), "")]));
    let real = sandbox.path("real-state");
    std::fs::create_dir(&real).unwrap();
    set_mode(&real, 0o700);
    let link = sandbox.path("state-link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let run = in_state_dir(&sandbox, &link, &["run", "report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(real.join("history.sqlite3").is_file());
}

#[test]
#[ignore = "consumer: needs root"]
fn root_refuses_a_state_directory_another_user_owns() {
    common::consumer::require_root("to give a directory to another user");
    let server = Server::start(vec![]);
    let sandbox = Sandbox::with_jobs(&file(&[("report", &server.url("/r"), "")]));
    // A user's own state directory: the user could plant a link in it at
    // any time.
    let dir = sandbox.path("state-of-nobody");
    std::fs::create_dir(&dir).unwrap();
    let nobody = 65534;
    std::os::unix::fs::chown(&dir, Some(nobody), Some(nobody)).unwrap();
    for command in [&["run", "report"][..], &["status"], &["history"]] {
        let run = in_state_dir(&sandbox, &dir, command);
        assert_eq!(run.code, 3, "{}", run.stderr);
        let expected = format!(
            "the state directory cannot be trusted: `{}`: it is owned by another user (uid {nobody}; jobrun runs as uid 0)",
            dir.display()
        );
        assert!(run.stderr.contains(&expected), "{}", run.stderr);
        assert!(
            run.stderr
                .contains("give root a state directory of its own"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    // A link to root's own directory, planted by the user, is not
    // followed either.
    let real = sandbox.path("roots-own");
    std::fs::create_dir(&real).unwrap();
    let link = sandbox.path("planted-link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    std::os::unix::fs::lchown(&link, Some(nobody), Some(nobody)).unwrap();
    let run = in_state_dir(&sandbox, &link, &["run", "report"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("it is owned by another user"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_dir(&real).unwrap().count(), 0);
    assert!(server.requests().is_empty());
}

#[test]
fn the_state_directory_defaults_to_home_and_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let server = Server::start(vec![Reply::status(200); 3]);
    let sandbox = Sandbox::with_jobs(&file(&[("report", &server.url("/r"), "")]));
    let home = sandbox.path("home");
    let run = Run::from(
        sandbox
            .jobrun()
            .env_remove("JOBRUN_STATE_DIR")
            .env("HOME", &home)
            .args(["run", "report"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dir = home.join(".local/state/jobrun");
    assert!(dir.join("history.sqlite3").is_file());
    assert!(dir.join("locks/report.lock").is_file());
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );

    // `global.stateDir`, relative to the job file; `--state-dir` wins over it.
    let text = format!(
        "global:\n  stateDir: kept\n{}",
        file(&[("report", &server.url("/r"), "")])
    );
    sandbox.write("jobs.yaml", text);
    let run = Run::from(
        sandbox
            .jobrun()
            .env_remove("JOBRUN_STATE_DIR")
            .args(["run", "report"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(sandbox.path("kept/history.sqlite3").is_file());
    let flag = sandbox.path("flag");
    let run = Run::from(
        sandbox
            .jobrun()
            .arg("--state-dir")
            .arg(&flag)
            .args(["run", "report"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(flag.join("history.sqlite3").is_file());
}

// catch-up

/// The start of this year in UTC: the latest instant of `0 0 1 1 *`.
fn new_year() -> jiff::Timestamp {
    let now = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC);
    jiff::civil::date(now.year(), 1, 1)
        .at(0, 0, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
}

fn catch_up_runs_a_job_whose_scheduled_run_was_missed_once(backend: Backend) {
    let server = Server::start(vec![Reply::status(200)]);
    // A yearly job, caught up within 400 days: this year's run is always
    // in the window.
    let sandbox = backend.sandbox(&file(&[
        ("yearly", &server.url("/yearly"), "catchUp: 9600h"),
        ("plain", &server.url("/plain"), ""),
        ("off", &server.url("/off"), "catchUp: 9600h\nenabled: false"),
    ]));
    // The machine was down at New Year: the last run recorded is older.
    sandbox
        .history_store()
        .add(
            &past_run(
                "yearly",
                Duration::from_secs(400 * 24 * 3600),
                Outcome::Succeeded,
            ),
            100,
            false,
        )
        .unwrap();

    let run = sandbox.run(&["catch-up"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, ["/yearly"]);
    let row = &history(&sandbox, &["yearly"])[0];
    assert_eq!(row["triggered_by"], "catch-up");
    assert_eq!(row["outcome"], "succeeded");
    assert_eq!(
        row["scheduled_at"],
        jobrun::fixtures::instant(new_year()).as_str()
    );

    // Caught up: a second call finds nothing missed.
    let run = sandbox.run(&["-v", "catch-up"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(server.requests().len(), 1);
}

fn catch_up_leaves_a_job_that_ran_on_time(backend: Backend) {
    let server = Server::start(vec![]);
    let sandbox = backend.sandbox(&file(&[(
        "yearly",
        &server.url("/yearly"),
        "catchUp: 9600h",
    )]));
    let mut on_time = past_run("yearly", Duration::ZERO, Outcome::Failed);
    on_time.started = new_year();
    sandbox.history_store().add(&on_time, 100, false).unwrap();
    let run = sandbox.run(&["catch-up"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(server.requests().len(), 0);
}

fn catch_up_exits_1_when_a_caught_up_job_fails(backend: Backend) {
    let server = Server::start(vec![Reply::status(500)]);
    let sandbox = backend.sandbox(&file(&[(
        "yearly",
        &server.url("/yearly"),
        "catchUp: 9600h",
    )]));
    let run = sandbox.run(&["catch-up"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("job `yearly` failed after 1 attempt"),
        "{}",
        run.stderr
    );
    assert_eq!(outcomes(&history(&sandbox, &[])), ["failed"]);
}
