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
    /// Someone else could plant links there, or has planted one.
    #[error("the state directory cannot be trusted: `{}`: {why}", path.display())]
    Unsafe { path: PathBuf, why: Distrust },
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
            StoreError::Unsafe { path, why } => {
                let path = path.display();
                match why {
                    Distrust::Owner { user: 0, .. } => format!(
                        "root must not keep its state where another user can plant links to files root would then write: give root a state directory of its own, such as `--state-dir /var/lib/jobrun` (or systemd's `StateDirectory=`), or run the job as the user who owns `{path}`"
                    ),
                    Distrust::Owner { .. } => format!(
                        "`chown $(id -un) {path}` (as root), or choose a directory of your own with `--state-dir` or `JOBRUN_STATE_DIR`: its owner could plant links to files jobrun would then write"
                    ),
                    Distrust::Writable { .. } => format!(
                        "`chmod go-w {path}`: whoever can write it could plant links to files jobrun would then write"
                    ),
                    Distrust::Link => format!(
                        "remove it (`rm {path}`) and find out how it got there: jobrun never follows a link in its state directory"
                    ),
                    Distrust::Kind(_) => format!(
                        "move `{path}` aside: jobrun keeps only its own regular files there"
                    ),
                }
            }
        }
    }
}

/// Why a place in the state directory cannot be trusted. Whoever can
/// write the directory can plant a link there (`locks/NAME.lock`,
/// `history.sqlite3`), and the next run, as root maybe, would create or
/// write the file it points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distrust {
    /// Owned by a user other than the one running jobrun (and root).
    Owner { owner: u32, user: u32 },
    /// Writable by its group or other users.
    Writable { mode: u32 },
    /// A symbolic link, where jobrun never follows one.
    Link,
    /// Not a regular file: a directory, a fifo, a socket, a device.
    Kind(&'static str),
}

impl std::fmt::Display for Distrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Distrust::Owner { owner, user } => write!(
                f,
                "it is owned by another user (uid {owner}; jobrun runs as uid {user})"
            ),
            Distrust::Writable { mode } => {
                let who = if mode & 0o002 != 0 {
                    "its group and other users"
                } else {
                    "its group"
                };
                write!(f, "{who} can write it (mode {:o})", mode & 0o777)
            }
            Distrust::Link => f.write_str("it is a symbolic link"),
            Distrust::Kind(kind) => write!(f, "it is {kind}, not a regular file"),
        }
    }
}
