//! Why the state cannot be used, and what to do about it.

use std::path::PathBuf;

/// Why the history cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error(
        "no state directory: none of `--state-dir`, `JOBRUN_STATE_DIR`, `global.stateDir`, `XDG_STATE_HOME` or `HOME` is set"
    )]
    NoDirectory,
    #[error("cannot create the state directory `{}`: {reason}", path.display())]
    Directory { path: PathBuf, reason: String },
    #[error("the history database `{}` is damaged or is not a jobrun database: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("the history database `{}` has schema version {found}, newer than this jobrun's {known}", path.display())]
    Newer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("cannot use the history database `{}`: {reason}", path.display())]
    Unusable { path: PathBuf, reason: String },
    #[error("cannot write the history database `{}`: its file system is full", path.display())]
    Full { path: PathBuf },
    #[error("the history database `{}` stayed locked by another process for {} s", path.display(), waited.as_secs())]
    Locked {
        path: PathBuf,
        /// How long this process waited for it.
        waited: std::time::Duration,
    },
    #[error("cannot take the job's lock `{}`: {reason}", path.display())]
    Lock { path: PathBuf, reason: String },
    /// The database server cannot be reached, or the connection broke.
    #[error("cannot reach the state database `{target}`: {reason}")]
    Unreachable { target: String, reason: String },
    /// The server did not answer in time.
    #[error("the state database `{target}` did not answer within {}", crate::job::duration::format(*waited))]
    Timeout {
        target: String,
        waited: std::time::Duration,
    },
    /// The server answered and would not let jobrun in, or do its work.
    #[error("the state database `{target}` refused jobrun: {reason}")]
    Refused { target: String, reason: String },
    #[error(
        "the state database `{target}` has jobrun schema version {found}, newer than this jobrun's {known}"
    )]
    NewerDatabase {
        target: String,
        found: i64,
        known: i64,
    },
    /// Anything else the server said.
    #[error("the state database `{target}` failed: {reason}")]
    Database { target: String, reason: String },
}

impl StoreError {
    /// What to do next.
    pub(crate) fn help(&self) -> String {
        match self {
            StoreError::NoDirectory => {
                "give one with `--state-dir DIR` or `JOBRUN_STATE_DIR`".into()
            }
            StoreError::Directory { .. }
            | StoreError::Unusable { .. }
            | StoreError::Lock { .. } => {
                "check the state directory's permissions for this user, or choose another with `--state-dir` or `JOBRUN_STATE_DIR`".into()
            }
            StoreError::Corrupt { path, .. } => format!(
                "jobrun leaves the file as it is: inspect it with `sqlite3 {}`, or move it aside (with its -wal and -shm files) to start a new history",
                path.display()
            ),
            StoreError::Full { .. } => {
                "free some space on it, or choose another state directory with `--state-dir` or `JOBRUN_STATE_DIR`".into()
            }
            StoreError::Locked { path, .. } => format!(
                "a process holds a write transaction open on it (an `sqlite3` shell, or a stopped jobrun): find it with `fuser {}` and end it",
                path.display()
            ),
            StoreError::Newer { .. } => {
                "run the newer jobrun, or give this one another state directory".into()
            }
            StoreError::Unreachable { .. } | StoreError::Timeout { .. } => {
                "check that the server is up and that this host can reach it (`pg_isready -d URL`); the waits are `connect_timeout` in the URL and `JOBRUN_STATE_TIMEOUT`".into()
            }
            StoreError::Refused { .. } => {
                "check the user, the database and the password (in the URL, `PGPASSWORD` or `~/.pgpass`) of the state URL, and that the user may create tables in the database".into()
            }
            StoreError::NewerDatabase { .. } => {
                "a newer jobrun uses this database: install it on this host too, as on every host that shares the database".into()
            }
            StoreError::Database { .. } => {
                "see the server's log for more; `--state-url`, `JOBRUN_STATE_URL` or `global.stateUrl` names the database".into()
            }
        }
    }
}
