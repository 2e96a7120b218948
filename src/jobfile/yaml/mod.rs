//! The YAML document as a tree of values that remember where they were written.
//!
//! jobrun reads YAML through an event parser (saphyr-parser) and builds this
//! tree itself, rather than deserialising with serde, for three reasons:
//! every value keeps its line and column, so every later check can point at
//! it; all problems can be collected in one pass instead of stopping at the
//! first; and the traps of YAML are closed here, in one place: duplicate keys
//! are errors (serde_yaml's forks keep the last one silently), aliases have an
//! expansion budget (the "billion laughs" file), and nesting has a depth limit.
//!
//! Scalars are resolved with the YAML 1.2 core schema, as js-yaml 4 (the Node
//! scheduler's parser) resolves them: `yes` is a string, `0x1F` an integer.
//! Merge keys (`<<: *defaults`) work as they do in js-yaml.
//!
//! The tree is built from the parser's events in `builder.rs` (positions,
//! characters, aliases and the limits), with keys compared and `<<` merged
//! in `keys.rs`, and scalars and tags resolved in `scalars.rs`.

mod builder;
mod keys;
mod scalars;

use std::ops::Range;

use crate::diagnostic::{Diagnostic, Span};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    pub(crate) span: Span,
    /// Whether a scalar was written in quotes: its text then starts one
    /// column after the span does.
    pub(crate) quoted: bool,
    /// Where the node is written, in characters from the start of the
    /// text, end excluded, for rewriting the text in place: a scalar's
    /// token (quotes included; a block scalar's from its first line of
    /// content), a flow collection from its bracket to its closing one, a
    /// block collection from its first entry to the end of its last. A
    /// value reached through an alias is at the alias. Kept as `u32`s (a
    /// job file is at most 16 MiB): every node of a large file carries it.
    place: (u32, u32),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A value put together rather than read, said to be at `span`: it
    /// has no characters of its own in the text.
    pub(super) fn new(value: Value, span: Span) -> Node {
        node(value, span, false)
    }

    /// Where the node is written, in characters (see `place`).
    pub(crate) fn chars(&self) -> Range<usize> {
        self.place.0 as usize..self.place.1 as usize
    }

    fn set_chars(&mut self, chars: Range<usize>) {
        self.place = (chars.start as u32, chars.end as u32);
    }
    /// The span of the scalar's text itself, without its opening quote, so a
    /// caret can go under a part of it.
    #[cfg(test)]
    fn text_span(&self, offset: usize, len: usize) -> Span {
        self.span.sub(offset + usize::from(self.quoted), len)
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// What kind of value this is, for "expected X, found Y" messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The text of a scalar as it reads, for keys and messages.
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Null => Some("null".into()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    pub(super) fn size(&self) -> usize {
        match &self.value {
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
            _ => 1,
        }
    }
}

/// Parse one YAML document. `Ok(None)` when the text holds no document at all
/// (empty, or only comments).
pub(crate) fn parse(text: &str) -> Result<Option<Node>, Vec<Diagnostic>> {
    Ok(parse_part(text, 1)?.map(|document| document.root))
}

/// A document, and the lines its aliases are written on.
pub(super) struct Document {
    pub(super) root: Node,
    /// The line of each alias (`*name`), in order: a part of the file with
    /// none can be read apart from the rest.
    pub(super) alias_lines: Vec<u32>,
}

/// Parse `text` as one YAML document whose first line is line
/// `first_line` of a larger file (a part cut out of it, whole lines), so
/// that lines and columns are those of the larger file. The characters a
/// node records ([`Node::chars`]) are counted from the start of `text`:
/// only a whole file's are places in the file.
pub(super) fn parse_part(text: &str, first_line: u32) -> Result<Option<Document>, Vec<Diagnostic>> {
    builder::parse_with(text, first_line, None)
}

/// Parse a whole job file, handing each item of its top-level `jobs` list
/// to `on_job` as soon as it is read (with the top-level entries written
/// before `jobs`) instead of keeping it in the tree:
/// the tree of a 10,000-job file is never held whole (the list is left
/// empty in the document). The items' characters are their places in the
/// file; the emptied list's and the top level's are not (`migrate`, which
/// rewrites at those places, parses with [`parse`]).
pub(super) fn parse_jobs<'j>(
    text: &str,
    on_job: &'j mut OnJob<'j>,
) -> Result<Option<Document>, Vec<Diagnostic>> {
    builder::parse_with(text, 1, Some(on_job))
}

/// What [`parse_jobs`] hands each item of `jobs` to, with the top-level
/// entries written before `jobs`.
pub(super) type OnJob<'j> = dyn FnMut(Node, &[(Node, Node)]) + 'j;

impl Document {
    /// Put the items [`parse_jobs`] handed on back into the `jobs` list it
    /// left empty, making the tree of the whole file, characters included.
    pub(super) fn refill_jobs(&mut self, items: Vec<Node>) {
        let Value::Map(entries) = &mut self.root.value else {
            return;
        };
        let Some((_, jobs)) = entries.iter_mut().find(|(key, value)| {
            key.as_str() == Some("jobs") && value.value == Value::Seq(Vec::new())
        }) else {
            return;
        };
        let end = items.iter().map(|item| item.place.1).max();
        if let Some(end) = end {
            // A block list ends with its last item, as the root then does;
            // a flow list's end (`]`) was known already.
            jobs.place.1 = jobs.place.1.max(end);
            self.root.place.1 = self.root.place.1.max(end);
        }
        jobs.value = Value::Seq(items);
    }
}

fn node(value: Value, span: Span, quoted: bool) -> Node {
    Node {
        value,
        span,
        quoted,
        place: (0, 0),
    }
}

type Step = Result<(), Vec<Diagnostic>>;

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn root(text: &str) -> Node {
        parse(text).expect("parses").expect("a document")
    }

    pub(super) fn error(text: &str) -> Diagnostic {
        parse(text).expect_err("fails").remove(0)
    }

    pub(super) fn map(node: &Node) -> &[(Node, Node)] {
        match &node.value {
            Value::Map(entries) => entries,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn empty_text_has_no_document() {
        assert_eq!(parse("# only a comment\n").unwrap(), None);
        assert_eq!(parse("").unwrap(), None);
    }

    #[test]
    fn jobs_handed_on_as_parsed_are_the_jobs_of_the_whole_tree() {
        let text = "# é\nglobal: {defaultRetries: 1}\njobs:\n  - name: \"à\"  # c\n    data: {k: [1, 'x''y']}\n  -\n    name: b\n    body: |\n      text\n  - {name: c, url: \"https://e.com\"}\n";
        let whole = root(text);
        let Value::Seq(items) = &map(&whole)[1].1.value else {
            panic!("{whole:?}");
        };
        let mut streamed = Vec::new();
        let document = parse_jobs(text, &mut |item, _| streamed.push(item))
            .unwrap()
            .unwrap();
        // Values, lines, columns and characters alike.
        assert_eq!(&streamed, items);
        assert_eq!(map(&document.root)[0], map(&whole)[0]);
        assert_eq!(map(&document.root)[1].1.value, Value::Seq(Vec::new()));
    }
}
