//! How jobrun's messages write what they mention: a count with its noun,
//! and a value from a file, the environment or a server made safe to print.
//!
//! A value is shown in backticks, as every message names things; what it
//! cannot hold there is written as an escape instead: a control character
//! (a NUL, a line break that would start a line of its own, an ESC that a
//! terminal would obey), a character that turns text around (Unicode's
//! bidirectional controls), and a backtick, which would end the quote early.

use std::borrow::Cow;

/// `1 attempt`, `2 attempts`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `text` with every character a terminal would act on written as an
/// escape (`\n`, `\t`, `\0`, `\u{1b}`), and nothing else changed.
pub(crate) fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// A character as a message names it: in words when it would not show in
/// backticks (`a space`, `a line break`, `a backtick`, `the character
/// U+0000`), else in backticks.
pub(crate) fn character(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\t' => "a tab".into(),
        '\n' | '\r' => "a line break".into(),
        '`' => "a backtick".into(),
        c if is_unsafe(c) || c.is_whitespace() => format!("the character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

/// `text` in backticks, escaped as [`escape_controls`] does; a backtick in
/// it is written `\``, so the quote ends where it seems to.
pub(crate) fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('`');
    for c in text.chars() {
        if c == '`' {
            out.push_str("\\`");
        } else {
            push_escaped(&mut out, c);
        }
    }
    out.push('`');
    out
}

/// A character that must not reach a terminal as itself.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

/// Unicode's bidirectional embeddings, overrides and isolates (and the
/// marks), which reorder what is shown around them.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_say_one_without_an_s() {
        assert_eq!(plural(0, "attempt"), "0 attempts");
        assert_eq!(plural(1, "attempt"), "1 attempt");
        assert_eq!(plural(4, "attempt"), "4 attempts");
    }

    #[test]
    fn control_and_bidi_characters_are_written_as_escapes() {
        assert_eq!(
            escape_controls("a\nb\0c\u{1b}[31md\te\r\u{7f}\u{9b}\u{202e}f"),
            "a\\nb\\0c\\u{1b}[31md\\te\\r\\u{7f}\\u{9b}\\u{202e}f"
        );
        assert!(matches!(escape_controls("plain ü"), Cow::Borrowed(_)));
    }

    #[test]
    fn characters_that_would_not_show_are_named_in_words() {
        assert_eq!(character(' '), "a space");
        assert_eq!(character('\n'), "a line break");
        assert_eq!(character('`'), "a backtick");
        assert_eq!(character('\u{1b}'), "the character U+001B");
        assert_eq!(character('\u{a0}'), "the character U+00A0");
        assert_eq!(character('.'), "`.`");
    }

    #[test]
    fn a_backtick_in_a_quoted_value_does_not_end_the_quote() {
        assert_eq!(code("a`b"), "`a\\`b`");
        assert_eq!(code("`"), "`\\``");
        assert_eq!(code("x\ny"), "`x\\ny`");
    }
}
