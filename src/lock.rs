//! One run at a time per job (`concurrency: forbid`): an exclusive,
//! non-blocking lock on a file per job in the state directory, held for
//! the whole run.
//!
//! The lock is the kernel's (flock(2), through `File::try_lock`): it goes
//! with the process, so a run that crashes or is killed releases it, and
//! no stale lock is ever guessed at or broken. The lock files themselves
//! stay, empty, and are reused.

use std::fs::{File, TryLockError};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

/// The lock files' directory inside the state directory.
pub const DIR_NAME: &str = "locks";

/// A held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// What trying the lock found.
#[derive(Debug)]
pub enum Attempt {
    Held(RunLock),
    /// Another process holds it.
    Busy,
}

/// The lock file of `job` in `state_dir`.
pub fn path(state_dir: &Path, job: &str) -> PathBuf {
    // Job names are letters, digits, `-` and `_` (checked by `validate`),
    // so they are safe file names.
    state_dir.join(DIR_NAME).join(format!("{job}.lock"))
}

/// Try to take `job`'s lock without waiting. An error means the lock
/// could not be tried at all (the directory cannot be created, the file
/// cannot be opened).
pub fn try_lock(state_dir: &Path, job: &str) -> std::io::Result<Attempt> {
    let path = path(state_dir, job);
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(Attempt::Held(RunLock { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(Attempt::Busy),
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
}
