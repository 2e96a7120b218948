//! One request's attempts: the first, the retries its policy allows, the
//! waits between them and the deadline over all of them, for a job's run
//! and a notification alike. Each attempt and the end are reported as
//! events, so the caller decides what is shown and where.

use std::time::{Duration, Instant};

use crate::context::Clock;
use crate::http::backoff::Backoff;
use crate::http::failure::{self, Class, Failure};
use crate::http::request::Prepared;
use crate::http::transport::{Client, Exchange, Failed, Response};
use crate::job::duration;
use crate::job::{Expect, Job};

/// The rules a run follows, taken from the job.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub(crate) timeout: Duration,
    pub(crate) deadline: Option<Duration>,
    pub(crate) retries: u32,
    pub(crate) backoff: Backoff,
    pub(crate) expect: Expect,
    /// How reports name the limits: a job's keys, or a notification's
    /// single timeout.
    pub(crate) names: &'static Names,
}

/// What the policy's limits are called where a report names them.
#[derive(Debug)]
pub(crate) struct Names {
    /// `deadline`.
    pub(crate) deadline: &'static str,
    /// `backoff.max`.
    pub(crate) max_delay: &'static str,
}

/// A job's limits, by the keys that set them.
pub(crate) const JOB_NAMES: Names = Names {
    deadline: "the run's deadline",
    max_delay: "`maxRetryDelay`",
};

impl Policy {
    pub(crate) fn of(job: &Job) -> Policy {
        Policy {
            timeout: job.timeout,
            deadline: job.deadline,
            retries: job.retries,
            backoff: Backoff {
                base: job.retry_delay,
                max: job.max_retry_delay,
            },
            expect: job.expect.clone(),
            names: &JOB_NAMES,
        }
    }
}

/// One attempt, as it ended.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    /// 1 for the first attempt.
    pub(crate) number: u32,
    /// How many attempts the job allows.
    pub(crate) allowed: u32,
    pub(crate) duration: Duration,
    /// Its status and headers: the body goes with [`Finished`].
    pub(crate) response: Option<Response>,
    pub(crate) failure: Option<Failure>,
    /// The wait before the next attempt, when there is one.
    pub(crate) retry_in: Option<Duration>,
}

#[derive(Debug, Clone)]
pub(crate) struct Finished {
    pub(crate) succeeded: bool,
    pub(crate) attempts: u32,
    pub(crate) duration: Duration,
    /// The last response, if any attempt got one, with its body.
    pub(crate) response: Option<Response>,
    pub(crate) failure: Option<Failure>,
    /// Why retries stopped before they ran out.
    pub(crate) stopped: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Event {
    Attempt(Attempt),
    Finished(Finished),
}

/// Run `request` under `policy`, reporting each attempt and the end through
/// `emit`. `random` gives a fraction in [0, 1) for the backoff's jitter.
pub(crate) fn run(
    client: &Client,
    request: &Prepared,
    policy: &Policy,
    clock: &dyn Clock,
    random: &mut dyn FnMut() -> f64,
    emit: &mut dyn FnMut(Event),
) {
    let started = clock.now();
    let deadline = policy.deadline.map(|d| later(started, d));
    let allowed = policy.retries.saturating_add(1);
    let mut last_response = None;
    let mut number = 0;
    loop {
        number += 1;
        let begin = clock.now();
        let mut end = later(begin, policy.timeout);
        let cut_by_deadline = deadline.is_some_and(|d| d < end);
        if let Some(d) = deadline {
            end = end.min(d);
        }
        let mut result = judge(client.exchange(request, end), request, policy, clock);
        let took = clock.now().saturating_duration_since(begin);
        // Name the limit that ran out, not the time left when the last
        // step started (a few ms under `timeout`, or none for the body).
        if let Err(failed) = &mut result
            && failed.failure.class == Class::Timeout
        {
            failed.failure.detail = if cut_by_deadline {
                format!(
                    "timed out: {} ({}) ran out",
                    policy.names.deadline,
                    duration::format(policy.deadline.unwrap_or_default())
                )
            } else {
                format!("timed out after {}", duration::format(policy.timeout))
            };
        }
        let (failure, response) = match result {
            Ok(response) => {
                emit(Event::Attempt(Attempt {
                    number,
                    allowed,
                    duration: took,
                    response: Some(response.head()),
                    failure: None,
                    retry_in: None,
                }));
                emit(Event::Finished(Finished {
                    succeeded: true,
                    attempts: number,
                    duration: clock.now().saturating_duration_since(started),
                    response: Some(response),
                    failure: None,
                    stopped: None,
                }));
                return;
            }
            Err(failed) => (failed.failure, failed.response),
        };
        let head = response.as_ref().map(Response::head);
        if response.is_some() {
            last_response = response;
        }
        // When the deadline ended this attempt, the failure says so already.
        let deadline_ran_out = cut_by_deadline && failure.class == Class::Timeout;
        let (retry_in, stopped) = if deadline_ran_out {
            (None, None)
        } else {
            next_wait(&failure, number, allowed, policy, random, || {
                deadline.map(|d| d.saturating_duration_since(clock.now()))
            })
        };
        emit(Event::Attempt(Attempt {
            number,
            allowed,
            duration: took,
            response: head,
            failure: Some(failure.clone()),
            retry_in,
        }));
        match retry_in {
            Some(wait) => clock.sleep(wait),
            None => {
                emit(Event::Finished(Finished {
                    succeeded: false,
                    attempts: number,
                    duration: clock.now().saturating_duration_since(started),
                    response: last_response,
                    failure: Some(failure),
                    stopped,
                }));
                return;
            }
        }
    }
}

/// `at` plus `by`. `validate` bounds every duration a job file sets far
/// below what an instant can hold; were one past it all the same, the
/// run would wait a year rather than overflow the clock and abort.
fn later(at: Instant, by: Duration) -> Instant {
    const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);
    at.checked_add(by)
        .or_else(|| at.checked_add(YEAR))
        .unwrap_or(at)
}

/// The wait before the next attempt, or why there is none (when the reason
/// is worth saying: retries running out or a failure that is not retried
/// say enough by themselves).
fn next_wait(
    failure: &Failure,
    number: u32,
    allowed: u32,
    policy: &Policy,
    random: &mut dyn FnMut() -> f64,
    deadline_left: impl Fn() -> Option<Duration>,
) -> (Option<Duration>, Option<String>) {
    if !failure.retryable() || number >= allowed {
        return (None, None);
    }
    let wait = match failure.retry_after {
        Some(failure::RetryAfter(asked)) if asked > policy.backoff.max => {
            let why = format!(
                "the server asked to wait {} (Retry-After), longer than {} ({})",
                duration::format(asked),
                policy.names.max_delay,
                duration::format(policy.backoff.max)
            );
            return (None, Some(why));
        }
        Some(failure::RetryAfter(asked)) => asked,
        None => policy.backoff.delay(number, random()),
    };
    if let Some(left) = deadline_left()
        && wait >= left
    {
        let why = format!(
            "the next attempt (in {}) would pass {} ({})",
            duration::format(wait),
            policy.names.deadline,
            duration::format(policy.deadline.unwrap_or_default())
        );
        return (None, Some(why));
    }
    (Some(wait), None)
}

/// Whether a response is a success by the job's rules.
fn judge(exchange: Exchange, request: &Prepared, policy: &Policy, clock: &dyn Clock) -> Exchange {
    let response = exchange?;
    let status = response.status;
    if !policy.expect.status_ok(status) {
        let retry_after = if matches!(status, 429 | 503) {
            response
                .header("retry-after")
                .and_then(|v| failure::parse_retry_after(v, clock.wall()))
        } else {
            None
        };
        let failure = Failure {
            class: Class::of_status(status),
            status: Some(status),
            detail: status_text(status),
            retry_after,
        };
        return Err(Box::new(Failed {
            failure,
            response: Some(response),
        }));
    }
    // Searched as the body was read: it may not be kept whole.
    if let Some(wanted) = &request.expect_body
        && response.body.found == Some(false)
    {
        let failure = Failure {
            status: Some(status),
            ..Failure::new(
                Class::Body,
                format!(
                    "{}, but the body does not contain {} (`expectBodyContains`)",
                    status_text(status),
                    serde_json::to_string(wanted).unwrap_or_default()
                ),
            )
        };
        return Err(Box::new(Failed {
            failure,
            response: Some(response),
        }));
    }
    Ok(response)
}

/// `503 Service Unavailable`
pub(crate) fn status_text(status: u16) -> String {
    let reason = ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(retries: u32, deadline: Option<u64>) -> Policy {
        Policy {
            timeout: Duration::from_secs(10),
            deadline: deadline.map(Duration::from_secs),
            retries,
            backoff: Backoff {
                base: Duration::from_secs(1),
                max: Duration::from_secs(30),
            },
            expect: Expect::default(),
            names: &JOB_NAMES,
        }
    }

    fn status(code: u16, retry_after: Option<u64>) -> Failure {
        Failure {
            status: Some(code),
            retry_after: retry_after.map(|s| failure::RetryAfter(Duration::from_secs(s))),
            ..Failure::new(Class::of_status(code), "")
        }
    }

    fn wait(
        failure: &Failure,
        number: u32,
        policy: &Policy,
        left: Option<u64>,
    ) -> (Option<Duration>, Option<String>) {
        next_wait(
            failure,
            number,
            policy.retries + 1,
            policy,
            &mut || 0.5,
            || left.map(Duration::from_secs),
        )
    }

    #[test]
    fn retries_count_after_the_first_attempt() {
        let p = policy(2, None);
        let f = status(503, None);
        assert_eq!(wait(&f, 1, &p, None).0, Some(Duration::from_millis(500)));
        assert_eq!(wait(&f, 2, &p, None).0, Some(Duration::from_secs(1)));
        assert_eq!(wait(&f, 3, &p, None), (None, None));
        assert_eq!(wait(&f, 1, &policy(0, None), None), (None, None));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_max_delay() {
        let p = policy(3, None);
        assert_eq!(
            wait(&status(429, Some(7)), 1, &p, None).0,
            Some(Duration::from_secs(7))
        );
        let (none, why) = wait(&status(503, Some(120)), 1, &p, None);
        assert_eq!(none, None);
        assert!(why.unwrap().contains("longer than `maxRetryDelay` (30s)"));
    }

    #[test]
    fn a_wait_past_the_deadline_stops_the_run() {
        let p = policy(3, Some(20));
        let (none, why) = wait(&status(429, Some(10)), 1, &p, Some(5));
        assert_eq!(none, None);
        assert_eq!(
            why.unwrap(),
            "the next attempt (in 10s) would pass the run's deadline (20s)"
        );
    }

    #[test]
    fn failures_that_would_repeat_are_not_retried() {
        let p = policy(3, None);
        assert_eq!(wait(&status(401, None), 1, &p, None), (None, None));
        assert_eq!(
            wait(&Failure::new(Class::Tls, ""), 1, &p, None),
            (None, None)
        );
    }

    #[test]
    fn an_instant_plus_any_duration_never_overflows() {
        let now = Instant::now();
        assert_eq!(
            later(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        assert!(later(now, Duration::MAX) > now);
    }

    #[test]
    fn statuses_read_with_their_reason() {
        assert_eq!(status_text(503), "503 Service Unavailable");
        assert_eq!(status_text(599), "599");
    }
}
