//! `jobrun status`: each job's recent runs, last run, run times and next
//! run, from the history: as a timeline a person reads
//! (`report::timeline`), or as JSON with the last run and last success in
//! full. Exits 1 when the last run of any enabled job failed, was
//! interrupted or died, so a monitoring script needs only the exit code.
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
    let state_dir = inv.state_dir(file);
    let store = inv.read_history(state_dir.as_ref())?;
    let mut runs_by_job: Vec<Vec<Record>> = Vec::with_capacity(jobs.len());
    for job in jobs {
        runs_by_job.push(match &store {
            Some(store) => {
                let read = || store.recent(Some(&job.name), ROWS_PER_JOB);
                let dir = state_dir.as_ref().map(|d| d.path.as_path());
                liveness::settle(dir, read().map_err(Error::History)?, read)
                    .map_err(Error::History)?
            }
            None => Vec::new(),
        });
    }
    let now = inv.ctx.now;
    let summaries: Vec<Summary> = runs_by_job.iter().map(|runs| Summary::of(runs)).collect();
    let nexts: Vec<Option<jiff::ZonedDateTime>> = jobs
        .iter()
        .map(|job| {
            job.enabled
                .then(|| job.schedule.next_after(now, &job.zone.tz))
                .flatten()
        })
        .collect();
    let failing = |job: &Job, summary: &Summary| job.enabled && summary.last_decisive_failed;
    let any_failing = jobs
        .iter()
        .zip(&summaries)
        .any(|(job, summary)| failing(job, summary));
    let text = if json {
        let statuses = jobs
            .iter()
            .zip(&summaries)
            .zip(&nexts)
            .map(|((job, summary), next)| {
                status(job, summary, next.as_ref(), failing(job, summary))
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
        timeline::render(&lines, &inv.stdout_style(), now)
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
    }
}
