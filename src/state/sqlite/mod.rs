//! The run history in SQLite: one database in the state directory, shared
//! by every jobrun process on the host. This file opens it and runs each
//! write in its own transaction; [`schema`] owns the tables and their
//! migrations, [`history`] the reads and writes behind [`History`].
//!
//! WAL mode lets readers and one writer work at once, and the busy timeout
//! makes a writer wait its turn instead of failing with "database is
//! locked" (sqlite.org/wal.html). Every write is one short `BEGIN
//! IMMEDIATE` transaction, which takes the write lock up front, so two
//! processes never deadlock upgrading a read to a write.
//!
//! A damaged file is never deleted, replaced or written over: jobrun
//! reports it and leaves it for the user to look at or move aside.
//!
//! [`History`]: crate::state::History

pub(crate) mod contents;
mod history;
mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::files::io_reason;
use crate::state::dir::{self, OpenError, StateDir};
use crate::state::error::StoreError;
use crate::state::sqlite::schema::SCHEMA_VERSION;

/// The database's name in the state directory.
pub(crate) const FILE_NAME: &str = "history.sqlite3";

/// How long a writer waits for another process's write to finish. Each
/// write takes well under a millisecond, so this is only reached when a
/// process holding the lock is stopped mid-write.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Open the history in `dir`, creating the directory (mode 0700) and
    /// the database (mode 0600) on first use, and bringing the schema up
    /// to date. A directory someone else controls, or a link where a file
    /// of the history belongs, is refused before anything is written.
    pub fn open(dir: &StateDir) -> Result<Store, StoreError> {
        dir.prepare()?;
        let path = dir.path.join(FILE_NAME);
        // Made here, not by SQLite, for its mode (SQLite gives the -wal and
        // -shm files the database's) and to open it without following a
        // link: SQLite resolves a link in the database's name and opens
        // where it points. The -wal and -shm files SQLite opens itself,
        // with O_NOFOLLOW; a link there is named before it tries.
        dir::open_file(&path).map_err(|e| match e {
            OpenError::Distrusted(why) => StoreError::Unsafe {
                path: path.clone(),
                why,
            },
            OpenError::Io(e) => StoreError::Unusable {
                path: path.clone(),
                reason: io_reason(&e),
            },
        })?;
        Store::connect(path)
    }

    /// Open the history in `dir` if it exists, creating nothing: for
    /// commands that only read it.
    pub(crate) fn open_existing(dir: &StateDir) -> Result<Option<Store>, StoreError> {
        if !dir.check_existing()? {
            return Ok(None);
        }
        let path = dir.path.join(FILE_NAME);
        // "Cannot tell" is not "absent": a directory this user may not
        // read must not look like a job that never ran.
        match std::fs::symlink_metadata(&path) {
            Ok(_) => {
                dir::check_file(&path).map_err(|why| StoreError::Unsafe {
                    path: path.clone(),
                    why,
                })?;
                Store::connect(path).map(Some)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Unusable {
                reason: io_reason(&e),
                path,
            }),
        }
    }

    fn connect(path: PathBuf) -> Result<Store, StoreError> {
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut side = path.clone().into_os_string();
            side.push(suffix);
            let side = PathBuf::from(side);
            dir::check_file(&side).map_err(|why| StoreError::Unsafe { path: side, why })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let fail = |e| classify(&path, e);
        let conn = Connection::open_with_flags(&path, flags).map_err(fail)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        // Each run is a new process, so each connection is the last to
        // close. By default that checkpoints the WAL into the database and
        // deletes it: two fsyncs and two files made again, every run. Kept
        // instead, the WAL is read whole by the next process to open it
        // (it rebuilds the WAL index), so it is kept short: a checkpoint
        // every 64 pages, about every ten runs. Measured by `bench/store`:
        // about 2 ms added to a run either way by default, 0.5 ms so.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(fail)?;
        conn.execute_batch("PRAGMA wal_autocheckpoint = 64")
            .map_err(fail)?;
        let mut store = Store { conn, path };
        // While the first processes on a new file switch it to WAL, SQLite
        // can answer SQLITE_BUSY at once, without waiting in the busy
        // handler; that race ends in milliseconds, so wait it out here.
        let started = std::time::Instant::now();
        loop {
            match store.prepare() {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && started.elapsed() < BUSY_TIMEOUT =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                result => break result.map_err(|e| classify(&store.path, e))?,
            }
        }
        Ok(store)
    }

    /// WAL, and the schema brought up to date.
    fn prepare(&mut self) -> rusqlite::Result<()> {
        let version = self.version()?;
        if version > SCHEMA_VERSION {
            // Checked again by the caller, with the error it deserves.
            return Ok(());
        }
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // Persistent: set once, by whichever process comes first.
            let _: String = self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        }
        // In WAL mode NORMAL never corrupts the database; a power cut may
        // lose the last runs' rows, which is worth a faster write.
        self.conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        if version < SCHEMA_VERSION {
            self.migrate()?;
        }
        Ok(())
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Run `work` in one `BEGIN IMMEDIATE` transaction, committed when it
    /// succeeds: the write lock is taken up front, so two processes never
    /// deadlock upgrading a read to a write.
    fn write<T>(
        &mut self,
        work: impl FnOnce(&rusqlite::Transaction) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        self.check_version()?;
        let run = || {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = work(&tx)?;
            tx.commit()?;
            Ok(value)
        };
        run().map_err(|e| classify(&self.path, e))
    }
}

/// SQLite's error as one of jobrun's, with the file it concerns.
fn classify(path: &Path, error: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    let reason = match &error {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        other => other.to_string(),
    };
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            StoreError::Corrupt { path, reason }
        }
        Some(ErrorCode::DiskFull) => StoreError::Full { path },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
            path,
            waited: BUSY_TIMEOUT,
        },
        _ if matches!(error, rusqlite::Error::FromSqlConversionFailure(..)) => {
            StoreError::Corrupt { path, reason }
        }
        _ => StoreError::Unusable { path, reason },
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::state::History;
    use crate::state::alerts::{AlertPolicy, Decided};
    use crate::state::dir::Source;
    use crate::state::record::{Outcome, Record, Trigger};

    pub(super) fn dir() -> (tempfile::TempDir, StateDir) {
        let temp = tempfile::tempdir().unwrap();
        let dir = StateDir {
            path: temp.path().join("state"),
            source: Source::Flag,
        };
        (temp, dir)
    }

    pub(super) fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    pub(super) fn run(id: &str, job: &str, started: &str, outcome: Outcome) -> Record {
        let mut r = Record::start(id.into(), job, Trigger::Manual, None, at(started));
        r.outcome = outcome;
        r
    }

    pub(super) fn policy(cooldown_secs: Option<u64>) -> AlertPolicy {
        AlertPolicy {
            on_failure: true,
            on_recovery: true,
            cooldown: cooldown_secs.map(Duration::from_secs),
        }
    }

    /// Add and finish a run of `job` with `outcome` at `when`, as a new
    /// process would (a connection of its own): what it decided.
    pub(super) fn ended(
        dir: &StateDir,
        id: &str,
        job: &str,
        when: &str,
        outcome: Outcome,
        w: &AlertPolicy,
    ) -> Decided {
        let mut store = Store::open(dir).unwrap();
        let mut r = run(id, job, when, Outcome::Running);
        store.add(&r, 2, true).unwrap();
        r.outcome = outcome;
        store.finish(&mut r, 2, w, at(when)).unwrap()
    }

    #[test]
    fn a_new_store_creates_its_directory_private_and_at_the_current_schema() {
        use std::os::unix::fs::PermissionsExt as _;
        let (_temp, dir) = dir();
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.version().unwrap(), SCHEMA_VERSION);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path), 0o700);
        assert_eq!(mode(store.path()), 0o600);
        let journal: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_reported_and_left_as_it_was() {
        let (_temp, dir) = dir();
        dir.prepare().unwrap();
        let path = dir.path.join(FILE_NAME);
        let junk = b"this is not an SQLite database, and it is longer than a header ....................................................................".repeat(40);
        std::fs::write(&path, &junk).unwrap();
        let error = Store::open(&dir).err().expect("refused");
        assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
        assert_eq!(std::fs::read(&path).unwrap(), junk);
    }

    #[test]
    fn a_full_disk_and_a_lock_held_too_long_say_what_to_do() {
        let path = Path::new("/state/history.sqlite3");
        let failure = |code, message: &str| {
            rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some(message.into()))
        };
        let full = classify(
            path,
            failure(rusqlite::ffi::SQLITE_FULL, "database or disk is full"),
        );
        assert_eq!(
            full.to_string(),
            "cannot write the history database `/state/history.sqlite3`: its file system is full"
        );
        assert!(
            full.help().starts_with("free some space"),
            "{}",
            full.help()
        );
        let locked = classify(
            path,
            failure(rusqlite::ffi::SQLITE_BUSY, "database is locked"),
        );
        assert_eq!(
            locked.to_string(),
            "the history database `/state/history.sqlite3` stayed locked by another process for 10 s"
        );
        assert!(
            locked.help().contains("fuser /state/history.sqlite3"),
            "{}",
            locked.help()
        );
    }

    #[test]
    fn opening_an_absent_history_to_read_creates_nothing() {
        let (_temp, dir) = dir();
        assert!(Store::open_existing(&dir).unwrap().is_none());
        assert!(!dir.path.exists());
    }
}
