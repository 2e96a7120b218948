//! `run --as-curl`: the printed command, pasted into `sh`, sends what
//! `jobrun run` sends, and never runs anything but curl. The printed text
//! is checked by default. Pasting it needs curl, so those tests are in the
//! consumers group (tests/common/consumer.rs): each runs the job with
//! jobrun against one loopback server and the pasted command against an
//! identical one, and compares what the two received.

mod common;

use std::path::Path;

use common::server::{Received, Reply, Server};
use common::{Sandbox, consumer};

/// What both servers answer, in order.
type Script = fn() -> Vec<Reply>;

fn ok() -> Vec<Reply> {
    vec![Reply::status(200)]
}

/// A 302 to `/next`, then 200.
fn redirect_then_ok() -> Vec<Reply> {
    vec![Reply::redirect(302, "/next"), Reply::status(200)]
}

/// What `jobrun run probe --as-curl` prints for `jobs(origin)`, with `env`
/// set, in a sandbox of its own; `server` must receive nothing.
fn print(
    server: &Server,
    jobs: &impl Fn(&str) -> String,
    env: &[(&str, &str)],
) -> (Sandbox, String) {
    let sandbox = Sandbox::with_jobs(&jobs(&server.origin()));
    let printed = common::Run::from(
        sandbox
            .jobrun()
            .args(["run", "probe", "--as-curl"])
            .envs(env.iter().copied())
            .output()
            .expect("jobrun runs"),
    );
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    assert!(server.requests().is_empty(), "--as-curl sent a request");
    (sandbox, printed.stdout)
}

/// The command printed for job `probe` of `jobs(origin)`.
fn as_curl(jobs: impl Fn(&str) -> String, env: &[(&str, &str)]) -> String {
    print(&Server::start(vec![]), &jobs, env).1
}

/// What a pasted command did: the text printed, the requests each server
/// received, and the shell's stderr.
struct Pasted {
    printed: String,
    jobrun: Vec<Received>,
    curl: Vec<Received>,
    shell_stderr: String,
}

/// Run job `probe` from `jobs(origin)` both ways, with `env` set for
/// jobrun and exported in the shell.
fn paste(jobs: impl Fn(&str) -> String, env: &[(&str, &str)], script: Script) -> Pasted {
    consumer::require("curl");
    let direct = Server::start(script());
    let sandbox = Sandbox::with_jobs(&jobs(&direct.origin()));
    let run = sandbox
        .jobrun()
        .args(["run", "probe"])
        .envs(env.iter().copied())
        .output()
        .expect("jobrun runs");
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "jobrun run: {stderr}");

    let pasted = Server::start(script());
    let (sandbox, printed) = print(&pasted, &jobs, env);
    let shell = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} --silent --show-error --output /dev/null",
            printed.trim_end()
        ))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .current_dir(sandbox.dir.path())
        .output()
        .expect("sh runs");
    let shell_stderr = String::from_utf8_lossy(&shell.stderr).into_owned();
    assert!(shell.status.success(), "{printed}\n{shell_stderr}");
    Pasted {
        printed,
        jobrun: direct.requests(),
        curl: pasted.requests(),
        shell_stderr,
    }
}

/// What a request is made of, for comparing: method, target, the headers
/// that carry meaning (names in lower case, in order), and the body. The
/// connection's own headers differ between clients and mean nothing here.
fn essence(request: &Received) -> (String, String, Vec<(String, String)>, Vec<u8>) {
    // Framing too: the bodies are compared byte for byte, and jobrun frames
    // an empty PUT body as chunked where curl sends none.
    const TRANSPORT: &[&str] = &[
        "host",
        "connection",
        "accept-encoding",
        "content-length",
        "transfer-encoding",
    ];
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .filter(|(n, _)| !TRANSPORT.contains(&n.as_str()))
        .collect();
    headers.sort();
    (
        request.method.clone(),
        request.target.clone(),
        headers,
        request.body.clone(),
    )
}

impl Pasted {
    fn assert_same_requests(&self) {
        let jobrun: Vec<_> = self.jobrun.iter().map(essence).collect();
        let curl: Vec<_> = self.curl.iter().map(essence).collect();
        assert_eq!(jobrun, curl, "printed:\n{}", self.printed);
    }
}

/// A job file with one job `probe`: `lines` are its keys after `schedule`.
fn job(lines: &'static str) -> impl Fn(&str) -> String {
    move |origin| {
        let host = origin.trim_start_matches("http://");
        let lines = lines.replace("ORIGIN_HOST", host).replace("ORIGIN", origin);
        format!("jobs:\n  - name: probe\n    schedule: \"* * * * *\"\n{lines}")
    }
}

/// A literal body holding jobrun's placeholder markers around a command.
const LITERAL_MARKERS: &str = "    url: \"ORIGIN/x\"\n    method: POST\n    body: \"a \\uE000X:-$(echo INJECTED >&2)\\uE001 b\"\n";

#[test]
fn marker_characters_in_a_literal_body_are_printed_single_quoted() {
    let printed = as_curl(job(LITERAL_MARKERS), &[]);
    assert!(
        printed.contains("--data-raw 'a \u{E000}X:-$(echo INJECTED >&2)\u{E001} b'"),
        "{printed}"
    );
}

#[test]
#[ignore = "consumer: needs curl"]
fn marker_characters_in_a_literal_body_run_nothing() {
    let pasted = paste(job(LITERAL_MARKERS), &[], ok);
    assert!(
        !pasted.shell_stderr.contains("INJECTED"),
        "{}",
        pasted.shell_stderr
    );
    pasted.assert_same_requests();
    assert_eq!(
        pasted.curl[0].body_text(),
        "a \u{E000}X:-$(echo INJECTED >&2)\u{E001} b"
    );
}

/// Jobs sending `NOTE`, a value holding jobrun's placeholder markers
/// around a command, and the secret `API_TOKEN`.
const VARIABLE_MARKERS: [&str; 2] = [
    "    url: \"ORIGIN/x\"\n    method: POST\n    body: \"${NOTE}\"\n",
    "    url: \"ORIGIN/x\"\n    method: POST\n    data:\n      note: \"${NOTE}\"\n      token: \"${API_TOKEN}\"\n",
];
const API_TOKEN: &str = "tok-123456789";

/// A `NOTE` value whose command, were it run, creates `pwned`.
fn marker_note(pwned: &Path) -> String {
    format!("hello \u{E000}X:-$(touch {})\u{E001} bye", pwned.display())
}

#[test]
fn a_variable_value_with_marker_characters_is_printed_as_a_reference() {
    let note = marker_note(Path::new("/nonexistent/PWNED"));
    let env = [("NOTE", note.as_str()), ("API_TOKEN", API_TOKEN)];
    for lines in VARIABLE_MARKERS {
        let printed = as_curl(job(lines), &env);
        assert!(!printed.contains("${X"), "{printed}");
        assert!(!printed.contains(API_TOKEN), "{printed}");
    }
}

#[test]
#[ignore = "consumer: needs curl"]
fn marker_characters_in_a_variable_value_run_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pwned = dir.path().join("PWNED");
    let note = marker_note(&pwned);
    let env = [("NOTE", note.as_str()), ("API_TOKEN", API_TOKEN)];
    for lines in VARIABLE_MARKERS {
        let pasted = paste(job(lines), &env, ok);
        assert!(!pwned.exists(), "the command ran:\n{}", pasted.printed);
        pasted.assert_same_requests();
    }
}

const POST_FOLLOWING_REDIRECTS: &str = "    url: \"ORIGIN/x\"\n    method: POST\n    followRedirects: cross-origin\n    data:\n      a: 1\n";

#[test]
fn a_post_following_redirects_is_printed_with_location_and_no_request_flag() {
    let printed = as_curl(job(POST_FOLLOWING_REDIRECTS), &[]);
    assert!(!printed.contains("--request"), "{printed}");
    assert!(printed.contains("--location --max-redirs 5"), "{printed}");
}

#[test]
#[ignore = "consumer: needs curl"]
fn post_with_a_body_becomes_get_after_a_302_as_jobrun_makes_it() {
    let pasted = paste(job(POST_FOLLOWING_REDIRECTS), &[], redirect_then_ok);
    // curl sends `--header`s on every request, so the GET after the 302
    // still says `Content-Type`, where jobrun drops it with the body.
    assert_eq!(essence(&pasted.jobrun[0]), essence(&pasted.curl[0]));
    assert_eq!(pasted.curl.len(), 2);
    let second = |r: &Received| (r.method.clone(), r.target.clone(), r.body.clone());
    assert_eq!(second(&pasted.jobrun[1]), second(&pasted.curl[1]));
    assert_eq!(pasted.curl[1].method, "GET");
}

/// Same-origin redirects, followed by default, and none.
const SAME_ORIGIN_ONLY: &str = "    url: \"ORIGIN/x\"\n";
const NO_REDIRECTS: &str = "    url: \"ORIGIN/x\"\n    followRedirects: none\n";

#[test]
fn a_comment_says_same_origin_redirects_are_not_followed() {
    let printed = as_curl(job(SAME_ORIGIN_ONLY), &[]);
    assert!(
        printed.starts_with(
            "# jobrun follows same-origin redirects (up to 5); this command follows none\ncurl \\\n"
        ),
        "{printed}"
    );
    assert!(!printed.contains("--location"), "{printed}");

    let printed = as_curl(job(NO_REDIRECTS), &[]);
    assert!(printed.starts_with("curl \\\n"), "{printed}");
    assert!(!printed.contains("--location"), "{printed}");
}

#[test]
#[ignore = "consumer: needs curl"]
fn same_origin_redirects_are_not_followed() {
    let pasted = paste(job(SAME_ORIGIN_ONLY), &[], redirect_then_ok);
    assert_eq!((pasted.jobrun.len(), pasted.curl.len()), (2, 1));
    assert_eq!(essence(&pasted.jobrun[0]), essence(&pasted.curl[0]));

    let pasted = paste(job(NO_REDIRECTS), &[], ok);
    pasted.assert_same_requests();
}

/// A body with no `Content-Type`, and one with a `Content-Type` header.
const BODY_WITHOUT_TYPE: &str = "    url: \"ORIGIN/x\"\n    method: PUT\n    body: \"a=1&b=2\"\n";
const BODY_WITH_TYPE: &str = "    url: \"ORIGIN/x\"\n    method: POST\n    headers:\n      Content-Type: text/plain\n    body: \"hi\"\n";

#[test]
fn a_body_without_a_content_type_is_printed_with_an_empty_one() {
    let printed = as_curl(job(BODY_WITHOUT_TYPE), &[]);
    assert!(printed.contains("--header 'Content-Type:'"), "{printed}");
    let printed = as_curl(job(BODY_WITH_TYPE), &[]);
    assert!(!printed.contains("'Content-Type:'"), "{printed}");
}

#[test]
#[ignore = "consumer: needs curl"]
fn a_body_is_sent_without_a_content_type_unless_the_job_gives_one() {
    let pasted = paste(job(BODY_WITHOUT_TYPE), &[], ok);
    pasted.assert_same_requests();
    assert_eq!(pasted.curl[0].header("content-type"), None);

    let pasted = paste(job(BODY_WITH_TYPE), &[], ok);
    pasted.assert_same_requests();
    assert_eq!(pasted.curl[0].header("content-type"), Some("text/plain"));
}

const EMPTY_HEADERS: &str =
    "    url: \"ORIGIN/x\"\n    headers:\n      X-Empty: \"\"\n      X-Api-Key: \"${API_KEY}\"\n";

#[test]
fn an_empty_header_is_printed_with_curls_semicolon() {
    let printed = as_curl(job(EMPTY_HEADERS), &[("API_KEY", "")]);
    assert!(printed.contains("--header 'X-Empty;'"), "{printed}");
    assert!(printed.contains("--header 'X-Api-Key;'"), "{printed}");
}

#[test]
#[ignore = "consumer: needs curl"]
fn an_empty_header_is_sent_empty() {
    let pasted = paste(job(EMPTY_HEADERS), &[("API_KEY", "")], ok);
    pasted.assert_same_requests();
    assert_eq!(pasted.curl[0].header("x-empty"), Some(""));
    assert_eq!(pasted.curl[0].header("x-api-key"), Some(""));
}

/// Placeholders with defaults, two of whose secrets are set but empty.
const DEFAULTS: &str = "    url: \"ORIGIN/x?t=${QUERY_TOKEN:-anonymous}&u=${USER_TOKEN:-nobody}\"\n    headers:\n      X-Region: \"${REGION_TOKEN:-eu}\"\n";
const DEFAULTS_ENV: [(&str, &str); 3] = [
    ("QUERY_TOKEN", ""),
    ("USER_TOKEN", "u-secret-1234"),
    ("API_KEY", ""),
];

#[test]
fn a_default_is_printed_when_the_secret_is_set_but_empty() {
    let printed = as_curl(job(DEFAULTS), &DEFAULTS_ENV);
    assert!(printed.contains("t=anonymous"), "{printed}");
    assert!(printed.contains("\"${USER_TOKEN}\""), "{printed}");
    assert!(!printed.contains("u-secret-1234"), "{printed}");
    assert!(printed.contains("--header 'X-Region: eu'"), "{printed}");
}

#[test]
#[ignore = "consumer: needs curl"]
fn a_default_is_used_when_the_secret_is_set_but_empty() {
    let pasted = paste(job(DEFAULTS), &DEFAULTS_ENV, ok);
    pasted.assert_same_requests();
    assert_eq!(pasted.curl[0].target, "/x?t=anonymous&u=u-secret-1234");
}

const USERINFO: &str = "    url: \"http://${USER_NAME}:${DB_PASS}@ORIGIN_HOST/x\"\n";
const PASSWORD: &str = "pw-SENTINEL-9a1f";
const USERINFO_ENV: [(&str, &str); 2] = [("USER_NAME", "alice"), ("DB_PASS", PASSWORD)];

#[test]
fn url_userinfo_stays_a_reference() {
    let printed = as_curl(job(USERINFO), &USERINFO_ENV);
    assert!(printed.contains("\"${DB_PASS}\""), "{printed}");
    assert!(!printed.contains(PASSWORD), "{printed}");
    assert!(!printed.contains("Authorization"), "{printed}");
}

#[test]
#[ignore = "consumer: needs curl"]
fn curl_makes_the_basic_auth_from_url_userinfo() {
    let pasted = paste(job(USERINFO), &USERINFO_ENV, ok);
    pasted.assert_same_requests();
    assert!(
        pasted.curl[0]
            .header("authorization")
            .is_some_and(|v| v.starts_with("Basic "))
    );
}

/// Job lines for each method other than GET and POST, with curl's flag.
fn methods() -> impl Iterator<Item = (&'static str, &'static str)> {
    [
        ("HEAD", "--head"),
        ("PUT", "--request PUT"),
        ("DELETE", "--request DELETE"),
    ]
    .into_iter()
    .map(|(method, flag)| {
        let lines: &'static str =
            Box::leak(format!("    url: \"ORIGIN/x\"\n    method: {method}\n").into_boxed_str());
        (lines, flag)
    })
}

#[test]
fn head_put_and_delete_are_printed_with_their_flags() {
    for (lines, flag) in methods() {
        let printed = as_curl(job(lines), &[]);
        assert!(printed.contains(flag), "{printed}");
    }
}

#[test]
#[ignore = "consumer: needs curl"]
fn head_and_put_keep_their_methods() {
    for (lines, _) in methods() {
        paste(job(lines), &[], ok).assert_same_requests();
    }
}

#[test]
fn a_secret_that_json_must_escape_is_named_in_a_comment() {
    let printed = common::Run::from(
        Sandbox::with_jobs(&job("    url: \"http://127.0.0.1:9/x\"\n    method: POST\n    data:\n      password: \"${DB_PASSWORD}\"\n")(""))
            .jobrun()
            .args(["run", "probe", "--as-curl"])
            .env("DB_PASSWORD", "a\"b\\c")
            .output()
            .unwrap(),
    );
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    assert!(
        printed
            .stdout
            .contains("# the value of DB_PASSWORD needs escaping in JSON"),
        "{}",
        printed.stdout
    );
    assert!(
        printed
            .stdout
            .contains("'{\"password\":\"'\"${DB_PASSWORD}\"'\"}'"),
        "{}",
        printed.stdout
    );
}

#[test]
fn a_literal_secret_header_is_masked_and_named_in_a_comment() {
    let printed = common::Run::from(
        Sandbox::with_jobs(&job("    url: \"http://127.0.0.1:9/x\"\n    headers:\n      Authorization: \"Bearer literal-secret-value\"\n")(""))
            .jobrun()
            .args(["run", "probe", "--as-curl"])
            .output()
            .unwrap(),
    );
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    assert!(
        !printed.stdout.contains("literal-secret-value"),
        "{}",
        printed.stdout
    );
    assert!(
        printed
            .stdout
            .contains("--header 'Authorization: Bearer ***'"),
        "{}",
        printed.stdout
    );
    assert!(
        printed
            .stdout
            .contains("# the Authorization header holds a secret written in the job file, shown as ***: fill it in by hand\n"),
        "{}",
        printed.stdout
    );
}
