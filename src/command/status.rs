//! `jobrun status`: each job's recent runs, last run, run times and next
//! run, from the history: as a timeline a person reads
//! (`report::timeline`), or as JSON with the last run and last success in
//! full. Exits 1 when the last run of any enabled job failed, was
//! interrupted or died, or its token has expired, so a monitoring script
//! needs only the exit code.
//! A row that says `running` is believed only while its run's lock is
//! held (`state::liveness`).

use serde::Serialize;

use crate::command::{Invocation, in_zone, rfc3339};
use crate::error::{Error, Exit};
use crate::job::Job;
use crate::jobfile::validate::Purpose;
use crate::report::summary::Summary;
use crate::report::timeline::{self, Line};
use crate::state::liveness;
use crate::state::record::Record;
use crate::vars::token;

/// The most rows read per job: more than any sensible `historyLimit`.
const ROWS_PER_JOB: u32 = 100_000;

#[derive(Serialize)]
struct Status {
    jobs: Vec<JobStatus>,
}

#[derive(Serialize)]
struct JobStatus {
    name: String,
    enabled: bool,
    last_run: Option<LastRun>,
    last_success: Option<String>,
    /// Runs since the last success that failed, were interrupted or died.
    consecutive_failures: u32,
    /// The last run that sent its request and ended failed, was
    /// interrupted or died, and the job is enabled.
    failing: bool,
    next: Option<String>,
    /// The outcomes of the newest runs (up to 20), newest first.
    recent: Vec<&'static str>,
    /// The median and longest run time of those that sent their request
    /// and ended (succeeded, failed, interrupted).
    median_duration_ms: Option<u64>,
    worst_duration_ms: Option<u64>,
    /// The token among the job's variables that expires first, when it
    /// expires within `global.tokenWarning` (or has expired).
    token_expires: Option<TokenExpiry>,
}

#[derive(Serialize)]
struct TokenExpiry {
    variable: String,
    at: String,
    expired: bool,
}

#[derive(Serialize)]
struct LastRun {
    run_id: String,
    started_at: String,
    outcome: &'static str,
    duration_ms: Option<u64>,
    status: Option<u16>,
    error: Option<String>,
    reason: Option<String>,
}

pub(crate) fn execute(inv: &mut Invocation, json: bool) -> Result<Exit, Error> {
    let file = inv.load(Purpose::Use)?;
    let jobs = file.jobs()?;
    let store = inv.read_state(file)?;
    let mut runs_by_job: Vec<Vec<Record>> = Vec::with_capacity(jobs.len());
    for job in jobs {
        runs_by_job.push(match &store {
            Some(store) => {
                let read = || store.history.recent(Some(&job.name), ROWS_PER_JOB);
                liveness::settle(&*store.locks, read().map_err(Error::History)?, read)
                    .map_err(Error::History)?
            }
            None => Vec::new(),
        });
    }
    let now = inv.ctx.now;
    // The tokens' expiry needs the variables; a `.env` that cannot be read
    // is `validate`'s and `run`'s to report, not a reason to show no status.
    let variables = inv.variables(&file.path).ok();
    let warning = jiff::SignedDuration::try_from(file.checked.token_warning)
        .unwrap_or(jiff::SignedDuration::MAX);
    let tokens: Vec<Option<TokenExpiry>> = jobs
        .iter()
        .map(|job| {
            variables
                .as_ref()
                .and_then(|v| token::of_job(job, v).into_iter().next())
                .filter(|expiry| expiry.at.duration_since(now) <= warning)
                .map(|expiry| TokenExpiry {
                    variable: expiry.variable,
                    at: rfc3339(&expiry.at.to_zoned_datetime(job.zone.tz.clone())),
                    expired: expiry.at <= now,
                })
        })
        .collect();
    let summaries: Vec<Summary> = runs_by_job.iter().map(|runs| Summary::of(runs)).collect();
    let nexts: Vec<Option<jiff::ZonedDateTime>> = jobs
        .iter()
        .map(|job| job.enabled.then(|| job.timing().next_after(now)).flatten())
        .collect();
    let failing = |job: &Job, summary: &Summary| job.enabled && summary.last_decisive_failed;
    // An enabled job whose token has expired fails its next run without
    // sending it (`run` refuses it): say so now, before that run.
    let any_failing = jobs
        .iter()
        .zip(&summaries)
        .zip(&tokens)
        .any(|((job, summary), token)| {
            failing(job, summary) || (job.enabled && token.as_ref().is_some_and(|t| t.expired))
        });
    let text = if json {
        let statuses = jobs
            .iter()
            .zip(&summaries)
            .zip(&nexts)
            .zip(tokens)
            .map(|(((job, summary), next), token)| {
                let mut status = status(job, summary, next.as_ref(), failing(job, summary));
                status.token_expires = token;
                status
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&Status { jobs: statuses }).unwrap_or_default();
        text.push('\n');
        text
    } else {
        let lines: Vec<Line> = jobs
            .iter()
            .zip(&summaries)
            .zip(&nexts)
            .map(|((job, summary), next)| Line {
                name: &job.name,
                enabled: job.enabled,
                summary,
                next: next.as_ref().map(|n| n.timestamp()),
                failing: failing(job, summary),
            })
            .collect();
        let mut text = timeline::render(&lines, &inv.stdout_style(), now);
        // Only when a token is worth a look: one line each, under the jobs.
        for (job, token) in jobs.iter().zip(&tokens) {
            if let Some(t) = token {
                let (when, then) = if t.expired {
                    ("expired", ": its runs are refused until it is replaced")
                } else {
                    ("expires", "")
                };
                text.push_str(&format!(
                    "token: {} uses `{}`, which {when} at {}{then}\n",
                    job.name, t.variable, t.at
                ));
            }
        }
        text
    };
    inv.ctx
        .stdout
        .write_all(text.as_bytes())
        .map_err(Error::Output)?;
    Ok(if any_failing {
        Exit::Failed
    } else {
        Exit::Success
    })
}

/// A job's status as JSON, from what its runs say.
fn status(
    job: &Job,
    summary: &Summary,
    next: Option<&jiff::ZonedDateTime>,
    failing: bool,
) -> JobStatus {
    let tz = &job.zone.tz;
    JobStatus {
        name: job.name.clone(),
        enabled: job.enabled,
        last_run: summary.last.map(|r| LastRun {
            run_id: r.run_id.clone(),
            started_at: in_zone(r.started, tz),
            outcome: r.outcome.as_str(),
            duration_ms: r.duration_ms,
            status: r.status,
            error: r.error.clone(),
            reason: r.reason.clone(),
        }),
        last_success: summary.last_success.map(|r| in_zone(r.started, tz)),
        consecutive_failures: summary.consecutive_failures,
        failing,
        next: next.map(rfc3339),
        recent: summary.recent.iter().map(|r| r.outcome.as_str()).collect(),
        median_duration_ms: summary.spread.map(|s| s.median_ms),
        worst_duration_ms: summary.spread.map(|s| s.worst_ms),
        token_expires: None,
    }
}
