//! Coming from the Node scheduler: `validate` names what jobrun does
//! differently with one of its files, `migrate` rewrites the file to keep
//! what it did, and the rewritten file sends what the Node scheduler was
//! seen sending (tests/fixtures/node-scheduler/observed-requests.md).

mod common;

use common::server::{Reply, Server};
use common::{Run, Sandbox, consumer, fixture, golden, repo_file};

/// The Node scheduler's shipped job files, and the one written to record
/// what it sent.
const NODE_FILES: [&str; 5] = [
    "jobs.yaml",
    "jobs-local.yaml",
    "jobs-test.yaml",
    "sample-jobs.yaml",
    "quirks-jobs.yaml",
];

fn node_file(name: &str) -> String {
    std::fs::read_to_string(fixture("node-scheduler").join(name)).unwrap()
}

/// A sandbox holding the Node scheduler's file `name` under its own name.
fn with_node_file(name: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write(name, node_file(name));
    sandbox
}

/// `jobrun ARGS` with `TZ` unset, as on a host where the Node scheduler
/// ran in its default zone.
fn without_tz(sandbox: &Sandbox, args: &[&str]) -> Run {
    Run::from(
        sandbox
            .jobrun()
            .env_remove("TZ")
            .args(args)
            .output()
            .unwrap(),
    )
}

/// The warnings `validate` printed: each `(place, message)`.
fn warnings(stderr: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = stderr.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let message = line.strip_prefix("warning: ")?;
            let place = lines.get(i + 1)?.trim_start().strip_prefix("--> ")?;
            Some((place.to_string(), message.to_string()))
        })
        .collect()
}

/// What `validate` must name in each file: the place of each warning about
/// the Node scheduler, and a piece of its message. Every other warning in
/// these files is one jobrun gives any file.
const FACTS: &[(&str, &[(&str, &str)])] = &[
    (
        "jobs.yaml",
        &[
            ("jobs.yaml", "looks like a Node scheduler file"),
            ("jobs.yaml:4:1", "the file names no `timezone`"),
            ("jobs.yaml:6:19", "`defaultRetries: 3` now makes 4 attempts"),
            ("jobs.yaml:67:7", "`weekRange: current`"),
            (
                "jobs.yaml:74:11",
                "job `health-check-test` sends no `Authorization`",
            ),
        ],
    ),
    (
        "jobs-local.yaml",
        &[
            ("jobs-local.yaml", "looks like a Node scheduler file"),
            ("jobs-local.yaml:4:1", "the file names no `timezone`"),
            (
                "jobs-local.yaml:6:19",
                "`defaultRetries: 3` now makes 4 attempts",
            ),
            (
                "jobs-local.yaml:40:11",
                "job `kpi-service-health-check-local` sends no `Authorization`",
            ),
            ("jobs-local.yaml:60:19", "jobrun fills in `${NOW}`"),
            (
                "jobs-local.yaml:69:11",
                "job `test-api-health-check` sends no `Authorization`",
            ),
        ],
    ),
    (
        "jobs-test.yaml",
        &[
            ("jobs-test.yaml", "looks like a Node scheduler file"),
            ("jobs-test.yaml:4:1", "the file names no `timezone`"),
            (
                "jobs-test.yaml:6:19",
                "`defaultRetries: 3` now makes 4 attempts",
            ),
            ("jobs-test.yaml:22:19", "jobrun fills in `${NOW}`"),
            (
                "jobs-test.yaml:30:11",
                "job `health-check-test` sends no `Authorization`",
            ),
        ],
    ),
    (
        "sample-jobs.yaml",
        &[
            ("sample-jobs.yaml", "looks like a Node scheduler file"),
            ("sample-jobs.yaml:4:1", "the file names no `timezone`"),
            (
                "sample-jobs.yaml:6:19",
                "`defaultRetries: 3` now makes 4 attempts",
            ),
            (
                "sample-jobs.yaml:12:11",
                "job `test-api-call` sends no `Authorization`",
            ),
            (
                "sample-jobs.yaml:20:11",
                "job `health-check` sends no `Authorization`",
            ),
            ("sample-jobs.yaml:38:19", "jobrun fills in `${NOW}`"),
        ],
    ),
    (
        "quirks-jobs.yaml",
        &[
            ("quirks-jobs.yaml", "looks like a Node scheduler file"),
            ("quirks-jobs.yaml:2:1", "the file names no `timezone`"),
            (
                "quirks-jobs.yaml:4:19",
                "`defaultRetries: 3` now makes 4 attempts",
            ),
            (
                "quirks-jobs.yaml:8:11",
                "job `no-auth-header` sends no `Authorization`",
            ),
            (
                "quirks-jobs.yaml:11:13",
                "sent `Content-Type: application/json` with job `no-auth-header`'s GET",
            ),
            (
                "quirks-jobs.yaml:17:7",
                "the Node scheduler sent `Authorization: Bearer ${JWT_TOKEN}` instead, for job `other-token`",
            ),
            (
                "quirks-jobs.yaml:22:13",
                "job `lowercase-auth` sends its POST without a body or a `Content-Type`",
            ),
            (
                "quirks-jobs.yaml:25:11",
                "job `get-with-data` sends no `Authorization`",
            ),
            (
                "quirks-jobs.yaml:28:13",
                "sent `Content-Type: application/json` with job `get-with-data`'s GET",
            ),
            ("quirks-jobs.yaml:37:7", "`weekRange: current`"),
            (
                "quirks-jobs.yaml:38:13",
                "jobrun sends `current_week_start` as written",
            ),
            (
                "quirks-jobs.yaml:39:16",
                "jobrun sends `current_week_end` as written",
            ),
            ("quirks-jobs.yaml:41:13", "jobrun fills in `${NOW}`"),
            (
                "quirks-jobs.yaml:43:11",
                "job `put-text` sends no `Authorization`",
            ),
        ],
    ),
];

/// Warnings every job file can get, whoever wrote it.
fn is_about_jobrun_alone(message: &str) -> bool {
    message.starts_with("the `Authorization` header is sent over plain http")
        || message == "`data` is not sent with GET"
        // A clock change the schedule meets in the zone the file now
        // names: jobrun's own note, as for any file in that zone.
        || message.contains("clocks go back from")
        || message.contains("clocks go forward from")
}

#[test]
fn validate_names_every_change_in_each_node_scheduler_file() {
    let mut mismatches = Vec::new();
    for (name, facts) in FACTS {
        let sandbox = with_node_file(name);
        let run = sandbox.run(&["--config", name, "validate"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        golden::check(
            &format!("migrate/validate-{name}.txt"),
            &run.stderr,
            &mut mismatches,
        );
        let found: Vec<(String, String)> = warnings(&run.stderr)
            .into_iter()
            .filter(|(_, message)| !is_about_jobrun_alone(message))
            .collect();
        let places: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        let expected: Vec<&str> = facts.iter().map(|(p, _)| *p).collect();
        assert_eq!(places, expected, "{name}:\n{}", run.stderr);
        for ((_, message), (place, piece)) in found.iter().zip(facts.iter()) {
            assert!(message.contains(piece), "{place}: {message}");
        }
        assert!(
            run.stderr.contains(&format!(
                "help: `jobrun migrate {name}` prints the file rewritten"
            )),
            "{}",
            run.stderr
        );
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn validate_says_nothing_of_the_node_scheduler_for_a_file_that_is_jobruns_own() {
    // The same file with a key only jobrun knows: written for jobrun.
    let text = node_file("quirks-jobs.yaml")
        .replace("global:\n", "global:\n  timezone: America/Chicago\n");
    let run = Sandbox::with_jobs(&text).run(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("Node scheduler"), "{}", run.stderr);
    // A key only jobrun knows in a job makes it jobrun's too.
    let text = node_file("quirks-jobs.yaml").replace(
        "    method: GET\n    data:",
        "    method: GET\n    expectStatus: 200\n    data:",
    );
    let run = Sandbox::with_jobs(&text).run(&["validate"]);
    assert!(!run.stderr.contains("Node scheduler"), "{}", run.stderr);
    // The shipped jobrun file, strict.
    let config = repo_file("jobs.yaml").display().to_string();
    let run = Sandbox::new().run(&["--config", &config, "validate", "--strict"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn validate_says_nothing_of_the_node_scheduler_without_its_global_section() {
    // Only keys the Node scheduler knew, but no `global:`: the README's
    // quick start writes such a file.
    let text = "jobs:\n  - name: hello\n    schedule: \"*/5 * * * *\"\n    url: \"https://httpbin.org/post\"\n    method: POST\n    headers:\n      Authorization: \"Bearer ${API_TOKEN}\"\n    data:\n      message: \"hello from ${JOB_NAME} at ${NOW}\"\n";
    let run = Sandbox::with_jobs(text).run(&["validate", "--strict"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    // With a `global:` of its keys, the same jobs are the Node scheduler's.
    let run =
        Sandbox::with_jobs(&format!("global:\n  defaultTimeout: 10000\n{text}")).run(&["validate"]);
    let found = warnings(&run.stderr);
    assert!(
        found
            .iter()
            .any(|(_, m)| m.contains("jobrun fills in `${NOW}`")),
        "{}",
        run.stderr
    );
    assert!(
        found.iter().any(|(_, m)| m
            .contains("the Node scheduler sent `Authorization: Bearer ${JWT_TOKEN}` instead")),
        "{}",
        run.stderr
    );
}

#[test]
fn migrate_rewrites_each_node_scheduler_file_keeping_its_lines_and_comments() {
    let mut mismatches = Vec::new();
    for name in NODE_FILES {
        let sandbox = with_node_file(name);
        let run = without_tz(&sandbox, &["migrate", name]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        golden::check(&format!("migrate/{name}"), &run.stdout, &mut mismatches);
        assert!(
            run.stderr
                .starts_with(&format!("{name}: rewritten for jobrun (")),
            "{}",
            run.stderr
        );
        // Every comment of the original is still there, in order.
        let comments = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.find('#').map(|i| l[i..].to_string()))
                .collect()
        };
        let kept = comments(&run.stdout);
        let mut rest = kept.iter();
        for comment in comments(&node_file(name)) {
            assert!(rest.any(|c| *c == comment), "{name}: lost {comment:?}");
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn migrated_files_validate_without_a_word_of_the_node_scheduler_and_stay_as_they_are() {
    for name in NODE_FILES {
        let sandbox = with_node_file(name);
        let migrated = without_tz(&sandbox, &["migrate", name]);
        sandbox.write("migrated.yaml", &migrated.stdout);

        let run = sandbox.run(&["--config", "migrated.yaml", "validate"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert!(
            !run.stderr.contains("Node scheduler"),
            "{name}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("node-cron"), "{name}: {}", run.stderr);
        for (_, message) in warnings(&run.stderr) {
            assert!(is_about_jobrun_alone(&message), "{name}: {message}");
        }

        // Migrating the output changes nothing.
        let again = without_tz(&sandbox, &["migrate", "migrated.yaml"]);
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert_eq!(again.stdout, migrated.stdout, "{name}");
        assert!(
            again
                .stderr
                .starts_with("migrated.yaml: already a jobrun file (`timezone` at line "),
            "{}",
            again.stderr
        );

        // `--check`: 1 while a file still needs migrating, 0 after.
        let check = without_tz(&sandbox, &["migrate", "--check", name]);
        assert_eq!(check.code, 1, "{name}: {}", check.stderr);
        assert_eq!(check.stdout, "");
        assert!(
            check
                .stderr
                .contains(&format!("run `jobrun migrate {name}`")),
            "{}",
            check.stderr
        );
        let check = without_tz(&sandbox, &["migrate", "--check", "migrated.yaml"]);
        assert_eq!(
            (check.code, check.stdout.as_str()),
            (0, ""),
            "{}",
            check.stderr
        );
    }
}

#[test]
fn migrate_takes_the_node_schedulers_zone_from_tz_or_the_flag() {
    let sandbox = with_node_file("jobs.yaml");
    let zone_line = |run: &Run| {
        run.stdout
            .lines()
            .find(|l| l.trim_start().starts_with("timezone:"))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let run = without_tz(&sandbox, &["migrate", "jobs.yaml"]);
    assert_eq!(
        zone_line(&run),
        "timezone: America/Chicago  # the Node scheduler read every schedule in this zone (its default, as TZ was not set)"
    );
    let run = sandbox.run(&["migrate", "jobs.yaml"]);
    assert_eq!(
        zone_line(&run),
        "timezone: UTC  # the Node scheduler read every schedule in this zone (from TZ)"
    );
    let run = Run::from(
        sandbox
            .jobrun()
            .env("TZ", ":Europe/Paris")
            .args(["migrate", "jobs.yaml"])
            .output()
            .unwrap(),
    );
    assert!(
        zone_line(&run).starts_with("timezone: Europe/Paris  #"),
        "{}",
        run.stdout
    );
    let run = sandbox.run(&["migrate", "--tz", "Asia/Tokyo", "jobs.yaml"]);
    assert_eq!(
        zone_line(&run),
        "timezone: Asia/Tokyo  # the Node scheduler read every schedule in this zone (given with --tz)"
    );
    // An empty TZ was no zone to the Node scheduler either.
    let run = Run::from(
        sandbox
            .jobrun()
            .env("TZ", "")
            .args(["migrate", "jobs.yaml"])
            .output()
            .unwrap(),
    );
    assert!(zone_line(&run).starts_with("timezone: America/Chicago  #"));
}

#[test]
fn migrate_refuses_a_zone_it_cannot_write() {
    let sandbox = with_node_file("jobs.yaml");
    let run = sandbox.run(&["migrate", "--tz", "Mars/Olympus", "jobs.yaml"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("error: `Mars/Olympus` is not a time zone name jobrun knows"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`--tz`"), "{}", run.stderr);
    let run = Run::from(
        sandbox
            .jobrun()
            .env("TZ", "/usr/share/zoneinfo/America/Chicago")
            .args(["migrate", "jobs.yaml"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("give the zone the Node scheduler read its schedules in with `--tz`"),
        "{}",
        run.stderr
    );
    // `TZ` matters only to a file that is migrated; a wrong `--tz` is
    // wrong whatever the file.
    let config = repo_file("jobs.yaml").display().to_string();
    let run = Run::from(
        sandbox
            .jobrun()
            .env("TZ", "/usr/share/zoneinfo/America/Chicago")
            .args(["migrate", &config])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, std::fs::read_to_string(&config).unwrap());
    let run = sandbox.run(&["migrate", "--tz", "Mars/Olympus", &config]);
    assert_eq!(run.code, 3, "{}", run.stderr);
}

#[test]
fn migrate_refuses_a_file_with_errors_and_points_at_them() {
    let text = node_file("jobs.yaml").replace("enabled: false", "enabled: \"false\"");
    let sandbox = Sandbox::with_jobs(&text);
    let run = without_tz(&sandbox, &["migrate"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("--> jobs.yaml:22:14"), "{}", run.stderr);
}

#[test]
fn migrate_stops_at_a_schedule_no_standard_expression_can_keep() {
    // node-cron ran this on even days that were weekdays, which cron
    // cannot say.
    let text = node_file("jobs.yaml").replace("\"30 18 * * 1-5\"", "\"30 18 */2 * 1-5\"");
    let sandbox = Sandbox::with_jobs(&text);
    let run = without_tz(&sandbox, &["migrate"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(
            "error: job `kpi-evening-report`'s schedule `30 18 */2 * 1-5` has no standard expression"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> jobs.yaml:27:15"), "{}", run.stderr);
}

#[test]
fn a_credential_written_in_a_node_file_is_not_repeated_by_validate_or_migrate() {
    const LITERAL: &str = "SENTINEL-literal-Zq8x";
    let text = format!(
        "global:\n  defaultRetries: 2\n  defaultHeaders:\n    authorization: \"Bearer {LITERAL}\"\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n    headers:\n      Authorization: \"Bearer ${{OTHER_TOKEN}}\"\n"
    );
    let sandbox = Sandbox::with_jobs(&text);
    let run = sandbox.run(&["validate"]);
    assert!(
        run.stderr
            .contains("the Node scheduler sent the `authorization` header of line 4 instead"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(LITERAL), "{}", run.stderr);
    let run = without_tz(&sandbox, &["migrate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches(LITERAL).count(), 1, "{}", run.stdout);
    assert!(!run.stderr.contains(LITERAL), "{}", run.stderr);
}

/// One row of observed-requests.md: what the server received for a job.
#[derive(Debug)]
struct Observed {
    job: String,
    method: String,
    headers: Vec<(String, String)>,
    /// `None` for no body at all.
    body: Option<String>,
}

impl Observed {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The table of observed-requests.md, read as written.
fn observed(text: &str) -> Vec<Observed> {
    let rows = text
        .lines()
        .skip_while(|l| !l.starts_with("|---"))
        .skip(1)
        .take_while(|l| l.starts_with('|'));
    rows.map(|row| {
        let cells: Vec<&str> = row
            .trim()
            .trim_matches('|')
            .split(" | ")
            .map(str::trim)
            .collect();
        assert_eq!(cells.len(), 4, "{row}");
        let headers = cells[2]
            .split("; ")
            .filter(|h| *h != "...")
            .map(|h| {
                let h = h.replace("**", "").replace("\\*", "*");
                // A note in parentheses follows some headers.
                let h = h.split(" (").next().unwrap().to_string();
                let (name, value) = h.split_once(": ").unwrap_or_else(|| panic!("{h}"));
                (name.to_string(), value.to_string())
            })
            .collect();
        let body = match cells[3] {
            b if b.starts_with("(none") => None,
            "(empty)" => Some(String::new()),
            b => Some(
                b.split('`')
                    .nth(1)
                    .unwrap_or_else(|| panic!("{b}"))
                    .to_string(),
            ),
        };
        Observed {
            job: cells[0].trim().to_string(),
            method: cells[1].trim().to_string(),
            headers,
            body,
        }
    })
    .collect()
}

#[test]
fn the_observed_requests_are_read_as_written() {
    let rows = observed(&node_file("observed-requests.md"));
    let jobs: Vec<&str> = rows.iter().map(|r| r.job.as_str()).collect();
    assert_eq!(
        jobs,
        [
            "no-auth-header",
            "other-token",
            "lowercase-auth",
            "get-with-data",
            "week-range",
            "put-text"
        ]
    );
    assert_eq!(
        rows[1].header("authorization"),
        Some("Bearer jwt-token-value")
    );
    assert_eq!(rows[1].body.as_deref(), Some("{\"a\":1}"));
    assert_eq!(rows[2].body.as_deref(), Some(""));
    assert_eq!(rows[3].body, None);
    assert_eq!(rows[5].body.as_deref(), Some("\"plain text body\""));
}

/// Monday and Friday of the week `at` falls in, in Chicago.
fn chicago_week(at: jiff::Timestamp) -> (String, String) {
    let today = at
        .to_zoned_datetime(jiff::tz::TimeZone::get("America/Chicago").unwrap())
        .date();
    let monday = today
        .checked_sub(jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset())))
        .unwrap();
    let friday = monday.checked_add(jiff::Span::new().days(4)).unwrap();
    (monday.to_string(), friday.to_string())
}

#[test]
fn the_migrated_quirks_file_sends_what_the_node_scheduler_sent() {
    let notes = node_file("observed-requests.md");
    let rows = observed(&notes);
    // Rows leave out the `Content-Type` every request carried, as the
    // notes under the table say.
    assert!(
        notes.contains("- Every request carried `Content-Type: application/json`, GET included")
    );
    let server = Server::start(vec![Reply::status(200); rows.len()]);
    let text = node_file("quirks-jobs.yaml").replace("127.0.0.1:PORT", &server.origin()[7..]);
    let sandbox = Sandbox::new();
    sandbox.write("quirks-jobs.yaml", &text);
    let migrated = without_tz(&sandbox, &["migrate", "quirks-jobs.yaml"]);
    assert_eq!(migrated.code, 0, "{}", migrated.stderr);
    sandbox.write("jobs.yaml", &migrated.stdout);
    let run = |job: &str, extra: &[(&str, &str)]| {
        let mut command = sandbox.jobrun();
        command
            .args(["run", job])
            .env("JWT_TOKEN", "jwt-token-value")
            .env("AIRCALL_API_TOKEN", "aircall-token-value");
        for (name, value) in extra {
            command.env(name, value);
        }
        Run::from(command.output().unwrap())
    };

    // jobrun refuses to send a variable that is not set, where the Node
    // scheduler sent `${NOT_SET_ANYWHERE}` as text: nothing goes out.
    let refused = run("week-range", &[]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("NOT_SET_ANYWHERE"),
        "{}",
        refused.stderr
    );
    assert!(server.requests().is_empty());

    let before = jiff::Timestamp::now();
    for row in &rows {
        let ran = run(&row.job, &[("NOT_SET_ANYWHERE", "set-for-this-run")]);
        assert_eq!(ran.code, 0, "{}: {}", row.job, ran.stderr);
    }
    let after = jiff::Timestamp::now();
    let received = server.requests();
    assert_eq!(received.len(), rows.len());

    for (row, got) in rows.iter().zip(&received) {
        let job = row.job.as_str();
        assert_eq!(got.method, row.method, "{job}");
        assert_eq!(got.target, format!("/ok?job={job}"), "{job}");

        // Authorization: what the Node scheduler sent, but where the job
        // named its own token, which jobrun sends instead.
        let authorization = row.header("authorization").unwrap();
        if job == "other-token" {
            assert_eq!(authorization, "Bearer jwt-token-value");
            assert_eq!(
                got.header("authorization"),
                Some("Bearer aircall-token-value"),
                "{job}"
            );
        } else {
            assert_eq!(got.header("authorization"), Some(authorization), "{job}");
        }

        // Content-Type: as sent, but none on a GET without a body, where
        // it means nothing.
        let content_type = row.header("content-type").unwrap_or("application/json");
        if row.method == "GET" {
            assert_eq!(content_type, "application/json");
            assert_eq!(got.header("content-type"), None, "{job}");
        } else {
            assert_eq!(got.header("content-type"), Some(content_type), "{job}");
        }
        assert_eq!(got.header("x-team"), row.header("x-team"), "{job}");

        // The body, compared as JSON.
        let Some(expected) = &row.body else {
            assert!(got.body.is_empty(), "{job}: {}", got.body_text());
            continue;
        };
        if expected.is_empty() {
            assert_eq!(got.body_text(), "", "{job}");
            continue;
        }
        let mut expected: serde_json::Value = serde_json::from_str(expected).unwrap();
        let ours: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
        if job == "week-range" {
            // `${NOW}` is filled in, where the Node scheduler sent the text.
            assert_eq!(expected["now"], "${NOW}");
            let now: jiff::Timestamp = ours["now"].as_str().unwrap().parse().unwrap();
            assert!(
                before.as_second() <= now.as_second() && now <= after,
                "{now}"
            );
            expected["now"] = ours["now"].clone();
            // An unset variable is refused (above); this one was set.
            assert_eq!(expected["unset"], "${NOT_SET_ANYWHERE}");
            assert_eq!(ours["unset"], "set-for-this-run");
            expected["unset"] = ours["unset"].clone();
            // The dates are this week's, as they were that week's.
            let (monday, friday) = chicago_week(after);
            for (key, observed_day, day) in [
                ("bare", "2026-11-30", &monday),
                ("placeholder", "2026-11-30", &monday),
                ("startDate", "2026-11-30", &monday),
                ("bareEnd", "2026-12-04", &friday),
                ("endDate", "2026-12-04", &friday),
            ] {
                assert_eq!(expected[key], observed_day, "{key}");
                expected[key] = serde_json::Value::String(day.clone());
            }
        }
        assert_eq!(ours, expected, "{job}");
    }
}

#[test]
#[ignore = "consumer: needs node"]
fn node_cron_itself_still_reads_and_fires_as_the_fixtures_say() {
    let node = consumer::require("node");
    let dir = fixture("node-cron");
    assert!(
        dir.join("node_modules/node-cron").is_dir() && dir.join("node_modules/js-yaml").is_dir(),
        "consumer test needs node-cron and js-yaml in {}: .ci/run installs them (`npm install` there)",
        dir.display()
    );
    for (script, fixture_name) in [
        ("generate.js", "readings.json"),
        ("fire-times.js", "fire-times.json"),
    ] {
        let out = std::process::Command::new(&node)
            .arg(dir.join(script))
            .env("TZ", "UTC")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let committed = std::fs::read_to_string(dir.join(fixture_name)).unwrap();
        assert!(
            String::from_utf8(out.stdout).unwrap() == committed,
            "node-cron no longer gives {fixture_name}: regenerate it with `{script}` and review"
        );
    }
}
