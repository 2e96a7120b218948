//! Telling people, end to end: `notify` (onFailure, onRecovery, the
//! cooldown) and healthcheck pings, sent by the real binary to real
//! servers on 127.0.0.1. The job has a server of its own, and the
//! notifications and pings another, so each sees only its own traffic.

mod common;

use std::time::{Duration, Instant};

use common::server::{Reply, Server};
use common::{Run, Sandbox};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(10);

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

#[test]
fn a_success_tells_nothing_and_only_the_first_success_after_failures_is_a_recovery() {
    let job = Server::start(vec![
        Reply::status(200),
        Reply::status(500),
        Reply::status(500),
        Reply::status(500),
        Reply::status(200),
        Reply::status(200),
    ]);
    let hook = Server::start(vec![Reply::status(200); 4]);
    let sandbox = Sandbox::with_jobs(&file(&job.url("/kpi"), &notify(&hook, ""), ""));

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

#[test]
fn the_cooldown_holds_back_repeated_failures_across_processes() {
    let job = Server::start(vec![Reply::status(500); 3]);
    let hook = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&file(&job.url("/kpi"), &notify(&hook, "cooldown: 1h"), ""));

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

#[test]
fn an_undelivered_failure_notice_does_not_start_the_cooldown() {
    let job = Server::start(vec![Reply::status(500); 2]);
    let hook = Server::start(vec![
        Reply::drop_connection(),
        Reply::drop_connection(),
        Reply::status(200),
    ]);
    let sandbox = Sandbox::with_jobs(&file(&job.url("/kpi"), &notify(&hook, "cooldown: 1h"), ""));

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
    let child = sandbox
        .process()
        .args(["run", "report"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
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
