//! From the file as written to checked jobs: every error and warning, each
//! with its location, found in one pass.
//!
//! This file holds the pass itself: the walk over the jobs, what each job
//! takes from `global` (`defaultTimeout`, `defaultRetries`,
//! `defaultHeaders`, `timezone`), and the checks every key shares
//! (placeholders, missing keys). What each group of keys must be is checked
//! in the file named after it.

pub(crate) mod clock_changes;
mod expectations;
mod names;
mod notices;
mod request;
mod runs;
mod timing;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::tz::TimeZone;

use crate::diagnostic::{Diagnostic, Span};
use crate::job::template::Template;
use crate::job::{
    Concurrency, DEFAULT_RETRIES, DEFAULT_TIMEOUT, DEFAULT_TOKEN_WARNING, Job, Method, Notify,
    Request, Zone,
};
use crate::jobfile::schema::Origin;
use crate::jobfile::schema::{ConfigFile, JobEntry, Text};

pub(super) use names::names;
use timing::ScheduleReading;

/// The checked jobs, and every problem found on the way.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    pub(crate) jobs: Vec<Job>,
    /// How many jobs the file defines, checked or not.
    pub(crate) entries: usize,
    /// `global.stateDir`, resolved against the job file's directory.
    pub(crate) state_dir: Option<PathBuf>,
    /// `global.stateUrl`, its placeholders not yet filled in.
    pub(crate) state_url: Option<Template>,
    /// Which scheduler the file was written for.
    pub(crate) origin: Origin,
    /// `global.metricsFile`, resolved against the job file's directory.
    pub(crate) metrics_file: Option<PathBuf>,
    /// `global.tokenWarning`.
    pub(crate) token_warning: Duration,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub(crate) fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// What the check is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// `jobrun validate`: everything, including how the Node scheduler read
    /// each schedule.
    Validate,
    /// Another command about to use the jobs. Those print no warnings, so
    /// the node-cron comparison, which only feeds a warning, is skipped:
    /// every cron tick pays for what runs here.
    Use,
}

/// Check a decoded file. `host_zone` is the zone of jobs that name none;
/// `base_dir` is the job file's directory: relative paths in the file
/// (`caFile`) are read from there, so the file and what it names can move
/// together, whatever directory cron starts jobrun in.
pub(crate) fn check(
    config: &ConfigFile,
    host_zone: &TimeZone,
    base_dir: &Path,
    purpose: Purpose,
) -> Checked {
    check_with(config, host_zone, base_dir, purpose, None)
}

/// Check a file cut down to the job to run (and `global`), for that run:
/// `names` are the names of all the file's jobs, known to be unique, for
/// `dependsOn` to name.
pub(in crate::jobfile) fn check_one(
    config: &ConfigFile,
    names: &HashMap<&str, Span>,
    host_zone: &TimeZone,
    base_dir: &Path,
) -> Checked {
    check_with(config, host_zone, base_dir, Purpose::Use, Some(names))
}

fn check_with(
    config: &ConfigFile,
    host_zone: &TimeZone,
    base_dir: &Path,
    purpose: Purpose,
    names: Option<&HashMap<&str, Span>>,
) -> Checked {
    let mut checker = Checker {
        host_zone,
        base_dir,
        names,
        // How the Node scheduler read the file is worth a warning only where
        // the file may have been written for it.
        compare_with_node: purpose == Purpose::Validate && !config.origin.is_jobrun(),
        zones: HashMap::new(),
        schedules: HashMap::new(),
        diagnostics: Vec::new(),
        uses: Vec::new(),
    };
    let jobs = checker.jobs(config);
    let state_dir = config
        .global
        .state_dir
        .as_ref()
        .and_then(|text| checker.state_dir(text));
    let state_url = config
        .global
        .state_url
        .as_ref()
        .and_then(|text| checker.state_url(text));
    let metrics_file = config
        .global
        .metrics_file
        .as_ref()
        .and_then(|text| checker.metrics_file(text));
    let token_warning = config
        .global
        .token_warning
        .as_ref()
        .and_then(|warning| checker.token_warning(warning))
        .unwrap_or(DEFAULT_TOKEN_WARNING);
    let mut diagnostics = checker.diagnostics;
    if purpose == Purpose::Validate {
        diagnostics.extend(crate::jobfile::lint::job_file(config));
    }
    diagnostics.sort_by_key(|d| d.span.map(|s| (s.line, s.col)));
    Checked {
        jobs,
        entries: config.jobs.len(),
        state_dir,
        state_url,
        origin: config.origin.clone(),
        metrics_file,
        token_warning,
        diagnostics,
    }
}

struct Checker<'a> {
    host_zone: &'a TimeZone,
    base_dir: &'a Path,
    /// The names of the file's jobs when `check_one` checks one of them.
    names: Option<&'a HashMap<&'a str, Span>>,
    /// Whether to warn where the Node scheduler read the file differently.
    compare_with_node: bool,
    /// Zones by name, looked up once per name, not once per job.
    zones: HashMap<String, Option<TimeZone>>,
    /// Schedules by text, with node-cron's differences described.
    schedules: HashMap<String, ScheduleReading>,
    diagnostics: Vec<Diagnostic>,
    /// Placeholders of the job being checked, with their locations.
    uses: Vec<(String, Span)>,
}

impl Checker<'_> {
    fn jobs(&mut self, config: &ConfigFile) -> Vec<Job> {
        let global = &config.global;
        let global_zone = global.timezone.as_ref().and_then(|name| {
            self.zone(name).map(|tz| Zone {
                tz,
                configured: Some(name.value.clone()),
            })
        });
        if let Some(seed) = global.splay_seed.as_ref().filter(|s| s.value.is_empty()) {
            self.diagnostics.push(
                Diagnostic::error("`splaySeed` cannot be empty", seed.span).with_help(
                    "give the text each job's name is hashed with, such as the file's purpose (`billing`), or remove the key",
                ),
            );
        }
        // A wrong `global.splay` is said once, and splays no job.
        let global_splay = global
            .splay
            .as_ref()
            .filter(|splay| self.splay_length(splay));
        let default_headers = self.headers(&global.default_headers);
        let default_uses = std::mem::take(&mut self.uses);
        let mut inherited = self.inherited(global);
        if config.jobs.is_empty() && config.jobs_span.line > 0 {
            self.diagnostics.push(
                Diagnostic::warning("the file defines no jobs", config.jobs_span)
                    .with_help("add jobs under `jobs:`; see the README for the keys"),
            );
        }

        let own_names;
        let first_seen = match self.names {
            Some(names) => names,
            None => {
                own_names = self.unique_names(&config.jobs);
                &own_names
            }
        };

        let mut jobs = Vec::with_capacity(config.jobs.len());
        for entry in &config.jobs {
            let zone = match &entry.timezone {
                Some(name) => self.zone(name).map(|tz| Zone {
                    tz,
                    configured: Some(name.value.clone()),
                }),
                None if global.timezone.is_some() => global_zone.clone(),
                None => Some(Zone {
                    tz: self.host_zone.clone(),
                    configured: None,
                }),
            };
            let job = self
                .job(entry, config, &default_headers, zone, first_seen)
                .and_then(|mut job| {
                    let seed = global.splay_seed.as_ref().map_or("", |s| s.value.as_str());
                    job.splay = self.splay(entry, global_splay, seed, &job.name, &job.schedule)?;
                    Some(job)
                });
            let mut uses = std::mem::take(&mut self.uses);
            let notices = self.notices(entry, &mut inherited);
            if let (Some(mut job), Some((notify, healthcheck, notice_uses))) = (job, notices) {
                // After the request's: `Job::uses_by_name` relies on it.
                uses.extend(default_uses.iter().cloned());
                uses.extend(notice_uses);
                job.notify = notify;
                job.healthcheck = healthcheck;
                job.uses = uses;
                jobs.push(job);
            }
        }
        self.unused_global_cooldown(&inherited);
        jobs
    }

    fn job(
        &mut self,
        entry: &JobEntry,
        config: &ConfigFile,
        default_headers: &[(String, Template)],
        zone: Option<Zone>,
        names: &HashMap<&str, Span>,
    ) -> Option<Job> {
        let name = match &entry.name {
            Some(name) => {
                self.name(name);
                Some(name.value.clone())
            }
            None => {
                self.missing(
                    entry.span,
                    "name",
                    "a job",
                    "add `name: my-job`: it is what `jobrun run` takes",
                );
                None
            }
        };
        let label = name
            .as_deref()
            .map_or_else(|| "a job".to_string(), |n| format!("job `{n}`"));

        let schedule = match &entry.schedule {
            Some(text) => self.schedule(text),
            None => {
                self.missing(
                    entry.span,
                    "schedule",
                    &label,
                    "add a cron expression such as `schedule: \"30 18 * * 1-5\"`",
                );
                None
            }
        };

        let url = match &entry.url {
            Some(text) => self.url(text, "`url`"),
            None => {
                self.missing(
                    entry.span,
                    "url",
                    &label,
                    "add the address to call, such as `url: \"https://example.com/report\"`",
                );
                None
            }
        };

        let method = self.method(entry.method.as_ref(), Method::Get);

        let own_headers = self.headers(&entry.headers);
        let headers = request::merge_headers(default_headers, own_headers);

        // A value with an error leaves the job unbuilt: a `Job` holds only
        // checked values.
        let body = self.body(entry.data.as_ref(), entry.body.as_ref(), method);
        if let Some(node) = &entry.data
            && self.compare_with_node
        {
            self.week_range(node);
        }

        let depends_on = entry
            .depends_on
            .as_ref()
            .and_then(|d| self.dependency(d, name.as_deref(), names));

        let timeout = entry
            .timeout
            .as_ref()
            .or(config.global.default_timeout.as_ref());
        if let Some(deadline) = &entry.deadline {
            self.deadline(deadline, timeout);
        }
        let timeout = timeout.map_or(DEFAULT_TIMEOUT, |t| t.value);
        let delays = self.retry_delays(entry);
        let retries = entry
            .retries
            .as_ref()
            .or(config.global.default_retries.as_ref())
            .map_or(DEFAULT_RETRIES, |r| r.value);

        let redirects = self.follow_redirects(entry.follow_redirects.as_ref());
        let expect = self.expect(entry, method);

        let max_response_bytes = self.max_response_bytes(entry.max_response_bytes.as_ref());
        let ca_file = match &entry.ca_file {
            None => Some(None),
            Some(text) => self.ca_file(text).map(Some),
        };
        let concurrency = match &entry.concurrency {
            None => Some(Concurrency::default()),
            Some(text) => self.concurrency(text),
        };
        let history_limit = self.history_limit(entry.history_limit.as_ref());

        Some(Job {
            name: name?,
            span: entry.span,
            schedule: schedule?,
            schedule_span: entry.schedule.as_ref().map_or(entry.span, |s| s.span),
            zone: zone?,
            // Decided by `jobs`, with the job's name and schedule checked.
            splay: None,
            request: Request {
                method: method?,
                url: url?,
                headers,
                body: body?,
                ca_file: ca_file?,
                max_response_bytes: max_response_bytes?,
                redirects: redirects?,
                idempotency_key: entry.idempotency_key.unwrap_or(false),
            },
            timeout,
            deadline: entry.deadline.as_ref().map(|d| d.value),
            retries,
            retry_delay: delays?.0,
            max_retry_delay: delays?.1,
            expect: expect?,
            enabled: entry.enabled.unwrap_or(true),
            description: entry.description.clone(),
            depends_on,
            catch_up: entry.catch_up.as_ref().map(|d| d.value),
            concurrency: concurrency?,
            history_limit: history_limit?,
            // Filled in by `jobs`, after the request's placeholders.
            notify: Notify::default(),
            healthcheck: None,
            uses: Vec::new(),
        })
    }

    fn template(&mut self, text: &Text, what: &str) -> Option<Template> {
        match Template::parse(&text.value) {
            Ok(template) => {
                for p in template.placeholders() {
                    self.uses
                        .push((p.name.clone(), text.span_at(p.offset, p.len)));
                }
                Some(template)
            }
            Err(e) => {
                let message = format!("invalid placeholder in {what}: {}", e.message);
                self.error_inside(text, message, e.help, e.offset, e.len);
                None
            }
        }
    }

    /// An error about `len` characters at `offset` inside a string value.
    fn error_inside(
        &mut self,
        text: &Text,
        message: String,
        help: Option<String>,
        offset: usize,
        len: usize,
    ) {
        let span = text.span_at(offset, len);
        self.diagnostics
            .push(Diagnostic::error(message, span).with_help_opt(help));
    }

    fn missing(&mut self, span: Span, key: &str, owner: &str, help: &str) {
        self.diagnostics
            .push(Diagnostic::error(format!("{owner} has no `{key}`"), span).with_help(help));
    }

    /// `tokenWarning`: at most a year, the furthest `validate` looks ahead.
    fn token_warning(
        &mut self,
        warning: &crate::jobfile::schema::Spanned<Duration>,
    ) -> Option<Duration> {
        const YEAR: Duration = Duration::from_secs(366 * 86_400);
        if warning.value <= YEAR {
            return Some(warning.value);
        }
        self.diagnostics.push(
            Diagnostic::error("`tokenWarning` is longer than a year", warning.span).with_help(
                "say how long before a token expires it is worth a warning, such as `14d`",
            ),
        );
        None
    }

    fn state_dir(&mut self, text: &Text) -> Option<PathBuf> {
        if text.value.trim().is_empty() {
            self.diagnostics.push(
                Diagnostic::error("`stateDir` cannot be empty", text.span).with_help(
                    "give the directory for jobrun's run history, or remove `stateDir` to use $XDG_STATE_HOME/jobrun",
                ),
            );
            return None;
        }
        Some(self.base_dir.join(&text.value))
    }

    /// `stateUrl`: a `postgres://` URL, or placeholders that give one when
    /// the command runs (`${DATABASE_URL}`). Its variables are read by the
    /// commands that use the state, so `validate` does not ask for them.
    fn state_url(&mut self, text: &Text) -> Option<Template> {
        let template = match Template::parse(&text.value) {
            Ok(template) => template,
            Err(e) => {
                let message = format!("invalid placeholder in `stateUrl`: {}", e.message);
                self.error_inside(text, message, e.help, e.offset, e.len);
                return None;
            }
        };
        let literal_start = match template.parts().first() {
            Some(crate::job::template::Part::Literal(start)) => start.as_str(),
            Some(crate::job::template::Part::Var(_)) => return Some(template),
            None => "",
        };
        let postgres = ["postgres://", "postgresql://"].iter().any(|scheme| {
            literal_start
                .get(..scheme.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
        });
        if !postgres {
            self.diagnostics.push(
                Diagnostic::error(
                    "`stateUrl` must be a PostgreSQL URL (`postgres://` or `postgresql://`)",
                    text.span,
                )
                .with_help(
                    "write `postgres://USER@HOST:PORT/DATABASE`, or remove `stateUrl` to keep the history in SQLite in the state directory",
                ),
            );
            return None;
        }
        Some(template)
    }

    /// `metricsFile`: a file's path, read from the job file's directory.
    /// node_exporter's textfile collector reads only `*.prom` files, so
    /// another name is worth a warning (a Pushgateway user has no use for
    /// the file at all: `jobrun metrics` prints the text).
    fn metrics_file(&mut self, text: &Text) -> Option<PathBuf> {
        let value = text.value.trim();
        if value.is_empty() || value.ends_with('/') {
            self.diagnostics.push(
                Diagnostic::error("`metricsFile` must name a file", text.span).with_help(
                    "give the file node_exporter's textfile collector reads, such as `/var/lib/prometheus/node-exporter/jobrun.prom`",
                ),
            );
            return None;
        }
        if let Some((message, help)) = metrics_file_name_warning(Path::new(&text.value)) {
            self.diagnostics
                .push(Diagnostic::warning(message, text.span).with_help(help));
        }
        Some(self.base_dir.join(&text.value))
    }
}

/// What to say of a metrics file's name, wherever it is named
/// (`metricsFile`, `--metrics-file`, `JOBRUN_METRICS_FILE`): the message
/// and the help, when node_exporter's textfile collector would not read
/// it (it reads only `*.prom`).
pub(crate) fn metrics_file_name_warning(path: &Path) -> Option<(&'static str, &'static str)> {
    let read = path
        .file_name()
        .is_some_and(|name| name.to_string_lossy().ends_with(".prom"));
    (!read).then_some((
        "node_exporter's textfile collector reads only files whose names end in `.prom`",
        "name the file `....prom`, such as `jobrun.prom`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{
        DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRY_DELAY, DEFAULT_RETRY_DELAY, Redirects,
    };
    use crate::jobfile::decode;

    pub(super) const BASE_DIR: &str = "/srv/jobs";

    /// A file with one job `a`, plus `extra` lines inside it.
    pub(super) fn file(extra: &str) -> String {
        format!(
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com/x\"\n{extra}"
        )
    }

    /// Every problem, from decoding and checking alike.
    pub(super) fn problems(text: &str) -> Vec<Diagnostic> {
        let (config, mut found) = decode::decode(text);
        found.extend(
            check(
                &config,
                &TimeZone::UTC,
                Path::new(BASE_DIR),
                Purpose::Validate,
            )
            .diagnostics,
        );
        found
    }

    /// The one problem the file has.
    pub(super) fn problem(text: &str) -> Diagnostic {
        let found = problems(text);
        assert_eq!(found.len(), 1, "{found:#?}");
        found.into_iter().next().unwrap()
    }
    /// Job `a`, which must have no problem at all.
    pub(super) fn job(extra: &str) -> Job {
        let text = file(extra);
        let (config, found) = decode::decode(&text);
        assert!(found.is_empty(), "{found:#?}");
        let checked = check(
            &config,
            &TimeZone::UTC,
            Path::new(BASE_DIR),
            Purpose::Validate,
        );
        assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
        checked.jobs.into_iter().next().unwrap()
    }

    #[test]
    fn new_keys_have_their_defaults() {
        let job = job("");
        assert_eq!(job.deadline, None);
        assert_eq!(job.retry_delay, DEFAULT_RETRY_DELAY);
        assert_eq!(job.max_retry_delay, DEFAULT_MAX_RETRY_DELAY);
        assert_eq!(job.request.max_response_bytes, DEFAULT_MAX_RESPONSE_BYTES);
        assert!(job.expect.status.is_empty());
        assert!(job.expect.body_contains.is_none());
        assert_eq!(job.request.redirects, Redirects::SameOrigin);
        assert!(!job.request.idempotency_key);
        assert!(job.request.ca_file.is_none());
    }

    #[test]
    fn slips_in_new_key_names_get_a_suggestion() {
        for (slip, key) in [
            ("caFIle", "caFile"),
            ("follow_redirects", "followRedirects"),
        ] {
            let found = problem(&file(&format!("    {slip}: x\n")));
            assert_eq!(found.help, Some(format!("did you mean `{key}`?")), "{slip}");
        }
    }

    #[test]
    fn metrics_file_is_read_from_the_job_files_directory_and_named_prom() {
        let text = format!("global:\n  metricsFile: metrics/jobrun.prom\n{}", file(""));
        let (config, _) = decode::decode(&text);
        let checked = check(
            &config,
            &TimeZone::UTC,
            Path::new(BASE_DIR),
            Purpose::Validate,
        );
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        assert_eq!(
            checked.metrics_file,
            Some(PathBuf::from("/srv/jobs/metrics/jobrun.prom"))
        );
        let found = problem(&format!("global:\n  metricsFile: \"\"\n{}", file("")));
        assert_eq!(found.message, "`metricsFile` must name a file");
        let found = problem(&format!("global:\n  metricsFile: jobrun.txt\n{}", file("")));
        assert!(!found.is_error());
        assert!(found.message.contains("`.prom`"), "{}", found.message);
    }

    #[test]
    fn state_dir_is_read_from_the_job_files_directory() {
        let text = format!("global:\n  stateDir: state\n{}", file(""));
        let (config, _) = decode::decode(&text);
        let checked = check(&config, &TimeZone::UTC, Path::new(BASE_DIR), Purpose::Use);
        assert_eq!(checked.state_dir, Some(PathBuf::from("/srv/jobs/state")));
        let found = problem(&format!("global:\n  stateDir: \"\"\n{}", file("")));
        assert_eq!(found.message, "`stateDir` cannot be empty");
    }

    #[test]
    fn state_url_is_a_postgres_url_or_placeholders_that_give_one() {
        let url = |value: &str| {
            let text = format!("global:\n  stateUrl: \"{value}\"\n{}", file(""));
            let (config, _) = decode::decode(&text);
            check(&config, &TimeZone::UTC, Path::new(BASE_DIR), Purpose::Use)
        };
        for fine in [
            "postgres://jobrun@db/ops",
            "POSTGRESQL://db",
            "postgres://jobrun:${PGPASSWORD}@db/ops",
            "${DATABASE_URL}",
        ] {
            let checked = url(fine);
            assert!(
                checked.diagnostics.is_empty(),
                "{fine}: {:#?}",
                checked.diagnostics
            );
            assert_eq!(checked.state_url.unwrap().to_string(), fine);
        }
        for wrong in ["mysql://db/ops", "db.internal", "ü"] {
            let checked = url(wrong);
            assert_eq!(
                checked.diagnostics[0].message,
                "`stateUrl` must be a PostgreSQL URL (`postgres://` or `postgresql://`)",
                "{wrong}"
            );
        }
        let checked = url("postgres://${UNCLOSED@db");
        assert!(
            checked.diagnostics[0]
                .message
                .starts_with("invalid placeholder in `stateUrl`"),
            "{:#?}",
            checked.diagnostics
        );
    }
}
