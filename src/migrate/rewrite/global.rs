//! The keys added to `global`: first in it, or in a new `global:` first in
//! the file.

use super::{Added, AddedValue, Writer};
use crate::diagnostic::Diagnostic;
use crate::jobfile::yaml::Value;

impl Writer<'_, '_, '_> {
    /// The keys added to `global`: first in it, or a new `global:` first
    /// in the file.
    pub(super) fn global_keys(&mut self) {
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
}

#[cfg(test)]
mod tests {
    use crate::migrate::rewrite::tests::{RETRIES, TOKEN, ZONE, migrated};

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
}
