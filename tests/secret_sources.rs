//! Secrets from files and sealed values, `jobrun encrypt`, and the secret
//! lint of `validate`, end to end. Opening a sealed value with Node, and
//! typing at `encrypt` on a terminal (util-linux's script(1), whose flags
//! BSD and BusyBox script do not take), are in the consumers group.

mod common;

use std::os::unix::fs::PermissionsExt as _;

use common::server::{Reply, Server};
use common::{Sandbox, consumer, golden};

const KEY: &str = "correct horse battery staple";

fn job(url: &str) -> String {
    format!(
        "jobs:\n  - name: report\n    schedule: \"30 18 * * 1-5\"\n    url: \"{url}\"\n    method: POST\n    retries: 0\n    data:\n      phrase: \"${{REPORT_PHRASE}}\"\n"
    )
}

fn env_file(sandbox: &Sandbox, text: &str) {
    let path = sandbox.write(".env", text);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn encrypt(sandbox: &Sandbox, name: &str, stdin: &str) -> common::Run {
    common::Run::from(
        sandbox
            .jobrun()
            .args(["encrypt", name])
            .write_stdin(stdin)
            .output()
            .unwrap(),
    )
}

#[test]
fn encrypt_prints_a_line_for_env_that_a_run_opens() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&job(&server.url("/r")));
    env_file(&sandbox, &format!("JWT_ENCRYPTION_KEY=\"{KEY}\"\n"));
    let sealed = encrypt(&sandbox, "REPORT_PHRASE", "pässwörd \"quoted\"\n");
    assert_eq!((sealed.code, sealed.stderr.as_str()), (0, ""));
    let line = sealed.stdout.trim_end();
    let value = line.strip_prefix("ENCRYPTED_REPORT_PHRASE=").unwrap();
    assert!(
        value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    );
    assert!(!sealed.stdout.contains("pässwörd"));
    // Sealed twice, the same secret gives two values: a fresh iv each time.
    assert_ne!(
        encrypt(&sandbox, "REPORT_PHRASE", "pässwörd \"quoted\"\n").stdout,
        sealed.stdout
    );

    env_file(&sandbox, &format!("JWT_ENCRYPTION_KEY=\"{KEY}\"\n{line}\n"));
    let run = sandbox.run(&["run", "report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        server.requests()[0].body_text(),
        r#"{"phrase":"pässwörd \"quoted\""}"#
    );
}

#[test]
#[ignore = "consumer: needs node"]
fn node_opens_what_encrypt_sealed() {
    let sandbox = Sandbox::new();
    env_file(&sandbox, &format!("JWT_ENCRYPTION_KEY=\"{KEY}\"\n"));
    let sealed = encrypt(&sandbox, "T", "ünïcode & more\n");
    let value = sealed
        .stdout
        .trim_end()
        .strip_prefix("ENCRYPTED_T=")
        .unwrap();
    // How the Node scheduler decrypts, by Node's own crypto module.
    let node = std::process::Command::new(consumer::require("node"))
        .arg(common::fixture("encrypted/make.js"))
        .arg("open")
        .env("KEY", KEY)
        .env("VALUE", value)
        .output()
        .expect("node runs");
    assert!(node.status.success(), "{node:?}");
    assert_eq!(String::from_utf8(node.stdout).unwrap(), "ünïcode & more");
}

#[test]
#[ignore = "consumer: needs script (util-linux)"]
fn encrypt_on_a_terminal_does_not_echo_and_restores_the_terminal() {
    let sandbox = Sandbox::new();
    env_file(&sandbox, &format!("JWT_ENCRYPTION_KEY=\"{KEY}\"\n"));
    let binary = assert_cmd::cargo::cargo_bin!("jobrun");
    // script(1) runs the command on a pseudo-terminal fed from its stdin.
    let shell = format!(
        "'{}' encrypt T; echo \"exit=$?\"; stty -a | tr ' ' '\\n' | grep -x -- '-\\?echo'",
        binary.display()
    );
    let typed = |input: &'static [u8]| {
        let mut child = std::process::Command::new(consumer::require("script"))
            .args(["-qec", &shell, "/dev/null"])
            .current_dir(sandbox.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("script runs");
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            use std::io::Write as _;
            std::thread::sleep(std::time::Duration::from_millis(500));
            let _ = stdin.write_all(input);
            std::thread::sleep(std::time::Duration::from_millis(500));
        });
        let output = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&output.stdout).replace('\r', "")
    };
    let shown = typed(b"typed-SENTINEL\r");
    assert!(shown.contains("typing is not shown"), "{shown}");
    assert!(shown.contains("ENCRYPTED_T="), "{shown}");
    assert!(!shown.contains("typed-SENTINEL"), "{shown}");
    assert!(shown.ends_with("exit=0\necho\n"), "{shown}");
}

#[test]
fn an_explicit_value_wins_and_two_indirect_sources_are_refused() {
    let server = Server::start(vec![Reply::status(200)]);
    let sandbox = Sandbox::with_jobs(&job(&server.url("/r")));
    let secret = sandbox.write("phrase.txt", "from-file\n");
    env_file(&sandbox, "ENCRYPTED_REPORT_PHRASE=AAAA\n");
    let run = common::Run::from(
        sandbox
            .jobrun()
            .args(["run", "report"])
            .env("REPORT_PHRASE", "explicit")
            .env("REPORT_PHRASE_FILE", &secret)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(server.requests()[0].body_text(), r#"{"phrase":"explicit"}"#);

    let run = common::Run::from(
        sandbox
            .jobrun()
            .args(["run", "report"])
            .env("REPORT_PHRASE_FILE", &secret)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.starts_with(
            "error: `REPORT_PHRASE` is given both by `REPORT_PHRASE_FILE` and by `ENCRYPTED_REPORT_PHRASE` (job `report`)\n --> jobs.yaml:8:16\n"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("= help: keep one of"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_missing_secret_file_exits_3_naming_the_variable_and_the_path() {
    let sandbox = Sandbox::with_jobs(&job("https://example.com/r"));
    for args in [&["run", "report"][..], &["validate", "--env"]] {
        let run = common::Run::from(
            sandbox
                .jobrun()
                .args(args)
                .env("REPORT_PHRASE_FILE", "/nonexistent/phrase")
                .output()
                .unwrap(),
        );
        assert_eq!(run.code, 3, "{args:?}");
        assert!(
            run.stderr.contains(
                "error: cannot read `REPORT_PHRASE` from `/nonexistent/phrase` (named by `REPORT_PHRASE_FILE`): no such file or directory (job `report`)"
            ),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_variable_set_to_bytes_that_are_not_utf8_is_said_to_be_so_not_unset() {
    use std::os::unix::ffi::OsStrExt as _;
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9");
    let sandbox = Sandbox::with_jobs(&job("http://127.0.0.1:9/r"));
    for name in [
        "REPORT_PHRASE",
        "REPORT_PHRASE_FILE",
        "ENCRYPTED_REPORT_PHRASE",
    ] {
        // The environment wins over `.env`, so its value is the one meant;
        // a value of `REPORT_PHRASE` itself would win over the other two.
        if name == "REPORT_PHRASE" {
            env_file(&sandbox, "REPORT_PHRASE=from-dotenv\n");
        } else {
            env_file(&sandbox, "");
        }
        for args in [&["run", "report"][..], &["validate", "--env"]] {
            let run = common::Run::from(
                sandbox
                    .jobrun()
                    .args(args)
                    .env(name, latin1)
                    .output()
                    .unwrap(),
            );
            assert_eq!(run.code, 3, "{name} {args:?}: {}", run.stderr);
            assert!(
                run.stderr.contains(&format!(
                    "error: `{name}` is set in the environment, but its value is not UTF-8 text (job `report`)"
                )),
                "{name} {args:?}: {}",
                run.stderr
            );
            assert!(!run.stderr.contains("not set"), "{}", run.stderr);
        }
    }
}

#[test]
fn a_value_that_cannot_be_opened_exits_3_naming_it_never_showing_it() {
    let sandbox = Sandbox::with_jobs(&job("https://example.com/r"));
    let sealed = jobrun::fixtures::seal(KEY, b"SENTINEL-plain", [3; 12]);
    for (value, key, why) in [
        (
            sealed.as_str(),
            "SENTINEL-wrong-key",
            "`JWT_ENCRYPTION_KEY` is not the key it was encrypted with, or the value is damaged",
        ),
        ("not base64!", KEY, "it is not base64"),
        (
            "AAAAAAAA",
            KEY,
            "it is too short: 6 bytes, where the iv and tag alone are 28 bytes",
        ),
    ] {
        env_file(
            &sandbox,
            &format!("JWT_ENCRYPTION_KEY=\"{key}\"\nENCRYPTED_REPORT_PHRASE=\"{value}\"\n"),
        );
        let run = sandbox.run(&["run", "report", "--dry-run"]);
        assert_eq!(run.code, 3);
        assert!(
            run.stderr.starts_with(&format!(
                "error: cannot decrypt `ENCRYPTED_REPORT_PHRASE`: {why} (job `report`)\n"
            )),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("jobrun encrypt REPORT_PHRASE"));
        for hidden in ["SENTINEL", value] {
            assert!(!run.stderr.contains(hidden), "{}", run.stderr);
        }
    }
}

#[test]
fn encrypt_refuses_a_missing_key_a_bad_name_and_empty_input() {
    let sandbox = Sandbox::new();
    let run = encrypt(&sandbox, "T", "x");
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .starts_with("error: `JWT_ENCRYPTION_KEY` is not set\n"),
        "{}",
        run.stderr
    );
    env_file(&sandbox, "JWT_ENCRYPTION_KEY=k\n");
    for (name, message) in [
        ("1T", "error: `1T` is not a variable name\n"),
        (
            "ENCRYPTED_T",
            "error: `ENCRYPTED_T` already starts with `ENCRYPTED_`\n",
        ),
        (
            "JWT_ENCRYPTION_KEY",
            "error: `JWT_ENCRYPTION_KEY` cannot be encrypted with itself\n",
        ),
    ] {
        let run = encrypt(&sandbox, name, "x");
        assert_eq!((run.code, run.stdout.as_str()), (2, ""), "{name}");
        assert!(run.stderr.starts_with(message), "{}", run.stderr);
    }
    let run = encrypt(&sandbox, "T", "\n");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: standard input is empty: there is nothing to encrypt\n")
    );
}

#[test]
fn validate_warns_of_literal_credentials_with_place_and_fix_and_strict_fails() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: report\n    schedule: \"30 18 * * 1-5\"\n    url: \"http://bob:hunter2@api.example.com/r\"\n    headers:\n      Authorization: \"Bearer abc.def\"\n",
    );
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "warning: the url holds a user name or password\n --> jobs.yaml:4:18\n  |\n4 |     url: \"http://***********@api.example.com/r\"\n  |                  ^^^^^^^^^^^\n"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "warning: the `Authorization` header is sent over plain http to `api.example.com`\n --> jobs.yaml:4:11\n"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "warning: header `Authorization` holds a literal credential\n --> jobs.yaml:6:22\n  |\n6 |       Authorization: ****************\n"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("3 warnings"), "{}", run.stdout);
    // The warnings about a written credential do not print it again.
    for literal in ["hunter2", "abc.def"] {
        assert!(!run.stderr.contains(literal), "{}", run.stderr);
        assert!(!run.stdout.contains(literal), "{}", run.stdout);
    }

    let strict = sandbox.run(&["validate", "--strict"]);
    assert_eq!(strict.code, 3);
    let json = sandbox.run(&["validate", "--format", "json"]);
    let found: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(found[0]["line"], 4);
    assert_eq!(found[0]["column"], 11);
    assert_eq!(found[0]["severity"], "warning");
}

#[test]
fn validate_warns_of_an_env_file_others_can_read() {
    let sandbox = Sandbox::with_jobs(&job("https://example.com/r"));
    let path = sandbox.write(".env", "REPORT_PHRASE=x\n");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 0);
    golden::assert(
        "diagnostics/env-file-readable-by-its-group.txt",
        &golden::portable(&sandbox, &run.stderr),
    );
    assert_eq!(sandbox.run(&["validate", "--strict"]).code, 3);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = sandbox.run(&["validate", "--strict"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

#[test]
fn the_node_schedulers_files_still_pass_validate() {
    for name in [
        "jobs.yaml",
        "jobs-local.yaml",
        "jobs-test.yaml",
        "sample-jobs.yaml",
    ] {
        let path = common::fixture(&format!("node-scheduler/{name}"));
        let run = Sandbox::new().run(&["--config", path.to_str().unwrap(), "validate"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    }
}

#[test]
fn a_secret_file_that_is_a_fifo_is_refused_rather_than_waited_on() {
    let sandbox = Sandbox::with_jobs(&job("https://example.com/r"));
    let fifo = sandbox.path("phrase");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    for args in [&["run", "report", "--dry-run"][..], &["validate", "--env"]] {
        // Nothing ever writes to the fifo: a run that opened it for reading
        // would wait for a writer for ever, as cron piled up more of it.
        let mut child = sandbox
            .process()
            .args(args)
            .env("REPORT_PHRASE_FILE", &fifo)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{args:?} waited on the fifo");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let run = common::Run::from(child.wait_with_output().unwrap());
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "error: cannot read `REPORT_PHRASE` from `{}` (named by `REPORT_PHRASE_FILE`): it is not a regular file but a fifo (job `report`)",
                fifo.display()
            )),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_warned_credential_stays_hidden_however_its_string_is_written() {
    // Escapes make a string longer in the file than its value, and a plain
    // or quoted string may go on over lines: neither may shift the hiding
    // off the credential it warns of.
    let sandbox = Sandbox::with_jobs(concat!(
        "jobs:\n",
        "  - name: report\n",
        "    schedule: \"30 18 * * 1-5\"\n",
        "    url: \"https://\\u0062ob:SENTINELpw1@api.example.com/r\"\n",
        "    method: POST\n",
        "    headers:\n",
        "      Authorization: Bearer SENTINELplain2\n",
        "        and more\n",
        "      X-Trace: \"\\t\\t\\t\\t\\t\\t\\t\\t\\t\\tsk_live_51HqLyjWDarjtT1zdp7dcXpQ2\"\n",
        "      X-Other: 'it''s it''s it''s it''s it''s ghp_R4nd0mT0k3nW1thM1x3dCa5e9xQz7Lk2'\n",
        "      X-Token: \"\\u00e9\\u00e9\\u00e9\\u00e9 SENTINELquoted3\n",
        "        over two lines\"\n",
        "    data:\n",
        "      k: \"\\u00e9\\u00e9\\u00e9\\u00e9 xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx\"\n",
    ));
    let run = sandbox.run(&["validate", "--color", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr.matches("warning: ").count(), 6, "{}", run.stderr);
    for hidden in [
        "SENTINEL",
        "pw1",
        "plain2",
        "zdp7dcXpQ2",
        "Qz7Lk2",
        "quoted3",
        "AbCdEfGhIjKlMnOpQrStUvWx",
    ] {
        assert!(!run.stderr.contains(hidden), "{hidden}: {}", run.stderr);
    }
    // Each warning still points at the string it is about.
    assert!(
        run.stderr.contains(
            "warning: header `Authorization` holds a literal credential\n --> jobs.yaml:7:22\n"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_credential_written_as_a_placeholders_default_is_warned_of() {
    let sandbox = Sandbox::with_jobs(concat!(
        "jobs:\n",
        "  - name: report\n",
        "    schedule: \"30 18 * * 1-5\"\n",
        "    url: \"https://api.example.com/r\"\n",
        "    headers:\n",
        "      Authorization: \"Bearer ${JWT_TOKEN:-eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.SENTINELsig}\"\n",
        "      X-Api-Key: \"${API_KEY:-SENTINELkey}\"\n",
        "      X-Auth-Token: \"${AUTH_TOKEN:-}\"\n",
        "      X-Session-Token: \"${SESSION_TOKEN}\"\n",
    ));
    let run = sandbox.run(&["validate", "--color", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (line, header) in [(6, "Authorization"), (7, "X-Api-Key")] {
        assert!(
            run.stderr.contains(&format!(
                "warning: header `{header}` holds a literal credential\n --> jobs.yaml:{line}:"
            )),
            "{}",
            run.stderr
        );
    }
    assert!(run.stdout.contains("2 warnings"), "{}", run.stdout);
    assert!(!run.stderr.contains("SENTINEL"), "{}", run.stderr);
    assert_eq!(sandbox.run(&["validate", "--strict"]).code, 3);
}

#[test]
fn addresses_and_paths_in_what_a_job_sends_are_not_taken_for_tokens() {
    let sandbox = Sandbox::with_jobs(concat!(
        "jobs:\n",
        "  - name: report\n",
        "    schedule: \"30 18 * * 1-5\"\n",
        "    url: \"https://api.example.com/r\"\n",
        "    method: POST\n",
        "    data:\n",
        "      callback: \"https://example.com/callback/ReportGenerator2024/HandlerV2\"\n",
        "      output: \"/var/lib/App2024/Reports/WeeklyKpi/Output\"\n",
        "      note: \"see https://wiki.example.com/Teams/Kpi2024/WeeklyReports for the format\"\n",
    ));
    let run = sandbox.run(&["validate", "--strict"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    // A key in base64 holds `/` too, and is still found.
    std::fs::write(
        sandbox.path("jobs.yaml"),
        "jobs:\n  - name: report\n    schedule: \"30 18 * * 1-5\"\n    url: \"https://api.example.com/r\"\n    method: POST\n    data:\n      secret: \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"\n",
    )
    .unwrap();
    let run = sandbox.run(&["validate"]);
    assert!(
        run.stderr.starts_with(
            "warning: a long random-looking token is written in the job file\n --> jobs.yaml:7:16\n"
        ),
        "{}",
        run.stderr
    );
}

#[test]
#[ignore = "consumer: needs script (util-linux) and bash"]
fn encrypt_on_a_terminal_leaves_no_pasted_line_for_the_shell() {
    let sandbox = Sandbox::new();
    env_file(&sandbox, &format!("JWT_ENCRYPTION_KEY=\"{KEY}\"\n"));
    let binary = assert_cmd::cargo::cargo_bin!("jobrun");
    // What the terminal holds after encrypt is what the shell would run
    // next: the rest of a pasted multi-line secret, into its history.
    let shell = format!(
        "'{}' encrypt T; read -r -t 2 rest; echo \"rest=[$rest]\"",
        binary.display()
    );
    let mut child = std::process::Command::new(consumer::require("script"))
        .args(["-qec", &shell, "/dev/null"])
        .current_dir(sandbox.dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SHELL", consumer::require("bash"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script runs");
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || {
        use std::io::Write as _;
        std::thread::sleep(std::time::Duration::from_millis(500));
        let _ = stdin.write_all(b"first-SENTINEL\rsecond-SENTINEL\r");
        std::thread::sleep(std::time::Duration::from_millis(3000));
    });
    let output = child.wait_with_output().unwrap();
    let shown = String::from_utf8_lossy(&output.stdout).replace('\r', "");
    assert!(shown.contains("ENCRYPTED_T="), "{shown}");
    assert!(shown.contains("rest=[]"), "{shown}");
    assert!(!shown.contains("SENTINEL"), "{shown}");
}

#[test]
#[ignore = "consumer: needs script (util-linux) and bash"]
fn encrypt_on_a_terminal_hides_typing_again_after_ctrl_z_and_fg() {
    let sandbox = Sandbox::new();
    env_file(&sandbox, &format!("JWT_ENCRYPTION_KEY=\"{KEY}\"\n"));
    let binary = assert_cmd::cargo::cargo_bin!("jobrun");
    // An interactive shell, for job control, on script(1)'s terminal.
    consumer::require("bash");
    let mut child = std::process::Command::new(consumer::require("script"))
        .args(["-qec", "bash --norc --noprofile -i", "/dev/null"])
        .current_dir(sandbox.dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PS1", "$ ")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script runs");
    let mut stdin = child.stdin.take().unwrap();
    let command = format!("'{}' encrypt T\n", binary.display());
    std::thread::spawn(move || {
        use std::io::Write as _;
        for input in [
            command.as_bytes(),
            b"\x1a",
            b"fg\n",
            b"typed-SENTINEL\r",
            b"exit\n",
        ] {
            std::thread::sleep(std::time::Duration::from_millis(700));
            let _ = stdin.write_all(input);
            let _ = stdin.flush();
        }
        std::thread::sleep(std::time::Duration::from_millis(700));
    });
    let output = child.wait_with_output().unwrap();
    let shown = String::from_utf8_lossy(&output.stdout).replace('\r', "");
    assert!(shown.contains("Stopped"), "{shown}");
    assert!(shown.contains("ENCRYPTED_T="), "{shown}");
    assert!(!shown.contains("typed-SENTINEL"), "{shown}");
}
