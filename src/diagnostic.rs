//! Problems found in a file, with where they are and what to do about them,
//! rendered the way `just` and `rustc` render theirs: location, the line, a caret.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::wording::{escape_controls, plural};

/// A place in a file: 1-based line and column (in characters), and how many
/// characters the culprit covers on that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub(crate) line: u32,
    pub(crate) col: u32,
    pub(crate) len: u32,
}

impl Span {
    pub(crate) fn new(line: u32, col: u32, len: u32) -> Span {
        Span {
            line,
            col,
            len: len.max(1),
        }
    }

    /// A narrower span inside this one, `offset` characters in, when the
    /// culprit is a part of a single-line value (a field of a schedule, a
    /// placeholder in a URL).
    pub(crate) fn sub(self, offset: usize, len: usize) -> Span {
        Span::new(self.line, self.col + offset as u32, len as u32)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    pub(crate) severity: Severity,
    pub(crate) message: String,
    pub(crate) span: Option<Span>,
    pub(crate) help: Option<String>,
    /// A second place that belongs to the story, such as the first of two
    /// duplicate keys.
    pub(crate) related: Option<(Span, String)>,
    /// The span covers a credential written in the file: wherever a line
    /// holding it is quoted, it is shown as `*`s, so the warning about a
    /// leaked token does not leak it again into a CI log.
    pub(crate) conceal: Conceal,
}

/// What of a quoted line is shown as `*`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Conceal {
    #[default]
    Nothing,
    /// The characters the span covers.
    Span,
    /// Everything from the span's start to the end of its line: for a
    /// string whose characters in the file are not those of its value (an
    /// escape, a line break), where only its start is known.
    RestOfLine,
}

impl Diagnostic {
    pub(crate) fn error(message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span: Some(span),
            help: None,
            related: None,
            conceal: Conceal::Nothing,
        }
    }

    pub(crate) fn warning(message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message, span)
        }
    }

    /// A problem with the file as a whole (unreadable, empty, too large).
    pub(crate) fn file_error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            span: None,
            ..Diagnostic::error(message, Span::default())
        }
    }

    /// A remark about a file as a whole, such as its permissions.
    pub(crate) fn file_warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::file_error(message)
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn with_help_opt(mut self, help: Option<String>) -> Diagnostic {
        self.help = help;
        self
    }

    pub(crate) fn with_related(mut self, span: Span, note: impl Into<String>) -> Diagnostic {
        self.related = Some((span, note.into()));
        self
    }

    /// Mark what of the span's line must never be quoted.
    pub(crate) fn concealing_as(mut self, conceal: Conceal) -> Diagnostic {
        self.conceal = conceal;
        self
    }

    pub(crate) fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The problems of one file, with the text needed to quote its lines.
#[derive(Debug, Clone)]
pub(crate) struct Report<'a> {
    pub(crate) path: &'a Path,
    /// `None` for files whose lines must never be quoted, such as a `.env`
    /// file full of secrets.
    pub(crate) source: Option<&'a str>,
    pub(crate) diagnostics: &'a [Diagnostic],
}

/// ANSI styles, or none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Palette {
    pub(crate) enabled: bool,
}

impl Palette {
    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

impl Report<'_> {
    /// Human-readable text, every diagnostic in file order.
    pub(crate) fn render(&self, palette: Palette) -> String {
        let mut out = String::new();
        if self.diagnostics.is_empty() {
            return out;
        }
        let mut lines: Vec<std::borrow::Cow<str>> = self
            .source
            .map(lines)
            .unwrap_or_default()
            .into_iter()
            .map(std::borrow::Cow::Borrowed)
            .collect();
        for d in self.diagnostics {
            let Some(span) = d.span else { continue };
            let end = match d.conceal {
                Conceal::Nothing => continue,
                Conceal::Span => span.col as usize - 1 + span.len as usize,
                Conceal::RestOfLine => usize::MAX,
            };
            if let Some(line) = lines.get_mut(span.line as usize - 1) {
                *line = std::borrow::Cow::Owned(conceal(line, span.col as usize - 1, end));
            }
        }
        let lines: Vec<&str> = lines.iter().map(|l| l.as_ref()).collect();
        let shown = shown(self.diagnostics);
        for (diagnostic, _) in self.diagnostics.iter().zip(&shown).filter(|(_, s)| **s) {
            self.render_one(diagnostic, &lines, palette, &mut out);
        }
        let left: Vec<&Diagnostic> = self
            .diagnostics
            .iter()
            .zip(&shown)
            .filter(|(_, s)| !**s)
            .map(|(d, _)| d)
            .collect();
        if !left.is_empty() {
            let errors = left.iter().filter(|d| d.is_error()).count();
            let counts = [(errors, "error"), (left.len() - errors, "warning")]
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, word)| plural(*n, word))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                out,
                "… and {} more {} not shown ({counts}): fix these and run again, or see every one with `jobrun validate --format json`",
                left.len(),
                if left.len() == 1 {
                    "problem"
                } else {
                    "problems"
                },
            );
        }
        out
    }

    fn render_one(&self, d: &Diagnostic, lines: &[&str], palette: Palette, out: &mut String) {
        let code = render_headline(d, palette, out);
        let path = self.path.display();
        let Some(span) = d.span else {
            let path = escape_controls(&path.to_string()).into_owned();
            let _ = writeln!(out, " {} {path}", palette.paint("1;34", "-->"));
            render_help(d, "", palette, out);
            return;
        };
        let number = span.line.to_string();
        let gutter = " ".repeat(number.len());
        let bar = palette.paint("1;34", "|");
        let path = escape_controls(&path.to_string()).into_owned();
        let _ = writeln!(
            out,
            "{gutter}{} {path}:{}:{}",
            palette.paint("1;34", "-->"),
            span.line,
            span.col
        );
        if let Some(text) = lines.get(span.line as usize - 1) {
            let (shown, lead, width) = under(text, span);
            let _ = writeln!(out, "{gutter} {bar}");
            let _ = writeln!(out, "{} {bar} {shown}", palette.paint("1;34", &number));
            let _ = writeln!(
                out,
                "{gutter} {bar} {lead}{}",
                palette.paint(code, &"^".repeat(width))
            );
        }
        if let Some((related, note)) = &d.related {
            let note = bounded(note);
            let path = escape_controls(&path.to_string()).into_owned();
            let _ = writeln!(
                out,
                "{gutter} {} note: {note} at {path}:{}:{}",
                palette.paint("1;34", "="),
                related.line,
                related.col
            );
        }
        render_help(d, &gutter, palette, out);
    }

    /// The JSON form for CI annotations: one object per diagnostic.
    pub(crate) fn to_json(&self) -> Vec<serde_json::Value> {
        self.diagnostics
            .iter()
            .map(|d| {
                let mut object = serde_json::json!({
                    "severity": d.severity,
                    "message": d.message,
                    "file": self.path.display().to_string(),
                    "line": d.span.map(|s| s.line),
                    "column": d.span.map(|s| s.col),
                    "end_column": d.span.map(|s| s.col + s.len),
                    "help": d.help,
                });
                if let Some((span, note)) = &d.related {
                    object["related"] = serde_json::json!({
                        "line": span.line, "column": span.col, "message": note,
                    });
                }
                object
            })
            .collect()
    }
}

/// At most this many diagnostics are rendered in full: the errors first,
/// then the warnings, each in file order; the rest are counted.
const SHOWN: usize = 50;

/// Which of `diagnostics` are rendered in full.
fn shown(diagnostics: &[Diagnostic]) -> Vec<bool> {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let mut warnings = SHOWN.saturating_sub(errors);
    let mut errors = SHOWN;
    diagnostics
        .iter()
        .map(|d| {
            let left = if d.is_error() {
                &mut errors
            } else {
                &mut warnings
            };
            let show = *left > 0;
            *left = left.saturating_sub(1);
            show
        })
        .collect()
}

/// The most characters of a line quoted under a diagnostic: a window
/// around the culprit, so a line of megabytes is not printed whole (nor
/// its caret line).
const WIDTH: usize = 100;
/// How much of the line before the culprit the window shows.
const BEFORE: usize = 40;
/// The most characters of a value quoted in backticks in a message.
const QUOTED: usize = 200;

/// `text` (a message, a note or a help) with each backticked value longer
/// than [`QUOTED`] characters cut, and its control characters escaped.
fn bounded(text: &str) -> String {
    let text = escape_controls(text);
    let mut out = String::with_capacity(text.len().min(4 * QUOTED));
    for (i, piece) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd pieces are inside backticks.
        match piece.char_indices().nth(QUOTED) {
            Some((cut, _)) if i % 2 == 1 => {
                out.push_str(&piece[..cut]);
                out.push('…');
            }
            _ => out.push_str(piece),
        }
    }
    out
}

/// `line` with its characters from `start` to before `end` replaced by `*`.
fn conceal(line: &str, start: usize, end: usize) -> String {
    line.chars()
        .enumerate()
        .map(|(i, c)| if (start..end).contains(&i) { '*' } else { c })
        .collect()
}

/// `error: message` (or `warning:`); returns the severity's color.
fn render_headline(d: &Diagnostic, palette: Palette, out: &mut String) -> &'static str {
    let (label, code) = match d.severity {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
    };
    let _ = writeln!(
        out,
        "{}{} {}",
        palette.paint(code, label),
        palette.paint("1", ":"),
        palette.paint("1", &bounded(&d.message))
    );
    code
}

/// A line of the file as it may be shown (its control characters written
/// as escapes, its tabs kept, at most [`WIDTH`] characters of it around the
/// culprit, with `…` where it is cut), the lead that puts a caret under
/// column `span.col` of it, and how many carets cover the culprit.
fn under(text: &str, span: Span) -> (String, String, usize) {
    let start = span.col as usize - 1;
    let long = text.chars().nth(WIDTH).is_some();
    let from = if long && start > BEFORE {
        start - BEFORE
    } else {
        0
    };
    let mut shown = String::with_capacity(text.len().min(4 * WIDTH));
    let mut lead = String::new();
    if from > 0 {
        shown.push('…');
        lead.push(' ');
    }
    let mut width = 0;
    let mut chars = text.chars().enumerate().skip(from);
    for (i, c) in chars.by_ref().take(WIDTH) {
        let piece = if c == '\t' {
            "\t".into()
        } else {
            escape_controls(c.encode_utf8(&mut [0; 4])).into_owned()
        };
        if i < start {
            // Tabs stay tabs, so the caret lines up as the line is shown.
            lead.extend(piece.chars().map(|p| if p == '\t' { '\t' } else { ' ' }));
        } else if i < start + span.len as usize {
            width += piece.chars().count();
        }
        shown.push_str(&piece);
    }
    if chars.next().is_some() {
        shown.push('…');
    }
    (shown, lead, width.max(1))
}

/// A diagnostic about no place in particular: its headline and help.
pub(crate) fn render_plain(d: &Diagnostic, palette: Palette) -> String {
    let mut out = String::new();
    render_headline(d, palette, &mut out);
    render_help(d, " ", palette, &mut out);
    out
}

/// The lines of a text as YAML counts them: `\r\n`, `\r` and `\n` each end
/// one (YAML 1.2 section 5.4), so line numbers agree with the parser's.
pub(crate) fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['\r', '\n']) {
        out.push(&rest[..i]);
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + skip..];
    }
    out.push(rest);
    out
}

/// `= help: ...` with the `=` under the gutter's `|`, as rustc does.
fn render_help(d: &Diagnostic, gutter: &str, palette: Palette, out: &mut String) {
    if let Some(help) = &d.help {
        // Continuation lines line up under the first line's text.
        // A line break in a help is meant: a value echoed in it cannot
        // start a line of its own, only continue the help.
        let help = help
            .split('\n')
            .map(bounded)
            .collect::<Vec<_>>()
            .join(&format!("\n{gutter}         "));
        let _ = writeln!(out, "{gutter} {} help: {help}", palette.paint("1;34", "="));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(source: &str, diagnostics: &[Diagnostic]) -> String {
        Report {
            path: Path::new("jobs.yaml"),
            source: Some(source),
            diagnostics,
        }
        .render(Palette { enabled: false })
    }

    #[test]
    fn error_shows_location_line_caret_and_help() {
        let text = "jobs:\n  - name: a\n    shedule: x\n";
        let d = Diagnostic::error("unknown key `shedule`", Span::new(3, 5, 7))
            .with_help("did you mean `schedule`?");
        assert_eq!(
            render(text, &[d]),
            "error: unknown key `shedule`\n --> jobs.yaml:3:5\n  |\n3 |     shedule: x\n  |     ^^^^^^^\n  = help: did you mean `schedule`?\n"
        );
    }

    #[test]
    fn caret_keeps_tabs_and_stops_at_line_end() {
        let d = Diagnostic::warning("w", Span::new(1, 3, 50));
        let out = render("\tab\n", &[d]);
        assert!(out.contains("1 | \tab\n  | \t ^\n"), "{out}");
    }

    #[test]
    fn control_characters_in_a_quoted_line_are_escaped_and_the_caret_follows() {
        let d = Diagnostic::error("bad \u{1b}[2J\nvalue", Span::new(1, 4, 2));
        let out = render("a\u{0}\u{1b}bc\n", &[d]);
        assert_eq!(
            out,
            "error: bad \\u{1b}[2J\\nvalue\n --> jobs.yaml:1:4\n  |\n1 | a\\0\\u{1b}bc\n  |          ^^\n"
        );
    }

    #[test]
    fn lines_end_at_cr_lf_and_crlf_as_in_yaml() {
        assert_eq!(lines("a\r\nb\rc\nd"), vec!["a", "b", "c", "d"]);
        assert_eq!(lines("a\n"), vec!["a", ""]);
    }

    #[test]
    fn file_level_error_has_no_line() {
        let out = render("", &[Diagnostic::file_error("the file is empty")]);
        assert_eq!(out, "error: the file is empty\n --> jobs.yaml\n");
    }

    #[test]
    fn secret_files_are_never_quoted() {
        let report = Report {
            path: Path::new(".env"),
            source: None,
            diagnostics: &[Diagnostic::error("bad line", Span::new(1, 1, 3))],
        };
        let out = report.render(Palette { enabled: false });
        assert!(!out.contains('|'), "{out}");
        assert!(out.contains(".env:1:1"));
    }

    #[test]
    fn json_form_carries_location() {
        let d = Diagnostic::error("m", Span::new(2, 4, 3)).with_help("h");
        let report = Report {
            path: Path::new("j.yaml"),
            source: None,
            diagnostics: std::slice::from_ref(&d),
        };
        let json = report.to_json();
        assert_eq!(json[0]["line"], 2);
        assert_eq!(json[0]["column"], 4);
        assert_eq!(json[0]["end_column"], 7);
        assert_eq!(json[0]["severity"], "error");
    }
}
