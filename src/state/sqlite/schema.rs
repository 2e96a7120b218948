//! The history's tables and how a database moves from one version of
//! them to the next. The schema version is SQLite's `user_version`; each
//! migration moves it up by one, and a database newer than this jobrun is
//! neither read nor written.

use rusqlite::TransactionBehavior;

use crate::state::error::StoreError;
use crate::state::sqlite::{Store, classify};

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
    // 3: a run that died without a word has an outcome of its own, `died`
    // (it was written `interrupted`, with no end time, unlike a run a
    // signal stopped); a jobrun that does not know the word must not read
    // it.
    "UPDATE runs SET outcome = 'died'
        WHERE outcome = 'interrupted' AND ended_at IS NULL;",
    // 4: how many runs of each job and outcome `historyLimit` pruned, so
    // that counts of runs keep growing however few rows are kept (the
    // metrics' `jobrun_runs_total` is a counter). Runs pruned before this
    // version are not known. The index lets the metrics, written after
    // every run, count each job's runs and find its last success without
    // reading every row (bench/metrics: from 33 ms to 3 ms for 20,000).
    "CREATE TABLE pruned (
        job     TEXT NOT NULL,
        outcome TEXT NOT NULL,
        runs    INTEGER NOT NULL,
        PRIMARY KEY (job, outcome)
    ) WITHOUT ROWID;
    CREATE INDEX runs_by_outcome ON runs (job, outcome);",
    // 5: the host each run ran on, and the claims that give a scheduled
    // instant one run (`run --due` fired twice for one instant runs once).
    "ALTER TABLE runs ADD COLUMN host TEXT;
    CREATE TABLE claims (
        job          TEXT NOT NULL,
        scheduled_at TEXT NOT NULL,
        run_id       TEXT NOT NULL,
        host         TEXT NOT NULL,
        claimed_at   TEXT NOT NULL,
        PRIMARY KEY (job, scheduled_at)
    );",
];

/// The schema version this jobrun writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

impl Store {
    /// Run the migrations the database has not had, in one `BEGIN
    /// IMMEDIATE` transaction.
    pub(super) fn migrate(&mut self) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated while this one waited.
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
            tx.execute_batch(migration)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        }
        tx.commit()
    }

    pub(super) fn version(&self) -> rusqlite::Result<i64> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))
    }

    /// The schema must be one this jobrun knows before it reads or writes.
    pub(super) fn check_version(&self) -> Result<(), StoreError> {
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
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;
    use crate::state::History;
    use crate::state::alerts::AlertDecision;
    use crate::state::record::{NoticeKind, Outcome};
    use crate::state::sqlite::FILE_NAME;
    use crate::state::sqlite::tests::{dir, ended, policy, run};

    #[test]
    fn a_history_from_before_notifications_knows_which_jobs_are_failing() {
        let (_temp, dir) = dir();
        dir.prepare().unwrap();
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
    fn runs_marked_interrupted_for_dying_become_died() {
        let (_temp, dir) = dir();
        dir.prepare().unwrap();
        let path = dir.path.join(FILE_NAME);
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.execute_batch("PRAGMA user_version = 2").unwrap();
            conn.execute_batch(
                "INSERT INTO runs (run_id, job, triggered_by, started_at, ended_at, outcome) VALUES \
                 ('killed', 'a', 'manual', '2025-03-07T18:00:00.000Z', NULL, 'interrupted'), \
                 ('signalled', 'a', 'manual', '2025-03-07T18:01:00.000Z', '2025-03-07T18:01:01.000Z', 'interrupted')",
            )
            .unwrap();
        }
        let rows = Store::open(&dir).unwrap().recent(Some("a"), 10).unwrap();
        let outcomes: Vec<(&str, Outcome)> = rows
            .iter()
            .map(|r| (r.run_id.as_str(), r.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("signalled", Outcome::Interrupted),
                ("killed", Outcome::Died)
            ]
        );
        // Through 3 and 4 and on to 5: the runs have no host, and claims work.
        let mut store = Store::open(&dir).unwrap();
        assert_eq!(store.version().unwrap(), SCHEMA_VERSION);
        assert!(rows.iter().all(|r| r.host.is_none()));
        let at = "2025-03-07T18:30:00Z".parse().unwrap();
        assert_eq!(
            store.claim("a", at, "new", "here", 10).unwrap(),
            crate::state::ClaimedBy::This
        );
    }

    #[test]
    fn a_schema_3_history_gains_hosts_and_claims_and_keeps_its_runs() {
        let (_temp, dir) = dir();
        dir.prepare().unwrap();
        let path = dir.path.join(FILE_NAME);
        {
            // Schema 3, as a jobrun that knew `died` but not hosts left it.
            let conn = Connection::open(&path).unwrap();
            for migration in &MIGRATIONS[..3] {
                conn.execute_batch(migration).unwrap();
            }
            conn.execute_batch("PRAGMA user_version = 3").unwrap();
            conn.execute_batch(
                "INSERT INTO runs (run_id, job, triggered_by, scheduled_at, started_at, ended_at, outcome) VALUES \
                 ('died', 'a', 'scheduled', '2025-03-07T18:00:00.000Z', '2025-03-07T18:00:00.000Z', NULL, 'died'), \
                 ('ok', 'a', 'scheduled', '2025-03-07T18:01:00.000Z', '2025-03-07T18:01:00.000Z', '2025-03-07T18:01:01.000Z', 'succeeded')",
            )
            .unwrap();
        }
        let mut store = Store::open(&dir).unwrap();
        assert_eq!(store.version().unwrap(), SCHEMA_VERSION);
        let rows = store.recent(Some("a"), 10).unwrap();
        let outcomes: Vec<(&str, Outcome, Option<&str>)> = rows
            .iter()
            .map(|r| (r.run_id.as_str(), r.outcome, r.host.as_deref()))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("ok", Outcome::Succeeded, None),
                ("died", Outcome::Died, None)
            ]
        );
        // The instant an earlier run ran is not claimed: schema 3 kept no
        // claims, and the first claim of it from now on wins.
        let at = "2025-03-07T18:01:00Z".parse().unwrap();
        assert_eq!(
            store.claim("a", at, "first", "one", 10).unwrap(),
            crate::state::ClaimedBy::This
        );
        assert_eq!(
            store.claim("a", at, "second", "two", 10).unwrap(),
            crate::state::ClaimedBy::Other {
                host: "one".into(),
                run_id: "first".into()
            }
        );
    }

    #[test]
    fn a_schema_4_history_keeps_its_pruned_counts_and_gains_hosts_and_claims() {
        let (_temp, dir) = dir();
        dir.prepare().unwrap();
        let path = dir.path.join(FILE_NAME);
        {
            // Schema 4, as a jobrun that counted pruned runs but knew no
            // hosts left it.
            let conn = Connection::open(&path).unwrap();
            for migration in &MIGRATIONS[..4] {
                conn.execute_batch(migration).unwrap();
            }
            conn.execute_batch("PRAGMA user_version = 4").unwrap();
            conn.execute_batch(
                "INSERT INTO runs (run_id, job, triggered_by, scheduled_at, started_at, ended_at, outcome) VALUES \
                 ('failed', 'a', 'scheduled', '2025-03-07T18:00:00.000Z', '2025-03-07T18:00:00.000Z', '2025-03-07T18:00:01.000Z', 'failed'), \
                 ('ok', 'a', 'scheduled', '2025-03-07T18:01:00.000Z', '2025-03-07T18:01:00.000Z', '2025-03-07T18:01:01.000Z', 'succeeded'); \
                 INSERT INTO pruned (job, outcome, runs) VALUES ('a', 'succeeded', 40), ('a', 'died', 2);",
            )
            .unwrap();
        }
        let mut store = Store::open(&dir).unwrap();
        assert_eq!(store.version().unwrap(), SCHEMA_VERSION);
        let counts: Vec<(String, Outcome, u64)> = store
            .counts()
            .unwrap()
            .into_iter()
            .map(|c| (c.job, c.outcome, c.runs))
            .collect();
        assert_eq!(
            counts,
            [
                ("a".to_string(), Outcome::Died, 2),
                ("a".to_string(), Outcome::Failed, 1),
                ("a".to_string(), Outcome::Succeeded, 41)
            ]
        );
        let rows = store.since_last_success().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].run_id.as_str(), rows[0].host.as_deref()),
            ("ok", None)
        );
        // A run with a host, pruned: counted as main's jobrun counts it.
        let mut r = run("new", "a", "2025-03-07T18:02:00Z", Outcome::Failed);
        r.host = Some("here".into());
        store.add(&r, 1, false).unwrap();
        assert_eq!(
            store.recent(Some("a"), 10).unwrap()[0].host.as_deref(),
            Some("here")
        );
        let succeeded = store
            .counts()
            .unwrap()
            .into_iter()
            .find(|c| c.outcome == Outcome::Succeeded)
            .unwrap();
        assert_eq!(succeeded.runs, 41);
        let at = "2025-03-07T18:01:00Z".parse().unwrap();
        assert_eq!(
            store.claim("a", at, "first", "one", 10).unwrap(),
            crate::state::ClaimedBy::This
        );
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
                found: 6,
                known: 5,
                ..
            })
        ));
        assert!(matches!(
            store.recent(None, 1),
            Err(StoreError::Newer { .. })
        ));
    }
}
