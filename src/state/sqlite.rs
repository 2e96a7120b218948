//! The run history in SQLite: one database in the state directory, shared
//! by every jobrun process on the host.
//!
//! WAL mode lets readers and one writer work at once, and the busy timeout
//! makes a writer wait its turn instead of failing with "database is
//! locked" (sqlite.org/wal.html). Every write is one short `BEGIN
//! IMMEDIATE` transaction, which takes the write lock up front, so two
//! processes never deadlock upgrading a read to a write. The schema version
//! is SQLite's `user_version`; each migration moves it up by one.
//!
//! A damaged file is never deleted, replaced or written over: jobrun
//! reports it and leaves it for the user to look at or move aside.

use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension as _, TransactionBehavior};

use crate::files::io_reason;
use crate::state::History;
use crate::state::alerts::{self, AlertDecision, AlertPolicy, AlertState, Claim, Decided};
use crate::state::dir::StateDir;
use crate::state::error::StoreError;
use crate::state::record::{self, Outcome, Record, Trigger};
use crate::state::record::{Delivery, NoticeKind};

/// The database's name in the state directory.
pub(crate) const FILE_NAME: &str = "history.sqlite3";

/// How long a writer waits for another process's write to finish. Each
/// write takes well under a millisecond, so this is only reached when a
/// process holding the lock is stopped mid-write.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The migrations, in order: migration `i` takes `user_version` from `i`
/// to `i + 1`. Append, never edit: databases in the field have run the old
/// ones.
const MIGRATIONS: &[&str] = &[
    // 1: one row per run.
    "CREATE TABLE runs (
        id           INTEGER PRIMARY KEY,
        run_id       TEXT NOT NULL UNIQUE,
        job          TEXT NOT NULL,
        triggered_by TEXT NOT NULL,
        scheduled_at TEXT,
        started_at   TEXT NOT NULL,
        ended_at     TEXT,
        attempts     INTEGER NOT NULL DEFAULT 0,
        status       INTEGER,
        outcome      TEXT NOT NULL,
        reason       TEXT,
        error_class  TEXT,
        error        TEXT,
        duration_ms  INTEGER
    );
    CREATE INDEX runs_by_job ON runs (job, id);",
    // 2: what each run told (notifications, healthcheck pings), and what
    // the notifications need to know of a job between runs, kept apart
    // from the runs so that `historyLimit` never prunes it. A job whose
    // last decisive run failed starts out failing and told, so its next
    // success is reported as a recovery.
    "ALTER TABLE runs ADD COLUMN notice TEXT;
    ALTER TABLE runs ADD COLUMN notice_result TEXT;
    ALTER TABLE runs ADD COLUMN notice_error TEXT;
    ALTER TABLE runs ADD COLUMN ping_error TEXT;
    CREATE TABLE alerts (
        job       TEXT PRIMARY KEY,
        failing   INTEGER NOT NULL DEFAULT 0,
        told      INTEGER NOT NULL DEFAULT 0,
        last_sent TEXT
    );
    INSERT INTO alerts (job, failing, told)
        SELECT job, outcome = 'failed', outcome = 'failed' FROM runs AS r
        WHERE id = (SELECT max(id) FROM runs
                    WHERE job = r.job AND outcome IN ('succeeded', 'failed'));",
];

/// The schema version this jobrun writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const COLUMNS: &str = "run_id, job, triggered_by, scheduled_at, started_at, ended_at, attempts, \
                       status, outcome, reason, error_class, error, duration_ms, notice, \
                       notice_result, notice_error, ping_error";

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Open the history in `dir`, creating the directory (mode 0700) and
    /// the database (mode 0600) on first use, and bringing the schema up
    /// to date.
    pub fn open(dir: &StateDir) -> Result<Store, StoreError> {
        dir.create().map_err(|e| StoreError::Directory {
            path: dir.path.clone(),
            reason: dir.why_not_created(&e),
        })?;
        let path = dir.path.join(FILE_NAME);
        // Made here, not by SQLite, for its mode: SQLite gives the -wal and
        // -shm files the database's mode. `create` without `truncate`
        // leaves an existing file untouched.
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| StoreError::Unusable {
                path: path.clone(),
                reason: io_reason(&e),
            })?;
        Store::connect(path)
    }

    /// Open the history in `dir` if it exists, creating nothing: for
    /// commands that only read it.
    pub(crate) fn open_existing(dir: &Path) -> Result<Option<Store>, StoreError> {
        let path = dir.join(FILE_NAME);
        // "Cannot tell" is not "absent": a directory this user may not
        // read must not look like a job that never ran.
        match path.try_exists() {
            Ok(true) => Store::connect(path).map(Some),
            Ok(false) => Ok(None),
            // A file where the directory should be is a slip (the
            // database itself given as the directory), not an empty
            // history: it would report every job as never having failed.
            Err(e) => Err(StoreError::Unusable {
                reason: io_reason(&e),
                path,
            }),
        }
    }

    fn connect(path: PathBuf) -> Result<Store, StoreError> {
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
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Another process may have migrated while this one waited.
            let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            for (i, migration) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
                tx.execute_batch(migration)?;
                tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
            }
            tx.commit()?;
        }
        Ok(())
    }

    fn version(&self) -> rusqlite::Result<i64> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))
    }

    /// The schema must be one this jobrun knows before it reads or writes.
    fn check_version(&self) -> Result<(), StoreError> {
        let found = self.version().map_err(|e| classify(&self.path, e))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        Ok(())
    }

    #[cfg(test)]
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

    fn select(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Record>, StoreError> {
        let read = || -> rusqlite::Result<Vec<Record>> {
            let mut statement = self.conn.prepare(sql)?;
            let rows = statement.query_map(params, row)?;
            rows.collect()
        };
        read().map_err(|e| classify(&self.path, e))
    }
}

impl History for Store {
    /// Add a run's row and keep only the job's newest `keep` rows. With
    /// `exclusive` (the caller holds the job's lock), rows the job's
    /// earlier runs left `running` are from runs that died without a word
    /// (SIGKILL, a crash, a power cut): they are marked interrupted.
    fn add(&mut self, run: &Record, keep: u32, exclusive: bool) -> Result<(), StoreError> {
        self.write(|tx| {
            if exclusive {
                tx.execute(
                    "UPDATE runs SET outcome = 'interrupted', \
                     error = 'the run ended without recording how (killed, or the machine stopped)' \
                     WHERE job = ?1 AND outcome = 'running'",
                    [&run.job],
                )?;
            }
            insert(tx, run)?;
            prune(tx, &run.job, keep)?;
            Ok(())
        })
    }

    /// Record how a run added with [`History::add`] ended. Should its row
    /// have been pruned meanwhile (a tiny `historyLimit` and overlapping
    /// runs), it is added again, and the job's rows pruned to `keep` once
    /// more, so that overlapping runs never leave more than that.
    ///
    /// In the same transaction, decide what the run's end tells (see
    /// [`alerts::decide`]) from what the history knows of the job, and
    /// keep what it knows now. The decision is written on the row; what
    /// became of the notification is added by [`History::noted`].
    fn finish(
        &mut self,
        run: &mut Record,
        keep: u32,
        policy: &AlertPolicy,
        now: Timestamp,
    ) -> Result<Decided, StoreError> {
        self.write(|tx| {
            let before = alert(tx, &run.job)?;
            let (decision, after) = alerts::decide(run.outcome, Some(before), policy, now);
            let after = after.unwrap_or(before);
            if after != before {
                tx.execute(
                    "INSERT INTO alerts (job, failing, told, last_sent) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (job) DO UPDATE SET failing = ?2, told = ?3, last_sent = ?4",
                    rusqlite::params![
                        run.job,
                        after.failing,
                        after.told,
                        after.last_sent.map(record::instant)
                    ],
                )?;
            }
            match decision {
                AlertDecision::Quiet => {}
                AlertDecision::Send(kind) => run.notice = Some(kind),
                AlertDecision::CooledDown(_) => {
                    run.notice = Some(NoticeKind::Failure);
                    run.notice_result = Some(Delivery::Cooldown);
                }
            }
            let claim = match decision {
                AlertDecision::Send(NoticeKind::Failure) => after.last_sent.map(|at| Claim {
                    at,
                    previous: before.last_sent,
                }),
                _ => None,
            };
            let changed = tx.execute(
                "UPDATE runs SET ended_at = ?2, attempts = ?3, status = ?4, outcome = ?5, \
                 reason = ?6, error_class = ?7, error = ?8, duration_ms = ?9, notice = ?10, \
                 notice_result = ?11 WHERE run_id = ?1",
                rusqlite::params![
                    run.run_id,
                    run.ended.map(record::instant),
                    run.attempts,
                    run.status,
                    run.outcome.as_str(),
                    run.reason,
                    run.error_class,
                    run.error,
                    run.duration_ms.map(|d| d as i64),
                    run.notice.map(NoticeKind::as_str),
                    run.notice_result.map(Delivery::as_str),
                ],
            )?;
            if changed == 0 {
                insert(tx, run)?;
                prune(tx, &run.job, keep)?;
            }
            Ok(Decided { decision, claim })
        })
    }

    /// Record what became of the run's notification and pings. A failure
    /// notice that could not be delivered gives back its `claim` on the
    /// cooldown, so the next failure tries again instead of being held
    /// back by a message nobody received.
    fn noted(&mut self, run: &Record, release: Option<Claim>) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE runs SET notice = ?2, notice_result = ?3, notice_error = ?4, \
                 ping_error = ?5 WHERE run_id = ?1",
                rusqlite::params![
                    run.run_id,
                    run.notice.map(NoticeKind::as_str),
                    run.notice_result.map(Delivery::as_str),
                    run.notice_error,
                    run.ping_error,
                ],
            )?;
            if let Some(claim) = release {
                // Unless a later run has claimed it since.
                tx.execute(
                    "UPDATE alerts SET last_sent = ?3 WHERE job = ?1 AND last_sent = ?2",
                    rusqlite::params![
                        run.job,
                        record::instant(claim.at),
                        claim.previous.map(record::instant)
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// The job's runs that started at or after `since`, oldest first.
    fn since(&self, job: &str, since: Timestamp) -> Result<Vec<Record>, StoreError> {
        self.check_version()?;
        self.select(
            &format!(
                "SELECT {COLUMNS} FROM runs WHERE job = ?1 AND started_at >= ?2 ORDER BY started_at, id"
            ),
            rusqlite::params![job, record::instant(since)],
        )
    }

    /// The newest `limit` runs, of one job or of all, newest first.
    fn recent(&self, job: Option<&str>, limit: u32) -> Result<Vec<Record>, StoreError> {
        self.check_version()?;
        let limit = i64::from(limit);
        match job {
            Some(job) => self.select(
                &format!("SELECT {COLUMNS} FROM runs WHERE job = ?1 ORDER BY id DESC LIMIT ?2"),
                rusqlite::params![job, limit],
            ),
            None => self.select(
                &format!("SELECT {COLUMNS} FROM runs ORDER BY id DESC LIMIT ?1"),
                rusqlite::params![limit],
            ),
        }
    }

    /// Whether any run of `job` is recorded at all.
    fn knows(&self, job: &str) -> Result<bool, StoreError> {
        self.check_version()?;
        self.conn
            .query_row("SELECT 1 FROM runs WHERE job = ?1 LIMIT 1", [job], |_| {
                Ok(())
            })
            .optional()
            .map(|found| found.is_some())
            .map_err(|e| classify(&self.path, e))
    }
}

/// What the history knows of `job`'s failures; nothing yet for a job it
/// has never seen end.
fn alert(tx: &rusqlite::Transaction, job: &str) -> rusqlite::Result<AlertState> {
    tx.query_row(
        "SELECT failing, told, last_sent FROM alerts WHERE job = ?1",
        [job],
        |row| {
            Ok(AlertState {
                failing: row.get(0)?,
                told: row.get(1)?,
                last_sent: row
                    .get::<_, Option<String>>(2)?
                    .and_then(|t| t.parse::<Timestamp>().ok()),
            })
        },
    )
    .optional()
    .map(Option::unwrap_or_default)
}

fn insert(tx: &rusqlite::Transaction, run: &Record) -> rusqlite::Result<usize> {
    tx.execute(
        &format!(
            "INSERT INTO runs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
        ),
        rusqlite::params![
            run.run_id,
            run.job,
            run.trigger.as_str(),
            run.scheduled.map(record::instant),
            record::instant(run.started),
            run.ended.map(record::instant),
            run.attempts,
            run.status,
            run.outcome.as_str(),
            run.reason,
            run.error_class,
            run.error,
            run.duration_ms.map(|d| d as i64),
            run.notice.map(NoticeKind::as_str),
            run.notice_result.map(Delivery::as_str),
            run.notice_error,
            run.ping_error,
        ],
    )
}

/// Keep only the newest `keep` rows of `job`.
fn prune(tx: &rusqlite::Transaction, job: &str, keep: u32) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM runs WHERE job = ?1 AND id <= \
         (SELECT id FROM runs WHERE job = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        rusqlite::params![job, i64::from(keep)],
    )
}

fn row(row: &rusqlite::Row) -> rusqlite::Result<Record> {
    let text = |i: usize| row.get::<_, String>(i);
    let when = |i: usize| -> rusqlite::Result<Option<Timestamp>> {
        Ok(row
            .get::<_, Option<String>>(i)?
            .and_then(|t| t.parse::<Timestamp>().ok()))
    };
    let invalid = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown {what}").into(),
        )
    };
    Ok(Record {
        run_id: text(0)?,
        job: text(1)?,
        trigger: Trigger::parse(&text(2)?).ok_or_else(|| invalid(2, "trigger"))?,
        scheduled: when(3)?,
        started: when(4)?.ok_or_else(|| invalid(4, "start time"))?,
        ended: when(5)?,
        attempts: row.get(6)?,
        status: row.get(7)?,
        outcome: Outcome::parse(&text(8)?).ok_or_else(|| invalid(8, "outcome"))?,
        reason: row.get(9)?,
        error_class: row.get(10)?,
        error: row.get(11)?,
        duration_ms: row.get::<_, Option<i64>>(12)?.map(|d| d.max(0) as u64),
        notice: row
            .get::<_, Option<String>>(13)?
            .map(|t| NoticeKind::parse(&t).ok_or_else(|| invalid(13, "notice")))
            .transpose()?,
        notice_result: row
            .get::<_, Option<String>>(14)?
            .map(|t| Delivery::parse(&t).ok_or_else(|| invalid(14, "notice result")))
            .transpose()?,
        notice_error: row.get(15)?,
        ping_error: row.get(16)?,
    })
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
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked { path },
        _ if matches!(error, rusqlite::Error::FromSqlConversionFailure(..)) => {
            StoreError::Corrupt { path, reason }
        }
        _ => StoreError::Unusable { path, reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::dir::Source;

    fn dir() -> (tempfile::TempDir, StateDir) {
        let temp = tempfile::tempdir().unwrap();
        let dir = StateDir {
            path: temp.path().join("state"),
            source: Source::Flag,
        };
        (temp, dir)
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn run(id: &str, job: &str, started: &str, outcome: Outcome) -> Record {
        let mut r = Record::start(id.into(), job, Trigger::Manual, None, at(started));
        r.outcome = outcome;
        r
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
    fn rows_round_trip_and_finish_updates_them() {
        let (_temp, dir) = dir();
        let mut store = Store::open(&dir).unwrap();
        let mut r = Record::start(
            "id-1".into(),
            "a",
            Trigger::CatchUp,
            Some(at("2025-03-07T18:30:00Z")),
            at("2025-03-07T18:31:00.250Z"),
        );
        store.add(&r, 100, true).unwrap();
        assert_eq!(store.recent(Some("a"), 10).unwrap(), vec![r.clone()]);
        r.outcome = Outcome::Failed;
        r.ended = Some(at("2025-03-07T18:31:02Z"));
        r.attempts = 4;
        r.status = Some(503);
        r.error_class = Some("http_5xx".into());
        r.error = Some("POST http://x/: 503 Service Unavailable (server error)".into());
        r.duration_ms = Some(1750);
        let decided = store
            .finish(
                &mut r,
                100,
                &AlertPolicy::default(),
                at("2025-03-07T18:31:02Z"),
            )
            .unwrap();
        assert_eq!(decided.decision, AlertDecision::Quiet);
        assert_eq!(store.recent(None, 10).unwrap(), vec![r]);
    }

    #[test]
    fn each_job_keeps_only_its_newest_rows() {
        let (_temp, dir) = dir();
        let mut store = Store::open(&dir).unwrap();
        for i in 0..5 {
            let started = format!("2025-03-07T18:3{i}:00Z");
            store
                .add(
                    &run(&format!("a{i}"), "a", &started, Outcome::Succeeded),
                    3,
                    false,
                )
                .unwrap();
            store
                .add(
                    &run(&format!("b{i}"), "b", &started, Outcome::Succeeded),
                    10,
                    false,
                )
                .unwrap();
        }
        let ids = |job| -> Vec<String> {
            store
                .recent(Some(job), 100)
                .unwrap()
                .into_iter()
                .map(|r| r.run_id)
                .collect()
        };
        assert_eq!(ids("a"), ["a4", "a3", "a2"]);
        assert_eq!(ids("b").len(), 5);
    }

    #[test]
    fn a_locked_run_marks_rows_left_running_as_interrupted() {
        let (_temp, dir) = dir();
        let mut store = Store::open(&dir).unwrap();
        store
            .add(
                &run("old", "a", "2025-03-07T18:30:00Z", Outcome::Running),
                10,
                true,
            )
            .unwrap();
        store
            .add(
                &run("new", "a", "2025-03-07T18:35:00Z", Outcome::Running),
                10,
                true,
            )
            .unwrap();
        let rows = store.recent(Some("a"), 10).unwrap();
        assert_eq!(rows[0].outcome, Outcome::Running);
        assert_eq!(rows[1].outcome, Outcome::Interrupted);
    }

    #[test]
    fn since_includes_the_edge_and_orders_by_start() {
        let (_temp, dir) = dir();
        let mut store = Store::open(&dir).unwrap();
        for (id, t) in [
            ("x", "2025-03-07T18:00:00Z"),
            ("y", "2025-03-07T18:10:00Z"),
            ("z", "2025-03-07T18:09:59.999Z"),
        ] {
            store
                .add(&run(id, "a", t, Outcome::Failed), 10, false)
                .unwrap();
        }
        let found: Vec<String> = store
            .since("a", at("2025-03-07T18:00:00Z"))
            .unwrap()
            .into_iter()
            .map(|r| r.run_id)
            .collect();
        assert_eq!(found, ["x", "z", "y"]);
        assert_eq!(
            store
                .since("a", at("2025-03-07T18:00:00.001Z"))
                .unwrap()
                .len(),
            2
        );
    }

    fn policy(cooldown_secs: Option<u64>) -> AlertPolicy {
        AlertPolicy {
            on_failure: true,
            on_recovery: true,
            cooldown: cooldown_secs.map(Duration::from_secs),
        }
    }

    /// Add and finish a run of `job` with `outcome` at `when`, as a new
    /// process would (a connection of its own): what it decided.
    fn ended(
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
    fn the_cooldown_is_decided_across_connections_and_survives_pruning() {
        let (_temp, dir) = dir();
        let w = policy(Some(600));
        // historyLimit 2: the row of the failure that was told is pruned
        // long before the cooldown ends.
        let decisions: Vec<AlertDecision> = ["18:00", "18:01", "18:02", "18:03", "18:09", "18:10"]
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let when = format!("2025-03-07T{t}:00Z");
                ended(&dir, &format!("r{i}"), "a", &when, Outcome::Failed, &w).decision
            })
            .collect();
        let first = at("2025-03-07T18:00:00Z");
        assert_eq!(
            decisions,
            [
                AlertDecision::Send(NoticeKind::Failure),
                AlertDecision::CooledDown(first),
                AlertDecision::CooledDown(first),
                AlertDecision::CooledDown(first),
                AlertDecision::CooledDown(first),
                AlertDecision::Send(NoticeKind::Failure),
            ]
        );
        let rows = Store::open(&dir).unwrap().recent(Some("a"), 10).unwrap();
        assert_eq!(rows[1].notice_result, Some(Delivery::Cooldown));
        assert_eq!(rows[0].notice, Some(NoticeKind::Failure));
        assert_eq!(rows[0].notice_result, None, "not yet noted");
    }

    #[test]
    fn an_undelivered_failure_notice_gives_its_cooldown_back() {
        let (_temp, dir) = dir();
        let w = policy(Some(3600));
        let first = ended(&dir, "r1", "a", "2025-03-07T18:00:00Z", Outcome::Failed, &w);
        assert_eq!(first.decision, AlertDecision::Send(NoticeKind::Failure));
        let mut store = Store::open(&dir).unwrap();
        let mut row = store.recent(Some("a"), 1).unwrap().remove(0);
        row.notice_result = Some(Delivery::Failed);
        row.notice_error = Some("503 Service Unavailable (server error)".into());
        store.noted(&row, first.claim).unwrap();
        assert_eq!(store.recent(Some("a"), 1).unwrap()[0], row);
        let second = ended(&dir, "r2", "a", "2025-03-07T18:01:00Z", Outcome::Failed, &w);
        assert_eq!(second.decision, AlertDecision::Send(NoticeKind::Failure));
    }

    #[test]
    fn a_recovery_is_decided_once_whatever_connection_asks() {
        let (_temp, dir) = dir();
        let w = policy(None);
        let outcomes = [
            Outcome::Failed,
            Outcome::Failed,
            Outcome::Succeeded,
            Outcome::Succeeded,
        ];
        let decisions: Vec<AlertDecision> = outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let when = format!("2025-03-07T18:0{i}:00Z");
                ended(&dir, &format!("r{i}"), "a", &when, *o, &w).decision
            })
            .collect();
        assert_eq!(
            decisions,
            [
                AlertDecision::Send(NoticeKind::Failure),
                AlertDecision::Send(NoticeKind::Failure),
                AlertDecision::Send(NoticeKind::Recovery),
                AlertDecision::Quiet
            ]
        );
    }

    #[test]
    fn a_history_from_before_notifications_knows_which_jobs_are_failing() {
        let (_temp, dir) = dir();
        dir.create().unwrap();
        let path = dir.path.join(FILE_NAME);
        {
            // Schema 1, as the previous jobrun left it.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch("PRAGMA user_version = 1").unwrap();
            let insert = |id: &str, job: &str, outcome: &str| {
                conn.execute(
                    "INSERT INTO runs (run_id, job, triggered_by, started_at, outcome) \
                     VALUES (?1, ?2, 'manual', '2025-03-07T18:00:00.000Z', ?3)",
                    [id, job, outcome],
                )
                .unwrap();
            };
            insert("1", "down", "succeeded");
            insert("2", "down", "failed");
            insert("3", "down", "skipped");
            insert("4", "up", "failed");
            insert("5", "up", "succeeded");
        }
        let w = policy(None);
        let down = ended(
            &dir,
            "6",
            "down",
            "2025-03-07T18:05:00Z",
            Outcome::Succeeded,
            &w,
        );
        let up = ended(
            &dir,
            "7",
            "up",
            "2025-03-07T18:05:00Z",
            Outcome::Succeeded,
            &w,
        );
        assert_eq!(down.decision, AlertDecision::Send(NoticeKind::Recovery));
        assert_eq!(up.decision, AlertDecision::Quiet);
        let old = Store::open(&dir).unwrap().recent(Some("down"), 10).unwrap();
        assert!(old.iter().all(|r| r.ping_error.is_none()));
    }

    #[test]
    fn a_file_that_is_not_a_database_is_reported_and_left_as_it_was() {
        let (_temp, dir) = dir();
        dir.create().unwrap();
        let path = dir.path.join(FILE_NAME);
        let junk = b"this is not an SQLite database, and it is longer than a header ....................................................................".repeat(40);
        std::fs::write(&path, &junk).unwrap();
        let error = Store::open(&dir).err().expect("refused");
        assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
        assert_eq!(std::fs::read(&path).unwrap(), junk);
    }

    #[test]
    fn a_newer_schema_is_neither_read_nor_written() {
        let (_temp, dir) = dir();
        let store = Store::open(&dir).unwrap();
        store
            .conn
            .execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
            .unwrap();
        drop(store);
        let mut store = Store::open(&dir).unwrap();
        let r = run("n", "a", "2025-03-07T18:30:00Z", Outcome::Running);
        assert!(matches!(
            store.add(&r, 10, false),
            Err(StoreError::Newer {
                found: 3,
                known: 2,
                ..
            })
        ));
        assert!(matches!(
            store.recent(None, 1),
            Err(StoreError::Newer { .. })
        ));
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
        assert!(Store::open_existing(&dir.path).unwrap().is_none());
        assert!(!dir.path.exists());
    }
}
