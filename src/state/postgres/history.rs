//! The history's reads and writes, as PostgreSQL keeps them: the same
//! rows, decisions and pruning as SQLite's (`state::sqlite::history`),
//! written in PostgreSQL's terms. Times are `TIMESTAMPTZ`, sent and read
//! as RFC 3339 text in UTC with milliseconds.
//!
//! Two runs of a job ending at once on two hosts must not both pass the
//! notification cooldown: `finish` locks the job's `jobrun_alerts` row
//! (`FOR UPDATE`, after making sure it exists) for its transaction.

use jiff::Timestamp;
use tokio_postgres::Transaction;
use tokio_postgres::types::{ToSql, Type};

use crate::state::alerts::{self, AlertPolicy, AlertState, Claim, Decided};
use crate::state::error::StoreError;
use crate::state::postgres::{Connection, Shared, Work};
use crate::state::record::{self, Delivery, NoticeKind, Outcome, Record, Trigger};
use crate::state::{ClaimedBy, Count, History};

/// The history in a PostgreSQL database.
pub(crate) struct Store {
    pub(crate) connection: Shared,
}

/// An instant as SQL text for a `TIMESTAMPTZ` column.
fn ts(t: Timestamp) -> String {
    record::instant(t)
}

/// A `TIMESTAMPTZ` column read back as the history's text.
macro_rules! time_text {
    ($column:literal) => {
        concat!(
            "to_char(",
            $column,
            " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        )
    };
}

/// The columns a run is read from, in [`row`]'s order.
const COLUMNS: &str = concat!(
    "run_id, job, host, triggered_by, ",
    time_text!("scheduled_at"),
    ", ",
    time_text!("started_at"),
    ", ",
    time_text!("ended_at"),
    ", attempts, status, outcome, reason, error_class, error, duration_ms, notice, \
     notice_result, notice_error, ping_error"
);

impl Store {
    /// Run `work` in one transaction, committed when it succeeds, once the
    /// schema is known to be current.
    fn write<T: 'static>(
        &mut self,
        work: impl for<'t> FnOnce(&'t Transaction<'t>) -> Work<'t, T> + 'static,
    ) -> Result<T, StoreError> {
        let mut connection = Connection::lock(&self.connection);
        connection.ready(true)?;
        connection.transaction(work)
    }

    /// The runs `sql` selects with `params` (owned, as the query runs on
    /// the connection's runtime).
    fn select(&self, sql: String, params: Vec<(Value, Type)>) -> Result<Vec<Record>, StoreError> {
        let mut connection = Connection::lock(&self.connection);
        connection.ready(true)?;
        let rows = connection.transaction(move |tx| {
            Box::pin(async move {
                let refs: Vec<(&(dyn ToSql + Sync), Type)> = params
                    .iter()
                    .map(|(v, t)| (v.as_sql(), t.clone()))
                    .collect();
                tx.query_typed(&sql, &refs).await
            })
        })?;
        rows.iter()
            .map(row)
            .collect::<Result<Vec<Record>, String>>()
            .map_err(|reason| StoreError::Database {
                target: connection.shown.clone(),
                reason,
            })
    }
}

/// A query parameter owned by the query.
enum Value {
    Text(String),
    Int(i64),
}

impl Value {
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Value::Text(text) => text,
            Value::Int(n) => n,
        }
    }
}

impl History for Store {
    fn add(&mut self, run: &Record, keep: u32, exclusive: bool) -> Result<(), StoreError> {
        let run = run.clone();
        self.write(move |tx| {
            Box::pin(async move {
                if exclusive {
                    tx.query_typed(
                        "UPDATE jobrun_runs SET outcome = 'died', error = $2 \
                         WHERE job = $1 AND outcome = 'running'",
                        &[
                            (&run.job, Type::TEXT),
                            (&crate::state::liveness::DIED, Type::TEXT),
                        ],
                    )
                    .await?;
                }
                insert(tx, &run).await?;
                prune(tx, &run.job, keep).await?;
                Ok(())
            })
        })
    }

    fn finish(
        &mut self,
        run: &mut Record,
        keep: u32,
        policy: &AlertPolicy,
        now: Timestamp,
    ) -> Result<Decided, StoreError> {
        let mut row = run.clone();
        let policy = *policy;
        let (decided, row) = self.write(move |tx| {
            Box::pin(async move {
                let before = alert(tx, &row.job).await?;
                let (decision, after) = alerts::decide(row.outcome, Some(before), &policy, now);
                let after = after.unwrap_or(before);
                if after != before {
                    let last_sent = after.last_sent.map(ts);
                    tx.query_typed(
                        "UPDATE jobrun_alerts SET failing = $2, told = $3, \
                         last_sent = $4::timestamptz WHERE job = $1",
                        &[
                            (&row.job, Type::TEXT),
                            (&after.failing, Type::BOOL),
                            (&after.told, Type::BOOL),
                            (&last_sent, Type::TEXT),
                        ],
                    )
                    .await?;
                }
                let claim = alerts::mark(decision, &mut row, before, after);
                let ended = row.ended.map(ts);
                let attempts = row.attempts as i32;
                let status = row.status.map(i32::from);
                let duration = row.duration_ms.map(|d| d.min(i64::MAX as u64) as i64);
                let notice = row.notice.map(NoticeKind::as_str);
                let notice_result = row.notice_result.map(Delivery::as_str);
                let changed = tx
                    .query_typed(
                        "UPDATE jobrun_runs SET ended_at = $2::timestamptz, attempts = $3, \
                         status = $4, outcome = $5, reason = $6, error_class = $7, error = $8, \
                         duration_ms = $9, notice = $10, notice_result = $11 \
                         WHERE run_id = $1 RETURNING 1",
                        &[
                            (&row.run_id, Type::TEXT),
                            (&ended, Type::TEXT),
                            (&attempts, Type::INT4),
                            (&status, Type::INT4),
                            (&row.outcome.as_str(), Type::TEXT),
                            (&row.reason, Type::TEXT),
                            (&row.error_class, Type::TEXT),
                            (&row.error, Type::TEXT),
                            (&duration, Type::INT8),
                            (&notice, Type::TEXT),
                            (&notice_result, Type::TEXT),
                        ],
                    )
                    .await?;
                if changed.is_empty() {
                    insert(tx, &row).await?;
                    prune(tx, &row.job, keep).await?;
                }
                Ok((Decided { decision, claim }, row))
            })
        })?;
        *run = row;
        Ok(decided)
    }

    fn noted(&mut self, run: &Record, release: Option<Claim>) -> Result<(), StoreError> {
        let run = run.clone();
        self.write(move |tx| {
            Box::pin(async move {
                let notice = run.notice.map(NoticeKind::as_str);
                let notice_result = run.notice_result.map(Delivery::as_str);
                tx.query_typed(
                    "UPDATE jobrun_runs SET notice = $2, notice_result = $3, notice_error = $4, \
                     ping_error = $5 WHERE run_id = $1",
                    &[
                        (&run.run_id, Type::TEXT),
                        (&notice, Type::TEXT),
                        (&notice_result, Type::TEXT),
                        (&run.notice_error, Type::TEXT),
                        (&run.ping_error, Type::TEXT),
                    ],
                )
                .await?;
                if let Some(claim) = release {
                    // Unless a later run has claimed it since.
                    let at = ts(claim.at);
                    let previous = claim.previous.map(ts);
                    tx.query_typed(
                        "UPDATE jobrun_alerts SET last_sent = $3::timestamptz \
                         WHERE job = $1 AND last_sent = $2::timestamptz",
                        &[
                            (&run.job, Type::TEXT),
                            (&at, Type::TEXT),
                            (&previous, Type::TEXT),
                        ],
                    )
                    .await?;
                }
                Ok(())
            })
        })
    }

    fn since(&self, job: &str, since: Timestamp) -> Result<Vec<Record>, StoreError> {
        self.select(
            format!(
                "SELECT {COLUMNS} FROM jobrun_runs WHERE job = $1 \
                 AND started_at >= $2::timestamptz ORDER BY started_at, id"
            ),
            vec![
                (Value::Text(job.to_string()), Type::TEXT),
                (Value::Text(ts(since)), Type::TEXT),
            ],
        )
    }

    fn recent(&self, job: Option<&str>, limit: u32) -> Result<Vec<Record>, StoreError> {
        let limit = i64::from(limit);
        match job {
            Some(job) => self.select(
                format!(
                    "SELECT {COLUMNS} FROM jobrun_runs WHERE job = $1 ORDER BY id DESC LIMIT $2"
                ),
                vec![
                    (Value::Text(job.to_string()), Type::TEXT),
                    (Value::Int(limit), Type::INT8),
                ],
            ),
            None => self.select(
                format!("SELECT {COLUMNS} FROM jobrun_runs ORDER BY id DESC LIMIT $1"),
                vec![(Value::Int(limit), Type::INT8)],
            ),
        }
    }

    fn knows(&self, job: &str) -> Result<bool, StoreError> {
        let mut connection = Connection::lock(&self.connection);
        connection.ready(true)?;
        let job = job.to_string();
        connection.transaction(move |tx| {
            Box::pin(async move {
                let rows = tx
                    .query_typed(
                        "SELECT 1 FROM jobrun_runs WHERE job = $1 LIMIT 1",
                        &[(&job, Type::TEXT)],
                    )
                    .await?;
                Ok(!rows.is_empty())
            })
        })
    }

    fn counts(&self) -> Result<Vec<Count>, StoreError> {
        let mut connection = Connection::lock(&self.connection);
        connection.ready(true)?;
        let rows = connection.transaction(move |tx| {
            Box::pin(async move {
                tx.query_typed(
                    "SELECT job, outcome, sum(runs)::int8 FROM ( \
                         SELECT job, outcome, count(*) AS runs FROM jobrun_runs \
                         GROUP BY job, outcome \
                         UNION ALL SELECT job, outcome, runs FROM jobrun_pruned) AS counted \
                     GROUP BY job, outcome ORDER BY job, outcome",
                    &[],
                )
                .await
            })
        })?;
        rows.iter()
            .map(|r| {
                let outcome: String = r.try_get(1).map_err(|e| e.to_string())?;
                Ok(Count {
                    job: r.try_get(0).map_err(|e| e.to_string())?,
                    outcome: Outcome::parse(&outcome)
                        .ok_or_else(|| format!("a row holds an unknown outcome `{outcome}`"))?,
                    runs: r.try_get::<_, i64>(2).map_err(|e| e.to_string())?.max(0) as u64,
                })
            })
            .collect::<Result<Vec<Count>, String>>()
            .map_err(|reason| StoreError::Database {
                target: connection.shown.clone(),
                reason,
            })
    }

    fn since_last_success(&self) -> Result<Vec<Record>, StoreError> {
        // Each job's last success found through `jobrun_runs_by_outcome`,
        // and the rows after it through the primary key.
        self.select(
            format!(
                "WITH last AS (SELECT jobs.job, coalesce((SELECT max(id) FROM jobrun_runs AS s \
                     WHERE s.job = jobs.job AND s.outcome = 'succeeded'), 0) AS id \
                     FROM (SELECT DISTINCT job FROM jobrun_runs) AS jobs) \
                 SELECT {COLUMNS} FROM jobrun_runs WHERE id IN ( \
                     SELECT r.id FROM last JOIN jobrun_runs AS r \
                         ON r.job = last.job AND r.id >= last.id \
                     UNION ALL \
                     SELECT r.id FROM last JOIN jobrun_runs AS r \
                         ON r.job = last.job AND r.outcome = 'running' AND r.id < last.id) \
                 ORDER BY id DESC"
            ),
            Vec::new(),
        )
    }

    fn claim(
        &mut self,
        job: &str,
        at: Timestamp,
        run_id: &str,
        host: &str,
        keep: u32,
    ) -> Result<ClaimedBy, StoreError> {
        let (job, run_id, host) = (job.to_string(), run_id.to_string(), host.to_string());
        self.write(move |tx| {
            Box::pin(async move {
                let at = ts(at);
                let won = tx
                    .query_typed(
                        "INSERT INTO jobrun_claims (job, scheduled_at, run_id, host) \
                         VALUES ($1, $2::timestamptz, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
                        &[
                            (&job, Type::TEXT),
                            (&at, Type::TEXT),
                            (&run_id, Type::TEXT),
                            (&host, Type::TEXT),
                        ],
                    )
                    .await?;
                if won.is_empty() {
                    let rows = tx
                        .query_typed(
                            "SELECT host, run_id FROM jobrun_claims \
                             WHERE job = $1 AND scheduled_at = $2::timestamptz",
                            &[(&job, Type::TEXT), (&at, Type::TEXT)],
                        )
                        .await?;
                    return Ok(match rows.first() {
                        Some(r) => ClaimedBy::Other {
                            host: r.get(0),
                            run_id: r.get(1),
                        },
                        None => ClaimedBy::Other {
                            host: String::new(),
                            run_id: String::new(),
                        },
                    });
                }
                // Claims of instants older than the job's newest `keep`
                // are of no more use: no run is ever due for them again.
                tx.query_typed(
                    "DELETE FROM jobrun_claims WHERE job = $1 AND scheduled_at < \
                     (SELECT scheduled_at FROM jobrun_claims WHERE job = $1 \
                      ORDER BY scheduled_at DESC OFFSET $2 LIMIT 1)",
                    &[
                        (&job, Type::TEXT),
                        (&i64::from(keep.max(1) - 1), Type::INT8),
                    ],
                )
                .await?;
                Ok(ClaimedBy::This)
            })
        })
    }
}

/// What the history knows of `job`'s failures, its row locked until the
/// transaction ends.
async fn alert(tx: &Transaction<'_>, job: &str) -> Result<AlertState, tokio_postgres::Error> {
    tx.query_typed(
        "INSERT INTO jobrun_alerts (job) VALUES ($1) ON CONFLICT DO NOTHING",
        &[(&job, Type::TEXT)],
    )
    .await?;
    let rows = tx
        .query_typed(
            concat!(
                "SELECT failing, told, ",
                time_text!("last_sent"),
                " FROM jobrun_alerts WHERE job = $1 FOR UPDATE"
            ),
            &[(&job, Type::TEXT)],
        )
        .await?;
    Ok(rows
        .first()
        .map_or_else(AlertState::default, |r| AlertState {
            failing: r.get(0),
            told: r.get(1),
            last_sent: r
                .get::<_, Option<String>>(2)
                .and_then(|t| t.parse::<Timestamp>().ok()),
        }))
}

pub(crate) async fn insert(
    tx: &Transaction<'_>,
    run: &Record,
) -> Result<u64, tokio_postgres::Error> {
    let scheduled = run.scheduled.map(ts);
    let started = ts(run.started);
    let ended = run.ended.map(ts);
    let attempts = run.attempts as i32;
    let status = run.status.map(i32::from);
    let duration = run.duration_ms.map(|d| d.min(i64::MAX as u64) as i64);
    let notice = run.notice.map(NoticeKind::as_str);
    let notice_result = run.notice_result.map(Delivery::as_str);
    let rows = tx
        .query_typed(
            "INSERT INTO jobrun_runs (run_id, job, host, triggered_by, scheduled_at, started_at, \
             ended_at, attempts, status, outcome, reason, error_class, error, duration_ms, notice, \
             notice_result, notice_error, ping_error) VALUES ($1, $2, $3, $4, $5::timestamptz, \
             $6::timestamptz, $7::timestamptz, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
             ON CONFLICT (run_id) DO NOTHING RETURNING 1",
            &[
                (&run.run_id, Type::TEXT),
                (&run.job, Type::TEXT),
                (&run.host, Type::TEXT),
                (&run.trigger.as_str(), Type::TEXT),
                (&scheduled, Type::TEXT),
                (&started, Type::TEXT),
                (&ended, Type::TEXT),
                (&attempts, Type::INT4),
                (&status, Type::INT4),
                (&run.outcome.as_str(), Type::TEXT),
                (&run.reason, Type::TEXT),
                (&run.error_class, Type::TEXT),
                (&run.error, Type::TEXT),
                (&duration, Type::INT8),
                (&notice, Type::TEXT),
                (&notice_result, Type::TEXT),
                (&run.notice_error, Type::TEXT),
                (&run.ping_error, Type::TEXT),
            ],
        )
        .await?;
    Ok(rows.len() as u64)
}

/// Keep only the newest `keep` rows of `job`, counting the runs that go
/// in `jobrun_pruned`, as SQLite does (`state::sqlite::history`): a row
/// still `running` is not counted, its run is when it ends. Each row
/// deleted is counted by the one transaction that deleted it, however
/// many hosts prune the job at once.
async fn prune(tx: &Transaction<'_>, job: &str, keep: u32) -> Result<(), tokio_postgres::Error> {
    tx.query_typed(
        "WITH gone AS (DELETE FROM jobrun_runs WHERE job = $1 AND id <= \
             (SELECT id FROM jobrun_runs WHERE job = $1 ORDER BY id DESC OFFSET $2 LIMIT 1) \
             RETURNING job, outcome) \
         INSERT INTO jobrun_pruned (job, outcome, runs) \
         SELECT job, outcome, count(*) FROM gone WHERE outcome <> 'running' \
         GROUP BY job, outcome \
         ON CONFLICT (job, outcome, source) DO UPDATE SET runs = jobrun_pruned.runs + excluded.runs",
        &[(&job, Type::TEXT), (&i64::from(keep), Type::INT8)],
    )
    .await?;
    Ok(())
}

fn row(row: &tokio_postgres::Row) -> Result<Record, String> {
    let text = |i: usize| -> Result<String, String> {
        row.try_get::<_, String>(i).map_err(|e| e.to_string())
    };
    let opt = |i: usize| -> Result<Option<String>, String> {
        row.try_get::<_, Option<String>>(i)
            .map_err(|e| e.to_string())
    };
    let when = |i: usize| -> Result<Option<Timestamp>, String> {
        Ok(opt(i)?.and_then(|t| t.parse::<Timestamp>().ok()))
    };
    let invalid = |what: &str, value: &str| format!("a row holds an unknown {what} `{value}`");
    let trigger = text(3)?;
    let outcome = text(9)?;
    Ok(Record {
        run_id: text(0)?,
        job: text(1)?,
        host: opt(2)?,
        trigger: Trigger::parse(&trigger).ok_or_else(|| invalid("trigger", &trigger))?,
        scheduled: when(4)?,
        started: when(5)?.ok_or_else(|| "a row has no start time".to_string())?,
        ended: when(6)?,
        attempts: row.try_get::<_, i32>(7).map_err(|e| e.to_string())?.max(0) as u32,
        status: row
            .try_get::<_, Option<i32>>(8)
            .map_err(|e| e.to_string())?
            .and_then(|s| u16::try_from(s).ok()),
        outcome: Outcome::parse(&outcome).ok_or_else(|| invalid("outcome", &outcome))?,
        reason: opt(10)?,
        error_class: opt(11)?,
        error: opt(12)?,
        duration_ms: row
            .try_get::<_, Option<i64>>(13)
            .map_err(|e| e.to_string())?
            .map(|d| d.max(0) as u64),
        notice: opt(14)?
            .map(|t| NoticeKind::parse(&t).ok_or_else(|| invalid("notice", &t)))
            .transpose()?,
        notice_result: opt(15)?
            .map(|t| Delivery::parse(&t).ok_or_else(|| invalid("notice result", &t)))
            .transpose()?,
        notice_error: opt(16)?,
        ping_error: opt(17)?,
    })
}
