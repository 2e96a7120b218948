//! `jobrun history [NAME]`: recorded runs, newest first, as a table or
//! JSON; with `--chart`, one job's run times drawn as bars
//! (`report::chart`).
//!
//! The table keeps to 80 columns for job names of a usual length: its
//! times in each job's own zone, named (`2025-03-07 18:30:00 CST`, as
//! date(1) writes them), the outcome, the time taken and the detail, cut
//! at the terminal's width on a terminal (as systemctl does; whole through
//! a pipe). `--wide` adds the trigger, the status, the attempts and what
//! the run notified, and never cuts.

use serde::Serialize;

use jiff::tz::TimeZone;

use crate::command::{Invocation, table};
use crate::error::{Error, Exit};
use crate::jobfile::JobFile;
use crate::jobfile::validate::Purpose;
use crate::report::chart::{self, Chart};
use crate::report::style::Style;
use crate::report::units::short_duration;
use crate::state::liveness;
use crate::state::record::{Delivery, NoticeKind};
use crate::state::record::{Record, instant};

#[derive(Serialize)]
struct History {
    runs: Vec<Run>,
}

/// A row as JSON: the database's columns, by the same names.
#[derive(Serialize)]
struct Run {
    run_id: String,
    job: String,
    host: Option<String>,
    triggered_by: &'static str,
    scheduled_at: Option<String>,
    started_at: String,
    ended_at: Option<String>,
    attempts: u32,
    status: Option<u16>,
    outcome: &'static str,
    reason: Option<String>,
    error_class: Option<String>,
    error: Option<String>,
    duration_ms: Option<u64>,
    notice: Option<&'static str>,
    notice_result: Option<&'static str>,
    notice_error: Option<String>,
    ping_error: Option<String>,
}

impl From<Record> for Run {
    fn from(r: Record) -> Run {
        Run {
            run_id: r.run_id,
            job: r.job,
            host: r.host,
            triggered_by: r.trigger.as_str(),
            scheduled_at: r.scheduled.map(instant),
            started_at: instant(r.started),
            ended_at: r.ended.map(instant),
            attempts: r.attempts,
            status: r.status,
            outcome: r.outcome.as_str(),
            reason: r.reason,
            error_class: r.error_class,
            error: r.error,
            duration_ms: r.duration_ms,
            notice: r.notice.map(NoticeKind::as_str),
            notice_result: r.notice_result.map(Delivery::as_str),
            notice_error: r.notice_error,
            ping_error: r.ping_error,
        }
    }
}

/// What `history` was asked.
pub(crate) struct Options<'a> {
    pub(crate) name: Option<&'a str>,
    /// `-n`: how many runs, if given.
    pub(crate) count: Option<u32>,
    pub(crate) view: View,
}

/// How the runs are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// The columns that fit 80 columns.
    Table,
    /// Every column, nothing cut (`--wide`).
    Wide,
    Json,
    /// One job's run times as a bar chart (`--chart`).
    Chart,
}

/// Runs shown when `-n` is not given (the chart shows as many as fit).
const DEFAULT_COUNT: u32 = 20;

pub(crate) fn execute(inv: &mut Invocation, options: &Options) -> Result<Exit, Error> {
    let name = options.name;
    let style = inv.stdout_style();
    // The chart reads no more runs than it has columns for.
    let count = match options.view {
        View::Chart => options
            .count
            .unwrap_or(u32::MAX)
            .min(u32::try_from(style.width).unwrap_or(u32::MAX)),
        _ => options.count.unwrap_or(DEFAULT_COUNT),
    };
    let file = inv.load(Purpose::Use)?;
    let store = inv.read_state(file)?;
    if let Some(name) = name {
        // A job removed from the file keeps its history; a name that is
        // neither in the file nor in the history is a slip.
        let known = match &store {
            Some(store) => store.history.knows(name).map_err(Error::History)?,
            None => false,
        };
        if !known {
            file.job(name)?;
        }
    }
    // A row that says `running` of a run that is gone reads `died`, as
    // `status` says too.
    let runs = match &store {
        Some(store) => {
            let read = || store.history.recent(name, count);
            liveness::settle(&*store.locks, read().map_err(Error::History)?, read)
                .map_err(Error::History)?
        }
        None => Vec::new(),
    };
    let text = match options.view {
        View::Json => {
            let runs = runs.into_iter().map(Run::from).collect();
            let mut text = serde_json::to_string_pretty(&History { runs }).unwrap_or_default();
            text.push('\n');
            text
        }
        View::Chart => {
            // A job removed from the file is drawn in UTC, as `history`
            // writes its times.
            let zone = name
                .and_then(|n| file.job(n).ok())
                .map_or(jiff::tz::TimeZone::UTC, |job| job.zone.tz.clone());
            let chart = Chart {
                name: name.unwrap_or_default(),
                runs: &runs,
                asked: options.count.map(|n| n as usize),
                zone: &zone,
            };
            chart::render(&chart, &style)
        }
        View::Wide => {
            let rows: Vec<Vec<String>> = runs.iter().map(|r| wide_row(r, file)).collect();
            table(
                &[
                    "STARTED", "JOB", "HOST", "TRIGGER", "OUTCOME", "STATUS", "ATTEMPTS", "TOOK",
                    "NOTIFIED", "DETAIL",
                ],
                &rows,
            )
        }
        View::Table => {
            let rows: Vec<Vec<String>> = runs.iter().map(|r| row(r, file)).collect();
            let text = table(&["STARTED", "JOB", "OUTCOME", "TOOK", "DETAIL"], &rows);
            if inv.ctx.stdout_is_terminal {
                cut_to_width(&text, &style)
            } else {
                text
            }
        }
    };
    inv.ctx
        .stdout
        .write_all(text.as_bytes())
        .map_err(Error::Output)?;
    Ok(Exit::Success)
}

/// What the run notified, in a few words: its notification and whether a
/// healthcheck ping failed (the reasons are in `--json`).
fn notified(r: &Record) -> String {
    let mut parts = Vec::new();
    if let Some(kind) = r.notice {
        let result = r.notice_result.map_or("due", |d| match d {
            Delivery::Sent => "sent",
            Delivery::Cooldown => "held back",
            Delivery::Failed => "failed",
        });
        parts.push(format!("{} {result}", kind.key()));
    }
    if r.ping_error.is_some() {
        parts.push("ping failed".to_string());
    }
    parts.join(", ")
}

/// When the run started, in its job's zone (UTC for a job no longer in
/// the file), with the zone's abbreviation.
fn started(r: &Record, file: &JobFile) -> String {
    let zone = file
        .job(&r.job)
        .map_or(TimeZone::UTC, |job| job.zone.tz.clone());
    r.started
        .to_zoned_datetime(zone)
        .strftime("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

fn took(r: &Record) -> String {
    r.duration_ms.map(short_duration).unwrap_or_default()
}

fn detail(r: &Record) -> String {
    r.error
        .clone()
        .or_else(|| r.reason.clone())
        .unwrap_or_default()
}

/// A row of the table: what it has no room for is folded into DETAIL.
fn row(r: &Record, file: &JobFile) -> Vec<String> {
    let detail = [detail(r), notified(r)]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        started(r, file),
        r.job.clone(),
        r.outcome.as_str().to_string(),
        took(r),
        detail,
    ]
}

fn wide_row(r: &Record, file: &JobFile) -> Vec<String> {
    vec![
        started(r, file),
        r.job.clone(),
        r.host.clone().unwrap_or_default(),
        r.trigger.as_str().to_string(),
        r.outcome.as_str().to_string(),
        r.status.map(|s| s.to_string()).unwrap_or_default(),
        r.attempts.to_string(),
        took(r),
        notified(r),
        detail(r),
    ]
}

/// Each line of `text` cut to the terminal's width, its end an ellipsis.
fn cut_to_width(text: &str, style: &Style) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        if chars.len() > style.width && style.width > 0 {
            out.extend(&chars[..style.width - 1]);
            out.push_str(style.ellipsis());
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}
