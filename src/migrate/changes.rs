//! Every place where jobrun does something other than what the Node
//! scheduler did with the same file, found in one walk over it. `validate`
//! turns each into a warning (`warnings.rs`), `migrate` into an edit
//! (`rewrite.rs`), so the two cannot disagree about what changed.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::Span;
use crate::job::builtin;
use crate::job::template::Template;
use crate::jobfile::yaml::{Node, Value};
use crate::migrate::reading::{Entry, NodeAuthorization, NodeFile, entries};
use crate::migrate::schedule::{self, Rewrite};

/// One difference, at its place.
#[derive(Debug, Clone)]
pub(crate) struct Change<'t> {
    pub(crate) kind: Kind<'t>,
    pub(crate) span: Span,
    /// The job it is about, as an index into `NodeFile::jobs`.
    pub(crate) job: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind<'t> {
    /// The file names no zone: jobrun reads it in the host's.
    Zone,
    /// `retries` counts retries, not attempts. `written` is the count the
    /// file gives most jobs, when it gives one.
    RetriesCount {
        written: Option<(&'static str, i64)>,
    },
    /// `retries: 0` or `defaultRetries: 0`, which the Node scheduler read
    /// as not set.
    RetriesUnset { key: &'static str, attempts: i64 },
    /// The job sends no `Authorization`; the Node scheduler added one.
    ImplicitAuthorization,
    /// A header written exactly `Authorization`, which the Node scheduler
    /// replaced with `sent`. `default`: in `defaultHeaders`.
    ReplacedAuthorization {
        header: Entry<'t>,
        sent: NodeAuthorization<'t>,
        default: bool,
    },
    /// A `data` string `current_week_start` or `current_week_end`, which
    /// the Node scheduler replaced with a date.
    WeekWord {
        value: &'t Node,
        placeholder: &'static str,
    },
    /// `weekRange: current` in a mapping of `data` (`validate` warns about
    /// it for every file; only `migrate` acts on it here).
    WeekRange { map: &'t Node, entry: Entry<'t> },
    /// A schedule node-cron 3 read differently (`validate` warns about it
    /// for every file; only `migrate` acts on it here).
    Schedule { entry: Entry<'t>, rewrite: Rewrite },
    /// POST, PUT or PATCH without `data` or a `Content-Type`: the Node
    /// scheduler sent `Content-Type: application/json` with the empty body.
    EmptyBodyContentType { method: String },
    /// A request without a body and without a `Content-Type` header: the
    /// Node scheduler sent `Content-Type: application/json` all the same.
    BodylessContentType { method: String },
    /// `data` on DELETE or OPTIONS, which the Node scheduler did not send.
    DataNotSent { method: String, data: Entry<'t> },
    /// A built-in placeholder jobrun fills in, which the Node scheduler
    /// took from its environment or sent as written.
    BuiltIn { name: String },
    /// `$$` in a string: one `$` to jobrun, two to the Node scheduler.
    Dollars { value: &'t Node },
}

/// Every difference in the file, in the order of the file.
pub(crate) fn find<'t>(file: &NodeFile<'t>) -> Vec<Change<'t>> {
    let mut found = Finder {
        file,
        changes: Vec::new(),
        schedules: HashMap::new(),
    };
    found.file_wide();
    for (index, _) in file.jobs.iter().enumerate() {
        found.job(index);
    }
    let mut changes = found.changes;
    changes.sort_by_key(|c| (c.span.line, c.span.col));
    // A value shared through an alias is one place, however many jobs use it.
    let mut seen = HashSet::new();
    changes.retain(|c| seen.insert((std::mem::discriminant(&c.kind), c.span.line, c.span.col)));
    changes
}

struct Finder<'f, 't> {
    file: &'f NodeFile<'t>,
    changes: Vec<Change<'t>>,
    /// Each schedule's rewrite, by its text: files repeat a few schedules
    /// many times.
    schedules: HashMap<&'t str, Rewrite>,
}

impl<'t> Finder<'_, 't> {
    fn push(&mut self, kind: Kind<'t>, span: Span, job: Option<usize>) {
        self.changes.push(Change { kind, span, job });
    }

    fn file_wide(&mut self) {
        let file = self.file;
        self.push(Kind::Zone, file.file_span(), None);

        let job_retries = file.jobs.iter().find_map(|j| j.retries);
        let (written, span) = match (file.default_retries, job_retries) {
            (Some(d), _) => (count(d).map(|n| ("defaultRetries", n)), d.value.span),
            (None, Some(r)) => (count(r).map(|n| ("retries", n)), r.value.span),
            (None, None) => (None, file.file_span()),
        };
        self.push(Kind::RetriesCount { written }, span, None);
        if let Some(d) = file.default_retries
            && count(d) == Some(0)
        {
            self.push(
                Kind::RetriesUnset {
                    key: "defaultRetries",
                    attempts: crate::migrate::reading::DEFAULT_ATTEMPTS,
                },
                d.value.span,
                None,
            );
        }

        // `defaultHeaders`' own `Authorization`, for every job without one.
        if let Some(header) = file
            .default_header_entries()
            .find(|e| e.key.as_str() == Some("Authorization"))
        {
            // What a job without headers of its own was sent.
            let sent = file
                .default_header_entries()
                .find(|e| {
                    e.key.as_str().is_some_and(|k| {
                        k.eq_ignore_ascii_case("authorization") && k != "Authorization"
                    })
                })
                .map_or(NodeAuthorization::Injected, NodeAuthorization::Header);
            self.replaced(header, sent, true, None);
        }
        for entry in file.default_header_entries() {
            self.strings(entry.value, None, false);
        }
    }

    fn replaced(
        &mut self,
        header: Entry<'t>,
        sent: NodeAuthorization<'t>,
        default: bool,
        job: Option<usize>,
    ) {
        if header.value.scalar_text() != Some(sent.value()) {
            self.push(
                Kind::ReplacedAuthorization {
                    header,
                    sent,
                    default,
                },
                header.key.span,
                job,
            );
        }
    }

    fn job(&mut self, index: usize) {
        let file = self.file;
        let job = &file.jobs[index];
        let at = Some(index);

        if let Some(schedule) = job.schedule
            && let Some(text) = schedule.value.as_str()
        {
            let rewrite = self
                .schedules
                .entry(text)
                .or_insert_with(|| schedule::rewrite(text))
                .clone();
            if rewrite != Rewrite::Same {
                self.push(
                    Kind::Schedule {
                        entry: schedule,
                        rewrite,
                    },
                    schedule.value.span,
                    at,
                );
            }
        }

        if let Some(retries) = job.retries
            && count(retries) == Some(0)
        {
            let attempts = job.node_attempts(file);
            self.push(
                Kind::RetriesUnset {
                    key: "retries",
                    attempts,
                },
                retries.value.span,
                at,
            );
        }

        match job.node_authorization(file) {
            NodeAuthorization::Injected if job.configured(file, "authorization").is_none() => {
                self.push(Kind::ImplicitAuthorization, job.span(), at);
            }
            sent => {
                if let Some(own) = job
                    .header_entries()
                    .find(|e| e.key.as_str() == Some("Authorization"))
                {
                    self.replaced(own, sent, false, at);
                }
            }
        }

        let method = job.method();
        let method_span = job.method.map_or(job.span(), |m| m.value.span);
        if job.configured(file, "content-type").is_none() {
            if job.node_sends_body() && job.data.is_none() {
                self.push(
                    Kind::EmptyBodyContentType {
                        method: method.clone(),
                    },
                    method_span,
                    at,
                );
            } else if !job.node_sends_body() {
                self.push(
                    Kind::BodylessContentType {
                        method: method.clone(),
                    },
                    method_span,
                    at,
                );
            }
        }
        if let Some(data) = job.data
            && job.jobrun_sends_data()
            && !job.node_sends_body()
        {
            self.push(Kind::DataNotSent { method, data }, data.key.span, at);
        }

        if let Some(url) = job.url {
            self.strings(url.value, at, false);
        }
        for header in job.header_entries() {
            self.strings(header.value, at, false);
        }
        // What is in `data` matters only where it was sent by both.
        if let Some(data) = job.data
            && job.node_sends_body()
        {
            self.strings(data.value, at, true);
            self.week_ranges(data.value, at);
        }
    }

    /// The strings in `node` (all of it, in `data`), for placeholders the
    /// two read differently, and in `data` for the bare week words.
    fn strings(&mut self, node: &'t Node, job: Option<usize>, in_data: bool) {
        match &node.value {
            Value::Str(text) => self.string(node, text, job, in_data),
            Value::Seq(items) if in_data => {
                for item in items {
                    self.strings(item, job, in_data);
                }
            }
            Value::Map(entries) if in_data => {
                for (_, value) in entries {
                    self.strings(value, job, in_data);
                }
            }
            _ => {}
        }
    }

    fn string(&mut self, node: &'t Node, text: &str, job: Option<usize>, in_data: bool) {
        if in_data {
            let placeholder = match text {
                "current_week_start" => Some("${CURRENT_WEEK_START}"),
                "current_week_end" => Some("${CURRENT_WEEK_END}"),
                _ => None,
            };
            if let Some(placeholder) = placeholder {
                self.push(
                    Kind::WeekWord {
                        value: node,
                        placeholder,
                    },
                    node.span,
                    job,
                );
                return;
            }
        }
        if text.contains("$$") {
            self.push(Kind::Dollars { value: node }, node.span, job);
        }
        // The whole value `${CURRENT_WEEK_START}` in `data` was the Node
        // scheduler's own week placeholder.
        let week_value = in_data && matches!(text, "${CURRENT_WEEK_START}" | "${CURRENT_WEEK_END}");
        // Most strings name no built-in: only those are parsed again here.
        if week_value
            || !text.contains("${")
            || !builtin::NAMES.iter().any(|name| text.contains(name))
        {
            return;
        }
        let Ok(template) = Template::parse(text) else {
            // The checks report it.
            return;
        };
        for p in template.placeholders() {
            if builtin::NAMES.contains(&p.name.as_str()) {
                let span = node.span.sub(p.offset + usize::from(node.quoted), p.len);
                self.push(
                    Kind::BuiltIn {
                        name: p.name.clone(),
                    },
                    span,
                    job,
                );
            }
        }
    }

    fn week_ranges(&mut self, node: &'t Node, job: Option<usize>) {
        match &node.value {
            Value::Seq(items) => items.iter().for_each(|i| self.week_ranges(i, job)),
            Value::Map(_) => {
                for (key, value) in entries(node) {
                    self.week_ranges(value, job);
                    if key.as_str() == Some("weekRange") && value.as_str() == Some("current") {
                        let entry = Entry { key, value };
                        self.push(Kind::WeekRange { map: node, entry }, key.span, job);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A count as written, when it is a whole number.
fn count(entry: Entry) -> Option<i64> {
    match entry.value.value {
        Value::Int(n) => Some(n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobfile::yaml;

    /// Each change's kind (its variant's name) and line.
    fn found(text: &str) -> Vec<(String, u32)> {
        let root = yaml::parse(text).unwrap().unwrap();
        let file = NodeFile::read(&root);
        find(&file)
            .iter()
            .map(|c| {
                let kind = format!("{:?}", c.kind);
                let name = kind.split([' ', '{', '(']).next().unwrap().to_string();
                (name, c.span.line)
            })
            .filter(|(name, _)| name != "Zone" && name != "RetriesCount")
            .collect()
    }

    #[test]
    fn built_in_placeholders_are_found_where_the_node_scheduler_sent_them_as_text() {
        let text = "jobs:\n  - name: a\n    url: \"https://e.com/${JOB_NAME}\"\n    method: POST\n    headers: {Authorization: x, Content-Type: y}\n    data:\n      at: \"${NOW}\"\n      week: \"${CURRENT_WEEK_START}\"\n      from: \"since ${CURRENT_WEEK_START}\"\n      cost: \"$$5\"\n";
        assert_eq!(
            found(text),
            [
                ("BuiltIn".to_string(), 3),
                ("ReplacedAuthorization".to_string(), 5),
                ("BuiltIn".to_string(), 7),
                ("BuiltIn".to_string(), 9),
                ("Dollars".to_string(), 10),
            ]
        );
    }

    #[test]
    fn what_was_not_sent_by_either_is_no_change() {
        // `data` on GET went out from neither; only the missing token and
        // the `Content-Type` without a body differ.
        let text = "jobs:\n  - name: a\n    url: \"https://e.com\"\n    data: {d: current_week_start, at: \"${NOW}\"}\n";
        assert_eq!(
            found(text),
            [
                ("ImplicitAuthorization".to_string(), 2),
                ("BodylessContentType".to_string(), 2)
            ]
        );
        // With DELETE, jobrun sends it and the Node scheduler did not.
        let text = "jobs:\n  - name: a\n    url: \"https://e.com\"\n    method: delete\n    headers: {authorization: t}\n    data: {d: 1}\n";
        assert_eq!(
            found(text),
            [
                ("BodylessContentType".to_string(), 4),
                ("DataNotSent".to_string(), 6)
            ]
        );
    }
}
