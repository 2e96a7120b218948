//! What `jobrun run` says and where: quiet success, one line on failure,
//! the verbosity levels, JSON lines, the log file, the body on request,
//! disabled jobs, previews, signals, and secrets never shown on any path.
//! Every test runs the real binary against a real server on 127.0.0.1.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::server::{Reply, Server};
use common::{Sandbox, consumer};

const TOKEN: &str = "SENTINEL-token-7f3a9c";

/// A job file with one POST job `report` to `url`, plus `extra` lines.
fn jobs(url: &str, extra: &str) -> String {
    format!(
        "jobs:\n  - name: report\n    schedule: \"30 18 * * 1-5\"\n    url: \"{url}\"\n    method: POST\n    headers:\n      Authorization: \"Bearer ${{JWT_TOKEN}}\"\n    data:\n      channel: kpi\n      total: 42\n{extra}"
    )
}

fn sandbox(server: &Server, extra: &str) -> Sandbox {
    Sandbox::with_jobs(&jobs(&server.url("/report"), extra))
}

/// `jobrun ARGS` with the token set.
fn run(sandbox: &Sandbox, args: &[&str]) -> common::Run {
    run_env(sandbox, args, &[("JWT_TOKEN", TOKEN)])
}

/// `jobrun ARGS` with exactly these variables set.
fn run_env(sandbox: &Sandbox, args: &[&str], vars: &[(&str, &str)]) -> common::Run {
    let mut command = sandbox.jobrun();
    command.args(args);
    for (name, value) in vars {
        command.env(name, value);
    }
    common::Run::from(command.output().expect("runs"))
}

#[test]
fn a_successful_run_says_nothing() {
    let server = Server::start(vec![Reply::status(200).body("ok")]);
    let sandbox = sandbox(&server, "");
    let run = run(&sandbox, &["run", "report"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_failed_run_says_one_line_with_the_status_and_the_body() {
    let server = Server::start(vec![Reply::status(500).body("database\nis down")]);
    let sandbox = sandbox(&server, "    retries: 0\n");
    let run = run(&sandbox, &["run", "report"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "jobrun: job `report` failed after 1 attempt: POST {}: 500 Internal Server Error (server error); body: \"database is down\"\n",
            server.url("/report")
        )
    );
}

#[test]
fn refused_credentials_name_the_header_and_the_variable() {
    let server = Server::start(vec![Reply::status(401).body("token expired")]);
    let sandbox = sandbox(&server, "");
    let run = run(&sandbox, &["run", "report"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "401 Unauthorized; authentication failed: check the `Authorization` header and variable `JWT_TOKEN` (a rotated or expired token is the commonest cause)"
        ),
        "{}",
        run.stderr
    );
    // 401 is not retried.
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn refused_credentials_outside_the_headers_are_named_where_they_are() {
    let cases = [
        (
            "?format=csv&key=${API_KEY}",
            "authentication failed: check the `key` query parameter and variable `API_KEY`",
        ),
        (
            "?api_key=abc123",
            "authentication failed: check the `api_key` query parameter (its value is written in the job file)",
        ),
        (
            "/hooks/${HOOK_TOKEN}",
            "authentication failed: check the URL and variable `HOOK_TOKEN`",
        ),
    ];
    for (tail, expected) in cases {
        let server = Server::start(vec![Reply::status(401)]);
        let sandbox = Sandbox::with_jobs(&format!(
            "jobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"{}{tail}\"\n    retries: 0\n",
            server.url("/r")
        ));
        let run = run_env(
            &sandbox,
            &["run", "report"],
            &[("API_KEY", "k3y-value"), ("HOOK_TOKEN", "h00k-value")],
        );
        assert_eq!(run.code, 1);
        assert!(run.stderr.contains(expected), "{tail}: {}", run.stderr);
        assert!(!run.stderr.contains("no credential"), "{}", run.stderr);
    }
    let server = Server::start(vec![Reply::status(403)]);
    let url = server
        .url("/r")
        .replace("://", "://${API_USER}:${API_PASSWORD}@");
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"{url}\"\n    retries: 0\n"
    ));
    let run = run_env(
        &sandbox,
        &["run", "report"],
        &[("API_USER", "alice"), ("API_PASSWORD", "pw-value")],
    );
    assert!(
        run.stderr.contains(
            "authentication failed: check the user name and password in the URL and variables `API_USER`, `API_PASSWORD`"
        ),
        "{}",
        run.stderr
    );
    // With none at all, it says so.
    let server = Server::start(vec![Reply::status(401)]);
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"{}?format=csv\"\n    retries: 0\n",
        server.url("/r")
    ));
    let run = run_env(&sandbox, &["run", "report"], &[]);
    assert!(
        run.stderr
            .contains("the job sends no credential: no credential header, and none in its URL"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_long_body_is_cut_to_500_characters() {
    let server = Server::start(vec![Reply::status(502).body("e".repeat(2000))]);
    let sandbox = sandbox(&server, "    retries: 0\n");
    let run = run(&sandbox, &["run", "report"]);
    let excerpt = format!("body: \"{}…\"\n", "e".repeat(500));
    assert!(run.stderr.ends_with(&excerpt), "{}", run.stderr);
}

#[test]
fn quiet_says_nothing_even_on_failure() {
    let server = Server::start(vec![Reply::status(500)]);
    let sandbox = sandbox(&server, "    retries: 0\n");
    let run = run(&sandbox, &["-q", "run", "report"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (1, "", "")
    );
}

#[test]
fn verbose_shows_each_attempt_and_the_success() {
    let server = Server::start(vec![Reply::status(503), Reply::status(200)]);
    let sandbox = sandbox(&server, "    retryDelay: 10ms\n");
    let run = run(&sandbox, &["-v", "run", "report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stderr);
    assert!(
        lines[0].starts_with(&format!(
            "jobrun: report: attempt 1/4: POST {}: 503 Service Unavailable (server error) in ",
            server.url("/report")
        )),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("; retrying in "), "{}", lines[0]);
    assert!(lines[1].contains("attempt 2/4: POST"), "{}", lines[1]);
    assert!(lines[1].contains(": 200 OK in "), "{}", lines[1]);
    assert!(
        lines[2].starts_with("jobrun: job `report` succeeded: POST"),
        "{}",
        lines[2]
    );
    assert!(
        lines[2].contains("200 OK after 2 attempts in "),
        "{}",
        lines[2]
    );
}

#[test]
fn very_verbose_shows_the_headers_with_credentials_masked() {
    let server = Server::start(vec![
        Reply::status(200)
            .header("Set-Cookie", &format!("session={TOKEN}"))
            .header("X-Trace", "abc"),
    ]);
    let sandbox = sandbox(&server, "");
    let run = run(&sandbox, &["-vv", "run", "report"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains(&format!(
            "> POST /report HTTP/1.1\n> content-length: 28\n> accept: */*\n> host: {}\n",
            server.address()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("> authorization: Bearer ***\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("< 200 OK\n"), "{}", run.stderr);
    assert!(run.stderr.contains("< set-cookie: ***\n"), "{}", run.stderr);
    assert!(run.stderr.contains("< x-trace: abc\n"), "{}", run.stderr);
    assert!(!run.stderr.contains(TOKEN));
}

#[test]
fn json_lines_report_each_attempt_and_the_run() {
    let server = Server::start(vec![
        Reply::status(429).header("Retry-After", "0"),
        Reply::status(500),
    ]);
    let sandbox = sandbox(&server, "    retries: 1\n");
    let run = run(&sandbox, &["-v", "run", "report", "--log-format", "json"]);
    assert_eq!(run.code, 1);
    let lines: Vec<serde_json::Value> = run
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3, "{}", run.stderr);
    assert_eq!(lines[0]["event"], "attempt");
    assert_eq!(lines[0]["job"], "report");
    assert_eq!(lines[0]["attempt"], 1);
    assert_eq!(lines[0]["status"], 429);
    assert_eq!(lines[0]["error_class"], "http_4xx");
    assert_eq!(lines[0]["retry_in_ms"], 0);
    assert!(lines[0]["duration_ms"].is_u64());
    assert_eq!(lines[1]["attempt"], 2);
    assert_eq!(lines[1]["retry_in_ms"], serde_json::Value::Null);
    assert_eq!(lines[2]["event"], "run");
    assert_eq!(lines[2]["outcome"], "failed");
    assert_eq!(lines[2]["attempts"], 2);
    assert_eq!(lines[2]["status"], 500);
    assert_eq!(lines[2]["error_class"], "http_5xx");
}

#[test]
fn at_the_default_verbosity_json_shows_only_the_failed_run() {
    let server = Server::start(vec![Reply::status(404)]);
    let sandbox = sandbox(&server, "");
    let run = run(&sandbox, &["run", "report", "--log-format", "json"]);
    assert_eq!(run.code, 1);
    let line: serde_json::Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(line["outcome"], "failed");
    assert_eq!(line["error_class"], "http_4xx");
}

#[test]
fn the_log_file_gets_every_attempt_and_run_whatever_the_verbosity() {
    let server = Server::start(vec![
        Reply::status(200),
        Reply::status(503),
        Reply::status(200),
    ]);
    let sandbox = sandbox(&server, "    retryDelay: 10ms\n");
    let log = sandbox.path("runs.log");
    let log_arg = log.display().to_string();
    let first = run(&sandbox, &["run", "report", "--log-file", &log_arg]);
    let second = run(&sandbox, &["-q", "run", "report", "--log-file", &log_arg]);
    assert_eq!((first.code, second.code), (0, 0));
    assert_eq!(first.stderr, "");
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    // Each line starts with its time, to the millisecond, in UTC.
    for line in &lines {
        assert_eq!(&line[23..25], "Z ", "{line}");
    }
    assert!(lines[1].contains("job `report` succeeded"), "{text}");
    assert!(lines[2].contains("attempt 1/4"), "{text}");
    assert!(lines[4].contains("succeeded"), "{text}");
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&log).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the log file is private: {mode:o}");
}

#[test]
fn an_unwritable_log_file_is_an_error_naming_the_flag() {
    let server = Server::start(vec![]);
    let sandbox = sandbox(&server, "");
    let run = run(
        &sandbox,
        &["run", "report", "--log-file", "/nonexistent/dir/x.log"],
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("cannot open the log file `/nonexistent/dir/x.log`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--log-file"), "{}", run.stderr);
    assert!(server.requests().is_empty());
}

#[test]
fn a_log_file_that_cannot_be_written_is_said_once_and_the_run_exits_74() {
    let server = Server::start(vec![
        Reply::status(200).body("ok"),
        Reply::status(500).body("down"),
    ]);
    let sandbox = sandbox(&server, "    retries: 0\n");
    let said = "jobrun: job `report`: cannot write the log file `/dev/full`: no space left on device; its lines from here on are lost\n";
    // A full disk: the job still runs and is recorded, and the run says
    // once that its log is lost, with its own exit code.
    for (args, code) in [
        (&["-v", "run", "report", "--log-file", "/dev/full"][..], 74),
        (&["-q", "run", "report", "--log-file", "/dev/full"], 1),
    ] {
        let run = run(&sandbox, args);
        assert_eq!(run.code, code, "{}", run.stderr);
        assert_eq!(run.stderr.matches(said).count(), 1, "{}", run.stderr);
    }
    assert_eq!(server.requests().len(), 2);
    let history = sandbox.run(&["history", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let outcomes: Vec<&str> = rows["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["failed", "succeeded"]);
}

#[test]
fn print_body_and_output_give_the_final_body() {
    let server = Server::start(vec![
        Reply::status(200).body("{\"rows\":3}"),
        Reply::status(200).body("a,b\n1,2\n"),
    ]);
    let sandbox = sandbox(&server, "");
    let printed = run(&sandbox, &["run", "report", "--print-body"]);
    assert_eq!((printed.code, printed.stdout.as_str()), (0, "{\"rows\":3}"));
    let out = sandbox.path("report.csv");
    let written = run(
        &sandbox,
        &["run", "report", "--output", &out.display().to_string()],
    );
    assert_eq!((written.code, written.stdout.as_str()), (0, ""));
    assert_eq!(std::fs::read_to_string(out).unwrap(), "a,b\n1,2\n");
}

#[test]
fn a_body_larger_than_its_head_is_written_whole_and_searched_to_its_end() {
    // 3 MB: far more than the head kept in memory for the failure line.
    let mut body = vec![b'x'; 3_000_000];
    body.extend_from_slice(b"report done");
    let server = Server::start(vec![Reply::status(200).body(body.clone()).chunked(); 2]);
    let sandbox = sandbox(
        &server,
        "    maxResponseBytes: 8 MiB\n    expectBodyContains: \"report done\"\n",
    );
    let out = sandbox.path("body.out");
    let written = run(
        &sandbox,
        &["run", "report", "--output", &out.display().to_string()],
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(std::fs::read(&out).unwrap() == body, "the file differs");
    let printed = run(&sandbox, &["run", "report", "--print-body"]);
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    assert_eq!(printed.stdout.len(), body.len());
}

#[test]
fn text_missing_from_a_large_body_fails_with_an_excerpt_of_its_head() {
    let server = Server::start(vec![Reply::status(200).huge_body(2_000_000)]);
    let sandbox = sandbox(
        &server,
        "    retries: 0\n    maxResponseBytes: 4 MiB\n    expectBodyContains: \"report done\"\n",
    );
    let failed = run(&sandbox, &["run", "report"]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    let excerpt = format!("; body: \"{}…\"", "x".repeat(500));
    assert!(
        failed.stderr.contains("does not contain \"report done\"")
            && failed.stderr.trim_end().ends_with(&excerpt),
        "{}",
        failed.stderr
    );
}

#[test]
fn output_to_a_pipe_gets_only_the_final_response_of_several_attempts() {
    let server = Server::start(vec![
        Reply::status(503).body("first attempt, refused"),
        Reply::status(200).body("the final body"),
    ]);
    let sandbox = sandbox(&server, "    retries: 1\n    retryDelay: 10ms\n");
    // stdout is a pipe the test reads.
    let piped = run(&sandbox, &["run", "report", "--output", "/dev/stdout"]);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert_eq!(piped.stdout, "the final body");
}

#[test]
fn a_body_cut_short_leaves_no_output_file() {
    let server = Server::start(vec![Reply::status(200).huge_body(100_000)]);
    let sandbox = sandbox(&server, "    retries: 0\n    maxResponseBytes: 1 KiB\n");
    let out = sandbox.path("body.out");
    let failed = run(
        &sandbox,
        &["run", "report", "--output", &out.display().to_string()],
    );
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(!out.exists(), "a file was left");
    assert_eq!(files_beside(&out), ["jobs.yaml", "state"]);
}

/// The output file is replaced only by a body read whole: a body over
/// the limit, or cut short by the server, leaves the file of the last
/// good run as it was (its mode too), and no temporary file beside it.
#[test]
fn an_existing_output_file_is_kept_unless_a_whole_body_replaces_it() {
    use std::os::unix::fs::PermissionsExt as _;
    for bad in [
        Reply::status(200).huge_body(100_000),
        Reply::status(200).body(vec![b'x'; 500]).close_mid_body(),
    ] {
        let server = Server::start(vec![bad, Reply::status(200).body("new body")]);
        let sandbox = sandbox(&server, "    retries: 0\n    maxResponseBytes: 1 KiB\n");
        let out = sandbox.write("body.out", "the last good body");
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
        let args = ["run", "report", "--output", "body.out"];
        let failed = run(&sandbox, &args);
        assert_eq!(failed.code, 1, "{}", failed.stderr);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "the last good body");
        assert_eq!(files_beside(&out), ["body.out", "jobs.yaml", "state"]);
        let replaced = run(&sandbox, &args);
        assert_eq!(replaced.code, 0, "{}", replaced.stderr);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new body");
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(files_beside(&out), ["body.out", "jobs.yaml", "state"]);
    }
}

/// The names in `path`'s directory, sorted.
fn files_beside(path: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_disabled_job_does_not_run_unless_forced() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = sandbox(&server, "    enabled: false\n");
    let skipped = run(&sandbox, &["run", "report"]);
    assert_eq!(skipped.code, 0);
    assert_eq!(
        skipped.stderr,
        "jobrun: job `report` is disabled (`enabled: false` in jobs.yaml:2), so it did not run; remove it from the schedule, or use `--force` to run it anyway\n"
    );
    assert!(server.requests().is_empty());
    let forced = run(&sandbox, &["run", "report", "--force"]);
    assert_eq!((forced.code, forced.stderr.as_str()), (0, ""));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_preview_of_a_disabled_job_says_it_is_disabled() {
    let server = Server::start(vec![]);
    let sandbox = sandbox(&server, "    enabled: false\n");
    for preview in ["--dry-run", "--as-curl"] {
        let shown = run(&sandbox, &["run", "report", preview]);
        assert_eq!(shown.code, 0, "{}", shown.stderr);
        assert!(!shown.stdout.is_empty());
        assert_eq!(
            shown.stderr,
            "jobrun: note: job `report` is disabled (`enabled: false` in jobs.yaml:2): it runs only with `--force`\n",
            "{preview}"
        );
        let quiet = run(&sandbox, &["-q", "run", "report", preview]);
        assert_eq!(quiet.stderr, "", "{preview}");
    }
    assert!(server.requests().is_empty());
}

#[test]
fn dry_run_prints_the_request_masked_and_sends_nothing() {
    let server = Server::start(vec![]);
    let sandbox = sandbox(&server, "");
    let run = run(&sandbox, &["run", "report", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "POST {}\ncontent-length: 28\naccept: */*\nhost: {}\nauthorization: Bearer ***\ncontent-type: application/json\nuser-agent: jobrun/{}\n\n{{\"channel\":\"kpi\",\"total\":42}}\n",
            server.url("/report"),
            server.address(),
            env!("CARGO_PKG_VERSION")
        )
    );
    std::thread::sleep(Duration::from_millis(50));
    assert!(server.requests().is_empty());
}

/// The header lines of a request head, `name: value`, in order.
fn header_lines(head: &str) -> Vec<String> {
    head.lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn dry_run_and_vv_show_the_request_as_the_server_receives_it() {
    let jobs = [
        "    method: POST\n    headers: {X-Channel: kpi}\n    data: {total: 42}\n",
        "    method: GET\n",
        "    method: PUT\n",
        "    method: DELETE\n    headers: {Accept: text/csv, User-Agent: reports/2}\n",
        "    method: PATCH\n    body: \"a=1&b=2\"\n    headers: {Content-Type: application/x-www-form-urlencoded}\n",
        "    method: HEAD\n",
    ];
    for extra in jobs {
        let server = Server::start(vec![Reply::status(200)]);
        let sandbox = Sandbox::with_jobs(&format!(
            "jobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"{}?day=mon\"\n    retries: 0\n{extra}",
            server.url("/report")
        ));
        let dry = run_env(&sandbox, &["run", "report", "--dry-run"], &[]);
        assert_eq!(dry.code, 0, "{}", dry.stderr);
        let verbose = run_env(&sandbox, &["-vv", "run", "report"], &[]);
        assert_eq!(verbose.code, 0, "{}", verbose.stderr);
        let received = &server.requests()[0];
        let wire: Vec<&str> = received
            .head
            .lines()
            .take_while(|l| !l.is_empty())
            .collect();
        // --dry-run: the method and URL, then the headers exactly as sent.
        assert_eq!(
            dry.stdout.lines().next().unwrap(),
            format!("{} {}?day=mon", received.method, server.url("/report")),
            "{extra}"
        );
        assert_eq!(header_lines(&dry.stdout), wire[1..], "{extra}");
        if !received.body.is_empty() {
            assert!(
                dry.stdout
                    .ends_with(&format!("\n\n{}\n", received.body_text())),
                "{extra}: {}",
                dry.stdout
            );
        }
        // -vv: the head as sent, request line included, as curl -v shows it.
        let shown: Vec<&str> = verbose
            .stderr
            .lines()
            .filter_map(|l| l.strip_prefix("> "))
            .collect();
        assert_eq!(shown, wire, "{extra}");
    }
}

#[test]
fn dry_run_masks_secrets_in_the_headers_as_sent() {
    let server = Server::start(vec![]);
    let sandbox = sandbox(&server, "");
    let run = run(&sandbox, &["run", "report", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\nauthorization: Bearer ***\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(TOKEN), "{}", run.stdout);
    assert!(server.requests().is_empty());
}

/// `run report --as-curl`, checked to send nothing itself./// `run report --as-curl`, checked to send nothing itself.
fn as_curl(server: &Server, sandbox: &Sandbox) -> String {
    let run = run(sandbox, &["run", "report", "--as-curl"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(server.requests().is_empty());
    run.stdout
}

#[test]
fn as_curl_keeps_secrets_as_references() {
    let server = Server::start(vec![]);
    let printed = as_curl(&server, &sandbox(&server, ""));
    assert!(!printed.contains(TOKEN));
    assert!(
        printed.contains("--header 'Authorization: Bearer '\"${JWT_TOKEN}\""),
        "{printed}"
    );
}

#[test]
#[ignore = "consumer: needs curl"]
fn as_curl_pasted_where_the_token_is_set_sends_what_jobrun_sends() {
    consumer::require("curl");
    let server = Server::start(vec![Reply::status(200)]);
    let printed = as_curl(&server, &sandbox(&server, ""));
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{} --silent --output /dev/null", printed.trim()))
        .env("JWT_TOKEN", TOKEN)
        .status()
        .expect("sh runs");
    assert!(status.success(), "the pasted command failed:\n{printed}");
    let received = &server.requests()[0];
    assert_eq!(
        received.header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(received.body_text(), "{\"channel\":\"kpi\",\"total\":42}");
}

/// Start `jobrun run report` against a server that never answers, and
/// send it `signal` once the request has arrived.
fn stopped_by(signal: libc::c_int) -> (i32, String, Duration) {
    let server = Server::start(vec![Reply::status(200).delay(Duration::from_secs(30))]);
    let sandbox = sandbox(&server, "    timeout: 60s\n");
    let child = sandbox
        .process()
        .args(["run", "report"])
        .env("JWT_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    server.wait_for_requests(1, Duration::from_secs(10));
    let sent = Instant::now();
    // SAFETY: kill(2) on the pid of a child this test started and has not
    // yet reaped.
    let sent_ok = unsafe { libc::kill(child.id() as libc::pid_t, signal) } == 0;
    assert!(sent_ok);
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().expect("exited by itself, not killed"),
        String::from_utf8(output.stderr).unwrap(),
        sent.elapsed(),
    )
}

#[test]
fn sigterm_stops_the_run_at_once_with_143() {
    let (code, stderr, took) = stopped_by(libc::SIGTERM);
    assert_eq!(code, 143);
    assert_eq!(
        stderr,
        "jobrun: job `report` stopped by SIGTERM during attempt 1\n"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn sigint_stops_the_run_at_once_with_130() {
    let (code, stderr, took) = stopped_by(libc::SIGINT);
    assert_eq!(code, 130);
    assert!(stderr.contains("stopped by SIGINT"), "{stderr}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

/// Every path that writes: success and failure, each verbosity and format,
/// the log file, previews and the body. The token comes from `.env`, the
/// password from the environment; the server echoes both back in its
/// headers and body, and in a redirect location.
#[test]
fn secrets_never_appear_in_anything_jobrun_writes() {
    const PASSWORD: &str = "SENTINEL-password-51bd";
    let echo = format!("token={TOKEN} password={PASSWORD}");
    let replies = |n: usize| -> Vec<Reply> {
        (0..n)
            .flat_map(|_| {
                [
                    Reply::status(503)
                        .header("X-Echo", &echo)
                        .body(format!("{{\"echo\":\"{echo}\"}}")),
                    Reply::status(200)
                        .header("Set-Cookie", &format!("s={TOKEN}"))
                        .body(echo.clone()),
                    Reply::redirect(302, &format!("https://elsewhere.invalid/?t={TOKEN}")),
                ]
            })
            .collect()
    };
    let server = Server::start(replies(20));
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"{}?key=${{JWT_TOKEN}}\"\n    method: POST\n    retries: 0\n    headers:\n      Authorization: \"Bearer ${{JWT_TOKEN}}\"\n    data:\n      password: \"${{DB_PASSWORD}}\"\n",
        server.url("/report")
    ));
    sandbox.write(".env", format!("JWT_TOKEN={TOKEN}\n"));
    let log = sandbox.path("runs.log").display().to_string();
    let mut outputs = Vec::new();
    let commands: &[&[&str]] = &[
        &["run", "report"],
        &["-v", "run", "report"],
        &["-vv", "run", "report"],
        &["-vv", "run", "report", "--log-format", "json"],
        &["run", "report", "--print-body", "--log-file", &log],
        &[
            "-v",
            "run",
            "report",
            "--log-format",
            "json",
            "--log-file",
            &log,
        ],
        &["run", "report", "--dry-run"],
        &["run", "report", "--as-curl"],
        &["list", "--json"],
        &["validate", "--env"],
    ];
    for _ in 0..3 {
        for args in commands {
            let output = sandbox
                .jobrun()
                .args(*args)
                .env("DB_PASSWORD", PASSWORD)
                .output()
                .unwrap();
            outputs.push((args.join(" "), output.stdout));
            outputs.push((args.join(" "), output.stderr));
        }
    }
    outputs.push(("log file".into(), std::fs::read(&log).unwrap()));
    let received = server.requests();
    assert!(received.len() >= 6, "the runs reached the server");
    assert!(
        received[0].body_text().contains(PASSWORD),
        "the secret was sent"
    );
    for (what, bytes) in outputs {
        let text = String::from_utf8_lossy(&bytes);
        for secret in [TOKEN, PASSWORD] {
            assert!(!text.contains(secret), "`{what}` shows a secret:\n{text}");
        }
    }
}

#[test]
fn a_closed_stdout_does_not_change_the_jobs_exit_code() {
    let server = Server::start(vec![Reply::status(500).body("x".repeat(200_000))]);
    let sandbox = sandbox(&server, "    retries: 0\n");
    let mut child = sandbox
        .process()
        .args(["run", "report", "--print-body"])
        .env("JWT_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

#[test]
fn a_variable_that_breaks_a_header_line_is_refused_before_sending() {
    let server = Server::start(vec![]);
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"{}\"\n    headers:\n      X-Channel: \"kpi-${{CHANNEL}}\"\n",
        server.url("/")
    ));
    let run = run_env(
        &sandbox,
        &["run", "report"],
        &[("CHANNEL", "a\r\nX-Injected: 1")],
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains(
            "error: job `report`: header `X-Channel` contains a line break or control character once its placeholders are filled in\n --> jobs.yaml:6:23"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("check the value of `CHANNEL`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("X-Injected"), "{}", run.stderr);
    assert!(server.requests().is_empty());
}

#[test]
fn url_userinfo_is_sent_as_basic_auth_and_never_shown() {
    // The server echoes the header back in its error body.
    let basic = "Basic YWxpY2U6czNjcjN0cHc="; // alice:s3cr3tpw
    let server = Server::start(vec![
        Reply::status(500).body(format!("got authorization: {basic}")),
    ]);
    let url = server.url("/x").replace("://", "://${USERNAME}:${PASSWD}@");
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"{url}\"\n    retries: 0\n"
    ));
    let run_with = |args: &[&str]| {
        run_env(
            &sandbox,
            args,
            &[("USERNAME", "alice"), ("PASSWD", "s3cr3tpw")],
        )
    };
    let failed = run_with(&["-vv", "run", "report"]);
    assert_eq!(failed.code, 1);
    let received = &server.requests()[0];
    assert_eq!(received.header("authorization"), Some(basic));
    let dry = run_with(&["run", "report", "--dry-run"]);
    assert!(
        dry.stdout.contains("authorization: Basic ***\n"),
        "{}",
        dry.stdout
    );
    for text in [&failed.stderr, &dry.stdout] {
        assert!(!text.contains("YWxpY2U6czNjcjN0cHc="), "{text}");
        assert!(!text.contains("s3cr3tpw"), "{text}");
        assert!(!text.contains("alice:"), "{text}");
    }
}

#[test]
fn a_short_secret_leaves_json_lines_valid_and_addresses_whole() {
    let server = Server::start(vec![Reply::status(500)]);
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"{}?v=${{KEY_VERSION}}\"\n    retries: 0\n",
        server.url("/x")
    ));
    let run = run_env(
        &sandbox,
        &["-v", "run", "report", "--log-format", "json"],
        &[("KEY_VERSION", "1")],
    );
    for line in run.stderr.lines() {
        let json: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
        assert_eq!(
            json["attempts"].as_u64().or(json["attempt"].as_u64()),
            Some(1)
        );
        assert_eq!(json["url"], format!("{}?v=***", server.url("/x")));
    }
}

#[test]
fn a_body_that_is_not_utf8_is_still_masked_when_printed() {
    let mut body = b"caf\xe9 token=".to_vec();
    body.extend_from_slice(TOKEN.as_bytes());
    let server = Server::start(vec![Reply::status(200).body(body)]);
    let sandbox = sandbox(&server, "");
    let output = sandbox
        .jobrun()
        .args(["run", "report", "--print-body"])
        .env("JWT_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(output.stdout, b"caf\xe9 token=***");
}

#[test]
fn a_socks_proxy_is_refused_naming_the_variable() {
    let server = Server::start(vec![]);
    let sandbox = sandbox(&server, "");
    let run = run_env(
        &sandbox,
        &["run", "report"],
        &[("JWT_TOKEN", TOKEN), ("http_proxy", "socks5://127.0.0.1:1")],
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains(
            "error: `http_proxy` names a socks5 proxy; jobrun goes through http and https proxies only"
        ),
        "{}",
        run.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn an_unwritable_output_file_is_found_before_the_request_is_sent() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = sandbox(&server, "");
    let run = run(
        &sandbox,
        &["run", "report", "--output", "/nonexistent/dir/out"],
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("cannot write the response body to `/nonexistent/dir/out`"),
        "{}",
        run.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_header_value_that_is_not_ascii_is_refused_before_sending() {
    let server = Server::start(vec![]);
    let sandbox = sandbox(&server, "");
    let run = run_env(&sandbox, &["run", "report"], &[("JWT_TOKEN", "tökentoken")]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("header `Authorization` contains a character that is not ASCII"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("tökentoken"));
    assert!(server.requests().is_empty());
}

#[test]
fn a_signal_during_a_wait_says_it_came_between_attempts() {
    let server = Server::start(vec![Reply::status(503).header("Retry-After", "20")]);
    let sandbox = sandbox(&server, "    maxRetryDelay: 1m\n");
    let child = sandbox
        .process()
        .args(["run", "report"])
        .env("JWT_TOKEN", TOKEN)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    server.wait_for_requests(1, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: kill(2) on the pid of a child this test started.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(143));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "jobrun: job `report` stopped by SIGTERM while waiting to retry after attempt 1\n"
    );
}

#[test]
fn a_failure_after_a_redirect_names_where_the_request_was() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!(
        "http://127.0.0.1:{}/moved",
        closed.local_addr().unwrap().port()
    );
    drop(closed);
    let server = Server::start(vec![Reply::redirect(302, &target)]);
    let sandbox = sandbox(
        &server,
        "    retries: 0\n    followRedirects: cross-origin\n",
    );
    let run = run(&sandbox, &["run", "report"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&format!(
            "cannot connect: connection refused (at `{target}`, where a redirect led)"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_put_without_a_body_says_content_length_zero() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"{}\"\n    method: PUT\n",
        server.url("/x")
    ));
    assert_eq!(sandbox.run(&["run", "report"]).code, 0);
    let received = &server.requests()[0];
    assert_eq!(received.header("content-length"), Some("0"));
    assert_eq!(received.header("transfer-encoding"), None);
}

#[test]
fn log_lines_are_stamped_when_their_event_happened() {
    let server = Server::start(vec![Reply::status(200).delay(Duration::from_millis(700))]);
    let sandbox = sandbox(&server, "");
    let log = sandbox.path("runs.log");
    let before = jiff::Timestamp::now();
    let run = run(
        &sandbox,
        &["run", "report", "--log-file", &log.display().to_string()],
    );
    assert_eq!(run.code, 0);
    let text = std::fs::read_to_string(&log).unwrap();
    let stamp: jiff::Timestamp = text[..24].parse().unwrap();
    let after_start = stamp.duration_since(before);
    assert!(
        after_start >= jiff::SignedDuration::from_millis(650),
        "the attempt line is stamped {after_start:?} after the run began:\n{text}"
    );
}
