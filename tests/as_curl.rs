//! `run --as-curl`: the printed command, pasted into `sh`, sends what
//! `jobrun run` sends, and never runs anything but curl. Each test runs the
//! job with jobrun against one loopback server and the pasted command
//! against an identical one, and compares what the two received.

mod common;

use common::Sandbox;
use common::server::{Received, Reply, Server};

/// What both servers answer, in order.
type Script = fn() -> Vec<Reply>;

fn ok() -> Vec<Reply> {
    vec![Reply::status(200)]
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
    let sandbox = Sandbox::with_jobs(&jobs(&pasted.origin()));
    let printed = common::Run::from(
        sandbox
            .jobrun()
            .args(["run", "probe", "--as-curl"])
            .envs(env.iter().copied())
            .output()
            .expect("jobrun runs"),
    );
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    assert!(pasted.requests().is_empty(), "--as-curl sent a request");
    let shell = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} --silent --show-error --output /dev/null",
            printed.stdout.trim_end()
        ))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .current_dir(sandbox.dir.path())
        .output()
        .expect("sh runs");
    let shell_stderr = String::from_utf8_lossy(&shell.stderr).into_owned();
    assert!(shell.status.success(), "{}\n{shell_stderr}", printed.stdout);
    Pasted {
        printed: printed.stdout,
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

#[test]
fn marker_characters_in_a_literal_body_run_nothing() {
    let pasted = paste(
        job(
            "    url: \"ORIGIN/x\"\n    method: POST\n    body: \"a \\uE000X:-$(echo INJECTED >&2)\\uE001 b\"\n",
        ),
        &[],
        ok,
    );
    assert!(
        !pasted.shell_stderr.contains("INJECTED"),
        "{}",
        pasted.shell_stderr
    );
    assert!(
        pasted
            .printed
            .contains("--data-raw 'a \u{E000}X:-$(echo INJECTED >&2)\u{E001} b'"),
        "{}",
        pasted.printed
    );
    pasted.assert_same_requests();
    assert_eq!(
        pasted.curl[0].body_text(),
        "a \u{E000}X:-$(echo INJECTED >&2)\u{E001} b"
    );
}

#[test]
fn marker_characters_in_a_variable_value_run_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pwned = dir.path().join("PWNED");
    let note = format!("hello \u{E000}X:-$(touch {})\u{E001} bye", pwned.display());
    let env = [("NOTE", note.as_str()), ("API_TOKEN", "tok-123456789")];
    for lines in [
        "    url: \"ORIGIN/x\"\n    method: POST\n    body: \"${NOTE}\"\n",
        "    url: \"ORIGIN/x\"\n    method: POST\n    data:\n      note: \"${NOTE}\"\n      token: \"${API_TOKEN}\"\n",
    ] {
        let pasted = paste(job(lines), &env, ok);
        assert!(!pwned.exists(), "the command ran:\n{}", pasted.printed);
        assert!(!pasted.printed.contains("${X"), "{}", pasted.printed);
        assert!(
            !pasted.printed.contains("tok-123456789"),
            "{}",
            pasted.printed
        );
        pasted.assert_same_requests();
    }
}

#[test]
fn post_with_a_body_becomes_get_after_a_302_as_jobrun_makes_it() {
    fn script() -> Vec<Reply> {
        vec![Reply::redirect(302, "/next"), Reply::status(200)]
    }
    let pasted = paste(
        job(
            "    url: \"ORIGIN/x\"\n    method: POST\n    followRedirects: cross-origin\n    data:\n      a: 1\n",
        ),
        &[],
        script,
    );
    assert!(!pasted.printed.contains("--request"), "{}", pasted.printed);
    assert!(
        pasted.printed.contains("--location --max-redirs 5"),
        "{}",
        pasted.printed
    );
    // curl sends `--header`s on every request, so the GET after the 302
    // still says `Content-Type`, where jobrun drops it with the body.
    assert_eq!(essence(&pasted.jobrun[0]), essence(&pasted.curl[0]));
    assert_eq!(pasted.curl.len(), 2);
    let second = |r: &Received| (r.method.clone(), r.target.clone(), r.body.clone());
    assert_eq!(second(&pasted.jobrun[1]), second(&pasted.curl[1]));
    assert_eq!(pasted.curl[1].method, "GET");
}

#[test]
fn same_origin_redirects_are_not_followed_and_a_comment_says_so() {
    fn script() -> Vec<Reply> {
        vec![Reply::redirect(302, "/next"), Reply::status(200)]
    }
    let pasted = paste(job("    url: \"ORIGIN/x\"\n"), &[], script);
    assert!(
        pasted.printed.starts_with(
            "# jobrun follows same-origin redirects (up to 5); this command follows none\ncurl \\\n"
        ),
        "{}",
        pasted.printed
    );
    assert!(!pasted.printed.contains("--location"), "{}", pasted.printed);
    assert_eq!((pasted.jobrun.len(), pasted.curl.len()), (2, 1));
    assert_eq!(essence(&pasted.jobrun[0]), essence(&pasted.curl[0]));

    let pasted = paste(
        job("    url: \"ORIGIN/x\"\n    followRedirects: none\n"),
        &[],
        ok,
    );
    assert!(
        pasted.printed.starts_with("curl \\\n"),
        "{}",
        pasted.printed
    );
    assert!(!pasted.printed.contains("--location"), "{}", pasted.printed);
    pasted.assert_same_requests();
}

#[test]
fn a_body_is_sent_without_a_content_type_unless_the_job_gives_one() {
    let pasted = paste(
        job("    url: \"ORIGIN/x\"\n    method: PUT\n    body: \"a=1&b=2\"\n"),
        &[],
        ok,
    );
    assert!(
        pasted.printed.contains("--header 'Content-Type:'"),
        "{}",
        pasted.printed
    );
    pasted.assert_same_requests();
    assert_eq!(pasted.curl[0].header("content-type"), None);

    let pasted = paste(
        job(
            "    url: \"ORIGIN/x\"\n    method: POST\n    headers:\n      Content-Type: text/plain\n    body: \"hi\"\n",
        ),
        &[],
        ok,
    );
    assert!(
        !pasted.printed.contains("'Content-Type:'"),
        "{}",
        pasted.printed
    );
    pasted.assert_same_requests();
    assert_eq!(pasted.curl[0].header("content-type"), Some("text/plain"));
}

#[test]
fn an_empty_header_is_sent_empty() {
    let pasted = paste(
        job(
            "    url: \"ORIGIN/x\"\n    headers:\n      X-Empty: \"\"\n      X-Api-Key: \"${API_KEY}\"\n",
        ),
        &[("API_KEY", "")],
        ok,
    );
    assert!(
        pasted.printed.contains("--header 'X-Empty;'"),
        "{}",
        pasted.printed
    );
    assert!(
        pasted.printed.contains("--header 'X-Api-Key;'"),
        "{}",
        pasted.printed
    );
    pasted.assert_same_requests();
    assert_eq!(pasted.curl[0].header("x-empty"), Some(""));
    assert_eq!(pasted.curl[0].header("x-api-key"), Some(""));
}

#[test]
fn a_default_is_used_when_the_secret_is_set_but_empty() {
    let pasted = paste(
        job(
            "    url: \"ORIGIN/x?t=${QUERY_TOKEN:-anonymous}&u=${USER_TOKEN:-nobody}\"\n    headers:\n      X-Region: \"${REGION_TOKEN:-eu}\"\n",
        ),
        &[
            ("QUERY_TOKEN", ""),
            ("USER_TOKEN", "u-secret-1234"),
            ("API_KEY", ""),
        ],
        ok,
    );
    assert!(pasted.printed.contains("t=anonymous"), "{}", pasted.printed);
    assert!(
        pasted.printed.contains("\"${USER_TOKEN}\""),
        "{}",
        pasted.printed
    );
    assert!(
        !pasted.printed.contains("u-secret-1234"),
        "{}",
        pasted.printed
    );
    assert!(
        pasted.printed.contains("--header 'X-Region: eu'"),
        "{}",
        pasted.printed
    );
    pasted.assert_same_requests();
    assert_eq!(pasted.curl[0].target, "/x?t=anonymous&u=u-secret-1234");
}

#[test]
fn url_userinfo_stays_a_reference_and_curl_makes_the_basic_auth() {
    const PASSWORD: &str = "pw-SENTINEL-9a1f";
    let pasted = paste(
        job("    url: \"http://${USER_NAME}:${DB_PASS}@ORIGIN_HOST/x\"\n"),
        &[("USER_NAME", "alice"), ("DB_PASS", PASSWORD)],
        ok,
    );
    assert!(
        pasted.printed.contains("\"${DB_PASS}\""),
        "{}",
        pasted.printed
    );
    assert!(!pasted.printed.contains(PASSWORD), "{}", pasted.printed);
    assert!(
        !pasted.printed.contains("Authorization"),
        "{}",
        pasted.printed
    );
    pasted.assert_same_requests();
    assert!(
        pasted.curl[0]
            .header("authorization")
            .is_some_and(|v| v.starts_with("Basic "))
    );
}

#[test]
fn head_and_put_keep_their_methods() {
    for (method, flag) in [
        ("HEAD", "--head"),
        ("PUT", "--request PUT"),
        ("DELETE", "--request DELETE"),
    ] {
        let lines: &'static str =
            Box::leak(format!("    url: \"ORIGIN/x\"\n    method: {method}\n").into_boxed_str());
        let pasted = paste(job(lines), &[], ok);
        assert!(pasted.printed.contains(flag), "{}", pasted.printed);
        pasted.assert_same_requests();
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
