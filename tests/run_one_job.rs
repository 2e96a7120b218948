//! `run NAME` checks what protects that run, and nothing more stops it: an
//! error in the job itself, in `global` or the file's top level, a name
//! used twice, a `dependsOn` naming no job. An error in another job stops
//! only that job, as a bad line in a cron table stops only its own line.
//!
//! A large file (64 KiB or more) is read through its index in the user's
//! cache directory once it has one: the same answers, never from an index
//! of an older text, and the index holds no value of the file.

mod common;

use std::path::{Path, PathBuf};

use common::server::{Reply, Server};
use common::{Run, Sandbox};

/// `count` healthy jobs, to make a file large.
fn fillers(count: usize) -> String {
    (0..count)
        .map(|i| {
            format!(
                "  - name: filler-{i}\n    schedule: \"*/15 * * * *\"\n    url: \"https://reports.example.com/{i}\"\n    headers:\n      X-Team: \"ops-{i}\"\n    data: {{report: {i}}}\n"
            )
        })
        .collect()
}

/// A job file: `global` lines, then `jobs` (the job `ok` calling `url`,
/// `more` after it), then `fillers` healthy jobs.
fn file(global: &str, url: &str, more: &str, fillers_count: usize) -> String {
    format!(
        "{global}jobs:\n  - name: ok\n    schedule: \"* * * * *\"\n    url: \"{url}\"\n    method: POST\n    data: {{from: ok}}\n{more}{}",
        fillers(fillers_count)
    )
}

const BROKEN: &str =
    "  - name: broken\n    schedule: \"61 * * * *\"\n    url: \"https://e.com/b\"\n";

/// `jobrun` in the sandbox, its index kept in `cache/`.
fn run(sandbox: &Sandbox, args: &[&str]) -> Run {
    Run::from(
        sandbox
            .jobrun()
            .env("XDG_CACHE_HOME", sandbox.path("cache"))
            .args(args)
            .output()
            .expect("runs"),
    )
}

fn index_files(sandbox: &Sandbox) -> Vec<PathBuf> {
    match std::fs::read_dir(sandbox.path("cache/jobrun")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Both sizes of file: small ones are read whole, large ones through
/// their index from the second run on.
const SIZES: [usize; 2] = [0, 600];

#[test]
fn a_healthy_job_runs_when_another_job_has_an_error() {
    for fillers_count in SIZES {
        let server = Server::start(vec![Reply::status(200); 3]);
        let text = file("", &server.url("/ok"), BROKEN, fillers_count);
        let sandbox = Sandbox::with_jobs(&text);
        for round in 0..3 {
            let ran = run(&sandbox, &["run", "ok"]);
            assert_eq!(ran.code, 0, "round {round}: {}", ran.stderr);
            assert_eq!(ran.stderr, "", "other jobs' errors are not this run's");
        }
        assert_eq!(server.requests().len(), 3);
        // The broken job says what is wrong with it, and only that.
        let refused = run(&sandbox, &["run", "broken"]);
        assert_eq!(refused.code, 3, "{}", refused.stderr);
        assert!(
            refused.stderr.contains("invalid schedule"),
            "{}",
            refused.stderr
        );
        assert_eq!(
            refused.stderr.matches("error:").count(),
            1,
            "{}",
            refused.stderr
        );
        // `validate` still reports every problem, and fails.
        let checked = run(&sandbox, &["validate"]);
        assert_eq!(checked.code, 3, "{}", checked.stderr);
        assert!(checked.stderr.contains("invalid schedule"));
        assert_eq!(
            index_files(&sandbox).len(),
            usize::from(fillers_count > 0),
            "only a large file is indexed"
        );
    }
}

#[test]
fn an_error_in_global_stops_every_job() {
    for fillers_count in SIZES {
        let text = file(
            "global:\n  defaultTimeout: soon\n",
            "http://127.0.0.1:1/x",
            "",
            fillers_count,
        );
        let sandbox = Sandbox::with_jobs(&text);
        for _ in 0..2 {
            let refused = run(&sandbox, &["run", "ok"]);
            assert_eq!(refused.code, 3, "{}", refused.stderr);
            assert!(
                refused.stderr.contains("defaultTimeout"),
                "{}",
                refused.stderr
            );
        }
        assert!(
            index_files(&sandbox).is_empty(),
            "no index of a file with a shared error"
        );
    }
}

#[test]
fn a_name_used_twice_stops_both_jobs_of_that_name_only() {
    for fillers_count in SIZES {
        let server = Server::start(vec![Reply::status(200); 2]);
        let twice = "  - name: twin\n    schedule: \"* * * * *\"\n    url: \"https://e.com/1\"\n  - name: twin\n    schedule: \"* * * * *\"\n    url: \"https://e.com/2\"\n";
        let text = file("", &server.url("/ok"), twice, fillers_count);
        let sandbox = Sandbox::with_jobs(&text);
        for _ in 0..2 {
            let refused = run(&sandbox, &["run", "twin"]);
            assert_eq!(refused.code, 3, "{}", refused.stderr);
            assert!(
                refused.stderr.contains("duplicate job name `twin`"),
                "{}",
                refused.stderr
            );
            let ran = run(&sandbox, &["run", "ok"]);
            assert_eq!(ran.code, 0, "{}", ran.stderr);
        }
    }
}

#[test]
fn depends_on_must_name_a_job_of_the_file() {
    for fillers_count in SIZES {
        let server = Server::start(vec![Reply::status(200); 2]);
        let backup = |target: &str| {
            format!(
                "  - name: backup\n    schedule: \"* * * * *\"\n    url: \"{}\"\n    dependsOn:\n      job: {target}\n",
                server.url("/backup")
            )
        };
        let text = file(
            "",
            &server.url("/ok"),
            &backup("filler-0"),
            fillers_count.max(1),
        );
        let sandbox = Sandbox::with_jobs(&text);
        for _ in 0..2 {
            let ran = run(&sandbox, &["run", "backup"]);
            assert_eq!(ran.code, 0, "{}", ran.stderr);
        }
        sandbox.write(
            "jobs.yaml",
            file(
                "",
                &server.url("/ok"),
                &backup("filler-x"),
                fillers_count.max(1),
            ),
        );
        for _ in 0..2 {
            let refused = run(&sandbox, &["run", "backup"]);
            assert_eq!(refused.code, 3, "{}", refused.stderr);
            assert!(
                refused
                    .stderr
                    .contains("`dependsOn` names no job called `filler-x`"),
                "{}",
                refused.stderr
            );
        }
    }
}

/// Write `text` over the file, keeping its modification time.
fn rewrite_keeping_mtime(path: &Path, text: &str) {
    let mtime = std::fs::metadata(path).unwrap().modified().unwrap();
    std::fs::write(path, text).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(mtime).unwrap();
}

#[test]
fn an_edited_file_is_never_read_through_its_old_index() {
    let server = Server::start(vec![Reply::status(200); 3]);
    let text = file("", &server.url("/one"), "", 600);
    let sandbox = Sandbox::with_jobs(&text);
    let path = sandbox.path("jobs.yaml");
    let ran = run(&sandbox, &["run", "ok"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(index_files(&sandbox).len(), 1);
    // The same size and the same modification time: only the content says.
    rewrite_keeping_mtime(&path, &text.replace("/one", "/two"));
    let ran = run(&sandbox, &["run", "ok"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    // Moved: every later byte's place changes.
    rewrite_keeping_mtime(
        &path,
        &format!("# moved down\n{}", text.replace("/one", "/three")),
    );
    let ran = run(&sandbox, &["run", "ok"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, ["/one", "/two", "/three"]);
    // Broken in place: the run says so, as if there were no index.
    rewrite_keeping_mtime(&path, &text.replace("\"* * * * *\"", "\"* * * * 9\""));
    let refused = run(&sandbox, &["run", "ok"]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("invalid schedule"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_damaged_or_planted_index_is_not_trusted() {
    let server = Server::start(vec![Reply::status(200); 3]);
    let text = file("", &server.url("/ok"), "", 600);
    let sandbox = Sandbox::with_jobs(&text);
    assert_eq!(run(&sandbox, &["run", "ok"]).code, 0);
    let index = index_files(&sandbox).remove(0);
    // Positions pointing at another job's lines, with the right digest.
    let kept = std::fs::read_to_string(&index).unwrap();
    let ok_line = kept.lines().find(|l| l.starts_with("job ok ")).unwrap();
    let filler_line = kept
        .lines()
        .find(|l| l.starts_with("job filler-3 "))
        .unwrap();
    let planted = kept.replace(
        ok_line,
        &filler_line.replacen("job filler-3 ", "job ok ", 1),
    );
    std::fs::write(&index, planted).unwrap();
    let ran = run(&sandbox, &["run", "ok"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    std::fs::write(&index, "jobrun-index 2\ngarbage\n").unwrap();
    let ran = run(&sandbox, &["run", "ok"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    // Every request went to the job's own address, never a filler's.
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, ["/ok", "/ok", "/ok"]);
    assert!(
        std::fs::read_to_string(&index)
            .unwrap()
            .starts_with("jobrun-index 2 "),
        "made again"
    );
}

#[test]
fn a_job_using_an_alias_runs_from_the_whole_file() {
    let server = Server::start(vec![Reply::status(200); 2]);
    let more = "  - name: shared\n    schedule: \"* * * * *\"\n    url: \"https://e.com/s\"\n    data: &report {kind: daily}\n";
    let mut text = file("", "https://e.com/unused", more, 600);
    text.push_str(&format!(
        "  - name: aliased\n    schedule: \"* * * * *\"\n    url: \"{}\"\n    method: POST\n    data: *report\n",
        server.url("/aliased")
    ));
    let sandbox = Sandbox::with_jobs(&text);
    for _ in 0..2 {
        let ran = run(&sandbox, &["run", "aliased"]);
        assert_eq!(ran.code, 0, "{}", ran.stderr);
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests
            .iter()
            .all(|r| r.body_text() == "{\"kind\":\"daily\"}")
    );
}

#[test]
fn the_index_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt as _;
    let text = file("", "https://e.com/x", "", 600);
    let sandbox = Sandbox::with_jobs(&text);
    assert_eq!(run(&sandbox, &["run", "ok", "--dry-run"]).code, 0);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&sandbox.path("cache/jobrun")), 0o700);
    let index = index_files(&sandbox).remove(0);
    assert_eq!(mode(&index), 0o600);
    // Without a cache directory at all, the run reads the whole file.
    let ran = Run::from(
        sandbox
            .jobrun()
            .args(["run", "ok", "--dry-run"])
            .output()
            .unwrap(),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
}

/// The jobs a metrics file has samples of: every job of the file has some.
fn jobs_in_metrics(text: &str) -> std::collections::BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split("job_name=\"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_metrics_file_holds_every_job_after_a_run_in_a_large_file() {
    // From `global.metricsFile` and from `--metrics-file`: either way the
    // file holds every job's figures, not only the job that ran.
    for (global, flag) in [("global:\n  metricsFile: jobrun.prom\n", false), ("", true)] {
        let server = Server::start(vec![Reply::status(200); 4]);
        let text = file(global, &server.url("/ok"), BROKEN, 600);
        let sandbox = Sandbox::with_jobs(&text);
        let mut args = vec!["run", "ok"];
        if flag {
            args.extend(["--metrics-file", "jobrun.prom"]);
        }
        for round in 0..3 {
            let ran = run(&sandbox, &args);
            assert_eq!(ran.code, 0, "round {round}: {}", ran.stderr);
            assert_eq!(ran.stderr, "", "round {round}");
            let metrics = std::fs::read_to_string(sandbox.path("jobrun.prom")).unwrap();
            let jobs = jobs_in_metrics(&metrics);
            assert_eq!(jobs.len(), 601, "round {round} ({global:?}): {jobs:?}");
            assert!(jobs.contains("ok") && jobs.contains("filler-599"));
        }
        // Without `--metrics-file` the file is indexed for the next run,
        // unless `global` names a metrics file.
        assert_eq!(run(&sandbox, &["run", "ok"]).code, 0);
        assert_eq!(server.requests().len(), 4);
        assert_eq!(index_files(&sandbox).len(), usize::from(flag));
    }
}

#[test]
fn every_bound_and_splay_check_applies_to_a_run_through_the_index() {
    let bad_job = [
        ("    timeout: 25h\n", "`timeout` must be at most 24h"),
        (
            "    retries: 101\n",
            "`retries` must be a whole number from 0 to 100",
        ),
        ("    splay: 2m\n", "`splay` (2m) is not shorter than the 1m"),
        ("    catchUp: 9601h\n", "`catchUp` must be at most 9600h"),
        (
            "    headers:\n      Content-Length: \"5\"\n",
            "header `Content-Length` is set by jobrun itself",
        ),
    ];
    for (keys, message) in bad_job {
        let server = Server::start(vec![Reply::status(200); 4]);
        let url = server.url("/ok");
        let good = file("", &url, "", 600);
        let sandbox = Sandbox::with_jobs(&good);
        // The index is made from the good file, then the job is broken:
        // a run reads it again, whole, and says what is wrong.
        assert_eq!(run(&sandbox, &["run", "ok"]).code, 0);
        let broken = good.replacen(
            "    data: {from: ok}\n",
            &format!("    data: {{from: ok}}\n{keys}"),
            1,
        );
        assert_ne!(broken, good);
        sandbox.write("jobs.yaml", &broken);
        for round in 0..2 {
            let refused = run(&sandbox, &["run", "ok"]);
            assert_eq!(
                refused.code, 3,
                "{keys:?} round {round}: {}",
                refused.stderr
            );
            assert!(
                refused.stderr.contains(message),
                "{keys:?}: {}",
                refused.stderr
            );
            // Other jobs still run through the index.
            assert_eq!(run(&sandbox, &["run", "filler-1", "--dry-run"]).code, 0);
        }
    }
    // `global`'s bounds stop every job.
    for (keys, message) in [
        ("  splay: 2h\n", "`splay` (2h) is longer than an hour"),
        ("  splaySeed: \"\"\n", "`splaySeed` cannot be empty"),
        (
            "  defaultRetries: 101\n",
            "`defaultRetries` must be a whole number from 0 to 100",
        ),
        (
            "  tokenWarning: 1000000h\n",
            "`tokenWarning` must be at most 9600h",
        ),
    ] {
        let text = file(&format!("global:\n{keys}"), "https://e.com/ok", "", 600);
        let sandbox = Sandbox::with_jobs(&text);
        for name in ["ok", "filler-1", "ok"] {
            let refused = run(&sandbox, &["run", name, "--dry-run"]);
            assert_eq!(refused.code, 3, "{keys:?}: {}", refused.stderr);
            assert!(
                refused.stderr.contains(message),
                "{keys:?}: {}",
                refused.stderr
            );
        }
    }
}

#[test]
fn the_state_url_in_global_is_honoured_through_the_index() {
    // Nothing listens on port 1: a run that keeps its state where
    // `global.stateUrl` says finds the database unreachable, and its job
    // (`concurrency: forbid`) cannot take its lock there. Had the URL been
    // lost on the way through the index, the run would have used SQLite in
    // the state directory and sent its request.
    let global = "global:\n  stateUrl: \"postgres://jobrun@127.0.0.1:1/ops?connect_timeout=2\"\n";
    for size in SIZES {
        let server = Server::start(vec![Reply::status(200); 4]);
        let text = file(global, &server.url("/ok"), "", size);
        let sandbox = Sandbox::with_jobs(&text);
        for round in 0..3 {
            let refused = run(&sandbox, &["run", "ok"]);
            assert_eq!(refused.code, 3, "round {round}: {}", refused.stderr);
            assert!(
                refused
                    .stderr
                    .contains("cannot reach the state database `postgres://jobrun@127.0.0.1:1/ops"),
                "round {round}: {}",
                refused.stderr
            );
            assert!(!sandbox.path("state").exists());
        }
        assert_eq!(server.requests().len(), 0);
        // The large file was read through its index from the second run on.
        assert_eq!(index_files(&sandbox).len(), usize::from(size > 0));
    }
    // A `stateUrl` that is not PostgreSQL's stops every job, through the
    // index too.
    let text = file(
        "global:\n  stateUrl: \"mysql://db/ops\"\n",
        "https://e.com/ok",
        "",
        600,
    );
    let sandbox = Sandbox::with_jobs(&text);
    for name in ["ok", "filler-1", "ok"] {
        let refused = run(&sandbox, &["run", name, "--dry-run"]);
        assert_eq!(refused.code, 3, "{}", refused.stderr);
        assert!(
            refused
                .stderr
                .contains("`stateUrl` must be a PostgreSQL URL"),
            "{}",
            refused.stderr
        );
    }
}
