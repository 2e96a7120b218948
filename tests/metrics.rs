//! The metrics file and `jobrun metrics`, end to end: real `jobrun`
//! processes (fifty at once), a real server on 127.0.0.1, real SQLite
//! histories; and, in the consumers group, the real `promtool check
//! metrics`, a real node_exporter reading the file, and the cases of the
//! figures' behaviour again with the state in PostgreSQL.

mod common;

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use common::server::{Reply, Server};
use common::{Backend, Run, Sandbox, finish, spawn, yearly_jobs};
use jobrun::fixtures::{History, Outcome, Record, Trigger, open_history};

const WAIT: Duration = Duration::from_secs(20);

/// A job file writing its metrics to `metrics/jobrun.prom` beside it,
/// with `jobs` as [`yearly_jobs`] writes them.
fn file(jobs: &[(&str, &str, &str)]) -> String {
    format!(
        "global:\n  metricsFile: metrics/jobrun.prom\n{}",
        yearly_jobs(jobs)
    )
}

/// The outcomes of a run that ended, as the metrics label them.
const OUTCOMES: [&str; 6] = [
    "succeeded",
    "failed",
    "busy",
    "skipped",
    "interrupted",
    "died",
];

// The figures' behaviour, the same on both backends.
on_both_backends! {
    fifty_jobs_finishing_at_once_all_have_their_figures_in_the_file,
    the_file_follows_every_outcome_and_counts_each,
    runs_pruned_by_the_history_limit_are_still_counted,
}

/// A sandbox with `jobs` and the metrics file's directory.
fn sandbox(jobs: &[(&str, &str, &str)]) -> Sandbox {
    sandbox_on(Backend::Sqlite, jobs)
}

/// [`sandbox`], its state on `backend`.
fn sandbox_on(backend: Backend, jobs: &[(&str, &str, &str)]) -> Sandbox {
    let sandbox = backend.sandbox(&file(jobs));
    std::fs::create_dir(sandbox.path("metrics")).unwrap();
    sandbox
}

fn metrics_file(sandbox: &Sandbox) -> String {
    std::fs::read_to_string(sandbox.path("metrics/jobrun.prom")).expect("the metrics file")
}

/// The samples of an exposition: `name{labels}` to its value.
fn samples(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("a sample line");
            (series.to_string(), value.to_string())
        })
        .collect()
}

/// The value of `name` for `job` (and `outcome`, when given).
fn value(
    samples: &BTreeMap<String, String>,
    name: &str,
    job: &str,
    outcome: Option<&str>,
) -> String {
    let series = match outcome {
        Some(outcome) => format!("{name}{{job_name=\"{job}\",outcome=\"{outcome}\"}}"),
        None => format!("{name}{{job_name=\"{job}\"}}"),
    };
    samples
        .get(&series)
        .unwrap_or_else(|| panic!("no {series} in {samples:#?}"))
        .clone()
}

/// The outcome the last run of `job` ended with, as the metrics say.
fn last_outcome(text: &str, job: &str) -> String {
    let samples = samples(text);
    let ones: Vec<&str> = OUTCOMES
        .into_iter()
        .filter(|o| value(&samples, "jobrun_last_run_outcome", job, Some(o)) == "1")
        .collect();
    assert_eq!(ones.len(), 1, "{text}");
    ones[0].to_string()
}

/// The sandbox's history, wherever it keeps it.
fn store(sandbox: &Sandbox) -> Box<dyn History> {
    open_history(sandbox.state_url.as_deref(), &sandbox.state_dir())
}

/// A succeeded run of `job`, `minutes` ago.
fn past_success(job: &str, minutes: i64) -> Record {
    let started = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(minutes);
    let mut run = Record::start(
        format!("seeded-{job}-{minutes}"),
        job,
        Trigger::Scheduled,
        None,
        started,
    );
    run.outcome = Outcome::Succeeded;
    run.ended = Some(started);
    run.duration_ms = Some(120);
    run.attempts = 1;
    run.status = Some(200);
    run
}

fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) on the pid of a child this test started and has not
    // yet reaped.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
}

fn fifty_jobs_finishing_at_once_all_have_their_figures_in_the_file(backend: Backend) {
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_millis(300));
        50
    ]);
    let names: Vec<String> = (0..50).map(|i| format!("job-{i:02}")).collect();
    let urls: Vec<String> = names.iter().map(|n| server.url(&format!("/{n}"))).collect();
    let jobs: Vec<(&str, &str, &str)> = names
        .iter()
        .zip(&urls)
        .map(|(n, u)| (n.as_str(), u.as_str(), ""))
        .collect();
    let sandbox = sandbox_on(backend, &jobs);
    // Job i has i runs before: each job's count is its own.
    let mut store = store(&sandbox);
    for (i, name) in names.iter().enumerate() {
        for minute in 0..i {
            store
                .add(&past_success(name, 60 + minute as i64), 100, false)
                .unwrap();
        }
    }
    drop(store);

    let children: Vec<Child> = names.iter().map(|n| spawn(&sandbox, &["run", n])).collect();
    for run in children.into_iter().map(finish) {
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stderr, "");
    }
    assert_eq!(server.requests().len(), 50);

    let text = metrics_file(&sandbox);
    let samples = samples(&text);
    for (i, name) in names.iter().enumerate() {
        let of = |metric, outcome| value(&samples, metric, name, outcome);
        assert_eq!(
            of("jobrun_runs_total", Some("succeeded")),
            (i + 1).to_string(),
            "{name}"
        );
        assert_eq!(of("jobrun_runs_total", Some("failed")), "0", "{name}");
        assert_eq!(
            of("jobrun_last_run_outcome", Some("succeeded")),
            "1",
            "{name}"
        );
        assert_eq!(of("jobrun_last_run_http_status", None), "200", "{name}");
        assert_eq!(of("jobrun_consecutive_failures", None), "0", "{name}");
        assert_eq!(of("jobrun_runs_in_progress", None), "0", "{name}");
    }
    // Only the file: the temporary files were renamed into it. With the
    // state in a database, the writers took turns on a lock beside it.
    let mut names_in_dir: Vec<String> = std::fs::read_dir(sandbox.path("metrics"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names_in_dir.sort();
    match backend {
        Backend::Sqlite => assert_eq!(names_in_dir, ["jobrun.prom"]),
        _ => assert_eq!(names_in_dir, [".jobrun.prom.lock", "jobrun.prom"]),
    }
    // `jobrun metrics` prints the same text.
    let printed = sandbox.run(&["metrics"]);
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    assert_eq!(printed.stdout, text);
}

/// Runs of two jobs, `report` and `backup` (which runs only if `report`
/// failed), that end every way a run can: `check` is handed the metrics
/// file after each, with the outcome `report`'s or `backup`'s last run
/// must show.
fn every_outcome(backend: Backend, mut check: impl FnMut(&str, &str, &str)) {
    let server = Server::start(vec![
        Reply::status(200),
        Reply::status(503),
        Reply::status(200).delay(Duration::from_secs(2)),
        Reply::status(200).delay(Duration::from_secs(30)),
        Reply::status(200).delay(Duration::from_secs(30)),
    ]);
    let url = server.url("/report");
    let sandbox = sandbox_on(
        backend,
        &[
            ("report", &url, "timeout: 60s"),
            (
                "backup",
                &url,
                "dependsOn:\n  job: report\n  condition: failed",
            ),
        ],
    );
    let run = |args: &[&str]| sandbox.run(args);

    assert_eq!(run(&["run", "report"]).code, 0);
    check(&metrics_file(&sandbox), "report", "succeeded");
    // `report` succeeded: its backup is skipped.
    assert_eq!(run(&["run", "backup"]).code, 0);
    check(&metrics_file(&sandbox), "backup", "skipped");
    assert_eq!(run(&["run", "report"]).code, 1);
    check(&metrics_file(&sandbox), "report", "failed");

    let slow = spawn(&sandbox, &["run", "report"]);
    server.wait_for_requests(3, WAIT);
    assert_eq!(run(&["run", "report"]).code, 75);
    check(&metrics_file(&sandbox), "report", "busy");
    assert_eq!(finish(slow).code, 0);

    let stopped = spawn(&sandbox, &["run", "report"]);
    server.wait_for_requests(4, WAIT);
    signal(&stopped, libc::SIGTERM);
    assert_eq!(finish(stopped).code, 143);
    check(&metrics_file(&sandbox), "report", "interrupted");

    let mut killed = spawn(&sandbox, &["run", "report"]);
    server.wait_for_requests(5, WAIT);
    killed.kill().unwrap();
    killed.wait().unwrap();
    backend.after_a_kill();
    // The killed run wrote nothing; the next run of any job rebuilds the
    // file, and finds the killed run's lock free.
    assert_eq!(run(&["run", "backup"]).code, 0);
    check(&metrics_file(&sandbox), "report", "died");
    drop(server);
}

fn the_file_follows_every_outcome_and_counts_each(backend: Backend) {
    let mut seen = Vec::new();
    every_outcome(backend, |text, job, outcome| {
        assert_eq!(last_outcome(text, job), outcome, "{text}");
        seen.push(outcome.to_string());
        let samples = samples(text);
        if outcome == "died" {
            let total = |o| value(&samples, "jobrun_runs_total", "report", Some(o));
            let counts: Vec<String> = ["succeeded", "failed", "busy", "interrupted", "died"]
                .into_iter()
                .map(total)
                .collect();
            assert_eq!(counts, ["2", "1", "1", "1", "1"], "{text}");
            assert_eq!(
                value(&samples, "jobrun_consecutive_failures", "report", None),
                "2",
                "interrupted, then died: {text}"
            );
            // A run that died has no time of its own.
            assert!(!text.contains("jobrun_last_run_duration_seconds{job_name=\"report\"}"));
        }
    });
    assert_eq!(seen.len(), 6);
}

fn runs_pruned_by_the_history_limit_are_still_counted(backend: Backend) {
    // Three successes and two failures of a job that keeps two rows: the
    // counter keeps growing however few rows are kept.
    let server = Server::start(vec![
        Reply::status(200),
        Reply::status(503),
        Reply::status(200),
        Reply::status(503),
        Reply::status(200),
    ]);
    let url = server.url("/report");
    let sandbox = sandbox_on(backend, &[("report", &url, "historyLimit: 2")]);
    for expected in [0, 1, 0, 1, 0] {
        let run = sandbox.run(&["run", "report"]);
        assert_eq!(run.code, expected, "{}", run.stderr);
    }
    let kept = sandbox.run(&["history", "report", "--json"]);
    assert_eq!(kept.code, 0, "{}", kept.stderr);
    let kept: serde_json::Value = serde_json::from_str(&kept.stdout).unwrap();
    assert_eq!(kept["runs"].as_array().unwrap().len(), 2);
    let printed = sandbox.run(&["metrics"]);
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    assert_eq!(printed.stdout, metrics_file(&sandbox));
    let samples = samples(&printed.stdout);
    let total = |o| value(&samples, "jobrun_runs_total", "report", Some(o));
    assert_eq!(
        (total("succeeded"), total("failed")),
        ("3".into(), "2".into())
    );
    assert_eq!(last_outcome(&printed.stdout, "report"), "succeeded");
}

#[test]
#[ignore = "consumer: needs promtool"]
fn promtool_accepts_the_file_after_every_outcome() {
    let promtool = common::consumer::require("promtool");
    every_outcome(Backend::Sqlite, |text, job, outcome| {
        let (code, output) = promtool_check(&promtool, text);
        assert_eq!(code, Some(0), "after {job} {outcome}: {output}\n{text}");
        assert_eq!(output, "", "after {job} {outcome}");
    });
}

/// `promtool check metrics` on `text`: its exit code and what it said.
fn promtool_check(promtool: &Path, text: &str) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), said)
}

/// A file of 200 jobs, most with runs of every outcome in their history.
fn two_hundred_jobs() -> (Sandbox, Server) {
    let server = Server::start(vec![Reply::status(200)]);
    let names: Vec<String> = (0..200).map(|i| format!("job_{i:03}")).collect();
    let url = server.url("/j");
    let extra: Vec<String> = (0..200)
        .map(|i| match i % 4 {
            0 => "enabled: false".to_string(),
            1 => "timezone: America/Chicago".to_string(),
            _ => String::new(),
        })
        .collect();
    let jobs: Vec<(&str, &str, &str)> = names
        .iter()
        .zip(&extra)
        .map(|(n, e)| (n.as_str(), url.as_str(), e.as_str()))
        .collect();
    let sandbox = sandbox(&jobs);
    let mut store = store(&sandbox);
    let outcomes = [
        Outcome::Succeeded,
        Outcome::Failed,
        Outcome::Busy,
        Outcome::Skipped,
        Outcome::Interrupted,
        Outcome::Died,
    ];
    for (i, name) in names.iter().enumerate().filter(|(i, _)| i % 5 != 0) {
        for (k, outcome) in outcomes.iter().cycle().skip(i).take(7).enumerate() {
            let mut run = past_success(name, 600 - k as i64);
            run.run_id = format!("{name}-{k}");
            run.outcome = *outcome;
            if *outcome == Outcome::Died {
                run.ended = None;
                run.duration_ms = None;
            }
            store.add(&run, 5, false).unwrap();
        }
    }
    drop(store);
    assert_eq!(sandbox.run(&["run", "job_001"]).code, 0);
    (sandbox, server)
}

#[test]
fn a_file_of_two_hundred_jobs_holds_every_job() {
    let (sandbox, _server) = two_hundred_jobs();
    let text = metrics_file(&sandbox);
    let samples = samples(&text);
    for i in 0..200 {
        let name = format!("job_{i:03}");
        let enabled = value(&samples, "jobrun_job_enabled", &name, None);
        assert_eq!(enabled, if i % 4 == 0 { "0" } else { "1" }, "{name}");
        let totals: u64 = OUTCOMES
            .iter()
            .map(|o| {
                value(&samples, "jobrun_runs_total", &name, Some(o))
                    .parse::<u64>()
                    .unwrap()
            })
            .sum();
        // Seven runs each, five kept: the pruned ones still count.
        let expected = match i {
            1 => 8,
            i if i % 5 == 0 => 0,
            _ => 7,
        };
        assert_eq!(totals, expected, "{name}");
    }
    // A yearly schedule leaves 366 days at most (a leap year within eight).
    assert_eq!(
        value(
            &samples,
            "jobrun_expected_interval_seconds",
            "job_001",
            None
        ),
        (366 * 86_400).to_string()
    );
}

#[test]
#[ignore = "consumer: needs promtool"]
fn promtool_accepts_a_file_of_two_hundred_jobs() {
    let promtool = common::consumer::require("promtool");
    let (sandbox, _server) = two_hundred_jobs();
    let text = metrics_file(&sandbox);
    assert!(text.lines().count() > 200 * 15, "{text}");
    let (code, output) = promtool_check(&promtool, &text);
    assert_eq!(code, Some(0), "{output}");
    assert_eq!(output, "");
}

#[test]
#[ignore = "consumer: needs prometheus-node-exporter"]
fn node_exporter_serves_the_file_from_its_textfile_directory() {
    let exporter = common::consumer::require("prometheus-node-exporter");
    let server = Server::start(vec![Reply::status(200), Reply::status(500)]);
    let url = server.url("/r");
    let sandbox = sandbox(&[("report", &url, ""), ("idle", &url, "")]);
    assert_eq!(sandbox.run(&["run", "report"]).code, 0);
    assert_eq!(sandbox.run(&["run", "report"]).code, 1);

    // A free port on the loopback interface, for the exporter to take.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(exporter)
        .arg(format!("--web.listen-address={address}"))
        .arg("--collector.disable-defaults")
        .arg("--collector.textfile")
        .arg(format!(
            "--collector.textfile.directory={}",
            sandbox.path("metrics").display()
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node_exporter starts");
    let scraped = scrape(&address);
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let body = scraped.unwrap_or_else(|e| {
        panic!(
            "cannot scrape node_exporter: {e}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let samples = samples(&body);
    assert_eq!(
        samples
            .get("node_textfile_scrape_error")
            .map(String::as_str),
        Some("0"),
        "{body}"
    );
    assert_eq!(
        value(&samples, "jobrun_runs_total", "report", Some("succeeded")),
        "1"
    );
    assert_eq!(
        value(&samples, "jobrun_runs_total", "report", Some("failed")),
        "1"
    );
    assert_eq!(
        value(&samples, "jobrun_last_run_http_status", "report", None),
        "500"
    );
    assert_eq!(
        value(&samples, "jobrun_consecutive_failures", "idle", None),
        "0"
    );
    assert!(
        body.contains("node_textfile_mtime_seconds{file=\"") && body.contains("jobrun.prom\"}"),
        "{body}"
    );
}

/// GET /metrics from `address`, trying for a while as the exporter starts.
fn scrape(address: &str) -> Result<String, String> {
    let started = std::time::Instant::now();
    loop {
        let attempt = (|| -> std::io::Result<String> {
            let mut stream = std::net::TcpStream::connect(address)?;
            stream.set_read_timeout(Some(WAIT))?;
            write!(
                stream,
                "GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
            )?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            Ok(response)
        })();
        match attempt {
            Ok(response) if response.starts_with("HTTP/1.1 200") => {
                let body = response
                    .split_once("\r\n\r\n")
                    .map(|(_, b)| b.to_string())
                    .unwrap_or_default();
                return Ok(dechunk(&body, &response));
            }
            Ok(response) if started.elapsed() > WAIT => return Err(response),
            Err(e) if started.elapsed() > WAIT => return Err(e.to_string()),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// The body of a chunked response joined, or the body as it is.
fn dechunk(body: &str, response: &str) -> String {
    let head = response.split("\r\n\r\n").next().unwrap_or_default();
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return body.to_string();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

#[test]
fn a_file_that_cannot_be_written_never_fails_a_run_and_is_said_once() {
    let server = Server::start(vec![Reply::status(200); 3]);
    let url = server.url("/r");
    // No `metrics` directory: the file cannot be made.
    let sandbox = Sandbox::with_jobs(&file(&[
        ("yearly", &url, "catchUp: 9600h"),
        ("also", &url, "catchUp: 9600h"),
    ]));
    let run = sandbox.run(&["catch-up"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Named as the job file's directory gives it: here, the current one.
    let expected = "jobrun: the metrics file `metrics/jobrun.prom` was not written: the directory `metrics` does not exist; create it";
    assert_eq!(
        run.stderr.matches("metrics file").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(run.stderr.starts_with(expected), "{}", run.stderr);
    assert_eq!(server.requests().len(), 2);
    // Quiet says nothing of it.
    let run = sandbox.run(&["-q", "run", "yearly"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

#[test]
fn a_link_where_the_file_goes_is_refused_and_what_it_points_at_kept() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = sandbox(&[("report", &server.url("/r"), "")]);
    let victim = sandbox.write("victim", "keep\n");
    std::os::unix::fs::symlink(&victim, sandbox.path("metrics/jobrun.prom")).unwrap();
    let run = sandbox.run(&["run", "report"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains(&format!(
            "was not written: it is a symbolic link to `{}`",
            victim.display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
}

#[test]
fn the_flag_wins_over_the_variable_and_the_file_and_paths_are_read_where_they_say() {
    let server = Server::start(vec![Reply::status(200); 3]);
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.path("conf/metrics")).unwrap();
    sandbox.write("conf/jobs.yaml", file(&[("report", &server.url("/r"), "")]));
    // The file's path is read from the job file's directory, wherever
    // jobrun is started.
    let run = sandbox.run(&["--config", "conf/jobs.yaml", "run", "report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(sandbox.path("conf/metrics/jobrun.prom").exists());
    // The variable's, from the current directory; the flag's over it.
    let with_env = |args: &[&str]| {
        let output = sandbox
            .jobrun()
            .env("JOBRUN_METRICS_FILE", "from-env.prom")
            .args(["--config", "conf/jobs.yaml"])
            .args(args)
            .output()
            .unwrap();
        Run::from(output)
    };
    let run = with_env(&["run", "report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(sandbox.path("from-env.prom").exists());
    let run = with_env(&["--metrics-file", "from-flag.prom", "run", "report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let flag = std::fs::read_to_string(sandbox.path("from-flag.prom")).unwrap();
    let env = std::fs::read_to_string(sandbox.path("from-env.prom")).unwrap();
    assert!(flag.contains("jobrun_runs_total{job_name=\"report\",outcome=\"succeeded\"} 3"));
    assert!(env.contains("jobrun_runs_total{job_name=\"report\",outcome=\"succeeded\"} 2"));
}

#[test]
fn runs_that_did_not_run_write_nothing() {
    let sandbox = sandbox(&[
        ("off", "http://127.0.0.1:9/", "enabled: false"),
        ("on", "http://127.0.0.1:9/", ""),
    ]);
    for args in [
        &["run", "off"][..],
        &["run", "on", "--dry-run"],
        &["run", "on", "--due"],
        &["status"],
        &["metrics"],
    ] {
        let run = sandbox.run(args);
        assert_ne!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            !sandbox.path("metrics/jobrun.prom").exists(),
            "{args:?} wrote the metrics file"
        );
    }
}

#[test]
fn metrics_exits_3_for_a_broken_job_file_or_a_damaged_history() {
    let sandbox = sandbox(&[("report", "http://127.0.0.1:9/", "")]);
    // Before any run: each job's settings, and no runs.
    let run = sandbox.run(&["metrics"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("jobrun_runs_total{job_name=\"report\",outcome=\"succeeded\"} 0")
    );
    assert!(!sandbox.state_dir().exists(), "metrics creates nothing");
    std::fs::create_dir(sandbox.state_dir()).unwrap();
    sandbox.write("state/history.sqlite3", "not a database".repeat(100));
    let run = sandbox.run(&["metrics"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(run.stderr.contains("is damaged"), "{}", run.stderr);
    sandbox.write("jobs.yaml", "jobs:\n  - name: report\n");
    let run = sandbox.run(&["metrics"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("jobs.yaml:2:"), "{}", run.stderr);
}

/// The alert rules docs/monitoring.md gives, as written there.
fn documented_rules() -> String {
    let doc = std::fs::read_to_string(common::repo_file("docs/monitoring.md")).unwrap();
    let start = doc.find("```yaml\ngroups:").expect("the rules in the docs") + "```yaml\n".len();
    let len = doc[start..].find("```").unwrap();
    doc[start..start + len].to_string()
}

/// `promtool test rules` feeds the rules series minute by minute from
/// time 0: a nightly job that last succeeded at 0 is overdue once 1.5 days
/// have passed, and not before; three failures in a row fire another; a
/// job that failed and never succeeded the third (not a job only ever
/// skipped, nor a disabled one).
const RULE_TESTS: &str = r#"rule_files:
  - rules.yml
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'jobrun_last_success_timestamp_seconds{job_name="kpi-evening-report"}'
        values: '0+0x2300'
      - series: 'jobrun_expected_interval_seconds{job_name="kpi-evening-report"}'
        values: '86400+0x2300'
      - series: 'jobrun_expected_interval_seconds{job_name="off"}'
        values: '_x2300'
      - series: 'jobrun_last_success_timestamp_seconds{job_name="off"}'
        values: '0+0x2300'
      - series: 'jobrun_consecutive_failures{job_name="kpi-evening-report"}'
        values: '0 1 2 3 3 0'
      - series: 'jobrun_expected_interval_seconds{job_name="new"}'
        values: '86400+0x10'
      - series: 'jobrun_runs_total{job_name="new",outcome="failed"}'
        values: '0 0 1 1 1'
      - series: 'jobrun_runs_total{job_name="new",outcome="skipped"}'
        values: '0+0x10'
      - series: 'jobrun_expected_interval_seconds{job_name="backup"}'
        values: '86400+0x10'
      - series: 'jobrun_runs_total{job_name="backup",outcome="skipped"}'
        values: '5+1x10'
      - series: 'jobrun_runs_total{job_name="off",outcome="failed"}'
        values: '1+0x10'
    alert_rule_test:
      - eval_time: 1m
        alertname: JobrunJobNeverSucceeded
        exp_alerts: []
      - eval_time: 3m
        alertname: JobrunJobNeverSucceeded
        exp_alerts:
          - exp_labels:
              severity: warning
              job_name: new
            exp_annotations:
              summary: "jobrun job new has run and never succeeded"
      - eval_time: 2m
        alertname: JobrunJobFailing
        exp_alerts: []
      - eval_time: 3m
        alertname: JobrunJobFailing
        exp_alerts:
          - exp_labels:
              severity: critical
              job_name: kpi-evening-report
            exp_annotations:
              summary: "jobrun job kpi-evening-report failed 3 times in a row"
      - eval_time: 5m
        alertname: JobrunJobFailing
        exp_alerts: []
      - eval_time: 2159m
        alertname: JobrunJobOverdue
        exp_alerts: []
      - eval_time: 2161m
        alertname: JobrunJobOverdue
        exp_alerts:
          - exp_labels:
              severity: warning
              job_name: kpi-evening-report
            exp_annotations:
              summary: "jobrun job kpi-evening-report has not succeeded for 1.5 times its schedule's interval"
"#;

#[test]
#[ignore = "consumer: needs promtool"]
fn the_documented_alert_rules_pass_promtool_and_fire_when_they_say() {
    let promtool = common::consumer::require("promtool");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yml"), documented_rules()).unwrap();
    std::fs::write(dir.path().join("tests.yml"), RULE_TESTS).unwrap();
    for args in [
        &["check", "rules", "rules.yml"][..],
        &["test", "rules", "tests.yml"],
    ] {
        let output = std::process::Command::new(&promtool)
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("promtool runs");
        assert!(
            output.status.success(),
            "promtool {args:?}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn a_metrics_file_named_by_the_flag_or_variable_without_prom_is_warned_of_by_validate_and_exports_not_runs()
 {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&yearly_jobs(&[("report", &server.url("/r"), "")]));
    let warning = "node_exporter's textfile collector reads only files whose names end in `.prom`";

    let by_flag = sandbox.run(&["--metrics-file", "jobrun.txt", "validate"]);
    assert_eq!(by_flag.code, 0, "{}", by_flag.stderr);
    assert!(
        by_flag.stderr.contains(warning) && by_flag.stderr.contains("--metrics-file"),
        "{}",
        by_flag.stderr
    );
    let by_variable = Run::from(
        sandbox
            .jobrun()
            .env("JOBRUN_METRICS_FILE", "jobrun.txt")
            .arg("validate")
            .output()
            .unwrap(),
    );
    assert!(
        by_variable.stderr.contains(warning) && by_variable.stderr.contains("JOBRUN_METRICS_FILE"),
        "{}",
        by_variable.stderr
    );

    // An export writes the flag into every entry: said once, as it is made.
    for export in [
        &["--metrics-file", "jobrun.txt", "crontab"][..],
        &["--metrics-file", "jobrun.txt", "systemd", "--dir", "units"][..],
    ] {
        let run = sandbox.run(export);
        assert_eq!(run.code, 0, "{export:?}: {}", run.stderr);
        assert_eq!(
            run.stderr.matches(warning).count(),
            1,
            "{export:?}: {}",
            run.stderr
        );
    }

    // A run is not the place: it says nothing of the name.
    let run = sandbox.run(&["--metrics-file", "jobrun.txt", "run", "report"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    // A `.prom` name is not warned of.
    let fine = sandbox.run(&["--metrics-file", "jobrun.prom", "validate"]);
    assert!(!fine.stderr.contains(warning), "{}", fine.stderr);
}
