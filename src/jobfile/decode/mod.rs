//! Decoding: the YAML tree read into the schema as written, one mapping
//! at a time, with every unknown key and every value of the wrong kind
//! reported at its place, all in one pass.

mod notify;
mod values;

use crate::diagnostic::{Diagnostic, Span};
use crate::job::{
    MAX_DEADLINE, MAX_HISTORY_LIMIT, MAX_RESPONSE_BYTES, MAX_RETRIES, MAX_RETRY_DELAY, MAX_TIMEOUT,
    MAX_WINDOW, MAX_WINDOW_MINUTES,
};
use crate::jobfile::layout::{Item, Layout};
use crate::jobfile::origin;
use crate::jobfile::schema::{
    ConfigFile, DEPENDS_ON_KEYS, DependsOnEntry, GLOBAL_KEYS, Global, JOB_KEYS, JobEntry, Key,
    TOP_KEYS, names,
};
use crate::jobfile::suggest::{list, suggest};
use crate::jobfile::yaml::{self, Node, Value};

/// Decode the text of a job file. Returns what could be decoded together
/// with every problem found.
pub(crate) fn decode(text: &str) -> (ConfigFile, Vec<Diagnostic>) {
    let decoded = decode_keeping(text, Keep::default());
    (decoded.config, decoded.problems)
}

/// What [`decode_keeping`] keeps besides the decoded file.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Keep {
    /// Where the parts of the file are, for `run` (see `layout.rs`).
    pub(super) layout: bool,
    /// The whole YAML tree of a file written for the Node scheduler, for
    /// `validate` to say what jobrun does differently with it.
    pub(super) node_scheduler_tree: bool,
}

/// A decoded file, and what was kept.
pub(super) struct Decoded {
    pub(super) config: ConfigFile,
    pub(super) problems: Vec<Diagnostic>,
    /// When the file parses and the layout was asked for.
    pub(super) layout: Option<Layout>,
    /// When the file was written for the Node scheduler and its tree was
    /// asked for.
    pub(super) tree: Option<Node>,
}

/// [`decode`], keeping what `keep` asks for. Each job is decoded as soon
/// as it is parsed and its tree dropped, so the tree of the whole file is
/// not held; which scheduler the file was written for is decided from the
/// keys as they go by. The one exception: asked for the tree of a file
/// written for the Node scheduler, the jobs' trees are kept for as long
/// as the file may turn out to be one (its `global:` says so and no key
/// only jobrun knows has been seen); in the rare such file whose
/// `global:` comes after its jobs, the text is parsed again.
pub(super) fn decode_keeping(text: &str, keep: Keep) -> Decoded {
    let mut jobs = Decoder::default();
    let mut entries = Vec::new();
    let mut items = Vec::new();
    let mut keys = origin::Keys::default();
    // The jobs' trees, while they may be needed.
    let mut kept = keep.node_scheduler_tree.then(Vec::new);
    let mut on_job = |item: Node, before: &[(Node, Node)]| {
        if keep.layout {
            items.push(Item::of(&item));
        }
        keys.job(&item);
        entries.extend(jobs.job(&item));
        if kept.is_some() && !keys.may_be_node_schedulers(before) {
            kept = None;
        }
        if let Some(kept) = &mut kept {
            kept.push(item);
        }
    };
    let parsed = yaml::parse_jobs(text, &mut on_job);
    let mut decoder = Decoder {
        streamed: Some((entries, jobs.problems)),
        ..Decoder::default()
    };
    let mut document = match parsed {
        Ok(Some(document)) => document,
        Ok(None) => return Decoded::nothing(vec![empty_file()]),
        Err(problems) => return Decoded::nothing(problems),
    };
    let layout = keep.layout.then(|| Layout::of(&document, items));
    let mut config = decoder.file(&document.root);
    config.origin = keys.origin(&document.root);
    let tree = match kept {
        _ if config.origin != origin::Origin::NodeScheduler || !keep.node_scheduler_tree => None,
        Some(kept) => {
            document.refill_jobs(kept);
            Some(document.root)
        }
        None => yaml::parse(text).ok().flatten(),
    };
    // Otherwise what is left of the tree (`global`) is small.
    Decoded {
        config,
        problems: decoder.problems,
        layout,
        tree,
    }
}

impl Decoded {
    fn nothing(problems: Vec<Diagnostic>) -> Decoded {
        Decoded {
            config: ConfigFile::default(),
            problems,
            layout: None,
            tree: None,
        }
    }
}

/// Decode the text of a job file, keeping the whole YAML tree it was read
/// from, with every value's place, for `migrate`, which rewrites the text
/// at those places. Other commands decode each job as it is parsed and
/// drop its tree ([`decode_keeping`]).
pub(crate) fn decode_keeping_tree(text: &str) -> (ConfigFile, Vec<Diagnostic>, Option<Node>) {
    let root = match yaml::parse(text) {
        Ok(Some(root)) => root,
        Ok(None) => return (ConfigFile::default(), vec![empty_file()], None),
        Err(problems) => return (ConfigFile::default(), problems, None),
    };
    let mut decoder = Decoder::default();
    let mut config = decoder.file(&root);
    config.origin = origin::of(&root);
    (config, decoder.problems, Some(root))
}

fn empty_file() -> Diagnostic {
    Diagnostic::file_error("the job file is empty")
        .with_help("a job file starts with `jobs:` followed by a list of jobs; see the README")
}

/// Decode a file from parts of it already parsed: `global`'s entry, if
/// the file has one, and one item of `jobs`, with the `jobs` key's place.
pub(super) fn decode_parts(
    global: Option<(Node, Node)>,
    jobs_key: Span,
    item: Node,
) -> (ConfigFile, Vec<Diagnostic>) {
    let mut entries = Vec::with_capacity(2);
    entries.extend(global);
    let key = Node::new(Value::Str("jobs".into()), jobs_key);
    let span = item.span;
    let jobs = Node::new(Value::Seq(vec![item]), span);
    entries.push((key, jobs));
    let root = Node::new(Value::Map(entries), Span::new(1, 1, 1));
    let mut decoder = Decoder::default();
    let config = decoder.file(&root);
    (config, decoder.problems)
}

#[derive(Default)]
struct Decoder {
    problems: Vec<Diagnostic>,
    /// The jobs decoded while the file was parsed, and their problems:
    /// see [`decode_keeping`].
    streamed: Option<(Vec<JobEntry>, Vec<Diagnostic>)>,
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
                    if let Some((entries, problems)) = self.streamed.take() {
                        // Read while parsing, in their place in the list.
                        config.jobs.extend(entries);
                        self.problems.extend(problems);
                    }
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
                    global.default_timeout = self.duration(value, "defaultTimeout", MAX_TIMEOUT)
                }
                Some("defaultRetries") => {
                    global.default_retries = self.count(value, "defaultRetries", 0, MAX_RETRIES)
                }
                Some("defaultHeaders") => {
                    global.default_headers = self.headers(value, "defaultHeaders")
                }
                Some("timezone") => global.timezone = self.text(value, "timezone"),
                Some("stateDir") => global.state_dir = self.text(value, "stateDir"),
                Some("stateUrl") => global.state_url = self.text(value, "stateUrl"),
                Some("metricsFile") => global.metrics_file = self.text(value, "metricsFile"),
                Some("notify") => {
                    global.notify = self.global_switch(value, "notify", |d, node| d.notify(node))
                }
                Some("healthcheck") => {
                    global.healthcheck = self
                        .global_switch(value, "healthcheck", |d, node| d.text(node, "healthcheck"))
                }
                Some("splay") => global.splay = self.duration(value, "splay", MAX_WINDOW),
                Some("splaySeed") => global.splay_seed = self.text(value, "splaySeed"),
                Some("tokenWarning") => {
                    global.token_warning = self.duration(value, "tokenWarning", MAX_WINDOW)
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
                Some("timeout") => job.timeout = self.duration(value, "timeout", MAX_TIMEOUT),
                Some("deadline") => job.deadline = self.duration(value, "deadline", MAX_DEADLINE),
                Some("retries") => job.retries = self.count(value, "retries", 0, MAX_RETRIES),
                Some("retryDelay") => {
                    job.retry_delay = self.duration(value, "retryDelay", MAX_RETRY_DELAY)
                }
                Some("maxRetryDelay") => {
                    job.max_retry_delay = self.duration(value, "maxRetryDelay", MAX_RETRY_DELAY)
                }
                Some("enabled") => job.enabled = self.boolean(value, "enabled"),
                Some("description") => {
                    job.description = match &value.value {
                        Value::Null => None,
                        _ => self.scalar_string(value, "description").map(|t| t.value),
                    }
                }
                Some("timezone") => job.timezone = self.text(value, "timezone"),
                Some("dependsOn") => job.depends_on = self.depends_on(value).map(Box::new),
                Some("expectStatus") => job.expect_status = self.expect_status(value),
                Some("expectBodyContains") => {
                    job.expect_body_contains = self.text(value, "expectBodyContains")
                }
                Some("maxResponseBytes") => {
                    job.max_response_bytes =
                        self.size(value, "maxResponseBytes", MAX_RESPONSE_BYTES)
                }
                Some("followRedirects") => job.follow_redirects = self.redirects(value),
                Some("idempotencyKey") => {
                    job.idempotency_key = self.boolean(value, "idempotencyKey")
                }
                Some("caFile") => job.ca_file = self.text(value, "caFile"),
                Some("catchUp") => job.catch_up = self.duration(value, "catchUp", MAX_WINDOW),
                Some("concurrency") => job.concurrency = self.text(value, "concurrency"),
                Some("historyLimit") => {
                    job.history_limit = self.count(value, "historyLimit", 1, MAX_HISTORY_LIMIT)
                }
                Some("notify") => {
                    job.notify = self
                        .switch(value, "notify", |d, node| d.notify(node))
                        .map(Box::new)
                }
                Some("healthcheck") => {
                    job.healthcheck =
                        self.switch(value, "healthcheck", |d, node| d.text(node, "healthcheck"))
                }
                Some("splay") => {
                    job.splay = self.switch(value, "splay", |d, node| {
                        d.duration(node, "splay", MAX_WINDOW)
                    })
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
                    depends.window_minutes =
                        self.count(value, "windowMinutes", 1, MAX_WINDOW_MINUTES)
                }
                Some("condition") => depends.condition = self.text(value, "condition"),
                _ => {}
            }
        }
        Some(depends)
    }

    /// Look a key up in the keys this mapping knows; an unknown one is an
    /// error with the closest known key as a suggestion.
    fn key(&mut self, key: &Node, known: &[Key], place: &str) -> Option<&'static str> {
        if let Some(found) = key
            .as_str()
            .and_then(|text| known.iter().find(|k| k.name == text))
        {
            return Some(found.name);
        }
        let text = key.scalar_text().unwrap_or_default();
        let known = names(known);
        let mut problem = Diagnostic::error(format!("unknown key `{text}` {place}"), key.span);
        problem = match suggest(&text, &known) {
            Some(close) => problem.with_help(format!("did you mean `{close}`?")),
            None => problem.with_help(format!("the keys here are {}", list(&known))),
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
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::jobfile::schema::Takes;

    #[test]
    fn the_tree_kept_for_a_node_scheduler_file_is_the_whole_tree() {
        let node_global = "global:\n  defaultRetries: 3\n  defaultHeaders:\n    X-A: b\n";
        let job = |name: &str, more: &str| {
            format!(
                "  - name: {name}\n    schedule: \"0 * * * *\"\n    url: \"https://e.com/é\"\n{more}"
            )
        };
        let node_jobs = format!(
            "jobs:\n{}{}",
            job("a", "    data: {k: 'v'}\n"),
            job("b", "")
        );
        let kept = |text: &str| {
            let keep = Keep {
                node_scheduler_tree: true,
                ..Keep::default()
            };
            decode_keeping(text, keep).tree
        };
        for text in [
            format!("{node_global}{node_jobs}"),
            // `global:` after the jobs: parsed again.
            format!("{node_jobs}{node_global}"),
            format!(
                "{node_global}jobs: [{{name: a, schedule: \"0 * * * *\", url: \"https://e.com\"}}]\n"
            ),
            include_str!("../../../tests/fixtures/node-scheduler/jobs.yaml").to_string(),
            include_str!("../../../tests/fixtures/node-scheduler/sample-jobs.yaml").to_string(),
        ] {
            // Values, lines, columns and characters: what `migrate` and
            // `validate`'s warnings read.
            assert_eq!(kept(&text), yaml::parse(&text).unwrap(), "{text}");
        }
        // Jobs' trees are dropped once a key only jobrun knows is seen,
        // and none is kept for a file of jobrun's or of either.
        for text in [
            format!(
                "{node_global}jobs:\n{}{}",
                job("a", ""),
                job("b", "    catchUp: 1h\n")
            ),
            node_jobs.clone(),
            format!("global:\n  timezone: UTC\n{node_jobs}"),
        ] {
            assert_eq!(kept(&text), None, "{text}");
        }
        assert_eq!(
            decode_keeping(&format!("{node_global}{node_jobs}"), Keep::default()).tree,
            None
        );
    }

    /// The decoded file, which must have no problem at all.
    pub(super) fn decode_ok(text: &str) -> ConfigFile {
        let (config, problems) = decode(text);
        assert!(problems.is_empty(), "{problems:#?}");
        config
    }

    /// Every problem decoding finds.
    pub(super) fn problems(text: &str) -> Vec<Diagnostic> {
        decode(text).1
    }

    /// Where each mapping's keys are written, as the lines before `KEY:`
    /// and its indentation.
    fn places() -> Vec<(&'static str, &'static [Key], &'static str, &'static str)> {
        use crate::jobfile::schema::{NOTICE_KEYS, NOTIFY_KEYS};
        vec![
            ("file", TOP_KEYS, "", ""),
            ("global", GLOBAL_KEYS, "global:\n", "  "),
            ("job", JOB_KEYS, "jobs:\n", "  - "),
            (
                "dependsOn",
                DEPENDS_ON_KEYS,
                "jobs:\n  - dependsOn:\n",
                "      ",
            ),
            ("notify", NOTIFY_KEYS, "jobs:\n  - notify:\n", "      "),
            (
                "notification",
                NOTICE_KEYS,
                "jobs:\n  - notify:\n      onFailure:\n",
                "        ",
            ),
        ]
    }

    /// A value of the kind `takes` names.
    fn sample(takes: &Takes) -> String {
        match takes {
            Takes::Text | Takes::NonEmpty => "x".into(),
            Takes::Scalar => "5".into(),
            Takes::Name => "a".into(),
            Takes::Schedule => "\"* * * * *\"".into(),
            Takes::Url => "\"https://e.com\"".into(),
            Takes::StateUrl => "\"postgres://db/ops\"".into(),
            Takes::Method => "get".into(),
            Takes::Zone => "UTC".into(),
            Takes::Headers => "{X-A: 1}".into(),
            Takes::Data => "{k: [1, x]}".into(),
            Takes::Duration => "\"1m 30s\"".into(),
            Takes::Splay => "\"90s\"".into(),
            Takes::Count { min } => (min + 1).to_string(),
            Takes::Size { .. } => "\"2 KiB\"".into(),
            Takes::Bool => "true".into(),
            Takes::Statuses => "[200, \"2xx\"]".into(),
            Takes::Redirects => "none".into(),
            Takes::OneOf(words) => words[0].into(),
            Takes::Mapping(_) => "{}".into(),
            Takes::ListOf(_) => "[]".into(),
            Takes::OrFalse(_) => "false".into(),
        }
    }

    /// The decoder reads every key of every table with the kind the table
    /// gives it (the schema's `jobrun schema` prints): a value of that kind
    /// decodes, a list of lists is refused at its place (but for `data`,
    /// which takes anything), and null is the same as no key exactly where
    /// the table says so. A key listed but not read, or read as another
    /// kind, fails here.
    #[test]
    fn every_key_in_the_tables_is_decoded_as_the_kind_it_takes() {
        let mut checked = 0;
        for (place, keys, before, indent) in places() {
            let line = before.lines().count() as u32 + 1;
            let file = |key: &str, value: &str| {
                let mut text = format!("{before}{indent}{key}: {value}\n");
                if !text.contains("jobs:") && key != "jobs" {
                    text.push_str("jobs: []\n");
                }
                text
            };
            let at_value = |found: &[Diagnostic]| {
                found
                    .iter()
                    .filter(|d| d.span.is_some_and(|s| s.line == line))
                    .count()
            };
            for key in keys {
                let ok = file(key.name, &sample(&key.takes));
                assert_eq!(
                    at_value(&problems(&ok)),
                    0,
                    "{place}.{}: {ok}\n{:#?}",
                    key.name,
                    problems(&ok)
                );
                if !matches!(key.takes, Takes::Data) {
                    let wrong = file(key.name, "[[1]]");
                    assert!(
                        at_value(&problems(&wrong)) > 0,
                        "{place}.{}: {wrong} decoded without a problem",
                        key.name
                    );
                }
                let null = file(key.name, "null");
                let refused = at_value(&problems(&null)) > 0;
                assert_eq!(
                    refused,
                    !(key.null_ok || matches!(key.takes, Takes::Data)),
                    "{place}.{}: null {}",
                    key.name,
                    if refused { "refused" } else { "accepted" }
                );
                checked += 1;
            }
        }
        assert!(checked >= 45, "{checked}");
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
}
