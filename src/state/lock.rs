//! One run at a time per job (`concurrency: forbid`): an exclusive,
//! non-blocking lock on a file per job in the state directory, held for
//! the whole run. Runs of a `concurrency: allow` job hold it shared.
//!
//! The lock is the kernel's (flock(2), through `File::try_lock`): it goes
//! with the process, so a run that crashes or is killed releases it, and
//! no stale lock is ever guessed at or broken. The lock files themselves
//! stay, empty, and are reused.

use std::fs::{File, TryLockError};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

/// The lock files' directory inside the state directory.
pub(crate) const DIR_NAME: &str = "locks";

/// A held lock, wherever it is kept; dropping it (or the process ending)
/// releases it.
pub(crate) struct RunLock {
    held: Box<dyn Held>,
}

/// What a backend's held lock can say.
pub(crate) trait Held: Send {
    /// Whether the lock ran out while held, so that another run may have
    /// taken it (a lease not renewed in time).
    fn lapsed(&self) -> bool {
        false
    }
}

impl Held for File {}

impl RunLock {
    pub(crate) fn new(held: impl Held + 'static) -> RunLock {
        RunLock {
            held: Box::new(held),
        }
    }

    pub(crate) fn lapsed(&self) -> bool {
        self.held.lapsed()
    }
}

impl std::fmt::Debug for RunLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RunLock")
    }
}

/// What trying the lock found.
#[derive(Debug)]
pub(crate) enum Attempt {
    Held(RunLock),
    /// Another run holds it: where, or by whom, in words.
    Busy(String),
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
/// question), so a taker waits a little for it; `None` when the lock
/// cannot be had, and the run goes on without it.
///
/// The flag says the lock was free: no other run of the job is going, so
/// rows its earlier runs left `running` are from runs that died.
pub(crate) fn share(state_dir: &Path, job: &str) -> Option<(RunLock, bool)> {
    let file = open(&path(state_dir, job)).ok()?;
    if file.try_lock().is_ok() {
        // Held alone, then shared: the rows are settled before this run's
        // own row is added, and other runs may share it from then on.
        if file.lock_shared().is_ok() {
            return Some((RunLock::new(file), true));
        }
        return None;
    }
    for _ in 0..50 {
        match file.try_lock_shared() {
            Ok(()) => return Some((RunLock::new(file), false)),
            Err(TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(TryLockError::Error(_)) => return None,
        }
    }
    None
}

fn open(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
}

/// Try to take `job`'s lock without waiting. An error means the lock
/// could not be tried at all (the directory cannot be created, the file
/// cannot be opened).
pub(crate) fn try_lock(state_dir: &Path, job: &str) -> std::io::Result<Attempt> {
    let path = path(state_dir, job);
    let file = open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(Attempt::Held(RunLock::new(file))),
        Err(TryLockError::WouldBlock) => Ok(Attempt::Busy(format!("lock `{}`", path.display()))),
        Err(TryLockError::Error(e)) => Err(e),
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
        assert!(matches!(
            try_lock(temp.path(), "a").unwrap(),
            Attempt::Busy(_)
        ));
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
        let (one, alone) = share(temp.path(), "a").expect("shared");
        assert!(alone);
        let (two, alone) = share(temp.path(), "a").expect("shared again");
        assert!(!alone);
        assert!(matches!(
            try_lock(temp.path(), "a").unwrap(),
            Attempt::Busy(_)
        ));
        drop(one);
        assert!(matches!(
            try_lock(temp.path(), "a").unwrap(),
            Attempt::Busy(_)
        ));
        drop(two);
        assert!(matches!(
            try_lock(temp.path(), "a").unwrap(),
            Attempt::Held(_)
        ));
    }
}
