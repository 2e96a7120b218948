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
//!
//! The rewrite is made by a writer that collects the edits: here the
//! whole of it, in `each_change.rs` the edit each change becomes, in
//! `global.rs` the keys added to `global`, in `placing.rs` where new text
//! goes among the lines kept, and in `dollars.rs` the `$` doubled.

mod dollars;
mod each_change;
mod global;
mod placing;

use crate::diagnostic::Diagnostic;
use crate::jobfile::yaml::Node;
use crate::migrate::changes::{self, Change};
use crate::migrate::reading::NodeFile;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobfile::yaml;

    pub(super) fn chicago() -> NodeZone {
        NodeZone {
            name: DEFAULT_ZONE.into(),
            from: ZoneSource::Default,
        }
    }

    /// The file migrated, which must load as jobrun's own.
    pub(super) fn migrated(text: &str) -> String {
        let root = yaml::parse(text).unwrap().unwrap();
        let out = migrate(text, &root, &chicago())
            .unwrap_or_else(|d| panic!("{d:#?}"))
            .text;
        crate::migrate::verify(&out).unwrap_or_else(|d| panic!("{out}\n{d:#?}"));
        out
    }

    pub(super) fn problems(text: &str) -> Vec<Diagnostic> {
        let root = yaml::parse(text).unwrap().unwrap();
        migrate(text, &root, &chicago()).expect_err("refused")
    }

    pub(super) const ZONE: &str = "timezone: America/Chicago  # the Node scheduler read every schedule in this zone (its default, as TZ was not set)";
    pub(super) const RETRIES: &str =
        "# the Node scheduler made 3 attempts in all; jobrun counts the retries after the first";
    pub(super) const TOKEN: &str =
        "Authorization: \"Bearer ${JWT_TOKEN}\"  # the Node scheduler sent this with every request";

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
    fn windows_line_breaks_are_kept() {
        let text = "global:\r\n  defaultRetries: 1\r\njobs:\r\n  - name: a\r\n    schedule: \"* * * * *\"\r\n    url: \"https://e.com\"\r\n    headers:\r\n      Authorization: x\r\n";
        let out = migrated(text);
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
        assert!(out.contains("# the Node scheduler sent `Authorization: Bearer ${JWT_TOKEN}` here instead; jobrun sends this header\r\n"), "{out:?}");
    }
}
