//! A text as a server or a URL library may have re-encoded it, decoded:
//! percent escapes (RFC 3986 section 2.1, either hex case, once or
//! several times over), the backslash escapes of JSON (RFC 8259 section
//! 7) and of most programming languages (`\/`, `\u00e4`, `\x2f`), and the
//! character references of an HTML error page (`&quot;`, `&#47;`,
//! `&#x2F;`) undone, with a way back from a place in the decoded bytes to
//! the escapes it came from.
//!
//! Whichever characters an encoder chose to escape, and however it wrote
//! them, the decoded text holds the secret as it was: so one search of the
//! decoded text finds every encoding, where a list of encodings would
//! always miss one (Python's `quote` leaves `/` alone, .NET writes `%2f`).
//! Decoding is only for finding: what is shown is the original text with
//! the found places masked.

use std::borrow::Cow;
use std::ops::Range;

/// One escape: the bytes it stands for in the decoded text, and the bytes
/// it was written as in the original.
#[derive(Debug, Clone, Copy)]
struct Escape {
    decoded: u32,
    decoded_end: u32,
    original: u32,
    original_end: u32,
}

/// `text` decoded, with the escapes it held.
pub(super) struct Decoded<'t> {
    pub(super) bytes: Cow<'t, [u8]>,
    /// In order of place.
    escapes: Vec<Escape>,
}

/// Whether `text` holds anything [`decode`] would undo.
pub(super) fn has_escapes(text: &[u8]) -> bool {
    memchr::memchr3(b'%', b'\\', b'&', text).is_some()
        || memchr::memchr2(b'\n', b'\r', text).is_some()
}

/// `text` with its percent and backslash escapes decoded. `text` must be
/// shorter than 4 GiB (masking decodes a window of a body at a time).
pub(super) fn decode(text: &[u8]) -> Decoded<'_> {
    if !has_escapes(text) {
        return Decoded {
            bytes: Cow::Borrowed(text),
            escapes: Vec::new(),
        };
    }
    let mut out = Vec::with_capacity(text.len());
    let mut escapes = Vec::new();
    let mut copied = 0;
    let mut at = 0;
    // The next escape and the next line break (the text's length when
    // there is none), each searched for again only once passed, so that
    // the text is read once.
    let escapes_from = |at: usize| memchr::memchr3(b'%', b'\\', b'&', &text[at..]);
    let breaks_from = |at: usize| memchr::memchr2(b'\n', b'\r', &text[at..]);
    let next = |at: usize, search: &dyn Fn(usize) -> Option<usize>| {
        search(at).map_or(text.len(), |f| at + f)
    };
    let mut escape = next(0, &escapes_from);
    let mut line_break = next(0, &breaks_from);
    loop {
        if escape < at {
            escape = next(at, &escapes_from);
        }
        if line_break < at {
            line_break = next(at, &breaks_from);
        }
        let start = escape.min(line_break);
        if start >= text.len() {
            break;
        }
        let decoded = match text[start] {
            b'%' => percent(text, start).map(|(byte, end)| (Unit::Byte(byte), end)),
            b'\\' => backslash(text, start),
            b'&' => reference(text, start),
            _ => Some((Unit::Nothing, start + 1)),
        };
        let Some((unit, end)) = decoded else {
            at = start + 1;
            continue;
        };
        out.extend_from_slice(&text[copied..start]);
        let decoded = out.len();
        match unit {
            Unit::Byte(b'\n' | b'\r') | Unit::Char('\n' | '\r') | Unit::Nothing => {}
            Unit::Byte(byte) => out.push(byte),
            Unit::Char(c) => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
        escapes.push(Escape {
            decoded: decoded as u32,
            decoded_end: out.len() as u32,
            original: start as u32,
            original_end: end as u32,
        });
        copied = end;
        at = end;
    }
    out.extend_from_slice(&text[copied..]);
    Decoded {
        bytes: Cow::Owned(out),
        escapes,
    }
}

/// `text` with its percent escapes decoded, and nothing else: a secret as
/// a server would read it from a URL.
pub(super) fn percent_decoded(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        match percent(text, at) {
            Some((byte, end)) if text[at] == b'%' => {
                out.push(byte);
                at = end;
            }
            _ => {
                out.push(text[at]);
                at += 1;
            }
        }
    }
    out
}

impl Decoded<'_> {
    /// The original bytes that decoded to `range`: whole escapes, where
    /// the range starts or ends inside the bytes of one.
    pub(super) fn original(&self, range: Range<usize>) -> Range<usize> {
        if self.escapes.is_empty() || range.is_empty() {
            return range;
        }
        self.start(range.start)..self.end(range.end)
    }

    fn start(&self, at: usize) -> usize {
        // The last escape that starts at or before `at`.
        let i = self.escapes.partition_point(|e| e.decoded as usize <= at);
        match i.checked_sub(1).map(|i| self.escapes[i]) {
            None => at,
            Some(e) if at < e.decoded_end as usize => e.original as usize,
            Some(e) => e.original_end as usize + (at - e.decoded_end as usize),
        }
    }

    fn end(&self, end: usize) -> usize {
        // The last escape that starts before `end`.
        let i = self.escapes.partition_point(|e| (e.decoded as usize) < end);
        match i.checked_sub(1).map(|i| self.escapes[i]) {
            None => end,
            Some(e) if end <= e.decoded_end as usize => e.original_end as usize,
            Some(e) => e.original_end as usize + (end - e.decoded_end as usize),
        }
    }
}

enum Unit {
    Byte(u8),
    Char(char),
    /// A line break, written or escaped (in any of the ways above too): a
    /// server's line wrapping may cut a secret anywhere, so the decoded
    /// text has none.
    Nothing,
}

/// The byte a `%XX` escape at `at` stands for, and where the escape ends.
/// `%25` followed by two more hex digits is an escape encoded again
/// (`%252F` is `%2F` encoded): the byte is the innermost one's.
fn percent(text: &[u8], at: usize) -> Option<(u8, usize)> {
    let mut byte = hex_pair(text, at + 1)?;
    let mut end = at + 3;
    while byte == b'%' {
        match hex_pair(text, end) {
            Some(inner) => {
                byte = inner;
                end += 2;
            }
            None => break,
        }
    }
    Some((byte, end))
}

/// What a backslash escape at `at` stands for, and where it ends: JSON's
/// (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\uXXXX` with UTF-16
/// surrogate pairs) and `\xXX`. `None` for a backslash that starts none.
fn backslash(text: &[u8], at: usize) -> Option<(Unit, usize)> {
    let byte = |c: u8| Some((Unit::Byte(c), at + 2));
    match *text.get(at + 1)? {
        c @ (b'"' | b'\\' | b'/' | b'\'') => byte(c),
        b'b' => byte(0x08),
        b'f' => byte(0x0c),
        b'n' | b'r' => Some((Unit::Nothing, at + 2)),
        b't' => byte(b'\t'),
        b'x' => Some((Unit::Byte(hex_pair(text, at + 2)?), at + 4)),
        b'u' => {
            let unit = u16_at(text, at + 2)?;
            if let Some(c) = char::from_u32(u32::from(unit)) {
                return Some((Unit::Char(c), at + 6));
            }
            // A high surrogate, and its low one after it.
            if !(0xd800..0xdc00).contains(&unit) || text.get(at + 6..at + 8)? != b"\\u" {
                return None;
            }
            let low = u16_at(text, at + 8)?;
            char::decode_utf16([unit, low])
                .next()?
                .ok()
                .map(|c| (Unit::Char(c), at + 12))
        }
        _ => None,
    }
}

/// What an HTML character reference at `at` stands for, and where it
/// ends: the five named ones an escaping page writes (`&amp;`, `&lt;`,
/// `&gt;`, `&quot;`, `&apos;`) and numeric ones (`&#47;`, `&#x2F;`).
fn reference(text: &[u8], at: usize) -> Option<(Unit, usize)> {
    // The longest: `&#x10FFFF;`.
    let window = &text[at + 1..text.len().min(at + 10)];
    let semicolon = window.iter().position(|&b| b == b';')?;
    let body = &window[..semicolon];
    let end = at + 1 + semicolon + 1;
    let c = match body {
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        [b'#', b'x' | b'X', hex @ ..] if !hex.is_empty() => {
            char::from_u32(u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?)?
        }
        [b'#', digits @ ..] if !digits.is_empty() => {
            char::from_u32(std::str::from_utf8(digits).ok()?.parse().ok()?)?
        }
        _ => return None,
    };
    Some((Unit::Char(c), end))
}

fn u16_at(text: &[u8], at: usize) -> Option<u16> {
    let high = hex_pair(text, at)?;
    let low = hex_pair(text, at + 2)?;
    Some(u16::from_be_bytes([high, low]))
}

fn hex_pair(text: &[u8], at: usize) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    let high = digit(*text.get(at)?)?;
    let low = digit(*text.get(at + 1)?)?;
    Some((high * 16 + low) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str) -> String {
        String::from_utf8(decode(text.as_bytes()).bytes.into_owned()).unwrap()
    }

    #[test]
    fn percent_and_backslash_escapes_are_undone() {
        assert_eq!(decoded("a%2Fb%2fc%20d+e"), "a/b/c d+e");
        assert_eq!(decoded("%252F %25252f %25 %2 %zz"), "/ / % %2 %zz");
        assert_eq!(
            decoded(r#"\"\\\/\n\x2F\u00e4\u00C4\ud83d\ude00"#),
            "\"\\//äÄ😀"
        );
        assert_eq!(decoded(r"\q \ud83d alone \u12"), r"\q \ud83d alone \u12");
        assert_eq!(decoded("p%C3%A4ss"), "päss");
        assert_eq!(
            decoded("a&amp;b &quot;c&quot; &#47;&#x2f;&#X2F; &lt;&gt;&apos;"),
            "a&b \"c\" /// <>'"
        );
        assert_eq!(
            decoded("&nbsp; &#; &#xZZ; & alone &amp"),
            "&nbsp; &#; &#xZZ; & alone &amp"
        );
    }

    #[test]
    fn a_decoded_range_maps_back_to_whole_escapes() {
        let text = "ab%2Fcd\\u00e4ef";
        let d = decode(text.as_bytes());
        assert_eq!(&*d.bytes, "ab/cdäef".as_bytes());
        // `/` is `%2F`; `ä`, two bytes, is `\u00e4`.
        assert_eq!(d.original(2..3), 2..5);
        assert_eq!(d.original(0..2), 0..2);
        assert_eq!(d.original(3..5), 5..7);
        assert_eq!(d.original(5..7), 7..13);
        assert_eq!(d.original(6..9), 7..15);
        assert_eq!(d.original(1..8), 1..14);
    }

    #[test]
    fn a_secret_is_percent_decoded_alone() {
        assert_eq!(percent_decoded(b"50%2541\\n%zz"), b"50A\\n%zz");
    }
}
