//! Where `${VAR}` values come from: the process environment first, then the
//! `.env` file. Nothing is ever written into the process environment.

use std::path::{Path, PathBuf};

use crate::config::io_reason;
use crate::diagnostic::{Diagnostic, Span};
use crate::dotenv::DotEnv;
use crate::error::Error;
use crate::job::Job;

pub struct Variables<'a> {
    process: &'a dyn Fn(&str) -> Option<String>,
    dotenv: DotEnv,
    /// The `.env` file consulted (it may not exist).
    pub env_file: PathBuf,
}

/// The `.env` file: `--env-file`, else `.env` beside the job file. Not the
/// working directory: cron starts jobs in `$HOME`.
pub fn env_file_path(flag: Option<&Path>, config: &Path) -> PathBuf {
    match flag {
        Some(path) => path.to_path_buf(),
        None => config.parent().unwrap_or(Path::new("")).join(".env"),
    }
}

impl<'a> Variables<'a> {
    /// Read the `.env` file. A missing default `.env` is fine; a missing
    /// file named with `--env-file` is an error. A malformed line is an
    /// error too: a variable silently dropped is worse than a refusal.
    pub fn load(
        process: &'a dyn Fn(&str) -> Option<String>,
        env_file: PathBuf,
        explicit: bool,
    ) -> Result<Variables<'a>, Error> {
        let dotenv = match std::fs::read(&env_file) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes).map_err(|_| Error::File {
                    path: env_file.clone(),
                    source_text: None,
                    diagnostics: vec![
                        Diagnostic::file_error("the env file is not UTF-8 text")
                            .with_help("save it as UTF-8"),
                    ],
                })?;
                DotEnv::parse(&text).map_err(|errors| Error::File {
                    path: env_file.clone(),
                    // Never quote a line of a .env file: it holds secrets.
                    source_text: None,
                    diagnostics: errors
                        .into_iter()
                        .map(|e| {
                            Diagnostic::error(
                                e.message,
                                Span::new(e.line as u32, e.column as u32, e.len as u32),
                            )
                            .with_help_opt(e.help)
                        })
                        .collect(),
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => DotEnv::default(),
            Err(e) => {
                return Err(Error::EnvFileUnreadable {
                    path: env_file,
                    reason: io_reason(&e),
                });
            }
        };
        Ok(Variables {
            process,
            dotenv,
            env_file,
        })
    }

    /// An error for each variable `job` needs that is set nowhere, at the
    /// place the job first uses it.
    pub fn missing(&self, job: &Job) -> Vec<Diagnostic> {
        job.required_variables()
            .into_iter()
            .filter(|variable| self.get(variable).is_none())
            .map(|variable| {
                let message = format!("variable `{variable}` is not set (job `{}`)", job.name);
                let help = format!(
                    "set it in the environment or in `{}`",
                    self.env_file.display()
                );
                Diagnostic::error(message, job.use_of(variable)).with_help(help)
            })
            .collect()
    }

    /// A variable's value: the environment wins over `.env`.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.process)(name).or_else(|| self.dotenv.get(name).map(str::to_string))
    }
}
