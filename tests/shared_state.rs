//! The state on PostgreSQL, shared by several hosts: one run per
//! scheduled instant across hosts, the lock across hosts, `dependsOn`
//! across hosts, and what happens when the database is down, never
//! answers, refuses jobrun or is newer than it; TLS. A real PostgreSQL
//! server started by the tests (tests/common/postgres.rs), real `jobrun`
//! processes with state directories and `HOSTNAME`s of their own (the
//! "hosts"), and a real server on 127.0.0.1 for the jobs' requests.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::postgres::{self, PASSWORD, Postgres};
use common::server::{Reply, Server};
use common::{Backend, Run, Sandbox};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);

/// Each named case, a function of the backend, on PostgreSQL directly and
/// through PgBouncer's transaction pooling.
macro_rules! on_postgres_and_pgbouncer {
    ($($name:ident),* $(,)?) => {
        mod postgres_direct {
            $(
                #[test]
                #[ignore = "consumer: needs PostgreSQL"]
                fn $name() {
                    super::$name(super::Backend::Postgres)
                }
            )*
        }
        mod through_pgbouncer {
            $(
                #[test]
                #[ignore = "consumer: needs PostgreSQL and PgBouncer"]
                fn $name() {
                    super::$name(super::Backend::PgBouncer)
                }
            )*
        }
    };
}

on_postgres_and_pgbouncer! {
    three_hosts_firing_run_due_send_each_instant_once_and_say_which_host_ran_it,
    with_one_host_killed_mid_run_the_others_still_run_every_instant_once,
    fifty_runs_of_one_job_across_hosts_make_one_request,
    fifty_hosts_firing_one_instant_send_it_once_and_the_others_exit_0_silently,
    a_hundred_runs_of_a_hundred_jobs_at_once_leave_a_hundred_rows,
    depends_on_sees_the_primary_that_ran_on_another_host_both_ways,
    a_primary_still_running_on_another_host_keeps_its_backup_back,
    many_hosts_starting_on_a_new_database_create_the_schema_once,
}

/// The tests that start dozens of processes at once take turns: on a
/// small machine, several such crowds together only measure how slowly it
/// forks and logs in, not what jobrun decides.
static CROWD: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn crowd() -> std::sync::MutexGuard<'static, ()> {
    CROWD.lock().unwrap_or_else(|e| e.into_inner())
}

/// The lease for crowds: a 2-second lease (the tests' default, to see a
/// killed run's lock lapse soon) can lapse while fifty processes starve
/// its renewing thread of CPU, which jobrun reports, but is not what
/// these tests look at.
const CROWD_LEASE: &str = "30s";

fn job(name: &str, url: &str, extra: &str) -> String {
    let mut text = format!(
        "  - name: {name}\n    schedule: \"0 0 1 1 *\"\n    url: \"{url}\"\n    retries: 0\n"
    );
    for line in extra.lines() {
        text.push_str(&format!("    {line}\n"));
    }
    text
}

fn jobs(list: &[String]) -> String {
    format!("jobs:\n{}", list.concat())
}

/// `jobrun` on the host `host` of the sandbox: a state directory of its
/// own, the sandbox's database.
fn on(sandbox: &Sandbox, host: &str) -> Command {
    let mut command = sandbox.process();
    command
        .env("HOSTNAME", host)
        .env("JOBRUN_STATE_DIR", sandbox.path(&format!("state-{host}")));
    command
}

fn spawn(mut command: Command, args: &[&str]) -> Child {
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts")
}

fn finish(child: Child) -> Run {
    Run::from(child.wait_with_output().expect("ends"))
}

fn run(mut command: Command, args: &[&str]) -> Run {
    Run::from(command.args(args).output().expect("runs"))
}

/// The sandbox's database name.
fn database(sandbox: &Sandbox) -> String {
    let url = sandbox.state_url.as_deref().expect("a database");
    url.rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

/// `jobrun history --json`'s runs, newest first.
fn history(sandbox: &Sandbox) -> Vec<Value> {
    let run = sandbox.run(&["history", "--json", "-n", "1000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    json["runs"].as_array().expect("runs").clone()
}

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn a_run_is_recorded_in_the_database_with_its_host_and_no_state_directory() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Backend::Postgres.sandbox(&jobs(&[job("report", &server.url("/r"), "")]));
    let done = run(on(&sandbox, "host-a"), &["run", "report"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let rows = postgres::shared().psql(
        &database(&sandbox),
        "SELECT job, host, outcome FROM jobrun_runs",
    );
    assert_eq!(rows.trim(), "report|host-a|succeeded");
    assert!(!sandbox.path("state-host-a").exists(), "no state directory");
    assert_eq!(history(&sandbox)[0]["host"], "host-a");
}

/// Seconds of the current minute, `count` of them `step` apart starting
/// a little ahead, as a six-field schedule; waits for the next minute
/// when this one has too little left.
fn seconds_ahead(count: u64, step: u64) -> String {
    let span = 3 + count * step;
    let now = jiff::Timestamp::now().as_second();
    let second = now.rem_euclid(60) as u64;
    let start = if second + span + 2 >= 60 {
        std::thread::sleep(Duration::from_secs(60 - second + 1));
        4
    } else {
        second + 3
    };
    let list: Vec<String> = (0..count).map(|i| (start + i * step).to_string()).collect();
    format!("{} * * * * *", list.join(","))
}

fn three_hosts_firing_run_due_send_each_instant_once_and_say_which_host_ran_it(backend: Backend) {
    let _turn = crowd();
    let server = Server::start(vec![Reply::status(200); 5]);
    let schedule = seconds_ahead(5, 2);
    let text = format!(
        "jobs:\n  - name: tick\n    schedule: \"{schedule}\"\n    url: \"{}\"\n    idempotencyKey: true\n    retries: 0\n",
        server.url("/tick")
    );
    let sandbox = backend.sandbox(&text);
    let hosts = ["host-a", "host-b", "host-c"];
    let children: Vec<Child> = hosts
        .iter()
        .map(|h| spawn(on(&sandbox, h), &["run", "--due", "tick"]))
        .collect();
    for done in children.into_iter().map(finish) {
        assert_eq!((done.code, done.stderr.as_str()), (0, ""));
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 5, "each instant once");
    let mut keys: Vec<&str> = requests
        .iter()
        .map(|r| r.header("Idempotency-Key").unwrap())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 5, "one key per instant");
    let runs = history(&sandbox);
    assert_eq!(runs.len(), 5);
    let mut instants: Vec<&str> = runs
        .iter()
        .map(|r| r["scheduled_at"].as_str().unwrap())
        .collect();
    instants.dedup();
    assert_eq!(instants.len(), 5);
    for row in &runs {
        assert_eq!(row["outcome"], "succeeded");
        assert!(hosts.contains(&row["host"].as_str().unwrap()), "{row}");
    }
}

fn with_one_host_killed_mid_run_the_others_still_run_every_instant_once(backend: Backend) {
    let _turn = crowd();
    // Instants 4 s apart, the lease 2 s: the killed run's lock has lapsed
    // by the next instant.
    let mut script = vec![Reply::status(200).delay(Duration::from_secs(3))];
    script.extend(vec![Reply::status(200); 3]);
    let server = Server::start(script);
    let schedule = seconds_ahead(4, 4);
    let text = format!(
        "jobs:\n  - name: tick\n    schedule: \"{schedule}\"\n    url: \"{}\"\n    retries: 0\n    timeout: 30s\n",
        server.url("/tick")
    );
    let sandbox = backend.sandbox(&text);
    let hosts = ["host-a", "host-b", "host-c"];
    let mut children: Vec<(&str, Child)> = hosts
        .iter()
        .map(|h| (*h, spawn(on(&sandbox, h), &["run", "--due", "tick"])))
        .collect();
    server.wait_for_requests(1, Duration::from_secs(60));
    let running = postgres::shared().psql(
        &database(&sandbox),
        "SELECT host FROM jobrun_runs WHERE outcome = 'running'",
    );
    let victim = running.trim().to_string();
    let at = children
        .iter()
        .position(|(h, _)| *h == victim)
        .unwrap_or_else(|| panic!("the running host `{victim}` is one of ours"));
    let (_, mut killed) = children.remove(at);
    killed.kill().unwrap();
    killed.wait().unwrap();
    for (host, child) in children {
        let done = finish(child);
        assert_eq!(done.code, 0, "{host}: {}", done.stderr);
    }
    assert_eq!(server.requests().len(), 4, "each instant once");
    let runs = history(&sandbox);
    let outcomes: Vec<&str> = runs
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["succeeded", "succeeded", "succeeded", "died"],
        "the killed run is marked by the next"
    );
    assert_eq!(runs[3]["host"], victim.as_str());
}

fn fifty_runs_of_one_job_across_hosts_make_one_request(backend: Backend) {
    let _turn = crowd();
    let server = Server::start(vec![Reply::status(200).delay(Duration::from_secs(3))]);
    let sandbox = backend.sandbox(&jobs(&[job("slow", &server.url("/slow"), "")]));
    let children: Vec<Child> = (0..50)
        .map(|i| {
            let mut host = on(&sandbox, &format!("host-{}", i % 3));
            host.env("JOBRUN_LOCK_LEASE", CROWD_LEASE);
            spawn(host, &["run", "slow"])
        })
        .collect();
    let runs: Vec<Run> = children.into_iter().map(finish).collect();
    let mut codes: Vec<i32> = runs.iter().map(|r| r.code).collect();
    codes.sort();
    assert_eq!(codes, [&[0][..], &[75; 49][..]].concat());
    assert_eq!(server.requests().len(), 1);
    let busy = runs.iter().find(|r| r.code == 75).unwrap();
    assert!(
        busy.stderr
            .contains("another run of it is still going (`concurrency: forbid`; held by run "),
        "{}",
        busy.stderr
    );
    let mut recorded: Vec<String> = history(&sandbox)
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect();
    recorded.sort();
    assert_eq!(recorded.len(), 50);
    assert_eq!(recorded.iter().filter(|o| *o == "succeeded").count(), 1);
}

fn fifty_hosts_firing_one_instant_send_it_once_and_the_others_exit_0_silently(backend: Backend) {
    let _turn = crowd();
    let server = Server::start(vec![Reply::status(200)]);
    let text = format!(
        "jobs:\n  - name: minute\n    schedule: \"* * * * *\"\n    url: \"{}\"\n    retries: 0\n",
        server.url("/minute")
    );
    let sandbox = backend.sandbox(&text);
    let children: Vec<Child> = (0..50)
        .map(|i| {
            spawn(
                on(&sandbox, &format!("host-{i}")),
                &["run", "--due", "minute"],
            )
        })
        .collect();
    for done in children.into_iter().map(finish) {
        assert_eq!((done.code, done.stderr.as_str()), (0, ""));
    }
    // Two minutes may have been due across the start: one run each.
    let requests = server.requests().len();
    let runs = history(&sandbox);
    assert_eq!(runs.len(), requests);
    assert!((1..=2).contains(&requests), "{requests}");
    // -v says who ran it.
    let again = run(on(&sandbox, "host-late"), &["-v", "run", "--due", "minute"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    if server.requests().len() == requests {
        assert!(
            again.stderr.contains("so it does not run here")
                && again.stderr.contains("on host `host-"),
            "{}",
            again.stderr
        );
    }
}

fn a_hundred_runs_of_a_hundred_jobs_at_once_leave_a_hundred_rows(backend: Backend) {
    let _turn = crowd();
    let server = Server::start(vec![Reply::status(200); 100]);
    let names: Vec<String> = (0..100).map(|i| format!("job-{i}")).collect();
    let list: Vec<String> = names
        .iter()
        .map(|n| job(n, &server.url(&format!("/{n}")), ""))
        .collect();
    let sandbox = backend.sandbox(&jobs(&list));
    let children: Vec<Child> = names
        .iter()
        .enumerate()
        .map(|(i, n)| spawn(on(&sandbox, &format!("host-{}", i % 3)), &["run", n]))
        .collect();
    for done in children.into_iter().map(finish) {
        assert_eq!((done.code, done.stderr.as_str()), (0, ""));
    }
    assert_eq!(server.requests().len(), 100);
    let runs = history(&sandbox);
    let mut recorded: Vec<&str> = runs.iter().map(|r| r["job"].as_str().unwrap()).collect();
    recorded.sort();
    recorded.dedup();
    assert_eq!(recorded.len(), 100);
    assert!(runs.iter().all(|r| r["outcome"] == "succeeded"));
}

/// The backup's fate on host `backup_host` after the primary ended with
/// `status` on `primary_host`.
fn backup_across_hosts(
    backend: Backend,
    primary_host: &str,
    backup_host: &str,
    status: u16,
) -> bool {
    let server = Server::start(vec![Reply::status(status), Reply::status(200)]);
    let sandbox = backend.sandbox(&jobs(&[
        job("primary", &server.url("/primary"), ""),
        job(
            "backup",
            &server.url("/backup"),
            "dependsOn:\n  job: primary\n  windowMinutes: 20",
        ),
    ]));
    let done = run(on(&sandbox, primary_host), &["run", "primary"]);
    assert_eq!(
        done.code,
        if status == 200 { 0 } else { 1 },
        "{}",
        done.stderr
    );
    let done = run(on(&sandbox, backup_host), &["run", "backup"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    server.requests().iter().any(|r| r.target == "/backup")
}

fn depends_on_sees_the_primary_that_ran_on_another_host_both_ways(backend: Backend) {
    assert!(!backup_across_hosts(backend, "host-a", "host-b", 200));
    assert!(!backup_across_hosts(backend, "host-b", "host-a", 200));
    assert!(backup_across_hosts(backend, "host-a", "host-b", 500));
    assert!(backup_across_hosts(backend, "host-b", "host-a", 500));
}

fn a_primary_still_running_on_another_host_keeps_its_backup_back(backend: Backend) {
    let _turn = crowd();
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(10)),
        Reply::status(200),
    ]);
    let sandbox = backend.sandbox(&jobs(&[
        job("primary", &server.url("/primary"), "timeout: 30s"),
        job(
            "backup",
            &server.url("/backup"),
            "dependsOn: {job: primary}",
        ),
    ]));
    let primary = spawn(on(&sandbox, "host-a"), &["run", "primary"]);
    server.wait_for_requests(1, WAIT);
    let done = run(on(&sandbox, "host-b"), &["-v", "run", "backup"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        done.stderr.contains("`primary` is still running"),
        "{}",
        done.stderr
    );
    assert_eq!(finish(primary).code, 0);
    assert_eq!(server.requests().len(), 1);
}

// Faults

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn the_database_stopped_mid_run_leaves_the_request_sent_and_says_so() {
    let own = Postgres::start();
    let db = own.database();
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(2)),
        Reply::status(200),
    ]);
    let mut sandbox = Sandbox::with_jobs(&jobs(&[
        job("locked", &server.url("/locked"), "timeout: 30s"),
        job("free", &server.url("/free"), "concurrency: allow"),
        job(
            "backup",
            &server.url("/backup"),
            "concurrency: allow\ndependsOn: {job: locked}",
        ),
    ]));
    sandbox.state_url = Some(own.url(&db));
    let child = spawn(sandbox.process(), &["run", "locked"]);
    server.wait_for_requests(1, WAIT);
    own.stop();
    let done = finish(child);
    assert_eq!(done.code, 0, "the request was sent: {}", done.stderr);
    assert!(
        done.stderr
            .contains("this run is not recorded in the history: cannot reach the state database"),
        "{}",
        done.stderr
    );
    // While it is down: what needs it does not run, what does not runs.
    let locked = sandbox.run(&["run", "locked"]);
    assert_eq!(locked.code, 3, "{}", locked.stderr);
    assert!(
        locked.stderr.contains("`concurrency: forbid` needs its lock in the state database, and cannot reach the state database"),
        "{}",
        locked.stderr
    );
    let backup = sandbox.run(&["run", "backup"]);
    assert_eq!(backup.code, 3, "{}", backup.stderr);
    let free = sandbox.run(&["run", "free"]);
    assert_eq!(free.code, 0, "{}", free.stderr);
    assert!(free.stderr.contains("not recorded"), "{}", free.stderr);
    for args in [&["status"][..], &["history"]] {
        let done = sandbox.run(args);
        assert_eq!(done.code, 3, "{args:?}: {}", done.stderr);
        assert!(done.stderr.contains("pg_isready"), "{}", done.stderr);
    }
    assert_eq!(server.requests().len(), 2);
    for text in [&done.stderr, &locked.stderr, &free.stderr] {
        assert!(!text.contains(PASSWORD), "{text}");
    }
    // Back up: the row the run could not finish says `running`, and the
    // next run of the job takes it for the dead run it is.
    own.restart();
    let rows = own.psql(&db, "SELECT job, outcome FROM jobrun_runs ORDER BY id");
    assert_eq!(rows.trim(), "locked|running");
}

/// A port that takes connections (the kernel's backlog) and never says a
/// word.
fn silent_port() -> (std::net::TcpListener, u16) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn a_server_that_accepts_and_never_answers_costs_a_bounded_wait() {
    let (_listener, port) = silent_port();
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&jobs(&[
        job("locked", &server.url("/locked"), ""),
        job("free", &server.url("/free"), "concurrency: allow"),
    ]));
    let url = format!(
        "postgres://jobrun:{PASSWORD}@127.0.0.1:{port}/db?connect_timeout=1&sslmode=disable"
    );
    let timed = |args: &[&str]| {
        let started = Instant::now();
        let done = Run::from(
            sandbox
                .jobrun()
                .env("JOBRUN_STATE_URL", &url)
                .args(args)
                .output()
                .unwrap(),
        );
        (done, started.elapsed())
    };
    let (done, took) = timed(&["run", "locked"]);
    assert_eq!(done.code, 3, "{}", done.stderr);
    assert!(
        done.stderr.contains(&format!(
            "the state database `postgres://jobrun@127.0.0.1:{port}/db` did not answer within 1s"
        )),
        "{}",
        done.stderr
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    let (done, took) = timed(&["run", "free"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(took < Duration::from_secs(10), "{took:?}");
    let (done, took) = timed(&["status"]);
    assert_eq!(done.code, 3, "{}", done.stderr);
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(server.requests().len(), 1);
    assert!(!done.stderr.contains(PASSWORD));
}

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn a_wrong_password_is_refused_without_showing_either_password() {
    let pg = postgres::shared();
    let db = pg.database();
    let sandbox = Sandbox::with_jobs(&jobs(&[job("report", "http://127.0.0.1:9/", "")]));
    const WRONG: &str = "SENTINEL-wrong-password-93ab1";
    let url = format!(
        "postgres://jobrun:{WRONG}@127.0.0.1:{}/{db}?sslmode=disable",
        pg.port
    );
    for args in [&["status"][..], &["run", "report"]] {
        let done = Run::from(
            sandbox
                .jobrun()
                .env("JOBRUN_STATE_URL", &url)
                .args(args)
                .output()
                .unwrap(),
        );
        assert_eq!(done.code, 3, "{}", done.stderr);
        assert!(
            done.stderr
                .contains("refused jobrun: password authentication failed for user \"jobrun\""),
            "{}",
            done.stderr
        );
        assert!(done.stderr.contains("PGPASSWORD"), "{}", done.stderr);
        assert!(!done.stderr.contains(WRONG) && !done.stdout.contains(WRONG));
        assert!(!done.stderr.contains(PASSWORD));
    }
}

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn a_schema_from_a_newer_jobrun_is_refused_and_left_alone() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Backend::Postgres.sandbox(&jobs(&[
        job("locked", &server.url("/l"), ""),
        job("free", &server.url("/f"), "concurrency: allow"),
    ]));
    assert_eq!(sandbox.run(&["status"]).code, 0);
    assert_eq!(sandbox.run(&["run", "free"]).code, 0);
    let db = database(&sandbox);
    postgres::shared().psql(&db, "UPDATE jobrun_schema SET version = 99");
    let done = sandbox.run(&["status"]);
    assert_eq!(done.code, 3);
    assert!(
        done.stderr
            .contains("has jobrun schema version 99, newer than this jobrun's 2"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("install it on this host too"),
        "{}",
        done.stderr
    );
    let done = sandbox.run(&["run", "locked"]);
    assert_eq!(done.code, 3, "{}", done.stderr);
    assert_eq!(
        postgres::shared()
            .psql(&db, "SELECT version FROM jobrun_schema")
            .trim(),
        "99"
    );
}

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn a_schema_1_database_gains_the_pruned_counts_and_keeps_its_runs() {
    let server = Server::start(vec![Reply::status(200); 4]);
    let sandbox = Backend::Postgres.sandbox(&jobs(&[job(
        "report",
        &server.url("/r"),
        "historyLimit: 2",
    )]));
    assert_eq!(sandbox.run(&["run", "report"]).code, 0);
    // The database as a jobrun of schema 1 left it: no pruned counts.
    let db = database(&sandbox);
    postgres::shared().psql(
        &db,
        "DROP TABLE jobrun_pruned; DROP INDEX jobrun_runs_by_outcome; \
         UPDATE jobrun_schema SET version = 1",
    );
    // A command that only reads brings it up to date, keeping the run.
    let listed = sandbox.run(&["history", "--json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&listed.stdout).unwrap()["runs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        postgres::shared()
            .psql(&db, "SELECT version FROM jobrun_schema")
            .trim(),
        "2"
    );
    // Runs pruned from now on are counted.
    for _ in 0..3 {
        assert_eq!(sandbox.run(&["run", "report"]).code, 0);
    }
    assert_eq!(
        postgres::shared()
            .psql(&db, "SELECT job, outcome, source, runs FROM jobrun_pruned")
            .trim(),
        "report|succeeded||2"
    );
    let metrics = sandbox.run(&["metrics"]);
    assert_eq!(metrics.code, 0, "{}", metrics.stderr);
    assert!(
        metrics
            .stdout
            .contains("jobrun_runs_total{job_name=\"report\",outcome=\"succeeded\"} 4"),
        "{}",
        metrics.stdout
    );
}

fn many_hosts_starting_on_a_new_database_create_the_schema_once(backend: Backend) {
    let _turn = crowd();
    let server = Server::start(vec![Reply::status(200); 20]);
    let sandbox = backend.sandbox(&jobs(&[job(
        "free",
        &server.url("/f"),
        "concurrency: allow",
    )]));
    let children: Vec<Child> = (0..20)
        .map(|i| spawn(on(&sandbox, &format!("host-{i}")), &["run", "free"]))
        .collect();
    for done in children.into_iter().map(finish) {
        assert_eq!((done.code, done.stderr.as_str()), (0, ""));
    }
    let db = database(&sandbox);
    assert_eq!(
        postgres::shared()
            .psql(&db, "SELECT count(*), max(version) FROM jobrun_schema")
            .trim(),
        "1|2"
    );
    assert_eq!(history(&sandbox).len(), 20);
}

// TLS

/// `status` against the shared server as the role that may only log in
/// over TLS, with these URL parameters and host.
fn status_over_tls(host: &str, params: &str) -> Run {
    let pg = postgres::shared();
    let db = pg.database();
    let sandbox = Sandbox::with_jobs(&jobs(&[job("report", "http://127.0.0.1:9/", "")]));
    let url = format!(
        "postgres://{}:{PASSWORD}@{host}:{}/{db}?{params}",
        postgres::TLS_USER,
        pg.port
    );
    Run::from(
        sandbox
            .jobrun()
            .env("JOBRUN_STATE_URL", url)
            // The system's store does not hold the test authority.
            .env("SSL_CERT_FILE", "/dev/null")
            .arg("status")
            .output()
            .unwrap(),
    )
}

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn tls_modes_check_what_libpq_checks() {
    let ca = postgres::shared().ca_file();
    let ca = ca.display();
    // Encrypted, unchecked: the server's role admits TLS logins only.
    let done = status_over_tls("127.0.0.1", "sslmode=require");
    assert_eq!(done.code, 0, "{}", done.stderr);
    let done = status_over_tls("127.0.0.1", "sslmode=prefer");
    assert_eq!(done.code, 0, "{}", done.stderr);
    // Without TLS the role is turned away.
    let done = status_over_tls("127.0.0.1", "sslmode=disable");
    assert_eq!(done.code, 3, "{}", done.stderr);
    assert!(done.stderr.contains("refused jobrun"), "{}", done.stderr);
    // The authority and the name.
    let done = status_over_tls(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    assert_eq!(done.code, 0, "{}", done.stderr);
    let done = status_over_tls(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    assert_eq!(done.code, 0, "{}", done.stderr);
    let done = status_over_tls(
        "127.0.0.2",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    assert_eq!(
        done.code, 3,
        "a name the certificate does not hold: {}",
        done.stderr
    );
    let done = status_over_tls("127.0.0.2", &format!("sslmode=verify-ca&sslrootcert={ca}"));
    assert_eq!(
        done.code, 0,
        "verify-ca does not check the name: {}",
        done.stderr
    );
    // An authority it does not know.
    let done = status_over_tls("127.0.0.1", "sslmode=verify-full");
    assert_eq!(done.code, 3, "{}", done.stderr);
    assert!(
        done.stderr.contains("no trusted certificate authority"),
        "{}",
        done.stderr
    );
    let done = status_over_tls(
        "127.0.0.1",
        &format!(
            "sslmode=verify-ca&sslrootcert={}",
            common::repo_file("Cargo.toml").display()
        ),
    );
    assert_eq!(done.code, 3, "{}", done.stderr);
    assert!(!done.stderr.contains(PASSWORD));
}

// Moving from one host to many

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn copy_history_copies_the_sqlite_history_once_however_often_it_runs() {
    let server = Server::start(vec![
        Reply::status(200),
        Reply::status(500),
        Reply::status(200),
    ]);
    // `a` keeps one row: its first run is pruned, and counted.
    let sandbox = Sandbox::with_jobs(&jobs(&[
        job("a", &server.url("/a"), "historyLimit: 1"),
        job("b", &server.url("/b"), ""),
    ]));
    for (name, code) in [("a", 0), ("b", 1), ("a", 0)] {
        assert_eq!(sandbox.run(&["run", name]).code, code);
    }
    let in_sqlite = history(&sandbox);
    let pg = postgres::shared();
    let url = pg.url(&pg.database());
    let copy = |args: &[&str]| {
        Run::from(
            sandbox
                .jobrun()
                .env("JOBRUN_STATE_URL", &url)
                .args(args)
                .output()
                .unwrap(),
        )
    };
    let first = copy(&["copy-history"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains("copied 2 runs (0 already there)"),
        "{}",
        first.stderr
    );
    assert!(!first.stderr.contains(PASSWORD), "{}", first.stderr);
    let second = copy(&["copy-history"]);
    assert!(
        second
            .stderr
            .contains("copied 0 runs (2 already there), the notification state of 0 jobs"),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("the count of 1 pruned runs"),
        "{}",
        second.stderr
    );
    // Every run counted once, the pruned one too, however often copied.
    let metrics = copy(&["metrics"]);
    assert_eq!(metrics.code, 0, "{}", metrics.stderr);
    for series in [
        "jobrun_runs_total{job_name=\"a\",outcome=\"succeeded\"} 2",
        "jobrun_runs_total{job_name=\"b\",outcome=\"failed\"} 1",
    ] {
        assert!(metrics.stdout.contains(series), "{}", metrics.stdout);
    }
    let listed = copy(&["history", "--json", "-n", "100"]);
    let in_database: Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(in_database["runs"].as_array().unwrap(), &in_sqlite);
    // The job that last failed is still failing on the database.
    let status = copy(&["status"]);
    assert_eq!(status.code, 1, "{}", status.stdout);
    // Without a database to copy into, a usage error.
    let nowhere = sandbox.run(&["copy-history"]);
    assert_eq!(nowhere.code, 2, "{}", nowhere.stderr);
    assert!(nowhere.stderr.contains("--state-url"), "{}", nowhere.stderr);
}

// Kubernetes

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn two_pods_of_one_cronjob_instant_send_it_once_keyed_by_the_job_name() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Backend::Postgres.sandbox(&jobs(&[job(
        "kpi_report",
        &server.url("/kpi"),
        "idempotencyKey: true",
    )]));
    // The controller's name for the Job of 2025-02-19T21:20:00Z.
    let job_name = "kpi-report-29000000";
    let pods: Vec<Child> = ["pod-1", "pod-2"]
        .iter()
        .map(|pod| {
            let mut command = on(&sandbox, pod);
            command.env("JOBRUN_KUBERNETES_JOB", job_name);
            spawn(command, &["run", "kpi_report"])
        })
        .collect();
    for done in pods.into_iter().map(finish) {
        assert_eq!((done.code, done.stderr.as_str()), (0, ""));
    }
    assert_eq!(server.requests().len(), 1);
    let runs = history(&sandbox);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["triggered_by"], "scheduled");
    assert_eq!(runs[0]["scheduled_at"], "2025-02-19T21:20:00.000Z");
    // A Job made by hand from the CronJob is a manual run.
    let mut command = on(&sandbox, "pod-3");
    command.env("JOBRUN_KUBERNETES_JOB", "kpi-report-manual-1");
    let done = run(command, &["run", "kpi_report"]);
    assert_eq!(
        done.code, 1,
        "the server has no more replies: {}",
        done.stderr
    );
    assert_eq!(history(&sandbox)[0]["triggered_by"], "manual");
}

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn the_libpq_variables_name_the_database_as_for_psql() {
    let pg = postgres::shared();
    let db = pg.database();
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&jobs(&[job("report", &server.url("/r"), "")]));
    let done = Run::from(
        sandbox
            .jobrun()
            .env("JOBRUN_STATE_URL", "postgres://")
            .env("PGHOST", "127.0.0.1")
            .env("PGPORT", pg.port.to_string())
            .env("PGUSER", postgres::USER)
            .env("PGDATABASE", &db)
            .env("PGPASSWORD", PASSWORD)
            .env("PGSSLMODE", "disable")
            .args(["run", "report"])
            .output()
            .unwrap(),
    );
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(
        pg.psql(&db, "SELECT job, outcome FROM jobrun_runs").trim(),
        "report|succeeded"
    );
}

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn a_statement_the_server_never_finishes_costs_one_statement_timeout() {
    let server = Server::start(vec![Reply::status(500), Reply::status(500)]);
    let sandbox = Backend::Postgres.sandbox(&jobs(&[job(
        "report",
        &server.url("/r"),
        "concurrency: allow",
    )]));
    // A first run makes the tables and the job's row of `jobrun_alerts`.
    assert_eq!(sandbox.run(&["run", "report"]).code, 1);
    // Another session holds that row for 20 s: the run's end waits on it.
    let holder = Command::new(postgres::bindir().join("psql"))
        .env_clear()
        .env("PGPASSWORD", PASSWORD)
        .args([
            "-X",
            "-q",
            "-h",
            "127.0.0.1",
            "-p",
            &postgres::shared().port.to_string(),
        ])
        .args(["-U", postgres::USER, "-d", &database(&sandbox), "-c"])
        .arg("BEGIN; SELECT * FROM jobrun_alerts FOR UPDATE; SELECT pg_sleep(20); COMMIT;")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let done = Run::from(
        sandbox
            .jobrun()
            .env("JOBRUN_STATE_TIMEOUT", "1s")
            .args(["run", "report"])
            .output()
            .unwrap(),
    );
    let took = started.elapsed();
    assert_eq!(done.code, 1, "the run's own exit: {}", done.stderr);
    assert!(
        done.stderr
            .contains("this run is not recorded in the history: the state database")
            && done.stderr.contains("did not answer within 1s"),
        "{}",
        done.stderr
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(server.requests().len(), 2);
    let mut holder = holder;
    let _ = holder.kill();
    let _ = holder.wait();
}

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn a_run_cut_off_for_longer_than_its_lease_says_its_lock_ran_out() {
    // The database goes away for longer than the 2 s lease while a run
    // holds its job's lock: when it is back, the lease has run out, the
    // next run takes the lock, and the first says so when it ends.
    let own = Postgres::start();
    let db = own.database();
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(8)),
        Reply::status(200),
    ]);
    let mut sandbox =
        Sandbox::with_jobs(&jobs(&[job("locked", &server.url("/l"), "timeout: 30s")]));
    sandbox.state_url = Some(own.url(&db));
    let first = spawn(on(&sandbox, "host-a"), &["run", "locked"]);
    server.wait_for_requests(1, WAIT);
    own.stop();
    std::thread::sleep(common::TEST_LEASE + Duration::from_secs(1));
    own.restart();
    // Its lease ran out: to a reader on any host, the run is gone.
    let status = run(on(&sandbox, "host-b"), &["status", "--json"]);
    assert_eq!(status.code, 1, "{}", status.stderr);
    let status: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["jobs"][0]["last_run"]["outcome"], "died");
    let second = run(on(&sandbox, "host-b"), &["run", "locked"]);
    assert_eq!(second.code, 0, "the lease ran out: {}", second.stderr);
    let first = finish(first);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains("its lock ran out while it ran"),
        "{}",
        first.stderr
    );
    assert_eq!(server.requests().len(), 2);
    // Back in touch, the first run records how it ended after all.
    let outcomes: Vec<String> = history(&sandbox)
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outcomes, ["succeeded", "succeeded"]);
}
