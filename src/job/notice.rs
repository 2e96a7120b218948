//! The notifications a job sends when its runs fail or recover, as
//! checked, and the placeholders they may use besides the variables.

use std::sync::Arc;
use std::time::Duration;

use crate::diagnostic::Span;
use crate::job::request::Request;

/// The placeholders a notification fills in from the run it reports,
/// besides the built-ins and the variables: they are never read from the
/// environment.
pub(crate) const PLACEHOLDERS: &[&str] = &[
    "OUTCOME",
    "ERROR",
    "STATUS",
    "ATTEMPTS",
    "DURATION_MS",
    "SCHEDULED_AT",
    "RUN_ID",
];

/// `notify`: the requests that tell people about a job's runs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Notify {
    /// After a run's final attempt failed. Shared: every job without
    /// its own takes `global.notify`'s, and a file may hold 10,000 jobs.
    pub(crate) on_failure: Option<Arc<Notice>>,
    /// After the first success that follows one or more failed runs.
    pub(crate) on_recovery: Option<Arc<Notice>>,
    /// No `onFailure` within this long of the last one sent for the job.
    pub(crate) cooldown: Option<Duration>,
}

/// One notification: a request like a job's, with its own short timeout.
/// Its method defaults to POST; it never carries `global.defaultHeaders`
/// (those are the jobs' credentials, not the webhook's).
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub(crate) request: Request,
    /// Bounds the whole notification, its retry included.
    pub(crate) timeout: Duration,
    /// Where the notification's mapping is written.
    #[allow(
        dead_code,
        reason = "checked by the tests of `validate`; kept for messages that point at a notification"
    )]
    pub(crate) span: Span,
}
