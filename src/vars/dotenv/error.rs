//! What can be wrong with a `.env` file: it cannot be read, or lines in it
//! are malformed. A malformed line is reported by its place and kind only,
//! never by its text, since the line may be a secret.

use std::borrow::Cow;
use std::path::PathBuf;

use crate::diagnostic::Diagnostic;

/// Why the `.env` file cannot be used.
#[derive(Debug)]
pub(crate) enum EnvFileError {
    /// It cannot be read. `explicit`: named with `--env-file`, not the
    /// `.env` found beside the job file.
    Unreadable {
        path: PathBuf,
        reason: String,
        explicit: bool,
    },
    /// Lines in it are wrong, each with its place. Its text is never
    /// quoted: a `.env` file holds secrets.
    Invalid {
        path: PathBuf,
        problems: Vec<Diagnostic>,
    },
}

/// What is wrong with a line; [`DotEnvError`] carries the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DotEnvErrorKind {
    /// The line starts with a character that cannot start a name.
    MissingName,
    /// The name runs into a character that names may not hold.
    InvalidName,
    /// A name not followed by `=` (or by `:` and whitespace).
    MissingEquals,
    /// An unquoted value holds a `#` that dotenv would cut it at.
    AmbiguousHash,
    /// A quoted value with no usable closing quote.
    UnterminatedQuote { quote: char },
    /// Something other than a comment after a closing quote.
    TextAfterQuote { quote: char },
    /// U+2028 or U+2029 outside a quoted value.
    LineSeparator,
}

/// A malformed line. Never contains a value or the text of the line, only
/// its position, so it is safe to print; a renderer that wants to show the
/// line must not, since the line may be a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct DotEnvError {
    pub(crate) kind: DotEnvErrorKind,
    /// 1-based
    pub(crate) line: usize,
    /// 1-based, in chars
    pub(crate) column: usize,
    /// in chars
    pub(crate) len: usize,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

impl DotEnvError {
    pub(super) fn new(kind: DotEnvErrorKind, line: usize, column: usize, len: usize) -> Self {
        use DotEnvErrorKind::*;
        let (message, help): (Cow<str>, &str) = match kind {
            MissingName => (
                "expected a variable name".into(),
                "each line is `NAME=value`, a `# comment` or blank; a name is ASCII letters, digits, `_`, `.` and `-`",
            ),
            InvalidName => (
                "invalid character in a variable name".into(),
                "a name is ASCII letters, digits, `_`, `.` and `-`, followed by `=`",
            ),
            MissingEquals => (
                "expected `=` after the variable name".into(),
                "write `NAME=value` (or `NAME: value`, with a space after `:`); dotenv would ignore this line without a word",
            ),
            AmbiguousHash => (
                "`#` would cut this unquoted value short".into(),
                "dotenv ends an unquoted value at the first `#`; to keep the `#`, quote the value (`NAME=\"...\"`); to start a comment, put a space before `#`",
            ),
            UnterminatedQuote { quote } => (
                format!("quoted value has no closing {}", quote_name(quote)).into(),
                "end the value with the quote it starts with; a quoted value may span several lines, and only a `# comment` may follow the closing quote",
            ),
            TextAfterQuote { quote } => (
                format!("unexpected text after the closing {}", quote_name(quote)).into(),
                "only a `# comment` may follow a quoted value; move the text inside the quotes",
            ),
            LineSeparator => (
                "unicode line separator (U+2028 or U+2029) outside quotes".into(),
                "remove it, or move it inside a quoted value: dotenv reads it as a line break in some places and not in others",
            ),
        };
        DotEnvError {
            kind,
            line,
            column,
            len,
            message: message.into_owned(),
            help: Some(help.to_owned()),
        }
    }
}

/// A quote character as a message names it: a backtick cannot be shown in
/// backticks.
fn quote_name(quote: char) -> String {
    match quote {
        '`' => "backtick".into(),
        quote => format!("`{quote}`"),
    }
}
