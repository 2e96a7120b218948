//! The edit each change found becomes: the zone, the count of retries,
//! the token the Node scheduler added, week words and `weekRange`,
//! schedules, `Content-Type`, `data` not sent, and `$` written as text.

use super::dollars::double_dollars;
use super::{Added, AddedValue, NodeZone, Writer, ZoneSource};
use crate::diagnostic::Diagnostic;
use crate::jobfile::yaml::{Node, Value};
use crate::migrate::changes::{Change, Kind};
use crate::migrate::reading::{Entry, INJECTED_AUTHORIZATION, JSON, attempts};
use crate::migrate::schedule::Rewrite;

impl Writer<'_, '_, '_> {
    pub(super) fn zone(&mut self, zone: &NodeZone) {
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
    pub(super) fn retries(&mut self) {
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

    pub(super) fn change(&mut self, change: &Change) {
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
}

#[cfg(test)]
mod tests {
    use crate::migrate::rewrite::tests::{migrated, problems};

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
}
