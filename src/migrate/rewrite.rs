//! `jobrun migrate`: the file rewritten in place so that jobrun does what
//! the Node scheduler did, every other line, comment and key kept where it
//! was.
//!
//! Each change found (`changes.rs`) becomes an edit, with a comment saying
//! why where a line changes: `global.timezone` (the zone the Node scheduler
//! read schedules in), the token it added (in `defaultHeaders`), the count
//! of `retries` (one less, for the same attempts), week words and
//! `weekRange` as placeholders, schedules node-cron read differently as
//! standard expressions with its meaning, `Content-Type` on an empty POST,
//! PUT or PATCH, `$$` doubled, and `data` it did not send left as a
//! comment. Two differences are kept on purpose, as jobrun is right there:
//! a job's own `Authorization` is sent (a comment says what the Node
//! scheduler sent instead), and built-in placeholders such as `${NOW}` are
//! filled in. `Content-Type` without a body is not added: it means nothing.

use crate::diagnostic::Diagnostic;
use crate::jobfile::yaml::{Node, Value};
use crate::migrate::changes::{self, Change, Kind};
use crate::migrate::reading::{Entry, INJECTED_AUTHORIZATION, JSON, NodeFile, attempts, entries};
use crate::migrate::schedule::Rewrite;
use crate::migrate::source::{Edits, Source};

/// The zone the Node scheduler read schedules in, and how it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeZone {
    pub(crate) name: String,
    pub(crate) from: ZoneSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZoneSource {
    /// `--tz`.
    Flag,
    /// The environment's `TZ`, as the Node scheduler read it.
    Tz,
    /// Neither: the Node scheduler's own default.
    Default,
}

/// The Node scheduler's zone when `TZ` was not set.
pub(crate) const DEFAULT_ZONE: &str = "America/Chicago";

/// The file rewritten, and what was done, one line each.
#[derive(Debug)]
pub(crate) struct Migrated {
    pub(crate) text: String,
    /// What changed, for people.
    pub(crate) changed: Vec<String>,
    /// Where jobrun still differs on purpose, for people.
    pub(crate) kept: Vec<String>,
}

/// Rewrite `text`, whose YAML tree is `root`.
pub(crate) fn migrate(
    text: &str,
    root: &Node,
    zone: &NodeZone,
) -> Result<Migrated, Vec<Diagnostic>> {
    let source = Source::new(text);
    if source.has_lone_carriage_return() {
        return Err(vec![
            Diagnostic::file_error(
                "the file ends some lines with a lone carriage return, which `migrate` cannot keep",
            )
            .with_help("save the file with Unix (LF) or Windows (CRLF) line breaks first"),
        ]);
    }
    let file = NodeFile::read(root);
    let changes = changes::find(&file);
    let mut writer = Writer {
        source: &source,
        file: &file,
        edits: Edits::default(),
        problems: Vec::new(),
        global: Vec::new(),
        authorization_added: false,
        changed: Vec::new(),
        kept: Vec::new(),
        current: None,
    };
    writer.zone(zone);
    writer.retries();
    for change in &changes {
        writer.change(change);
    }
    writer.global_keys();
    let Writer {
        edits,
        mut problems,
        mut changed,
        kept,
        ..
    } = writer;
    // `global` first, then job by job, each in the order of the file.
    changed.sort_by_key(|(job, _)| *job);
    let changed = changed.into_iter().map(|(_, text)| text).collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    match edits.apply(&source) {
        Ok(text) => Ok(Migrated {
            text,
            changed,
            kept,
        }),
        Err(overlap) => {
            problems.push(Diagnostic::file_error(format!(
                "two changes fall on the same text (character {}), so `migrate` cannot make them",
                overlap.at
            ))
            .with_help("this is a defect in jobrun: please report it with the file; meanwhile follow `jobrun validate`'s warnings by hand"));
            Err(problems)
        }
    }
}

/// A key added to `global`, with a comment saying why.
struct Added {
    key: &'static str,
    value: AddedValue,
    comment: String,
}

enum AddedValue {
    Scalar(String),
    /// One entry of a mapping, with its comment.
    Entry(&'static str, String, String),
}

struct Writer<'s, 'f, 't> {
    source: &'s Source<'s>,
    file: &'f NodeFile<'t>,
    edits: Edits,
    problems: Vec<Diagnostic>,
    /// Keys to add to `global`, in this order.
    global: Vec<Added>,
    /// Whether `Authorization` went into `defaultHeaders` already.
    authorization_added: bool,
    /// What changed, each under the job it is about (0 for `global`).
    changed: Vec<(usize, String)>,
    kept: Vec<String>,
    /// The job the change being made is about.
    current: Option<usize>,
}

impl Writer<'_, '_, '_> {
    /// Say what changed, under the job being changed.
    fn note(&mut self, text: String) {
        self.changed.push((self.current.map_or(0, |i| i + 1), text));
    }

    fn job_label(&self, change: &Change) -> String {
        change
            .job
            .map_or_else(|| "global".to_string(), |i| self.file.jobs[i].label())
    }

    fn zone(&mut self, zone: &NodeZone) {
        let why = match zone.from {
            ZoneSource::Flag => "given with --tz".to_string(),
            ZoneSource::Tz => "from TZ".to_string(),
            ZoneSource::Default => "its default, as TZ was not set".to_string(),
        };
        self.global.push(Added {
            key: "timezone",
            value: AddedValue::Scalar(zone.name.clone()),
            comment: format!("the Node scheduler read every schedule in this zone ({why})"),
        });
        self.note(format!("global: `timezone: {}` ({why})", zone.name));
    }

    /// `retries` and `defaultRetries` one less, for the same attempts; and
    /// `defaultRetries` added where jobs relied on the old default.
    fn retries(&mut self) {
        let file = self.file;
        let comment = |n: i64| {
            format!(
                "the Node scheduler made {} in all; jobrun counts the retries after the first",
                attempts(n)
            )
        };
        if let Some(default) = file.default_retries
            && let Value::Int(written) = default.value.value
        {
            let n = file
                .default_attempts()
                .unwrap_or(crate::migrate::reading::DEFAULT_ATTEMPTS);
            self.replace_with_comment(default.value, (n - 1).to_string(), &comment(n));
            self.note(format!(
                "global: `defaultRetries: {written}` is now {} ({})",
                n - 1,
                attempts(n)
            ));
        }
        let mut relies_on_default = false;
        for (index, job) in file.jobs.iter().enumerate() {
            self.current = Some(index);
            let Some(retries) = job.retries else {
                relies_on_default = true;
                continue;
            };
            let Value::Int(written) = retries.value.value else {
                continue;
            };
            relies_on_default |= written == 0;
            let n = job.node_attempts(file);
            self.replace_with_comment(retries.value, (n - 1).to_string(), &comment(n));
            self.note(format!(
                "{}: `retries: {written}` is now {} ({})",
                job.label(),
                n - 1,
                attempts(n)
            ));
        }
        self.current = None;
        if relies_on_default && file.default_retries.is_none() {
            let n = crate::migrate::reading::DEFAULT_ATTEMPTS;
            self.global.push(Added {
                key: "defaultRetries",
                value: AddedValue::Scalar((n - 1).to_string()),
                comment: comment(n),
            });
            self.note(format!(
                "global: `defaultRetries: {}` added ({})",
                n - 1,
                attempts(n)
            ));
        }
    }

    fn change(&mut self, change: &Change) {
        let label = self.job_label(change);
        self.current = change.job;
        match &change.kind {
            Kind::Zone | Kind::RetriesCount { .. } | Kind::RetriesUnset { .. } => {}
            Kind::ImplicitAuthorization => self.authorization(&label),
            Kind::ReplacedAuthorization {
                header,
                sent,
                default,
            } => {
                let whose = if *default {
                    " for every job without its own"
                } else {
                    ""
                };
                self.comment_above(
                    header.key.chars().start,
                    &format!(
                        "the Node scheduler sent {} here instead{whose}; jobrun sends this header",
                        sent.describe()
                    ),
                );
                self.kept.push(format!(
                    "{label}: its own `Authorization` is sent (the Node scheduler sent {} instead)",
                    sent.describe()
                ));
            }
            Kind::WeekWord { value, placeholder } => {
                let word = value.as_str().unwrap_or_default();
                self.replace_with_comment(
                    value,
                    format!("\"{placeholder}\""),
                    &format!("the Node scheduler sent the date for `{word}`"),
                );
                self.note(format!("{label}: `{word}` is now `{placeholder}`"));
            }
            Kind::WeekRange { map, entry } => self.week_range(map, *entry, &label),
            Kind::Schedule { entry, rewrite } => self.schedule(*entry, rewrite, change, &label),
            Kind::EmptyBodyContentType { method } => {
                if let Some(index) = change.job {
                    self.content_type(index);
                    self.note(format!(
                        "{label}: `Content-Type: application/json` added to its empty {method}"
                    ));
                }
            }
            Kind::BodylessContentType { method } => self.kept.push(format!(
                "{label}: no `Content-Type` on its {method} without a body"
            )),
            Kind::DataNotSent { method, data } => self.data_not_sent(*data, method, change, &label),
            Kind::BuiltIn { name } => self
                .kept
                .push(format!("{label}: `${{{name}}}` is filled in")),
            Kind::Dollars { value } => {
                let written = self.source.slice(value.chars());
                self.replace_with_comment(
                    value,
                    double_dollars(written),
                    "the Node scheduler sent `$$` as written; jobrun reads `$$$$` as `$$`",
                );
                self.note(format!("{label}: `$$` doubled"));
            }
        }
    }

    /// The token the Node scheduler added, in `defaultHeaders` (once).
    fn authorization(&mut self, label: &str) {
        let comment = "the Node scheduler sent this with every request".to_string();
        let value = format!("\"{INJECTED_AUTHORIZATION}\"");
        if !self.authorization_added {
            self.authorization_added = true;
            match self.file.default_headers {
                Some(headers) => {
                    self.insert_first(headers, &[("Authorization", value, comment)]);
                }
                None => self.global.push(Added {
                    key: "defaultHeaders",
                    value: AddedValue::Entry("Authorization", value, comment),
                    comment: String::new(),
                }),
            }
            self.changed.push((
                0,
                format!("global: `Authorization: {INJECTED_AUTHORIZATION}` in `defaultHeaders`"),
            ));
        }
        self.note(format!(
            "{label}: sends `Authorization` as the Node scheduler did"
        ));
    }

    fn week_range(&mut self, map: &Node, entry: Entry, label: &str) {
        let (start, end) = ("${CURRENT_WEEK_START}", "${CURRENT_WEEK_END}");
        let chars = entry.key.chars().start..entry.value.chars().end;
        let text = if self.is_flow(map) {
            format!("startDate: \"{start}\", endDate: \"{end}\"")
        } else {
            let indent = " ".repeat(self.source.column(entry.key.chars().start));
            self.comment_above(
                entry.key.chars().start,
                "the Node scheduler replaced `weekRange: current` with these dates",
            );
            format!(
                "startDate: \"{start}\"{}{indent}endDate: \"{end}\"",
                self.source.newline
            )
        };
        self.edits.replace(chars, text);
        self.note(format!(
            "{label}: `weekRange: current` is now `startDate` and `endDate`"
        ));
    }

    fn schedule(&mut self, entry: Entry, rewrite: &Rewrite, change: &Change, label: &str) {
        let written = entry.value.as_str().unwrap_or_default().trim();
        match rewrite {
            Rewrite::Same => {}
            Rewrite::Standard { text, .. } => {
                self.replace_with_comment(
                    entry.value,
                    format!("\"{text}\""),
                    &format!(
                        "the Node scheduler (node-cron 3) read \"{written}\" differently from cron: this runs when it ran"
                    ),
                );
                self.note(format!("{label}: schedule `{written}` is now `{text}`"));
            }
            Rewrite::Impossible(why) => self.problems.push(
                Diagnostic::error(
                    format!("{label}'s schedule `{written}` has no standard expression with the Node scheduler's meaning: {why}"),
                    change.span,
                )
                .with_help("write the schedule the job should have (cron's meaning, which `jobrun validate` spells out), then run `jobrun migrate` again"),
            ),
        }
    }

    /// `Content-Type: application/json` in the job's `headers`, made if
    /// need be after its `method`.
    fn content_type(&mut self, index: usize) {
        let job = &self.file.jobs[index];
        let comment = "the Node scheduler sent this with every request".to_string();
        if let Some(headers) = job.headers {
            self.insert_first(headers, &[("Content-Type", JSON.to_string(), comment)]);
            return;
        }
        let Some(method) = job.method else {
            return;
        };
        if self.is_flow(job.map) {
            self.edits.insert(
                method.value.chars().end,
                format!(", headers: {{Content-Type: {JSON}}}"),
            );
            return;
        }
        let nl = self.source.newline;
        let indent = " ".repeat(self.source.column(method.key.chars().start));
        let at = self.source.line_end(method.value.chars().end.max(1) - 1);
        self.edits.insert(
            at,
            format!("{nl}{indent}headers:{nl}{indent}  Content-Type: {JSON}  # {comment}"),
        );
    }

    fn data_not_sent(&mut self, data: Entry, method: &str, change: &Change, label: &str) {
        let start = data.key.chars().start;
        if !self.source.starts_line(start) {
            self.problems.push(
                Diagnostic::error(
                    format!("{label}'s `data`, which the Node scheduler did not send with {method}, is not on lines of its own, so `migrate` cannot comment it out"),
                    change.span,
                )
                .with_help("remove `data` from the job by hand, then run `jobrun migrate` again"),
            );
            return;
        }
        self.comment_above(
            start,
            &format!("the Node scheduler did not send this `data` with {method}; jobrun would"),
        );
        for line in self
            .source
            .line_starts(start..data.value.chars().end.max(start + 1))
        {
            let indent = self.source.indent(line);
            if self.source.line_end(line) > line + indent {
                self.edits.insert(line + indent, "# ");
            }
        }
        self.note(format!(
            "{label}: `data` is now a comment (not sent with {method})"
        ));
    }

    /// The keys added to `global`: first in it, or a new `global:` first
    /// in the file.
    fn global_keys(&mut self) {
        let added = std::mem::take(&mut self.global);
        let nl = self.source.newline;
        match self.file.global {
            Some(global) if matches!(global.value.value, Value::Map(_)) => {
                let entries: Vec<(&str, String, String)> = added
                    .iter()
                    .map(|a| match &a.value {
                        AddedValue::Scalar(v) => (a.key, v.clone(), a.comment.clone()),
                        AddedValue::Entry(k, v, c) => (a.key, format!("{{{k}: {v}}}"), c.clone()),
                    })
                    .collect();
                if self.is_flow(global.value) {
                    self.insert_first(global, &entries);
                } else {
                    // A nested entry is written as a block, not `{...}`.
                    let at = global.value.chars().start;
                    let indent = " ".repeat(self.source.column(at));
                    let text: String = added
                        .iter()
                        .map(|a| self.block_lines(a, &indent, nl))
                        .collect();
                    self.insert_lines_before(at, text);
                }
            }
            Some(global)
                if global.value.value == Value::Null && global.value.chars().is_empty() =>
            {
                let at = self.source.line_end(global.key.chars().start);
                let indent = " ".repeat(self.source.column(global.key.chars().start) + 2);
                let text: String = added
                    .iter()
                    .map(|a| self.block_lines(a, &indent, nl))
                    .collect();
                self.edits.insert(at, format!("{nl}{}", text.trim_end()));
            }
            Some(global) => self.problems.push(
                Diagnostic::error(
                    "`global` is not a mapping, so `migrate` cannot add to it",
                    global.value.span,
                )
                .with_help("write `global:` as a mapping of keys, then run `jobrun migrate` again"),
            ),
            None => {
                let root = self.file.root;
                if self.is_flow(root) || !matches!(root.value, Value::Map(_)) {
                    self.problems.push(
                        Diagnostic::error(
                            "the file is not a block mapping, so `migrate` cannot add `global:` to it",
                            root.span,
                        )
                        .with_help("write the file as `global:` and `jobs:` on lines of their own"),
                    );
                    return;
                }
                let text: String = added
                    .iter()
                    .map(|a| self.block_lines(a, "  ", nl))
                    .collect();
                self.edits
                    .insert(root.chars().start, format!("global:{nl}{text}{nl}"));
            }
        }
    }

    /// An added key as block lines at `indent`, each ended by `nl`.
    fn block_lines(&self, added: &Added, indent: &str, nl: &str) -> String {
        let comment = |c: &str| {
            if c.is_empty() {
                String::new()
            } else {
                format!("  # {c}")
            }
        };
        match &added.value {
            AddedValue::Scalar(value) => format!(
                "{indent}{}: {value}{}{nl}",
                added.key,
                comment(&added.comment)
            ),
            AddedValue::Entry(key, value, entry_comment) => format!(
                "{indent}{}:{}{nl}{indent}  {key}: {value}{}{nl}",
                added.key,
                comment(&added.comment),
                comment(entry_comment)
            ),
        }
    }

    /// Entries put first in `map`, in the order given.
    fn insert_first(&mut self, entry: Entry, added: &[(&str, String, String)]) {
        let map = entry.value;
        if map.value == Value::Null {
            // `defaultHeaders:` with nothing (or `~`) after it: the entries
            // become its block, on the lines after its key.
            let nl = self.source.newline;
            let indent = " ".repeat(self.source.column(entry.key.chars().start) + 2);
            let text: String = added
                .iter()
                .map(|(k, v, c)| format!("{nl}{indent}{k}: {v}  # {c}"))
                .collect();
            self.edits.replace(map.chars(), "");
            self.edits
                .insert(self.source.line_end(entry.key.chars().start), text);
            return;
        }
        if !matches!(map.value, Value::Map(_)) {
            self.problems.push(
                Diagnostic::error(
                    format!(
                        "`migrate` would add `{}` here, but this is not a mapping",
                        added.first().map_or("", |a| a.0)
                    ),
                    map.span,
                )
                .with_help(
                    "write it as a mapping (`Name: value` lines), then run `jobrun migrate` again",
                ),
            );
            return;
        }
        if self.is_flow(map) {
            for (_, _, comment) in added {
                self.comment_above(map.chars().start, comment);
            }
            let mut text: Vec<String> = added.iter().map(|(k, v, _)| format!("{k}: {v}")).collect();
            let empty = entries(map).is_empty();
            if !empty {
                text.push(String::new());
            }
            self.edits.insert(map.chars().start + 1, text.join(", "));
            return;
        }
        let at = map.chars().start;
        let indent = " ".repeat(self.source.column(at));
        let nl = self.source.newline;
        let text: String = added
            .iter()
            .map(|(k, v, c)| format!("{indent}{k}: {v}  # {c}{nl}"))
            .collect();
        self.insert_lines_before(at, text);
    }

    /// Whole lines (each indented and ended) before the entry starting at
    /// `at` and the comments above it; after `- ` when the entry shares
    /// its line with it.
    fn insert_lines_before(&mut self, at: usize, lines: String) {
        if self.source.starts_line(at) {
            // Above the comments that belong to that entry.
            self.edits
                .insert_first(self.source.comments_above(at), lines);
        } else {
            // `- key: ...`: the new lines take the place after `- `, and
            // the entry moves to a line of its own.
            let indent = " ".repeat(self.source.column(at));
            let lines = lines.strip_prefix(&indent).unwrap_or(&lines).to_string();
            self.edits.insert_first(at, format!("{lines}{indent}"));
        }
    }

    fn is_flow(&self, node: &Node) -> bool {
        matches!(self.source.char_at(node.chars().start), Some('{' | '['))
            && !matches!(node.value, Value::Str(_))
    }

    /// A comment line above the line holding character `at`, indented as
    /// that line is.
    fn comment_above(&mut self, at: usize, text: &str) {
        let line = self.source.line_start(at);
        let indent = " ".repeat(self.source.indent(at));
        self.edits
            .insert(line, format!("{indent}# {text}{}", self.source.newline));
    }

    fn replace_with_comment(&mut self, value: &Node, text: String, comment: &str) {
        self.comment_above(value.chars().start, comment);
        self.edits.replace(value.chars(), text);
    }
}

/// A string as written, with each `$` the Node scheduler sent as text
/// written so that jobrun sends it too: a run of `$` not starting a
/// `${...}` placeholder is doubled when jobrun would read `$$` in it.
fn double_dollars(written: &str) -> String {
    let chars: Vec<char> = written.chars().collect();
    let mut out = String::with_capacity(written.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '$' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|c| **c == '$').count();
        let starts_placeholder = chars.get(i + run) == Some(&'{');
        // The Node scheduler's text: every `$` of the run, but the last
        // when it opens a placeholder.
        let literal = run - usize::from(starts_placeholder);
        let doubled = if literal >= 2 || (literal >= 1 && starts_placeholder) {
            2 * literal
        } else {
            literal
        };
        out.extend(std::iter::repeat_n(
            '$',
            doubled + usize::from(starts_placeholder),
        ));
        i += run;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobfile::yaml;

    fn chicago() -> NodeZone {
        NodeZone {
            name: DEFAULT_ZONE.into(),
            from: ZoneSource::Default,
        }
    }

    /// The file migrated, which must load as jobrun's own.
    fn migrated(text: &str) -> String {
        let root = yaml::parse(text).unwrap().unwrap();
        let out = migrate(text, &root, &chicago())
            .unwrap_or_else(|d| panic!("{d:#?}"))
            .text;
        crate::migrate::verify(&out).unwrap_or_else(|d| panic!("{out}\n{d:#?}"));
        out
    }

    fn problems(text: &str) -> Vec<Diagnostic> {
        let root = yaml::parse(text).unwrap().unwrap();
        migrate(text, &root, &chicago()).expect_err("refused")
    }

    const ZONE: &str = "timezone: America/Chicago  # the Node scheduler read every schedule in this zone (its default, as TZ was not set)";
    const RETRIES: &str =
        "# the Node scheduler made 3 attempts in all; jobrun counts the retries after the first";
    const TOKEN: &str =
        "Authorization: \"Bearer ${JWT_TOKEN}\"  # the Node scheduler sent this with every request";

    #[test]
    fn a_file_without_global_gets_one_first() {
        let text = "# my jobs\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n    retries: 1\n";
        let retries = RETRIES.replace("3 attempts", "1 attempt");
        assert_eq!(
            migrated(text),
            format!(
                "# my jobs\nglobal:\n  {ZONE}\n  defaultHeaders:\n    {TOKEN}\n\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n    {retries}\n    retries: 0\n"
            )
        );
    }

    #[test]
    fn keys_go_first_in_a_block_global_and_a_flow_one() {
        let job = "jobs:\n  - {name: a, schedule: \"* * * * *\", url: \"https://e.com\", headers: {Authorization: \"Bearer ${JWT_TOKEN}\"}}\n";
        let block = format!("global:\n  # first\n  defaultTimeout: 1000  # ms\n{job}");
        assert_eq!(
            migrated(&block),
            format!(
                "global:\n  {ZONE}\n  defaultRetries: 2  {RETRIES}\n  # first\n  defaultTimeout: 1000  # ms\n{job}"
            )
        );
        let flow = format!("global: {{defaultTimeout: 1000}}\n{job}");
        let out = migrated(&flow);
        assert!(
            out.contains(
                "global: {timezone: America/Chicago, defaultRetries: 2, defaultTimeout: 1000}"
            ),
            "{out}"
        );
        assert!(
            out.starts_with("# the Node scheduler read every schedule"),
            "{out}"
        );
    }

    #[test]
    fn a_comment_above_the_first_key_stays_with_it() {
        let text = "global:\n  defaultRetries: 1\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n";
        let out = migrated(text);
        let retries = RETRIES.replace("3 attempts", "1 attempt");
        assert!(
            out.starts_with(&format!("global:\n  {ZONE}\n  defaultHeaders:\n    {TOKEN}\n  {retries}\n  defaultRetries: 0\n")),
            "{out}"
        );
    }

    #[test]
    fn content_type_goes_into_the_headers_or_after_the_method() {
        let text = "global:\n  defaultRetries: 1\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n    method: POST  # no body\n    description: d\n  - {name: b, schedule: \"* * * * *\", url: \"https://e.com\", method: put}\n  - name: c\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n    method: PATCH\n    headers: {X: y}\n";
        let out = migrated(text);
        assert!(
            out.contains("    method: POST  # no body\n    headers:\n      Content-Type: application/json  # the Node scheduler sent this with every request\n    description: d\n"),
            "{out}"
        );
        assert!(
            out.contains("method: put, headers: {Content-Type: application/json}}"),
            "{out}"
        );
        assert!(
            out.contains("headers: {Content-Type: application/json, X: y}"),
            "{out}"
        );
    }

    #[test]
    fn empty_mappings_get_their_first_entries() {
        let text = "global:\n  defaultRetries: 1\n  defaultHeaders: ~  # none yet\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n    method: POST\n    headers:\n    description: d\n  - {name: b, schedule: \"* * * * *\", url: \"https://e.com\", method: PUT, headers: {}}\n";
        let out = migrated(text);
        assert!(
            out.contains(&format!(
                "  defaultHeaders:   # none yet\n    {TOKEN}\njobs:"
            )),
            "{out}"
        );
        assert!(
            out.contains("    headers:\n      Content-Type: application/json  # the Node scheduler sent this with every request\n    description: d\n"),
            "{out}"
        );
        assert!(
            out.contains("headers: {Content-Type: application/json}}"),
            "{out}"
        );
    }

    #[test]
    fn shared_values_are_rewritten_once_and_keep_their_anchors() {
        let text = "global:\n  defaultRetries: 3\njobs:\n  - &base\n    name: a\n    schedule: \"0 0 */2 * *\"\n    url: \"https://e.com\"\n    retries: &r 2\n  - <<: *base\n    name: b\n  - {name: c, schedule: \"* * * * *\", url: \"https://e.com\", retries: *r}\n";
        let out = migrated(text);
        assert_eq!(
            out.matches("schedule: \"0 0 2-30/2 * *\"").count(),
            1,
            "{out}"
        );
        assert_eq!(out.matches("node-cron 3").count(), 1, "{out}");
        assert!(out.contains("    retries: &r 1\n  - <<: *base\n"), "{out}");
        assert!(out.contains("retries: 1}"), "{out}");
    }

    #[test]
    fn data_not_sent_with_delete_becomes_a_comment() {
        let text = "global:\n  defaultRetries: 1\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n    method: DELETE\n    data:\n      k: v\n\n      list: [1, 2]\n    description: d\n";
        let out = migrated(text);
        assert!(
            out.contains("    # the Node scheduler did not send this `data` with DELETE; jobrun would\n    # data:\n      # k: v\n\n      # list: [1, 2]\n    description: d\n"),
            "{out}"
        );
        let flow = "global:\n  defaultRetries: 1\njobs:\n  - {name: a, schedule: \"* * * * *\", url: \"https://e.com\", method: DELETE, data: 1}\n";
        let found = problems(flow);
        assert!(
            found[0].message.contains("not on lines of its own"),
            "{found:#?}"
        );
    }

    #[test]
    fn schedules_take_node_crons_meaning_or_stop_the_migration() {
        let text = "global:\n  defaultRetries: 1\njobs:\n  - name: a\n    schedule: \"0 0 */2 * *\"  # every other day\n    url: \"https://e.com\"\n";
        let out = migrated(text);
        assert!(
            out.contains("    # the Node scheduler (node-cron 3) read \"0 0 */2 * *\" differently from cron: this runs when it ran\n    schedule: \"0 0 2-30/2 * *\"  # every other day\n"),
            "{out}"
        );
        let found = problems(&text.replace("0 0 */2 * *", "0 0 */2 * 1-5"));
        assert!(
            found[0]
                .message
                .starts_with("job `a`'s schedule `0 0 */2 * 1-5` has no standard expression"),
            "{found:#?}"
        );
        assert_eq!(found[0].span.unwrap().line, 5);
    }

    #[test]
    fn retries_keep_the_number_of_attempts() {
        let text = "global:\n  defaultRetries: 4\njobs:\n  - {name: a, schedule: \"* * * * *\", url: \"https://e.com\", retries: 0}\n  - {name: b, schedule: \"* * * * *\", url: \"https://e.com\", retries: 2}\n  - {name: c, schedule: \"* * * * *\", url: \"https://e.com\"}\n";
        let out = migrated(text);
        assert!(out.contains("  defaultRetries: 3\n"), "{out}");
        assert!(out.contains("retries: 3}"), "{out}");
        assert!(out.contains("retries: 1}"), "{out}");
        assert!(!out.contains("defaultRetries: 2"), "{out}");
    }

    #[test]
    fn week_words_and_dollars_in_flow_data() {
        let text = "global:\n  defaultRetries: 1\njobs:\n  - {name: a, schedule: \"* * * * *\", url: \"https://e.com/$$x\", method: POST, headers: {authorization: t, content-type: text/plain}, data: {weekRange: current, from: current_week_start, cost: \"$$5\"}}\n";
        let out = migrated(text);
        assert!(
            out.contains("data: {startDate: \"${CURRENT_WEEK_START}\", endDate: \"${CURRENT_WEEK_END}\", from: \"${CURRENT_WEEK_START}\", cost: \"$$$$5\"}"),
            "{out}"
        );
        assert!(out.contains("url: \"https://e.com/$$$$x\""), "{out}");
    }

    #[test]
    fn windows_line_breaks_are_kept() {
        let text = "global:\r\n  defaultRetries: 1\r\njobs:\r\n  - name: a\r\n    schedule: \"* * * * *\"\r\n    url: \"https://e.com\"\r\n    headers:\r\n      Authorization: x\r\n";
        let out = migrated(text);
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
        assert!(out.contains("# the Node scheduler sent `Authorization: Bearer ${JWT_TOKEN}` here instead; jobrun sends this header\r\n"), "{out:?}");
    }

    #[test]
    fn dollars_keep_what_the_node_scheduler_sent() {
        assert_eq!(double_dollars("\"a $$ b\""), "\"a $$$$ b\"");
        assert_eq!(double_dollars("$$${X}"), "$$$$${X}");
        assert_eq!(double_dollars("$${X}"), "$$${X}");
        assert_eq!(double_dollars("$5 and ${X}"), "$5 and ${X}");
    }
}
