//! What of the job file a report may quote: the lines its problems are on,
//! with every credential written on them concealed as `*`s, and the
//! problems' words with the same values as `***`.
//!
//! The secret lint conceals what it warns about; a duplicate key, an
//! unterminated quote or a value of the wrong kind on a line holding a
//! literal credential is reported by other checks, often from a file that
//! does not parse, so the line is looked at by itself: what a credential
//! looks like on one line, whatever the file around it.
//!
//! Concealed: the value of a key that names a credential (a header such
//! as `Authorization` or `X-Api-Key`, a field such as `password` or
//! `client_secret`) unless it is written only with placeholders; a JWT or
//! a long random-looking token anywhere; URL userinfo written out; and
//! every value of a `NAME=value` line, the form of a `.env` file given as
//! the job file by mistake.

use std::borrow::Cow;
use std::ops::Range;

use crate::diagnostic::Diagnostic;
use crate::jobfile::lint;
use crate::jobfile::schema;
use crate::vars::mask::{self, MASK};

/// `text` with the credentials on the lines `diagnostics` point at
/// concealed, each character as `*` so the carets still line up; and the
/// diagnostics' messages, help and notes with those values as `***`.
pub(crate) fn conceal<'t>(text: &'t str, diagnostics: &mut [Diagnostic]) -> Cow<'t, str> {
    let mut lines: Vec<u32> = diagnostics
        .iter()
        .flat_map(|d| d.span.iter().chain(d.related.iter().map(|(s, _)| s)))
        .map(|span| span.line)
        .collect();
    lines.sort_unstable();
    lines.dedup();
    let Some(&last) = lines.last() else {
        return Cow::Borrowed(text);
    };
    let starts = line_starts(text, last as usize);
    let mut shown = String::new();
    let mut values: Vec<String> = Vec::new();
    let mut copied = 0;
    for line in lines {
        let Some(&start) = (line as usize).checked_sub(1).and_then(|i| starts.get(i)) else {
            continue;
        };
        let end = text[start..]
            .find(['\r', '\n'])
            .map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        let found = places(line);
        if found.is_empty() {
            continue;
        }
        // A message may quote a part of what is concealed: a token inside
        // a header's value, a value without its quotes.
        for place in &found {
            let value = &line[place.clone()];
            values.push(value.to_string());
            values.push(value.trim_matches(['"', '\'']).to_string());
        }
        shown.push_str(&text[copied..start]);
        let mut at = start;
        for place in mask::merged(found) {
            let (from, to) = (start + place.start, start + place.end);
            shown.push_str(&text[at..from]);
            shown.extend(text[from..to].chars().map(|_| '*'));
            at = to;
        }
        copied = at;
    }
    if values.is_empty() {
        return Cow::Borrowed(text);
    }
    shown.push_str(&text[copied..]);
    // Longest first, so a value holding another is masked whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for diagnostic in diagnostics.iter_mut() {
        hide(&mut diagnostic.message, &values);
        if let Some(help) = &mut diagnostic.help {
            hide(help, &values);
        }
        if let Some((_, note)) = &mut diagnostic.related {
            hide(note, &values);
        }
    }
    Cow::Owned(shown)
}

/// Where each of the first `count` lines starts, in bytes: lines end at
/// `\r\n`, `\r` or `\n`, as [`crate::diagnostic::lines`] counts them.
fn line_starts(text: &str, count: usize) -> Vec<usize> {
    let mut starts = vec![0];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && starts.len() < count {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                i += 2;
                starts.push(i);
            }
            b'\r' | b'\n' => {
                i += 1;
                starts.push(i);
            }
            _ => i += 1,
        }
    }
    starts
}

/// `text` with every value (each at least a few characters: a shorter
/// one would mask words of the message) as `***`.
fn hide(text: &mut String, values: &[String]) {
    for value in values.iter().filter(|v| v.chars().count() >= 4) {
        if text.contains(value.as_str()) {
            *text = text.replace(value.as_str(), MASK);
        }
    }
}

/// The credentials written on `line`, as byte ranges, in order, one
/// inside another where they overlap (a token in a header's value).
fn places(line: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    assignment(line, &mut found);
    keyed_values(line, &mut found);
    tokens(line, &mut found);
    userinfo(line, &mut found);
    found.retain(|r| !r.is_empty());
    found.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    found
}

/// `NAME=value` (or `export NAME=value`) as a `.env` file writes it: the
/// value, whatever the name.
fn assignment(line: &str, found: &mut Vec<Range<usize>>) {
    let trimmed = line.trim_start();
    let rest = trimmed
        .strip_prefix("export ")
        .map_or(trimmed, str::trim_start);
    // A name as dotenv reads one: it starts with a letter or `_`.
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return;
    }
    let name_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || b"_.-".contains(b))
        .count();
    let Some(value) = rest[name_len..].trim_start().strip_prefix('=') else {
        return;
    };
    // Every slice here ends where the line does.
    let value = value.trim_start();
    let start = line.len() - value.len();
    found.push(start..start + value.trim_end().len());
}

/// The values of `key: value` pairs whose key names a credential, in a
/// block or flow mapping.
fn keyed_values(line: &str, found: &mut Vec<Range<usize>>) {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'#' if i == 0 || bytes[i - 1] == b' ' => return,
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'"' | b'\'' => {
                // A quoted key, or a quoted value whose key was not one.
                let end = quoted_end(line, i);
                if line[end..].starts_with(": ") || line[end..] == *":" {
                    let key = &line[i + 1..end.saturating_sub(1).max(i + 1)];
                    i = value(line, end + 1, key, depth, found);
                } else {
                    i = end;
                }
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                let start = i;
                while i < bytes.len()
                    && !matches!(bytes[i], b':' | b',' | b'{' | b'}' | b'[' | b']')
                {
                    if bytes[i] == b' ' && bytes.get(i + 1) == Some(&b'#') {
                        break;
                    }
                    i += 1;
                }
                let is_key = bytes.get(i) == Some(&b':')
                    && bytes.get(i + 1).is_none_or(|b| *b == b' ' || *b == b'\t');
                if is_key {
                    let key = line[start..i].trim();
                    i = value(line, i + 1, key, depth, found);
                }
            }
            _ => i += 1,
        }
    }
}

/// After the `:` of `key` at `at`: the value's end; its range is found
/// when the key names a credential and the value is not written with
/// placeholders alone.
fn value(line: &str, at: usize, key: &str, depth: usize, found: &mut Vec<Range<usize>>) -> usize {
    let bytes = line.as_bytes();
    let mut start = at;
    while start < bytes.len() && matches!(bytes[start], b' ' | b'\t') {
        start += 1;
    }
    let end = match bytes.get(start) {
        None => return start,
        Some(b'"' | b'\'') => quoted_end(line, start),
        // A nested mapping or list: its own keys are looked at in turn.
        Some(b'{' | b'[') => return start,
        Some(_) => {
            let mut end = start;
            while end < bytes.len() {
                let b = bytes[end];
                if depth > 0 && matches!(b, b',' | b'}' | b']') {
                    break;
                }
                if b == b'#' && bytes[end - 1] == b' ' {
                    break;
                }
                end += 1;
            }
            start + line[start..end].trim_end().len()
        }
    };
    if names_credential(key) && !placeholders_only(&line[start..end]) {
        found.push(start..end);
    }
    end
}

/// Where a string quoted at `at` ends (after its closing quote), or the
/// end of the line when it goes on past it.
fn quoted_end(line: &str, at: usize) -> usize {
    let bytes = line.as_bytes();
    let quote = bytes[at];
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// A key whose value is a credential: a credential header's name or a
/// secret variable's (`password`, `apiKey`, `client_secret`), but none of
/// jobrun's own keys (`idempotencyKey: true` is not one).
fn names_credential(key: &str) -> bool {
    let own = [
        schema::TOP_KEYS,
        schema::GLOBAL_KEYS,
        schema::JOB_KEYS,
        schema::DEPENDS_ON_KEYS,
        schema::NOTIFY_KEYS,
        schema::NOTICE_KEYS,
    ]
    .iter()
    .any(|keys| keys.iter().any(|k| k.name == key));
    !own && (mask::is_sensitive_header(key) || mask::is_sensitive_variable(key))
}

/// A value written with placeholders and nothing secret besides: every
/// placeholder without a default, and at most an auth scheme or spaces
/// around them (`"Bearer ${JWT_TOKEN}"`). Read leniently, as the line may
/// be the one whose placeholder is broken (`"Bearer ${JWT_TOKEN"`).
fn placeholders_only(value: &str) -> bool {
    let mut rest = value
        .strip_prefix(['"', '\''])
        .map(|v| v.strip_suffix(['"', '\'']).unwrap_or(v))
        .unwrap_or(value);
    let mut literal = String::new();
    let mut any = false;
    while let Some(at) = rest.find("${") {
        literal.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after.find('}').unwrap_or(after.len());
        let name_len = after[..end]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        let default = after[name_len..end]
            .strip_prefix(":-")
            .or_else(|| after[name_len..end].strip_prefix('-'));
        if default.is_some_and(|d| !d.is_empty()) {
            return false;
        }
        any = true;
        rest = &after[(end + 1).min(after.len())..];
    }
    literal.push_str(rest);
    any && literal
        .split_whitespace()
        .all(|word| word.chars().all(|c| c.is_ascii_alphabetic()))
}

/// JWTs and long random-looking tokens, as the secret lint finds them.
fn tokens(line: &str, found: &mut Vec<Range<usize>>) {
    let mut offset = 0;
    while let Some((chars, len, _)) = lint::find_token(&line[offset..], false) {
        let start = offset + byte_of(&line[offset..], chars);
        let end = start + byte_of(&line[start..], len);
        found.push(start..end);
        offset = end;
    }
}

/// `scheme://user:password@` written out, not from placeholders.
fn userinfo(line: &str, found: &mut Vec<Range<usize>>) {
    let mut offset = 0;
    while let Some(at) = line[offset..].find("://") {
        let start = offset + at + 3;
        let authority_end = line[start..]
            .find(|c: char| "/?#\"' \t,}]".contains(c))
            .map_or(line.len(), |i| start + i);
        if let Some(info) = line[start..authority_end].rfind('@')
            && !placeholders_only(&line[start..start + info].replace(':', ""))
        {
            found.push(start..start + info);
        }
        offset = authority_end;
    }
}

/// The byte offset of the `chars`-th character of `text`.
fn byte_of(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;

    fn shown(line: &str) -> String {
        let mut out = line.to_string();
        for place in mask::merged(places(line)).into_iter().rev() {
            let stars = "*".repeat(line[place.clone()].chars().count());
            out.replace_range(place, &stars);
        }
        out
    }

    #[test]
    fn a_credential_keys_value_is_concealed_and_placeholders_are_not() {
        for (line, want) in [
            (
                "      Authorization: \"Bearer sk_live_51HqLyjWDarjtT1zdp7dcXpQ2\"",
                "      Authorization: ******************************************",
            ),
            ("      X-Api-Key: abc123", "      X-Api-Key: ******"),
            (
                "    data: {password: hunter2, user: bob, apiKey: 'k''ey'}",
                "    data: {password: *******, user: bob, apiKey: *******}",
            ),
            (
                "      - client_secret: \"unterminated",
                "      - client_secret: *************",
            ),
            (
                "      Authorization: \"Bearer ${JWT_TOKEN}\"",
                "      Authorization: \"Bearer ${JWT_TOKEN}\"",
            ),
            (
                "      Authorization: \"Bearer ${JWT_TOKEN\"",
                "      Authorization: \"Bearer ${JWT_TOKEN\"",
            ),
            (
                "      X-Token: \"${T:-fallback-literal}\" # note",
                "      X-Token: ************************ # note",
            ),
            ("    idempotencyKey: true", "    idempotencyKey: true"),
            ("    retries: \"3\"", "    retries: \"3\""),
        ] {
            assert_eq!(shown(line), want, "{line}");
        }
    }

    #[test]
    fn env_lines_tokens_and_userinfo_are_concealed() {
        for (line, want) in [
            ("API_TOKEN=hunter2secret", "API_TOKEN=*************"),
            ("export BASE = https://x", "export BASE = *********"),
            (
                "    url: \"https://bob:hunter2@h/x?k=1\"",
                "    url: \"https://***********@h/x?k=1\"",
            ),
            (
                "    url: \"https://${U}:${P}@h/x\"",
                "    url: \"https://${U}:${P}@h/x\"",
            ),
            (
                "    timeout: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
                "    timeout: *****************************************",
            ),
            ("    schedule: \"* * * * *\"", "    schedule: \"* * * * *\""),
        ] {
            assert_eq!(shown(line), want, "{line}");
        }
    }

    #[test]
    fn only_the_lines_with_problems_are_changed_and_messages_hide_the_value() {
        let text = "jobs:\r\n  - name: a\n    timeout: sk_live_51HqLyjWDarjtT1zdp7dcXpQ2\n    X-Key: kept-here\n    headers: {Authorization: \"Bearer sk_live_51HqLyjWDarjtT1zdp7dcXpQ3\", x: [1]}\n";
        let mut diagnostics = vec![
            Diagnostic::error(
                "`sk_live_51HqLyjWDarjtT1zdp7dcXpQ2` is not a duration",
                Span::new(3, 14, 33),
            ),
            Diagnostic::error("header `x` must be a single value", Span::new(5, 77, 1))
                .with_help("not sk_live_51HqLyjWDarjtT1zdp7dcXpQ3 nor Bearer sk_live_51HqLyjWDarjtT1zdp7dcXpQ3"),
        ];
        let out = conceal(text, &mut diagnostics);
        assert_eq!(
            out,
            "jobs:\r\n  - name: a\n    timeout: *********************************\n    X-Key: kept-here\n    headers: {Authorization: ******************************************, x: [1]}\n"
        );
        assert_eq!(diagnostics[0].message, "`***` is not a duration");
        assert_eq!(diagnostics[1].help.as_deref(), Some("not *** nor ***"));
    }
}
