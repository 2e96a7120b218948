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

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as RawSpan, Tag};

use crate::diagnostic::{Diagnostic, Span};

/// At most this many nodes in a document, aliases expanded.
const MAX_NODES: usize = 2_000_000;
/// At most this many nodes reached through aliases.
const MAX_ALIAS_NODES: usize = 250_000;
/// At most this deep.
const MAX_DEPTH: usize = 64;

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
    parse_with(text, first_line, None)
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
    parse_with(text, 1, Some(on_job))
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

fn parse_with<'j>(
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
    /// Added to every line: see [`parse_part`].
    line_offset: u32,
    alias_lines: Vec<u32>,
    /// Where the items of the top-level `jobs` list go: see [`parse_jobs`].
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

type Step = Result<(), Vec<Diagnostic>>;

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

/// Mappings with fewer keys than this (nearly all of them) are searched
/// key by key for a duplicate; larger ones get an index.
const INDEX_FROM: usize = 16;

/// Where `key` is already in `entries`, a mapping being built. Once the
/// mapping has [`INDEX_FROM`] keys they are indexed by text (and `key` is
/// added to the index, at the place it will take), so a mapping of 100,000
/// keys is read in linear time, not by comparing every pair.
fn first_with_key(
    entries: &[(Node, Node)],
    index: &mut Option<HashMap<String, usize>>,
    key: &Node,
) -> Option<usize> {
    if index.is_none() && entries.len() < INDEX_FROM {
        return entries
            .iter()
            .position(|(k, _)| !is_merge(k) && same_key(k, key));
    }
    let index = index.get_or_insert_with(|| {
        let mut index = HashMap::with_capacity(2 * entries.len());
        for (i, (k, _)) in entries.iter().enumerate() {
            if !is_merge(k) {
                index.entry(key_text(k).into_owned()).or_insert(i);
            }
        }
        index
    });
    let text = key_text(key);
    if let Some(first) = index.get(text.as_ref()) {
        return Some(*first);
    }
    index.insert(text.into_owned(), entries.len());
    None
}

/// A key's text, as [`same_key`] compares keys.
fn key_text(key: &Node) -> Cow<'_, str> {
    match &key.value {
        Value::Str(s) => Cow::Borrowed(s),
        _ => Cow::Owned(key.scalar_text().unwrap_or_default()),
    }
}

/// Whether two keys name the same entry. Compared as js-yaml does, by the
/// key's text (`1` and `"1"` are one key), without allocating for the
/// common case of two strings.
fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Str(x), Value::Str(y)) => x == y,
        _ => a.scalar_text() == b.scalar_text(),
    }
}

fn is_merge(key: &Node) -> bool {
    !key.quoted && key.as_str() == Some("<<")
}

/// Apply `<<` merge keys: keys written in the mapping win over merged ones,
/// and an earlier merged mapping wins over a later one.
fn merge_keys(entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, Vec<Diagnostic>> {
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return Ok(entries);
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| is_merge(k));
    // The keys taken so far, by text: a lookup each, not a pass over them.
    let mut taken: std::collections::HashSet<String> =
        own.iter().map(|(k, _)| key_text(k).into_owned()).collect();
    for (_, value) in merges {
        let sources = match value.value {
            Value::Map(_) => vec![value],
            Value::Seq(items) => items,
            _ => {
                return Err(vec![Diagnostic::error(
                    "`<<` merges a mapping, or a list of mappings",
                    value.span,
                )]);
            }
        };
        for source in sources {
            let Value::Map(merged) = source.value else {
                return Err(vec![Diagnostic::error(
                    "`<<` merges a mapping, or a list of mappings",
                    source.span,
                )]);
            };
            for (k, v) in merged {
                if taken.insert(key_text(&k).into_owned()) {
                    own.push((k, v));
                }
            }
        }
    }
    Ok(own)
}

fn check_collection_tag(tag: Option<&Tag>, expected: &str, span: Span) -> Step {
    match tag {
        None => Ok(()),
        Some(tag) if tag.is_yaml_core_schema() && tag.suffix == expected => Ok(()),
        Some(tag) => Err(vec![unsupported_tag(tag, span)]),
    }
}

fn unsupported_tag(tag: &Tag, span: Span) -> Diagnostic {
    Diagnostic::error(
        format!("unsupported YAML tag `{}{}`", tag.handle, tag.suffix),
        span,
    )
    .with_help("remove the tag; only the core tags such as `!!str` are understood")
}

/// The parser's text as a string of its exact size: the parser's own
/// buffers carry spare capacity that would stay alive in the tree. Copied,
/// not shrunk in place: shrinking leaves a small free piece behind each
/// string, which malloc then spends its time sorting through (`validate`
/// of a 10,000-job file took 4% more CPU time so, 9% where the jobs'
/// trees are kept, for the same instructions and more memory).
fn exact(text: Cow<'_, str>) -> String {
    String::from(&*text)
}

/// A scalar's value.
fn scalar(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
    span: Span,
) -> Result<Node, Vec<Diagnostic>> {
    let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
    let value = match tag {
        Some(tag) if tag.is_yaml_core_schema() => match tag.suffix.as_str() {
            "str" => Value::Str(exact(text)),
            "int" | "float" | "bool" | "null" => {
                let value = resolve_plain(&text).unwrap_or(Value::Null);
                let fits = match (tag.suffix.as_str(), &value) {
                    ("int", Value::Int(_)) | ("bool", Value::Bool(_)) | ("null", Value::Null) => {
                        true
                    }
                    ("float", Value::Float(_)) => true,
                    ("null", _) | ("int" | "bool" | "float", Value::Null) => false,
                    ("float", Value::Int(i)) => {
                        return Ok(node(Value::Float(*i as f64), span, quoted));
                    }
                    _ => false,
                };
                if !fits {
                    return Err(vec![Diagnostic::error(
                        format!("`{text}` is not a valid `!!{}`", tag.suffix),
                        span,
                    )]);
                }
                value
            }
            _ => return Err(vec![unsupported_tag(tag, span)]),
        },
        Some(tag) => return Err(vec![unsupported_tag(tag, span)]),
        None if style == ScalarStyle::Plain => match resolve_plain(&text) {
            Some(value) => value,
            None => Value::Str(exact(text)),
        },
        None => Value::Str(exact(text)),
    };
    Ok(node(value, span, quoted))
}

fn node(value: Value, span: Span, quoted: bool) -> Node {
    Node {
        value,
        span,
        quoted,
        place: (0, 0),
    }
}

/// The YAML 1.2 core schema's resolution of a plain scalar; `None` when it
/// is a string.
fn resolve_plain(text: &str) -> Option<Value> {
    Some(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        _ => return resolve_number(text),
    })
}

fn resolve_number(text: &str) -> Option<Value> {
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(i) = i64::from_str_radix(hex, 16) {
            return Some(Value::Int(i));
        }
    } else if let Some(oct) = text.strip_prefix("0o") {
        if let Ok(i) = i64::from_str_radix(oct, 8) {
            return Some(Value::Int(i));
        }
    } else if is_decimal_int(text) {
        return Some(match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(text.parse().unwrap_or(f64::NAN)),
        });
    } else if is_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Some(Value::Float(f));
    }
    None
}

fn is_decimal_int(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = all_digits(int)
        && frac.is_none_or(all_digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        parse(text).expect("parses").expect("a document")
    }

    fn error(text: &str) -> Diagnostic {
        parse(text).expect_err("fails").remove(0)
    }

    fn map(node: &Node) -> &[(Node, Node)] {
        match &node.value {
            Value::Map(entries) => entries,
            other => panic!("not a map: {other:?}"),
        }
    }

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
    fn scalars_resolve_like_the_core_schema() {
        let doc = root(
            "a: 10\nb: '10'\nc: yes\nd: true\ne: ~\nf: 1.5\ng: 0x1F\nh: 1e3\ni: -7\nj: 1.2.3\n",
        );
        let values: Vec<_> = map(&doc).iter().map(|(_, v)| v.value.clone()).collect();
        assert_eq!(
            values,
            vec![
                Value::Int(10),
                Value::Str("10".into()),
                Value::Str("yes".into()),
                Value::Bool(true),
                Value::Null,
                Value::Float(1.5),
                Value::Int(31),
                Value::Float(1000.0),
                Value::Int(-7),
                Value::Str("1.2.3".into()),
            ]
        );
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
    fn duplicate_keys_point_at_both() {
        let d = error("a: 1\nb: 2\na: 3\n");
        assert_eq!(d.message, "duplicate key `a`");
        assert_eq!(d.span, Some(Span::new(3, 1, 1)));
        assert_eq!(d.related.unwrap().0, Span::new(1, 1, 1));
    }

    #[test]
    fn keys_with_the_same_text_are_duplicates_as_in_js_yaml() {
        assert!(
            error("1: a\n\"1\": b\n")
                .message
                .starts_with("duplicate key `1`")
        );
        assert!(
            error("x: 1\n\"x\": 2\n")
                .message
                .starts_with("duplicate key `x`")
        );
    }

    #[test]
    fn duplicates_are_found_in_large_mappings_too() {
        // Past the size at which keys are indexed: the same answers as
        // comparing them one by one, `1` and `"1"` alike included.
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("7: a\n<<: {z: 1}\n\"7\": b\n");
        let d = error(&text);
        assert_eq!(d.message, "duplicate key `7`");
        assert_eq!(d.span, Some(Span::new(43, 1, 3)));
        assert_eq!(d.related.unwrap().0, Span::new(41, 1, 1));
        let d = error(&format!("{text}k3: again\n"));
        assert_eq!(
            d.message, "duplicate key `7`",
            "the first duplicate is reported"
        );
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("<<: {k3: merged, m: 1}\n<<: {m: 2}\nk39: again\n");
        let d = error(&text);
        assert_eq!(d.message, "duplicate key `k39`");
        assert_eq!(d.related.unwrap().0, Span::new(40, 1, 3));
    }

    #[test]
    fn merged_keys_do_not_replace_written_ones_in_large_mappings() {
        let mut text = String::from("base: &b {");
        text.push_str(
            &(0..40)
                .map(|i| format!("k{i}: m{i}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        text.push_str("}\nuse:\n  k5: own\n  <<: [*b, {k5: later, extra: 1}]\n");
        let doc = root(&text);
        let (_, used) = &map(&doc)[1];
        let pairs: Vec<_> = map(used)
            .iter()
            .map(|(k, v)| (k.scalar_text().unwrap(), v.value.clone()))
            .collect();
        assert_eq!(pairs.len(), 41);
        assert_eq!(pairs[0], ("k5".into(), Value::Str("own".into())));
        assert_eq!(pairs[1], ("k0".into(), Value::Str("m0".into())));
        assert_eq!(pairs[40], ("extra".into(), Value::Int(1)));
    }

    #[test]
    fn aliases_and_merge_keys_expand() {
        let doc = root("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n");
        let (_, used) = &map(&doc)[1];
        let pairs: Vec<_> = map(used)
            .iter()
            .map(|(k, v)| (k.scalar_text().unwrap(), v.value.clone()))
            .collect();
        assert_eq!(
            pairs,
            vec![("y".into(), Value::Int(3)), ("x".into(), Value::Int(1))]
        );
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

    #[test]
    fn empty_text_has_no_document() {
        assert_eq!(parse("# only a comment\n").unwrap(), None);
        assert_eq!(parse("").unwrap(), None);
    }

    #[test]
    fn custom_tags_are_refused_and_str_tag_is_kept() {
        assert!(
            error("a: !secret x\n")
                .message
                .contains("unsupported YAML tag")
        );
        let doc = root("a: !!str 5\n");
        assert_eq!(map(&doc)[0].1.value, Value::Str("5".into()));
    }
}
