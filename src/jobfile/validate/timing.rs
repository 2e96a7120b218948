//! Checking when a job runs and for how long: `schedule` (and how the
//! Node scheduler read it), `timezone`, and `deadline` and the retry
//! delays beside `timeout`.

use std::time::Duration;

use jiff::tz::TimeZone;

use crate::diagnostic::Diagnostic;
use crate::job::duration;
use crate::job::{DEFAULT_MAX_RETRY_DELAY, DEFAULT_RETRY_DELAY, DEFAULT_TIMEOUT};
use crate::jobfile::schema::{JobEntry, Spanned, Switch, Text};
use crate::jobfile::suggest;
use crate::schedule::node_cron;
use crate::schedule::splay::{self, Splay};
use crate::schedule::{Schedule, ScheduleError};

use super::Checker;

/// A schedule's text, read once: the schedule or why it is not one, and
/// how the Node scheduler read it differently.
pub(super) type ScheduleReading = (Result<Schedule, ScheduleError>, Vec<String>);

impl Checker<'_> {
    pub(super) fn schedule(&mut self, text: &Text) -> Option<Schedule> {
        // Files repeat a few schedules many times: read each text once.
        let compare = self.compare_with_node;
        let (parsed, differences) = self
            .schedules
            .entry(text.value.clone())
            .or_insert_with(|| {
                let parsed = Schedule::parse(&text.value);
                let differences = match &parsed {
                    Ok(schedule) if compare => node_cron::differences(&text.value, schedule)
                        .iter()
                        .map(node_cron::Difference::describe)
                        .collect(),
                    _ => Vec::new(),
                };
                (parsed, differences)
            })
            .clone();
        match parsed {
            Ok(schedule) => {
                if schedule.day_of_month_is_unreachable() {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            format!("the day of month in `{}` never falls in its months", text.value.trim()),
                            text.span,
                        )
                        .with_help("with both day fields set, cron runs on either: this runs only on the days of week; check the day-of-month field"),
                    );
                }
                if !differences.is_empty() {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            format!(
                                "the Node scheduler (node-cron 3) read `{}` differently",
                                text.value.trim()
                            ),
                            text.span,
                        )
                        .with_help(differences.join("\n")),
                    );
                }
                Some(schedule)
            }
            Err(e) => {
                let message = format!("invalid schedule: {}", e.message);
                self.error_inside(text, message, e.help, e.offset, e.len);
                None
            }
        }
    }

    pub(super) fn zone(&mut self, name: &Text) -> Option<TimeZone> {
        let found = self
            .zones
            .entry(name.value.clone())
            .or_insert_with(|| crate::schedule::zone::get(&name.value))
            .clone();
        if found.is_none() {
            let names: Vec<String> = jiff::tz::db()
                .available()
                .map(|n| n.as_str().to_string())
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let help = match suggest::suggest(&name.value, &names) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "use an IANA zone name such as `America/Chicago`, `Europe/London` or `UTC`"
                    .into(),
            };
            self.diagnostics.push(
                Diagnostic::error(format!("unknown time zone `{}`", name.value), name.span)
                    .with_help(help),
            );
        }
        found
    }

    /// A splay's own bounds, wherever it is written: whole seconds (the
    /// offsets are), and at most an hour.
    pub(super) fn splay_length(&mut self, splay: &Spanned<Duration>) -> bool {
        let problem = if splay.value.subsec_nanos() != 0 {
            Diagnostic::error(
                format!(
                    "`splay` ({}) is not a whole number of seconds",
                    duration::format(splay.value)
                ),
                splay.span,
            )
            .with_help("splay offsets are whole seconds: write the splay in seconds, such as `90s`")
        } else if splay.value > splay::MAX {
            Diagnostic::error(
                format!(
                    "`splay` ({}) is longer than an hour",
                    duration::format(splay.value)
                ),
                splay.span,
            )
            .with_help("a splay spreads runs written for the same minute over a few minutes; to run at another time of day, change the schedule")
        } else {
            return true;
        };
        self.diagnostics.push(problem);
        false
    }

    /// The job's splay: its own (`false` for none), else `global`'s, and
    /// shorter than the shortest time between two of the schedule's runs,
    /// or a run would start after the next one was due. `None` when it is
    /// wrong (said at its place).
    pub(super) fn splay(
        &mut self,
        entry: &JobEntry,
        global: Option<&Spanned<Duration>>,
        seed: &str,
        name: &str,
        schedule: &Schedule,
    ) -> Option<Option<Splay>> {
        let (length, own) = match &entry.splay {
            Some(Switch::Off) => return Some(None),
            Some(Switch::On(own)) => {
                if !self.splay_length(own) {
                    return None;
                }
                (own, true)
            }
            None => match global {
                Some(global) => (global, false),
                None => return Some(None),
            },
        };
        let shortest = splay::shortest_interval(schedule);
        if length.value < shortest {
            return Some(Some(Splay::new(length.value, seed, name)));
        }
        let (length_text, shortest_text) =
            (duration::format(length.value), duration::format(shortest));
        let problem = if own {
            Diagnostic::error(
                format!(
                    "`splay` ({length_text}) is not shorter than the {shortest_text} between runs of `{}`",
                    schedule.text().trim()
                ),
                length.span,
            )
            .with_help(format!(
                "a run would start after the next one was due: make the splay shorter than {shortest_text}"
            ))
        } else {
            Diagnostic::error(
                format!(
                    "`global.splay` ({length_text}) is not shorter than the {shortest_text} between runs of job `{name}`"
                ),
                length.span,
            )
            .with_help(format!(
                "give job `{name}` its own shorter `splay`, or `splay: false` for none"
            ))
        };
        let problem = match &entry.schedule {
            Some(text) if !own => problem.with_related(text.span, "the job's schedule"),
            _ => problem,
        };
        self.diagnostics.push(problem);
        None
    }

    /// A deadline shorter than one attempt's timeout is allowed (the run
    /// stops at whichever comes first) but is rarely meant.
    pub(super) fn deadline(
        &mut self,
        deadline: &Spanned<Duration>,
        timeout: Option<&Spanned<Duration>>,
    ) {
        let limit = timeout.map_or(DEFAULT_TIMEOUT, |t| t.value);
        if deadline.value >= limit {
            return;
        }
        let limit_text = duration::format(limit);
        let mut problem = Diagnostic::warning(
            "the deadline ends the run before the first attempt can time out",
            deadline.span,
        );
        problem = match timeout {
            Some(t) => problem
                .with_related(t.span, format!("the timeout is {limit_text}"))
                .with_help(format!(
                    "raise `deadline` to at least {limit_text}, or lower `timeout`"
                )),
            None => problem.with_help(format!(
                "raise `deadline` to at least {limit_text}, the default `timeout`, or set a lower `timeout`"
            )),
        };
        self.diagnostics.push(problem);
    }

    /// The first wait between attempts and the longest one.
    pub(super) fn retry_delays(&mut self, entry: &JobEntry) -> Option<(Duration, Duration)> {
        let max = entry
            .max_retry_delay
            .as_ref()
            .map_or(DEFAULT_MAX_RETRY_DELAY, |m| m.value);
        let Some(delay) = &entry.retry_delay else {
            // A `maxRetryDelay` under the default first delay (1s) caps
            // every wait, the first included: that is what it says.
            return Some((DEFAULT_RETRY_DELAY.min(max), max));
        };
        if delay.value <= max {
            return Some((delay.value, max));
        }
        let delay_text = duration::format(delay.value);
        let problem = match &entry.max_retry_delay {
            Some(m) => Diagnostic::error(
                format!(
                    "`retryDelay` ({delay_text}) is longer than `maxRetryDelay` ({})",
                    duration::format(max)
                ),
                delay.span,
            )
            .with_related(m.span, "`maxRetryDelay` given")
            .with_help("lower `retryDelay`, or raise `maxRetryDelay`: no wait is longer than it"),
            None => Diagnostic::error(
                format!(
                    "`retryDelay` ({delay_text}) is longer than the default `maxRetryDelay` of {}",
                    duration::format(max)
                ),
                delay.span,
            )
            .with_help(format!(
                "set `maxRetryDelay` to at least {delay_text}, or lower `retryDelay`"
            )),
        };
        self.diagnostics.push(problem);
        None
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::diagnostic::{Severity, Span};
    use crate::jobfile::validate::tests::{file, job, problem};

    #[test]
    fn deadline_and_retry_delays_are_durations_like_timeout() {
        let job = job("    deadline: \"5m\"\n    retryDelay: 500\n    maxRetryDelay: 1m 30s\n");
        assert_eq!(job.deadline, Some(Duration::from_secs(300)));
        assert_eq!(job.retry_delay, Duration::from_millis(500));
        assert_eq!(job.max_retry_delay, Duration::from_secs(90));
    }

    #[test]
    fn a_retry_delay_of_a_few_milliseconds_is_questioned() {
        let found = problem(&file("    retryDelay: 5\n"));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.message, "`retryDelay: 5` is 5 milliseconds");
    }

    #[test]
    fn zero_deadline_is_an_error() {
        let found = problem(&file("    deadline: 0\n"));
        assert_eq!(
            found.message,
            "`deadline` must be more than 0 and at most 168h, found `0`"
        );
    }

    #[test]
    fn deadline_shorter_than_timeout_is_a_warning() {
        let found = problem(&file("    timeout: 30s\n    deadline: 10s\n"));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(
            found.message,
            "the deadline ends the run before the first attempt can time out"
        );
        assert_eq!(found.span, Some(Span::new(6, 15, 3)));
        assert_eq!(
            found.related,
            Some((Span::new(5, 14, 3), "the timeout is 30s".to_string()))
        );
        assert_eq!(
            found.help.as_deref(),
            Some("raise `deadline` to at least 30s, or lower `timeout`")
        );
    }

    #[test]
    fn deadline_shorter_than_the_default_timeout_is_a_warning() {
        let found = problem(&file("    deadline: 5s\n"));
        assert_eq!(found.related, None);
        assert_eq!(
            found.help.as_deref(),
            Some(
                "raise `deadline` to at least 10s, the default `timeout`, or set a lower `timeout`"
            )
        );
        job("    deadline: 10s\n");
    }

    #[test]
    fn deadline_is_compared_with_the_global_timeout() {
        let text = "global:\n  defaultTimeout: 1m\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n    deadline: 30s\n";
        let found = problem(text);
        assert_eq!(found.related.unwrap().0, Span::new(2, 19, 2));
    }

    #[test]
    fn retry_delay_longer_than_max_retry_delay_is_an_error() {
        let found = problem(&file("    retryDelay: 10s\n    maxRetryDelay: 5s\n"));
        assert_eq!(found.severity, Severity::Error);
        assert_eq!(
            found.message,
            "`retryDelay` (10s) is longer than `maxRetryDelay` (5s)"
        );
        assert_eq!(found.span, Some(Span::new(5, 17, 3)));
        assert_eq!(
            found.related,
            Some((Span::new(6, 20, 2), "`maxRetryDelay` given".to_string()))
        );
    }

    #[test]
    fn retry_delay_longer_than_the_default_max_names_the_default() {
        let found = problem(&file("    retryDelay: 1m\n"));
        assert_eq!(
            found.message,
            "`retryDelay` (1m) is longer than the default `maxRetryDelay` of 30s"
        );
        assert_eq!(
            found.help.as_deref(),
            Some("set `maxRetryDelay` to at least 1m, or lower `retryDelay`")
        );
        assert_eq!(
            job("    retryDelay: 30s\n").retry_delay,
            Duration::from_secs(30)
        );
    }

    #[test]
    fn a_max_retry_delay_under_the_default_delay_caps_the_first_wait() {
        let job = job("    maxRetryDelay: 500ms\n");
        assert_eq!(job.retry_delay, Duration::from_millis(500));
        assert_eq!(job.max_retry_delay, Duration::from_millis(500));
    }

    #[test]
    fn a_job_gets_its_own_splay_or_the_global_one_or_none() {
        let own = job("    splay: 59s\n").splay.unwrap();
        assert_eq!(own.length, Duration::from_secs(59));
        assert!(own.offset < own.length);
        let text = |extra: &str| {
            format!(
                "global:\n  splay: 90s\njobs:\n  - name: a\n    schedule: \"0 * * * *\"\n    url: \"https://e.com/x\"\n{extra}"
            )
        };
        let checked = |text: &str| {
            let (config, found) = crate::jobfile::decode::decode(text);
            assert!(found.is_empty(), "{found:#?}");
            let checked = crate::jobfile::validate::check(
                &config,
                &jiff::tz::TimeZone::UTC,
                std::path::Path::new("/srv"),
                crate::jobfile::validate::Purpose::Validate,
            );
            assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
            checked.jobs.into_iter().next().unwrap()
        };
        let global = checked(&text("")).splay.unwrap();
        assert_eq!(global.length, Duration::from_secs(90));
        assert_eq!(checked(&text("    splay: false\n")).splay, None);
        // The seed moves the offset; the same file gives the same one.
        let seeded = text("").replace("  splay: 90s\n", "  splay: 59m\n  splaySeed: billing\n");
        let plain = text("").replace("  splay: 90s\n", "  splay: 59m\n");
        assert_ne!(checked(&seeded).splay, checked(&plain).splay);
        assert_eq!(checked(&plain).splay, checked(&plain).splay);
    }

    #[test]
    fn a_splay_not_shorter_than_the_runs_interval_is_an_error() {
        let found = problem(&file("    splay: 1m\n"));
        assert_eq!(found.severity, Severity::Error);
        assert_eq!(
            found.message,
            "`splay` (1m) is not shorter than the 1m between runs of `* * * * *`"
        );
        assert_eq!(found.span, Some(Span::new(5, 12, 2)));
        job("    splay: 59s\n");
        // Global: said at `global.splay`, naming the job.
        let text = "global:\n  splay: 2m\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://e.com\"\n";
        let found = problem(text);
        assert_eq!(
            found.message,
            "`global.splay` (2m) is not shorter than the 1m between runs of job `a`"
        );
        assert_eq!(found.span, Some(Span::new(2, 10, 2)));
        assert_eq!(found.related.unwrap().0, Span::new(5, 15, 11));
    }

    #[test]
    fn a_splay_is_whole_seconds_and_at_most_an_hour() {
        let hourly = |extra: &str| file(extra).replace("\"* * * * *\"", "\"0 0 * * *\"");
        let found = problem(&hourly("    splay: 1500ms\n"));
        assert_eq!(
            found.message,
            "`splay` (1s 500ms) is not a whole number of seconds"
        );
        let found = problem(&hourly("    splay: 61m\n"));
        assert_eq!(found.message, "`splay` (1h 1m) is longer than an hour");
        let found = problem(&format!("global:\n  splay: 2h\n{}", hourly("")));
        assert_eq!(found.message, "`splay` (2h) is longer than an hour");
        job("    splay: false\n");
    }
}
