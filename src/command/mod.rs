//! One thin file per subcommand. Each takes the invocation (the world in a
//! `Context`, and the global options) and its own plain options, calls the
//! rooms, prints, and returns the exit code or an error, which
//! [`Invocation::report`] renders. Commands never see clap's argument
//! structs: the command line is turned into their options in `lib.rs`
//! (`docs.rs` and `man.rs` alone ask clap for the CLI's definition, to print the completions
//! and manual pages from it). A command holds no logic a room owns:
//! what it decides beyond parsing and printing belongs in a room.

pub(crate) mod catch_up;
pub(crate) mod copy_history;
pub(crate) mod crontab;
pub(crate) mod docs;
pub(crate) mod encrypt;
pub(crate) mod history;
pub(crate) mod init;
pub(crate) mod kubernetes;
pub(crate) mod list;
pub(crate) mod man;
pub(crate) mod metrics;
pub(crate) mod migrate;
pub(crate) mod next;
pub(crate) mod run;
pub(crate) mod schema;
pub(crate) mod status;
pub(crate) mod systemd;
pub(crate) mod validate;

use std::path::{Path, PathBuf};

use crate::context::Context;
use crate::diagnostic::{Diagnostic, Palette, Report};
use crate::error::Error;
use crate::export::Launch;
use crate::jobfile::validate::Purpose;
use crate::jobfile::{self, JobFile};
use crate::report::style::Style;
use crate::run::log::Verbosity;
use crate::run::{EnvFile, Metrics, Setup};
use crate::state::location::Location;
use crate::vars::variables::{self, Variables};

/// A command's view of the invocation: the global options and the world.
pub(crate) struct Invocation<'a, 'b> {
    pub(crate) ctx: &'a mut Context<'b>,
    pub(crate) global: &'a Globals,
}

/// The options every command takes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Globals {
    /// The job file, when given (`--config`).
    pub(crate) config: Option<PathBuf>,
    /// The `.env` file, when given (`--env-file`).
    pub(crate) env_file: Option<PathBuf>,
    /// The state directory, when given (`--state-dir`).
    pub(crate) state_dir: Option<PathBuf>,
    /// The state database, when given (`--state-url`).
    pub(crate) state_url: Option<String>,
    /// The metrics file, when given (`--metrics-file`).
    pub(crate) metrics_file: Option<PathBuf>,
    /// `-v` once, twice.
    pub(crate) verbose: u8,
    /// `-q`.
    pub(crate) quiet: bool,
    /// Colour on stderr: forced on or off, or `None` to decide.
    pub(crate) color: Option<bool>,
}

impl<'b> Invocation<'_, 'b> {
    pub(crate) fn config_path(&self) -> PathBuf {
        jobfile::locate(self.global.config.as_deref(), self.ctx.env)
    }

    /// The job file, checked. It lives until the process ends: one short
    /// process has no use for freeing it piece by piece first.
    pub(crate) fn load(&self, purpose: Purpose) -> Result<&'static JobFile, Error> {
        jobfile::load(&self.config_path(), &self.ctx.host_zone, purpose)
            .map(|file| &*Box::leak(Box::new(file)))
    }

    /// The job file, checked for a run of job `name`: only the errors that
    /// concern that job stop it, and a large file is read through its
    /// index in the user's cache directory (`jobfile::index`), unless the
    /// run writes a metrics file.
    pub(crate) fn load_for_run(&self, name: &str) -> Result<&'static JobFile, Error> {
        // The metrics file a run writes holds every job's figures: with one
        // named here, every job is needed, and the whole file is read.
        let metrics = crate::report::metrics_file::resolve(
            self.global.metrics_file.as_deref(),
            self.ctx.env,
            None,
        );
        let cache = jobfile::index::cache_dir(self.ctx.env).filter(|_| metrics.is_none());
        jobfile::load_for_run(
            &self.config_path(),
            &self.ctx.host_zone,
            name,
            cache.as_deref(),
        )
        .map(|file| &*Box::leak(Box::new(file)))
    }

    /// The state directory: `--state-dir`, `$JOBRUN_STATE_DIR`,
    /// `global.stateDir`, `$XDG_STATE_HOME/jobrun`, `~/.local/state/jobrun`.
    pub(crate) fn state_dir(&self, file: &JobFile) -> Option<crate::state::dir::StateDir> {
        crate::state::dir::resolve(
            self.global.state_dir.as_deref(),
            self.ctx.env,
            file.checked.state_dir.as_deref(),
        )
    }

    /// Where the state lives: the database a state URL names
    /// (`--state-url`, `$JOBRUN_STATE_URL`, `global.stateUrl`), its
    /// placeholders and the libpq variables read as any variable is; else
    /// the state directory.
    pub(crate) fn state(&self, file: &JobFile) -> Result<Location, Error> {
        let dir = self.state_dir(file);
        let flag = self.global.state_url.as_deref();
        if flag.is_none()
            && file.checked.state_url.is_none()
            && (self.ctx.env)("JOBRUN_STATE_URL").is_none_or(|u| u.is_empty())
        {
            return Ok(dir.map_or(Location::Nowhere, Location::Directory));
        }
        let variables = self.variables(&file.path)?;
        let lookup = |name: &str| variables.get(name);
        Ok(crate::state::location::resolve(
            flag,
            file.checked.state_url.as_ref(),
            dir,
            self.ctx.env,
            &lookup,
        )?)
    }

    /// The state where it lives, to read: `None` when no place for it can
    /// be named or no history is there yet. Creates nothing.
    pub(crate) fn read_state(
        &self,
        file: &JobFile,
    ) -> Result<Option<crate::state::Existing>, Error> {
        let location = self.state(file)?;
        crate::state::open_existing(&location, self.ctx.env).map_err(Error::History)
    }

    /// The metrics file named on the command line or in the environment,
    /// and by which: `--metrics-file`, else `JOBRUN_METRICS_FILE`.
    pub(crate) fn metrics_file_named(&self) -> Option<(PathBuf, &'static str)> {
        let from_env = (self.ctx.env)("JOBRUN_METRICS_FILE").filter(|v| !v.is_empty());
        match (&self.global.metrics_file, from_env) {
            (Some(flag), _) => Some((flag.clone(), "--metrics-file")),
            (None, Some(value)) => Some((PathBuf::from(value), "JOBRUN_METRICS_FILE")),
            (None, None) => None,
        }
    }

    /// The warning for a metrics file `--metrics-file` or
    /// `JOBRUN_METRICS_FILE` names that node_exporter would not read (the
    /// job file's `metricsFile` is checked with the file), as one line.
    pub(crate) fn metrics_file_name_warning(&self) -> Option<String> {
        let (path, named_by) = self.metrics_file_named()?;
        let (message, help) = crate::jobfile::validate::metrics_file_name_warning(&path)?;
        Some(format!(
            "the metrics file {} ({named_by}): {message}; {help}",
            crate::wording::code(&path.display().to_string())
        ))
    }

    /// The metrics file: `--metrics-file`, `$JOBRUN_METRICS_FILE`,
    /// `global.metricsFile`.
    pub(crate) fn metrics_file(&self, file: &JobFile) -> Option<PathBuf> {
        crate::report::metrics_file::resolve(
            self.global.metrics_file.as_deref(),
            self.ctx.env,
            file.checked.metrics_file.as_deref(),
        )
    }

    /// The variables, from the environment and the `.env` file.
    pub(crate) fn variables(&self, config: &Path) -> Result<Variables<'b>, Error> {
        let explicit = self.global.env_file.is_some();
        let path = variables::env_file_path(self.global.env_file.as_deref(), config);
        Ok(Variables::load(
            self.ctx.env,
            self.ctx.env_not_text,
            path,
            explicit,
            self.ctx.now,
        )?)
    }

    /// What every run of this invocation shares.
    pub(crate) fn setup<'f>(&self, file: &'f JobFile, state: &'f Location) -> Setup<'f> {
        Setup {
            file,
            env_file: EnvFile {
                path: variables::env_file_path(self.global.env_file.as_deref(), &file.path),
                explicit: self.global.env_file.is_some(),
            },
            state,
            metrics: self.metrics_file(file).map(Metrics::new),
        }
    }

    /// How much a run says on stderr: `-q`, `-v`, `-vv`.
    pub(crate) fn verbosity(&self) -> Verbosity {
        Verbosity::from_flags(self.global.quiet, self.global.verbose)
    }

    /// Say what went wrong on stderr: a file's problems as a report with
    /// the lines they are on, anything else as one message with its help.
    pub(crate) fn report(&mut self, error: &Error) {
        let text = match error {
            Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return,
            Error::File {
                path,
                source_text,
                diagnostics,
            } => Report {
                path,
                source: source_text.as_deref(),
                diagnostics,
            }
            .render(self.palette()),
            other => crate::diagnostic::render_plain(
                &Diagnostic::file_error(other.to_string()).with_help_opt(other.help()),
                self.palette(),
            ),
        };
        let _ = self.ctx.stderr.write_all(text.as_bytes());
    }

    /// Colors for stderr: `--color`, else a terminal without `NO_COLOR`.
    pub(crate) fn palette(&self) -> Palette {
        Palette {
            enabled: self.colour(self.ctx.stderr_is_terminal),
        }
    }

    /// How to draw on stdout: colour as for stderr, the locale's
    /// characters, the terminal's width.
    pub(crate) fn stdout_style(&self) -> Style {
        Style::of(
            self.colour(self.ctx.stdout_is_terminal),
            self.ctx.env,
            self.ctx.stdout_columns,
        )
    }

    /// Whether to colour a stream: `--color`, else when it is a terminal,
    /// `NO_COLOR` is unset or empty (no-color.org) and `TERM` is not `dumb`.
    fn colour(&self, is_terminal: bool) -> bool {
        self.global.color.unwrap_or_else(|| {
            is_terminal
                && (self.ctx.env)("NO_COLOR").is_none_or(|v| v.is_empty())
                && (self.ctx.env)("TERM").as_deref() != Some("dumb")
        })
    }
}

/// RFC 3339 with the zone's offset, as `list` and `next` print instants.
pub(crate) fn rfc3339(zoned: &jiff::ZonedDateTime) -> String {
    zoned
        .timestamp()
        .display_with_offset(zoned.offset())
        .to_string()
}

/// A path an exported entry names: absolute (cron and systemd start jobrun
/// elsewhere), UTF-8 and on one line, or an error naming the flag.
pub(crate) fn exported_path(path: &Path, flag: &'static str) -> Result<PathBuf, Error> {
    let absolute = std::path::absolute(path).map_err(|e| Error::Flag {
        flag,
        message: format!(
            "cannot make `{}` an absolute path: {}",
            path.display(),
            crate::files::io_reason(&e)
        ),
    })?;
    match absolute.to_str() {
        Some(text) if !text.chars().any(char::is_control) => Ok(absolute),
        _ => Err(Error::Flag {
            flag,
            message: format!(
                "`{}` cannot be written into a schedule entry: use a path of UTF-8 text without line breaks",
                absolute.display()
            ),
        }),
    }
}

impl Invocation<'_, '_> {
    /// How exported entries start jobrun: `bin`, else this executable,
    /// with the job file and the `--env-file`, `--state-dir` and
    /// `--metrics-file` given.
    pub(crate) fn launch(&mut self, bin: Option<&Path>) -> Result<Launch, Error> {
        let bin = match bin {
            Some(path) => exported_path(path, "--bin")?,
            None => {
                let exe = std::env::current_exe().map_err(|e| Error::Flag {
                    flag: "--bin",
                    message: format!(
                        "cannot find this executable's own path: {}",
                        crate::files::io_reason(&e)
                    ),
                })?;
                exported_path(&exe, "--bin")?
            }
        };
        // Written into every entry: said once, here, rather than on every
        // run. The variable is the environment's at run time, not now.
        if self.global.metrics_file.is_some()
            && let Some(line) = self.metrics_file_name_warning()
        {
            let line = format!("jobrun: warning: {line}");
            let _ = writeln!(
                self.ctx.stderr,
                "{}",
                crate::wording::escape_controls(&line)
            );
        }
        let optional = |path: Option<&Path>, flag| path.map(|p| exported_path(p, flag)).transpose();
        Ok(Launch {
            bin,
            config: exported_path(&self.config_path(), "--config")?,
            env_file: optional(self.global.env_file.as_deref(), "--env-file")?,
            state_dir: optional(self.global.state_dir.as_deref(), "--state-dir")?,
            metrics_file: optional(self.global.metrics_file.as_deref(), "--metrics-file")?,
        })
    }
}

/// Rows under a header, each column as wide as its widest cell, two spaces
/// apart; the last column is not padded. A cell's control characters are
/// written as escapes: a description or an error from a server must not
/// start a row of its own or command the terminal.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| crate::wording::escape_controls(cell).into_owned())
                .collect()
        })
        .collect();
    let rows = rows.as_slice();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A recorded instant in a zone, as `status` prints them: RFC 3339 with
/// the zone's offset and always three decimals, so that a column of them
/// lines up (`18:15:20.340+00:00`, never `18:15:20.34+00:00`).
pub(crate) fn in_zone(t: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    t.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}
