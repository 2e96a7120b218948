//! A corpus of broken job files. Each must fail `validate` with exit 3, the
//! exact location and the message, never a panic.

mod common;

use common::Sandbox;

/// A job that is fine, to build broken files around.
const OK_JOB: &str =
    "  - name: ok\n    schedule: \"* * * * *\"\n    url: \"https://example.com/x\"\n";

fn job(extra: &str) -> String {
    format!(
        "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://example.com/x\"\n{extra}"
    )
}

struct Case {
    name: &'static str,
    text: Vec<u8>,
    /// `LINE:COL`, or "" for problems with the whole file.
    at: &'static str,
    message: &'static str,
}

fn case(
    name: &'static str,
    text: impl Into<Vec<u8>>,
    at: &'static str,
    message: &'static str,
) -> Case {
    Case {
        name,
        text: text.into(),
        at,
        message,
    }
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
        case("empty file", "", "", "error: the job file is empty"),
        case(
            "only comments",
            "# nothing here\n\n",
            "",
            "error: the job file is empty",
        ),
        case(
            "not utf-8",
            &b"jobs:\n  - name: \xff\n"[..],
            "2:11",
            "error: the file is not UTF-8 text (byte 0xff)",
        ),
        case(
            "unclosed flow list",
            "jobs: [\n",
            "2:1",
            "error: invalid YAML:",
        ),
        case(
            "tab indentation",
            "jobs:\n\t- name: a\n",
            "2:2",
            "error: invalid YAML:",
        ),
        case(
            "second document",
            "jobs: []\n---\njobs: []\n",
            "2:1",
            "error: the file holds more than one YAML document",
        ),
        case(
            "top level is a list",
            "- name: a\n",
            "1:1",
            "error: the job file must be a mapping of `key: value` lines, found a list",
        ),
        case(
            "no jobs key",
            "global: {}\n",
            "1:1",
            "error: the file has no `jobs:` list",
        ),
        case(
            "misspelled jobs key",
            "jobz: []\n",
            "1:1",
            "error: unknown key `jobz` at the top of the file",
        ),
        case(
            "duplicate top-level key",
            "jobs: []\njobs: []\n",
            "2:1",
            "error: duplicate key `jobs`",
        ),
        case(
            "jobs is a number",
            "jobs: 5\n",
            "1:7",
            "error: `jobs` must be a list, found an integer",
        ),
        case(
            "job is a string",
            "jobs:\n  - a\n",
            "2:5",
            "error: a job must be a mapping of `key: value` lines, found a string",
        ),
        case(
            "global is a list",
            "global: [1]\njobs: []\n",
            "1:9",
            "error: `global` must be a mapping",
        ),
        case(
            "snake case global key",
            "global:\n  default_timeout: 5\njobs: []\n",
            "2:3",
            "error: unknown key `default_timeout` in `global`",
        ),
        case(
            "misspelled job key",
            job("    shedule: x\n"),
            "5:5",
            "error: unknown key `shedule` in a job",
        ),
        case(
            "duplicate key in a job",
            job("    url: \"https://example.com/y\"\n"),
            "5:5",
            "error: duplicate key `url`",
        ),
        case(
            "duplicate job names",
            format!("jobs:\n{OK_JOB}{OK_JOB}"),
            "5:11",
            "error: duplicate job name `ok`",
        ),
        case(
            "job without name",
            "jobs:\n  - schedule: \"* * * * *\"\n    url: \"https://example.com\"\n",
            "2:5",
            "error: a job has no `name`",
        ),
        case(
            "job without schedule",
            "jobs:\n  - name: a\n    url: \"https://example.com\"\n",
            "2:5",
            "error: job `a` has no `schedule`",
        ),
        case(
            "job without url",
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n",
            "2:5",
            "error: job `a` has no `url`",
        ),
        case(
            "name with a space",
            "jobs:\n  - name: my job\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n",
            "2:13",
            "error: job name `my job` contains ` `",
        ),
        case(
            "name too long",
            format!(
                "jobs:\n  - name: {}\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n",
                "a".repeat(64)
            ),
            "2:11",
            "is longer than 63 characters",
        ),
        case(
            "name is a number",
            "jobs:\n  - name: 123\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n",
            "2:11",
            "error: `name` must be a string, found an integer",
        ),
        case(
            "schedule with four fields",
            "jobs:\n  - name: a\n    schedule: \"* * * *\"\n    url: \"https://e.com\"\n",
            "3:16",
            "error: invalid schedule:",
        ),
        case(
            "minute out of range",
            "jobs:\n  - name: a\n    schedule: \"60 * * * *\"\n    url: \"https://e.com\"\n",
            "3:16",
            "`60`",
        ),
        case(
            "hour out of range",
            "jobs:\n  - name: a\n    schedule: \"0 24 * * *\"\n    url: \"https://e.com\"\n",
            "3:18",
            "`24`",
        ),
        case(
            "reversed range",
            "jobs:\n  - name: a\n    schedule: \"5-1 * * * *\"\n    url: \"https://e.com\"\n",
            "3:16",
            "error: invalid schedule:",
        ),
        case(
            "question mark",
            "jobs:\n  - name: a\n    schedule: \"0 0 ? * *\"\n    url: \"https://e.com\"\n",
            "3:20",
            "`?`",
        ),
        case(
            "last day L",
            "jobs:\n  - name: a\n    schedule: \"0 0 L * *\"\n    url: \"https://e.com\"\n",
            "3:20",
            "`L`",
        ),
        case(
            "nth weekday hash",
            "jobs:\n  - name: a\n    schedule: \"0 0 * * 5#2\"\n    url: \"https://e.com\"\n",
            "3:25",
            "`#`",
        ),
        case(
            "reboot macro",
            "jobs:\n  - name: a\n    schedule: \"@reboot\"\n    url: \"https://e.com\"\n",
            "3:16",
            "`@reboot`",
        ),
        case(
            "step zero",
            "jobs:\n  - name: a\n    schedule: \"*/0 * * * *\"\n    url: \"https://e.com\"\n",
            "3:18",
            "step `0`",
        ),
        case(
            "unknown month name",
            "jobs:\n  - name: a\n    schedule: \"0 0 1 foo *\"\n    url: \"https://e.com\"\n",
            "3:22",
            "`foo`",
        ),
        case(
            "never fires",
            "jobs:\n  - name: a\n    schedule: \"0 0 30 2 *\"\n    url: \"https://e.com\"\n",
            "3:16",
            "never",
        ),
        case(
            "schedule is a number",
            "jobs:\n  - name: a\n    schedule: 5\n    url: \"https://e.com\"\n",
            "3:15",
            "error: `schedule` must be a string, found an integer",
        ),
        case(
            "unknown job zone",
            job("    timezone: America/Chicgo\n"),
            "5:15",
            "error: unknown time zone `America/Chicgo`",
        ),
        case(
            "unknown global zone",
            "global:\n  timezone: Mars/Olympus\njobs: []\n",
            "2:13",
            "error: unknown time zone `Mars/Olympus`",
        ),
        case(
            "unknown method",
            job("    method: FETCH\n"),
            "5:13",
            "error: unknown method `FETCH`",
        ),
        case(
            "url without scheme",
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: example.com/x\n",
            "4:10",
            "error: `url` must start with `http://` or `https://`",
        ),
        case(
            "url with a space",
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com/a b\"\n",
            "4:26",
            "error: `url` contains a space",
        ),
        case(
            "unterminated placeholder",
            job("    headers:\n      Authorization: \"Bearer ${JWT_TOKEN\"\n"),
            "6:30",
            "error: invalid placeholder in header `Authorization`",
        ),
        case(
            "placeholder with a bad name",
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com/${1X}\"\n",
            "4:25",
            "error: invalid placeholder in `url`",
        ),
        case(
            "placeholder error in data",
            job("    method: POST\n    data:\n      when: \"${}\"\n"),
            "7:14",
            "error: invalid placeholder in `data`",
        ),
        case(
            "header name with a space",
            job("    headers:\n      Bad Header: x\n"),
            "6:10",
            "error: `Bad Header` is not a valid header name",
        ),
        case(
            "header value with a line break",
            job("    headers:\n      X-A: |\n        two\n"),
            "7:9",
            "error: header `X-A` contains a line break",
        ),
        case(
            "headers is a list",
            job("    headers: [a]\n"),
            "5:14",
            "error: `headers` must be a mapping",
        ),
        case(
            "negative timeout",
            job("    timeout: -5\n"),
            "5:14",
            "error: `timeout` must be more than 0",
        ),
        case(
            "timeout string without unit",
            job("    timeout: \"30\"\n"),
            "5:14",
            "error: `30` has no unit",
        ),
        case(
            "timeout with unknown unit",
            job("    timeout: 3 weeks\n"),
            "5:14",
            "error: `3 weeks` is not a duration",
        ),
        case(
            "negative retries",
            job("    retries: -1\n"),
            "5:14",
            "error: `retries` must be a whole number of at least 0, found `-1`",
        ),
        case(
            "retries as a word",
            job("    retries: three\n"),
            "5:14",
            "error: `retries` must be a whole number of at least 0, found `three`",
        ),
        case(
            "enabled yes",
            job("    enabled: yes\n"),
            "5:14",
            "error: `enabled` must be true or false, found a string",
        ),
        case(
            "depends on an unknown job",
            job("    dependsOn:\n      job: nope\n"),
            "6:12",
            "error: `dependsOn` names no job called `nope`",
        ),
        case(
            "depends on itself",
            job("    dependsOn:\n      job: a\n"),
            "6:12",
            "error: job `a` depends on itself",
        ),
        case(
            "unknown condition",
            format!(
                "{}{OK_JOB}",
                job("    dependsOn:\n      job: ok\n      condition: not-ran\n")
            ),
            "7:18",
            "error: unknown condition `not-ran`",
        ),
        case(
            "window of zero minutes",
            format!(
                "{}{OK_JOB}",
                job("    dependsOn:\n      job: ok\n      windowMinutes: 0\n")
            ),
            "7:22",
            "error: `windowMinutes` must be at least 1",
        ),
        case(
            "dependsOn without job",
            job("    dependsOn:\n      condition: failed\n"),
            "6:7",
            "error: `dependsOn` has no `job`",
        ),
        case(
            "data and body together",
            job("    method: POST\n    data: {k: v}\n    body: \"k=v\"\n"),
            "7:5",
            "error: a job cannot have both `data` and `body`",
        ),
        case(
            "expectStatus item out of range",
            job("    expectStatus: [200, 600]\n"),
            "5:25",
            "error: `600` is not an HTTP status",
        ),
        case(
            "expectStatus range backwards",
            job("    expectStatus: \"204-200\"\n"),
            "5:19",
            "error: the range `204-200` runs backwards",
        ),
        case(
            "unknown followRedirects",
            job("    followRedirects: same_origin\n"),
            "5:22",
            "error: unknown `followRedirects` value `same_origin`",
        ),
        case(
            "retryDelay longer than maxRetryDelay",
            job("    retryDelay: 10s\n    maxRetryDelay: 5s\n"),
            "5:17",
            "error: `retryDelay` (10s) is longer than `maxRetryDelay` (5s)",
        ),
        case(
            "maxResponseBytes of zero",
            job("    maxResponseBytes: 0\n"),
            "5:23",
            "error: `maxResponseBytes` must be more than 0",
        ),
        case(
            "maxResponseBytes with an ambiguous unit",
            job("    maxResponseBytes: 10 K\n"),
            "5:23",
            "error: `10 K` has an unknown unit `K`",
        ),
        case(
            "alias bomb",
            alias_bomb(),
            "",
            "error: aliases expand to more than",
        ),
        case(
            "deep nesting",
            format!("jobs: []\nx: {}{}\n", "[".repeat(200), "]".repeat(200)),
            "",
            "nest deeper than 64 levels",
        ),
        case(
            "custom tag",
            job("    description: !secret x\n"),
            "5:18",
            "error: unsupported YAML tag `!secret`",
        ),
        case(
            "infinity in data",
            job("    method: POST\n    data:\n      n: .inf\n"),
            "7:10",
            "error: JSON has no infinity or NaN",
        ),
        case("alias to nowhere", "jobs: *nope\n", "", "error:"),
        case(
            "misspelled notify key",
            job("    notify:\n      onFail: {url: \"https://e.com\"}\n"),
            "6:7",
            "error: unknown key `onFail` in `notify`",
        ),
        case(
            "misspelled notification key",
            job(
                "    notify:\n      onFailure:\n        url: \"https://e.com\"\n        header: {}\n",
            ),
            "8:9",
            "error: unknown key `header` in `onFailure`",
        ),
        case(
            "notification without url",
            job("    notify:\n      onRecovery: {method: POST}\n"),
            "6:19",
            "error: `onRecovery` has no `url`",
        ),
        case(
            "notification url without scheme",
            job("    notify:\n      onFailure: {url: hooks.example.com/x}\n"),
            "6:24",
            "error: `url` must start with `http://` or `https://`",
        ),
        case(
            "notification with data and body",
            job(
                "    notify:\n      onFailure:\n        url: \"https://e.com\"\n        data: {k: v}\n        body: k=v\n",
            ),
            "9:9",
            "error: a notification cannot have both `data` and `body`",
        ),
        case(
            "notification timeout of zero",
            job("    notify:\n      onFailure: {url: \"https://e.com\", timeout: 0}\n"),
            "6:50",
            "error: `timeout` must be more than 0",
        ),
        case(
            "cooldown of zero",
            job("    notify:\n      onFailure: {url: \"https://e.com\"}\n      cooldown: 0\n"),
            "7:17",
            "error: `cooldown` must be more than 0",
        ),
        case(
            "notify true",
            job("    notify: true\n"),
            "5:13",
            "error: `notify: true` is not a setting",
        ),
        case(
            "global notify false",
            format!("global:\n  notify: false\n{}", job("")),
            "2:11",
            "error: `notify: false` in `global` turns nothing off",
        ),
        case(
            "healthcheck with a space",
            job("    healthcheck: \"https://hc-ping.com/a b\"\n"),
            "5:40",
            "error: `healthcheck` contains a space",
        ),
        case(
            "unknown notification method",
            format!(
                "global:\n  notify:\n    onFailure: {{url: \"https://e.com\", method: SEND}}\n{}",
                job("")
            ),
            "3:47",
            "error: unknown method `SEND`",
        ),
    ]
}

#[test]
fn every_broken_file_fails_with_its_location_and_message() {
    let cases = corpus();
    assert!(cases.len() >= 40, "the corpus keeps at least 40 files");
    let mut failures = Vec::new();
    for case in &cases {
        let sandbox = Sandbox::new();
        sandbox.write("jobs.yaml", &case.text);
        let run = sandbox.run(&["validate"]);
        let location = if case.at.is_empty() {
            String::new()
        } else {
            format!("jobs.yaml:{}", case.at)
        };
        let problems: Vec<&str> = [
            (run.code != 3).then_some("exit code is not 3"),
            (!run.stderr.contains(&location)).then_some("location missing"),
            (!run.stderr.contains(case.message)).then_some("message missing"),
            run.stderr.contains("panicked").then_some("panicked"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {} (expected `{location}` and `{}`)\nexit {}\n{}",
                case.name,
                problems.join(", "),
                case.message,
                run.code,
                run.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
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
    assert!(
        run.stderr.contains("the file is larger than 16 MiB"),
        "{}",
        run.stderr
    );
}

#[test]
fn all_problems_are_reported_in_one_pass() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"61 * * * *\"\n    url: \"https://e.com\"\n    retries: x\n  - name: b b\n    schedule: \"* * * * *\"\n    url: \"ftp://e.com\"\n",
    );
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 3);
    for at in [
        "jobs.yaml:3:16",
        "jobs.yaml:5:14",
        "jobs.yaml:6:12",
        "jobs.yaml:8:10",
    ] {
        assert!(run.stderr.contains(at), "missing {at} in\n{}", run.stderr);
    }
    assert!(run.stderr.contains("4 errors"), "{}", run.stderr);
}

#[test]
fn error_shows_the_line_and_a_caret() {
    let sandbox = Sandbox::with_jobs(&job("    shedule: x\n"));
    let run = sandbox.run(&["validate"]);
    assert!(
        run.stderr
            .contains("5 |     shedule: x\n  |     ^^^^^^^\n  = help: did you mean `schedule`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_file_names_the_path_and_the_way_out() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("cannot read the job file: no such file or directory"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--config PATH"), "{}", run.stderr);
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
    assert!(run.stderr.contains("jobs.yaml:3:22"), "{}", run.stderr);
    assert!(run.stderr.contains("3 jobs, 1 error"), "{}", run.stderr);
}

#[test]
fn an_unset_notification_variable_fails_validate_env_where_it_is_used() {
    let text = format!(
        "global:\n  notify:\n    onFailure:\n      url: \"${{SLACK_WEBHOOK_URL}}\"\n      data: {{text: \"${{JOB_NAME}}: ${{ERROR}} (${{RUN_ID}}, ${{ATTEMPTS}})\"}}\njobs:\n{OK_JOB}"
    );
    let sandbox = Sandbox::with_jobs(&text);
    let run = sandbox.run(&["validate", "--env"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error: variable `SLACK_WEBHOOK_URL` is not set (job `ok`, used by its notifications)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("jobs.yaml:4:13"), "{}", run.stderr);
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
    let run = Sandbox::with_jobs(&text).run(&["validate", "--env"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "warning: variable `HC_PING_KEY` is not set (job `ok`, used by its healthcheck); the job is disabled"
        ),
        "{}",
        run.stderr
    );
}
