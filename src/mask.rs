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

/// What a secret is replaced with.
pub const MASK: &str = "***";

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
pub fn is_sensitive_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SENSITIVE_HEADERS.contains(&lower.as_str())
        || SENSITIVE_HEADER_WORDS.iter().any(|w| lower.contains(w))
}

/// Whether a variable's value is a secret, by the variable's name.
pub fn is_sensitive_variable(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SENSITIVE_VARIABLE_WORDS.iter().any(|w| upper.contains(w))
}

/// The secret values of one run, in every form they may be written in.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// Longest first, so a secret containing another is masked whole.
    values: Vec<String>,
}

impl Secrets {
    /// Remember `value` as a secret, with its percent-encoded and
    /// JSON-escaped forms, which is how it appears in URLs and bodies.
    pub fn add(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        for form in [value.to_string(), percent_encode(value), json_escape(value)] {
            if !self.values.contains(&form) {
                self.values.push(form);
            }
        }
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every secret replaced by [`MASK`].
    ///
    /// A secret shorter than [`SHORT`] characters is replaced only where it
    /// stands as a word of its own: a one-letter test token must not turn
    /// every "t" of an error message into `***`.
    pub fn mask<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.values {
            if !out.contains(secret.as_str()) {
                continue;
            }
            out = Cow::Owned(if secret.chars().count() >= SHORT {
                out.replace(secret.as_str(), MASK)
            } else {
                replace_words(&out, secret)
            });
        }
        out
    }

    /// The value of header `name` as it may be shown: masked whole when the
    /// header carries credentials, keeping an auth scheme such as `Bearer`
    /// so the reader can tell what kind of credential was sent.
    pub fn header_value<'v>(&self, name: &str, value: &'v str) -> Cow<'v, str> {
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
pub const SHORT: usize = 8;

/// `text` with each occurrence of `word` that is not part of a longer run of
/// letters and digits replaced by [`MASK`].
fn replace_words(text: &str, word: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let before = rest[..at].chars().next_back().or(out.chars().next_back());
        let after = rest[at + word.len()..].chars().next();
        let joined = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        out.push_str(&rest[..at]);
        if joined(before) || joined(after) {
            out.push_str(word);
        } else {
            out.push_str(MASK);
        }
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
}

/// `value` as `encodeURIComponent` writes it: what a secret looks like in a
/// query string.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
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
