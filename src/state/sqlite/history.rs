//! The history's reads and writes, as SQLite keeps them: [`History`] for
//! the [`Store`], and a run's row in the `runs` table read back as a
//! [`Record`].

use jiff::Timestamp;
use rusqlite::OptionalExtension as _;

use crate::state::alerts::{self, AlertPolicy, AlertState, Claim, Decided};
use crate::state::error::StoreError;
use crate::state::record::{self, Delivery, NoticeKind, Outcome, Record, Trigger};
use crate::state::sqlite::{Store, classify};
use crate::state::{ClaimedBy, Count, History};

/// The `runs` columns a run is written to and read from, in [`row`]'s order.
pub(super) const COLUMNS: &str = "run_id, job, triggered_by, scheduled_at, started_at, ended_at, attempts, \
                       status, outcome, reason, error_class, error, duration_ms, notice, \
                       notice_result, notice_error, ping_error, host";

impl Store {
    pub(super) fn select(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Record>, StoreError> {
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
    /// (SIGKILL, a crash, a power cut): they are marked `died`.
    fn add(&mut self, run: &Record, keep: u32, exclusive: bool) -> Result<(), StoreError> {
        self.write(|tx| {
            if exclusive {
                tx.execute(
                    "UPDATE runs SET outcome = 'died', error = ?2 \
                     WHERE job = ?1 AND outcome = 'running'",
                    [&run.job, crate::state::liveness::DIED],
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
    /// `alerts::decide`) from what the history knows of the job, and
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
            let claim = alerts::mark(decision, run, before, after);
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

    /// Claim the instant: the first insert wins; a second finds the row.
    fn claim(
        &mut self,
        job: &str,
        at: Timestamp,
        run_id: &str,
        host: &str,
        keep: u32,
    ) -> Result<ClaimedBy, StoreError> {
        self.write(|tx| {
            let at = record::instant(at);
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO claims (job, scheduled_at, run_id, host, claimed_at) \
                 VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                rusqlite::params![job, at, run_id, host],
            )?;
            if inserted == 0 {
                let (host, run_id) = tx.query_row(
                    "SELECT host, run_id FROM claims WHERE job = ?1 AND scheduled_at = ?2",
                    rusqlite::params![job, at],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                return Ok(ClaimedBy::Other { host, run_id });
            }
            prune_claims(tx, job, keep)?;
            Ok(ClaimedBy::This)
        })
    }

    /// How many runs of each job the history has recorded, by outcome:
    /// the rows kept and the runs pruned.
    fn counts(&self) -> Result<Vec<Count>, StoreError> {
        self.check_version()?;
        let read = || -> rusqlite::Result<Vec<Count>> {
            let mut statement = self.conn.prepare(
                "SELECT job, outcome, sum(runs) FROM ( \
                     SELECT job, outcome, count(*) AS runs FROM runs GROUP BY job, outcome \
                     UNION ALL SELECT job, outcome, runs FROM pruned) \
                 GROUP BY job, outcome ORDER BY job, outcome",
            )?;
            let rows = statement.query_map([], count)?;
            rows.collect()
        };
        read().map_err(|e| classify(&self.path, e))
    }

    /// Every job's runs from its last success on, and every run still
    /// `running`, newest first.
    fn since_last_success(&self) -> Result<Vec<Record>, StoreError> {
        self.check_version()?;
        let names: Vec<String> = COLUMNS
            .split(", ")
            .map(|c| format!("runs.{}", c.trim()))
            .collect();
        let columns = names.join(", ");
        // The rows come in id order, newest first: the id is selected after
        // the columns a row is read from.
        let id = names.len() + 1;
        // Each job's last success and the rows after it found through the
        // indexes, not by reading every row.
        self.select(
            &format!(
                "WITH jobs AS (SELECT DISTINCT job FROM runs), \
                 last AS (SELECT job, coalesce((SELECT max(id) FROM runs AS r \
                     WHERE r.job = jobs.job AND r.outcome = 'succeeded'), 0) AS id FROM jobs) \
                 SELECT {columns}, runs.id FROM last CROSS JOIN runs \
                     ON runs.job = last.job AND runs.id >= last.id \
                 UNION ALL \
                 SELECT {columns}, runs.id FROM last CROSS JOIN runs \
                     ON runs.job = last.job AND runs.outcome = 'running' AND runs.id < last.id \
                 ORDER BY {id} DESC"
            ),
            [],
        )
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

/// A row of job, outcome and a number of runs.
pub(super) fn count(row: &rusqlite::Row) -> rusqlite::Result<Count> {
    let outcome: String = row.get(1)?;
    Ok(Count {
        job: row.get(0)?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("unknown outcome `{outcome}`").into(),
            )
        })?,
        runs: row.get::<_, i64>(2)?.max(0) as u64,
    })
}

/// Keep only the claims of `job`'s newest `keep` instants.
fn prune_claims(tx: &rusqlite::Transaction, job: &str, keep: u32) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM claims WHERE job = ?1 AND scheduled_at < \
         (SELECT scheduled_at FROM claims WHERE job = ?1 ORDER BY scheduled_at DESC LIMIT 1 OFFSET ?2)",
        rusqlite::params![job, i64::from(keep.max(1) - 1)],
    )
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
            "INSERT INTO runs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
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
            run.host,
        ],
    )
}

/// Keep only the newest `keep` rows of `job`, counting the runs that go
/// in `pruned`. A row still `running` is not counted: its run is counted
/// when it ends (`finish` adds its row again), or when it is found to have
/// died, if its row is still there then.
fn prune(tx: &rusqlite::Transaction, job: &str, keep: u32) -> rusqlite::Result<usize> {
    const OLDER: &str = "job = ?1 AND id <= \
        (SELECT id FROM runs WHERE job = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)";
    let params = rusqlite::params![job, i64::from(keep)];
    tx.execute(
        &format!(
            "INSERT INTO pruned (job, outcome, runs) \
             SELECT job, outcome, count(*) FROM runs \
             WHERE {OLDER} AND outcome <> 'running' GROUP BY job, outcome \
             ON CONFLICT (job, outcome) DO UPDATE SET runs = runs + excluded.runs"
        ),
        params,
    )?;
    tx.execute(&format!("DELETE FROM runs WHERE {OLDER}"), params)
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
        host: row.get(17)?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::alerts::AlertDecision;
    use crate::state::sqlite::tests::{at, dir, ended, policy, run};

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

    /// Runs of `job` by outcome: the rows kept and the runs pruned.
    fn totals(store: &Store, job: &str) -> Vec<(Outcome, u64)> {
        let mut totals: Vec<(Outcome, u64)> = store
            .counts()
            .unwrap()
            .into_iter()
            .filter(|c| c.job == job)
            .map(|c| (c.outcome, c.runs))
            .collect();
        totals.sort_by_key(|(o, _)| o.as_str());
        totals
    }

    #[test]
    fn runs_pruned_are_still_counted_by_outcome() {
        let (_temp, dir) = dir();
        let mut store = Store::open(&dir).unwrap();
        let outcomes = [
            Outcome::Succeeded,
            Outcome::Failed,
            Outcome::Succeeded,
            Outcome::Busy,
            Outcome::Succeeded,
        ];
        for (i, outcome) in outcomes.into_iter().enumerate() {
            let r = run(&format!("a{i}"), "a", "2025-03-07T18:30:00Z", outcome);
            store.add(&r, 2, false).unwrap();
        }
        assert_eq!(store.recent(Some("a"), 100).unwrap().len(), 2);
        assert_eq!(
            totals(&store, "a"),
            [
                (Outcome::Busy, 1),
                (Outcome::Failed, 1),
                (Outcome::Succeeded, 3)
            ]
        );
        // A row pruned while its run is going is counted when it ends.
        let mut going = run("going", "a", "2025-03-07T18:40:00Z", Outcome::Running);
        store.add(&going, 1, false).unwrap();
        store
            .add(
                &run("b", "a", "2025-03-07T18:41:00Z", Outcome::Skipped),
                1,
                false,
            )
            .unwrap();
        assert_eq!(
            totals(&store, "a"),
            [
                (Outcome::Busy, 1),
                (Outcome::Failed, 1),
                (Outcome::Skipped, 1),
                (Outcome::Succeeded, 3)
            ]
        );
        going.outcome = Outcome::Failed;
        store
            .finish(
                &mut going,
                1,
                &AlertPolicy::default(),
                at("2025-03-07T18:42:00Z"),
            )
            .unwrap();
        assert_eq!(
            totals(&store, "a"),
            [
                (Outcome::Busy, 1),
                (Outcome::Failed, 2),
                (Outcome::Skipped, 1),
                (Outcome::Succeeded, 3)
            ]
        );
    }

    #[test]
    fn since_the_last_success_reads_each_jobs_newest_rows_and_every_run_going() {
        let (_temp, dir) = dir();
        let mut store = Store::open(&dir).unwrap();
        use Outcome::*;
        let rows = [
            ("1", "a", Failed),
            ("2", "a", Running),
            ("3", "a", Succeeded),
            ("4", "a", Failed),
            ("5", "a", Skipped),
            ("6", "b", Failed),
            ("7", "b", Failed),
            ("8", "c", Succeeded),
        ];
        for (id, job, outcome) in rows {
            store
                .add(&run(id, job, "2025-03-07T18:30:00Z", outcome), 100, false)
                .unwrap();
        }
        let ids: Vec<String> = store
            .since_last_success()
            .unwrap()
            .into_iter()
            .map(|r| r.run_id)
            .collect();
        assert_eq!(ids, ["8", "7", "6", "5", "4", "3", "2"]);
    }

    #[test]
    fn a_locked_run_marks_rows_left_running_as_died() {
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
        assert_eq!(rows[1].outcome, Outcome::Died);
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
}
