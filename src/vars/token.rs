//! When a token held in a variable expires: a JWT (RFC 7519: three
//! base64url parts, the first a JSON object) read for its `exp` claim
//! (section 4.1.4), without verifying its signature. jobrun does not hold
//! the issuer's key and needs none: the claim only decides a warning, or
//! that a token already expired is not sent. Tokens jobrun mints itself
//! (`JWT_TOKEN` from `JWT_SECRET`) are fresh on every run and never
//! reported. Nothing here returns or writes a token's value.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::diagnostic::Diagnostic;
use crate::job::template::Template;
use crate::job::{Job, builtin, notice};
use crate::vars::base64;
use crate::vars::variables::Variables;

/// The longest value read as a token: far more than any JWT in a header.
const MAX_TOKEN: usize = 64 * 1024;

/// A variable holding a token, and when the token expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expiry {
    pub(crate) variable: String,
    pub(crate) at: Timestamp,
}

/// When the JWT `value` expires: the value itself, or its last word (as
/// in `Bearer eyJ...`). `None` for anything else, and for a JWT without
/// `exp`.
pub(crate) fn expiry(value: &str) -> Option<Timestamp> {
    let word = value.split_whitespace().last()?;
    if word.len() > MAX_TOKEN {
        return None;
    }
    let mut parts = word.split('.');
    let (header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || header.is_empty() || claims.is_empty() {
        return None;
    }
    let object = |part: &str| -> Option<serde_json::Map<String, serde_json::Value>> {
        match serde_json::from_slice(&base64::decode_url(part)?).ok()? {
            serde_json::Value::Object(map) => Some(map),
            _ => None,
        }
    };
    object(header)?;
    let exp = object(claims)?.get("exp")?.as_f64()?;
    // RFC 7519's NumericDate: seconds, possibly with a fraction.
    if !exp.is_finite() {
        return None;
    }
    Timestamp::from_second(exp.floor() as i64).ok()
}

/// The tokens among `templates`' variables, earliest expiry first; not
/// the ones jobrun mints, nor variables that cannot be read (reported
/// elsewhere).
fn of_templates(templates: Vec<&Template>, variables: &Variables) -> Vec<Expiry> {
    let names: BTreeSet<&str> = templates
        .into_iter()
        .flat_map(|t| t.placeholders())
        .map(|p| p.name.as_str())
        .filter(|name| !builtin::NAMES.contains(name) && !notice::PLACEHOLDERS.contains(name))
        .collect();
    let mut out: Vec<Expiry> = names
        .into_iter()
        .filter(|name| !variables.minted(name))
        .filter_map(|name| {
            let at = expiry(&variables.get(name)?)?;
            Some(Expiry {
                variable: name.to_string(),
                at,
            })
        })
        .collect();
    out.sort_by_key(|e| e.at);
    out
}

/// The tokens the job's request sends.
pub(crate) fn of_request(job: &Job, variables: &Variables) -> Vec<Expiry> {
    of_templates(job.templates(), variables)
}

/// The tokens of everything the job sends: its request, notifications
/// and healthcheck pings.
pub(crate) fn of_job(job: &Job, variables: &Variables) -> Vec<Expiry> {
    let mut templates = job.templates();
    templates.extend(job.notice_templates());
    of_templates(templates, variables)
}

/// What `validate --env` says of the job's tokens at `now`: an error for
/// each that has expired, a warning for each that expires within
/// `warning`. The value is never shown: the variable, the job and when.
pub(crate) fn problems(
    job: &Job,
    variables: &Variables,
    now: Timestamp,
    warning: std::time::Duration,
) -> Vec<Diagnostic> {
    let warning = jiff::SignedDuration::try_from(warning).unwrap_or(jiff::SignedDuration::MAX);
    of_job(job, variables)
        .into_iter()
        .filter_map(|expiry| {
            let at = job.use_of(&expiry.variable);
            let left = expiry.at.duration_since(now);
            if left <= jiff::SignedDuration::ZERO {
                Some(
                    Diagnostic::error(
                        format!(
                            "variable `{}` holds a token that expired at {} (job `{}`)",
                            expiry.variable, expiry.at, job.name
                        ),
                        at,
                    )
                    .with_help("get a new token and set it where the variable comes from: `run` refuses to send an expired one"),
                )
            } else if left <= warning {
                Some(
                    Diagnostic::warning(
                        format!(
                            "variable `{}` holds a token that expires at {}, {} (job `{}`)",
                            expiry.variable,
                            expiry.at,
                            within(left),
                            job.name
                        ),
                        at,
                    )
                    .with_help("rotate the token before then; `global.tokenWarning` says how far ahead to warn"),
                )
            } else {
                None
            }
        })
        .collect()
}

/// `in 3 days`, `in 5 hours`, `in 12 minutes`, to the nearest.
pub(crate) fn within(left: jiff::SignedDuration) -> String {
    let seconds = left.as_secs().max(0);
    let plural = |n: i64, unit: &str| crate::wording::plural(n as usize, unit);
    if seconds >= 2 * 86_400 {
        format!("in {}", plural((seconds + 43_200) / 86_400, "day"))
    } else if seconds >= 2 * 3600 {
        format!("in {}", plural((seconds + 1800) / 3600, "hour"))
    } else {
        format!("in {}", plural((seconds + 59) / 60, "minute"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str, claims: &str) -> String {
        format!(
            "{}.{}.c2lnbmF0dXJl",
            base64::encode_url(header.as_bytes()),
            base64::encode_url(claims.as_bytes())
        )
    }

    #[test]
    fn exp_is_read_without_the_key() {
        let t = token(
            r#"{"alg":"RS256","typ":"JWT"}"#,
            r#"{"sub":"x","exp":1800000000}"#,
        );
        assert_eq!(
            expiry(&t),
            Some(Timestamp::from_second(1_800_000_000).unwrap())
        );
        assert_eq!(expiry(&format!("Bearer {t}")), expiry(&t));
        assert_eq!(expiry(&format!(" {t}\n")), expiry(&t));
        // A fraction of a second is allowed by RFC 7519.
        let t = token(r#"{"alg":"none"}"#, r#"{"exp":1800000000.9}"#);
        assert_eq!(
            expiry(&t),
            Some(Timestamp::from_second(1_800_000_000).unwrap())
        );
        // A minted token reads back as minted.
        let minted = crate::vars::jwt::mint(b"k", "s", 1_700_000_000, 60);
        assert_eq!(
            expiry(&minted),
            Some(Timestamp::from_second(1_700_000_060).unwrap())
        );
    }

    #[test]
    fn anything_else_is_no_token() {
        for value in [
            "plain-api-key",
            "a.b.c",
            "",
            "one.two",
            "x.y.z.w.v",
            // A header that is not a JSON object.
            &token("[1]", r#"{"exp":1}"#),
            // No `exp`, or not a number.
            &token(r#"{"alg":"HS256"}"#, r#"{"sub":"x"}"#),
            &token(r#"{"alg":"HS256"}"#, r#"{"exp":"soon"}"#),
            // Standard base64 is not a JWT's.
            "eyJhbGciOiJIUzI1NiJ9+.eyJleHAiOjF9.x",
        ] {
            assert_eq!(expiry(value), None, "{value}");
        }
        assert_eq!(expiry(&"a".repeat(MAX_TOKEN + 1)), None);
    }
}
