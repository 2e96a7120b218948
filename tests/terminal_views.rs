//! What a person reads in a terminal, as golden files: `status`'s
//! timeline and `history --chart`, in Unicode and ASCII, with colour and
//! without, at 80 columns and narrower. In the consumers group, the same
//! binary on a real pseudo-terminal (script(1)), where colour is decided
//! by the terminal, `NO_COLOR` and `TERM`.

mod common;

use common::{Run, Sandbox, golden};
use jobrun::fixtures::{
    Delivery, History, NoticeKind, Outcome, Record, Source, StateDir, Store, Trigger,
};

/// Every second: the next run is always `in 1s`, so the golden files do
/// not depend on the clock.
const EVERY_SECOND: &str = "* * * * * *";

/// A golden file, the variables set and the flags given for it.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a [&'a str]);

const LONG_NAME: &str = "kpi-evening-report-backup-for-the-finance-team-dashboard";

fn store(sandbox: &Sandbox) -> Store {
    Store::open(&StateDir {
        path: sandbox.state_dir(),
        source: Source::Env,
    })
    .expect("opens")
}

/// A run of `job` that started at `started` and ended with `outcome`
/// after `ms` (none for a run that died or is going).
fn run(job: &str, n: usize, started: jiff::Timestamp, outcome: Outcome, ms: Option<u64>) -> Record {
    let mut run = Record::start(format!("{job}-{n}"), job, Trigger::Scheduled, None, started);
    run.outcome = outcome;
    if outcome != Outcome::Running && outcome != Outcome::Died {
        run.ended = Some(started);
    }
    run.duration_ms = ms;
    run.attempts = 1;
    run
}

/// Jobs with histories of every shape, their runs placed back from now
/// (a day apart, the newest 3 h and 30 s ago), so the relative times are
/// the same whenever the test runs.
fn status_sandbox() -> (Sandbox, std::fs::File) {
    let job = |name: &str, extra: &str| {
        format!(
            "  - name: {name}\n    schedule: \"{EVERY_SECOND}\"\n    url: http://127.0.0.1:9/\n{extra}"
        )
    };
    let text = format!(
        "jobs:\n{}{}{}{}{}",
        job("kpi-evening-report", ""),
        job(LONG_NAME, ""),
        job("never-ran", ""),
        job("old-report", "    enabled: false\n"),
        job("sync-inventory", "    concurrency: allow\n"),
    );
    let sandbox = Sandbox::with_jobs(&text);
    let now = jiff::Timestamp::now();
    let ago = |days: i64, extra_secs: i64| {
        now - jiff::SignedDuration::from_hours(24 * days + 3)
            - jiff::SignedDuration::from_secs(30 + extra_secs)
    };
    let mut store = store(&sandbox);
    let mut add = |record: Record| store.add(&record, 100, false).unwrap();
    use Outcome::*;
    // Oldest first. Mostly fine, a failure now and then, an interrupted
    // run, and failing for the last two.
    let report: [(Outcome, u64); 22] = [
        (Succeeded, 1210),
        (Succeeded, 1180),
        (Failed, 30_000),
        (Succeeded, 1250),
        (Succeeded, 1320),
        (Succeeded, 1190),
        (Succeeded, 4810),
        (Succeeded, 1230),
        (Interrupted, 2200),
        (Succeeded, 1200),
        (Succeeded, 1170),
        (Succeeded, 1260),
        (Failed, 850),
        (Succeeded, 1240),
        (Succeeded, 1300),
        (Succeeded, 1220),
        (Succeeded, 1190),
        (Succeeded, 1280),
        (Succeeded, 1250),
        (Succeeded, 1210),
        (Failed, 940),
        (Failed, 1020),
    ];
    for (n, (outcome, ms)) in report.iter().enumerate() {
        let day = (report.len() - 1 - n) as i64;
        add(run(
            "kpi-evening-report",
            n,
            ago(day, 0),
            *outcome,
            Some(*ms),
        ));
    }
    let backup = [
        Skipped, Skipped, Skipped, Succeeded, Skipped, Busy, Skipped, Succeeded,
    ];
    for (n, outcome) in backup.iter().enumerate() {
        let day = (backup.len() - 1 - n) as i64;
        let ms = if *outcome == Succeeded { 61_500 } else { 0 };
        add(run(LONG_NAME, n, ago(day, -300), *outcome, Some(ms)));
    }
    let old = [(Succeeded, Some(340)), (Succeeded, Some(410)), (Died, None)];
    for (n, (outcome, ms)) in old.iter().enumerate() {
        add(run(
            "old-report",
            n,
            ago(40 + 2 - n as i64, 0),
            *outcome,
            *ms,
        ));
    }
    for n in 0..5 {
        add(run(
            "sync-inventory",
            n,
            ago(5 - n as i64, 0),
            Succeeded,
            Some(95_000 + 1000 * n as u64),
        ));
    }
    let going = now - jiff::SignedDuration::from_secs(150);
    add(run("sync-inventory", 5, going, Running, None));
    // Its run is going: this test holds its job's lock, as the run would.
    let locks = sandbox.state_dir().join("locks");
    std::fs::create_dir_all(&locks).unwrap();
    let lock = std::fs::File::create(locks.join("sync-inventory.lock")).unwrap();
    lock.lock_shared().unwrap();
    let own = std::fs::File::create(locks.join("sync-inventory.sync-inventory-5.lock")).unwrap();
    own.lock().unwrap();
    std::mem::forget(own);
    (sandbox, lock)
}

fn status(sandbox: &Sandbox, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command = sandbox.jobrun();
    for (name, value) in env {
        command.env(name, value);
    }
    Run::from(command.args(args).arg("status").output().unwrap())
}

#[test]
fn status_draws_each_jobs_recent_runs_as_golden_files_say() {
    let (sandbox, _lock) = status_sandbox();
    let utf8 = ("LANG", "C.UTF-8");
    let cases: [Case; 6] = [
        ("status/ascii.txt", vec![], &[]),
        ("status/unicode.txt", vec![utf8], &[]),
        (
            "status/unicode-colour.txt",
            vec![utf8],
            &["--color", "always"],
        ),
        ("status/ascii-colour.txt", vec![], &["--color", "always"]),
        (
            "status/unicode-60-columns.txt",
            vec![utf8, ("COLUMNS", "60")],
            &[],
        ),
        (
            "status/unicode-120-columns.txt",
            vec![utf8, ("COLUMNS", "120")],
            &[],
        ),
    ];
    let mut mismatches = Vec::new();
    for (name, env, args) in &cases {
        let run = status(&sandbox, env, args);
        assert_eq!(run.code, 1, "kpi-evening-report is failing: {}", run.stderr);
        assert_eq!(run.stderr, "");
        golden::check(name, &run.stdout, &mut mismatches);
        let width: usize = env
            .iter()
            .find(|(n, _)| *n == "COLUMNS")
            .map_or(80, |(_, w)| w.parse().unwrap());
        for line in run.stdout.lines() {
            let plain = without_colour(line);
            assert!(
                plain.chars().count() <= width,
                "{name}: {plain:?} is wider than {width}"
            );
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn no_color_and_a_dumb_terminal_leave_colour_out_unless_it_is_forced() {
    let (sandbox, _lock) = status_sandbox();
    let utf8 = ("LANG", "C.UTF-8");
    let plain = status(&sandbox, &[utf8], &[]).stdout;
    assert!(!plain.contains('\x1b'));
    for env in [vec![utf8, ("NO_COLOR", "1")], vec![utf8, ("TERM", "dumb")]] {
        assert_eq!(status(&sandbox, &env, &[]).stdout, plain, "{env:?}");
        assert_eq!(
            status(&sandbox, &env, &["--color", "never"]).stdout,
            plain,
            "{env:?}"
        );
        // The flag wins, as for diagnostics.
        let forced = status(&sandbox, &env, &["--color", "always"]).stdout;
        assert!(forced.contains("\x1b[32m"), "{env:?}: {forced}");
        assert_eq!(without_colour(&forced), plain);
    }
}

/// `text` without the SGR sequences colour adds.
fn without_colour(text: &str) -> String {
    let mut out = String::new();
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    out
}

/// A job with 30 runs a day apart from 2025-02-01 18:30 Chicago time, as
/// a nightly report's: mostly a second or so, a slow night, failures.
fn chart_sandbox() -> Sandbox {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: kpi-evening-report\n    schedule: \"30 18 * * *\"\n    timezone: America/Chicago\n    url: http://127.0.0.1:9/\n",
    );
    let first: jiff::Timestamp = "2025-02-02T00:30:00.412Z".parse().unwrap();
    let mut store = store(&sandbox);
    for n in 0..30u64 {
        let started = first + jiff::SignedDuration::from_hours(24 * n as i64);
        let (outcome, ms) = match n {
            6 => (Outcome::Failed, Some(30_000)),
            13 => (Outcome::Interrupted, Some(8_200)),
            17 => (Outcome::Skipped, Some(0)),
            21 => (Outcome::Succeeded, Some(17_400)),
            25 => (Outcome::Died, None),
            28 | 29 => (Outcome::Failed, Some(700 + 40 * n)),
            _ => (Outcome::Succeeded, Some(1_000 + (n * 7919) % 900)),
        };
        store
            .add(
                &run("kpi-evening-report", n as usize, started, outcome, ms),
                100,
                false,
            )
            .unwrap();
    }
    sandbox
}

#[test]
fn history_chart_draws_run_times_as_golden_files_say() {
    let sandbox = chart_sandbox();
    let utf8 = ("LANG", "C.UTF-8");
    let cases: [Case; 6] = [
        ("chart/ascii.txt", vec![], &[]),
        ("chart/unicode.txt", vec![utf8], &[]),
        (
            "chart/unicode-colour.txt",
            vec![utf8],
            &["--color", "always"],
        ),
        (
            "chart/unicode-40-columns.txt",
            vec![utf8, ("COLUMNS", "40")],
            &[],
        ),
        ("chart/unicode-last-12.txt", vec![utf8], &["-n", "12"]),
        (
            "chart/ascii-colour-30-columns.txt",
            vec![("COLUMNS", "30")],
            &["--color", "always"],
        ),
    ];
    let mut mismatches = Vec::new();
    for (name, env, args) in &cases {
        let mut command = sandbox.jobrun();
        for (var, value) in env {
            command.env(var, value);
        }
        let run = Run::from(
            command
                .args(["history", "kpi-evening-report", "--chart"])
                .args(*args)
                .output()
                .unwrap(),
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        golden::check(name, &run.stdout, &mut mismatches);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn history_chart_needs_one_job_and_says_when_it_has_no_runs() {
    let sandbox = chart_sandbox();
    let run = sandbox.run(&["history", "--chart"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("<NAME>"), "{}", run.stderr);
    let run = sandbox.run(&["history", "kpi-evening-report", "--chart", "--json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let empty = Sandbox::with_jobs(
        "jobs:\n  - name: fresh\n    schedule: \"0 0 * * *\"\n    url: http://127.0.0.1:9/\n",
    );
    let run = empty.run(&["history", "fresh", "--chart"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "no runs of `fresh` are recorded\n")
    );
}

#[test]
fn history_chart_of_runs_that_sent_nothing_says_so_instead_of_an_empty_scale() {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: backup\n    schedule: \"0 0 * * *\"\n    url: http://127.0.0.1:9/\n",
    );
    let first: jiff::Timestamp = "2025-02-02T00:30:00.412Z".parse().unwrap();
    let mut store = store(&sandbox);
    for (n, outcome) in [Outcome::Skipped, Outcome::Busy, Outcome::Skipped]
        .into_iter()
        .enumerate()
    {
        let started = first + jiff::SignedDuration::from_hours(24 * n as i64);
        store
            .add(&run("backup", n, started, outcome, Some(0)), 100, false)
            .unwrap();
    }
    let run = sandbox.run(&["history", "backup", "--chart"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "backup: no timed runs among the last 3 runs (2 skipped, 1 busy): nothing to draw\n"
        )
    );
}

/// `jobrun ARGS` on a pseudo-terminal `columns` wide (script(1)), with
/// `env`: what the terminal was sent.
fn on_a_terminal(sandbox: &Sandbox, env: &[(&str, &str)], columns: u16, args: &str) -> String {
    let binary = assert_cmd::cargo::cargo_bin!("jobrun");
    let shell = format!("stty cols {columns}; '{}' {args}", binary.display());
    let mut command = std::process::Command::new(common::consumer::require("script"));
    command
        .args(["-qec", &shell, "/dev/null"])
        .current_dir(sandbox.dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TZ", "UTC")
        .env("JOBRUN_STATE_DIR", sandbox.state_dir())
        .stdin(std::process::Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("script runs");
    String::from_utf8_lossy(&output.stdout).replace('\r', "")
}

#[test]
#[ignore = "consumer: needs script (util-linux)"]
fn on_a_terminal_status_is_coloured_unless_no_color_or_a_dumb_terminal_says_not() {
    let (sandbox, _lock) = status_sandbox();
    let utf8 = ("LANG", "C.UTF-8");
    let coloured = on_a_terminal(&sandbox, &[utf8, ("TERM", "xterm-256color")], 80, "status");
    assert!(coloured.contains("\x1b[32m✓"), "{coloured}");
    assert_eq!(
        without_colour(&coloured),
        golden_text("status/unicode.txt"),
        "the same text, coloured"
    );
    for env in [
        [utf8, ("TERM", "xterm-256color"), ("NO_COLOR", "1")],
        [utf8, ("TERM", "dumb"), ("NO_COLOR", "")],
    ] {
        let plain = on_a_terminal(&sandbox, &env, 80, "status");
        assert_eq!(plain, golden_text("status/unicode.txt"), "{env:?}");
    }
    // The terminal's width is the width drawn to.
    let narrow = on_a_terminal(&sandbox, &[utf8, ("TERM", "dumb")], 60, "status");
    assert_eq!(narrow, golden_text("status/unicode-60-columns.txt"));
    let chart = on_a_terminal(
        &chart_sandbox(),
        &[utf8, ("TERM", "dumb")],
        40,
        "history kpi-evening-report --chart",
    );
    assert_eq!(chart, golden_text("chart/unicode-40-columns.txt"));
}

fn golden_text(name: &str) -> String {
    std::fs::read_to_string(golden::path(name)).expect("golden file")
}

/// A body without a final line break gets one on a terminal, so the
/// prompt does not start after it; through a pipe it stays as received
/// (tests/run_output.rs).
#[test]
#[ignore = "consumer: needs script (util-linux)"]
fn on_a_terminal_print_body_ends_with_a_line_break() {
    let server = common::server::Server::start(vec![
        common::server::Reply::status(200).body("{\"rows\":3}"),
        common::server::Reply::status(200).body("a,b\n"),
    ]);
    let sandbox = Sandbox::with_jobs(&format!(
        "jobs:\n  - name: report\n    schedule: \"0 0 * * *\"\n    url: \"{}\"\n",
        server.url("/report")
    ));
    let shown = on_a_terminal(&sandbox, &[], 80, "run report --print-body; echo END");
    assert_eq!(shown, "{\"rows\":3}\nEND\n");
    let shown = on_a_terminal(&sandbox, &[], 80, "run report --print-body; echo END");
    assert_eq!(shown, "a,b\nEND\n");
}

/// Two jobs' runs, in two zones, of every shape a row can take.
fn history_sandbox() -> Sandbox {
    let sandbox = Sandbox::with_jobs(
        "jobs:\n  - name: kpi-evening-report\n    schedule: \"30 18 * * *\"\n    timezone: America/Chicago\n    url: http://127.0.0.1:9/\n  - name: sync-inventory\n    schedule: \"*/15 * * * *\"\n    url: http://127.0.0.1:9/\n",
    );
    let at = |t: &str| t.parse::<jiff::Timestamp>().unwrap();
    let mut store = store(&sandbox);
    let mut runs = Vec::new();
    let mut ok = run(
        "kpi-evening-report",
        1,
        at("2025-03-07T00:30:00.412Z"),
        Outcome::Succeeded,
        Some(1_234),
    );
    ok.status = Some(200);
    runs.push(ok);
    let mut failed = run(
        "kpi-evening-report",
        2,
        at("2025-03-08T00:30:00.318Z"),
        Outcome::Failed,
        Some(35),
    );
    failed.status = Some(503);
    failed.attempts = 4;
    failed.error = Some("503 Service Unavailable (server error)".into());
    failed.notice = Some(NoticeKind::Failure);
    failed.notice_result = Some(Delivery::Sent);
    failed.ping_error = Some("connection refused".into());
    runs.push(failed);
    let mut skipped = run(
        "sync-inventory",
        3,
        at("2025-03-08T12:15:00.020Z"),
        Outcome::Skipped,
        None,
    );
    skipped.attempts = 0;
    skipped.reason = Some("dependsOn (failed): `kpi-evening-report` succeeded".into());
    runs.push(skipped);
    let mut by_hand = run(
        "sync-inventory",
        4,
        at("2025-03-08T12:20:07.001Z"),
        Outcome::Succeeded,
        Some(0),
    );
    by_hand.trigger = Trigger::Manual;
    by_hand.status = Some(204);
    runs.push(by_hand);
    for r in &runs {
        store.add(r, 100, false).unwrap();
    }
    sandbox
}

#[test]
fn history_fits_80_columns_in_each_jobs_zone_and_wide_shows_every_column() {
    let sandbox = history_sandbox();
    let mut mismatches = Vec::new();
    for (name, args) in [
        ("history/table.txt", &["history"][..]),
        ("history/wide.txt", &["history", "--wide"][..]),
    ] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        golden::check(name, &run.stdout, &mut mismatches);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));

    let table = sandbox.run(&["history"]).stdout;
    let header = table.lines().next().unwrap();
    // With an 18-character job name, the columns before DETAIL leave it
    // 18 of 80 columns (a terminal cuts it there; `--wide` never does).
    let detail = header.find("DETAIL").expect("a DETAIL column");
    assert!(detail <= 62, "{header}");
    // Times in the job's own zone, named.
    assert!(table.contains("2025-03-06 18:30:00 CST"), "{table}");
    assert!(table.contains("2025-03-08 12:15:00 UTC"), "{table}");
    // One duration format, as `status` and the chart write them.
    assert!(table.contains("  1.2s\n"), "{table}");
    assert!(!table.contains("1s 234ms"), "{table}");
}
