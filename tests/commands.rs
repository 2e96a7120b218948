//! The commands, run as the real binary in a fresh directory.

mod common;

use common::{Run, Sandbox, fixture, repo_file};

const NODE_FILES: [&str; 4] = [
    "jobs.yaml",
    "jobs-local.yaml",
    "jobs-test.yaml",
    "sample-jobs.yaml",
];

fn node_file(name: &str) -> String {
    fixture("node-scheduler").join(name).display().to_string()
}

#[test]
fn node_scheduler_job_files_validate_unchanged_without_secrets() {
    for name in NODE_FILES {
        let run = Sandbox::new().run(&["--config", &node_file(name), "validate"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert!(!run.stderr.contains("error:"), "{name}: {}", run.stderr);
        assert!(run.stdout.contains(": ok, "), "{name}: {}", run.stdout);
    }
}

#[test]
fn node_scheduler_job_files_list_every_job() {
    let run = Sandbox::new().run(&["--config", &node_file("jobs.yaml"), "list", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let listing: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = listing["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "kpi-afternoon-report",
            "kpi-evening-report",
            "kpi-evening-report-backup",
            "kpi-weekly-avg-report",
            "health-check-test",
            "test-job-minute"
        ]
    );
    for name in NODE_FILES {
        let run = Sandbox::new().run(&["--config", &node_file(name), "list"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert!(run.stdout.starts_with("NAME "), "{name}: {}", run.stdout);
    }
}

#[test]
fn week_range_gets_a_warning_with_the_replacement() {
    let run = Sandbox::new().run(&["--config", &node_file("jobs.yaml"), "validate"]);
    assert!(
        run.stderr
            .contains("warning: jobrun sends `weekRange: current` as written"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("jobs.yaml:67:7"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`startDate: \"${CURRENT_WEEK_START}\"`"),
        "{}",
        run.stderr
    );
}

#[test]
fn strict_fails_on_warnings_and_says_it_failed() {
    let run = Sandbox::new().run(&["--config", &node_file("jobs.yaml"), "validate", "--strict"]);
    assert_eq!(run.code, 3);
    let summary = run.stderr.lines().last().unwrap_or_default();
    assert!(
        summary.ends_with(
            "jobs.yaml: failed: 5 warnings, and `--strict` fails on warnings; 6 jobs (3 enabled), 0 errors"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(": ok"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    // With `-q` the warnings that made it fail are still shown: they are
    // what there is to fix.
    let quiet = Sandbox::new().run(&[
        "--config",
        &node_file("jobs.yaml"),
        "-q",
        "validate",
        "--strict",
    ]);
    assert_eq!(quiet.code, 3);
    assert!(
        quiet
            .stderr
            .contains("warning: jobrun sends `weekRange: current`"),
        "{}",
        quiet.stderr
    );
    assert!(
        quiet.stderr.contains(": failed: 5 warnings"),
        "{}",
        quiet.stderr
    );
}

#[test]
fn shipped_job_file_validates_and_lists_in_chicago_time() {
    let config = repo_file("jobs.yaml").display().to_string();
    let run = Sandbox::new().run(&["--config", &config, "validate", "--strict"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = Sandbox::new().run(&[
        "--config",
        &config,
        "next",
        "kpi-evening-report",
        "-n",
        "2",
        "--after",
        "2025-03-07T12:00:00Z",
    ]);
    assert_eq!(
        run.stdout,
        "2025-03-07T18:30:00-06:00\n2025-03-10T18:30:00-05:00\n"
    );
}

#[test]
fn next_says_when_there_is_no_run_and_exits_1() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: daily\n    schedule: \"0 9 * * *\"\n    url: \"https://e.com\"\n",
    );
    let run = sandbox.run(&["next", "daily", "--after", "9999-12-30T00:00:00Z"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "jobrun: job `daily` has no run after 9999-12-30T00:00:00+00:00: run times are reckoned up to the end of the year 9998\n"
    );
    // Fewer than asked for: those there are, and a note.
    let run = sandbox.run(&[
        "next",
        "daily",
        "-n",
        "5",
        "--after",
        "9998-12-29T12:00:00Z",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "9998-12-30T09:00:00+00:00\n9998-12-31T09:00:00+00:00\n"
    );
    assert!(
        run.stderr
            .contains("only 2 runs after 9998-12-29T12:00:00+00:00"),
        "{}",
        run.stderr
    );
    assert_eq!(
        sandbox
            .run(&["-q", "next", "daily", "--after", "9999-12-30T00:00:00Z"])
            .stderr,
        ""
    );
}

#[test]
fn each_commands_help_lists_every_exit_code_it_can_return() {
    let expected: &[(&str, &[u8])] = &[
        ("validate", &[0, 1, 2, 3]),
        ("list", &[0, 1, 2, 3]),
        ("next", &[0, 1, 2, 3]),
        ("run", &[0, 1, 2, 3, 74, 75, 129, 130, 143]),
        ("encrypt", &[0, 1, 2, 3]),
        ("crontab", &[0, 1, 2, 3]),
        ("systemd", &[0, 1, 2, 3]),
        ("kubernetes", &[0, 1, 2, 3]),
        ("status", &[0, 1, 2, 3]),
        ("history", &[0, 1, 2, 3]),
        ("metrics", &[0, 1, 2, 3]),
        ("catch-up", &[0, 1, 2, 3, 75, 129, 130, 143]),
        ("copy-history", &[0, 2, 3]),
        ("completions", &[0, 1, 2]),
        ("man", &[0, 1, 2, 3]),
        ("schema", &[0, 1, 2]),
        ("init", &[0, 1, 2, 3]),
        ("migrate", &[0, 1, 2, 3]),
    ];
    for (command, codes) in expected {
        let run = Sandbox::new().run(&[command, "--help"]);
        assert_eq!(run.code, 0, "{command}");
        let (_, listed) = run
            .stdout
            .split_once("\nExit codes:\n")
            .unwrap_or_else(|| panic!("{command} --help lists no exit codes:\n{}", run.stdout));
        let found: Vec<u8> = listed
            .lines()
            .filter_map(|l| l.strip_prefix("  ")?.split(' ').next()?.parse().ok())
            .collect();
        assert_eq!(&found, codes, "{command}:\n{listed}");
    }
    let status = Sandbox::new().run(&["status", "--help"]).stdout;
    assert!(
        status.contains("\n  1   the last run of an enabled job failed, was interrupted or died"),
        "{status}"
    );
    let crontab = Sandbox::new().run(&["crontab", "--help"]).stdout;
    assert!(
        crontab.contains("\n  1   with --check, the file differs"),
        "{crontab}"
    );
}

#[test]
fn validate_lists_the_variables_each_job_needs() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com/${PATH_PART:-x}\"\n    headers:\n      Authorization: \"Bearer ${API_TOKEN}\"\n    method: POST\n    data:\n      at: \"${NOW}\"\n      key: \"${API_KEY}\"\n",
    );
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "jobs.yaml: ok, 1 job (1 enabled), 0 warnings\n  a needs API_KEY, API_TOKEN\n"
    );
}

const NEEDS_TOKEN: &str = "jobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n    headers:\n      Authorization: \"Bearer ${JWT_TOKEN}\"\n  - name: off\n    enabled: false\n    schedule: \"* * * * *\"\n    url: \"https://e.com/${OFF_URL}\"\n";

#[test]
fn validate_env_requires_variables_and_points_at_their_use() {
    let sandbox = Sandbox::with_jobs(NEEDS_TOKEN);
    let run = sandbox.run(&["validate", "--env"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("error: variable `JWT_TOKEN` is not set (job `report`)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("jobs.yaml:6:30"), "{}", run.stderr);
    // A disabled job's variable is only a warning.
    assert!(
        run.stderr
            .contains("warning: variable `OFF_URL` is not set (job `off`); the job is disabled"),
        "{}",
        run.stderr
    );
}

#[test]
fn validate_env_passes_with_the_environment_or_the_env_file() {
    let sandbox = Sandbox::with_jobs(NEEDS_TOKEN);
    let run = sandbox
        .jobrun()
        .args(["validate", "--env"])
        .env("JWT_TOKEN", "t")
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    sandbox.write(".env", "JWT_TOKEN=from-dotenv\n");
    assert_eq!(sandbox.run(&["validate", "--env"]).code, 0);
}

#[test]
fn env_file_is_read_beside_the_job_file_not_the_working_directory() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.path("etc")).unwrap();
    sandbox.write("etc/jobs.yaml", NEEDS_TOKEN);
    sandbox.write(".env", "JWT_TOKEN=wrong-place\n");
    assert_eq!(
        sandbox
            .run(&["--config", "etc/jobs.yaml", "validate", "--env"])
            .code,
        3
    );
    sandbox.write("etc/.env", "JWT_TOKEN=right-place\n");
    assert_eq!(
        sandbox
            .run(&["--config", "etc/jobs.yaml", "validate", "--env"])
            .code,
        0
    );
}

#[test]
fn a_named_env_file_that_is_missing_is_an_error() {
    let sandbox = Sandbox::with_jobs(NEEDS_TOKEN);
    let run = sandbox.run(&["--env-file", "nope.env", "validate"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("cannot read the env file `nope.env`: no such file or directory"),
        "{}",
        run.stderr
    );
}

#[test]
fn config_comes_from_jobrun_config_when_no_flag_is_given() {
    let sandbox = Sandbox::new();
    sandbox.write("other.yaml", NEEDS_TOKEN);
    let run = sandbox
        .jobrun()
        .args(["list"])
        .env("JOBRUN_CONFIG", "other.yaml")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&run.stdout).contains("report"));
}

#[test]
fn validate_json_gives_diagnostics_for_ci() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n    shedule: x\n",
    );
    let run = sandbox.run(&["validate", "--format", "json"]);
    assert_eq!(run.code, 3);
    assert_eq!(run.stderr, "");
    let diagnostics: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let first = &diagnostics[0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["message"], "unknown key `shedule` in a job");
    assert_eq!(first["file"], "jobs.yaml");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(5), Some(5))
    );
    assert_eq!(first["help"], "did you mean `schedule`?");
}

#[test]
fn validate_json_reports_an_unreadable_file_too() {
    let run = Sandbox::new().run(&["validate", "--format", "json"]);
    assert_eq!(run.code, 3);
    let diagnostics: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read the job file")
    );
}

#[test]
fn node_cron_differences_are_warned_with_both_readings() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"0 0 */2 * *\"\n    url: \"https://e.com\"\n",
    );
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr
            .contains("warning: the Node scheduler (node-cron 3) read `0 0 */2 * *` differently"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "node-cron 3 ran on 2,4,...,30 (even days); jobrun runs on 1,3,...,31 (odd days)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn quiet_validate_prints_nothing_on_success() {
    let run = Sandbox::new().run(&["--config", &node_file("jobs.yaml"), "validate", "-q"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
}

#[test]
fn list_reads_jobs_without_a_zone_in_the_host_zone() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"0 9 * * *\"\n    url: \"https://e.com\"\n",
    );
    let run = sandbox
        .jobrun()
        .args(["list", "--json"])
        .env("TZ", "America/Chicago")
        .output()
        .unwrap();
    let listing: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let job = &listing["jobs"][0];
    assert_eq!(job["timezone"], "America/Chicago");
    let next = job["next"].as_str().unwrap();
    assert!(
        next.ends_with("T09:00:00-06:00") || next.ends_with("T09:00:00-05:00"),
        "{next}"
    );
}

#[test]
fn list_never_resolves_placeholders() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com/?key=${API_KEY}\"\n",
    );
    let run = sandbox
        .jobrun()
        .args(["list"])
        .env("API_KEY", "SENTINEL-7f3a9c")
        .output()
        .unwrap();
    let stdout = String::from_utf8(run.stdout).unwrap();
    assert!(stdout.contains("https://e.com/?key=${API_KEY}"), "{stdout}");
    assert!(!stdout.contains("SENTINEL-7f3a9c"));
}

#[test]
fn next_prints_fire_times_in_the_jobs_zone_across_dst() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: night\n    timezone: America/Chicago\n    schedule: \"30 2 * * *\"\n    url: \"https://e.com\"\n",
    );
    let run = sandbox.run(&[
        "next",
        "night",
        "-n",
        "3",
        "--after",
        "2025-03-08T00:00:00Z",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // 02:30 does not exist on 2025-03-09 in Chicago.
    assert_eq!(
        run.stdout,
        "2025-03-08T02:30:00-06:00\n2025-03-10T02:30:00-05:00\n2025-03-11T02:30:00-05:00\n"
    );
}

#[test]
fn unknown_job_suggests_the_closest_name() {
    let config = repo_file("jobs.yaml").display().to_string();
    for command in ["run", "next"] {
        let run = Sandbox::new().run(&["--config", &config, command, "kpi-evening-reprt"]);
        assert_eq!(run.code, 3, "{command}");
        assert!(
            run.stderr
                .contains("error: no job named `kpi-evening-reprt`"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("did you mean `kpi-evening-report`?"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn run_with_an_unset_variable_names_it_the_job_and_the_place() {
    let sandbox = Sandbox::with_jobs(NEEDS_TOKEN);
    let run = sandbox.run(&["run", "report"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("error: variable `JWT_TOKEN` is not set (job `report`)\n --> jobs.yaml:6:30"),
        "{}",
        run.stderr
    );
}

#[test]
fn run_only_needs_the_variables_of_its_own_job() {
    let sandbox = Sandbox::with_jobs(NEEDS_TOKEN);
    let run = sandbox
        .jobrun()
        .args(["run", "report", "--dry-run"])
        .env("JWT_TOKEN", "t")
        .output()
        .unwrap();
    // `off` needs OFF_URL, which is unset; `report` is not held back by it.
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!stderr.contains("OFF_URL"), "{stderr}");
    assert!(
        String::from_utf8_lossy(&run.stdout).starts_with("GET https://e.com\n"),
        "{run:?}"
    );
    assert_eq!(run.status.code(), Some(0));
}

#[test]
fn commands_other_than_validate_refuse_a_broken_file() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"61 * * * *\"\n    url: \"https://e.com\"\n",
    );
    let run = sandbox.run(&["list"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("jobs.yaml:3:16"), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_2_and_name_the_flag() {
    let sandbox = Sandbox::with_jobs(NEEDS_TOKEN);
    let run = sandbox.run(&["next", "report", "--after", "yesterday"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--after"), "{}", run.stderr);
    let run = sandbox.run(&["validate", "--bogus"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--bogus"), "{}", run.stderr);
    assert_eq!(sandbox.run(&["next", "report", "-n", "0"]).code, 2);
    assert_eq!(sandbox.run(&[]).code, 2);
}

#[test]
fn an_after_beyond_the_instants_jobrun_can_hold_names_the_flag_and_its_range() {
    let sandbox = Sandbox::with_jobs(NEEDS_TOKEN);
    for after in ["9999-12-31T23:59:59Z", "-009999-01-01T00:00:00Z"] {
        let run = sandbox.run(&["next", "report", &format!("--after={after}")]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains(
                "`--after` takes an instant from -009999-01-02T01:59:59Z to 9999-12-30T22:00:00Z"
            ),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("overflow"), "{}", run.stderr);
    }
    // The latest instant it can hold is taken.
    let run = sandbox.run(&["next", "report", "--after", "9999-12-30T22:00:00Z"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

/// The line README.md and docs/running.md draw: a command line that cannot
/// be read is 2, a value read well that cannot be used is 3, as a setting
/// of the job file would be.
#[test]
fn a_flag_value_that_reads_well_but_cannot_be_used_exits_3_and_names_the_flag() {
    let sandbox = Sandbox::with_jobs(NEEDS_TOKEN);
    for (args, flag) in [
        (
            &["kubernetes", "--image", "jobrun:1", "--namespace", "Jobs"][..],
            "`--namespace`",
        ),
        (&["migrate", "--tz", "Nowhere/Zone"], "`--tz`"),
        (&["kubernetes", "--image", "job run:1"], "`--image`"),
    ] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(flag), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn help_lists_the_exit_codes() {
    let run = Sandbox::new().run(&["--help"]);
    assert_eq!(run.code, 0);
    for line in [
        "0   success",
        "1   a job ran and failed",
        "`migrate --check`",
        "2   usage error",
        "3   configuration or environment error",
        "75  another run",
    ] {
        assert!(run.stdout.contains(line), "{line}\n{}", run.stdout);
    }
}

#[test]
fn exit_codes_in_help_read_cleanly_at_80_columns() {
    let sandbox = Sandbox::new();
    for args in [&["--help"][..], &["run", "--help"], &["status", "--help"]] {
        let run = sandbox
            .jobrun()
            .env("COLUMNS", "80")
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8(run.stdout).unwrap();
        let codes = stdout.split("Exit codes:\n").nth(1).expect("exit codes");
        for line in codes.lines() {
            assert!(line.chars().count() <= 80, "{args:?}: {line}");
            // A code's line, or one hanging under its meaning.
            let code = line.len() > 6 && line[2..5].trim().parse::<u8>().is_ok();
            assert!(
                code || (line.starts_with("      ") && !line.starts_with("       ")),
                "{args:?}: {line:?}\n{codes}"
            );
        }
    }
}

#[test]
fn completions_and_man_page_are_generated() {
    let run = Sandbox::new().run(&["completions", "bash"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("_jobrun()"), "{}", run.stdout);
    let run = Sandbox::new().run(&["man"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains(".TH \"JOBRUN\" 1 "),
        "{}",
        &run.stdout[..200.min(run.stdout.len())]
    );
}

#[test]
fn color_follows_the_flag() {
    let sandbox = Sandbox::with_jobs("jobs: 5\n");
    assert!(
        sandbox
            .run(&["--color", "always", "validate"])
            .stderr
            .contains("\x1b[1;31merror")
    );
    assert!(
        !sandbox
            .run(&["--color", "never", "validate"])
            .stderr
            .contains('\x1b')
    );
    // Not a terminal: no color by default.
    assert!(!sandbox.run(&["validate"]).stderr.contains('\x1b'));
}

#[test]
fn a_malformed_env_file_line_is_an_error_that_never_shows_the_line() {
    let sandbox = Sandbox::with_jobs(NEEDS_TOKEN);
    sandbox.write(
        ".env",
        "JWT_TOKEN=ok\nSECRET=\"SENTINEL-b41d unterminated\nOTHER=1\n",
    );
    let run = sandbox.run(&["validate", "--env"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains(".env:2:"), "{}", run.stderr);
    assert!(!run.stderr.contains("SENTINEL-b41d"), "{}", run.stderr);
    assert!(!run.stdout.contains("SENTINEL-b41d"));
}

#[test]
fn no_command_prints_a_variable_value() {
    const SENTINEL_ENV: &str = "SENTINEL-env-5c1e";
    const SENTINEL_DOTENV: &str = "SENTINEL-dotenv-9a7f";
    let sandbox = Sandbox::with_jobs(
        // Port 9 (discard) on loopback: nothing listens, so `run` fails
        // at once, without leaving the machine.
        "jobs:\n  - name: report\n    schedule: \"* * * * *\"\n    url: \"http://127.0.0.1:9/?k=${API_KEY}\"\n    retries: 0\n    headers:\n      Authorization: \"Bearer ${JWT_TOKEN}\"\n    method: POST\n    data:\n      secret: \"${DB_PASSWORD}\"\n",
    );
    sandbox.write(
        ".env",
        format!("JWT_TOKEN={SENTINEL_DOTENV}\nAPI_KEY={SENTINEL_DOTENV}\n"),
    );
    let commands: [&[&str]; 11] = [
        &["validate"],
        &["validate", "--env"],
        &["validate", "--env", "--format", "json"],
        &["list"],
        &["list", "--json"],
        &["next", "report"],
        &["run", "report"],
        &["run", "report", "--dry-run"],
        &["run", "report", "--as-curl"],
        &["-vv", "run", "report", "--log-format", "json"],
        &["run", "nope"],
    ];
    for args in commands {
        for with_env in [false, true] {
            let mut command = sandbox.jobrun();
            command.args(args);
            if with_env {
                command.env("DB_PASSWORD", SENTINEL_ENV);
            }
            let output = command.output().unwrap();
            for stream in [&output.stdout, &output.stderr] {
                let text = String::from_utf8_lossy(stream);
                assert!(
                    !text.contains(SENTINEL_ENV) && !text.contains(SENTINEL_DOTENV),
                    "{args:?}: {text}"
                );
            }
        }
    }
}

#[test]
fn verbose_validate_shows_each_jobs_schedule_and_zone() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    timezone: Europe/London\n    schedule: \"0 9 * * *\"\n    url: \"https://e.com\"\n  - name: off\n    enabled: false\n    timezone: Europe/London\n    schedule: \"0 9 * * *\"\n    url: \"https://e.com\"\n",
    );
    let run = sandbox.run(&["validate", "-v"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("  a needs no variables\n    enabled, `0 9 * * *` in Europe/London, next "),
        "{}",
        run.stdout
    );
    // As `list` and `status` say: a disabled job has no next run.
    assert!(
        run.stdout.ends_with(
            "  off needs no variables\n    disabled, `0 9 * * *` in Europe/London, no next run\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_day_of_month_that_never_comes_is_warned_about() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"0 0 30 2 1\"\n    url: \"https://e.com\"\n",
    );
    let run = sandbox.run(&["validate"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr
            .contains("warning: the day of month in `0 0 30 2 1` never falls in its months"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("jobs.yaml:3:15"), "{}", run.stderr);
}

#[test]
fn the_start_of_a_job_name_suggests_the_jobs_it_begins() {
    let run = Sandbox::new().run(&[
        "--config",
        &repo_file("jobs.yaml").display().to_string(),
        "run",
        "kpi-evening",
    ]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("help: did you mean `kpi-evening-report` or `kpi-evening-report-backup`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn durations_past_their_bound_are_refused_by_validate_and_by_run() {
    let huge = "\"5124095576030431h\"";
    let job = |extra: &str| {
        format!(
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"http://127.0.0.1:9/\"\n    retries: 0\n    concurrency: allow\n{extra}"
        )
    };
    for (text, key, max) in [
        (job(&format!("    timeout: {huge}\n")), "timeout", "24h"),
        (
            format!("global:\n  defaultTimeout: {huge}\n{}", job("")),
            "defaultTimeout",
            "24h",
        ),
        (job(&format!("    deadline: {huge}\n")), "deadline", "168h"),
        (
            job(&format!(
                "    notify:\n      onFailure: {{url: \"http://127.0.0.1:9/h\", timeout: {huge}}}\n"
            )),
            "timeout",
            "5m",
        ),
        (job("    catchUp: \"100000000h\"\n"), "catchUp", "9600h"),
        (
            job(&format!("    maxRetryDelay: {huge}\n")),
            "maxRetryDelay",
            "24h",
        ),
    ] {
        let sandbox = Sandbox::with_jobs(&text);
        let expected = format!("`{key}` must be at most {max}");
        let validate = sandbox.run(&["validate"]);
        assert_eq!(validate.code, 3, "{text}\n{}", validate.stderr);
        assert!(validate.stderr.contains(&expected), "{}", validate.stderr);
        for args in [&["run", "a"][..], &["catch-up"]] {
            let run = sandbox.run(args);
            assert_eq!(run.code, 3, "{args:?} {text}\n{}", run.stderr);
            assert!(run.stderr.contains(&expected), "{}", run.stderr);
        }
        // No run began, so none is left `running`.
        assert!(!sandbox.state_dir().join("history.sqlite3").exists());
    }
}

#[test]
fn catch_up_over_the_longest_window_of_an_every_second_job_ends() {
    // Every second for 400 days: 34 million fire times in the window.
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"* * * * * *\"\n    url: \"http://127.0.0.1:9/\"\n    retries: 0\n    catchUp: 9600h\n    timeout: 1s\n",
    );
    let run = Run::from(
        sandbox
            .jobrun()
            .arg("catch-up")
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("ends: the window is searched, not walked"),
    );
    // The job was due a moment ago and never ran: caught up, and failed
    // (nothing listens on port 9).
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("job `a` failed"), "{}", run.stderr);
}

#[test]
fn a_framing_header_is_refused_before_anything_is_sent() {
    // `Content-Length: 100` on a GET made the server wait for a body until
    // the timeout; `Content-Length: 5` with a longer body, blamed on the
    // server.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/x", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"{url}\"\n    headers:\n      Content-Length: \"100\"\n"
    ));
    let validate = sandbox.run(&["validate"]);
    assert_eq!(validate.code, 3, "{}", validate.stderr);
    assert!(
        validate
            .stderr
            .contains("error: header `Content-Length` is set by jobrun itself\n --> jobs.yaml:6:7"),
        "{}",
        validate.stderr
    );
    let run = sandbox.run(&["run", "a"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(listener.accept().is_err(), "a connection was made");
}
