//! The job file as the Node scheduler read it: the places in the YAML tree
//! of `global`'s keys and of each job's name, method, headers, `data`,
//! `retries` and schedule, and what it sent from them (which
//! `Authorization`, which `Content-Type`, how many attempts).
//!
//! What it did was observed by running it against a test server
//! (tests/fixtures/node-scheduler/observed-requests.md): every request
//! carried `Authorization: Bearer <JWT_TOKEN>` (a header written exactly
//! `Authorization` was replaced by it; one written in another case, such as
//! `authorization`, was sent instead of it), every request carried
//! `Content-Type: application/json` unless a header said otherwise, and
//! `data` went only with POST, PUT and PATCH. Its retry count was
//! `retries || defaultRetries || 3` attempts in all, so a 0 meant "not set".

use crate::diagnostic::Span;
use crate::jobfile::yaml::{Node, Value};

/// What the Node scheduler sent as `Authorization` when no header of the
/// job replaced it, and what `migrate` writes into `defaultHeaders`.
pub(crate) const INJECTED_AUTHORIZATION: &str = "Bearer ${JWT_TOKEN}";
/// The `Content-Type` the Node scheduler sent unless a header said otherwise.
pub(crate) const JSON: &str = "application/json";
/// Its retry count when neither `retries` nor `defaultRetries` set one.
pub(crate) const DEFAULT_ATTEMPTS: i64 = 3;

/// `1 attempt`, `3 attempts`.
pub(crate) fn attempts(n: i64) -> String {
    if n == 1 {
        "1 attempt".into()
    } else {
        format!("{n} attempts")
    }
}

/// A key and its value in a mapping.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry<'t> {
    pub(crate) key: &'t Node,
    pub(crate) value: &'t Node,
}

impl<'t> Entry<'t> {
    fn name(&self) -> &'t str {
        self.key.as_str().unwrap_or_default()
    }
}

/// The file's places the Node scheduler's reading depends on.
#[derive(Debug)]
pub(crate) struct NodeFile<'t> {
    pub(crate) root: &'t Node,
    pub(crate) global: Option<Entry<'t>>,
    pub(crate) default_headers: Option<Entry<'t>>,
    pub(crate) default_retries: Option<Entry<'t>>,
    pub(crate) jobs_key: Option<&'t Node>,
    pub(crate) jobs: Vec<NodeJob<'t>>,
}

/// One job's places.
#[derive(Debug)]
pub(crate) struct NodeJob<'t> {
    /// The job's mapping.
    pub(crate) map: &'t Node,
    pub(crate) name: Option<Entry<'t>>,
    pub(crate) schedule: Option<Entry<'t>>,
    pub(crate) url: Option<Entry<'t>>,
    pub(crate) method: Option<Entry<'t>>,
    pub(crate) headers: Option<Entry<'t>>,
    pub(crate) data: Option<Entry<'t>>,
    pub(crate) retries: Option<Entry<'t>>,
}

/// The mapping's entry for `key`.
pub(crate) fn entry<'t>(map: &'t Node, key: &str) -> Option<Entry<'t>> {
    entries(map)
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(key, value)| Entry { key, value })
}

/// A mapping's entries; none for anything else.
pub(crate) fn entries(node: &Node) -> &[(Node, Node)] {
    match &node.value {
        Value::Map(entries) => entries,
        _ => &[],
    }
}

impl<'t> NodeFile<'t> {
    pub(crate) fn read(root: &'t Node) -> NodeFile<'t> {
        let global = entry(root, "global");
        let in_global = |key| global.and_then(|g| entry(g.value, key));
        let jobs = entry(root, "jobs");
        let job_maps: &[Node] = match jobs.map(|j| &j.value.value) {
            Some(Value::Seq(items)) => items,
            _ => &[],
        };
        NodeFile {
            root,
            global,
            default_headers: in_global("defaultHeaders"),
            default_retries: in_global("defaultRetries"),
            jobs_key: jobs.map(|j| j.key),
            jobs: job_maps
                .iter()
                .filter(|m| matches!(m.value, Value::Map(_)))
                .map(NodeJob::read)
                .collect(),
        }
    }

    /// `defaultHeaders`' entries.
    pub(crate) fn default_header_entries(&self) -> impl Iterator<Item = Entry<'t>> {
        header_entries(self.default_headers)
    }

    /// What `defaultRetries` said to the Node scheduler: a positive count,
    /// or `None` when it is absent or 0 (which it read as not set).
    pub(crate) fn default_attempts(&self) -> Option<i64> {
        positive(self.default_retries)
    }

    /// Where a remark about the whole file goes: `global:`, else `jobs:`,
    /// else the first line.
    pub(crate) fn file_span(&self) -> Span {
        self.global
            .map(|g| g.key.span)
            .or(self.jobs_key.map(|k| k.span))
            .unwrap_or(Span::new(1, 1, 1))
    }
}

fn header_entries<'t>(headers: Option<Entry<'t>>) -> impl Iterator<Item = Entry<'t>> {
    headers
        .map(|h| entries(h.value))
        .unwrap_or_default()
        .iter()
        .filter(|(k, _)| k.as_str().is_some())
        .map(|(key, value)| Entry { key, value })
}

fn positive(entry: Option<Entry>) -> Option<i64> {
    match entry.map(|e| &e.value.value) {
        Some(Value::Int(n)) if *n > 0 => Some(*n),
        _ => None,
    }
}

impl<'t> NodeJob<'t> {
    /// The places of a job's mapping, in one pass over its entries.
    fn read(map: &'t Node) -> NodeJob<'t> {
        let mut job = NodeJob {
            map,
            name: None,
            schedule: None,
            url: None,
            method: None,
            headers: None,
            data: None,
            retries: None,
        };
        for (key, value) in entries(map) {
            let place = match key.as_str() {
                Some("name") => &mut job.name,
                Some("schedule") => &mut job.schedule,
                Some("url") => &mut job.url,
                Some("method") => &mut job.method,
                Some("headers") => &mut job.headers,
                Some("data") => &mut job.data,
                Some("retries") => &mut job.retries,
                _ => continue,
            };
            place.get_or_insert(Entry { key, value });
        }
        job
    }

    /// How people know the job: `job `name``, or where it starts.
    pub(crate) fn label(&self) -> String {
        match self.name.and_then(|n| n.value.as_str()) {
            Some(name) => format!("job `{name}`"),
            None => format!("the job at line {}", self.map.span.line),
        }
    }

    /// Where a remark about the whole job goes: its name, else its start.
    pub(crate) fn span(&self) -> Span {
        self.name.map_or(self.map.span, |n| n.value.span)
    }

    /// The method, in capitals; GET when none is written.
    pub(crate) fn method(&self) -> String {
        self.method_as_written().to_ascii_uppercase()
    }

    fn method_as_written(&self) -> &'t str {
        self.method.and_then(|m| m.value.as_str()).unwrap_or("GET")
    }

    fn method_is_one_of(&self, methods: &[&str]) -> bool {
        let written = self.method_as_written();
        methods.iter().any(|m| m.eq_ignore_ascii_case(written))
    }

    /// Whether the Node scheduler sent `data` (as a body) with this
    /// method: only with POST, PUT and PATCH, an empty one when there was
    /// no `data`.
    pub(crate) fn node_sends_body(&self) -> bool {
        self.method_is_one_of(&["POST", "PUT", "PATCH"])
    }

    /// Whether jobrun sends the job's `data`: with every method but GET
    /// and HEAD.
    pub(crate) fn jobrun_sends_data(&self) -> bool {
        self.data.is_some() && !self.method_is_one_of(&["GET", "HEAD"])
    }

    /// The job's own headers.
    pub(crate) fn header_entries(&self) -> impl Iterator<Item = Entry<'t>> {
        header_entries(self.headers)
    }

    /// The header named `name` (any case) that jobrun sends for this job:
    /// the job's own, else `defaultHeaders`'.
    pub(crate) fn configured(&self, file: &NodeFile<'t>, name: &str) -> Option<Entry<'t>> {
        let named = |e: &Entry| e.name().eq_ignore_ascii_case(name);
        self.header_entries()
            .find(named)
            .or_else(|| file.default_header_entries().find(named))
    }

    /// The `Authorization` the Node scheduler sent: the token it added,
    /// unless a header named in another case than `Authorization` (the
    /// job's, else `defaultHeaders`') was sent instead of it.
    pub(crate) fn node_authorization(&self, file: &NodeFile<'t>) -> NodeAuthorization<'t> {
        let other_case = |e: &Entry| {
            e.name().eq_ignore_ascii_case("authorization") && e.name() != "Authorization"
        };
        self.header_entries()
            .find(other_case)
            .or_else(|| file.default_header_entries().find(other_case))
            .map_or(NodeAuthorization::Injected, NodeAuthorization::Header)
    }

    /// How many attempts the Node scheduler made in all.
    pub(crate) fn node_attempts(&self, file: &NodeFile) -> i64 {
        positive(self.retries)
            .or(file.default_attempts())
            .unwrap_or(DEFAULT_ATTEMPTS)
    }
}

/// The `Authorization` header the Node scheduler sent for a job.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NodeAuthorization<'t> {
    /// `Bearer ${JWT_TOKEN}` (or the token it minted from `JWT_SECRET`,
    /// as jobrun mints `JWT_TOKEN`).
    Injected,
    /// This header, written in another case than `Authorization`.
    Header(Entry<'t>),
}

impl NodeAuthorization<'_> {
    /// The value as written in the file: never to be shown, as a header
    /// written out may hold a credential.
    pub(crate) fn value(&self) -> String {
        match self {
            NodeAuthorization::Injected => INJECTED_AUTHORIZATION.to_string(),
            NodeAuthorization::Header(e) => e.value.scalar_text().unwrap_or_default(),
        }
    }

    /// What it was, in words that show no value of the file's.
    pub(crate) fn describe(&self) -> String {
        match self {
            NodeAuthorization::Injected => format!("`Authorization: {INJECTED_AUTHORIZATION}`"),
            NodeAuthorization::Header(e) => format!(
                "the `{}` header of line {}",
                e.key.as_str().unwrap_or_default(),
                e.key.span.line
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobfile::yaml;

    fn with_file(text: &str, check: impl FnOnce(&NodeFile)) {
        let root = yaml::parse(text).unwrap().unwrap();
        check(&NodeFile::read(&root));
    }

    #[test]
    fn a_header_in_another_case_was_sent_instead_of_the_token() {
        let text = "global:\n  defaultHeaders:\n    authorization: \"Bearer ${D}\"\njobs:\n  - name: a\n    headers:\n      Authorization: \"Bearer ${A}\"\n  - name: b\n    headers:\n      AUTHORIZATION: \"Bearer ${B}\"\n  - name: c\n";
        with_file(text, |file| {
            let sent: Vec<String> = file
                .jobs
                .iter()
                .map(|j| j.node_authorization(file).value())
                .collect();
            // `a`'s own `Authorization` was replaced, and the default's
            // lowercase one went out instead of the token.
            assert_eq!(sent, ["Bearer ${D}", "Bearer ${B}", "Bearer ${D}"]);
            assert_eq!(
                file.jobs[1].node_authorization(file).describe(),
                "the `AUTHORIZATION` header of line 10"
            );
        });
        with_file("jobs:\n  - name: a\n", |file| {
            assert_eq!(
                file.jobs[0].node_authorization(file).value(),
                INJECTED_AUTHORIZATION
            );
        });
    }

    #[test]
    fn attempts_read_zero_as_not_set() {
        let text = "global:\n  defaultRetries: 5\njobs:\n  - name: a\n    retries: 2\n  - name: b\n    retries: 0\n  - name: c\n";
        with_file(text, |file| {
            let attempts: Vec<i64> = file.jobs.iter().map(|j| j.node_attempts(file)).collect();
            assert_eq!(attempts, [2, 5, 5]);
        });
        with_file(
            "global:\n  defaultRetries: 0\njobs:\n  - name: a\n",
            |file| {
                assert_eq!(file.jobs[0].node_attempts(file), 3);
            },
        );
    }

    #[test]
    fn bodies_went_with_post_put_and_patch_only() {
        let text = "jobs:\n  - {name: a, method: post}\n  - {name: b, method: DELETE, data: 1}\n  - {name: c}\n";
        with_file(text, |file| {
            let sends: Vec<(bool, bool)> = file
                .jobs
                .iter()
                .map(|j| (j.node_sends_body(), j.jobrun_sends_data()))
                .collect();
            assert_eq!(sends, [(true, false), (false, true), (false, false)]);
        });
    }
}
