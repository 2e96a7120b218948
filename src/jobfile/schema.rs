//! The job file as written: its keys, exactly as the Node scheduler named
//! them, decoded from the YAML tree with every value's location kept.
//!
//! Decoding checks shape and type only (which keys exist, what kind of value
//! each holds); meaning (schedules, zones, placeholders, references between
//! jobs) is checked in `validate`. Both collect every problem in one pass.

use crate::files::io_reason;
use std::path::Path;
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Span};
use crate::job::Redirects;
use crate::job::duration;
use crate::job::size;
use crate::jobfile::yaml::{self, Node, Value};

/// Job files larger than this are refused before they are parsed: a
/// 10,000-job file is about 4 MiB.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// A string value, with what is needed to point inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub value: String,
    pub span: Span,
    pub quoted: bool,
}

impl Text {
    /// The span of `len` characters at `offset` in the value. Exact for
    /// plain and quoted single-line values without escapes, which is what
    /// schedules and URLs are.
    pub fn span_at(&self, offset: usize, len: usize) -> Span {
        self.span.sub(offset + usize::from(self.quoted), len)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConfigFile {
    pub global: Global,
    pub jobs: Vec<JobEntry>,
    /// Where `jobs:` is, for file-wide remarks.
    pub jobs_span: Span,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Global {
    pub default_timeout: Option<Spanned<Duration>>,
    pub default_retries: Option<Spanned<u32>>,
    pub default_headers: Vec<HeaderEntry>,
    pub timezone: Option<Text>,
    pub state_dir: Option<Text>,
    /// Every job's notifications, unless a job says otherwise.
    pub notify: Option<NotifyEntry>,
    /// Every job's healthcheck URL, unless a job says otherwise.
    pub healthcheck: Option<Text>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HeaderEntry {
    pub name: Text,
    pub value: Text,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobEntry {
    /// Where the job's mapping starts.
    pub span: Span,
    pub name: Option<Text>,
    pub schedule: Option<Text>,
    pub url: Option<Text>,
    pub method: Option<Text>,
    pub headers: Vec<HeaderEntry>,
    pub data: Option<Node>,
    pub body: Option<Text>,
    pub timeout: Option<Spanned<Duration>>,
    pub deadline: Option<Spanned<Duration>>,
    pub retries: Option<Spanned<u32>>,
    pub retry_delay: Option<Spanned<Duration>>,
    pub max_retry_delay: Option<Spanned<Duration>>,
    pub enabled: Option<bool>,
    pub description: Option<String>,
    pub timezone: Option<Text>,
    pub depends_on: Option<DependsOnEntry>,
    pub expect_status: Option<Vec<StatusItem>>,
    pub expect_body_contains: Option<Text>,
    pub max_response_bytes: Option<Spanned<u64>>,
    pub follow_redirects: Option<RedirectsEntry>,
    pub idempotency_key: Option<bool>,
    pub ca_file: Option<Text>,
    pub catch_up: Option<Spanned<Duration>>,
    pub concurrency: Option<Text>,
    pub history_limit: Option<Spanned<u32>>,
    pub notify: Option<Switch<NotifyEntry>>,
    pub healthcheck: Option<Switch<Text>>,
}

/// A job's setting that can also be turned off where `global` gives one:
/// `notify: false`, `healthcheck: false`.
#[derive(Debug, Clone, PartialEq)]
pub enum Switch<T> {
    /// `false`: none, not even `global`'s.
    Off,
    On(T),
}

/// `notify` as written, in `global` or in a job.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NotifyEntry {
    pub span: Span,
    pub on_failure: Option<NoticeEntry>,
    pub on_recovery: Option<NoticeEntry>,
    pub cooldown: Option<Spanned<Duration>>,
}

/// One notification as written (`onFailure`, `onRecovery`): the request
/// keys of a job, and a timeout.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NoticeEntry {
    /// Where the notification's mapping starts.
    pub span: Span,
    /// `onFailure` or `onRecovery`, for messages.
    pub key: &'static str,
    pub url: Option<Text>,
    pub method: Option<Text>,
    pub headers: Vec<HeaderEntry>,
    pub data: Option<Node>,
    pub body: Option<Text>,
    pub timeout: Option<Spanned<Duration>>,
}

/// One status of `expectStatus` as written: `200`, or `"2xx"`, `"200"`,
/// `"200-204"`, read in `validate`.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusItem {
    Code(Spanned<i64>),
    Text(Text),
}

/// `followRedirects` as written: a policy's name, or a boolean.
#[derive(Debug, Clone, PartialEq)]
pub enum RedirectsEntry {
    Name(Text),
    Bool(Spanned<bool>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DependsOnEntry {
    pub span: Span,
    pub job: Option<Text>,
    pub window_minutes: Option<Spanned<u32>>,
    pub condition: Option<Text>,
}

const TOP_KEYS: &[&str] = &["global", "jobs"];
const GLOBAL_KEYS: &[&str] = &[
    "defaultTimeout",
    "defaultRetries",
    "defaultHeaders",
    "timezone",
    "stateDir",
    "notify",
    "healthcheck",
];
const JOB_KEYS: &[&str] = &[
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
const DEPENDS_ON_KEYS: &[&str] = &["job", "windowMinutes", "condition"];
const NOTIFY_KEYS: &[&str] = &["onFailure", "onRecovery", "cooldown"];
const NOTICE_KEYS: &[&str] = &["url", "method", "headers", "data", "body", "timeout"];

/// Read the job file's bytes, refusing what is not a job file before
/// parsing it: too large, not UTF-8. Returns the text without a BOM.
pub fn read(path: &Path) -> Result<String, Diagnostic> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, &e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Diagnostic::file_error(format!(
            "the file is larger than {} MiB",
            MAX_FILE_BYTES / 1024 / 1024
        ))
        .with_help(
            "is this the right file? a job file with 10,000 jobs is about 4 MiB; split larger ones",
        ));
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            Ok(text)
        }
        Err(error) => {
            let bytes = error.as_bytes();
            let at = error.utf8_error().valid_up_to();
            let before = String::from_utf8_lossy(&bytes[..at]);
            let lines = crate::diagnostic::lines(&before);
            let line = lines.len();
            let col = lines.last().map_or(0, |l| l.chars().count()) + 1;
            Err(Diagnostic::error(
                format!("the file is not UTF-8 text (byte 0x{:02x})", bytes[at]),
                Span::new(line as u32, col as u32, 1),
            )
            .with_help("save the file as UTF-8"))
        }
    }
}

fn io_error(path: &Path, error: &std::io::Error) -> Diagnostic {
    let help = match error.kind() {
        std::io::ErrorKind::NotFound => format!(
            "give the job file with `--config PATH` or `JOBRUN_CONFIG`; `{}` does not exist",
            path.display()
        ),
        std::io::ErrorKind::PermissionDenied => "check the file's permissions for this user".into(),
        _ => "check that the path names a readable file".into(),
    };
    Diagnostic::file_error(format!("cannot read the job file: {}", io_reason(error)))
        .with_help(help)
}

/// Decode the text of a job file. Returns what could be decoded together
/// with every problem found.
pub fn decode(text: &str) -> (ConfigFile, Vec<Diagnostic>) {
    let mut decoder = Decoder::default();
    let root = match yaml::parse(text) {
        Ok(Some(root)) => root,
        Ok(None) => {
            decoder
                .problems
                .push(Diagnostic::file_error("the job file is empty").with_help(
                    "a job file starts with `jobs:` followed by a list of jobs; see the README",
                ));
            return (ConfigFile::default(), decoder.problems);
        }
        Err(problems) => return (ConfigFile::default(), problems),
    };
    let config = decoder.file(&root);
    // The tree is not needed again, and freeing its hundreds of thousands of
    // small allocations one by one costs a 10,000-job file a fifth of its
    // validation time for nothing: jobrun is one short process, and the OS
    // takes the memory back at exit.
    std::mem::forget(root);
    (config, decoder.problems)
}

#[derive(Default)]
struct Decoder {
    problems: Vec<Diagnostic>,
}

impl Decoder {
    fn file(&mut self, root: &Node) -> ConfigFile {
        let mut config = ConfigFile::default();
        let Some(entries) = self.mapping(root, "the job file") else {
            return config;
        };
        let mut saw_jobs = false;
        for (key, value) in entries {
            match self.key(key, TOP_KEYS, "at the top of the file") {
                Some("global") => config.global = self.global(value),
                Some("jobs") => {
                    saw_jobs = true;
                    config.jobs_span = key.span;
                    config.jobs = self.jobs(value);
                }
                _ => {}
            }
        }
        if !saw_jobs {
            self.problems.push(
                Diagnostic::error("the file has no `jobs:` list", Span::new(1, 1, 1))
                    .with_help("add `jobs:` with one entry per job; see the README"),
            );
        }
        config
    }

    fn global(&mut self, node: &Node) -> Global {
        let mut global = Global::default();
        if node.value == Value::Null {
            return global;
        }
        let Some(entries) = self.mapping(node, "`global`") else {
            return global;
        };
        for (key, value) in entries {
            match self.key(key, GLOBAL_KEYS, "in `global`") {
                Some("defaultTimeout") => {
                    global.default_timeout = self.duration(value, "defaultTimeout")
                }
                Some("defaultRetries") => {
                    global.default_retries = self.count(value, "defaultRetries")
                }
                Some("defaultHeaders") => {
                    global.default_headers = self.headers(value, "defaultHeaders")
                }
                Some("timezone") => global.timezone = self.text(value, "timezone"),
                Some("stateDir") => global.state_dir = self.text(value, "stateDir"),
                Some("notify") => {
                    global.notify = self.global_switch(value, "notify", |d, node| d.notify(node))
                }
                Some("healthcheck") => {
                    global.healthcheck = self
                        .global_switch(value, "healthcheck", |d, node| d.text(node, "healthcheck"))
                }
                _ => {}
            }
        }
        global
    }

    fn jobs(&mut self, node: &Node) -> Vec<JobEntry> {
        match &node.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => items.iter().filter_map(|item| self.job(item)).collect(),
            _ => {
                self.problems.push(
                    Diagnostic::error(
                        format!("`jobs` must be a list, found {}", node.kind()),
                        node.span,
                    )
                    .with_help("write each job as a list item starting with `- name: ...`"),
                );
                Vec::new()
            }
        }
    }

    fn job(&mut self, node: &Node) -> Option<JobEntry> {
        let entries = self.mapping(node, "a job")?;
        let mut job = JobEntry {
            span: node.span,
            ..JobEntry::default()
        };
        // Where `data` and `body` are written, to refuse both at once.
        let mut bodies: Vec<(&str, Span)> = Vec::new();
        for (key, value) in entries {
            let known = self.key(key, JOB_KEYS, "in a job");
            if let Some(name @ ("data" | "body")) = known {
                bodies.push((name, key.span));
            }
            match known {
                Some("name") => job.name = self.text(value, "name"),
                Some("schedule") => job.schedule = self.text(value, "schedule"),
                Some("url") => job.url = self.text(value, "url"),
                Some("method") => job.method = self.text(value, "method"),
                Some("headers") => job.headers = self.headers(value, "headers"),
                Some("data") => job.data = Some(value.clone()),
                Some("body") => job.body = self.text(value, "body"),
                Some("timeout") => job.timeout = self.duration(value, "timeout"),
                Some("deadline") => job.deadline = self.duration(value, "deadline"),
                Some("retries") => job.retries = self.count(value, "retries"),
                Some("retryDelay") => job.retry_delay = self.duration(value, "retryDelay"),
                Some("maxRetryDelay") => {
                    job.max_retry_delay = self.duration(value, "maxRetryDelay")
                }
                Some("enabled") => job.enabled = self.boolean(value, "enabled"),
                Some("description") => {
                    job.description = match &value.value {
                        Value::Null => None,
                        _ => self.scalar_string(value, "description").map(|t| t.value),
                    }
                }
                Some("timezone") => job.timezone = self.text(value, "timezone"),
                Some("dependsOn") => job.depends_on = self.depends_on(value),
                Some("expectStatus") => job.expect_status = self.expect_status(value),
                Some("expectBodyContains") => {
                    job.expect_body_contains = self.text(value, "expectBodyContains")
                }
                Some("maxResponseBytes") => {
                    job.max_response_bytes = self.size(value, "maxResponseBytes")
                }
                Some("followRedirects") => job.follow_redirects = self.redirects(value),
                Some("idempotencyKey") => {
                    job.idempotency_key = self.boolean(value, "idempotencyKey")
                }
                Some("caFile") => job.ca_file = self.text(value, "caFile"),
                Some("catchUp") => job.catch_up = self.duration(value, "catchUp"),
                Some("concurrency") => job.concurrency = self.text(value, "concurrency"),
                Some("historyLimit") => job.history_limit = self.count(value, "historyLimit"),
                Some("notify") => {
                    job.notify = self.switch(value, "notify", |d, node| d.notify(node))
                }
                Some("healthcheck") => {
                    job.healthcheck =
                        self.switch(value, "healthcheck", |d, node| d.text(node, "healthcheck"))
                }
                _ => {}
            }
        }
        self.one_body(&bodies, "a job");
        Some(job)
    }

    /// `data` and `body` both given (`bodies` holds where each is written)
    /// is an error: which one is sent would be a guess.
    fn one_body(&mut self, bodies: &[(&str, Span)], owner: &str) {
        if let [(first, first_span), (second, second_span)] = bodies[..] {
            self.problems.push(
                Diagnostic::error(
                    format!("{owner} cannot have both `{first}` and `{second}`"),
                    second_span,
                )
                .with_related(first_span, format!("`{first}` given first"))
                .with_help("keep one: `data` is sent as JSON, `body` as written"),
            );
        }
    }

    /// A job's `notify` or `healthcheck`: `false` turns off `global`'s,
    /// null is the same as leaving the key out, and `true` means nothing.
    fn switch<T>(
        &mut self,
        node: &Node,
        key: &str,
        on: impl FnOnce(&mut Self, &Node) -> Option<T>,
    ) -> Option<Switch<T>> {
        match node.value {
            Value::Null => None,
            Value::Bool(false) => Some(Switch::Off),
            Value::Bool(true) => {
                self.problems.push(
                    Diagnostic::error(format!("`{key}: true` is not a setting"), node.span)
                        .with_help(format!(
                            "a job gets `global.{key}` without it: remove the line, write the job's own {}, or write `{key}: false` for none",
                            switch_value(key)
                        )),
                );
                None
            }
            _ => on(self, node).map(Switch::On),
        }
    }

    /// `global`'s `notify` or `healthcheck`, where there is nothing to turn
    /// off: a boolean is an error.
    fn global_switch<T>(
        &mut self,
        node: &Node,
        key: &str,
        on: impl FnOnce(&mut Self, &Node) -> Option<T>,
    ) -> Option<T> {
        match node.value {
            Value::Null => None,
            Value::Bool(b) => {
                let problem = if b {
                    Diagnostic::error(format!("`{key}: true` is not a setting"), node.span)
                        .with_help(format!(
                            "write the {} every job gets, or remove the line",
                            switch_value(key)
                        ))
                } else {
                    Diagnostic::error(
                        format!("`{key}: false` in `global` turns nothing off"),
                        node.span,
                    )
                    .with_help(format!(
                        "remove the line: without it no job {}; `{key}: false` belongs in a job, to turn `global.{key}` off for it",
                        if key == "notify" { "sends notifications" } else { "pings a healthcheck" }
                    ))
                };
                self.problems.push(problem);
                None
            }
            _ => on(self, node),
        }
    }

    fn notify(&mut self, node: &Node) -> Option<NotifyEntry> {
        let entries = self.mapping(node, "`notify`")?;
        let mut notify = NotifyEntry {
            span: node.span,
            ..NotifyEntry::default()
        };
        for (key, value) in entries {
            match self.key(key, NOTIFY_KEYS, "in `notify`") {
                Some(name @ "onFailure") => notify.on_failure = self.notice(value, name),
                Some(name @ "onRecovery") => notify.on_recovery = self.notice(value, name),
                Some("cooldown") => notify.cooldown = self.duration(value, "cooldown"),
                _ => {}
            }
        }
        Some(notify)
    }

    /// One notification, `onFailure` or `onRecovery` (`name`); null is the
    /// same as leaving it out.
    fn notice(&mut self, node: &Node, name: &'static str) -> Option<NoticeEntry> {
        if node.value == Value::Null {
            return None;
        }
        let entries = self.mapping(node, &format!("`{name}`"))?;
        let mut notice = NoticeEntry {
            span: node.span,
            key: name,
            ..NoticeEntry::default()
        };
        let mut bodies: Vec<(&str, Span)> = Vec::new();
        for (key, value) in entries {
            let known = self.key(key, NOTICE_KEYS, &format!("in `{name}`"));
            if let Some(body @ ("data" | "body")) = known {
                bodies.push((body, key.span));
            }
            match known {
                Some("url") => notice.url = self.text(value, "url"),
                Some("method") => notice.method = self.text(value, "method"),
                Some("headers") => notice.headers = self.headers(value, "headers"),
                Some("data") => notice.data = Some(value.clone()),
                Some("body") => notice.body = self.text(value, "body"),
                Some("timeout") => notice.timeout = self.duration(value, "timeout"),
                _ => {}
            }
        }
        self.one_body(&bodies, "a notification");
        Some(notice)
    }

    fn depends_on(&mut self, node: &Node) -> Option<DependsOnEntry> {
        let entries = self.mapping(node, "`dependsOn`")?;
        let mut depends = DependsOnEntry {
            span: node.span,
            ..DependsOnEntry::default()
        };
        for (key, value) in entries {
            match self.key(key, DEPENDS_ON_KEYS, "in `dependsOn`") {
                Some("job") => depends.job = self.text(value, "job"),
                Some("windowMinutes") => {
                    depends.window_minutes = self.count(value, "windowMinutes")
                }
                Some("condition") => depends.condition = self.text(value, "condition"),
                _ => {}
            }
        }
        Some(depends)
    }

    /// One status or a list of them.
    fn expect_status(&mut self, node: &Node) -> Option<Vec<StatusItem>> {
        let items = match &node.value {
            Value::Seq(items) if items.is_empty() => {
                self.problems.push(
                    Diagnostic::error("`expectStatus` cannot be an empty list", node.span)
                        .with_help("list the statuses that mean success, such as `[200, 204]`, or remove the key to accept any 2xx"),
                );
                return None;
            }
            Value::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            match &item.value {
                Value::Int(code) => out.push(StatusItem::Code(Spanned {
                    value: *code,
                    span: item.span,
                })),
                Value::Str(_) => out.extend(self.text(item, "expectStatus").map(StatusItem::Text)),
                _ => self.problems.push(
                    Diagnostic::error(
                        format!(
                            "`expectStatus` takes statuses such as 200 or \"2xx\", found {}",
                            item.kind()
                        ),
                        item.span,
                    )
                    .with_help("write a status (200), a class (\"2xx\") or a range (\"200-204\"), or a list of them"),
                ),
            }
        }
        (out.len() == items.len()).then_some(out)
    }

    fn size(&mut self, node: &Node, key: &str) -> Option<Spanned<u64>> {
        let zero = || {
            Diagnostic::error(format!("`{key}` must be more than 0"), node.span).with_help(format!(
                "write the most bytes to read, such as `{key}: 1 MiB`"
            ))
        };
        let problem = match &node.value {
            Value::Int(bytes) if *bytes > 0 => {
                return Some(Spanned {
                    value: *bytes as u64,
                    span: node.span,
                });
            }
            Value::Int(_) => zero(),
            Value::Str(text) => match size::parse(text) {
                Ok(0) => zero(),
                Ok(value) => {
                    return Some(Spanned {
                        value,
                        span: node.span,
                    });
                }
                Err(e) => Diagnostic::error(e.message, node.span).with_help(e.help),
            },
            _ => Diagnostic::error(
                format!(
                    "`{key}` must be bytes (such as 1048576) or a size (such as \"1 MiB\"), found {}",
                    node.kind()
                ),
                node.span,
            )
            .with_help(format!("write `{key}: 1 MiB`, `{key}: 512 KiB` or a number of bytes")),
        };
        self.problems.push(problem);
        None
    }

    fn redirects(&mut self, node: &Node) -> Option<RedirectsEntry> {
        match &node.value {
            Value::Str(_) => self.text(node, "followRedirects").map(RedirectsEntry::Name),
            Value::Bool(value) => Some(RedirectsEntry::Bool(Spanned {
                value: *value,
                span: node.span,
            })),
            _ => {
                self.problems.push(
                    Diagnostic::error(
                        format!(
                            "`followRedirects` must be {}, true or false, found {}",
                            Redirects::NAMES
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            node.kind()
                        ),
                        node.span,
                    )
                    .with_help("write `followRedirects: same-origin`, the default, or `none`"),
                );
                None
            }
        }
    }

    fn headers(&mut self, node: &Node, what: &str) -> Vec<HeaderEntry> {
        if node.value == Value::Null {
            return Vec::new();
        }
        let Some(entries) = self.mapping(node, &format!("`{what}`")) else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(key, value)| {
                let name = self.scalar_string(key, "a header name")?;
                let value = self.scalar_string(value, &format!("header `{}`", name.value))?;
                Some(HeaderEntry { name, value })
            })
            .collect()
    }

    /// Look a key up in the keys this mapping knows; an unknown one is an
    /// error with the closest known key as a suggestion.
    fn key<'k>(&mut self, key: &Node, known: &[&'k str], place: &str) -> Option<&'k str> {
        if let Some(found) = key
            .as_str()
            .and_then(|text| known.iter().find(|k| **k == text))
        {
            return Some(found);
        }
        let text = key.scalar_text().unwrap_or_default();
        let mut problem = Diagnostic::error(format!("unknown key `{text}` {place}"), key.span);
        problem = match suggest(&text, known) {
            Some(close) => problem.with_help(format!("did you mean `{close}`?")),
            None => problem.with_help(format!("the keys here are {}", list(known))),
        };
        self.problems.push(problem);
        None
    }

    fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [(Node, Node)]> {
        match &node.value {
            Value::Map(entries) => Some(entries),
            _ => {
                self.problems.push(Diagnostic::error(
                    format!(
                        "{what} must be a mapping of `key: value` lines, found {}",
                        node.kind()
                    ),
                    node.span,
                ));
                None
            }
        }
    }

    /// A string-valued key. Numbers and booleans are refused: `name: 123` is
    /// more likely a slip than a name.
    fn text(&mut self, node: &Node, key: &str) -> Option<Text> {
        match &node.value {
            Value::Str(s) => Some(Text {
                value: s.clone(),
                span: node.span,
                quoted: node.quoted,
            }),
            _ => {
                self.problems.push(
                    Diagnostic::error(
                        format!("`{key}` must be a string, found {}", node.kind()),
                        node.span,
                    )
                    .with_help("put the value in quotes"),
                );
                None
            }
        }
    }

    /// A string or any other scalar read as its text (header values such as
    /// `X-Count: 5`, which axios sent as "5").
    fn scalar_string(&mut self, node: &Node, what: &str) -> Option<Text> {
        match node.scalar_text() {
            Some(value) if node.value != Value::Null => Some(Text {
                value,
                span: node.span,
                quoted: node.quoted,
            }),
            _ => {
                self.problems.push(
                    Diagnostic::error(
                        format!("{what} must be a single value, found {}", node.kind()),
                        node.span,
                    )
                    .with_help("write it as a string in quotes"),
                );
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, key: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.problems.push(
                    Diagnostic::error(
                        format!("`{key}` must be true or false, found {}", node.kind()),
                        node.span,
                    )
                    .with_help(format!("write `{key}: true` or `{key}: false`")),
                );
                None
            }
        }
    }

    fn count(&mut self, node: &Node, key: &str) -> Option<Spanned<u32>> {
        match node.value {
            Value::Int(i) if (0..=i64::from(u32::MAX)).contains(&i) => Some(Spanned {
                value: i as u32,
                span: node.span,
            }),
            _ => {
                self.problems.push(Diagnostic::error(
                    format!(
                        "`{key}` must be a whole number of at least 0, found {}",
                        describe(node)
                    ),
                    node.span,
                ));
                None
            }
        }
    }

    fn duration(&mut self, node: &Node, key: &str) -> Option<Spanned<Duration>> {
        let zero = format!("`{key}` must be more than 0");
        let parsed = match &node.value {
            Value::Int(ms) if *ms > 0 => Ok(Duration::from_millis(*ms as u64)),
            Value::Int(_) => Err(zero.clone()),
            Value::Str(text) => match duration::parse(text) {
                Ok(d) if d.is_zero() => Err(zero.clone()),
                Ok(d) => Ok(d),
                Err(e) => Err(e.0),
            },
            _ => Err(format!(
                "`{key}` must be milliseconds (such as 30000) or a duration (such as \"30s\"), found {}",
                node.kind()
            )),
        };
        if let (Value::Int(ms @ 1..100), Ok(_)) = (&node.value, &parsed) {
            // The seed counts milliseconds; `timeout: 30` almost always
            // meant seconds, and would fail every request.
            self.problems.push(
                Diagnostic::warning(format!("`{key}: {ms}` is {ms} milliseconds"), node.span)
                    .with_help(format!("write `{key}: {ms}s` if you meant seconds; a bare number counts milliseconds")),
            );
        }
        match parsed {
            Ok(value) => Some(Spanned {
                value,
                span: node.span,
            }),
            Err(message) => {
                let help = (message == zero).then(|| {
                    "write a duration such as \"30s\" (or milliseconds, such as 30000), or remove the key for its default".to_string()
                });
                self.problems
                    .push(Diagnostic::error(message, node.span).with_help_opt(help));
                None
            }
        }
    }
}

/// What a `notify` or `healthcheck` key holds, for help texts.
fn switch_value(key: &str) -> &'static str {
    if key == "notify" {
        "notifications (`onFailure`, `onRecovery`)"
    } else {
        "healthcheck URL"
    }
}

fn describe(node: &Node) -> String {
    match node.scalar_text() {
        Some(text) if node.value != Value::Null => format!("`{text}`"),
        _ => node.kind().to_string(),
    }
}

/// The known word closest to `word`, if one is close enough to be a slip:
/// the same letters in another case or separator style, or a small edit.
pub fn suggest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let folded = fold(word);
    if let Some(k) = known.iter().find(|k| fold(k) == folded) {
        return Some(k);
    }
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&folded, &fold(k)), *k))
        .filter(|(distance, k)| *distance <= 2.max(k.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

/// `a`, `b` and `c`
pub fn list(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_ok(text: &str) -> ConfigFile {
        let (config, problems) = decode(text);
        assert!(problems.is_empty(), "{problems:#?}");
        config
    }

    fn problems(text: &str) -> Vec<Diagnostic> {
        decode(text).1
    }

    #[test]
    fn seed_keys_decode() {
        let config = decode_ok(
            "global:\n  defaultTimeout: 10000\n  defaultRetries: 3\n  defaultHeaders:\n    Content-Type: application/json\njobs:\n  - name: a\n    schedule: \"1 13 * * 1-5\"\n    url: \"https://x\"\n    method: POST\n    headers:\n      X-Count: 5\n    data:\n      k: v\n    timeout: \"1m 30s\"\n    retries: 2\n    enabled: false\n    description: d\n    dependsOn:\n      job: b\n      windowMinutes: 20\n      condition: failed\n",
        );
        assert_eq!(
            config.global.default_timeout.unwrap().value,
            Duration::from_secs(10)
        );
        let job = &config.jobs[0];
        assert_eq!(job.headers[0].value.value, "5");
        assert_eq!(job.timeout.as_ref().unwrap().value, Duration::from_secs(90));
        assert_eq!(job.enabled, Some(false));
        assert_eq!(
            job.depends_on
                .as_ref()
                .unwrap()
                .window_minutes
                .as_ref()
                .unwrap()
                .value,
            20
        );
    }

    #[test]
    fn unknown_key_suggests_the_close_one() {
        let found = problems("jobs:\n  - name: a\n    shedule: x\n");
        assert_eq!(found[0].message, "unknown key `shedule` in a job");
        assert_eq!(found[0].help.as_deref(), Some("did you mean `schedule`?"));
        assert_eq!(found[0].span, Some(Span::new(3, 5, 7)));
    }

    #[test]
    fn snake_case_key_suggests_camel_case() {
        let found = problems("global:\n  default_timeout: 5\njobs: []\n");
        assert_eq!(
            found[0].help.as_deref(),
            Some("did you mean `defaultTimeout`?")
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let found = problems(
            "jobs:\n  - name: 1\n    retries: -1\n    enabled: yes\n    timeout: \"30\"\n",
        );
        assert_eq!(found.len(), 4, "{found:#?}");
    }

    #[test]
    fn a_timeout_of_a_few_milliseconds_is_questioned() {
        let found = problems("jobs:\n  - name: a\n    timeout: 30\n    retries: 1\n");
        assert_eq!(found[0].message, "`timeout: 30` is 30 milliseconds");
        assert_eq!(found[0].severity, crate::diagnostic::Severity::Warning);
        assert!(problems("jobs:\n  - name: a\n    timeout: 30000\n").is_empty());
    }

    #[test]
    fn missing_jobs_is_an_error() {
        assert!(problems("global: {}\n")[0].message.contains("no `jobs:`"));
    }

    #[test]
    fn empty_file_is_an_error() {
        assert_eq!(
            problems("\n# nothing\n")[0].message,
            "the job file is empty"
        );
    }

    #[test]
    fn suggestions_only_for_close_words() {
        assert_eq!(suggest("scheduel", JOB_KEYS), Some("schedule"));
        assert_eq!(suggest("Timeout", JOB_KEYS), Some("timeout"));
        assert_eq!(suggest("frobnicate", JOB_KEYS), None);
    }

    #[test]
    fn notify_and_healthcheck_decode_in_global_and_in_a_job() {
        let config = decode_ok(
            "global:\n  notify:\n    onFailure:\n      url: \"https://hooks.example.com/x\"\n      method: PUT\n      headers: {X-Extra: 1}\n      data: {text: \"${ERROR}\"}\n      timeout: 2s\n    cooldown: 30m\n  healthcheck: \"https://hc-ping.com/k\"\njobs:\n  - name: a\n    notify:\n      onRecovery: {url: \"https://e.com\", body: ok}\n    healthcheck: false\n  - name: b\n    notify: false\n    healthcheck: null\n",
        );
        let notify = config.global.notify.unwrap();
        let failure = notify.on_failure.unwrap();
        assert_eq!(failure.key, "onFailure");
        assert_eq!(failure.span, Span::new(4, 7, 1));
        assert_eq!(failure.method.unwrap().value, "PUT");
        assert_eq!(failure.headers[0].value.value, "1");
        assert_eq!(failure.timeout.unwrap().value, Duration::from_secs(2));
        assert_eq!(notify.cooldown.unwrap().value, Duration::from_secs(1800));
        assert_eq!(
            config.global.healthcheck.unwrap().value,
            "https://hc-ping.com/k"
        );
        let Some(Switch::On(own)) = &config.jobs[0].notify else {
            panic!("{:?}", config.jobs[0].notify);
        };
        assert!(own.on_failure.is_none());
        assert_eq!(
            own.on_recovery
                .as_ref()
                .unwrap()
                .body
                .as_ref()
                .unwrap()
                .value,
            "ok"
        );
        assert_eq!(config.jobs[0].healthcheck, Some(Switch::Off));
        assert_eq!(config.jobs[1].notify, Some(Switch::Off));
        assert_eq!(config.jobs[1].healthcheck, None);
    }

    #[test]
    fn unknown_notify_keys_suggest_the_close_one_where_written() {
        let found = problems(
            "jobs:\n  - name: a\n    notify:\n      on_failure: {url: \"https://e.com\"}\n",
        );
        assert_eq!(found[0].message, "unknown key `on_failure` in `notify`");
        assert_eq!(found[0].help.as_deref(), Some("did you mean `onFailure`?"));
        assert_eq!(found[0].span, Some(Span::new(4, 7, 10)));
        let found = problems(
            "global:\n  notify:\n    onFailure:\n      url: \"https://e.com\"\n      headres: {}\njobs: []\n",
        );
        assert_eq!(found[0].message, "unknown key `headres` in `onFailure`");
        assert_eq!(found[0].help.as_deref(), Some("did you mean `headers`?"));
        assert_eq!(found[0].span, Some(Span::new(5, 7, 7)));
        let found = problems("global:\n  healthCheck: x\njobs: []\n");
        assert_eq!(
            found[0].help.as_deref(),
            Some("did you mean `healthcheck`?")
        );
    }

    #[test]
    fn notification_with_data_and_body_is_refused_like_a_job() {
        let found = problems(
            "jobs:\n  - name: a\n    notify:\n      onFailure:\n        url: \"https://e.com\"\n        data: {k: v}\n        body: x\n",
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].message,
            "a notification cannot have both `data` and `body`"
        );
        assert_eq!(found[0].span, Some(Span::new(7, 9, 4)));
        assert_eq!(
            found[0].related,
            Some((Span::new(6, 9, 4), "`data` given first".to_string()))
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("keep one: `data` is sent as JSON, `body` as written")
        );
    }

    #[test]
    fn true_is_refused_for_notify_and_healthcheck() {
        let found = problems("jobs:\n  - name: a\n    notify: true\n    healthcheck: true\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].message, "`notify: true` is not a setting");
        assert_eq!(found[0].span, Some(Span::new(3, 13, 4)));
        assert_eq!(
            found[0].help.as_deref(),
            Some(
                "a job gets `global.notify` without it: remove the line, write the job's own notifications (`onFailure`, `onRecovery`), or write `notify: false` for none"
            )
        );
        assert_eq!(found[1].message, "`healthcheck: true` is not a setting");
        let found = problems("global:\n  healthcheck: true\njobs: []\n");
        assert_eq!(found[0].message, "`healthcheck: true` is not a setting");
        assert_eq!(
            found[0].help.as_deref(),
            Some("write the healthcheck URL every job gets, or remove the line")
        );
    }

    #[test]
    fn false_in_global_is_refused() {
        let found = problems("global:\n  notify: false\n  healthcheck: false\njobs: []\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(
            found[0].message,
            "`notify: false` in `global` turns nothing off"
        );
        assert_eq!(found[0].span, Some(Span::new(2, 11, 5)));
        assert_eq!(
            found[0].help.as_deref(),
            Some(
                "remove the line: without it no job sends notifications; `notify: false` belongs in a job, to turn `global.notify` off for it"
            )
        );
        assert_eq!(
            found[1].message,
            "`healthcheck: false` in `global` turns nothing off"
        );
    }

    #[test]
    fn null_notify_and_healthcheck_are_absent() {
        let config = decode_ok(
            "global:\n  notify:\n  healthcheck: ~\njobs:\n  - name: a\n    notify: null\n    healthcheck:\n",
        );
        assert!(config.global.notify.is_none());
        assert!(config.global.healthcheck.is_none());
        assert!(config.jobs[0].notify.is_none());
        assert!(config.jobs[0].healthcheck.is_none());
    }

    #[test]
    fn zero_notice_timeout_and_cooldown_are_errors() {
        let found = problems(
            "jobs:\n  - name: a\n    notify:\n      onFailure: {url: \"https://e.com\", timeout: 0}\n      cooldown: 0s\n",
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].message, "`timeout` must be more than 0");
        assert_eq!(found[1].message, "`cooldown` must be more than 0");
        assert_eq!(found[1].span, Some(Span::new(5, 17, 2)));
        assert!(
            found[1]
                .help
                .as_deref()
                .is_some_and(|h| h.starts_with("write a duration such as \"30s\"")),
            "{:?}",
            found[1].help
        );
    }

    #[test]
    fn notify_of_the_wrong_shape_is_an_error() {
        let found = problems("jobs:\n  - name: a\n    notify: yes\n    healthcheck: 5\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(
            found[0].message,
            "`notify` must be a mapping of `key: value` lines, found a string"
        );
        assert_eq!(
            found[1].message,
            "`healthcheck` must be a string, found an integer"
        );
        let found = problems("jobs:\n  - name: a\n    notify:\n      onFailure: https://e.com\n");
        assert_eq!(
            found[0].message,
            "`onFailure` must be a mapping of `key: value` lines, found a string"
        );
    }
}
