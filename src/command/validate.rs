//! `jobrun validate`: every problem in the job file (and `.env`), for people
//! and for CI.

use crate::command::Invocation;
use crate::diagnostic::{Diagnostic, Report, Severity};
use crate::error::{Error, Exit};
use crate::jobfile::origin::Origin;
use crate::jobfile::validate::Purpose;

/// How `validate` prints what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    /// An array of diagnostics on stdout.
    Json,
}

pub(crate) struct Options {
    pub(crate) env: bool,
    pub(crate) strict: bool,
    pub(crate) format: Format,
}

pub(crate) fn execute(inv: &mut Invocation, options: &Options) -> Result<Exit, Error> {
    match check(inv, options) {
        // A file that cannot be read or an env file that is missing is still
        // reported in the format asked for.
        Err(error) if options.format == Format::Json && error.exit() == Exit::Config => {
            let (path, source, diagnostics) = match &error {
                Error::File {
                    path,
                    source_text,
                    diagnostics,
                } => (path.clone(), source_text.as_deref(), diagnostics.clone()),
                other => (
                    inv.config_path(),
                    None,
                    vec![Diagnostic::file_error(other.to_string()).with_help_opt(other.help())],
                ),
            };
            print_json(
                inv,
                &[Report {
                    path: &path,
                    source,
                    diagnostics: &diagnostics,
                }],
            )?;
            Ok(Exit::Config)
        }
        result => result,
    }
}

fn check(inv: &mut Invocation, options: &Options) -> Result<Exit, Error> {
    let file = inv.load(Purpose::Validate)?;
    let mut env_problems = Vec::new();
    let mut env_path = None;
    let mut missing = Vec::new();
    match inv.variables(&file.path) {
        Ok(variables) => {
            if options.env {
                for job in &file.checked.jobs {
                    // A notification's variables are checked as strictly
                    // as the request's: `run` only warns about them, so
                    // here is where a deploy learns of them.
                    let problems = variables
                        .missing(job)
                        .into_iter()
                        .chain(variables.missing_for_notices(job))
                        .chain(crate::vars::token::problems(
                            job,
                            &variables,
                            inv.ctx.now,
                            file.checked.token_warning,
                        ));
                    for mut problem in problems {
                        // A disabled job only runs when forced: its missing
                        // variables do not block a deploy.
                        if !job.enabled {
                            problem.severity = Severity::Warning;
                            problem.message.push_str("; the job is disabled");
                        }
                        missing.push(problem);
                    }
                }
            }
        }
        Err(Error::File {
            path, diagnostics, ..
        }) => {
            env_path = Some(path);
            env_problems = diagnostics;
        }
        Err(e) => return Err(e),
    }
    // Who may read the secrets, whether or not the file parses.
    let env_file =
        crate::vars::variables::env_file_path(inv.global.env_file.as_deref(), &file.path);
    let permissions = env_file_permissions(&env_file);
    if !permissions.is_empty() {
        env_problems.extend(permissions);
        env_path.get_or_insert(env_file);
    }
    let mut diagnostics = file.checked.diagnostics.clone();
    // What the Node scheduler did differently, only for a file written for it.
    if file.checked.origin == Origin::NodeScheduler
        && let Some(tree) = &file.tree
    {
        let host_zone = inv.ctx.host_zone.iana_name().unwrap_or("the host's zone");
        diagnostics.extend(crate::migrate::warnings(&file.path, tree, host_zone));
    }
    diagnostics.extend(missing);
    // The clock changes of the next 12 months, from this run's clock.
    diagnostics.extend(crate::jobfile::validate::clock_changes::warnings(
        &file.checked.jobs,
        &inv.ctx.host_zone,
        inv.ctx.now,
    ));
    if let Some(line) = inv.metrics_file_name_warning() {
        diagnostics.push(Diagnostic::file_warning(line));
    }
    diagnostics.sort_by_key(|d| d.span.map(|s| (s.line, s.col)));
    let shown = file.shown(&mut diagnostics);

    let mut reports = vec![Report {
        path: &file.path,
        source: Some(&shown),
        diagnostics: &diagnostics,
    }];
    if let Some(path) = &env_path {
        reports.push(Report {
            path,
            source: None,
            diagnostics: &env_problems,
        });
    }
    let all = || reports.iter().flat_map(|r| r.diagnostics.iter());
    let errors = all().filter(|d| d.severity == Severity::Error).count();
    let warnings = all().filter(|d| d.severity == Severity::Warning).count();
    let failed = errors > 0 || (options.strict && warnings > 0);

    if options.format == Format::Json {
        print_json(inv, &reports)?;
    } else {
        let palette = inv.palette();
        for report in &reports {
            let shown: Vec<Diagnostic> = report
                .diagnostics
                .iter()
                // Under `--strict` a warning fails the check like an
                // error, so `-q` hides it no more than an error.
                .filter(|d| d.is_error() || options.strict || !inv.global.quiet)
                .cloned()
                .collect();
            let text = Report {
                diagnostics: &shown,
                ..report.clone()
            }
            .render(palette);
            write_err(inv, &text);
        }
        let summary = summary(
            file.checked.entries,
            file.checked.jobs.iter().filter(|j| j.enabled).count(),
            errors,
            warnings,
            options.strict,
        );
        let path = crate::wording::escape_controls(&file.path.display().to_string()).into_owned();
        if failed {
            write_err(inv, &format!("{path}: {summary}\n"));
        } else if !inv.global.quiet {
            let mut out = format!("{path}: {summary}\n");
            let verbose = inv.global.verbose > 0;
            for job in &file.checked.jobs {
                let needs: Vec<&str> = job.needed_variables().into_iter().collect();
                if !needs.is_empty() {
                    out.push_str(&format!("  {} needs {}\n", job.name, needs.join(", ")));
                } else if verbose {
                    out.push_str(&format!("  {} needs no variables\n", job.name));
                }
                if verbose {
                    // A disabled job has no next run, as `list` and
                    // `status` say too.
                    let next = match job.enabled {
                        true => job.timing().next_after(inv.ctx.now).as_ref().map_or_else(
                            || "next never".into(),
                            |next| format!("next {}", crate::command::rfc3339(next)),
                        ),
                        false => "no next run".into(),
                    };
                    let state = if job.enabled { "enabled" } else { "disabled" };
                    out.push_str(&format!(
                        "    {state}, `{}` in {}, {next}\n",
                        job.schedule.text().trim(),
                        job.zone.label()
                    ));
                }
            }
            inv.ctx
                .stdout
                .write_all(out.as_bytes())
                .map_err(Error::Output)?;
        }
    }
    Ok(if failed { Exit::Config } else { Exit::Success })
}

/// The secret lint's findings about the `.env` file, if there is one.
fn env_file_permissions(path: &std::path::Path) -> Vec<Diagnostic> {
    use std::os::unix::fs::MetadataExt as _;
    match std::fs::metadata(path) {
        // SAFETY: geteuid has no preconditions and cannot fail.
        Ok(meta) => crate::jobfile::lint::env_file(path, meta.mode(), meta.uid(), unsafe {
            libc::geteuid()
        }),
        // A missing or unreadable file is reported where it is read.
        Err(_) => Vec::new(),
    }
}

/// The last line: `ok` and what the file holds, or what made it fail.
fn summary(jobs: usize, enabled: usize, errors: usize, warnings: usize, strict: bool) -> String {
    let plural = crate::wording::plural;
    let (jobs, warnings_text) = (plural(jobs, "job"), plural(warnings, "warning"));
    if errors > 0 {
        // Which jobs are enabled is not known for jobs with errors.
        format!("{jobs}, {}, {warnings_text}", plural(errors, "error"))
    } else if strict && warnings > 0 {
        format!(
            "failed: {warnings_text}, and `--strict` fails on warnings; {jobs} ({enabled} enabled), 0 errors"
        )
    } else {
        format!("ok, {jobs} ({enabled} enabled), {warnings_text}")
    }
}

fn print_json(inv: &mut Invocation, reports: &[Report]) -> Result<(), Error> {
    let all: Vec<serde_json::Value> = reports.iter().flat_map(Report::to_json).collect();
    let text = serde_json::to_string_pretty(&all).unwrap_or_default();
    writeln!(inv.ctx.stdout, "{text}").map_err(Error::Output)
}

fn write_err(inv: &mut Invocation, text: &str) {
    // Nothing sensible is left to do when stderr itself is gone.
    let _ = inv.ctx.stderr.write_all(text.as_bytes());
}
