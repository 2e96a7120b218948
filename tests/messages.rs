//! What jobrun's messages say and how they are written: backticks that
//! pair up, values from a file or the environment echoed with their
//! control characters escaped, and the right words for what happened.

mod common;

use common::quoting::{assert_well_quoted, badly_quoted};
use common::{Run, Sandbox, golden};

fn job_file(url: &str) -> String {
    format!(
        "jobs:\n  - name: report\n    schedule: \"0 9 * * *\"\n    url: \"{url}\"\n    retries: 0\n"
    )
}

/// Arguments, and the variables set for them.
type Invocation<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

fn run_env(sandbox: &Sandbox, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut command = sandbox.jobrun();
    command.args(args);
    for (name, value) in vars {
        command.env(name, value);
    }
    Run::from(command.output().expect("runs"))
}

#[test]
fn every_golden_diagnostic_is_well_quoted() {
    let dir = golden::path("diagnostics");
    let mut checked = 0;
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for problem in badly_quoted(&text) {
            problems.push(format!("{}: {problem}", path.display()));
        }
        checked += 1;
    }
    assert!(checked > 50, "only {checked} golden files");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn messages_about_flags_and_variables_quote_each_name_once() {
    let sandbox = Sandbox::with_jobs(&job_file("http://127.0.0.1:9/x"));
    sandbox.write("backtick.env", "A=`abc\n");
    sandbox.write("single.env", "A='abc\n");
    sandbox.write("double.env", "A=\"abc\n");
    let cases: &[(Invocation, &str)] = &[
        (
            (&["run", "report", "--output", "/nonexistent/x"], &[]),
            "check the path or value given with `--output`",
        ),
        (
            (&["run", "report", "--log-file", "/nonexistent/x"], &[]),
            "check the path or value given with `--log-file`",
        ),
        (
            (&["run", "report"], &[("http_proxy", "socks5://proxy:1080")]),
            "check the value of `http_proxy`",
        ),
        (
            (&["--env-file", "backtick.env", "run", "report"], &[]),
            "quoted value has no closing backtick",
        ),
        (
            (&["--env-file", "single.env", "run", "report"], &[]),
            "quoted value has no closing `'`",
        ),
        (
            (&["--env-file", "double.env", "run", "report"], &[]),
            "quoted value has no closing `\"`",
        ),
        (
            (&["crontab", "--check", "nowhere"], &[]),
            "check the path or value given with `--check`",
        ),
        ((&["crontab", "--user", "a b"], &[]), "`--user`"),
        ((&["run", "reprot"], &[]), "did you mean `report`?"),
    ];
    for ((args, vars), expected) in cases {
        let run = run_env(&sandbox, args, vars);
        assert_ne!(run.code, 0, "{args:?}");
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert_well_quoted(&format!("{args:?}"), &run.stderr);
    }
}

/// No control character but line breaks and tabs, and no line a value
/// could have started.
fn assert_no_raw_controls(what: &str, text: &str) {
    for c in text.chars() {
        assert!(
            !c.is_control() || c == '\n' || c == '\t',
            "{what}: a raw {c:?} in:\n{text}"
        );
    }
    assert!(
        !text.lines().any(|l| l.starts_with("FORGED")),
        "{what}: a value started a line:\n{text}"
    );
}

#[test]
fn control_characters_from_the_file_or_the_environment_are_escaped_everywhere() {
    let job = |extra: &str| {
        format!(
            "jobs:\n  - name: report\n    schedule: \"0 9 * * *\"\n    url: \"http://127.0.0.1:9/x\"\n{extra}"
        )
    };
    let files: Vec<(&str, String)> = vec![
        ("key", job("    \"x\\e[2J\\nFORGED\\0\": 1\n")),
        ("raw byte", job("    description: a\u{1b}[31mb\u{0}c\n")),
        ("method", job("    method: \"GE\\0T\\nFORGED\"\n")),
        ("name", "jobs:\n  - name: \"a\\nFORGED \\e[31m\"\n    schedule: \"0 9 * * *\"\n    url: \"http://127.0.0.1:9/x\"\n".into()),
        ("header", job("    headers: {\"X-\\e\\nFORGED\": v}\n")),
        ("url", "jobs:\n  - name: report\n    schedule: \"0 9 * * *\"\n    url: \"http://127.0.0.1:9/\\e[31m\\nFORGED\"\n".into()),
        ("schedule", "jobs:\n  - name: report\n    schedule: \"0 9 * * \\e\\nFORGED\"\n    url: \"http://127.0.0.1:9/x\"\n".into()),
        ("zone", job("    timezone: \"Europe/\\e[31m\\nFORGED\"\n")),
    ];
    for (what, text) in &files {
        let sandbox = Sandbox::new();
        sandbox.write("jobs.yaml", text);
        for args in [
            &["--color", "never", "validate"][..],
            &["validate", "--format", "json"],
        ] {
            let run = sandbox.run(args);
            assert_ne!(run.code, 0, "{what}: {}", run.stderr);
            assert_no_raw_controls(&format!("{what} {args:?}"), &run.stderr);
            assert_no_raw_controls(&format!("{what} {args:?}"), &run.stdout);
        }
    }
    // A description is not wrong, but `list` shows it.
    let sandbox = Sandbox::new();
    sandbox.write(
        "jobs.yaml",
        job("    description: \"a\\e]0;title\\a\\nFORGED\"\n"),
    );
    let run = sandbox.run(&["list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_no_raw_controls("list", &run.stdout);
    assert!(
        run.stdout.contains("a\\u{1b}]0;title\\u{7}\\nFORGED"),
        "{}",
        run.stdout
    );

    // From the environment: a value filled into the URL, and paths.
    let sandbox = Sandbox::with_jobs(&job_file("http://127.0.0.1:9/${PART}"));
    sandbox.write("x\u{1b}[31m\nFORGED.yaml", job_file("http://127.0.0.1:9/x"));
    let cases: &[Invocation] = &[
        (&["run", "report"], &[("PART", "a\u{1b}[2J\nFORGED")]),
        (
            &["run", "report", "--dry-run"],
            &[("PART", "a\u{1b}[2J\nFORGED")],
        ),
        (&["-vv", "run", "report"], &[("PART", "a\u{1b}[2J\nFORGED")]),
        (&["list"], &[("JOBRUN_CONFIG", "no\u{1b}[2J\nFORGED.yaml")]),
        (&["-c", "x\u{1b}[31m\nFORGED.yaml", "validate"], &[]),
        (&["-c", "x\u{1b}[31m\nFORGED.yaml", "-v", "validate"], &[]),
        (
            &[
                "-c",
                "x\u{1b}[31m\nFORGED.yaml",
                "systemd",
                "--dir",
                "u\u{1b}\nFORGED",
            ],
            &[],
        ),
        (
            &["--env-file", "no\u{1b}\nFORGED.env", "run", "report"],
            &[("PART", "x")],
        ),
        (
            &["run", "report", "--output", "/nonexistent/\u{1b}\nFORGED"],
            &[("PART", "x")],
        ),
        (
            &["run", "report", "--log-file", "/nonexistent/\u{1b}\nFORGED"],
            &[("PART", "x")],
        ),
    ];
    for (args, vars) in cases {
        let run = run_env(&sandbox, args, vars);
        assert_no_raw_controls(&format!("{args:?}"), &run.stderr);
        assert_no_raw_controls(&format!("{args:?}"), &run.stdout);
    }
}
