//! Whether a run whose row says `running` is still going. A run killed
//! without a word (SIGKILL, a crash, a power cut, a host cut off from the
//! state database) leaves its row `running` until its job's next run finds
//! the job's lock free and marks it `died`; a reader of the history cannot
//! wait for that (a daily job's next run is a day away), so it asks the
//! locks itself ([`Locks::gone`]): in the state directory, whether the
//! run's lock file is still held (`state::lock`); in PostgreSQL, whether
//! the run's lease is still there and not run out (`state::postgres::lease`).
//!
//! The rows are read again after the locks were asked, and only a row
//! still `running` then is read as `died`: a run that ended between the
//! first read and the look at its lock has finished its row by then.
//! Nothing is written: a reader may not be allowed to.

use crate::state::Locks;
use crate::state::record::{Outcome, Record};

/// What a row of a run that died says it failed with.
pub(crate) const DIED: &str =
    "the run ended without recording how (killed, or the machine stopped)";

/// `rows` (of any jobs), with each `running` row whose run is gone read as
/// `died`. `read_again` reads the same rows once more, after the locks
/// have been asked.
pub(crate) fn settle<E>(
    locks: &dyn Locks,
    rows: Vec<Record>,
    read_again: impl FnOnce() -> Result<Vec<Record>, E>,
) -> Result<Vec<Record>, E> {
    if !rows.iter().any(|r| r.outcome == Outcome::Running) {
        return Ok(rows);
    }
    let gone = locks.gone(&rows);
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::state::NoLocks;
    use crate::state::lock::{self, LockFiles};
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
        settle::<()>(&LockFiles(dir.to_path_buf()), rows, || Ok(again)).unwrap()
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
        let locks = LockFiles(temp.path().to_path_buf());
        let rows = settle::<()>(&locks, vec![running("1", "a")], || {
            Ok(vec![finished.clone()])
        })
        .unwrap();
        assert_eq!(outcomes(&rows), [Outcome::Succeeded]);
        let rows = settle::<()>(&NoLocks, vec![running("1", "a")], || unreachable!()).unwrap();
        assert_eq!(outcomes(&rows), [Outcome::Running]);
    }
}
