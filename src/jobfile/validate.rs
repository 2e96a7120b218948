//! From the file as written to checked jobs: every error and warning, each
//! with its location, found in one pass.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jiff::tz::TimeZone;

use crate::diagnostic::{Diagnostic, Span};
use crate::job::duration;
use crate::job::size;
use crate::job::template::Template;
use crate::job::{
    Body, Concurrency, Condition, DEFAULT_HISTORY_LIMIT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRY_DELAY, DEFAULT_NOTICE_TIMEOUT, DEFAULT_RETRIES, DEFAULT_RETRY_DELAY,
    DEFAULT_TIMEOUT, DEFAULT_WINDOW_MINUTES, Data, Dependency, Expect, Job, Method,
    NOTICE_MAX_RESPONSE_BYTES, Notice, Notify, Redirects, Request, Zone,
};
use crate::jobfile::schema::{
    self, ConfigFile, HeaderEntry, JobEntry, NoticeEntry, RedirectsEntry, Spanned, StatusItem,
    Switch, Text,
};
use crate::jobfile::suggest;
use crate::jobfile::yaml::{Node, Value};
use crate::schedule::node_cron;
use crate::schedule::{Schedule, ScheduleError};

/// Longest job name: names become file, unit and cron names, and Kubernetes
/// object names are DNS labels of at most 63 characters.
pub const MAX_NAME_LEN: usize = 63;

/// The most `maxResponseBytes` may be: a response body is kept in memory.
pub const MAX_RESPONSE_BYTES: u64 = 1024 * 1024 * 1024;

/// The checked jobs, and every problem found on the way.
#[derive(Debug, Default)]
pub struct Checked {
    pub jobs: Vec<Job>,
    /// How many jobs the file defines, checked or not.
    pub entries: usize,
    /// `global.stateDir`, resolved against the job file's directory.
    pub state_dir: Option<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// What the check is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
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
pub fn check(
    config: &ConfigFile,
    host_zone: &TimeZone,
    base_dir: &Path,
    purpose: Purpose,
) -> Checked {
    let mut checker = Checker {
        host_zone,
        base_dir,
        purpose,
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
    let mut diagnostics = checker.diagnostics;
    if purpose == Purpose::Validate {
        diagnostics.extend(crate::jobfile::lint::job_file(config));
    }
    diagnostics.sort_by_key(|d| d.span.map(|s| (s.line, s.col)));
    Checked {
        jobs,
        entries: config.jobs.len(),
        state_dir,
        diagnostics,
    }
}

type ScheduleReading = (Result<Schedule, ScheduleError>, Vec<String>);

/// Where each placeholder is written.
type Uses = Vec<(String, Span)>;

/// A setting checked on its own, with where its placeholders are written,
/// so it can be given to a job after the job's request is checked.
struct Shared<T> {
    /// `None` when it has an error: the jobs that take it are not built.
    value: Option<T>,
    uses: Uses,
}

/// `global.notify` and `global.healthcheck`, checked once for all the
/// jobs, as `defaultHeaders` are: a 10,000-job file does not check them
/// 10,000 times, nor report an error in them 10,000 times.
struct Inherited<'c> {
    on_failure: Option<Shared<Arc<Notice>>>,
    on_recovery: Option<Shared<Arc<Notice>>>,
    cooldown: Option<&'c Spanned<Duration>>,
    /// Whether a job's `onFailure` is held back by `global.notify.cooldown`.
    cooldown_used: bool,
    healthcheck: Option<Shared<Template>>,
}

/// What a job is told about and pinged with, and the placeholders of both.
type Notices = (Notify, Option<Template>, Uses);

/// The job's own setting if it has one, else `global`'s: its value, its
/// placeholders appended to `uses`. `None` when the one taken has an error.
fn choose<T: Clone>(
    own: Option<Shared<T>>,
    global: Option<&Shared<T>>,
    uses: &mut Uses,
) -> Option<Option<T>> {
    match (own, global) {
        (Some(own), _) => {
            uses.extend(own.uses);
            own.value.map(Some)
        }
        (None, Some(global)) => {
            uses.extend(global.uses.iter().cloned());
            global.value.clone().map(Some)
        }
        (None, None) => Some(None),
    }
}

struct Checker<'a> {
    host_zone: &'a TimeZone,
    base_dir: &'a Path,
    purpose: Purpose,
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
        let default_headers = self.headers(&global.default_headers);
        let default_uses = std::mem::take(&mut self.uses);
        let mut inherited = self.inherited(global);
        if config.jobs.is_empty() && config.jobs_span.line > 0 {
            self.diagnostics.push(
                Diagnostic::warning("the file defines no jobs", config.jobs_span)
                    .with_help("add jobs under `jobs:`; see the README for the keys"),
            );
        }

        let mut first_seen: HashMap<&str, Span> = HashMap::with_capacity(config.jobs.len());
        for entry in &config.jobs {
            if let Some(name) = &entry.name {
                if let Some(first) = first_seen.get(name.value.as_str()) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            format!("duplicate job name `{}`", name.value),
                            name.span,
                        )
                        .with_related(*first, "first used")
                        .with_help("job names pick the job to run: give each job its own name"),
                    );
                } else {
                    first_seen.insert(&name.value, name.span);
                }
            }
        }

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
            let job = self.job(entry, config, &default_headers, zone, &first_seen);
            let mut uses = std::mem::take(&mut self.uses);
            let notices = self.notices(entry, &mut inherited);
            if let (Some(mut job), Some((notify, healthcheck, notice_uses))) = (job, notices) {
                // After the request's: `Job::notice_use_of` relies on it.
                uses.extend(default_uses.iter().cloned());
                uses.extend(notice_uses);
                job.notify = notify;
                job.healthcheck = healthcheck;
                job.uses = uses;
                jobs.push(job);
            }
        }
        if let Some(cooldown) = inherited.cooldown
            && inherited.on_failure.is_none()
            && !inherited.cooldown_used
        {
            self.diagnostics.push(
                Diagnostic::warning("`cooldown` has no `onFailure` to hold back", cooldown.span)
                    .with_help("`cooldown` spaces out `onFailure` notifications: add `onFailure` to `global.notify` or to a job, or remove `cooldown`"),
            );
        }
        jobs
    }

    /// `global.notify` and `global.healthcheck`, checked once.
    fn inherited<'c>(&mut self, global: &'c schema::Global) -> Inherited<'c> {
        let notify = global.notify.as_ref();
        Inherited {
            on_failure: notify
                .and_then(|n| n.on_failure.as_ref())
                .map(|entry| self.shared(|c| c.notice(entry).map(Arc::new))),
            on_recovery: notify
                .and_then(|n| n.on_recovery.as_ref())
                .map(|entry| self.shared(|c| c.notice(entry).map(Arc::new))),
            cooldown: notify.and_then(|n| n.cooldown.as_ref()),
            cooldown_used: false,
            healthcheck: global
                .healthcheck
                .as_ref()
                .map(|text| self.shared(|c| c.url(text, "`healthcheck`"))),
        }
    }

    /// A setting checked apart from the job being checked: its
    /// placeholders are kept with it, not with the job's.
    fn shared<T>(&mut self, check: impl FnOnce(&mut Self) -> Option<T>) -> Shared<T> {
        let outer = std::mem::take(&mut self.uses);
        let value = check(self);
        let uses = std::mem::replace(&mut self.uses, outer);
        Shared { value, uses }
    }

    /// The job's notifications and healthcheck: its own `notify` over
    /// `global.notify` key by key (`notify: false` drops them all), its own
    /// `healthcheck` over `global.healthcheck` (`false` drops it). `None`
    /// when one of them has an error.
    fn notices(&mut self, entry: &JobEntry, inherited: &mut Inherited) -> Option<Notices> {
        let mut uses = Uses::new();
        let notify = match &entry.notify {
            Some(Switch::Off) => Some(Notify::default()),
            own => {
                let own = match own {
                    Some(Switch::On(own)) => Some(own),
                    _ => None,
                };
                let own_failure = own
                    .and_then(|n| n.on_failure.as_ref())
                    .map(|e| self.shared(|c| c.notice(e).map(Arc::new)));
                let own_recovery = own
                    .and_then(|n| n.on_recovery.as_ref())
                    .map(|e| self.shared(|c| c.notice(e).map(Arc::new)));
                let has_failure = own_failure.is_some() || inherited.on_failure.is_some();
                let on_failure = choose(own_failure, inherited.on_failure.as_ref(), &mut uses);
                let on_recovery = choose(own_recovery, inherited.on_recovery.as_ref(), &mut uses);
                let cooldown = match own.and_then(|n| n.cooldown.as_ref()) {
                    Some(cooldown) => {
                        if !has_failure {
                            self.diagnostics.push(
                                Diagnostic::warning(
                                    "`cooldown` has no `onFailure` to hold back",
                                    cooldown.span,
                                )
                                .with_help("`cooldown` spaces out the job's `onFailure` notifications: add `onFailure`, here or in `global.notify`, or remove `cooldown`"),
                            );
                        }
                        Some(cooldown.value)
                    }
                    None => {
                        inherited.cooldown_used |= has_failure && inherited.cooldown.is_some();
                        inherited.cooldown.map(|c| c.value)
                    }
                };
                on_failure
                    .zip(on_recovery)
                    .map(|(on_failure, on_recovery)| Notify {
                        on_failure,
                        on_recovery,
                        cooldown,
                    })
            }
        };
        let healthcheck = match &entry.healthcheck {
            Some(Switch::Off) => Some(None),
            Some(Switch::On(text)) => {
                let own = self.shared(|c| c.url(text, "`healthcheck`"));
                choose(Some(own), None, &mut uses)
            }
            None => choose(None, inherited.healthcheck.as_ref(), &mut uses),
        };
        Some((notify?, healthcheck?, uses))
    }

    /// One notification: a request like a job's, POST unless it says
    /// otherwise, without `global.defaultHeaders` (the jobs' credentials,
    /// not the webhook's), and its own short timeout.
    fn notice(&mut self, entry: &NoticeEntry) -> Option<Notice> {
        let url = match &entry.url {
            Some(text) => self.url(text, "`url`"),
            None => {
                self.missing(
                    entry.span,
                    "url",
                    &format!("`{}`", entry.key),
                    "add the address to send it to, such as `url: \"${SLACK_WEBHOOK_URL}\"`",
                );
                None
            }
        };
        let method = self.method(entry.method.as_ref(), Method::Post);
        let headers = self.headers(&entry.headers);
        let body = self.body(entry.data.as_ref(), entry.body.as_ref(), method);
        Some(Notice {
            request: Request {
                method: method?,
                url: url?,
                headers,
                body: body?,
                ca_file: None,
                max_response_bytes: NOTICE_MAX_RESPONSE_BYTES,
                redirects: Redirects::SameOrigin,
                idempotency_key: false,
            },
            timeout: entry
                .timeout
                .as_ref()
                .map_or(DEFAULT_NOTICE_TIMEOUT, |t| t.value),
            span: entry.span,
        })
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

        let mut headers = default_headers.to_vec();
        for (header, template) in self.headers(&entry.headers) {
            match headers
                .iter_mut()
                .find(|(h, _)| h.eq_ignore_ascii_case(&header))
            {
                Some(existing) => *existing = (header, template),
                None => headers.push((header, template)),
            }
        }

        // A value with an error leaves the job unbuilt: a `Job` holds only
        // checked values.
        let body = self.body(entry.data.as_ref(), entry.body.as_ref(), method);
        if let Some(node) = &entry.data {
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

        let redirects = match &entry.follow_redirects {
            None => Some(Redirects::default()),
            // `true` is what a user who turns redirects on expects of a
            // browser-like client, minus leaking headers to other hosts.
            Some(RedirectsEntry::Bool(on)) => Some(if on.value {
                Redirects::SameOrigin
            } else {
                Redirects::None
            }),
            Some(RedirectsEntry::Name(text)) => self.redirects(text),
        };
        let status = match &entry.expect_status {
            None => Some(Vec::new()),
            Some(items) => {
                let ranges: Vec<Option<(u16, u16)>> =
                    items.iter().map(|item| self.status(item)).collect();
                ranges.into_iter().collect()
            }
        };
        let body_contains = match &entry.expect_body_contains {
            None => Some(None),
            Some(text) => self.body_contains(text, method).map(Some),
        };

        let max_response_bytes = match &entry.max_response_bytes {
            None => Some(DEFAULT_MAX_RESPONSE_BYTES),
            Some(limit) if limit.value > MAX_RESPONSE_BYTES => {
                self.diagnostics.push(
                    Diagnostic::error(
                        format!(
                            "`maxResponseBytes` is more than {}",
                            size::format(MAX_RESPONSE_BYTES)
                        ),
                        limit.span,
                    )
                    .with_help(format!(
                        "jobrun keeps the response body in memory: use at most {}",
                        size::format(MAX_RESPONSE_BYTES)
                    )),
                );
                None
            }
            Some(limit) => Some(limit.value),
        };
        let ca_file = match &entry.ca_file {
            None => Some(None),
            Some(text) => self.ca_file(text).map(Some),
        };
        let concurrency = match &entry.concurrency {
            None => Some(Concurrency::default()),
            Some(text) => self.concurrency(text),
        };
        let history_limit = match &entry.history_limit {
            None => Some(DEFAULT_HISTORY_LIMIT),
            Some(limit) if limit.value == 0 => {
                self.diagnostics.push(
                    Diagnostic::error("`historyLimit` must be at least 1", limit.span)
                        .with_help("the last run decides `status`, `dependsOn` and `catch-up`: keep at least 1, or remove the key to keep 100"),
                );
                None
            }
            Some(limit) => Some(limit.value),
        };

        Some(Job {
            name: name?,
            span: entry.span,
            schedule: schedule?,
            zone: zone?,
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
            expect: Expect {
                status: status?,
                body_contains: body_contains?,
            },
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

    /// What a request sends: `data` as JSON, or `body` as written (`body`
    /// when both are given, which decoding reports). `None` when it has an
    /// error.
    fn body(
        &mut self,
        data: Option<&Node>,
        body: Option<&Text>,
        method: Option<Method>,
    ) -> Option<Option<Body>> {
        let json = data.map(|node| self.data(node));
        let text = body.map(|text| self.template(text, "`body`"));
        if let Some(node) = data.filter(|node| node.value != Value::Null) {
            self.unsent_body(method, "data", node.span);
        }
        if let Some(text) = body.filter(|t| !t.value.is_empty()) {
            self.unsent_body(method, "body", text.span);
        }
        match (text, json) {
            (Some(text), _) => text.map(|t| Some(Body::Text(t))),
            (None, Some(data)) => data.map(|d| Some(Body::Json(d))),
            (None, None) => Some(None),
        }
    }

    /// `method` as written, or `default` when it is not.
    fn method(&mut self, text: Option<&Text>, default: Method) -> Option<Method> {
        let Some(text) = text else {
            return Some(default);
        };
        let method = Method::parse(&text.value);
        if method.is_none() {
            self.diagnostics.push(
                Diagnostic::error(format!("unknown method `{}`", text.value), text.span)
                    .with_help(format!("use one of {}", suggest::list(Method::NAMES))),
            );
        }
        method
    }

    /// A deadline shorter than one attempt's timeout is allowed (the run
    /// stops at whichever comes first) but is rarely meant.
    fn deadline(&mut self, deadline: &Spanned<Duration>, timeout: Option<&Spanned<Duration>>) {
        let limit = timeout.map_or(DEFAULT_TIMEOUT, |t| t.value);
        if deadline.value >= limit {
            return;
        }
        let limit_text = duration::format(limit);
        let mut problem = Diagnostic::warning(
            "the deadline ends the run before the first attempt can time out",
            deadline.span,
        );
        problem = match timeout {
            Some(t) => problem
                .with_related(t.span, format!("the timeout is {limit_text}"))
                .with_help(format!(
                    "raise `deadline` to at least {limit_text}, or lower `timeout`"
                )),
            None => problem.with_help(format!(
                "raise `deadline` to at least {limit_text}, the default `timeout`, or set a lower `timeout`"
            )),
        };
        self.diagnostics.push(problem);
    }

    /// One `expectStatus` item as an inclusive range.
    fn status(&mut self, item: &StatusItem) -> Option<(u16, u16)> {
        const HELP: &str =
            "write a status such as 200, a class such as \"2xx\" or a range such as \"200-204\"";
        let not_status = |what: &str, span: Span| {
            Diagnostic::error(format!("`{what}` is not an HTTP status"), span)
                .with_help("statuses run from 100 to 599 (RFC 9110 section 15)")
        };
        let text = match item {
            StatusItem::Code(code) => {
                return match u16::try_from(code.value) {
                    Ok(c @ 100..=599) => Some((c, c)),
                    _ => {
                        self.diagnostics
                            .push(not_status(&code.value.to_string(), code.span));
                        None
                    }
                };
            }
            StatusItem::Text(text) => text,
        };
        let value = text.value.as_str();
        // A whole number in 100..=599 at `offset` characters into the text.
        let mut code = |part: &str, offset: usize| -> Option<u16> {
            let lead = part.len() - part.trim_start().len();
            let part = part.trim();
            let span = text.span_at(offset + lead, part.chars().count());
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                self.diagnostics.push(
                    Diagnostic::error(format!("`{value}` is not a status"), span).with_help(HELP),
                );
                return None;
            }
            match part.parse::<u16>() {
                Ok(c @ 100..=599) => Some(c),
                _ => {
                    self.diagnostics.push(not_status(part, span));
                    None
                }
            }
        };
        let class = value.as_bytes();
        if class.len() == 3 && class[0].is_ascii_digit() && class[1..].eq_ignore_ascii_case(b"xx") {
            return match class[0] - b'0' {
                d @ 1..=5 => Some((u16::from(d) * 100, u16::from(d) * 100 + 99)),
                _ => {
                    self.diagnostics.push(
                        Diagnostic::error(format!("`{value}` is not a status class"), text.span)
                            .with_help("classes run from `1xx` to `5xx`"),
                    );
                    None
                }
            };
        }
        let Some(dash) = value.find('-') else {
            let c = code(value, 0)?;
            return Some((c, c));
        };
        let lo = code(&value[..dash], 0);
        let hi = code(&value[dash + 1..], value[..=dash].chars().count());
        let (lo, hi) = (lo?, hi?);
        if lo > hi {
            self.diagnostics.push(
                Diagnostic::error(format!("the range `{value}` runs backwards"), text.span)
                    .with_help(format!("write the lower status first: `{hi}-{lo}`")),
            );
            return None;
        }
        Some((lo, hi))
    }

    fn body_contains(&mut self, text: &Text, method: Option<Method>) -> Option<Template> {
        if text.value.is_empty() {
            self.diagnostics.push(
                Diagnostic::error("`expectBodyContains` cannot be empty", text.span)
                    .with_help("give the text the response body must contain, or remove the key"),
            );
            return None;
        }
        if method == Some(Method::Head) {
            self.diagnostics.push(
                Diagnostic::warning(
                    "`expectBodyContains` fails every HEAD request: the response has no body",
                    text.span,
                )
                .with_help("use GET to check the body, or remove `expectBodyContains`"),
            );
        }
        self.template(text, "`expectBodyContains`")
    }

    /// The first wait between attempts and the longest one.
    fn retry_delays(&mut self, entry: &JobEntry) -> Option<(Duration, Duration)> {
        let max = entry
            .max_retry_delay
            .as_ref()
            .map_or(DEFAULT_MAX_RETRY_DELAY, |m| m.value);
        let Some(delay) = &entry.retry_delay else {
            // A `maxRetryDelay` under the default first delay (1s) caps
            // every wait, the first included: that is what it says.
            return Some((DEFAULT_RETRY_DELAY.min(max), max));
        };
        if delay.value <= max {
            return Some((delay.value, max));
        }
        let delay_text = duration::format(delay.value);
        let problem = match &entry.max_retry_delay {
            Some(m) => Diagnostic::error(
                format!(
                    "`retryDelay` ({delay_text}) is longer than `maxRetryDelay` ({})",
                    duration::format(max)
                ),
                delay.span,
            )
            .with_related(m.span, "`maxRetryDelay` given")
            .with_help("lower `retryDelay`, or raise `maxRetryDelay`: no wait is longer than it"),
            None => Diagnostic::error(
                format!(
                    "`retryDelay` ({delay_text}) is longer than the default `maxRetryDelay` of {}",
                    duration::format(max)
                ),
                delay.span,
            )
            .with_help(format!(
                "set `maxRetryDelay` to at least {delay_text}, or lower `retryDelay`"
            )),
        };
        self.diagnostics.push(problem);
        None
    }

    /// axios dropped a body on GET and HEAD; so does jobrun, and says so.
    fn unsent_body(&mut self, method: Option<Method>, key: &str, span: Span) {
        let Some(method) = method.filter(|m| !m.sends_body()) else {
            return;
        };
        self.diagnostics.push(
            Diagnostic::warning(
                format!("`{key}` is not sent with {}", method.as_str()),
                span,
            )
            .with_help(format!(
                "remove `{key}`, or use a method that sends a body such as POST"
            )),
        );
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

    fn name(&mut self, name: &Text) {
        let value = &name.value;
        let bad = value
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'));
        let problem = if value.is_empty() {
            Some(("a job name cannot be empty".to_string(), name.span))
        } else if let Some((i, c)) = bad {
            let offset = value[..i].chars().count();
            Some((
                format!("job name `{value}` contains `{c}`"),
                name.span_at(offset, 1),
            ))
        } else if value.len() > MAX_NAME_LEN {
            Some((
                format!("job name `{value}` is longer than {MAX_NAME_LEN} characters"),
                name.span,
            ))
        } else {
            None
        };
        if let Some((message, span)) = problem {
            self.diagnostics.push(Diagnostic::error(message, span).with_help(
                "names are 1 to 63 letters, digits, `-` and `_`: they become file, unit and cron names",
            ));
        }
    }

    fn schedule(&mut self, text: &Text) -> Option<Schedule> {
        // Files repeat a few schedules many times: read each text once.
        let compare = self.purpose == Purpose::Validate;
        let (parsed, differences) = self
            .schedules
            .entry(text.value.clone())
            .or_insert_with(|| {
                let parsed = Schedule::parse(&text.value);
                let differences = match &parsed {
                    Ok(schedule) if compare => node_cron::differences(&text.value, schedule)
                        .iter()
                        .map(node_cron::Difference::describe)
                        .collect(),
                    _ => Vec::new(),
                };
                (parsed, differences)
            })
            .clone();
        match parsed {
            Ok(schedule) => {
                if schedule.day_of_month_is_unreachable() {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            format!("the day of month in `{}` never falls in its months", text.value.trim()),
                            text.span,
                        )
                        .with_help("with both day fields set, cron runs on either: this runs only on the days of week; check the day-of-month field"),
                    );
                }
                if !differences.is_empty() {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            format!(
                                "the Node scheduler (node-cron 3) read `{}` differently",
                                text.value.trim()
                            ),
                            text.span,
                        )
                        .with_help(differences.join("\n")),
                    );
                }
                Some(schedule)
            }
            Err(e) => {
                let message = format!("invalid schedule: {}", e.message);
                self.error_inside(text, message, e.help, e.offset, e.len);
                None
            }
        }
    }

    fn zone(&mut self, name: &Text) -> Option<TimeZone> {
        let found = self
            .zones
            .entry(name.value.clone())
            .or_insert_with(|| crate::schedule::zone::get(&name.value))
            .clone();
        if found.is_none() {
            let names: Vec<String> = jiff::tz::db()
                .available()
                .map(|n| n.as_str().to_string())
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let help = match suggest::suggest(&name.value, &names) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "use an IANA zone name such as `America/Chicago`, `Europe/London` or `UTC`"
                    .into(),
            };
            self.diagnostics.push(
                Diagnostic::error(format!("unknown time zone `{}`", name.value), name.span)
                    .with_help(help),
            );
        }
        found
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

    /// A URL template, written under the key `what` names (`` `url` ``,
    /// `` `healthcheck` ``).
    fn url(&mut self, text: &Text, what: &str) -> Option<Template> {
        let template = self.template(text, what)?;
        let value = text.value.as_str();
        // Only the literal start can be checked before the variables are
        // known: `${BASE_URL}/report` is checked when the job runs.
        let literal_start = !value.starts_with("${");
        let lower = value.to_ascii_lowercase();
        if literal_start && !(lower.starts_with("http://") || lower.starts_with("https://")) {
            self.diagnostics.push(
                Diagnostic::error(
                    format!("{what} must start with `http://` or `https://`: `{value}`"),
                    text.span,
                )
                .with_help("write the full address, such as `https://example.com/report`"),
            );
            return None;
        }
        if let Some((i, c)) = value
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || c.is_control())
        {
            let offset = value[..i].chars().count();
            self.diagnostics.push(
                Diagnostic::error(
                    format!("{what} contains {}", describe_char(c)),
                    text.span_at(offset, 1),
                )
                .with_help("percent-encode it (a space is `%20`)"),
            );
            return None;
        }
        Some(template)
    }

    fn headers(&mut self, entries: &[HeaderEntry]) -> Vec<(String, Template)> {
        let mut out = Vec::with_capacity(entries.len());
        for HeaderEntry { name, value } in entries {
            // RFC 9110 section 5.1: a field name is a token.
            let bad = name
                .value
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(*c)));
            if name.value.is_empty() || bad.is_some() {
                let span = bad.map_or(name.span, |(i, _)| {
                    name.span_at(name.value[..i].chars().count(), 1)
                });
                self.diagnostics.push(
                    Diagnostic::error(format!("`{}` is not a valid header name", name.value), span)
                        .with_help(
                            "header names are letters, digits and `-` (RFC 9110 section 5.1)",
                        ),
                );
                continue;
            }
            if value.value.contains(['\r', '\n']) {
                self.diagnostics.push(
                    Diagnostic::error(format!("header `{}` contains a line break", name.value), value.span)
                        .with_help("a header value is one line: remove the line break (a YAML block scalar `|` adds one at the end; use a quoted string)"),
                );
                continue;
            }
            if let Some(template) = self.template(value, &format!("header `{}`", name.value)) {
                out.push((name.value.clone(), template));
            }
        }
        out
    }

    fn data(&mut self, node: &Node) -> Option<Data> {
        Some(match &node.value {
            Value::Null => Data::Null,
            Value::Bool(b) => Data::Bool(*b),
            Value::Int(i) => Data::Int(*i),
            Value::Float(f) if f.is_finite() => Data::Float(*f),
            Value::Float(_) => {
                self.diagnostics.push(
                    Diagnostic::error("JSON has no infinity or NaN", node.span).with_help(
                        "write a finite number, or put the value in quotes to send a string",
                    ),
                );
                return None;
            }
            Value::Str(s) => {
                let text = Text {
                    value: s.clone(),
                    span: node.span,
                    quoted: node.quoted,
                };
                Data::Str(self.template(&text, "`data`")?)
            }
            Value::Seq(items) => {
                let items: Vec<Option<Data>> = items.iter().map(|n| self.data(n)).collect();
                Data::List(items.into_iter().collect::<Option<_>>()?)
            }
            Value::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                let mut ok = true;
                for (key, value) in entries {
                    let key = key.scalar_text().unwrap_or_default();
                    match self.data(value) {
                        Some(value) => out.push((key, value)),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Data::Object(out)
            }
        })
    }

    /// The Node scheduler replaced `weekRange: current` in `data` with the
    /// current week's dates; jobrun sends what is written.
    fn week_range(&mut self, node: &Node) {
        let Value::Map(entries) = &node.value else {
            return;
        };
        for (key, value) in entries {
            if key.as_str() == Some("weekRange") && value.as_str() == Some("current") {
                self.diagnostics.push(
                    Diagnostic::warning(
                        "jobrun sends `weekRange: current` as written; the Node scheduler replaced it with this week's `startDate` and `endDate`",
                        key.span,
                    )
                    .with_help("to send the dates as before, replace this line with\n`startDate: \"${CURRENT_WEEK_START}\"` and `endDate: \"${CURRENT_WEEK_END}\"` (Monday and Friday, YYYY-MM-DD)"),
                );
            }
        }
    }

    fn redirects(&mut self, text: &Text) -> Option<Redirects> {
        let found = Redirects::parse(&text.value);
        if found.is_none() {
            let help = match suggest::suggest(&text.value, Redirects::NAMES) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "use one of {}, or true (`same-origin`) or false (`none`)",
                    suggest::list(Redirects::NAMES)
                ),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    format!("unknown `followRedirects` value `{}`", text.value),
                    text.span,
                )
                .with_help(help),
            );
        }
        found
    }

    /// The certificate file's path, read from the job file's directory when
    /// relative. The file itself is read when the job runs: `validate` on a
    /// build machine need not see the production host's certificates.
    fn concurrency(&mut self, text: &Text) -> Option<Concurrency> {
        let found = Concurrency::parse(&text.value);
        if found.is_none() {
            let help = match suggest::suggest(&text.value, Concurrency::NAMES) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("use one of {}", suggest::list(Concurrency::NAMES)),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    format!("unknown `concurrency` value `{}`", text.value),
                    text.span,
                )
                .with_help(help),
            );
        }
        found
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

    fn ca_file(&mut self, text: &Text) -> Option<(PathBuf, Span)> {
        if text.value.trim().is_empty() {
            self.diagnostics.push(
                Diagnostic::error("`caFile` cannot be empty", text.span).with_help(
                    "give the path of a PEM file of CA certificates, or remove `caFile` to trust only the system's",
                ),
            );
            return None;
        }
        Some((self.base_dir.join(&text.value), text.span))
    }

    fn dependency(
        &mut self,
        entry: &schema::DependsOnEntry,
        own_name: Option<&str>,
        names: &HashMap<&str, Span>,
    ) -> Option<Dependency> {
        let Some(job) = &entry.job else {
            self.missing(
                entry.span,
                "job",
                "`dependsOn`",
                "name the job this one backs up, such as `job: kpi-evening-report`",
            );
            return None;
        };
        let mut ok = true;
        if Some(job.value.as_str()) == own_name {
            self.diagnostics.push(
                Diagnostic::error(format!("job `{}` depends on itself", job.value), job.span)
                    .with_help("`dependsOn.job` names another job, whose runs decide whether this one runs"),
            );
            ok = false;
        } else if !names.contains_key(job.value.as_str()) {
            let known: Vec<&str> = names.keys().copied().collect();
            let help = match suggest::suggest(&job.value, &known) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "`dependsOn.job` must name a job in this file".into(),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    format!("`dependsOn` names no job called `{}`", job.value),
                    job.span,
                )
                .with_help(help),
            );
            ok = false;
        }
        let condition = match &entry.condition {
            None => Condition::NotRanOrFailed,
            Some(text) => match Condition::parse(&text.value) {
                Some(condition) => condition,
                None => {
                    let help = match suggest::suggest(&text.value, Condition::NAMES) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!("use one of {}", suggest::list(Condition::NAMES)),
                    };
                    self.diagnostics.push(
                        Diagnostic::error(format!("unknown condition `{}`", text.value), text.span)
                            .with_help(help),
                    );
                    ok = false;
                    Condition::NotRanOrFailed
                }
            },
        };
        let minutes = match &entry.window_minutes {
            Some(w) if w.value == 0 => {
                self.diagnostics.push(
                    Diagnostic::error("`windowMinutes` must be at least 1", w.span).with_help(
                        format!("leave it out for the default of {DEFAULT_WINDOW_MINUTES} minutes"),
                    ),
                );
                ok = false;
                0
            }
            Some(w) => w.value,
            None => DEFAULT_WINDOW_MINUTES,
        };
        ok.then(|| Dependency {
            job: job.value.clone(),
            window: std::time::Duration::from_secs(u64::from(minutes) * 60),
            condition,
        })
    }
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\t' => "a tab".into(),
        '\n' | '\r' => "a line break".into(),
        c => format!("the character U+{:04X}", c as u32),
    }
}

/// The jobs' names, for "did you mean" on the command line.
pub fn names(jobs: &[Job]) -> Vec<&str> {
    jobs.iter().map(|j| j.name.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::jobfile::decode;

    const BASE_DIR: &str = "/srv/jobs";

    /// A file with one job `a`, plus `extra` lines inside it.
    fn file(extra: &str) -> String {
        format!(
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com/x\"\n{extra}"
        )
    }

    /// Every problem, from decoding and checking alike.
    fn problems(text: &str) -> Vec<Diagnostic> {
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
    fn problem(text: &str) -> Diagnostic {
        let found = problems(text);
        assert_eq!(found.len(), 1, "{found:#?}");
        found.into_iter().next().unwrap()
    }

    /// Job `a`, which must have no problem at all.
    fn job(extra: &str) -> Job {
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
    fn follow_redirects_takes_a_name_or_a_boolean() {
        for (written, expected) in [
            ("none", Redirects::None),
            ("same-origin", Redirects::SameOrigin),
            ("cross-origin", Redirects::CrossOrigin),
            ("false", Redirects::None),
            ("true", Redirects::SameOrigin),
        ] {
            let job = job(&format!("    followRedirects: {written}\n"));
            assert_eq!(job.request.redirects, expected, "{written}");
        }
    }

    #[test]
    fn unknown_follow_redirects_suggests_the_close_one() {
        let found = problem(&file("    followRedirects: same_origin\n"));
        assert_eq!(
            found.message,
            "unknown `followRedirects` value `same_origin`"
        );
        assert_eq!(found.span, Some(Span::new(5, 22, 11)));
        assert_eq!(found.help.as_deref(), Some("did you mean `same-origin`?"));
        let found = problem(&file("    followRedirects: always\n"));
        assert_eq!(
            found.help.as_deref(),
            Some(
                "use one of `none`, `same-origin` and `cross-origin`, or true (`same-origin`) or false (`none`)"
            )
        );
    }

    #[test]
    fn follow_redirects_as_a_number_is_an_error() {
        let found = problem(&file("    followRedirects: 5\n"));
        assert_eq!(
            found.message,
            "`followRedirects` must be `none`, `same-origin`, `cross-origin`, true or false, found an integer"
        );
    }

    #[test]
    fn idempotency_key_is_a_boolean() {
        assert!(job("    idempotencyKey: true\n").request.idempotency_key);
        let found = problem(&file("    idempotencyKey: yes\n"));
        assert_eq!(
            found.message,
            "`idempotencyKey` must be true or false, found a string"
        );
    }

    #[test]
    fn relative_ca_file_is_read_from_the_job_files_directory() {
        let job = job("    caFile: certs/internal.pem\n");
        let (path, span) = job.request.ca_file.unwrap();
        assert_eq!(path, Path::new("/srv/jobs/certs/internal.pem"));
        assert_eq!(span, Span::new(5, 13, 18));
    }

    #[test]
    fn absolute_ca_file_is_kept() {
        let job = job("    caFile: /etc/ssl/internal.pem\n");
        assert_eq!(
            job.request.ca_file.unwrap().0,
            Path::new("/etc/ssl/internal.pem")
        );
    }

    #[test]
    fn ca_file_is_not_read_while_checking() {
        // The file does not exist here; it only has to exist where the job runs.
        job("    caFile: /nonexistent/ca.pem\n");
    }

    #[test]
    fn empty_ca_file_is_an_error() {
        let found = problem(&file("    caFile: \"\"\n"));
        assert_eq!(found.message, "`caFile` cannot be empty");
        assert_eq!(found.span, Some(Span::new(5, 13, 2)));
        assert_eq!(found.severity, Severity::Error);
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
    fn body_is_sent_as_written_with_its_placeholders() {
        let job = job("    method: POST\n    body: \"id=${ID}&x=1\"\n");
        let Some(Body::Text(text)) = &job.request.body else {
            panic!("{:?}", job.request.body);
        };
        assert_eq!(text.placeholders().count(), 1);
        assert_eq!(job.use_of("ID"), Span::new(6, 15, 5));
        assert!(job.required_variables().contains("ID"));
    }

    #[test]
    fn data_is_still_sent_as_json() {
        let job = job("    method: POST\n    data: {k: v}\n");
        assert!(matches!(job.request.body, Some(Body::Json(_))));
    }

    #[test]
    fn data_and_body_together_is_an_error() {
        let found = problem(&file(
            "    method: POST\n    data: {k: v}\n    body: \"k=v\"\n",
        ));
        assert_eq!(found.message, "a job cannot have both `data` and `body`");
        assert_eq!(found.span, Some(Span::new(7, 5, 4)));
        assert_eq!(
            found.related,
            Some((Span::new(6, 5, 4), "`data` given first".to_string()))
        );
        assert_eq!(
            found.help.as_deref(),
            Some("keep one: `data` is sent as JSON, `body` as written")
        );
    }

    #[test]
    fn body_before_data_points_at_data() {
        let found = problem(&file(
            "    method: POST\n    body: \"k=v\"\n    data: {k: v}\n",
        ));
        assert_eq!(found.message, "a job cannot have both `body` and `data`");
        assert_eq!(found.span, Some(Span::new(7, 5, 4)));
    }

    #[test]
    fn body_on_get_is_a_warning() {
        let found = problem(&file("    body: hello\n"));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.message, "`body` is not sent with GET");
        assert_eq!(found.span, Some(Span::new(5, 11, 5)));
        assert_eq!(
            found.help.as_deref(),
            Some("remove `body`, or use a method that sends a body such as POST")
        );
        let found = problem(&file("    method: head\n    body: hello\n"));
        assert_eq!(found.message, "`body` is not sent with HEAD");
    }

    #[test]
    fn body_must_be_a_string() {
        let found = problem(&file("    method: POST\n    body: 5\n"));
        assert_eq!(found.message, "`body` must be a string, found an integer");
    }

    #[test]
    fn bad_placeholder_in_body_points_inside_it() {
        let found = problem(&file("    method: POST\n    body: \"a ${}\"\n"));
        assert_eq!(
            found.message,
            "invalid placeholder in `body`: placeholder has no variable name"
        );
        assert_eq!(found.span.unwrap().line, 6);
    }

    #[test]
    fn deadline_and_retry_delays_are_durations_like_timeout() {
        let job = job("    deadline: \"5m\"\n    retryDelay: 500\n    maxRetryDelay: 1m 30s\n");
        assert_eq!(job.deadline, Some(Duration::from_secs(300)));
        assert_eq!(job.retry_delay, Duration::from_millis(500));
        assert_eq!(job.max_retry_delay, Duration::from_secs(90));
    }

    #[test]
    fn a_retry_delay_of_a_few_milliseconds_is_questioned() {
        let found = problem(&file("    retryDelay: 5\n"));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.message, "`retryDelay: 5` is 5 milliseconds");
    }

    #[test]
    fn zero_deadline_is_an_error() {
        let found = problem(&file("    deadline: 0\n"));
        assert_eq!(found.message, "`deadline` must be more than 0");
    }

    #[test]
    fn deadline_shorter_than_timeout_is_a_warning() {
        let found = problem(&file("    timeout: 30s\n    deadline: 10s\n"));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(
            found.message,
            "the deadline ends the run before the first attempt can time out"
        );
        assert_eq!(found.span, Some(Span::new(6, 15, 3)));
        assert_eq!(
            found.related,
            Some((Span::new(5, 14, 3), "the timeout is 30s".to_string()))
        );
        assert_eq!(
            found.help.as_deref(),
            Some("raise `deadline` to at least 30s, or lower `timeout`")
        );
    }

    #[test]
    fn deadline_shorter_than_the_default_timeout_is_a_warning() {
        let found = problem(&file("    deadline: 5s\n"));
        assert_eq!(found.related, None);
        assert_eq!(
            found.help.as_deref(),
            Some(
                "raise `deadline` to at least 10s, the default `timeout`, or set a lower `timeout`"
            )
        );
        job("    deadline: 10s\n");
    }

    #[test]
    fn deadline_is_compared_with_the_global_timeout() {
        let text = "global:\n  defaultTimeout: 1m\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n    deadline: 30s\n";
        let found = problem(text);
        assert_eq!(found.related.unwrap().0, Span::new(2, 19, 2));
    }

    #[test]
    fn retry_delay_longer_than_max_retry_delay_is_an_error() {
        let found = problem(&file("    retryDelay: 10s\n    maxRetryDelay: 5s\n"));
        assert_eq!(found.severity, Severity::Error);
        assert_eq!(
            found.message,
            "`retryDelay` (10s) is longer than `maxRetryDelay` (5s)"
        );
        assert_eq!(found.span, Some(Span::new(5, 17, 3)));
        assert_eq!(
            found.related,
            Some((Span::new(6, 20, 2), "`maxRetryDelay` given".to_string()))
        );
    }

    #[test]
    fn retry_delay_longer_than_the_default_max_names_the_default() {
        let found = problem(&file("    retryDelay: 1m\n"));
        assert_eq!(
            found.message,
            "`retryDelay` (1m) is longer than the default `maxRetryDelay` of 30s"
        );
        assert_eq!(
            found.help.as_deref(),
            Some("set `maxRetryDelay` to at least 1m, or lower `retryDelay`")
        );
        assert_eq!(
            job("    retryDelay: 30s\n").retry_delay,
            Duration::from_secs(30)
        );
    }

    #[test]
    fn a_max_retry_delay_under_the_default_delay_caps_the_first_wait() {
        let job = job("    maxRetryDelay: 500ms\n");
        assert_eq!(job.retry_delay, Duration::from_millis(500));
        assert_eq!(job.max_retry_delay, Duration::from_millis(500));
    }

    #[test]
    fn max_response_bytes_takes_bytes_or_a_size() {
        for (written, bytes) in [
            ("4096", 4096),
            ("\"512 KiB\"", 512 * 1024),
            ("2MiB", 2 * 1024 * 1024),
            ("1 MB", 1_000_000),
            ("10kB", 10_000),
            ("1 GiB", MAX_RESPONSE_BYTES),
        ] {
            let job = job(&format!("    maxResponseBytes: {written}\n"));
            assert_eq!(job.request.max_response_bytes, bytes, "{written}");
        }
    }

    #[test]
    fn zero_max_response_bytes_is_an_error() {
        for written in ["0", "\"0 KiB\"", "-5"] {
            let found = problem(&file(&format!("    maxResponseBytes: {written}\n")));
            assert_eq!(found.message, "`maxResponseBytes` must be more than 0");
            assert_eq!(found.span, Some(Span::new(5, 23, written.len() as u32)));
        }
    }

    #[test]
    fn max_response_bytes_with_an_unknown_unit_lists_the_units() {
        let found = problem(&file("    maxResponseBytes: 10 K\n"));
        assert_eq!(found.message, "`10 K` has an unknown unit `K`");
        assert_eq!(found.span, Some(Span::new(5, 23, 4)));
        assert_eq!(
            found.help.as_deref(),
            Some(
                "`K` could mean powers of 1000 or of 1024: use B, kB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), such as `512 KiB`"
            )
        );
    }

    #[test]
    fn max_response_bytes_over_a_gibibyte_is_an_error() {
        let found = problem(&file("    maxResponseBytes: 2 GiB\n"));
        assert_eq!(found.message, "`maxResponseBytes` is more than 1 GiB");
        assert_eq!(
            found.help.as_deref(),
            Some("jobrun keeps the response body in memory: use at most 1 GiB")
        );
        let found = problem(&file("    maxResponseBytes: 99999999999999999999 B\n"));
        assert_eq!(found.message, "`maxResponseBytes` is more than 1 GiB");
    }

    #[test]
    fn max_response_bytes_as_a_boolean_is_an_error() {
        let found = problem(&file("    maxResponseBytes: true\n"));
        assert_eq!(
            found.message,
            "`maxResponseBytes` must be bytes (such as 1048576) or a size (such as \"1 MiB\"), found a boolean"
        );
    }

    #[test]
    fn expect_status_takes_codes_classes_and_ranges() {
        let job = job("    expectStatus: [200, \"3xx\", \"204\", \"400-404\", \"5XX\"]\n");
        assert_eq!(
            job.expect.status,
            vec![(200, 200), (300, 399), (204, 204), (400, 404), (500, 599)]
        );
        assert!(job.expect.status_ok(403));
        assert!(!job.expect.status_ok(201));
    }

    #[test]
    fn expect_status_takes_a_single_value() {
        assert_eq!(
            job("    expectStatus: 204\n").expect.status,
            vec![(204, 204)]
        );
        assert_eq!(
            job("    expectStatus: \"2xx\"\n").expect.status,
            vec![(200, 299)]
        );
    }

    #[test]
    fn expect_status_out_of_range_points_at_the_item() {
        let found = problem(&file("    expectStatus: [200, 600]\n"));
        assert_eq!(found.message, "`600` is not an HTTP status");
        assert_eq!(found.span, Some(Span::new(5, 25, 3)));
        assert_eq!(
            found.help.as_deref(),
            Some("statuses run from 100 to 599 (RFC 9110 section 15)")
        );
    }

    #[test]
    fn expect_status_range_end_out_of_range_points_inside_the_range() {
        let found = problem(&file("    expectStatus: \"200-700\"\n"));
        assert_eq!(found.message, "`700` is not an HTTP status");
        assert_eq!(found.span, Some(Span::new(5, 24, 3)));
    }

    #[test]
    fn backwards_expect_status_range_is_an_error() {
        let found = problem(&file("    expectStatus: \"204-200\"\n"));
        assert_eq!(found.message, "the range `204-200` runs backwards");
        assert_eq!(found.span, Some(Span::new(5, 19, 9)));
        assert_eq!(
            found.help.as_deref(),
            Some("write the lower status first: `200-204`")
        );
    }

    #[test]
    fn unknown_expect_status_words_and_classes_are_errors() {
        let found = problem(&file("    expectStatus: ok\n"));
        assert_eq!(found.message, "`ok` is not a status");
        assert_eq!(
            found.help.as_deref(),
            Some(
                "write a status such as 200, a class such as \"2xx\" or a range such as \"200-204\""
            )
        );
        let found = problem(&file("    expectStatus: 6xx\n"));
        assert_eq!(found.message, "`6xx` is not a status class");
        let found = problem(&file("    expectStatus: [200, true]\n"));
        assert_eq!(
            found.message,
            "`expectStatus` takes statuses such as 200 or \"2xx\", found a boolean"
        );
        assert_eq!(found.span, Some(Span::new(5, 25, 4)));
    }

    #[test]
    fn every_bad_expect_status_item_is_reported() {
        assert_eq!(
            problems(&file("    expectStatus: [99, \"2xy\", \"300-250\"]\n")).len(),
            3
        );
    }

    #[test]
    fn empty_expect_status_list_is_an_error() {
        let found = problem(&file("    expectStatus: []\n"));
        assert_eq!(found.message, "`expectStatus` cannot be an empty list");
        assert_eq!(found.span, Some(Span::new(5, 19, 1)));
    }

    #[test]
    fn expect_body_contains_is_a_template() {
        let job = job("    expectBodyContains: \"ok ${RUN_ID}\"\n");
        assert_eq!(
            job.expect
                .body_contains
                .as_ref()
                .unwrap()
                .placeholders()
                .count(),
            1
        );
        assert!(job.required_variables().contains("RUN_ID"));
    }

    #[test]
    fn empty_expect_body_contains_is_an_error() {
        let found = problem(&file("    expectBodyContains: \"\"\n"));
        assert_eq!(found.message, "`expectBodyContains` cannot be empty");
        let found = problem(&file("    expectBodyContains: 5\n"));
        assert_eq!(
            found.message,
            "`expectBodyContains` must be a string, found an integer"
        );
    }

    #[test]
    fn expect_body_contains_on_head_is_a_warning() {
        let found = problem(&file("    method: HEAD\n    expectBodyContains: ok\n"));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(
            found.message,
            "`expectBodyContains` fails every HEAD request: the response has no body"
        );
        assert_eq!(found.span, Some(Span::new(6, 25, 2)));
    }

    #[test]
    fn store_keys_have_their_defaults() {
        let plain = job("");
        assert_eq!(plain.catch_up, None);
        assert_eq!(plain.concurrency, Concurrency::Forbid);
        assert_eq!(plain.history_limit, DEFAULT_HISTORY_LIMIT);
        let set = job("    catchUp: 6h\n    concurrency: allow\n    historyLimit: 5\n");
        assert_eq!(set.catch_up, Some(Duration::from_secs(6 * 3600)));
        assert_eq!(set.concurrency, Concurrency::Allow);
        assert_eq!(set.history_limit, 5);
    }

    #[test]
    fn unknown_concurrency_suggests_the_closest() {
        let found = problem(&file("    concurrency: forbd\n"));
        assert_eq!(found.message, "unknown `concurrency` value `forbd`");
        assert_eq!(found.help.as_deref(), Some("did you mean `forbid`?"));
        assert_eq!(found.span, Some(Span::new(5, 18, 5)));
    }

    #[test]
    fn zero_history_limit_is_an_error() {
        let found = problem(&file("    historyLimit: 0\n"));
        assert_eq!(found.message, "`historyLimit` must be at least 1");
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

    /// The checked jobs of `text`, which must have no problem at all.
    fn jobs(text: &str) -> Vec<Job> {
        let found = problems(text);
        assert!(found.is_empty(), "{found:#?}");
        let (config, _) = decode::decode(text);
        check(&config, &TimeZone::UTC, Path::new(BASE_DIR), Purpose::Use).jobs
    }

    /// A `global:` holding `lines`, and the jobs `a`, `b`, `c`, each with its
    /// `extra` lines.
    fn with_global(lines: &str, extra: [&str; 3]) -> String {
        let mut text = format!("global:\n{lines}jobs:\n");
        for (name, extra) in ["a", "b", "c"].iter().zip(extra) {
            text.push_str(&format!(
                "  - name: {name}\n    schedule: \"* * * * *\"\n    url: \"https://e.com/{name}\"\n{extra}"
            ));
        }
        text
    }

    const GLOBAL_NOTIFY: &str = "  notify:\n    onFailure:\n      url: \"${SLACK_WEBHOOK_URL}\"\n      data: {text: \"${JOB_NAME} failed: ${ERROR}\"}\n    onRecovery:\n      url: \"https://hooks.example.com/recovered\"\n    cooldown: 30m\n  healthcheck: \"https://hc-ping.com/${HC_PING_KEY}/${JOB_NAME}\"\n";

    fn url(template: &Template) -> String {
        template.render(&|_| Some("v".into())).unwrap().text
    }

    #[test]
    fn a_notification_is_a_post_with_a_five_second_timeout_by_default() {
        let text = format!(
            "global:\n  defaultHeaders: {{Authorization: \"Bearer ${{T}}\"}}\n{}",
            file("    notify:\n      onFailure: {url: \"https://hooks.example.com/x\"}\n")
        );
        let jobs = jobs(&text);
        let notice = jobs[0].notify.on_failure.as_ref().unwrap();
        assert_eq!(notice.request.method, Method::Post);
        assert_eq!(notice.timeout, DEFAULT_NOTICE_TIMEOUT);
        assert_eq!(notice.span, Span::new(8, 18, 1));
        assert_eq!(url(&notice.request.url), "https://hooks.example.com/x");
        // The jobs' credentials are not the webhook's.
        assert!(notice.request.headers.is_empty());
        assert!(notice.request.body.is_none());
        assert!(notice.request.ca_file.is_none());
        assert_eq!(notice.request.max_response_bytes, NOTICE_MAX_RESPONSE_BYTES);
        assert_eq!(notice.request.redirects, Redirects::SameOrigin);
        assert!(!notice.request.idempotency_key);
        assert!(jobs[0].notify.on_recovery.is_none());
        assert_eq!(jobs[0].notify.cooldown, None);
        assert!(jobs[0].healthcheck.is_none());
    }

    #[test]
    fn a_notification_takes_its_method_headers_body_and_timeout() {
        let job = job(
            "    notify:\n      onRecovery:\n        url: \"https://e.com/n\"\n        method: put\n        headers: {X-Extra: \"1\"}\n        body: \"${JOB_NAME} ok\"\n        timeout: 2s\n",
        );
        let notice = job.notify.on_recovery.unwrap();
        assert_eq!(notice.request.method, Method::Put);
        assert_eq!(
            notice.request.header("x-extra").map(url).as_deref(),
            Some("1")
        );
        assert!(matches!(notice.request.body, Some(Body::Text(_))));
        assert_eq!(notice.timeout, Duration::from_secs(2));
        let job =
            self::job("    notify:\n      onFailure: {url: \"https://e.com/n\", data: {k: v}}\n");
        assert!(matches!(
            job.notify.on_failure.unwrap().request.body,
            Some(Body::Json(_))
        ));
    }

    #[test]
    fn jobs_inherit_global_notify_and_replace_it_key_by_key() {
        let text = with_global(
            GLOBAL_NOTIFY,
            [
                "",
                "    notify:\n      onFailure: {url: \"https://e.com/own\"}\n      cooldown: 5m\n",
                "    notify:\n      onRecovery: {url: \"https://e.com/back\"}\n    healthcheck: \"http://127.0.0.1:9/ping/c\"\n",
            ],
        );
        let jobs = jobs(&text);
        let [a, b, c] = &jobs[..] else {
            panic!("{jobs:?}")
        };
        let failure = |job: &Job| url(&job.notify.on_failure.as_ref().unwrap().request.url);
        let recovery = |job: &Job| url(&job.notify.on_recovery.as_ref().unwrap().request.url);
        assert_eq!(failure(a), "v");
        assert_eq!(recovery(a), "https://hooks.example.com/recovered");
        assert_eq!(a.notify.cooldown, Some(Duration::from_secs(1800)));
        assert_eq!(
            url(a.healthcheck.as_ref().unwrap()),
            "https://hc-ping.com/v/v"
        );

        assert_eq!(failure(b), "https://e.com/own");
        assert_eq!(recovery(b), "https://hooks.example.com/recovered");
        assert_eq!(b.notify.cooldown, Some(Duration::from_secs(300)));
        assert!(b.healthcheck.is_some());

        assert_eq!(failure(c), "v");
        assert_eq!(recovery(c), "https://e.com/back");
        assert_eq!(c.notify.cooldown, Some(Duration::from_secs(1800)));
        assert_eq!(
            url(c.healthcheck.as_ref().unwrap()),
            "http://127.0.0.1:9/ping/c"
        );
    }

    #[test]
    fn notify_false_and_healthcheck_false_drop_the_global_ones() {
        let text = with_global(
            GLOBAL_NOTIFY,
            [
                "    notify: false\n    healthcheck: false\n",
                "    notify: false\n",
                "",
            ],
        );
        let jobs = jobs(&text);
        for job in &jobs[..2] {
            assert!(job.notify.on_failure.is_none(), "{}", job.name);
            assert!(job.notify.on_recovery.is_none());
            assert_eq!(job.notify.cooldown, None);
        }
        assert!(jobs[0].healthcheck.is_none());
        assert!(jobs[1].healthcheck.is_some());
        assert!(jobs[2].notify.on_failure.is_some());
        // What a job does not send, it does not need.
        assert!(jobs[0].notice_templates().is_empty());
        assert!(
            !jobs[0]
                .uses
                .iter()
                .any(|(name, _)| name == "SLACK_WEBHOOK_URL")
        );
    }

    #[test]
    fn notice_placeholders_are_pointed_at_after_the_requests() {
        let text = with_global(
            GLOBAL_NOTIFY,
            ["    headers: {X-Key: \"${HC_PING_KEY}\"}\n", "", ""],
        );
        let jobs = jobs(&text);
        assert_eq!(jobs[0].use_of("SLACK_WEBHOOK_URL"), Span::new(4, 13, 20));
        assert_eq!(
            jobs[2].notice_use_of("SLACK_WEBHOOK_URL"),
            Span::new(4, 13, 20)
        );
        // Used by the request and the healthcheck: each is found where it is.
        assert_eq!(jobs[0].use_of("HC_PING_KEY").line, 14);
        assert_eq!(jobs[0].notice_use_of("HC_PING_KEY"), Span::new(9, 37, 14));
        // Notification variables stay out of what the request needs.
        assert!(!jobs[1].required_variables().contains("SLACK_WEBHOOK_URL"));
    }

    #[test]
    fn a_notification_without_url_is_an_error() {
        let found = problem(&file(
            "    notify:\n      onFailure:\n        method: POST\n",
        ));
        assert_eq!(found.message, "`onFailure` has no `url`");
        assert_eq!(found.span, Some(Span::new(7, 9, 1)));
        assert_eq!(
            found.help.as_deref(),
            Some("add the address to send it to, such as `url: \"${SLACK_WEBHOOK_URL}\"`")
        );
    }

    #[test]
    fn notification_and_healthcheck_urls_are_checked_like_a_jobs() {
        let found = problem(&file(
            "    notify:\n      onRecovery: {url: \"ftp://e.com\"}\n",
        ));
        assert_eq!(
            found.message,
            "`url` must start with `http://` or `https://`: `ftp://e.com`"
        );
        assert_eq!(found.span, Some(Span::new(6, 25, 13)));
        let found = problem(&file("    healthcheck: \"https://hc-ping.com/a b\"\n"));
        assert_eq!(found.message, "`healthcheck` contains a space");
        assert_eq!(found.span, Some(Span::new(5, 40, 1)));
        let found = problem(&file("    healthcheck: hc-ping.com/x\n"));
        assert_eq!(
            found.message,
            "`healthcheck` must start with `http://` or `https://`: `hc-ping.com/x`"
        );
        let found = problem(&format!(
            "global:\n  healthcheck: \"https://hc-ping.com/${{KEY\"\n{}",
            file("")
        ));
        assert_eq!(found.span.unwrap().line, 2);
        assert!(
            found
                .message
                .starts_with("invalid placeholder in `healthcheck`"),
            "{}",
            found.message
        );
        let found = problem(&file(
            "    notify:\n      onFailure: {url: \"https://e.com\", method: FETCH}\n",
        ));
        assert_eq!(found.message, "unknown method `FETCH`");
    }

    #[test]
    fn an_error_in_global_notify_is_reported_once_and_no_job_is_built() {
        let text = with_global(
            "  notify:\n    onFailure: {url: \"ftp://e.com\"}\n  healthcheck: \"https://e.com/${}\"\n",
            ["", "", "    healthcheck: false\n"],
        );
        let found = problems(&text);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].span.unwrap().line, 3);
        assert_eq!(found[1].span.unwrap().line, 4);
        let (config, _) = decode::decode(&text);
        let checked = check(&config, &TimeZone::UTC, Path::new(BASE_DIR), Purpose::Use);
        assert!(checked.jobs.is_empty(), "{:?}", checked.jobs);
        // A job that takes neither is built.
        let text = with_global(
            "  notify:\n    onFailure: {url: \"ftp://e.com\"}\n",
            ["", "    notify: false\n", ""],
        );
        let (config, _) = decode::decode(&text);
        let checked = check(&config, &TimeZone::UTC, Path::new(BASE_DIR), Purpose::Use);
        assert_eq!(names(&checked.jobs), ["b"]);
    }

    #[test]
    fn a_bad_notification_of_a_job_leaves_it_unbuilt() {
        let text = file("    notify:\n      onFailure: {url: \"https://e.com/${}\"}\n");
        let (config, _) = decode::decode(&text);
        let checked = check(&config, &TimeZone::UTC, Path::new(BASE_DIR), Purpose::Use);
        assert!(checked.has_errors());
        assert!(checked.jobs.is_empty());
    }

    #[test]
    fn a_cooldown_without_on_failure_is_a_warning() {
        let found = problem(&file(
            "    notify:\n      onRecovery: {url: \"https://e.com\"}\n      cooldown: 5m\n",
        ));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.message, "`cooldown` has no `onFailure` to hold back");
        assert_eq!(found.span, Some(Span::new(7, 17, 2)));
        // Global's `onFailure` is the job's too.
        jobs(&with_global(
            "  notify:\n    onFailure: {url: \"https://e.com\"}\n",
            ["    notify:\n      cooldown: 5m\n", "", ""],
        ));
    }

    #[test]
    fn a_global_cooldown_is_questioned_once_when_no_job_has_on_failure() {
        let found = problem(&with_global("  notify:\n    cooldown: 5m\n", ["", "", ""]));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.message, "`cooldown` has no `onFailure` to hold back");
        assert_eq!(found.span, Some(Span::new(3, 15, 2)));
        let jobs = jobs(&with_global(
            "  notify:\n    cooldown: 5m\n",
            [
                "",
                "    notify:\n      onFailure: {url: \"https://e.com\"}\n",
                "",
            ],
        ));
        assert_eq!(jobs[1].notify.cooldown, Some(Duration::from_secs(300)));
    }

    #[test]
    fn a_notification_body_on_get_is_a_warning() {
        let found = problem(&file(
            "    notify:\n      onFailure:\n        url: \"https://e.com\"\n        method: GET\n        data: {k: v}\n",
        ));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.message, "`data` is not sent with GET");
        assert_eq!(found.span, Some(Span::new(9, 15, 1)));
    }
}
