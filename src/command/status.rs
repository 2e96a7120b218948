//! `jobrun status`: each job's last run, last success, failures in a row
//! and next run, from the history. Exits 1 when the last run of any
//! enabled job failed, was interrupted or died, so a monitoring script
//! needs only the exit code. A row that says `running` is believed only
//! while its run's lock is held (`state::liveness`).

use serde::Serialize;

use crate::command::{Invocation, in_zone, rfc3339, table};
use crate::error::{Error, Exit};
use crate::job::Job;
use crate::job::duration;
use crate::jobfile::validate::Purpose;
use crate::state;
use crate::state::liveness;
use crate::state::record::{Outcome, Record};

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
    let location = inv.state(file)?;
    let store = state::open_existing(&location, inv.ctx.env).map_err(Error::History)?;
    let mut statuses = Vec::with_capacity(jobs.len());
    for job in jobs {
        let runs = match &store {
            Some(store) => {
                let read = || store.history.recent(Some(&job.name), ROWS_PER_JOB);
                liveness::settle(&*store.locks, read().map_err(Error::History)?, read)
                    .map_err(Error::History)?
            }
            None => Vec::new(),
        };
        statuses.push(status(job, &runs, inv.ctx.now));
    }
    let failing = statuses.iter().any(|s| s.failing);
    let text = if json {
        let mut text = serde_json::to_string_pretty(&Status { jobs: statuses }).unwrap_or_default();
        text.push('\n');
        text
    } else {
        let rows: Vec<Vec<String>> = statuses.iter().map(row).collect();
        table(
            &[
                "NAME",
                "LAST RUN",
                "OUTCOME",
                "TOOK",
                "LAST SUCCESS",
                "FAILURES",
                "NEXT",
            ],
            &rows,
        )
    };
    inv.ctx
        .stdout
        .write_all(text.as_bytes())
        .map_err(Error::Output)?;
    Ok(if failing { Exit::Failed } else { Exit::Success })
}

/// A job's status from its runs, newest first.
fn status(job: &Job, runs: &[Record], now: jiff::Timestamp) -> JobStatus {
    let tz = &job.zone.tz;
    let last_success = runs.iter().find(|r| r.outcome == Outcome::Succeeded);
    let consecutive_failures = runs
        .iter()
        .take_while(|r| r.outcome != Outcome::Succeeded)
        .filter(|r| r.outcome.failed())
        .count() as u32;
    // Skipped and busy runs did nothing; a run still going has not ended.
    let last_finished = runs
        .iter()
        .find(|r| r.outcome == Outcome::Succeeded || r.outcome.failed());
    JobStatus {
        name: job.name.clone(),
        enabled: job.enabled,
        last_run: runs.first().map(|r| LastRun {
            run_id: r.run_id.clone(),
            started_at: in_zone(r.started, tz),
            outcome: r.outcome.as_str(),
            duration_ms: r.duration_ms,
            status: r.status,
            error: r.error.clone(),
            reason: r.reason.clone(),
        }),
        last_success: last_success.map(|r| in_zone(r.started, tz)),
        consecutive_failures,
        failing: job.enabled && last_finished.is_some_and(|r| r.outcome.failed()),
        next: job
            .enabled
            .then(|| job.schedule.next_after(now, tz))
            .flatten()
            .as_ref()
            .map(rfc3339),
    }
}

fn row(s: &JobStatus) -> Vec<String> {
    let never = || "never".to_string();
    let (when, outcome, took) = match &s.last_run {
        Some(run) => (
            run.started_at.clone(),
            run.outcome.to_string(),
            run.duration_ms
                .map(|ms| duration::format(std::time::Duration::from_millis(ms)))
                .unwrap_or_default(),
        ),
        None => (never(), String::new(), String::new()),
    };
    let next = match (&s.next, s.enabled) {
        (Some(next), _) => next.clone(),
        (None, false) => "disabled".into(),
        (None, true) => never(),
    };
    vec![
        s.name.clone(),
        when,
        outcome,
        took,
        s.last_success.clone().unwrap_or_else(never),
        s.consecutive_failures.to_string(),
        next,
    ]
}
