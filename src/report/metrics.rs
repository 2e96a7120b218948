//! Every job's figures, gathered from the job file and the history, as
//! the metrics file and `jobrun metrics` give them.
//!
//! Always every job of the file, rebuilt from the history, never only the
//! job that just ran: runs of many jobs ending at once each write the
//! whole file, and the last writer's file holds them all
//! (`metrics_file` makes sure they write one after another). A job
//! removed from the file is left out, though its history stays: its
//! series end, rather than alert forever.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;

use crate::job::Job;
use crate::report::prometheus::{self, ENDED, JobFigures};
use crate::report::summary::Summary;
use crate::state::Existing;
use crate::state::error::StoreError;
use crate::state::liveness;
use crate::state::record::{Outcome, Record};

/// The metrics of `jobs` in the exposition format, from the state's
/// history (none yet: no runs). A row that says `running` is believed only
/// while its run's lock is held, as `status` does.
pub(crate) fn text(
    jobs: &[Job],
    state: Option<&Existing>,
    now: Timestamp,
) -> Result<String, StoreError> {
    // Only the rows since each job's last success are read: a job's last
    // run, last success and failures in a row are all among them, and its
    // counts come from the history's tally, read first: a row that says
    // `running` then and is read as `died` now is counted so here (its
    // row says so once the job's next run finds it), and one that ends
    // meanwhile is counted by the next file.
    let mut totals: HashMap<String, [u64; ENDED.len()]> = HashMap::new();
    let mut rows = Vec::new();
    if let Some(Existing { history, locks }) = state {
        for count in history.counts()? {
            if let Some(i) = ENDED.iter().position(|o| *o == count.outcome) {
                let job = totals.entry(count.job).or_default();
                job[i] = job[i].saturating_add(count.runs);
            }
        }
        let read = || history.since_last_success();
        let first = read()?;
        let running: HashSet<String> = first
            .iter()
            .filter(|r| r.outcome == Outcome::Running)
            .map(|r| r.run_id.clone())
            .collect();
        rows = liveness::settle(&**locks, first, read)?;
        let died = ENDED.iter().position(|o| *o == Outcome::Died);
        for row in &rows {
            if let Some(i) = died
                && row.outcome == Outcome::Died
                && running.contains(&row.run_id)
            {
                let job = totals.entry(row.job.clone()).or_default();
                job[i] = job[i].saturating_add(1);
            }
        }
    }
    let mut by_job: HashMap<String, Vec<Record>> = HashMap::new();
    for row in rows {
        by_job.entry(row.job.clone()).or_default().push(row);
    }
    let none = Vec::new();
    // Jobs often share a schedule: each is reckoned once a day.
    let mut intervals: HashMap<(&str, jiff::civil::Date), Option<u64>> = HashMap::new();
    let figures: Vec<JobFigures> = jobs
        .iter()
        .map(|job| {
            let runs = by_job.get(&job.name).unwrap_or(&none);
            let today = now.to_zoned_datetime(job.zone.tz.clone()).date();
            // A disabled job has no next run to expect.
            let interval = match job.enabled {
                true => *intervals
                    .entry((job.schedule.text(), today))
                    .or_insert_with(|| job.schedule.longest_gap(today)),
                false => None,
            };
            JobFigures {
                name: &job.name,
                enabled: job.enabled,
                expected_interval: interval,
                summary: Summary::of(runs),
                totals: totals.get(job.name.as_str()).copied().unwrap_or_default(),
            }
        })
        .collect();
    Ok(prometheus::exposition(&figures))
}
