//! The SQLite backend's locks ([`LockFiles`]): one run at a time per job
//! (`concurrency: forbid`) is an exclusive, non-blocking lock on a file
//! per job in the state directory, held for the whole run. Runs of a
//! `concurrency: allow` job hold it shared, and each also holds a lock
//! file of its own (`NAME.RUN_ID.lock`), so that a run that died can be
//! told from the runs still going beside it ([`LockFiles::gone`]).
//!
//! The lock is the kernel's (flock(2), through `File::try_lock`): it goes
//! with the process, so a run that crashes or is killed releases it, and
//! no stale lock is ever guessed at or broken. The job's lock file stays,
//! empty, and is reused; a run's own is removed when the run ends, and
//! one a dead run left is removed by the next run of the job that finds no
//! other going.
//!
//! [`RunLock`] and [`Attempt`] are every backend's: a held lock and what
//! asking for one found.

use std::collections::HashSet;
use std::fs::{File, TryLockError};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use crate::files::io_reason;
use crate::state::dir::{self, OpenError};
use crate::state::error::StoreError;
use crate::state::record::{Outcome, Record};
use crate::state::{Holder, Locks};
use crate::wording::code;

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

/// A held lock file: the job's, and for a run of a `concurrency: allow`
/// job its own as well.
#[derive(Debug)]
struct FileLock {
    /// The run's own lock: let go first (fields drop in order).
    _own: Option<OwnLock>,
    _file: File,
}

impl Held for FileLock {}

/// A run's own lock file, held exclusively; removed when the run ends.
#[derive(Debug)]
struct OwnLock {
    file: Option<File>,
    path: PathBuf,
}

impl Drop for OwnLock {
    fn drop(&mut self) {
        // Removed while still held, so no one takes a lock on a file that
        // is about to go and reads it as a dead run's.
        let _ = std::fs::remove_file(&self.path);
        drop(self.file.take());
    }
}

/// What a look at a lock found, holding it for an instant at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// No process holds it.
    Free,
    /// A process holds it.
    Held,
    /// There is no such lock file.
    Missing,
    /// It could not be tried (no permission, another error).
    Unknown,
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

/// The lock file of one run of `job`. A job name holds no `.`, so it
/// never reads as another job's lock file; a run id is hex digits and `-`.
pub(crate) fn run_path(state_dir: &Path, job: &str, run_id: &str) -> PathBuf {
    state_dir
        .join(DIR_NAME)
        .join(format!("{job}.{run_id}.lock"))
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
///
/// The run also takes its own lock (`run_id`'s), before its row is
/// written, and holds it to its end: while other runs of the job hold the
/// shared lock, that is how a run that died is told from them.
pub(crate) fn share(
    state_dir: &Path,
    job: &str,
    run_id: &str,
) -> Result<Option<(RunLock, bool)>, StoreError> {
    let file = match open(state_dir, &path(state_dir, job)) {
        Ok(file) => file,
        Err(problem @ StoreError::Unsafe { .. }) => return Err(problem),
        Err(_) => return Ok(None),
    };
    let own = || {
        let path = run_path(state_dir, job, run_id);
        let file = open(state_dir, &path).ok()?;
        file.try_lock().ok()?;
        Some(OwnLock {
            file: Some(file),
            path,
        })
    };
    if file.try_lock().is_ok() {
        // No other run is going: the lock files dead runs left can go.
        clear_dead_runs(state_dir, job);
        // Held alone, then shared: the rows are settled before this run's
        // own row is added, and other runs may share it from then on.
        if file.lock_shared().is_ok() {
            let _own = own();
            return Ok(Some((RunLock::new(FileLock { _own, _file: file }), true)));
        }
        return Ok(None);
    }
    for _ in 0..50 {
        match file.try_lock_shared() {
            Ok(()) => {
                let _own = own();
                return Ok(Some((RunLock::new(FileLock { _own, _file: file }), false)));
            }
            Err(TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(TryLockError::Error(_)) => return Ok(None),
        }
    }
    Ok(None)
}

/// Remove the lock files of `job`'s runs that no process holds: runs that
/// died without removing theirs.
fn clear_dead_runs(state_dir: &Path, job: &str) {
    let Ok(entries) = std::fs::read_dir(state_dir.join(DIR_NAME)) else {
        return;
    };
    let prefix = format!("{job}.");
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_runs = name.starts_with(&prefix)
            && name.ends_with(".lock")
            && name.len() > prefix.len() + ".lock".len();
        if !is_runs {
            continue;
        }
        let path = entry.path();
        // A link planted there is removed, never followed.
        if let Ok(file) = dir::open_file(&path)
            && file.try_lock().is_ok()
        {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Whether a process holds `job`'s lock, taking it for an instant if not
/// and creating nothing: for readers of the history (`status`,
/// `history`, `dependsOn`), which may not even be allowed to write.
pub(crate) fn probe(state_dir: &Path, job: &str) -> Probe {
    probe_file(&path(state_dir, job))
}

/// [`probe`] for one run's own lock (a `concurrency: allow` job's).
pub(crate) fn probe_run(state_dir: &Path, job: &str, run_id: &str) -> Probe {
    probe_file(&run_path(state_dir, job, run_id))
}

fn probe_file(path: &Path) -> Probe {
    // Never through a link, and never waiting on a fifo.
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    let file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Probe::Missing,
        Err(_) => return Probe::Unknown,
    };
    match file.try_lock() {
        Ok(()) => Probe::Free,
        Err(TryLockError::WouldBlock) => Probe::Held,
        Err(TryLockError::Error(_)) => Probe::Unknown,
    }
}

/// A lock file in `state_dir`, opened: its directory made (mode 0700) and
/// checked as the state directory is, the file never through a link.
fn open(state_dir: &Path, path: &Path) -> Result<File, StoreError> {
    let failed = |e: &std::io::Error| StoreError::Lock {
        path: path.to_path_buf(),
        reason: io_reason(e),
    };
    let dir = state_dir.join(DIR_NAME);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| failed(&e))?;
    dir::trusted(&dir)?;
    dir::open_file(path).map_err(|e| match e {
        OpenError::Distrusted(why) => StoreError::Unsafe {
            path: path.to_path_buf(),
            why,
        },
        OpenError::Io(e) => failed(&e),
    })
}

/// Try to take `job`'s lock, for a run of it. A run holds the lock for its
/// whole length, a reader's [`probe`] for an instant: a lock found held is
/// tried again for a few milliseconds before it counts as busy, so a probe
/// never turns a run away. An error means the lock could not be tried at
/// all (the directory cannot be created, the file cannot be opened or
/// trusted).
pub(crate) fn try_lock(state_dir: &Path, job: &str) -> Result<Attempt, StoreError> {
    let path = path(state_dir, job);
    let file = open(state_dir, &path)?;
    for _ in 0..20 {
        match file.try_lock() {
            Ok(()) => {
                return Ok(Attempt::Held(RunLock::new(FileLock {
                    _own: None,
                    _file: file,
                })));
            }
            Err(TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::Lock {
                    path,
                    reason: io_reason(&e),
                });
            }
        }
    }
    Ok(Attempt::Busy(format!(
        "lock {}",
        code(&path.display().to_string())
    )))
}

/// The locks of a state directory: files in its `locks` directory.
pub(crate) struct LockFiles(pub(crate) PathBuf);

impl Locks for LockFiles {
    fn take(&mut self, job: &str, _: &Holder) -> Result<Attempt, StoreError> {
        try_lock(&self.0, job)
    }

    fn share(&mut self, job: &str, holder: &Holder) -> Result<Option<(RunLock, bool)>, StoreError> {
        share(&self.0, job, &holder.run_id)
    }

    /// Every run holds its job's lock from before its row is written until
    /// after the row is finished. So the job's lock free (or its file
    /// missing: no run ever held it here) means each of the job's
    /// `running` rows is of a run that died; the job's lock held means
    /// some run is going, and under `allow` a row whose run's own lock is
    /// free is of a run that died; any other row is believed.
    fn gone(&self, rows: &[Record]) -> HashSet<String> {
        let dir = &self.0;
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
            match probe(dir, job) {
                Probe::Free | Probe::Missing => gone.extend(running.map(|r| r.run_id.clone())),
                Probe::Held => gone.extend(
                    running
                        .filter(|r| probe_run(dir, job, &r.run_id) == Probe::Free)
                        .map(|r| r.run_id.clone()),
                ),
                // Cannot tell: believe the row.
                Probe::Unknown => {}
            }
        }
        gone
    }
}

/// The lock writers of the metrics file take in turn, in the state
/// directory beside the history they read (`report::metrics_file`).
pub(crate) const METRICS_FILE_NAME: &str = "metrics.lock";

/// Wait up to `wait` for the metrics file's lock; `None` when another
/// process held it all that time. Each holder reads the history and writes
/// the file in a few milliseconds, so only a stopped process holds it
/// longer.
pub(crate) fn metrics(
    state_dir: &Path,
    wait: std::time::Duration,
) -> Result<Option<File>, StoreError> {
    let path = state_dir.join(METRICS_FILE_NAME);
    let file = open(state_dir, &path)?;
    take_turn(file, path, wait)
}

/// Where the writers of the metrics file `metrics_file` take turns when
/// the state is in a database: no state directory is theirs to share, but
/// the file's own directory is (each writes a new file there and renames
/// it). Named `.NAME.lock`, which node_exporter's textfile collector
/// skips: it reads `*.prom`.
pub(crate) fn metrics_beside_path(metrics_file: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(metrics_file.file_name().unwrap_or_default());
    name.push(".lock");
    metrics_file.with_file_name(name)
}

/// [`metrics`], for a metrics file whose writers keep no state directory:
/// the lock at [`metrics_beside_path`], never through a link.
pub(crate) fn metrics_beside(
    metrics_file: &Path,
    wait: std::time::Duration,
) -> Result<Option<File>, StoreError> {
    let path = metrics_beside_path(metrics_file);
    let file = dir::open_file(&path).map_err(|e| match e {
        OpenError::Distrusted(why) => StoreError::Unsafe {
            path: path.clone(),
            why,
        },
        OpenError::Io(e) => StoreError::Lock {
            path: path.clone(),
            reason: io_reason(&e),
        },
    })?;
    take_turn(file, path, wait)
}

/// Wait up to `wait` for the lock on `file` (at `path`).
fn take_turn(
    file: File,
    path: PathBuf,
    wait: std::time::Duration,
) -> Result<Option<File>, StoreError> {
    let started = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Some(file)),
            Err(TryLockError::WouldBlock) if started.elapsed() < wait => {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::Lock {
                    path,
                    reason: io_reason(&e),
                });
            }
        }
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
        let (one, alone) = share(temp.path(), "a", "r1").unwrap().expect("shared");
        assert!(alone);
        let (two, alone) = share(temp.path(), "a", "r2")
            .unwrap()
            .expect("shared again");
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

    #[test]
    fn each_shared_run_holds_its_own_lock_until_it_ends() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        assert_eq!(probe(dir, "a"), Probe::Missing);
        let (one, _) = share(dir, "a", "r1").unwrap().expect("shared");
        let (two, _) = share(dir, "a", "r2").unwrap().expect("shared again");
        assert_eq!(probe(dir, "a"), Probe::Held);
        assert_eq!(probe_run(dir, "a", "r1"), Probe::Held);
        assert_eq!(probe_run(dir, "a", "r3"), Probe::Missing);
        drop(one);
        assert_eq!(
            probe_run(dir, "a", "r1"),
            Probe::Missing,
            "removed at its end"
        );
        assert_eq!(probe_run(dir, "a", "r2"), Probe::Held);
        drop(two);
        assert_eq!(probe(dir, "a"), Probe::Free);
    }

    #[test]
    fn a_run_alone_clears_the_lock_files_dead_runs_left() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        std::fs::create_dir(dir.join(DIR_NAME)).unwrap();
        for name in ["a.dead.lock", "ab.lock", "ab.other.lock", "a.lock"] {
            std::fs::write(dir.join(DIR_NAME).join(name), "").unwrap();
        }
        let held = File::open(dir.join(DIR_NAME).join("ab.other.lock")).unwrap();
        held.try_lock().unwrap();
        let (_run, alone) = share(dir, "a", "new").unwrap().expect("shared");
        assert!(alone);
        let mut left: Vec<String> = std::fs::read_dir(dir.join(DIR_NAME))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["a.lock", "a.new.lock", "ab.lock", "ab.other.lock"]);
    }
}
