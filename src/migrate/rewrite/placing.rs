//! Where new text goes among the lines kept: entries first in a mapping,
//! whole lines before an entry and its comments, and a comment above a
//! line.

use super::Writer;
use crate::diagnostic::Diagnostic;
use crate::jobfile::yaml::{Node, Value};
use crate::migrate::reading::{Entry, entries};

impl Writer<'_, '_, '_> {
    /// Entries put first in `map`, in the order given.
    pub(super) fn insert_first(&mut self, entry: Entry, added: &[(&str, String, String)]) {
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
    pub(super) fn insert_lines_before(&mut self, at: usize, lines: String) {
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

    pub(super) fn is_flow(&self, node: &Node) -> bool {
        matches!(self.source.char_at(node.chars().start), Some('{' | '['))
            && !matches!(node.value, Value::Str(_))
    }

    /// A comment line above the line holding character `at`, indented as
    /// that line is.
    pub(super) fn comment_above(&mut self, at: usize, text: &str) {
        let line = self.source.line_start(at);
        let indent = " ".repeat(self.source.indent(at));
        self.edits
            .insert(line, format!("{indent}# {text}{}", self.source.newline));
    }

    pub(super) fn replace_with_comment(&mut self, value: &Node, text: String, comment: &str) {
        self.comment_above(value.chars().start, comment);
        self.edits.replace(value.chars(), text);
    }
}

#[cfg(test)]
mod tests {
    use crate::migrate::rewrite::tests::{TOKEN, migrated};

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
}
