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
    /// Which scheduler the file was written for.
    pub(super) origin: Origin,
    pub(super) global: Global,
    pub(super) jobs: Vec<JobEntry>,
    /// Where `jobs:` is, for file-wide remarks.
    pub(super) jobs_span: Span,
}

impl ConfigFile {
    /// The job named by the first job's `dependsOn`, if it names one.
    pub(super) fn depends_on_target(&self) -> Option<&str> {
        let depends = self.jobs.first()?.depends_on.as_ref()?;
        depends.job.as_ref().map(|text| text.value.as_str())
    }
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
    pub(super) metrics_file: Option<Text>,
    /// Every job's notifications, unless a job says otherwise.
    pub(super) notify: Option<NotifyEntry>,
    /// Every job's healthcheck URL, unless a job says otherwise.
    pub(super) healthcheck: Option<Text>,
    /// Every job's splay, unless a job says otherwise.
    pub(super) splay: Option<Spanned<Duration>>,
    /// What the splay offsets are hashed with besides each job's name.
    pub(super) splay_seed: Option<Text>,
    /// How long before a token expires `validate --env` and `status` say so.
    pub(super) token_warning: Option<Spanned<Duration>>,
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
    /// Boxed, as `notify`: most jobs have none, and a 10,000-job file
    /// holds every entry at once.
    pub(super) depends_on: Option<Box<DependsOnEntry>>,
    pub(super) expect_status: Option<Vec<StatusItem>>,
    pub(super) expect_body_contains: Option<Text>,
    pub(super) max_response_bytes: Option<Spanned<u64>>,
    pub(super) follow_redirects: Option<RedirectsEntry>,
    pub(super) idempotency_key: Option<bool>,
    pub(super) ca_file: Option<Text>,
    pub(super) catch_up: Option<Spanned<Duration>>,
    pub(super) concurrency: Option<Text>,
    pub(super) history_limit: Option<Spanned<u32>>,
    pub(super) notify: Option<Box<Switch<NotifyEntry>>>,
    pub(super) healthcheck: Option<Switch<Text>>,
    pub(super) splay: Option<Switch<Spanned<Duration>>>,
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

/// A key a mapping of the job file knows, with the value it takes: what
/// the decoder looks keys up in, and what `jobrun schema` describes, so
/// that the two name the same keys. (The words describing each key are
/// docs/job-file.md's, read by `json_schema`.)
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key {
    pub(crate) name: &'static str,
    pub(crate) takes: Takes,
    /// `key: null` (or `key:` alone) is the same as leaving the key out.
    pub(crate) null_ok: bool,
    pub(crate) required: bool,
    /// The default, when it is one value the file could write.
    pub(crate) default: Option<Literal>,
}

/// A default value, from the model's own constants.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Literal {
    Text(&'static str),
    Number(u32),
    Bool(bool),
    /// Written as the file would (`"10s"`).
    Duration(std::time::Duration),
    /// Written as the file would (`"1 MiB"`).
    Size(u64),
}

/// The kind of value a key takes, as `decode` reads it and `validate`
/// checks its shape.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Takes {
    /// Any string.
    Text,
    /// A string that is not empty.
    NonEmpty,
    /// Any single value (a string, number or boolean), read as text.
    Scalar,
    /// A job's name: letters, digits, `-` and `_`.
    Name,
    /// A cron expression or a macro.
    Schedule,
    /// An http(s) address, or one starting with a placeholder.
    Url,
    /// A PostgreSQL URL (`postgres://`, `postgresql://`), or one starting
    /// with a placeholder.
    StateUrl,
    /// An HTTP method, in any case.
    Method,
    /// An IANA zone name.
    Zone,
    /// Header names and one-line values.
    Headers,
    /// Any YAML value, sent as JSON.
    Data,
    /// Milliseconds, or a string with units.
    Duration,
    /// A duration of whole seconds, up to an hour: a splay.
    Splay,
    /// A whole number from `min`.
    Count {
        min: u32,
    },
    /// Bytes, or a string with a unit, up to `max` bytes.
    Size {
        max: u64,
    },
    Bool,
    /// `expectStatus`: a status, class or range, or a list of them.
    Statuses,
    /// `followRedirects`: a policy's name or a boolean.
    Redirects,
    /// One of these words, exactly.
    OneOf(&'static [&'static str]),
    /// A mapping of these keys.
    Mapping(&'static [Key]),
    /// A list of mappings of these keys.
    ListOf(&'static [Key]),
    /// `false` for none (where `global` gives one), or the value.
    OrFalse(&'static Takes),
}

impl Key {
    const fn new(name: &'static str, takes: Takes) -> Key {
        Key {
            name,
            takes,
            null_ok: false,
            required: false,
            default: None,
        }
    }

    const fn required(self) -> Key {
        Key {
            required: true,
            ..self
        }
    }

    const fn nullable(self) -> Key {
        Key {
            null_ok: true,
            ..self
        }
    }

    const fn default(self, default: Literal) -> Key {
        Key {
            default: Some(default),
            ..self
        }
    }
}

/// The names of `keys`, for messages.
pub(super) fn names(keys: &[Key]) -> Vec<&'static str> {
    keys.iter().map(|k| k.name).collect()
}

use crate::job::{
    DEFAULT_HISTORY_LIMIT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRY_DELAY,
    DEFAULT_NOTICE_TIMEOUT, DEFAULT_RETRIES, DEFAULT_RETRY_DELAY, DEFAULT_TIMEOUT,
    DEFAULT_TOKEN_WARNING, DEFAULT_WINDOW_MINUTES,
};
use Literal::{Bool, Duration as Wait, Number, Text as Word};

/// The most `maxResponseBytes` may be: a response body is kept in memory.
pub(crate) const MAX_RESPONSE_BYTES: u64 = 1024 * 1024 * 1024;

pub(crate) const TOP_KEYS: &[Key] = &[
    Key::new("global", Takes::Mapping(GLOBAL_KEYS)).nullable(),
    Key::new("jobs", Takes::ListOf(JOB_KEYS))
        .nullable()
        .required(),
];
pub(crate) const GLOBAL_KEYS: &[Key] = &[
    Key::new("defaultTimeout", Takes::Duration).default(Wait(DEFAULT_TIMEOUT)),
    Key::new("defaultRetries", Takes::Count { min: 0 }).default(Number(DEFAULT_RETRIES)),
    Key::new("defaultHeaders", Takes::Headers).nullable(),
    Key::new("timezone", Takes::Zone),
    Key::new("stateDir", Takes::NonEmpty),
    Key::new("stateUrl", Takes::StateUrl),
    Key::new("metricsFile", Takes::NonEmpty),
    Key::new("notify", Takes::Mapping(NOTIFY_KEYS)).nullable(),
    Key::new("healthcheck", Takes::Url).nullable(),
    Key::new("splay", Takes::Splay),
    Key::new("splaySeed", Takes::NonEmpty),
    Key::new("tokenWarning", Takes::Duration).default(Wait(DEFAULT_TOKEN_WARNING)),
];
pub(crate) const JOB_KEYS: &[Key] = &[
    Key::new("name", Takes::Name).required(),
    Key::new("schedule", Takes::Schedule).required(),
    Key::new("url", Takes::Url).required(),
    Key::new("method", Takes::Method).default(Word("GET")),
    Key::new("headers", Takes::Headers).nullable(),
    Key::new("data", Takes::Data),
    Key::new("body", Takes::Text),
    Key::new("timeout", Takes::Duration),
    Key::new("deadline", Takes::Duration),
    Key::new("retries", Takes::Count { min: 0 }),
    Key::new("retryDelay", Takes::Duration).default(Wait(DEFAULT_RETRY_DELAY)),
    Key::new("maxRetryDelay", Takes::Duration).default(Wait(DEFAULT_MAX_RETRY_DELAY)),
    Key::new("enabled", Takes::Bool).default(Bool(true)),
    Key::new("description", Takes::Scalar).nullable(),
    Key::new("timezone", Takes::Zone),
    Key::new("dependsOn", Takes::Mapping(DEPENDS_ON_KEYS)),
    Key::new("expectStatus", Takes::Statuses),
    Key::new("expectBodyContains", Takes::NonEmpty),
    Key::new(
        "maxResponseBytes",
        Takes::Size {
            max: MAX_RESPONSE_BYTES,
        },
    )
    .default(Literal::Size(DEFAULT_MAX_RESPONSE_BYTES)),
    Key::new("followRedirects", Takes::Redirects).default(Word("same-origin")),
    Key::new("idempotencyKey", Takes::Bool).default(Bool(false)),
    Key::new("caFile", Takes::NonEmpty),
    Key::new("catchUp", Takes::Duration),
    Key::new("concurrency", Takes::OneOf(crate::job::Concurrency::NAMES)).default(Word("forbid")),
    Key::new("historyLimit", Takes::Count { min: 1 }).default(Number(DEFAULT_HISTORY_LIMIT)),
    Key::new("notify", Takes::OrFalse(&Takes::Mapping(NOTIFY_KEYS))).nullable(),
    Key::new("healthcheck", Takes::OrFalse(&Takes::Url)).nullable(),
    Key::new("splay", Takes::OrFalse(&Takes::Splay)).nullable(),
];
pub(crate) const DEPENDS_ON_KEYS: &[Key] = &[
    Key::new("job", Takes::Name).required(),
    Key::new("windowMinutes", Takes::Count { min: 1 }).default(Number(DEFAULT_WINDOW_MINUTES)),
    Key::new("condition", Takes::OneOf(crate::job::Condition::NAMES))
        .default(Word("not_ran_or_failed")),
];
pub(crate) const NOTIFY_KEYS: &[Key] = &[
    Key::new("onFailure", Takes::Mapping(NOTICE_KEYS)).nullable(),
    Key::new("onRecovery", Takes::Mapping(NOTICE_KEYS)).nullable(),
    Key::new("cooldown", Takes::Duration),
];
pub(crate) const NOTICE_KEYS: &[Key] = &[
    Key::new("url", Takes::Url).required(),
    Key::new("method", Takes::Method).default(Word("POST")),
    Key::new("headers", Takes::Headers).nullable(),
    Key::new("data", Takes::Data),
    Key::new("body", Takes::Text),
    Key::new("timeout", Takes::Duration).default(Wait(DEFAULT_NOTICE_TIMEOUT)),
];

/// Which scheduler a file was written for (`origin::of` decides).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Only the Node scheduler's keys, with its `global:` section.
    NodeScheduler,
    /// Only the Node scheduler's keys, without a `global:` section that
    /// says so.
    #[default]
    Either,
    /// `key`, at `span`, is one only jobrun knows.
    Jobrun { key: String, span: Span },
}

impl Origin {
    pub(crate) fn is_jobrun(&self) -> bool {
        matches!(self, Origin::Jobrun { .. })
    }
}
