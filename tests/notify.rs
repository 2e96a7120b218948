//! Telling people, end to end: `notify` (onFailure, onRecovery, the
//! cooldown) and healthcheck pings, sent by the real binary to real
//! servers on 127.0.0.1. The job has a server of its own, and the
//! notifications and pings another, so each sees only its own traffic.

mod common;

use std::time::{Duration, Instant};

use common::server::{Reply, Server};
use common::{Backend, Run, Sandbox};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(10);

// Who is told, decided from the history between runs: the same on both
// backends.
on_both_backends! {
    a_success_tells_nothing_and_only_the_first_success_after_failures_is_a_recovery,
    the_cooldown_holds_back_repeated_failures_across_processes,
    an_undelivered_failure_notice_does_not_start_the_cooldown,
    a_success_sends_nothing_and_exactly_one_recovery_follows_three_failures,
    without_a_cooldown_every_failed_run_notifies_with_its_own_run_id,
    a_one_hour_cooldown_sends_one_on_failure_for_three_failing_processes,
    a_streak_whose_every_failure_the_cooldown_held_back_gets_no_recovery,
}

/// A job file with one job `report` calling `url`, with more job keys
/// (`job`, one a line) and `global` keys (`global`, one a line, as written
/// under `global:`). The job does not retry unless told.
fn file(url: &str, job: &str, global: &str) -> String {
    let mut text = String::new();
    if !global.is_empty() {
        text.push_str("global:\n");
        for line in global.lines() {
            text.push_str(&format!("  {line}\n"));
        }
    }
    text.push_str(&format!(
        "jobs:\n  - name: report\n    schedule: \"0 0 1 1 *\"\n    url: \"{url}\"\n"
    ));
    if !job.contains("retries:") {
        text.push_str("    retries: 0\n");
    }
    for line in job.lines() {
        text.push_str(&format!("    {line}\n"));
    }
    text
}

/// `notify` as written in a job, posting to `hook` (`/hook` on it).
fn notify(hook: &Server, extra: &str) -> String {
    let mut text = format!(
        "notify:\n  onFailure:\n    url: \"{}\"\n    data: {{text: \"${{JOB_NAME}} ${{OUTCOME}} after ${{ATTEMPTS}}: ${{ERROR}}\", status: \"${{STATUS}}\", run: \"${{RUN_ID}}\", at: \"${{SCHEDULED_AT}}\"}}\n  onRecovery:\n    url: \"{}\"\n    data: {{text: \"${{JOB_NAME}} recovered\"}}\n",
        hook.url("/hook"),
        hook.url("/hook")
    );
    for line in extra.lines() {
        text.push_str(&format!("  {line}\n"));
    }
    text
}

/// `jobrun run report`, started, its output captured.
fn spawn(sandbox: &Sandbox) -> std::process::Child {
    sandbox
        .process()
        .args(["run", "report"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn run(sandbox: &Sandbox) -> Run {
    sandbox.run(&["run", "report"])
}

/// `jobrun history --json`'s runs, newest first.
fn history(sandbox: &Sandbox) -> Vec<Value> {
    let run = sandbox.run(&["history", "--json", "-n", "100"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    json["runs"].as_array().expect("runs").clone()
}

fn bodies(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| r.body_text().to_string())
        .collect()
}

#[test]
fn a_failed_run_posts_its_on_failure_once_after_the_last_attempt() {
    let job = Server::start(vec![Reply::status(503); 3]);
    let hook = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/kpi"),
        &format!("retries: 2\nretryDelay: 10ms\n{}", notify(&hook, "")),
        "",
    ));

    let result = run(&sandbox);

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(job.requests().len(), 3);
    let received = hook.wait_for_requests(1, WAIT);
    assert_eq!(received.len(), 1);
    let notice = &received[0];
    assert_eq!(notice.method, "POST");
    assert_eq!(notice.target, "/hook");
    assert_eq!(notice.header("Content-Type"), Some("application/json"));
    let run_id = history(&sandbox)[0]["run_id"].as_str().unwrap().to_string();
    let error = format!(
        "GET {}: 503 Service Unavailable (server error)",
        job.url("/kpi")
    );
    assert_eq!(
        notice.body_text(),
        serde_json::json!({
            "text": format!("report failed after 3: {error}"),
            "status": "503",
            "run": run_id,
            "at": "",
        })
        .to_string()
    );
    let row = &history(&sandbox)[0];
    assert_eq!(row["error"], error.as_str());
    assert_eq!(row["notice"], "on_failure");
    assert_eq!(row["notice_result"], "sent");
}

fn a_success_tells_nothing_and_only_the_first_success_after_failures_is_a_recovery(
    backend: Backend,
) {
    let job = Server::start(vec![
        Reply::status(200),
        Reply::status(500),
        Reply::status(500),
        Reply::status(500),
        Reply::status(200),
        Reply::status(200),
    ]);
    let hook = Server::start(vec![Reply::status(200); 4]);
    let sandbox = backend.sandbox(&file(&job.url("/kpi"), &notify(&hook, ""), ""));

    let codes: Vec<i32> = (0..6).map(|_| run(&sandbox).code).collect();

    assert_eq!(codes, [0, 1, 1, 1, 0, 0]);
    let texts: Vec<String> = bodies(&hook)
        .iter()
        .map(|b| {
            let json: Value = serde_json::from_str(b).unwrap();
            json["text"]
                .as_str()
                .unwrap()
                .split(':')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        texts,
        [
            "report failed after 1",
            "report failed after 1",
            "report failed after 1",
            "report recovered"
        ]
    );
    assert_eq!(
        column(&sandbox, "notice"),
        [
            "",
            "on_recovery",
            "on_failure",
            "on_failure",
            "on_failure",
            ""
        ]
    );
    assert_eq!(
        column(&sandbox, "notice_result"),
        ["", "sent", "sent", "sent", "sent", ""]
    );
}

/// One column of the history, newest first, `""` for null.
fn column(sandbox: &Sandbox, name: &str) -> Vec<String> {
    history(sandbox)
        .iter()
        .map(|r| r[name].as_str().unwrap_or("").to_string())
        .collect()
}

fn the_cooldown_holds_back_repeated_failures_across_processes(backend: Backend) {
    let job = Server::start(vec![Reply::status(500); 3]);
    let hook = Server::start(vec![Reply::status(200)]);
    let sandbox = backend.sandbox(&file(&job.url("/kpi"), &notify(&hook, "cooldown: 1h"), ""));

    let first = run(&sandbox);
    let later: Vec<Run> = (0..2).map(|_| run(&sandbox)).collect();

    assert_eq!(first.code, 1);
    assert!(later.iter().all(|r| r.code == 1));
    assert_eq!(hook.requests().len(), 1);
    assert_eq!(
        column(&sandbox, "notice_result"),
        ["cooldown", "cooldown", "sent"]
    );
}

#[test]
fn a_notification_that_fails_is_retried_once_reported_and_leaves_the_exit_code_alone() {
    let job = Server::start(vec![Reply::status(500), Reply::status(200)]);
    let hook = Server::start(vec![Reply::status(503); 4]);
    let sandbox = Sandbox::with_jobs(&file(&job.url("/kpi"), &notify(&hook, ""), ""));

    let failed = run(&sandbox);
    let recovered = run(&sandbox);

    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert_eq!(recovered.code, 0, "{}", recovered.stderr);
    assert_eq!(hook.requests().len(), 4, "one retry each");
    let origin = hook.origin();
    assert!(
        failed.stderr.contains(&format!(
            "jobrun: job `report`: onFailure notification to {origin}/*** failed: 503 Service Unavailable (server error) (after 2 attempts)"
        )),
        "{}",
        failed.stderr
    );
    assert!(
        recovered.stderr.contains("onRecovery notification to"),
        "{}",
        recovered.stderr
    );
    assert!(!failed.stderr.contains("/hook"), "{}", failed.stderr);
    let rows = history(&sandbox);
    assert_eq!(rows[0]["notice_result"], "failed");
    assert_eq!(rows[1]["notice_result"], "failed");
    assert_eq!(
        rows[1]["notice_error"],
        "503 Service Unavailable (server error) (after 2 attempts)"
    );
}

fn an_undelivered_failure_notice_does_not_start_the_cooldown(backend: Backend) {
    let job = Server::start(vec![Reply::status(500); 2]);
    let hook = Server::start(vec![
        Reply::drop_connection(),
        Reply::drop_connection(),
        Reply::status(200),
    ]);
    let sandbox = backend.sandbox(&file(&job.url("/kpi"), &notify(&hook, "cooldown: 1h"), ""));

    run(&sandbox);
    run(&sandbox);

    assert_eq!(column(&sandbox, "notice_result"), ["sent", "failed"]);
    assert_eq!(hook.requests().len(), 3);
}

#[test]
fn a_webhook_that_never_answers_holds_the_exit_back_only_for_its_timeout() {
    let job = Server::start(vec![Reply::status(503)]);
    let hook = Server::start(vec![Reply::status(200).delay(Duration::from_secs(20)); 2]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/kpi"),
        &format!(
            "notify:\n  onFailure:\n    url: \"{}\"\n    body: \"failed\"\n    timeout: 1s\n",
            hook.url("/hook")
        ),
        "",
    ));

    let began = Instant::now();
    let result = run(&sandbox);
    let took = began.elapsed();

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(3500),
        "took {took:?}"
    );
    assert!(result.stderr.contains("timed out"), "{}", result.stderr);
}

#[test]
fn the_error_a_notification_carries_is_masked() {
    const SENTINEL: &str = "SENTINEL-notify-Tk9";
    const HOOK_TOKEN: &str = "SENTINEL-hook-Hk3";
    let job = Server::start(vec![Reply::status(401)]);
    let hook = Server::start(vec![Reply::status(500), Reply::status(500)]);
    let sandbox = Sandbox::with_jobs(&file(
        &format!("{}?token=${{API_TOKEN}}", job.url("/kpi")),
        &format!(
            "notify:\n  onFailure:\n    url: \"{}\"\n    headers: {{Authorization: \"Bearer ${{SLACK_TOKEN}}\"}}\n    data: {{text: \"${{ERROR}}\"}}\n",
            hook.url("/hook")
        ),
        "",
    ));

    let result = sandbox
        .jobrun()
        .args(["-vv", "run", "report"])
        .env("API_TOKEN", SENTINEL)
        .env("SLACK_TOKEN", HOOK_TOKEN)
        .output()
        .unwrap();
    let result = Run::from(result);

    assert_eq!(result.code, 1);
    let sent = hook.wait_for_requests(2, WAIT);
    assert_eq!(
        sent[0].header("Authorization"),
        Some(format!("Bearer {HOOK_TOKEN}").as_str())
    );
    let body = sent[0].body_text();
    assert!(!body.contains(SENTINEL), "{body}");
    assert!(body.contains("token=***"), "{body}");
    for secret in [SENTINEL, HOOK_TOKEN] {
        assert!(!result.stderr.contains(secret), "{}", result.stderr);
        assert!(!result.stdout.contains(secret));
        for entry in std::fs::read_dir(sandbox.state_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
                assert!(!found, "{secret} in {}", path.display());
            }
        }
    }
}

#[test]
fn healthcheck_pings_share_the_run_id_and_a_failure_carries_its_line() {
    let job = Server::start(vec![Reply::status(200), Reply::status(502)]);
    let pings = Server::start(vec![Reply::status(200); 4]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/kpi"),
        &format!("healthcheck: \"{}\"", pings.url("/ping/abc?create=1")),
        "",
    ));

    assert_eq!(run(&sandbox).code, 0);
    assert_eq!(run(&sandbox).code, 1);

    let received = pings.wait_for_requests(4, WAIT);
    let rows = history(&sandbox);
    let (failed, succeeded) = (
        rows[0]["run_id"].as_str().unwrap(),
        rows[1]["run_id"].as_str().unwrap(),
    );
    let seen: Vec<(String, String)> = received
        .iter()
        .map(|r| (r.method.clone(), r.target.clone()))
        .collect();
    let expect = |method: &str, target: String| (method.to_string(), target);
    assert_eq!(
        seen,
        [
            expect("GET", format!("/ping/abc/start?create=1&rid={succeeded}")),
            expect("GET", format!("/ping/abc?create=1&rid={succeeded}")),
            expect("GET", format!("/ping/abc/start?create=1&rid={failed}")),
            expect("POST", format!("/ping/abc/fail?create=1&rid={failed}")),
        ]
    );
    assert_eq!(
        received[3].body_text(),
        format!("GET {}: 502 Bad Gateway (server error)", job.url("/kpi"))
    );
    assert_eq!(
        received[3].header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
}

#[test]
fn a_ping_server_that_is_down_is_reported_and_never_fatal() {
    let job = Server::start(vec![Reply::status(200)]);
    let down = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/kpi"),
        &format!("healthcheck: \"http://{down}/ping/abc\""),
        "",
    ));

    let result = run(&sandbox);

    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(
        result.stderr.contains(&format!(
            "healthcheck start ping to http://{down}/*** failed"
        )),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains(&format!(
            "healthcheck success ping to http://{down}/*** failed"
        )),
        "{}",
        result.stderr
    );
    let ping_error = history(&sandbox)[0]["ping_error"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(ping_error.starts_with("start: "), "{ping_error}");
}

#[test]
fn a_job_can_turn_off_the_global_notify_and_healthcheck() {
    let job = Server::start(vec![Reply::status(500), Reply::status(500)]);
    let hook = Server::start(vec![Reply::status(200); 6]);
    let global = format!(
        "healthcheck: \"{}\"\nnotify:\n  onFailure:\n    url: \"{}\"\n    body: \"down\"\n",
        hook.url("/ping"),
        hook.url("/hook")
    );
    let inherited = Sandbox::with_jobs(&file(&job.url("/kpi"), "", &global));
    let opted_out = Sandbox::with_jobs(&file(
        &job.url("/kpi"),
        "notify: false\nhealthcheck: false",
        &global,
    ));

    assert_eq!(run(&opted_out).code, 1);
    assert!(hook.requests().is_empty(), "{:?}", hook.requests());
    assert_eq!(run(&inherited).code, 1);
    let mut targets: Vec<String> = hook
        .wait_for_requests(3, WAIT)
        .iter()
        .map(|r| r.target.split('?').next().unwrap().to_string())
        .collect();
    targets.sort();
    assert_eq!(targets, ["/hook", "/ping/fail", "/ping/start"]);
}

#[test]
fn an_unset_webhook_variable_warns_on_every_run_and_fails_validate() {
    let job = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/kpi"),
        "notify:\n  onFailure:\n    url: \"${SLACK_WEBHOOK_URL}\"\n    body: \"down\"",
        "",
    ));

    let result = run(&sandbox);

    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(job.requests().len(), 1);
    assert!(
        result.stderr.starts_with(
            "jobrun: warning: jobs.yaml:8:15: variable `SLACK_WEBHOOK_URL` is not set"
        ),
        "{}",
        result.stderr
    );
    let checked = sandbox.run(&["validate", "--env"]);
    assert_ne!(checked.code, 0);
    assert!(
        checked.stderr.contains("SLACK_WEBHOOK_URL") && checked.stderr.contains("jobs.yaml:8:15"),
        "{}",
        checked.stderr
    );
}

#[test]
fn a_notification_redirected_elsewhere_is_reported_by_origin_only() {
    // A webhook URL is a credential, and so is wherever it redirects to:
    // the report names neither, only the origin.
    const PATH_SECRET: &str = "SENTINEL-path-Wb7";
    let job = Server::start(vec![Reply::status(500)]);
    let hook = Server::start(vec![
        Reply::redirect(307, &format!("/moved/{PATH_SECRET}")),
        Reply::drop_connection(),
        Reply::redirect(307, &format!("/moved/{PATH_SECRET}")),
        Reply::drop_connection(),
    ]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/kpi"),
        "notify:\n  onFailure:\n    url: \"${SLACK_WEBHOOK_URL}\"\n    body: \"x\"\n",
        "",
    ));

    let result = sandbox
        .jobrun()
        .args(["run", "report"])
        .env(
            "SLACK_WEBHOOK_URL",
            hook.url(&format!("/hook/{PATH_SECRET}")),
        )
        .output()
        .unwrap();
    let result = Run::from(result);

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(
        result.stderr.contains("onFailure notification to"),
        "{}",
        result.stderr
    );
    assert!(!result.stderr.contains(PATH_SECRET), "{}", result.stderr);
    let row = &history(&sandbox)[0];
    assert_eq!(row["notice_result"], "failed");
    let error = row["notice_error"].as_str().unwrap();
    assert!(!error.contains(PATH_SECRET), "{error}");
}

#[test]
fn sigterm_during_a_slow_notification_ends_the_run_at_once_and_gives_the_cooldown_back() {
    let job = Server::start(vec![Reply::status(500)]);
    let hook = Server::start(vec![Reply::status(200).delay(Duration::from_secs(20))]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/kpi"),
        &format!(
            "notify:\n  onFailure:\n    url: \"{}\"\n    body: \"down\"\n    timeout: 30s\n  cooldown: 1h\n",
            hook.url("/hook")
        ),
        "",
    ));
    let child = spawn(&sandbox);
    hook.wait_for_requests(1, WAIT);

    let signalled = Instant::now();
    // SAFETY: kill(2) on the pid of a child this test started and has not
    // yet waited for.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let result = Run::from(child.wait_with_output().unwrap());

    assert_eq!(result.code, 143, "{}", result.stderr);
    assert!(signalled.elapsed() < Duration::from_secs(3));
    assert!(
        result
            .stderr
            .contains("stopped by SIGTERM while sending its notification"),
        "{}",
        result.stderr
    );
    let row = &history(&sandbox)[0];
    assert_eq!(row["outcome"], "failed");
    assert_eq!(row["notice_result"], "failed");
    assert_eq!(
        row["notice_error"],
        "stopped by SIGTERM before it was answered"
    );
}

#[test]
fn a_webhook_asking_to_retry_within_the_timeout_is_waited_for_and_beyond_it_is_not() {
    let job = Server::start(vec![Reply::status(500); 2]);
    let hook = Server::start(vec![
        Reply::status(429).header("Retry-After", "1"),
        Reply::status(200),
        Reply::status(503).header("Retry-After", "30"),
    ]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/kpi"),
        &format!(
            "notify:\n  onFailure:\n    url: \"{}\"\n    body: \"down\"\n    timeout: 3s\n",
            hook.url("/hook")
        ),
        "",
    ));

    let waited = run(&sandbox);
    let refused = run(&sandbox);

    assert_eq!((waited.code, refused.code), (1, 1));
    assert_eq!(hook.requests().len(), 3);
    assert_eq!(column(&sandbox, "notice_result"), ["failed", "sent"]);
    assert_eq!(
        column(&sandbox, "notice_error")[0],
        "503 Service Unavailable (server error); stopped: the server asked to wait 30s (Retry-After), longer than its timeout (3s)"
    );
}

// One behaviour a test from here on, each with its own servers: the
// job's on one, the notifications on a second and the pings on a third.

/// A server answering 200 to `n` requests.
fn ok(n: usize) -> Server {
    Server::start(vec![Reply::status(200); n])
}

/// The run ids of the history, newest first.
fn run_ids(sandbox: &Sandbox) -> Vec<String> {
    column(sandbox, "run_id")
}

/// The targets a server received, in order of arrival.
fn targets(server: &Server) -> Vec<(String, String)> {
    server
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.target.clone()))
        .collect()
}

fn pair(method: &str, target: impl Into<String>) -> (String, String) {
    (method.to_string(), target.into())
}

/// `onFailure` (and `onRecovery` unless `recovery` is empty) posting to
/// `/hook` with these `data:` maps, as written in a job.
fn notify_with(hook: &Server, failure: &str, recovery: &str, extra: &str) -> String {
    let mut text = format!(
        "notify:\n  onFailure:\n    url: \"{}\"\n    data: {failure}\n",
        hook.url("/hook")
    );
    if !recovery.is_empty() {
        text.push_str(&format!(
            "  onRecovery:\n    url: \"{}\"\n    data: {recovery}\n",
            hook.url("/hook")
        ));
    }
    for line in extra.lines() {
        text.push_str(&format!("  {line}\n"));
    }
    text
}

const FAILURE_DATA: &str = "{job: \"${JOB_NAME}\", attempts: \"${ATTEMPTS}\", error: \"${ERROR}\", status: \"${STATUS}\", outcome: \"${OUTCOME}\", run: \"${RUN_ID}\", at: \"${SCHEDULED_AT}\"}";
const RECOVERY_DATA: &str = "{text: \"${JOB_NAME} ${OUTCOME} [${ERROR}] ${ATTEMPTS}\"}";

#[test]
fn on_failure_is_one_exact_json_post_after_all_retries_and_the_exit_code_stays_1() {
    let job = Server::start(vec![Reply::status(503); 3]);
    let hook = ok(1);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &format!(
            "retries: 2\nretryDelay: 10ms\nnotify:\n  onFailure:\n    url: \"{}\"\n    headers: {{X-Extra: \"1\"}}\n    data: {FAILURE_DATA}",
            hook.url("/hook")
        ),
        "defaultHeaders: {X-Default: \"job-only\"}",
    ));

    let result = run(&sandbox);

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(job.requests().len(), 3, "three attempts of the job");
    let sent = hook.requests();
    assert_eq!(sent.len(), 1, "one notification for the run: {sent:#?}");
    let notice = &sent[0];
    assert_eq!(notice.method, "POST");
    assert_eq!(notice.target, "/hook");
    assert_eq!(notice.header("Content-Type"), Some("application/json"));
    assert_eq!(notice.header("X-Extra"), Some("1"));
    assert_eq!(
        notice.header("X-Default"),
        None,
        "global.defaultHeaders are not sent with notifications"
    );
    let rows = history(&sandbox);
    assert_eq!(rows.len(), 1);
    let run_id = rows[0]["run_id"].as_str().unwrap();
    let error = format!(
        "GET {}: 503 Service Unavailable (server error)",
        job.url("/job")
    );
    assert_eq!(
        notice.body_text(),
        format!(
            "{{\"job\":\"report\",\"attempts\":\"3\",\"error\":\"{error}\",\"status\":\"503\",\"outcome\":\"failed\",\"run\":\"{run_id}\",\"at\":\"\"}}"
        )
    );
    assert_eq!(rows[0]["error"], error.as_str());
    assert_eq!(rows[0]["notice"], "on_failure");
    assert_eq!(rows[0]["notice_result"], "sent");
    assert_eq!(rows[0]["notice_error"], Value::Null);
}

fn a_success_sends_nothing_and_exactly_one_recovery_follows_three_failures(backend: Backend) {
    let job = Server::start(vec![
        Reply::status(200),
        Reply::status(503),
        Reply::status(503),
        Reply::status(503),
        Reply::status(200),
        Reply::status(200),
    ]);
    let hook = ok(4);
    let sandbox = backend.sandbox(&file(
        &job.url("/job"),
        &notify_with(
            &hook,
            "{text: \"${JOB_NAME} ${OUTCOME}\"}",
            RECOVERY_DATA,
            "",
        ),
        "",
    ));

    assert_eq!(run(&sandbox).code, 0);
    assert!(hook.requests().is_empty(), "{:#?}", hook.requests());
    let codes: Vec<i32> = (0..5).map(|_| run(&sandbox).code).collect();

    assert_eq!(codes, [1, 1, 1, 0, 0]);
    assert_eq!(
        bodies(&hook),
        [
            "{\"text\":\"report failed\"}",
            "{\"text\":\"report failed\"}",
            "{\"text\":\"report failed\"}",
            "{\"text\":\"report succeeded [] 1\"}",
        ]
    );
    assert!(hook.requests().iter().all(|r| r.method == "POST"));
    assert_eq!(
        column(&sandbox, "notice"),
        [
            "",
            "on_recovery",
            "on_failure",
            "on_failure",
            "on_failure",
            ""
        ]
    );
}

fn without_a_cooldown_every_failed_run_notifies_with_its_own_run_id(backend: Backend) {
    let job = Server::start(vec![Reply::status(500); 3]);
    let hook = ok(3);
    let sandbox = backend.sandbox(&file(
        &job.url("/job"),
        &notify_with(&hook, "{run: \"${RUN_ID}\"}", "", ""),
        "",
    ));

    let codes: Vec<i32> = (0..3).map(|_| run(&sandbox).code).collect();

    assert_eq!(codes, [1, 1, 1]);
    let mut ids = run_ids(&sandbox);
    ids.reverse();
    let expected: Vec<String> = ids
        .iter()
        .map(|id| format!("{{\"run\":\"{id}\"}}"))
        .collect();
    assert_eq!(bodies(&hook), expected);
    assert_eq!(column(&sandbox, "notice_result"), ["sent", "sent", "sent"]);
}

fn a_one_hour_cooldown_sends_one_on_failure_for_three_failing_processes(backend: Backend) {
    let job = Server::start(vec![Reply::status(500); 3]);
    let hook = ok(1);
    let sandbox = backend.sandbox(&file(
        &job.url("/job"),
        &notify_with(&hook, "{text: \"${OUTCOME}\"}", "", "cooldown: 1h"),
        "",
    ));

    let codes: Vec<i32> = (0..3).map(|_| run(&sandbox).code).collect();

    assert_eq!(codes, [1, 1, 1]);
    assert_eq!(bodies(&hook), ["{\"text\":\"failed\"}"]);
    assert_eq!(
        column(&sandbox, "notice_result"),
        ["cooldown", "cooldown", "sent"]
    );
}

fn a_streak_whose_every_failure_the_cooldown_held_back_gets_no_recovery(backend: Backend) {
    // fail (told), succeed (recovery told), fail (cooldown), succeed.
    let job = Server::start(vec![
        Reply::status(500),
        Reply::status(200),
        Reply::status(500),
        Reply::status(200),
    ]);
    let hook = ok(2);
    let sandbox = backend.sandbox(&file(
        &job.url("/job"),
        &notify_with(
            &hook,
            "{text: \"${OUTCOME}\"}",
            "{text: \"${OUTCOME}\"}",
            "cooldown: 1h",
        ),
        "",
    ));

    let codes: Vec<i32> = (0..4).map(|_| run(&sandbox).code).collect();

    assert_eq!(codes, [1, 0, 1, 0]);
    assert_eq!(
        bodies(&hook),
        ["{\"text\":\"failed\"}", "{\"text\":\"succeeded\"}"]
    );
    assert_eq!(
        column(&sandbox, "notice_result"),
        ["", "cooldown", "sent", "sent"]
    );
}

#[test]
fn a_webhook_answering_503_twice_is_tried_twice_reported_and_recorded_and_exit_stays_1() {
    let job = Server::start(vec![Reply::status(503)]);
    let hook = Server::start(vec![Reply::status(503), Reply::status(503)]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &notify_with(&hook, "{text: \"${OUTCOME}\"}", "", ""),
        "",
    ));

    let result = run(&sandbox);

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(hook.requests().len(), 2, "the notification and one retry");
    let line = result
        .stderr
        .lines()
        .find(|l| l.contains("onFailure notification"))
        .unwrap_or_else(|| panic!("no line about the notification:\n{}", result.stderr));
    assert!(
        line.contains(&format!("{}/***", hook.origin())) && line.contains("failed"),
        "{line}"
    );
    assert!(!result.stderr.contains("/hook"), "{}", result.stderr);
    let row = &history(&sandbox)[0];
    assert_eq!(row["notice"], "on_failure");
    assert_eq!(row["notice_result"], "failed");
    let reason = row["notice_error"].as_str().expect("notice_error set");
    assert!(reason.contains("503"), "{reason}");
}

#[test]
fn a_recovery_that_cannot_be_delivered_leaves_a_successful_run_at_exit_0() {
    let job = Server::start(vec![Reply::status(500), Reply::status(200)]);
    let hook = Server::start(vec![
        Reply::status(200),
        Reply::drop_connection(),
        Reply::drop_connection(),
    ]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &notify_with(
            &hook,
            "{text: \"${OUTCOME}\"}",
            "{text: \"${OUTCOME}\"}",
            "",
        ),
        "",
    ));

    assert_eq!(run(&sandbox).code, 1);
    let recovered = run(&sandbox);

    assert_eq!(recovered.code, 0, "{}", recovered.stderr);
    assert_eq!(hook.requests().len(), 3, "the recovery and one retry");
    assert!(
        recovered.stderr.lines().any(|l| l
            .contains(&format!("onRecovery notification to {}/***", hook.origin()))
            && l.contains("failed")),
        "{}",
        recovered.stderr
    );
    let row = &history(&sandbox)[0];
    assert_eq!(row["outcome"], "succeeded");
    assert_eq!(row["notice"], "on_recovery");
    assert_eq!(row["notice_result"], "failed");
    assert!(
        row["notice_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{row}"
    );
}

#[test]
fn a_webhook_that_hangs_holds_the_process_for_about_its_1s_timeout() {
    let job = Server::start(vec![Reply::status(503)]);
    let hook = Server::start(vec![Reply::status(200).delay(Duration::from_secs(10)); 2]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &format!(
            "{}    timeout: 1s\n",
            notify_with(&hook, "{text: \"${OUTCOME}\"}", "", "")
        ),
        "",
    ));

    let began = Instant::now();
    let result = run(&sandbox);
    let took = began.elapsed();

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert!(
        result.stderr.contains("onFailure notification to"),
        "{}",
        result.stderr
    );
    assert_eq!(history(&sandbox)[0]["notice_result"], "failed");
}

/// Whether `needle` is anywhere in `haystack`.
fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn no_job_or_webhook_secret_reaches_the_error_notice_stderr_or_history_files() {
    const API_TOKEN: &str = "SENTINEL-job-Ap1";
    const SLACK_TOKEN: &str = "SENTINEL-slack-Sl2";
    const PING_KEY: &str = "SENTINEL-ping-Pk3";
    let job = Server::start(vec![Reply::status(503)]);
    let hook = ok(1);
    // Both pings fail, each after a retry, so their URLs are reported.
    let pings = Server::start(vec![Reply::status(500); 4]);
    let sandbox = Sandbox::with_jobs(&file(
        &format!("{}?token=${{API_TOKEN}}", job.url("/job")),
        &format!(
            "healthcheck: \"{}/${{PING_KEY}}\"\n{}",
            pings.url("/ping"),
            notify_with(&hook, "{text: \"${ERROR}\"}", "", "").replace(
                "data:",
                "headers: {Authorization: \"Bearer ${SLACK_TOKEN}\"}\n    data:"
            )
        ),
        "",
    ));

    let result = Run::from(
        sandbox
            .jobrun()
            .args(["-vv", "run", "report"])
            .env("API_TOKEN", API_TOKEN)
            .env("SLACK_TOKEN", SLACK_TOKEN)
            .env("PING_KEY", PING_KEY)
            .output()
            .unwrap(),
    );

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(
        job.requests()[0].target,
        format!("/job?token={API_TOKEN}"),
        "the job got the real token"
    );
    let sent = hook.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].header("Authorization"),
        Some(format!("Bearer {SLACK_TOKEN}").as_str())
    );
    let body = sent[0].body_text();
    assert!(!body.contains(API_TOKEN), "{body}");
    assert!(body.contains("***"), "{body}");
    let error = history(&sandbox)[0]["error"].as_str().unwrap().to_string();
    assert_eq!(body, format!("{{\"text\":\"{error}\"}}"));
    assert!(
        result.stderr.contains(&format!("{}/***", pings.origin())),
        "the failed pings are reported by origin:\n{}",
        result.stderr
    );
    let fail = pings
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the fail ping");
    assert_eq!(fail.body_text(), error, "the fail ping carries ERROR");
    let mut written = vec![
        ("stdout".to_string(), result.stdout.into_bytes()),
        ("stderr".to_string(), result.stderr.into_bytes()),
    ];
    let mut names = Vec::new();
    for entry in std::fs::read_dir(sandbox.state_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            names.push(path.file_name().unwrap().to_string_lossy().to_string());
            written.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    assert!(
        names.iter().any(|n| n == "history.sqlite3"),
        "state dir holds {names:?}"
    );
    for (place, bytes) in &written {
        for secret in [API_TOKEN, SLACK_TOKEN, PING_KEY] {
            assert!(!holds(bytes, secret), "{secret} in {place}");
        }
    }
}

/// A job with `healthcheck` at `url`, against `job`.
fn pinged(job: &Server, url: &str) -> Sandbox {
    Sandbox::with_jobs(&file(
        &job.url("/job"),
        &format!("healthcheck: \"{url}\""),
        "",
    ))
}

#[test]
fn a_successful_run_pings_start_then_success_with_its_run_id() {
    let job = ok(1);
    let pings = ok(2);
    let sandbox = pinged(&job, &pings.url("/ping/abc"));

    let result = run(&sandbox);

    assert_eq!(result.code, 0, "{}", result.stderr);
    let id = &run_ids(&sandbox)[0];
    assert_eq!(
        targets(&pings),
        [
            pair("GET", format!("/ping/abc/start?rid={id}")),
            pair("GET", format!("/ping/abc?rid={id}")),
        ]
    );
    assert_eq!(history(&sandbox)[0]["ping_error"], Value::Null);
}

#[test]
fn a_failed_run_pings_start_then_posts_its_error_line_to_fail() {
    let job = Server::start(vec![Reply::status(503)]);
    let pings = ok(2);
    let sandbox = pinged(&job, &pings.url("/ping/abc"));

    let result = run(&sandbox);

    assert_eq!(result.code, 1, "{}", result.stderr);
    let id = &run_ids(&sandbox)[0];
    assert_eq!(
        targets(&pings),
        [
            pair("GET", format!("/ping/abc/start?rid={id}")),
            pair("POST", format!("/ping/abc/fail?rid={id}")),
        ]
    );
    let fail = &pings.requests()[1];
    assert_eq!(
        fail.body_text(),
        format!(
            "GET {}: 503 Service Unavailable (server error)",
            job.url("/job")
        )
    );
    assert_eq!(
        fail.header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
}

#[test]
fn a_healthcheck_query_is_kept_after_the_start_suffix() {
    let job = ok(1);
    let pings = ok(2);
    let sandbox = pinged(&job, &pings.url("/ping/abc?create=1"));

    assert_eq!(run(&sandbox).code, 0);

    let id = &run_ids(&sandbox)[0];
    assert_eq!(
        targets(&pings),
        [
            pair("GET", format!("/ping/abc/start?create=1&rid={id}")),
            pair("GET", format!("/ping/abc?create=1&rid={id}")),
        ]
    );
}

#[test]
fn a_ping_server_that_is_down_leaves_the_exit_codes_and_is_reported() {
    let down = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let job = Server::start(vec![Reply::status(200), Reply::status(503)]);
    let sandbox = pinged(&job, &format!("http://{down}/ping/abc"));

    let succeeded = run(&sandbox);
    let failed = run(&sandbox);

    assert_eq!(succeeded.code, 0, "{}", succeeded.stderr);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert_eq!(job.requests().len(), 2);
    for result in [&succeeded, &failed] {
        assert!(
            result
                .stderr
                .lines()
                .any(|l| l.contains("ping") && l.contains(&format!("http://{down}/***"))),
            "{}",
            result.stderr
        );
    }
    for row in history(&sandbox) {
        assert!(
            row["ping_error"].as_str().is_some_and(|e| !e.is_empty()),
            "{row}"
        );
    }
}

#[test]
fn healthcheck_false_and_notify_false_override_the_global_ones() {
    let job = Server::start(vec![Reply::status(500), Reply::status(200)]);
    let hook = ok(2);
    let pings = ok(4);
    let global = format!(
        "healthcheck: \"{}\"\nnotify:\n  onFailure:\n    url: \"{}\"\n    body: \"down\"\n  onRecovery:\n    url: \"{}\"\n    body: \"up\"\n",
        pings.url("/ping"),
        hook.url("/hook"),
        hook.url("/hook")
    );
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        "notify: false\nhealthcheck: false",
        &global,
    ));

    assert_eq!(run(&sandbox).code, 1);
    assert_eq!(run(&sandbox).code, 0);

    assert_eq!(job.requests().len(), 2);
    assert!(hook.requests().is_empty(), "{:#?}", hook.requests());
    assert!(pings.requests().is_empty(), "{:#?}", pings.requests());
    assert_eq!(column(&sandbox, "notice"), ["", ""]);
}

#[test]
fn the_global_notify_and_healthcheck_apply_to_a_job_without_its_own() {
    let job = Server::start(vec![Reply::status(500)]);
    let hook = ok(1);
    let pings = ok(2);
    let global = format!(
        "healthcheck: \"{}\"\nnotify:\n  onFailure:\n    url: \"{}\"\n    body: \"${{JOB_NAME}} down\"\n",
        pings.url("/ping/${JOB_NAME}"),
        hook.url("/hook")
    );
    let sandbox = Sandbox::with_jobs(&file(&job.url("/job"), "", &global));

    assert_eq!(run(&sandbox).code, 1);

    assert_eq!(bodies(&hook), ["report down"]);
    let id = &run_ids(&sandbox)[0];
    assert_eq!(
        targets(&pings),
        [
            pair("GET", format!("/ping/report/start?rid={id}")),
            pair("POST", format!("/ping/report/fail?rid={id}")),
        ]
    );
}

#[test]
fn a_job_that_depends_on_skips_with_a_success_ping_only() {
    let job = ok(1);
    let pings = ok(1);
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: primary\n    schedule: \"0 0 1 1 *\"\n    url: \"{}\"\n    retries: 0\n  - name: backup\n    schedule: \"0 0 1 1 *\"\n    url: \"{}\"\n    retries: 0\n    healthcheck: \"{}\"\n    dependsOn:\n      job: primary\n      windowMinutes: 20\n      condition: not_ran_or_failed\n",
        job.url("/primary"),
        job.url("/backup"),
        pings.url("/ping/backup"),
    ));

    assert_eq!(sandbox.run(&["run", "primary"]).code, 0);
    let skipped = sandbox.run(&["run", "backup"]);

    assert_eq!(skipped.code, 0, "{}", skipped.stderr);
    assert_eq!(job.requests().len(), 1, "the backup sent no request");
    let rows = history(&sandbox);
    assert_eq!(rows[0]["job"], "backup");
    assert_eq!(rows[0]["outcome"], "skipped");
    let id = rows[0]["run_id"].as_str().unwrap();
    assert_eq!(
        targets(&pings),
        [pair("GET", format!("/ping/backup?rid={id}"))]
    );
}

#[test]
fn run_warns_of_an_unset_webhook_variable_and_still_runs_the_job() {
    let job = ok(1);
    let text = file(
        &job.url("/job"),
        "notify:\n  onFailure:\n    url: \"${SLACK_WEBHOOK_URL}\"\n    body: \"down\"",
        "",
    );
    let sandbox = Sandbox::with_jobs(&text);

    let result = run(&sandbox);

    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(job.requests().len(), 1);
    let warning = result
        .stderr
        .lines()
        .find(|l| l.contains("SLACK_WEBHOOK_URL"))
        .unwrap_or_else(|| panic!("no warning:\n{}", result.stderr));
    assert!(warning.contains("warning"), "{warning}");
    assert!(warning.contains("`report`"), "names the job: {warning}");
}

/// `jobs.yaml:LINE:COLUMN` of the first `${NAME}` in `text`.
fn place(text: &str, name: &str) -> String {
    let needle = format!("${{{name}}}");
    let (line, column) = text
        .lines()
        .enumerate()
        .find_map(|(n, l)| l.find(&needle).map(|c| (n + 1, c + 1)))
        .expect("placeholder in the file");
    format!("jobs.yaml:{line}:{column}")
}

#[test]
fn validate_reports_an_unset_notification_variable_as_an_error_like_a_jobs_own() {
    let notified = file(
        "http://127.0.0.1:9/job",
        "notify:\n  onFailure:\n    url: \"${SLACK_WEBHOOK_URL}\"\n    body: \"down\"",
        "",
    );
    let own = file("http://127.0.0.1:9/${JOB_PATH}", "", "");
    let pinged = file(
        "http://127.0.0.1:9/job",
        "healthcheck: \"http://127.0.0.1:9/${HC_KEY}\"",
        "",
    );
    for args in [&["validate"][..], &["validate", "--env"][..]] {
        let with = |text: &str| Sandbox::with_jobs(text).run(args);
        let own_code = with(&own).code;
        for (text, name) in [(&notified, "SLACK_WEBHOOK_URL"), (&pinged, "HC_KEY")] {
            let checked = with(text);
            assert_eq!(
                checked.code, own_code,
                "`{args:?}` as for a job's own variable:\n{}",
                checked.stderr
            );
            if checked.code != 0 {
                let at = place(text, name);
                assert!(
                    checked.stderr.contains(name) && checked.stderr.contains(&at),
                    "{at}:\n{}",
                    checked.stderr
                );
            }
        }
    }
    assert_ne!(Sandbox::with_jobs(&own).run(&["validate", "--env"]).code, 0);
}

#[test]
fn a_jobs_on_failure_replaces_the_global_one_while_the_global_recovery_still_applies() {
    let job = Server::start(vec![Reply::status(500), Reply::status(200)]);
    let hook = ok(2);
    let global = format!(
        "notify:\n  onFailure:\n    url: \"{}\"\n    body: \"global down\"\n  onRecovery:\n    url: \"{}\"\n    body: \"global up\"\n",
        hook.url("/global-failure"),
        hook.url("/global-recovery")
    );
    let own = format!(
        "notify:\n  onFailure:\n    url: \"{}\"\n    method: PUT\n    body: \"own down\"",
        hook.url("/own-failure")
    );
    let sandbox = Sandbox::with_jobs(&file(&job.url("/job"), &own, &global));

    assert_eq!(run(&sandbox).code, 1);
    assert_eq!(run(&sandbox).code, 0);

    assert_eq!(
        targets(&hook),
        [
            pair("PUT", "/own-failure"),
            pair("POST", "/global-recovery")
        ]
    );
    assert_eq!(bodies(&hook), ["own down", "global up"]);
}

#[test]
fn a_webhook_answering_404_is_not_retried_but_one_answering_429_is() {
    for (script, requests, result) in [
        (vec![Reply::status(404), Reply::status(200)], 1, "failed"),
        (vec![Reply::status(429), Reply::status(200)], 2, "sent"),
    ] {
        let job = Server::start(vec![Reply::status(500)]);
        let hook = Server::start(script);
        let sandbox = Sandbox::with_jobs(&file(
            &job.url("/job"),
            &notify_with(&hook, "{text: \"${OUTCOME}\"}", "", ""),
            "",
        ));

        assert_eq!(run(&sandbox).code, 1);

        assert_eq!(hook.requests().len(), requests, "{result}");
        assert_eq!(history(&sandbox)[0]["notice_result"], result);
    }
}

#[test]
fn quiet_keeps_a_failed_notification_off_stderr_but_in_the_history() {
    let job = Server::start(vec![Reply::status(503)]);
    let hook = Server::start(vec![Reply::status(503); 2]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &notify_with(&hook, "{text: \"${OUTCOME}\"}", "", ""),
        "",
    ));

    let result = Run::from(
        sandbox
            .jobrun()
            .args(["-q", "run", "report"])
            .output()
            .unwrap(),
    );

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(hook.requests().len(), 2);
    assert!(!result.stderr.contains("notification"), "{}", result.stderr);
    assert_eq!(history(&sandbox)[0]["notice_result"], "failed");
}

/// The minute `at` falls in, as `SCHEDULED_AT` writes it.
fn minute(at: jiff::Timestamp) -> String {
    let second = at.as_second();
    jiff::Timestamp::from_second(second - second.rem_euclid(60))
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%S.000Z")
        .to_string()
}

#[test]
fn run_due_fills_scheduled_at_with_the_instant_the_run_was_for() {
    let job = Server::start(vec![Reply::status(503)]);
    let hook = ok(1);
    let text = file(
        &job.url("/job"),
        &notify_with(
            &hook,
            "{at: \"${SCHEDULED_AT}\", ms: \"${DURATION_MS}\"}",
            "",
            "",
        ),
        "",
    )
    .replace("0 0 1 1 *", "* * * * *");
    let sandbox = Sandbox::with_jobs(&text);

    let before = minute(jiff::Timestamp::now());
    let result = sandbox.run(&["run", "--due", "report"]);
    let after = minute(jiff::Timestamp::now());

    assert_eq!(result.code, 1, "{}", result.stderr);
    let sent = hook.requests();
    assert_eq!(sent.len(), 1);
    let body: Value = serde_json::from_str(sent[0].body_text()).unwrap();
    let at = body["at"].as_str().unwrap();
    assert!(at == before || at == after, "{at} not {before} or {after}");
    let ms: u64 = body["ms"].as_str().unwrap().parse().expect("a number");
    assert!(ms < 10_000, "{ms}");
}

#[test]
fn a_busy_run_neither_notifies_nor_pings() {
    let job = Server::start(vec![Reply::status(503).delay(Duration::from_secs(2))]);
    let hook = ok(1);
    let pings = ok(2);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &format!(
            "healthcheck: \"{}\"\n{}",
            pings.url("/ping"),
            notify_with(&hook, "{run: \"${RUN_ID}\"}", "", "")
        ),
        "",
    ));

    let first = spawn(&sandbox);
    job.wait_for_requests(1, WAIT);
    let busy = run(&sandbox);
    let first = Run::from(first.wait_with_output().unwrap());

    assert_eq!(busy.code, 75, "{}", busy.stderr);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let rows = history(&sandbox);
    let failed = rows
        .iter()
        .find(|r| r["outcome"] == "failed")
        .expect("the failed run");
    let busy_row = rows
        .iter()
        .find(|r| r["outcome"] == "busy")
        .expect("the busy run");
    assert_eq!(busy_row["notice"], Value::Null);
    let id = failed["run_id"].as_str().unwrap();
    assert_eq!(bodies(&hook), [format!("{{\"run\":\"{id}\"}}")]);
    assert_eq!(
        targets(&pings),
        [
            pair("GET", format!("/ping/start?rid={id}")),
            pair("POST", format!("/ping/fail?rid={id}")),
        ]
    );
}

#[test]
fn an_interrupted_run_pings_its_start_only_and_notifies_nothing() {
    let job = Server::start(vec![Reply::status(200).delay(Duration::from_secs(30))]);
    let hook = ok(1);
    let pings = ok(2);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &format!(
            "timeout: 60s\nhealthcheck: \"{}\"\n{}",
            pings.url("/ping"),
            notify_with(&hook, "{run: \"${RUN_ID}\"}", "{run: \"${RUN_ID}\"}", "")
        ),
        "",
    ));

    let child = spawn(&sandbox);
    job.wait_for_requests(1, WAIT);
    pings.wait_for_requests(1, WAIT);
    // SAFETY: kill(2) on the pid of a child this test started and has not
    // yet reaped.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let result = Run::from(child.wait_with_output().unwrap());

    assert_eq!(result.code, 143, "{}", result.stderr);
    let row = &history(&sandbox)[0];
    assert_eq!(row["outcome"], "interrupted");
    let id = row["run_id"].as_str().unwrap();
    assert_eq!(
        targets(&pings),
        [pair("GET", format!("/ping/start?rid={id}"))]
    );
    assert!(hook.requests().is_empty(), "{:#?}", hook.requests());
}

#[test]
fn without_a_history_every_failure_notifies_and_no_recovery_is_sent() {
    let job = Server::start(vec![
        Reply::status(500),
        Reply::status(500),
        Reply::status(200),
    ]);
    let hook = ok(3);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &format!(
            "concurrency: allow\n{}",
            notify_with(
                &hook,
                "{text: \"${OUTCOME}\"}",
                "{text: \"recovered\"}",
                "cooldown: 1h",
            )
        ),
        "",
    ));
    sandbox.write("not-a-directory", "");
    let dir = sandbox.path("not-a-directory/state");

    let codes: Vec<i32> = (0..3)
        .map(|_| {
            Run::from(
                sandbox
                    .jobrun()
                    .env("JOBRUN_STATE_DIR", &dir)
                    .args(["run", "report"])
                    .output()
                    .unwrap(),
            )
            .code
        })
        .collect();

    assert_eq!(codes, [1, 1, 0]);
    assert_eq!(job.requests().len(), 3);
    assert_eq!(
        bodies(&hook),
        ["{\"text\":\"failed\"}", "{\"text\":\"failed\"}"]
    );
}

#[test]
fn the_notification_timeout_bounds_its_retry_too() {
    // Each attempt alone fits in the 1 s timeout; both together do not.
    let job = Server::start(vec![Reply::status(503)]);
    let hook = Server::start(vec![
        Reply::status(503).delay(Duration::from_millis(700)),
        Reply::status(200).delay(Duration::from_millis(700)),
    ]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &format!(
            "{}    timeout: 1s\n",
            notify_with(&hook, "{text: \"${OUTCOME}\"}", "", "")
        ),
        "",
    ));

    let began = Instant::now();
    let result = run(&sandbox);
    let took = began.elapsed();

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    let row = &history(&sandbox)[0];
    assert_eq!(row["notice_result"], "failed", "{row}");
}

#[test]
fn notification_data_is_json_escaped() {
    let job = Server::start(vec![Reply::status(500)]);
    let hook = ok(1);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &notify_with(&hook, "{text: \"${QUOTED}\", n: \"${JOB_NAME}\"}", "", ""),
        "",
    ));

    let result = Run::from(
        sandbox
            .jobrun()
            .args(["run", "report"])
            .env("QUOTED", "say \"hi\"\\ \u{e9}\ttab")
            .output()
            .unwrap(),
    );

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(
        bodies(&hook),
        ["{\"text\":\"say \\\"hi\\\"\\\\ \u{e9}\\ttab\",\"n\":\"report\"}"]
    );
}

#[test]
fn with_only_on_recovery_every_recovery_is_sent_whatever_the_cooldown() {
    let job = Server::start(vec![
        Reply::status(500),
        Reply::status(200),
        Reply::status(500),
        Reply::status(200),
    ]);
    let hook = ok(2);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &format!(
            "notify:\n  onRecovery:\n    url: \"{}\"\n    body: \"up ${{RUN_ID}}\"\n  cooldown: 1h\n",
            hook.url("/hook")
        ),
        "",
    ));

    let codes: Vec<i32> = (0..4).map(|_| run(&sandbox).code).collect();

    assert_eq!(codes, [1, 0, 1, 0]);
    let ids = run_ids(&sandbox);
    assert_eq!(
        bodies(&hook),
        [format!("up {}", ids[2]), format!("up {}", ids[0])]
    );
}

#[test]
fn verbose_reports_a_sent_notification_by_its_origin_only() {
    let job = Server::start(vec![Reply::status(500)]);
    let hook = ok(1);
    let pings = ok(2);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &format!(
            "healthcheck: \"{}\"\n{}",
            pings.url("/ping/abc-secret-path"),
            notify_with(&hook, "{text: \"${OUTCOME}\"}", "", "")
        )
        .replace("/hook", "/hook-secret-path"),
        "",
    ));

    let result = Run::from(
        sandbox
            .jobrun()
            .args(["-vv", "run", "report"])
            .output()
            .unwrap(),
    );

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(hook.requests().len(), 1);
    assert!(
        result.stderr.contains("onFailure notification"),
        "-v reports the notification that went out:\n{}",
        result.stderr
    );
    assert!(!result.stderr.contains("secret-path"), "{}", result.stderr);
}

#[test]
fn a_slow_start_ping_neither_delays_the_job_nor_comes_after_the_end_ping() {
    let job = ok(1);
    let pings = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(2)),
        Reply::status(200),
    ]);
    let sandbox = pinged(&job, &pings.url("/ping/abc"));

    let child = spawn(&sandbox);
    // Well before the start ping's answer.
    job.wait_for_requests(1, Duration::from_millis(1500));
    let result = Run::from(child.wait_with_output().unwrap());

    assert_eq!(result.code, 0, "{}", result.stderr);
    let id = &run_ids(&sandbox)[0];
    assert_eq!(
        targets(&pings),
        [
            pair("GET", format!("/ping/abc/start?rid={id}")),
            pair("GET", format!("/ping/abc?rid={id}")),
        ]
    );
}

#[test]
fn a_ping_answered_503_is_retried_once_and_then_counts_as_sent() {
    let job = ok(1);
    let pings = Server::start(vec![
        Reply::status(503),
        Reply::status(200),
        Reply::status(200),
    ]);
    let sandbox = pinged(&job, &pings.url("/ping/abc"));

    let result = run(&sandbox);

    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(result.stderr, "");
    let id = &run_ids(&sandbox)[0];
    assert_eq!(
        targets(&pings),
        [
            pair("GET", format!("/ping/abc/start?rid={id}")),
            pair("GET", format!("/ping/abc/start?rid={id}")),
            pair("GET", format!("/ping/abc?rid={id}")),
        ]
    );
    assert_eq!(history(&sandbox)[0]["ping_error"], Value::Null);
}

#[test]
fn status_is_empty_when_the_job_received_no_answer() {
    let down = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let hook = ok(1);
    let sandbox = Sandbox::with_jobs(&file(
        &format!("http://{down}/job"),
        &notify_with(
            &hook,
            "{status: \"${STATUS}\", attempts: \"${ATTEMPTS}\", outcome: \"${OUTCOME}\"}",
            "",
            "",
        ),
        "",
    ));

    assert_eq!(run(&sandbox).code, 1);

    assert_eq!(
        bodies(&hook),
        ["{\"status\":\"\",\"attempts\":\"1\",\"outcome\":\"failed\"}"]
    );
}

#[test]
fn run_warns_of_an_unset_healthcheck_variable_and_still_runs_the_job() {
    let job = ok(1);
    let pings = ok(2);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &format!("healthcheck: \"{}/${{HC_KEY}}\"", pings.url("/ping")),
        "",
    ));

    let result = run(&sandbox);

    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(job.requests().len(), 1);
    assert!(pings.requests().is_empty(), "{:#?}", pings.requests());
    let warning = result
        .stderr
        .lines()
        .find(|l| l.contains("HC_KEY") && l.contains("warning"))
        .unwrap_or_else(|| panic!("no warning:\n{}", result.stderr));
    assert!(warning.contains("`report`"), "names the job: {warning}");
}

#[test]
fn a_webhook_url_from_dot_env_is_used_and_never_shown() {
    let job = Server::start(vec![Reply::status(500)]);
    let hook = Server::start(vec![Reply::status(404)]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        "notify:\n  onFailure:\n    url: \"${SLACK_WEBHOOK_URL}\"\n    body: \"${JOB_NAME} down\"",
        "",
    ));
    let env = sandbox.write(
        ".env",
        format!(
            "SLACK_WEBHOOK_URL={}\n",
            hook.url("/services/T000/B000/dotenv-hook-path")
        ),
    );
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    let result = Run::from(
        sandbox
            .jobrun()
            .args(["-vv", "run", "report"])
            .output()
            .unwrap(),
    );

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(
        targets(&hook),
        [pair("POST", "/services/T000/B000/dotenv-hook-path")]
    );
    assert_eq!(bodies(&hook), ["report down"]);
    assert!(
        result.stderr.contains(&format!(
            "onFailure notification to {}/*** failed",
            hook.origin()
        )),
        "{}",
        result.stderr
    );
    assert!(
        !result.stderr.contains("dotenv-hook-path"),
        "{}",
        result.stderr
    );
    let rows = sandbox.run(&["history", "--json"]);
    assert!(!rows.stdout.contains("dotenv-hook-path"), "{}", rows.stdout);
}

#[test]
fn the_end_ping_and_the_notification_go_out_together() {
    let job = Server::start(vec![Reply::status(503)]);
    let hook = Server::start(vec![Reply::status(200).delay(Duration::from_millis(1500))]);
    let pings = Server::start(vec![
        Reply::status(200),
        Reply::status(200).delay(Duration::from_millis(1500)),
    ]);
    let sandbox = Sandbox::with_jobs(&file(
        &job.url("/job"),
        &format!(
            "healthcheck: \"{}\"\n{}",
            pings.url("/ping"),
            notify_with(&hook, "{text: \"${OUTCOME}\"}", "", "")
        ),
        "",
    ));

    let began = Instant::now();
    let result = run(&sandbox);
    let took = began.elapsed();

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(hook.requests().len(), 1);
    assert_eq!(pings.requests().len(), 2);
    assert_eq!(
        result.stderr.matches("failed").count(),
        1,
        "{}",
        result.stderr
    );
    // One after the other would take 3 s.
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_millis(2700),
        "took {took:?}"
    );
}

#[test]
fn jobs_sharing_the_global_notify_each_get_their_own_name_and_cooldown() {
    let job = Server::start(vec![Reply::status(500); 3]);
    let hook = ok(2);
    let mut text = format!(
        "global:\n  notify:\n    onFailure:\n      url: \"{}\"\n      body: \"${{JOB_NAME}} down\"\n    cooldown: 1h\njobs:\n",
        hook.url("/hook")
    );
    for name in ["alpha", "beta"] {
        text.push_str(&format!(
            "  - name: {name}\n    schedule: \"0 0 1 1 *\"\n    url: \"{}\"\n    retries: 0\n",
            job.url(&format!("/{name}"))
        ));
    }
    let sandbox = Sandbox::with_jobs(&text);

    let codes: Vec<i32> = ["alpha", "beta", "alpha"]
        .iter()
        .map(|name| sandbox.run(&["run", name]).code)
        .collect();

    assert_eq!(codes, [1, 1, 1]);
    assert_eq!(bodies(&hook), ["alpha down", "beta down"]);
    assert_eq!(
        column(&sandbox, "notice_result"),
        ["cooldown", "sent", "sent"]
    );
}

/// The hour `at` falls in, as `SCHEDULED_AT` writes it.
fn hour(at: jiff::Timestamp) -> String {
    let second = at.as_second();
    jiff::Timestamp::from_second(second - second.rem_euclid(3600))
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%S.000Z")
        .to_string()
}

#[test]
fn catch_up_fills_scheduled_at_with_the_missed_instant() {
    let job = Server::start(vec![Reply::status(503)]);
    let hook = ok(1);
    let text = file(
        &job.url("/job"),
        &format!(
            "catchUp: 2h\n{}",
            notify_with(&hook, "{at: \"${SCHEDULED_AT}\"}", "", "")
        ),
        "",
    )
    .replace("0 0 1 1 *", "0 * * * *");
    let sandbox = Sandbox::with_jobs(&text);

    let before = hour(jiff::Timestamp::now());
    let result = sandbox.run(&["catch-up"]);
    let after = hour(jiff::Timestamp::now());

    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(job.requests().len(), 1);
    let sent = bodies(&hook);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0] == format!("{{\"at\":\"{before}\"}}")
            || sent[0] == format!("{{\"at\":\"{after}\"}}"),
        "{} not at {before} or {after}",
        sent[0]
    );
}
