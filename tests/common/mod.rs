//! Running the real binary in a fresh directory with an explicit environment.
#![allow(dead_code)]

pub mod consumer;
pub mod golden;
pub mod json_schema;
pub mod postgres;
pub mod quoting;
pub mod server;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    /// The state database every command of the sandbox is given
    /// (`JOBRUN_STATE_URL`), when its state is kept in PostgreSQL.
    pub state_url: Option<String>,
}

/// Where a sandbox keeps its state: the cases of the history's behaviour
/// run on each (see [`on_both_backends`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite and lock files in the state directory.
    Sqlite,
    /// A database of its own on the tests' PostgreSQL server.
    Postgres,
    /// The same, reached through PgBouncer in transaction pooling mode.
    PgBouncer,
}

/// How long a lock outlives a run killed without a word, on PostgreSQL,
/// in the tests (`JOBRUN_LOCK_LEASE`); SQLite's go with the process.
pub const TEST_LEASE: std::time::Duration = std::time::Duration::from_secs(2);

impl Backend {
    /// A sandbox with `jobs.yaml` holding `text`, its state on this backend.
    pub fn sandbox(self, text: &str) -> Sandbox {
        let mut sandbox = Sandbox::with_jobs(text);
        match self {
            Backend::Sqlite => {}
            Backend::Postgres => {
                let server = postgres::shared();
                sandbox.state_url = Some(server.url(&server.database()));
            }
            Backend::PgBouncer => {
                let database = postgres::shared().database();
                sandbox.state_url = Some(postgres::bouncer().url(&database));
            }
        }
        sandbox
    }

    /// Wait until a run killed without a word no longer holds its job's
    /// lock: at once on SQLite, a lease later on PostgreSQL.
    pub fn after_a_kill(self) {
        if self != Backend::Sqlite {
            std::thread::sleep(TEST_LEASE + std::time::Duration::from_millis(500));
        }
    }
}

/// Each named case, a function taking a [`Backend`], as a test on SQLite
/// (`sqlite::NAME`, hermetic), one on PostgreSQL (`postgres::NAME`) and
/// one through PgBouncer's transaction pooling (`pgbouncer::NAME`), both
/// in the consumers group: one suite of behaviour for every backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(super::common::Backend::Sqlite)
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                #[ignore = "consumer: needs PostgreSQL"]
                fn $name() {
                    super::$name(super::common::Backend::Postgres)
                }
            )*
        }
        mod pgbouncer {
            $(
                #[test]
                #[ignore = "consumer: needs PostgreSQL and PgBouncer"]
                fn $name() {
                    super::$name(super::common::Backend::PgBouncer)
                }
            )*
        }
    };
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
            state_url: None,
        }
    }

    /// A sandbox with `jobs.yaml` holding `text`.
    pub fn with_jobs(text: &str) -> Sandbox {
        let sandbox = Sandbox::new();
        sandbox.write("jobs.yaml", text);
        sandbox
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write fixture");
        path
    }

    /// `jobrun` started in the sandbox, with an empty environment but for
    /// the host zone (UTC unless a test sets `TZ` itself) and the state
    /// directory (`state` in the sandbox).
    pub fn jobrun(&self) -> Command {
        let mut command = Command::cargo_bin("jobrun").expect("binary");
        command
            .env_clear()
            .env("TZ", "UTC")
            .env("JOBRUN_STATE_DIR", self.state_dir())
            .current_dir(self.dir.path());
        if let Some(url) = &self.state_url {
            command
                .env("JOBRUN_STATE_URL", url)
                .env("JOBRUN_LOCK_LEASE", format!("{}s", TEST_LEASE.as_secs()));
        }
        command
    }

    /// Where the sandbox's runs keep their history and locks.
    pub fn state_dir(&self) -> PathBuf {
        self.path("state")
    }

    /// The same as [`Sandbox::jobrun`], as a plain process to spawn and
    /// signal.
    pub fn process(&self) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin!("jobrun"));
        command
            .env_clear()
            .env("TZ", "UTC")
            .env("JOBRUN_STATE_DIR", self.state_dir())
            .current_dir(self.dir.path());
        if let Some(url) = &self.state_url {
            command
                .env("JOBRUN_STATE_URL", url)
                .env("JOBRUN_LOCK_LEASE", format!("{}s", TEST_LEASE.as_secs()));
        }
        command
    }

    /// The sandbox's history, opened directly (on whichever backend), for
    /// writing the past into it.
    pub fn history_store(&self) -> Box<dyn jobrun::fixtures::History> {
        jobrun::fixtures::open_history(self.state_url.as_deref(), &self.state_dir())
    }

    /// What the state keeps of the locks of single runs of `job`: the
    /// lock files `JOB.RUN_ID.lock` in the state directory, or the
    /// leases in the database (live or run out), by run id.
    pub fn run_locks(&self, job: &str) -> Vec<String> {
        let mut found: Vec<String> = match &self.state_url {
            None => match std::fs::read_dir(self.state_dir().join("locks")) {
                Ok(entries) => entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter_map(|name| {
                        let run = name.strip_prefix(&format!("{job}."))?;
                        Some(run.strip_suffix(".lock")?.to_string())
                    })
                    .filter(|run| !run.is_empty())
                    .collect(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(e) => panic!("the locks directory: {e}"),
            },
            Some(url) => {
                // Whichever way the sandbox reaches it, the database is the
                // shared server's, named last in the URL.
                let database = url.rsplit('/').next().unwrap().split('?').next().unwrap();
                postgres::shared()
                    .psql(
                        database,
                        &format!("SELECT run_id FROM jobrun_leases WHERE job = '{job}'"),
                    )
                    .lines()
                    .map(str::to_string)
                    .collect()
            }
        };
        found.sort();
        found
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.jobrun().args(args).output().expect("runs"))
    }
}

/// A job file's `jobs:`: each job's name, URL and more keys (one a line,
/// as at the job's own indentation). Jobs run yearly and do not retry
/// unless told.
pub fn yearly_jobs(jobs: &[(&str, &str, &str)]) -> String {
    let mut text = String::from("jobs:\n");
    for (name, url, extra) in jobs {
        text.push_str(&format!(
            "  - name: {name}\n    schedule: \"0 0 1 1 *\"\n    url: \"{url}\"\n"
        ));
        if !extra.contains("retries:") {
            text.push_str("    retries: 0\n");
        }
        for line in extra.lines() {
            text.push_str(&format!("    {line}\n"));
        }
    }
    text
}

/// `jobrun ARGS` started in `sandbox`, its output piped, to signal or to
/// run beside others.
pub fn spawn(sandbox: &Sandbox, args: &[&str]) -> std::process::Child {
    sandbox
        .process()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts")
}

/// What a process [`spawn`] started said and how it ended.
pub fn finish(child: std::process::Child) -> Run {
    Run::from(child.wait_with_output().expect("ends"))
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output
                .status
                .code()
                .expect("exited, not killed by a signal"),
            stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
        }
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The repository's own files, such as the shipped `jobs.yaml`.
pub fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}
