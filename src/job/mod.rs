//! The checked job model: what `validate` builds from the file, and every
//! command works from. A `Job` holds only values that have been checked;
//! its strings are templates whose `${VAR}` placeholders are still
//! unresolved (`template`), with the built-ins jobrun fills in itself
//! (`builtin`), and the units the file writes durations and sizes in
//! (`duration`, `size`).
//!
//! The model is data: it reads no file, no variable and no clock.

pub(crate) mod builtin;
pub(crate) mod duration;
pub(crate) mod notice;
pub(crate) mod request;
pub(crate) mod size;
pub(crate) mod template;

pub(crate) use notice::{Notice, Notify};
pub(crate) use request::{Body, Data, Expect, Method, Redirects, Request};

use std::collections::BTreeSet;
use std::time::Duration;

use jiff::tz::TimeZone;

use crate::diagnostic::Span;
use crate::job::template::Template;
use crate::schedule::Schedule;
use crate::schedule::splay::Splay;
use crate::schedule::timing::Timing;

/// The seed's default per-attempt timeout.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The seed's default number of retries.
pub(crate) const DEFAULT_RETRIES: u32 = 3;
/// `dependsOn.windowMinutes` when not given.
pub(crate) const DEFAULT_WINDOW_MINUTES: u32 = 180;
/// The first retry's delay before jitter (the seed's 1 s), doubled each time.
pub(crate) const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(1);
/// The longest wait between attempts (the seed's 30 s cap).
pub(crate) const DEFAULT_MAX_RETRY_DELAY: Duration = Duration::from_secs(30);
/// How much of a response body is read before the attempt fails.
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: u64 = 1024 * 1024;
/// Runs kept in the history per job when `historyLimit` is not given.
pub(crate) const DEFAULT_HISTORY_LIMIT: u32 = 100;
/// How long a notification or a healthcheck ping may take, its one retry
/// included, when `timeout` is not given: the run's exit waits for it.
pub(crate) const DEFAULT_NOTICE_TIMEOUT: Duration = Duration::from_secs(5);
/// How much of a notification's or ping's response is read: only its
/// status matters.
pub(crate) const NOTICE_MAX_RESPONSE_BYTES: u64 = 64 * 1024;
/// How long before a token in a variable expires `validate --env` and
/// `status` say so (`global.tokenWarning`).
pub(crate) const DEFAULT_TOKEN_WARNING: Duration = Duration::from_secs(14 * 86_400);
/// Redirects followed within one attempt, as curl's `--max-redirs` would
/// be set by a careful user.
pub(crate) const MAX_REDIRECTS: u32 = 5;

// The upper bound of each duration and count a job file sets. None is
// near what a job needs; each keeps the arithmetic of a run (an instant
// plus a timeout, a window back from now) far from overflowing, and a
// run, a wait or catch-up's search from going on for ever.

/// `timeout`, `defaultTimeout`: one attempt, a day at most.
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// `deadline`: a whole run, retries included, a week at most.
pub(crate) const MAX_DEADLINE: Duration = Duration::from_secs(7 * 24 * 3600);
/// `retryDelay`, `maxRetryDelay`: one wait between attempts.
pub(crate) const MAX_RETRY_DELAY: Duration = Duration::from_secs(24 * 3600);
/// A notification's `timeout`: the run's exit waits for it.
pub(crate) const MAX_NOTICE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// `catchUp` and `cooldown`: a little over a year, the longest gap between
/// two runs of a yearly schedule (366 days) with room for a late one.
pub(crate) const MAX_WINDOW: Duration = Duration::from_secs(400 * 24 * 3600);
/// `dependsOn.windowMinutes`, as long as `MAX_WINDOW`.
pub(crate) const MAX_WINDOW_MINUTES: u32 = 400 * 24 * 60;
/// `retries`, `defaultRetries`.
pub(crate) const MAX_RETRIES: u32 = 100;
/// `historyLimit`: rows kept per job.
pub(crate) const MAX_HISTORY_LIMIT: u32 = 100_000;
/// `maxResponseBytes`: a body to print (`--print-body`) is held in memory
/// whole.
pub(crate) const MAX_RESPONSE_BYTES: u64 = 1024 * 1024 * 1024;

#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) name: String,
    /// Where the job's mapping starts in the file.
    pub(crate) span: Span,
    pub(crate) schedule: Schedule,
    /// Where the schedule is written, for what is said about its times.
    pub(crate) schedule_span: Span,
    pub(crate) zone: Zone,
    /// `splay` (the job's, else `global.splay`) and the offset it gives.
    pub(crate) splay: Option<Splay>,
    pub(crate) request: Request,
    /// Bounds each attempt end to end: connect, TLS, send, headers, body.
    pub(crate) timeout: Duration,
    /// Bounds the whole run: every attempt and every wait between them.
    pub(crate) deadline: Option<Duration>,
    /// Retries after the first attempt.
    pub(crate) retries: u32,
    pub(crate) retry_delay: Duration,
    pub(crate) max_retry_delay: Duration,
    pub(crate) expect: Expect,
    pub(crate) enabled: bool,
    pub(crate) description: Option<String>,
    pub(crate) depends_on: Option<Dependency>,
    /// `catchUp`: how far back `jobrun catch-up` looks for a missed
    /// scheduled run; `None` when the job is not caught up.
    pub(crate) catch_up: Option<Duration>,
    pub(crate) concurrency: Concurrency,
    /// Runs of this job kept in the history (`historyLimit`), at least 1.
    pub(crate) history_limit: u32,
    /// Who is told when a run fails or recovers: `global.notify` merged
    /// with the job's own, key by key.
    pub(crate) notify: Notify,
    /// The healthcheck URL pinged at the start and end of each run (the
    /// job's, or `global.healthcheck`), with its placeholders.
    pub(crate) healthcheck: Option<Template>,
    /// Where each placeholder of the request is written, in file order, so an
    /// unset variable can be pointed at; then those of the notifications and
    /// the healthcheck.
    pub(crate) uses: Vec<(String, Span)>,
}

/// The zone a job's schedule is read in.
#[derive(Debug, Clone)]
pub(crate) struct Zone {
    pub(crate) tz: TimeZone,
    /// The IANA name written in the file (the job's or `global`'s); `None`
    /// when the job follows the host's zone, as cron does.
    pub(crate) configured: Option<String>,
}

impl Zone {
    /// The zone's name for people: its IANA name, or the host's.
    pub(crate) fn label(&self) -> String {
        match &self.configured {
            Some(name) => name.clone(),
            None => self.tz.iana_name().unwrap_or("local").to_string(),
        }
    }
}

/// Whether two runs of one job may overlap (`concurrency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Concurrency {
    /// A run that finds another still going records `busy` and exits 75.
    #[default]
    Forbid,
    Allow,
}

impl Concurrency {
    pub(crate) const NAMES: &'static [&'static str] = &["forbid", "allow"];

    pub(crate) fn parse(text: &str) -> Option<Concurrency> {
        Some(match text {
            "forbid" => Concurrency::Forbid,
            "allow" => Concurrency::Allow,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dependency {
    pub(crate) job: String,
    pub(crate) window: Duration,
    pub(crate) condition: Condition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Condition {
    NotRan,
    Failed,
    NotRanOrFailed,
}

impl Condition {
    pub(crate) const NAMES: &'static [&'static str] = &["not_ran", "failed", "not_ran_or_failed"];

    pub(crate) fn parse(text: &str) -> Option<Condition> {
        Some(match text {
            "not_ran" => Condition::NotRan,
            "failed" => Condition::Failed,
            "not_ran_or_failed" => Condition::NotRanOrFailed,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Condition::NotRan => "not_ran",
            Condition::Failed => "failed",
            Condition::NotRanOrFailed => "not_ran_or_failed",
        }
    }
}

impl Job {
    /// When the job fires: its schedule in its zone, shifted by its splay.
    pub(crate) fn timing(&self) -> Timing<'_> {
        let offset = self.splay.map_or(Duration::ZERO, |s| s.offset);
        Timing::new(&self.schedule, &self.zone.tz, offset)
    }

    /// Every template the request uses: URL, headers, body.
    pub(crate) fn templates(&self) -> Vec<&Template> {
        let mut out = vec![&self.request.url];
        out.extend(self.request.headers.iter().map(|(_, t)| t));
        match &self.request.body {
            Some(Body::Json(data)) => data.templates(&mut out),
            Some(Body::Text(text)) => out.push(text),
            None => {}
        }
        out.extend(self.expect.body_contains.as_ref());
        out
    }

    /// Every template of the job's notifications and healthcheck.
    pub(crate) fn notice_templates(&self) -> Vec<&Template> {
        let mut out = Vec::new();
        for notice in [&self.notify.on_failure, &self.notify.on_recovery]
            .into_iter()
            .flatten()
        {
            out.push(&notice.request.url);
            out.extend(notice.request.headers.iter().map(|(_, t)| t));
            match &notice.request.body {
                Some(Body::Json(data)) => data.templates(&mut out),
                Some(Body::Text(text)) => out.push(text),
                None => {}
            }
        }
        out.extend(self.healthcheck.as_ref());
        out
    }

    /// The variables this job needs from the environment or `.env`: every
    /// placeholder that is not a built-in and has no default.
    pub(crate) fn required_variables(&self) -> BTreeSet<&str> {
        self.templates()
            .into_iter()
            .flat_map(|t| t.placeholders())
            .filter(|p| p.default.is_none() && !builtin::NAMES.contains(&p.name.as_str()))
            .map(|p| p.name.as_str())
            .collect()
    }

    /// What the job needs from the environment or `.env` to run and to
    /// tell of its runs: [`Job::required_variables`], and every variable its
    /// notifications and healthcheck use without a default. What an
    /// export or a listing should say must be set.
    pub(crate) fn needed_variables(&self) -> BTreeSet<&str> {
        let mut needed = self.required_variables();
        needed.extend(
            self.notice_templates()
                .into_iter()
                .flat_map(|t| t.placeholders())
                .filter(|p| {
                    p.default.is_none()
                        && !builtin::NAMES.contains(&p.name.as_str())
                        && !notice::PLACEHOLDERS.contains(&p.name.as_str())
                })
                .map(|p| p.name.as_str()),
        );
        needed
    }

    /// Where the job first uses `variable`.
    pub(crate) fn use_of(&self, variable: &str) -> Span {
        self.uses
            .iter()
            .find(|(name, _)| name == variable)
            .map_or(self.span, |(_, span)| *span)
    }

    /// Where each variable is used: its first use, or with `last` its last,
    /// (the notifications' and healthcheck's placeholders come after the
    /// request's, so a variable the request uses too is still pointed at in
    /// them). For many variables at once: a lookup each, not a pass over
    /// every use.
    pub(crate) fn uses_by_name(&self, last: bool) -> std::collections::HashMap<&str, Span> {
        let mut found = std::collections::HashMap::with_capacity(self.uses.len());
        for (name, span) in &self.uses {
            if last {
                found.insert(name.as_str(), *span);
            } else {
                found.entry(name.as_str()).or_insert(*span);
            }
        }
        found
    }
}
