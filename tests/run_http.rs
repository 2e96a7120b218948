//! What `jobrun run` sends and how it retries, end to end: the exact bytes
//! of the request, which failures are retried and how long it waits,
//! timeouts and the deadline, the body limit, redirects, what counts as
//! success, the idempotency key and TLS trust. Every test runs the real
//! binary against a real server on 127.0.0.1 (`run_output.rs` covers what
//! jobrun prints and masks).

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::server::{Received, Reply, Server, TestCa};
use common::{Run, Sandbox};

/// A job file with one job, `job`, sending to `url`; `keys` are more of the
/// job's keys, one a line, written as at the job's own indentation.
fn jobs(url: &str, keys: &str) -> String {
    let mut text =
        format!("jobs:\n  - name: job\n    schedule: \"* * * * *\"\n    url: \"{url}\"\n");
    for line in keys.lines() {
        text.push_str("    ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn sandbox(url: &str, keys: &str) -> Sandbox {
    Sandbox::with_jobs(&jobs(url, keys))
}

/// `jobrun run job`, and how long it took.
fn timed(sandbox: &Sandbox) -> (Run, Duration) {
    let mut command = sandbox.jobrun();
    command.args(["run", "job"]);
    let start = Instant::now();
    let output = command.output().expect("runs");
    (Run::from(output), start.elapsed())
}

fn run(sandbox: &Sandbox) -> Run {
    timed(sandbox).0
}

/// The attempts a `-v --log-format json` run reported, and its end.
fn events(run: &Run) -> (Vec<serde_json::Value>, serde_json::Value) {
    let mut lines: Vec<serde_json::Value> = run
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let end = lines.pop().expect("a run event");
    assert_eq!(end["event"], "run", "{}", run.stderr);
    (lines, end)
}

/// `-v run job --log-format json`: a line per attempt, then the run.
fn run_json(sandbox: &Sandbox) -> (Run, Vec<serde_json::Value>, serde_json::Value) {
    let mut command = sandbox.jobrun();
    command.args(["-v", "run", "job", "--log-format", "json"]);
    let run = Run::from(command.output().expect("runs"));
    let (attempts, end) = events(&run);
    (run, attempts, end)
}

/// An address on 127.0.0.1 where nothing listens.
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/x")
}

fn user_agent() -> String {
    format!("jobrun/{}", env!("CARGO_PKG_VERSION"))
}

/// The header names of a request, lowercased, each once: duplicates show.
fn assert_no_duplicate_headers(request: &Received) {
    let mut names: Vec<String> = request
        .header_names()
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    names.sort();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "{}", request.head);
}

fn assert_uuid(text: &str) {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    assert_eq!(lengths, [8, 4, 4, 4, 12], "{text}");
    assert!(
        text.chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{text}"
    );
}

// --- The exact request -------------------------------------------------

#[test]
fn a_post_sends_data_as_json_in_the_order_written_with_jobruns_headers() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = sandbox(
        &server.url("/report?week=1"),
        "method: POST\ndata:\n  zeta: 2.0\n  alpha: [1, 0.5, -3.0, \"x\"]\n  nested: {b: null, a: true}\n  text: \"quote \\\" and é\"",
    );
    let run = run(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let body =
        r#"{"zeta":2,"alpha":[1,0.5,-3,"x"],"nested":{"b":null,"a":true},"text":"quote \" and é"}"#;
    assert_eq!(requests[0].body_text(), body);
    // ureq writes header names in lowercase and adds `accept`, `host` and
    // the length itself.
    assert_eq!(
        requests[0].head,
        format!(
            "POST /report?week=1 HTTP/1.1\r\ncontent-length: {}\r\naccept: */*\r\nhost: {}\r\ncontent-type: application/json\r\nuser-agent: {}\r\n\r\n",
            body.len(),
            server.address(),
            user_agent()
        )
    );
}

#[test]
fn default_headers_merge_with_the_jobs_case_insensitively_and_the_job_wins() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&format!(
        "global:\n  defaultHeaders:\n    content-type: text/plain\n    X-Team: kpi\n    x-trace: global\n{}",
        jobs(
            &server.url("/x"),
            "method: PUT\nheaders:\n  Content-Type: application/x\n  X-Trace: job\ndata: {a: 1}"
        )
    ));
    let run = run(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let request = &server.requests()[0];
    assert_no_duplicate_headers(request);
    assert_eq!(request.method, "PUT");
    assert_eq!(
        request.header_names(),
        [
            "content-length",
            "accept",
            "host",
            "content-type",
            "x-team",
            "x-trace",
            "user-agent"
        ]
    );
    assert_eq!(request.header("content-type"), Some("application/x"));
    assert_eq!(request.header("x-team"), Some("kpi"));
    assert_eq!(request.header("x-trace"), Some("job"));
    assert_eq!(request.body_text(), r#"{"a":1}"#);
}

#[test]
fn a_user_agent_and_content_type_the_job_sets_are_kept() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = sandbox(
        &server.url("/x"),
        "method: POST\nheaders:\n  user-agent: reporter/2\n  CONTENT-TYPE: application/vnd.kpi+json\ndata: {a: 1}",
    );
    let run = run(&sandbox);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let request = &server.requests()[0];
    assert_no_duplicate_headers(request);
    assert_eq!(request.header("user-agent"), Some("reporter/2"));
    assert_eq!(
        request.header("content-type"),
        Some("application/vnd.kpi+json")
    );
}

#[test]
fn a_body_is_sent_as_written_without_a_content_type() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = sandbox(
        &server.url("/x"),
        "method: PATCH\nbody: \"a=1&b=${JOB_NAME}\\n{not json}\"",
    );
    let run = run(&sandbox);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let request = &server.requests()[0];
    assert_eq!(request.method, "PATCH");
    assert_eq!(request.body_text(), "a=1&b=job\n{not json}");
    assert_eq!(request.header("content-type"), None);
    assert_eq!(request.header("content-length"), Some("20"));
    assert_no_duplicate_headers(request);
}

#[test]
fn data_on_a_get_is_not_sent() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = sandbox(&server.url("/x"), "data: {a: 1}");
    let run = run(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let request = &server.requests()[0];
    assert_eq!(
        request.head,
        format!(
            "GET /x HTTP/1.1\r\naccept: */*\r\nhost: {}\r\nuser-agent: {}\r\n\r\n",
            server.address(),
            user_agent()
        )
    );
    assert!(request.body.is_empty());
}

#[test]
fn placeholders_come_from_the_environment_then_dotenv() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = sandbox(
        &format!("{}/${{PATH_PART}}", server.origin()),
        "method: POST\nheaders:\n  X-Who: \"${WHO}\"\nbody: \"${WHO} ${ONLY_DOTENV} ${UNSET:-fallback} $${WHO} $WHO\"",
    );
    sandbox.write(
        ".env",
        "WHO=from-dotenv\nONLY_DOTENV=dotenv\nexport PATH_PART=\"reports/1\"\n",
    );
    let output = sandbox
        .jobrun()
        .args(["run", "job"])
        .env("WHO", "from-env")
        .output()
        .unwrap();
    let run = Run::from(output);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let request = &server.requests()[0];
    assert_eq!(request.target, "/reports/1");
    assert_eq!(request.header("x-who"), Some("from-env"));
    assert_eq!(request.body_text(), "from-env dotenv fallback ${WHO} $WHO");
}

#[test]
fn built_in_placeholders_are_filled_in_when_the_job_runs() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = sandbox(
        &server.url("/x"),
        "method: POST\ndata:\n  now: \"${NOW}\"\n  unix: \"${NOW_UNIX}\"\n  job: \"${JOB_NAME}\"\n  from: \"${CURRENT_WEEK_START}\"\n  to: \"${CURRENT_WEEK_END}\"",
    );
    // A variable of the same name loses to the built-in.
    let before = jiff::Timestamp::now();
    let output = sandbox
        .jobrun()
        .args(["run", "job"])
        .env("JOB_NAME", "not-this")
        .output()
        .unwrap();
    let after = jiff::Timestamp::now();
    let run = Run::from(output);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let body: serde_json::Value = serde_json::from_str(server.requests()[0].body_text()).unwrap();
    assert_eq!(body["job"], "job");
    // As JavaScript's toISOString(): milliseconds and `Z`.
    let now = body["now"].as_str().unwrap();
    assert_eq!(
        (now.len(), &now[19..20], &now[23..]),
        (24, ".", "Z"),
        "{now}"
    );
    let now: jiff::Timestamp = now.parse().unwrap();
    assert!(
        before.as_millisecond() <= now.as_millisecond() + 1 && now <= after,
        "{now}"
    );
    let unix: i64 = body["unix"].as_str().unwrap().parse().unwrap();
    assert!(before.as_second() <= unix && unix <= after.as_second());
    // The host zone is UTC.
    let from: jiff::civil::Date = body["from"].as_str().unwrap().parse().unwrap();
    let to: jiff::civil::Date = body["to"].as_str().unwrap().parse().unwrap();
    assert_eq!(from.weekday(), jiff::civil::Weekday::Monday);
    assert_eq!(to, from + jiff::Span::new().days(4));
    let today = jiff::tz::TimeZone::UTC.to_datetime(now).date();
    assert!(from <= today && today < from + jiff::Span::new().days(7));
}

// --- Which failures are retried ----------------------------------------

#[test]
fn a_503_is_retried_until_it_succeeds() {
    let server = Server::start(vec![
        Reply::status(503),
        Reply::status(503),
        Reply::status(200),
    ]);
    let sandbox = sandbox(&server.url("/x"), "retries: 2\nretryDelay: 10ms");
    let run = run(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn statuses_that_can_change_are_retried() {
    for status in [408, 425, 429, 500, 502, 503, 504] {
        let server = Server::start(vec![Reply::status(status), Reply::status(200)]);
        let sandbox = sandbox(&server.url("/x"), "retries: 1\nretryDelay: 10ms");
        let run = run(&sandbox);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{status}");
        assert_eq!(server.requests().len(), 2, "{status}");
    }
}

#[test]
fn statuses_that_would_fail_again_are_not_retried() {
    for status in [400, 401, 403, 404, 422, 501] {
        let server = Server::start(vec![Reply::status(status), Reply::status(200)]);
        let sandbox = sandbox(&server.url("/x"), "retries: 3\nretryDelay: 10ms");
        let run = run(&sandbox);
        assert_eq!(run.code, 1, "{status}: {}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!(
                "jobrun: job `job` failed after 1 attempt: GET {}: {status} ",
                server.url("/x")
            )),
            "{}",
            run.stderr
        );
        assert_eq!(server.requests().len(), 1, "{status}");
    }
}

#[test]
fn a_refused_connection_is_retried() {
    let sandbox = sandbox(&closed_port_url(), "retries: 2\nretryDelay: 10ms");
    let (run, attempts, end) = run_json(&sandbox);
    assert_eq!(run.code, 1);
    assert_eq!(attempts.len(), 3, "{}", run.stderr);
    for attempt in &attempts {
        assert_eq!(attempt["error_class"], "connect");
        assert_eq!(attempt["error"], "cannot connect: connection refused");
    }
    assert_eq!(end["attempts"], 3);
    assert_eq!(end["error_class"], "connect");
}

#[test]
fn a_connection_dropped_without_a_response_is_retried() {
    let server = Server::start(vec![Reply::drop_connection(), Reply::status(200)]);
    let sandbox = sandbox(
        &server.url("/x"),
        "method: POST\nbody: once\nretryDelay: 10ms",
    );
    let (run, attempts, end) = run_json(&sandbox);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(attempts[0]["error_class"], "connect", "{}", run.stderr);
    assert_eq!(end["outcome"], "succeeded");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].body_text(), "once");
}

#[test]
fn a_timeout_is_retried() {
    let server = Server::start(vec![
        Reply::status(200).delay(Duration::from_secs(5)),
        Reply::status(200),
    ]);
    let sandbox = sandbox(&server.url("/x"), "timeout: 200ms\nretryDelay: 10ms");
    let (run, attempts, end) = run_json(&sandbox);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(attempts[0]["error_class"], "timeout");
    assert_eq!(end["attempts"], 2);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn retries_count_after_the_first_attempt() {
    for (retries, requests) in [(0, 1), (1, 2), (2, 3)] {
        let server = Server::start(vec![Reply::status(503); 5]);
        let sandbox = sandbox(
            &server.url("/x"),
            &format!("retries: {retries}\nretryDelay: 1ms"),
        );
        let run = run(&sandbox);
        assert_eq!(run.code, 1);
        assert!(
            run.stderr.contains(&format!(
                "failed after {requests} attempt{}:",
                if requests == 1 { "" } else { "s" }
            )),
            "{}",
            run.stderr
        );
        assert_eq!(server.requests().len(), requests, "retries: {retries}");
    }
}

#[test]
fn a_job_without_retries_makes_four_attempts() {
    let server = Server::start(vec![Reply::status(500); 6]);
    let sandbox = sandbox(&server.url("/x"), "retryDelay: 1ms");
    let run = run(&sandbox);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("failed after 4 attempts"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn global_default_retries_applies_to_a_job_without_retries() {
    let server = Server::start(vec![Reply::status(500); 6]);
    let sandbox = Sandbox::with_jobs(&format!(
        "global:\n  defaultRetries: 1\n{}",
        jobs(&server.url("/x"), "retryDelay: 1ms")
    ));
    let run = run(&sandbox);
    assert_eq!(run.code, 1);
    assert_eq!(server.requests().len(), 2);
}

// --- Retry-After ---------------------------------------------------------

#[test]
fn retry_after_in_seconds_delays_the_next_attempt() {
    let server = Server::start(vec![
        Reply::status(503).header("Retry-After", "1"),
        Reply::status(200),
    ]);
    let sandbox = sandbox(&server.url("/x"), "retryDelay: 10ms");
    let (run, took) = timed(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(server.requests().len(), 2);
    assert!(took >= Duration::from_millis(900), "{took:?}");
}

#[test]
fn retry_after_as_an_http_date_delays_the_next_attempt() {
    // IMF-fixdate has whole seconds: two seconds after this one is 1 to 2
    // seconds from now.
    let at = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + 2).unwrap();
    let date = at.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let server = Server::start(vec![
        Reply::status(429).header("Retry-After", &date),
        Reply::status(200),
    ]);
    let sandbox = sandbox(&server.url("/x"), "retryDelay: 10ms");
    let (run, took) = timed(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(server.requests().len(), 2);
    assert!(took >= Duration::from_millis(900), "{took:?} for {date}");
    assert!(jiff::Timestamp::now() >= at - jiff::SignedDuration::from_millis(100));
}

#[test]
fn a_retry_after_longer_than_max_retry_delay_stops_the_retries() {
    let server = Server::start(vec![
        Reply::status(503).header("Retry-After", "120"),
        Reply::status(200),
    ]);
    let sandbox = sandbox(&server.url("/x"), "retryDelay: 10ms");
    let (run, took) = timed(&sandbox);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "jobrun: job `job` failed after 1 attempt: GET {}: 503 Service Unavailable (server error); stopped: the server asked to wait 2m (Retry-After), longer than `maxRetryDelay` (30s)\n",
            server.url("/x")
        )
    );
    assert_eq!(server.requests().len(), 1);
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn a_retry_after_past_the_deadline_stops_the_retries() {
    let server = Server::start(vec![
        Reply::status(503).header("Retry-After", "5"),
        Reply::status(200),
    ]);
    let sandbox = sandbox(
        &server.url("/x"),
        "timeout: 1s\ndeadline: 2s\nretryDelay: 10ms",
    );
    let (run, took) = timed(&sandbox);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.ends_with(
            "503 Service Unavailable (server error); stopped: the next attempt (in 5s) would pass the run's deadline (2s)\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 1);
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn an_unreadable_retry_after_falls_back_to_the_backoff() {
    let server = Server::start(vec![
        Reply::status(503).header("Retry-After", "soon"),
        Reply::status(200),
    ]);
    let sandbox = sandbox(&server.url("/x"), "retryDelay: 10ms");
    let (run, attempts, _) = run_json(&sandbox);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(attempts[0]["retry_in_ms"].as_u64().unwrap() <= 10);
    assert_eq!(server.requests().len(), 2);
}

// --- Backoff -------------------------------------------------------------

#[test]
fn waits_between_attempts_never_pass_max_retry_delay() {
    let server = Server::start(vec![Reply::status(503); 3]);
    let sandbox = sandbox(
        &server.url("/x"),
        "retries: 2\nretryDelay: 200ms\nmaxRetryDelay: 200ms",
    );
    let start = Instant::now();
    let (run, attempts, end) = run_json(&sandbox);
    let took = start.elapsed();
    assert_eq!(run.code, 1);
    assert_eq!(end["attempts"], 3);
    assert_eq!(server.requests().len(), 3);
    // Full jitter: each wait is anywhere up to the delay.
    for attempt in &attempts[..2] {
        let wait = attempt["retry_in_ms"].as_u64().expect("a wait");
        assert!(wait <= 200, "{wait}");
    }
    assert_eq!(attempts[2]["retry_in_ms"], serde_json::Value::Null);
    assert!(took < Duration::from_millis(1400), "{took:?}");
}

// --- Timeouts and the deadline -----------------------------------------

#[test]
fn a_response_slower_than_the_timeout_fails_the_attempt() {
    let server = Server::start(vec![Reply::status(200).delay(Duration::from_secs(2))]);
    let sandbox = sandbox(&server.url("/x"), "timeout: 300ms\nretries: 0");
    let start = Instant::now();
    let (run, attempts, end) = run_json(&sandbox);
    let took = start.elapsed();
    assert_eq!(run.code, 1);
    assert_eq!(attempts[0]["error_class"], "timeout");
    assert_eq!(end["error_class"], "timeout");
    assert_eq!(end["error"], "timed out after 300ms");
    assert!(took < Duration::from_millis(1500), "{took:?}");
}

#[test]
fn the_timeout_bounds_the_body_too() {
    let server = Server::start(vec![
        Reply::status(200)
            .body("late")
            .delay_body(Duration::from_secs(2)),
    ]);
    let sandbox = sandbox(&server.url("/x"), "timeout: 300ms\nretries: 0");
    let start = Instant::now();
    let (run, _, end) = run_json(&sandbox);
    let took = start.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(end["error_class"], "timeout", "{}", run.stderr);
    assert!(took < Duration::from_millis(1500), "{took:?}");
}

#[test]
fn the_deadline_bounds_the_whole_run() {
    let server = Server::start(vec![Reply::status(200).delay(Duration::from_secs(5)); 10]);
    let sandbox = sandbox(
        &server.url("/x"),
        "timeout: 300ms\ndeadline: 500ms\nretries: 5\nretryDelay: 10ms",
    );
    let start = Instant::now();
    let (run, attempts, end) = run_json(&sandbox);
    let took = start.elapsed();
    assert_eq!(run.code, 1);
    // Six attempts of 300 ms would take 1.8 s.
    assert!(
        Duration::from_millis(450) <= took && took < Duration::from_millis(1200),
        "{took:?}"
    );
    assert_eq!(attempts.len(), 2, "{}", run.stderr);
    assert_eq!(end["error_class"], "timeout");
    assert_eq!(
        end["error"],
        "timed out: the run's deadline (500ms) ran out"
    );
}

// --- The response body limit -------------------------------------------

#[test]
fn a_body_over_max_response_bytes_fails_at_once_and_is_not_retried() {
    let server = Server::start(vec![Reply::status(200).huge_body(10_000_000); 4]);
    let sandbox = sandbox(
        &server.url("/x"),
        "maxResponseBytes: 1 KiB\nretryDelay: 10ms",
    );
    let (run, took) = timed(&sandbox);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with(&format!(
            "jobrun: job `job` failed after 1 attempt: GET {}: the response body is larger than `maxResponseBytes` (1 KiB)",
            server.url("/x")
        )),
        "{}",
        &run.stderr[..run.stderr.len().min(400)]
    );
    assert_eq!(server.requests().len(), 1);
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn a_body_of_exactly_max_response_bytes_is_read_whole() {
    let body = "b".repeat(1024);
    let server = Server::start(vec![
        Reply::status(200).body(body.clone()),
        Reply::status(200).body(body.clone()).chunked(),
        Reply::status(200).body(format!("{body}!")).chunked(),
    ]);
    let sandbox = sandbox(&server.url("/x"), "maxResponseBytes: 1024\nretries: 0");
    let print_body = || {
        Run::from(
            sandbox
                .jobrun()
                .args(["run", "job", "--print-body"])
                .output()
                .unwrap(),
        )
    };
    for framing in ["content-length", "chunked"] {
        let run = print_body();
        assert_eq!(run.code, 0, "{framing}: {}", run.stderr);
        assert_eq!(run.stdout, body, "{framing}");
    }
    // One byte more, without a length to see it coming.
    let run = print_body();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("the response body is larger than `maxResponseBytes` (1 KiB)"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}

// --- A connection that breaks mid-body ---------------------------------

#[test]
fn a_connection_closed_mid_body_is_retried() {
    let server = Server::start(vec![
        Reply::status(200).body("a".repeat(100)).close_mid_body(),
        Reply::status(200).body("whole"),
    ]);
    let sandbox = sandbox(&server.url("/x"), "retryDelay: 10ms");
    let (run, attempts, end) = run_json(&sandbox);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(attempts[0]["error_class"], "connect");
    assert_eq!(attempts[0]["status"], 200);
    assert_eq!(end["attempts"], 2);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_connection_closed_mid_body_says_the_body_did_not_all_arrive() {
    let server = Server::start(vec![
        Reply::status(200).body("a".repeat(100)).close_mid_body(),
    ]);
    let sandbox = sandbox(&server.url("/x"), "retries: 0");
    let run = run(&sandbox);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with(&format!(
            "jobrun: job `job` failed after 1 attempt: GET {}: the connection closed before the whole response body arrived",
            server.url("/x")
        )),
        "{}",
        run.stderr
    );
}

// --- Redirects -----------------------------------------------------------

/// The job's headers, to see which go where: a credential, one of the
/// job's own and one from `defaultHeaders`.
fn redirect_jobs(url: &str, keys: &str) -> String {
    format!(
        "global:\n  defaultHeaders:\n    X-Global: g\n{}",
        jobs(
            url,
            &format!("headers:\n  Authorization: \"Bearer ${{TOKEN}}\"\n  X-Job: j\n{keys}")
        )
    )
}

fn run_with_token(sandbox: &Sandbox) -> Run {
    Run::from(
        sandbox
            .jobrun()
            .args(["run", "job"])
            .env("TOKEN", "secret")
            .output()
            .unwrap(),
    )
}

#[test]
fn a_same_origin_redirect_is_followed_with_the_jobs_headers() {
    let server = Server::start(vec![Reply::redirect(302, "/new?x=1"), Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&redirect_jobs(&server.url("/old"), ""));
    let run = run_with_token(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].target, "/new?x=1");
    assert_eq!(requests[1].header("authorization"), Some("Bearer secret"));
    assert_eq!(requests[1].header("x-job"), Some("j"));
    assert_eq!(requests[1].header("x-global"), Some("g"));
}

#[test]
fn a_post_redirected_by_301_302_or_303_becomes_a_get_without_a_body() {
    for status in [301, 302, 303] {
        let server = Server::start(vec![Reply::redirect(status, "/next"), Reply::status(200)]);
        let sandbox = sandbox(&server.url("/x"), "method: POST\ndata: {a: 1}");
        let run = run(&sandbox);
        assert_eq!(run.code, 0, "{status}: {}", run.stderr);
        let requests = server.requests();
        assert_eq!(requests[0].method, "POST");
        assert_eq!(
            requests[1].head,
            format!(
                "GET /next HTTP/1.1\r\naccept: */*\r\nhost: {}\r\nuser-agent: {}\r\n\r\n",
                server.address(),
                user_agent()
            ),
            "{status}"
        );
        assert!(requests[1].body.is_empty());
    }
}

#[test]
fn a_307_or_308_repeats_the_method_and_the_body() {
    for status in [307, 308] {
        let server = Server::start(vec![Reply::redirect(status, "/next"), Reply::status(200)]);
        let sandbox = sandbox(&server.url("/x"), "method: PUT\ndata: {a: 1}");
        let run = run(&sandbox);
        assert_eq!(run.code, 0, "{status}: {}", run.stderr);
        let requests = server.requests();
        assert_eq!(requests[1].method, "PUT", "{status}");
        assert_eq!(requests[1].target, "/next");
        assert_eq!(requests[1].body_text(), r#"{"a":1}"#);
        assert_eq!(requests[1].header("content-type"), Some("application/json"));
        assert_no_duplicate_headers(&requests[1]);
    }
}

#[test]
fn more_than_five_redirects_fail_naming_the_last_location() {
    let server = Server::start(
        (1..=6)
            .map(|n| Reply::redirect(302, &format!("/r{n}")))
            .chain([Reply::status(200)])
            .collect(),
    );
    let sandbox = sandbox(&server.url("/r0"), "retryDelay: 10ms");
    let run = run(&sandbox);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "jobrun: job `job` failed after 1 attempt: GET {}: more than 5 redirects; the last led to `{}`\n",
            server.url("/r0"),
            server.url("/r6")
        )
    );
    // The first request and five redirects followed; not retried.
    assert_eq!(server.requests().len(), 6);
}

#[test]
fn a_redirect_from_http_to_https_on_the_same_host_is_followed_with_the_headers() {
    let ca = TestCa::new();
    let secure = Server::start_tls(&ca, vec![Reply::status(200).body("secure")]);
    let plain = Server::start(vec![Reply::redirect(301, &secure.url_localhost("/secure"))]);
    let sandbox = Sandbox::new();
    let pem = ca.write_pem(sandbox.dir.path());
    let name = pem.file_name().unwrap().to_str().unwrap();
    sandbox.write(
        "jobs.yaml",
        redirect_jobs(&plain.url_localhost("/x"), &format!("caFile: {name}")),
    );
    let run = run_with_token(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(plain.requests().len(), 1);
    let requests = secure.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].target, "/secure");
    assert_eq!(
        requests[0].header("host"),
        Some(&*format!("localhost:{}", secure.address().port()))
    );
    assert_eq!(requests[0].header("authorization"), Some("Bearer secret"));
    assert_eq!(requests[0].header("x-job"), Some("j"));
    assert_eq!(requests[0].header("x-global"), Some("g"));
}

#[test]
fn a_redirect_to_another_origin_is_refused_by_default() {
    let other = Server::start(vec![Reply::status(200)]);
    let server = Server::start(vec![Reply::redirect(302, &other.url("/elsewhere"))]);
    let sandbox = Sandbox::with_jobs(&redirect_jobs(&server.url("/x"), "retryDelay: 10ms"));
    let run = run_with_token(&sandbox);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "jobrun: job `job` failed after 1 attempt: GET {}: redirected to `{}`, not followed: it leads to another origin; set `followRedirects: cross-origin` to follow it (the job's headers are not sent there)\n",
            server.url("/x"),
            other.url("/elsewhere")
        )
    );
    assert_eq!(server.requests().len(), 1);
    assert!(other.requests().is_empty());
}

#[test]
fn a_cross_origin_redirect_is_followed_without_the_jobs_headers() {
    let other = Server::start(vec![Reply::status(200)]);
    let server = Server::start(vec![Reply::redirect(307, &other.url("/elsewhere"))]);
    let sandbox = Sandbox::with_jobs(&redirect_jobs(
        &server.url("/x"),
        "method: POST\ndata: {a: 1}\nidempotencyKey: true\nfollowRedirects: cross-origin",
    ));
    let run = run_with_token(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let first = &server.requests()[0];
    let requests = other.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_no_duplicate_headers(request);
    assert_eq!(request.method, "POST");
    assert_eq!(request.body_text(), r#"{"a":1}"#);
    // What jobrun adds itself still goes: it says what the body is, who
    // sends it and which run it belongs to.
    assert_eq!(
        request.header_names(),
        [
            "content-length",
            "accept",
            "host",
            "content-type",
            "user-agent",
            "idempotency-key"
        ]
    );
    assert_eq!(request.header("user-agent"), Some(&*user_agent()));
    assert_eq!(
        request.header("idempotency-key"),
        first.header("idempotency-key")
    );
    assert_eq!(first.header("authorization"), Some("Bearer secret"));
}

#[test]
fn headers_dropped_at_another_origin_stay_dropped_on_every_later_hop() {
    let last = Server::start(vec![Reply::status(200)]);
    // A hop within the new origin, then on to a third.
    let away = Server::start(vec![
        Reply::redirect(302, "/again"),
        Reply::redirect(302, &last.url("/last")),
    ]);
    let start = Server::start(vec![Reply::redirect(302, &away.url("/away"))]);
    let sandbox = Sandbox::with_jobs(&redirect_jobs(
        &start.url("/x"),
        "followRedirects: cross-origin",
    ));
    let run = run_with_token(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let later: Vec<Received> = away.requests().into_iter().chain(last.requests()).collect();
    let targets: Vec<&str> = later.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["/away", "/again", "/last"]);
    for request in &later {
        assert_eq!(request.header("authorization"), None, "{}", request.head);
        assert_eq!(request.header("x-job"), None, "{}", request.head);
        assert_eq!(request.header("x-global"), None, "{}", request.head);
    }
}

#[test]
fn with_follow_redirects_none_a_redirect_is_the_response() {
    let server = Server::start(vec![
        Reply::redirect(302, "/next"),
        Reply::redirect(302, "/next"),
    ]);
    let failing = sandbox(&server.url("/x"), "followRedirects: none\nretryDelay: 10ms");
    let refused = run(&failing);
    assert_eq!(refused.code, 1);
    assert_eq!(
        refused.stderr,
        format!(
            "jobrun: job `job` failed after 1 attempt: GET {}: 302 Found (unexpected status)\n",
            server.url("/x")
        )
    );
    let expected = sandbox(
        &server.url("/x"),
        "followRedirects: none\nexpectStatus: 302",
    );
    let allowed = run(&expected);
    assert_eq!((allowed.code, allowed.stderr.as_str()), (0, ""));
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/x", "/x"]);
}

// --- What counts as success --------------------------------------------

#[test]
fn expect_status_makes_a_404_a_success() {
    let server = Server::start(vec![Reply::status(404)]);
    let sandbox = sandbox(&server.url("/x"), "expectStatus: [404]");
    let run = run(&sandbox);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

#[test]
fn expect_status_takes_a_class_and_a_range() {
    let server = Server::start(vec![
        Reply::status(299),
        Reply::status(204),
        Reply::status(205),
    ]);
    for (expect, code) in [("\"2xx\"", 0), ("\"200-204\"", 0), ("\"200-204\"", 1)] {
        let sandbox = sandbox(
            &server.url("/x"),
            &format!("expectStatus: {expect}\nretries: 0"),
        );
        let run = run(&sandbox);
        assert_eq!(run.code, code, "{expect}: {}", run.stderr);
    }
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_200_fails_when_only_201_is_expected_and_is_not_retried() {
    let server = Server::start(vec![Reply::status(200), Reply::status(201)]);
    let sandbox = sandbox(&server.url("/x"), "expectStatus: [201]\nretryDelay: 10ms");
    let (run, _, end) = run_json(&sandbox);
    assert_eq!(run.code, 1);
    assert_eq!(end["error_class"], "http_status");
    assert_eq!(end["status"], 200);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_body_without_the_expected_text_fails_and_is_not_retried() {
    let server = Server::start(vec![
        Reply::status(200).body("{\"status\":\"degraded\"}"),
        Reply::status(200).body("ok"),
    ]);
    let sandbox = sandbox(
        &server.url("/x"),
        "expectBodyContains: \"ok\"\nretryDelay: 10ms",
    );
    let run = run(&sandbox);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "jobrun: job `job` failed after 1 attempt: GET {}: 200 OK, but the body does not contain \"ok\" (`expectBodyContains`); body: \"{{\\\"status\\\":\\\"degraded\\\"}}\"\n",
            server.url("/x")
        )
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_body_with_the_expected_text_succeeds() {
    let server = Server::start(vec![Reply::status(200).body("all ok here")]);
    let sandbox = sandbox(&server.url("/x"), "expectBodyContains: \"${WORD}\"");
    let output = sandbox
        .jobrun()
        .args(["run", "job"])
        .env("WORD", "ok")
        .output()
        .unwrap();
    let run = Run::from(output);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

// --- The idempotency key -------------------------------------------------

#[test]
fn the_idempotency_key_is_the_same_on_every_retry_and_new_each_run() {
    let server = Server::start(vec![
        Reply::status(503),
        Reply::drop_connection(),
        Reply::status(200),
        Reply::status(200),
    ]);
    let sandbox = sandbox(
        &server.url("/x"),
        "method: POST\ndata: {a: 1}\nidempotencyKey: true\nretryDelay: 10ms",
    );
    assert_eq!(run(&sandbox).code, 0);
    assert_eq!(run(&sandbox).code, 0);
    let keys: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            assert_no_duplicate_headers(r);
            r.header("idempotency-key").expect("a key").to_string()
        })
        .collect();
    assert_eq!(keys.len(), 4);
    for key in &keys {
        assert_uuid(key);
        // A run started by hand gets a random (version 4) key.
        assert_eq!(&key[14..15], "4", "{key}");
    }
    assert_eq!((&keys[0], &keys[1]), (&keys[2], &keys[2]));
    assert_ne!(keys[2], keys[3]);
}

#[test]
fn without_idempotency_key_no_key_is_sent() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = sandbox(&server.url("/x"), "method: POST\nbody: x");
    assert_eq!(run(&sandbox).code, 0);
    assert_eq!(server.requests()[0].header("idempotency-key"), None);
}

// --- TLS -------------------------------------------------------------------

#[test]
fn https_with_the_jobs_ca_file_succeeds() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, vec![Reply::status(200).body("ok")]);
    let sandbox = Sandbox::new();
    // The job file in a directory of its own, run from elsewhere: the
    // relative caFile is read beside the job file.
    std::fs::create_dir(sandbox.path("conf")).unwrap();
    let pem = ca.write_pem(&sandbox.path("conf"));
    let name = pem.file_name().unwrap().to_str().unwrap();
    sandbox.write(
        "conf/jobs.yaml",
        jobs(
            &server.url("/x"),
            &format!("caFile: {name}\nexpectBodyContains: ok"),
        ),
    );
    let run = Run::from(
        sandbox
            .jobrun()
            .args(["-c", "conf/jobs.yaml", "run", "job"])
            .output()
            .unwrap(),
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.connections(), 1);
}

#[test]
fn an_untrusted_certificate_fails_once_and_suggests_ca_file() {
    let ca = TestCa::new();
    let other = TestCa::new();
    for keys in ["", "caFile: other.pem\n"] {
        let server = Server::start_tls(&ca, vec![Reply::status(200); 4]);
        let sandbox = sandbox(&server.url("/x"), &format!("{keys}retryDelay: 10ms"));
        sandbox.write("other.pem", other.pem());
        let (run, attempts, end) = run_json(&sandbox);
        assert_eq!(run.code, 1, "{keys}");
        assert_eq!(attempts.len(), 1, "{}", run.stderr);
        assert_eq!(end["error_class"], "tls");
        assert_eq!(
            end["error"],
            "the server's TLS certificate is not trusted: it is signed by an authority this host does not trust; if the server is right, add its CA with `caFile` or to the system's store"
        );
        // One handshake, refused; no second connection.
        assert!(server.requests().is_empty());
        assert_eq!(server.connections(), 1, "{keys}");
    }
}

#[test]
fn ssl_cert_file_trusts_a_ca_without_ca_file() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, vec![Reply::status(200)]);
    let sandbox = sandbox(&server.url("/x"), "retries: 0");
    let pem = ca.write_pem(sandbox.dir.path());
    let run = Run::from(
        sandbox
            .jobrun()
            .args(["run", "job"])
            .env("SSL_CERT_FILE", &pem)
            .output()
            .unwrap(),
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_missing_ca_file_is_a_configuration_error_at_its_place() {
    let server = Server::start(vec![]);
    let sandbox = sandbox(
        &server.url("/x").replace("http:", "https:"),
        "retries: 0\ncaFile: certs/missing.pem",
    );
    let run = run(&sandbox);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("error: cannot use `caFile` `")
            && run
                .stderr
                .contains("certs/missing.pem`: no such file or directory"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("jobs.yaml:6:13"), "{}", run.stderr);
    assert_eq!(server.connections(), 0);
}

// --- The url once filled in ------------------------------------------------

#[test]
fn a_url_that_is_not_an_address_once_filled_in_is_refused_before_sending() {
    let server = Server::start(vec![]);
    let sandbox = sandbox("${BASE_URL}/x", "retries: 0");
    let run = Run::from(
        sandbox
            .jobrun()
            .args(["run", "job"])
            .env("BASE_URL", "not a url")
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains(
            "error: job `job`: the url is not a valid http(s) address once its placeholders are filled in: `not a url/x`"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("jobs.yaml:4:11"), "{}", run.stderr);
    assert!(server.requests().is_empty());
}
