//! Secrets from every source (the environment, `.env`, `ENCRYPTED_`,
//! `_FILE`, `$CREDENTIALS_DIRECTORY`, and `JWT_SECRET` through the minted
//! `JWT_TOKEN`) reach the server, and never appear in any byte jobrun
//! writes: stdout, stderr, and every file it leaves in its directory (log
//! file, output file, state directory), in any common encoding, whatever
//! the command and however it ends.
//!
//! The commands are a table, [`CASES`]: a new command is one more line.
//! The state database's password (in the URL, in `PGPASSWORD`, from a
//! file through a placeholder, wrong, or for a server that is down) is
//! one more sentinel, in a table of its own, [`DATABASE_CASES`], run
//! against a real PostgreSQL in the consumers group; its tables are
//! searched like the files.

mod common;

use std::path::{Path, PathBuf};

use common::Sandbox;
use common::server::{Reply, Server};

/// `API_TOKEN`, from the environment.
const ENV_TOKEN: &str = "SENTINEL-env-Tk7q/+1";
/// `DB_PASSWORD`, from `.env`, with characters JSON escapes.
const DOTENV_PASSWORD: &str = "SENTINEL-dotenv-\"Pw\" 9";
/// `REPORT_PHRASE`, sealed in `.env` as `ENCRYPTED_REPORT_PHRASE`: a name
/// that does not say "secret", with characters some encoders escape.
const SEALED_PHRASE: &str = "SENTINEL-sealed-pässwörd/x";
/// `WEBHOOK_ID`, from the file `WEBHOOK_ID_FILE` names.
const FILE_WEBHOOK: &str = "SENTINEL-file-Wh00k";
/// `CHANNEL_NAME`, from `$CREDENTIALS_DIRECTORY/channel_name`.
const CREDENTIAL_CHANNEL: &str = "SENTINEL-cred-Ch4n";
/// Signs the minted `JWT_TOKEN`.
const JWT_SECRET: &str = "SENTINEL-jwtsecret-Sg1";
/// Seals `ENCRYPTED_` values.
const ENCRYPTION_KEY: &str = "SENTINEL-enckey-K3y";
/// Given to `jobrun encrypt` on stdin.
const STDIN_SECRET: &str = "SENTINEL-stdin-In9";
/// On a line of an env file jobrun cannot read.
const BAD_LINE_SECRET: &str = "SENTINEL-badline-Bl5";
/// A wrong `JWT_ENCRYPTION_KEY`.
const WRONG_KEY: &str = "SENTINEL-wrongkey-Wk2";
/// `SLACK_TOKEN`, from the environment, used only by notifications.
const SLACK_TOKEN: &str = "SENTINEL-slack-Sk4";
/// Written in broken job files as a literal credential, on the line an
/// error is about.
const LITERAL: &str = "SENTINEL-literal-Lt8";
/// A JWT that expired in 2020, given as `API_TOKEN`: `validate --env`,
/// `run` and `status` name the variable and when, never the value.
const EXPIRED_JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJTRU5USU5FTC1leHBpcmVkLUp4OCIsImV4cCI6MTYwMDAwMDAwMH0.U0VOVElORUwtc2ln";

/// The state database's password (the tests' server's).
const DB_PASSWORD_SENTINEL: &str = common::postgres::PASSWORD;
/// A wrong one.
const WRONG_DB_PASSWORD: &str = "SENTINEL-wrongdb-Pg8";

/// What a run knows as secrets, and an echoing server sends back.
const RUN_SECRETS: &[&str] = &[
    ENV_TOKEN,
    DOTENV_PASSWORD,
    SEALED_PHRASE,
    FILE_WEBHOOK,
    CREDENTIAL_CHANNEL,
    JWT_SECRET,
    ENCRYPTION_KEY,
];

/// Every sentinel, looked for in everything jobrun writes.
const KNOWN: &[&str] = &[
    ENV_TOKEN,
    DOTENV_PASSWORD,
    SEALED_PHRASE,
    FILE_WEBHOOK,
    CREDENTIAL_CHANNEL,
    JWT_SECRET,
    ENCRYPTION_KEY,
    STDIN_SECRET,
    BAD_LINE_SECRET,
    WRONG_KEY,
    SLACK_TOKEN,
    DB_PASSWORD_SENTINEL,
    WRONG_DB_PASSWORD,
    LITERAL,
    EXPIRED_JWT,
];

/// What the server answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Nothing should reach it.
    None,
    /// 200 with a body and headers that echo every secret back.
    EchoOk,
    /// 500 echoing every secret, in headers, body and a redirect.
    EchoFail,
    /// 401 echoing every secret.
    EchoRefused,
    /// 200 with a body holding no secret (for `--output`, which writes the
    /// body as received).
    Plain,
    /// 500 echoing every secret re-encoded as other URL libraries and
    /// servers write them ([`reencoded`]), in headers and body.
    EchoReencoded,
    /// A redirect to another origin, not followed, whose location holds
    /// every secret re-encoded: the failure line quotes it.
    RedirectReencoded,
}

/// One invocation: arguments (after the global `--state-dir state`),
/// variables set or overridden for it, stdin, what the server does, and the
/// exit code expected (so each line is known to take the path it names).
struct Case {
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    stdin: Option<&'static str>,
    server: Answer,
    code: i32,
    /// Run the job once first (against the same server), so the command
    /// reads a history that holds a failed run.
    after_a_run: bool,
    /// How many requests a run makes at most, each answered alike: more
    /// than one when the job notifies and pings the same server.
    per_run: usize,
}

const fn case(args: &'static [&'static str], server: Answer, code: i32) -> Case {
    Case {
        args,
        env: &[],
        stdin: None,
        server,
        code,
        after_a_run: false,
        per_run: 1,
    }
}

/// `args` once `run report` has failed against a server echoing secrets.
const fn after_a_failed_run(args: &'static [&'static str], code: i32) -> Case {
    Case {
        after_a_run: true,
        ..case(args, EchoFail, code)
    }
}

const fn with_env(
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    code: i32,
) -> Case {
    Case {
        args,
        env,
        stdin: None,
        server: Answer::None,
        code,
        after_a_run: false,
        per_run: 1,
    }
}

/// `args` with a job file whose jobs also notify and ping the server:
/// the start ping, the request, the end ping and a notification.
const fn notifying(args: &'static [&'static str], server: Answer, code: i32) -> Case {
    Case {
        per_run: 4,
        ..case(args, server, code)
    }
}

/// `notifying`, once `run report` has failed with the same file.
const fn notifying_after_a_failed_run(args: &'static [&'static str], code: i32) -> Case {
    Case {
        after_a_run: true,
        ..notifying(args, EchoFail, code)
    }
}

use Answer::{EchoFail, EchoOk, EchoReencoded, EchoRefused, Plain, RedirectReencoded};

/// Every command on every path. Commands that keep state write it under
/// `state/` in the sandbox, which is searched like every other file.
const CASES: &[Case] = &[
    // Reading the file.
    case(&["list"], Answer::None, 0),
    case(&["list", "--json"], Answer::None, 0),
    case(&["next", "report"], Answer::None, 0),
    case(
        &["next", "report", "--after", "9999-12-30T00:00:00Z"],
        Answer::None,
        1,
    ),
    // A drifted crontab: the diff, and the command that fixes it.
    case(
        &[
            "crontab",
            "--mailto",
            "ops@example.com",
            "--check",
            "jobs.yaml",
        ],
        Answer::None,
        1,
    ),
    case(&["validate"], Answer::None, 0),
    case(&["validate", "--env"], Answer::None, 0),
    case(&["-v", "validate", "--env"], Answer::None, 0),
    case(&["validate", "--env", "--format", "json"], Answer::None, 0),
    // The every-minute job in Chicago warns of the repeated hour, which
    // `--strict` fails on.
    case(&["validate", "--env", "--strict"], Answer::None, 3),
    // `init` finding the job file and the .env there: refused, naming
    // the paths only.
    case(&["init"], Answer::None, 3),
    case(&["--config", "new.yaml", "init"], Answer::None, 3),
    // Previews.
    case(&["run", "report", "--dry-run"], Answer::None, 0),
    case(&["run", "report", "--as-curl"], Answer::None, 0),
    case(&["-vv", "run", "report", "--dry-run"], Answer::None, 0),
    // Runs, at every verbosity and format, into every sink.
    case(&["run", "report"], EchoOk, 0),
    case(&["run", "report"], EchoFail, 1),
    case(&["run", "report"], EchoRefused, 1),
    case(&["-v", "run", "report"], EchoFail, 1),
    case(&["-vv", "run", "report"], EchoOk, 0),
    case(&["-vv", "run", "report"], EchoFail, 1),
    case(
        &["-v", "run", "report", "--log-format", "json"],
        EchoFail,
        1,
    ),
    case(&["run", "report", "--log-file", "runs.log"], EchoFail, 1),
    case(
        &[
            "-q",
            "run",
            "report",
            "--log-format",
            "json",
            "--log-file",
            "runs.log",
        ],
        EchoOk,
        0,
    ),
    case(&["run", "report", "--print-body"], EchoOk, 0),
    case(&["run", "report", "--print-body"], EchoFail, 1),
    case(&["run", "report", "--output", "body.out"], Plain, 0),
    // Secrets a server or a URL library gave back in another encoding.
    case(&["run", "report"], EchoReencoded, 1),
    case(&["-v", "run", "report"], EchoReencoded, 1),
    case(&["run", "report"], RedirectReencoded, 1),
    case(
        &[
            "-v",
            "run",
            "report",
            "--log-format",
            "json",
            "--log-file",
            "runs.log",
        ],
        EchoReencoded,
        1,
    ),
    case(
        &[
            "-vv",
            "run",
            "report",
            "--log-format",
            "json",
            "--log-file",
            "runs.log",
        ],
        RedirectReencoded,
        1,
    ),
    case(
        &["-vv", "run", "report", "--log-file", "runs.log"],
        RedirectReencoded,
        1,
    ),
    case(&["run", "report", "--print-body"], EchoReencoded, 1),
    // Running on schedule, and catching up.
    case(&["run", "--due", "every-minute"], EchoFail, 1),
    case(&["catch-up"], EchoFail, 1),
    // Reading the history (and the database, searched as a file).
    after_a_failed_run(&["status"], 1),
    after_a_failed_run(&["status", "--json"], 1),
    after_a_failed_run(&["history"], 0),
    after_a_failed_run(&["history", "report", "--json"], 0),
    after_a_failed_run(&["history", "report", "--chart"], 0),
    after_a_failed_run(&["--color", "always", "status"], 1),
    after_a_failed_run(&["metrics"], 0),
    // The metrics file, written after each run (searched as a file).
    case(
        &["--metrics-file", "jobrun.prom", "run", "report"],
        EchoFail,
        1,
    ),
    case(&["--metrics-file", "jobrun.prom", "catch-up"], EchoFail, 1),
    // Notifications and healthcheck pings, to the same server, whose
    // URLs, headers and bodies hold secrets of their own.
    notifying(&["--config", "notify.yaml", "run", "report"], EchoOk, 0),
    notifying(&["--config", "notify.yaml", "run", "report"], EchoFail, 1),
    notifying(
        &["--config", "notify.yaml", "run", "report"],
        EchoRefused,
        1,
    ),
    notifying(
        &["--config", "notify.yaml", "-v", "run", "report"],
        EchoFail,
        1,
    ),
    notifying(
        &["--config", "notify.yaml", "-vv", "run", "report"],
        EchoOk,
        0,
    ),
    notifying(
        &["--config", "notify.yaml", "-vv", "run", "report"],
        EchoFail,
        1,
    ),
    notifying(
        &[
            "--config",
            "notify.yaml",
            "-vv",
            "run",
            "report",
            "--log-format",
            "json",
            "--log-file",
            "runs.log",
        ],
        EchoFail,
        1,
    ),
    notifying(
        &["--config", "notify.yaml", "run", "--due", "every-minute"],
        EchoFail,
        1,
    ),
    notifying(&["--config", "notify.yaml", "catch-up"], EchoFail, 1),
    notifying_after_a_failed_run(&["--config", "notify.yaml", "-vv", "run", "report"], 1),
    notifying(
        &["--config", "notify.yaml", "-v", "run", "report"],
        RedirectReencoded,
        1,
    ),
    notifying(
        &["--config", "notify.yaml", "-v", "run", "report"],
        EchoReencoded,
        1,
    ),
    Case {
        after_a_run: true,
        ..notifying(
            &["--config", "notify.yaml", "history", "--json"],
            RedirectReencoded,
            0,
        )
    },
    notifying_after_a_failed_run(&["--config", "notify.yaml", "history", "--json"], 0),
    notifying_after_a_failed_run(&["--config", "notify.yaml", "status", "--json"], 1),
    // Notifications and pings to a port nothing listens on: their
    // failures are reported, with the URLs' secrets in them.
    case(
        &["--config", "notify-down.yaml", "-vv", "run", "report"],
        EchoFail,
        1,
    ),
    case(
        &["--config", "notify-down.yaml", "-vv", "run", "report"],
        EchoOk,
        0,
    ),
    // Notifications and pings to hosts named by secrets, which do not
    // resolve: their failures name the host.
    case(
        &["--config", "notify-hosts.yaml", "run", "report"],
        EchoFail,
        1,
    ),
    case(
        &[
            "--config",
            "notify-hosts.yaml",
            "-v",
            "run",
            "report",
            "--log-format",
            "json",
            "--log-file",
            "runs.log",
        ],
        EchoFail,
        1,
    ),
    case(
        &["--config", "notify-hosts.yaml", "-vv", "run", "report"],
        EchoOk,
        0,
    ),
    Case {
        after_a_run: true,
        ..case(
            &["--config", "notify-hosts.yaml", "history", "--json"],
            EchoFail,
            0,
        )
    },
    case(
        &["--config", "notify.yaml", "validate", "--env"],
        Answer::None,
        0,
    ),
    case(
        &[
            "--config",
            "notify.yaml",
            "validate",
            "--env",
            "--format",
            "json",
        ],
        Answer::None,
        0,
    ),
    case(
        &["--config", "notify.yaml", "list", "--json"],
        Answer::None,
        0,
    ),
    case(
        &["--config", "notify.yaml", "run", "report", "--dry-run"],
        Answer::None,
        0,
    ),
    // A file written for the Node scheduler: what changes, and the
    // migrated file.
    case(
        &["--config", "node.yaml", "validate", "--env"],
        Answer::None,
        0,
    ),
    case(
        &["--config", "node.yaml", "validate", "--format", "json"],
        Answer::None,
        0,
    ),
    case(&["--config", "node.yaml", "migrate"], Answer::None, 0),
    case(
        &["--config", "node.yaml", "migrate", "--check"],
        Answer::None,
        1,
    ),
    case(&["migrate"], Answer::None, 0),
    // Exporting the schedule.
    case(&["crontab"], Answer::None, 0),
    case(&["crontab", "--cron-tz", "--user-crontab"], Answer::None, 0),
    case(&["systemd", "--dir", "units"], Answer::None, 0),
    case(
        &[
            "kubernetes",
            "--image",
            "example/jobrun:1",
            "--secret",
            "jobrun-env",
        ],
        Answer::None,
        0,
    ),
    // With the warnings of what a pod cannot do: a moving image tag, the
    // flags not carried into the CronJobs.
    case(
        &[
            "--env-file",
            ".env",
            "kubernetes",
            "--image",
            "example/jobrun",
        ],
        Answer::None,
        0,
    ),
    // Sealing.
    Case {
        args: &["encrypt", "REPORT_PHRASE"],
        env: &[],
        stdin: Some(STDIN_SECRET),
        server: Answer::None,
        code: 0,
        after_a_run: false,
        per_run: 1,
    },
    Case {
        args: &["encrypt", "REPORT_PHRASE"],
        env: &[("JWT_ENCRYPTION_KEY", "")],
        stdin: Some(STDIN_SECRET),
        server: Answer::None,
        code: 3,
        after_a_run: false,
        per_run: 1,
    },
    // Errors of every kind.
    case(&["run", "no-such-job"], Answer::None, 3),
    case(&["run"], Answer::None, 2),
    case(&["--no-such-flag", "list"], Answer::None, 2),
    case(
        &["--config", "broken.yaml", "run", "report"],
        Answer::None,
        3,
    ),
    case(
        &["--config", "unset.yaml", "run", "report"],
        Answer::None,
        3,
    ),
    case(
        &["--config", "unset.yaml", "validate", "--env"],
        Answer::None,
        3,
    ),
    // Errors quoting a line that holds a credential: a duplicate key, an
    // unterminated quote, a value of the wrong kind, and a `.env` file
    // given as the job file.
    case(&["--config", "dup.yaml", "validate"], Answer::None, 3),
    case(&["--config", "dup.yaml", "run", "report"], Answer::None, 3),
    case(
        &["--config", "unterminated.yaml", "validate"],
        Answer::None,
        3,
    ),
    case(
        &["--config", "unterminated.yaml", "run", "report"],
        Answer::None,
        3,
    ),
    case(&["--config", "wrongtype.yaml", "validate"], Answer::None, 3),
    case(
        &["--config", "wrongtype.yaml", "validate", "--format", "json"],
        Answer::None,
        3,
    ),
    case(
        &["--config", "wrongtype.yaml", "run", "report"],
        Answer::None,
        3,
    ),
    case(&["--config", ".env", "validate"], Answer::None, 3),
    case(&["--config", ".env", "run", "report"], Answer::None, 3),
    case(&["--config", "bad.env", "run", "report"], Answer::None, 3),
    case(&["--env-file", "bad.env", "run", "report"], Answer::None, 3),
    case(&["--env-file", "bad.env", "validate"], Answer::None, 3),
    case(
        &["--env-file", "missing.env", "run", "report"],
        Answer::None,
        3,
    ),
    with_env(&["run", "report"], &[("JWT_ENCRYPTION_KEY", WRONG_KEY)], 3),
    with_env(
        &["validate", "--env", "--format", "json"],
        &[("JWT_ENCRYPTION_KEY", WRONG_KEY)],
        3,
    ),
    with_env(
        &["run", "report", "--dry-run"],
        &[("WEBHOOK_ID_FILE", "/nonexistent/webhook")],
        3,
    ),
    with_env(
        &["run", "report"],
        &[("REPORT_PHRASE_FILE", "/nonexistent/phrase")],
        3,
    ),
    with_env(&["run", "report"], &[("JWT_TTL_SECONDS", "soon")], 3),
    // An expired token: not sent, said by name and time, recorded.
    with_env(&["run", "report"], &[("API_TOKEN", EXPIRED_JWT)], 3),
    with_env(&["-vv", "run", "report"], &[("API_TOKEN", EXPIRED_JWT)], 3),
    with_env(
        &["run", "--due", "every-minute"],
        &[("API_TOKEN", EXPIRED_JWT)],
        3,
    ),
    with_env(&["validate", "--env"], &[("API_TOKEN", EXPIRED_JWT)], 3),
    with_env(
        &["validate", "--env", "--format", "json"],
        &[("API_TOKEN", EXPIRED_JWT)],
        3,
    ),
    // An enabled job's expired token: `status` exits 1.
    with_env(&["status"], &[("API_TOKEN", EXPIRED_JWT)], 1),
    with_env(&["status", "--json"], &[("API_TOKEN", EXPIRED_JWT)], 1),
    with_env(
        &["run", "report"],
        &[
            ("https_proxy", "socks5://u:p@127.0.0.1:1"),
            ("http_proxy", "socks5://u:p@127.0.0.1:1"),
        ],
        3,
    ),
];

#[test]
fn every_source_reaches_the_server_with_its_value() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = sandbox(&server);
    let run = jobrun(&sandbox, &["run", "report"], &[], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let received = &server.requests()[0];
    assert_eq!(received.target, format!("/report?hook={FILE_WEBHOOK}"));
    assert_eq!(received.header("x-api-key"), Some(ENV_TOKEN));
    let body: serde_json::Value = serde_json::from_slice(&received.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "password": DOTENV_PASSWORD,
            "phrase": SEALED_PHRASE,
            "channel": CREDENTIAL_CHANNEL,
        })
    );
    let token = received
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap();
    let minted = minted_tokens();
    assert!(minted.iter().any(|t| t == token), "{token}");
}

#[test]
fn secrets_never_appear_in_anything_any_command_writes() {
    let mut leaks = Vec::new();
    let minted = minted_tokens();
    let mut sentinels: Vec<String> = KNOWN.iter().map(|s| s.to_string()).collect();
    sentinels.extend(minted.iter().cloned());
    let forms: Vec<(String, String)> = sentinels
        .iter()
        .flat_map(|s| encodings(s).into_iter().map(move |f| (s.clone(), f)))
        .collect();
    for case in CASES {
        let runs = if case.after_a_run { 2 } else { 1 };
        let mut script = Vec::new();
        for _ in 0..runs * case.per_run {
            script.extend(replies(case.server, &minted));
        }
        let server = Server::start(script);
        let sandbox = sandbox(&server);
        let mut written = Vec::new();
        if case.after_a_run {
            // With the case's job file, if it names one.
            let mut first_args = vec!["--state-dir", "state"];
            if let Some(at) = case.args.iter().position(|a| *a == "--config") {
                first_args.extend(&case.args[at..at + 2]);
            }
            first_args.extend(["run", "report"]);
            let first = jobrun(&sandbox, &first_args, &[], None);
            assert_eq!(first.code, 1, "{}", first.stderr);
            written.push((
                "the first run's stderr".to_string(),
                first.stderr.into_bytes(),
            ));
        }
        let mut args = vec!["--state-dir", "state"];
        args.extend(case.args);
        let run = jobrun(&sandbox, &args, case.env, case.stdin);
        let what = format!("`jobrun {}` {:?}", args.join(" "), case.env);
        assert_eq!(run.code, case.code, "{what}\n{}", run.stderr);
        if case.server == Answer::None {
            assert!(server.requests().is_empty(), "{what} sent a request");
        } else {
            assert!(!server.requests().is_empty(), "{what} sent nothing");
        }
        if case.per_run > 1 {
            let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
            assert!(
                targets.iter().any(|t| t.starts_with("/ping/")),
                "{what} sent no ping: {targets:?}"
            );
            if case.code != 0 {
                assert!(
                    targets.iter().any(|t| t.starts_with("/hook/")),
                    "{what} sent no notification: {targets:?}"
                );
            }
        }
        // The token minted for this run, or every one it could have been.
        let tokens: Vec<&String> = match server.requests().first() {
            Some(request) => {
                let sent = request.header("authorization").unwrap_or_default();
                minted
                    .iter()
                    .filter(|t| sent.ends_with(t.as_str()))
                    .collect()
            }
            None => minted.iter().collect(),
        };
        // What the notification and the failure ping carry of the run's
        // failure line (their other fields hold secrets on purpose).
        for request in server.requests() {
            if request.target.starts_with("/hook/")
                && let Ok(body) = serde_json::from_slice::<serde_json::Value>(&request.body)
            {
                let text = body["text"].as_str().unwrap_or_default().to_string();
                written.push(("the notification's text".into(), text.into_bytes()));
            } else if request.target.starts_with("/ping/") && request.target.contains("/fail") {
                written.push(("the failure ping's body".into(), request.body.clone()));
            }
        }
        // An echo that never arrived would prove nothing.
        if case.server == EchoReencoded && case.args.contains(&"--print-body") {
            assert!(
                run.stdout.contains("***"),
                "{what}: no body printed\n{}",
                run.stderr
            );
        }
        written.push(("stdout".to_string(), run.stdout.into_bytes()));
        written.push(("stderr".to_string(), run.stderr.into_bytes()));
        for path in files_written(&sandbox) {
            written.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
        for (place, bytes) in &written {
            let text = String::from_utf8_lossy(bytes);
            let checked = forms
                .iter()
                .filter(|(secret, _)| KNOWN.contains(&secret.as_str()) || tokens.contains(&secret));
            for (secret, form) in checked {
                if text.contains(form.as_str()) {
                    leaks.push(format!(
                        "{what}: {place} shows {secret:?} as {form:?}:\n{text}"
                    ));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n\n"));
}

/// A large job file's index, which `run` keeps in the user's cache
/// directory, holds places and job names: never a value of the file (a
/// credential written in it, as the lint warns against) nor of a variable.
#[test]
fn a_job_files_index_holds_none_of_its_values() {
    const LITERAL: &str = "SENTINEL-literal-Lt8";
    let server = Server::start(vec![Reply::status(200); 2]);
    let mut text = format!(
        "global:\n  defaultHeaders:\n    X-Api-Key: \"{LITERAL}\"\njobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"{}?k={LITERAL}\"\n    method: POST\n    headers:\n      Authorization: \"Bearer ${{API_TOKEN}}\"\n    data:\n      password: \"{LITERAL}\"\n      phrase: \"${{DB_PASSWORD}}\"\n",
        server.url("/report")
    );
    // Large enough (64 KiB) to be indexed.
    for i in 0..600 {
        text.push_str(&format!(
            "  - name: filler-{i}\n    schedule: \"*/15 * * * *\"\n    url: \"https://e.com/{i}?k={LITERAL}\"\n    body: \"{LITERAL} {i}\"\n"
        ));
    }
    let sandbox = sandbox(&server);
    sandbox.write("jobs.yaml", &text);
    for _ in 0..2 {
        let mut command = sandbox.jobrun();
        command
            .env("XDG_CACHE_HOME", sandbox.path("cache"))
            .env("API_TOKEN", ENV_TOKEN)
            .args(["run", "report"]);
        let run = common::Run::from(command.output().unwrap());
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let kept: Vec<PathBuf> = std::fs::read_dir(sandbox.path("cache/jobrun"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let index = std::fs::read_to_string(&kept[0]).unwrap();
    assert!(index.contains("job filler-599 "), "{index}");
    for secret in [LITERAL, ENV_TOKEN, DOTENV_PASSWORD] {
        for form in encodings(secret) {
            assert!(
                !index.contains(&form),
                "the index shows {secret:?} as {form:?}"
            );
        }
    }
}

/// A secret that holds the characters a URL is split at (`@`, `/`, `:`,
/// `?`, `#`) is masked in the URL as filled in, so no piece of it shows
/// whichever way the URL is then taken apart: in the error that refuses
/// the URL, the request as previewed, curl's command, the failure line and
/// the JSON log.
#[test]
fn a_secret_holding_url_delimiters_is_masked_however_the_url_splits() {
    const PIECES: [&str; 3] = ["SENTINEL-hd", "LEAKED-md", "TAIL-tl"];
    let values = [
        "SENTINEL-hd@LEAKED-md:/TAIL-tl",
        "SENTINEL-hd/LEAKED-md@TAIL-tl",
        "SENTINEL-hd?LEAKED-md@TAIL-tl",
        "SENTINEL-hd#LEAKED-md@TAIL-tl",
        "SENTINEL-hd:LEAKED-md@TAIL-tl",
        "SENTINEL-hd@LEAKED-md@TAIL-tl",
    ];
    let commands: [&[&str]; 5] = [
        &["run", "job", "--dry-run"],
        &["-vv", "run", "job", "--dry-run"],
        &["run", "job", "--as-curl"],
        &["run", "job"],
        &["-vv", "run", "job", "--log-format", "json"],
    ];
    let mut leaks = Vec::new();
    for value in values {
        for url in [
            "http://u:${DB_PASSWORD}@{origin}/p",
            "http://${DB_PASSWORD}@{origin}/p",
            "http://{origin}/p?k=${DB_PASSWORD}",
        ] {
            for args in commands {
                let server = Server::start(vec![Reply::status(500); 2]);
                let url = url.replace("{origin}", &server.address().to_string());
                let sandbox = Sandbox::with_jobs(&format!(
                    "jobs:\n  - name: job\n    schedule: \"* * * * *\"\n    url: \"{url}\"\n    retries: 0\n"
                ));
                let mut command = sandbox.jobrun();
                command.args(args).env("DB_PASSWORD", value);
                let run = common::Run::from(command.output().unwrap());
                let said = format!("{}{}", run.stdout, run.stderr);
                assert!(!said.is_empty(), "{args:?} with {url} said nothing");
                if PIECES.iter().any(|piece| said.contains(piece)) {
                    leaks.push(format!("{args:?} with {url} and {value:?}:\n{said}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n\n"));
}

/// The tokens jobrun can have minted during this test: one per second.
fn minted_tokens() -> Vec<String> {
    let now = jiff::Timestamp::now().as_second();
    (now - 5..now + 120)
        .map(|t| jobrun::fixtures::mint_jwt(JWT_SECRET.as_bytes(), "scheduler-app", t, 5_184_000))
        .collect()
}

/// A sandbox where every source holds its secret, the job file names the
/// server, and the error cases have their files.
fn sandbox(server: &Server) -> Sandbox {
    let sandbox = Sandbox::with_jobs(&jobs(&server.url("/report")));
    sandbox.write(
        "unset.yaml",
        jobs(&server.url("/report")).replace("${API_TOKEN}", "${NOT_SET_ANYWHERE}"),
    );
    sandbox.write("node.yaml", node_jobs(&server.url("/report")));
    sandbox.write("notify.yaml", notifying_jobs(server, &server.origin()));
    sandbox.write(
        "notify-down.yaml",
        notifying_jobs(server, "http://127.0.0.1:1"),
    );
    sandbox.write("notify-hosts.yaml", notifying_hosts_jobs(server));
    sandbox.write(
        "broken.yaml",
        "jobs:\n  - name: report\n    schedule: nonsense\n",
    );
    let head = "jobs:\n  - name: report\n    schedule: \"30 18 * * 1-5\"\n    url: \"http://127.0.0.1:1/x\"\n";
    sandbox.write(
        "dup.yaml",
        format!("{head}    headers:\n      Authorization: \"Bearer {LITERAL}\"\n      Authorization: \"Bearer {LITERAL}\"\n"),
    );
    sandbox.write(
        "unterminated.yaml",
        format!("{head}    headers:\n      X-Api-Key: \"{LITERAL}\n"),
    );
    sandbox.write(
        "wrongtype.yaml",
        format!("{head}    headers: {{X-Api-Key: \"{LITERAL}\", x: [1]}}\n    timeout: {{password: {LITERAL}}}\n"),
    );
    let sealed = jobrun::fixtures::seal(ENCRYPTION_KEY, SEALED_PHRASE.as_bytes(), [9; 12]);
    let env = sandbox.write(
        ".env",
        format!(
            "DB_PASSWORD='{DOTENV_PASSWORD}'\nJWT_ENCRYPTION_KEY={ENCRYPTION_KEY}\nENCRYPTED_REPORT_PHRASE={sealed}\n"
        ),
    );
    set_mode(&env, 0o600);
    let bad = sandbox.write(
        "bad.env",
        format!("API_TOKEN={ENV_TOKEN}\n{BAD_LINE_SECRET} no equals\nX=\"{BAD_LINE_SECRET}\n"),
    );
    set_mode(&bad, 0o600);
    std::fs::create_dir_all(sandbox.path("secrets")).unwrap();
    sandbox.write("secrets/webhook", format!("{FILE_WEBHOOK}\n"));
    std::fs::create_dir_all(sandbox.path("credentials")).unwrap();
    sandbox.write("credentials/channel_name", CREDENTIAL_CHANNEL);
    sandbox
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The files the test wrote itself, which jobrun only reads.
const INPUTS: &[&str] = &[
    "jobs.yaml",
    "node.yaml",
    "unset.yaml",
    "notify.yaml",
    "notify-down.yaml",
    "notify-hosts.yaml",
    "broken.yaml",
    "dup.yaml",
    "unterminated.yaml",
    "wrongtype.yaml",
    ".env",
    "bad.env",
    "secrets",
    "credentials",
];

/// Every file under the sandbox that the test did not write.
fn files_written(sandbox: &Sandbox) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![sandbox.dir.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let top = path.strip_prefix(sandbox.dir.path()).unwrap();
            if INPUTS.iter().any(|input| top == Path::new(input)) {
                continue;
            }
            if path.is_dir() {
                dirs.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// `report`, and `every-minute`: the same request, due at every minute
/// and caught up over the last hour.
fn jobs(url: &str) -> String {
    let request = format!(
        "    url: \"{url}?hook=${{WEBHOOK_ID}}\"\n    method: POST\n    retries: 0\n    headers:\n      Authorization: \"Bearer ${{JWT_TOKEN}}\"\n      X-Api-Key: \"${{API_TOKEN}}\"\n    data:\n      password: \"${{DB_PASSWORD}}\"\n      phrase: \"${{REPORT_PHRASE}}\"\n      channel: \"${{CHANNEL_NAME}}\"\n"
    );
    format!(
        "jobs:\n  - name: report\n    schedule: \"30 18 * * 1-5\"\n{request}  - name: every-minute\n    schedule: \"* * * * *\"\n    timezone: America/Chicago\n    catchUp: 1h\n{request}"
    )
}

/// `report` alone, with a `global:` of the Node scheduler's keys: a file
/// written for it, which `validate` and `migrate` speak of.
fn node_jobs(url: &str) -> String {
    let jobs = jobs(url);
    let report = &jobs[..jobs.find("  - name: every-minute").unwrap()];
    format!("global:\n  defaultRetries: 1\n{report}")
}

/// `jobs.yaml` with both jobs notifying and pinging `origin`, with the
/// secrets of every source in the URLs, a header and the bodies.
fn notifying_jobs(server: &Server, origin: &str) -> String {
    let hook = format!("{origin}/hook/${{WEBHOOK_ID}}?c=${{CHANNEL_NAME}}");
    format!(
        "global:\n  healthcheck: \"{origin}/ping/${{WEBHOOK_ID}}/${{JOB_NAME}}?k=${{API_TOKEN}}\"\n  notify:\n    onFailure:\n      url: \"{hook}\"\n      headers: {{Authorization: \"Bearer ${{SLACK_TOKEN}}\", X-Key: \"${{JWT_TOKEN}}\"}}\n      data: {{text: \"${{JOB_NAME}} ${{OUTCOME}} ${{STATUS}}: ${{ERROR}}\", phrase: \"${{REPORT_PHRASE}}\"}}\n    onRecovery:\n      url: \"{hook}\"\n      headers: {{Authorization: \"Bearer ${{SLACK_TOKEN}}\"}}\n      body: \"${{JOB_NAME}} recovered ${{DB_PASSWORD}}\"\n{}",
        jobs(&server.url("/report"))
    )
}

/// `jobrun.yaml` with both jobs notifying and pinging hosts whose names
/// are secrets (`.invalid`, RFC 6761: they never resolve): a secret of
/// the notification's own, one read from a file, and one that is not a
/// host name at all (its `/` ends the host midway).
fn notifying_hosts_jobs(server: &Server) -> String {
    format!(
        "global:\n  healthcheck: \"http://${{API_TOKEN}}.invalid/ping/${{JOB_NAME}}\"\n  notify:\n    onFailure:\n      url: \"http://${{SLACK_TOKEN}}.${{WEBHOOK_ID}}.invalid/hook\"\n      timeout: 2s\n      data: {{text: \"${{ERROR}}\"}}\n{}",
        jobs(&server.url("/report"))
    )
}

/// `jobrun ARGS` in the sandbox, with every environment source set.
fn jobrun(
    sandbox: &Sandbox,
    args: &[&str],
    overrides: &[(&str, &str)],
    stdin: Option<&str>,
) -> common::Run {
    let mut command = sandbox.jobrun();
    command
        .args(args)
        .env("API_TOKEN", ENV_TOKEN)
        .env("SLACK_TOKEN", SLACK_TOKEN)
        .env("JWT_SECRET", JWT_SECRET)
        .env("WEBHOOK_ID_FILE", sandbox.path("secrets/webhook"))
        .env("CREDENTIALS_DIRECTORY", sandbox.path("credentials"));
    for (name, value) in overrides {
        command.env(name, value);
    }
    command.write_stdin(stdin.unwrap_or(""));
    common::Run::from(command.output().expect("runs"))
}

/// What the server answers: every secret echoed back where the case asks.
fn replies(server: Answer, minted: &[String]) -> Vec<Reply> {
    let ascii: Vec<&str> = RUN_SECRETS
        .iter()
        .copied()
        // A `"` would be written as `'` in a header, which would echo
        // another value, and show most of the secret where it is cut.
        .filter(|s| s.is_ascii() && !s.contains('"'))
        .collect();
    let header = ascii.join(" ");
    let mut body = serde_json::to_string(&RUN_SECRETS).unwrap();
    body.push_str(&RUN_SECRETS.join("\n"));
    body.push_str(&minted.join(" "));
    let echo = |status: u16| {
        Reply::status(status)
            .header("X-Echo", &header)
            .header("Set-Cookie", &format!("s={ENV_TOKEN}"))
            .body(body.clone())
    };
    match server {
        Answer::None => Vec::new(),
        EchoOk => vec![echo(200)],
        EchoFail => vec![echo(500)],
        EchoRefused => vec![echo(401)],
        Plain => vec![Reply::status(200).body("all done")],
        EchoReencoded => {
            // The header with the run's own secrets only: with the forms
            // of every token that may have been minted it would be larger
            // than a client reads, and the reply would never arrive.
            let own: Vec<String> = RUN_SECRETS
                .iter()
                .flat_map(|s| reencoded(s).into_iter().chain(transformed(s)))
                .collect();
            let header = own
                .iter()
                .filter(|f| f.is_ascii() && !f.contains('\n'))
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" ");
            let mut body = own.join("\n");
            for token in minted {
                body.push('\n');
                body.push_str(&reencoded(token).join("\n"));
                body.push('\n');
                body.push_str(&transformed(token).join("\n"));
            }
            vec![Reply::status(500).header("X-Echo", &header).body(body)]
        }
        RedirectReencoded => {
            let query: Vec<String> = RUN_SECRETS
                .iter()
                .chain(minted.iter().map(String::as_str).collect::<Vec<_>>().iter())
                .enumerate()
                .map(|(i, s)| {
                    let forms = reencoded(s);
                    format!("k{i}={}", forms[i % forms.len()])
                })
                .collect();
            vec![Reply::redirect(
                302,
                &format!("http://127.0.0.2:1/away?{}", query.join("&")),
            )]
        }
    }
}

/// `secret` as URL libraries other than JavaScript's write it into a
/// query: Python's `quote` (which leaves `/` alone) and `quote_plus`,
/// .NET's lowercase escapes, every byte escaped, and escaped twice; and as
/// an HTML page shows it.
fn reencoded(secret: &str) -> Vec<String> {
    let escape = |keep: &dyn Fn(u8) -> bool, plus: bool, lower: bool| -> String {
        secret
            .bytes()
            .map(|b| {
                if keep(b) {
                    (b as char).to_string()
                } else if plus && b == b' ' {
                    "+".into()
                } else if lower {
                    format!("%{b:02x}")
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-_.~".contains(&b);
    let python_quote = escape(&|b| unreserved(b) || b == b'/', false, false);
    // As an HTML error page escapes what it echoes (OWASP's set).
    let html: String = secret
        .chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#x27;".to_string(),
            '/' => "&#x2F;".to_string(),
            c => c.to_string(),
        })
        .collect();
    vec![
        python_quote.clone(),
        escape(&unreserved, true, false),
        escape(&|b| unreserved(b) || b"!*()".contains(&b), true, true),
        escape(&|_| false, false, true),
        python_quote.replace('%', "%25"),
        html,
    ]
}

/// `secret` as a server may send it back transformed rather than escaped:
/// in base64 inside a longer text (as `Basic` credentials or a token
/// echoed in a JSON field), standard and URL-safe, at each of the three
/// places a secret can start in a group of three bytes; in hex, either
/// case; with its letters upper-cased; and cut by a line break.
fn transformed(secret: &str) -> Vec<String> {
    let mut forms = Vec::new();
    for prefix in ["", "Bearer ", "Basic u:"] {
        let text = format!("{prefix}{secret} and more");
        forms.push(format!(
            "{{\"seen\":\"{}\"}}",
            jobrun::fixtures::base64(text.as_bytes())
        ));
        forms.push(format!(
            "seen={}",
            jobrun::fixtures::base64_url(text.as_bytes())
        ));
    }
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    forms.push(format!("hex {hex}"));
    forms.push(format!("HEX {}", hex.to_uppercase()));
    forms.push(secret.to_ascii_uppercase());
    let (head, tail) = split_for_a_line_break(secret);
    forms.push(format!("{head}\n{tail}"));
    forms.push(format!("{head}\r\n{tail}"));
    forms
}

/// `secret` cut in two where a server's line wrapping might cut it: late
/// enough that the head alone names the secret.
fn split_for_a_line_break(secret: &str) -> (&str, &str) {
    let mut at = secret.len() * 3 / 4;
    while !secret.is_char_boundary(at) {
        at += 1;
    }
    secret.split_at(at)
}

/// What a base64 text that holds `secret` somewhere always holds of it:
/// the characters made of its bits alone, for each of the three places it
/// can start in a group of three bytes, in both alphabets.
fn base64_cores(secret: &str) -> Vec<String> {
    let n = secret.len();
    let mut cores = Vec::new();
    for skew in 0..3 {
        let mut bytes = vec![0u8; skew];
        bytes.extend_from_slice(secret.as_bytes());
        let first = (8 * skew).div_ceil(6);
        let end = (8 * (skew + n)) / 6;
        for encoded in [
            jobrun::fixtures::base64(&bytes),
            jobrun::fixtures::base64_url(&bytes),
        ] {
            cores.push(encoded[first..end].to_string());
        }
    }
    cores
}

/// `secret` as it may be written: as is, in a URL or a form, escaped in
/// JSON by various encoders, and in base64.
fn encodings(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    let json = json[1..json.len() - 1].to_string();
    let ascii_json: String = json
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    let percent = |form: bool| -> String {
        secret
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else if form && b == b' ' {
                    "+".into()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let mut forms = vec![
        secret.to_string(),
        json.clone(),
        json.replace('/', "\\/"),
        ascii_json,
        percent(false),
        percent(false).to_lowercase(),
        percent(true),
        jobrun::fixtures::base64(secret.as_bytes()),
        jobrun::fixtures::base64_url(secret.as_bytes()),
    ];
    forms.extend(reencoded(secret));
    forms.extend(base64_cores(secret));
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    forms.push(hex.to_uppercase());
    forms.push(hex);
    forms.push(secret.to_ascii_uppercase());
    forms.push(split_for_a_line_break(secret).0.to_string());
    // The part a URL's host would take of a secret with a `/` in it.
    if let Some((host, _)) = secret.split_once('/')
        && host.len() >= 8
    {
        forms.push(host.to_string());
    }
    forms.sort();
    forms.dedup();
    forms
}

/// How a database case names its database and password.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Db {
    /// The password in `JOBRUN_STATE_URL`.
    InUrl,
    /// The password in `--state-url`.
    InFlag,
    /// The URL without one, the password in `PGPASSWORD`.
    PgPassword,
    /// `${STATE_PASSWORD}` in `global.stateUrl`, read from the file
    /// `STATE_PASSWORD_FILE` names.
    FromFile,
    /// A wrong password in the URL.
    Wrong,
    /// The password in the URL, for a port nothing listens on.
    Down,
}

struct DatabaseCase {
    args: &'static [&'static str],
    db: Db,
    server: Answer,
    code: i32,
}

const fn db_case(args: &'static [&'static str], db: Db, server: Answer, code: i32) -> DatabaseCase {
    DatabaseCase {
        args,
        db,
        server,
        code,
    }
}

/// Every command that opens the state, with the database's password given
/// every way, and every way it can fail.
const DATABASE_CASES: &[DatabaseCase] = &[
    db_case(&["run", "report"], Db::InUrl, EchoOk, 0),
    db_case(&["-vv", "run", "report"], Db::InUrl, EchoFail, 1),
    db_case(
        &[
            "run",
            "report",
            "--log-format",
            "json",
            "--log-file",
            "runs.log",
        ],
        Db::InUrl,
        EchoFail,
        1,
    ),
    db_case(
        &["-v", "run", "--due", "every-minute"],
        Db::InUrl,
        EchoFail,
        1,
    ),
    db_case(&["catch-up"], Db::InUrl, EchoFail, 1),
    db_case(&["status", "--json"], Db::InUrl, Answer::None, 0),
    db_case(&["history", "--json"], Db::InUrl, Answer::None, 0),
    db_case(&["-vv", "run", "report"], Db::InFlag, EchoFail, 1),
    db_case(&["history"], Db::InFlag, Answer::None, 0),
    db_case(&["-vv", "run", "report"], Db::PgPassword, EchoFail, 1),
    db_case(&["status"], Db::PgPassword, Answer::None, 0),
    db_case(
        &["--config", "state-url.yaml", "-vv", "run", "report"],
        Db::FromFile,
        EchoFail,
        1,
    ),
    db_case(
        &["--config", "state-url.yaml", "status", "--json"],
        Db::FromFile,
        Answer::None,
        0,
    ),
    db_case(
        &["--config", "state-url.yaml", "validate", "--env"],
        Db::FromFile,
        Answer::None,
        0,
    ),
    db_case(&["-vv", "run", "report"], Db::Wrong, Answer::None, 3),
    db_case(&["status"], Db::Wrong, Answer::None, 3),
    db_case(&["catch-up"], Db::Wrong, Answer::None, 3),
    db_case(&["-vv", "run", "report"], Db::Down, Answer::None, 3),
    db_case(&["history", "--json"], Db::Down, Answer::None, 3),
    // The metrics, from the database: the file a run writes, the text
    // `metrics` prints, and the chart.
    db_case(
        &["--metrics-file", "jobrun.prom", "-vv", "run", "report"],
        Db::InUrl,
        EchoFail,
        1,
    ),
    db_case(&["metrics"], Db::InUrl, Answer::None, 0),
    db_case(&["metrics"], Db::PgPassword, Answer::None, 0),
    db_case(&["metrics"], Db::Wrong, Answer::None, 3),
    db_case(&["metrics"], Db::Down, Answer::None, 3),
    db_case(
        &["history", "report", "--chart"],
        Db::InUrl,
        Answer::None,
        0,
    ),
    // The state directory holds a run for it to copy.
    db_case(&["copy-history"], Db::InUrl, Answer::None, 0),
    db_case(&["copy-history"], Db::InFlag, Answer::None, 0),
    db_case(
        &["--config", "state-url.yaml", "copy-history"],
        Db::FromFile,
        Answer::None,
        0,
    ),
    db_case(&["copy-history"], Db::Wrong, Answer::None, 3),
    db_case(&["copy-history"], Db::Down, Answer::None, 3),
];

#[test]
#[ignore = "consumer: needs PostgreSQL"]
fn the_database_password_never_appears_in_anything_any_command_writes() {
    let pg = common::postgres::shared();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut leaks = Vec::new();
    let minted = minted_tokens();
    let forms: Vec<(String, String)> = KNOWN
        .iter()
        .flat_map(|s| encodings(s).into_iter().map(move |f| (s.to_string(), f)))
        .collect();
    for case in DATABASE_CASES {
        let server = Server::start(replies(case.server, &minted));
        let sandbox = sandbox(&server);
        let database = pg.database();
        let at = |password: &str, port: u16| {
            let userinfo = if password.is_empty() {
                common::postgres::USER.to_string()
            } else {
                format!("{}:{password}", common::postgres::USER)
            };
            format!(
                "postgres://{userinfo}@127.0.0.1:{port}/{database}?sslmode=disable&connect_timeout=2"
            )
        };
        sandbox.write(
            "state-url.yaml",
            format!(
                "global:\n  stateUrl: \"postgres://jobrun:${{STATE_PASSWORD}}@127.0.0.1:{}/{database}?sslmode=disable\"\n{}",
                pg.port,
                jobs(&server.url("/report")).trim_start_matches('\n')
            ),
        );
        sandbox.write("secrets/state-password", DB_PASSWORD_SENTINEL);
        // A run in the state directory's SQLite history, for `copy-history`
        // (the other commands, given the database, do not read it).
        let mut seeded = jobrun::fixtures::Record::start(
            "seeded-run".into(),
            "report",
            jobrun::fixtures::Trigger::Manual,
            None,
            jiff::Timestamp::now(),
        );
        seeded.outcome = jobrun::fixtures::Outcome::Failed;
        jobrun::fixtures::open_history(None, &sandbox.path("state"))
            .add(&seeded, 10, false)
            .unwrap();
        let password_file = sandbox.path("secrets/state-password");
        let password_file = password_file.display().to_string();
        let (env, flag): (Vec<(&str, String)>, Option<String>) = match case.db {
            Db::InUrl => (
                vec![("JOBRUN_STATE_URL", at(DB_PASSWORD_SENTINEL, pg.port))],
                None,
            ),
            Db::InFlag => (vec![], Some(at(DB_PASSWORD_SENTINEL, pg.port))),
            Db::PgPassword => (
                vec![
                    ("JOBRUN_STATE_URL", at("", pg.port)),
                    ("PGPASSWORD", DB_PASSWORD_SENTINEL.to_string()),
                ],
                None,
            ),
            Db::FromFile => (vec![("STATE_PASSWORD_FILE", password_file)], None),
            Db::Wrong => (
                vec![("JOBRUN_STATE_URL", at(WRONG_DB_PASSWORD, pg.port))],
                None,
            ),
            Db::Down => (
                vec![("JOBRUN_STATE_URL", at(DB_PASSWORD_SENTINEL, closed))],
                None,
            ),
        };
        let mut args = vec!["--state-dir", "state"];
        if let Some(url) = &flag {
            args.extend(["--state-url", url.as_str()]);
        }
        args.extend(case.args);
        let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let run = jobrun(&sandbox, &args, &env, None);
        let shown: Vec<&str> = case.args.to_vec();
        let what = format!(
            "`jobrun {}` ({})",
            shown.join(" "),
            match case.db {
                Db::InUrl => "password in JOBRUN_STATE_URL",
                Db::InFlag => "password in --state-url",
                Db::PgPassword => "PGPASSWORD",
                Db::FromFile => "placeholder from a file",
                Db::Wrong => "wrong password",
                Db::Down => "server down",
            }
        );
        assert_eq!(run.code, case.code, "{what}\n{}", run.stderr);
        let mut written = vec![
            ("stdout".to_string(), run.stdout.into_bytes()),
            ("stderr".to_string(), run.stderr.into_bytes()),
        ];
        for path in files_written(&sandbox) {
            written.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
        let made = pg.psql(&database, "SELECT to_regclass('jobrun_runs') IS NOT NULL");
        let dump = if made.trim() != "t" {
            String::new()
        } else {
            pg.psql(
            &database,
            "SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM (SELECT r::text AS t FROM jobrun_runs r UNION ALL SELECT c::text FROM jobrun_claims c UNION ALL SELECT a::text FROM jobrun_alerts a UNION ALL SELECT l::text FROM jobrun_leases l UNION ALL SELECT p::text FROM jobrun_pruned p) x",
        )
        };
        written.push(("the database's tables".to_string(), dump.into_bytes()));
        for (place, bytes) in &written {
            let text = String::from_utf8_lossy(bytes);
            for (secret, form) in &forms {
                if text.contains(form.as_str()) {
                    leaks.push(format!(
                        "{what}: {place} shows {secret:?} as {form:?}:\n{text}"
                    ));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n\n"));
}

#[test]
fn validate_warns_of_a_password_written_into_state_url_without_showing_it() {
    const WRITTEN: &str = "SENTINEL-stateurl-Pw6";
    let sandbox = Sandbox::with_jobs(&format!(
        "global:\n  stateUrl: \"postgres://jobrun:{WRITTEN}@db.internal/ops\"\n{}",
        jobs("http://127.0.0.1:9/r").trim_start_matches('\n')
    ));
    for format in ["text", "json"] {
        let run = jobrun(&sandbox, &["validate", "--format", format], &[], None);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            all.contains("`stateUrl` holds the database's password"),
            "{all}"
        );
        assert!(!all.contains(WRITTEN), "{all}");
    }
    let strict = jobrun(&sandbox, &["validate", "--strict"], &[], None);
    assert_eq!(strict.code, 3, "{}", strict.stderr);
    // A placeholder is what the warning asks for.
    let sandbox = Sandbox::with_jobs(&format!(
        "global:\n  stateUrl: \"postgres://jobrun:${{PGPASSWORD}}@db.internal/ops\"\n{}",
        jobs("http://127.0.0.1:9/r").trim_start_matches('\n')
    ));
    let run = jobrun(&sandbox, &["validate"], &[], None);
    assert!(!run.stderr.contains("stateUrl"), "{}", run.stderr);
}
