//! The job file: finding it, reading it, and checking it.
//!
//! This room owns the way from a path to checked jobs: where the file is
//! (`--config`, `JOBRUN_CONFIG`, `./jobs.yaml`), reading its bytes, the YAML
//! tree with every value's position, the schema as written, decoding the
//! tree into it, the checks `validate` reports, and the secret lint.
//!
//! It never resolves a variable's value (placeholders are only found and
//! located here; `vars` gives them values), never sends a request, and never
//! touches the state directory: `stateDir` is only read as a path.

pub(crate) mod decode;
pub(crate) mod json_schema;
pub(crate) mod lint;
mod read;
mod schema;
pub(crate) mod starter;
pub(crate) mod suggest;
pub(crate) mod validate;
mod yaml;

#[cfg(test)]
mod no_panic_tests;

use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;

use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::job::Job;
use crate::jobfile::validate::{Checked, Purpose};

/// Used when neither `--config` nor `JOBRUN_CONFIG` names a file.
const DEFAULT_PATH: &str = "jobs.yaml";

/// The job file, read and checked.
#[derive(Debug)]
pub(crate) struct JobFile {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) checked: Checked,
}

/// The job file's path: `--config`, else `$JOBRUN_CONFIG`, else
/// `./jobs.yaml`, kept as given so messages name it the way the user did.
pub(crate) fn locate(flag: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| {
            env("JOBRUN_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PATH))
}

/// Read and check the file. Problems inside the file are in `checked`;
/// only a file that cannot be read at all is an `Err`.
pub(crate) fn load(path: &Path, host_zone: &TimeZone, purpose: Purpose) -> Result<JobFile, Error> {
    let text = read::read(path).map_err(|d| file_error(path, None, vec![d]))?;
    let (config, mut diagnostics) = decode::decode(&text);
    let base_dir = path.parent().unwrap_or(Path::new(""));
    let mut checked = validate::check(&config, host_zone, base_dir, purpose);
    diagnostics.append(&mut checked.diagnostics);
    checked.diagnostics = diagnostics;
    Ok(JobFile {
        path: path.to_path_buf(),
        text,
        checked,
    })
}

fn file_error(path: &Path, text: Option<String>, diagnostics: Vec<Diagnostic>) -> Error {
    Error::File {
        path: path.to_path_buf(),
        source_text: text,
        diagnostics,
    }
}

impl JobFile {
    /// The checked jobs, or the file's errors. Warnings are left to
    /// `validate`: commands run from cron stay quiet about them.
    pub(crate) fn jobs(&self) -> Result<&[Job], Error> {
        if self.checked.has_errors() {
            let errors = self
                .checked
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            return Err(self.error(errors));
        }
        Ok(&self.checked.jobs)
    }

    /// One job by name, or an error with the closest name.
    pub(crate) fn job(&self, name: &str) -> Result<&Job, Error> {
        let jobs = self.jobs()?;
        jobs.iter().find(|j| j.name == name).ok_or_else(|| {
            let names = validate::names(jobs);
            // A slip, or else the jobs whose names start with it
            // (`kpi-evening` for `kpi-evening-report`).
            let suggestions = match suggest::suggest(name, &names) {
                Some(close) => vec![close.to_string()],
                None if name.is_empty() => Vec::new(),
                None => names
                    .iter()
                    .filter(|n| n.starts_with(name))
                    .take(5)
                    .map(|n| n.to_string())
                    .collect(),
            };
            Error::UnknownJob {
                name: name.to_string(),
                path: self.path.clone(),
                suggestions,
            }
        })
    }

    /// An error about places in this file.
    pub(crate) fn error(&self, diagnostics: Vec<Diagnostic>) -> Error {
        file_error(&self.path, Some(self.text.clone()), diagnostics)
    }
}
