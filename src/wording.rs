//! How jobrun's messages write what they mention: a count with its noun,
//! and a value from a file, the environment or a server made safe to print.
//!
//! A value is shown in backticks, as every message names things; what it
//! cannot hold there is written as an escape instead: a control character
//! (a NUL, a line break that would start a line of its own, an ESC that a
//! terminal would obey), a character that turns text around (Unicode's
//! bidirectional controls), and a backtick, which would end the quote early.

/// `1 attempt`, `2 attempts`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
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
    fn a_backtick_in_a_quoted_value_does_not_end_the_quote() {
        assert_eq!(code("a`b"), "`a\\`b`");
        assert_eq!(code("`"), "`\\``");
        assert_eq!(code("x\ny"), "`x\\ny`");
    }
}
