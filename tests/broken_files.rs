//! A corpus of broken job files. Each must fail `validate` with exit 3 and
//! never a panic; what it prints (the location, the line with a caret
//! under the culprit, the message and the way out) is the golden file
//! tests/golden/diagnostics/<case>.txt. `JOBRUN_UPDATE_GOLDEN=1` rewrites
//! them (see tests/common/golden.rs).

mod common;

use common::{Sandbox, golden};

/// A job that is fine, to build broken files around.
const OK_JOB: &str =
    "  - name: ok\n    schedule: \"* * * * *\"\n    url: \"https://example.com/x\"\n";

fn job(extra: &str) -> String {
    format!(
        "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://example.com/x\"\n{extra}"
    )
}

struct Case {
    /// Also the golden file's name, with `-` for each space.
    name: &'static str,
    text: Vec<u8>,
}

fn case(name: &'static str, text: impl Into<Vec<u8>>) -> Case {
    Case {
        name,
        text: text.into(),
    }
}

/// The golden file holding what `validate` prints to stderr for `name`.
fn diagnostics(name: &str) -> String {
    format!("diagnostics/{}.txt", name.replace(' ', "-"))
}

fn alias_bomb() -> String {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut previous = 'a';
    for name in 'b'..='j' {
        let refs = vec![format!("*{previous}"); 9].join(",");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        previous = name;
    }
    text.push_str("jobs: []\n");
    text
}

fn corpus() -> Vec<Case> {
    vec![
        case("empty file", ""),
        case("only comments", "# nothing here\n\n"),
        case("not utf-8", &b"jobs:\n  - name: \xff\n"[..]),
        case("unclosed flow list", "jobs: [\n"),
        case("tab indentation", "jobs:\n\t- name: a\n"),
        case("second document", "jobs: []\n---\njobs: []\n"),
        case("top level is a list", "- name: a\n"),
        case("no jobs key", "global: {}\n"),
        case("misspelled jobs key", "jobz: []\n"),
        case("duplicate top-level key", "jobs: []\njobs: []\n"),
        case("jobs is a number", "jobs: 5\n"),
        case("job is a string", "jobs:\n  - a\n"),
        case("global is a list", "global: [1]\njobs: []\n"),
        case(
            "snake case global key",
            "global:\n  default_timeout: 5\njobs: []\n",
        ),
        case("misspelled job key", job("    shedule: x\n")),
        case(
            "duplicate key in a job",
            job("    url: \"https://example.com/y\"\n"),
        ),
        case("duplicate job names", format!("jobs:\n{OK_JOB}{OK_JOB}")),
        case(
            "job without name",
            "jobs:\n  - schedule: \"* * * * *\"\n    url: \"https://example.com\"\n",
        ),
        case(
            "job without schedule",
            "jobs:\n  - name: a\n    url: \"https://example.com\"\n",
        ),
        case(
            "job without url",
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n",
        ),
        case(
            "name with a space",
            "jobs:\n  - name: my job\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "name too long",
            format!(
                "jobs:\n  - name: {}\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n",
                "a".repeat(64)
            ),
        ),
        case(
            "name is a number",
            "jobs:\n  - name: 123\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "schedule with four fields",
            "jobs:\n  - name: a\n    schedule: \"* * * *\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "minute out of range",
            "jobs:\n  - name: a\n    schedule: \"60 * * * *\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "hour out of range",
            "jobs:\n  - name: a\n    schedule: \"0 24 * * *\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "reversed range",
            "jobs:\n  - name: a\n    schedule: \"5-1 * * * *\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "question mark",
            "jobs:\n  - name: a\n    schedule: \"0 0 ? * *\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "last day L",
            "jobs:\n  - name: a\n    schedule: \"0 0 L * *\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "nth weekday hash",
            "jobs:\n  - name: a\n    schedule: \"0 0 * * 5#2\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "reboot macro",
            "jobs:\n  - name: a\n    schedule: \"@reboot\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "step zero",
            "jobs:\n  - name: a\n    schedule: \"*/0 * * * *\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "unknown month name",
            "jobs:\n  - name: a\n    schedule: \"0 0 1 foo *\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "never fires",
            "jobs:\n  - name: a\n    schedule: \"0 0 30 2 *\"\n    url: \"https://e.com\"\n",
        ),
        case(
            "schedule is a number",
            "jobs:\n  - name: a\n    schedule: 5\n    url: \"https://e.com\"\n",
        ),
        case("unknown job zone", job("    timezone: America/Chicgo\n")),
        case(
            "unknown global zone",
            "global:\n  timezone: Mars/Olympus\njobs: []\n",
        ),
        case("unknown method", job("    method: FETCH\n")),
        case(
            "url without scheme",
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: example.com/x\n",
        ),
        case(
            "url with a space",
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com/a b\"\n",
        ),
        case(
            "unterminated placeholder",
            job("    headers:\n      Authorization: \"Bearer ${JWT_TOKEN\"\n"),
        ),
        case(
            "placeholder with a bad name",
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com/${1X}\"\n",
        ),
        case(
            "placeholder error in data",
            job("    method: POST\n    data:\n      when: \"${}\"\n"),
        ),
        case(
            "header name with a space",
            job("    headers:\n      Bad Header: x\n"),
        ),
        case(
            "header value with a line break",
            job("    headers:\n      X-A: |\n        two\n"),
        ),
        case("headers is a list", job("    headers: [a]\n")),
        case("negative timeout", job("    timeout: -5\n")),
        case("timeout string without unit", job("    timeout: \"30\"\n")),
        case("timeout with unknown unit", job("    timeout: 3 weeks\n")),
        case("negative retries", job("    retries: -1\n")),
        case("retries as a word", job("    retries: three\n")),
        case("enabled yes", job("    enabled: yes\n")),
        case(
            "depends on an unknown job",
            job("    dependsOn:\n      job: nope\n"),
        ),
        case("depends on itself", job("    dependsOn:\n      job: a\n")),
        case(
            "unknown condition",
            format!(
                "{}{OK_JOB}",
                job("    dependsOn:\n      job: ok\n      condition: not-ran\n")
            ),
        ),
        case(
            "window of zero minutes",
            format!(
                "{}{OK_JOB}",
                job("    dependsOn:\n      job: ok\n      windowMinutes: 0\n")
            ),
        ),
        case(
            "dependsOn without job",
            job("    dependsOn:\n      condition: failed\n"),
        ),
        case(
            "data and body together",
            job("    method: POST\n    data: {k: v}\n    body: \"k=v\"\n"),
        ),
        case(
            "expectStatus item out of range",
            job("    expectStatus: [200, 600]\n"),
        ),
        case(
            "expectStatus range backwards",
            job("    expectStatus: \"204-200\"\n"),
        ),
        case(
            "unknown followRedirects",
            job("    followRedirects: same_origin\n"),
        ),
        case(
            "retryDelay longer than maxRetryDelay",
            job("    retryDelay: 10s\n    maxRetryDelay: 5s\n"),
        ),
        case("maxResponseBytes of zero", job("    maxResponseBytes: 0\n")),
        case(
            "maxResponseBytes with an ambiguous unit",
            job("    maxResponseBytes: 10 K\n"),
        ),
        case("alias bomb", alias_bomb()),
        case(
            "deep nesting",
            format!("jobs: []\nx: {}{}\n", "[".repeat(200), "]".repeat(200)),
        ),
        case("custom tag", job("    description: !secret x\n")),
        case(
            "infinity in data",
            job("    method: POST\n    data:\n      n: .inf\n"),
        ),
        case("alias to nowhere", "jobs: *nope\n"),
        case(
            "misspelled notify key",
            job("    notify:\n      onFail: {url: \"https://e.com\"}\n"),
        ),
        case(
            "misspelled notification key",
            job(
                "    notify:\n      onFailure:\n        url: \"https://e.com\"\n        header: {}\n",
            ),
        ),
        case(
            "notification without url",
            job("    notify:\n      onRecovery: {method: POST}\n"),
        ),
        case(
            "notification url without scheme",
            job("    notify:\n      onFailure: {url: hooks.example.com/x}\n"),
        ),
        case(
            "notification with data and body",
            job(
                "    notify:\n      onFailure:\n        url: \"https://e.com\"\n        data: {k: v}\n        body: k=v\n",
            ),
        ),
        case(
            "notification timeout of zero",
            job("    notify:\n      onFailure: {url: \"https://e.com\", timeout: 0}\n"),
        ),
        case(
            "cooldown of zero",
            job("    notify:\n      onFailure: {url: \"https://e.com\"}\n      cooldown: 0\n"),
        ),
        case("notify true", job("    notify: true\n")),
        case(
            "global notify false",
            format!("global:\n  notify: false\n{}", job("")),
        ),
        case(
            "healthcheck with a space",
            job("    healthcheck: \"https://hc-ping.com/a b\"\n"),
        ),
        case(
            "unknown notification method",
            format!(
                "global:\n  notify:\n    onFailure: {{url: \"https://e.com\", method: SEND}}\n{}",
                job("")
            ),
        ),
    ]
}

#[test]
fn every_broken_file_fails_with_its_location_and_message() {
    let cases = corpus();
    assert!(cases.len() >= 40, "the corpus keeps at least 40 files");
    let mut names: Vec<String> = cases.iter().map(|c| diagnostics(c.name)).collect();
    names.sort();
    names.dedup();
    assert_eq!(
        names.len(),
        cases.len(),
        "each case has a golden file of its own"
    );
    let mut failures = Vec::new();
    for case in &cases {
        let sandbox = Sandbox::new();
        sandbox.write("jobs.yaml", &case.text);
        let run = sandbox.run(&["validate"]);
        // Whatever a golden file says, a broken file is exit 3, not a panic.
        if run.code != 3 || run.stderr.contains("panicked") {
            failures.push(format!(
                "{}: exit {} (expected 3, never a panic)\n{}",
                case.name, run.code, run.stderr
            ));
        }
        golden::check(
            &diagnostics(case.name),
            &golden::portable(&sandbox, &run.stderr),
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "{} problems in {} cases:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn a_50_mb_file_is_refused_before_parsing() {
    let sandbox = Sandbox::new();
    let line = "# padding padding padding padding padding padding padding padding\n";
    let text = format!("jobs:\n{}", line.repeat(50 * 1024 * 1024 / line.len()));
    sandbox.write("jobs.yaml", text);
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 3);
    golden::assert(
        "diagnostics/larger-than-16-MiB.txt",
        &golden::portable(&sandbox, &run.stderr),
    );
}

#[test]
fn all_problems_are_reported_in_one_pass() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"61 * * * *\"\n    url: \"https://e.com\"\n    retries: x\n  - name: b b\n    schedule: \"* * * * *\"\n    url: \"ftp://e.com\"\n",
    );
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 3);
    golden::assert(
        "diagnostics/four-problems-in-one-pass.txt",
        &golden::portable(&sandbox, &run.stderr),
    );
}

#[test]
fn error_shows_the_line_and_a_caret() {
    // The corpus's `misspelled job key`: its golden file shows line 5 with
    // a caret under `shedule` and the suggestion.
    let sandbox = Sandbox::with_jobs(&job("    shedule: x\n"));
    let run = sandbox.run(&["validate"]);
    golden::assert(
        "diagnostics/misspelled-job-key.txt",
        &golden::portable(&sandbox, &run.stderr),
    );
}

#[test]
fn a_missing_file_names_the_path_and_the_way_out() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 3);
    golden::assert(
        "diagnostics/missing-file.txt",
        &golden::portable(&sandbox, &run.stderr),
    );
}

#[test]
fn an_error_in_global_notify_is_reported_once_for_all_jobs() {
    let sandbox = Sandbox::with_jobs(&format!(
        "global:\n  notify:\n    onFailure: {{url: \"ftp://e.com\"}}\njobs:\n{OK_JOB}{}{}",
        OK_JOB.replace("name: ok", "name: ok2"),
        OK_JOB.replace("name: ok", "name: ok3")
    ));
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 3);
    assert_eq!(
        run.stderr.matches("must start with `http://`").count(),
        1,
        "{}",
        run.stderr
    );
    golden::assert(
        "diagnostics/global-notify-error-once.txt",
        &golden::portable(&sandbox, &run.stderr),
    );
}

#[test]
fn an_unset_notification_variable_fails_validate_env_where_it_is_used() {
    let text = format!(
        "global:\n  notify:\n    onFailure:\n      url: \"${{SLACK_WEBHOOK_URL}}\"\n      data: {{text: \"${{JOB_NAME}}: ${{ERROR}} (${{RUN_ID}}, ${{ATTEMPTS}})\"}}\njobs:\n{OK_JOB}"
    );
    let sandbox = Sandbox::with_jobs(&text);
    let run = sandbox.run(&["validate", "--env"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    golden::assert(
        "diagnostics/unset-notification-variable.txt",
        &golden::portable(&sandbox, &run.stderr),
    );
    // The notification's own placeholders are filled in by jobrun.
    for placeholder in ["JOB_NAME", "ERROR", "RUN_ID", "ATTEMPTS"] {
        assert!(
            !run.stderr.contains(&format!("`{placeholder}`")),
            "{placeholder}: {}",
            run.stderr
        );
    }
    sandbox.write(".env", "SLACK_WEBHOOK_URL=https://hooks.example.com/x\n");
    std::fs::set_permissions(
        sandbox.path(".env"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let run = sandbox.run(&["validate", "--env"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Without `--env`, as before, variables are not looked at.
    std::fs::remove_file(sandbox.path(".env")).unwrap();
    assert_eq!(sandbox.run(&["validate"]).code, 0);
}

#[test]
fn an_unset_notification_variable_of_a_disabled_job_is_a_warning() {
    let text = format!(
        "jobs:\n{OK_JOB}    enabled: false\n    healthcheck: \"https://hc-ping.com/${{HC_PING_KEY}}\"\n"
    );
    let sandbox = Sandbox::with_jobs(&text);
    let run = sandbox.run(&["validate", "--env"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    golden::assert(
        "diagnostics/unset-variable-of-a-disabled-job.txt",
        &golden::portable(&sandbox, &run.stderr),
    );
}

/// The broken files whose fault is one of meaning, not of shape, which a
/// JSON Schema cannot see (only `validate` can), each with the reason.
const SCHEMA_CANNOT_TELL: &[(&str, &str)] = &[
    (
        "duplicate job names",
        "uniqueness of a key's value across items",
    ),
    ("minute out of range", "a cron field's range"),
    ("hour out of range", "a cron field's range"),
    ("reversed range", "a cron range's order"),
    ("step zero", "a cron step's value"),
    ("unknown month name", "which three letters name a month"),
    ("never fires", "which days a month has"),
    ("unknown job zone", "which zones exist"),
    ("unknown global zone", "which zones exist"),
    (
        "unterminated placeholder",
        "placeholder syntax inside a string",
    ),
    (
        "placeholder with a bad name",
        "placeholder syntax inside a string",
    ),
    (
        "placeholder error in data",
        "placeholder syntax inside a string",
    ),
    ("depends on an unknown job", "which jobs the file holds"),
    ("depends on itself", "which job the key is in"),
    (
        "expectStatus range backwards",
        "the order of a range's ends",
    ),
    (
        "retryDelay longer than maxRetryDelay",
        "comparing two keys' durations",
    ),
    ("infinity in data", "YAML's .inf is a number to a schema"),
];

/// The broken files that are not one YAML document of the job file's
/// shape at all: a schema applies to none of them. (The alias bomb would
/// also cost a YAML reader without jobrun's limits all its memory.)
const NOT_A_DOCUMENT: &[&str] = &[
    "empty file",
    "only comments",
    "not utf-8",
    "unclosed flow list",
    "tab indentation",
    "second document",
    "alias bomb",
    "deep nesting",
    "custom tag",
    "alias to nowhere",
];

#[test]
#[ignore = "consumer: needs python3 with jsonschema and ruamel.yaml"]
fn the_schema_refuses_each_broken_file_of_the_wrong_shape() {
    let sandbox = Sandbox::new();
    let schema = sandbox.write("schema.json", sandbox.run(&["schema"]).stdout);
    let cases: Vec<Case> = corpus()
        .into_iter()
        .filter(|c| !NOT_A_DOCUMENT.contains(&c.name))
        .collect();
    let files: Vec<std::path::PathBuf> = cases
        .iter()
        .map(|c| sandbox.write(&format!("{}.yaml", c.name.replace(' ', "-")), &c.text))
        .collect();
    let mut problems = Vec::new();
    for (case, verdict) in cases
        .iter()
        .zip(common::json_schema::check(&schema, &files))
    {
        let cannot_tell = SCHEMA_CANNOT_TELL
            .iter()
            .any(|(name, _)| *name == case.name);
        let refused = verdict.verdict != "ok";
        if refused == cannot_tell {
            problems.push(format!(
                "{}: the schema {} it{}",
                case.name,
                if refused { "refuses" } else { "accepts" },
                if cannot_tell {
                    " (listed as one it cannot tell: remove it from SCHEMA_CANNOT_TELL)"
                } else {
                    ": make the schema refuse it, or list it in SCHEMA_CANNOT_TELL with the reason"
                }
            ));
        }
    }
    for (name, _) in SCHEMA_CANNOT_TELL {
        assert!(cases.iter().any(|c| c.name == *name), "no case `{name}`");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What `validate` prints is bounded whatever the file: a long line is
/// quoted as a window around the culprit, with `…` where it is cut, and a
/// value quoted in a message is cut too.
#[test]
fn a_long_line_is_quoted_as_a_window_around_the_culprit() {
    let long = "Z".repeat(1_000_000);
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: a\n    schedule: \"{}\"\n    url: \"https://example.com/x\"\n    timezone: {long}\n    method: {long}\n",
        "1 ".repeat(100_000)
    ));
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.len() < 4_000, "{} bytes", run.stderr.len());
    assert!(run.stderr.contains("--> jobs.yaml:5:15"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown time zone `ZZZ"),
        "{}",
        run.stderr
    );
    // The line is cut after the window, its caret too.
    let quoted = run.stderr.lines().find(|l| l.starts_with("5 | ")).unwrap();
    assert!(quoted.ends_with('…'), "{quoted}");
    let caret = run
        .stderr
        .lines()
        .skip_while(|l| !l.starts_with("5 | "))
        .nth(1)
        .unwrap();
    assert!(caret.trim_end().ends_with('^'), "{caret}");
    assert!(caret.chars().count() <= quoted.chars().count(), "{caret}");
}

/// A culprit far along a long line is shown with what is just before it,
/// the cut start marked, and the caret under it.
#[test]
fn a_culprit_far_along_a_line_is_shown_with_its_caret() {
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs: [{{name: a, schedule: \"* * * * *\", url: \"https://example.com/x\", description: \"{}\", bogus: 1}}]\n",
        "d".repeat(500_000)
    ));
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.len() < 4_000, "{} bytes", run.stderr.len());
    let quoted = run.stderr.lines().find(|l| l.starts_with("1 | ")).unwrap();
    assert!(quoted.starts_with("1 | …"), "{quoted}");
    let caret = run
        .stderr
        .lines()
        .skip_while(|l| !l.starts_with("1 | "))
        .nth(1)
        .unwrap();
    let at = caret.chars().position(|c| c == '^').unwrap();
    let above: String = quoted.chars().skip(at).take(5).collect();
    assert_eq!(above, "bogus", "{quoted}\n{caret}");
}

/// A file with thousands of problems gets the first fifty in full and a
/// count of the rest; `--format json` still lists every one.
#[test]
fn problems_beyond_fifty_are_counted_not_shown() {
    let mut text = String::from("jobs:\n");
    for i in 0..3000 {
        text.push_str(&format!("  - name: a{i}\n    schedule: nonsense\n"));
    }
    let sandbox = Sandbox::with_jobs(&text);
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("\nerror: ").count() + 1,
        50,
        "{}",
        &run.stderr[..2000]
    );
    assert!(
        run.stderr
            .contains("… and 5950 more problems not shown (5950 errors)"),
        "{}",
        &run.stderr[run.stderr.len() - 1000..]
    );
    assert!(run.stderr.len() < 50_000, "{} bytes", run.stderr.len());
    let json = sandbox.run(&["validate", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(6000),
        "{}",
        &json.stdout[..500]
    );
}

/// Where each problem of a report points, in the order it is shown.
fn places(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("--> "))
        .map(str::to_string)
        .collect()
}

/// Problems the decoder finds (a bad duration, a quoted number, an
/// unknown key) and those the checks find (a schedule, a URL, a name used
/// twice) are one report in the file's order, whichever command shows it.
#[test]
fn every_command_shows_a_files_problems_in_the_order_they_are_written() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"61 * * * *\"\n    url: \"htp://x\"\n    timeout: 5 minutes\n    retries: \"3\"\n  - name: a\n    schedul: \"* * * * *\"\n    url: https://e.com/\n",
    );
    let validate = sandbox.run(&["validate"]);
    assert_eq!(validate.code, 3, "{}", validate.stderr);
    let expected = [
        "jobs.yaml:3:16",
        "jobs.yaml:4:10",
        "jobs.yaml:5:14",
        "jobs.yaml:6:14",
        "jobs.yaml:7:5",
        "jobs.yaml:7:11",
        "jobs.yaml:8:5",
    ];
    assert_eq!(places(&validate.stderr), expected, "{}", validate.stderr);
    for args in [&["run", "a"][..], &["list"], &["crontab"]] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert_eq!(places(&run.stderr), expected, "{args:?}: {}", run.stderr);
    }
}
