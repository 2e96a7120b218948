//! One run at a time per job (`concurrency: forbid`): an exclusive,
//! non-blocking lock on a file per job in the state directory, held for
//! the whole run. Runs of a `concurrency: allow` job hold it shared.
//!
//! The lock is the kernel's (flock(2), through `File::try_lock`): it goes
//! with the process, so a run that crashes or is killed releases it, and
//! no stale lock is ever guessed at or broken. The lock files themselves
//! stay, empty, and are reused.

use std::fs::{File, TryLockError};
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};

use crate::files::io_reason;
use crate::state::dir::{self, OpenError};
use crate::state::error::StoreError;

/// The lock files' directory inside the state directory.
pub(crate) const DIR_NAME: &str = "locks";

/// A held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub(crate) struct RunLock {
    _file: File,
}

/// What trying the lock found.
#[derive(Debug)]
pub(crate) enum Attempt {
    Held(RunLock),
    /// Another process holds it.
    Busy,
}

/// The lock file of `job` in `state_dir`.
pub(crate) fn path(state_dir: &Path, job: &str) -> PathBuf {
    // Job names are letters, digits, `-` and `_` (checked by `validate`),
    // so they are safe file names.
    state_dir.join(DIR_NAME).join(format!("{job}.lock"))
}

/// Take `job`'s lock shared, as each run of a `concurrency: allow` job
/// does for its whole run: runs of the job share it, and while any holds
/// it, no one can take it exclusively, which is how `dependsOn` tells a
/// run that is still going from a row left `running` by one that was
/// killed. Taking the lock exclusively only ever lasts an instant (that
/// question), so a taker waits a little for it; `Ok(None)` when the lock
/// cannot be had, and the run goes on without it; `Err` when the lock
/// file or its directory cannot be trusted, which the run must say.
///
/// The flag says the lock was free: no other run of the job is going, so
/// rows its earlier runs left `running` are from runs that died.
pub(crate) fn share(state_dir: &Path, job: &str) -> Result<Option<(RunLock, bool)>, StoreError> {
    let file = match open(state_dir, job) {
        Ok(file) => file,
        Err(problem @ StoreError::Unsafe { .. }) => return Err(problem),
        Err(_) => return Ok(None),
    };
    if file.try_lock().is_ok() {
        // Held alone, then shared: the rows are settled before this run's
        // own row is added, and other runs may share it from then on.
        if file.lock_shared().is_ok() {
            return Ok(Some((RunLock { _file: file }, true)));
        }
        return Ok(None);
    }
    for _ in 0..50 {
        match file.try_lock_shared() {
            Ok(()) => return Ok(Some((RunLock { _file: file }, false))),
            Err(TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(TryLockError::Error(_)) => return Ok(None),
        }
    }
    Ok(None)
}

/// The lock file of `job`, opened: its directory made (mode 0700) and
/// checked as the state directory is, the file never through a link.
fn open(state_dir: &Path, job: &str) -> Result<File, StoreError> {
    let path = path(state_dir, job);
    let failed = |e: &std::io::Error| StoreError::Lock {
        path: path.clone(),
        reason: io_reason(e),
    };
    let dir = state_dir.join(DIR_NAME);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| failed(&e))?;
    dir::trusted(&dir)?;
    dir::open_file(&path).map_err(|e| match e {
        OpenError::Distrusted(why) => StoreError::Unsafe {
            path: path.clone(),
            why,
        },
        OpenError::Io(e) => failed(&e),
    })
}

/// Try to take `job`'s lock without waiting. An error means the lock
/// could not be tried at all (the directory cannot be created, the file
/// cannot be opened or trusted).
pub(crate) fn try_lock(state_dir: &Path, job: &str) -> Result<Attempt, StoreError> {
    let file = open(state_dir, job)?;
    match file.try_lock() {
        Ok(()) => Ok(Attempt::Held(RunLock { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(Attempt::Busy),
        Err(TryLockError::Error(e)) => Err(StoreError::Lock {
            path: path(state_dir, job),
            reason: io_reason(&e),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_finds_the_lock_busy_until_the_first_lets_go() {
        let temp = tempfile::tempdir().unwrap();
        let first = try_lock(temp.path(), "a").unwrap();
        assert!(matches!(first, Attempt::Held(_)));
        assert!(matches!(try_lock(temp.path(), "a").unwrap(), Attempt::Busy));
        assert!(matches!(
            try_lock(temp.path(), "b").unwrap(),
            Attempt::Held(_)
        ));
        drop(first);
        assert!(matches!(
            try_lock(temp.path(), "a").unwrap(),
            Attempt::Held(_)
        ));
    }

    #[test]
    fn shared_holders_keep_the_lock_from_being_taken_exclusively() {
        let temp = tempfile::tempdir().unwrap();
        let (one, alone) = share(temp.path(), "a").unwrap().expect("shared");
        assert!(alone);
        let (two, alone) = share(temp.path(), "a").unwrap().expect("shared again");
        assert!(!alone);
        assert!(matches!(try_lock(temp.path(), "a").unwrap(), Attempt::Busy));
        drop(one);
        assert!(matches!(try_lock(temp.path(), "a").unwrap(), Attempt::Busy));
        drop(two);
        assert!(matches!(
            try_lock(temp.path(), "a").unwrap(),
            Attempt::Held(_)
        ));
    }
}
