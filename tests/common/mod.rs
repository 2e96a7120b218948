//! Running the real binary in a fresh directory with an explicit environment.
#![allow(dead_code)]

pub mod consumer;
pub mod golden;
pub mod json_schema;
pub mod quoting;
pub mod server;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
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
        command
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
