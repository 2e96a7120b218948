//! Every job's figures, gathered from the job file and the history, as
//! the metrics file and `jobrun metrics` give them.
//!
//! Always every job of the file, rebuilt from the history, never only the
//! job that just ran: runs of many jobs ending at once each write the
//! whole file, and the last writer's file holds them all
//! (`metrics_file` makes sure they write one after another). A job
//! removed from the file is left out, though its history stays: its
//! series end, rather than alert forever.

use std::collections::HashMap;
use std::path::Path;

use jiff::Timestamp;

use crate::job::Job;
use crate::report::prometheus::{self, ENDED, JobFigures};
use crate::report::summary::Summary;
use crate::state::History;
use crate::state::error::StoreError;
use crate::state::liveness;
use crate::state::record::Record;

/// The metrics of `jobs` in the exposition format, from `history` (none
/// yet: no runs). A row that says `running` is believed only while its
/// run's lock in `state_dir` is held, as `status` does.
pub(crate) fn text(
    jobs: &[Job],
    history: Option<&dyn History>,
    state_dir: Option<&Path>,
    now: Timestamp,
) -> Result<String, StoreError> {
    let (rows, pruned) = match history {
        Some(history) => {
            let read = || history.recent(None, u32::MAX);
            (
                liveness::settle(state_dir, read()?, read)?,
                history.pruned()?,
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let mut by_job: HashMap<String, Vec<Record>> = HashMap::new();
    for row in rows {
        by_job.entry(row.job.clone()).or_default().push(row);
    }
    let mut gone: HashMap<&str, [u64; ENDED.len()]> = HashMap::new();
    for p in &pruned {
        if let Some(i) = ENDED.iter().position(|o| *o == p.outcome) {
            let counts = gone.entry(p.job.as_str()).or_default();
            counts[i] = counts[i].saturating_add(p.runs);
        }
    }
    let none = Vec::new();
    let figures: Vec<JobFigures> = jobs
        .iter()
        .map(|job| {
            let runs = by_job.get(&job.name).unwrap_or(&none);
            let mut totals = gone.get(job.name.as_str()).copied().unwrap_or_default();
            for run in runs {
                if let Some(i) = ENDED.iter().position(|o| *o == run.outcome) {
                    totals[i] = totals[i].saturating_add(1);
                }
            }
            let today = now.to_zoned_datetime(job.zone.tz.clone()).date();
            JobFigures {
                name: &job.name,
                enabled: job.enabled,
                expected_interval: job
                    .enabled
                    .then(|| job.schedule.longest_gap(today))
                    .flatten(),
                summary: Summary::of(runs),
                totals,
            }
        })
        .collect();
    Ok(prometheus::exposition(&figures))
}
