//! Whether a run whose row says `running` is still going. A run killed
//! without a word (SIGKILL, a crash, a power cut) leaves its row
//! `running` until its job's next run finds the job's lock free and
//! marks it `died`; a reader of the history cannot wait for that (a daily
//! job's next run is a day away), so it asks the locks itself.
//!
//! Every run holds its job's lock from before its row is written until
//! after the row is finished: exclusively under `concurrency: forbid`,
//! shared under `allow`, where each run also holds a lock of its own. So:
//! - the job's lock free (or its file missing: no run ever held it here)
//!   means no run of the job is going, and each of its `running` rows is
//!   of a run that died;
//! - the job's lock held means some run is going: under `allow`, a row
//!   whose run's own lock is free is of a run that died; any other row is
//!   believed.
//!
//! The rows are read again after the locks were asked, and only a row
//! still `running` then is read as `died`: a run that ended between the
//! first read and the look at its lock has finished its row by then.
//! Nothing is written: a reader may not be allowed to.

use std::collections::HashSet;
use std::path::Path;

use crate::state::lock::{self, Probe};
use crate::state::record::{Outcome, Record};

/// What a row of a run that died says it failed with.
pub(crate) const DIED: &str =
    "the run ended without recording how (killed, or the machine stopped)";

/// `rows` (of any jobs), with each `running` row whose run is gone read as
/// `died`. `read_again` reads the same rows once more, after the locks
/// have been asked; without a state directory there are no locks to ask.
pub(crate) fn settle<E>(
    state_dir: Option<&Path>,
    rows: Vec<Record>,
    read_again: impl FnOnce() -> Result<Vec<Record>, E>,
) -> Result<Vec<Record>, E> {
    let Some(dir) = state_dir else {
        return Ok(rows);
    };
    let gone = gone(dir, &rows);
    if gone.is_empty() {
        return Ok(rows);
    }
    let mut rows = read_again()?;
    for row in &mut rows {
        if row.outcome == Outcome::Running && gone.contains(&row.run_id) {
            row.outcome = Outcome::Died;
            row.error.get_or_insert_with(|| DIED.to_string());
        }
    }
    Ok(rows)
}

/// The run ids of the `running` rows whose runs the locks say are gone.
fn gone(dir: &Path, rows: &[Record]) -> HashSet<String> {
    let mut gone = HashSet::new();
    let mut jobs: Vec<&str> = rows
        .iter()
        .filter(|r| r.outcome == Outcome::Running)
        .map(|r| r.job.as_str())
        .collect();
    jobs.sort_unstable();
    jobs.dedup();
    for job in jobs {
        let running = rows
            .iter()
            .filter(|r| r.outcome == Outcome::Running && r.job == job);
        match lock::probe(dir, job) {
            Probe::Free | Probe::Missing => gone.extend(running.map(|r| r.run_id.clone())),
            Probe::Held => gone.extend(
                running
                    .filter(|r| lock::probe_run(dir, job, &r.run_id) == Probe::Free)
                    .map(|r| r.run_id.clone()),
            ),
            // Cannot tell: believe the row.
            Probe::Unknown => {}
        }
    }
    gone
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::record::Trigger;

    fn running(id: &str, job: &str) -> Record {
        Record::start(
            id.into(),
            job,
            Trigger::Manual,
            None,
            "2025-03-07T18:30:00Z".parse().unwrap(),
        )
    }

    fn outcomes(rows: &[Record]) -> Vec<Outcome> {
        rows.iter().map(|r| r.outcome).collect()
    }

    fn settled(dir: &Path, rows: Vec<Record>) -> Vec<Record> {
        let again = rows.clone();
        settle::<()>(Some(dir), rows, || Ok(again)).unwrap()
    }

    #[test]
    fn a_row_is_believed_while_its_jobs_lock_is_held_and_died_once_it_is_free() {
        let temp = tempfile::tempdir().unwrap();
        let held = lock::try_lock(temp.path(), "a").unwrap();
        let rows = vec![running("1", "a"), running("2", "b")];
        // `b` has no lock file: no run of it ever held one here.
        assert_eq!(
            outcomes(&settled(temp.path(), rows.clone())),
            [Outcome::Running, Outcome::Died]
        );
        drop(held);
        let rows = settled(temp.path(), rows);
        assert_eq!(outcomes(&rows), [Outcome::Died, Outcome::Died]);
        assert_eq!(rows[0].error.as_deref(), Some(DIED));
    }

    #[test]
    fn under_a_shared_lock_each_run_answers_for_itself() {
        let temp = tempfile::tempdir().unwrap();
        let (_going, _) = lock::share(temp.path(), "a", "going").unwrap().unwrap();
        std::fs::write(lock::run_path(temp.path(), "a", "dead"), "").unwrap();
        let rows = vec![
            running("going", "a"),
            running("dead", "a"),
            running("unknown", "a"),
        ];
        assert_eq!(
            outcomes(&settled(temp.path(), rows)),
            [Outcome::Running, Outcome::Died, Outcome::Running]
        );
    }

    #[test]
    fn a_run_that_finished_meanwhile_keeps_its_row() {
        let temp = tempfile::tempdir().unwrap();
        let mut finished = running("1", "a");
        finished.outcome = Outcome::Succeeded;
        let rows = settle::<()>(Some(temp.path()), vec![running("1", "a")], || {
            Ok(vec![finished.clone()])
        })
        .unwrap();
        assert_eq!(outcomes(&rows), [Outcome::Succeeded]);
        let rows = settle::<()>(None, vec![running("1", "a")], || unreachable!()).unwrap();
        assert_eq!(outcomes(&rows), [Outcome::Running]);
    }
}
