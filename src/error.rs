//! What can go wrong in a command, and the exit code each problem gives.

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;

/// Exit codes. They are part of jobrun's interface: cron wrappers and
/// monitoring scripts act on them, so they are listed in `--help` and the
/// README, and each one is tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The command did what was asked.
    Success = 0,
    /// The job ran and failed, or a check found differences.
    Failed = 1,
    /// The command line was wrong.
    Usage = 2,
    /// The job file, `.env` file or environment is wrong.
    Config = 3,
    /// Another run of the job holds its lock (sysexits' EX_TEMPFAIL).
    Busy = 75,
    /// Stopped by SIGINT (128 + 2).
    Interrupted = 130,
    /// Stopped by SIGTERM (128 + 15).
    Terminated = 143,
}

impl Exit {
    pub(crate) fn code(self) -> u8 {
        self as u8
    }
}

/// The text `--help` ends with.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0   success
  1   the job ran and failed
  2   usage error (bad flag or argument)
  3   configuration or environment error (invalid job file, unknown job, unset variable,
      a state directory or database that a job's lock or dependsOn needs and cannot use,
      a state URL that cannot be used)
  75  another run of the job holds its lock
  130 interrupted (SIGINT)
  143 terminated (SIGTERM)";

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// Problems in a file, each with its own location. Rendered as a report.
    #[error("`{}` has errors", path.display())]
    File {
        path: PathBuf,
        /// The text to quote lines from; `None` for files holding secrets.
        source_text: Option<String>,
        diagnostics: Vec<Diagnostic>,
    },
    #[error("no job named `{name}` in `{}`", path.display())]
    UnknownJob {
        name: String,
        path: PathBuf,
        /// Names the user may have meant, best first.
        suggestions: Vec<String>,
    },
    #[error("cannot read the env file `{}`: {reason}", path.display())]
    EnvFileUnreadable { path: PathBuf, reason: String },
    #[error("cannot write the output: {}", crate::files::io_reason(.0))]
    Output(std::io::Error),
    /// A flag's value (or the variable standing for one) cannot be used.
    #[error("{message}")]
    Flag { flag: &'static str, message: String },
    /// A variable's file or sealed value cannot be used.
    #[error(transparent)]
    Variable(#[from] crate::vars::variables::VariableError),
    /// A command's argument cannot be used.
    #[error("{message}")]
    Argument { message: String, help: String },
    /// What was given on standard input cannot be used.
    #[error(transparent)]
    Input(#[from] crate::vars::prompt::InputError),
    /// A run needs the state directory to decide (its lock, or the history
    /// for `dependsOn`) and cannot use it: the run does not happen.
    #[error("job `{job}` did not run: {needs}, and {problem}")]
    StateNeeded {
        job: String,
        needs: &'static str,
        problem: crate::state::error::StoreError,
    },
    /// The run history cannot be read.
    #[error("{0}")]
    History(crate::state::error::StoreError),
    /// The state URL cannot be used.
    #[error(transparent)]
    StateUrl(#[from] crate::state::location::LocationError),
}

impl From<crate::vars::dotenv::EnvFileError> for Error {
    fn from(error: crate::vars::dotenv::EnvFileError) -> Error {
        match error {
            crate::vars::dotenv::EnvFileError::Unreadable { path, reason } => {
                Error::EnvFileUnreadable { path, reason }
            }
            crate::vars::dotenv::EnvFileError::Invalid { path, problems } => Error::File {
                path,
                source_text: None,
                diagnostics: problems,
            },
        }
    }
}

impl Error {
    pub(crate) fn exit(&self) -> Exit {
        match self {
            Error::File { .. }
            | Error::UnknownJob { .. }
            | Error::EnvFileUnreadable { .. }
            | Error::Flag { .. }
            | Error::Variable(_)
            | Error::StateNeeded { .. }
            | Error::History(_)
            | Error::StateUrl(_) => Exit::Config,
            // A reader that went away (`jobrun list | head -1`) is not a
            // failure; `lib::run` stays silent for it.
            Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Success,
            Error::Output(_) | Error::Input(crate::vars::prompt::InputError::Io(_)) => Exit::Failed,
            Error::Argument { .. } | Error::Input(_) => Exit::Usage,
        }
    }

    /// What to do next, shown under the message.
    pub(crate) fn help(&self) -> Option<String> {
        match self {
            Error::File { .. } | Error::Output(_) => None,
            Error::UnknownJob { suggestions, .. } => Some(match suggestions.as_slice() {
                [] => "`jobrun list` shows the jobs in the file".into(),
                [one] => format!("did you mean `{one}`?"),
                [rest @ .., last] => {
                    let rest: Vec<String> = rest.iter().map(|n| format!("`{n}`")).collect();
                    format!("did you mean {} or `{last}`?", rest.join(", "))
                }
            }),
            Error::EnvFileUnreadable { .. } => {
                Some("check the path given with `--env-file` and its permissions".into())
            }
            Error::Flag { flag, .. } => {
                Some(format!("check the path or value given with `{flag}`"))
            }
            Error::Variable(e) => Some(e.help()),
            Error::Argument { help, .. } => Some(help.clone()),
            Error::Input(crate::vars::prompt::InputError::Empty) => Some(
                "pipe the secret in (`printf %s \"$VALUE\" | jobrun encrypt NAME`), or run it in a terminal and type it".into(),
            ),
            Error::Input(_) => Some(
                "give the secret's text on standard input: a secret is UTF-8 text of at most 1 MiB".into(),
            ),
            Error::StateNeeded { problem, .. } | Error::History(problem) => Some(problem.help()),
            Error::StateUrl(e) => Some(e.help()),
        }
    }
}
