//! Where the parts of a job file are written: its top-level keys, and
//! where each item of the `jobs` list starts. With it, `run` tells the
//! errors that concern the job it runs (in that job, or in what every job
//! shares) from the errors of other jobs, and [`super::index`] can cut one
//! job out of the file.

use crate::diagnostic::{Diagnostic, Span};
use crate::jobfile::yaml::{Document, Node, Value};

/// Where the parts of a job file are.
#[derive(Debug, Default)]
pub(super) struct Layout {
    /// The top-level keys, in the order written.
    pub(super) keys: Vec<(String, Span)>,
    /// Each item of `jobs`, in order, whatever it holds.
    pub(super) items: Vec<Item>,
    /// The line of each alias in the file.
    pub(super) alias_lines: Vec<u32>,
    /// How many values `global: ...` holds, the key and the mapping
    /// included, when the file has it.
    pub(super) global_nodes: Option<usize>,
}

/// One item of the `jobs` list.
#[derive(Debug)]
pub(super) struct Item {
    /// Where it starts.
    pub(super) span: Span,
    /// How many values it holds, itself included.
    pub(super) nodes: usize,
    /// Its `name`, when that is a string.
    pub(super) name: Option<String>,
}

/// Which part of the file a position is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    /// Outside the items of `jobs`: the top level, `global`, the `jobs` key.
    Shared,
    /// In the item of `jobs` at this index.
    Item(usize),
}

fn position(span: Span) -> (u32, u32) {
    (span.line, span.col)
}

impl Layout {
    /// The layout of a parsed file; `streamed` are the items of `jobs`
    /// when they were taken out of the tree as it was read.
    pub(super) fn of(document: &Document, streamed: Vec<Item>) -> Layout {
        let mut layout = Layout {
            alias_lines: document.alias_lines.clone(),
            ..Layout::default()
        };
        let Value::Map(entries) = &document.root.value else {
            return layout;
        };
        let mut streamed = Some(streamed);
        for (key, value) in entries {
            let text = key.scalar_text().unwrap_or_default();
            if text == "jobs"
                && let Value::Seq(items) = &value.value
            {
                layout.items = items.iter().map(Item::of).collect();
                layout.items.extend(streamed.take().unwrap_or_default());
            }
            if text == "global" {
                layout.global_nodes = Some(1 + key.size() + value.size());
            }
            layout.keys.push((text, key.span));
        }
        layout
    }

    /// Where the `jobs` key is.
    pub(super) fn jobs_key(&self) -> Option<Span> {
        self.keys.iter().find(|(k, _)| k == "jobs").map(|(_, s)| *s)
    }

    /// Where what follows the `jobs` list starts: the next top-level key.
    pub(super) fn jobs_end(&self) -> Option<Span> {
        let jobs = position(self.jobs_key()?);
        self.keys
            .iter()
            .map(|(_, span)| *span)
            .filter(|span| position(*span) > jobs)
            .min_by_key(|span| position(*span))
    }

    /// The part of the file `span` is in.
    pub(super) fn part(&self, span: Span) -> Part {
        let at = position(span);
        let Some(first) = self.items.first() else {
            return Part::Shared;
        };
        if at < position(first.span) || self.jobs_end().is_some_and(|end| at >= position(end)) {
            return Part::Shared;
        }
        // The last item starting at or before the position.
        let after = self.items.partition_point(|item| position(item.span) <= at);
        Part::Item(after - 1)
    }

    /// The errors that stop a run of job `name`: those in what every job
    /// shares (the top level, `global`, the file as a whole), and those in
    /// an item named `name` or pointing at one (the first of two jobs of
    /// the same name). The errors of other jobs do not concern it.
    pub(super) fn errors_concerning(
        &self,
        diagnostics: &[Diagnostic],
        name: &str,
    ) -> Vec<Diagnostic> {
        let own: Vec<usize> = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.name.as_deref() == Some(name))
            .map(|(i, _)| i)
            .collect();
        let concerns = |span: Span| match self.part(span) {
            Part::Shared => true,
            Part::Item(i) => own.contains(&i),
        };
        diagnostics
            .iter()
            .filter(|d| d.is_error())
            .filter(|d| {
                d.span.is_none_or(concerns)
                    || d.related.as_ref().is_some_and(|(span, _)| {
                        self.part(*span) != Part::Shared && concerns(*span)
                    })
            })
            .cloned()
            .collect()
    }
}

impl Item {
    pub(super) fn of(node: &Node) -> Item {
        let name = match &node.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some("name"))
                .and_then(|(_, v)| v.as_str())
                .map(str::to_string),
            _ => None,
        };
        Item {
            span: node.span,
            nodes: node.size(),
            name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobfile::yaml::parse_part;

    fn layout(text: &str) -> Layout {
        Layout::of(&parse_part(text, 1).unwrap().unwrap(), Vec::new())
    }

    const TEXT: &str = "jobs:\n  - name: a\n    url: x\n  - name: b\n    url: y\n  - 5\n  - name: a\nglobal:\n  timezone: UTC\n";

    #[test]
    fn positions_fall_in_the_item_they_are_written_in() {
        let layout = layout(TEXT);
        assert_eq!(layout.items.len(), 4);
        assert_eq!(layout.items[0].nodes, 5);
        assert_eq!(layout.items[2].name, None);
        assert_eq!(layout.part(Span::new(1, 1, 4)), Part::Shared);
        assert_eq!(layout.part(Span::new(3, 10, 1)), Part::Item(0));
        assert_eq!(layout.part(Span::new(4, 5, 4)), Part::Item(1));
        assert_eq!(layout.part(Span::new(6, 5, 1)), Part::Item(2));
        assert_eq!(layout.part(Span::new(7, 11, 1)), Part::Item(3));
        assert_eq!(layout.part(Span::new(9, 3, 8)), Part::Shared);
    }

    #[test]
    fn a_job_is_concerned_by_its_own_errors_and_the_shared_ones() {
        let layout = layout(TEXT);
        let in_b = Diagnostic::error("b", Span::new(5, 10, 1));
        let in_global = Diagnostic::error("global", Span::new(9, 13, 3));
        let duplicate = Diagnostic::error("dup", Span::new(7, 11, 1))
            .with_related(Span::new(2, 11, 1), "first");
        let whole = Diagnostic::file_error("whole");
        let warning = Diagnostic::warning("w", Span::new(3, 10, 1));
        let all = [
            in_b.clone(),
            in_global.clone(),
            duplicate.clone(),
            whole.clone(),
            warning,
        ];
        assert_eq!(
            layout.errors_concerning(&all, "a"),
            vec![in_global.clone(), duplicate, whole.clone()]
        );
        assert_eq!(
            layout.errors_concerning(&all, "b"),
            vec![in_b, in_global.clone(), whole.clone()]
        );
        assert_eq!(layout.errors_concerning(&all, "c"), vec![in_global, whole]);
    }
}
