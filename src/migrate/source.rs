//! The job file's text, changed in place: edits at the places the YAML
//! tree recorded (in characters), applied in one pass, so that every line,
//! comment and key order the edits do not touch stays as it was written.

use std::ops::Range;

/// The text, with where each line starts.
pub(crate) struct Source<'a> {
    text: &'a str,
    /// The character and byte index of each line's start.
    lines: Vec<(usize, usize)>,
    /// The file's own line break, for the lines an edit adds.
    pub(crate) newline: &'static str,
}

impl<'a> Source<'a> {
    pub(crate) fn new(text: &'a str) -> Source<'a> {
        let mut lines = vec![(0, 0)];
        for (chars, (bytes, c)) in text.char_indices().enumerate() {
            if c == '\n' {
                lines.push((chars + 1, bytes + 1));
            }
        }
        Source {
            text,
            lines,
            newline: if text.contains("\r\n") { "\r\n" } else { "\n" },
        }
    }

    /// Whether a carriage return stands alone somewhere: YAML reads it as
    /// a line break, and these edits would not.
    pub(crate) fn has_lone_carriage_return(&self) -> bool {
        self.text.replace("\r\n", "").contains('\r')
    }

    fn line(&self, at: usize) -> usize {
        self.lines.partition_point(|(start, _)| *start <= at) - 1
    }

    /// The byte index of character `at`.
    fn byte(&self, at: usize) -> usize {
        let (start, bytes) = self.lines[self.line(at)];
        bytes
            + self.text[bytes..]
                .char_indices()
                .nth(at - start)
                .map_or(self.text.len() - bytes, |(i, _)| i)
    }

    /// Where the line holding character `at` starts.
    pub(crate) fn line_start(&self, at: usize) -> usize {
        self.lines[self.line(at)].0
    }

    /// Where the line holding character `at` ends: its line break, or the
    /// end of the text.
    pub(crate) fn line_end(&self, at: usize) -> usize {
        let (start, bytes) = self.lines[self.line(at)];
        let line = self.text[bytes..].split('\n').next().unwrap_or_default();
        let line = line.strip_suffix('\r').unwrap_or(line);
        start + line.chars().count()
    }

    /// How far character `at` is from the start of its line.
    pub(crate) fn column(&self, at: usize) -> usize {
        at - self.line_start(at)
    }

    /// The spaces the line holding character `at` starts with.
    pub(crate) fn indent(&self, at: usize) -> usize {
        let (_, bytes) = self.lines[self.line(at)];
        self.text[bytes..].chars().take_while(|c| *c == ' ').count()
    }

    /// Whether character `at` is the first on its line but for spaces.
    pub(crate) fn starts_line(&self, at: usize) -> bool {
        self.indent(at) == self.column(at)
    }

    /// Where the comments right above the line holding character `at`
    /// start, counting only comment lines indented at least as far as `at`
    /// (the comments of an entry inside a mapping, not its parent's): the
    /// start of that line itself when there are none.
    pub(crate) fn comments_above(&self, at: usize) -> usize {
        let column = self.column(at);
        let mut line = self.line(at);
        while line > 0 {
            let (_, bytes) = self.lines[line - 1];
            let text = self.text[bytes..].split('\n').next().unwrap_or_default();
            let indent = text.chars().take_while(|c| *c == ' ').count();
            if indent < column || !text.trim_start().starts_with('#') {
                break;
            }
            line -= 1;
        }
        self.lines[line].0
    }

    /// The characters in `chars`.
    pub(crate) fn slice(&self, chars: Range<usize>) -> &'a str {
        &self.text[self.byte(chars.start)..self.byte(chars.end)]
    }

    /// The character at `at`, if any.
    pub(crate) fn char_at(&self, at: usize) -> Option<char> {
        self.text[self.byte(at)..].chars().next()
    }

    /// The index of each line's start from the one holding `chars.start`
    /// to the one holding the last character of `chars`.
    pub(crate) fn line_starts(&self, chars: Range<usize>) -> Vec<usize> {
        let last = chars.end.max(chars.start + 1) - 1;
        (self.line(chars.start)..=self.line(last))
            .map(|l| self.lines[l].0)
            .collect()
    }
}

/// Changes to make to the text, each at a place in characters.
#[derive(Debug, Default)]
pub(crate) struct Edits {
    edits: Vec<Edit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Edit {
    at: usize,
    remove: usize,
    insert: String,
    /// Whether it goes before the other insertions at its place.
    first: bool,
}

/// Two edits want different things of the same characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Overlap {
    pub(crate) at: usize,
}

impl Edits {
    /// Put `text` before character `at`. Insertions at one place keep the
    /// order they were made in.
    pub(crate) fn insert(&mut self, at: usize, text: impl Into<String>) {
        self.edits.push(Edit {
            at,
            remove: 0,
            insert: text.into(),
            first: false,
        });
    }

    /// Put `text` before character `at`, ahead of the other insertions
    /// there: new entries go before the comment that belongs to the line
    /// after them.
    pub(crate) fn insert_first(&mut self, at: usize, text: impl Into<String>) {
        self.edits.push(Edit {
            at,
            remove: 0,
            insert: text.into(),
            first: true,
        });
    }

    /// Put `text` in place of the characters in `chars`.
    pub(crate) fn replace(&mut self, chars: Range<usize>, text: impl Into<String>) {
        self.edits.push(Edit {
            at: chars.start,
            remove: chars.end - chars.start,
            insert: text.into(),
            first: false,
        });
    }

    /// The text with every edit made. The same edit asked twice (a value
    /// that several jobs share through an alias) is made once.
    pub(crate) fn apply(mut self, source: &Source) -> Result<String, Overlap> {
        // Stable: insertions at one place stay in the order they were made,
        // and come before a replacement starting there.
        self.edits.sort_by_key(|e| (e.at, !e.first, e.remove > 0));
        let mut kept: Vec<Edit> = Vec::with_capacity(self.edits.len());
        for edit in self.edits {
            if kept.contains(&edit) {
                continue;
            }
            if let Some(last) = kept.last()
                && last.at + last.remove > edit.at
            {
                return Err(Overlap { at: edit.at });
            }
            kept.push(edit);
        }
        let mut out = String::with_capacity(source.text.len() + 256);
        let mut done = 0;
        for edit in kept {
            let at = source.byte(edit.at);
            out.push_str(&source.text[done..at]);
            out.push_str(&edit.insert);
            done = source.byte(edit.at + edit.remove);
        }
        out.push_str(&source.text[done..]);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        let source = Source::new("a: é\n  b: 1 # c\r\nlast");
        assert_eq!(source.line_start(8), 5);
        assert_eq!(source.column(7), 2);
        assert_eq!(source.indent(9), 2);
        assert!(source.starts_line(7));
        assert!(!source.starts_line(10));
        assert_eq!(source.line_end(3), 4);
        assert_eq!(source.line_end(7), 15);
        assert_eq!(source.slice(7..11), "b: 1");
        assert_eq!(source.char_at(3), Some('é'));
        assert_eq!(source.line_starts(3..9), [0, 5]);
        assert_eq!(source.newline, "\r\n");
        let source = Source::new("top:\n# parent's\n  # one\n  # two\n  key: 1\n");
        assert_eq!(source.comments_above(34), 16);
        assert_eq!(source.comments_above(3), 0);
    }

    #[test]
    fn edits_apply_in_place_once_each() {
        let source = Source::new("one two three\n");
        let mut edits = Edits::default();
        edits.replace(4..7, "2");
        edits.insert(0, "# a\n");
        edits.insert(0, "# b\n");
        edits.insert_first(0, "zero\n");
        edits.replace(4..7, "2");
        edits.insert(14, "four\n");
        assert_eq!(
            edits.apply(&source).unwrap(),
            "zero\n# a\n# b\none 2 three\nfour\n"
        );
    }

    #[test]
    fn edits_that_overlap_are_refused() {
        let source = Source::new("one two three\n");
        let mut edits = Edits::default();
        edits.replace(4..7, "2");
        edits.replace(5..9, "x");
        assert_eq!(edits.apply(&source), Err(Overlap { at: 5 }));
    }

    #[test]
    fn a_lone_carriage_return_is_noticed() {
        assert!(Source::new("a\rb\n").has_lone_carriage_return());
        assert!(!Source::new("a\r\nb\n").has_lone_carriage_return());
    }
}
