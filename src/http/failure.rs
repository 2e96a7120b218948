//! Why an attempt failed, named for what to do about it, and whether trying
//! again could help.

use std::time::Duration;

/// The kinds of failure. Each has a stable name for `--log-format json`
/// and for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// 401 or 403: the credentials were refused.
    Auth,
    /// Another 4xx.
    Client,
    /// A 5xx.
    Server,
    /// Any other status the job does not expect (1xx, 3xx, or a 2xx outside
    /// `expectStatus`).
    Status,
    /// The status was right but `expectBodyContains` was not found.
    Body,
    /// The attempt took longer than `timeout`.
    Timeout,
    /// No connection, or the connection broke before the response ended.
    Connect,
    /// The host name did not resolve.
    Dns,
    /// The TLS handshake failed: usually an untrusted or mismatched
    /// certificate.
    Tls,
    /// The response body was larger than `maxResponseBytes`.
    TooLarge,
    /// A redirect jobrun would not follow.
    Redirect,
    /// The server's response was not valid HTTP.
    Protocol,
}

impl Class {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Class::Auth => "auth",
            Class::Client => "http_4xx",
            Class::Server => "http_5xx",
            Class::Status => "http_status",
            Class::Body => "body_mismatch",
            Class::Timeout => "timeout",
            Class::Connect => "connect",
            Class::Dns => "dns",
            Class::Tls => "tls",
            Class::TooLarge => "too_large",
            Class::Redirect => "redirect",
            Class::Protocol => "protocol",
        }
    }

    /// The class of an unexpected status.
    pub(crate) fn of_status(status: u16) -> Class {
        match status {
            401 | 403 => Class::Auth,
            400..=499 => Class::Client,
            500..=599 => Class::Server,
            _ => Class::Status,
        }
    }
}

/// Statuses that can succeed later: request timeout, too early, too many
/// requests, and the server errors that mean "not now".
pub(crate) const RETRYABLE_STATUSES: &[u16] = &[408, 425, 429, 500, 502, 503, 504];

/// One failed attempt.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) class: Class,
    /// The response's status, when there was one.
    pub(crate) status: Option<u16>,
    /// What happened, in words (not yet masked).
    pub(crate) detail: String,
    /// The server's `Retry-After`, on 429 and 503.
    pub(crate) retry_after: Option<RetryAfter>,
}

/// A `Retry-After` value, already turned into a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryAfter(pub(crate) Duration);

impl Failure {
    pub(crate) fn new(class: Class, detail: impl Into<String>) -> Failure {
        Failure {
            class,
            status: None,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// Whether another attempt could succeed. Never for refused
    /// credentials, other client errors, certificate problems or a body
    /// that does not say what was expected: those fail the same way again.
    pub(crate) fn retryable(&self) -> bool {
        match self.class {
            Class::Timeout | Class::Connect | Class::Dns => true,
            Class::Client | Class::Server => {
                self.status.is_some_and(|s| RETRYABLE_STATUSES.contains(&s))
            }
            Class::Auth
            | Class::Status
            | Class::Body
            | Class::Tls
            | Class::TooLarge
            | Class::Redirect
            | Class::Protocol => false,
        }
    }
}

/// `Retry-After` (RFC 9110 section 10.2.3): seconds, or an HTTP date taken
/// relative to `now`. A date in the past means "now".
pub(crate) fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<RetryAfter> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More seconds than a u64 holds is "much longer than any wait".
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(RetryAfter(Duration::from_secs(seconds)));
    }
    let date = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = date.as_millisecond().saturating_sub(now.as_millisecond());
    Some(RetryAfter(Duration::from_millis(wait.max(0) as u64)))
}

/// A failure in words, with its class when the words do not say it.
pub(crate) fn describe(failure: &Failure) -> String {
    match failure.class {
        Class::Client => format!("{} (client error)", failure.detail),
        Class::Server => format!("{} (server error)", failure.detail),
        Class::Status => format!("{} (unexpected status)", failure.detail),
        Class::Auth
        | Class::Timeout
        | Class::Body
        | Class::TooLarge
        | Class::Redirect
        | Class::Protocol
        | Class::Connect
        | Class::Dns
        | Class::Tls => failure.detail.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Failure {
        Failure {
            status: Some(code),
            ..Failure::new(Class::of_status(code), "")
        }
    }

    #[test]
    fn only_statuses_that_can_change_are_retried() {
        for code in [408, 425, 429, 500, 502, 503, 504] {
            assert!(status(code).retryable(), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 422, 501, 505, 302, 204] {
            assert!(!status(code).retryable(), "{code}");
        }
    }

    #[test]
    fn network_failures_are_retried_and_certificates_are_not() {
        assert!(Failure::new(Class::Connect, "").retryable());
        assert!(Failure::new(Class::Dns, "").retryable());
        assert!(Failure::new(Class::Timeout, "").retryable());
        assert!(!Failure::new(Class::Tls, "").retryable());
        assert!(!Failure::new(Class::Body, "").retryable());
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now: jiff::Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(RetryAfter(Duration::from_secs(120)))
        );
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 10:00:30 GMT", now),
            Some(RetryAfter(Duration::from_secs(30)))
        );
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 09:00:00 GMT", now),
            Some(RetryAfter(Duration::ZERO))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
