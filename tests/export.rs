//! `crontab`, `systemd` and `kubernetes` end to end: golden files for the
//! job files, and each artefact fed to its real consumer
//! (`systemd-analyze`, `kubernetes-validate`, PyYAML): those tests are in
//! the consumers group, which `.ci/run` installs for (see
//! tests/common/consumer.rs). Real cron is in tests/cron.rs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Run, Sandbox, consumer, fixture, golden};

/// The job files exported: the Node scheduler's own, the shipped example
/// and a table of schedules chosen to test DST handling.
const FILES: &[(&str, &str)] = &[
    ("node-jobs", "node-scheduler/jobs.yaml"),
    ("node-jobs-local", "node-scheduler/jobs-local.yaml"),
    ("node-jobs-test", "node-scheduler/jobs-test.yaml"),
    ("node-sample-jobs", "node-scheduler/sample-jobs.yaml"),
    ("shipped-jobs", "../../jobs.yaml"),
    ("zones", "exports/zones.yaml"),
    ("splay", "exports/splay.yaml"),
    (
        "refused-by-kubernetes",
        "exports/refused-by-kubernetes.yaml",
    ),
];

const BIN: &str = "/usr/local/bin/jobrun";

/// A sandbox holding one job file as `jobs.yaml`.
fn sandbox(file: &str) -> Sandbox {
    let text = std::fs::read_to_string(fixture(file)).expect("fixture");
    Sandbox::with_jobs(&text)
}

fn outcome(sandbox: &Sandbox, run: &Run) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        run.code,
        golden::portable(sandbox, &run.stdout),
        golden::portable(sandbox, &run.stderr)
    )
}

#[test]
fn crontab_matches_the_golden_files() {
    let mut mismatches = Vec::new();
    for (name, file) in FILES {
        let sandbox = sandbox(file);
        let run = sandbox.run(&["--config", "jobs.yaml", "crontab", "--bin", BIN]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        golden::check(
            &format!("{name}.crontab"),
            &outcome(&sandbox, &run),
            &mut mismatches,
        );
        let run = sandbox.run(&[
            "--config",
            "jobs.yaml",
            "--env-file",
            ".env",
            "--state-dir",
            "state",
            "crontab",
            "--bin",
            BIN,
            "--user-crontab",
            "--cron-tz",
            "--mailto",
            "",
        ]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        golden::check(
            &format!("{name}.user-crontab"),
            &outcome(&sandbox, &run),
            &mut mismatches,
        );
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The units written, each under a header, then what was printed.
fn systemd_outcome(sandbox: &Sandbox, run: &Run, dir: &Path) -> String {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    names.sort();
    let mut out = outcome(sandbox, run);
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        out.push_str(&format!(
            "==> {} <==\n{}",
            path.file_name().unwrap().to_string_lossy(),
            golden::portable(sandbox, &text)
        ));
    }
    out
}

#[test]
fn systemd_units_match_the_golden_files() {
    let mut mismatches = Vec::new();
    for (name, file) in FILES {
        let sandbox = sandbox(file);
        let run = sandbox.run(&[
            "--config",
            "jobs.yaml",
            "systemd",
            "--dir",
            "units",
            "--bin",
            BIN,
            "--run-as",
            "jobrun",
        ]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let text = systemd_outcome(&sandbox, &run, &sandbox.path("units"));
        golden::check(&format!("{name}.systemd"), &text, &mut mismatches);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn kubernetes_manifests_match_the_golden_files() {
    let mut mismatches = Vec::new();
    for (name, file) in FILES {
        let sandbox = sandbox(file);
        let run = sandbox.run(&[
            "--config",
            "jobs.yaml",
            "kubernetes",
            "--image",
            "registry.example.com/jobrun:1.0",
            "--namespace",
            "jobs",
            "--secret",
            "jobrun-env",
            "--state-claim",
            "jobrun-state",
        ]);
        golden::check(
            &format!("{name}.kubernetes"),
            &outcome(&sandbox, &run),
            &mut mismatches,
        );
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// A state URL for the exports: no password in it (the Secret has it).
const STATE_URL: &str = "postgres://jobrun@db.internal:5432/ops?sslmode=verify-full";

#[test]
fn kubernetes_with_a_state_url_keeps_no_volume_and_tells_each_pod_its_instant() {
    let mut mismatches = Vec::new();
    let sandbox = sandbox("node-scheduler/jobs.yaml");
    let run = sandbox.run(&[
        "--state-url",
        STATE_URL,
        "kubernetes",
        "--image",
        "registry.example.com/jobrun:1.0",
        "--namespace",
        "jobs",
        "--secret",
        "jobrun-env",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    golden::check(
        "node-jobs-state-url.kubernetes",
        &outcome(&sandbox, &run),
        &mut mismatches,
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // `dependsOn` needs no claim, and no pod mounts a state volume, so
    // none asks for a group to own one; each still runs as the image's
    // unprivileged user with the runtime's seccomp profile.
    assert!(!run.stdout.contains("\"state\""), "{}", run.stdout);
    assert!(!run.stdout.contains("JOBRUN_STATE_DIR"));
    assert!(!run.stdout.contains("fsGroup"), "{}", run.stdout);
    let cronjobs = run.stdout.matches("kind: CronJob").count();
    assert_eq!(cronjobs, 3);
    for restricted in [
        "runAsNonRoot: true",
        "runAsUser: 65532",
        "type: \"RuntimeDefault\"",
        "readOnlyRootFilesystem: true",
    ] {
        assert_eq!(
            run.stdout.matches(restricted).count(),
            cronjobs,
            "{restricted}"
        );
    }
    assert!(
        run.stdout
            .contains("fieldPath: \"metadata.labels['job-name']\"")
    );
    // The same from `global.stateUrl`: the ConfigMap carries it.
    let text = std::fs::read_to_string(fixture("node-scheduler/jobs.yaml")).unwrap();
    let in_file = Sandbox::with_jobs(&format!(
        "global:\n  stateUrl: \"postgres://jobrun:${{PGPASSWORD}}@db.internal/ops\"\n{}",
        text.replacen("global:\n", "", 1)
    ));
    let run = in_file.run(&["kubernetes", "--image", "jobrun:1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("JOBRUN_STATE_URL"));
    assert!(run.stdout.contains("JOBRUN_KUBERNETES_JOB"));
    assert!(run.stderr.contains("put `PGPASSWORD`"), "{}", run.stderr);
}

#[test]
fn kubernetes_refuses_a_state_url_holding_a_password_and_a_claim_beside_a_url() {
    let sandbox = sandbox("node-scheduler/jobs.yaml");
    const SECRET: &str = "SENTINEL-k8s-url-pw";
    let run = sandbox.run(&[
        "--state-url",
        &format!("postgres://jobrun:{SECRET}@db/ops"),
        "kubernetes",
        "--image",
        "jobrun:1",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("the state URL holds a password"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(SECRET) && run.stdout.is_empty());
    let run = sandbox.run(&[
        "--state-url",
        STATE_URL,
        "kubernetes",
        "--image",
        "jobrun:1",
        "--state-claim",
        "jobrun-state",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`--state-claim` keeps the history in a volume"),
        "{}",
        run.stderr
    );
}

#[test]
fn kubernetes_refuses_seconds_starred_day_steps_and_clashing_names_naming_each_job() {
    let sandbox = sandbox("exports/refused-by-kubernetes.yaml");
    let run = sandbox.run(&["kubernetes", "--image", "jobrun:1"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    for needle in [
        "job `every-five-seconds`: Kubernetes cannot run `*/5 * * * * *`",
        "jobs.yaml:3:",
        "job `odd-mondays`: Kubernetes would read the days of `0 0 */2 * 1` differently",
        "jobs `nightly_report` and `Nightly-Report` both become the CronJob name `nightly-report`",
    ] {
        assert!(run.stderr.contains(needle), "{needle}\n{}", run.stderr);
    }
}

#[test]
fn kubernetes_refuses_a_backup_job_without_a_claim_for_the_history() {
    let sandbox = sandbox("node-scheduler/jobs.yaml");
    let run = sandbox.run(&["kubernetes", "--image", "jobrun:1"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(
            "error: job `kpi-evening-report-backup` decides from the history of `kpi-evening-report` (`dependsOn`), and a pod keeps none\n"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("`--state-claim NAME`"),
        "{}",
        run.stderr
    );
    let claimed = sandbox.run(&[
        "kubernetes",
        "--image",
        "jobrun:1",
        "--state-claim",
        "jobrun-state",
    ]);
    assert_eq!(claimed.code, 0, "{}", claimed.stderr);
    assert!(claimed.stdout.contains("claimName: \"jobrun-state\"\n"));
}

/// A consumer the tests feed, found on PATH or failed for.
fn tool(name: &str) -> Command {
    Command::new(consumer::require(name))
}

/// The job file a manifest's ConfigMap holds, as PyYAML reads it back.
fn config_map_read_back(manifests: &Path) -> String {
    let output = tool("python3")
        .args([
            "-c",
            "import sys, yaml; d = next(yaml.safe_load_all(open(sys.argv[1], encoding='utf-8'))); sys.stdout.buffer.write(d['data']['jobs.yaml'].encode())",
        ])
        .arg(manifests)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("No module named 'yaml'"),
        "consumer test needs PyYAML for `python3`; .ci/run installs it (kubernetes-validate brings it)"
    );
    assert!(output.status.success(), "{stderr}");
    String::from_utf8(output.stdout).expect("utf-8 job file")
}

/// The enabled jobs' timers for a file, as (job name, OnCalendar values).
fn calendars(dir: &Path) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "timer"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy();
        let job = name.strip_prefix("jobrun-").unwrap().to_string();
        let values = text
            .lines()
            .filter_map(|l| l.strip_prefix("OnCalendar="))
            .map(str::to_string)
            .collect();
        out.push((job, values));
    }
    out
}

/// `systemd-analyze calendar`'s normalised form and next elapses (UTC).
fn analyze(expression: &str, base: &str, count: usize) -> (String, Vec<jiff::Timestamp>) {
    let output = tool("systemd-analyze")
        .env("TZ", "UTC")
        .args([
            "calendar",
            &format!("--iterations={count}"),
            &format!("--base-time={base}"),
            expression,
        ])
        .output()
        .expect("systemd-analyze runs");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "systemd-analyze refused `{expression}`: {}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut normalized = String::new();
    let mut elapses = Vec::new();
    for line in stdout.lines() {
        let line = line.trim();
        if let Some(form) = line.strip_prefix("Normalized form: ") {
            normalized = form.to_string();
        } else if let Some((label, when)) = line.split_once(": ")
            && (label == "Next elapse" || label.starts_with("Iter. #"))
        {
            // `Sat 2025-03-08 08:30:00 UTC`
            let mut words = when.split_whitespace().skip(1);
            let (date, time) = (words.next().unwrap(), words.next().unwrap());
            elapses.push(format!("{date}T{time}Z").parse().unwrap());
        }
    }
    (normalized, elapses)
}

#[test]
#[ignore = "consumer: needs systemd-analyze"]
fn every_on_calendar_passes_systemd_analyze_and_fires_when_jobrun_next_says() {
    const COUNT: usize = 6;
    // Around Chicago's and Lord Howe's DST changes of 2025, and a plain day.
    let bases = [
        ("2025-03-08 00:00:00 UTC", "2025-03-08T00:00:00Z"),
        ("2025-11-01 12:00:00 UTC", "2025-11-01T12:00:00Z"),
        ("2025-10-03 12:00:00 UTC", "2025-10-03T12:00:00Z"),
        ("2026-02-27 23:59:59 UTC", "2026-02-27T23:59:59Z"),
        // London's and Sydney's changes of 2027, and a year's end.
        ("2027-03-27 12:00:00 UTC", "2027-03-27T12:00:00Z"),
        ("2027-10-02 12:00:00 UTC", "2027-10-02T12:00:00Z"),
        ("2027-12-31 22:00:00 UTC", "2027-12-31T22:00:00Z"),
    ];
    let mut checked = 0;
    for (name, file) in FILES {
        let sandbox = sandbox(file);
        let run = sandbox.run(&["systemd", "--dir", "units", "--bin", BIN]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        for (job, values) in calendars(&sandbox.path("units")) {
            for (base, after) in bases {
                let mut fires = Vec::new();
                for value in &values {
                    let (normalized, elapses) = analyze(value, base, COUNT);
                    assert_eq!(
                        &normalized, value,
                        "{name}: {job}: not in systemd's own form"
                    );
                    fires.extend(elapses);
                }
                // Two OnCalendar lines fire on the union of their times.
                fires.sort();
                fires.dedup();
                fires.truncate(COUNT);
                let next = sandbox.run(&["next", &job, "-n", &COUNT.to_string(), "--after", after]);
                assert_eq!(next.code, 0, "{}", next.stderr);
                let expected: Vec<jiff::Timestamp> =
                    next.stdout.lines().map(|l| l.parse().unwrap()).collect();
                assert_eq!(fires, expected, "{name}: {job} ({values:?}) after {after}");
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} comparisons");
}

#[test]
#[ignore = "consumer: needs systemd-analyze"]
fn generated_units_pass_systemd_analyze_verify() {
    // verify wants ExecStart's binary to exist: point it at the real one.
    let bin = assert_cmd::cargo::cargo_bin!("jobrun");
    for (name, file) in FILES {
        let sandbox = sandbox(file);
        // System units with the default state directory; user units with
        // one given by `--state-dir`.
        for user_units in [false, true] {
            let mut args = vec!["--config", "jobs.yaml"];
            if user_units {
                args.extend(["--state-dir", "/var/lib/jobrun-test"]);
                args.extend(["--metrics-file", "/var/lib/node-exporter/jobrun.prom"]);
            }
            args.extend(["systemd", "--dir", "units", "--bin", bin.to_str().unwrap()]);
            args.extend(if user_units {
                &["--user-units"][..]
            } else {
                &["--run-as", "jobrun"][..]
            });
            let extra = if user_units {
                "user units"
            } else {
                "system units"
            };
            let _ = std::fs::remove_dir_all(sandbox.path("units"));
            let run = sandbox.run(&args);
            assert_eq!(run.code, 0, "{name}: {}", run.stderr);
            let mut units: Vec<PathBuf> = std::fs::read_dir(sandbox.path("units"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            if units.is_empty() {
                continue;
            }
            units.sort();
            // The user manager wants a runtime directory of its own.
            let runtime = tempfile::tempdir().unwrap();
            let output = tool("systemd-analyze")
                .env("XDG_RUNTIME_DIR", runtime.path())
                .arg("verify")
                .arg("--man=no")
                .args(if user_units { vec!["--user"] } else { vec![] })
                .args(&units)
                .env("SYSTEMD_LOG_LEVEL", "notice")
                .output()
                .expect("systemd-analyze runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.success(),
                "{name} {extra:?}: systemd-analyze verify failed:\n{stderr}"
            );
            // Unknown keys and bad values are only warnings to verify.
            for word in ["Unknown", "ignoring", "Failed", "not safe", "bad"] {
                assert!(!stderr.contains(word), "{name} {extra:?}: {stderr}");
            }
        }
    }
}

#[test]
#[ignore = "consumer: needs kubernetes-validate, python3 with PyYAML"]
fn every_manifest_passes_kubernetes_validate_for_1_30() {
    let mut validated = 0;
    for (name, file) in FILES {
        let sandbox = sandbox(file);
        for extra in [
            &[][..],
            &[
                "--namespace",
                "batch-jobs",
                "--secret",
                "jobrun-env",
                "--state-claim",
                "jobrun-state",
            ][..],
            &["--secret", "jobrun-env", "--state-url", STATE_URL][..],
        ] {
            let mut args = vec!["kubernetes", "--image", "registry.example.com/jobrun:1.0"];
            args.extend(extra);
            let run = sandbox.run(&args);
            if run.code == 3 {
                // Refused, with a reason per job: covered by the goldens.
                continue;
            }
            assert_eq!(run.code, 0, "{name}: {}", run.stderr);
            let path = sandbox.write("manifests.yaml", &run.stdout);
            let output = tool("kubernetes-validate")
                .args(["--kubernetes-version", "1.30.0", "--strict"])
                .arg(&path)
                .output()
                .expect("kubernetes-validate runs");
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success() && !stdout.contains("ERROR"),
                "{name} {extra:?}:\n{stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
            validated += stdout.matches("passed").count();
            // The ConfigMap holds the job file exactly as written.
            assert_eq!(
                config_map_read_back(&path),
                std::fs::read_to_string(sandbox.path("jobs.yaml")).unwrap(),
                "{name}"
            );
        }
    }
    assert!(validated >= 20, "only {validated} objects validated");
}

#[test]
fn crontab_check_passes_on_the_installed_file_and_fails_with_a_diff_on_drift() {
    let sandbox = sandbox("exports/zones.yaml");
    let args = ["crontab", "--bin", BIN, "--user", "jobrun"];
    let generated = sandbox.run(&args);
    assert_eq!(generated.code, 0);
    sandbox.write("installed", &generated.stdout);
    let mut check: Vec<&str> = args.to_vec();
    check.extend(["--check", "installed"]);
    let same = sandbox.run(&check);
    assert_eq!(
        (same.code, same.stdout.as_str()),
        (0, ""),
        "{}",
        same.stderr
    );

    let drifted = generated
        .stdout
        .replace("1 13 * * 1-5  jobrun", "1 14 * * 1-5  jobrun");
    sandbox.write("installed", &drifted);
    let differs = sandbox.run(&check);
    assert_eq!(differs.code, 1, "{}", differs.stderr);
    assert!(
        differs.stdout.contains("-1 14 * * 1-5  jobrun"),
        "{}",
        differs.stdout
    );
    assert!(
        differs.stdout.contains("+1 13 * * 1-5  jobrun"),
        "{}",
        differs.stdout
    );
    assert!(differs.stderr.contains("differs"), "{}", differs.stderr);

    // A missing final newline makes Debian cron ignore the file: drift.
    sandbox.write("installed", generated.stdout.trim_end());
    assert_eq!(sandbox.run(&check).code, 1);

    let missing = sandbox.run(&["crontab", "--check", "nowhere"]);
    assert_eq!(missing.code, 3);
    assert!(missing.stderr.contains("`--check`"), "{}", missing.stderr);
}

/// The command `crontab --check` printed as the way to install the new
/// file: its last line on stderr.
fn printed_fix(run: &Run) -> String {
    let line = run.stderr.lines().last().unwrap_or_default().trim();
    assert!(line.contains(" crontab"), "{}", run.stderr);
    line.to_string()
}

#[test]
fn the_fix_crontab_check_prints_installs_where_a_redirection_cannot() {
    let sandbox = sandbox("exports/zones.yaml");
    // A user crontab read from `crontab -l` through a pipe: the fix feeds
    // `crontab -`, not the pipe's name.
    let run = Run::from(
        sandbox
            .jobrun()
            .args(["crontab", "--user-crontab", "--check", "/dev/stdin"])
            .write_stdin("# an old crontab\n")
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let fix = printed_fix(&run);
    assert!(
        fix.ends_with(" crontab --user-crontab | crontab -"),
        "{fix}"
    );

    // A file this user cannot write (root's /etc/cron.d): through sudo tee,
    // as the README installs it. Root writes any file: `>` does.
    sandbox.write("installed", "# an old file\n");
    let path = sandbox.path("installed");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o444)).unwrap();
    let run = sandbox.run(&["crontab", "--check", "installed"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let fix = printed_fix(&run);
    let quoted = format!("{}", path.display());
    let root = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()) == 0;
    if root {
        assert!(fix.ends_with(&format!(" > {quoted}")), "{fix}");
    } else {
        assert!(
            fix.ends_with(&format!(" | sudo tee {quoted} >/dev/null")),
            "{fix}"
        );
    }
}

#[test]
fn the_fix_crontab_check_prints_makes_the_check_pass_with_every_flag_given() {
    let sandbox = sandbox("exports/zones.yaml");
    std::fs::rename(sandbox.path("jobs.yaml"), sandbox.path("my jobs.yaml")).unwrap();
    sandbox.write("prod's.env", "");
    let flag_sets: &[&[&str]] = &[
        &[
            "--user",
            "jobrun",
            "--mailto",
            "ops team@example.com",
            "--bin",
            BIN,
        ],
        &["--user-crontab", "--mailto", "", "--cron-tz"],
        &[],
    ];
    for flags in flag_sets {
        let mut args = vec![
            "-c",
            "my jobs.yaml",
            "--env-file",
            "prod's.env",
            "--state-dir",
            "var/state",
            "crontab",
        ];
        args.extend_from_slice(flags);
        args.extend(["--check", "cron.d/jobrun"]);
        std::fs::create_dir_all(sandbox.path("cron.d")).unwrap();
        sandbox.write("cron.d/jobrun", "# an old file\n");
        let stale = sandbox.run(&args);
        assert_eq!(stale.code, 1, "{flags:?}: {}", stale.stderr);
        let fix = printed_fix(&stale);
        // Followed literally, in a shell, from another directory.
        let followed = Command::new("sh")
            .args(["-c", &fix])
            .env_clear()
            .env("TZ", "UTC")
            .current_dir("/")
            .output()
            .unwrap();
        assert!(
            followed.status.success(),
            "{fix}: {}",
            String::from_utf8_lossy(&followed.stderr)
        );
        let again = sandbox.run(&args);
        assert_eq!(
            (again.code, again.stdout.as_str()),
            (0, ""),
            "{flags:?}: `{fix}` did not make the check pass: {}",
            again.stderr
        );
    }
}

#[test]
fn crontab_lines_use_absolute_paths_quote_and_escape_percent() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.path("100% jobs")).unwrap();
    sandbox.write(
        "100% jobs/jobs.yaml",
        "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: https://example.com\n",
    );
    let run = sandbox.run(&[
        "--config",
        "100% jobs/jobs.yaml",
        "--env-file",
        "100% jobs/.env",
        "crontab",
        "--bin",
        "bin/jobrun",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dir = sandbox.dir.path().to_str().unwrap();
    let expected = format!(
        "* * * * *  root  {dir}/bin/jobrun --config '{dir}/100\\% jobs/jobs.yaml' --env-file '{dir}/100\\% jobs/.env' run --scheduled a\n"
    );
    assert!(run.stdout.ends_with(&expected), "{}", run.stdout);
    assert!(!run.stdout.contains('\r'));
}

#[test]
fn exports_never_contain_a_variables_value() {
    const SECRET: &str = "s3cr3t-token-value";
    let sandbox = sandbox("exports/zones.yaml");
    sandbox.write(".env", format!("API_TOKEN={SECRET}\n"));
    let runs = [
        vec!["crontab", "--bin", BIN],
        vec!["systemd", "--dir", "units", "--bin", BIN],
        vec![
            "kubernetes",
            "--image",
            "jobrun:1",
            "--secret",
            "jobrun-env",
        ],
    ];
    for args in runs {
        let run = Run::from(
            sandbox
                .jobrun()
                .env("API_TOKEN", SECRET)
                .args(&args)
                .output()
                .unwrap(),
        );
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
        if args[0] == "kubernetes" {
            assert!(
                run.stdout.contains("${API_TOKEN}"),
                "the job file as written"
            );
        }
    }
    for entry in std::fs::read_dir(sandbox.path("units")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains(SECRET));
    }
}

#[test]
fn bad_export_flags_name_the_flag() {
    let sandbox = sandbox("exports/zones.yaml");
    for (args, flag) in [
        (vec!["crontab", "--user", "root; rm"], "`--user`"),
        (vec!["crontab", "--mailto", "a\nb"], "`--mailto`"),
        (vec!["systemd", "--dir", "d", "--run-as=-x"], "`--run-as`"),
        (vec!["kubernetes", "--image", "a b"], "`--image`"),
        (
            vec!["kubernetes", "--image", "i", "--namespace", "Jobs"],
            "`--namespace`",
        ),
        (
            vec!["kubernetes", "--image", "i", "--secret=-s"],
            "`--secret`",
        ),
    ] {
        let run = sandbox.run(&args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(flag), "{args:?}: {}", run.stderr);
    }
    sandbox.write("blocker", "a file where the directory should be");
    let run = sandbox.run(&["systemd", "--dir", "blocker/units"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("`--dir`"), "{}", run.stderr);
}

#[test]
fn kubernetes_without_a_secret_says_which_variables_are_needed() {
    let sandbox = sandbox("exports/zones.yaml");
    let run = sandbox.run(&["kubernetes", "--image", "jobrun:1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("`API_TOKEN`"), "{}", run.stderr);
    assert!(run.stderr.contains("`--secret`"), "{}", run.stderr);
    assert!(!run.stdout.contains("envFrom"));
}

/// The words after `run` in each command an export starts jobrun with: a
/// crontab line, an `ExecStart=` or a CronJob's `command: [...]`.
fn run_words(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| {
            let (_, rest) = line
                .split_once(" run ")
                .or_else(|| line.split_once(r#""run", "#))?;
            Some(rest.replace('"', ""))
        })
        .collect()
}

#[test]
fn every_entry_an_export_writes_records_its_runs_as_scheduled() {
    let sandbox = sandbox("exports/zones.yaml");
    let crontab = sandbox.run(&["crontab", "--bin", BIN]);
    let systemd = sandbox.run(&["systemd", "--dir", "units", "--bin", BIN]);
    let kubernetes = sandbox.run(&[
        "kubernetes",
        "--image",
        "jobrun:1.0",
        "--state-claim",
        "jobrun-state",
    ]);
    let mut units = String::new();
    for entry in std::fs::read_dir(sandbox.path("units")).unwrap() {
        units.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    for (export, run, text) in [
        ("crontab", &crontab, &crontab.stdout),
        ("systemd", &systemd, &units),
        ("kubernetes", &kubernetes, &kubernetes.stdout),
    ] {
        assert_eq!(run.code, 0, "{export}: {}", run.stderr);
        let words = run_words(text);
        assert!(!words.is_empty(), "{export}: no run in\n{text}");
        for rest in words {
            assert!(
                rest.starts_with("--scheduled") || rest.starts_with("--due "),
                "{export}: `run {rest}` would be recorded as `manual`"
            );
        }
    }
}

#[test]
fn the_shipped_crontab_example_is_what_jobrun_writes_for_the_shipped_job_file() {
    let sandbox = sandbox("../../jobs.yaml");
    let run = sandbox.run(&[
        "crontab",
        "--bin",
        BIN,
        "--user",
        "jobrun",
        "--mailto",
        "ops@example.com",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dir = sandbox.dir.path().to_str().unwrap();
    let example = std::fs::read_to_string(common::repo_file("crontab.example")).unwrap();
    assert_eq!(
        run.stdout.replace(dir, "/etc/jobrun"),
        example,
        "crontab.example is this output for jobs.yaml in /etc/jobrun on a UTC host"
    );
}

/// Vixie cron (Debian cron, cronie) runs a line whose minute and hour are
/// both fixed by its own DST rules: after a spring-forward jump it also
/// runs the skipped minutes' lines, and during a fall-back repeat it holds
/// them back. A `--due` line at host minutes would then start twice for
/// one fire time, or not at all. A line with `*` for its hour runs by the
/// wall clock, and `--due` decides.
#[test]
fn on_a_host_with_dst_a_due_line_runs_every_hour_so_cron_dst_rules_leave_it_alone() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: utc\n    schedule: \"0 8 * * *\"\n    timezone: UTC\n    url: https://example.com\n  \
         - name: seconds\n    schedule: \"*/20 0 2,3 * * *\"\n    url: https://example.com\n  \
         - name: local\n    schedule: \"0 8 * * *\"\n    url: https://example.com\n",
    );
    let run = Run::from(
        sandbox
            .jobrun()
            .env("TZ", "America/Chicago")
            .args(["--config", "jobs.yaml", "crontab", "--bin", BIN])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().filter(|l| l.contains(BIN)).collect();
    assert!(
        lines[0].starts_with("0 * * * *  root ") && lines[0].ends_with("run --due utc"),
        "{}",
        run.stdout
    );
    assert!(
        lines[1].starts_with("0 * * * *  root ") && lines[1].ends_with("run --due seconds"),
        "{}",
        run.stdout
    );
    // A job at second 0 in the host's zone keeps its own fields.
    assert!(
        lines[2].starts_with("0 8 * * *  root ") && lines[2].ends_with("run --scheduled local"),
        "{}",
        run.stdout
    );

    // cronie holds back and catches up `CRON_TZ` lines as the host's clock
    // jumps, too.
    let run = Run::from(
        sandbox
            .jobrun()
            .env("TZ", "America/Chicago")
            .args([
                "--config",
                "jobs.yaml",
                "crontab",
                "--bin",
                BIN,
                "--cron-tz",
            ])
            .output()
            .unwrap(),
    );
    assert!(
        run.stdout.contains(
            "CRON_TZ=UTC
# utc: `0 8 * * *` (UTC)
0 * * * *  root "
        ),
        "{}",
        run.stdout
    );

    // A host without DST keeps the few hours the job can fall on.
    let run = sandbox.run(&["--config", "jobs.yaml", "crontab", "--bin", BIN]);
    assert!(
        run.stdout.contains("\n0 2,3 * * *  root "),
        "{}",
        run.stdout
    );
}

/// systemd expands `$` only in `Exec*=` lines: elsewhere `$$` stays two
/// dollar signs, so `ReadWritePaths=` must name the state directory as it is.
#[test]
fn the_state_directory_is_named_as_it_is_outside_exec_start() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"0 0 * * *\"\n    url: https://example.com\n",
    );
    let run = sandbox.run(&[
        "--config",
        "jobs.yaml",
        "--state-dir",
        "/srv/$jobs \"x\" 5%",
        "systemd",
        "--dir",
        "units",
        "--bin",
        BIN,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let service = std::fs::read_to_string(sandbox.path("units/jobrun-a.service")).unwrap();
    assert!(
        service.contains("--state-dir \"/srv/$$jobs \\\"x\\\" 5%%\" run --scheduled a\n"),
        "{service}"
    );
    assert!(
        service.contains("\nReadWritePaths=-\"/srv/$jobs \\\"x\\\" 5%%\"\n"),
        "{service}"
    );
}

/// `global.stateDir` and `global.metricsFile` are read from the job file's
/// directory, which `--config` may give relative to the current one:
/// systemd takes only absolute paths in `ReadWritePaths=`. The metrics
/// file's directory must be writable for the new file renamed into it.
#[test]
fn a_relative_state_dir_and_metrics_file_are_made_absolute_for_systemd() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.path("conf")).unwrap();
    sandbox.write(
        "conf/jobs.yaml",
        "global:\n  stateDir: state\n  metricsFile: ../metrics/jobrun.prom\njobs:\n  - name: a\n    schedule: \"0 0 * * *\"\n    url: https://example.com\n",
    );
    let run = sandbox.run(&[
        "--config",
        "conf/jobs.yaml",
        "systemd",
        "--dir",
        "units",
        "--bin",
        BIN,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let service = std::fs::read_to_string(sandbox.path("units/jobrun-a.service")).unwrap();
    let dir = sandbox.dir.path().display().to_string();
    for expected in [
        format!("\nReadWritePaths=-{dir}/conf/state\n"),
        format!("\nReadWritePaths=-{dir}/conf/../metrics\n"),
    ] {
        assert!(service.contains(&expected), "{expected:?} in {service}");
    }
    // Given on the command line, it is passed on, and its directory opened.
    let run = sandbox.run(&[
        "--config",
        "conf/jobs.yaml",
        "--metrics-file",
        "/var/lib/node-exporter/jobrun.prom",
        "systemd",
        "--dir",
        "units",
        "--bin",
        BIN,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let service = std::fs::read_to_string(sandbox.path("units/jobrun-a.service")).unwrap();
    assert!(
        service.contains(" --metrics-file /var/lib/node-exporter/jobrun.prom run --scheduled a\n")
            && service.contains("\nReadWritePaths=-/var/lib/node-exporter\n"),
        "{service}"
    );
}

/// Job files whose text a YAML reader could get wrong in a ConfigMap: YAML
/// readers (PyYAML, and go-yaml behind kubectl) take U+0085, U+2028 and
/// U+2029 for line breaks, and CRLF, leading comments and trailing blank
/// lines must come back as written too.
fn texts_a_config_map_must_keep() -> Vec<String> {
    let job = "  - name: a\n    schedule: \"0 0 * * *\"\n    url: https://example.com\n";
    vec![
        format!("jobs:\n  # a note\u{2028}x: 1\n{job}"),
        format!("jobs:\n  # a note \u{85} y\n{job}"),
        format!("jobs:\n  # a note \u{2029} z\n{job}"),
        format!(
            "jobs:\r\n  # a note \u{2028} w\r\n{}",
            job.replace('\n', "\r\n")
        ),
        format!(" # lead  \njobs:\n{job}").trim_end().to_string(),
        format!("# yes: 0x1 #\t*\n\njobs:\n{job}\n\n"),
    ]
}

#[test]
fn kubernetes_writes_a_config_map_for_any_job_file_text() {
    for text in texts_a_config_map_must_keep() {
        let sandbox = Sandbox::with_jobs(&text);
        let run = sandbox.run(&["kubernetes", "--image", "registry.example.com/jobrun:1.0"]);
        assert_eq!(run.code, 0, "{text:?}: {}", run.stderr);
        // Left raw, any of them would end a line for a YAML reader.
        for line_break in ['\r', '\u{85}', '\u{2028}', '\u{2029}'] {
            assert!(!run.stdout.contains(line_break), "{text:?}: {}", run.stdout);
        }
    }
}

/// The ConfigMap must escape the line breaks YAML readers see, for the job
/// file to read back byte for byte.
#[test]
#[ignore = "consumer: needs python3 with PyYAML"]
fn the_config_map_holds_any_job_file_byte_for_byte() {
    for text in texts_a_config_map_must_keep() {
        let sandbox = Sandbox::with_jobs(&text);
        let run = sandbox.run(&["kubernetes", "--image", "registry.example.com/jobrun:1.0"]);
        assert_eq!(run.code, 0, "{text:?}: {}", run.stderr);
        let path = sandbox.write("manifests.yaml", &run.stdout);
        assert_eq!(config_map_read_back(&path), text, "{}", run.stdout);
    }
}

/// Without `timeZone` a CronJob follows the cluster's zone, not the host's:
/// a job that follows a host zone with no IANA name cannot be said.
#[test]
fn kubernetes_refuses_a_job_in_a_host_zone_it_cannot_name() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: a\n    schedule: \"0 7 * * *\"\n    url: https://example.com\n",
    );
    let run = Run::from(
        sandbox
            .jobrun()
            .env("TZ", "<+0530>-5:30")
            .args(["kubernetes", "--image", "jobrun:1"])
            .output()
            .unwrap(),
    );
    assert_eq!((run.code, run.stdout.as_str()), (3, ""), "{}", run.stderr);
    assert!(run.stderr.contains("job `a`"), "{}", run.stderr);
    assert!(run.stderr.contains("jobs.yaml:2:"), "{}", run.stderr);
    assert!(run.stderr.contains("`timezone:`"), "{}", run.stderr);
}

/// The `schedule` and `timeZone` of each CronJob in a manifest.
fn cronjob_schedules(manifests: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let (mut name, mut schedule) = (String::new(), String::new());
    for line in manifests.lines() {
        let value = |l: &str| l.split_once(": ").unwrap().1.trim_matches('"').to_string();
        if line.starts_with("  name: ") {
            name = value(line);
        } else if line.starts_with("  schedule: ") {
            schedule = value(line);
        } else if line.starts_with("  timeZone: ") {
            out.push((name.clone(), schedule.clone(), value(line)));
        }
    }
    out
}

#[test]
fn a_splayed_cronjob_starts_in_the_minute_jobrun_next_names() {
    let sandbox = sandbox("exports/splay.yaml");
    let run = sandbox.run(&["kubernetes", "--image", "example.com/jobrun:1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cronjobs = cronjob_schedules(&run.stdout);
    assert_eq!(cronjobs.len(), 7);
    for (name, schedule, zone) in cronjobs {
        // The CronJob's fields, read by jobrun as a plain job.
        let plain = Sandbox::with_jobs(&format!(
            "jobs:\n  - name: plain\n    schedule: \"{schedule}\"\n    timezone: {zone}\n    url: \"https://example.com/\"\n"
        ));
        // A second before a whole minute: a CronJob's minute and the run
        // within it are then both after it, or both not.
        for after in [
            "2027-03-12T23:59:59Z",
            "2027-10-01T23:59:59Z",
            "2027-12-30T23:59:59Z",
        ] {
            let minute = |text: &str| {
                let t: jiff::Timestamp = text.parse().unwrap();
                jiff::Timestamp::from_second(t.as_second().div_euclid(60) * 60).unwrap()
            };
            let times = |s: &Sandbox, job: &str| -> Vec<jiff::Timestamp> {
                let next = s.run(&["next", job, "-n", "8", "--after", after]);
                assert_eq!(next.code, 0, "{}", next.stderr);
                next.stdout.lines().map(minute).collect()
            };
            assert_eq!(
                times(&plain, "plain"),
                times(&sandbox, &name),
                "{name}: `{schedule}` in {zone} after {after}"
            );
        }
    }
}

#[test]
fn a_splayed_time_fields_cannot_say_is_refused_by_systemd_and_kubernetes_and_run_by_cron() {
    // 23:50 on the 31st + 16m 33s is the 1st after a 31-day month.
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: month-end-0\n    schedule: \"50 23 31 * *\"\n    splay: 20m\n    url: \"https://example.com/\"\n",
    );
    for args in [
        &["systemd", "--dir", "units"][..],
        &["kubernetes", "--image", "example.com/jobrun:1"],
    ] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("job `month-end-0`: ")
                && run
                    .stderr
                    .contains("cannot say when `50 23 31 * *` runs, 16m 33s later: splay 20m"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("jobrun crontab"), "{}", run.stderr);
    }
    let cron = sandbox.run(&["crontab", "--bin", BIN]);
    assert_eq!(cron.code, 0, "{}", cron.stderr);
    assert!(
        cron.stdout.contains("\n6 0 * * *  root  ")
            && cron.stdout.contains(" run --due month-end-0\n"),
        "{}",
        cron.stdout
    );
    // The 31sts of January and March, never a 30th.
    let next = sandbox.run(&[
        "next",
        "month-end-0",
        "-n",
        "2",
        "--after",
        "2027-01-02T00:00:00Z",
    ]);
    assert_eq!(
        next.stdout,
        "2027-02-01T00:06:33+00:00\n2027-04-01T00:06:33+00:00\n"
    );
}

/// A job removed from the job file (or disabled) loses its units at the
/// next `systemd --dir`: only files jobrun wrote from this job file, by
/// their header; a unit of another job file, a file of another name, one
/// without the header and a link are left where they are.
#[test]
fn systemd_removes_the_units_it_wrote_for_jobs_no_longer_in_the_job_file() {
    let job = |name: &str, enabled: bool| {
        format!(
            "  - name: {name}\n    schedule: \"0 3 * * *\"\n    url: \"http://127.0.0.1:9/\"\n    enabled: {enabled}\n"
        )
    };
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n{}{}{}",
        job("kept", true),
        job("gone", true),
        job("paused", true)
    ));
    let systemd = |sandbox: &Sandbox| sandbox.run(&["systemd", "--dir", "units", "--bin", BIN]);
    assert_eq!(systemd(&sandbox).code, 0);
    // Another job file's unit, written by jobrun into the same directory.
    std::fs::create_dir(sandbox.path("other")).unwrap();
    sandbox.write("other/jobs.yaml", format!("jobs:\n{}", job("theirs", true)));
    let run = sandbox.run(&[
        "--config",
        "other/jobs.yaml",
        "systemd",
        "--dir",
        "units",
        "--bin",
        BIN,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let foreign = [
        ("units/jobrun-mine.timer", "[Timer]\nOnCalendar=daily\n"),
        ("units/jobrun-gone.timer.bak", "a copy someone made\n"),
        ("units/backup.service", "[Service]\n"),
    ];
    for (path, text) in foreign {
        sandbox.write(path, text);
    }
    std::os::unix::fs::symlink(
        sandbox.path("units/jobrun-gone.service"),
        sandbox.path("units/jobrun-link.service"),
    )
    .unwrap();
    sandbox.write(
        "jobs.yaml",
        format!("jobs:\n{}{}", job("kept", true), job("paused", false)),
    );

    let run = systemd(&sandbox);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut left: Vec<String> = std::fs::read_dir(sandbox.path("units"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "backup.service",
            "jobrun-gone.timer.bak",
            "jobrun-kept.service",
            "jobrun-kept.timer",
            "jobrun-link.service",
            "jobrun-mine.timer",
            "jobrun-theirs.service",
            "jobrun-theirs.timer",
        ]
    );
    assert_eq!(
        run.stdout,
        "# 2 unit files written to units\n\
         # 4 unit files removed from units, written earlier for jobs no longer in the job file or disabled:\n\
         #   jobrun-gone.service jobrun-gone.timer jobrun-paused.service jobrun-paused.timer\n\
         # unless that is /etc/systemd/system, copy the new ones there first and remove the removed ones there too; then:\n\
         systemctl stop jobrun-gone.timer jobrun-paused.timer\n\
         rm -f /etc/systemd/system/timers.target.wants/jobrun-gone.timer /etc/systemd/system/timers.target.wants/jobrun-paused.timer\n\
         systemctl daemon-reload\n\
         systemctl enable --now jobrun-kept.timer\n"
    );

    // Nothing left to remove: the usual commands only.
    let run = systemd(&sandbox);
    assert!(!run.stdout.contains("removed"), "{}", run.stdout);
    assert!(!run.stdout.contains("rm -f"), "{}", run.stdout);
}
