//! The job file as written: its keys, exactly as the Node scheduler named
//! them, with every value's location kept, and the keys each mapping knows.
//!
//! These types hold shape and type only (which keys exist, what kind of
//! value each holds): `decode` fills them from the YAML tree, `validate`
//! checks what they mean.

use std::time::Duration;

use crate::diagnostic::Span;
use crate::jobfile::yaml::Node;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Spanned<T> {
    pub(super) value: T,
    pub(super) span: Span,
}

/// A string value, with what is needed to point inside it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Text {
    pub(super) value: String,
    pub(super) span: Span,
    pub(super) quoted: bool,
}

impl Text {
    /// The span of `len` characters at `offset` in the value. Exact for
    /// plain and quoted single-line values without escapes, which is what
    /// schedules and URLs are.
    pub(super) fn span_at(&self, offset: usize, len: usize) -> Span {
        self.span.sub(offset + usize::from(self.quoted), len)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ConfigFile {
    pub(super) global: Global,
    pub(super) jobs: Vec<JobEntry>,
    /// Where `jobs:` is, for file-wide remarks.
    pub(super) jobs_span: Span,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Global {
    pub(super) default_timeout: Option<Spanned<Duration>>,
    pub(super) default_retries: Option<Spanned<u32>>,
    pub(super) default_headers: Vec<HeaderEntry>,
    pub(super) timezone: Option<Text>,
    pub(super) state_dir: Option<Text>,
    /// Where the state lives when it is not in the state directory: a
    /// PostgreSQL URL, placeholders allowed.
    pub(super) state_url: Option<Text>,
    /// Every job's notifications, unless a job says otherwise.
    pub(super) notify: Option<NotifyEntry>,
    /// Every job's healthcheck URL, unless a job says otherwise.
    pub(super) healthcheck: Option<Text>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct HeaderEntry {
    pub(super) name: Text,
    pub(super) value: Text,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct JobEntry {
    /// Where the job's mapping starts.
    pub(super) span: Span,
    pub(super) name: Option<Text>,
    pub(super) schedule: Option<Text>,
    pub(super) url: Option<Text>,
    pub(super) method: Option<Text>,
    pub(super) headers: Vec<HeaderEntry>,
    pub(super) data: Option<Node>,
    pub(super) body: Option<Text>,
    pub(super) timeout: Option<Spanned<Duration>>,
    pub(super) deadline: Option<Spanned<Duration>>,
    pub(super) retries: Option<Spanned<u32>>,
    pub(super) retry_delay: Option<Spanned<Duration>>,
    pub(super) max_retry_delay: Option<Spanned<Duration>>,
    pub(super) enabled: Option<bool>,
    pub(super) description: Option<String>,
    pub(super) timezone: Option<Text>,
    pub(super) depends_on: Option<DependsOnEntry>,
    pub(super) expect_status: Option<Vec<StatusItem>>,
    pub(super) expect_body_contains: Option<Text>,
    pub(super) max_response_bytes: Option<Spanned<u64>>,
    pub(super) follow_redirects: Option<RedirectsEntry>,
    pub(super) idempotency_key: Option<bool>,
    pub(super) ca_file: Option<Text>,
    pub(super) catch_up: Option<Spanned<Duration>>,
    pub(super) concurrency: Option<Text>,
    pub(super) history_limit: Option<Spanned<u32>>,
    pub(super) notify: Option<Switch<NotifyEntry>>,
    pub(super) healthcheck: Option<Switch<Text>>,
}

/// A job's setting that can also be turned off where `global` gives one:
/// `notify: false`, `healthcheck: false`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Switch<T> {
    /// `false`: none, not even `global`'s.
    Off,
    On(T),
}

/// `notify` as written, in `global` or in a job.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct NotifyEntry {
    pub(super) span: Span,
    pub(super) on_failure: Option<NoticeEntry>,
    pub(super) on_recovery: Option<NoticeEntry>,
    pub(super) cooldown: Option<Spanned<Duration>>,
}

/// One notification as written (`onFailure`, `onRecovery`): the request
/// keys of a job, and a timeout.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct NoticeEntry {
    /// Where the notification's mapping starts.
    pub(super) span: Span,
    /// `onFailure` or `onRecovery`, for messages.
    pub(super) key: &'static str,
    pub(super) url: Option<Text>,
    pub(super) method: Option<Text>,
    pub(super) headers: Vec<HeaderEntry>,
    pub(super) data: Option<Node>,
    pub(super) body: Option<Text>,
    pub(super) timeout: Option<Spanned<Duration>>,
}

/// One status of `expectStatus` as written: `200`, or `"2xx"`, `"200"`,
/// `"200-204"`, read in `validate`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum StatusItem {
    Code(Spanned<i64>),
    Text(Text),
}

/// `followRedirects` as written: a policy's name, or a boolean.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum RedirectsEntry {
    Name(Text),
    Bool(Spanned<bool>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct DependsOnEntry {
    pub(super) span: Span,
    pub(super) job: Option<Text>,
    pub(super) window_minutes: Option<Spanned<u32>>,
    pub(super) condition: Option<Text>,
}

pub(super) const TOP_KEYS: &[&str] = &["global", "jobs"];
pub(super) const GLOBAL_KEYS: &[&str] = &[
    "defaultTimeout",
    "defaultRetries",
    "defaultHeaders",
    "timezone",
    "stateDir",
    "stateUrl",
    "notify",
    "healthcheck",
];
pub(super) const JOB_KEYS: &[&str] = &[
    "name",
    "schedule",
    "url",
    "method",
    "headers",
    "data",
    "body",
    "timeout",
    "deadline",
    "retries",
    "retryDelay",
    "maxRetryDelay",
    "enabled",
    "description",
    "timezone",
    "dependsOn",
    "expectStatus",
    "expectBodyContains",
    "maxResponseBytes",
    "followRedirects",
    "idempotencyKey",
    "caFile",
    "catchUp",
    "concurrency",
    "historyLimit",
    "notify",
    "healthcheck",
];
pub(super) const DEPENDS_ON_KEYS: &[&str] = &["job", "windowMinutes", "condition"];
pub(super) const NOTIFY_KEYS: &[&str] = &["onFailure", "onRecovery", "cooldown"];
pub(super) const NOTICE_KEYS: &[&str] = &["url", "method", "headers", "data", "body", "timeout"];
