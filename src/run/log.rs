//! What a run says, and where: stderr at the chosen verbosity, and the log
//! file, which gets every attempt and every run whatever the verbosity.
//! Every line is masked before it is written.
//!
//! At the default verbosity a successful run says nothing (cron mails any
//! output), and a failed run says one line.

use std::io::Write;

use serde_json::json;

use crate::http::attempts::{Attempt, Finished, status_text};
use crate::http::failure::{Class, Failure, describe};
use crate::http::request::Prepared;
use crate::http::transport::Response;
use crate::job::duration;
use crate::report::units::short_duration;
use crate::run::sinks::LogFile;

/// How much goes to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    /// Nothing, even on failure (`-q`).
    Quiet,
    /// One line on failure.
    Normal,
    /// A line per attempt (`-v`).
    Attempts,
    /// Also the request and response headers (`-vv`).
    Headers,
}

impl Verbosity {
    pub(crate) fn from_flags(quiet: bool, verbose: u8) -> Verbosity {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Attempts,
            _ => Verbosity::Headers,
        }
    }
}

/// How the lines on stderr and in the log file are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogFormat {
    Text,
    Json,
}

/// Longest body excerpt in a failure line, in characters.
pub(crate) const EXCERPT_CHARS: usize = 500;

pub(crate) struct RunLog<'a> {
    pub(crate) job: &'a str,
    pub(crate) request: &'a Prepared,
    pub(crate) verbosity: Verbosity,
    pub(crate) format: LogFormat,
    pub(crate) stderr: &'a mut dyn Write,
    /// The `--log-file`, opened for appending.
    pub(crate) file: Option<&'a LogFile>,
}

/// A line for stderr and the log file, before formatting.
struct Line {
    text: String,
    json: serde_json::Value,
}

impl<'a> RunLog<'a> {
    pub(crate) fn new(
        job: &'a str,
        request: &'a Prepared,
        verbosity: Verbosity,
        format: LogFormat,
        stderr: &'a mut dyn Write,
        file: Option<&'a LogFile>,
    ) -> RunLog<'a> {
        RunLog {
            job,
            request,
            verbosity,
            format,
            stderr,
            file,
        }
    }

    /// How one of the run's side requests went (`what`: "onFailure
    /// notification", "healthcheck start ping"), to `url` as it may be
    /// shown: a failure at the default verbosity, a success at `-v`.
    pub(crate) fn side_request(
        &mut self,
        what: &str,
        url: &str,
        result: &Result<u16, String>,
        now: jiff::Timestamp,
    ) {
        let to = if url.is_empty() {
            String::new()
        } else {
            format!(" to {url}")
        };
        let (text, level) = match result {
            Ok(status) => (
                format!(
                    "jobrun: job `{}`: {what} sent{to}: {}",
                    self.job,
                    status_text(*status)
                ),
                Verbosity::Attempts,
            ),
            Err(why) => (
                format!("jobrun: job `{}`: {what}{to} failed: {why}", self.job),
                Verbosity::Normal,
            ),
        };
        let line = Line {
            text,
            json: json!({
                "event": "errand",
                "job": self.job,
                "errand": what,
                "url": url,
                "outcome": if result.is_ok() { "sent" } else { "failed" },
                "status": result.as_ref().ok(),
                "error": result.as_ref().err(),
            }),
        };
        self.emit(line, level, now);
    }

    /// An `onFailure` was held back: one went out at `sent`, within the
    /// job's `cooldown`.
    pub(crate) fn held_back(
        &mut self,
        sent: jiff::Timestamp,
        cooldown: Option<std::time::Duration>,
        now: jiff::Timestamp,
    ) {
        let cooldown = cooldown.map(duration::format).unwrap_or_default();
        let sent = crate::state::record::instant(sent);
        let line = Line {
            text: format!(
                "jobrun: job `{}`: onFailure notification held back: one was sent at {sent}, within the cooldown ({cooldown})",
                self.job
            ),
            json: json!({
                "event": "errand",
                "job": self.job,
                "errand": "onFailure notification",
                "outcome": "cooldown",
                "last_sent": sent,
            }),
        };
        self.emit(line, Verbosity::Attempts, now);
    }

    /// A signal came while the run's notification or pings were going.
    pub(crate) fn interrupted_side_requests(
        &mut self,
        signal: crate::run::signal::Signal,
        now: jiff::Timestamp,
    ) {
        let line = Line {
            text: format!(
                "jobrun: job `{}`: stopped by {} while sending its notification and pings",
                self.job,
                signal.name()
            ),
            json: json!({
                "event": "errand",
                "job": self.job,
                "outcome": "interrupted",
                "signal": signal.name(),
            }),
        };
        self.emit(line, Verbosity::Normal, now);
    }

    /// Before the first attempt: the request's head as it goes on the
    /// wire, at `-vv`, as curl -v shows it. Should the transport refuse
    /// to write it, the attempt says why.
    pub(crate) fn request(&mut self) {
        if self.verbosity >= Verbosity::Headers
            && self.format == LogFormat::Text
            && let Ok(head) = crate::http::wire::head(self.request)
        {
            for line in std::iter::once(&head.request_line).chain(&head.headers) {
                let line = crate::wording::escape_controls(line);
                let _ = writeln!(self.stderr, "> {line}");
            }
        }
    }

    pub(crate) fn attempt(&mut self, attempt: &Attempt, now: jiff::Timestamp) {
        if self.verbosity >= Verbosity::Headers
            && self.format == LogFormat::Text
            && let Some(response) = &attempt.response
        {
            self.response_head(response);
        }
        let outcome = match &attempt.failure {
            Some(failure) => describe(failure),
            None => attempt
                .response
                .as_ref()
                .map_or_else(String::new, |r| status_text(r.status)),
        };
        let retry = attempt
            .retry_in
            .map(|w| format!("; retrying in {}", duration::format(w)))
            .unwrap_or_default();
        let line = Line {
            text: format!(
                "jobrun: {}: attempt {}/{}: {} {}: {outcome} in {}{retry}",
                self.job,
                attempt.number,
                attempt.allowed,
                self.request.method.as_str(),
                self.request.shown_url(),
                short_duration(attempt.duration.as_millis() as u64),
            ),
            json: json!({
                "event": "attempt",
                "job": self.job,
                "attempt": attempt.number,
                "attempts_allowed": attempt.allowed,
                "method": self.request.method.as_str(),
                "url": self.request.shown_url(),
                "status": attempt.response.as_ref().map(|r| r.status)
                    .or(attempt.failure.as_ref().and_then(|f| f.status)),
                "duration_ms": attempt.duration.as_millis() as u64,
                "error_class": attempt.failure.as_ref().map(|f| f.class.name()),
                "error": attempt.failure.as_ref().map(describe),
                "retry_in_ms": attempt.retry_in.map(|w| w.as_millis() as u64),
            }),
        };
        self.emit(line, Verbosity::Attempts, now);
    }

    pub(crate) fn finished(&mut self, end: &Finished, now: jiff::Timestamp) {
        let attempts = crate::wording::plural(end.attempts as usize, "attempt");
        let target = format!(
            "{} {}",
            self.request.method.as_str(),
            self.request.shown_url()
        );
        let line = match &end.failure {
            None => {
                let status = end.response.as_ref().map_or(0, |r| r.status);
                Line {
                    text: format!(
                        "jobrun: job `{}` succeeded: {target}: {} after {attempts} in {}",
                        self.job,
                        status_text(status),
                        short_duration(end.duration.as_millis() as u64)
                    ),
                    json: self.run_json("succeeded", end, None),
                }
            }
            Some(failure) => {
                let mut text = format!(
                    "jobrun: job `{}` failed after {attempts}: {target}: {}",
                    self.job,
                    describe(failure)
                );
                if failure.class == Class::Auth {
                    text.push_str("; ");
                    text.push_str(&self.credentials_hint());
                }
                if let Some(why) = &end.stopped {
                    text.push_str(&format!("; stopped: {why}"));
                }
                if let Some(excerpt) = end.response.as_ref().and_then(|r| self.excerpt(r)) {
                    text.push_str(&format!("; body: {excerpt}"));
                }
                Line {
                    text,
                    json: self.run_json("failed", end, Some(failure)),
                }
            }
        };
        let level = if end.succeeded {
            Verbosity::Attempts
        } else {
            Verbosity::Normal
        };
        self.emit(line, level, now);
    }

    /// A run that did not go ahead: `outcome` is `busy` or `skipped`,
    /// `reason` as recorded, `text` the line for people. A busy run is
    /// said at the default verbosity (its exit code is not 0), a skipped
    /// one at `-v`.
    pub(crate) fn not_run(
        &mut self,
        outcome: &str,
        reason: &str,
        text: String,
        level: Verbosity,
        now: jiff::Timestamp,
    ) {
        let line = Line {
            text,
            json: json!({
                "event": "run",
                "job": self.job,
                "outcome": outcome,
                "attempts": 0,
                "reason": reason,
            }),
        };
        self.emit(line, level, now);
    }

    /// `dependsOn` lets the run go ahead, for `reason`.
    pub(crate) fn depends_on_runs(&mut self, reason: &str, now: jiff::Timestamp) {
        let line = Line {
            text: format!("jobrun: job `{}` runs: {reason}", self.job),
            json: json!({
                "event": "depends_on",
                "job": self.job,
                "decision": "run",
                "reason": reason,
            }),
        };
        self.emit(line, Verbosity::Attempts, now);
    }

    /// A run that failed before its request was sent (`error_class` as
    /// recorded, `error` masked), with what to do about it.
    pub(crate) fn not_sent(
        &mut self,
        error_class: &str,
        error: &str,
        help: &str,
        now: jiff::Timestamp,
    ) {
        let line = Line {
            text: format!("jobrun: job `{}` failed: {error}; {help}", self.job),
            json: json!({
                "event": "run",
                "job": self.job,
                "outcome": "failed",
                "attempts": 0,
                "method": self.request.method.as_str(),
                "url": self.request.shown_url(),
                "error_class": error_class,
                "error": error,
            }),
        };
        self.emit(line, Verbosity::Normal, now);
    }

    /// The run was stopped by a signal during attempt `attempt`, or while
    /// `waiting` to retry after it.
    pub(crate) fn interrupted(
        &mut self,
        signal: crate::run::signal::Signal,
        attempt: u32,
        waiting: bool,
        now: jiff::Timestamp,
    ) {
        let when = if waiting {
            format!("while waiting to retry after attempt {attempt}")
        } else {
            format!("during attempt {attempt}")
        };
        let line = Line {
            text: format!(
                "jobrun: job `{}` stopped by {} {when}",
                self.job,
                signal.name()
            ),
            json: json!({
                "event": "run",
                "job": self.job,
                "outcome": "interrupted",
                "signal": signal.name(),
                "attempts": attempt,
            }),
        };
        self.emit(line, Verbosity::Normal, now);
    }

    fn run_json(
        &self,
        outcome: &str,
        end: &Finished,
        failure: Option<&Failure>,
    ) -> serde_json::Value {
        json!({
            "event": "run",
            "job": self.job,
            "outcome": outcome,
            "attempts": end.attempts,
            "method": self.request.method.as_str(),
            "url": self.request.shown_url(),
            "status": end.response.as_ref().map(|r| r.status).or(failure.and_then(|f| f.status)),
            "duration_ms": end.duration.as_millis() as u64,
            "error_class": failure.map(|f| f.class.name()),
            "error": failure.map(|f| {
                let mut text = describe(f);
                if f.class == Class::Auth {
                    text = format!("{text}; {}", self.credentials_hint());
                }
                text
            }),
            "stopped": end.stopped,
            "body": failure.and(end.response.as_ref()).and_then(|r| self.excerpt_text(r)),
        })
    }

    /// Write a line to stderr when `level` is shown, and to the log file
    /// always. Masked on the way out.
    fn emit(&mut self, line: Line, level: Verbosity, now: jiff::Timestamp) {
        LogWriter {
            job: self.job,
            secrets: &self.request.secrets,
            verbosity: self.verbosity,
            format: self.format,
            stderr: &mut *self.stderr,
            file: self.file,
        }
        .emit(line, level, now);
    }

    /// Something the run could not do, though it went on: said at the
    /// default verbosity whatever the run's end, as cron mails it. `kind`
    /// names it for scripts: `unset_variable`, `not_recorded`, `no_lock`,
    /// `metrics_not_written`.
    pub(crate) fn warning(&mut self, kind: &str, text: String, now: jiff::Timestamp) {
        let line = warning_line(self.job, kind, text);
        self.emit(line, Verbosity::Normal, now);
    }

    fn response_head(&mut self, response: &Response) {
        let _ = writeln!(self.stderr, "< {}", status_text(response.status));
        for (name, value) in &response.headers {
            let value = self.request.secrets.header_value(name, value);
            let _ = writeln!(
                self.stderr,
                "< {name}: {}",
                crate::wording::escape_controls(&value)
            );
        }
    }

    /// Which header, query parameter or variables to check when
    /// credentials are refused.
    fn credentials_hint(&self) -> String {
        crate::http::credential::refused_hint(&self.request.credentials)
    }

    /// The start of the body as one quoted line, masked before it is cut.
    fn excerpt(&self, response: &Response) -> Option<String> {
        self.excerpt_text(response)
            .map(|text| serde_json::to_string(&text).unwrap_or_default())
    }

    fn excerpt_text(&self, response: &Response) -> Option<String> {
        let body = &response.body;
        if body.kept.is_empty() {
            return None;
        }
        // Only the body's head may be kept: masked as the start of a
        // longer text, so a secret cut at its end is not shown in part.
        let masked = if body.is_whole() {
            self.request.secrets.mask_bytes(&body.kept)
        } else {
            self.request.secrets.mask_start(&body.kept)
        };
        let text = String::from_utf8_lossy(&masked);
        let mut words = text.split_whitespace();
        let mut excerpt = String::new();
        let mut chars = 0;
        let mut more = !body.is_whole();
        for word in words.by_ref() {
            let sep = usize::from(!excerpt.is_empty());
            let len = word.chars().count();
            if chars + sep + len > EXCERPT_CHARS {
                if sep == 1 && chars < EXCERPT_CHARS {
                    excerpt.push(' ');
                    chars += 1;
                }
                excerpt.extend(word.chars().take(EXCERPT_CHARS - chars));
                more = true;
                break;
            }
            if sep == 1 {
                excerpt.push(' ');
            }
            excerpt.push_str(word);
            chars += sep + len;
        }
        if more {
            excerpt.push('…');
        }
        Some(excerpt)
    }
}

/// Where a job's lines go, and how: stderr at the verbosity asked for,
/// the log file always, in the format asked for, masked with `secrets`.
/// A run's lines go through its [`RunLog`]; a job's lines before it has a
/// request (a disabled job's) come here directly.
pub(crate) struct LogWriter<'a> {
    pub(crate) job: &'a str,
    pub(crate) secrets: &'a crate::vars::mask::Secrets,
    pub(crate) verbosity: Verbosity,
    pub(crate) format: LogFormat,
    pub(crate) stderr: &'a mut dyn Write,
    pub(crate) file: Option<&'a LogFile>,
}

impl LogWriter<'_> {
    /// A disabled job did not run: said at the default verbosity (it is
    /// still in a schedule), `reason` where it is disabled.
    pub(crate) fn disabled(&mut self, reason: &str, text: String, now: jiff::Timestamp) {
        let line = Line {
            text,
            json: json!({
                "event": "run",
                "job": self.job,
                "outcome": "disabled",
                "attempts": 0,
                "reason": reason,
            }),
        };
        self.emit(line, Verbosity::Normal, now);
    }

    /// Write a line to stderr when `level` is shown, and to the log file
    /// always. Masked on the way out.
    fn emit(&mut self, line: Line, level: Verbosity, now: jiff::Timestamp) {
        let secrets = self.secrets;
        let (stderr_line, file_line) = match self.format {
            LogFormat::Text => {
                // A value from a server, the file or the environment never
                // starts a line of its own or commands the terminal.
                let text = crate::wording::escape_controls(&secrets.mask(&line.text)).into_owned();
                let stamped = format!("{} {text}", now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"));
                (text, stamped)
            }
            LogFormat::Json => {
                // Masked value by value: masking the serialised text could
                // turn a number or a key into `***` and break the line.
                let mut json = serde_json::Map::new();
                json.insert(
                    "time".into(),
                    now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string().into(),
                );
                if let serde_json::Value::Object(fields) = line.json {
                    json.extend(fields.into_iter().map(|(key, value)| match value {
                        serde_json::Value::String(text) => {
                            (key, secrets.mask(&text).into_owned().into())
                        }
                        other => (key, other),
                    }));
                }
                let text = serde_json::Value::Object(json).to_string();
                (text.clone(), text)
            }
        };
        if self.verbosity >= level {
            let _ = writeln!(self.stderr, "{stderr_line}");
        }
        if let Some(file) = self.file
            && let Some(why) = file.write_line(&format!("{file_line}\n"))
        {
            // Said whatever the verbosity, as an error that stops a run
            // is: the log is what was asked for, and it is lost. Said on
            // stderr only, in the log's format.
            let text = format!(
                "jobrun: job `{}`: cannot write the log file `{}`: {why}; its lines from here on are lost",
                self.job,
                file.path().display()
            );
            let line = warning_line(self.job, "log_lost", text);
            LogWriter {
                file: None,
                verbosity: Verbosity::Normal,
                stderr: &mut *self.stderr,
                ..*self
            }
            .emit(line, Verbosity::Normal, now);
        }
    }
}

/// A warning's line: `{"event": "warning", "job", "warning": kind,
/// "message"}` in JSON.
fn warning_line(job: &str, kind: &str, text: String) -> Line {
    let json = json!({
        "event": "warning",
        "job": job,
        "warning": kind,
        "message": text,
    });
    Line { text, json }
}
