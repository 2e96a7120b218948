//! Checking what a job is told about and pinged with: `notify` and
//! `healthcheck`, the job's own over `global`'s, `global`'s checked once
//! for all the jobs.

use std::sync::Arc;
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Span};
use crate::job::template::Template;
use crate::job::{
    DEFAULT_NOTICE_TIMEOUT, Method, NOTICE_MAX_RESPONSE_BYTES, Notice, Notify, Redirects, Request,
};
use crate::jobfile::schema::{Global, JobEntry, NoticeEntry, Spanned, Switch};

use super::Checker;

/// Where each placeholder is written.
type Uses = Vec<(String, Span)>;

/// A setting checked on its own, with where its placeholders are written,
/// so it can be given to a job after the job's request is checked.
struct Shared<T> {
    /// `None` when it has an error: the jobs that take it are not built.
    value: Option<T>,
    uses: Uses,
}

/// `global.notify` and `global.healthcheck`, checked once for all the
/// jobs, as `defaultHeaders` are: a 10,000-job file does not check them
/// 10,000 times, nor report an error in them 10,000 times.
pub(super) struct Inherited<'c> {
    on_failure: Option<Shared<Arc<Notice>>>,
    on_recovery: Option<Shared<Arc<Notice>>>,
    cooldown: Option<&'c Spanned<Duration>>,
    /// Whether a job's `onFailure` is held back by `global.notify.cooldown`.
    cooldown_used: bool,
    healthcheck: Option<Shared<Template>>,
}

/// What a job is told about and pinged with, and the placeholders of both.
type Notices = (Notify, Option<Template>, Uses);

/// The job's own setting if it has one, else `global`'s: its value, its
/// placeholders appended to `uses`. `None` when the one taken has an error.
fn choose<T: Clone>(
    own: Option<Shared<T>>,
    global: Option<&Shared<T>>,
    uses: &mut Uses,
) -> Option<Option<T>> {
    match (own, global) {
        (Some(own), _) => {
            uses.extend(own.uses);
            own.value.map(Some)
        }
        (None, Some(global)) => {
            uses.extend(global.uses.iter().cloned());
            global.value.clone().map(Some)
        }
        (None, None) => Some(None),
    }
}

impl Checker<'_> {
    /// `global.notify` and `global.healthcheck`, checked once.
    pub(super) fn inherited<'c>(&mut self, global: &'c Global) -> Inherited<'c> {
        let notify = global.notify.as_ref();
        Inherited {
            on_failure: notify
                .and_then(|n| n.on_failure.as_ref())
                .map(|entry| self.shared(|c| c.notice(entry).map(Arc::new))),
            on_recovery: notify
                .and_then(|n| n.on_recovery.as_ref())
                .map(|entry| self.shared(|c| c.notice(entry).map(Arc::new))),
            cooldown: notify.and_then(|n| n.cooldown.as_ref()),
            cooldown_used: false,
            healthcheck: global
                .healthcheck
                .as_ref()
                .map(|text| self.shared(|c| c.url(text, "`healthcheck`"))),
        }
    }

    /// A setting checked apart from the job being checked: its
    /// placeholders are kept with it, not with the job's.
    fn shared<T>(&mut self, check: impl FnOnce(&mut Self) -> Option<T>) -> Shared<T> {
        let outer = std::mem::take(&mut self.uses);
        let value = check(self);
        let uses = std::mem::replace(&mut self.uses, outer);
        Shared { value, uses }
    }

    /// The job's notifications and healthcheck: its own `notify` over
    /// `global.notify` key by key (`notify: false` drops them all), its own
    /// `healthcheck` over `global.healthcheck` (`false` drops it). `None`
    /// when one of them has an error.
    pub(super) fn notices(
        &mut self,
        entry: &JobEntry,
        inherited: &mut Inherited,
    ) -> Option<Notices> {
        let mut uses = Uses::new();
        let notify = match entry.notify.as_deref() {
            Some(Switch::Off) => Some(Notify::default()),
            own => {
                let own = match own {
                    Some(Switch::On(own)) => Some(own),
                    _ => None,
                };
                let own_failure = own
                    .and_then(|n| n.on_failure.as_ref())
                    .map(|e| self.shared(|c| c.notice(e).map(Arc::new)));
                let own_recovery = own
                    .and_then(|n| n.on_recovery.as_ref())
                    .map(|e| self.shared(|c| c.notice(e).map(Arc::new)));
                let has_failure = own_failure.is_some() || inherited.on_failure.is_some();
                let on_failure = choose(own_failure, inherited.on_failure.as_ref(), &mut uses);
                let on_recovery = choose(own_recovery, inherited.on_recovery.as_ref(), &mut uses);
                let cooldown = match own.and_then(|n| n.cooldown.as_ref()) {
                    Some(cooldown) => {
                        if !has_failure {
                            self.diagnostics.push(
                                Diagnostic::warning(
                                    "`cooldown` has no `onFailure` to hold back",
                                    cooldown.span,
                                )
                                .with_help("`cooldown` spaces out the job's `onFailure` notifications: add `onFailure`, here or in `global.notify`, or remove `cooldown`"),
                            );
                        }
                        Some(cooldown.value)
                    }
                    None => {
                        inherited.cooldown_used |= has_failure && inherited.cooldown.is_some();
                        inherited.cooldown.map(|c| c.value)
                    }
                };
                on_failure
                    .zip(on_recovery)
                    .map(|(on_failure, on_recovery)| Notify {
                        on_failure,
                        on_recovery,
                        cooldown,
                    })
            }
        };
        let healthcheck = match &entry.healthcheck {
            Some(Switch::Off) => Some(None),
            Some(Switch::On(text)) => {
                let own = self.shared(|c| c.url(text, "`healthcheck`"));
                choose(Some(own), None, &mut uses)
            }
            None => choose(None, inherited.healthcheck.as_ref(), &mut uses),
        };
        Some((notify?, healthcheck?, uses))
    }

    /// One notification: a request like a job's, POST unless it says
    /// otherwise, without `global.defaultHeaders` (the jobs' credentials,
    /// not the webhook's), and its own short timeout.
    fn notice(&mut self, entry: &NoticeEntry) -> Option<Notice> {
        let url = match &entry.url {
            Some(text) => self.url(text, "`url`"),
            None => {
                self.missing(
                    entry.span,
                    "url",
                    &format!("`{}`", entry.key),
                    "add the address to send it to, such as `url: \"${SLACK_WEBHOOK_URL}\"`",
                );
                None
            }
        };
        let method = self.method(entry.method.as_ref(), Method::Post);
        let headers = self.headers(&entry.headers);
        let body = self.body(entry.data.as_ref(), entry.body.as_ref(), method);
        Some(Notice {
            request: Request {
                method: method?,
                url: url?,
                headers,
                body: body?,
                ca_file: None,
                max_response_bytes: NOTICE_MAX_RESPONSE_BYTES,
                redirects: Redirects::SameOrigin,
                idempotency_key: false,
            },
            timeout: entry
                .timeout
                .as_ref()
                .map_or(DEFAULT_NOTICE_TIMEOUT, |t| t.value),
            span: entry.span,
        })
    }

    /// `global.notify.cooldown` when no job has an `onFailure` for it to
    /// hold back, said once for the file.
    pub(super) fn unused_global_cooldown(&mut self, inherited: &Inherited) {
        if let Some(cooldown) = inherited.cooldown
            && inherited.on_failure.is_none()
            && !inherited.cooldown_used
        {
            self.diagnostics.push(
                Diagnostic::warning("`cooldown` has no `onFailure` to hold back", cooldown.span)
                    .with_help("`cooldown` spaces out `onFailure` notifications: add `onFailure` to `global.notify` or to a job, or remove `cooldown`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use jiff::tz::TimeZone;

    use super::*;
    use crate::diagnostic::Severity;
    use crate::job::{Body, Job};
    use crate::jobfile::decode;
    use crate::jobfile::validate::tests::{BASE_DIR, file, job, problem, problems};
    use crate::jobfile::validate::{Purpose, check, names};

    /// The checked jobs of `text`, which must have no problem at all.
    fn jobs(text: &str) -> Vec<Job> {
        let found = problems(text);
        assert!(found.is_empty(), "{found:#?}");
        let (config, _) = decode::decode(text);
        check(&config, &TimeZone::UTC, Path::new(BASE_DIR), Purpose::Use).jobs
    }

    /// A `global:` holding `lines`, and the jobs `a`, `b`, `c`, each with its
    /// `extra` lines.
    fn with_global(lines: &str, extra: [&str; 3]) -> String {
        let mut text = format!("global:\n{lines}jobs:\n");
        for (name, extra) in ["a", "b", "c"].iter().zip(extra) {
            text.push_str(&format!(
                "  - name: {name}\n    schedule: \"* * * * *\"\n    url: \"https://e.com/{name}\"\n{extra}"
            ));
        }
        text
    }

    const GLOBAL_NOTIFY: &str = "  notify:\n    onFailure:\n      url: \"${SLACK_WEBHOOK_URL}\"\n      data: {text: \"${JOB_NAME} failed: ${ERROR}\"}\n    onRecovery:\n      url: \"https://hooks.example.com/recovered\"\n    cooldown: 30m\n  healthcheck: \"https://hc-ping.com/${HC_PING_KEY}/${JOB_NAME}\"\n";

    fn url(template: &Template) -> String {
        template.render(&|_| Some("v".into())).unwrap().text
    }

    #[test]
    fn a_notification_is_a_post_with_a_five_second_timeout_by_default() {
        let text = format!(
            "global:\n  defaultHeaders: {{Authorization: \"Bearer ${{T}}\"}}\n{}",
            file("    notify:\n      onFailure: {url: \"https://hooks.example.com/x\"}\n")
        );
        let jobs = jobs(&text);
        let notice = jobs[0].notify.on_failure.as_ref().unwrap();
        assert_eq!(notice.request.method, Method::Post);
        assert_eq!(notice.timeout, DEFAULT_NOTICE_TIMEOUT);
        assert_eq!(notice.span, Span::new(8, 18, 1));
        assert_eq!(url(&notice.request.url), "https://hooks.example.com/x");
        // The jobs' credentials are not the webhook's.
        assert!(notice.request.headers.is_empty());
        assert!(notice.request.body.is_none());
        assert!(notice.request.ca_file.is_none());
        assert_eq!(notice.request.max_response_bytes, NOTICE_MAX_RESPONSE_BYTES);
        assert_eq!(notice.request.redirects, Redirects::SameOrigin);
        assert!(!notice.request.idempotency_key);
        assert!(jobs[0].notify.on_recovery.is_none());
        assert_eq!(jobs[0].notify.cooldown, None);
        assert!(jobs[0].healthcheck.is_none());
    }

    #[test]
    fn a_notification_takes_its_method_headers_body_and_timeout() {
        let job = job(
            "    notify:\n      onRecovery:\n        url: \"https://e.com/n\"\n        method: put\n        headers: {X-Extra: \"1\"}\n        body: \"${JOB_NAME} ok\"\n        timeout: 2s\n",
        );
        let notice = job.notify.on_recovery.unwrap();
        assert_eq!(notice.request.method, Method::Put);
        assert_eq!(
            notice.request.header("x-extra").map(url).as_deref(),
            Some("1")
        );
        assert!(matches!(notice.request.body, Some(Body::Text(_))));
        assert_eq!(notice.timeout, Duration::from_secs(2));
        let job =
            self::job("    notify:\n      onFailure: {url: \"https://e.com/n\", data: {k: v}}\n");
        assert!(matches!(
            job.notify.on_failure.unwrap().request.body,
            Some(Body::Json(_))
        ));
    }

    #[test]
    fn jobs_inherit_global_notify_and_replace_it_key_by_key() {
        let text = with_global(
            GLOBAL_NOTIFY,
            [
                "",
                "    notify:\n      onFailure: {url: \"https://e.com/own\"}\n      cooldown: 5m\n",
                "    notify:\n      onRecovery: {url: \"https://e.com/back\"}\n    healthcheck: \"http://127.0.0.1:9/ping/c\"\n",
            ],
        );
        let jobs = jobs(&text);
        let [a, b, c] = &jobs[..] else {
            panic!("{jobs:?}")
        };
        let failure = |job: &Job| url(&job.notify.on_failure.as_ref().unwrap().request.url);
        let recovery = |job: &Job| url(&job.notify.on_recovery.as_ref().unwrap().request.url);
        assert_eq!(failure(a), "v");
        assert_eq!(recovery(a), "https://hooks.example.com/recovered");
        assert_eq!(a.notify.cooldown, Some(Duration::from_secs(1800)));
        assert_eq!(
            url(a.healthcheck.as_ref().unwrap()),
            "https://hc-ping.com/v/v"
        );

        assert_eq!(failure(b), "https://e.com/own");
        assert_eq!(recovery(b), "https://hooks.example.com/recovered");
        assert_eq!(b.notify.cooldown, Some(Duration::from_secs(300)));
        assert!(b.healthcheck.is_some());

        assert_eq!(failure(c), "v");
        assert_eq!(recovery(c), "https://e.com/back");
        assert_eq!(c.notify.cooldown, Some(Duration::from_secs(1800)));
        assert_eq!(
            url(c.healthcheck.as_ref().unwrap()),
            "http://127.0.0.1:9/ping/c"
        );
    }

    #[test]
    fn notify_false_and_healthcheck_false_drop_the_global_ones() {
        let text = with_global(
            GLOBAL_NOTIFY,
            [
                "    notify: false\n    healthcheck: false\n",
                "    notify: false\n",
                "",
            ],
        );
        let jobs = jobs(&text);
        for job in &jobs[..2] {
            assert!(job.notify.on_failure.is_none(), "{}", job.name);
            assert!(job.notify.on_recovery.is_none());
            assert_eq!(job.notify.cooldown, None);
        }
        assert!(jobs[0].healthcheck.is_none());
        assert!(jobs[1].healthcheck.is_some());
        assert!(jobs[2].notify.on_failure.is_some());
        // What a job does not send, it does not need.
        assert!(jobs[0].notice_templates().is_empty());
        assert!(
            !jobs[0]
                .uses
                .iter()
                .any(|(name, _)| name == "SLACK_WEBHOOK_URL")
        );
    }

    #[test]
    fn notice_placeholders_are_pointed_at_after_the_requests() {
        let text = with_global(
            GLOBAL_NOTIFY,
            ["    headers: {X-Key: \"${HC_PING_KEY}\"}\n", "", ""],
        );
        let jobs = jobs(&text);
        assert_eq!(jobs[0].use_of("SLACK_WEBHOOK_URL"), Span::new(4, 13, 20));
        assert_eq!(
            jobs[2].uses_by_name(true)["SLACK_WEBHOOK_URL"],
            Span::new(4, 13, 20)
        );
        // Used by the request and the healthcheck: each is found where it is.
        assert_eq!(jobs[0].use_of("HC_PING_KEY").line, 14);
        assert_eq!(
            jobs[0].uses_by_name(true)["HC_PING_KEY"],
            Span::new(9, 37, 14)
        );
        // Notification variables stay out of what the request needs.
        assert!(!jobs[1].required_variables().contains("SLACK_WEBHOOK_URL"));
    }

    #[test]
    fn a_notification_without_url_is_an_error() {
        let found = problem(&file(
            "    notify:\n      onFailure:\n        method: POST\n",
        ));
        assert_eq!(found.message, "`onFailure` has no `url`");
        assert_eq!(found.span, Some(Span::new(7, 9, 1)));
        assert_eq!(
            found.help.as_deref(),
            Some("add the address to send it to, such as `url: \"${SLACK_WEBHOOK_URL}\"`")
        );
    }

    #[test]
    fn notification_and_healthcheck_urls_are_checked_like_a_jobs() {
        let found = problem(&file(
            "    notify:\n      onRecovery: {url: \"ftp://e.com\"}\n",
        ));
        assert_eq!(
            found.message,
            "`url` must start with `http://` or `https://`: `ftp://e.com`"
        );
        assert_eq!(found.span, Some(Span::new(6, 25, 13)));
        let found = problem(&file("    healthcheck: \"https://hc-ping.com/a b\"\n"));
        assert_eq!(found.message, "`healthcheck` contains a space");
        assert_eq!(found.span, Some(Span::new(5, 40, 1)));
        let found = problem(&file("    healthcheck: hc-ping.com/x\n"));
        assert_eq!(
            found.message,
            "`healthcheck` must start with `http://` or `https://`: `hc-ping.com/x`"
        );
        let found = problem(&format!(
            "global:\n  healthcheck: \"https://hc-ping.com/${{KEY\"\n{}",
            file("")
        ));
        assert_eq!(found.span.unwrap().line, 2);
        assert!(
            found
                .message
                .starts_with("invalid placeholder in `healthcheck`"),
            "{}",
            found.message
        );
        let found = problem(&file(
            "    notify:\n      onFailure: {url: \"https://e.com\", method: FETCH}\n",
        ));
        assert_eq!(found.message, "unknown method `FETCH`");
    }

    #[test]
    fn an_error_in_global_notify_is_reported_once_and_no_job_is_built() {
        let text = with_global(
            "  notify:\n    onFailure: {url: \"ftp://e.com\"}\n  healthcheck: \"https://e.com/${}\"\n",
            ["", "", "    healthcheck: false\n"],
        );
        let found = problems(&text);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].span.unwrap().line, 3);
        assert_eq!(found[1].span.unwrap().line, 4);
        let (config, _) = decode::decode(&text);
        let checked = check(&config, &TimeZone::UTC, Path::new(BASE_DIR), Purpose::Use);
        assert!(checked.jobs.is_empty(), "{:?}", checked.jobs);
        // A job that takes neither is built.
        let text = with_global(
            "  notify:\n    onFailure: {url: \"ftp://e.com\"}\n",
            ["", "    notify: false\n", ""],
        );
        let (config, _) = decode::decode(&text);
        let checked = check(&config, &TimeZone::UTC, Path::new(BASE_DIR), Purpose::Use);
        assert_eq!(names(&checked.jobs), ["b"]);
    }

    #[test]
    fn a_bad_notification_of_a_job_leaves_it_unbuilt() {
        let text = file("    notify:\n      onFailure: {url: \"https://e.com/${}\"}\n");
        let (config, _) = decode::decode(&text);
        let checked = check(&config, &TimeZone::UTC, Path::new(BASE_DIR), Purpose::Use);
        assert!(checked.has_errors());
        assert!(checked.jobs.is_empty());
    }

    #[test]
    fn a_cooldown_without_on_failure_is_a_warning() {
        let found = problem(&file(
            "    notify:\n      onRecovery: {url: \"https://e.com\"}\n      cooldown: 5m\n",
        ));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.message, "`cooldown` has no `onFailure` to hold back");
        assert_eq!(found.span, Some(Span::new(7, 17, 2)));
        // Global's `onFailure` is the job's too.
        jobs(&with_global(
            "  notify:\n    onFailure: {url: \"https://e.com\"}\n",
            ["    notify:\n      cooldown: 5m\n", "", ""],
        ));
    }

    #[test]
    fn a_global_cooldown_is_questioned_once_when_no_job_has_on_failure() {
        let found = problem(&with_global("  notify:\n    cooldown: 5m\n", ["", "", ""]));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.message, "`cooldown` has no `onFailure` to hold back");
        assert_eq!(found.span, Some(Span::new(3, 15, 2)));
        let jobs = jobs(&with_global(
            "  notify:\n    cooldown: 5m\n",
            [
                "",
                "    notify:\n      onFailure: {url: \"https://e.com\"}\n",
                "",
            ],
        ));
        assert_eq!(jobs[1].notify.cooldown, Some(Duration::from_secs(300)));
    }

    #[test]
    fn a_notification_body_on_get_is_a_warning() {
        let found = problem(&file(
            "    notify:\n      onFailure:\n        url: \"https://e.com\"\n        method: GET\n        data: {k: v}\n",
        ));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.message, "`data` is not sent with GET");
        assert_eq!(found.span, Some(Span::new(9, 15, 1)));
    }
}
