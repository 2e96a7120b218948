//! The tree built from the parser's events: each node's line, column and
//! characters in the text, anchors and aliases, and the limits on size,
//! aliases and depth.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as RawSpan};

use super::keys::{first_with_key, is_merge, merge_keys};
use super::scalars::{check_collection_tag, scalar};
use super::{Document, Node, OnJob, Step, Value, node};
use crate::diagnostic::{Diagnostic, Span};

/// At most this many nodes in a document, aliases expanded.
const MAX_NODES: usize = 2_000_000;
/// At most this many nodes reached through aliases.
const MAX_ALIAS_NODES: usize = 250_000;
/// At most this deep.
const MAX_DEPTH: usize = 64;

pub(super) fn parse_with<'j>(
    text: &str,
    first_line: u32,
    on_job: Option<&'j mut OnJob<'j>>,
) -> Result<Option<Document>, Vec<Diagnostic>> {
    let mut builder = Builder {
        text,
        lines: line_count(text),
        line_offset: first_line - 1,
        on_job,
        ascii: text.is_ascii(),
        ..Builder::default()
    };
    for event in Parser::new_from_str(text) {
        match event {
            Ok((event, span)) => builder.event(event, span)?,
            Err(error) => {
                let mark = error.marker();
                let mut span = within(text, mark.line(), mark.col() + 1, builder.lines);
                span.line = span.line.saturating_add(builder.line_offset);
                return Err(vec![
                    Diagnostic::error(format!("invalid YAML: {}", error.info()), span)
                        .with_help("check the indentation and quoting around this place"),
                ]);
            }
        }
    }
    Ok(builder.root.map(|root| Document {
        root,
        alias_lines: builder.alias_lines,
    }))
}

/// A position the parser reported, moved back inside the text: at the end
/// of a file without a final newline it reports the line after the last.
fn within(text: &str, line: usize, col: usize, lines: usize) -> Span {
    if (1..=lines).contains(&line) {
        return Span::new(line as u32, col as u32, 1);
    }
    let last = crate::diagnostic::lines(text)
        .last()
        .map_or(0, |l| l.chars().count());
    Span::new(lines as u32, last as u32 + 1, 1)
}

/// How many lines `diagnostic::lines` finds, without building them.
fn line_count(text: &str) -> usize {
    let newlines = text.bytes().filter(|b| *b == b'\n').count();
    // Lone CRs are rare: only look for them when there is a CR at all.
    let lone_crs = if text.contains('\r') {
        text.matches('\r').count() - text.matches("\r\n").count()
    } else {
        0
    };
    newlines + 1 + lone_crs
}

enum Frame {
    Seq {
        items: Vec<Node>,
        span: Span,
        anchor: usize,
        start: Start,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        /// The keys by text, once the mapping is large: see [`first_with_key`].
        index: Option<HashMap<String, usize>>,
        span: Span,
        anchor: usize,
        start: Start,
    },
}

/// Where a collection starts, in characters, and whether it is written in
/// flow style (`{...}`, `[...]`): only then does its end event mark its end.
#[derive(Clone, Copy)]
struct Start {
    at: usize,
    flow: bool,
}

impl Start {
    /// Where the collection's own text starts (after an anchor or tag),
    /// and its first character there.
    fn of(at: usize, first: Option<char>) -> Start {
        Start {
            at,
            flow: matches!(first, Some('{' | '[')),
        }
    }

    /// The collection's characters: a flow one's up to its closing
    /// bracket, a block one's up to the end of its last entry.
    fn through<'n>(self, raw: RawSpan, children: impl Iterator<Item = &'n Node>) -> Range<usize> {
        let end = if self.flow {
            raw.end.index()
        } else {
            children.map(|c| c.chars().end).max().unwrap_or(self.at)
        };
        self.at..end.max(self.at)
    }
}

#[derive(Default)]
struct Builder<'t, 'j> {
    text: &'t str,
    /// Lines in the text, to keep positions at its end inside it.
    lines: usize,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    documents: usize,
    nodes: usize,
    alias_nodes: usize,
    /// Added to every line: see [`parse_part`](super::parse_part).
    line_offset: u32,
    alias_lines: Vec<u32>,
    /// Where the items of the top-level `jobs` list go: see [`parse_jobs`](super::parse_jobs).
    on_job: Option<&'j mut OnJob<'j>>,
    /// A character index and its byte index, moving forward through the
    /// text with the events, to find where quoted scalars end.
    cursor: (usize, usize),
    /// Whether the text is ASCII, where a character's index is its byte's.
    ascii: bool,
}

fn span_of(span: RawSpan) -> Span {
    let len = if span.end.line() == span.start.line() {
        span.end.col().saturating_sub(span.start.col())
    } else {
        1
    };
    Span::new(
        span.start.line() as u32,
        span.start.col() as u32 + 1,
        len as u32,
    )
}

impl Builder<'_, '_> {
    fn event(&mut self, event: Event<'_>, raw: RawSpan) -> Step {
        let mut span = span_of(raw);
        let chars = raw.start.index()..raw.end.index();
        if span.line as usize > self.lines {
            span = within(self.text, span.line as usize, span.col as usize, self.lines);
        }
        span.line = span.line.saturating_add(self.line_offset);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(vec![
                        Diagnostic::error("the file holds more than one YAML document", span)
                            .with_help("a job file is one document: remove this `---` and what follows, or merge it into the first"),
                    ]);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
                let mut node = scalar(text, style, tag.as_deref(), span)?;
                let mut chars = chars;
                if anchor != 0 || tag.is_some() {
                    let (at, _) = self.after_properties(chars.start);
                    chars.start = at.min(chars.end);
                }
                if quoted {
                    // The parser's end of a quoted scalar can run on over the
                    // spaces and comment after it: find its closing quote.
                    chars.end = chars.start + self.quoted_len(chars.start);
                    if raw.start.line() == raw.end.line() {
                        node.span.len = (chars.len() as u32).max(1);
                    }
                }
                node.set_chars(chars);
                self.count(1, span)?;
                self.complete(node, anchor)?;
            }
            Event::Alias(id) => {
                self.alias_lines.push(span.line);
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(vec![Diagnostic::error(
                        "this alias refers to no anchor",
                        span,
                    )]);
                };
                let (mut node, size) = (node.clone(), *size);
                self.alias_nodes += size;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(vec![
                        Diagnostic::error(
                            format!("aliases expand to more than {MAX_ALIAS_NODES} values"),
                            span,
                        )
                        .with_help("this looks like an alias bomb (\"billion laughs\"); a job file never needs this many repeated values"),
                    ]);
                }
                self.count(size, span)?;
                node.span = span;
                node.set_chars(chars);
                self.complete(node, 0)?;
            }
            Event::SequenceStart(anchor, tag) => {
                check_collection_tag(tag.as_deref(), "seq", span)?;
                self.enter(span)?;
                let start = self.collection_start(raw);
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    span,
                    anchor,
                    start,
                });
            }
            Event::MappingStart(anchor, tag) => {
                check_collection_tag(tag.as_deref(), "map", span)?;
                self.enter(span)?;
                let start = self.collection_start(raw);
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    index: None,
                    span,
                    anchor,
                    start,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    items,
                    span,
                    anchor,
                    start,
                }) = self.stack.pop()
                {
                    let chars = start.through(raw, items.iter());
                    let mut node = node(Value::Seq(items), span, false);
                    node.set_chars(chars);
                    self.count(1, span)?;
                    self.complete(node, anchor)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    entries,
                    span,
                    anchor,
                    start,
                    ..
                }) = self.stack.pop()
                {
                    // Before merging: merged entries are written elsewhere.
                    let chars = start.through(raw, entries.iter().map(|(_, v)| v));
                    let entries = merge_keys(entries)?;
                    let mut node = node(Value::Map(entries), span, false);
                    node.set_chars(chars);
                    self.count(1, span)?;
                    self.complete(node, anchor)?;
                }
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }

    /// The byte index of character `at`, moving the cursor there.
    fn byte(&mut self, at: usize) -> usize {
        if self.ascii {
            return at;
        }
        let (mut chars, mut bytes) = self.cursor;
        if at < chars {
            (chars, bytes) = (0, 0);
        }
        for c in self.text[bytes..].chars().take(at - chars) {
            bytes += c.len_utf8();
        }
        self.cursor = (at, bytes);
        bytes
    }

    /// Where a node written at character `at` has its own text: after its
    /// anchor (`&name`) and tag (`!!str`), the spaces, line breaks and
    /// comments after them; and the character found there.
    fn after_properties(&mut self, at: usize) -> (usize, Option<char>) {
        let bytes = self.byte(at);
        let mut chars = self.text[bytes..].chars().peekable();
        let mut at = at;
        let mut comment = false;
        while let Some(&c) = chars.peek() {
            match c {
                '&' | '!' if !comment => {
                    while chars.next_if(|c| !c.is_whitespace()).is_some() {
                        at += 1;
                    }
                    continue;
                }
                '#' => comment = true,
                '\n' => comment = false,
                c if comment || c.is_whitespace() => {}
                c => return (at, Some(c)),
            }
            chars.next();
            at += 1;
        }
        (at, None)
    }

    fn collection_start(&mut self, raw: RawSpan) -> Start {
        // A block collection's start marks no character of its own, unless
        // an anchor or a tag is written there.
        if raw.is_empty() {
            return Start::of(raw.start.index(), None);
        }
        let (at, first) = self.after_properties(raw.start.index());
        Start::of(at, first)
    }

    /// How many characters the quoted scalar starting at character `at`
    /// takes, both quotes included.
    fn quoted_len(&mut self, at: usize) -> usize {
        let bytes = self.byte(at);
        let mut rest = self.text[bytes..].chars();
        let Some(quote) = rest.next() else {
            return 0;
        };
        let mut len = 1;
        while let Some(c) = rest.next() {
            len += 1;
            match (quote, c) {
                ('"', '\\') => {
                    rest.next();
                    len += 1;
                }
                ('"', '"') => return len,
                ('\'', '\'') => {
                    // `''` is one quote inside a single-quoted scalar.
                    if rest.clone().next() == Some('\'') {
                        rest.next();
                        len += 1;
                    } else {
                        return len;
                    }
                }
                _ => {}
            }
        }
        len
    }

    fn enter(&self, span: Span) -> Step {
        if self.stack.len() >= MAX_DEPTH {
            return Err(vec![
                Diagnostic::error(format!("values nest deeper than {MAX_DEPTH} levels"), span)
                    .with_help("a job file never needs this depth; check for runaway brackets"),
            ]);
        }
        Ok(())
    }

    fn count(&mut self, n: usize, span: Span) -> Step {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(vec![
                Diagnostic::error(format!("the file holds more than {MAX_NODES} values"), span)
                    .with_help("split the jobs into several files"),
            ]);
        }
        Ok(())
    }

    /// Whether the value being completed is an item of the top-level
    /// `jobs` list, and the list has no anchor (an alias of it would need
    /// its items).
    fn is_job_item(&self) -> bool {
        match &self.stack[..] {
            [
                Frame::Map { key: Some(key), .. },
                Frame::Seq { anchor: 0, .. },
            ] => key.as_str() == Some("jobs"),
            _ => false,
        }
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Step {
        if anchor != 0 {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        if self.is_job_item()
            && let Some(on_job) = self.on_job.as_mut()
        {
            let before = match self.stack.first() {
                Some(Frame::Map { entries, .. }) => &entries[..],
                _ => &[],
            };
            on_job(node, before);
            return Ok(());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                index,
                ..
            }) => {
                match key.take() {
                    None => {
                        if matches!(node.value, Value::Seq(_) | Value::Map(_)) {
                            return Err(vec![Diagnostic::error(
                                "a key must be a plain value, not a list or mapping",
                                node.span,
                            )]);
                        }
                        if !is_merge(&node)
                            && let Some(first) = first_with_key(entries, index, &node)
                        {
                            let first = &entries[first].0;
                            return Err(vec![
                                Diagnostic::error(
                                    format!("duplicate key `{}`", node.scalar_text().unwrap_or_default()),
                                    node.span,
                                )
                                .with_related(first.span, "first defined")
                                .with_help("a key may appear once in a mapping: remove or rename one of them"),
                            ]);
                        }
                        *key = Some(node);
                    }
                    Some(k) => entries.push((k, node)),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobfile::yaml::tests::{error, map, root};

    #[test]
    fn a_quoted_value_ends_at_its_closing_quote_not_at_a_comment() {
        let doc = root(
            "a: \"x \\\" y\"   # a comment\nb: 'it''s'  # another\nc: plain   # third\nd: \"\"\n",
        );
        let spans: Vec<(u32, u32)> = map(&doc)
            .iter()
            .map(|(_, v)| (v.span.col, v.span.len))
            .collect();
        assert_eq!(spans, vec![(4, 8), (4, 7), (4, 5), (4, 2)]);
    }

    #[test]
    fn values_remember_line_and_column() {
        let doc = root("jobs:\n  - name: x\n    url: \"http://a\"\n");
        let (_, jobs) = &map(&doc)[0];
        let Value::Seq(items) = &jobs.value else {
            panic!()
        };
        let (key, url) = &map(&items[0])[1];
        assert_eq!(key.span, Span::new(3, 5, 3));
        assert_eq!(url.span, Span::new(3, 10, 10));
        assert!(url.quoted);
        assert_eq!(url.text_span(0, 4), Span::new(3, 11, 4));
    }

    #[test]
    fn values_know_their_characters_in_the_text() {
        let text = "a: \"x \\\" y\"  # c\nb: 'it''s'  # d\nc: plain # e\nd: {k: [1, 2]}\ne:\n  - é\n  - f: g\n";
        let doc = root(text);
        let chars: Vec<char> = text.chars().collect();
        let of = |node: &Node| chars[node.chars()].iter().collect::<String>();
        let values: Vec<String> = map(&doc).iter().map(|(_, v)| of(v)).collect();
        assert_eq!(
            values,
            [
                "\"x \\\" y\"",
                "'it''s'",
                "plain",
                "{k: [1, 2]}",
                "- é\n  - f: g"
            ]
        );
        // The caret goes under the quoted value, not the comment after it.
        assert_eq!(map(&doc)[0].1.span, Span::new(1, 4, 8));
    }

    #[test]
    fn a_nodes_characters_leave_out_its_anchor_and_tag() {
        let text =
            "a: &r 2\nb: !!str x\nc: &m {k: 1}\nd: &s  # c\n  k: 1\ne: &q \"q\"  # c\nf: *r\n";
        let doc = root(text);
        let chars: Vec<char> = text.chars().collect();
        let of = |node: &Node| chars[node.chars()].iter().collect::<String>();
        let values: Vec<String> = map(&doc).iter().map(|(_, v)| of(v)).collect();
        assert_eq!(values, ["2", "x", "{k: 1}", "k: 1", "\"q\"", "*r"]);
    }

    #[test]
    fn alias_bomb_fails_fast() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut previous = "a";
        for name in names {
            text.push_str(&format!("{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n"));
            previous = name;
        }
        let d = error(&text);
        assert!(
            d.message.starts_with("aliases expand to more than"),
            "{}",
            d.message
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("a: {}{}\n", "[".repeat(100), "]".repeat(100));
        assert!(error(&text).message.contains("nest deeper"));
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let d = error("a: [1, 2\n");
        assert!(d.message.starts_with("invalid YAML:"));
        assert_eq!(d.span.unwrap().line, 2);
    }

    #[test]
    fn second_document_is_refused() {
        assert!(
            error("a: 1\n---\nb: 2\n")
                .message
                .contains("more than one YAML document")
        );
    }
}
