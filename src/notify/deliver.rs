//! The requests a run makes besides its job's own: its notification and
//! its healthcheck pings. Each is short, bounded whole by its timeout (its
//! one retry included), so a dead webhook delays the run's exit by at
//! most that long; and each can only be reported, never change how the
//! run ended.

use std::time::Duration;

use crate::context::Clock;
use crate::http::attempts::{self, Event, Names, Policy};
use crate::http::backoff::{self, Backoff};
use crate::http::request::Prepared;
use crate::http::transport::{self, Client};
use crate::http::trust;
use crate::http::url;
use crate::job::{Expect, NOTICE_MAX_RESPONSE_BYTES, Redirects};
use crate::vars::mask::Secrets;

/// Retries after the first attempt: one, for a blip (a refused
/// connection, a 503), within the timeout.
const RETRIES: u32 = 1;
/// The wait before that retry, at most (full jitter).
const RETRY_DELAY: Duration = Duration::from_millis(500);

/// A side request has one limit, its timeout, for the attempts and the
/// wait between them alike.
const NAMES: Names = Names {
    deadline: "its timeout",
    max_delay: "its timeout",
};

/// The client for a side request to `url`: the system's trusted
/// certificates and the proxy variables, as for a job, without the job's
/// own `caFile`. Err: why no request can be made (a broken proxy
/// variable).
pub(crate) fn client(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Client, String> {
    let proxy = transport::proxy_for(url, env).map_err(|(_, why)| why)?;
    Ok(Client::new(
        trust::lazy(env, Vec::new()),
        proxy,
        NOTICE_MAX_RESPONSE_BYTES,
        Redirects::SameOrigin,
    ))
}

/// Send `request` within `timeout`, retrying once on a transient failure.
/// Ok: the status the server accepted it with. Err: why it was not, in
/// one line, masked with the request's secrets.
pub(crate) fn deliver(
    client: &Client,
    request: &Prepared,
    timeout: Duration,
    clock: &dyn Clock,
    random: fn(&mut [u8]),
) -> Result<u16, String> {
    let policy = Policy {
        timeout,
        deadline: Some(timeout),
        retries: RETRIES,
        // A Retry-After the timeout has room for is waited out.
        backoff: Backoff {
            base: RETRY_DELAY,
            max: timeout,
        },
        expect: Expect::default(),
        names: &NAMES,
    };
    let mut fraction = || {
        let mut bytes = [0u8; 8];
        random(&mut bytes);
        backoff::fraction(bytes)
    };
    let mut end = None;
    attempts::run(
        client,
        request,
        &policy,
        clock,
        &mut fraction,
        &mut |event| {
            if let Event::Finished(finished) = event {
                end = Some(finished);
            }
        },
    );
    let Some(end) = end else {
        return Err("no attempt was made".into());
    };
    match (&end.failure, &end.response) {
        (None, Some(response)) => Ok(response.status),
        (None, None) => Ok(0),
        (Some(failure), _) => {
            let mut text = crate::http::failure::describe(failure);
            if end.attempts > 1 {
                text.push_str(&format!(" (after {} attempts)", end.attempts));
            }
            if let Some(why) = &end.stopped {
                text.push_str(&format!("; stopped: {why}"));
            }
            // The request's own URL is a secret of its failure line,
            // whatever its variables are called.
            let mut secrets = request.secrets.clone();
            secrets.add(&request.url);
            Err(secrets.mask(&shown_urls(&text, &secrets)).into_owned())
        }
    }
}

/// `text` with every URL it names in backticks (where a redirect led, or
/// wanted to) shown by its origin only, as the request's own URL is: the
/// path a webhook or ping service redirects to is as much a credential as
/// the one it was sent to, and no secret of the job's masks it.
fn shown_urls(text: &str, secrets: &Secrets) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let (before, quoted) = rest.split_at(open + 1);
        shown.push_str(before);
        let Some(close) = quoted.find('`') else {
            rest = quoted;
            break;
        };
        let inner = &quoted[..close];
        if inner.starts_with("http://") || inner.starts_with("https://") {
            shown.push_str(&url::origin_only(inner, secrets));
        } else {
            shown.push_str(inner);
        }
        shown.push('`');
        rest = &quoted[close + 1..];
    }
    shown.push_str(rest);
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_a_failure_line_are_shown_by_their_origin_only() {
        let none = Secrets::default();
        assert_eq!(
            shown_urls(
                "closed (at `http://127.0.0.1:9/moved/tok`, where a redirect led) `x` `y",
                &none
            ),
            "closed (at `http://127.0.0.1:9/***`, where a redirect led) `x` `y"
        );
        assert_eq!(
            shown_urls(
                "redirected to `https://other.example/?k=v`, not followed",
                &none
            ),
            "redirected to `https://other.example/***`, not followed"
        );
    }
}
