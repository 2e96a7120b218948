//! Secrets and their masking. Everything jobrun writes about a request
//! (error lines, logs, dry-run output, body excerpts) goes through
//! [`Secrets::mask`] first.
//!
//! What counts as secret: the values of credential-bearing headers, values
//! substituted from variables whose names say they are credentials, and URL
//! userinfo. Once known, a secret is masked wherever it reappears: in a
//! query string, a redirect location, an error text or an echoing server's
//! body.

use std::borrow::Cow;
use std::collections::BTreeSet;

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

/// The secret values of one run, in every form they may be written in.
#[derive(Debug, Clone, Default)]
pub(crate) struct Secrets {
    /// Longest first, so a secret containing another is masked whole; a
    /// set, so a request with thousands of credential headers is noted in
    /// time linear in their number (give or take a logarithm).
    values: BTreeSet<Longest>,
}

/// A secret, ordered longest first (then by its bytes, so equal lengths
/// have one order too).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Longest(String);

impl Ord for Longest {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .0
            .len()
            .cmp(&self.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Longest {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Secrets {
    /// Remember `value` as a secret, with the forms it takes when a URL,
    /// a form or a JSON encoder (of any common flavour) writes it.
    pub(crate) fn add(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        let json = json_escape(value);
        let forms = [
            value.to_string(),
            percent_encode(value, false),
            percent_encode(value, false).to_ascii_lowercase(),
            percent_encode(value, true),
            value.replace('#', "%23"),
            json_escape(&json),
            json_ascii(&json),
            json.replace('/', "\\/"),
            json_ascii(&json).replace('/', "\\/"),
            json,
        ];
        for form in forms {
            if !form.is_empty() {
                self.values.insert(Longest(form));
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

    /// Remember every secret of `other` too.
    pub(crate) fn extend(&mut self, other: &Secrets) {
        self.values.extend(other.values.iter().cloned());
    }

    /// Whether `value` is one of the secrets, as it was added.
    pub(crate) fn is_secret(&self, value: &str) -> bool {
        self.values.contains(&Longest(value.to_string()))
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
            // A UTF-8 secret found in UTF-8 text starts and ends on
            // character boundaries, so the result is UTF-8 too.
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// [`Secrets::mask`] for bytes that may not be UTF-8 (a Latin-1 body).
    pub(crate) fn mask_bytes<'t>(&self, bytes: &'t [u8]) -> Cow<'t, [u8]> {
        let mut out = Cow::Borrowed(bytes);
        for Longest(secret) in &self.values {
            let whole_words = secret.chars().count() < SHORT;
            if let Some(replaced) = replace(&out, secret.as_bytes(), whole_words) {
                out = Cow::Owned(replaced);
            }
        }
        out
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

/// Secrets at least this long are masked wherever they appear, even inside
/// a longer word.
pub(crate) const SHORT: usize = 8;

/// `bytes` with each occurrence of `secret` replaced by [`MASK`], or `None`
/// when there is none. With `whole_words`, only occurrences not joined to
/// letters, digits or dots on either side.
fn replace(bytes: &[u8], secret: &[u8], whole_words: bool) -> Option<Vec<u8>> {
    let joins =
        |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b >= 0x80);
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut at = 0;
    // A failed run masks up to a whole response body (1 MiB by default)
    // against every form of every secret: a vectorised search, not a
    // comparison at each byte.
    let finder = memchr::memmem::Finder::new(secret);
    while let Some(found) = finder.find(&bytes[at..]) {
        at += found;
        let end = at + secret.len();
        let standalone =
            !whole_words || !(at > 0 && joins(bytes.get(at - 1)) || joins(bytes.get(end)));
        if standalone {
            let buffer = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
            buffer.extend_from_slice(&bytes[copied..at]);
            buffer.extend_from_slice(MASK.as_bytes());
            copied = end;
            at = end;
        } else {
            at += 1;
        }
    }
    out.map(|mut buffer| {
        buffer.extend_from_slice(&bytes[copied..]);
        buffer
    })
}

/// `value` as `encodeURIComponent` writes it (what a secret looks like in a
/// query string), or, with `form`, as an HTML form encodes it (`+` for a
/// space).
fn percent_encode(value: &str, form: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else if form && byte == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// JSON-escaped text with every non-ASCII character as `\uXXXX`, as
/// Python's `json.dumps` and many other encoders write it.
fn json_ascii(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    for c in escaped.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
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
