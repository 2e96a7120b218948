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
    /// The job ran and failed, a check found a problem (`status`,
    /// `crontab --check`, `next` with no run left), or the output cannot
    /// be written.
    Failed = 1,
    /// The command line was wrong.
    Usage = 2,
    /// The job file, `.env` file or environment is wrong.
    Config = 3,
    /// The job ran, but lines of its `--log-file` could not be written
    /// (sysexits' EX_IOERR): a full disk.
    LogLost = 74,
    /// Another run of the job holds its lock (sysexits' EX_TEMPFAIL).
    Busy = 75,
    /// Stopped by SIGHUP (128 + 1): the terminal it ran in closed.
    HungUp = 129,
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

impl Exit {
    /// Every exit code, in order.
    const ALL: [Exit; 9] = [
        Exit::Success,
        Exit::Failed,
        Exit::Usage,
        Exit::Config,
        Exit::LogLost,
        Exit::Busy,
        Exit::HungUp,
        Exit::Interrupted,
        Exit::Terminated,
    ];

    /// What the code means, whatever the command.
    fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Failed => {
                "a job ran and failed (`run`, `catch-up`); a check found a problem (`status`, `crontab --check`, `migrate --check`, `next`: no run time left); `encrypt` could not read standard input; or the output cannot be written"
            }
            Exit::Usage => {
                "usage error: the command line cannot be read (an unknown flag, a missing or malformed argument); a flag's value that cannot be used is 3"
            }
            Exit::Config => {
                "configuration or environment error (invalid job file, unknown job, unset variable, a state directory or database that a job's lock or dependsOn needs and cannot use, a state URL that cannot be used, an expired token)"
            }
            Exit::LogLost => {
                "the job ran and succeeded, but its --log-file could not be written (a full disk)"
            }
            Exit::Busy => "another run of the job holds its lock",
            Exit::HungUp => "hung up (SIGHUP)",
            Exit::Interrupted => "interrupted (SIGINT)",
            Exit::Terminated => "terminated (SIGTERM)",
        }
    }
}

/// The subcommands, as their exit codes are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommandName {
    Validate,
    List,
    Next,
    Run,
    Encrypt,
    Crontab,
    Systemd,
    Kubernetes,
    Status,
    History,
    Metrics,
    CatchUp,
    CopyHistory,
    Completions,
    Man,
    Schema,
    Init,
    Migrate,
}

impl CommandName {
    #[cfg(test)]
    const ALL: [CommandName; 18] = [
        CommandName::Validate,
        CommandName::List,
        CommandName::Next,
        CommandName::Run,
        CommandName::Encrypt,
        CommandName::Crontab,
        CommandName::Systemd,
        CommandName::Kubernetes,
        CommandName::Status,
        CommandName::History,
        CommandName::Metrics,
        CommandName::CatchUp,
        CommandName::CopyHistory,
        CommandName::Completions,
        CommandName::Man,
        CommandName::Schema,
        CommandName::Init,
        CommandName::Migrate,
    ];

    /// Every code the command can return, with what it means there. Any
    /// command exits 1 when it cannot write its output (other than to a
    /// reader that went away), and 2 for a bad command line.
    fn exits(self) -> &'static [(Exit, &'static str)] {
        const OUTPUT: &str = "the output cannot be written";
        const USAGE: &str = "usage error: an unknown flag, a missing or malformed argument";
        match self {
            CommandName::Validate => &[
                (
                    Exit::Success,
                    "no errors (warnings allowed, unless --strict)",
                ),
                (Exit::Failed, OUTPUT),
                (Exit::Usage, USAGE),
                (
                    Exit::Config,
                    "errors (with --env, an expired token too), or warnings with --strict; the job file or .env cannot be read",
                ),
            ],
            CommandName::List | CommandName::History | CommandName::Metrics => &[
                (Exit::Success, "printed"),
                (Exit::Failed, OUTPUT),
                (Exit::Usage, USAGE),
                (
                    Exit::Config,
                    "the job file is invalid or cannot be read; an unknown job; a history that exists and cannot be read; a state URL or state database that cannot be used",
                ),
            ],
            CommandName::Next => &[
                (
                    Exit::Success,
                    "printed (fewer than -n when the calendar ends first)",
                ),
                (
                    Exit::Failed,
                    "no run time after --after (they end with the year 9998); or the output cannot be written",
                ),
                (Exit::Usage, USAGE),
                (
                    Exit::Config,
                    "the job file is invalid or cannot be read; an unknown job",
                ),
            ],
            CommandName::Run => &[
                (
                    Exit::Success,
                    "succeeded; or the job is disabled, dependsOn skipped it, or --due found nothing due",
                ),
                (
                    Exit::Failed,
                    "the job ran and failed; or the output cannot be written",
                ),
                (Exit::Usage, USAGE),
                (
                    Exit::Config,
                    "the job file, a variable, caFile, --output, --log-file, a proxy variable, a state URL, or a state directory or database the job's lock or dependsOn needs cannot be used; or a token the request would send has expired (not sent; recorded as failed)",
                ),
                (
                    Exit::LogLost,
                    "the job ran and succeeded, but its --log-file could not be written",
                ),
                (
                    Exit::Busy,
                    "another run of the job holds its lock (concurrency: forbid)",
                ),
                (Exit::HungUp, "hung up (SIGHUP)"),
                (Exit::Interrupted, "interrupted (SIGINT)"),
                (Exit::Terminated, "terminated (SIGTERM)"),
            ],
            CommandName::Encrypt => &[
                (Exit::Success, "printed"),
                (
                    Exit::Failed,
                    "standard input cannot be read; or the output cannot be written",
                ),
                (
                    Exit::Usage,
                    "usage error; a name that is not a variable's; standard input empty, over 1 MiB or not UTF-8",
                ),
                (
                    Exit::Config,
                    "no JWT_ENCRYPTION_KEY; the .env file cannot be read",
                ),
            ],
            CommandName::Crontab => &[
                (Exit::Success, "printed; with --check, the file matches"),
                (
                    Exit::Failed,
                    "with --check, the file differs (a diff on stdout); or the output cannot be written",
                ),
                (Exit::Usage, USAGE),
                (
                    Exit::Config,
                    "the job file is invalid; a bad flag value; --check cannot read the file",
                ),
            ],
            CommandName::Systemd => &[
                (Exit::Success, "written"),
                (Exit::Failed, OUTPUT),
                (Exit::Usage, USAGE),
                (
                    Exit::Config,
                    "the job file is invalid; a bad flag value; --dir cannot be written; a splayed job whose shifted times OnCalendar= cannot say",
                ),
            ],
            CommandName::Kubernetes => &[
                (Exit::Success, "printed"),
                (Exit::Failed, OUTPUT),
                (
                    Exit::Usage,
                    "usage error; a state URL with a password in it, which the manifests would show",
                ),
                (
                    Exit::Config,
                    "the job file is invalid; a bad flag value (--state-claim beside a state URL); a job Kubernetes cannot run as written (a splayed one too)",
                ),
            ],
            CommandName::Status => &[
                (
                    Exit::Success,
                    "no enabled job is failing or has an expired token",
                ),
                (
                    Exit::Failed,
                    "the last run of an enabled job failed, was interrupted or died, or its token has expired; or the output cannot be written",
                ),
                (Exit::Usage, USAGE),
                (
                    Exit::Config,
                    "the job file is invalid; a history that exists and cannot be read; a state URL\n      or state database that cannot be used",
                ),
            ],
            CommandName::CatchUp => &[
                (
                    Exit::Success,
                    "nothing was missed, or every job caught up succeeded",
                ),
                (Exit::Failed, "a job caught up failed"),
                (Exit::Usage, USAGE),
                (
                    Exit::Config,
                    "else, a job could not run (an expired token too), or the history needed to decide cannot be used",
                ),
                (Exit::Busy, "else, a job was busy"),
                (Exit::HungUp, "hung up (SIGHUP)"),
                (Exit::Interrupted, "interrupted (SIGINT)"),
                (Exit::Terminated, "terminated (SIGTERM)"),
            ],
            CommandName::CopyHistory => &[
                (Exit::Success, "copied, or no history to copy"),
                (
                    Exit::Usage,
                    "usage error; no state database is named to copy into",
                ),
                (
                    Exit::Config,
                    "the job file is invalid; the history in the state directory, the state URL\n      or the state database cannot be used",
                ),
            ],
            CommandName::Completions | CommandName::Schema => &[
                (Exit::Success, "printed"),
                (Exit::Failed, OUTPUT),
                (Exit::Usage, USAGE),
            ],
            CommandName::Man => &[
                (Exit::Success, "printed, or written into --dir"),
                (Exit::Failed, OUTPUT),
                (Exit::Usage, "usage error; an unknown command"),
                (Exit::Config, "--dir cannot be written"),
            ],
            CommandName::Migrate => &[
                (
                    Exit::Success,
                    "printed (a file already jobrun's own, unchanged); with --check, nothing to migrate",
                ),
                (
                    Exit::Failed,
                    "with --check, the file still needs migrating (the changes on stderr); or the output cannot be written",
                ),
                (Exit::Usage, USAGE),
                (
                    Exit::Config,
                    "the file has errors or cannot be read; a schedule with no standard expression; a --tz (or TZ) that is not a zone name",
                ),
            ],
            CommandName::Init => &[
                (Exit::Success, "the job file and its .env written"),
                (Exit::Failed, OUTPUT),
                (Exit::Usage, USAGE),
                (
                    Exit::Config,
                    "the job file or the .env exists already (nothing is written), or cannot be written",
                ),
            ],
        }
    }
}

/// The text `jobrun --help` ends with: every code.
pub(crate) fn exit_codes_help() -> String {
    let rows: Vec<(Exit, &str)> = Exit::ALL.iter().map(|e| (*e, e.meaning())).collect();
    render_exit_codes(&rows)
}

/// The text a command's `--help` ends with: every code it can return.
pub(crate) fn command_exit_codes_help(command: CommandName) -> String {
    render_exit_codes(command.exits())
}

/// The widest line of the list: clap wraps `after_help` again only where a
/// line is wider than the terminal, and then without a hanging indent, so
/// lines that fit 80 columns are left as written.
const EXIT_CODES_WIDTH: usize = 79;

/// `  CODE` and a gap, then the meaning, wrapped under itself.
const EXIT_CODE_INDENT: usize = 6;

fn render_exit_codes(rows: &[(Exit, &str)]) -> String {
    let mut out = String::from("Exit codes:");
    for (exit, meaning) in rows {
        let mut line = format!("  {:<3} ", exit.code());
        for word in meaning.split(' ') {
            let width = line.chars().count();
            if width > EXIT_CODE_INDENT && width + 1 + word.chars().count() > EXIT_CODES_WIDTH {
                out.push('\n');
                out.push_str(line.trim_end());
                line = " ".repeat(EXIT_CODE_INDENT);
            } else if width > EXIT_CODE_INDENT {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push('\n');
        out.push_str(&line);
    }
    out
}

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
    EnvFileUnreadable {
        path: PathBuf,
        reason: String,
        /// Named with `--env-file`, not the `.env` found beside the job file.
        explicit: bool,
    },
    #[error("cannot write the output: {}", crate::files::io_reason(.0))]
    Output(std::io::Error),
    /// A flag's value (or the variable standing for one) cannot be used.
    /// `flag` is the flag (`--output`) or the variable (`https_proxy`),
    /// named bare: the help puts it in backticks.
    #[error("{message}")]
    Flag { flag: &'static str, message: String },
    /// A variable's file or sealed value cannot be used.
    #[error(transparent)]
    Variable(#[from] crate::vars::variables::VariableError),
    /// A command's argument cannot be used.
    #[error("{message}")]
    Argument { message: String, help: String },
    /// A file `init` would write is there already: it writes over nothing.
    #[error("`{}` already exists, and `jobrun init` writes over nothing", path.display())]
    Exists {
        path: PathBuf,
        /// The flag that names another path instead.
        flag: &'static str,
    },
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
            crate::vars::dotenv::EnvFileError::Unreadable {
                path,
                reason,
                explicit,
            } => Error::EnvFileUnreadable {
                path,
                reason,
                explicit,
            },
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
            | Error::Exists { .. }
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
            Error::EnvFileUnreadable { explicit: true, .. } => {
                Some("check the path given with `--env-file` and its permissions".into())
            }
            Error::EnvFileUnreadable { path, .. } => Some(format!(
                "`{}` is the env file read by default, the `.env` beside the job file: make it a readable regular file of at most 1 MiB, or name another with `--env-file`",
                path.display()
            )),
            Error::Flag { flag, .. } if flag.starts_with('-') => {
                Some(format!("check the path or value given with `{flag}`"))
            }
            Error::Flag { flag, .. } => Some(format!("check the value of `{flag}`")),
            Error::Variable(e) => Some(e.help()),
            Error::Argument { help, .. } => Some(help.clone()),
            Error::Exists { flag, .. } => Some(format!(
                "nothing was written; check the file you have with `jobrun validate`, or write the starter files elsewhere with `{flag} PATH`"
            )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_lists_success_usage_and_its_codes_in_order() {
        for command in CommandName::ALL {
            let codes: Vec<u8> = command.exits().iter().map(|(e, _)| e.code()).collect();
            assert!(codes.contains(&0) && codes.contains(&2), "{command:?}");
            assert!(codes.is_sorted(), "{command:?}");
            assert!(
                command_exit_codes_help(command).starts_with("Exit codes:\n  0   "),
                "{command:?}"
            );
        }
    }

    #[test]
    fn every_line_of_the_lists_fits_80_columns() {
        let helps = CommandName::ALL
            .iter()
            .map(|c| command_exit_codes_help(*c))
            .chain([exit_codes_help()]);
        for help in helps {
            for line in help.lines() {
                assert!(line.chars().count() < 80, "{line}");
                assert!(!line.ends_with(' '), "{line:?}");
            }
        }
        // A meaning's lines after its first hang under it.
        assert!(exit_codes_help().contains("\n      "));
    }

    #[test]
    fn the_top_level_names_every_command_that_exits_1_for_a_reason_of_its_own() {
        let help = exit_codes_help().replace("\n      ", " ");
        for command in CommandName::ALL {
            let own = command.exits().iter().any(|(exit, meaning)| {
                *exit == Exit::Failed && *meaning != "the output cannot be written"
            });
            let name = format!("{command:?}")
                .to_lowercase()
                .replace("catchup", "catch-up");
            assert_eq!(
                own,
                help.contains(&format!("`{name}")),
                "{command:?}: its code 1 and the top level's disagree"
            );
        }
    }

    #[test]
    fn the_top_level_lists_every_code() {
        let help = exit_codes_help();
        for exit in Exit::ALL {
            assert!(
                help.contains(&format!("\n  {:<3} ", exit.code())),
                "{exit:?}"
            );
        }
    }
}
