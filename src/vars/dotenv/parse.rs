//! The dotenv 16 format, line by line.
//!
//! dotenv 16 is a single regular expression (`LINE` in dotenv/lib/main.js)
//! followed by a trim, a quote strip and `\n`/`\r` expansion. Wherever that
//! expression quietly skips a line, or reads it in a way its author is
//! unlikely to have meant, this parser reports the line instead, so that
//! a file it accepts yields exactly the variables dotenv 16.6 yields.
//!
//! What dotenv accepts and this parser rejects:
//! - a line with no `=` (`NAME`, `NAME value`, `NAME:value`): dotenv drops it;
//! - a name with a character outside `[A-Za-z0-9_.-]`: dotenv drops the line;
//! - an unquoted `#` with no whitespace before it (`URL=http://x/#frag`,
//!   `COLOR=#fff`): dotenv cuts the value at the `#` (to `http://x/` and to
//!   the empty string), which silently corrupts passwords and URLs;
//! - a quote that is not closed, or is followed by more than a `# comment`
//!   (`A="abc`, `A="abc"def`): dotenv falls back to the raw text, quotes
//!   and all;
//! - the shapes where dotenv's `\s*` reaches across a line break and takes
//!   the next line as the value (`NAME=` then `"value"` on the next line,
//!   `NAME:` then `OTHER=1`): here they are a line without `=` or a line
//!   that starts with a quote;
//! - U+2028 or U+2029 outside quotes: JavaScript's `^`, `$` and `.` treat
//!   them as line breaks but `[^#\r\n]` does not, so around them dotenv
//!   starts variables mid-line, ends comments early and strips quotes from
//!   the middle of a value.

use std::borrow::Cow;

use crate::vars::dotenv::DotEnv;
use crate::vars::dotenv::error::{DotEnvError, DotEnvErrorKind};

impl DotEnv {
    /// Parse a whole file, reporting every malformed line, not just the first.
    pub(crate) fn parse(text: &str) -> Result<DotEnv, Vec<DotEnvError>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // dotenv rewrites `\r\n` and a lone `\r` to `\n` before matching.
        let src: Cow<str> = if text.contains('\r') {
            Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
        } else {
            Cow::Borrowed(text)
        };
        let file = Source::new(&src);
        let mut env = DotEnv::default();
        let mut errors = Vec::new();
        let mut line = 0;
        while line < file.starts.len() {
            match file.parse_line(line) {
                Ok(Line::Blank) => line += 1,
                Ok(Line::Var {
                    name,
                    value,
                    last_line,
                }) => {
                    env.insert(name, value);
                    line = last_line + 1;
                }
                Err(error) => {
                    errors.push(error);
                    line += 1;
                }
            }
        }
        if errors.is_empty() {
            Ok(env)
        } else {
            Err(errors)
        }
    }
}

enum Line {
    Blank,
    Var {
        name: String,
        value: String,
        last_line: usize,
    },
}

/// The normalised file and where each line starts.
struct Source<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source { text, starts }
    }

    /// The text of line `n` (0-based), without its `\n`.
    fn line(&self, n: usize) -> &'a str {
        let end = self
            .starts
            .get(n + 1)
            .map_or(self.text.len(), |next| next - 1);
        &self.text[self.starts[n]..end]
    }

    fn line_of(&self, byte: usize) -> usize {
        self.starts.partition_point(|&start| start <= byte) - 1
    }

    /// Parse the assignment starting on line `n`; a quoted value may run on
    /// to later lines.
    fn parse_line(&self, n: usize) -> Result<Line, DotEnvError> {
        let line = self.line(n);
        let error = |kind, at: usize, len| DotEnvError::new(kind, n + 1, column(line, at), len);

        let mut p = skip_space(line, 0);
        if p == line.len() || line[p..].starts_with('#') {
            check_separators(line, 0, line.len())
                .map_err(|at| error(DotEnvErrorKind::LineSeparator, at, 1))?;
            return Ok(Line::Blank);
        }
        // dotenv: `(?:export\s+)?` — and when no name follows, `export` is the name.
        if line[p..].starts_with("export") {
            let after = skip_space(line, p + "export".len());
            if after > p + "export".len() && line[after..].starts_with(is_name_char) {
                p = after;
            }
        }
        let name_end = line[p..]
            .find(|c| !is_name_char(c))
            .map_or(line.len(), |i| p + i);
        if name_end == p {
            return Err(error(DotEnvErrorKind::MissingName, p, 1));
        }
        let name = &line[p..name_end];

        // dotenv: `\s*=` or `:\s+` (a YAML-like `NAME: value`).
        let sep = skip_space(line, name_end);
        let value_start = if line[sep..].starts_with('=') {
            sep + 1
        } else if line[name_end..].starts_with(':') && line[name_end + 1..].starts_with(is_js_space)
        {
            name_end + 1
        } else if sep == name_end && sep < line.len() && !line[sep..].starts_with(':') {
            return Err(error(DotEnvErrorKind::InvalidName, sep, 1));
        } else {
            return Err(error(DotEnvErrorKind::MissingEquals, sep, 1));
        };

        let v = skip_space(line, value_start);
        // Only the inside of a quoted value may hold a line separator.
        check_separators(line, 0, v).map_err(|at| error(DotEnvErrorKind::LineSeparator, at, 1))?;
        if let Some(quote @ ('"' | '\'' | '`')) = line[v..].chars().next() {
            return self.quoted(n, name, self.starts[n] + v, quote);
        }

        check_separators(line, v, line.len())
            .map_err(|at| error(DotEnvErrorKind::LineSeparator, at, 1))?;
        let rest = &line[value_start..];
        let value = match rest.find('#') {
            None => rest,
            Some(hash) => {
                let before = &rest[..hash];
                // dotenv's `[^#\r\n]+` stops at any `#`; only a `#` after
                // whitespace reads as a comment to a human as well.
                if !before.ends_with(is_js_space) {
                    return Err(error(DotEnvErrorKind::AmbiguousHash, value_start + hash, 1));
                }
                before
            }
        };
        Ok(Line::Var {
            name: name.to_owned(),
            value: trim(value).to_owned(),
            last_line: n,
        })
    }

    /// A value opened by `quote` at byte `open` of the file.
    ///
    /// dotenv's `"(?:\\"|[^"])*"` lets a backslash-quote pass without closing
    /// (keeping the backslash), may run across lines, and must be followed
    /// by nothing but `\s*(?:#.*)?$`. Backtracking makes it try the closing
    /// candidates from the last to the first: every escaped quote, up to and
    /// including the first unescaped one. The chosen candidate is the one
    /// dotenv chooses; only then is the rest of its line held to this
    /// parser's stricter rule.
    fn quoted(&self, n: usize, name: &str, open: usize, quote: char) -> Result<Line, DotEnvError> {
        let text = self.text;
        let mut candidates = Vec::new();
        let mut unescaped = None;
        for (i, c) in text[open + 1..].char_indices() {
            if c == quote {
                let at = open + 1 + i;
                candidates.push(at);
                if text.as_bytes()[at - 1] != b'\\' {
                    unescaped = Some(at);
                    break;
                }
            }
        }
        if let Some(&close) = candidates
            .iter()
            .rev()
            .find(|&&close| js_tail_matches(&text[close + 1..]))
        {
            let close_line = self.line_of(close);
            let close_text = self.line(close_line);
            let after = close + 1 - self.starts[close_line];
            let error = |kind, at: usize, len| {
                DotEnvError::new(kind, close_line + 1, column(close_text, at), len)
            };
            check_separators(close_text, after, close_text.len())
                .map_err(|at| error(DotEnvErrorKind::LineSeparator, at, 1))?;
            let tail = skip_space(close_text, after);
            if tail < close_text.len() && !close_text[tail..].starts_with('#') {
                // Unreachable without a line separator, which was rejected above.
                return Err(error(
                    DotEnvErrorKind::TextAfterQuote { quote },
                    tail,
                    trim(&close_text[tail..]).chars().count(),
                ));
            }
            let mut value = text[open + 1..close].to_owned();
            if quote == '"' {
                // The same two replaces, in the same order, as dotenv.
                value = value.replace("\\n", "\n").replace("\\r", "\r");
            }
            return Ok(Line::Var {
                name: name.to_owned(),
                value,
                last_line: close_line,
            });
        }
        let line = self.line(n);
        let at_line = |byte: usize| byte - self.starts[n];
        Err(match unescaped {
            // Closed on its own line but followed by stray text.
            Some(close) if self.line_of(close) == n => {
                let junk = skip_space(line, at_line(close) + 1);
                let len = trim(&line[junk..]).chars().count();
                DotEnvError::new(
                    DotEnvErrorKind::TextAfterQuote { quote },
                    n + 1,
                    column(line, junk),
                    len,
                )
            }
            _ => DotEnvError::new(
                DotEnvErrorKind::UnterminatedQuote { quote },
                n + 1,
                column(line, at_line(open)),
                1,
            ),
        })
    }
}

/// dotenv's names are `[\w.-]+`; JavaScript's `\w` is ASCII only.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// JavaScript's `\s`, which is also what `String.prototype.trim` removes.
/// Unlike `char::is_whitespace` it includes U+FEFF and excludes U+0085.
fn is_js_space(c: char) -> bool {
    const SINGLES: &[char] = &[
        '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{a0}', '\u{1680}', '\u{2028}', '\u{2029}',
        '\u{202f}', '\u{205f}', '\u{3000}', '\u{feff}',
    ];
    SINGLES.contains(&c) || ('\u{2000}'..='\u{200a}').contains(&c)
}

fn skip_space(text: &str, from: usize) -> usize {
    text[from..]
        .find(|c| !is_js_space(c))
        .map_or(text.len(), |i| from + i)
}

fn trim(text: &str) -> &str {
    text.trim_matches(is_js_space)
}

/// The byte offset of the first U+2028 or U+2029 in `text[from..to]`.
fn check_separators(text: &str, from: usize, to: usize) -> Result<(), usize> {
    match text[from..to].find(['\u{2028}', '\u{2029}']) {
        Some(i) => Err(from + i),
        None => Ok(()),
    }
}

/// Whether dotenv's `\s*(?:#.*)?(?:$|$)` (flag `m`) matches at the start of
/// `rest`: whitespace up to a `#`, the end, or a line terminator, which for
/// JavaScript's `$` includes U+2028 and U+2029 (`\r` is gone by now).
fn js_tail_matches(rest: &str) -> bool {
    for c in rest.chars() {
        match c {
            '\n' | '\u{2028}' | '\u{2029}' | '#' => return true,
            c if is_js_space(c) => {}
            _ => return false,
        }
    }
    true
}

/// 1-based char column of byte `at` in `line`.
fn column(line: &str, at: usize) -> usize {
    line[..at].chars().count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use DotEnvErrorKind::*;

    /// Parse a file that must be valid, as (name, value) pairs in order.
    fn vars(text: &str) -> Vec<(String, String)> {
        let env = DotEnv::parse(text).unwrap_or_else(|errors| panic!("{text:?}: {errors:?}"));
        env.iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// Assert `text` parses to what node's dotenv 16.6.1 printed for it,
    /// `require('dotenv').parse(text)`, copied into `expected`.
    #[track_caller]
    fn same_as_node(text: &str, expected: &[(&str, &str)]) {
        assert_eq!(vars(text), pairs(expected), "{text:?}");
    }

    /// The (kind, line, column, len) of every error in `text`.
    fn errors(text: &str) -> Vec<(DotEnvErrorKind, usize, usize, usize)> {
        match DotEnv::parse(text) {
            Ok(env) => panic!("{text:?} parsed: {env:?}"),
            Err(errors) => errors
                .iter()
                .map(|e| (e.kind, e.line, e.column, e.len))
                .collect(),
        }
    }

    #[test]
    fn simple_assignments_in_file_order() {
        same_as_node("B=2\nA=1\n", &[("B", "2"), ("A", "1")]);
    }

    #[test]
    fn export_prefix_is_dropped() {
        same_as_node("export A=1\nexport\tB=2", &[("A", "1"), ("B", "2")]);
    }

    #[test]
    fn export_without_a_following_name_is_itself_the_name() {
        same_as_node("export  =1", &[("export", "1")]);
        same_as_node("exportA=1", &[("exportA", "1")]);
    }

    #[test]
    fn blank_and_comment_lines_are_ignored() {
        same_as_node(
            "\n  \n# comment\n  # indented = comment\nA=1\n\n",
            &[("A", "1")],
        );
    }

    #[test]
    fn whitespace_around_name_and_equals_is_allowed() {
        same_as_node("  A  =  1  \n\tB\t=\t2", &[("A", "1"), ("B", "2")]);
    }

    #[test]
    fn unquoted_values_are_trimmed_with_javascript_whitespace() {
        same_as_node("A=  spaced value  ", &[("A", "spaced value")]);
        same_as_node("A=\u{a0}x\u{a0}", &[("A", "x")]);
    }

    #[test]
    fn empty_values() {
        same_as_node(
            "A=\nB=\"\"\nC=''\nD=   ",
            &[("A", ""), ("B", ""), ("C", ""), ("D", "")],
        );
    }

    #[test]
    fn hash_after_whitespace_starts_a_comment() {
        same_as_node("A=a b # c", &[("A", "a b")]);
        same_as_node("A= #fff", &[("A", "")]);
        same_as_node("A=x\t#y#z", &[("A", "x")]);
    }

    #[test]
    fn hash_without_whitespace_before_it_is_an_error_not_a_cut() {
        // node: {"URL":"http://x/"}, {"A":"abc"}, {"A":""} — a silent cut.
        assert_eq!(errors("URL=http://x/#frag"), [(AmbiguousHash, 1, 14, 1)]);
        assert_eq!(errors("A=abc#def"), [(AmbiguousHash, 1, 6, 1)]);
        assert_eq!(errors("A=#fff"), [(AmbiguousHash, 1, 3, 1)]);
    }

    #[test]
    fn quoting_keeps_a_hash() {
        same_as_node(
            "URL=\"http://x/#frag\"\nP='a #b'",
            &[("URL", "http://x/#frag"), ("P", "a #b")],
        );
    }

    #[test]
    fn single_quotes_are_literal() {
        same_as_node(r"A='a\nb $X \t'", &[("A", r"a\nb $X \t")]);
    }

    #[test]
    fn backticks_are_literal() {
        same_as_node(r"A=`a\nb 'x' ${Y}`", &[("A", r"a\nb 'x' ${Y}")]);
    }

    #[test]
    fn double_quotes_expand_only_backslash_n_and_r() {
        // node: {"A":"a\nb\\\n\\t"} — `\\n` is a backslash then a newline.
        same_as_node(r#"A="a\nb\\n\t""#, &[("A", "a\nb\\\n\\t")]);
        same_as_node(r#"A="x\ry""#, &[("A", "x\ry")]);
    }

    #[test]
    fn whitespace_inside_quotes_is_kept() {
        same_as_node("A=\"  in  \"  ", &[("A", "  in  ")]);
    }

    #[test]
    fn backslash_quote_does_not_close_and_keeps_its_backslash() {
        same_as_node(r#"A="a\"b""#, &[("A", r#"a\"b"#)]);
        same_as_node(r"A='a\'b'", &[("A", r"a\'b")]);
    }

    #[test]
    fn trailing_backslash_before_the_closing_quote() {
        // With no later quote, dotenv closes at the escaped one: a Windows path.
        same_as_node(r#"A="C:\path\""#, &[("A", r"C:\path\")]);
        same_as_node("A=\"a\\\"\nB=\"x\\\"", &[("A", "a\\"), ("B", "x\\")]);
    }

    #[test]
    fn comment_after_closing_quote() {
        same_as_node("A='abc'#c\nB=\"x\"  # c", &[("A", "abc"), ("B", "x")]);
    }

    #[test]
    fn quoted_values_may_span_lines() {
        same_as_node(
            "A=\"multi\nline\" # c\nB=2",
            &[("A", "multi\nline"), ("B", "2")],
        );
        same_as_node(
            "K='-----BEGIN\nabc=\n-----END'\nC=3",
            &[("K", "-----BEGIN\nabc=\n-----END"), ("C", "3")],
        );
    }

    #[test]
    fn multi_line_value_closes_at_the_first_unescaped_quote_even_on_a_later_line() {
        // What dotenv does with a forgotten quote when a later line ends in one.
        same_as_node("A=\"abc\nB=def\"", &[("A", "abc\nB=def")]);
    }

    #[test]
    fn later_duplicate_wins_in_the_first_place() {
        same_as_node("B=1\nA=1\nB=2", &[("B", "2"), ("A", "1")]);
    }

    #[test]
    fn crlf_and_lone_cr_line_endings() {
        same_as_node("A=1\r\nB=2\rC=3\r\n", &[("A", "1"), ("B", "2"), ("C", "3")]);
        same_as_node("A=\"l1\r\nl2\"", &[("A", "l1\nl2")]);
    }

    #[test]
    fn utf8_bom_is_skipped() {
        same_as_node("\u{feff}A=1", &[("A", "1")]);
        // The column counts from after the BOM, as an editor shows it.
        assert_eq!(errors("\u{feff}A"), [(MissingEquals, 1, 2, 1)]);
    }

    #[test]
    fn names_accept_what_dotenv_accepts() {
        same_as_node(
            "1A=x\n.a-b=1\n-=1\n_x.Y-9=2",
            &[("1A", "x"), (".a-b", "1"), ("-", "1"), ("_x.Y-9", "2")],
        );
    }

    #[test]
    fn colon_separator_needs_whitespace_after_it() {
        same_as_node(
            "A: b\nB:  'q' # c\nC: ",
            &[("A", "b"), ("B", "q"), ("C", "")],
        );
        // node: {} — silently dropped.
        assert_eq!(errors("A:b"), [(MissingEquals, 1, 2, 1)]);
        assert_eq!(errors("A :b"), [(MissingEquals, 1, 3, 1)]);
    }

    #[test]
    fn line_without_equals_is_an_error() {
        // node: {} for each.
        assert_eq!(errors("A"), [(MissingEquals, 1, 2, 1)]);
        assert_eq!(errors("A B=1"), [(MissingEquals, 1, 3, 1)]);
        assert_eq!(errors("export A"), [(MissingEquals, 1, 9, 1)]);
    }

    #[test]
    fn invalid_name_character_is_an_error() {
        // node: {} for each.
        assert_eq!(errors("AÄ=1"), [(InvalidName, 1, 2, 1)]);
        assert_eq!(errors("A$=1"), [(InvalidName, 1, 2, 1)]);
        assert_eq!(errors("ÄA=1"), [(MissingName, 1, 1, 1)]);
        assert_eq!(errors("  =1"), [(MissingName, 1, 3, 1)]);
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        // node: {"A":"\"abc"}, {"A":"\""} — the raw text, quote and all.
        assert_eq!(
            errors("A=\"abc"),
            [(UnterminatedQuote { quote: '"' }, 1, 3, 1)]
        );
        assert_eq!(
            errors("A=\""),
            [(UnterminatedQuote { quote: '"' }, 1, 3, 1)]
        );
        let e = &DotEnv::parse("A='abc").unwrap_err()[0];
        assert_eq!(e.message, "quoted value has no closing `'`");
    }

    #[test]
    fn unterminated_quote_does_not_swallow_later_lines() {
        // node: {"A":"\"abc","B":"def"}
        assert_eq!(
            errors("A=\"abc\nB=\"def\""),
            [(UnterminatedQuote { quote: '"' }, 1, 3, 1)]
        );
        assert_eq!(
            errors("A=\"abc\nB=\"def\"\nC='x"),
            [
                (UnterminatedQuote { quote: '"' }, 1, 3, 1),
                (UnterminatedQuote { quote: '\'' }, 3, 3, 1)
            ]
        );
    }

    #[test]
    fn text_after_closing_quote_is_an_error() {
        // node: {"A":"\"abc\"def"}, {"A":"abc\" \"def"}
        assert_eq!(
            errors("A=\"abc\"def"),
            [(TextAfterQuote { quote: '"' }, 1, 8, 3)]
        );
        assert_eq!(
            errors("A=\"abc\" \"def\"  "),
            [(TextAfterQuote { quote: '"' }, 1, 9, 5)]
        );
    }

    #[test]
    fn value_on_the_line_after_the_equals_is_an_error() {
        // node: {"KEY":"abc"} and {"A":"B=1"}: `\s*` crossed the line break.
        assert_eq!(errors("KEY=\n\"abc\""), [(MissingName, 2, 1, 1)]);
        assert_eq!(errors("A:\nB=1"), [(MissingEquals, 1, 2, 1)]);
        assert_eq!(errors("export\nA=1"), [(MissingEquals, 1, 7, 1)]);
    }

    #[test]
    fn line_separator_outside_quotes_is_an_error() {
        // node: {"A":"x","B":"1"} — JavaScript's `$` ends the comment there
        // and `^` starts a variable after it.
        assert_eq!(errors("A=x #c\u{2028}B=1"), [(LineSeparator, 1, 7, 1)]);
        assert_eq!(errors("# c\u{2029}B=1"), [(LineSeparator, 1, 4, 1)]);
        assert_eq!(errors("A=\"x\" #\u{2028}B=1"), [(LineSeparator, 1, 8, 1)]);
        // node: {"A":"y z\u2028"} — the quote strip applied mid-value.
        assert_eq!(errors("A=y z\u{2028}\"\""), [(LineSeparator, 1, 6, 1)]);
        // node: {"A":"x\\\"\nC='q"}, C missing — `$` before U+2028 let the
        // later quote close A.
        assert_eq!(
            errors("A=\"x\\\"\nC='q\"\u{2028}junk'"),
            [(LineSeparator, 2, 6, 1)]
        );
    }

    #[test]
    fn line_separator_inside_quotes_is_a_character() {
        same_as_node(
            "A=\"x\u{2028}y\"\nB='\u{2029}'",
            &[("A", "x\u{2028}y"), ("B", "\u{2029}")],
        );
    }

    #[test]
    fn every_malformed_line_is_reported() {
        let text = "A=1\nBAD\nB=\"open\n# fine\nC=x#y\nD=2\n";
        assert_eq!(
            errors(text),
            [
                (MissingEquals, 2, 4, 1),
                (UnterminatedQuote { quote: '"' }, 3, 3, 1),
                (AmbiguousHash, 5, 4, 1)
            ]
        );
    }

    #[test]
    fn columns_count_chars() {
        assert_eq!(
            errors("A=\"é\"ü"),
            [(TextAfterQuote { quote: '"' }, 1, 6, 1)]
        );
    }
}
