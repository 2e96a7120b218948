//! Every file jobrun is given to read or write has a bound: a size limit,
//! and a type check (a regular file; a pipe only where reading or writing
//! one is the point, such as `-c <(...)`; never a device to read, never a
//! fifo nobody is at the other end of). Each refusal is quick, names the
//! file and says why; none hangs and none reads a device without end.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::server::{Reply, Server};
use common::{Run, Sandbox};

/// Longer than any refusal takes, far shorter than a hang.
const QUICK: Duration = Duration::from_secs(10);

fn jobs(url: &str, extra: &str) -> String {
    format!(
        "jobs:\n  - name: report\n    schedule: \"0 0 1 1 *\"\n    url: \"{url}\"\n    retries: 0\n    concurrency: allow\n{extra}"
    )
}

/// `jobrun ARGS` that must end within [`QUICK`].
fn quick(sandbox: &Sandbox, args: &[&str]) -> Run {
    let started = Instant::now();
    let run = Run::from(
        sandbox
            .jobrun()
            .args(args)
            .timeout(QUICK)
            .output()
            .expect("ends within the timeout"),
    );
    assert!(
        started.elapsed() < QUICK,
        "{args:?} took {:?}",
        started.elapsed()
    );
    run
}

fn mkfifo(path: &Path) -> PathBuf {
    let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    path.to_path_buf()
}

/// A sparse file of `bytes` bytes: large to read, cheap to make.
fn sparse(path: &Path, bytes: u64) -> PathBuf {
    std::fs::File::create(path).unwrap().set_len(bytes).unwrap();
    path.to_path_buf()
}

fn assert_says(run: &Run, code: i32, words: &[&str]) {
    assert_eq!(run.code, code, "{}", run.stderr);
    for word in words {
        assert!(run.stderr.contains(word), "no {word:?} in:\n{}", run.stderr);
    }
}

#[test]
fn devices_are_refused_where_a_file_is_read() {
    let sandbox = Sandbox::with_jobs(&jobs("http://127.0.0.1:9/", ""));
    for (args, what) in [
        (&["crontab", "--check", "/dev/full"][..], "`/dev/full`"),
        (&["crontab", "--check", "/dev/zero"], "`/dev/zero`"),
        (&["--env-file", "/dev/zero", "run", "report"], "/dev/zero"),
        (&["--env-file", "/dev/zero", "validate"], "/dev/zero"),
        (&["--config", "/dev/zero", "list"], "/dev/zero"),
    ] {
        let run = quick(&sandbox, args);
        assert_says(&run, 3, &[what, "it is not a regular file but a device"]);
    }
    sandbox.write(
        "jobs.yaml",
        jobs("http://127.0.0.1:9/", "    caFile: /dev/zero\n"),
    );
    let run = quick(&sandbox, &["run", "report"]);
    assert_says(
        &run,
        3,
        &[
            "`caFile` `/dev/zero`",
            "it is not a regular file but a device",
        ],
    );
}

#[test]
fn fifos_are_refused_where_a_file_is_meant_and_nothing_waits_on_them() {
    let server = Server::start(vec![]);
    let sandbox = Sandbox::with_jobs(&jobs(&server.url("/r"), ""));
    // The `.env` beside the job file.
    mkfifo(&sandbox.path(".env"));
    let run = quick(&sandbox, &["run", "report"]);
    assert_says(&run, 3, &[".env", "it is not a regular file but a fifo"]);
    std::fs::remove_file(sandbox.path(".env")).unwrap();
    // `caFile`.
    mkfifo(&sandbox.path("ca.pem"));
    sandbox.write("jobs.yaml", jobs(&server.url("/r"), "    caFile: ca.pem\n"));
    let run = quick(&sandbox, &["run", "report"]);
    assert_says(&run, 3, &["ca.pem", "it is not a regular file but a fifo"]);
    sandbox.write("jobs.yaml", jobs(&server.url("/r"), ""));
    // `--log-file` and `--output`, with no one reading them.
    let fifo = mkfifo(&sandbox.path("out.fifo"));
    let fifo = fifo.to_str().unwrap();
    for flag in ["--log-file", "--output"] {
        let run = quick(&sandbox, &["run", "report", flag, fifo]);
        assert_says(&run, 3, &[fifo, "a fifo that no one reads", flag]);
    }
    assert!(server.requests().is_empty());
}

/// Puts a file of some kind at a path.
type MakeFile = fn(&Path);

#[test]
fn a_default_env_file_that_cannot_be_read_is_named_as_the_default_one() {
    let sandbox = Sandbox::with_jobs(&jobs("http://127.0.0.1:9/", ""));
    let default_help = "`.env` is the env file read by default, the `.env` beside the job file: make it a readable regular file of at most 1 MiB, or name another with `--env-file`";
    let makers: [(&str, MakeFile); 3] = [
        ("a fifo", |path| {
            mkfifo(path);
        }),
        ("a device", |path| {
            std::os::unix::fs::symlink("/dev/zero", path).unwrap()
        }),
        ("larger than 1 MiB", |path| {
            sparse(path, 2_000_000);
        }),
    ];
    for (what, make) in makers {
        make(&sandbox.path(".env"));
        let run = quick(&sandbox, &["validate"]);
        assert_says(&run, 3, &[what, default_help]);
        assert!(!run.stderr.contains("path given with"), "{}", run.stderr);
        std::fs::remove_file(sandbox.path(".env")).unwrap();
    }
    // Named with the flag, the hint is the flag's (a named pipe is read).
    for (what, make) in &makers[1..] {
        make(&sandbox.path("named.env"));
        let run = quick(&sandbox, &["--env-file", "named.env", "validate"]);
        assert_says(
            &run,
            3,
            &[
                "`named.env`",
                what,
                "check the path given with `--env-file` and its permissions",
            ],
        );
        std::fs::remove_file(sandbox.path("named.env")).unwrap();
    }
}

#[test]
fn a_pipe_is_read_where_reading_one_is_the_point() {
    let server = Server::start(vec![Reply::status(200).body("ok")]);
    let sandbox = Sandbox::new();
    let text = jobs(&server.url("/r"), "");
    // `-c <(...)`, as the shell hands it over: a pipe.
    let run = Run::from(
        sandbox
            .jobrun()
            .args(["-c", "/dev/stdin", "run", "report"])
            .write_stdin(text.clone())
            .timeout(QUICK)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(server.requests().len(), 1);
    // `crontab --check <(crontab -l)`.
    sandbox.write("jobs.yaml", &text);
    let installed = sandbox.run(&["crontab"]).stdout;
    let run = Run::from(
        sandbox
            .jobrun()
            .args(["crontab", "--check", "/dev/stdin"])
            .write_stdin(installed)
            .timeout(QUICK)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // `--env-file <(sops -d secrets.env)`.
    sandbox.write(
        "jobs.yaml",
        jobs(&format!("{}?k=${{FROM_PIPE}}", server.url("/r")), ""),
    );
    let server_before = server.requests().len();
    let run = Run::from(
        sandbox
            .jobrun()
            .args(["--env-file", "/dev/stdin", "run", "report", "--dry-run"])
            .write_stdin("FROM_PIPE=piped\n")
            .timeout(QUICK)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("?k=piped"), "{}", run.stdout);
    assert_eq!(server.requests().len(), server_before);
}

#[test]
fn files_over_their_limit_are_refused_without_being_read_whole() {
    let sandbox = Sandbox::with_jobs(&jobs("http://127.0.0.1:9/", ""));
    // A 200 MB `.env`, named or found beside the job file.
    sparse(&sandbox.path("huge.env"), 200_000_000);
    let run = quick(&sandbox, &["--env-file", "huge.env", "run", "report"]);
    assert_says(&run, 3, &["huge.env", "it is larger than 1 MiB"]);
    sparse(&sandbox.path(".env"), 200_000_000);
    let run = quick(&sandbox, &["validate"]);
    assert_says(&run, 3, &[".env", "it is larger than 1 MiB"]);
    std::fs::remove_file(sandbox.path(".env")).unwrap();
    // `caFile`, `crontab --check` and the job file.
    sparse(&sandbox.path("ca.pem"), 100_000_000);
    sandbox.write(
        "jobs.yaml",
        jobs("http://127.0.0.1:9/", "    caFile: ca.pem\n"),
    );
    let run = quick(&sandbox, &["run", "report"]);
    assert_says(&run, 3, &["ca.pem", "it is larger than 4 MiB"]);
    sandbox.write("jobs.yaml", jobs("http://127.0.0.1:9/", ""));
    sparse(&sandbox.path("installed.cron"), 100_000_000);
    let run = quick(&sandbox, &["crontab", "--check", "installed.cron"]);
    assert_says(&run, 3, &["installed.cron", "it is larger than 16 MiB"]);
    sparse(&sandbox.path("big.yaml"), 100_000_000);
    let run = quick(&sandbox, &["--config", "big.yaml", "list"]);
    assert_says(&run, 3, &["big.yaml", "larger than 16 MiB"]);
}

#[test]
fn a_log_file_or_output_that_is_a_directory_is_refused_before_the_request() {
    let server = Server::start(vec![]);
    let sandbox = Sandbox::with_jobs(&jobs(&server.url("/r"), ""));
    std::fs::create_dir(sandbox.path("a-dir")).unwrap();
    for flag in ["--log-file", "--output"] {
        let run = quick(&sandbox, &["run", "report", flag, "a-dir"]);
        assert_says(&run, 3, &["a-dir", flag]);
    }
    assert!(server.requests().is_empty());
}

#[test]
fn output_to_dev_null_is_written_as_to_a_file() {
    let server = Server::start(vec![Reply::status(200).body("ok")]);
    let sandbox = Sandbox::with_jobs(&jobs(&server.url("/r"), ""));
    let run = quick(&sandbox, &["run", "report", "--output", "/dev/null"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(server.requests().len(), 1);
}
