//! Secrets and their masking. Everything jobrun writes about a request
//! (error lines, logs, dry-run output, body excerpts) goes through
//! [`Secrets::mask`] first.
//!
//! What counts as secret: the values of credential-bearing headers, values
//! substituted from variables whose names say they are credentials, and URL
//! userinfo. Once known, a secret is masked wherever it reappears: in a
//! query string, a redirect location, an error text or an echoing server's
//! body, as written or in any encoding a URL library, a form or a JSON
//! encoder gives it. Rather than list those encodings (there is always one
//! more: Python's `quote` leaves `/` alone, .NET writes `%2f`), the text is
//! searched once as it is and once decoded ([`decoded`]), and what is found
//! in the decoded text is masked where it was written.

mod decoded;
mod forms;

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Write;
use std::ops::Range;

use forms::Form;

/// What a secret is replaced with.
pub(crate) const MASK: &str = "***";

/// Header names whose values are credentials: the fixed ones, and any name
/// containing one of the words.
const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];
const SENSITIVE_HEADER_WORDS: &[&str] = &["token", "secret", "key", "auth", "password"];
/// Words in a variable's name that make its value a secret.
const SENSITIVE_VARIABLE_WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASS",
    "KEY",
    "CREDENTIAL",
    "AUTH",
];

/// Whether a header's value is a credential, by the header's name.
pub(crate) fn is_sensitive_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SENSITIVE_HEADERS.contains(&lower.as_str())
        || SENSITIVE_HEADER_WORDS.iter().any(|w| lower.contains(w))
}

/// Whether a variable's value is a secret, by the variable's name.
pub(crate) fn is_sensitive_variable(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SENSITIVE_VARIABLE_WORDS.iter().any(|w| upper.contains(w))
}

/// The secret values of one run, and the forms each is searched for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Secrets {
    /// As added, each once.
    values: Vec<String>,
    /// The same, and the forms below, for a lookup: a request with
    /// thousands of credential headers is noted in time linear in their
    /// number.
    seen: HashSet<String>,
    seen_forms: HashSet<(bool, Form)>,
    /// Searched for in the text as written, in either case: each value,
    /// the value with its spaces as a form writes them (`+`), and for a
    /// value of [`SHORT`] characters or more its hex and base64 forms
    /// ([`forms`]).
    written: Vec<Form>,
    /// Searched for in the decoded text, in either case and without line
    /// breaks: the value (whatever encoding the text gave it), the value
    /// with `+` for spaces, the value as a server decodes it from a URL
    /// (when it holds escapes of its own), the value escaped for JSON (a
    /// JSON document inside a JSON string), and its standard base64 forms
    /// (whose `/` and `+` a JSON or URL encoder may escape).
    decoded: Vec<Form>,
}

/// How much text is decoded at once: a body of any size is searched in
/// windows of this size, so decoding it costs a window's memory, not a
/// copy of the body.
const WINDOW: usize = 1024 * 1024;

impl Secrets {
    /// Remember `value` as a secret.
    pub(crate) fn add(&mut self, value: &str) {
        if value.is_empty() || !self.seen.insert(value.to_string()) {
            return;
        }
        self.values.push(value.to_string());
        let plus = value.replace(' ', "+").into_bytes();
        let seen = &mut self.seen_forms;
        let mut push = |forms: &mut Vec<Form>, decoded: bool, mut form: Form| {
            if decoded {
                // The decoded text has no line breaks: a server's line
                // wrapping may have cut the secret anywhere.
                form.bytes.retain(|b| !matches!(b, b'\n' | b'\r'));
            }
            if !form.bytes.is_empty() && seen.insert((decoded, form.clone())) {
                forms.push(form);
            }
        };
        push(&mut self.written, false, Form::plain(value.into()));
        push(&mut self.written, false, Form::plain(plus.clone()));
        push(&mut self.decoded, true, Form::plain(value.into()));
        push(&mut self.decoded, true, Form::plain(plus));
        push(
            &mut self.decoded,
            true,
            Form::plain(decoded::percent_decoded(value.as_bytes())),
        );
        push(
            &mut self.decoded,
            true,
            Form::plain(json_escape(value).into()),
        );
        // Shorter values are matched as words of their own, which an
        // encoded form never is.
        if value.chars().count() >= SHORT {
            push(&mut self.written, false, forms::hex(value));
            for core in forms::base64_cores(value, true) {
                push(&mut self.written, false, core.clone());
                push(&mut self.decoded, true, core);
            }
            for core in forms::base64_cores(value, false) {
                push(&mut self.written, false, core);
            }
        }
    }

    /// Remember a credential header's value: whole, the part after an auth
    /// scheme (`Bearer X`), and each value of a cookie list (`a=X; b=Y`).
    pub(crate) fn add_credential(&mut self, value: &str) {
        self.add(value);
        if let Some((_, rest)) = value.split_once(' ') {
            self.add(rest.trim());
        }
        for pair in value.split([';', ',']) {
            if let Some((_, v)) = pair.split_once('=') {
                self.add(v.trim());
            }
        }
    }

    /// Remember, as secrets of their own, the pieces of each secret found
    /// in `url` between the characters a URL is taken apart at (RFC 3986
    /// section 2.2's gen-delims). A secret holding `@` or `/` is cut by
    /// the URL's splitter, and a part of the URL shown alone (the host, a
    /// `Host` header, the request line, an error naming the host) would
    /// hold a piece of it that the whole secret does not match.
    pub(crate) fn add_url_pieces(&mut self, url: &str) {
        let delimiters = [':', '/', '?', '#', '[', ']', '@'];
        for place in self.places(url.as_bytes()) {
            let Some(secret) = url.get(place) else {
                continue;
            };
            if !secret.contains(delimiters) {
                continue;
            }
            let pieces: Vec<String> = secret
                .split(delimiters)
                .filter(|piece| !piece.is_empty())
                .map(str::to_string)
                .collect();
            for piece in pieces {
                self.add(&piece);
            }
        }
    }

    /// Remember every secret of `other` too.
    pub(crate) fn extend(&mut self, other: &Secrets) {
        for value in &other.values {
            self.add(value);
        }
    }

    /// Whether `value` is one of the secrets, as it was added.
    pub(crate) fn is_secret(&self, value: &str) -> bool {
        self.seen.contains(value)
    }

    /// `text` with every secret replaced by [`MASK`].
    ///
    /// A secret shorter than [`SHORT`] characters is replaced only where it
    /// stands as a word of its own: a one-letter test token must not turn
    /// every "t" of an error message into `***`, nor `KEY_VERSION=1` every
    /// 1 of 127.0.0.1.
    pub(crate) fn mask<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.mask_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // A place found in the decoded text maps back to whole escapes,
            // and one found as written to whole characters, so the result
            // is UTF-8 too.
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// [`Secrets::mask`] for bytes that may not be UTF-8 (a Latin-1 body).
    pub(crate) fn mask_bytes<'t>(&self, bytes: &'t [u8]) -> Cow<'t, [u8]> {
        let found = self.places(bytes);
        if found.is_empty() {
            return Cow::Borrowed(bytes);
        }
        let mut out = Vec::with_capacity(bytes.len());
        // Writing to a Vec cannot fail.
        let _ = write_pieces(bytes, &found, &mut out);
        Cow::Owned(out)
    }

    /// [`Secrets::mask_bytes`] for the start of a longer text (the head of
    /// a body): its last bytes, where a secret cut in two may begin, are
    /// left out, unless a secret found whole runs into them.
    pub(crate) fn mask_start<'t>(&self, bytes: &'t [u8]) -> Cow<'t, [u8]> {
        let mut found = self.places(bytes);
        let mut cut = bytes.len().saturating_sub(self.longest_written());
        if let Some(place) = found.iter().find(|p| p.start < cut && p.end > cut) {
            cut = place.end;
        }
        found.retain(|p| p.end <= cut);
        if found.is_empty() {
            return Cow::Borrowed(&bytes[..cut]);
        }
        let mut out = Vec::with_capacity(cut);
        // Writing to a Vec cannot fail.
        let _ = write_pieces(&bytes[..cut], &found, &mut out);
        Cow::Owned(out)
    }

    /// The most bytes a secret can take written in any encoding: an escape
    /// is at most 12 bytes for the 1 to 4 it gives, and a `%XX` escaped
    /// again a few bytes more.
    fn longest_written(&self) -> usize {
        match self.decoded.iter().map(|form| form.bytes.len()).max() {
            Some(longest) => 12 * longest + 64,
            None => 0,
        }
    }

    /// [`Secrets::mask_bytes`] written straight to `out`, piece by piece,
    /// for a body too large to copy.
    pub(crate) fn write_masked(&self, bytes: &[u8], out: &mut dyn Write) -> std::io::Result<()> {
        write_pieces(bytes, &self.places(bytes), out)
    }

    /// Where secrets are in `bytes`, in order, overlapping places merged.
    ///
    /// The text is searched window by window, each in lower case (the
    /// search ignores the case of ASCII letters: a server may upper-case
    /// what it echoes) and decoded. Windows overlap by `margin` on each
    /// side, more than any encoded secret is long (an escape is at most 12
    /// bytes for the 1 to 4 it gives), and a window keeps only the places
    /// that start in its middle part, where its decoding agrees with the
    /// whole text's.
    fn places(&self, bytes: &[u8]) -> Vec<Range<usize>> {
        let mut found = Vec::new();
        if self.values.is_empty() {
            return found;
        }
        let margin = self.longest_written();
        let mut start = 0;
        while start < bytes.len() {
            let from = start.saturating_sub(margin);
            let end = (start + WINDOW).min(bytes.len());
            let to = (end + margin).min(bytes.len());
            let lower = bytes[from..to].to_ascii_lowercase();
            let mut keep = |range: Range<usize>| {
                let at = from + range.start;
                if (start..end).contains(&at) {
                    found.push(at..from + range.end);
                }
            };
            for form in &self.written {
                find(&lower, form, &mut keep);
            }
            if decoded::has_escapes(&lower) {
                let mut text = decoded::decode(&lower);
                // An escape may stand for a capital letter.
                text.bytes.to_mut().make_ascii_lowercase();
                for form in &self.decoded {
                    find(&text.bytes, form, &mut |range| keep(text.original(range)));
                }
            }
            start = end;
        }
        merged(found)
    }

    /// The value of header `name` as it may be shown: masked whole when the
    /// header carries credentials, keeping an auth scheme such as `Bearer`
    /// so the reader can tell what kind of credential was sent.
    pub(crate) fn header_value<'v>(&self, name: &str, value: &'v str) -> Cow<'v, str> {
        if !is_sensitive_header(name) {
            return self.mask(value);
        }
        match value.split_once(' ') {
            Some((scheme, rest))
                if !rest.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
            {
                Cow::Owned(format!("{scheme} {MASK}"))
            }
            _ => Cow::Borrowed(MASK),
        }
    }
}

/// `places` in order, those that overlap merged into one: what is masked
/// when one secret (or one form of it) lies inside another.
pub(crate) fn merged(mut places: Vec<Range<usize>>) -> Vec<Range<usize>> {
    places.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(places.len());
    for range in places {
        match merged.last_mut() {
            Some(last) if range.start < last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// Secrets at least this long are masked wherever they appear, even inside
/// a longer word.
pub(crate) const SHORT: usize = 8;

/// Each place `form` is in `bytes`, widened to the base64 characters that
/// share its bits. A form shorter than [`SHORT`] characters only where it
/// is not joined to letters, digits or dots on either side.
fn find(bytes: &[u8], form: &Form, place: &mut dyn FnMut(Range<usize>)) {
    let (wide, form) = (form, form.bytes.as_slice());
    let whole_words = String::from_utf8_lossy(form).chars().count() < SHORT;
    let joins =
        |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b >= 0x80);
    // A failed run masks up to a whole response body against every form of
    // every secret: a vectorised search, not a comparison at each byte.
    let finder = memchr::memmem::Finder::new(form);
    let mut at = 0;
    while let Some(found) = finder.find(&bytes[at..]) {
        at += found;
        let end = at + form.len();
        let standalone =
            !whole_words || !(at > 0 && joins(bytes.get(at - 1)) || joins(bytes.get(end)));
        if standalone {
            place(wide.widened(bytes, at..end));
            at = end;
        } else {
            at += 1;
        }
    }
}

/// `bytes` with each of the (ordered, disjoint) places replaced by
/// [`MASK`], written to `out`.
fn write_pieces(bytes: &[u8], places: &[Range<usize>], out: &mut dyn Write) -> std::io::Result<()> {
    let mut copied = 0;
    for place in places {
        out.write_all(&bytes[copied..place.start])?;
        out.write_all(MASK.as_bytes())?;
        copied = place.end;
    }
    out.write_all(&bytes[copied..])
}

/// `value` as it appears inside a JSON string.
fn json_escape(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(values: &[&str]) -> Secrets {
        let mut secrets = Secrets::default();
        values.iter().for_each(|v| secrets.add(v));
        secrets
    }

    #[test]
    fn credential_headers_are_known_by_name() {
        for name in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "X-Api-Key",
            "X-Auth-Token",
            "Client-Secret",
            "X-Password",
        ] {
            assert!(is_sensitive_header(name), "{name}");
        }
        for name in ["Content-Type", "Accept", "User-Agent", "X-Request-Id"] {
            assert!(!is_sensitive_header(name), "{name}");
        }
    }

    #[test]
    fn secret_variables_are_known_by_name() {
        for name in [
            "JWT_TOKEN",
            "AIRCALL_API_TOKEN",
            "DATABASE_PASSWORD",
            "REDIS_PASS",
            "AWS_SECRET_ACCESS_KEY",
            "GCP_CREDENTIALS",
            "BASIC_AUTH",
            "api_key",
        ] {
            assert!(is_sensitive_variable(name), "{name}");
        }
        for name in ["BASE_URL", "REPORT_CHANNEL", "JOB_NAME"] {
            assert!(!is_sensitive_variable(name), "{name}");
        }
    }

    #[test]
    fn a_secret_is_masked_wherever_it_reappears() {
        let s = secrets(&["s3cr3t/+="]);
        assert_eq!(s.mask("token s3cr3t/+= here"), "token *** here");
        assert_eq!(s.mask("/x?key=s3cr3t%2F%2B%3D"), "/x?key=***");
        assert_eq!(s.mask("nothing to hide"), "nothing to hide");
    }

    #[test]
    fn json_escaped_secrets_are_masked_in_bodies() {
        let s = secrets(&["a\"b"]);
        assert_eq!(s.mask(r#"{"password":"a\"b"}"#), r#"{"password":"***"}"#);
    }

    #[test]
    fn secrets_re_encoded_by_other_encoders_are_masked() {
        let s = secrets(&["pässwörd/ünï \"x"]);
        for form in [
            r#"p\u00e4ssw\u00f6rd\/\u00fcn\u00ef \"x"#,
            r#"pässwörd\/ünï \"x"#,
            r#"pässwörd/ünï \\\"x"#,
            "p%c3%a4ssw%c3%b6rd%2f%c3%bcn%c3%af%20%22x",
            "p%C3%A4ssw%C3%B6rd%2F%C3%BCn%C3%AF+%22x",
        ] {
            assert_eq!(s.mask(&format!("<{form}>")), "<***>", "{form}");
        }
    }

    #[test]
    fn every_percent_encoding_of_a_secret_is_masked() {
        let s = secrets(&["SENTINEL-env-Tk7q/+1 x&y"]);
        for form in [
            // Python's `quote` leaves `/` alone.
            "SENTINEL-env-Tk7q/%2B1%20x%26y",
            // .NET writes lowercase escapes.
            "SENTINEL-env-Tk7q%2f%2b1%20x%26y",
            // `quote_plus`, and a form with every byte escaped.
            "SENTINEL-env-Tk7q%2F%2B1+x%26y",
            "%53%45%4e%54%49%4E%45%4C%2d%65%6e%76%2D%54%6b%37%71%2F%2B%31%20%78%26%79",
            // Only some reserved characters, in mixed case.
            "SENTINEL-env-Tk7q/+1%20x%26y",
            "SENTINEL-env-Tk7q%2F+1 x&y",
            // Encoded twice, as a redirect through a second service does.
            "SENTINEL-env-Tk7q%252F%252B1%2520x%2526y",
            // JSON escapes of any encoder, in any case.
            r"SENTINEL-env-Tk7q\u002F+1 x\u0026y",
            r"SENTINEL-env-Tk7q\/\u002b1\u0020x&y",
            // An HTML error page echoing it.
            "SENTINEL-env-Tk7q&#47;+1 x&amp;y",
            "SENTINEL-env-Tk7q&#x2F;&#43;1&#32;x&amp;y",
        ] {
            assert_eq!(s.mask(&format!("<{form}>")), "<***>", "{form}");
            assert_eq!(s.mask(&format!("?k={form}&n=1")), "?k=***&n=1", "{form}");
        }
    }

    #[test]
    fn a_secret_transformed_by_a_server_is_masked() {
        use crate::vars::base64;
        let secret = "SENTINEL-tok/+1";
        let s = secrets(&[secret]);
        let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
        let mut texts = vec![
            hex.clone(),
            hex.to_uppercase(),
            secret.to_ascii_uppercase(),
            "SENTINEL-to\nk/+1".to_string(),
            "SENTINEL-to\r\nk/+1".to_string(),
            "SENTINEL-to%0Ak/+1".to_string(),
        ];
        for before in ["", "Bearer ", "Basic u:"] {
            let text = format!("{before}{secret} and more");
            texts.push(base64::encode(text.as_bytes()));
            texts.push(base64::encode_url(text.as_bytes()));
            // As a JSON encoder escapes its `/`.
            texts.push(base64::encode(text.as_bytes()).replace('/', "\\/"));
        }
        for text in texts {
            let masked = s.mask(&format!("<{text}>")).into_owned();
            // What is left of a base64 text: the characters of the bytes
            // around the secret.
            assert!(masked.contains("***"), "{text}: {masked}");
            let left: String = masked.replace("***", "");
            for piece in ["SENTINEL", "tok", "U0VOVElOR", "TRU5USU5F", "NFTlRJTkVM"] {
                assert!(!left.contains(piece), "{text}: {masked}");
            }
            assert!(!left.contains(&hex[..16]), "{text}: {masked}");
        }
        // A short secret is not looked for in hex or base64.
        assert_eq!(secrets(&["ab"]).mask("6162 YWI="), "6162 YWI=");
    }

    #[test]
    fn a_secret_holding_escapes_of_its_own_is_masked_as_written_and_encoded() {
        let s = secrets(&["50%41off\\nxy"]);
        for form in [r"50%41off\nxy", "50%2541off%5Cnxy", r"50%41off\\nxy"] {
            assert_eq!(s.mask(&format!("<{form}>")), "<***>", "{form}");
        }
    }

    #[test]
    fn text_around_a_masked_escape_is_kept_whole() {
        let s = secrets(&["abcdefgh/ij"]);
        assert_eq!(
            s.mask("a%20b abcdefgh%2Fij %2F c:\\x abcdefgh%2fij."),
            "a%20b *** %2F c:\\x ***."
        );
    }

    #[test]
    fn a_large_body_is_masked_across_its_windows() {
        let s = secrets(&["SENTINEL-env-Tk7q/+1"]);
        let encoded = "SENTINEL-env-Tk7q%2F%2B1";
        let mut text = String::new();
        let mut want = String::new();
        let mut i = 0;
        while text.len() < 3 * 1024 * 1024 {
            // Every length of filler, so the secret lands on every offset
            // of a window's edge.
            let filler = "é%2G\\x".repeat(i % 7) + &"x".repeat(i % 13);
            text.push_str(&filler);
            want.push_str(&filler);
            text.push_str(if i % 2 == 0 {
                encoded
            } else {
                "SENTINEL-env-Tk7q/+1"
            });
            want.push_str("***");
            i += 1;
        }
        let masked = s.mask(&text);
        // Where they part, not two 3 MiB texts.
        let differ = masked.bytes().zip(want.bytes()).position(|(a, b)| a != b);
        assert_eq!((differ, masked.len()), (None, want.len()));
    }

    #[test]
    fn the_head_of_a_body_leaves_out_what_may_be_a_cut_secret() {
        let s = secrets(&["abcdefghij"]);
        let margin = s.longest_written();
        // A whole secret across where the head is cut, and the start of
        // one at its very end.
        let mut head = "x".repeat(margin).into_bytes();
        head.extend_from_slice(b"abcdefghij");
        head.extend_from_slice(&b"y".repeat(margin - 8));
        head.extend_from_slice(b"abcde");
        let masked = s.mask_start(&head);
        // The whole secret masked, the cut one left out with the tail.
        assert!(
            masked.ends_with(b"x***"),
            "{}",
            String::from_utf8_lossy(&masked)
        );
        assert!(!masked.windows(5).any(|w| w == b"abcde"));
        assert_eq!(
            Secrets::default().mask_start(b"all of it").as_ref(),
            b"all of it"
        );
    }

    #[test]
    fn text_dense_with_broken_escapes_is_masked_without_a_panic() {
        // Bytes drawn from escapes' own characters, broken ones included,
        // with the secret written in some of its forms among them.
        let s = secrets(&["tok/en&é\"12"]);
        let forms = [
            "tok/en&é\"12",
            "tok%2Fen%26%C3%A9%2212",
            "tok\\/en\\u0026\\u00e9\\\"12",
            "tok&#x2F;en&amp;é&quot;12",
        ];
        let alphabet = b"%\\&#;xXu0123456789abcdefABCDEF/\"'lgtampquos \xc3\xa9\xff";
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..2000 {
            let mut text = Vec::new();
            for _ in 0..(next() % 64) {
                text.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            let form = forms[round % forms.len()];
            text.extend_from_slice(b" ");
            text.extend_from_slice(form.as_bytes());
            text.extend_from_slice(b" ");
            for _ in 0..(next() % 64) {
                text.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            let masked = s.mask_bytes(&text);
            assert!(
                !masked.windows(form.len()).any(|w| w == form.as_bytes()),
                "{}",
                String::from_utf8_lossy(&text)
            );
            let _ = s.mask_start(&text);
        }
    }

    #[test]
    fn a_masked_body_is_written_in_pieces() {
        let s = secrets(&["abcdefghij"]);
        let mut out = Vec::new();
        s.write_masked(b"x abcdefghij y abcdefgh%69j z", &mut out)
            .unwrap();
        assert_eq!(out, b"x *** y *** z");
    }

    #[test]
    fn every_value_of_a_cookie_header_is_a_secret() {
        let mut s = Secrets::default();
        s.add_credential("session=abcdefgh123; theme=dark");
        assert_eq!(
            s.mask(r#"{"session":"abcdefgh123"}"#),
            r#"{"session":"***"}"#
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_masked_too() {
        let s = secrets(&["abcdefghijkl"]);
        assert_eq!(
            s.mask_bytes(b"caf\xe9 key=abcdefghijkl\n").as_ref(),
            b"caf\xe9 key=***\n"
        );
    }

    #[test]
    fn the_longer_of_two_overlapping_secrets_is_masked_whole() {
        let s = secrets(&["abcdefgh", "abcdefghijkl"]);
        assert_eq!(s.mask("xabcdefghijklx abcdefgh"), "x***x ***");
    }

    #[test]
    fn a_short_secret_is_masked_only_as_a_word_of_its_own() {
        let s = secrets(&["t"]);
        assert_eq!(
            s.mask("the token t failed: ?k=t&x=1"),
            "the token *** failed: ?k=***&x=1"
        );
        assert_eq!(s.mask("t"), "***");
        let s = secrets(&["1"]);
        assert_eq!(
            s.mask("http://127.0.0.1:80/?v=1"),
            "http://127.0.0.1:80/?v=***"
        );
    }

    #[test]
    fn credential_headers_keep_only_their_scheme() {
        let s = Secrets::default();
        assert_eq!(
            s.header_value("Authorization", "Bearer abc.def"),
            "Bearer ***"
        );
        assert_eq!(s.header_value("X-Api-Key", "abc"), "***");
        assert_eq!(s.header_value("Cookie", "a=b; c=d"), "***");
        assert_eq!(s.header_value("Accept", "*/*"), "*/*");
    }
}
