//! The job file: finding it, reading it, and checking it.
//!
//! This room owns the way from a path to checked jobs: where the file is
//! (`--config`, `JOBRUN_CONFIG`, `./jobs.yaml`), reading its bytes, the YAML
//! tree with every value's position, the schema as written, decoding the
//! tree into it, the checks `validate` reports, the secret lint, where each
//! job is written (which errors concern a run of one job), and the index
//! that lets a run read one job of a large file (kept in the user's cache
//! directory).
//!
//! It never resolves a variable's value (placeholders are only found and
//! located here; `vars` gives them values), never sends a request, and never
//! touches the state directory: `stateDir` is only read as a path.

pub(crate) mod decode;
pub(crate) mod index;
pub(crate) mod json_schema;
mod layout;
pub(crate) mod lint;
pub(crate) mod origin;
mod read;
mod schema;
pub(crate) mod snippet;
pub(crate) mod starter;
pub(crate) mod suggest;
pub(crate) mod validate;
pub(crate) mod yaml;

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
    /// The YAML tree the jobs were decoded from, with every value's place:
    /// kept by [`load_keeping_tree`] (`migrate`), and by [`load`] for
    /// `validate` of a file written for the Node scheduler; otherwise each
    /// job's tree is dropped once it is decoded, and this is `None`. `None`
    /// too when the text holds no YAML document or is not valid YAML.
    pub(crate) tree: Option<yaml::Node>,
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
/// only a file that cannot be read at all is an `Err`. Each job is decoded
/// as it is parsed and its tree dropped (see [`decode::decode`]).
pub(crate) fn load(path: &Path, host_zone: &TimeZone, purpose: Purpose) -> Result<JobFile, Error> {
    let text = read::read(path).map_err(|d| file_error(path, None, vec![d]))?;
    // `validate` tells what jobrun does differently with a file written
    // for the Node scheduler, from its tree.
    let keep = decode::Keep {
        node_scheduler_tree: purpose == Purpose::Validate,
        ..decode::Keep::default()
    };
    let decoded = decode::decode_keeping(&text, keep);
    Ok(checked(path, text, decoded, host_zone, purpose))
}

/// [`load`], keeping the whole YAML tree with every value's place in
/// `tree`, whoever the file was written for: what `migrate` reads and
/// rewrites.
pub(crate) fn load_keeping_tree(
    path: &Path,
    host_zone: &TimeZone,
    purpose: Purpose,
) -> Result<JobFile, Error> {
    let text = read::read(path).map_err(|d| file_error(path, None, vec![d]))?;
    let (config, problems, tree) = decode::decode_keeping_tree(&text);
    let decoded = decode::Decoded {
        config,
        problems,
        layout: None,
        tree,
    };
    Ok(checked(path, text, decoded, host_zone, purpose))
}

fn checked(
    path: &Path,
    text: String,
    decoded: decode::Decoded,
    host_zone: &TimeZone,
    purpose: Purpose,
) -> JobFile {
    let decode::Decoded {
        config,
        problems: diagnostics,
        tree,
        ..
    } = decoded;
    let base_dir = path.parent().unwrap_or(Path::new(""));
    let mut checked = validate::check(&config, host_zone, base_dir, purpose);
    // The file as written is not needed again, and freeing a 10,000-job
    // file's entries one by one costs time for nothing: jobrun is one
    // short process, and the OS takes the memory back at exit.
    std::mem::forget(config);
    checked.diagnostics = in_file_order(diagnostics, &mut checked);
    JobFile {
        path: path.to_path_buf(),
        text,
        tree,
        checked,
    }
}

/// Files smaller than this are read whole for a run, without an index:
/// parsing them takes about as long as the index's own work.
const INDEXED_FROM_BYTES: usize = 64 * 1024;

/// Read and check the file for a run of job `name`: the same checks as
/// [`load`], but only the errors that concern that job stop it (see
/// [`layout::Layout::errors_concerning`]). With a `cache` directory, a
/// large file is read through its index (see [`index`]) when it has one,
/// which parses and checks only `global` and the job; else the whole file
/// is, and its index made. A file whose `global` names a metrics file gets
/// no index: the run writes every job's figures, so it needs every job.
pub(crate) fn load_for_run(
    path: &Path,
    host_zone: &TimeZone,
    name: &str,
    cache: Option<&Path>,
) -> Result<JobFile, Error> {
    let text = read::read(path).map_err(|d| file_error(path, None, vec![d]))?;
    let base_dir = path.parent().unwrap_or(Path::new(""));
    let cache = cache.filter(|_| text.len() >= INDEXED_FROM_BYTES);
    let digest = cache.map(|_| index::digest(&text));
    if let (Some(dir), Some(digest)) = (cache, &digest)
        && let Some(kept) = index::read(dir, path)
        && let Some(checked) = through_index(&text, &kept, digest, name, host_zone, base_dir)
    {
        return Ok(JobFile {
            path: path.to_path_buf(),
            text,
            tree: None,
            checked,
        });
    }
    let keep = decode::Keep {
        layout: true,
        ..decode::Keep::default()
    };
    let decode::Decoded {
        config,
        problems: diagnostics,
        layout,
        ..
    } = decode::decode_keeping(&text, keep);
    let mut checked = validate::check(&config, host_zone, base_dir, Purpose::Use);
    std::mem::forget(config);
    let diagnostics = in_file_order(diagnostics, &mut checked);
    // A file naming a metrics file is never read through an index: the
    // metrics file a run writes holds every job's figures.
    if let (Some(dir), Some(digest), Some(layout)) = (cache, &digest, &layout)
        && checked.metrics_file.is_none()
        && let Some(made) = index::build(&text, digest, layout, &diagnostics)
    {
        index::write(dir, path, &made);
    }
    checked.diagnostics = match &layout {
        Some(layout) => {
            let concerning = layout.errors_concerning(&diagnostics, name);
            let built = checked.jobs.iter().any(|job| job.name == name);
            if concerning.is_empty() && built {
                Vec::new()
            } else if concerning.is_empty() {
                // Not a job of the file, or not built for a reason that
                // cannot be placed: every error, as for other commands.
                diagnostics
            } else {
                concerning
            }
        }
        None => diagnostics,
    };
    Ok(JobFile {
        path: path.to_path_buf(),
        text,
        tree: None,
        checked,
    })
}

/// The file checked for a run of `name` through its index `kept`: `global`
/// and the job cut out and checked, the job's name and its `dependsOn`
/// target looked up among the file's names. `None` when the index is not
/// this text's, or anything is amiss, even an error in the job itself: the
/// whole file is then read, and says so as it always would.
fn through_index(
    text: &str,
    kept: &str,
    digest: &str,
    name: &str,
    host_zone: &TimeZone,
    base_dir: &Path,
) -> Option<Checked> {
    let found = index::find(kept, text, digest, name)?;
    // A part of the file: it must parse, without aliases, to a value of
    // the size it had in the whole file.
    let part = |piece: &index::Piece| {
        let document = yaml::parse_part(&piece.cut(text)?, piece.line).ok()??;
        (document.alias_lines.is_empty() && document.root.size() == piece.nodes)
            .then_some(document.root)
    };
    let global = match &found.global {
        Some(piece) => match part(piece)?.value {
            yaml::Value::Map(mut entries) if entries.len() == 1 => entries.pop(),
            _ => return None,
        },
        None => None,
    };
    let item = part(&found.job)?;
    let jobs_key = crate::diagnostic::Span::new(found.jobs_line, 1, 4);
    let (config, problems) = decode::decode_parts(global, jobs_key, item);
    // Every job is needed for the metrics file (see `load_for_run`).
    if problems.iter().any(Diagnostic::is_error) || config.global.metrics_file.is_some() {
        return None;
    }
    // The names `check_one` may ask about: the job's own (unique, or the
    // index would not have given its place) and its `dependsOn` target.
    let mut names = std::collections::HashMap::new();
    names.insert(name, crate::diagnostic::Span::default());
    if let Some(target) = config.depends_on_target()
        && found.names(target)
    {
        names.insert(target, crate::diagnostic::Span::default());
    }
    let checked = validate::check_one(&config, &names, host_zone, base_dir);
    let this_job = matches!(&checked.jobs[..], [job] if job.name == name);
    (this_job && !checked.has_errors()).then(|| Checked {
        diagnostics: Vec::new(),
        ..checked
    })
}

/// The decoder's problems and the checks' together, in the order of the
/// places they point at, as every command shows them.
fn in_file_order(
    mut problems: Vec<Diagnostic>,
    checked: &mut validate::Checked,
) -> Vec<Diagnostic> {
    problems.append(&mut checked.diagnostics);
    problems.sort_by_key(|d| d.span.map(|s| (s.line, s.col)));
    problems
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
    pub(crate) fn error(&self, mut diagnostics: Vec<Diagnostic>) -> Error {
        let shown = self.shown(&mut diagnostics).into_owned();
        file_error(&self.path, Some(shown), diagnostics)
    }

    /// The text a report on `diagnostics` may quote: credentials on the
    /// lines they point at concealed, and in their words (see
    /// [`snippet`]).
    pub(crate) fn shown(&self, diagnostics: &mut [Diagnostic]) -> std::borrow::Cow<'_, str> {
        snippet::conceal(&self.text, diagnostics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Jobs written every way a job file may hold them.
    const STYLES: &str = r#"# jobs of every style
global:
  defaultTimeout: 10s
  defaultHeaders:
    Authorization: "Bearer ${TOKEN}"
  timezone: Europe/London
  notify:
    onFailure:
      url: "https://hooks.example.com/${HOOK}"
  healthcheck: "https://hc.example.com/ping/${JOB_NAME}"

jobs:
  - name: plain
    schedule: "30 18 * * 1-5"
    url: "https://e.com/a?x=${X:-1}"
  # a comment between jobs
  - name: flow-data
    schedule: '*/5 * * * *'
    url: https://e.com/b
    method: POST
    data: {a: 1, b: [1, 2, {c: "d"}], e: null}
    dependsOn:
      job: plain
      windowMinutes: 20
  - {name: flow-job, schedule: "0 1 * * *", url: "https://e.com/c", timezone: UTC}
  - name: "quoted-name"
    schedule: "0 2 * * *"
    url: "https://e.com/d"
    method: PUT
    body: |
      - name: not-a-job
        url: inside a block scalar
    headers:
      "X-Quoted": "multi
        line folded"
  -   name: wide
      schedule: "0 3 * * *"
      url: "https://e.com/e"
      notify: false
      healthcheck: false
      expectStatus: [200, "2xx"]
  - name: last
    schedule: "0 4 * * *"
    url: "https://e.com/f"
    retries: 2
    catchUp: 1h
"#;

    fn files() -> Vec<(&'static str, String)> {
        vec![
            ("styles", STYLES.to_string()),
            ("jobs.yaml", include_str!("../../jobs.yaml").to_string()),
            (
                "node jobs",
                include_str!("../../tests/fixtures/node-scheduler/jobs.yaml").to_string(),
            ),
            (
                "node sample",
                include_str!("../../tests/fixtures/node-scheduler/sample-jobs.yaml").to_string(),
            ),
            (
                "zones",
                include_str!("../../tests/fixtures/exports/zones.yaml").to_string(),
            ),
            // The list at the key's own indentation.
            (
                "zero indent",
                "jobs:\n- name: a\n  schedule: \"* * * * *\"\n  url: \"https://e.com\"\n- name: b\n  schedule: \"* * * * *\"\n  url: \"https://e.com/b\"\n  data:\n  - 1\n  - x: 2\n"
                    .to_string(),
            ),
            (
                "dash alone",
                "jobs:\n  -\n    name: a\n    url: \"https://e.com/a\"\n    schedule: \"* * * * *\"\n  - name: b\n    url: \"https://e.com/b\"\n    schedule: \"* * * * *\"\n  -\n    name: c\n    url: \"https://e.com/c\"\n    schedule: \"* * * * *\"\n"
                    .to_string(),
            ),
            // `global`'s splay, seed, token warning and metrics file, and
            // every bounded duration and count at its bound.
            (
                "bounds and splay",
                "global:\n  splay: 59m\n  splaySeed: billing\n  tokenWarning: 30d\n  defaultTimeout: 24h\n  defaultRetries: 100\njobs:\n  - name: a\n    schedule: \"0 * * * *\"\n    url: \"https://e.com/a\"\n    timeout: 24h\n    deadline: 168h\n    retries: 0\n    retryDelay: 24h\n    maxRetryDelay: 24h\n    catchUp: 9600h\n    historyLimit: 100000\n  - name: b\n    schedule: \"0 3 * * *\"\n    url: \"https://e.com/b\"\n    splay: 1h\n    dependsOn:\n      job: a\n      windowMinutes: 576000\n  - name: c\n    schedule: \"*/5 * * * *\"\n    url: \"https://e.com/c\"\n    splay: false\n"
                    .to_string(),
            ),
            // Global after the jobs.
            (
                "global last",
                "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\nglobal:\n  defaultRetries: 1\n  stateDir: st\n"
                    .to_string(),
            ),
        ]
    }

    #[test]
    fn a_job_read_through_the_index_is_the_job_read_from_the_whole_file() {
        let base = Path::new("/srv/jobs");
        for (what, text) in files() {
            let keep = decode::Keep {
                layout: true,
                ..decode::Keep::default()
            };
            let decode::Decoded {
                config,
                problems: mut diagnostics,
                layout,
                ..
            } = decode::decode_keeping(&text, keep);
            let whole = validate::check(&config, &TimeZone::UTC, base, Purpose::Use);
            diagnostics.extend(whole.diagnostics.iter().cloned());
            assert!(!whole.has_errors(), "{what}: {:#?}", whole.diagnostics);
            let layout = layout.unwrap();
            let digest = index::digest(&text);
            let kept = index::build(&text, &digest, &layout, &diagnostics).expect(what);
            for job in &whole.jobs {
                let alone = through_index(&text, &kept, &digest, &job.name, &TimeZone::UTC, base);
                let alone = match alone {
                    Some(alone) => alone,
                    // A `-` alone on the line before a job is taken into
                    // the job above, which then does not parse alone.
                    None if what == "dash alone" => continue,
                    None => panic!("{what}: `{}` was not read alone", job.name),
                };
                assert_eq!(
                    format!("{:?}", alone.jobs[0]),
                    format!("{job:?}"),
                    "{what}: `{}`",
                    job.name
                );
                assert_eq!(alone.state_dir, whole.state_dir, "{what}");
                assert_eq!(alone.token_warning, whole.token_warning, "{what}");
            }
        }
    }
}
